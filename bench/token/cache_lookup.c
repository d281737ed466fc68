/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Benchmark of cached-token lookups: one exchange through the public API, then
 * m365id_token_acquire() + m365id_token_free() in a loop for a fixed time. Prints
 * {"lookups":N,"seconds":S}. Configured from the environment, as a pod is.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "m365id/m365id.h"

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

int main(int argc, char **argv)
{
    m365id_ctx *ctx = NULL;
    m365id_token *tok = NULL;
    double seconds = 2.0;
    uint64_t lookups = 0;
    int64_t end_ns;
    int status = 1;
    int rc;

    if (argc > 1) {
        char *end = NULL;

        seconds = strtod(argv[1], &end);
        if (end == argv[1] || *end != '\0' || seconds <= 0.0 || seconds > 60.0) {
            fprintf(stderr, "cache_lookup: error: invalid duration '%s'\n", argv[1]);
            fprintf(stderr, "cache_lookup: hint: pass seconds between 0 and 60, e.g. 2\n");
            return 1;
        }
    }

    ctx = m365id_ctx_new();
    if (ctx == NULL) {
        fprintf(stderr, "cache_lookup: error: out of memory\n");
        return 1;
    }
    if ((rc = m365id_ctx_configure(ctx)) < 0) {
        status = report(ctx, "configure", rc);
        goto out;
    }

    /* The first call exchanges the token file at the token endpoint and fills the cache. */
    if ((rc = m365id_token_acquire(&tok, ctx, NULL)) < 0) {
        status = report(ctx, "first token request", rc);
        goto out;
    }
    m365id_token_free(tok);
    tok = NULL;

    end_ns = monotonic_ns() + (int64_t)(seconds * 1e9);
    while (monotonic_ns() < end_ns) {
        if ((rc = m365id_token_acquire(&tok, ctx, NULL)) < 0) {
            status = report(ctx, "cached token lookup", rc);
            goto out;
        }
        if (!m365id_token_is_cached(tok)) {
            fprintf(stderr, "cache_lookup: error: lookup %" PRIu64 " was not served from the cache\n",
                    lookups);
            goto out;
        }
        m365id_token_free(tok);
        tok = NULL;
        lookups++;
    }

    printf("{\"lookups\":%" PRIu64 ",\"seconds\":%g}\n", lookups, seconds);
    status = 0;

out:
    m365id_token_free(tok);
    m365id_ctx_free(ctx);
    return status;
}
