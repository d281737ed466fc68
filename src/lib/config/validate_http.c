/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Checks on the client_options that shape HTTP requests: the proxy group and the texts sent
 * in headers, plus the URL splitter the URL checks share. Numbers and booleans are checked in
 * validate.c.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/config/validate.h"

#define LOG_COMPONENT "config"

/* Maximum length of a header text in bytes. User agents and status messages are far shorter. */
#define HEADER_TEXT_MAX 256

#define PROXY_URL_HINT                                                                         \
    "set client_options.proxy_url or M365_PROXY_URL to the proxy's URL, such as "              \
    "\"http://proxy.example.com:3128\" (schemes http, https, socks5 and socks5h), and put "   \
    "credentials in client_options.proxy_username and client_options.proxy_password "          \
    "(M365_PROXY_USERNAME, M365_PROXY_PASSWORD)"

static int is_scheme_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '-' || c == '.';
}

int m365id__url_split(struct m365id__url_parts *out, const char *url)
{
    const char *authority;
    const char *host;
    const char *end;
    const char *at = NULL;
    const char *p;

    memset(out, 0, sizeof(*out));
    if (url == NULL || !((url[0] >= 'a' && url[0] <= 'z') || (url[0] >= 'A' && url[0] <= 'Z')))
        return -1;
    for (p = url; is_scheme_char(*p); p++)
        ;
    if (strncmp(p, "://", 3) != 0)
        return -1;
    out->scheme = url;
    out->scheme_len = (size_t)(p - url);

    authority = p + 3;
    end = authority + strcspn(authority, "/?#");

    /* The last '@' ends the user info, which may itself contain '@'. */
    for (p = authority; p < end; p++) {
        if (*p == '@')
            at = p;
    }
    out->has_userinfo = at != NULL;
    host = at != NULL ? at + 1 : authority;
    out->after_userinfo = host;

    if (host < end && *host == '[') {
        const char *close = memchr(host, ']', (size_t)(end - host));

        if (close == NULL)
            return -1;
        out->host = host + 1;
        out->host_len = (size_t)(close - host - 1);
        p = close + 1;
    } else {
        out->host = host;
        for (p = host; p < end && *p != ':'; p++)
            ;
        out->host_len = (size_t)(p - host);
    }
    if (out->host_len == 0)
        return -1;

    if (p < end) {
        if (*p != ':')
            return -1;
        p++;
        out->port = p;
        out->port_len = (size_t)(end - p);
        for (; p < end; p++) {
            if (*p < '0' || *p > '9')
                return -1;
        }
        if (out->port_len > 5)
            return -1;
        if (out->port_len == 0)
            out->port = NULL;
    }
    return 0;
}

/* Nonzero when @p s contains an ASCII control character or a space. */
static int has_space_or_control(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s == 0x7f)
            return 1;
    }
    return 0;
}

int m365id__validate_header_text(m365id_ctx *ctx, enum m365id__key key,
                                 const struct m365id__setting *s)
{
    const struct m365id__key_info *info = &m365id__keys[key];
    struct m365id__quoted q;
    char hint[256];
    const char *p;

    if (s->value == NULL)
        return M365ID_OK;

    snprintf(hint, sizeof(hint), "set %s or %s to one line of printable text of at most %d bytes",
             info->name, info->env[0], HEADER_TEXT_MAX);
    m365id__quote_key_value(&q, key, s->value);
    if (strlen(s->value) > HEADER_TEXT_MAX) {
        return m365id__fail(ctx, M365ID_ECONFIG, hint, "%s '%s' (%s) is longer than %d bytes",
                            info->name, q.text, s->source, HEADER_TEXT_MAX);
    }
    /* A CR or LF here would let the value add headers of its own. */
    for (p = s->value; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f) {
            return m365id__fail(ctx, M365ID_ECONFIG, hint,
                                "%s '%s' (%s) contains a control character, which HTTP headers "
                                "do not allow",
                                info->name, q.text, s->source);
        }
    }
    return M365ID_OK;
}

/* Checks on a set proxy_url: scheme, host, no user info, no whitespace. */
static int check_proxy_url(m365id_ctx *ctx, const struct m365id__setting *s)
{
    static const char *const schemes[] = {"http", "https", "socks5", "socks5h"};
    struct m365id__url_parts url;
    struct m365id__quoted q;
    struct m365id__quoted qscheme;
    size_t i;

    m365id__quote_key_value(&q, M365ID__KEY_PROXY_URL, s->value);
    if (has_space_or_control(s->value)) {
        return m365id__fail(ctx, M365ID_ECONFIG, PROXY_URL_HINT,
                            "client_options.proxy_url '%s' (%s) contains whitespace or a control "
                            "character",
                            q.text, s->source);
    }
    if (m365id__url_split(&url, s->value) != 0) {
        return m365id__fail(ctx, M365ID_ECONFIG, PROXY_URL_HINT,
                            "client_options.proxy_url '%s' (%s) is not a URL with a scheme and a "
                            "host, such as 'http://proxy.example.com:3128'",
                            q.text, s->source);
    }
    for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        if (strlen(schemes[i]) == url.scheme_len &&
            strncasecmp(schemes[i], url.scheme, url.scheme_len) == 0)
            break;
    }
    if (i == sizeof(schemes) / sizeof(schemes[0])) {
        m365id__quote_len(&qscheme, url.scheme, url.scheme_len);
        return m365id__fail(ctx, M365ID_ECONFIG, PROXY_URL_HINT,
                            "client_options.proxy_url '%s' (%s) has the scheme '%s', but only "
                            "http, https, socks5 and socks5h are supported",
                            q.text, s->source, qscheme.text);
    }
    /* The provider rejects '@' in proxy URLs too; a password there would reach logs. */
    if (url.has_userinfo) {
        return m365id__fail(ctx, M365ID_ECONFIG, PROXY_URL_HINT,
                            "client_options.proxy_url '%s' (%s) contains user info",
                            q.text, s->source);
    }
    return M365ID_OK;
}

int m365id__validate_proxy(m365id_ctx *ctx, const struct m365id__config *cfg, int use_proxy)
{
    const struct m365id__setting *url = &cfg->v[M365ID__KEY_PROXY_URL];
    const struct m365id__setting *user = &cfg->v[M365ID__KEY_PROXY_USERNAME];
    const struct m365id__setting *password = &cfg->v[M365ID__KEY_PROXY_PASSWORD];
    const struct m365id__setting *use = &cfg->v[M365ID__KEY_USE_PROXY];
    int rc;

    /* The provider then sends every request without a proxy and reports nothing. */
    if (use_proxy && url->value == NULL) {
        return m365id__fail(ctx, M365ID_ECONFIG,
                            "set client_options.proxy_url or M365_PROXY_URL to the proxy, such "
                            "as \"http://proxy.example.com:3128\", or set "
                            "client_options.use_proxy or M365_USE_PROXY to false",
                            "client_options.use_proxy is true (%s) but client_options.proxy_url "
                            "is not set",
                            use->source);
    }
    if (url->value != NULL) {
        if ((rc = check_proxy_url(ctx, url)) < 0)
            return rc;
        if (!use_proxy) {
            mlog_info(&ctx->logger, LOG_COMPONENT,
                      "client_options.proxy_url is set (%s) but client_options.use_proxy is "
                      "false (%s), so requests go direct",
                      url->source, use->source);
        }
    }

    /* The password is never quoted; the username is named by its setting only. */
    if ((user->value == NULL) != (password->value == NULL)) {
        const struct m365id__setting *set_one = user->value != NULL ? user : password;

        return m365id__fail(ctx, M365ID_ECONFIG,
                            "set both client_options.proxy_username and "
                            "client_options.proxy_password (M365_PROXY_USERNAME, "
                            "M365_PROXY_PASSWORD), or neither for a proxy without "
                            "authentication",
                            "%s is set (%s) but %s is not",
                            user->value != NULL ? "client_options.proxy_username"
                                                : "client_options.proxy_password",
                            set_one->source,
                            user->value != NULL ? "client_options.proxy_password"
                                                : "client_options.proxy_username");
    }
    return M365ID_OK;
}
