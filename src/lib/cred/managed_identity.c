/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The managed-identity token request: source selection, URL and headers, retries, and reply
 * parsing for IMDS and App Service 2019-08-01. Other sources (Arc, Cloud Shell, Service
 * Fabric, App Service 2017) are not implemented. The identity header and tokens are secrets.
 */
#include "lib/cred/managed_identity.h"
#include "lib/cred/managed_identity_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/core/ctx_internal.h"
#include "lib/core/http_settings.h"
#include "lib/sts/exchange.h"
#include "lib/token/clock.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/http_client.h"
#include "util/json.h"
#include "util/limits.h"
#include "util/quote.h"
#include "util/strutil.h"
#include "util/timeutil.h"

/* The IMDS base URL; AZURE_POD_IDENTITY_AUTHORITY_HOST replaces it. */
#define IMDS_HOST "http://169.254.169.254"
#define IMDS_PATH "/metadata/identity/oauth2/token"

/* Maximum Retry-After waited for. IMDS may request up to 70 s while it updates, so fail sooner. */
#define MI_RETRY_AFTER_CAP_MS 60000LL

#define HINT_IDENTITY                                                                          \
    "set entra_id_options.managed_identity_id (M365_MANAGED_IDENTITY_ID or AZURE_CLIENT_ID) "  \
    "to the client id or the resource id of a user-assigned identity attached to this "        \
    "resource, or leave it unset to use the system-assigned identity; the identity must be "   \
    "assigned to the VM, scale set, node pool or app that runs this process"
#define HINT_IDENTITY_UNSET                                                                    \
    "set entra_id_options.managed_identity_id (M365_MANAGED_IDENTITY_ID, AZURE_CLIENT_ID or "  \
    "--managed-identity-id) to the client id or the resource id of one of the user-assigned "  \
    "identities attached to this resource: with none selected, the endpoint is asked for the " \
    "system-assigned identity, which this resource may lack"
#define HINT_RESOURCE                                                                          \
    "set scope (M365_SCOPE) to a resource of the identity's cloud, such as "                   \
    "'https://graph.microsoft.com/.default'"
#define HINT_REACH                                                                             \
    "managed identity works only on an Azure resource that has one; elsewhere, point "         \
    "AZURE_POD_IDENTITY_AUTHORITY_HOST (IMDS) or IDENTITY_ENDPOINT and IDENTITY_HEADER (App "   \
    "Service) at a compatible token server, or choose another auth_method"

/* Pick the source as the Azure SDKs do: IDENTITY_ENDPOINT + IDENTITY_HEADER, else IMDS. */
static int source_pick(struct mi_source *src, const m365id_ctx *ctx)
{
    const char *endpoint = m365id__getenv(ctx, "IDENTITY_ENDPOINT");
    const char *header = m365id__getenv(ctx, "IDENTITY_HEADER");
    const char *host;
    size_t len;
    int n;

    memset(src, 0, sizeof(*src));
    if (endpoint != NULL && endpoint[0] != '\0' && header != NULL && header[0] != '\0') {
        src->app_service = 1;
        src->name = "App Service";
        src->from = "IDENTITY_ENDPOINT";
        src->header = header;
        n = snprintf(src->endpoint, sizeof(src->endpoint), "%s", endpoint);
        return n < 0 || (size_t)n >= sizeof(src->endpoint) ? -1 : 0;
    }

    src->name = "IMDS";
    host = m365id__getenv(ctx, "AZURE_POD_IDENTITY_AUTHORITY_HOST");
    if (host != NULL && host[0] != '\0') {
        src->from = "AZURE_POD_IDENTITY_AUTHORITY_HOST";
    } else {
        host = IMDS_HOST;
        src->from = "the IMDS default";
    }
    /* The SDKs strip trailing slashes, then append the token path. */
    len = strlen(host);
    while (len > 0 && host[len - 1] == '/')
        len--;
    n = snprintf(src->endpoint, sizeof(src->endpoint), "%.*s%s", (int)len, host, IMDS_PATH);
    return n < 0 || (size_t)n >= sizeof(src->endpoint) ? -1 : 0;
}

/*
 * Report what source_pick() cannot: half of the App Service pair (the other half missing makes
 * the Azure SDKs and m365id use IMDS, a WARN) and an IMDS host without a scheme (an error).
 */
static int source_check(m365id_ctx *ctx, const struct mi_source *src)
{
    const char *endpoint = m365id__getenv(ctx, "IDENTITY_ENDPOINT");
    const char *header = m365id__getenv(ctx, "IDENTITY_HEADER");
    int has_endpoint = endpoint != NULL && endpoint[0] != '\0';
    int has_header = header != NULL && header[0] != '\0';
    struct m365id__quoted q;

    if (src->app_service)
        return M365ID_OK;
    if (has_endpoint != has_header) {
        m365id__quote(&q, src->endpoint);
        mlog_warn(&ctx->logger, "cred", "%s is set but %s is not, so the App Service endpoint "
                  "is not used and IMDS at '%s' is asked instead; set both or neither",
                  has_endpoint ? "IDENTITY_ENDPOINT" : "IDENTITY_HEADER",
                  has_endpoint ? "IDENTITY_HEADER" : "IDENTITY_ENDPOINT", q.text);
    }
    if (strcmp(src->from, "AZURE_POD_IDENTITY_AUTHORITY_HOST") == 0 &&
        strstr(src->endpoint, "://") == NULL) {
        m365id__quote(&q, m365id__getenv(ctx, "AZURE_POD_IDENTITY_AUTHORITY_HOST"));
        return m365id__fail(ctx, M365ID_ECONFIG,
                            "set AZURE_POD_IDENTITY_AUTHORITY_HOST to a URL with a scheme, such "
                            "as 'http://127.0.0.1:2579'",
                            "AZURE_POD_IDENTITY_AUTHORITY_HOST '%s' has no scheme (http:// or "
                            "https://)",
                            q.text);
    }
    return M365ID_OK;
}

/* The query selector for the configured identity, or NULL for the system-assigned one. */
static const char *selector_name(const m365id_ctx *ctx, const struct mi_source *src)
{
    if (m365id__cfg(ctx, M365ID__KEY_MANAGED_IDENTITY_ID) == NULL)
        return NULL;
    if (ctx->cfg.managed_identity_kind == M365ID__MI_RESOURCE_ID)
        return src->app_service ? "mi_res_id" : "msi_res_id";
    return "client_id";
}

/* "the system-assigned identity" or "the identity with client_id 'X' (env NAME)". */
static void identity_describe(char *out, size_t size, const m365id_ctx *ctx,
                              const struct mi_source *src)
{
    const char *id = m365id__cfg(ctx, M365ID__KEY_MANAGED_IDENTITY_ID);
    struct m365id__quoted qid;
    int n;

    if (id == NULL) {
        snprintf(out, size, "the system-assigned identity");
        return;
    }
    m365id__quote(&qid, id);
    /* A description cut short still names the selector and the start of the id. */
    n = snprintf(out, size, "the identity with %s '%s' (%s)", selector_name(ctx, src), qid.text,
                 m365id__cfg_source(ctx, M365ID__KEY_MANAGED_IDENTITY_ID));
    if (n < 0)
        out[0] = '\0';
}

/* The scope without "/.default": what the managed-identity endpoints call the resource. */
static int resource_from_scope(struct m365id__buf *out, const char *scope)
{
    size_t len = strlen(scope);

    if (m365id__ends_with(scope, "/.default"))
        len -= strlen("/.default");
    return m365id__buf_put(out, scope, len);
}

static int url_build(struct m365id__buf *url, const m365id_ctx *ctx,
                     const struct mi_source *src, const char *resource)
{
    const char *sel = selector_name(ctx, src);
    int rc;

    if ((rc = m365id__buf_puts(url, src->endpoint)) < 0 ||
        (rc = m365id__buf_puts(url, strchr(src->endpoint, '?') != NULL ? "&" : "?")) < 0 ||
        (rc = m365id__buf_puts(url, src->app_service ? "api-version=2019-08-01"
                                                     : "api-version=2018-02-01")) < 0 ||
        (rc = m365id__buf_puts(url, "&resource=")) < 0 ||
        (rc = m365id__buf_put_urlencoded(url, resource)) < 0)
        return rc;
    if (sel != NULL) {
        if ((rc = m365id__buf_printf(url, "&%s=", sel)) < 0 ||
            (rc = m365id__buf_put_urlencoded(
                 url, m365id__cfg(ctx, M365ID__KEY_MANAGED_IDENTITY_ID))) < 0)
            return rc;
    }
    return 0;
}

/* Whether a reply status may pass: entra-protocol 8.1 for IMDS, 8.4 (MSAL) for App Service. */
int m365id__mi_status_is_transient(const struct mi_source *src, long status)
{
    if (status == 429 || status == 500 || status == 502 || status == 503 || status == 504)
        return 1;
    if (src->app_service)
        return status == 408;
    return status == 404 || status == 410 || (status >= 500 && status <= 599);
}

int m365id__mi_body_is_not_json(const struct m365id__http_response *resp)
{
    json_t *doc = NULL;

    if (m365id__json_parse(&doc, m365id__buf_cstr(&resp->body), resp->body.len, NULL, 0) < 0)
        return 1;
    json_decref(doc);
    return 0;
}

/*
 * Parse a success body. expires_in (number or string) is preferred because it does not
 * depend on the endpoint's clock. Without it, expires_on (epoch seconds) is turned into a
 * lifetime with our clock. Returns 0, M365ID_EPROTO (failure recorded) or M365ID_ENOMEM.
 */
int m365id__mi_token_parse(struct m365id__sts_token *tok, m365id_ctx *ctx,
                           const struct mi_source *src,
                           const struct m365id__http_response *resp)
{
    struct m365id__quoted qurl;
    json_t *root = NULL;
    const char *access = NULL;
    const char *type = NULL;
    const char *missing = NULL;
    long long expires_in = 0;
    long long expires_on = 0;
    long long refresh_in = -1;
    int rc;

    m365id__quote(&qurl, src->endpoint);
    if (m365id__json_parse(&root, m365id__buf_cstr(&resp->body), resp->body.len, NULL, 0) < 0 ||
        !json_is_object(root)) {
        missing = "a JSON object";
    } else if (m365id__json_get_str(&access, root, "access_token") != M365ID__JSON_OK ||
               access[0] == '\0') {
        missing = "access_token";
    } else if (m365id__json_get_str(&type, root, "token_type") == M365ID__JSON_BADTYPE ||
               (type != NULL && strcasecmp(type, "Bearer") != 0)) {
        missing = "token_type 'Bearer'";
    } else if (m365id__json_get_int_lenient(&expires_in, root, "expires_in") ==
                   M365ID__JSON_OK &&
               expires_in > 0) {
        /* expires_in wins. */
    } else if (m365id__json_get_int_lenient(&expires_on, root, "expires_on") ==
                   M365ID__JSON_OK &&
               expires_on > m365id__clock_now_s(ctx)) {
        expires_in = expires_on - m365id__clock_now_s(ctx);
    } else {
        missing = "expires_in or a future expires_on";
    }
    if (missing != NULL) {
        rc = m365id__fail(ctx, M365ID_EPROTO, HINT_REACH,
                          "managed identity endpoint '%s' (%s) returned HTTP 200 without %s "
                          "(%zu bytes)",
                          qurl.text, src->name, missing, resp->body.len);
        goto out;
    }
    if (m365id__json_get_int_lenient(&refresh_in, root, "refresh_in") != M365ID__JSON_OK ||
        refresh_in <= 0)
        refresh_in = -1;

    if ((rc = m365id__secret_new(&tok->access_token, access, strlen(access))) < 0) {
        rc = m365id__fail(ctx, rc, NULL, "out of memory storing the access token");
        goto out;
    }
    tok->expires_in_s = expires_in < M365ID_TOKEN_LIFETIME_MAX_S ? expires_in
                                                                 : M365ID_TOKEN_LIFETIME_MAX_S;
    tok->refresh_in_s = refresh_in;
    rc = 0;

out:
    json_decref(root);
    return rc;
}

/* Record an error reply: IMDS {error, error_description} or App Service {statusCode, message}. */
int m365id__mi_fail_reply(m365id_ctx *ctx, const struct mi_source *src,
                          const struct m365id__http_response *resp, const char *resource,
                          int transient)
{
    struct m365id__quoted qurl;
    struct m365id__quoted qerr;
    struct m365id__quoted qdesc;
    struct m365id__quoted qres;
    struct m365id__quoted qct;
    json_t *root = NULL;
    const char *error = NULL;
    const char *desc = NULL;
    const char *hint;
    char who[512];
    int code = transient ? M365ID_ENET : M365ID_EAUTH;
    int rc;

    m365id__quote(&qurl, src->endpoint);
    m365id__quote(&qres, resource);
    identity_describe(who, sizeof(who), ctx, src);
    if (m365id__json_parse(&root, m365id__buf_cstr(&resp->body), resp->body.len, NULL, 0) == 0) {
        (void)m365id__json_get_str(&error, root, "error");
        if (m365id__json_get_str(&desc, root, "error_description") != M365ID__JSON_OK)
            (void)m365id__json_get_str(&desc, root, "message");
    }
    if (error == NULL && desc == NULL) {
        m365id__quote(&qct, resp->content_type != NULL ? resp->content_type : "none");
        rc = m365id__fail(ctx, transient ? M365ID_ENET : M365ID_EPROTO, HINT_REACH,
                          "managed identity endpoint '%s' (%s) returned HTTP %ld for %s with a "
                          "body that is not a managed-identity error (%zu bytes, content type "
                          "'%s')",
                          qurl.text, src->name, resp->status, who, resp->body.len, qct.text);
        goto out;
    }

    if (error != NULL && strcmp(error, "bad_request_102") == 0)
        hint = "the endpoint wants the header 'Metadata: true', which m365id sends: check that "
               "AZURE_POD_IDENTITY_AUTHORITY_HOST names an IMDS-compatible endpoint";
    else if ((error != NULL && strcmp(error, "invalid_resource") == 0) ||
             (src->app_service && resp->status == 500))
        hint = HINT_RESOURCE;
    else if (src->app_service && resp->status == 401)
        hint = "IDENTITY_HEADER does not match the endpoint's secret: take IDENTITY_ENDPOINT and "
               "IDENTITY_HEADER from the same environment, unchanged";
    else if (resp->status == 400 || resp->status == 404)
        hint = m365id__cfg(ctx, M365ID__KEY_MANAGED_IDENTITY_ID) != NULL ? HINT_IDENTITY
                                                                         : HINT_IDENTITY_UNSET;
    else
        hint = transient ? "the endpoint is busy or updating: try again later, or raise "
                           "client_options.max_retries"
                         : HINT_REACH;

    m365id__quote(&qerr, error != NULL ? error : "no error code");
    m365id__quote(&qdesc, desc != NULL ? desc : "no description");
    rc = m365id__fail(ctx, code, hint,
                      "managed identity endpoint '%s' (%s) rejected the token request for %s "
                      "and resource '%s': HTTP %ld (%s): '%s'",
                      qurl.text, src->name, who, qres.text, resp->status, qerr.text, qdesc.text);

out:
    json_decref(root);
    return rc;
}

static int fail_transfer(m365id_ctx *ctx, const struct mi_source *src, int prc,
                         const struct m365id__http_response *resp, int attempts)
{
    struct m365id__quoted qurl;
    struct m365id__quoted qerr;

    m365id__quote(&qurl, src->endpoint);
    if (prc == M365ID_EINVAL) {
        return m365id__fail(ctx, M365ID_ECONFIG,
                            "use https, or http only for a loopback or link-local address",
                            "managed identity endpoint '%s' (from %s) is not https, and plain "
                            "http is allowed only on loopback and link-local addresses",
                            qurl.text, src->from);
    }
    if (prc == M365ID_ETOOBIG) {
        return m365id__fail(ctx, M365ID_ETOOBIG, HINT_REACH,
                            "managed identity endpoint '%s' (%s) sent a reply larger than the "
                            "%u bytes allowed",
                            qurl.text, src->name, M365ID_STS_REPLY_MAX);
    }
    if (resp->proxy_auth_required)
        return m365id__http_fail_proxy_auth(ctx, src->endpoint);
    m365id__quote(&qerr, resp->error[0] != '\0' ? resp->error : "unknown transport error");
    if (resp->tls_untrusted) {
        char hint[1024];

        m365id__tls_untrusted_hint(hint, sizeof(hint), ctx, src->from);
        return m365id__fail(ctx, M365ID_ENET, hint,
                            "managed identity endpoint '%s' (%s): the server's TLS certificate "
                            "could not be verified: %s",
                            qurl.text, src->name, qerr.text);
    }
    return m365id__fail(ctx, M365ID_ENET, HINT_REACH,
                        "managed identity endpoint '%s' (%s, from %s) could not be reached "
                        "after %d attempt%s: %s",
                        qurl.text, src->name, src->from, attempts, attempts == 1 ? "" : "s",
                        qerr.text);
}

int m365id__mi_fetch(struct m365id__sts_token *out, m365id_ctx *ctx, const char *scope)
{
    struct mi_source src;
    struct m365id__buf url = M365ID__BUF_INIT(MI_URL_MAX + 4096u);
    struct m365id__buf resource = M365ID__BUF_INIT(MI_URL_MAX);
    struct m365id__buf header = M365ID__SECRET_BUF_INIT(MI_URL_MAX);
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    struct m365id__http_request req;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    struct m365id__retry_budget budget;
    struct m365id__quoted qurl;
    const char *headers[4] = {"Accept: application/json", NULL, NULL, NULL};
    int attempts = 1 + (ctx->cfg.max_retries > 0 ? ctx->cfg.max_retries : 0);
    char who[512];
    int local;
    int rc;

    if (source_pick(&src, ctx) < 0) {
        rc = m365id__fail(ctx, M365ID_ECONFIG, HINT_REACH,
                          "the managed identity endpoint from %s is longer than %u bytes",
                          src.from, MI_URL_MAX);
        goto out;
    }
    if ((rc = source_check(ctx, &src)) < 0)
        goto out;
    m365id__quote(&qurl, src.endpoint);
    identity_describe(who, sizeof(who), ctx, &src);
    if ((rc = resource_from_scope(&resource, scope)) < 0 ||
        (rc = url_build(&url, ctx, &src, m365id__buf_cstr(&resource))) < 0) {
        rc = m365id__fail(ctx, rc, NULL, "cannot build the managed identity request URL");
        goto out;
    }
    if (src.app_service) {
        if ((rc = m365id__buf_printf(&header, "X-IDENTITY-HEADER: %s", src.header)) < 0) {
            rc = m365id__fail(ctx, rc, HINT_REACH, "IDENTITY_HEADER is longer than %u bytes",
                              MI_URL_MAX);
            goto out;
        }
        headers[1] = m365id__buf_cstr(&header);
    } else {
        headers[1] = "Metadata: true";
    }
    if ((rc = m365id__http_global_init()) < 0) {
        rc = m365id__fail(ctx, rc, NULL, "cannot initialise the HTTP client");
        goto out;
    }

    /* Local token servers (IMDS, App Service's localhost endpoint, a test server) never go
     * through a proxy, because a proxy returns 502 or 407 for them. They use plain http. */
    local = m365id__http_url_is_local(src.endpoint);
    m365id__http_request_from_cfg(&req, ctx);
    req.method = "GET";
    req.url = m365id__buf_cstr(&url);
    req.headers = headers;
    req.max_response = M365ID_STS_REPLY_MAX;
    req.response_is_secret = 1;
    req.allow_http = local;
    if (local)
        req.no_proxy = "*";

    m365id__retry_budget_start(&budget, ctx);
    for (int attempt = 1;; attempt++) {
        unsigned long long wait_s = 0;
        long long delay_ms;
        int transient;
        int prc;

        m365id__http_response_clear(&resp);
        m365id__sts_token_clear(&tok);
        mlog_debug(&ctx->logger, "mi", "GET '%s' (%s, from %s) for %s, attempt %d of %d",
                   qurl.text, src.name, src.from, who, attempt, attempts);
        tok.issued_at_s = m365id__clock_now_s(ctx);
        prc = m365id__http_perform(&resp, &req);
        mlog_trace(&ctx->logger, "mi", "HTTP %ld from '%s', %zu bytes in %lldms", resp.status,
                   qurl.text, resp.body.len, resp.elapsed_ms);

        if (prc == 0 && resp.status == 200) {
            rc = m365id__mi_token_parse(&tok, ctx, &src, &resp);
            if (rc == 0)
                break;
            transient = rc == M365ID_EPROTO && m365id__mi_body_is_not_json(&resp);
        } else if (prc == M365ID_ENET) {
            transient = !resp.permanent;
        } else if (prc < 0) {
            rc = fail_transfer(ctx, &src, prc, &resp, attempt);
            goto out;
        } else {
            transient = m365id__mi_status_is_transient(&src, resp.status);
        }

        delay_ms = m365id__retry_delay_ms(ctx, attempt - 1, resp.retry_after,
                                          MI_RETRY_AFTER_CAP_MS);
        if (!transient || attempt >= attempts || !m365id__retry_budget_allows(&budget, delay_ms) ||
            (prc == 0 &&
             m365id__retry_after_exceeds(&wait_s, resp.retry_after, MI_RETRY_AFTER_CAP_MS))) {
            if (prc == 0 && resp.status == 200)
                goto out; /* the parse failure is recorded */
            if (prc < 0)
                rc = fail_transfer(ctx, &src, prc, &resp, attempt);
            else
                rc = m365id__mi_fail_reply(ctx, &src, &resp, m365id__buf_cstr(&resource),
                                           transient);
            if (wait_s > 0 && transient && rc != M365ID_ENOMEM && attempt < attempts)
                rc = m365id__fail_retry_after(ctx, rc, wait_s, MI_RETRY_AFTER_CAP_MS);
            goto out;
        }
        if (prc < 0) {
            struct m365id__quoted qerr;

            m365id__quote(&qerr, resp.error);
            mlog_warn(&ctx->logger, "mi", "transfer to '%s' failed (%s), retry %d of %d in "
                      "%lldms", qurl.text, qerr.text, attempt, attempts - 1, delay_ms);
        } else {
            mlog_warn(&ctx->logger, "mi", "HTTP %ld from '%s', retry %d of %d in %lldms",
                      resp.status, qurl.text, attempt, attempts - 1, delay_ms);
        }
        m365id__sleep_ms(delay_ms);
    }

    if (m365id__log_enabled(&ctx->logger, M365ID_LOG_DEBUG)) {
        char fp[M365ID_FINGERPRINT_SIZE];

        m365id_fingerprint(fp, sizeof(fp), tok.access_token->data, tok.access_token->len);
        mlog_debug(&ctx->logger, "mi", "access token %s for %s expires in %llds", fp, who,
                   tok.expires_in_s);
    }
    *out = tok;
    memset(&tok, 0, sizeof(tok));
    rc = 0;

out:
    m365id__sts_token_clear(&tok);
    m365id__http_response_clear(&resp);
    m365id__buf_clear(&header);
    m365id__buf_clear(&resource);
    m365id__buf_clear(&url);
    return rc;
}

int m365id__mi_cache_endpoint(char *out, size_t size, const m365id_ctx *ctx)
{
    struct mi_source src;
    int n;

    if (source_pick(&src, ctx) < 0)
        return -1;
    n = snprintf(out, size, "managed_identity %s %s", src.name, src.endpoint);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}
