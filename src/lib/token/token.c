/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * m365id_token_acquire() and the token accessors: picks the cache and its key and plugs the
 * Entra ID exchange into it. The exchange is in sts/exchange.c, the cache in cache.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lib/core/ctx_internal.h"
#include "m365id/token.h"
#include "lib/cred/device_code.h"
#include "lib/cred/managed_identity.h"
#include "lib/sts/exchange.h"
#include "lib/token/cache.h"
#include "util/secret.h"

static int fetch_from_entra(struct m365id__sts_token *out, m365id_ctx *ctx, const char *scope,
                            void *payload)
{
    (void)payload;
    return m365id__sts_exchange(out, ctx, scope);
}

static int fetch_from_device_code(struct m365id__sts_token *out, m365id_ctx *ctx,
                                  const char *scope, void *payload)
{
    (void)payload;
    return m365id__device_code_fetch(out, ctx, scope);
}

static int fetch_from_managed_identity(struct m365id__sts_token *out, m365id_ctx *ctx,
                                      const char *scope, void *payload)
{
    (void)payload;
    return m365id__mi_fetch(out, ctx, scope);
}

int m365id_token_acquire(m365id_token **out, m365id_ctx *ctx, const char *scope)
{
    static const struct m365id__cache_fetcher entra = {fetch_from_entra, NULL};
    static const struct m365id__cache_fetcher managed = {fetch_from_managed_identity, NULL};
    static const struct m365id__cache_fetcher device = {fetch_from_device_code, NULL};
    struct m365id__cache_key key;
    char mi_endpoint[4352];
    char dc_endpoint[4352];

    if (out == NULL || ctx == NULL)
        return M365ID_EINVAL;
    *out = NULL;
    m365id__error_reset(ctx);

    if (!ctx->configured) {
        return m365id__fail(ctx, M365ID_ECONFIG, "call m365id_ctx_configure() first",
                            "the context is not configured");
    }
    if (scope == NULL)
        scope = m365id__cfg(ctx, M365ID__KEY_SCOPE);
    if (scope == NULL || scope[0] == '\0') {
        return m365id__fail(ctx, M365ID_EINVAL,
                            "pass a scope such as 'https://graph.microsoft.com/.default', or "
                            "set the scope setting",
                            "scope is empty");
    }

    /* The context's own cache is made on first use, so contexts that never ask pay nothing. */
    if (ctx->cache == NULL) {
        if (ctx->own_cache == NULL && (ctx->own_cache = m365id_cache_new()) == NULL)
            return m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory creating the cache");
        ctx->cache = ctx->own_cache;
    }

    key.scope = scope;
    if (ctx->cfg.auth_method == M365ID__AUTH_MANAGED_IDENTITY) {
        /* Keyed by endpoint and identity: the environment picks the endpoint at each call. */
        if (m365id__mi_cache_endpoint(mi_endpoint, sizeof(mi_endpoint), ctx) < 0) {
            return m365id__fail(ctx, M365ID_ECONFIG,
                                "check IDENTITY_ENDPOINT or AZURE_POD_IDENTITY_AUTHORITY_HOST",
                                "the managed identity endpoint URL is too long");
        }
        key.token_endpoint = mi_endpoint;
        key.client_id = m365id__cfg(ctx, M365ID__KEY_MANAGED_IDENTITY_ID);
        if (key.client_id == NULL)
            key.client_id = "system-assigned";
        return m365id__cache_get(out, ctx->cache, ctx, &key, &managed);
    }
    key.token_endpoint = ctx->cfg.token_endpoint;
    key.client_id = m365id__cfg(ctx, M365ID__KEY_CLIENT_ID);
    if (ctx->cfg.auth_method == M365ID__AUTH_DEVICE_CODE) {
        /* A delegated token must never answer an app-only request of the same client, and
         * the reverse, in a cache that several contexts share. */
        if (snprintf(dc_endpoint, sizeof(dc_endpoint), "device_code %s",
                     ctx->cfg.token_endpoint) >= (int)sizeof(dc_endpoint)) {
            return m365id__fail(ctx, M365ID_ECONFIG, "check authority_host and tenant_id",
                                "the token endpoint URL is too long");
        }
        key.token_endpoint = dc_endpoint;
        return m365id__cache_get(out, ctx->cache, ctx, &key, &device);
    }
    return m365id__cache_get(out, ctx->cache, ctx, &key, &entra);
}

const char *m365id_token_value(const m365id_token *token)
{
    return token != NULL ? token->value : NULL;
}

long long m365id_token_expires_on(const m365id_token *token)
{
    return token != NULL ? token->expires_on : 0;
}

long long m365id_token_refresh_on(const m365id_token *token)
{
    return token != NULL ? token->refresh_on : 0;
}

int m365id_token_is_cached(const m365id_token *token)
{
    return token != NULL && token->cached;
}

void m365id_token_free(m365id_token *token)
{
    if (token == NULL)
        return;
    m365id__free_secret_str(token->value);
    free(token);
}
