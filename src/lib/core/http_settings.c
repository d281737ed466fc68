/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * One HTTP configuration for every request the library sends. The transfer itself is in
 * util/http_client.c; retry decisions stay with each protocol module.
 */
#include "lib/core/http_settings.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/quote.h"
#include "util/timeutil.h"

#define DEFAULT_TIMEOUT_MS 30000L

#define HINT_PROXY_AUTH                                                                        \
    "set client_options.proxy_username and client_options.proxy_password "                    \
    "(M365_PROXY_USERNAME and M365_PROXY_PASSWORD) to the proxy's credentials, together with " \
    "client_options.use_proxy and client_options.proxy_url; if they are set, check them with " \
    "the proxy's administrator"

void m365id__http_request_from_cfg(struct m365id__http_request *req, const m365id_ctx *ctx)
{
    const struct m365id__config *cfg = &ctx->cfg;

    memset(req, 0, sizeof(*req));
    req->ca_file = m365id__cfg(ctx, M365ID__KEY_CA_BUNDLE);
    req->timeout_ms = cfg->timeout_ms;
    req->user_agent_product = cfg->user_agent;
    if (cfg->proxy_url != NULL) {
        req->proxy_url = cfg->proxy_url;
        req->proxy_username = cfg->proxy_username;
        req->proxy_password = cfg->proxy_password;
        /* The configured proxy wins over NO_PROXY in the environment. */
        req->no_proxy = "";
    }
    req->follow_redirects = cfg->enable_redirect && cfg->max_redirects > 0;
    req->max_redirects = cfg->max_redirects;
    req->pool = ctx->http_pool;
}

/*
 * The proxy libcurl uses for @p url without an explicit one: the variables it reads, in its
 * order. *name_out is the variable's name. Returns NULL when none is set.
 */
static const char *proxy_from_env(const char **name_out, const m365id_ctx *ctx, const char *url)
{
    static const char *const https_names[] = {"https_proxy", "HTTPS_PROXY", "all_proxy",
                                              "ALL_PROXY", NULL};
    /* libcurl ignores upper-case HTTP_PROXY (a CGI clash); it is listed for the report. */
    static const char *const http_names[] = {"http_proxy", "HTTP_PROXY", "all_proxy",
                                             "ALL_PROXY", NULL};
    const char *const *names = strncasecmp(url, "https:", 6) == 0 ? https_names : http_names;

    for (size_t i = 0; names[i] != NULL; i++) {
        const char *v = m365id__getenv(ctx, names[i]);

        if (v != NULL && v[0] != '\0') {
            *name_out = names[i];
            return v;
        }
    }
    return NULL;
}

/* "scheme://host:port" of a proxy URL, without user info or path; a bare host stays bare. */
static void proxy_display(char *out, size_t size, const char *proxy)
{
    const char *sep = strstr(proxy, "://");
    const char *host = sep != NULL ? sep + 3 : proxy;
    size_t scheme_len = sep != NULL ? (size_t)(sep - proxy) + 3 : 0;
    size_t auth_len = strcspn(host, "/?#");
    const char *at = memchr(host, '@', auth_len);

    if (at != NULL) {
        auth_len -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    snprintf(out, size, "%.*s%.*s", (int)scheme_len, proxy, (int)auth_len, host);
}

/* Nonzero when @p proxy carries user info ("user:password@") before its host. */
static int proxy_has_userinfo(const char *proxy)
{
    const char *sep = strstr(proxy, "://");
    const char *host = sep != NULL ? sep + 3 : proxy;

    return memchr(host, '@', strcspn(host, "/?#")) != NULL;
}

#define HINT_PROXY_USERINFO                                                                    \
    "correct the user name and password in the proxy URL, percent-encoding '@', ':' and '%' " \
    "in them, or check them with the proxy's administrator"

int m365id__http_fail_proxy_auth(m365id_ctx *ctx, const char *url)
{
    const char *proxy = ctx->cfg.proxy_url;
    const char *from = "client_options.proxy_url";
    struct m365id__quoted qproxy;
    struct m365id__quoted qurl;
    char shown[256];
    char origin[256];
    const char *p;

    if (proxy == NULL)
        proxy = proxy_from_env(&from, ctx, url);
    proxy_display(shown, sizeof(shown), proxy != NULL ? proxy : "unknown");
    p = strstr(url, "://");
    p = p != NULL ? p + 3 : url;
    snprintf(origin, sizeof(origin), "%.*s", (int)((size_t)(p - url) + strcspn(p, "/?#")), url);
    m365id__quote(&qproxy, shown);
    m365id__quote(&qurl, origin);

    /* libcurl sends the user info of the proxy URL as Basic credentials, so a 407 then means
     * they were rejected. Only the variable's name is shown, never its value. */
    if (proxy != NULL && proxy_has_userinfo(proxy)) {
        return m365id__fail(ctx, M365ID_ENET, HINT_PROXY_USERINFO,
                            "the proxy '%s' rejected the credentials in %s (HTTP 407): the "
                            "request to '%s' was refused",
                            qproxy.text, from, qurl.text);
    }
    return m365id__fail(ctx, M365ID_ENET, HINT_PROXY_AUTH,
                        "the proxy '%s' requires authentication (HTTP 407): the request to '%s' "
                        "was refused (proxy from %s, credentials %s)",
                        qproxy.text, qurl.text, proxy != NULL ? from : "unknown",
                        ctx->cfg.proxy_username != NULL && ctx->cfg.proxy_url != NULL ? "sent"
                                                                                      : "not set");
}

void m365id__retry_budget_start(struct m365id__retry_budget *budget, const m365id_ctx *ctx)
{
    long long per_try = ctx->cfg.timeout_ms > 0 ? ctx->cfg.timeout_ms : DEFAULT_TIMEOUT_MS;
    long long attempts = 1 + (ctx->cfg.max_retries > 0 ? ctx->cfg.max_retries : 0);

    budget->deadline_ms = m365id__monotonic_ms() + per_try * attempts;
}

int m365id__retry_budget_allows(const struct m365id__retry_budget *budget, long long delay_ms)
{
    return m365id__monotonic_ms() + delay_ms < budget->deadline_ms;
}
