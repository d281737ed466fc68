/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The context structure shared by the library's modules, the resolved configuration, and the
 * failure recorder. Nothing outside src/lib includes this header.
 */
#ifndef M365ID_LIB_CORE_CTX_INTERNAL_H
#define M365ID_LIB_CORE_CTX_INTERNAL_H

#include <stdarg.h>

#include "m365id/ctx.h"
#include "util/logcore.h"

/* Settings, in the order of m365id_setting_names(). */
enum m365id__key {
    M365ID__KEY_AUTH_METHOD,
    M365ID__KEY_CLOUD,
    M365ID__KEY_TENANT_ID,
    M365ID__KEY_CLIENT_ID,          /* entra_id_options.client_id */
    M365ID__KEY_TOKEN_FILE,         /* entra_id_options.federated_token_file_path */
    M365ID__KEY_TIMEOUT_S,          /* client_options.timeout_seconds */
    M365ID__KEY_MAX_RETRIES,        /* client_options.max_retries */
    M365ID__KEY_RETRY_DELAY_S,      /* client_options.retry_delay_seconds */
    M365ID__KEY_AUTHORITY_HOST,
    M365ID__KEY_GRAPH_ENDPOINT,
    M365ID__KEY_SCOPE,
    M365ID__KEY_CA_BUNDLE,
    M365ID__KEY_TOKEN_AUDIENCE,     /* federated_token_audience */
    M365ID__KEY_COUNT
};

/* One value and where it came from, both malloc'd; value NULL means unset. */
struct m365id__setting {
    char *value;
    char *source; /* "env M365_TENANT_ID", "--tenant-id", "default for cloud 'public'", ... */
};

struct m365id__cloud; /* config/cloud.h */

/* The configuration after m365id_ctx_configure(): every value validated. */
struct m365id__config {
    struct m365id__setting v[M365ID__KEY_COUNT];
    const struct m365id__cloud *cloud; /* the selected cloud's table row */
    char *token_endpoint;              /* {authority}/{tenant}/oauth2/v2.0/token, one '/' per join */
    char *graph_root;                  /* graph endpoint without a trailing '/' */
    long timeout_ms;                   /* per HTTP attempt */
    int max_retries;                   /* extra attempts after the first, for transient failures */
    long retry_delay_ms;               /* base delay of the exponential backoff */
};

struct m365id_ctx {
    struct m365id__logger logger;
    m365id_getenv_cb getenv_cb; /* NULL means getenv(3) */
    void *getenv_payload;
    struct m365id__setting explicit_values[M365ID__KEY_COUNT]; /* from m365id_ctx_set() */
    struct m365id__config cfg;
    int configured;              /* nonzero after a successful m365id_ctx_configure() */
    m365id_cache *cache;         /* the cache in use: own_cache or a borrowed one */
    m365id_cache *own_cache;
    m365id_error err;            /* public view of the last failure; strings below */
    char *err_message;
    char *err_hint;
    char *err_upstream;
    long long (*now_s)(void);    /* wall clock; tests replace it */
};

/**
 * Record a failure on @p ctx and return @p code. @p hint may be NULL. The message is formatted
 * from @p fmt; external values in it must already be quoted.
 */
int m365id__fail(m365id_ctx *ctx, int code, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** Same, keeping @p upstream (AADSTS code, trace and correlation ids) verbatim. */
int m365id__fail_upstream(m365id_ctx *ctx, int code, const char *upstream, const char *hint,
                          const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/** Forget the last failure. */
void m365id__error_reset(m365id_ctx *ctx);

/** Free the strings of @p setting (wiped first) and leave it unset. */
void m365id__setting_clear(struct m365id__setting *setting);

/** Free everything @p cfg owns and reset it to zero. */
void m365id__config_clear(struct m365id__config *cfg);

/** Resolved value of @p key after configure, or NULL when unset. */
static inline const char *m365id__cfg(const m365id_ctx *ctx, enum m365id__key key)
{
    return ctx->cfg.v[key].value;
}

/** Where the resolved value of @p key came from, or "unset". */
static inline const char *m365id__cfg_source(const m365id_ctx *ctx, enum m365id__key key)
{
    return ctx->cfg.v[key].source != NULL ? ctx->cfg.v[key].source : "unset";
}

#endif /* M365ID_LIB_CORE_CTX_INTERNAL_H */
