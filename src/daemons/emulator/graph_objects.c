/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Graph routes on the directory store: users, groups, applications, servicePrincipals (with
 * their federated credentials and app role assignments) and beta's device configuration
 * policies. Create, read, update, delete, paged listing and $filter, behind the permissions
 * Graph requires. Body checks are in graph_validate.c, writes in graph_objects_write.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "directory.h"
#include "graph.h"
#include "graph_objects.h"
#include "m365id/error.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/quote.h"
#include "util/strutil.h"

#define PAGE_SIZE_DEFAULT 100
#define PAGE_SIZE_MAX 999
#define SEGMENTS_MAX 6

/* Permissions per collection: app-only tokens are checked on "roles", delegated ones on
 * "scp". Names and alternatives follow the permission tables of Graph's API reference. */
static const char *const user_read[] = {"User.Read.All", "User.ReadWrite.All",
                                        "Directory.Read.All", "Directory.ReadWrite.All", NULL};
static const char *const user_read_scopes[] = {"User.ReadBasic.All", "User.Read.All",
                                               "User.ReadWrite.All", "Directory.Read.All",
                                               "Directory.ReadWrite.All", NULL};
static const char *const user_write[] = {"User.ReadWrite.All", "Directory.ReadWrite.All", NULL};
static const char *const group_read[] = {"GroupMember.Read.All", "Group.Read.All",
                                         "Group.ReadWrite.All", "Directory.Read.All",
                                         "Directory.ReadWrite.All", NULL};
static const char *const group_write[] = {"Group.ReadWrite.All", "Directory.ReadWrite.All",
                                          NULL};
static const char *const app_read[] = {"Application.Read.All", "Application.ReadWrite.All",
                                       "Directory.Read.All", "Directory.ReadWrite.All", NULL};
/* NOTE: Graph also accepts Application.ReadWrite.OwnedBy for applications the caller owns;
 * the emulator keeps no owners, so it requires Application.ReadWrite.All. */
static const char *const app_write[] = {"Application.ReadWrite.All", NULL};
static const char *const fic_read[] = {"Application.Read.All", "Application.ReadWrite.All",
                                       NULL};
static const char *const assignment_read[] = {"Application.Read.All",
                                              "Application.ReadWrite.All",
                                              "AppRoleAssignment.ReadWrite.All",
                                              "Directory.Read.All", "Directory.ReadWrite.All",
                                              NULL};
static const char *const assignment_write[] = {"AppRoleAssignment.ReadWrite.All", NULL};
/* Granting an assignment needs AppRoleAssignment.ReadWrite.All and one of these as well. */
static const char *const assignment_grant_also[] = {"Application.Read.All",
                                                    "Application.ReadWrite.All",
                                                    "Directory.Read.All",
                                                    "Directory.ReadWrite.All", NULL};
static const char *const policy_read[] = {"DeviceManagementConfiguration.Read.All",
                                          "DeviceManagementConfiguration.ReadWrite.All", NULL};
static const char *const policy_write[] = {"DeviceManagementConfiguration.ReadWrite.All", NULL};

static const struct graph_collection collections[] = {
    {GRAPH_USERS, "users", EMU_DIR_USERS, user_read, user_write, user_read_scopes, user_write},
    {GRAPH_GROUPS, "groups", EMU_DIR_GROUPS, group_read, group_write, group_read, group_write},
    {GRAPH_APPLICATIONS, "applications", EMU_DIR_APPLICATIONS, app_read, app_write, app_read,
     app_write},
    {GRAPH_SERVICE_PRINCIPALS, "servicePrincipals", EMU_DIR_SERVICE_PRINCIPALS, app_read,
     app_write, app_read, app_write},
    {GRAPH_CONFIGURATION_POLICIES, "configurationPolicies", EMU_DIR_CONFIGURATION_POLICIES,
     policy_read, policy_write, policy_read, policy_write},
    {GRAPH_FICS, "federatedIdentityCredentials", NULL, fic_read, app_write, fic_read, app_write},
    {GRAPH_APP_ROLE_ASSIGNMENTS, "appRoleAssignments", NULL, assignment_read, assignment_write,
     assignment_read, assignment_write},
};

static const struct graph_collection *collection_def(enum graph_kind kind)
{
    size_t i;

    for (i = 0; i < sizeof(collections) / sizeof(collections[0]); i++) {
        if (collections[i].kind == kind)
            return &collections[i];
    }
    return NULL;
}

/* --- path parsing --- */

/*
 * Split "name(prop='value')" or "name('value')" into its parts; a segment without
 * parentheses leaves @p key empty. A doubled quote in the value stands for one quote.
 * @return 0, or -1 when the parentheses are malformed
 */
static int split_key_segment(const char *seg, char *name, size_t name_size, char *prop,
                             size_t prop_size, char *key, size_t key_size)
{
    const char *open = strchr(seg, '(');
    const char *p;
    size_t n;
    size_t k = 0;

    prop[0] = '\0';
    key[0] = '\0';
    if (open == NULL) {
        snprintf(name, name_size, "%s", seg);
        return 0;
    }
    n = (size_t)(open - seg);
    if (n >= name_size)
        return -1;
    memcpy(name, seg, n);
    name[n] = '\0';
    p = open + 1;
    if (*p != '\'') {
        const char *eq = strchr(p, '=');

        if (eq == NULL || (size_t)(eq - p) >= prop_size || eq == p)
            return -1;
        memcpy(prop, p, (size_t)(eq - p));
        prop[eq - p] = '\0';
        p = eq + 1;
    } else {
        snprintf(prop, prop_size, "id");
    }
    if (*p != '\'')
        return -1;
    for (p++; *p != '\0'; p++) {
        if (*p == '\'') {
            if (p[1] != '\'')
                break;
            p++;
        }
        if (k + 1 >= key_size)
            return -1;
        key[k++] = *p;
    }
    key[k] = '\0';
    if (*p != '\'' || strcmp(p, "')") != 0 || k == 0)
        return -1;
    return 0;
}

/*
 * Parse the path after the version into @p t.
 * @return 1 for a directory path; 0 for any other path (Graph's "Resource not found for the
 *         segment"); -1 when it names deviceManagement/configurationPolicies in v1.0
 */
static int parse_target(struct graph_target *t, const char *resource, const char *version)
{
    char copy[1024];
    char *segs[SEGMENTS_MAX];
    size_t count = 0;
    size_t i = 1;
    char name[64];
    char *p;

    memset(t, 0, sizeof(*t));
    if (strlen(resource) >= sizeof(copy))
        return 0;
    snprintf(copy, sizeof(copy), "%s", resource);
    if (strncmp(copy, "deviceManagement/configurationPolicies", 38) == 0 &&
        (copy[38] == '\0' || copy[38] == '/')) {
        if (strcmp(version, "v1.0") == 0)
            return -1;
        memmove(copy, copy + 17, strlen(copy + 17) + 1); /* drop "deviceManagement/" */
    }
    for (p = copy; count < SEGMENTS_MAX;) {
        segs[count++] = p;
        p = strchr(p, '/');
        if (p == NULL)
            break;
        *p++ = '\0';
    }
    if (p != NULL)
        return 0;
    for (size_t j = 0; j < count; j++) {
        if (segs[j][0] == '\0')
            return 0;
    }

    if (split_key_segment(segs[0], name, sizeof(name), t->top_key_prop,
                          sizeof(t->top_key_prop), t->top_key, sizeof(t->top_key)) < 0)
        return 0;
    for (size_t j = 0; j < sizeof(collections) / sizeof(collections[0]); j++) {
        if (collections[j].store != NULL && strcmp(collections[j].segment, name) == 0)
            t->top = &collections[j];
    }
    if (t->top == NULL)
        return 0;
    /* configurationPolicies is reached only through deviceManagement. */
    if (t->top->kind == GRAPH_CONFIGURATION_POLICIES && segs[0] == copy &&
        strncmp(resource, "deviceManagement/", 17) != 0)
        return 0;
    if (t->top_key[0] != '\0') {
        /* Alternate keys: appId for applications and service principals, as Graph has. */
        if (strcmp(t->top_key_prop, "id") != 0 &&
            !(strcmp(t->top_key_prop, "appId") == 0 &&
              (t->top->kind == GRAPH_APPLICATIONS || t->top->kind == GRAPH_SERVICE_PRINCIPALS)))
            return 0;
    } else if (count > 1) {
        if (strchr(segs[1], '(') != NULL || strlen(segs[1]) >= sizeof(t->top_key))
            return 0;
        snprintf(t->top_key, sizeof(t->top_key), "%s", segs[1]);
        snprintf(t->top_key_prop, sizeof(t->top_key_prop), "id");
        i = 2;
    }
    if (i >= count)
        return 1;

    /* A nested collection of the entity. */
    if (split_key_segment(segs[i], name, sizeof(name), t->sub_key_prop, sizeof(t->sub_key_prop),
                          t->sub_key, sizeof(t->sub_key)) < 0)
        return 0;
    if (t->top->kind == GRAPH_APPLICATIONS && strcmp(name, "federatedIdentityCredentials") == 0)
        t->sub = collection_def(GRAPH_FICS);
    else if (t->top->kind == GRAPH_SERVICE_PRINCIPALS &&
             (strcmp(name, "appRoleAssignments") == 0 ||
              strcmp(name, "appRoleAssignedTo") == 0)) {
        t->sub = collection_def(GRAPH_APP_ROLE_ASSIGNMENTS);
        t->assigned_to = strcmp(name, "appRoleAssignedTo") == 0;
    }
    if (t->sub == NULL)
        return 0;
    snprintf(t->sub_segment, sizeof(t->sub_segment), "%s", name);
    if (t->sub_key[0] != '\0' && strcmp(t->sub_key_prop, "id") != 0 &&
        !(t->sub->kind == GRAPH_FICS && strcmp(t->sub_key_prop, "name") == 0))
        return 0;
    i++;
    if (t->sub_key[0] == '\0' && i < count) {
        if (strchr(segs[i], '(') != NULL || strlen(segs[i]) >= sizeof(t->sub_key))
            return 0;
        snprintf(t->sub_key, sizeof(t->sub_key), "%s", segs[i]);
        i++;
    }
    return i == count;
}

/* --- permissions --- */

static int permitted(const json_t *claims, const char *const *roles, const char *const *scopes)
{
    return emu_graph_is_delegated(claims) ? emu_graph_has_scope(claims, scopes)
                                          : emu_graph_has_role(claims, roles);
}

static int allowed(const struct graph_target *t, const json_t *claims, const char *method)
{
    const struct graph_collection *def = t->sub != NULL ? t->sub : t->top;
    int write = strcmp(method, "GET") != 0;

    if (!write)
        return permitted(claims, def->read_roles, def->read_scopes);
    if (!permitted(claims, def->write_roles, def->write_scopes))
        return 0;
    if (def->kind == GRAPH_APP_ROLE_ASSIGNMENTS && strcmp(method, "POST") == 0)
        return permitted(claims, assignment_grant_also, assignment_grant_also);
    return 1;
}

/* --- replies --- */

json_t *emu_graph_context(const struct graph_call *g, const struct graph_target *t, int entity)
{
    struct m365id__buf b = M365ID__BUF_INIT(2048);
    json_t *url;

    m365id__buf_printf(&b, "/%s/$metadata#", g->version);
    if (t->top->kind == GRAPH_CONFIGURATION_POLICIES)
        m365id__buf_puts(&b, "deviceManagement/");
    m365id__buf_puts(&b, t->top->segment);
    if (t->sub != NULL)
        m365id__buf_printf(&b, "('%s')/%s", t->top_id, t->sub_segment);
    if (entity)
        m365id__buf_puts(&b, "/$entity");
    url = emu_url(g->e, g->cloud, m365id__buf_cstr(&b));
    m365id__buf_clear(&b);
    return url;
}

/* A deep copy of @p obj with "@odata.context" first, as Graph orders it. */
json_t *emu_graph_entity_doc(const struct graph_call *g, const struct graph_target *t,
                             const json_t *obj)
{
    json_t *doc = json_pack("{s:o}", "@odata.context", emu_graph_context(g, t, 1));
    json_t *copy = json_deep_copy(obj);

    if (doc == NULL || copy == NULL || json_object_update(doc, copy) < 0) {
        json_decref(doc);
        doc = NULL;
    }
    json_decref(copy);
    return doc;
}

/* The path of @p t as a URL path, each segment percent-encoded, for @odata.nextLink. */
static void append_path(struct m365id__buf *b, const char *resource)
{
    char seg[1024];
    const char *p = resource;

    while (*p != '\0') {
        size_t n = strcspn(p, "/");

        if (n >= sizeof(seg))
            n = sizeof(seg) - 1;
        memcpy(seg, p, n);
        seg[n] = '\0';
        m365id__buf_put_urlencoded(b, seg);
        p += n;
        if (*p == '/') {
            m365id__buf_puts(b, "/");
            p++;
        }
    }
}

/* List @p items (borrowed) with $filter, $top and $skiptoken applied; *prob on bad input. */
static json_t *list_doc(const struct graph_call *g, const struct graph_target *t,
                        const char *resource, const json_t *items, struct graph_problem *prob)
{
    const char *top_s = httpd_query(g->req, "$top");
    const char *skip_s = httpd_query(g->req, "$skiptoken");
    const char *filter_s = httpd_query(g->req, "$filter");
    struct emu_dir_filter filter = EMU_DIR_FILTER_INIT;
    struct m365id__buf next = M365ID__BUF_INIT(4096);
    uint64_t top = PAGE_SIZE_DEFAULT;
    size_t offset = 0;
    size_t matched = 0;
    size_t shown = 0;
    json_t *value = NULL;
    json_t *doc = NULL;
    char why[256];
    size_t i;
    int rc;

    prob->status = 0;
    if (top_s != NULL && (m365id__parse_u64(&top, top_s) < 0 || top < 1 || top > PAGE_SIZE_MAX)) {
        struct m365id__quoted q;

        m365id__quote(&q, top_s);
        prob->status = 400;
        prob->code = "BadRequest";
        snprintf(prob->message, sizeof(prob->message),
                 "Invalid page size specified: '%s'. Must be between 1 and %d inclusive.", q.text,
                 PAGE_SIZE_MAX);
        goto out;
    }
    if (skip_s != NULL && emu_dir_skiptoken_parse(&offset, skip_s) < 0) {
        prob->status = 400;
        prob->code = "BadRequest";
        snprintf(prob->message, sizeof(prob->message), "Invalid $skiptoken value.");
        goto out;
    }
    rc = filter_s != NULL ? emu_dir_filter_parse(&filter, filter_s, why, sizeof(why)) : 0;
    if (rc == M365ID_ENOMEM)
        goto out;
    if (rc != 0) {
        struct m365id__quoted q;

        m365id__quote(&q, filter_s);
        prob->status = 400;
        prob->code = "Request_UnsupportedQuery";
        snprintf(prob->message, sizeof(prob->message),
                 "Unsupported or invalid query filter clause specified: '%s'. The emulator "
                 "supports one equality; %s.", q.text, why);
        goto out;
    }

    value = json_array();
    if (value == NULL)
        goto out;
    for (i = 0; i < json_array_size(items); i++) {
        const json_t *o = json_array_get(items, i);

        if (filter_s != NULL && !emu_dir_filter_matches(&filter, o))
            continue;
        if (matched >= offset && shown < top) {
            json_array_append_new(value, json_deep_copy(o));
            shown++;
        }
        matched++;
    }
    doc = json_pack("{s:o}", "@odata.context", emu_graph_context(g, t, 0));
    if (doc != NULL && matched > offset + top) {
        char *token = emu_dir_skiptoken_make(offset + top);

        m365id__buf_printf(&next, "/%s/", g->version);
        append_path(&next, resource);
        m365id__buf_printf(&next, "?$top=%llu&$skiptoken=%s", (unsigned long long)top,
                           token != NULL ? token : "");
        if (filter_s != NULL) {
            m365id__buf_puts(&next, "&$filter=");
            m365id__buf_put_urlencoded(&next, filter_s);
        }
        json_object_set_new(doc, "@odata.nextLink",
                            emu_url(g->e, g->cloud, m365id__buf_cstr(&next)));
        free(token);
    }
    if (doc != NULL)
        json_object_set(doc, "value", value);

out:
    json_decref(value);
    emu_dir_filter_clear(&filter);
    m365id__buf_clear(&next);
    return doc;
}

/* --- lookups under the lock --- */

/* The object of @p collection that @p key names: by @p prop, and for users by
 * userPrincipalName as well. */
static json_t *find_entity(const json_t *collection, enum graph_kind kind, const char *prop,
                           const char *key)
{
    json_t *o;
    size_t i;

    if (kind == GRAPH_APP_ROLE_ASSIGNMENTS) {
        /* Assignment ids are base64url, where case matters. */
        for (i = 0; i < json_array_size(collection); i++) {
            o = json_array_get(collection, i);
            if (strcmp(json_string_value(json_object_get(o, "id")) != NULL
                           ? json_string_value(json_object_get(o, "id"))
                           : "",
                       key) == 0)
                return o;
        }
        return NULL;
    }
    o = emu_dir_find(collection, prop, key);
    if (o == NULL && kind == GRAPH_USERS && strcmp(prop, "id") == 0)
        o = emu_dir_find(collection, "userPrincipalName", key);
    if (o == NULL && kind == GRAPH_FICS && strcmp(prop, "id") == 0)
        o = emu_dir_find(collection, "name", key); /* Graph also addresses a credential by name */
    return o;
}

/* The app role assignments of service principal @p sp_id as a new array of borrowed objects:
 * those granted to it (principalId) or, for appRoleAssignedTo, those granted on it (resourceId). */
static json_t *assignment_view(struct emu_dir_tenant *dt, const char *sp_id, int assigned_to)
{
    json_t *all = emu_dir_collection(dt, EMU_DIR_APP_ROLE_ASSIGNMENTS, 0);
    json_t *view = json_array();
    size_t i;

    for (i = 0; view != NULL && i < json_array_size(all); i++) {
        json_t *a = json_array_get(all, i);
        const char *id = json_string_value(
            json_object_get(a, assigned_to ? "resourceId" : "principalId"));

        if (id != NULL && strcasecmp(id, sp_id) == 0)
            json_array_append(view, a);
    }
    return view;
}

static void not_found(struct graph_problem *prob, const char *key)
{
    struct m365id__quoted q;

    m365id__quote(&q, key);
    prob->status = 404;
    prob->code = "Request_ResourceNotFound";
    snprintf(prob->message, sizeof(prob->message),
             "Resource '%s' does not exist or one of its queried reference-property objects are "
             "not present.", q.text);
}

/* --- the handler --- */

/* Read the JSON object body of a POST or PATCH; *prob is set when it is not one. */
static json_t *read_body(const struct graph_call *g, struct graph_problem *prob)
{
    json_t *body = NULL;
    char why[256];

    if (m365id__json_parse(&body, g->req->body, g->req->body_len, why, sizeof(why)) < 0 ||
        !json_is_object(body)) {
        json_decref(body);
        prob->status = 400;
        prob->code = "BadRequest";
        snprintf(prob->message, sizeof(prob->message),
                 "Unable to read JSON request payload. Please ensure Content-Type header is set "
                 "and payload is of valid JSON format.");
        return NULL;
    }
    return body;
}

/* Check the method against what the target accepts; sets a 405 reply otherwise. */
static int method_allowed(struct graph_call *g, const struct graph_target *t)
{
    const char *m = g->req->method;
    int entity = t->sub != NULL ? t->sub_key[0] != '\0' : t->top_key[0] != '\0';
    const char *allow;
    struct m365id__quoted q;

    if (!entity)
        allow = "GET, POST";
    else if (t->sub != NULL && t->sub->kind == GRAPH_APP_ROLE_ASSIGNMENTS)
        allow = "GET, DELETE";
    else
        allow = "GET, PATCH, DELETE";
    for (const char *p = allow; *p != '\0';) {
        size_t n = strcspn(p, ",");

        if (strlen(m) == n && strncmp(p, m, n) == 0)
            return 1;
        p += n;
        p += strspn(p, ", ");
    }
    m365id__quote(&q, m);
    emu_graph_error(g, 405, "Request_BadRequest",
                    "The HTTP method '%s' is not allowed here; this resource supports %s.",
                    q.text, allow);
    httpd_reply_add_header(g->reply, "Allow", allow);
    return 0;
}

int emu_graph_objects_handle(struct graph_call *g, const json_t *claims,
                             const struct emu_tenant *tenant, const char *resource)
{
    struct graph_target t;
    struct graph_problem prob = {0, NULL, {0}};
    struct emu_dir_tenant *dt;
    const char *method = g->req->method;
    json_t *body = NULL;
    json_t *doc = NULL;
    json_t *view = NULL;
    json_t *top_obj = NULL;
    json_t *items;
    int status = 200;
    int rc;

    rc = parse_target(&t, resource, g->version);
    if (rc == 0)
        return 0;
    if (rc < 0) {
        emu_graph_error(g, 400, "BadRequest",
                        "Resource not found for the segment 'configurationPolicies'. Device "
                        "configuration policies are served by the beta endpoint only.");
        return 1;
    }
    if (!method_allowed(g, &t))
        return 1;
    if (!allowed(&t, claims, method)) {
        emu_graph_error(g, 403, "Authorization_RequestDenied",
                        "Insufficient privileges to complete the operation.");
        return 1;
    }
    if (strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0) {
        body = read_body(g, &prob);
        if (body == NULL)
            goto reply;
        if (emu_graph_validate_body(&prob, t.sub != NULL ? t.sub->kind : t.top->kind, body,
                                    strcmp(method, "POST") == 0) < 0)
            goto reply;
    }

    emu_directory_lock(g->e->directory);
    dt = emu_directory_tenant(g->e->directory, tenant);
    items = dt != NULL ? emu_dir_collection(dt, t.top->store, 0) : NULL;
    if (items == NULL) {
        not_found(&prob, t.top->segment);
        goto unlock;
    }
    if (t.top_key[0] != '\0') {
        top_obj = find_entity(items, t.top->kind, t.top_key_prop, t.top_key);
        if (top_obj == NULL) {
            not_found(&prob, t.top_key);
            goto unlock;
        }
        snprintf(t.top_id, sizeof(t.top_id), "%s",
                 json_is_string(json_object_get(top_obj, "id"))
                     ? json_string_value(json_object_get(top_obj, "id"))
                     : "");
    }
    if (t.sub != NULL) {
        if (t.sub->kind == GRAPH_FICS) {
            char name[160];

            emu_dir_fic_collection_name(name, sizeof(name), t.top_id);
            view = json_incref(emu_dir_collection(dt, name, strcmp(method, "POST") == 0));
            if (view == NULL)
                view = json_array();
        } else {
            view = assignment_view(dt, t.top_id, t.assigned_to);
        }
        if (view == NULL) {
            prob.status = 500;
            prob.code = "InternalServerError";
            snprintf(prob.message, sizeof(prob.message), "out of memory");
            goto unlock;
        }
        items = view;
    }

    if (strcmp(method, "POST") == 0) {
        doc = emu_graph_create(g, &t, dt, items, top_obj, body, &prob);
        status = 201;
    } else if (t.sub != NULL ? t.sub_key[0] == '\0' : t.top_key[0] == '\0') {
        doc = list_doc(g, &t, resource, items, &prob);
    } else {
        json_t *obj = t.sub != NULL ? find_entity(items, t.sub->kind,
                                                  t.sub_key_prop[0] != '\0' ? t.sub_key_prop
                                                                            : "id",
                                                  t.sub_key)
                                    : top_obj;

        if (obj == NULL) {
            not_found(&prob, t.sub_key);
            goto unlock;
        }
        if (strcmp(method, "GET") == 0) {
            doc = emu_graph_entity_doc(g, &t, obj);
        } else if (strcmp(method, "PATCH") == 0) {
            emu_graph_patch(&t, dt, items, obj, body, &prob);
            status = 204;
        } else {
            emu_graph_delete(&t, dt, obj, &prob);
            status = 204;
        }
    }

unlock:
    /* The view shares stored objects, so its references are dropped under the lock. */
    json_decref(view);
    view = NULL;
    emu_directory_unlock(g->e->directory);

reply:
    if (prob.status != 0) {
        emu_graph_error(g, prob.status, prob.code, "%s", prob.message);
    } else if (status == 204) {
        httpd_reply_set(g->reply, 204, "application/json", "", 0);
        httpd_reply_outcome(g->reply, "%s %s", method, t.sub != NULL ? t.sub->segment
                                                                    : t.top->segment);
    } else {
        emu_reply_json(g->reply, status, doc);
        doc = NULL;
        httpd_reply_outcome(g->reply, "%s %s", method, t.sub != NULL ? t.sub->segment
                                                                    : t.top->segment);
    }
    json_decref(doc);
    json_decref(body);
    return 1;
}

json_t *emu_graph_user_copy(struct emu *e, const struct emu_tenant *tenant, const char *id)
{
    struct emu_dir_tenant *dt;
    json_t *copy = NULL;
    json_t *user;

    emu_directory_lock(e->directory);
    dt = emu_directory_tenant(e->directory, tenant);
    if (dt != NULL) {
        user = emu_dir_find(emu_dir_collection(dt, EMU_DIR_USERS, 0), "id", id);
        if (user != NULL)
            copy = json_deep_copy(user);
    }
    emu_directory_unlock(e->directory);
    return copy;
}
