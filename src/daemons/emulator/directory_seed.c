/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The directory's starting content, built from the scenario: users, an application and a
 * service principal per scenario application, their federated credentials and Graph app role
 * assignments, and Microsoft Graph's own service principal with its app roles.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory.h"
#include "directory_internal.h"
#include "m365id/error.h"
#include "m365id/graph.h"
#include "scenario_parse.h"
#include "util/crypto.h"
#include "util/timeutil.h"

/* The tenant that owns Microsoft's first-party applications, as Graph reports it in
 * appOwnerOrganizationId of their service principals. */
#define MICROSOFT_SERVICES_TENANT "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

/* endDateTime shown for a scenario secret or certificate without an expiry. */
#define NO_EXPIRY "2299-12-31T23:59:59Z"

char *emu_dir_new_assignment_id(void)
{
    unsigned char raw[32];

    /* Graph's appRoleAssignment ids are 43 base64url characters, not GUIDs. */
    if (m365id__random(raw, sizeof(raw)) < 0)
        return NULL;
    return m365id__b64url_encode(raw, sizeof(raw));
}

/* A stable assignment id for a seeded role, so restarts keep the same ids. */
static char *seeded_assignment_id(const char *tenant_id, const char *sp_id, const char *role_id)
{
    unsigned char h[M365ID_SHA256_LEN];
    char seed[160];

    snprintf(seed, sizeof(seed), "app-role-assignment\n%s\n%s\n%s", tenant_id, sp_id, role_id);
    m365id__sha256(h, seed, strlen(seed));
    return m365id__b64url_encode(h, sizeof(h));
}

static json_t *nullable_string(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static json_t *user_object(const struct emu_user *u)
{
    json_t *o = json_pack("{s:s,s:s,s:s}", "id", u->id, "displayName", u->display_name,
                          "userPrincipalName", u->upn);

    if (o == NULL)
        return NULL;
    json_object_set_new(o, "mail", nullable_string(u->mail));
    json_object_set_new(o, "jobTitle", nullable_string(u->job_title));
    return o;
}

/* One app role of Microsoft Graph's service principal. */
static json_t *graph_app_role(const char *name, const char *id)
{
    char description[160];

    /* NOTE: Graph's real displayName and description are prose such as "Read and write
     * Microsoft Intune configuration"; the emulator repeats the permission name. */
    snprintf(description, sizeof(description), "Microsoft Graph application permission %s.",
             name);
    return json_pack("{s:[s],s:s,s:s,s:s,s:b,s:s,s:s}", "allowedMemberTypes", "Application",
                     "description", description, "displayName", name, "id", id, "isEnabled", 1,
                     "origin", "Application", "value", name);
}

/* Nonzero when @p roles already has an entry with value @p name. */
static int has_role_value(const json_t *roles, const char *name)
{
    size_t i;

    for (i = 0; i < json_array_size(roles); i++) {
        const char *v = json_string_value(json_object_get(json_array_get(roles, i), "value"));

        if (v != NULL && strcmp(v, name) == 0)
            return 1;
    }
    return 0;
}

/*
 * Microsoft Graph's service principal: the public app role table, plus every role a scenario
 * application of the tenant has that the table lacks, with a stable generated id, so tokens
 * keep every role the scenario grants.
 */
static json_t *graph_service_principal(const struct emu_dir_tenant *dt)
{
    const struct emu_tenant *t = dt->tenant;
    json_t *roles = json_array();
    json_t *sp = NULL;
    const char *name;
    const char *id;
    size_t i;
    size_t j;

    if (roles == NULL)
        return NULL;
    for (i = 0; m365id_graph_app_role_at(i, &name, &id); i++) {
        if (json_array_append_new(roles, graph_app_role(name, id)) < 0)
            goto out;
    }
    for (i = 0; i < t->app_count; i++) {
        for (j = 0; j < t->apps[i].role_count; j++) {
            const char *role = t->apps[i].roles[j];
            char *generated;

            if (m365id_graph_app_role_id(role) != NULL || has_role_value(roles, role))
                continue;
            generated = emu_scn_derived_guid("graph-app-role", role, "");
            if (generated == NULL ||
                json_array_append_new(roles, graph_app_role(role, generated)) < 0) {
                free(generated);
                goto out;
            }
            free(generated);
        }
    }
    sp = json_pack("{s:s,s:b,s:s,s:s,s:s,s:b,s:O,s:[s,s],s:s,s:s,s:[],s:[],s:[]}", "id",
                   dt->graph_sp_id, "accountEnabled", 1, "appDisplayName", "Microsoft Graph",
                   "appId", M365ID_GRAPH_APP_ID, "appOwnerOrganizationId",
                   MICROSOFT_SERVICES_TENANT, "appRoleAssignmentRequired", 0, "appRoles", roles,
                   "servicePrincipalNames", M365ID_GRAPH_APP_ID, "https://graph.microsoft.com",
                   "displayName", "Microsoft Graph", "servicePrincipalType", "Application",
                   "keyCredentials", "passwordCredentials", "tags");

out:
    json_decref(roles);
    return sp;
}

static void format_time(char *out, size_t size, long long unix_s)
{
    if (unix_s == 0)
        snprintf(out, size, "%s", NO_EXPIRY);
    else
        m365id__format_rfc3339(out, size, unix_s);
}

/* passwordCredentials as Graph lists them: hint and keyId, never the value (secretText). */
static json_t *password_credentials(const struct emu_app *a, const char *created)
{
    json_t *list = json_array();
    char end[32];
    size_t i;

    for (i = 0; list != NULL && i < a->secret_count; i++) {
        const struct emu_secret *s = &a->secrets[i];

        format_time(end, sizeof(end), s->expires);
        json_array_append_new(list, json_pack("{s:n,s:n,s:s,s:s,s:s,s:n,s:s}",
                                              "customKeyIdentifier", "displayName",
                                              "endDateTime", end, "hint",
                                              s->hint != NULL ? s->hint : "", "keyId", s->id,
                                              "secretText", "startDateTime", created));
    }
    return list;
}

/* keyCredentials as Graph lists them: customKeyIdentifier is the SHA-1 thumbprint as
 * Edm.Binary (base64), and "key" is null, as Graph returns it without $select=keyCredentials. */
static json_t *key_credentials(const struct emu_tenant *t, const struct emu_app *a)
{
    json_t *list = json_array();
    size_t i;

    for (i = 0; list != NULL && i < a->cert_count; i++) {
        const struct emu_cert *c = &a->certs[i];
        char start[32];
        char end[32];
        char *thumb = m365id__b64_encode(c->info.sha1, sizeof(c->info.sha1));
        char *key_id = emu_scn_derived_guid("key-credential", t->id, c->thumbprint_hex);

        m365id__format_rfc3339(start, sizeof(start), c->info.not_before);
        m365id__format_rfc3339(end, sizeof(end), c->info.not_after);
        if (thumb != NULL && key_id != NULL)
            json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:n,s:s,s:s,s:s,s:s}",
                                                  "customKeyIdentifier", thumb, "displayName",
                                                  c->info.subject, "endDateTime", end, "key",
                                                  "keyId", key_id, "startDateTime", start,
                                                  "type", "AsymmetricX509Cert", "usage",
                                                  "Verify"));
        free(thumb);
        free(key_id);
    }
    return list;
}

/* requiredResourceAccess: the Graph roles of the scenario application, as Role entries. */
static json_t *required_resource_access(const struct emu_app *a, const json_t *graph_sp)
{
    json_t *access = json_array();
    json_t *rra;
    size_t i;

    if (a->role_count == 0 || access == NULL)
        return access;
    for (i = 0; i < a->role_count; i++) {
        json_t *roles = json_object_get(graph_sp, "appRoles");
        size_t j;

        for (j = 0; j < json_array_size(roles); j++) {
            const json_t *r = json_array_get(roles, j);

            if (strcmp(json_string_value(json_object_get(r, "value")), a->roles[i]) == 0)
                json_array_append_new(access, json_pack("{s:O,s:s}", "id",
                                                        json_object_get(r, "id"), "type",
                                                        "Role"));
        }
    }
    rra = json_pack("[{s:s,s:o}]", "resourceAppId", M365ID_GRAPH_APP_ID, "resourceAccess",
                    access);
    return rra;
}

static json_t *application_object(const struct emu_tenant *t, const struct emu_app *a,
                                  const char *object_id, const char *created,
                                  const json_t *graph_sp)
{
    return json_pack("{s:s,s:s,s:n,s:s,s:n,s:s,s:[],s:o,s:o,s:o,s:s,s:[],s:[],s:o,s:{s:[]},"
                     "s:{s:[],s:n}}",
                     "id", object_id, "appId", a->app_id, "deletedDateTime", "createdDateTime",
                     created, "description", "displayName", a->display_name, "identifierUris",
                     "isFallbackPublicClient",
                     a->allow_public_client ? json_true() : json_null(), "keyCredentials",
                     key_credentials(t, a), "passwordCredentials",
                     password_credentials(a, created), "signInAudience", "AzureADMyOrg",
                     "appRoles", "tags", "requiredResourceAccess",
                     required_resource_access(a, graph_sp), "publicClient", "redirectUris",
                     "web", "redirectUris", "homePageUrl");
}

static json_t *service_principal_object(const struct emu_tenant *t, const struct emu_app *a)
{
    return json_pack("{s:s,s:b,s:s,s:s,s:s,s:b,s:[],s:[s],s:s,s:s,s:s,s:[],s:[],s:[]}", "id",
                     a->sp_id, "accountEnabled", 1, "appDisplayName", a->display_name, "appId",
                     a->app_id, "appOwnerOrganizationId", t->id, "appRoleAssignmentRequired", 0,
                     "appRoles", "servicePrincipalNames", a->app_id, "displayName",
                     a->display_name, "servicePrincipalType", "Application", "signInAudience",
                     "AzureADMyOrg", "keyCredentials", "passwordCredentials", "tags");
}

static json_t *fic_object(const struct emu_fic *f, const char *tenant_id, const char *app_id)
{
    char key[320];
    char *id;
    json_t *o;

    /* The id differs between tenants, applications and credentials, and survives restarts. */
    snprintf(key, sizeof(key), "%s/%s", app_id, f->name);
    id = emu_scn_derived_guid("federated-credential", tenant_id, key);
    if (id == NULL)
        return NULL;
    o = json_pack("{s:s,s:s,s:s,s:s,s:n,s:[s]}", "id", id, "name", f->name, "issuer", f->issuer,
                  "subject", f->subject, "description", "audiences", f->audience);
    free(id);
    return o;
}

/* Seed one scenario application: the application, its credentials, its service principal and
 * an app role assignment to Microsoft Graph per role. */
static int seed_app(struct emu_dir_tenant *dt, const struct emu_app *a, const json_t *graph_sp,
                    const char *created)
{
    const struct emu_tenant *t = dt->tenant;
    char *object_id = emu_scn_derived_guid("application", t->id, a->app_id);
    char fic_name[160];
    json_t *fics;
    json_t *assignments = emu_dir_collection(dt, EMU_DIR_APP_ROLE_ASSIGNMENTS, 1);
    int rc = M365ID_ENOMEM;
    size_t i;

    if (object_id == NULL || assignments == NULL)
        goto out;
    if (emu_dir_insert(dt, emu_dir_collection(dt, EMU_DIR_APPLICATIONS, 1),
                       application_object(t, a, object_id, created, graph_sp)) != 0 ||
        emu_dir_insert(dt, emu_dir_collection(dt, EMU_DIR_SERVICE_PRINCIPALS, 1),
                       service_principal_object(t, a)) != 0)
        goto out;

    emu_dir_fic_collection_name(fic_name, sizeof(fic_name), object_id);
    fics = emu_dir_collection(dt, fic_name, a->fic_count > 0);
    for (i = 0; i < a->fic_count; i++) {
        if (emu_dir_insert(dt, fics, fic_object(&a->fics[i], t->id, a->app_id)) != 0)
            goto out;
    }

    for (i = 0; i < a->role_count; i++) {
        json_t *roles = json_object_get(graph_sp, "appRoles");
        const char *role_id = NULL;
        char *assignment_id;
        size_t j;

        for (j = 0; j < json_array_size(roles) && role_id == NULL; j++) {
            const json_t *r = json_array_get(roles, j);

            if (strcmp(json_string_value(json_object_get(r, "value")), a->roles[i]) == 0)
                role_id = json_string_value(json_object_get(r, "id"));
        }
        if (role_id == NULL)
            continue; /* graph_service_principal() added every scenario role, so not reached */
        assignment_id = seeded_assignment_id(t->id, a->sp_id, role_id);
        if (assignment_id == NULL)
            goto out;
        rc = emu_dir_insert(dt, assignments,
                            json_pack("{s:s,s:s,s:s,s:n,s:s,s:s,s:s,s:s,s:s}", "id",
                                      assignment_id, "appRoleId", role_id, "createdDateTime",
                                      created, "deletedDateTime", "principalDisplayName",
                                      a->display_name, "principalId", a->sp_id, "principalType",
                                      "ServicePrincipal", "resourceDisplayName",
                                      "Microsoft Graph", "resourceId", dt->graph_sp_id));
        free(assignment_id);
        if (rc != 0) {
            rc = M365ID_ENOMEM;
            goto out;
        }
    }
    rc = 0;

out:
    free(object_id);
    return rc;
}

int emu_dir_seed_tenant(struct emu_dir_tenant *dt)
{
    const struct emu_tenant *t = dt->tenant;
    json_t *users;
    json_t *graph_sp;
    char *graph_sp_id;
    char created[32];
    size_t i;

    m365id__format_rfc3339(created, sizeof(created), m365id__now_s());
    graph_sp_id = emu_scn_derived_guid("graph-service-principal", t->id, "");
    if (graph_sp_id == NULL)
        return M365ID_ENOMEM;
    snprintf(dt->graph_sp_id, sizeof(dt->graph_sp_id), "%s", graph_sp_id);
    free(graph_sp_id);

    users = emu_dir_collection(dt, EMU_DIR_USERS, 1);
    if (users == NULL || emu_dir_collection(dt, EMU_DIR_GROUPS, 1) == NULL ||
        emu_dir_collection(dt, EMU_DIR_APPLICATIONS, 1) == NULL ||
        emu_dir_collection(dt, EMU_DIR_SERVICE_PRINCIPALS, 1) == NULL ||
        emu_dir_collection(dt, EMU_DIR_CONFIGURATION_POLICIES, 1) == NULL)
        return M365ID_ENOMEM;
    for (i = 0; i < t->user_count; i++) {
        if (emu_dir_insert(dt, users, user_object(&t->users[i])) != 0)
            return M365ID_ENOMEM;
    }

    graph_sp = graph_service_principal(dt);
    if (graph_sp == NULL)
        return M365ID_ENOMEM;
    if (emu_dir_insert(dt, emu_dir_collection(dt, EMU_DIR_SERVICE_PRINCIPALS, 0),
                       json_incref(graph_sp)) != 0) {
        json_decref(graph_sp);
        return M365ID_ENOMEM;
    }
    for (i = 0; i < t->app_count; i++) {
        if (seed_app(dt, &t->apps[i], graph_sp, created) != 0) {
            json_decref(graph_sp);
            return M365ID_ENOMEM;
        }
    }
    json_decref(graph_sp);
    return 0;
}

int emu_directory_new(struct emu_directory **out, const struct emu_scenario *scn)
{
    struct emu_directory *dir = calloc(1, sizeof(*dir));
    size_t i;

    *out = NULL;
    if (dir == NULL)
        return M365ID_ENOMEM;
    pthread_mutex_init(&dir->lock, NULL);
    dir->tenants = calloc(scn->tenant_count > 0 ? scn->tenant_count : 1, sizeof(*dir->tenants));
    if (dir->tenants == NULL) {
        emu_directory_free(dir);
        return M365ID_ENOMEM;
    }
    for (i = 0; i < scn->tenant_count; i++) {
        struct emu_dir_tenant *dt = &dir->tenants[i];

        dt->tenant = &scn->tenants[i];
        dt->collections = json_object();
        dt->fic_visible_at = json_object();
        dt->fic_propagation_s = scn->fic_propagation_s;
        dir->tenant_count++;
        if (dt->collections == NULL || dt->fic_visible_at == NULL ||
            emu_dir_seed_tenant(dt) != 0) {
            emu_directory_free(dir);
            return M365ID_ENOMEM;
        }
    }
    *out = dir;
    return 0;
}
