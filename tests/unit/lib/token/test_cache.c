/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/lib/token/cache.c with a counting fake exchange and a fake clock: refresh
 * timing, expiry, keys, fallback while a refresh fails, and one exchange per key across
 * threads. The real exchange is exercised against the emulator by the integration tests.
 */
#include "unit/lib/token/token_fixture.h"

#include <pthread.h>
#include <time.h>

#include "lib/token/cache.h"
#include "m365id/token.h"
#include "util/secret.h"

#define SCOPE "https://graph.microsoft.com/.default"
#define THREADS 8

struct fake_sts {
    int calls;            /* exchanges started */
    int in_flight;        /* exchanges running now */
    int max_in_flight;    /* most exchanges seen running at once */
    int fail;             /* nonzero: return this code */
    long long expires_in;
    long long refresh_in; /* -1: none */
    long sleep_ms;        /* time each exchange takes */
};

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0)
        continue;
}

static int fake_fetch(struct m365id__sts_token *out, m365id_ctx *ctx, const char *scope,
                      void *payload)
{
    struct fake_sts *sts = payload;
    char value[64];
    int n = __atomic_add_fetch(&sts->calls, 1, __ATOMIC_SEQ_CST);
    int running = __atomic_add_fetch(&sts->in_flight, 1, __ATOMIC_SEQ_CST);
    int seen = __atomic_load_n(&sts->max_in_flight, __ATOMIC_SEQ_CST);
    int rc = 0;

    (void)scope;
    while (running > seen &&
           !__atomic_compare_exchange_n(&sts->max_in_flight, &seen, running, 0,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        continue;
    if (sts->sleep_ms > 0)
        sleep_ms(sts->sleep_ms);

    if (sts->fail != 0) {
        rc = m365id__fail(ctx, sts->fail, NULL, "fake exchange %d failed", n);
    } else {
        snprintf(value, sizeof(value), "token-%d", n);
        assert_int_equal(m365id__secret_new(&out->access_token, value, strlen(value)), 0);
        out->issued_at_s = fx_clock();
        out->expires_in_s = sts->expires_in;
        out->refresh_in_s = sts->refresh_in;
    }
    __atomic_sub_fetch(&sts->in_flight, 1, __ATOMIC_SEQ_CST);
    return rc;
}

static int get(m365id_token **out, m365id_cache *cache, m365id_ctx *ctx, const char *scope,
               struct fake_sts *sts)
{
    struct m365id__cache_key key = {"https://login.example.test/" FX_TENANT "/oauth2/v2.0/token",
                                    FX_CLIENT, scope};
    struct m365id__cache_fetcher fetcher = {fake_fetch, sts};

    return m365id__cache_get(out, cache, ctx, &key, &fetcher);
}

static struct fake_sts default_sts(void)
{
    struct fake_sts sts = {0, 0, 0, 0, 3599, -1, 0};

    return sts;
}

static void test_token_cache__second_call_is_cached(void **state)
{
    struct fx *f = *state;
    struct fake_sts sts = default_sts();
    m365id_cache *cache = m365id_cache_new();
    m365id_token *a = NULL;
    m365id_token *b = NULL;

    assert_int_equal(get(&a, cache, f->ctx, SCOPE, &sts), 0);
    assert_string_equal(m365id_token_value(a), "token-1");
    assert_false(m365id_token_is_cached(a));
    assert_int_equal(m365id_token_expires_on(a), FX_NOW + 3599);

    assert_int_equal(get(&b, cache, f->ctx, SCOPE, &sts), 0);
    assert_string_equal(m365id_token_value(b), "token-1");
    assert_true(m365id_token_is_cached(b));
    assert_int_equal(sts.calls, 1);
    assert_true(fx_log_has(&f->log, M365ID_LOG_DEBUG, "miss for scope"));
    assert_true(fx_log_has(&f->log, M365ID_LOG_DEBUG, "hit for scope"));
    m365id_token_free(a);
    m365id_token_free(b);
    m365id_cache_free(cache);
}

static void test_token_cache__refresh_at_half_lifetime(void **state)
{
    struct fx *f = *state;
    struct fake_sts sts = default_sts();
    m365id_cache *cache = m365id_cache_new();
    m365id_token *t = NULL;

    assert_int_equal(get(&t, cache, f->ctx, SCOPE, &sts), 0);
    /* 3599 s: 5 minutes before expiry would be 3299 s, halfway (1799 s) is earlier. */
    assert_int_equal(m365id_token_refresh_on(t), FX_NOW + 1799);
    m365id_token_free(t);

    fx_set_now(FX_NOW + 1798);
    assert_int_equal(get(&t, cache, f->ctx, SCOPE, &sts), 0);
    assert_true(m365id_token_is_cached(t));
    assert_int_equal(sts.calls, 1);
    m365id_token_free(t);

    fx_set_now(FX_NOW + 1799);
    assert_int_equal(get(&t, cache, f->ctx, SCOPE, &sts), 0);
    assert_false(m365id_token_is_cached(t));
    assert_string_equal(m365id_token_value(t), "token-2");
    assert_int_equal(m365id_token_expires_on(t), FX_NOW + 1799 + 3599);
    assert_int_equal(sts.calls, 2);
    m365id_token_free(t);
    m365id_cache_free(cache);
}

static void test_token_cache__refresh_time_rules(void **state)
{
    (void)state;
    /* 24-hour tokens: halfway. */
    assert_int_equal(m365id__cache_refresh_on(1000, 86399, -1), 1000 + 43199);
    /* Short tokens: 5 minutes before expiry when that is before halfway. */
    assert_int_equal(m365id__cache_refresh_on(1000, 500, -1), 1000 + 200);
    /* refresh_in wins when earlier than halfway, and is capped at halfway otherwise. */
    assert_int_equal(m365id__cache_refresh_on(1000, 3599, 1000), 2000);
    assert_int_equal(m365id__cache_refresh_on(1000, 3599, 3000), 1000 + 1799);
    /* Tokens shorter than 5 minutes are refreshed on the next call. */
    assert_int_equal(m365id__cache_refresh_on(1000, 120, -1), 1000);
}

static void test_token_cache__refresh_in_is_used(void **state)
{
    struct fx *f = *state;
    struct fake_sts sts = default_sts();
    m365id_cache *cache = m365id_cache_new();
    m365id_token *t = NULL;

    sts.expires_in = 86399;
    sts.refresh_in = 600;
    assert_int_equal(get(&t, cache, f->ctx, SCOPE, &sts), 0);
    assert_int_equal(m365id_token_refresh_on(t), FX_NOW + 600);
    m365id_token_free(t);

    fx_set_now(FX_NOW + 601);
    assert_int_equal(get(&t, cache, f->ctx, SCOPE, &sts), 0);
    assert_false(m365id_token_is_cached(t));
    assert_int_equal(sts.calls, 2);
    m365id_token_free(t);
    m365id_cache_free(cache);
}

/* While a refresh fails, a token that is still valid is served, with a warning. */
static void test_token_cache__failed_refresh_serves_valid_token(void **state)
{
    struct fx *f = *state;
    struct fake_sts sts = default_sts();
    m365id_cache *cache = m365id_cache_new();
    m365id_token *t = NULL;

    assert_int_equal(get(&t, cache, f->ctx, SCOPE, &sts), 0);
    m365id_token_free(t);

    sts.fail = M365ID_ENET;
    fx_set_now(FX_NOW + 2000);
    assert_int_equal(get(&t, cache, f->ctx, SCOPE, &sts), 0);
    assert_string_equal(m365id_token_value(t), "token-1");
    assert_true(m365id_token_is_cached(t));
    assert_int_equal(sts.calls, 2);
    assert_true(fx_log_has(&f->log, M365ID_LOG_WARN, "fake exchange 2 failed"));
    assert_int_equal(m365id_last_error(f->ctx)->code, M365ID_OK);
    m365id_token_free(t);
    m365id_cache_free(cache);
}

static void test_token_cache__expired_token_never_returned(void **state)
{
    struct fx *f = *state;
    struct fake_sts sts = default_sts();
    m365id_cache *cache = m365id_cache_new();
    m365id_token *t = NULL;

    assert_int_equal(get(&t, cache, f->ctx, SCOPE, &sts), 0);
    m365id_token_free(t);

    sts.fail = M365ID_EAUTH;
    fx_set_now(FX_NOW + 3599);
    assert_int_equal(get(&t, cache, f->ctx, SCOPE, &sts), M365ID_EAUTH);
    assert_null(t);
    assert_string_equal(m365id_last_error(f->ctx)->message, "fake exchange 2 failed");

    sts.fail = 0;
    assert_int_equal(get(&t, cache, f->ctx, SCOPE, &sts), 0);
    assert_string_equal(m365id_token_value(t), "token-3");
    m365id_token_free(t);
    m365id_cache_free(cache);
}

static void test_token_cache__keys_are_separate(void **state)
{
    struct fx *f = *state;
    struct fake_sts sts = default_sts();
    m365id_cache *cache = m365id_cache_new();
    struct m365id__cache_key other_client = {
        "https://login.example.test/" FX_TENANT "/oauth2/v2.0/token",
        "33333333-3333-3333-3333-333333333333", SCOPE};
    struct m365id__cache_fetcher fetcher = {fake_fetch, &sts};
    m365id_token *a = NULL;
    m365id_token *b = NULL;
    m365id_token *c = NULL;

    assert_int_equal(get(&a, cache, f->ctx, SCOPE, &sts), 0);
    assert_int_equal(get(&b, cache, f->ctx, "https://graph.microsoft.us/.default", &sts), 0);
    assert_int_equal(m365id__cache_get(&c, cache, f->ctx, &other_client, &fetcher), 0);
    assert_string_equal(m365id_token_value(a), "token-1");
    assert_string_equal(m365id_token_value(b), "token-2");
    assert_string_equal(m365id_token_value(c), "token-3");
    assert_int_equal(m365id__cache_size(cache), 3);
    m365id_token_free(a);
    m365id_token_free(b);
    m365id_token_free(c);
    m365id_cache_free(cache);
}

static void test_token_cache__expired_entries_are_evicted(void **state)
{
    struct fx *f = *state;
    struct fake_sts sts = default_sts();
    m365id_cache *cache = m365id_cache_new();
    m365id_token *t = NULL;

    assert_int_equal(get(&t, cache, f->ctx, "https://a.example/.default", &sts), 0);
    m365id_token_free(t);
    assert_int_equal(get(&t, cache, f->ctx, "https://b.example/.default", &sts), 0);
    m365id_token_free(t);
    assert_int_equal(m365id__cache_size(cache), 2);

    fx_set_now(FX_NOW + 4000);
    assert_int_equal(get(&t, cache, f->ctx, "https://c.example/.default", &sts), 0);
    m365id_token_free(t);
    assert_int_equal(m365id__cache_size(cache), 1);
    m365id_cache_free(cache);
}

struct worker {
    pthread_t thread;
    m365id_ctx *ctx;
    m365id_cache *cache;
    struct fake_sts *sts;
    int rc;
    char value[64];
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    m365id_token *t = NULL;

    w->rc = get(&t, w->cache, w->ctx, SCOPE, w->sts);
    if (t != NULL)
        snprintf(w->value, sizeof(w->value), "%s", m365id_token_value(t));
    m365id_token_free(t);
    return NULL;
}

/* Run THREADS workers, each with its own context sharing @p cache, at the same moment. */
static void run_workers(struct fx *f, struct worker *w, m365id_cache *cache,
                        struct fake_sts *sts)
{
    for (int i = 0; i < THREADS; i++) {
        w[i].ctx = m365id_ctx_new();
        assert_non_null(w[i].ctx);
        m365id_ctx_set_getenv(w[i].ctx, fx_getenv, f);
        assert_int_equal(m365id_ctx_configure(w[i].ctx), 0);
        w[i].ctx->now_s = fx_clock;
        m365id_ctx_set_cache(w[i].ctx, cache);
        w[i].cache = cache;
        w[i].sts = sts;
    }
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&w[i].thread, NULL, worker_main, &w[i]), 0);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_join(w[i].thread, NULL), 0);
}

static void free_workers(struct worker *w)
{
    for (int i = 0; i < THREADS; i++)
        m365id_ctx_free(w[i].ctx);
}

static void test_token_cache__concurrent_callers_share_one_exchange(void **state)
{
    struct fx *f = *state;
    struct fake_sts sts = default_sts();
    m365id_cache *cache = m365id_cache_new();
    struct worker w[THREADS];

    memset(w, 0, sizeof(w));
    sts.sleep_ms = 200;
    run_workers(f, w, cache, &sts);
    assert_int_equal(sts.calls, 1);
    assert_int_equal(sts.max_in_flight, 1);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(w[i].rc, 0);
        assert_string_equal(w[i].value, "token-1");
    }
    free_workers(w);
    m365id_cache_free(cache);
}

/* When the exchange fails, each waiter tries in turn, never two at once. */
static void test_token_cache__failed_exchange_passes_to_next_caller(void **state)
{
    struct fx *f = *state;
    struct fake_sts sts = default_sts();
    m365id_cache *cache = m365id_cache_new();
    struct worker w[THREADS];

    memset(w, 0, sizeof(w));
    sts.sleep_ms = 20;
    sts.fail = M365ID_ENET;
    run_workers(f, w, cache, &sts);
    assert_int_equal(sts.calls, THREADS);
    assert_int_equal(sts.max_in_flight, 1);
    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(w[i].rc, M365ID_ENET);
        assert_string_equal(w[i].value, "");
        assert_contains(m365id_last_error(w[i].ctx)->message, "fake exchange");
    }
    free_workers(w);
    m365id_cache_free(cache);
}

/* Other keys are served while one key's exchange is running. */
static void *slow_worker(void *arg)
{
    struct worker *w = arg;
    m365id_token *t = NULL;

    w->rc = get(&t, w->cache, w->ctx, "https://slow.example/.default", w->sts);
    m365id_token_free(t);
    return NULL;
}

static void test_token_cache__exchange_does_not_block_other_keys(void **state)
{
    struct fx *f = *state;
    struct fake_sts slow = default_sts();
    struct fake_sts fast = default_sts();
    m365id_cache *cache = m365id_cache_new();
    struct worker w;
    m365id_token *t = NULL;

    memset(&w, 0, sizeof(w));
    slow.sleep_ms = 400;
    w.ctx = m365id_ctx_new();
    m365id_ctx_set_getenv(w.ctx, fx_getenv, f);
    assert_int_equal(m365id_ctx_configure(w.ctx), 0);
    w.ctx->now_s = fx_clock;
    w.cache = cache;
    w.sts = &slow;
    assert_int_equal(pthread_create(&w.thread, NULL, slow_worker, &w), 0);
    while (__atomic_load_n(&slow.in_flight, __ATOMIC_SEQ_CST) == 0)
        sleep_ms(1);

    /* The slow exchange is running now; the other key must complete meanwhile. */
    assert_int_equal(get(&t, cache, f->ctx, SCOPE, &fast), 0);
    assert_int_equal(__atomic_load_n(&slow.in_flight, __ATOMIC_SEQ_CST), 1);
    m365id_token_free(t);
    assert_int_equal(pthread_join(w.thread, NULL), 0);
    assert_int_equal(w.rc, 0);
    m365id_ctx_free(w.ctx);
    m365id_cache_free(cache);
}

static void test_token_cache__acquire_needs_configured_context(void **state)
{
    m365id_ctx *ctx = m365id_ctx_new();
    static int sentinel;
    m365id_token *t = (m365id_token *)&sentinel;

    (void)state;

    assert_non_null(ctx);
    assert_int_equal(m365id_token_acquire(&t, ctx, NULL), M365ID_ECONFIG);
    assert_null(t);
    assert_contains(m365id_last_error(ctx)->message, "not configured");
    m365id_ctx_free(ctx);

    assert_null(m365id_token_value(NULL));
    assert_int_equal(m365id_token_expires_on(NULL), 0);
    assert_false(m365id_token_is_cached(NULL));
    m365id_token_free(NULL);
    m365id_cache_free(NULL);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_token_cache__second_call_is_cached),
        T(test_token_cache__refresh_at_half_lifetime),
        cmocka_unit_test(test_token_cache__refresh_time_rules),
        T(test_token_cache__refresh_in_is_used),
        T(test_token_cache__failed_refresh_serves_valid_token),
        T(test_token_cache__expired_token_never_returned),
        T(test_token_cache__keys_are_separate),
        T(test_token_cache__expired_entries_are_evicted),
        T(test_token_cache__concurrent_callers_share_one_exchange),
        T(test_token_cache__failed_exchange_passes_to_next_caller),
        T(test_token_cache__exchange_does_not_block_other_keys),
        cmocka_unit_test(test_token_cache__acquire_needs_configured_context),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
