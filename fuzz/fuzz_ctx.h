/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * A configured library context for the fuzz targets that need one: fixed settings, no
 * environment, a fixed clock, and a log callback that formats every line and drops it.
 */
#ifndef M365ID_FUZZ_FUZZ_CTX_H
#define M365ID_FUZZ_FUZZ_CTX_H

#include <stdio.h>
#include <stdlib.h>

#include "lib/core/ctx_internal.h"
#include "m365id/ctx.h"
#include "m365id/log.h"

/* 2030-01-01T00:00:00Z, so that seeds with fixed "exp" and "nbf" claims replay the same way. */
#define FUZZ_NOW_S 1893456000LL

#define FUZZ_TENANT "11111111-1111-1111-1111-111111111111"
#define FUZZ_CLIENT "22222222-2222-2222-2222-222222222222"

static inline long long fuzz_clock(void)
{
    return FUZZ_NOW_S;
}

/* The environment is empty, so only the settings passed to fuzz_ctx_new() apply. */
static inline const char *fuzz_getenv(const char *name, void *payload)
{
    (void)name;
    (void)payload;
    return NULL;
}

/* Log lines are built (quoting included) but not kept. */
static inline void fuzz_log(int level, const char *component, const char *message,
                            void *payload)
{
    (void)level;
    (void)component;
    (void)message;
    (void)payload;
}

/*
 * A context configured for workload identity with @p token_file as the token file path,
 * or NULL after printing why configure failed. A failure here is a harness bug, so callers
 * abort on NULL.
 */
static inline m365id_ctx *fuzz_ctx_new(const char *token_file)
{
    m365id_ctx *ctx = m365id_ctx_new();

    if (ctx == NULL)
        return NULL;
    m365id_ctx_set_getenv(ctx, fuzz_getenv, NULL);
    m365id_ctx_set_log(ctx, M365ID_LOG_TRACE, fuzz_log, NULL);
    if (m365id_ctx_set(ctx, "auth_method", "workload_identity", NULL) < 0 ||
        m365id_ctx_set(ctx, "tenant_id", FUZZ_TENANT, NULL) < 0 ||
        m365id_ctx_set(ctx, "entra_id_options.client_id", FUZZ_CLIENT, NULL) < 0 ||
        m365id_ctx_set(ctx, "entra_id_options.federated_token_file_path", token_file, NULL) <
            0 ||
        m365id_ctx_set(ctx, "client_options.max_retries", "0", NULL) < 0 ||
        m365id_ctx_configure(ctx) < 0) {
        fprintf(stderr, "fuzz: cannot configure the context: %s\n",
                m365id_last_error(ctx)->message);
        m365id_ctx_free(ctx);
        return NULL;
    }
    ctx->now_s = fuzz_clock;
    return ctx;
}

#endif /* M365ID_FUZZ_FUZZ_CTX_H */
