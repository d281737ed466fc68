/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Shared by the token-file, token-endpoint and cache unit tests: a context configured for
 * workload identity with its token file in a fresh temporary directory, a fake clock, a log
 * capture, and unsigned JWTs built to order (nothing in these tests verifies signatures).
 */
#ifndef M365ID_TESTS_UNIT_LIB_TOKEN_FIXTURE_H
#define M365ID_TESTS_UNIT_LIB_TOKEN_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/ctx_internal.h"
#include "m365id/ctx.h"
#include "util/crypto.h"

#define FX_TENANT "11111111-1111-1111-1111-111111111111"
#define FX_CLIENT "22222222-2222-2222-2222-222222222222"
#define FX_ISSUER "https://oidc.example.test/cluster-a/"
#define FX_SUBJECT "system:serviceaccount:team-a:graph-reader"
#define FX_AUDIENCE "api://AzureADTokenExchange"

/* 2030-01-01T00:00:00Z: the fake "now" of every test unless it moves the clock. */
#define FX_NOW 1893456000LL

#define FX_ENV_MAX 16
#define FX_LOG_LINES 256
#define FX_LOG_LINE 2048

static long long fx_now = FX_NOW;

static inline long long fx_clock(void)
{
    return __atomic_load_n(&fx_now, __ATOMIC_SEQ_CST);
}

static inline void fx_set_now(long long now)
{
    __atomic_store_n(&fx_now, now, __ATOMIC_SEQ_CST);
}

struct fx_log {
    int levels[FX_LOG_LINES];
    char lines[FX_LOG_LINES][FX_LOG_LINE];
    size_t count;
};

struct fx {
    m365id_ctx *ctx;
    char dir[64];
    char path[128];
    const char *env_names[FX_ENV_MAX];
    const char *env_values[FX_ENV_MAX];
    size_t env_count;
    struct fx_log log;
};

static inline void fx_env_set(struct fx *f, const char *name, const char *value)
{
    for (size_t i = 0; i < f->env_count; i++) {
        if (strcmp(f->env_names[i], name) == 0) {
            f->env_values[i] = value;
            return;
        }
    }
    assert_true(f->env_count < FX_ENV_MAX);
    f->env_names[f->env_count] = name;
    f->env_values[f->env_count] = value;
    f->env_count++;
}

static inline const char *fx_getenv(const char *name, void *payload)
{
    const struct fx *f = payload;

    for (size_t i = 0; i < f->env_count; i++) {
        if (strcmp(f->env_names[i], name) == 0)
            return f->env_values[i];
    }
    return NULL;
}

static inline void fx_capture(int level, const char *component, const char *message,
                              void *payload)
{
    struct fx_log *log = payload;

    if (log->count >= FX_LOG_LINES)
        return;
    log->levels[log->count] = level;
    snprintf(log->lines[log->count], FX_LOG_LINE, "%s: %s", component, message);
    log->count++;
}

/* Nonzero when a captured line at @p level (-1: any) contains @p needle. */
static inline int fx_log_has(const struct fx_log *log, int level, const char *needle)
{
    for (size_t i = 0; i < log->count; i++) {
        if ((level < 0 || log->levels[i] == level) && strstr(log->lines[i], needle) != NULL)
            return 1;
    }
    return 0;
}

#define assert_contains(haystack, needle)                                                   \
    do {                                                                                    \
        const char *h_ = (haystack);                                                        \
        const char *n_ = (needle);                                                          \
        if (h_ == NULL || strstr(h_, n_) == NULL) {                                         \
            print_error("expected \"%s\" in \"%s\"\n", n_, h_ != NULL ? h_ : "(null)");     \
            fail();                                                                         \
        }                                                                                   \
    } while (0)

#define assert_not_contains(haystack, needle)                                               \
    do {                                                                                    \
        const char *h_ = (haystack);                                                        \
        const char *n_ = (needle);                                                          \
        if (h_ != NULL && strstr(h_, n_) != NULL) {                                         \
            print_error("did not expect \"%s\" in \"%s\"\n", n_, h_);                       \
            fail();                                                                         \
        }                                                                                   \
    } while (0)

/* Configure f->ctx from the fake environment; asserts success. */
static inline void fx_configure(struct fx *f)
{
    int rc = m365id_ctx_configure(f->ctx);

    if (rc != 0)
        print_error("configure: %s\n", m365id_last_error(f->ctx)->message);
    assert_int_equal(rc, 0);
    f->ctx->now_s = fx_clock;
}

static inline int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/m365id-unit-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/azure-identity-token", f->dir);
    fx_set_now(FX_NOW);

    f->ctx = m365id_ctx_new();
    assert_non_null(f->ctx);
    m365id_ctx_set_getenv(f->ctx, fx_getenv, f);
    m365id_ctx_set_log(f->ctx, M365ID_LOG_TRACE, fx_capture, &f->log);
    fx_env_set(f, "M365_AUTH_METHOD", "workload_identity");
    fx_env_set(f, "AZURE_TENANT_ID", FX_TENANT);
    fx_env_set(f, "AZURE_CLIENT_ID", FX_CLIENT);
    fx_env_set(f, "AZURE_FEDERATED_TOKEN_FILE", f->path);
    fx_env_set(f, "M365_RETRY_DELAY_SECONDS", "0");
    fx_configure(f);
    *state = f;
    return 0;
}

/* Remove @p path and, for a directory, everything below it. */
static inline void fx_remove(const char *path)
{
    struct stat st;
    struct dirent *de;
    DIR *d;
    char child[512];

    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        chmod(path, 0700);
        if ((d = opendir(path)) != NULL) {
            while ((de = readdir(d)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                    continue;
                if (snprintf(child, sizeof(child), "%s/%s", path, de->d_name) <
                    (int)sizeof(child))
                    fx_remove(child);
            }
            closedir(d);
        }
        rmdir(path);
        return;
    }
    unlink(path);
}

static inline int fx_teardown(void **state)
{
    struct fx *f = *state;

    m365id_ctx_free(f->ctx);
    fx_remove(f->dir);
    free(f);
    return 0;
}

/* base64url of @p s. */
static inline char *fx_b64(const char *s)
{
    char *out = m365id__b64url_encode(s, strlen(s));

    assert_non_null(out);
    return out;
}

/*
 * An unsigned compact JWT with the given claims; @p aud_json is a JSON value such as
 * "[\"api://AzureADTokenExchange\"]". A NULL @p iss leaves out iss, sub and aud.
 */
static inline char *fx_jwt(const char *iss, const char *sub, const char *aud_json,
                           long long nbf, long long exp)
{
    char payload[2048];
    char *h = fx_b64("{\"alg\":\"RS256\",\"kid\":\"test-key\",\"typ\":\"JWT\"}");
    char *p;
    char *jwt;
    size_t n;

    snprintf(payload, sizeof(payload),
             "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":%s,\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld}",
             iss, sub, aud_json, nbf, nbf, exp);
    p = fx_b64(payload);
    n = strlen(h) + strlen(p) + 64;
    jwt = malloc(n);
    assert_non_null(jwt);
    snprintf(jwt, n, "%s.%s.c2lnbmF0dXJlLWJ5dGVz", h, p);
    free(h);
    free(p);
    return jwt;
}

/* A JWT that passes every check: right audience, valid from 10 minutes ago for an hour. */
static inline char *fx_good_jwt(void)
{
    return fx_jwt(FX_ISSUER, FX_SUBJECT, "[\"" FX_AUDIENCE "\"]", fx_clock() - 600,
                  fx_clock() + 3000);
}

static inline void fx_write(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static inline void fx_write_str(const char *path, const char *s)
{
    fx_write(path, s, strlen(s));
}

#endif /* M365ID_TESTS_UNIT_LIB_TOKEN_FIXTURE_H */
