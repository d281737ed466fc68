/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * GET /_emulator/directory?tenant=ID&collection=NAME: the stored objects of one collection,
 * so tests can confirm what Graph requests changed. The directory stores no secret values.
 */
#include <string.h>
#include <strings.h>

#include "directory.h"
#include "emu.h"
#include "util/quote.h"

/* The scenario tenant whose id or domain is @p key, in any cloud. */
static const struct emu_tenant *find_tenant(const struct emu_scenario *scn, const char *key)
{
    size_t i;
    size_t j;

    for (i = 0; i < scn->tenant_count; i++) {
        const struct emu_tenant *t = &scn->tenants[i];

        if (strcasecmp(t->id, key) == 0)
            return t;
        for (j = 0; j < t->domain_count; j++) {
            if (strcasecmp(t->domains[j], key) == 0)
                return t;
        }
    }
    return NULL;
}

/*
 * The objects of @p name as a new array: a stored collection, the federated credentials of
 * an existing application ("applications/{id}/federatedIdentityCredentials", empty when it
 * has none), or the assignment views "servicePrincipals/{id}/appRoleAssignments" and
 * ".../appRoleAssignedTo". NULL when @p name names none of these.
 */
static json_t *collection_copy(struct emu_dir_tenant *dt, const char *name)
{
    static const char sp_prefix[] = "servicePrincipals/";
    json_t *c = emu_dir_collection(dt, name, 0);
    char id[64];
    const char *slash;
    size_t n;

    if (c != NULL)
        return json_deep_copy(c);
    if (strncmp(name, "applications/", 13) == 0) {
        slash = strchr(name + 13, '/');
        n = slash != NULL ? (size_t)(slash - (name + 13)) : 0;
        if (n == 0 || n >= sizeof(id) || strcmp(slash, "/federatedIdentityCredentials") != 0)
            return NULL;
        memcpy(id, name + 13, n);
        id[n] = '\0';
        if (emu_dir_find(emu_dir_collection(dt, EMU_DIR_APPLICATIONS, 0), "id", id) == NULL)
            return NULL;
        return json_array();
    }
    if (strncmp(name, sp_prefix, sizeof(sp_prefix) - 1) == 0) {
        const char *rest = name + sizeof(sp_prefix) - 1;
        json_t *all = emu_dir_collection(dt, EMU_DIR_APP_ROLE_ASSIGNMENTS, 0);
        json_t *out;
        const char *member;
        size_t i;

        slash = strchr(rest, '/');
        n = slash != NULL ? (size_t)(slash - rest) : 0;
        if (n == 0 || n >= sizeof(id))
            return NULL;
        if (strcmp(slash, "/appRoleAssignments") == 0)
            member = "principalId";
        else if (strcmp(slash, "/appRoleAssignedTo") == 0)
            member = "resourceId";
        else
            return NULL;
        memcpy(id, rest, n);
        id[n] = '\0';
        if (emu_dir_find(emu_dir_collection(dt, EMU_DIR_SERVICE_PRINCIPALS, 0), "id", id) == NULL)
            return NULL;
        out = json_array();
        for (i = 0; out != NULL && i < json_array_size(all); i++) {
            const json_t *a = json_array_get(all, i);
            const char *v = json_string_value(json_object_get(a, member));

            if (v != NULL && strcasecmp(v, id) == 0)
                json_array_append_new(out, json_deep_copy(a));
        }
        return out;
    }
    return NULL;
}

void emu_directory_admin(struct httpd_reply *reply, const struct httpd_request *req,
                         struct emu *e)
{
    const char *tenant_key = httpd_query(req, "tenant");
    const char *name = httpd_query(req, "collection");
    const struct emu_tenant *tenant;
    struct emu_dir_tenant *dt;
    json_t *value = NULL;
    struct m365id__quoted q;

    if (strcmp(req->method, "GET") != 0) {
        m365id__quote(&q, req->method);
        emu_reply_plain_error(reply, 405, "MethodNotAllowed",
                              "'/_emulator/directory' supports GET only, not '%s'", q.text);
        httpd_reply_add_header(reply, "Allow", "GET");
        return;
    }
    if (tenant_key == NULL || name == NULL || tenant_key[0] == '\0' || name[0] == '\0') {
        emu_reply_plain_error(reply, 400, "BadRequest",
                              "pass the query parameters 'tenant' (id or domain) and "
                              "'collection', such as collection=applications");
        return;
    }
    tenant = find_tenant(e->scn, tenant_key);
    if (tenant == NULL) {
        m365id__quote(&q, tenant_key);
        emu_reply_plain_error(reply, 404, "NotFound",
                              "no tenant '%s' in the scenario; use a tenant id or domain",
                              q.text);
        return;
    }

    emu_directory_lock(e->directory);
    dt = emu_directory_tenant(e->directory, tenant);
    if (dt != NULL)
        value = collection_copy(dt, name);
    emu_directory_unlock(e->directory);

    if (value == NULL) {
        m365id__quote(&q, name);
        emu_reply_plain_error(reply, 404, "NotFound",
                              "no collection '%s' in tenant %s; use users, groups, "
                              "applications, servicePrincipals, appRoleAssignments, "
                              "deviceManagement/configurationPolicies, "
                              "applications/{id}/federatedIdentityCredentials or "
                              "servicePrincipals/{id}/appRoleAssignments", q.text, tenant->id);
        return;
    }
    emu_reply_json(reply, 200,
                   json_pack("{s:s,s:s,s:o}", "tenant", tenant->id, "collection", name, "value",
                             value));
    httpd_reply_outcome(reply, "directory %s", name);
}
