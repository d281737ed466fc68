/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The token request: form body, POST, retries, and the failure detail built from Entra ID's
 * error reply. The form body and the success reply hold secrets and are wiped; logs carry the
 * assertion's fingerprint and claims only.
 */
#include "lib/sts/exchange.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/config/cloud.h"
#include "lib/config/validate.h"
#include "lib/core/ctx_internal.h"
#include "lib/core/http_settings.h"
#include "lib/cred/credential.h"
#include "lib/cred/token_file.h"
#include "lib/sts/aadsts.h"
#include "lib/token/clock.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/http_client.h"
#include "util/json.h"
#include "util/limits.h"
#include "util/quote.h"
#include "util/strutil.h"
#include "util/timeutil.h"

/* Longest Retry-After the token request waits for; longer waits fail at once. */
#define STS_RETRY_AFTER_CAP_MS 60000LL

/*
 * The first delay before retrying a federated credential mismatch, as a multiple of
 * retry_delay_seconds. Entra ID's credential store is eventually consistent, and a credential
 * created or changed in the last minute may not match yet. With the default delay of 1 s and
 * federated_credential_retries of 2 the retries wait about 15 s and 30 s.
 */
#define FIC_DELAY_FACTOR 15

/* Room for the other form fields next to a percent-encoded assertion. */
#define FORM_MAX (3u * M365ID_TOKEN_FILE_MAX + 8192u)

/* Bytes of error_description shown in a message. */
#define SUMMARY_MAX 1024u

/* Audiences passed to the hints. */
#define HINT_AUD_MAX 8

#define HINT_NET                                                                                \
    "check that the authority host is reachable from here (authority_host or "                 \
    "M365_AUTHORITY_HOST, and HTTPS_PROXY / NO_PROXY); for a TLS certificate error, set "     \
    "ca_bundle (M365_CA_BUNDLE) to the CA that signed the server's certificate"
#define HINT_NOT_ENTRA                                                                          \
    "something other than Entra ID answered: check authority_host (M365_AUTHORITY_HOST) and " \
    "any proxy between here and Entra ID (HTTPS_PROXY, NO_PROXY)"

int m365id__sts_is_transient(long status, const char *error, long long code)
{
    if (status == 408 || status == 429 || status >= 500)
        return 1;
    if (error != NULL && strcmp(error, "temporarily_unavailable") == 0)
        return 1;
    /* Entra ID could not fetch the issuer's documents; that is often a passing outage. */
    return code == 90061 || code == 50166 || code == 501661;
}

int m365id__sts_is_fic_mismatch(long long code)
{
    return code == 70021 || code == 700211 || code == 700212 || code == 700213;
}

/* Apply +-20 % jitter to @p delay_ms, so that clients that failed together do not retry
 * together. */
static long long jitter_ms(long long delay_ms)
{
    uint32_t r = 0;

    if (delay_ms <= 0 || m365id__random(&r, sizeof(r)) != 0)
        return delay_ms;
    return delay_ms * 80 / 100 + (long long)(r % (uint32_t)(delay_ms * 40 / 100 + 1));
}

long long m365id__fic_retry_delay_ms(const m365id_ctx *ctx, int retry)
{
    long long base = ctx->cfg.retry_delay_ms > 0 ? ctx->cfg.retry_delay_ms : 0;

    return jitter_ms((FIC_DELAY_FACTOR * base) << (retry > 0 ? retry : 0));
}

long long m365id__retry_delay_ms(const m365id_ctx *ctx, int retry, const char *retry_after,
                                 long long retry_after_cap_ms)
{
    long long base = ctx->cfg.retry_delay_ms > 0 ? ctx->cfg.retry_delay_ms : 0;
    long long delay = base;
    unsigned long long ra_s = 0;

    for (int i = 0; i < retry && delay < 10 * base; i++)
        delay *= 2;

    delay = jitter_ms(delay);
    if (delay > 10 * base)
        delay = 10 * base;

    /* Retry-After in seconds or as an HTTP date (RFC 9110 section 10.2.3). */
    if (m365id__http_retry_after_s(&ra_s, retry_after, m365id__now_s()) == 0) {
        long long ra_ms = ra_s > (unsigned long long)(retry_after_cap_ms / 1000)
                              ? retry_after_cap_ms
                              : (long long)ra_s * 1000;

        if (ra_ms > delay)
            delay = ra_ms;
    }
    return delay;
}

int m365id__retry_after_exceeds(unsigned long long *seconds_out, const char *retry_after,
                                long long retry_after_cap_ms)
{
    unsigned long long ra_s = 0;

    *seconds_out = 0;
    if (m365id__http_retry_after_s(&ra_s, retry_after, m365id__now_s()) != 0)
        return 0;
    if (ra_s <= (unsigned long long)(retry_after_cap_ms / 1000))
        return 0;
    *seconds_out = ra_s;
    return 1;
}

int m365id__fail_retry_after(m365id_ctx *ctx, int code, unsigned long long wait_s,
                             long long retry_after_cap_ms)
{
    char hint[160];

    snprintf(hint, sizeof(hint), "send the request again in %llu s at the earliest; a request "
             "sent sooner is likely to be rejected the same way", wait_s);

    /* The message and upstream ids are those just recorded. m365id__fail_upstream() copies its
     * arguments before it frees the previous failure, so passing them back is safe. */
    return m365id__fail_upstream(ctx, code, ctx->err.upstream, hint,
                                 "%s; the reply requests a retry after %llu s, longer than the "
                                 "%lld s m365id waits, so the request was not retried",
                                 ctx->err.message, wait_s, retry_after_cap_ms / 1000);
}

void m365id__tls_untrusted_hint(char *out, size_t size, const m365id_ctx *ctx,
                                const char *endpoint_setting)
{
    const char *bundle = m365id__cfg(ctx, M365ID__KEY_CA_BUNDLE);
    struct m365id__quoted qbundle;

    if (bundle == NULL) {
        snprintf(out, size,
                 "set ca_bundle (M365_CA_BUNDLE, or --ca-bundle of the m365id command) to a PEM "
                 "file with the CA that signed the server's certificate; it is unset, so only "
                 "the system's CA store is trusted. Also check that %s names the intended "
                 "server",
                 endpoint_setting);
        return;
    }
    m365id__quote(&qbundle, bundle);
    snprintf(out, size,
             "set ca_bundle (M365_CA_BUNDLE, or --ca-bundle of the m365id command) to a PEM file "
             "with the CA that signed the server's certificate; it is now '%s' (%s). Also check "
             "that %s names the intended server",
             qbundle.text, m365id__cfg_source(ctx, M365ID__KEY_CA_BUNDLE), endpoint_setting);
}

/* "https://host:port" of @p url, for log lines. */
static void url_origin(char *out, size_t size, const char *url)
{
    const char *p = strstr(url, "://");
    size_t n;

    p = p != NULL ? p + 3 : url;
    n = (size_t)(p - url) + strcspn(p, "/?#");
    snprintf(out, size, "%.*s", (int)n, url);
}

static int build_form(struct m365id__buf *form, m365id_ctx *ctx, const char *scope,
                      const struct m365id__credential *cred)
{
    const struct m365id__assertion *a = &cred->assertion;
    const char *client_id = m365id__cfg(ctx, M365ID__KEY_CLIENT_ID);
    int rc;

    /* client_secret_post: the secret goes in the form, never in a log line. */
    if (cred->client_secret != NULL) {
        if ((rc = m365id__buf_puts(form, "grant_type=client_credentials&client_id=")) < 0 ||
            (rc = m365id__buf_put_urlencoded(form, client_id)) < 0 ||
            (rc = m365id__buf_puts(form, "&scope=")) < 0 ||
            (rc = m365id__buf_put_urlencoded(form, scope)) < 0 ||
            (rc = m365id__buf_puts(form, "&client_secret=")) < 0 ||
            (rc = m365id__buf_put_urlencoded(form, cred->client_secret->data)) < 0)
            return m365id__fail(ctx, rc, NULL, "cannot build the token request body (%zu-byte "
                                "client secret)", cred->client_secret->len);
        return 0;
    }

    if ((rc = m365id__buf_puts(form, "grant_type=client_credentials&client_id=")) < 0 ||
        (rc = m365id__buf_put_urlencoded(form, m365id__cfg(ctx, M365ID__KEY_CLIENT_ID))) < 0 ||
        (rc = m365id__buf_puts(form, "&scope=")) < 0 ||
        (rc = m365id__buf_put_urlencoded(form, scope)) < 0 ||
        (rc = m365id__buf_puts(form, "&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3A"
                                     "client-assertion-type%3Ajwt-bearer&client_assertion=")) < 0 ||
        (rc = m365id__buf_put_urlencoded(form, a->jwt->data)) < 0)
        return m365id__fail(ctx, rc, NULL, "cannot build the token request body (%zu-byte "
                            "assertion)", a->jwt->len);
    return 0;
}

/* Nonzero when a reply body is empty or does not start like a JSON object. */
/* Nonzero when the body does not parse as JSON at all: empty, a proxy's HTML page, or a reply
 * cut off in transit. A body that parses but lacks fields is Entra's and is not retried. */
static int body_is_not_json(const struct m365id__http_response *resp)
{
    json_t *doc = NULL;

    if (m365id__json_parse(&doc, m365id__buf_cstr(&resp->body), resp->body.len, NULL, 0) < 0)
        return 1;
    json_decref(doc);
    return 0;
}

/* Record Entra ID's error reply as an M365ID_EAUTH failure (M365ID_ENET for outages). */
static int fail_entra(m365id_ctx *ctx, long status, const struct m365id__sts_error *e,
                      const struct m365id__assertion *a, const char *scope)
{
    struct m365id__aadsts_facts facts = M365ID__AADSTS_FACTS_INIT;
    struct m365id__buf upstream = M365ID__BUF_INIT(4096);
    struct m365id__buf hint = M365ID__BUF_INIT(8192);
    struct m365id__buf desc = M365ID__BUF_INIT(8192);
    struct m365id__quoted qclient;
    struct m365id__quoted qtenant;
    struct m365id__quoted qerror;
    const char *aud[HINT_AUD_MAX];
    const char *summary;
    size_t summary_len;
    int code = M365ID_EAUTH;
    int rc;

    facts.iss = m365id__assertion_claim(a, "iss");
    facts.sub = m365id__assertion_claim(a, "sub");
    facts.kid = m365id__assertion_kid(a);
    facts.aud = aud;
    facts.aud_count = m365id__assertion_audiences(a, aud, HINT_AUD_MAX);
    facts.client_id = m365id__cfg(ctx, M365ID__KEY_CLIENT_ID);
    facts.tenant_id = m365id__cfg(ctx, M365ID__KEY_TENANT_ID);
    facts.cloud = m365id__cfg(ctx, M365ID__KEY_CLOUD);
    facts.authority_host = m365id__cfg(ctx, M365ID__KEY_AUTHORITY_HOST);
    facts.scope = scope;
    facts.auth_method = m365id__auth_methods[ctx->cfg.auth_method].name;
    facts.tenant_source = m365id__cfg_source(ctx, M365ID__KEY_TENANT_ID);
    facts.client_source = m365id__cfg_source(ctx, M365ID__KEY_CLIENT_ID);
    if (ctx->cfg.auth_method == M365ID__AUTH_OIDC &&
        m365id__cfg(ctx, M365ID__KEY_OIDC_TOKEN_FILE) == NULL)
        facts.oidc_request_url = m365id__cfg(ctx, M365ID__KEY_OIDC_REQUEST_URL);
    if (ctx->cfg.cloud != NULL) {
        facts.cloud_audience = ctx->cfg.cloud->fic_audience;
        facts.cloud_scope = ctx->cfg.cloud->scope;
    }

    m365id__sts_error_upstream(&upstream, e);
    m365id__quote(&qerror, e->error);

    if (e->code != 0 && ctx->cfg.auth_method == M365ID__AUTH_CLIENT_CERTIFICATE &&
        (e->code == 700027 || e->code == 50027)) {
        /* The generic text speaks of an issuer's JWKS; here the application's own key signed. */
        m365id__buf_puts(&hint, "upload the certificate of entra_id_options.client_certificate "
                         "(M365_CLIENT_CERTIFICATE_FILE_PATH) to the application's "
                         "certificates in Entra ID, or point the setting at a certificate "
                         "that is registered there; for subject-name and issuer "
                         "authentication, set send_certificate_chain "
                         "(M365_SEND_CERTIFICATE_CHAIN=true)");
    } else if (e->code != 0) {
        if ((rc = m365id__aadsts_hint(&hint, e->code, &facts)) < 0) {
            code = rc;
            goto out;
        }
    } else {
        m365id__buf_puts(&hint, "read the error description: Entra ID sent no AADSTS code");
    }

    /* Descriptions name the presented issuer or subject late in the text: show up to 1 KiB. */
    summary = m365id__sts_error_summary(e->description, &summary_len);
    if ((rc = m365id__put_quoted_long(&desc, summary, summary_len, SUMMARY_MAX)) < 0) {
        code = rc;
        goto out;
    }

    if (status >= 500 || strcmp(e->error, "temporarily_unavailable") == 0)
        code = M365ID_ENET;
    m365id__quote(&qclient, facts.client_id);
    m365id__quote(&qtenant, facts.tenant_id);
    if (e->code != 0) {
        code = m365id__fail_upstream(ctx, code, m365id__buf_cstr(&upstream),
                                     m365id__buf_cstr(&hint),
                                     "Entra ID rejected the token request for client '%s' in "
                                     "tenant '%s': AADSTS%lld (%s): '%s'",
                                     qclient.text, qtenant.text, e->code, qerror.text,
                                     m365id__buf_cstr(&desc));
    } else {
        code = m365id__fail_upstream(ctx, code, m365id__buf_cstr(&upstream),
                                     m365id__buf_cstr(&hint),
                                     "Entra ID rejected the token request for client '%s' in "
                                     "tenant '%s': HTTP %ld (%s): '%s'",
                                     qclient.text, qtenant.text, status, qerror.text,
                                     m365id__buf_cstr(&desc));
    }

out:
    m365id__buf_clear(&upstream);
    m365id__buf_clear(&hint);
    m365id__buf_clear(&desc);
    return code;
}

/* Record a reply that is not Entra ID's JSON error shape, describing it without its body. */
static int fail_not_entra(m365id_ctx *ctx, const struct m365id__http_response *resp)
{
    struct m365id__quoted qurl;
    struct m365id__quoted qct;
    long status = resp->status;
    int code = (status >= 500 || status == 408 || status == 429) ? M365ID_ENET : M365ID_EPROTO;

    m365id__quote(&qurl, ctx->cfg.token_endpoint);
    m365id__quote(&qct, resp->content_type != NULL ? resp->content_type : "none");
    return m365id__fail(ctx, code, HINT_NOT_ENTRA,
                        "token endpoint '%s' returned HTTP %ld with a body that is not an "
                        "Entra ID error (%zu bytes, content type '%s')",
                        qurl.text, status, resp->body.len, qct.text);
}

/* Record a failed transfer (no HTTP reply, or one we could not take). */
static int fail_transfer(m365id_ctx *ctx, int prc, const struct m365id__http_response *resp,
                         int attempts)
{
    struct m365id__quoted qurl;
    struct m365id__quoted qerr;

    m365id__quote(&qurl, ctx->cfg.token_endpoint);
    if (prc == M365ID_ETOOBIG) {
        return m365id__fail(ctx, M365ID_ETOOBIG, HINT_NOT_ENTRA,
                            "token endpoint '%s' sent a reply larger than the %u bytes allowed",
                            qurl.text, M365ID_STS_REPLY_MAX);
    }
    if (prc == M365ID_EINVAL) {
        return m365id__fail(ctx, M365ID_ECONFIG,
                            "set authority_host (M365_AUTHORITY_HOST) to an https:// URL",
                            "token endpoint '%s' is not an https URL", qurl.text);
    }
    if (resp->proxy_auth_required)
        return m365id__http_fail_proxy_auth(ctx, ctx->cfg.token_endpoint);
    m365id__quote(&qerr, resp->error[0] != '\0' ? resp->error : "unknown transport error");
    if (resp->tls_untrusted) {
        char hint[1024];

        m365id__tls_untrusted_hint(hint, sizeof(hint), ctx, "authority_host");
        return m365id__fail(ctx, M365ID_ENET, hint,
                            "token request to '%s' failed: the server's TLS certificate could "
                            "not be verified: %s",
                            qurl.text, qerr.text);
    }
    if (attempts > 1) {
        return m365id__fail(ctx, M365ID_ENET, HINT_NET,
                            "token request to '%s' failed after %d attempts: %s", qurl.text,
                            attempts, qerr.text);
    }
    return m365id__fail(ctx, M365ID_ENET, HINT_NET, "token request to '%s' failed: %s",
                        qurl.text, qerr.text);
}

/*
 * Restate the failure just recorded for a transient HTTP status after the retries ran out:
 * the service was unavailable, so the code is M365ID_ENET and the message leads with the
 * attempts and the last status instead of a rejection.
 */
static int fail_exhausted(m365id_ctx *ctx, int rc, long status, int attempts, int budget_stop)
{
    struct m365id__quoted qurl;

    /* An AADSTS code that is transient on HTTP 400, such as 90061, stays Entra ID's answer. */
    if (rc == M365ID_ENOMEM || attempts < 2 || (status != 408 && status != 429 && status < 500))
        return rc;
    m365id__quote(&qurl, ctx->cfg.token_endpoint);
    return m365id__fail_upstream(ctx, M365ID_ENET, ctx->err.upstream,
                                 "Entra ID or a proxy on the way is unavailable: try again "
                                 "later, or raise client_options.max_retries "
                                 "(M365_MAX_RETRIES) or client_options.timeout_seconds "
                                 "(M365_TIMEOUT_SECONDS)",
                                 "token request to '%s' failed after %d attempts (last: HTTP "
                                 "%ld)%s: %s",
                                 qurl.text, attempts, status,
                                 budget_stop ? "; the retry time budget of timeout_seconds x "
                                               "attempts stopped further retries"
                                             : "",
                                 ctx->err.message);
}

/*
 * Restate the rejection just recorded, a federated credential mismatch, with the number of
 * @p attempts over @p elapsed_ms and how many of them, @p mismatches, got a mismatch. The hint
 * stays.
 */
static int fail_fic_retried(m365id_ctx *ctx, int rc, int attempts, int mismatches,
                            long long elapsed_ms)
{
    if (rc == M365ID_ENOMEM)
        return rc;
    if (mismatches == attempts) {
        return m365id__fail_upstream(ctx, rc, ctx->err.upstream, ctx->err.hint,
                                     "%s (a federated credential mismatch on all %d attempts "
                                     "over %lld s)",
                                     ctx->err.message, attempts, elapsed_ms / 1000);
    }
    return m365id__fail_upstream(ctx, rc, ctx->err.upstream, ctx->err.hint,
                                 "%s (a federated credential mismatch on %d of %d attempts over "
                                 "%lld s)",
                                 ctx->err.message, mismatches, attempts, elapsed_ms / 1000);
}

int m365id__sts_exchange(struct m365id__sts_token *out, m365id_ctx *ctx, const char *scope)
{
    static const char *const headers[] = {
        "Content-Type: application/x-www-form-urlencoded",
        "Accept: application/json",
        NULL,
    };
    struct m365id__credential cred = M365ID__CREDENTIAL_INIT;
    struct m365id__buf form = M365ID__SECRET_BUF_INIT(FORM_MAX);
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    struct m365id__http_request req;
    struct m365id__sts_error err = M365ID__STS_ERROR_INIT;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    struct m365id__quoted qscope;
    struct m365id__retry_budget budget;
    int attempts = 1 + (ctx->cfg.max_retries > 0 ? ctx->cfg.max_retries : 0);
    int fic_retries_max = ctx->cfg.fic_retries;
    int fic_retries = 0;
    int fic_mismatches = 0;
    long long started_ms = m365id__monotonic_ms();
    char origin[256];
    int rc;

    m365id__retry_budget_start(&budget, ctx);
    url_origin(origin, sizeof(origin), ctx->cfg.token_endpoint);
    m365id__quote(&qscope, scope);
    if ((rc = m365id__http_global_init()) < 0) {
        rc = m365id__fail(ctx, rc, NULL, "cannot initialise the HTTP client");
        goto out;
    }

    for (int attempt = 1;; attempt++) {
        unsigned long long wait_s = 0;
        int wait_too_long = 0;
        int fic_mismatch = 0;
        int transient;
        int prc;
        long long delay_ms;

        m365id__credential_clear(&cred);
        m365id__buf_clear(&form);
        m365id__http_response_clear(&resp);
        m365id__sts_error_clear(&err);

        /* A fresh credential on every attempt: the kubelet may have rotated the token file
         * meanwhile, and a certificate assertion needs a new jti. */
        if ((rc = m365id__credential_get(&cred, ctx)) < 0)
            goto out;
        if ((rc = build_form(&form, ctx, scope, &cred)) < 0)
            goto out;

        m365id__http_request_from_cfg(&req, ctx);
        req.method = "POST";
        req.url = ctx->cfg.token_endpoint;
        req.headers = headers;
        req.body = m365id__buf_cstr(&form);
        req.body_len = form.len;
        req.max_response = M365ID_STS_REPLY_MAX;
        req.response_is_secret = 1;

        mlog_debug(&ctx->logger, "sts", "POST '%s' scope '%s' with assertion %s, attempt %d of %d",
                   origin, qscope.text,
                   cred.client_secret != NULL ? "(client secret)" : cred.assertion.fingerprint,
                   attempt, attempts);
        tok.issued_at_s = m365id__clock_now_s(ctx);
        prc = m365id__http_perform(&resp, &req);
        mlog_trace(&ctx->logger, "sts", "HTTP %ld from '%s', %zu bytes in %lldms", resp.status,
                   origin, resp.body.len, resp.elapsed_ms);

        if (prc == 0 && resp.status == 200) {
            rc = m365id__sts_reply_parse_token(&tok, ctx, resp.status, resp.content_type,
                                               m365id__buf_cstr(&resp.body), resp.body.len);
            if (rc == 0)
                break;
            /* An empty or non-JSON 200 comes from a proxy or a broken front end, not from
             * Entra ID: retry it while attempts and budget last, keeping the parse failure. */
            if (rc != M365ID_EPROTO || !body_is_not_json(&resp) || attempt >= attempts ||
                !m365id__retry_budget_allows(&budget, ctx->cfg.retry_delay_ms))
                goto out;
            mlog_warn(&ctx->logger, "sts", "HTTP 200 from '%s' without a JSON body (%zu bytes), "
                      "retry %d of %d", origin, resp.body.len, attempt, attempts - 1);
            m365id__sleep_ms(m365id__retry_delay_ms(ctx, attempt - 1, NULL, 0));
            continue;
        }

        if (prc == M365ID_ENET) {
            transient = !resp.permanent;
        } else if (prc < 0) {
            rc = fail_transfer(ctx, prc, &resp, attempt);
            goto out;
        } else if (m365id__sts_reply_parse_error(&err, m365id__buf_cstr(&resp.body),
                                                 resp.body.len) == 0) {
            transient = m365id__sts_is_transient(resp.status, err.error, err.code);
            fic_mismatch = !transient && m365id__sts_is_fic_mismatch(err.code);
            fic_mismatches += fic_mismatch;
            mlog_debug(&ctx->logger, "sts", "HTTP %ld from '%s': AADSTS%lld",
                       resp.status, origin, err.code);
        } else {
            transient = m365id__sts_is_transient(resp.status, NULL, 0);
        }

        if (fic_mismatch && fic_retries < fic_retries_max && attempt < attempts) {
            delay_ms = m365id__fic_retry_delay_ms(ctx, fic_retries);
            if (m365id__retry_budget_allows(&budget, delay_ms)) {
                fic_retries++;
                mlog_warn(&ctx->logger, "sts", "AADSTS%lld from '%s': a federated credential "
                          "created or changed in the last minute may not match yet; mismatch "
                          "retry %d of %d in %lldms", err.code, origin, fic_retries,
                          fic_retries_max, delay_ms);
                m365id__sleep_ms(delay_ms);
                continue;
            }
            mlog_warn(&ctx->logger, "sts", "no mismatch retry of AADSTS%lld after attempt %d: "
                      "waiting %lldms would pass the time budget of timeout_seconds x %d "
                      "attempts", err.code, attempt, delay_ms, attempts);
        }

        /* A Retry-After beyond STS_RETRY_AFTER_CAP_MS fails now instead of blocking the caller. */
        if (transient && attempt < attempts && prc == 0)
            wait_too_long = m365id__retry_after_exceeds(&wait_s, resp.retry_after,
                                                        STS_RETRY_AFTER_CAP_MS);
        if (!transient || attempt >= attempts || wait_too_long) {
            if (prc == M365ID_ENET)
                rc = fail_transfer(ctx, prc, &resp, attempt);
            else if (err.error != NULL)
                rc = fail_entra(ctx, resp.status, &err, &cred.assertion, scope);
            else
                rc = fail_not_entra(ctx, &resp);
            if (wait_too_long && rc != M365ID_ENOMEM)
                rc = m365id__fail_retry_after(ctx, rc, wait_s, STS_RETRY_AFTER_CAP_MS);
            else if (transient && prc == 0)
                rc = fail_exhausted(ctx, rc, resp.status, attempt, 0);
            else if (fic_mismatch && fic_retries > 0)
                rc = fail_fic_retried(ctx, rc, attempt, fic_mismatches,
                                      m365id__monotonic_ms() - started_ms);
            goto out;
        }

        delay_ms = m365id__retry_delay_ms(ctx, attempt - 1, resp.retry_after,
                                          STS_RETRY_AFTER_CAP_MS);
        if (!m365id__retry_budget_allows(&budget, delay_ms)) {
            if (prc == M365ID_ENET)
                rc = fail_transfer(ctx, prc, &resp, attempt);
            else if (err.error != NULL)
                rc = fail_entra(ctx, resp.status, &err, &cred.assertion, scope);
            else
                rc = fail_not_entra(ctx, &resp);
            if (prc == 0)
                rc = fail_exhausted(ctx, rc, resp.status, attempt, 1);
            mlog_warn(&ctx->logger, "sts", "no retry after attempt %d: waiting %lldms would "
                      "pass the time budget of timeout_seconds x %d attempts", attempt,
                      delay_ms, attempts);
            goto out;
        }
        if (prc == M365ID_ENET) {
            struct m365id__quoted qerr;

            m365id__quote(&qerr, resp.error);
            mlog_warn(&ctx->logger, "sts", "transfer to '%s' failed (%s), retry %d of %d in "
                      "%lldms", origin, qerr.text, attempt, attempts - 1, delay_ms);
        } else {
            mlog_warn(&ctx->logger, "sts", "HTTP %d from '%s', retry %d of %d in %lldms",
                      (int)resp.status, origin, attempt, attempts - 1, delay_ms);
        }
        m365id__sleep_ms(delay_ms);
    }

    if (m365id__log_enabled(&ctx->logger, M365ID_LOG_DEBUG)) {
        char fp[M365ID_FINGERPRINT_SIZE];

        m365id_fingerprint(fp, sizeof(fp), tok.access_token->data, tok.access_token->len);
        mlog_debug(&ctx->logger, "sts", "access token %s for scope '%s' expires in %llds",
                   fp, qscope.text, tok.expires_in_s);
    }
    *out = tok;
    memset(&tok, 0, sizeof(tok));
    rc = 0;

out:
    m365id__sts_token_clear(&tok);
    m365id__sts_error_clear(&err);
    m365id__http_response_clear(&resp);
    m365id__buf_clear(&form);
    m365id__credential_clear(&cred);
    return rc;
}
