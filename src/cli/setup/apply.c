/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * `m365id setup --apply`: the Entra ID side of workload identity through Microsoft Graph v1.0
 * (application, service principal, requiredResourceAccess, appRoleAssignments, federated
 * identity credential). Every step looks before it writes, so a second run changes nothing.
 * Graph returns GUIDs in lower case, but they are compared ignoring case all the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/setup/setup.h"
#include "util/json.h"
#include "util/quote.h"
#include "util/strutil.h"

/* Graph permissions the identity running --apply needs, named in error hints. */
#define NEED_APPLICATION "Application.ReadWrite.All"
#define NEED_ASSIGNMENT "AppRoleAssignment.ReadWrite.All"

/* Ids of the objects --apply works on; all are GUIDs checked before use in a path. */
struct apply_ids {
    char graph_sp[40]; /* Microsoft Graph's service principal in the tenant */
    char app[40];      /* application object id */
    char app_id[40];   /* application (client) id */
    char sp[40];       /* the application's service principal */
};

static void report(const char *what, const char *state)
{
    fprintf(stderr, "m365id: setup: %s: %s\n", what, state);
}

/*
 * HTTP status of the Graph error recorded on @p ctx, or 0. The library returns no reply on
 * error, so the status is read back from its message "graph request ... failed with HTTP N".
 */
static int graph_error_status(const m365id_ctx *ctx)
{
    const m365id_error *err = m365id_last_error(ctx);
    const char *at;
    int status = 0;

    if (err == NULL || err->message == NULL ||
        (at = strstr(err->message, " failed with HTTP ")) == NULL)
        return 0;
    for (at += strlen(" failed with HTTP "); *at >= '0' && *at <= '9' && status < 1000; at++)
        status = status * 10 + (*at - '0');
    return status;
}

/*
 * Print the library's error for a failed step. Only a 403 from Graph means that the token
 * lacks @p permission, so only then is the permission named. A failure to get a token at all
 * (configuration, token file, Entra ID refusing the identity) is about no step, so no step
 * line follows it.
 */
static int apply_fail(m365id_ctx *ctx, int rc, const char *step, const char *permission)
{
    int http_status = rc == M365ID_EGRAPH ? graph_error_status(ctx) : 0;
    int status = cli_fail_ctx(ctx, rc);

    if (rc == M365ID_EAUTH || rc == M365ID_ECONFIG || rc == M365ID_EINVAL ||
        rc == M365ID_ETOKENFILE)
        return status;
    if (http_status == 403) {
        fprintf(stderr,
                "m365id: setup: could not %s; the identity running --apply needs the Microsoft "
                "Graph application permission %s with admin consent\n",
                step, permission);
    } else {
        fprintf(stderr, "m365id: setup: could not %s\n", step);
    }
    return status;
}

/*
 * Send one Graph request with an optional JSON body. @p out receives the parsed reply, or NULL
 * for a reply without a body (204). Returns 0 or a negative M365ID_E* code recorded on @p ctx.
 */
static int graph_json(json_t **out, m365id_ctx *ctx, const char *method, const char *path,
                      const json_t *body, unsigned int flags)
{
    m365id_graph_response *resp = NULL;
    char *text = NULL;
    int rc;

    *out = NULL;
    if (body != NULL && (text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
        return M365ID_ENOMEM;
    rc = m365id_graph_request(&resp, ctx, method, path, text, text != NULL ? strlen(text) : 0,
                              flags);
    if (rc == 0 && m365id_graph_response_body_len(resp) > 0) {
        rc = m365id__json_parse(out, m365id_graph_response_body(resp),
                                m365id_graph_response_body_len(resp), NULL, 0);
    }
    m365id_graph_response_free(resp);
    free(text); /* the CLI's jansson allocator is malloc(3) */
    return rc;
}

/* Build "/v1.0/COLLECTION?$filter=PROPERTY eq 'VALUE'&$select=SELECT" with VALUE as an OData
 * string literal (single quotes doubled) and the filter percent-encoded. */
static int filter_path(struct m365id__buf *path, const char *collection, const char *property,
                       const char *value, const char *select)
{
    struct m365id__buf literal = M365ID__BUF_INIT(2048);
    int rc;

    rc = m365id__buf_printf(&literal, "%s eq '", property);
    for (const char *p = value; rc == 0 && *p != '\0'; p++) {
        rc = m365id__buf_put(&literal, p, 1);
        if (rc == 0 && *p == '\'')
            rc = m365id__buf_put(&literal, p, 1);
    }
    if (rc == 0)
        rc = m365id__buf_puts(&literal, "'");
    if (rc == 0)
        rc = m365id__buf_printf(path, "/v1.0/%s?$filter=", collection);
    if (rc == 0)
        rc = m365id__buf_put_urlencoded(path, m365id__buf_cstr(&literal));
    if (rc == 0)
        rc = m365id__buf_printf(path, "&$select=%s", select);
    m365id__buf_clear(&literal);
    return rc;
}

/* GET a filtered collection, all pages; *out is its "value" array (a new reference). */
static int list_filtered(json_t **out, m365id_ctx *ctx, const char *collection,
                         const char *property, const char *value, const char *select)
{
    struct m365id__buf path = M365ID__BUF_INIT(4096);
    json_t *reply = NULL;
    json_t *items = NULL;
    int rc;

    *out = NULL;
    if ((rc = filter_path(&path, collection, property, value, select)) < 0)
        goto out;
    if ((rc = graph_json(&reply, ctx, "GET", m365id__buf_cstr(&path), NULL,
                         M365ID_GRAPH_ALL_PAGES)) < 0)
        goto out;
    if (m365id__json_get_array(&items, reply, "value") != M365ID__JSON_OK) {
        rc = M365ID_EPROTO;
        fprintf(stderr, "m365id: error: Graph's reply to GET %s has no \"value\" array\n",
                m365id__buf_cstr(&path));
        goto out;
    }
    *out = json_incref(items);

out:
    json_decref(reply);
    m365id__buf_clear(&path);
    return rc;
}

/* Copy string member @p key of @p obj into @p dst when it is a GUID; 0 or -1. */
static int copy_guid(char dst[40], const json_t *obj, const char *key)
{
    const char *value = NULL;

    if (m365id__json_get_str(&value, obj, key) != M365ID__JSON_OK || !m365id__is_guid(value))
        return -1;
    snprintf(dst, 40, "%s", value);
    return 0;
}

/* Print a reply object that lacks an id Graph always returns, and return CLI_EXIT_OTHER. */
static int fail_shape(const char *what)
{
    return cli_fail(CLI_EXIT_OTHER, "check graph_endpoint (M365_GRAPH_ENDPOINT)",
                    "Graph returned %s without a GUID \"id\" or \"appId\"", what);
}

/* Find Microsoft Graph's own service principal, and check that it defines every requested
 * app role when its reply lists them. */
static int find_graph_sp(struct apply_ids *ids, m365id_ctx *ctx, const struct setup_spec *spec)
{
    json_t *items = NULL;
    json_t *roles = NULL;
    int status = CLI_EXIT_OK;
    int rc;

    rc = list_filtered(&items, ctx, "servicePrincipals", "appId", M365ID_GRAPH_APP_ID,
                       "id,appId,appRoles");
    if (rc < 0) {
        status = apply_fail(ctx, rc, "find the Microsoft Graph service principal",
                            NEED_APPLICATION " (or Application.Read.All)");
        goto out;
    }
    if (json_array_size(items) != 1 || copy_guid(ids->graph_sp, json_array_get(items, 0), "id") < 0) {
        status = cli_fail(CLI_EXIT_GRAPH, "check that graph_endpoint and tenant_id name this tenant",
                          "found %zu Microsoft Graph service principals (appId %s), expected one",
                          json_array_size(items), M365ID_GRAPH_APP_ID);
        goto out;
    }

    if (m365id__json_get_array(&roles, json_array_get(items, 0), "appRoles") != M365ID__JSON_OK ||
        json_array_size(roles) == 0)
        goto out;
    for (size_t i = 0; i < spec->permission_count; i++) {
        size_t j;
        json_t *role;
        const char *id;
        int found = 0;

        json_array_foreach(roles, j, role) {
            if (m365id__json_get_str(&id, role, "id") == M365ID__JSON_OK &&
                strcasecmp(id, spec->permission_ids[i]) == 0)
                found = 1;
        }
        if (!found) {
            status = cli_fail(CLI_EXIT_GRAPH,
                              "the tenant's Microsoft Graph does not publish this app role; "
                              "choose another --permission",
                              "Microsoft Graph has no app role %s (%s) in this tenant",
                              spec->permission_names[i], spec->permission_ids[i]);
            goto out;
        }
    }

out:
    json_decref(items);
    return status;
}

/* Append the appId of each application in @p items to @p list, separated by ", ". */
static void join_app_ids(struct m365id__buf *list, const json_t *items)
{
    const char *app_id;
    json_t *item;
    size_t i;

    json_array_foreach(items, i, item) {
        if (m365id__json_get_str(&app_id, item, "appId") == M365ID__JSON_OK)
            m365id__buf_printf(list, "%s%s", list->len > 0 ? ", " : "", app_id);
    }
}

/*
 * After creating application @p app_id, list the applications of that name again. Another
 * `setup --apply` running at the same time may also have found none and created its own, and
 * both runs would then go on with different client ids. Each run lists at least the
 * applications created before its own, so at most one run of such a race passes this check.
 */
static int check_created_alone(m365id_ctx *ctx, const struct setup_spec *spec,
                               const char *app_id)
{
    struct m365id__buf list = M365ID__BUF_INIT(4096);
    struct m365id__quoted qname;
    json_t *items = NULL;
    int status = CLI_EXIT_OK;
    int rc;

    rc = list_filtered(&items, ctx, "applications", "displayName", spec->app_name, "id,appId");
    if (rc < 0) {
        status = apply_fail(ctx, rc, "list the applications again after creating one",
                            NEED_APPLICATION);
        goto out;
    }
    if (json_array_size(items) <= 1)
        goto out;

    m365id__quote(&qname, spec->app_name);
    join_app_ids(&list, items);
    status = cli_fail(CLI_EXIT_CONFIG,
                      "another 'm365id setup --apply' probably created one at the same time: "
                      "delete the extra applications in Entra ID, then run setup again with "
                      "--client-id of the one to keep",
                      "this run created application '%s' with client id %s, but now %zu "
                      "applications have that name (client ids %s)",
                      qname.text, app_id, json_array_size(items), m365id__buf_cstr(&list));

out:
    m365id__buf_clear(&list);
    json_decref(items);
    return status;
}

/* Take the display name of application @p app for the rendered files, when it is usable
 * there; otherwise keep --app-name. */
static void take_display_name(struct setup_spec *spec, const json_t *app)
{
    const char *name = NULL;
    size_t chars;

    if (m365id__json_get_str(&name, app, "displayName") != M365ID__JSON_OK || name[0] == '\0' ||
        strlen(name) >= sizeof(spec->app_name_found) || setup_utf8_length(&chars, name) < 0)
        return;
    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return;
    }
    snprintf(spec->app_name_found, sizeof(spec->app_name_found), "%s", name);
    spec->app_name = spec->app_name_found;
}

/* Find the application by client id or display name, or create it. */
static int ensure_application(struct apply_ids *ids, json_t **app_out, m365id_ctx *ctx,
                              struct setup_spec *spec)
{
    static const char select[] = "id,appId,displayName,requiredResourceAccess";
    struct m365id__quoted qname;
    json_t *items = NULL;
    json_t *body = NULL;
    json_t *created = NULL;
    json_t *app = NULL;
    char what[700];
    int was_created = 0;
    int status = CLI_EXIT_OK;
    int rc;

    *app_out = NULL;
    m365id__quote(&qname, spec->app_name);
    if (spec->client_id != NULL) {
        rc = list_filtered(&items, ctx, "applications", "appId", spec->client_id, select);
    } else {
        rc = list_filtered(&items, ctx, "applications", "displayName", spec->app_name, select);
    }
    if (rc < 0) {
        status = apply_fail(ctx, rc, "look up the application", NEED_APPLICATION);
        goto out;
    }

    if (json_array_size(items) > 1) {
        struct m365id__buf list = M365ID__BUF_INIT(4096);

        join_app_ids(&list, items);
        status = cli_fail(CLI_EXIT_CONFIG,
                          "pass --client-id with the one to use; setup never picks one itself",
                          "%zu applications are named '%s' (client ids %s)",
                          json_array_size(items), qname.text, m365id__buf_cstr(&list));
        m365id__buf_clear(&list);
        goto out;
    }

    if (json_array_size(items) == 1) {
        app = json_incref(json_array_get(items, 0));
    } else if (spec->client_id != NULL) {
        status = cli_fail(CLI_EXIT_CONFIG,
                          "check the id and the tenant, or leave --client-id out to create an "
                          "application named by --app-name",
                          "no application with client id %s in tenant %s", spec->client_id,
                          spec->tenant_id);
        goto out;
    } else {
        body = json_pack("{s:s, s:s}", "displayName", spec->app_name, "signInAudience",
                         "AzureADMyOrg");
        if (body == NULL || (rc = graph_json(&created, ctx, "POST", "/v1.0/applications", body, 0)) < 0) {
            status = body == NULL ? cli_fail(CLI_EXIT_OTHER, NULL, "out of memory")
                                  : apply_fail(ctx, rc, "create the application", NEED_APPLICATION);
            goto out;
        }
        app = json_incref(created);
        was_created = 1;
    }

    if (copy_guid(ids->app, app, "id") < 0 || copy_guid(ids->app_id, app, "appId") < 0) {
        status = fail_shape("an application");
        goto out;
    }
    /* With --client-id, --app-name may be the default or stale: report the real name. */
    take_display_name(spec, app);
    m365id__quote(&qname, spec->app_name);
    snprintf(what, sizeof(what), "application '%s'", qname.text);
    report(what, was_created ? "created" : "already present");
    if (was_created && (status = check_created_alone(ctx, spec, ids->app_id)) != CLI_EXIT_OK)
        goto out;
    *app_out = app;
    app = NULL;

out:
    json_decref(app);
    json_decref(created);
    json_decref(body);
    json_decref(items);
    return status;
}

/* Add the missing Graph permissions to requiredResourceAccess, keeping every other entry. */
static int ensure_required_access(const struct apply_ids *ids, const json_t *app, m365id_ctx *ctx,
                                  const struct setup_spec *spec)
{
    json_t *rra = NULL;
    json_t *graph_entry = NULL;
    json_t *access = NULL;
    json_t *body = NULL;
    json_t *reply = NULL;
    json_t *existing = NULL;
    char what[160];
    char path[128];
    int added = 0;
    int status = CLI_EXIT_OK;
    int rc;

    /* Work on a copy: the application object stays as Graph returned it. */
    if (m365id__json_get_array(&existing, app, "requiredResourceAccess") == M365ID__JSON_OK)
        rra = json_deep_copy(existing);
    else
        rra = json_array();
    if (rra == NULL)
        return cli_fail(CLI_EXIT_OTHER, NULL, "out of memory");

    for (size_t i = 0; i < json_array_size(rra) && graph_entry == NULL; i++) {
        const char *resource = NULL;

        if (m365id__json_get_str(&resource, json_array_get(rra, i), "resourceAppId") ==
                M365ID__JSON_OK &&
            strcasecmp(resource, M365ID_GRAPH_APP_ID) == 0)
            graph_entry = json_array_get(rra, i);
    }
    if (graph_entry == NULL) {
        graph_entry = json_pack("{s:s, s:[]}", "resourceAppId", M365ID_GRAPH_APP_ID,
                                "resourceAccess");
        if (graph_entry == NULL || json_array_append_new(rra, graph_entry) < 0) {
            status = cli_fail(CLI_EXIT_OTHER, NULL, "out of memory");
            goto out;
        }
    }
    if (m365id__json_get_array(&access, graph_entry, "resourceAccess") != M365ID__JSON_OK) {
        access = json_array();
        if (access == NULL || json_object_set_new(graph_entry, "resourceAccess", access) < 0) {
            status = cli_fail(CLI_EXIT_OTHER, NULL, "out of memory");
            goto out;
        }
    }

    for (size_t i = 0; i < spec->permission_count; i++) {
        size_t j;
        json_t *entry;
        const char *id;
        const char *type;
        int present = 0;

        json_array_foreach(access, j, entry) {
            if (m365id__json_get_str(&id, entry, "id") == M365ID__JSON_OK &&
                m365id__json_get_str(&type, entry, "type") == M365ID__JSON_OK &&
                strcasecmp(id, spec->permission_ids[i]) == 0 && strcmp(type, "Role") == 0)
                present = 1;
        }
        snprintf(what, sizeof(what), "permission %s", spec->permission_names[i]);
        if (present) {
            report(what, "already requested");
            continue;
        }
        if (json_array_append_new(access, json_pack("{s:s, s:s}", "id", spec->permission_ids[i],
                                                    "type", "Role")) < 0) {
            status = cli_fail(CLI_EXIT_OTHER, NULL, "out of memory");
            goto out;
        }
        report(what, "added to requiredResourceAccess");
        added++;
    }
    if (added == 0)
        goto out;

    body = json_pack("{s:O}", "requiredResourceAccess", rra);
    snprintf(path, sizeof(path), "/v1.0/applications/%s", ids->app);
    if (body == NULL || (rc = graph_json(&reply, ctx, "PATCH", path, body, 0)) < 0) {
        status = body == NULL ? cli_fail(CLI_EXIT_OTHER, NULL, "out of memory")
                              : apply_fail(ctx, rc, "update requiredResourceAccess",
                                           NEED_APPLICATION);
        goto out;
    }

out:
    json_decref(reply);
    json_decref(body);
    json_decref(rra);
    return status;
}

static int ensure_service_principal(struct apply_ids *ids, m365id_ctx *ctx)
{
    json_t *items = NULL;
    json_t *body = NULL;
    json_t *created = NULL;
    const json_t *sp;
    int status = CLI_EXIT_OK;
    int rc;

    rc = list_filtered(&items, ctx, "servicePrincipals", "appId", ids->app_id, "id,appId");
    if (rc < 0) {
        status = apply_fail(ctx, rc, "look up the service principal", NEED_APPLICATION);
        goto out;
    }
    if (json_array_size(items) > 0) {
        sp = json_array_get(items, 0);
        report("service principal", "already present");
    } else {
        /* NOTE: real Entra ID may return 400 for a few seconds after the application was
         * created, until it has replicated. Running setup --apply again then completes. */
        body = json_pack("{s:s}", "appId", ids->app_id);
        if (body == NULL || (rc = graph_json(&created, ctx, "POST", "/v1.0/servicePrincipals",
                                             body, 0)) < 0) {
            status = body == NULL ? cli_fail(CLI_EXIT_OTHER, NULL, "out of memory")
                                  : apply_fail(ctx, rc, "create the service principal",
                                               NEED_APPLICATION);
            goto out;
        }
        sp = created;
        report("service principal", "created");
    }
    if (copy_guid(ids->sp, sp, "id") < 0)
        status = fail_shape("a service principal");

out:
    json_decref(created);
    json_decref(body);
    json_decref(items);
    return status;
}

/* Admin consent: one appRoleAssignment per permission, from the app's service principal to
 * Microsoft Graph's. */
static int ensure_consent(const struct apply_ids *ids, m365id_ctx *ctx,
                          const struct setup_spec *spec)
{
    json_t *reply = NULL;
    json_t *items = NULL;
    char path[160];
    char what[160];
    int status = CLI_EXIT_OK;
    int rc;

    snprintf(path, sizeof(path), "/v1.0/servicePrincipals/%s/appRoleAssignments", ids->sp);
    if ((rc = graph_json(&reply, ctx, "GET", path, NULL, M365ID_GRAPH_ALL_PAGES)) < 0) {
        status = apply_fail(ctx, rc, "read the app role assignments", NEED_ASSIGNMENT);
        goto out;
    }
    if (m365id__json_get_array(&items, reply, "value") != M365ID__JSON_OK) {
        status = cli_fail(CLI_EXIT_OTHER, NULL, "Graph's reply to GET %s has no \"value\" array",
                          path);
        goto out;
    }

    for (size_t i = 0; i < spec->permission_count; i++) {
        json_t *body = NULL;
        json_t *created = NULL;
        json_t *entry;
        const char *role;
        const char *resource;
        size_t j;
        int present = 0;

        json_array_foreach(items, j, entry) {
            if (m365id__json_get_str(&role, entry, "appRoleId") == M365ID__JSON_OK &&
                m365id__json_get_str(&resource, entry, "resourceId") == M365ID__JSON_OK &&
                strcasecmp(role, spec->permission_ids[i]) == 0 &&
                strcasecmp(resource, ids->graph_sp) == 0)
                present = 1;
        }
        snprintf(what, sizeof(what), "admin consent for %s", spec->permission_names[i]);
        if (present) {
            report(what, "already granted");
            continue;
        }
        body = json_pack("{s:s, s:s, s:s}", "principalId", ids->sp, "resourceId", ids->graph_sp,
                         "appRoleId", spec->permission_ids[i]);
        rc = body == NULL ? M365ID_ENOMEM : graph_json(&created, ctx, "POST", path, body, 0);
        json_decref(body);
        json_decref(created);
        if (rc < 0) {
            status = apply_fail(ctx, rc, "grant admin consent (create an appRoleAssignment)",
                                NEED_ASSIGNMENT);
            goto out;
        }
        report(what, "granted");
    }

out:
    json_decref(reply);
    return status;
}

/* 1 when FIC @p fic has exactly the issuer, subject and single audience of @p spec. */
static int fic_matches(const json_t *fic, const struct setup_spec *spec)
{
    const char *issuer = NULL;
    const char *subject = NULL;
    json_t *audiences = NULL;

    if (m365id__json_get_str(&issuer, fic, "issuer") != M365ID__JSON_OK ||
        m365id__json_get_str(&subject, fic, "subject") != M365ID__JSON_OK ||
        m365id__json_get_array(&audiences, fic, "audiences") != M365ID__JSON_OK)
        return 0;
    return strcmp(issuer, spec->issuer) == 0 && strcmp(subject, spec->subject) == 0 &&
           json_array_size(audiences) == 1 && json_is_string(json_array_get(audiences, 0)) &&
           strcmp(json_string_value(json_array_get(audiences, 0)), spec->audience) == 0;
}

/* Print the values of the existing FIC @p fic next to the wanted ones. */
static void report_fic_difference(const json_t *fic, const struct setup_spec *spec)
{
    struct m365id__quoted q;
    const char *value = NULL;
    json_t *audiences = NULL;
    char *aud_text = NULL;

    m365id__quote(&q, m365id__json_get_str(&value, fic, "issuer") == M365ID__JSON_OK ? value : "");
    fprintf(stderr, "m365id: setup:   issuer   in Entra ID '%s'\n", q.text);
    m365id__quote(&q, spec->issuer);
    fprintf(stderr, "m365id: setup:            wanted     '%s'\n", q.text);
    m365id__quote(&q, m365id__json_get_str(&value, fic, "subject") == M365ID__JSON_OK ? value : "");
    fprintf(stderr, "m365id: setup:   subject  in Entra ID '%s'\n", q.text);
    m365id__quote(&q, spec->subject);
    fprintf(stderr, "m365id: setup:            wanted     '%s'\n", q.text);
    if (m365id__json_get_array(&audiences, fic, "audiences") == M365ID__JSON_OK)
        aud_text = json_dumps(audiences, JSON_COMPACT);
    m365id__quote(&q, aud_text != NULL ? aud_text : "");
    fprintf(stderr, "m365id: setup:   audiences in Entra ID %s\n", q.text);
    m365id__quote(&q, spec->audience);
    fprintf(stderr, "m365id: setup:            wanted     [\"%s\"]\n", q.text);
    free(aud_text);
}

static int ensure_fic(const struct apply_ids *ids, m365id_ctx *ctx, const struct setup_spec *spec,
                      int force)
{
    struct m365id__quoted qname;
    json_t *reply = NULL;
    json_t *items = NULL;
    json_t *body = NULL;
    json_t *result = NULL;
    const json_t *same_name = NULL;
    const json_t *same_pair = NULL;
    json_t *fic;
    const char *value;
    char path[256];
    char what[600];
    size_t i;
    int status = CLI_EXIT_OK;
    int rc;

    m365id__quote(&qname, spec->fic_name);
    snprintf(what, sizeof(what), "federated credential '%s'", qname.text);
    snprintf(path, sizeof(path), "/v1.0/applications/%s/federatedIdentityCredentials", ids->app);
    if ((rc = graph_json(&reply, ctx, "GET", path, NULL, M365ID_GRAPH_ALL_PAGES)) < 0) {
        status = apply_fail(ctx, rc, "read the federated credentials", NEED_APPLICATION);
        goto out;
    }
    if (m365id__json_get_array(&items, reply, "value") != M365ID__JSON_OK) {
        status = cli_fail(CLI_EXIT_OTHER, NULL, "Graph's reply to GET %s has no \"value\" array",
                          path);
        goto out;
    }
    json_array_foreach(items, i, fic) {
        const char *issuer = NULL;
        const char *subject = NULL;

        if (m365id__json_get_str(&value, fic, "name") == M365ID__JSON_OK &&
            strcmp(value, spec->fic_name) == 0) {
            same_name = fic;
        } else if (m365id__json_get_str(&issuer, fic, "issuer") == M365ID__JSON_OK &&
                   m365id__json_get_str(&subject, fic, "subject") == M365ID__JSON_OK &&
                   strcmp(issuer, spec->issuer) == 0 && strcmp(subject, spec->subject) == 0) {
            same_pair = fic;
        }
    }

    if (same_name != NULL && fic_matches(same_name, spec)) {
        report(what, "already present");
        goto out;
    }
    if (same_name != NULL) {
        report(what, force ? "differs from the wanted values; updating (--force)"
                           : "differs from the wanted values");
        report_fic_difference(same_name, spec);
        if (!force) {
            status = cli_fail(CLI_EXIT_CONFIG,
                              "pass --force to update it, or --fic-name to add another one",
                              "federated credential '%s' exists with other values", qname.text);
            goto out;
        }
        /* The name is immutable, so the PATCH carries the three matched values only. */
        body = json_pack("{s:s, s:s, s:[s]}", "issuer", spec->issuer, "subject", spec->subject,
                         "audiences", spec->audience);
        if (m365id__json_get_str(&value, same_name, "id") != M365ID__JSON_OK ||
            !m365id__is_guid(value)) {
            status = fail_shape("a federated credential");
            goto out;
        }
        snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s", value);
        rc = body == NULL ? M365ID_ENOMEM : graph_json(&result, ctx, "PATCH", path, body, 0);
        if (rc < 0) {
            status = apply_fail(ctx, rc, "update the federated credential", NEED_APPLICATION);
            goto out;
        }
        report(what, "updated");
        goto out;
    }
    if (same_pair != NULL) {
        struct m365id__quoted qother;
        struct m365id__quoted qissuer;
        struct m365id__quoted qsubject;

        m365id__quote(&qother, m365id__json_get_str(&value, same_pair, "name") == M365ID__JSON_OK
                                   ? value
                                   : "");
        m365id__quote(&qissuer, spec->issuer);
        m365id__quote(&qsubject, spec->subject);
        status = cli_fail(CLI_EXIT_CONFIG,
                          "Entra ID allows one credential per issuer and subject: pass "
                          "--fic-name with that name",
                          "federated credential '%s' of this application already trusts issuer "
                          "'%s' and subject '%s'", qother.text, qissuer.text, qsubject.text);
        goto out;
    }

    body = json_pack("{s:s, s:s, s:s, s:[s]}", "name", spec->fic_name, "issuer", spec->issuer,
                     "subject", spec->subject, "audiences", spec->audience);
    rc = body == NULL ? M365ID_ENOMEM : graph_json(&result, ctx, "POST", path, body, 0);
    if (rc < 0) {
        status = apply_fail(ctx, rc, "create the federated credential", NEED_APPLICATION);
        goto out;
    }
    report(what, "created");

out:
    json_decref(result);
    json_decref(body);
    json_decref(reply);
    return status;
}

int setup_apply(struct setup_spec *spec, m365id_ctx *ctx, int force)
{
    struct apply_ids ids;
    json_t *app = NULL;
    int status;

    memset(&ids, 0, sizeof(ids));
    if ((status = find_graph_sp(&ids, ctx, spec)) != CLI_EXIT_OK)
        goto out;
    if ((status = ensure_application(&ids, &app, ctx, spec)) != CLI_EXIT_OK)
        goto out;
    fprintf(stderr, "m365id: setup: client id %s, object id %s\n", ids.app_id, ids.app);
    if ((status = ensure_required_access(&ids, app, ctx, spec)) != CLI_EXIT_OK)
        goto out;
    if ((status = ensure_service_principal(&ids, ctx)) != CLI_EXIT_OK)
        goto out;
    if ((status = ensure_consent(&ids, ctx, spec)) != CLI_EXIT_OK)
        goto out;
    if ((status = ensure_fic(&ids, ctx, spec, force)) != CLI_EXIT_OK)
        goto out;

    snprintf(spec->client_id_found, sizeof(spec->client_id_found), "%s", ids.app_id);
    spec->client_id = spec->client_id_found;

out:
    json_decref(app);
    return status;
}
