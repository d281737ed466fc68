/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Auth method device_code (RFC 8628 as Entra ID serves it): the device authorization request,
 * the prompt, and the poll of the token endpoint with its interval, slow_down and expiry rules.
 * The device code is a bearer secret: it is sent only to Entra ID and never shown or logged.
 */
#include "lib/cred/device_code.h"
#include "lib/cred/device_code_internal.h"

#include <stdio.h>
#include <string.h>

#include "lib/config/cloud.h"
#include "lib/core/ctx_internal.h"
#include "lib/core/http_settings.h"
#include "lib/sts/aadsts.h"
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

#define GRANT_DEVICE_CODE "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code"

/* Room for client id, scope and device code, each percent-encoded. */
#define DC_FORM_MAX 16384u

/* Maximum device code lifetime taken from the reply; a longer one is cut to this. */
#define EXPIRES_MAX_S 3600LL
/* Maximum polling interval taken from the reply; a longer one is cut to this. */
#define INTERVAL_MAX_S 60LL

/* Bytes of error_description shown in a message. */
#define SUMMARY_MAX 1024u

#define HINT_PROMPT                                                                             \
    "install a prompt callback with m365id_ctx_set_prompt() that shows the verification URI "  \
    "and user code to the person signing in (the m365id command does this), or choose an "    \
    "auth method that runs unattended"
#define HINT_NET                                                                                \
    "check that the authority host is reachable from here (authority_host or "                 \
    "M365_AUTHORITY_HOST, and HTTPS_PROXY / NO_PROXY)"

void m365id__device_grant_clear(struct dc_grant *g)
{
    m365id__secret_free(g->device_code);
    json_decref(g->root);
    memset(g, 0, sizeof(*g));
}

static void wait_ms(m365id_ctx *ctx, long long ms)
{
    if (ctx->sleep_ms != NULL)
        ctx->sleep_ms(ms);
    else
        m365id__sleep_ms(ms);
}

/* POST @p form to @p url with the context's HTTP settings; the reply body is wiped on clear. */
static int post_form(struct m365id__http_response *resp, m365id_ctx *ctx, const char *url,
                     const struct m365id__buf *form)
{
    static const char *const headers[] = {
        "Content-Type: application/x-www-form-urlencoded",
        "Accept: application/json",
        NULL,
    };
    struct m365id__http_request req;

    m365id__http_request_from_cfg(&req, ctx);
    req.method = "POST";
    req.url = url;
    req.headers = headers;
    req.body = m365id__buf_cstr(form);
    req.body_len = form->len;
    req.max_response = M365ID_STS_REPLY_MAX;
    req.response_is_secret = 1;
    return m365id__http_perform(resp, &req);
}

/* Record a failed transfer to @p url. */
static int fail_transfer(m365id_ctx *ctx, int prc, const struct m365id__http_response *resp,
                         const char *url)
{
    struct m365id__quoted qurl;
    struct m365id__quoted qerr;

    m365id__quote(&qurl, url);
    if (prc == M365ID_ETOOBIG) {
        return m365id__fail(ctx, M365ID_ETOOBIG, HINT_NET,
                            "'%s' sent a reply larger than the %u bytes allowed", qurl.text,
                            M365ID_STS_REPLY_MAX);
    }
    if (resp->proxy_auth_required)
        return m365id__http_fail_proxy_auth(ctx, url);
    m365id__quote(&qerr, resp->error[0] != '\0' ? resp->error : "unknown transport error");
    if (resp->tls_untrusted) {
        char hint[1024];

        m365id__tls_untrusted_hint(hint, sizeof(hint), ctx, "authority_host");
        return m365id__fail(ctx, M365ID_ENET, hint,
                            "request to '%s' failed: the server's TLS certificate could not be "
                            "verified: %s", qurl.text, qerr.text);
    }
    return m365id__fail(ctx, prc == M365ID_EINVAL ? M365ID_ECONFIG : M365ID_ENET, HINT_NET,
                        "request to '%s' failed: %s", qurl.text, qerr.text);
}

/* Record Entra ID's error reply to @p what ("device code request", "device code sign-in"). */
static int fail_entra(m365id_ctx *ctx, long status, const struct m365id__sts_error *e,
                      const char *what, const char *scope)
{
    struct m365id__aadsts_facts facts = M365ID__AADSTS_FACTS_INIT;
    struct m365id__buf upstream = M365ID__BUF_INIT(4096);
    struct m365id__buf hint = M365ID__BUF_INIT(8192);
    struct m365id__buf desc = M365ID__BUF_INIT(8192);
    struct m365id__quoted qclient;
    struct m365id__quoted qtenant;
    struct m365id__quoted qerror;
    const char *summary;
    size_t summary_len;
    int code = status >= 500 || status == 429 ? M365ID_ENET : M365ID_EAUTH;
    int rc;

    facts.client_id = m365id__cfg(ctx, M365ID__KEY_CLIENT_ID);
    facts.tenant_id = m365id__cfg(ctx, M365ID__KEY_TENANT_ID);
    facts.cloud = m365id__cfg(ctx, M365ID__KEY_CLOUD);
    facts.authority_host = m365id__cfg(ctx, M365ID__KEY_AUTHORITY_HOST);
    facts.scope = scope;
    if (ctx->cfg.cloud != NULL)
        facts.cloud_scope = ctx->cfg.cloud->scope;

    m365id__sts_error_upstream(&upstream, e);
    m365id__quote(&qerror, e->error);
    if (e->code != 0) {
        if ((rc = m365id__aadsts_hint(&hint, e->code, &facts)) < 0) {
            code = rc;
            goto out;
        }
    } else {
        m365id__buf_puts(&hint, "read the error description: Entra ID sent no AADSTS code");
    }
    summary = m365id__sts_error_summary(e->description, &summary_len);
    if ((rc = m365id__put_quoted_long(&desc, summary, summary_len, SUMMARY_MAX)) < 0) {
        code = rc;
        goto out;
    }

    m365id__quote(&qclient, facts.client_id);
    m365id__quote(&qtenant, facts.tenant_id);
    code = m365id__fail_upstream(ctx, code, m365id__buf_cstr(&upstream), m365id__buf_cstr(&hint),
                                 "Entra ID rejected the %s for client '%s' in tenant '%s': "
                                 "AADSTS%lld (%s): '%s'",
                                 what, qclient.text, qtenant.text, e->code, qerror.text,
                                 m365id__buf_cstr(&desc));

out:
    m365id__buf_clear(&upstream);
    m365id__buf_clear(&hint);
    m365id__buf_clear(&desc);
    return code;
}

/* Record a reply that is neither a success nor Entra ID's JSON error, without its body. */
static int fail_not_entra(m365id_ctx *ctx, const struct m365id__http_response *resp,
                          const char *url)
{
    struct m365id__quoted qurl;
    struct m365id__quoted qct;

    m365id__quote(&qurl, url);
    m365id__quote(&qct, resp->content_type != NULL ? resp->content_type : "none");
    return m365id__fail(ctx, resp->status >= 500 ? M365ID_ENET : M365ID_EPROTO,
                        "something other than Entra ID answered: check authority_host "
                        "(M365_AUTHORITY_HOST) and any proxy",
                        "'%s' returned HTTP %ld with a body that is not an Entra ID reply (%zu "
                        "bytes, content type '%s')",
                        qurl.text, resp->status, resp->body.len, qct.text);
}

/* Read the device authorization reply (RFC 8628 section 3.2) into @p g. */
static int parse_grant(struct dc_grant *g, m365id_ctx *ctx,
                       const struct m365id__http_response *resp, const char *url)
{
    const char *device_code = NULL;
    struct m365id__quoted qurl;
    int rc;

    m365id__quote(&qurl, url);
    if (m365id__json_parse(&g->root, m365id__buf_cstr(&resp->body), resp->body.len, NULL, 0) < 0 ||
        !json_is_object(g->root))
        return fail_not_entra(ctx, resp, url);
    if (m365id__json_get_str(&device_code, g->root, "device_code") != M365ID__JSON_OK ||
        device_code[0] == '\0' ||
        m365id__json_get_str(&g->user_code, g->root, "user_code") != M365ID__JSON_OK ||
        g->user_code[0] == '\0') {
        return m365id__fail(ctx, M365ID_EPROTO, HINT_NET,
                            "the device code reply of '%s' has no 'device_code' or 'user_code' "
                            "(%zu bytes)", qurl.text, resp->body.len);
    }
    /* Entra ID's v1 endpoint names it verification_url, RFC 8628 and v2 verification_uri. */
    if (m365id__json_get_str(&g->verification_uri, g->root, "verification_uri") !=
            M365ID__JSON_OK &&
        m365id__json_get_str(&g->verification_uri, g->root, "verification_url") !=
            M365ID__JSON_OK) {
        return m365id__fail(ctx, M365ID_EPROTO, HINT_NET,
                            "the device code reply of '%s' has no 'verification_uri'", qurl.text);
    }
    if (m365id__json_get_int_lenient(&g->expires_in_s, g->root, "expires_in") !=
            M365ID__JSON_OK ||
        g->expires_in_s <= 0) {
        return m365id__fail(ctx, M365ID_EPROTO, HINT_NET,
                            "the device code reply of '%s' has no positive 'expires_in'",
                            qurl.text);
    }
    if (g->expires_in_s > EXPIRES_MAX_S)
        g->expires_in_s = EXPIRES_MAX_S;
    if (m365id__json_get_int_lenient(&g->interval_s, g->root, "interval") != M365ID__JSON_OK)
        g->interval_s = M365ID__DEVICE_INTERVAL_DEFAULT_S;
    /* At least 1 s, so that a reply saying 0 cannot make the client flood the token endpoint. */
    if (g->interval_s < 1)
        g->interval_s = 1;
    if (g->interval_s > INTERVAL_MAX_S)
        g->interval_s = INTERVAL_MAX_S;
    if (m365id__json_get_str(&g->message, g->root, "message") != M365ID__JSON_OK)
        g->message = NULL;

    if ((rc = m365id__secret_new(&g->device_code, device_code, strlen(device_code))) < 0)
        return m365id__fail(ctx, rc, NULL, "out of memory keeping the device code");
    return 0;
}

int m365id__device_code_read_grant(struct dc_grant *g, m365id_ctx *ctx,
                                   const struct m365id__http_response *resp, const char *url,
                                   const char *scope)
{
    struct m365id__sts_error err = M365ID__STS_ERROR_INIT;
    int rc;

    if (resp->status == 200)
        return parse_grant(g, ctx, resp, url);
    if (m365id__sts_reply_parse_error(&err, m365id__buf_cstr(&resp->body), resp->body.len) == 0)
        rc = fail_entra(ctx, resp->status, &err, "device code request", scope);
    else
        rc = fail_not_entra(ctx, resp, url);
    m365id__sts_error_clear(&err);
    return rc;
}

/* Ask for a device code and a user code for @p scope. */
static int request_code(struct dc_grant *g, m365id_ctx *ctx, const char *url, const char *scope)
{
    struct m365id__buf form = M365ID__BUF_INIT(DC_FORM_MAX);
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    int prc;
    int rc;

    if ((rc = m365id__buf_puts(&form, "client_id=")) < 0 ||
        (rc = m365id__buf_put_urlencoded(&form, m365id__cfg(ctx, M365ID__KEY_CLIENT_ID))) < 0 ||
        (rc = m365id__buf_puts(&form, "&scope=")) < 0 ||
        (rc = m365id__buf_put_urlencoded(&form, scope)) < 0) {
        rc = m365id__fail(ctx, rc, NULL, "cannot build the device code request body");
        goto out;
    }
    prc = post_form(&resp, ctx, url, &form);
    mlog_trace(&ctx->logger, "device_code", "HTTP %ld from the device code endpoint, %zu bytes",
               resp.status, resp.body.len);
    if (prc < 0) {
        rc = fail_transfer(ctx, prc, &resp, url);
        goto out;
    }
    rc = m365id__device_code_read_grant(g, ctx, &resp, url, scope);

out:
    m365id__http_response_clear(&resp);
    m365id__buf_clear(&form);
    return rc;
}

/* Outcome of one poll of the token endpoint. */
enum poll_result { POLL_DONE, POLL_PENDING, POLL_SLOW_DOWN, POLL_FAILED };

/* Redeem the device code once: a token, "keep waiting", or a recorded failure in *rc_out. */
static enum poll_result poll_once(struct m365id__sts_token *tok, int *rc_out, m365id_ctx *ctx,
                                  const struct dc_grant *g, const char *scope, int *net_failures)
{
    struct m365id__buf form = M365ID__SECRET_BUF_INIT(DC_FORM_MAX);
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    struct m365id__sts_error err = M365ID__STS_ERROR_INIT;
    const char *url = ctx->cfg.token_endpoint;
    enum poll_result result = POLL_FAILED;
    struct m365id__quoted qurl;
    int max_failures = 1 + (ctx->cfg.max_retries > 0 ? ctx->cfg.max_retries : 0);
    int prc;
    int rc = 0;

    m365id__quote(&qurl, url);
    if ((rc = m365id__buf_puts(&form, "grant_type=" GRANT_DEVICE_CODE "&client_id=")) < 0 ||
        (rc = m365id__buf_put_urlencoded(&form, m365id__cfg(ctx, M365ID__KEY_CLIENT_ID))) < 0 ||
        (rc = m365id__buf_puts(&form, "&device_code=")) < 0 ||
        (rc = m365id__buf_put_urlencoded(&form, g->device_code->data)) < 0) {
        rc = m365id__fail(ctx, rc, NULL, "cannot build the device code token request (%zu-byte "
                          "device code)", g->device_code->len);
        goto out;
    }

    tok->issued_at_s = m365id__clock_now_s(ctx);
    prc = post_form(&resp, ctx, url, &form);
    mlog_trace(&ctx->logger, "device_code", "HTTP %ld from '%s', %zu bytes", resp.status,
               qurl.text, resp.body.len);

    /* Transfer failures and outages may pass before the code expires: poll again, up to
     * max_retries times in a row. */
    if ((prc == M365ID_ENET && !resp.permanent) ||
        (prc == 0 && (resp.status >= 500 || resp.status == 429 || resp.status == 408))) {
        if (++*net_failures < max_failures) {
            mlog_warn(&ctx->logger, "device_code", "polling '%s' failed (%s), trying again in "
                      "the next interval (%d of %d)", qurl.text,
                      prc < 0 ? "transfer failure" : "server error", *net_failures,
                      max_failures - 1);
            result = POLL_PENDING;
            goto out;
        }
    }
    if (prc < 0) {
        rc = fail_transfer(ctx, prc, &resp, url);
        goto out;
    }
    if (resp.status == 200) {
        rc = m365id__sts_reply_parse_token(tok, ctx, resp.status, resp.content_type,
                                           m365id__buf_cstr(&resp.body), resp.body.len);
        result = rc == 0 ? POLL_DONE : POLL_FAILED;
        goto out;
    }
    if (m365id__sts_reply_parse_error(&err, m365id__buf_cstr(&resp.body), resp.body.len) != 0) {
        rc = fail_not_entra(ctx, &resp, url);
        goto out;
    }
    *net_failures = 0;

    /* RFC 8628 section 3.5 error codes; Entra ID adds its AADSTS code to each. */
    if (strcmp(err.error, "authorization_pending") == 0) {
        result = POLL_PENDING;
    } else if (strcmp(err.error, "slow_down") == 0) {
        result = POLL_SLOW_DOWN;
    } else if (strcmp(err.error, "authorization_declined") == 0) {
        struct m365id__quoted quri;
        struct m365id__quoted qcode;
        char upstream[48];

        snprintf(upstream, sizeof(upstream), "AADSTS%lld authorization_declined", err.code);
        m365id__quote(&quri, g->verification_uri);
        m365id__quote(&qcode, g->user_code);
        rc = m365id__fail_upstream(ctx, M365ID_EAUTH, upstream,
                                   "run the command again and approve the sign-in request; if "
                                   "you did not start it, nothing needs to be done",
                                   "the sign-in at '%s' with user code '%s' was declined",
                                   quri.text, qcode.text);
    } else if (strcmp(err.error, "expired_token") == 0) {
        rc = m365id__fail(ctx, M365ID_EAUTH,
                          "run the command again and complete the sign-in within the time the "
                          "prompt allows",
                          "the device code expired before the sign-in was completed (it was "
                          "valid for %lld s)", g->expires_in_s);
    } else if (strcmp(err.error, "bad_verification_code") == 0) {
        rc = m365id__fail(ctx, M365ID_EAUTH, "run the command again to get a new code",
                          "Entra ID does not recognise the device code (bad_verification_code)");
    } else {
        rc = fail_entra(ctx, resp.status, &err, "device code sign-in", scope);
    }
    if (result == POLL_PENDING || result == POLL_SLOW_DOWN)
        rc = 0;

out:
    *rc_out = rc;
    m365id__sts_error_clear(&err);
    m365id__http_response_clear(&resp);
    m365id__buf_clear(&form);
    return result;
}

/* The devicecode URL: the token endpoint with "devicecode" in place of its last "token". */
static int devicecode_url(struct m365id__buf *out, const char *token_endpoint)
{
    size_t len = strlen(token_endpoint);

    if (len < 5 || strcmp(token_endpoint + len - 5, "token") != 0)
        return M365ID_EINVAL;
    if (m365id__buf_put(out, token_endpoint, len - 5) < 0)
        return M365ID_ENOMEM;
    return m365id__buf_puts(out, "devicecode");
}

int m365id__device_code_fetch(struct m365id__sts_token *out, m365id_ctx *ctx, const char *scope)
{
    struct dc_grant g = DC_GRANT_INIT;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    struct m365id__buf url = M365ID__BUF_INIT(4096);
    struct m365id__quoted qcode;
    char fp[M365ID_FINGERPRINT_SIZE];
    char message[768];
    long long deadline_s;
    long long interval_s;
    int net_failures = 0;
    int polls = 0;
    int rc;

    if (ctx->prompt_cb == NULL) {
        return m365id__fail(ctx, M365ID_ECONFIG, HINT_PROMPT,
                            "auth method 'device_code' needs a person to sign in, but no prompt "
                            "callback is installed to show them the code");
    }
    if (ctx->cfg.token_endpoint == NULL || devicecode_url(&url, ctx->cfg.token_endpoint) < 0) {
        rc = m365id__fail(ctx, M365ID_ECONFIG, "set tenant_id and authority_host",
                          "no token endpoint is configured for the device code request");
        goto out;
    }
    if ((rc = m365id__http_global_init()) < 0) {
        rc = m365id__fail(ctx, rc, NULL, "cannot initialise the HTTP client");
        goto out;
    }

    if ((rc = request_code(&g, ctx, m365id__buf_cstr(&url), scope)) < 0)
        goto out;
    deadline_s = m365id__clock_now_s(ctx) + g.expires_in_s;
    interval_s = g.interval_s;
    m365id_fingerprint(fp, sizeof(fp), g.device_code->data, g.device_code->len);
    m365id__quote(&qcode, g.user_code);
    mlog_debug(&ctx->logger, "device_code", "device code %s for user code '%s': expires in "
               "%llds, polling every %llds", fp, qcode.text, g.expires_in_s, interval_s);

    /* Entra ID's message, or one built from the same facts when the reply has none. */
    if (g.message == NULL) {
        snprintf(message, sizeof(message), "To sign in, open %s in a web browser and enter the "
                 "code %s.", g.verification_uri, g.user_code);
    } else {
        snprintf(message, sizeof(message), "%s", g.message);
    }
    ctx->prompt_cb(g.verification_uri, g.user_code, message, ctx->prompt_payload);

    for (;;) {
        enum poll_result r;

        /* RFC 8628 section 3.5: stop once the code has expired instead of polling on. */
        if (m365id__clock_now_s(ctx) + interval_s > deadline_s) {
            rc = m365id__fail(ctx, M365ID_EAUTH,
                              "run the command again and complete the sign-in within the time "
                              "the prompt allows",
                              "the device code expired before the sign-in was completed (it "
                              "was valid for %lld s, polled %d times)", g.expires_in_s, polls);
            goto out;
        }
        wait_ms(ctx, interval_s * 1000);
        polls++;
        m365id__sts_token_clear(&tok);
        r = poll_once(&tok, &rc, ctx, &g, scope, &net_failures);
        if (r == POLL_DONE)
            break;
        if (r == POLL_FAILED)
            goto out;
        if (r == POLL_SLOW_DOWN) {
            interval_s += M365ID__DEVICE_SLOW_DOWN_S;
            mlog_debug(&ctx->logger, "device_code", "slow_down: polling every %llds now",
                       interval_s);
        }
    }

    if (m365id__log_enabled(&ctx->logger, M365ID_LOG_DEBUG)) {
        m365id_fingerprint(fp, sizeof(fp), tok.access_token->data, tok.access_token->len);
        mlog_debug(&ctx->logger, "device_code", "delegated access token %s after %d polls, "
                   "expires in %llds", fp, polls, tok.expires_in_s);
    }
    *out = tok;
    memset(&tok, 0, sizeof(tok));
    rc = 0;

out:
    m365id__sts_token_clear(&tok);
    m365id__buf_clear(&url);
    m365id__device_grant_clear(&g);
    return rc;
}
