/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The access-token cache: entries keyed by token endpoint, client id and scope, refresh
 * timing, and one exchange per key at a time. The exchange itself is a callback, so the cache
 * can be tested without a network; m365id_token_acquire() in token.c plugs in the real one.
 */
#ifndef M365ID_LIB_TOKEN_CACHE_H
#define M365ID_LIB_TOKEN_CACHE_H

#include <stddef.h>

#include "m365id/ctx.h"
#include "m365id/token.h"
#include "lib/sts/reply.h"

/* The public token handle: a copy of a cache entry owned by the caller. */
struct m365id_token {
    char *value;          /* NUL-terminated bearer token; wiped on free */
    size_t len;
    long long expires_on; /* Unix seconds */
    long long refresh_on; /* Unix seconds */
    int cached;           /* nonzero: served from the cache */
};

/* Cache key: the same client requesting another tenant or scope gets another token. */
struct m365id__cache_key {
    const char *token_endpoint; /* authority and tenant */
    const char *client_id;
    const char *scope;
};

/**
 * Fetch a new token for @p scope, recording any failure on @p ctx. Called without the cache
 * lock held, at most once at a time per key.
 */
typedef int (*m365id__cache_fetch_fn)(struct m365id__sts_token *out, m365id_ctx *ctx,
                                      const char *scope, void *payload);

struct m365id__cache_fetcher {
    m365id__cache_fetch_fn fetch;
    void *payload;
};

/**
 * Return the token for @p key: the cached one while it is not yet due for refresh, otherwise
 * one fetched through @p fetcher. While one caller fetches, others asking for the same key
 * wait and take its result; if the fetch fails the next waiter fetches in turn. When a refresh
 * fails but the cached token has not expired yet, that token is returned and a warning logged.
 *
 * @param[out] out  new token owned by the caller; NULL on error
 * @return 0, or the fetcher's negative code (detail recorded on @p ctx), or M365ID_ENOMEM
 */
int m365id__cache_get(m365id_token **out, m365id_cache *cache, m365id_ctx *ctx,
                      const struct m365id__cache_key *key,
                      const struct m365id__cache_fetcher *fetcher);

/**
 * When to refresh a token issued at @p issued_at_s that lives @p expires_in_s: at refresh_in
 * when the server sent one (@p refresh_in_s >= 0), otherwise 5 minutes before expiry, but never
 * later than halfway through its lifetime.
 */
long long m365id__cache_refresh_on(long long issued_at_s, long long expires_in_s,
                                   long long refresh_in_s);

/** Number of entries in @p cache, for tests. */
size_t m365id__cache_size(m365id_cache *cache);

#endif /* M365ID_LIB_TOKEN_CACHE_H */
