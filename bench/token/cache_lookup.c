/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Benchmark of cached-token lookups: one exchange through the public API, then
 * m365id_token_acquire() + m365id_token_free() in a loop for a fixed time. One thread uses its
 * context's own cache. Several threads get one context each, all sharing one m365id_cache.
 * Prints {"threads":N,"lookups":TOTAL,"per_thread":[...],"seconds":S}.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "m365id/m365id.h"

/* Enough to show lock contention on a small machine; more threads than cores only measure the
 * scheduler. */
#define MAX_THREADS 16

/* One lookup loop: its own context, the shared stop time and its result. */
struct lookup_worker {
    pthread_t thread;
    m365id_ctx *ctx;
    int64_t end_ns;        /* CLOCK_MONOTONIC time at which the loop stops */
    pthread_barrier_t *start;
    uint64_t lookups;
    int failed;            /* nonzero when a lookup failed or missed the cache */
};

static int64_t monotonic_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int report(const m365id_ctx *ctx, const char *step, int rc)
{
    const m365id_error *err = m365id_last_error(ctx);

    fprintf(stderr, "cache_lookup: error: %s failed: %s\n", step,
            err != NULL && err->message != NULL ? err->message : m365id_strerror(rc));
    if (err != NULL && err->hint != NULL) {
        fprintf(stderr, "cache_lookup: hint: %s\n", err->hint);
    }
    return 1;
}

/* Parse argv[index] as a number between min and max; keep *out when the argument is absent. */
static int parse_arg(double *out, int argc, char **argv, int index, double min, double max)
{
    char *end = NULL;
    double value;

    if (argc <= index)
        return 0;
    value = strtod(argv[index], &end);
    if (end == argv[index] || *end != '\0' || value < min || value > max) {
        fprintf(stderr, "cache_lookup: error: invalid argument '%s'\n", argv[index]);
        fprintf(stderr, "cache_lookup: hint: usage: bench_cache_lookup [SECONDS (0.001 to 60, "
                "default 2) [THREADS (1 to %d, default 1)]]\n", MAX_THREADS);
        return -1;
    }
    *out = value;
    return 0;
}

static void *lookup_loop(void *arg)
{
    struct lookup_worker *w = arg;
    m365id_token *tok = NULL;
    int rc;

    /* Start together, so that every thread's loop overlaps the others' for the whole time. */
    pthread_barrier_wait(w->start);
    while (monotonic_ns() < w->end_ns) {
        if ((rc = m365id_token_acquire(&tok, w->ctx, NULL)) < 0) {
            w->failed = report(w->ctx, "cached token lookup", rc);
            break;
        }
        if (!m365id_token_is_cached(tok)) {
            fprintf(stderr, "cache_lookup: error: lookup %" PRIu64 " was not served from the "
                    "cache\n", w->lookups);
            w->failed = 1;
            break;
        }
        m365id_token_free(tok);
        tok = NULL;
        w->lookups++;
    }
    m365id_token_free(tok);
    return NULL;
}

int main(int argc, char **argv)
{
    struct lookup_worker workers[MAX_THREADS];
    pthread_barrier_t start;
    m365id_cache *shared = NULL;
    m365id_token *tok = NULL;
    double seconds = 2.0;
    double threads_arg = 1.0;
    size_t threads;
    int64_t end_ns;
    uint64_t total = 0;
    int barrier_ready = 0;
    int status = 1;
    int rc;

    memset(workers, 0, sizeof(workers));
    if (parse_arg(&seconds, argc, argv, 1, 0.001, 60.0) < 0 ||
        parse_arg(&threads_arg, argc, argv, 2, 1.0, MAX_THREADS) < 0)
        return 1;
    threads = (size_t)threads_arg;
    if ((double)threads != threads_arg) {
        fprintf(stderr, "cache_lookup: error: thread count '%s' is not a whole number\n",
                argv[2]);
        return 1;
    }

    /* A handle is used by one thread at a time, so every thread gets its own context. Each is
     * configured from the environment, as in a pod. */
    if (threads > 1 && (shared = m365id_cache_new()) == NULL) {
        fprintf(stderr, "cache_lookup: error: out of memory\n");
        goto out;
    }
    for (size_t i = 0; i < threads; i++) {
        if ((workers[i].ctx = m365id_ctx_new()) == NULL) {
            fprintf(stderr, "cache_lookup: error: out of memory\n");
            goto out;
        }
        if (shared != NULL)
            m365id_ctx_set_cache(workers[i].ctx, shared);
        if ((rc = m365id_ctx_configure(workers[i].ctx)) < 0) {
            status = report(workers[i].ctx, "configure", rc);
            goto out;
        }
    }

    /* The first call exchanges the token file at the token endpoint and fills the cache. */
    if ((rc = m365id_token_acquire(&tok, workers[0].ctx, NULL)) < 0) {
        status = report(workers[0].ctx, "first token request", rc);
        goto out;
    }
    m365id_token_free(tok);
    tok = NULL;

    if (pthread_barrier_init(&start, NULL, (unsigned)threads) != 0) {
        fprintf(stderr, "cache_lookup: error: pthread_barrier_init failed\n");
        goto out;
    }
    barrier_ready = 1;

    /* One stop time for all threads, set just before they start; the barrier lines them up. */
    end_ns = monotonic_ns() + (int64_t)(seconds * 1e9);
    for (size_t i = 0; i < threads; i++) {
        workers[i].start = &start;
        workers[i].end_ns = end_ns;
    }
    for (size_t i = 0; i < threads; i++) {
        if (pthread_create(&workers[i].thread, NULL, lookup_loop, &workers[i]) != 0) {
            /* The threads already started wait at the barrier for this one forever, so
             * joining them is impossible: end the process. */
            fprintf(stderr, "cache_lookup: error: pthread_create failed for thread %zu\n", i + 1);
            fprintf(stderr, "cache_lookup: hint: pass a lower THREADS\n");
            exit(1);
        }
    }
    for (size_t i = 0; i < threads; i++)
        pthread_join(workers[i].thread, NULL);

    for (size_t i = 0; i < threads; i++) {
        if (workers[i].failed)
            goto out;
        total += workers[i].lookups;
    }

    printf("{\"threads\":%zu,\"lookups\":%" PRIu64 ",\"per_thread\":[", threads, total);
    for (size_t i = 0; i < threads; i++)
        printf("%s%" PRIu64, i == 0 ? "" : ",", workers[i].lookups);
    printf("],\"seconds\":%g}\n", seconds);
    status = 0;

out:
    if (barrier_ready)
        pthread_barrier_destroy(&start);
    m365id_token_free(tok);
    for (size_t i = 0; i < threads; i++)
        m365id_ctx_free(workers[i].ctx);
    m365id_cache_free(shared); /* after every context that used it */
    return status;
}
