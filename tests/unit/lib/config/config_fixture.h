/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Shared by the config unit tests: a fake environment read through m365id_ctx_set_getenv(), a
 * log capture, and the baseline workload identity settings of a mutated pod.
 */
#ifndef M365ID_TESTS_UNIT_LIB_CONFIG_FIXTURE_H
#define M365ID_TESTS_UNIT_LIB_CONFIG_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/config/validate.h"
#include "m365id/ctx.h"

#define TENANT "11111111-1111-1111-1111-111111111111"
#define CLIENT "22222222-2222-2222-2222-222222222222"
#define CLIENT_B "33333333-3333-3333-3333-333333333333"
#define TOKEN_FILE "/var/run/secrets/azure/tokens/azure-identity-token"
/* A PEM file with one CA certificate, for the ca_bundle setting. */
#define CA_PEM M365ID_TEST_DATA "/config/ca_bundle/ca.pem"

#define FAKE_ENV_MAX 32
#define LOG_LINES_MAX 512
#define LOG_LINE_MAX 1100

struct fake_env {
    const char *names[FAKE_ENV_MAX];
    const char *values[FAKE_ENV_MAX];
    size_t count;
};

struct log_capture {
    int levels[LOG_LINES_MAX];
    char lines[LOG_LINES_MAX][LOG_LINE_MAX];
    size_t count;
};

struct fixture {
    m365id_ctx *ctx;
    struct fake_env env;
    struct log_capture log;
};

/* Set @p name to @p value in @p env; a NULL value removes the variable. */
static inline void fake_env_set(struct fake_env *env, const char *name, const char *value)
{
    size_t i;

    for (i = 0; i < env->count; i++) {
        if (strcmp(env->names[i], name) != 0)
            continue;
        if (value != NULL) {
            env->values[i] = value;
        } else {
            env->count--;
            env->names[i] = env->names[env->count];
            env->values[i] = env->values[env->count];
        }
        return;
    }
    if (value == NULL)
        return;
    assert_true(env->count < FAKE_ENV_MAX);
    env->names[env->count] = name;
    env->values[env->count] = value;
    env->count++;
}

static inline const char *fake_getenv(const char *name, void *payload)
{
    const struct fake_env *env = payload;
    size_t i;

    for (i = 0; i < env->count; i++) {
        if (strcmp(env->names[i], name) == 0)
            return env->values[i];
    }
    return NULL;
}

static inline void capture_log(int level, const char *component, const char *message,
                               void *payload)
{
    struct log_capture *log = payload;

    /* A full capture would hide later lines from the checks, so it fails the test. */
    assert_true(log->count < LOG_LINES_MAX);
    log->levels[log->count] = level;
    snprintf(log->lines[log->count], LOG_LINE_MAX, "%s: %s", component, message);
    log->count++;
}

/* Nonzero when a captured line at @p level contains @p needle; level -1 matches any level. */
static inline int log_has(const struct log_capture *log, int level, const char *needle)
{
    size_t i;

    for (i = 0; i < log->count; i++) {
        if ((level < 0 || log->levels[i] == level) && strstr(log->lines[i], needle) != NULL)
            return 1;
    }
    return 0;
}

/* Count of captured lines at @p level. */
static inline size_t log_count_level(const struct log_capture *log, int level)
{
    size_t i;
    size_t n = 0;

    for (i = 0; i < log->count; i++)
        n += log->levels[i] == level;
    return n;
}

static inline int setup_fixture(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->ctx = m365id_ctx_new();
    assert_non_null(f->ctx);
    m365id_ctx_set_getenv(f->ctx, fake_getenv, &f->env);
    m365id_ctx_set_log(f->ctx, M365ID_LOG_TRACE, capture_log, &f->log);
    *state = f;
    return 0;
}

static inline int teardown_fixture(void **state)
{
    struct fixture *f = *state;

    m365id_ctx_free(f->ctx);
    free(f);
    return 0;
}

/* The variables the workload identity webhook injects, plus the auth method. */
static inline void set_baseline_env(struct fixture *f)
{
    fake_env_set(&f->env, "M365_AUTH_METHOD", "workload_identity");
    fake_env_set(&f->env, "AZURE_TENANT_ID", TENANT);
    fake_env_set(&f->env, "AZURE_CLIENT_ID", CLIENT);
    fake_env_set(&f->env, "AZURE_FEDERATED_TOKEN_FILE", TOKEN_FILE);
}

/*
 * Configure with auth method @p method, marked supported for this call as its credential will
 * mark it. Variable @p name is set to @p value first, unless @p name is NULL, and a NULL value
 * removes it.
 */
static inline int configure_with_method(struct fixture *f, enum m365id__auth_method method,
                                        const char *name, const char *value)
{
    enum m365id__auth_support saved = m365id__auth_methods[method].support;
    int rc;

    m365id__auth_methods[method].support = M365ID__AUTH_SUPPORTED;
    fake_env_set(&f->env, "M365_AUTH_METHOD", m365id__auth_methods[method].name);
    if (name != NULL)
        fake_env_set(&f->env, name, value);
    rc = m365id_ctx_configure(f->ctx);
    m365id__auth_methods[method].support = saved;
    return rc;
}

/* Assert that @p haystack contains @p needle, printing both when it does not. */
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

#endif /* M365ID_TESTS_UNIT_LIB_CONFIG_FIXTURE_H */
