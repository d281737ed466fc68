/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Microsoft Graph routes: bearer validation as Graph does it (signature, lifetime, audience
 * of this cloud), application-permission checks ("roles") and delegated-permission checks
 * ("scp" of a user's token), /organization and /me. The directory collections (/users,
 * /applications, ...) are served from the directory store by graph_objects.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emu.h"
#include "graph.h"
#include "util/json.h"
#include "util/jwt.h"
#include "util/quote.h"
#include "util/strutil.h"
#include "util/timeutil.h"

static const char *const organization_roles[] = {"Organization.Read.All",
                                                 "Organization.ReadWrite.All",
                                                 "Directory.Read.All", "Directory.ReadWrite.All",
                                                 NULL};

/* Delegated permissions ("scp" of a user's token) that Graph accepts for the same routes. */
static const char *const organization_scopes[] = {"User.Read", "Organization.Read.All",
                                                  "Organization.ReadWrite.All",
                                                  "Directory.Read.All", "Directory.ReadWrite.All",
                                                  NULL};
static const char *const me_scopes[] = {"User.Read", "User.ReadWrite", "User.ReadBasic.All",
                                        "User.Read.All", "User.ReadWrite.All",
                                        "Directory.Read.All", "Directory.ReadWrite.All", NULL};

void emu_graph_error(struct graph_call *g, int status, const char *code, const char *fmt, ...)
{
    const char *client_id = httpd_header(g->req, "client-request-id");
    char message[1280];
    char date[32];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    m365id__format_rfc3339(date, sizeof(date), m365id__now_s());
    if (client_id == NULL || !m365id__is_guid(client_id))
        client_id = g->req->request_id;
    emu_reply_json(g->reply, status,
                   json_pack("{s:{s:s,s:s,s:{s:s,s:s,s:s}}}", "error", "code", code, "message",
                             message, "innerError", "date", date, "request-id",
                             g->req->request_id, "client-request-id", client_id));
    httpd_reply_outcome(g->reply, "%s", code);
}

int emu_graph_authenticate(struct graph_call *g, json_t **claims_out,
                           const struct emu_tenant **tenant_out)
{
    const char *auth = httpd_header(g->req, "Authorization");
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    const char *token;
    const char *alg = NULL;
    const char *kid = NULL;
    const char *tid = NULL;
    const char *aud[4];
    size_t aud_count;
    size_t i;
    long long exp = 0;
    int aud_ok = 0;
    int rc = -1;

    *claims_out = NULL;
    *tenant_out = NULL;
    if (auth == NULL || auth[0] == '\0') {
        emu_graph_error(g, 401, "InvalidAuthenticationToken", "Access token is empty.");
        goto out;
    }
    if (strncasecmp(auth, "Bearer ", 7) != 0) {
        emu_graph_error(g, 401, "InvalidAuthenticationToken",
                    "Authorization header must use the Bearer scheme.");
        goto out;
    }
    token = auth + 7;
    while (*token == ' ')
        token++;
    if (m365id__jwt_parse(&jwt, token, strlen(token), NULL) < 0) {
        emu_graph_error(g, 401, "InvalidAuthenticationToken",
                    "IDX14100: JWT is not well formed: the access token is not a compact JWS.");
        goto out;
    }
    if (m365id__json_get_str(&alg, jwt.header, "alg") != M365ID__JSON_OK ||
        strcmp(alg, "RS256") != 0 ||
        m365id__json_get_str(&kid, jwt.header, "kid") != M365ID__JSON_OK ||
        strcmp(kid, g->e->entra_kid) != 0 ||
        m365id__jwt_verify_rs256(&jwt, token, g->e->entra_key) < 0) {
        emu_graph_error(g, 401, "InvalidAuthenticationToken",
                    "Access token validation failure. Invalid signature: the token was not "
                    "issued by this Entra instance.");
        goto out;
    }
    if (m365id__json_get_int(&exp, jwt.payload, "exp") != M365ID__JSON_OK ||
        exp <= m365id__now_s()) {
        emu_graph_error(g, 401, "InvalidAuthenticationToken",
                    "Lifetime validation failed, the token is expired.");
        goto out;
    }
    aud_count = m365id__jwt_audiences(aud, 4, jwt.payload);
    for (i = 0; i < aud_count; i++) {
        if (emu_cloud_accepts_graph_resource(g->cloud, g->e->base_url, aud[i]))
            aud_ok = 1;
    }
    if (!aud_ok) {
        struct m365id__quoted q;

        m365id__quote(&q, aud_count > 0 ? aud[0] : "(none)");
        emu_graph_error(g, 401, "InvalidAuthenticationToken",
                    "Access token validation failure. Invalid audience '%s' for the Graph "
                    "endpoint of cloud '%s'.", q.text, g->cloud->name);
        goto out;
    }
    if (m365id__json_get_str(&tid, jwt.payload, "tid") != M365ID__JSON_OK ||
        (*tenant_out = emu_scenario_tenant(g->e->scn, g->cloud, tid)) == NULL) {
        emu_graph_error(g, 401, "InvalidAuthenticationToken",
                    "Access token validation failure. The token's tenant is not known in cloud "
                    "'%s'.", g->cloud->name);
        goto out;
    }
    *claims_out = json_incref(jwt.payload);
    rc = 0;

out:
    m365id__jwt_clear(&jwt);
    return rc;
}

int emu_graph_has_role(const json_t *claims, const char *const *allowed)
{
    json_t *roles = NULL;
    size_t i;
    size_t j;

    if (m365id__json_get_array(&roles, claims, "roles") != M365ID__JSON_OK)
        return 0;
    for (i = 0; i < json_array_size(roles); i++) {
        const char *r = json_string_value(json_array_get(roles, i));

        for (j = 0; r != NULL && allowed[j] != NULL; j++) {
            if (strcmp(r, allowed[j]) == 0)
                return 1;
        }
    }
    return 0;
}

int emu_graph_has_scope(const json_t *claims, const char *const *allowed)
{
    const char *scp = NULL;

    if (m365id__json_get_str(&scp, claims, "scp") != M365ID__JSON_OK)
        return 0;
    for (const char *p = scp; *p != '\0';) {
        size_t len = strcspn(p, " ");

        for (size_t j = 0; allowed[j] != NULL; j++) {
            if (strlen(allowed[j]) == len && strncmp(p, allowed[j], len) == 0)
                return 1;
        }
        p += len;
        p += strspn(p, " ");
    }
    return 0;
}

int emu_graph_is_delegated(const json_t *claims)
{
    const char *idtyp = NULL;

    return m365id__json_get_str(&idtyp, claims, "idtyp") == M365ID__JSON_OK &&
           strcmp(idtyp, "user") == 0;
}

static json_t *context_url(struct graph_call *g, const char *what)
{
    char suffix[128];

    snprintf(suffix, sizeof(suffix), "/%s/$metadata#%s", g->version, what);
    return emu_url(g->e, g->cloud, suffix);
}

static void reply_organization(struct graph_call *g, const struct emu_tenant *t)
{
    json_t *domains = json_array();
    json_t *org;
    size_t i;

    for (i = 0; domains != NULL && i < t->domain_count; i++) {
        json_array_append_new(domains,
                              json_pack("{s:s,s:b,s:b,s:s,s:s}", "capabilities",
                                        "Email, OfficeCommunicationsOnline", "isDefault", i == 0,
                                        "isInitial", i == 0, "name", t->domains[i], "type",
                                        "Managed"));
    }
    org = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "id", t->id, "displayName", t->display_name,
                    "tenantType", "AAD", "countryLetterCode", "US", "createdDateTime",
                    "2020-01-01T00:00:00Z", "verifiedDomains", domains);
    emu_reply_json(g->reply, 200,
                   json_pack("{s:o,s:[o]}", "@odata.context", context_url(g, "organization"),
                             "value", org));
    httpd_reply_outcome(g->reply, "organization");
}

/* /me: the signed-in user of a delegated token, looked up by the token's "oid". */
static void reply_me(struct graph_call *g, const struct emu_tenant *tenant, const json_t *claims)
{
    const char *oid = NULL;
    json_t *user;
    json_t *doc;
    struct m365id__quoted q;

    m365id__json_get_str(&oid, claims, "oid");
    user = emu_graph_user_copy(g->e, tenant, oid != NULL ? oid : "");
    if (user == NULL) {
        m365id__quote(&q, oid != NULL ? oid : "");
        emu_graph_error(g, 404, "Request_ResourceNotFound",
                        "Resource '%s' does not exist or one of its queried reference-property "
                        "objects are not present.", q.text);
        return;
    }
    doc = json_pack("{s:o}", "@odata.context", context_url(g, "users/$entity"));
    if (doc != NULL)
        json_object_update(doc, user);
    json_decref(user);
    emu_reply_json(g->reply, 200, doc);
    httpd_reply_outcome(g->reply, "user");
}

void emu_graph_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                      const struct emu_cloud *cloud, const char *rest)
{
    struct graph_call g = {reply, req, e, cloud, NULL};
    const struct emu_tenant *tenant = NULL;
    json_t *claims = NULL;
    const char *resource;
    const char *const *roles;
    const char *const *scopes;
    int me = 0;
    struct m365id__quoted q;

    emu_stats_add(&e->stats, EMU_STAT_GRAPH_REQUESTS);
    if (strncmp(rest, "/v1.0/", 6) == 0) {
        g.version = "v1.0";
        resource = rest + 6;
    } else {
        g.version = "beta";
        resource = rest + 6; /* "/beta/" has the same length */
    }
    httpd_reply_add_header(reply, "request-id", req->request_id);

    /* The path was cut at the NUL, so routing it would reply for another resource. */
    if (req->url_has_nul) {
        emu_graph_error(&g, 400, "BadRequest",
                        "The request URL contains an encoded NUL character (%%00), which is "
                        "not valid in a resource path or query option.");
        goto out;
    }

    if (emu_graph_authenticate(&g, &claims, &tenant) < 0)
        goto out;

    /* An unknown resource gets 400 whatever the method; /organization and /me accept GET
     * only. The directory collections check methods and permissions themselves. */
    if (strcmp(resource, "organization") == 0) {
        roles = organization_roles;
        scopes = organization_scopes;
    } else if (strcmp(resource, "me") == 0) {
        /* /me is the signed-in user, so an app-only token gets 400 as in Graph. */
        roles = NULL;
        scopes = me_scopes;
        me = 1;
    } else {
        if (emu_graph_objects_handle(&g, claims, tenant, resource))
            goto out;
        m365id__quote_len(&q, resource, strcspn(resource, "/("));
        emu_graph_error(&g, 400, "BadRequest", "Resource not found for the segment '%s'.",
                        q.text);
        goto out;
    }
    if (strcmp(req->method, "GET") != 0) {
        m365id__quote(&q, req->method);
        emu_graph_error(&g, 405, "Request_BadRequest",
                        "The emulator's Graph supports GET only here; '%s' is not allowed.",
                        q.text);
        httpd_reply_add_header(reply, "Allow", "GET");
        goto out;
    }
    if (me && !emu_graph_is_delegated(claims)) {
        emu_graph_error(&g, 400, "BadRequest",
                        "/me request is only valid with delegated authentication flow.");
        goto out;
    }
    if (emu_graph_is_delegated(claims) ? !emu_graph_has_scope(claims, scopes)
                                       : !emu_graph_has_role(claims, roles)) {
        emu_graph_error(&g, 403, "Authorization_RequestDenied",
                        "Insufficient privileges to complete the operation.");
        goto out;
    }
    if (me)
        reply_me(&g, tenant, claims);
    else
        reply_organization(&g, tenant);

out:
    json_decref(claims);
}
