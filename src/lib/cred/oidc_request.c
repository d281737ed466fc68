/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The OIDC token request of auth methods oidc and oidc_github. The request token and the
 * reply are secrets: neither is logged or quoted; messages name the URL without its query.
 */
#include "lib/cred/oidc_request.h"

#include <stdio.h>
#include <string.h>

#include "lib/core/ctx_internal.h"
#include "lib/core/http_settings.h"
#include "util/timeutil.h"
#include "lib/cred/credential.h"
#include "lib/sts/exchange.h"
#include "util/http_client.h"
#include "util/json.h"
#include "util/quote.h"
#include "util/secret.h"

#define HINT_TOKEN                                                                             \
    "check entra_id_options.oidc_request_token (M365_OIDC_REQUEST_TOKEN, or the runner's "    \
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN): it must be the current job's request token, which "     \
    "expires with the job, and the workflow or job needs `permissions: id-token: write`"
#define HINT_URL                                                                               \
    "check entra_id_options.oidc_request_url (M365_OIDC_REQUEST_URL, or the runner's "        \
    "ACTIONS_ID_TOKEN_REQUEST_URL): it must be the CI system's OIDC token endpoint"
#define HINT_TRANSIENT                                                                         \
    "the CI system's OIDC token endpoint is unavailable or overloaded: run the job again "     \
    "later, or raise client_options.max_retries (M365_MAX_RETRIES) or "                        \
    "client_options.timeout_seconds (M365_TIMEOUT_SECONDS)"
#define HINT_VALUE                                                                             \
    "the OIDC token endpoint must answer with a JSON object whose \"value\" is the token, as " \
    "GitHub Actions does; check oidc_request_url (M365_OIDC_REQUEST_URL)"

/* Longest Retry-After the OIDC token request waits for, as for the token endpoint. */
#define OIDC_RETRY_AFTER_CAP_MS 60000LL

/* Nonzero when a failed OIDC token request is worth sending again. */
static int is_transient(int prc, const struct m365id__http_response *resp)
{
    if (prc == M365ID_ENET)
        return !resp->permanent;
    if (prc < 0)
        return 0;
    return resp->status == 408 || resp->status == 429 || resp->status >= 500;
}

/* " after N attempts" when more than one request was sent, else "". */
static void attempts_suffix(char *out, size_t size, int attempts, int budget_stop)
{
    int n = 0;

    out[0] = '\0';
    if (attempts > 1) {
        n = snprintf(out, size, " after %d attempts%s", attempts,
                     budget_stop ? ", stopped by the retry time budget" : "");
    }
    if (n < 0 || (size_t)n >= size)
        out[0] = '\0';
}

/* Nonzero when the query of @p url has a parameter named "audience". */
static int has_audience(const char *url)
{
    const char *q = strchr(url, '?');
    size_t end;

    if (q == NULL)
        return 0;
    q++;
    end = strcspn(q, "#");
    while (end > 0) {
        size_t n = strcspn(q, "&#");

        if (n > end)
            n = end;
        if ((n == 8 && strncmp(q, "audience", 8) == 0) || strncmp(q, "audience=", 9) == 0)
            return 1;
        if (n >= end)
            break;
        q += n + 1;
        end -= n + 1;
    }
    return 0;
}

int m365id__oidc_request_url(struct m365id__buf *out, const char *url, const char *audience)
{
    size_t len = strcspn(url, "#");
    int rc;

    if ((rc = m365id__buf_put(out, url, len)) < 0)
        return rc;
    if (audience == NULL || audience[0] == '\0' || has_audience(url))
        return m365id__buf_puts(out, url + len);
    if (strchr(url, '?') == NULL)
        rc = m365id__buf_puts(out, "?");
    else if (len > 0 && url[len - 1] != '?' && url[len - 1] != '&')
        rc = m365id__buf_puts(out, "&");
    if (rc < 0 || (rc = m365id__buf_puts(out, "audience=")) < 0 ||
        (rc = m365id__buf_put_urlencoded(out, audience)) < 0)
        return rc;
    return m365id__buf_puts(out, url + len);
}

int m365id__oidc_reply_read(struct m365id__assertion *out, m365id_ctx *ctx,
                            const struct m365id__http_response *resp, const char *shown_url,
                            const char *after, unsigned long long wait_too_long_s)
{
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    json_t *reply = NULL;
    const char *value = NULL;
    char what[640];
    int rc;

    if (resp->status < 200 || resp->status > 299) {
        int code = M365ID_EPROTO;
        const char *hint = HINT_URL;

        if (resp->status == 401 || resp->status == 403) {
            code = M365ID_EAUTH;
            hint = HINT_TOKEN;
        } else if (resp->status >= 500 || resp->status == 429 || resp->status == 408) {
            code = M365ID_ENET;
            hint = HINT_TRANSIENT;
        }
        /* The body is not shown: an endpoint may echo the request token. */
        rc = m365id__fail(ctx, code, hint,
                          "OIDC token endpoint '%s' returned HTTP %ld (%zu-byte body not "
                          "shown)%s%s",
                          shown_url, resp->status, resp->body.len, after,
                          code == M365ID_EAUTH ? ": it did not accept the request token" : "");
        if (wait_too_long_s > 0 && rc != M365ID_ENOMEM)
            rc = m365id__fail_retry_after(ctx, rc, wait_too_long_s, OIDC_RETRY_AFTER_CAP_MS);
        goto out;
    }
    if (m365id__json_parse(&reply, m365id__buf_cstr(&resp->body), resp->body.len, NULL, 0) < 0 ||
        !json_is_object(reply)) {
        rc = m365id__fail(ctx, M365ID_EPROTO, HINT_VALUE,
                          "OIDC token endpoint '%s' returned HTTP %ld with a body that is not "
                          "a JSON object (%zu bytes)",
                          shown_url, resp->status, resp->body.len);
        goto out;
    }
    if (m365id__json_get_str(&value, reply, "value") != M365ID__JSON_OK) {
        rc = m365id__fail(ctx, M365ID_EPROTO, HINT_VALUE,
                          "OIDC token endpoint '%s' returned a reply whose \"value\" is %s",
                          shown_url,
                          json_object_get(reply, "value") == NULL ? "missing" :
                          json_is_null(json_object_get(reply, "value")) ? "null" :
                          "not a string");
        goto out;
    }
    snprintf(what, sizeof(what), "the OIDC token from '%s'", shown_url);
    if ((rc = m365id__assertion_from_jwt(&a, ctx, value, strlen(value), what, HINT_URL)) < 0)
        goto out;

    *out = a;
    memset(&a, 0, sizeof(a));
    rc = 0;

out:
    m365id__assertion_clear(&a);
    if (value != NULL)
        m365id__wipe((char *)value, strlen(value)); /* jansson does not wipe what it frees */
    json_decref(reply);
    return rc;
}

int m365id__oidc_request(struct m365id__assertion *out, m365id_ctx *ctx, int github)
{
    const char *token = m365id__cfg(ctx, M365ID__KEY_OIDC_REQUEST_TOKEN);
    const char *base = m365id__cfg(ctx, M365ID__KEY_OIDC_REQUEST_URL);
    const char *headers[4] = {NULL, NULL, NULL, NULL};
    struct m365id__buf url = M365ID__BUF_INIT(16384);
    struct m365id__buf auth = M365ID__SECRET_BUF_INIT(16384);
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    struct m365id__http_request req;
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    struct m365id__quoted qurl;
    struct m365id__retry_budget budget;
    int attempts = 1 + (ctx->cfg.max_retries > 0 ? ctx->cfg.max_retries : 0);
    unsigned long long wait_too_long_s = 0;
    int budget_stop = 0;
    int attempt;
    char after[96];
    int prc = 0;
    int rc;

    if (base == NULL || token == NULL) {
        rc = m365id__fail(ctx, M365ID_ECONFIG, HINT_URL,
                          "oidc_request_url and oidc_request_token are both needed");
        goto out;
    }
    /* Messages show the URL without its query, which may carry more than an audience. */
    m365id__quote_len(&qurl, base, strcspn(base, "?#"));

    rc = m365id__oidc_request_url(&url, base,
                                  github ? m365id__cfg(ctx, M365ID__KEY_OIDC_AUDIENCE) : NULL);
    if (rc < 0 || (rc = m365id__buf_puts(&auth, "Authorization: Bearer ")) < 0 ||
        (rc = m365id__buf_puts(&auth, token)) < 0) {
        rc = m365id__fail(ctx, rc, HINT_URL, "cannot build the OIDC token request to '%s'",
                          qurl.text);
        goto out;
    }
    headers[0] = m365id__buf_cstr(&auth);
    headers[1] = "Accept: application/json";
    if ((rc = m365id__http_global_init()) < 0) {
        rc = m365id__fail(ctx, rc, NULL, "cannot initialise the HTTP client");
        goto out;
    }

    m365id__retry_budget_start(&budget, ctx);
    for (attempt = 1;; attempt++) {
        unsigned long long wait_s = 0;
        long long delay_ms;

        m365id__http_response_clear(&resp);
        m365id__http_request_from_cfg(&req, ctx);
        req.method = "GET";
        req.url = m365id__buf_cstr(&url);
        req.headers = headers;
        req.max_response = M365ID__OIDC_REPLY_MAX;
        req.response_is_secret = 1;
        /* Configure accepts plain http only for a loopback host; the request token stays on
         * this machine then. */
        req.allow_http = m365id__http_url_is_local(req.url);
        mlog_debug(&ctx->logger, "cred", "GET OIDC token from '%s'%s, attempt %d of %d",
                   qurl.text, github ? " (GitHub Actions)" : "", attempt, attempts);
        prc = m365id__http_perform(&resp, &req);
        mlog_trace(&ctx->logger, "cred", "HTTP %ld from '%s', %zu bytes", resp.status,
                   qurl.text, resp.body.len);

        if (prc == 0 && resp.status >= 200 && resp.status <= 299)
            break;
        if (!is_transient(prc, &resp) || attempt >= attempts)
            break;
        if (prc == 0 && m365id__retry_after_exceeds(&wait_s, resp.retry_after,
                                                    OIDC_RETRY_AFTER_CAP_MS)) {
            wait_too_long_s = wait_s;
            break;
        }
        delay_ms = m365id__retry_delay_ms(ctx, attempt - 1, resp.retry_after,
                                          OIDC_RETRY_AFTER_CAP_MS);
        if (!m365id__retry_budget_allows(&budget, delay_ms)) {
            budget_stop = 1;
            break;
        }
        if (prc < 0) {
            struct m365id__quoted qerr;

            m365id__quote(&qerr, resp.error);
            mlog_warn(&ctx->logger, "cred", "OIDC token request to '%s' failed (%s), retry %d "
                      "of %d in %lldms", qurl.text, qerr.text, attempt, attempts - 1, delay_ms);
        } else {
            mlog_warn(&ctx->logger, "cred", "HTTP %ld from OIDC token endpoint '%s', retry %d "
                      "of %d in %lldms", resp.status, qurl.text, attempt, attempts - 1,
                      delay_ms);
        }
        m365id__sleep_ms(delay_ms);
    }
    attempts_suffix(after, sizeof(after), attempt, budget_stop);

    if (prc == M365ID_ETOOBIG) {
        rc = m365id__fail(ctx, M365ID_ETOOBIG, HINT_URL,
                          "OIDC token endpoint '%s' sent a reply larger than the %u bytes "
                          "allowed",
                          qurl.text, M365ID__OIDC_REPLY_MAX);
        goto out;
    }
    if (prc < 0) {
        struct m365id__quoted qerr;

        m365id__quote(&qerr, resp.error[0] != '\0' ? resp.error : "unknown transport error");
        rc = m365id__fail(ctx, prc == M365ID_EINVAL ? M365ID_ECONFIG : M365ID_ENET,
                          prc == M365ID_ENET && !resp.permanent ? HINT_TRANSIENT : HINT_URL,
                          "OIDC token request to '%s' failed%s: %s", qurl.text, after,
                          qerr.text);
        goto out;
    }
    if ((rc = m365id__oidc_reply_read(&a, ctx, &resp, qurl.text, after, wait_too_long_s)) < 0)
        goto out;

    *out = a;
    memset(&a, 0, sizeof(a));
    rc = 0;

out:
    m365id__assertion_clear(&a);
    m365id__http_response_clear(&resp);
    m365id__buf_clear(&auth);
    m365id__buf_clear(&url);
    return rc;
}
