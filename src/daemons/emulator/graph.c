/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Microsoft Graph routes: bearer validation as Graph does it (signature, lifetime, audience
 * of this cloud), application-permission checks ("roles") and delegated-permission checks
 * ("scp" of a user's token), /organization, /users with paging, and /me.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emu.h"
#include "util/json.h"
#include "util/jwt.h"
#include "util/quote.h"
#include "util/strutil.h"
#include "util/timeutil.h"

#define PAGE_SIZE_DEFAULT 100
#define PAGE_SIZE_MAX 999

/* Per-request state of one Graph call. */
struct graph_call {
    struct httpd_reply *reply;
    const struct httpd_request *req;
    struct emu *e;
    const struct emu_cloud *cloud;
    const char *version; /* "v1.0" or "beta" */
};

static const char *const organization_roles[] = {"Organization.Read.All",
                                                 "Organization.ReadWrite.All",
                                                 "Directory.Read.All", "Directory.ReadWrite.All",
                                                 NULL};
static const char *const user_roles[] = {"User.Read.All", "User.ReadWrite.All",
                                         "Directory.Read.All", "Directory.ReadWrite.All", NULL};

/* Delegated permissions ("scp" of a user's token) that Graph accepts for the same routes. */
static const char *const organization_scopes[] = {"User.Read", "Organization.Read.All",
                                                  "Organization.ReadWrite.All",
                                                  "Directory.Read.All", "Directory.ReadWrite.All",
                                                  NULL};
static const char *const user_scopes[] = {"User.ReadBasic.All", "User.Read.All",
                                          "User.ReadWrite.All", "Directory.Read.All",
                                          "Directory.ReadWrite.All", NULL};
static const char *const me_scopes[] = {"User.Read", "User.ReadWrite", "User.ReadBasic.All",
                                        "User.Read.All", "User.ReadWrite.All",
                                        "Directory.Read.All", "Directory.ReadWrite.All", NULL};

/* Graph's error body: {"error":{"code","message","innerError":{...}}}. */
static void graph_error(struct graph_call *g, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void graph_error(struct graph_call *g, int status, const char *code, const char *fmt, ...)
{
    const char *client_id = httpd_header(g->req, "client-request-id");
    char message[768];
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

/*
 * Validate the bearer token as Graph would. On success *claims_out holds the payload (new
 * reference) and *tenant_out the token's tenant; otherwise a 401 reply is set.
 */
static int authenticate(struct graph_call *g, json_t **claims_out,
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
        graph_error(g, 401, "InvalidAuthenticationToken", "Access token is empty.");
        goto out;
    }
    if (strncasecmp(auth, "Bearer ", 7) != 0) {
        graph_error(g, 401, "InvalidAuthenticationToken",
                    "Authorization header must use the Bearer scheme.");
        goto out;
    }
    token = auth + 7;
    while (*token == ' ')
        token++;
    if (m365id__jwt_parse(&jwt, token, strlen(token), NULL) < 0) {
        graph_error(g, 401, "InvalidAuthenticationToken",
                    "IDX14100: JWT is not well formed: the access token is not a compact JWS.");
        goto out;
    }
    if (m365id__json_get_str(&alg, jwt.header, "alg") != M365ID__JSON_OK ||
        strcmp(alg, "RS256") != 0 ||
        m365id__json_get_str(&kid, jwt.header, "kid") != M365ID__JSON_OK ||
        strcmp(kid, g->e->entra_kid) != 0 ||
        m365id__jwt_verify_rs256(&jwt, token, g->e->entra_key) < 0) {
        graph_error(g, 401, "InvalidAuthenticationToken",
                    "Access token validation failure. Invalid signature: the token was not "
                    "issued by this Entra instance.");
        goto out;
    }
    if (m365id__json_get_int(&exp, jwt.payload, "exp") != M365ID__JSON_OK ||
        exp <= m365id__now_s()) {
        graph_error(g, 401, "InvalidAuthenticationToken",
                    "Lifetime validation failed, the token is expired.");
        goto out;
    }
    aud_count = m365id__jwt_audiences(aud, 4, jwt.payload);
    for (i = 0; i < aud_count; i++) {
        if (emu_cloud_is_graph_resource(g->cloud, aud[i]))
            aud_ok = 1;
    }
    if (!aud_ok) {
        struct m365id__quoted q;

        m365id__quote(&q, aud_count > 0 ? aud[0] : "(none)");
        graph_error(g, 401, "InvalidAuthenticationToken",
                    "Access token validation failure. Invalid audience '%s' for the Graph "
                    "endpoint of cloud '%s'.", q.text, g->cloud->name);
        goto out;
    }
    if (m365id__json_get_str(&tid, jwt.payload, "tid") != M365ID__JSON_OK ||
        (*tenant_out = emu_scenario_tenant(g->e->scn, g->cloud, tid)) == NULL) {
        graph_error(g, 401, "InvalidAuthenticationToken",
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

/* Nonzero when the token's "roles" contains one of @p allowed. */
static int has_role(const json_t *claims, const char *const *allowed)
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

/* Nonzero when the space-separated "scp" of a delegated token names one of @p allowed. */
static int has_scope(const json_t *claims, const char *const *allowed)
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

/* A delegated token ("idtyp" "user") is checked on "scp", an app-only one on "roles". */
static int is_delegated(const json_t *claims)
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

static json_t *user_json(const struct emu_user *u)
{
    json_t *o = json_pack("{s:s,s:s,s:s}", "id", u->id, "displayName", u->display_name,
                          "userPrincipalName", u->upn);

    if (o == NULL)
        return NULL;
    json_object_set_new(o, "mail", u->mail != NULL ? json_string(u->mail) : json_null());
    json_object_set_new(o, "jobTitle",
                        u->job_title != NULL ? json_string(u->job_title) : json_null());
    return o;
}

/* $skiptoken is opaque to clients; here it is base64url of "offset:N". */
static int parse_skiptoken(size_t *offset, const char *token)
{
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    uint64_t v = 0;
    int rc = -1;

    if (m365id__b64url_decode(&raw, &raw_len, token, strlen(token)) < 0)
        return -1;
    if (raw_len > 7 && memcmp(raw, "offset:", 7) == 0 &&
        m365id__parse_u64(&v, (const char *)raw + 7) == 0 && v < (uint64_t)1 << 31) {
        *offset = (size_t)v;
        rc = 0;
    }
    free(raw);
    return rc;
}

static void reply_users(struct graph_call *g, const struct emu_tenant *t)
{
    const char *top_s = httpd_query(g->req, "$top");
    const char *skip_s = httpd_query(g->req, "$skiptoken");
    uint64_t top = PAGE_SIZE_DEFAULT;
    size_t offset = 0;
    size_t i;
    json_t *value;
    json_t *doc;

    if (top_s != NULL && (m365id__parse_u64(&top, top_s) < 0 || top < 1 || top > PAGE_SIZE_MAX)) {
        struct m365id__quoted q;

        m365id__quote(&q, top_s);
        graph_error(g, 400, "BadRequest",
                    "Invalid page size specified: '%s'. Must be between 1 and %d inclusive.",
                    q.text, PAGE_SIZE_MAX);
        return;
    }
    if (skip_s != NULL && parse_skiptoken(&offset, skip_s) < 0) {
        graph_error(g, 400, "BadRequest", "Invalid $skiptoken value.");
        return;
    }
    value = json_array();
    for (i = offset; value != NULL && i < t->user_count && i < offset + top; i++)
        json_array_append_new(value, user_json(&t->users[i]));
    doc = json_pack("{s:o}", "@odata.context", context_url(g, "users"));
    if (doc != NULL && offset + top < t->user_count) {
        char marker[48];
        char *token;
        char suffix[256];

        snprintf(marker, sizeof(marker), "offset:%zu", (size_t)(offset + top));
        token = m365id__b64url_encode(marker, strlen(marker));
        if (token != NULL) {
            snprintf(suffix, sizeof(suffix), "/%s/users?$top=%llu&$skiptoken=%s", g->version,
                     (unsigned long long)top, token);
            json_object_set_new(doc, "@odata.nextLink", emu_url(g->e, g->cloud, suffix));
        }
        free(token);
    }
    if (doc != NULL)
        json_object_set_new(doc, "value", value);
    else
        json_decref(value);
    emu_reply_json(g->reply, 200, doc);
    httpd_reply_outcome(g->reply, "users page of %zu", i > offset ? i - offset : 0);
}

static void reply_user(struct graph_call *g, const struct emu_tenant *t, const char *key)
{
    size_t i;
    struct m365id__quoted q;

    for (i = 0; i < t->user_count; i++) {
        const struct emu_user *u = &t->users[i];

        if (strcasecmp(u->id, key) == 0 || strcasecmp(u->upn, key) == 0) {
            json_t *o = user_json(u);

            if (o != NULL)
                json_object_set_new(o, "@odata.context", context_url(g, "users/$entity"));
            emu_reply_json(g->reply, 200, o);
            httpd_reply_outcome(g->reply, "user");
            return;
        }
    }
    m365id__quote(&q, key);
    graph_error(g, 404, "Request_ResourceNotFound",
                "Resource '%s' does not exist or one of its queried reference-property objects "
                "are not present.", q.text);
}

void emu_graph_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                      const struct emu_cloud *cloud, const char *rest)
{
    struct graph_call g = {reply, req, e, cloud, NULL};
    const struct emu_tenant *tenant = NULL;
    json_t *claims = NULL;
    const char *resource;
    const char *user_key = NULL;
    const char *const *roles;
    const char *const *scopes;
    const char *oid = NULL;
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
        graph_error(&g, 400, "BadRequest",
                    "The request URL contains an encoded NUL character (%%00), which is not "
                    "valid in a resource path or query option.");
        goto out;
    }

    if (authenticate(&g, &claims, &tenant) < 0)
        goto out;

    /* An unknown resource gets 400 whatever the method. A known one accepts GET only. */
    if (strcmp(resource, "organization") == 0) {
        roles = organization_roles;
        scopes = organization_scopes;
    } else if (strcmp(resource, "users") == 0) {
        roles = user_roles;
        scopes = user_scopes;
    } else if (strncmp(resource, "users/", 6) == 0 && resource[6] != '\0' &&
               strchr(resource + 6, '/') == NULL) {
        roles = user_roles;
        scopes = user_scopes;
        user_key = resource + 6;
    } else if (strcmp(resource, "me") == 0) {
        /* /me is the signed-in user, so an app-only token gets 400 as in Graph. */
        roles = NULL;
        scopes = me_scopes;
        me = 1;
    } else {
        size_t n = strcspn(resource, "/");

        m365id__quote_len(&q, resource, n);
        graph_error(&g, 400, "BadRequest", "Resource not found for the segment '%s'.", q.text);
        goto out;
    }
    if (strcmp(req->method, "GET") != 0) {
        m365id__quote(&q, req->method);
        graph_error(&g, 405, "Request_BadRequest",
                    "The emulator's Graph supports GET only; '%s' is not allowed here.", q.text);
        httpd_reply_add_header(reply, "Allow", "GET");
        goto out;
    }
    if (me && !is_delegated(claims)) {
        graph_error(&g, 400, "BadRequest",
                    "/me request is only valid with delegated authentication flow.");
        goto out;
    }
    if (is_delegated(claims) ? !has_scope(claims, scopes) : !has_role(claims, roles)) {
        graph_error(&g, 403, "Authorization_RequestDenied",
                    "Insufficient privileges to complete the operation.");
        goto out;
    }
    if (me) {
        /* The user's object id; reply_user() matches ids and userPrincipalNames alike. */
        m365id__json_get_str(&oid, claims, "oid");
        reply_user(&g, tenant, oid != NULL ? oid : "");
    } else if (user_key != NULL)
        reply_user(&g, tenant, user_key);
    else if (roles == organization_roles)
        reply_organization(&g, tenant);
    else
        reply_users(&g, tenant);

out:
    json_decref(claims);
}
