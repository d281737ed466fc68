/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Tokens from an Azure managed-identity endpoint: App Service (api-version 2019-08-01) when
 * IDENTITY_ENDPOINT and IDENTITY_HEADER are set, otherwise IMDS. Caching is in token/cache.c.
 */
#ifndef M365ID_LIB_CRED_MANAGED_IDENTITY_H
#define M365ID_LIB_CRED_MANAGED_IDENTITY_H

#include <stddef.h>

#include "lib/sts/reply.h"

struct m365id_ctx;

/**
 * Ask the managed-identity endpoint for a token for @p scope (sent as the resource, without
 * "/.default"), for the identity entra_id_options.managed_identity_id names: a GUID as
 * client_id, a resource id as msi_res_id (IMDS) or mi_res_id (App Service), nothing for the
 * system-assigned identity. Retries IMDS 404, 410, 429 and 5xx, App Service 408, 429, 500,
 * 502, 503 and 504, transfer failures that may pass and empty or non-JSON 200 replies, within
 * max_retries and the retry time budget. Loopback and link-local endpoints bypass proxies and
 * may be plain http.
 *
 * @param[out] out  filled on success only; release with m365id__sts_token_clear()
 * @return 0; M365ID_EAUTH when the endpoint refuses (no such identity, wrong resource);
 *         M365ID_ENET; M365ID_EPROTO; another negative code
 */
int m365id__mi_fetch(struct m365id__sts_token *out, struct m365id_ctx *ctx, const char *scope);

/**
 * Write the cache key's endpoint part into @p out: the source and its endpoint URL, so that
 * tokens from different endpoints never mix. Returns 0, or -1 when @p size is too small.
 */
int m365id__mi_cache_endpoint(char *out, size_t size, const struct m365id_ctx *ctx);

#endif /* M365ID_LIB_CRED_MANAGED_IDENTITY_H */
