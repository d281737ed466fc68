/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The thread-safe token cache. One mutex guards the entry list; a condition variable wakes
 * callers waiting for another caller's exchange. The exchange runs without the mutex held,
 * guarded by the entry's "fetching" flag, so slow HTTP never blocks other keys.
 */
#include "lib/token/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/ctx_internal.h"
#include "lib/token/clock.h"
#include "util/buf.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/strutil.h"

/* Refresh this long before expiry when the server gives no refresh_in. */
#define REFRESH_BEFORE_EXPIRY_S 300

/* Maximum length of a cache key: endpoint, client id and scope joined by newlines. */
#define KEY_MAX 8192u

struct cache_entry {
    struct cache_entry *next;
    char *key;                    /* endpoint "\n" client id "\n" scope */
    struct m365id__secret *value; /* NULL until the first fetch succeeds */
    long long expires_on;         /* Unix seconds */
    long long refresh_on;         /* Unix seconds */
    int fetching;                 /* nonzero while a caller runs the exchange; never evicted */
    unsigned long generation;     /* incremented by every successful fetch */
};

struct m365id_cache {
    pthread_mutex_t lock;
    pthread_cond_t fetched; /* broadcast whenever an exchange ends */
    struct cache_entry *entries;
};

m365id_cache *m365id_cache_new(void)
{
    m365id_cache *cache = calloc(1, sizeof(*cache));

    if (cache == NULL)
        return NULL;
    if (pthread_mutex_init(&cache->lock, NULL) != 0) {
        free(cache);
        return NULL;
    }
    if (pthread_cond_init(&cache->fetched, NULL) != 0) {
        pthread_mutex_destroy(&cache->lock);
        free(cache);
        return NULL;
    }
    return cache;
}

static void entry_free(struct cache_entry *e)
{
    if (e == NULL)
        return;
    m365id__secret_free(e->value);
    free(e->key);
    free(e);
}

void m365id_cache_free(m365id_cache *cache)
{
    struct cache_entry *e;

    if (cache == NULL)
        return;
    while ((e = cache->entries) != NULL) {
        cache->entries = e->next;
        entry_free(e);
    }
    pthread_cond_destroy(&cache->fetched);
    pthread_mutex_destroy(&cache->lock);
    free(cache);
}

long long m365id__cache_refresh_on(long long issued_at_s, long long expires_in_s,
                                   long long refresh_in_s)
{
    long long refresh_after;

    if (refresh_in_s >= 0)
        refresh_after = refresh_in_s;
    else
        refresh_after = expires_in_s - REFRESH_BEFORE_EXPIRY_S;

    /* Halfway at the latest, so that short-lived tokens are renewed before they expire. */
    if (refresh_after > expires_in_s / 2)
        refresh_after = expires_in_s / 2;
    if (refresh_after < 0)
        refresh_after = 0;
    return issued_at_s + refresh_after;
}

size_t m365id__cache_size(m365id_cache *cache)
{
    size_t n = 0;

    pthread_mutex_lock(&cache->lock);
    for (struct cache_entry *e = cache->entries; e != NULL; e = e->next)
        n++;
    pthread_mutex_unlock(&cache->lock);
    return n;
}

/*
 * Find the entry for @p key, creating it if needed, and drop idle entries that hold nothing
 * usable. Called with the lock held. Returns NULL only when memory runs out.
 */
static struct cache_entry *entry_lookup(m365id_cache *cache, const char *key, long long now)
{
    struct cache_entry **link = &cache->entries;
    struct cache_entry *found = NULL;
    struct cache_entry *e;

    while ((e = *link) != NULL) {
        if (strcmp(e->key, key) == 0) {
            found = e;
            link = &e->next;
            continue;
        }
        if (!e->fetching && (e->value == NULL || now >= e->expires_on)) {
            *link = e->next;
            entry_free(e);
            continue;
        }
        link = &e->next;
    }
    if (found != NULL)
        return found;

    found = calloc(1, sizeof(*found));
    if (found == NULL)
        return NULL;
    if ((found->key = m365id__strdup(key)) == NULL) {
        free(found);
        return NULL;
    }
    found->next = cache->entries;
    cache->entries = found;
    return found;
}

/* A caller-owned copy of the entry's token. */
static int token_copy(m365id_token **out, const struct cache_entry *e, int cached)
{
    m365id_token *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return M365ID_ENOMEM;
    t->value = malloc(e->value->len + 1);
    if (t->value == NULL) {
        free(t);
        return M365ID_ENOMEM;
    }
    memcpy(t->value, e->value->data, e->value->len);
    t->value[e->value->len] = '\0';
    t->len = e->value->len;
    t->expires_on = e->expires_on;
    t->refresh_on = e->refresh_on;
    t->cached = cached;
    *out = t;
    return 0;
}

static int build_key(struct m365id__buf *key, const struct m365id__cache_key *k)
{
    return m365id__buf_printf(key, "%s\n%s\n%s", k->token_endpoint ? k->token_endpoint : "",
                              k->client_id ? k->client_id : "", k->scope ? k->scope : "");
}

int m365id__cache_get(m365id_token **out, m365id_cache *cache, m365id_ctx *ctx,
                      const struct m365id__cache_key *key,
                      const struct m365id__cache_fetcher *fetcher)
{
    struct m365id__buf keybuf = M365ID__BUF_INIT(KEY_MAX);
    struct m365id__sts_token fresh = M365ID__STS_TOKEN_INIT;
    struct m365id__quoted qscope;
    struct cache_entry *e;
    unsigned long seen_generation = 0;
    int waited = 0;
    long long now;
    int rc;

    *out = NULL;
    if ((rc = build_key(&keybuf, key)) < 0)
        return m365id__fail(ctx, rc, NULL, "token cache key is too long");
    m365id__quote(&qscope, key->scope);

    pthread_mutex_lock(&cache->lock);
    for (;;) {
        now = m365id__clock_now_s(ctx);
        e = entry_lookup(cache, m365id__buf_cstr(&keybuf), now);
        if (e == NULL) {
            rc = m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory in the token cache");
            goto unlock;
        }
        /* A token fetched while this caller waited is taken even if already due for refresh. */
        if (e->value != NULL && now < e->expires_on &&
            (now < e->refresh_on || (waited && e->generation != seen_generation))) {
            mlog_debug(&ctx->logger, "cache", "hit for scope '%s', refresh in %llds",
                       qscope.text, e->refresh_on - now);
            rc = token_copy(out, e, 1);
            goto unlock;
        }
        if (!e->fetching)
            break;
        /* Another caller is exchanging for this key: take its result when it ends. */
        if (!waited) {
            waited = 1;
            seen_generation = e->generation;
        }
        pthread_cond_wait(&cache->fetched, &cache->lock);
    }
    e->fetching = 1;
    mlog_debug(&ctx->logger, "cache", "%s for scope '%s', fetching",
               e->value == NULL ? "miss" : "refresh due", qscope.text);
    pthread_mutex_unlock(&cache->lock);

    /* The exchange runs unlocked; "fetching" keeps the entry alive and other fetchers out. */
    rc = fetcher->fetch(&fresh, ctx, key->scope, fetcher->payload);

    pthread_mutex_lock(&cache->lock);
    e->fetching = 0;
    now = m365id__clock_now_s(ctx);
    if (rc == 0) {
        m365id__secret_free(e->value);
        e->value = fresh.access_token;
        fresh.access_token = NULL;
        e->expires_on = fresh.issued_at_s + fresh.expires_in_s;
        e->refresh_on = m365id__cache_refresh_on(fresh.issued_at_s, fresh.expires_in_s,
                                                 fresh.refresh_in_s);
        e->generation++;
        rc = token_copy(out, e, 0);
        if (rc < 0)
            rc = m365id__fail(ctx, rc, NULL, "out of memory in the token cache");
    } else if (e->value != NULL && now < e->expires_on) {
        /* Keep serving a token that is still valid while its refresh fails. */
        const m365id_error *err = m365id_last_error(ctx);

        mlog_warn(&ctx->logger, "cache", "refresh for scope '%s' failed (%s), using the cached "
                  "token that expires in %llds", qscope.text,
                  err != NULL && err->message != NULL ? err->message : "unknown error",
                  e->expires_on - now);
        m365id__error_reset(ctx);
        rc = token_copy(out, e, 1);
        if (rc < 0)
            rc = m365id__fail(ctx, rc, NULL, "out of memory in the token cache");
    }
    pthread_cond_broadcast(&cache->fetched);

unlock:
    pthread_mutex_unlock(&cache->lock);
    m365id__sts_token_clear(&fresh);
    m365id__buf_clear(&keybuf);
    return rc;
}
