/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The context handle's life cycle (including its pool of HTTP connections), its log,
 * environment, prompt and cache hooks, the failure recorder behind m365id_last_error(), and the
 * static texts of error.h and log.h. Settings are resolved in config/resolve.c; the token cache
 * lives in token/cache.c.
 */
#include "lib/core/ctx_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crypto.h"
#include "util/strutil.h"
#include "util/timeutil.h"

m365id_ctx *m365id_ctx_new(void)
{
    static const struct m365id__logger logger_init = M365ID__LOGGER_INIT;
    m365id_ctx *ctx = calloc(1, sizeof(*ctx));

    if (ctx == NULL)
        return NULL;

    ctx->own_cache = m365id_cache_new();
    if (ctx->own_cache == NULL || m365id__http_pool_new(&ctx->http_pool) < 0) {
        m365id_cache_free(ctx->own_cache);
        free(ctx);
        return NULL;
    }
    ctx->cache = ctx->own_cache;
    ctx->logger = logger_init;
    ctx->log_max_level = logger_init.max_level;
    ctx->now_s = m365id__now_s;
    m365id__error_reset(ctx);
    return ctx;
}

void m365id_ctx_free(m365id_ctx *ctx)
{
    size_t i;

    if (ctx == NULL)
        return;

    for (i = 0; i < M365ID__KEY_COUNT; i++)
        m365id__setting_clear(&ctx->explicit_values[i]);
    m365id__config_clear(&ctx->cfg);
    m365id__error_reset(ctx);
    m365id_cache_free(ctx->own_cache);
    m365id__http_pool_free(ctx->http_pool);
    free(ctx);
}

void m365id_ctx_set_log(m365id_ctx *ctx, int max_level, m365id_log_cb cb, void *payload)
{
    if (ctx == NULL)
        return;
    ctx->log_max_level = max_level;
    ctx->logger.max_level = max_level;
    ctx->logger.cb = cb;
    ctx->logger.payload = payload;
    m365id__log_level_apply(ctx, ctx->configured && ctx->cfg.debug_mode);
}

void m365id__log_level_apply(m365id_ctx *ctx, int debug_mode)
{
    ctx->logger.max_level = ctx->log_max_level;
    if (debug_mode && ctx->logger.max_level < M365ID_LOG_DEBUG)
        ctx->logger.max_level = M365ID_LOG_DEBUG;
}

const char *m365id__getenv(const m365id_ctx *ctx, const char *name)
{
    if (ctx->getenv_cb != NULL)
        return ctx->getenv_cb(name, ctx->getenv_payload);
    return getenv(name);
}

void m365id_ctx_set_getenv(m365id_ctx *ctx, m365id_getenv_cb cb, void *payload)
{
    if (ctx == NULL)
        return;
    ctx->getenv_cb = cb;
    ctx->getenv_payload = cb != NULL ? payload : NULL;
}

void m365id_ctx_set_prompt(m365id_ctx *ctx, m365id_prompt_cb cb, void *payload)
{
    if (ctx == NULL)
        return;
    ctx->prompt_cb = cb;
    ctx->prompt_payload = cb != NULL ? payload : NULL;
}

void m365id_ctx_set_cache(m365id_ctx *ctx, m365id_cache *cache)
{
    if (ctx == NULL)
        return;
    ctx->cache = cache != NULL ? cache : ctx->own_cache;
}

/* --- failures --- */

const m365id_error *m365id_last_error(const m365id_ctx *ctx)
{
    static const m365id_error no_ctx = {M365ID_EINVAL, "context is NULL",
                                        "create one with m365id_ctx_new()", NULL};

    return ctx != NULL ? &ctx->err : &no_ctx;
}

void m365id__error_reset(m365id_ctx *ctx)
{
    free(ctx->err_message);
    free(ctx->err_hint);
    free(ctx->err_upstream);
    ctx->err_message = NULL;
    ctx->err_hint = NULL;
    ctx->err_upstream = NULL;
    ctx->err.code = M365ID_OK;
    ctx->err.message = "no error";
    ctx->err.hint = NULL;
    ctx->err.upstream = NULL;
}

/* malloc'd result of formatting @p fmt, or NULL when memory runs out. */
__attribute__((format(printf, 1, 0))) static char *vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    char *text;
    int len;

    va_copy(ap2, ap);
    len = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (len < 0)
        return NULL;

    text = malloc((size_t)len + 1);
    if (text == NULL)
        return NULL;
    vsnprintf(text, (size_t)len + 1, fmt, ap);
    return text;
}

__attribute__((format(printf, 5, 0))) static void record(m365id_ctx *ctx, int code,
                                                         const char *upstream, const char *hint,
                                                         const char *fmt, va_list ap)
{
    char *message;
    char *hint_copy;
    char *upstream_copy;

    if (ctx == NULL)
        return;

    /* Build the new strings before freeing the old ones: the arguments may point into them,
     * as when a caller wraps the previous message. */
    message = vformat(fmt, ap);
    hint_copy = m365id__strdup(hint);
    upstream_copy = m365id__strdup(upstream);

    m365id__error_reset(ctx);
    ctx->err.code = code;
    ctx->err_message = message;
    ctx->err_hint = hint_copy;
    ctx->err_upstream = upstream_copy;

    /* Without memory for the detail, the static text still describes the failure. */
    ctx->err.message = message != NULL ? message : m365id_strerror(code);
    ctx->err.hint = hint_copy;
    ctx->err.upstream = ctx->err_upstream;
}

int m365id__fail(m365id_ctx *ctx, int code, const char *hint, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    record(ctx, code, NULL, hint, fmt, ap);
    va_end(ap);
    return code;
}

int m365id__fail_upstream(m365id_ctx *ctx, int code, const char *upstream, const char *hint,
                          const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    record(ctx, code, upstream, hint, fmt, ap);
    va_end(ap);
    return code;
}

const char *m365id_strerror(int code)
{
    switch (code) {
    case M365ID_OK:
        return "success";
    case M365ID_ENOMEM:
        return "out of memory";
    case M365ID_EINVAL:
        return "invalid argument";
    case M365ID_ECONFIG:
        return "invalid or incomplete configuration";
    case M365ID_ETOKENFILE:
        return "federated token file is missing, unreadable or unusable";
    case M365ID_ENET:
        return "network transfer failed";
    case M365ID_EAUTH:
        return "entra id rejected the token request";
    case M365ID_EGRAPH:
        return "microsoft graph returned an error";
    case M365ID_EPROTO:
        return "unexpected reply from server";
    case M365ID_ETOOBIG:
        return "input or reply exceeds its size limit";
    case M365ID_EIO:
        return "local file could not be read or written";
    default:
        return "unknown error code";
    }
}

/* --- logging helpers --- */

void m365id_fingerprint(char *out, size_t out_size, const void *secret, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digest[M365ID_SHA256_LEN];
    size_t i;

    if (out == NULL || out_size == 0)
        return;
    if (out_size < M365ID_FINGERPRINT_SIZE || (secret == NULL && len > 0)) {
        out[0] = '\0';
        return;
    }

    m365id__sha256(digest, secret != NULL ? secret : "", len);
    memcpy(out, "sha256:", 7);
    for (i = 0; i < 8; i++) {
        out[7 + 2 * i] = hex[digest[i] >> 4];
        out[7 + 2 * i + 1] = hex[digest[i] & 0x0f];
    }
    out[7 + 16] = '\0';
}

const char *m365id_log_level_name(int level)
{
    switch (level) {
    case M365ID_LOG_ERROR:
        return "error";
    case M365ID_LOG_WARN:
        return "warn";
    case M365ID_LOG_INFO:
        return "info";
    case M365ID_LOG_DEBUG:
        return "debug";
    case M365ID_LOG_TRACE:
        return "trace";
    default:
        return "?";
    }
}
