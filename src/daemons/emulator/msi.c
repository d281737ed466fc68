/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Managed-identity token endpoints: Azure IMDS (api-version 2018-02-01) and App Service
 * (api-version 2019-08-01), served under /_msi on the HTTPS port and at the root of the
 * optional plain-HTTP listener. Tokens are the app-only tokens of access_token.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emu.h"
#include "m365id/log.h"
#include "util/json.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/timeutil.h"

#define IMDS_PATH "/metadata/identity/oauth2/token"
#define APP_SERVICE_PATH "/msi/token"
#define IMDS_API_VERSION "2018-02-01"
#define APP_SERVICE_API_VERSION "2019-08-01"

/* Managed-identity endpoint style a request reached, since their error shapes differ. */
enum msi_kind { MSI_IMDS, MSI_APP_SERVICE };

static void msi_error(struct httpd_reply *reply, enum msi_kind kind, int status, const char *error,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* IMDS: {"error","error_description"}; App Service: {"statusCode","message"}. */
static void msi_error(struct httpd_reply *reply, enum msi_kind kind, int status, const char *error,
                      const char *fmt, ...)
{
    char message[768];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    if (kind == MSI_IMDS)
        emu_reply_json(reply, status,
                       json_pack("{s:s,s:s}", "error", error, "error_description", message));
    else
        emu_reply_json(reply, status,
                       json_pack("{s:i,s:s}", "statusCode", status, "message", message));
    httpd_reply_outcome(reply, "msi %d %s", status, error);
}

/*
 * Pick the identity the request names with one of @p selectors (query parameter names,
 * NULL-terminated; each maps to client id, object id or resource id by its position in
 * @p fields). Without a selector: the system-assigned identity, else the only identity.
 */
static const struct emu_managed_identity *
select_identity(struct httpd_reply *reply, const struct httpd_request *req, const struct emu *e,
                enum msi_kind kind, const char *const *selectors, const int *fields)
{
    const struct emu_scenario *scn = e->scn;
    const char *value = NULL;
    const char *named = NULL;
    int field = -1;
    size_t i;

    for (i = 0; selectors[i] != NULL; i++) {
        const char *v = httpd_query(req, selectors[i]);

        if (v == NULL)
            continue;
        if (value != NULL) {
            msi_error(reply, kind, 400, "invalid_request",
                      "Only one of the identity selectors may be given; the request names both "
                      "'%s' and '%s'.",
                      named, selectors[i]);
            return NULL;
        }
        value = v;
        named = selectors[i];
        field = fields[i];
    }
    if (value == NULL) {
        const struct emu_managed_identity *only = NULL;

        for (i = 0; i < scn->managed_identity_count; i++) {
            if (scn->managed_identities[i].system_assigned)
                return &scn->managed_identities[i];
        }
        if (scn->managed_identity_count == 1)
            only = &scn->managed_identities[0];
        if (only == NULL && scn->managed_identity_count > 1) {
            msi_error(reply, kind, 400, "invalid_request",
                      "Multiple user assigned identities exist, please specify the clientId / "
                      "resourceId of the identity in the token request");
        } else if (only == NULL) {
            msi_error(reply, kind, 400, "invalid_request",
                      "Identity not found: no managed identity is assigned to this host (add "
                      "one to \"managed_identities\" in the scenario)");
        }
        return only;
    }
    for (i = 0; i < scn->managed_identity_count; i++) {
        const struct emu_managed_identity *mi = &scn->managed_identities[i];
        const char *have = field == 0   ? mi->client_id
                           : field == 1 ? mi->object_id
                                        : mi->resource_id;

        if (strcasecmp(have, value) == 0)
            return mi;
    }
    {
        struct m365id__quoted q;

        m365id__quote(&q, value);
        msi_error(reply, kind, 400, "invalid_request",
                  "Identity not found: no managed identity of this host has %s '%s'", named,
                  q.text);
    }
    return NULL;
}

/* The Graph resource the request names, without one trailing '/', or NULL after a reply. */
static int check_resource(char *out, size_t size, struct httpd_reply *reply, enum msi_kind kind,
                          const struct emu_managed_identity *mi, const char *resource)
{
    size_t n = strlen(resource);
    struct m365id__quoted q;

    if (n > 0 && resource[n - 1] == '/')
        n--;
    if (n > 0 && n < size) {
        memcpy(out, resource, n);
        out[n] = '\0';
        if (emu_cloud_is_graph_resource(mi->tenant->cloud, out))
            return 0;
    }
    m365id__quote(&q, resource);
    if (kind == MSI_IMDS) {
        msi_error(reply, kind, 400, "invalid_resource",
                  "AADSTS500011: The resource principal named %s was not found in the tenant "
                  "named %s. This can happen if the resource belongs to another cloud (the "
                  "identity's tenant is in cloud '%s').",
                  q.text, mi->tenant->display_name, mi->tenant->cloud->name);
    } else {
        /* App Service hides the cause behind a 500, including its spelling. */
        msi_error(reply, kind, 500, "unknown_resource",
                  "An unexpected error occured while fetching the AAD Token.");
    }
    return -1;
}

static void issue(struct httpd_reply *reply, struct emu *e, enum msi_kind kind,
                  const struct emu_managed_identity *mi, const char *resource,
                  const char *requested)
{
    struct emu_token_subject subject = {mi->tenant, mi->client_id,  mi->name, mi->object_id,
                                        mi->roles,  mi->role_count, "2",      mi->resource_id,
                                        NULL,       NULL};
    long long lifetime = e->scn->access_token_lifetime_s;
    long long now = m365id__now_s();
    long long exp = 0;
    char fp[M365ID_FINGERPRINT_SIZE];
    char s_exp_in[24];
    char s_exp_on[24];
    char s_nbf[24];
    char *jwt = NULL;
    char *text = NULL;
    json_t *doc = NULL;

    if (emu_access_token_sign(&jwt, &exp, e, &subject, resource, lifetime) < 0) {
        msi_error(reply, kind, 500, "unknown", "could not sign the access token");
        goto out;
    }
    snprintf(s_exp_in, sizeof(s_exp_in), "%lld", lifetime);
    snprintf(s_exp_on, sizeof(s_exp_on), "%lld", exp);
    snprintf(s_nbf, sizeof(s_nbf), "%lld", now);
    /* IMDS writes every value as a string; App Service writes its five fields. */
    if (kind == MSI_IMDS)
        doc = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "access_token", jwt,
                        "refresh_token", "", "expires_in", s_exp_in, "expires_on", s_exp_on,
                        "ext_expires_in", s_exp_in, "not_before", s_nbf, "resource", requested,
                        "token_type", "Bearer", "client_id", mi->client_id);
    else
        doc = json_pack("{s:s,s:s,s:s,s:s,s:s}", "access_token", jwt, "expires_on", s_exp_on,
                        "resource", requested, "token_type", "Bearer", "client_id", mi->client_id);
    text = doc != NULL ? m365id__json_dump(doc) : NULL;
    if (text == NULL) {
        msi_error(reply, kind, 500, "unknown", "out of memory");
        goto out;
    }
    httpd_reply_take(reply, 200, "application/json; charset=utf-8", text, strlen(text));
    reply->body_is_secret = 1;
    m365id_fingerprint(fp, sizeof(fp), jwt, strlen(jwt));
    httpd_reply_outcome(reply, "msi issued %s for '%s'", fp, mi->name);
    emu_stats_add(&e->stats, EMU_STAT_MSI_TOKENS_ISSUED);

out:
    m365id__free_secret_str(jwt);
    json_decref(doc); /* the serialised body held the token */
}

static void handle_imds(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e)
{
    static const char *const selectors[] = {"client_id", "object_id", "msi_res_id", NULL};
    static const int fields[] = {0, 1, 2};
    const char *metadata = httpd_header(req, "Metadata");
    const char *version = httpd_query(req, "api-version");
    const char *resource = httpd_query(req, "resource");
    const struct emu_managed_identity *mi;
    char graph[256];
    struct m365id__quoted q;

    /* Probes without the header must get a fast 400 (Azure SDKs detect IMDS this way). */
    if (metadata == NULL || strcasecmp(metadata, "true") != 0) {
        msi_error(reply, MSI_IMDS, 400, "bad_request_102",
                  "Required metadata header not specified");
        return;
    }
    if (version == NULL) {
        msi_error(reply, MSI_IMDS, 400, "invalid_request",
                  "Required query variable 'api-version' is missing");
        return;
    }
    if (strcmp(version, IMDS_API_VERSION) != 0) {
        m365id__quote(&q, version);
        msi_error(reply, MSI_IMDS, 400, "invalid_request",
                  "api-version '%s' is not supported; use " IMDS_API_VERSION, q.text);
        return;
    }
    if (resource == NULL || resource[0] == '\0') {
        msi_error(reply, MSI_IMDS, 400, "invalid_request",
                  "Required query variable 'resource' is missing");
        return;
    }
    mi = select_identity(reply, req, e, MSI_IMDS, selectors, fields);
    if (mi == NULL || check_resource(graph, sizeof(graph), reply, MSI_IMDS, mi, resource) < 0)
        return;
    issue(reply, e, MSI_IMDS, mi, graph, resource);
}

static void handle_app_service(struct httpd_reply *reply, const struct httpd_request *req,
                               struct emu *e)
{
    static const char *const selectors[] = {"client_id", "principal_id", "object_id", "mi_res_id",
                                            NULL};
    static const int fields[] = {0, 1, 1, 2};
    const char *header = httpd_header(req, "X-IDENTITY-HEADER");
    const char *version = httpd_query(req, "api-version");
    const char *resource = httpd_query(req, "resource");
    const struct emu_managed_identity *mi;
    const char *want = e->scn->identity_header;
    char graph[256];
    struct m365id__quoted q;

    if (header == NULL || strlen(header) != strlen(want) ||
        m365id__memcmp_const(header, want, strlen(want)) != 0) {
        msi_error(reply, MSI_APP_SERVICE, 401, "unauthorized",
                  "The X-IDENTITY-HEADER header is %s; send the value of IDENTITY_HEADER "
                  "(emulator.json msi.identity_header).",
                  header == NULL ? "missing" : "wrong");
        return;
    }
    if (version == NULL || strcmp(version, APP_SERVICE_API_VERSION) != 0) {
        m365id__quote(&q, version != NULL ? version : "(missing)");
        msi_error(reply, MSI_APP_SERVICE, 400, "bad_api_version",
                  "api-version '%s' is not supported; use " APP_SERVICE_API_VERSION, q.text);
        return;
    }
    if (resource == NULL || resource[0] == '\0') {
        msi_error(reply, MSI_APP_SERVICE, 400, "missing_resource",
                  "The query parameter 'resource' is missing.");
        return;
    }
    mi = select_identity(reply, req, e, MSI_APP_SERVICE, selectors, fields);
    if (mi == NULL ||
        check_resource(graph, sizeof(graph), reply, MSI_APP_SERVICE, mi, resource) < 0)
        return;
    issue(reply, e, MSI_APP_SERVICE, mi, graph, resource);
}

void emu_msi_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                    const char *rest)
{
    enum msi_kind kind;
    struct m365id__quoted q;

    if (strcmp(rest, IMDS_PATH) == 0) {
        kind = MSI_IMDS;
    } else if (strcmp(rest, APP_SERVICE_PATH) == 0) {
        kind = MSI_APP_SERVICE;
    } else {
        /* Other IMDS paths (such as /metadata/instance) get a local JSON 404, never a
         * forward: clients probe them and must get a fast, parseable reply. */
        m365id__quote(&q, req->path);
        msi_error(reply, MSI_IMDS, 404, "not_found",
                  "no managed-identity route at '%s'; use " IMDS_PATH " or " APP_SERVICE_PATH,
                  q.text);
        return;
    }
    if (req->url_has_nul) {
        msi_error(reply, kind, 400, "invalid_request",
                  "the request URL contains an encoded NUL byte (%%00); remove it");
        return;
    }
    if (strcmp(req->method, "GET") != 0) {
        m365id__quote(&q, req->method);
        msi_error(reply, kind, 405, "method_not_allowed",
                  "the token endpoint supports GET only, not '%s'", q.text);
        httpd_reply_add_header(reply, "Allow", "GET");
        return;
    }
    if (kind == MSI_IMDS)
        handle_imds(reply, req, e);
    else
        handle_app_service(reply, req, e);
}
