/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * m365id/token.h: access tokens obtained by exchanging the workload's federated assertion.
 */
#ifndef M365ID_TOKEN_H
#define M365ID_TOKEN_H

#include "common.h"
#include "ctx.h"

M365ID_BEGIN_DECL

/** An access token and its lifetime. */
typedef struct m365id_token m365id_token;

/**
 * Return an access token for @p scope, from the cache when it is not yet due for refresh,
 * otherwise by reading the federated token file afresh and exchanging it at Entra ID. Calls on
 * contexts that share one cache are thread-safe; for one key a single exchange runs at a time
 * while other callers wait for its result.
 *
 * @param[out] out  new token owned by the caller, freed with m365id_token_free(); NULL on error
 * @param ctx       configured context; on failure m365id_last_error(ctx) holds the detail
 * @param scope     e.g. "https://graph.microsoft.com/.default"; NULL uses the configured scope
 * @return M365ID_OK; M365ID_EAUTH when Entra ID rejects the request; M365ID_ETOKENFILE when the
 *         federated token file is unusable; another negative M365ID_E* code otherwise
 */
M365ID_EXTERN int m365id_token_acquire(m365id_token **out, m365id_ctx *ctx, const char *scope);

/** The bearer token; borrowed from @p token. Never log it. */
M365ID_EXTERN const char *m365id_token_value(const m365id_token *token);

/** Expiry, in Unix seconds, computed from the time the request was sent plus expires_in. */
M365ID_EXTERN long long m365id_token_expires_on(const m365id_token *token);

/** When the cache fetches a new token, in Unix seconds. */
M365ID_EXTERN long long m365id_token_refresh_on(const m365id_token *token);

/** Nonzero when the token came from the cache rather than a new exchange. */
M365ID_EXTERN int m365id_token_is_cached(const m365id_token *token);

/** Free @p token and wipe its value; NULL is a no-op. */
M365ID_EXTERN void m365id_token_free(m365id_token *token);

M365ID_END_DECL

#endif /* M365ID_TOKEN_H */
