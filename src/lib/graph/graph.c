/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Microsoft Graph requests with the context's access token: URL checks that keep the token on
 * the configured Graph endpoint, throttling retries, paging, and error replies turned into
 * failures that name Graph's code, message and request id.
 */
#include "m365id/graph.h"

#include <stdlib.h>
#include <string.h>

#include "lib/core/ctx_internal.h"
#include "lib/core/http_settings.h"
#include "lib/graph/graph_internal.h"
#include "m365id/token.h"
#include "lib/sts/exchange.h"
#include "util/buf.h"
#include "util/http_client.h"
#include "util/json.h"
#include "util/jwt.h"
#include "util/limits.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/strutil.h"
#include "util/timeutil.h"

/*
 * Maximum Retry-After honoured for Graph. Graph sometimes requests waits of several minutes,
 * but a library call blocks for at most this long per retry.
 */
#define GRAPH_RETRY_AFTER_CAP_MS 120000LL

/* Roles listed in a 403 hint. */
#define ROLES_SHOWN_MAX 32

struct m365id_graph_response {
    int status;
    char *body; /* NUL-terminated, "" for empty replies */
    size_t body_len;
};

int m365id_graph_response_status(const m365id_graph_response *resp)
{
    return resp != NULL ? resp->status : 0;
}

const char *m365id_graph_response_body(const m365id_graph_response *resp)
{
    return resp != NULL && resp->body != NULL ? resp->body : "";
}

int m365id_graph_last_status(const m365id_ctx *ctx)
{
    return ctx != NULL ? ctx->graph_last_status : 0;
}

size_t m365id_graph_response_body_len(const m365id_graph_response *resp)
{
    return resp != NULL ? resp->body_len : 0;
}

void m365id_graph_response_free(m365id_graph_response *resp)
{
    if (resp == NULL)
        return;
    free(resp->body);
    free(resp);
}

/* Append what the roles claim of @p token grants, for the 403 hint. */
static void describe_roles(struct m365id__buf *out, const char *token)
{
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    struct m365id__quoted q;
    json_t *roles = NULL;
    size_t shown = 0;

    if (m365id__jwt_parse(&jwt, token, strlen(token), NULL) < 0) {
        m365id__buf_puts(out, "the access token is not a JWT, so its roles are unknown");
        return;
    }
    if (m365id__json_get_array(&roles, jwt.payload, "roles") == M365ID__JSON_OK) {
        for (size_t i = 0; i < json_array_size(roles) && shown < ROLES_SHOWN_MAX; i++) {
            const char *r = json_string_value(json_array_get(roles, i));

            if (r == NULL)
                continue;
            m365id__quote(&q, r);
            if (shown == 0)
                m365id__buf_puts(out, "the access token carries the roles ");
            else
                m365id__buf_puts(out, ", ");
            m365id__buf_printf(out, "'%s'", q.text);
            shown++;
        }
    }
    if (shown == 0)
        m365id__buf_puts(out, "the access token carries no application roles");
    else
        m365id__buf_puts(out, ", which do not allow this call");
    m365id__jwt_clear(&jwt);
}

/*
 * The least-privileged application permission that lets GET read @p path ("/v1.0/users"), or
 * NULL when the resource is not one of the few named here. *resource_out is then its name.
 */
static const char *permission_example(const char **resource_out, const char *path)
{
    static const struct {
        const char *resource;
        const char *permission;
    } examples[] = {
        {"organization", "Organization.Read.All"},
        {"users", "User.Read.All"},
    };
    const char *resource;
    size_t len;

    /* Skip "/v1.0/" or "/beta/"; the resource segment ends at '/', '?' or a key in '('. */
    resource = strchr(path[0] == '/' ? path + 1 : path, '/');
    if (resource == NULL)
        return NULL;
    resource++;
    len = strcspn(resource, "/?(");
    for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
        if (strlen(examples[i].resource) == len &&
            strncmp(resource, examples[i].resource, len) == 0) {
            *resource_out = examples[i].resource;
            return examples[i].permission;
        }
    }
    return NULL;
}

/* Append the hint for 403 Authorization_RequestDenied: the token's roles and what to grant. */
static void put_forbidden_hint(struct m365id__buf *out, const struct graph_call *c)
{
    const char *resource = NULL;
    const char *permission = NULL;

    /* Writes need other permissions (User.ReadWrite.All), so only reads get an example. */
    if (strcmp(c->method, "GET") == 0)
        permission = permission_example(&resource, c->shown_path);

    describe_roles(out, c->token);
    m365id__buf_puts(out, "; grant the app the Microsoft Graph application permission this "
                          "call needs");
    if (permission != NULL)
        m365id__buf_printf(out, " (for /%s: %s)", resource, permission);
    m365id__buf_puts(out, " and admin consent for it in the tenant");
}

int m365id__graph_fail_reply(const struct graph_call *c,
                             const struct m365id__http_response *resp)
{
    struct m365id__buf hint = M365ID__BUF_INIT(8192);
    struct m365id__buf upstream = M365ID__BUF_INIT(1024);
    struct m365id__quoted qpath;
    struct m365id__quoted qcode;
    struct m365id__quoted qmsg;
    struct m365id__quoted qct;
    json_t *root = NULL;
    json_t *err = NULL;
    json_t *inner = NULL;
    const char *code = NULL;
    const char *message = NULL;
    const char *request_id = NULL;
    int status = (int)resp->status;
    int rc;

    m365id__quote(&qpath, c->shown_path);
    if (m365id__json_parse(&root, m365id__buf_cstr(&resp->body), resp->body.len, NULL, 0) < 0 ||
        m365id__json_get_object(&err, root, "error") != M365ID__JSON_OK) {
        m365id__quote(&qct, resp->content_type != NULL ? resp->content_type : "none");
        rc = m365id__fail(c->ctx, M365ID_EGRAPH,
                          "check graph_endpoint (M365_GRAPH_ENDPOINT) and any proxy between "
                          "here and Graph",
                          "graph request %s %s failed with HTTP %d: the reply is not a Graph "
                          "error (%zu bytes, content type '%s')",
                          c->method, qpath.text, status, resp->body.len, qct.text);
        goto out;
    }
    (void)m365id__json_get_str(&code, err, "code");
    (void)m365id__json_get_str(&message, err, "message");
    if (m365id__json_get_object(&inner, err, "innerError") == M365ID__JSON_OK ||
        m365id__json_get_object(&inner, err, "innererror") == M365ID__JSON_OK)
        (void)m365id__json_get_str(&request_id, inner, "request-id");
    m365id__quote(&qcode, code != NULL ? code : "no code");
    m365id__quote(&qmsg, message != NULL ? message : "no message");

    if (status == 401) {
        struct m365id__quoted qscope;
        struct m365id__quoted qroot;

        m365id__quote(&qscope, m365id__cfg(c->ctx, M365ID__KEY_SCOPE));
        m365id__quote(&qroot, c->ctx->cfg.graph_root);
        m365id__buf_printf(&hint,
                           "Graph did not accept the access token: check that the scope '%s' "
                           "names the Graph resource of the same cloud as graph_endpoint '%s', "
                           "and that authority_host belongs to that cloud too",
                           qscope.text, qroot.text);
    } else if (status == 403 && code != NULL && strcmp(code, "Authorization_RequestDenied") == 0) {
        put_forbidden_hint(&hint, c);
    } else if (status == 429) {
        m365id__buf_puts(&hint, "Graph is throttling this client: send fewer requests, or "
                                "raise client_options.max_retries");
    }
    if (request_id != NULL) {
        struct m365id__quoted qid;

        m365id__quote(&qid, request_id);
        m365id__buf_printf(&upstream, "request-id=%s", qid.text);
    }

    rc = m365id__fail_upstream(c->ctx, M365ID_EGRAPH,
                               upstream.len > 0 ? m365id__buf_cstr(&upstream) : NULL,
                               hint.len > 0 ? m365id__buf_cstr(&hint) : NULL,
                               "graph request %s %s failed with HTTP %d: %s: %s", c->method,
                               qpath.text, status, qcode.text, qmsg.text);

out:
    json_decref(root);
    m365id__buf_clear(&hint);
    m365id__buf_clear(&upstream);
    return rc;
}

/*
 * Whether a failed attempt may be sent again: throttling always, outages only when idempotent,
 * and never a transfer failure that would repeat (bad URL, untrusted certificate).
 */
static int graph_retryable(const struct graph_call *c, int prc,
                           const struct m365id__http_response *resp)
{
    int idempotent = strcmp(c->method, "POST") != 0 && strcmp(c->method, "PATCH") != 0;
    long status = resp->status;

    if (prc == 0 && status == 429)
        return 1;
    if (!idempotent)
        return 0;
    if (prc == M365ID_ENET)
        return !resp->permanent;
    return prc == 0 && (status == 502 || status == 503 || status == 504);
}

/*
 * Whether the success reply in @p resp carries what Graph sends: JSON, or no body with 202,
 * 204 or 205. A proxy's HTML page or a cut-off document is neither.
 */
static int success_body_valid(const struct m365id__http_response *resp)
{
    json_t *parsed = NULL;
    int valid;

    if (resp->status < 200 || resp->status > 299)
        return 1; /* a 3xx left unfollowed is passed on as it is */
    if (resp->body.len == 0)
        return resp->status == 202 || resp->status == 204 || resp->status == 205;
    valid = m365id__json_parse(&parsed, m365id__buf_cstr(&resp->body), resp->body.len, NULL,
                               0) == 0;
    json_decref(parsed);
    return valid;
}

/* Record a success reply whose body is not JSON; returns M365ID_EPROTO. */
static int fail_not_json(const struct graph_call *c, const struct m365id__http_response *resp,
                         const struct m365id__quoted *qpath)
{
    struct m365id__quoted qtype;

    m365id__quote(&qtype, resp->content_type != NULL ? resp->content_type : "none");
    return m365id__fail(c->ctx, M365ID_EPROTO,
                        "Graph always replies with JSON, so a proxy or gateway on the way may "
                        "have replaced the reply: check graph_endpoint (M365_GRAPH_ENDPOINT) "
                        "and the proxy settings (client_options.proxy_url, https_proxy)",
                        "graph request %s %s: Graph returned HTTP %ld with %s (%zu bytes, "
                        "content type '%s')",
                        c->method, qpath->text, resp->status,
                        resp->body.len > 0 ? "a body that is not JSON" : "an empty body",
                        resp->body.len, qtype.text);
}

/*
 * Send one request to @p url with retries and leave the reply in @p resp. Returns 0 for a
 * reply with status < 400 whose body passes success_body_valid() when c->check_json is set;
 * failures are recorded on the context.
 */
static int graph_send(struct m365id__http_response *resp, const struct graph_call *c,
                      const char *url)
{
    m365id_ctx *ctx = c->ctx;
    struct m365id__http_request req;
    struct m365id__retry_budget budget;
    struct m365id__quoted qpath;
    struct m365id__quoted qerr;
    int attempts = 1 + (ctx->cfg.max_retries > 0 ? ctx->cfg.max_retries : 0);
    unsigned long long wait_s = 0;
    int bad_body = 0;
    int prc;
    int rc;

    m365id__quote(&qpath, c->shown_path);
    m365id__http_request_from_cfg(&req, ctx);
    m365id__retry_budget_start(&budget, ctx);
    req.method = c->method;
    req.url = url;
    req.headers = c->headers;
    req.body = c->body;
    req.body_len = c->body_len;
    req.max_response = M365ID_GRAPH_REPLY_MAX;

    for (int attempt = 1;; attempt++) {
        long long delay_ms;

        m365id__http_response_clear(resp);
        prc = m365id__http_perform(resp, &req);
        ctx->graph_last_status = prc == 0 ? (int)resp->status : 0;
        mlog_trace(&ctx->logger, "graph", "%s %s: HTTP %ld, %zu bytes in %lldms", c->method,
                   qpath.text, resp->status, resp->body.len, resp->elapsed_ms);
        bad_body = prc == 0 && resp->status < 400 && c->check_json &&
                   !success_body_valid(resp);
        if (prc == 0 && resp->status < 400 && !bad_body)
            return 0;
        /* A broken body usually comes from a proxy or gateway and may pass. Only a GET is sent
         * again, because a write that returned 2xx has already taken effect. */
        if (attempt >= attempts ||
            !(bad_body ? strcmp(c->method, "GET") == 0 : graph_retryable(c, prc, resp)))
            break;
        /* A wait beyond GRAPH_RETRY_AFTER_CAP_MS fails now instead of blocking the caller. */
        if (prc == 0 && !bad_body &&
            m365id__retry_after_exceeds(&wait_s, resp->retry_after, GRAPH_RETRY_AFTER_CAP_MS)) {
            rc = m365id__graph_fail_reply(c, resp);
            return m365id__fail_retry_after(ctx, rc, wait_s, GRAPH_RETRY_AFTER_CAP_MS);
        }
        delay_ms = m365id__retry_delay_ms(ctx, attempt - 1, resp->retry_after,
                                          GRAPH_RETRY_AFTER_CAP_MS);
        if (!m365id__retry_budget_allows(&budget, delay_ms))
            break;
        if (bad_body) {
            mlog_warn(&ctx->logger, "graph", "HTTP %d from '%s' with a body that is not JSON "
                      "(%zu bytes), retry %d of %d in %lldms", (int)resp->status, qpath.text,
                      resp->body.len, attempt, attempts - 1, delay_ms);
        } else if (prc == 0) {
            mlog_warn(&ctx->logger, "graph", "HTTP %d from '%s', retry %d of %d in %lldms",
                      (int)resp->status, qpath.text, attempt, attempts - 1, delay_ms);
        } else {
            m365id__quote(&qerr, resp->error);
            mlog_warn(&ctx->logger, "graph", "transfer for '%s' failed (%s), retry %d of %d "
                      "in %lldms", qpath.text, qerr.text, attempt, attempts - 1, delay_ms);
        }
        m365id__sleep_ms(delay_ms);
    }

    if (bad_body)
        return fail_not_json(c, resp, &qpath);
    if (prc == 0)
        return m365id__graph_fail_reply(c, resp);
    if (prc == M365ID_ETOOBIG) {
        return m365id__fail(ctx, M365ID_ETOOBIG,
                            "ask for less per request, for example with $select or $top",
                            "graph request %s %s: the reply is larger than the %u bytes allowed",
                            c->method, qpath.text, M365ID_GRAPH_REPLY_MAX);
    }
    if (prc == M365ID_ENET && resp->proxy_auth_required)
        return m365id__http_fail_proxy_auth(ctx, url);
    m365id__quote(&qerr, resp->error[0] != '\0' ? resp->error : "unknown transport error");
    if (prc == M365ID_ENET && resp->tls_untrusted) {
        char hint[1024];

        m365id__tls_untrusted_hint(hint, sizeof(hint), ctx, "graph_endpoint");
        return m365id__fail(ctx, M365ID_ENET, hint,
                            "graph request %s %s failed: the server's TLS certificate could not "
                            "be verified: %s",
                            c->method, qpath.text, qerr.text);
    }
    return m365id__fail(ctx, prc == M365ID_EINVAL ? M365ID_ECONFIG : M365ID_ENET,
                        "check that graph_endpoint (M365_GRAPH_ENDPOINT) is reachable from "
                        "here; for a TLS certificate error, set ca_bundle (M365_CA_BUNDLE)",
                        "graph request %s %s failed: %s", c->method, qpath.text, qerr.text);
}

int m365id__graph_collect(json_t **merged_out, const struct graph_call *c,
                          struct m365id__http_response *resp)
{
    m365id_ctx *ctx = c->ctx;
    const char *root_url = ctx->cfg.graph_root;
    size_t root_len = strlen(root_url);
    json_t *merged = json_object();
    json_t *all = json_array();
    json_t *page = NULL;
    char *next = NULL;
    struct m365id__quoted qpath;
    size_t total = 0;
    int rc = 0;

    m365id__quote(&qpath, c->shown_path);
    if (merged == NULL || all == NULL) {
        rc = m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory merging Graph pages");
        goto out;
    }

    for (unsigned pages = 1;; pages++) {
        json_t *value = NULL;
        const char *link = NULL;
        const char *context = NULL;

        total += resp->body.len;
        if (total > M365ID_GRAPH_REPLY_MAX) {
            rc = m365id__fail(ctx, M365ID_ETOOBIG,
                              "narrow the query with $filter or $select, or turn paging off",
                              "graph request %s %s: the pages add up to more than the %u bytes "
                              "allowed",
                              c->method, qpath.text, M365ID_GRAPH_REPLY_MAX);
            goto out;
        }
        json_decref(page);
        page = NULL;
        if (m365id__json_parse(&page, m365id__buf_cstr(&resp->body), resp->body.len, NULL, 0) <
                0 ||
            m365id__json_get_array(&value, page, "value") != M365ID__JSON_OK) {
            rc = m365id__fail(ctx, M365ID_EPROTO,
                              "use paging only with Graph collections, which reply with a "
                              "'value' array",
                              "graph request %s %s: page %u is not a JSON object with a 'value' "
                              "array",
                              c->method, qpath.text, pages);
            goto out;
        }
        if (pages == 1 && m365id__json_get_str(&context, page, "@odata.context") ==
                              M365ID__JSON_OK)
            json_object_set_new(merged, "@odata.context", json_string(context));
        if (json_array_extend(all, value) < 0) {
            rc = m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory merging Graph pages");
            goto out;
        }

        if (m365id__json_get_str(&link, page, "@odata.nextLink") != M365ID__JSON_OK)
            break;
        /* The link comes from the server: never send the token anywhere but the Graph root. */
        if (strncmp(link, root_url, root_len) != 0 || link[root_len] != '/') {
            struct m365id__quoted qlink;
            struct m365id__quoted qroot;

            m365id__quote(&qlink, link);
            m365id__quote(&qroot, root_url);
            rc = m365id__fail(ctx, M365ID_EPROTO,
                              "the access token is sent only to graph_endpoint: check "
                              "graph_endpoint (M365_GRAPH_ENDPOINT) and any proxy that rewrites "
                              "replies",
                              "graph request %s %s: page %u links to '%s', which is not on the "
                              "Graph endpoint '%s'",
                              c->method, qpath.text, pages, qlink.text, qroot.text);
            goto out;
        }
        if (pages >= M365ID_GRAPH_PAGES_MAX) {
            rc = m365id__fail(ctx, M365ID_ETOOBIG,
                              "narrow the query with $filter, or page through it yourself",
                              "graph request %s %s has more than %u pages", c->method,
                              qpath.text, M365ID_GRAPH_PAGES_MAX);
            goto out;
        }
        free(next);
        if ((next = m365id__strdup(link)) == NULL) {
            rc = m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory following Graph pages");
            goto out;
        }
        mlog_debug(&ctx->logger, "graph", "%s %s: fetching page %u", c->method, qpath.text,
                   pages + 1);
        if ((rc = graph_send(resp, c, next)) < 0)
            goto out;
    }

    json_object_set(merged, "value", all);
    *merged_out = merged;
    merged = NULL;

out:
    free(next);
    json_decref(page);
    json_decref(all);
    json_decref(merged);
    return rc;
}

/* Nonzero when @p s contains an ASCII space or control character. */
static int has_space_or_control(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s == 0x7f)
            return 1;
    }
    return 0;
}

static int valid_method(const char *m)
{
    static const char *const methods[] = {"GET", "POST", "PATCH", "PUT", "DELETE"};

    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (m != NULL && strcmp(m, methods[i]) == 0)
            return 1;
    }
    return 0;
}

/*
 * Send one Graph request with @p given_token, or with a token from m365id_token_acquire() when
 * @p given_token is NULL. Both public entry points share it.
 */
static int graph_request(m365id_graph_response **out, m365id_ctx *ctx, const char *given_token,
                         const char *method, const char *path, const char *body,
                         size_t body_len, unsigned int flags)
{
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    struct m365id__buf auth = M365ID__SECRET_BUF_INIT(M365ID_STS_REPLY_MAX);
    struct m365id__buf url = M365ID__BUF_INIT(64 * 1024);
    m365id_graph_response *r = NULL;
    m365id_token *tok = NULL;
    json_t *merged = NULL;
    const char *headers[4];
    struct graph_call c;
    struct m365id__quoted q;
    const char *root_url;
    size_t root_len;
    size_t h = 0;
    int rc;

    if (out == NULL || ctx == NULL)
        return M365ID_EINVAL;
    *out = NULL;
    m365id__error_reset(ctx);
    ctx->graph_last_status = 0;
    if (!ctx->configured) {
        return m365id__fail(ctx, M365ID_ECONFIG, "call m365id_ctx_configure() first",
                            "the context is not configured");
    }
    if (!valid_method(method)) {
        m365id__quote(&q, method);
        return m365id__fail(ctx, M365ID_EINVAL, "use GET, POST, PATCH, PUT or DELETE",
                            "graph method '%s' is not supported", q.text);
    }
    if ((flags & M365ID_GRAPH_ALL_PAGES) && strcmp(method, "GET") != 0) {
        return m365id__fail(ctx, M365ID_EINVAL, "request all pages with GET only",
                            "paging was requested for a %s request", method);
    }

    /* An HTTP request target cannot contain these bytes, and encoding them here would hide
     * which path the caller meant. */
    if (path != NULL && has_space_or_control(path)) {
        m365id__quote(&q, path);
        return m365id__fail(ctx, M365ID_EINVAL,
                            "percent-encode the path: a space is %20, as in "
                            "'/v1.0/users/a%20b'",
                            "graph path '%s' contains a space or control character", q.text);
    }

    /* Relative paths join the Graph root; absolute URLs must already be on it. */
    root_url = ctx->cfg.graph_root;
    root_len = strlen(root_url);
    c.ctx = ctx;
    c.method = method;
    if (path != NULL && path[0] == '/') {
        c.shown_path = path;
        rc = m365id__buf_printf(&url, "%s%s", root_url, path);
    } else if (path != NULL && strncmp(path, root_url, root_len) == 0 && path[root_len] == '/') {
        c.shown_path = path + root_len;
        rc = m365id__buf_puts(&url, path);
    } else {
        struct m365id__quoted qroot;

        m365id__quote(&q, path);
        m365id__quote(&qroot, root_url);
        return m365id__fail(ctx, M365ID_EINVAL,
                            "pass a path such as '/v1.0/organization', or a URL that starts "
                            "with the graph_endpoint setting",
                            "graph path '%s' is neither a path starting with '/' nor a URL on "
                            "the Graph endpoint '%s'",
                            q.text, qroot.text);
    }
    if (rc < 0) {
        m365id__quote(&q, path);
        return m365id__fail(ctx, rc, NULL, "graph path '%s' is too long", q.text);
    }

    if (given_token == NULL) {
        if ((rc = m365id_token_acquire(&tok, ctx, NULL)) < 0)
            goto out;
        given_token = m365id_token_value(tok);
    }
    if ((rc = m365id__buf_printf(&auth, "Authorization: Bearer %s", given_token)) < 0) {
        rc = m365id__fail(ctx, rc, NULL, "cannot build the Authorization header");
        goto out;
    }
    headers[h++] = m365id__buf_cstr(&auth);
    headers[h++] = "Accept: application/json";
    if (body != NULL)
        headers[h++] = "Content-Type: application/json";
    headers[h] = NULL;
    c.token = given_token;
    c.headers = headers;
    c.body = body;
    c.body_len = body != NULL ? body_len : 0;
    c.check_json = (flags & M365ID_GRAPH_ANY_BODY) == 0;

    if ((rc = m365id__http_global_init()) < 0) {
        rc = m365id__fail(ctx, rc, NULL, "cannot initialise the HTTP client");
        goto out;
    }
    if ((rc = graph_send(&resp, &c, m365id__buf_cstr(&url))) < 0)
        goto out;

    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        rc = m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory storing the Graph reply");
        goto out;
    }
    r->status = (int)resp.status;
    if (flags & M365ID_GRAPH_ALL_PAGES) {
        if ((rc = m365id__graph_collect(&merged, &c, &resp)) < 0)
            goto out;
        r->body = m365id__json_dump(merged);
        r->body_len = r->body != NULL ? strlen(r->body) : 0;
    } else {
        r->body_len = resp.body.len;
        r->body = malloc(r->body_len + 1);
        if (r->body != NULL) {
            memcpy(r->body, m365id__buf_cstr(&resp.body), r->body_len);
            r->body[r->body_len] = '\0';
        }
    }
    if (r->body == NULL) {
        rc = m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory storing the Graph reply");
        goto out;
    }

    *out = r;
    r = NULL;
    rc = 0;

out:
    m365id_graph_response_free(r);
    json_decref(merged);
    m365id__http_response_clear(&resp);
    m365id__buf_clear(&auth);
    m365id__buf_clear(&url);
    m365id_token_free(tok);
    return rc;
}

int m365id_graph_request(m365id_graph_response **out, m365id_ctx *ctx, const char *method,
                         const char *path, const char *body, size_t body_len,
                         unsigned int flags)
{
    return graph_request(out, ctx, NULL, method, path, body, body_len, flags);
}

int m365id_graph_request_with_token(m365id_graph_response **out, m365id_ctx *ctx,
                                    const char *access_token, const char *method,
                                    const char *path, const char *body, size_t body_len,
                                    unsigned int flags)
{
    if (out == NULL || ctx == NULL)
        return M365ID_EINVAL;
    *out = NULL;
    m365id__error_reset(ctx);
    ctx->graph_last_status = 0;

    /* The token goes into a header line: a CR or LF would start another header. The message
     * gives the length only, because the value is secret. */
    if (access_token == NULL || access_token[0] == '\0' || has_space_or_control(access_token)) {
        return m365id__fail(ctx, M365ID_EINVAL,
                            "pass the access_token value of a token reply, without spaces or "
                            "line breaks",
                            "the access token given for the Graph request (%zu bytes) is empty "
                            "or contains a space or control character",
                            access_token != NULL ? strlen(access_token) : (size_t)0);
    }
    return graph_request(out, ctx, access_token, method, path, body, body_len, flags);
}
