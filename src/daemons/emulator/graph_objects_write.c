/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Writes to the directory through Graph: the objects POST creates (server-assigned ids and
 * defaults as Graph returns them), PATCH merges, and DELETE with its cascades. Every function
 * here runs under the directory lock; the body was checked by graph_validate.c.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "graph_objects.h"
#include "m365id/error.h"
#include "util/crypto.h"
#include "util/quote.h"
#include "util/strutil.h"
#include "util/timeutil.h"

/* Service principal properties a tenant may change on Microsoft Graph's own service
 * principal: they describe the principal in this tenant only. Everything else (appRoles,
 * displayName, servicePrincipalNames...) comes from Microsoft's application. */
static const char *const first_party_settable[] = {"appRoleAssignmentRequired", "description",
                                                   "notes", "tags", NULL};

static json_t *fail(struct graph_problem *prob, int status, const char *code, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));

static json_t *fail(struct graph_problem *prob, int status, const char *code, const char *fmt,
                    ...)
{
    va_list ap;

    prob->status = status;
    prob->code = code;
    va_start(ap, fmt);
    vsnprintf(prob->message, sizeof(prob->message), fmt, ap);
    va_end(ap);
    return NULL;
}

static void now_text(char *out, size_t size)
{
    m365id__format_rfc3339(out, size, m365id__now_s());
}

static int new_guid(char out[37])
{
    return m365id__guid_v4(out);
}

/* Replace the string @p key of @p obj by its lower-case spelling when it is a GUID. */
static void lower_guid(json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    char lower[37];
    size_t i;

    if (v == NULL || !m365id__is_guid(v))
        return;
    for (i = 0; i < 36; i++)
        lower[i] = (char)tolower((unsigned char)v[i]);
    lower[36] = '\0';
    if (strcmp(lower, v) != 0)
        json_object_set_new(obj, key, json_string(lower));
}

/* Lower-case the GUIDs of an application's appRoles, oauth2PermissionScopes and
 * requiredResourceAccess: Graph accepts any case and returns them in lower case, and
 * clients compare the returned ids as strings. */
static void lower_application_guids(json_t *app)
{
    json_t *list = json_object_get(app, "requiredResourceAccess");
    json_t *item;
    json_t *access;
    size_t i;
    size_t j;

    json_array_foreach(list, i, item) {
        lower_guid(item, "resourceAppId");
        json_array_foreach(json_object_get(item, "resourceAccess"), j, access)
            lower_guid(access, "id");
    }
    json_array_foreach(json_object_get(app, "appRoles"), i, item)
        lower_guid(item, "id");
    list = json_object_get(json_object_get(app, "api"), "oauth2PermissionScopes");
    json_array_foreach(list, i, item)
        lower_guid(item, "id");
}

/* Copy the members of @p body into @p obj, leaving out annotations ("@odata.type",
 * "@odata.etag"), the read-only id and, for users, passwordProfile: the directory never
 * stores a password. */
static void merge_body(json_t *obj, const json_t *body, enum graph_kind kind)
{
    const char *key;
    json_t *value;

    json_object_foreach((json_t *)body, key, value) {
        if (strchr(key, '@') != NULL || strcmp(key, "id") == 0)
            continue;
        if (kind == GRAPH_USERS && strcmp(key, "passwordProfile") == 0)
            continue;
        json_object_set_new(obj, key, json_deep_copy(value));
    }
    if (kind == GRAPH_APPLICATIONS)
        lower_application_guids(obj);
}

/* The other object of @p items whose @p prop equals that of @p candidate, without case. */
static const json_t *duplicate_of(const json_t *items, const json_t *candidate,
                                  const json_t *except, const char *prop)
{
    const char *v = json_string_value(json_object_get(candidate, prop));
    size_t i;

    for (i = 0; v != NULL && i < json_array_size(items); i++) {
        const json_t *o = json_array_get(items, i);
        const char *w = json_string_value(json_object_get(o, prop));

        if (o != except && o != candidate && w != NULL && strcasecmp(v, w) == 0)
            return o;
    }
    return NULL;
}

/* Federated credentials: name unique, and issuer plus subject unique, within the app. */
static json_t *fic_conflict(struct graph_problem *prob, const json_t *items,
                            const json_t *candidate, const json_t *except)
{
    const char *issuer = json_string_value(json_object_get(candidate, "issuer"));
    const char *subject = json_string_value(json_object_get(candidate, "subject"));
    struct m365id__quoted q;
    size_t i;

    if (duplicate_of(items, candidate, except, "name") != NULL) {
        m365id__quote(&q, json_string_value(json_object_get(candidate, "name")));
        return fail(prob, 409, "Request_MultipleObjectsWithSameKeyValue",
                    "FederatedIdentityCredential with name '%s' already exists on this "
                    "application.", q.text);
    }
    for (i = 0; i < json_array_size(items); i++) {
        const json_t *o = json_array_get(items, i);
        const char *oi = json_string_value(json_object_get(o, "issuer"));
        const char *os = json_string_value(json_object_get(o, "subject"));

        /* Issuer and subject are compared exactly, as the token endpoint matches them. */
        if (o != except && oi != NULL && os != NULL && strcmp(oi, issuer) == 0 &&
            strcmp(os, subject) == 0)
            return fail(prob, 409, "Request_MultipleObjectsWithSameKeyValue",
                        "A federated identity credential with the same issuer and subject "
                        "already exists on this application (name '%s').",
                        json_string_value(json_object_get(o, "name")));
    }
    prob->status = 0;
    return NULL;
}

static json_t *new_fic(struct graph_problem *prob, struct emu_dir_tenant *dt, json_t *items,
                       const json_t *body)
{
    json_t *fic;
    char id[37];

    if (json_array_size(items) >= EMU_DIR_FIC_MAX)
        return fail(prob, 400, "Request_BadRequest",
                    "The application already has the maximum of %d federated identity "
                    "credentials. Delete one before adding another.", EMU_DIR_FIC_MAX);
    if (emu_graph_validate_fic(prob, body) < 0)
        return NULL;
    if (fic_conflict(prob, items, body, NULL) == NULL && prob->status != 0)
        return NULL;
    if (new_guid(id) < 0)
        return NULL;
    fic = json_pack("{s:s,s:O,s:O,s:O,s:n,s:O}", "id", id, "name", json_object_get(body, "name"),
                    "issuer", json_object_get(body, "issuer"), "subject",
                    json_object_get(body, "subject"), "description", "audiences",
                    json_object_get(body, "audiences"));
    if (fic != NULL && json_object_get(body, "description") != NULL)
        json_object_set(fic, "description", json_object_get(body, "description"));
    if (fic == NULL || emu_dir_insert(dt, items, json_incref(fic)) != 0) {
        json_decref(fic);
        return fail(prob, 400, "Directory_QuotaExceeded",
                    "The directory object quota limit for the tenant has been exceeded.");
    }
    emu_dir_fic_changed(dt, id);
    return fic;
}

/* An app role assignment: principal and resource are service principals of the tenant, the
 * role is one of the resource's appRoles, and the same grant may not exist twice. */
static json_t *new_assignment(struct graph_problem *prob, const struct graph_target *t,
                              struct emu_dir_tenant *dt, const json_t *top_obj,
                              const json_t *body)
{
    json_t *sps = emu_dir_collection(dt, EMU_DIR_SERVICE_PRINCIPALS, 0);
    json_t *all = emu_dir_collection(dt, EMU_DIR_APP_ROLE_ASSIGNMENTS, 1);
    const char *principal_id = json_string_value(json_object_get(body, "principalId"));
    const char *resource_id = json_string_value(json_object_get(body, "resourceId"));
    const char *role_id = json_string_value(json_object_get(body, "appRoleId"));
    const char *path_id = json_string_value(json_object_get(top_obj, "id"));
    const json_t *principal;
    const json_t *resource;
    json_t *a;
    char *id;
    char now[32];
    size_t i;
    struct m365id__quoted q;

    if (strcasecmp(t->assigned_to ? resource_id : principal_id, path_id) != 0) {
        return fail(prob, 400, "Request_BadRequest",
                    "The %s '%s' of the request body must be the id of the service principal "
                    "in the request URL ('%s').", t->assigned_to ? "resourceId" : "principalId",
                    t->assigned_to ? resource_id : principal_id, path_id);
    }
    principal = emu_dir_find(sps, "id", principal_id);
    resource = emu_dir_find(sps, "id", resource_id);
    if (principal == NULL || resource == NULL) {
        m365id__quote(&q, principal == NULL ? principal_id : resource_id);
        return fail(prob, 404, "Request_ResourceNotFound",
                    "Resource '%s' does not exist or one of its queried reference-property "
                    "objects are not present.", q.text);
    }
    if (emu_dir_app_role_value(resource, role_id) == NULL) {
        return fail(prob, 400, "Request_BadRequest",
                    "Permission being assigned was not found on application '%s'.",
                    json_string_value(json_object_get(resource, "appId")));
    }
    for (i = 0; i < json_array_size(all); i++) {
        const json_t *o = json_array_get(all, i);
        const char *op = json_string_value(json_object_get(o, "principalId"));
        const char *orr = json_string_value(json_object_get(o, "resourceId"));
        const char *oro = json_string_value(json_object_get(o, "appRoleId"));

        if (op != NULL && orr != NULL && oro != NULL && strcasecmp(op, principal_id) == 0 &&
            strcasecmp(orr, resource_id) == 0 && strcasecmp(oro, role_id) == 0)
            return fail(prob, 400, "Request_BadRequest",
                        "Permission being assigned already exists on the object.");
    }

    id = emu_dir_new_assignment_id();
    if (id == NULL)
        return NULL;
    now_text(now, sizeof(now));
    /* principalId and resourceId are copied from the stored service principals, so they
     * have the stored spelling whatever case the body used. */
    a = json_pack("{s:s,s:s,s:s,s:n,s:O,s:O,s:s,s:O,s:O}", "id", id, "appRoleId", role_id,
                  "createdDateTime", now, "deletedDateTime", "principalDisplayName",
                  json_object_get(principal, "displayName"), "principalId",
                  json_object_get(principal, "id"), "principalType", "ServicePrincipal",
                  "resourceDisplayName", json_object_get(resource, "displayName"), "resourceId",
                  json_object_get(resource, "id"));
    free(id);
    if (a != NULL)
        lower_guid(a, "appRoleId");
    if (a == NULL || emu_dir_insert(dt, all, json_incref(a)) != 0) {
        json_decref(a);
        return fail(prob, 400, "Directory_QuotaExceeded",
                    "The directory object quota limit for the tenant has been exceeded.");
    }
    return a;
}

/* A service principal for an application of the tenant, one per appId. */
static json_t *new_service_principal(struct graph_problem *prob, struct emu_dir_tenant *dt,
                                     json_t *items, const json_t *body, const char *id)
{
    const char *app_id = json_string_value(json_object_get(body, "appId"));
    const json_t *app = emu_dir_find(emu_dir_collection(dt, EMU_DIR_APPLICATIONS, 0), "appId",
                                     app_id);
    const json_t *existing = emu_dir_find(items, "appId", app_id);
    json_t *names;
    json_t *uris;
    json_t *sp;
    size_t i;

    /* Checked first: Microsoft Graph's service principal has no application in the tenant. */
    if (existing != NULL)
        return fail(prob, 409, "Request_MultipleObjectsWithSameKeyValue",
                    "The service principal cannot be created, updated, or restored because the "
                    "service principal name %s is already in use.",
                    json_string_value(json_object_get(existing, "appId")));
    if (app == NULL)
        return fail(prob, 400, "Request_BadRequest",
                    "The appId '%s' of the service principal does not reference a valid "
                    "application object.", app_id);
    names = json_pack("[O]", json_object_get(app, "appId"));
    uris = json_object_get(app, "identifierUris");
    for (i = 0; names != NULL && i < json_array_size(uris); i++)
        json_array_append(names, json_array_get(uris, i));
    sp = json_pack("{s:s,s:b,s:O,s:O,s:s,s:b,s:o,s:o,s:O,s:s,s:O,s:[],s:[],s:[]}", "id", id,
                   "accountEnabled", 1, "appDisplayName", json_object_get(app, "displayName"),
                   "appId", json_object_get(app, "appId"), "appOwnerOrganizationId",
                   emu_dir_tenant_scenario(dt)->id, "appRoleAssignmentRequired", 0, "appRoles",
                   json_deep_copy(json_object_get(app, "appRoles") != NULL
                                      ? json_object_get(app, "appRoles")
                                      : json_array()),
                   "servicePrincipalNames", names, "displayName",
                   json_object_get(app, "displayName"), "servicePrincipalType", "Application",
                   "signInAudience", json_object_get(app, "signInAudience"), "keyCredentials",
                   "passwordCredentials", "tags");
    return sp;
}

/* The object POST creates in a top-level collection, before it is stored. */
static json_t *new_top_object(struct graph_problem *prob, const struct graph_target *t,
                              struct emu_dir_tenant *dt, json_t *items, const json_t *body)
{
    char id[37];
    char app_id[37];
    char now[32];
    json_t *o = NULL;

    if (new_guid(id) < 0)
        return NULL;
    now_text(now, sizeof(now));
    switch (t->top->kind) {
    case GRAPH_USERS:
        if (duplicate_of(items, body, NULL, "userPrincipalName") != NULL)
            return fail(prob, 400, "Request_BadRequest",
                        "Another object with the same value for property userPrincipalName "
                        "already exists.");
        o = json_pack("{s:s,s:s}", "id", id, "createdDateTime", now);
        break;
    case GRAPH_GROUPS:
        o = json_pack("{s:s,s:s,s:n,s:[],s:n}", "id", id, "createdDateTime", now, "description",
                      "groupTypes", "mail");
        break;
    case GRAPH_APPLICATIONS:
        if (new_guid(app_id) < 0)
            return NULL;
        o = json_pack("{s:s,s:s,s:n,s:s,s:n,s:[],s:n,s:[],s:[],s:s,s:[],s:[],s:[],s:{s:[]},"
                      "s:{s:[],s:n}}",
                      "id", id, "appId", app_id, "deletedDateTime", "createdDateTime", now,
                      "description", "identifierUris", "isFallbackPublicClient",
                      "keyCredentials", "passwordCredentials", "signInAudience", "AzureADMyOrg",
                      "appRoles", "tags", "requiredResourceAccess", "publicClient",
                      "redirectUris", "web", "redirectUris", "homePageUrl");
        break;
    case GRAPH_SERVICE_PRINCIPALS:
        return new_service_principal(prob, dt, items, body, id);
    case GRAPH_CONFIGURATION_POLICIES:
        o = json_pack("{s:s,s:s,s:s,s:s,s:n,s:b,s:[s],s:[],s:n}", "id", id, "createdDateTime",
                      now, "lastModifiedDateTime", now, "description", "", "creationSource",
                      "isAssigned", 0, "roleScopeTagIds", "0", "settings", "templateReference");
        break;
    case GRAPH_FICS:
    case GRAPH_APP_ROLE_ASSIGNMENTS:
        break;
    }
    return o;
}

json_t *emu_graph_create(const struct graph_call *g, const struct graph_target *t,
                         struct emu_dir_tenant *dt, json_t *items, json_t *top_obj,
                         const json_t *body, struct graph_problem *prob)
{
    json_t *obj = NULL;
    json_t *doc = NULL;
    int rc;

    prob->status = 0;
    if (t->sub != NULL && t->sub->kind == GRAPH_FICS)
        obj = new_fic(prob, dt, items, body);
    else if (t->sub != NULL)
        obj = new_assignment(prob, t, dt, top_obj, body);
    if (t->sub != NULL)
        goto reply;

    obj = new_top_object(prob, t, dt, items, body);
    if (obj == NULL)
        goto out;
    if (t->top->kind == GRAPH_SERVICE_PRINCIPALS) {
        json_t *extra = json_deep_copy(body);

        /* appId was resolved to the application's own spelling above. */
        if (extra == NULL) {
            json_decref(obj);
            obj = NULL;
            goto out;
        }
        json_object_del(extra, "appId");
        merge_body(obj, extra, t->top->kind);
        json_decref(extra);
    } else {
        merge_body(obj, body, t->top->kind);
    }
    if (t->top->kind == GRAPH_CONFIGURATION_POLICIES)
        json_object_set_new(obj, "settingCount",
                            json_integer((json_int_t)json_array_size(
                                json_object_get(obj, "settings"))));
    rc = emu_dir_insert(dt, items, json_incref(obj));
    if (rc != 0) {
        json_decref(obj);
        obj = NULL;
        if (rc == 1)
            fail(prob, 400, "Directory_QuotaExceeded",
                 "The directory object quota limit for the tenant has been exceeded.");
        goto out;
    }

reply:
    if (obj != NULL)
        doc = emu_graph_entity_doc(g, t, obj);

out:
    json_decref(obj);
    return doc;
}

static int in_list(const char *s, const char *const *list)
{
    size_t i;

    for (i = 0; list[i] != NULL; i++) {
        if (strcmp(s, list[i]) == 0)
            return 1;
    }
    return 0;
}

/* Nonzero when @p obj is Microsoft Graph's service principal, which Microsoft manages. */
static int is_graph_service_principal(const struct graph_target *t, struct emu_dir_tenant *dt,
                                      const json_t *obj)
{
    const char *id = json_string_value(json_object_get(obj, "id"));

    return t->sub == NULL && t->top->kind == GRAPH_SERVICE_PRINCIPALS && id != NULL &&
           strcasecmp(id, emu_dir_graph_sp_id(dt)) == 0;
}

/* Check one PATCH member for Microsoft Graph's service principal, where only the members of
 * first_party_settable may change. NOTE: Graph's exact reply is not documented. Public reports
 * show 400 Request_BadRequest for a PATCH of a service principal's appRoles, and that the
 * portal and PowerShell cannot delete this principal, so the emulator returns 400
 * Request_BadRequest for both. */
static int first_party_change(struct graph_problem *prob, const json_t *obj, const char *key,
                              const json_t *value)
{
    const json_t *stored = json_object_get(obj, key);
    struct m365id__quoted q;

    if (strchr(key, '@') != NULL || in_list(key, first_party_settable) ||
        (stored != NULL && json_equal(stored, value)))
        return 0;
    m365id__quote(&q, key);
    fail(prob, 400, "Request_BadRequest",
         "Property '%s' of the service principal of Microsoft first-party application "
         "'Microsoft Graph' (appId %s) cannot be changed in a tenant; only %s can be.",
         q.text, EMU_GRAPH_APP_ID, "appRoleAssignmentRequired, description, notes and tags");
    return -1;
}

void emu_graph_patch(const struct graph_target *t, struct emu_dir_tenant *dt, json_t *items,
                     json_t *obj, const json_t *body, struct graph_problem *prob)
{
    enum graph_kind kind = t->sub != NULL ? t->sub->kind : t->top->kind;
    json_t *candidate = NULL;
    const char *key;
    json_t *value;
    struct m365id__quoted q;

    prob->status = 0;
    json_object_foreach((json_t *)body, key, value) {
        const json_t *stored = json_object_get(obj, key);

        /* Sending a read-only property back unchanged is accepted, as Graph does. */
        if (strchr(key, '@') == NULL && emu_graph_is_read_only(key, kind) &&
            (stored == NULL || !json_equal(stored, value))) {
            m365id__quote(&q, key);
            fail(prob, 400, "Request_BadRequest",
                 "Property '%s' is read-only and cannot be set.", q.text);
            return;
        }
        if (is_graph_service_principal(t, dt, obj) && first_party_change(prob, obj, key, value))
            return;
    }
    candidate = json_deep_copy(obj);
    if (candidate == NULL) {
        fail(prob, 500, "InternalServerError", "out of memory");
        return;
    }
    merge_body(candidate, body, kind);
    if (kind == GRAPH_FICS) {
        if (emu_graph_validate_fic(prob, candidate) < 0 ||
            (fic_conflict(prob, items, candidate, obj) == NULL && prob->status != 0))
            goto out;
    }
    if (kind == GRAPH_USERS && duplicate_of(items, candidate, obj, "userPrincipalName") != NULL) {
        fail(prob, 400, "Request_BadRequest",
             "Another object with the same value for property userPrincipalName already "
             "exists.");
        goto out;
    }
    if (kind == GRAPH_CONFIGURATION_POLICIES) {
        char now[32];

        now_text(now, sizeof(now));
        json_object_set_new(candidate, "lastModifiedDateTime", json_string(now));
        json_object_set_new(candidate, "settingCount",
                            json_integer((json_int_t)json_array_size(
                                json_object_get(candidate, "settings"))));
    }
    /* Replace the stored members in place: the object keeps its position in the
     * collection, and pointers to it stay valid. */
    json_object_clear(obj);
    json_object_update(obj, candidate);
    if (kind == GRAPH_FICS)
        emu_dir_fic_changed(dt, json_string_value(json_object_get(obj, "id")));

out:
    json_decref(candidate);
}

void emu_graph_delete(const struct graph_target *t, struct emu_dir_tenant *dt, json_t *obj,
                      struct graph_problem *prob)
{
    char name[160];

    prob->status = 0;
    if (is_graph_service_principal(t, dt, obj)) {
        fail(prob, 400, "Request_BadRequest",
             "The service principal of Microsoft first-party application 'Microsoft Graph' "
             "(appId %s) cannot be deleted: every application permission of the tenant is "
             "granted on it.", EMU_GRAPH_APP_ID);
        return;
    }
    if (t->sub != NULL && t->sub->kind == GRAPH_FICS) {
        emu_dir_fic_collection_name(name, sizeof(name), t->top_id);
        emu_dir_fic_deleted(dt, json_string_value(json_object_get(obj, "id")));
        emu_dir_remove(emu_dir_collection(dt, name, 0), obj);
    } else if (t->sub != NULL) {
        emu_dir_remove(emu_dir_collection(dt, EMU_DIR_APP_ROLE_ASSIGNMENTS, 0), obj);
    } else if (t->top->kind == GRAPH_APPLICATIONS) {
        emu_dir_delete_application(dt, obj);
    } else if (t->top->kind == GRAPH_SERVICE_PRINCIPALS) {
        emu_dir_delete_service_principal(dt, obj);
    } else {
        emu_dir_remove(emu_dir_collection(dt, t->top->store, 0), obj);
    }
}
