/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Tests of src/lib/core/ctx.c: the context life cycle and hooks, the failure recorder behind
 * m365id_last_error(), m365id_strerror(), fingerprints, level names, the debug_mode level rule
 * and the getenv hook.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/core/ctx_internal.h"

struct log_record {
    int count;
    int last_level;
    char last_message[256];
};

static void record_log(int level, const char *component, const char *message, void *payload)
{
    struct log_record *log = payload;

    (void)component;
    log->count++;
    log->last_level = level;
    snprintf(log->last_message, sizeof(log->last_message), "%s", message);
}

static void test_core_ctx__new_and_free(void **state)
{
    m365id_ctx *ctx = m365id_ctx_new();

    (void)state;
    assert_non_null(ctx);
    assert_non_null(ctx->cache);
    assert_ptr_equal(ctx->cache, ctx->own_cache);
    assert_null(ctx->logger.cb);
    assert_null(ctx->getenv_cb);
    assert_int_equal(ctx->configured, 0);
    assert_non_null(ctx->now_s);
    assert_true(ctx->now_s() > 1600000000LL);
    m365id_ctx_free(ctx);
    m365id_ctx_free(NULL);
}

static void test_core_ctx__fresh_context_has_no_error(void **state)
{
    m365id_ctx *ctx = m365id_ctx_new();
    const m365id_error *err;

    (void)state;
    assert_non_null(ctx);
    err = m365id_last_error(ctx);
    assert_int_equal(err->code, M365ID_OK);
    assert_non_null(err->message);
    assert_null(err->hint);
    assert_null(err->upstream);
    m365id_ctx_free(ctx);

    err = m365id_last_error(NULL);
    assert_int_equal(err->code, M365ID_EINVAL);
    assert_non_null(err->message);
}

static void test_core_ctx__fail_records_detail(void **state)
{
    m365id_ctx *ctx = m365id_ctx_new();
    const m365id_error *err;

    (void)state;
    assert_non_null(ctx);
    assert_int_equal(m365id__fail(ctx, M365ID_ECONFIG, "set tenant_id", "tenant id '%s' is %d",
                                  "x", 7),
                     M365ID_ECONFIG);
    err = m365id_last_error(ctx);
    assert_int_equal(err->code, M365ID_ECONFIG);
    assert_string_equal(err->message, "tenant id 'x' is 7");
    assert_string_equal(err->hint, "set tenant_id");
    assert_null(err->upstream);

    assert_int_equal(m365id__fail(ctx, M365ID_ENET, NULL, "no route"), M365ID_ENET);
    assert_string_equal(err->message, "no route");
    assert_null(err->hint);

    m365id__error_reset(ctx);
    assert_int_equal(err->code, M365ID_OK);
    assert_null(err->hint);
    m365id_ctx_free(ctx);
}

static void test_core_ctx__fail_upstream_keeps_text(void **state)
{
    m365id_ctx *ctx = m365id_ctx_new();
    const m365id_error *err;
    const char *upstream = "AADSTS700213 trace=abc correlation=def";

    (void)state;
    assert_non_null(ctx);
    assert_int_equal(m365id__fail_upstream(ctx, M365ID_EAUTH, upstream, "fix the subject",
                                           "entra id rejected the assertion"),
                     M365ID_EAUTH);
    err = m365id_last_error(ctx);
    assert_int_equal(err->code, M365ID_EAUTH);
    assert_string_equal(err->upstream, upstream);
    assert_ptr_not_equal(err->upstream, upstream);
    assert_string_equal(err->hint, "fix the subject");
    assert_string_equal(err->message, "entra id rejected the assertion");
    m365id_ctx_free(ctx);
}

static void test_core_ctx__fail_can_wrap_previous_message(void **state)
{
    m365id_ctx *ctx = m365id_ctx_new();
    const m365id_error *err;

    (void)state;
    assert_non_null(ctx);
    m365id__fail(ctx, M365ID_EIO, "check the path", "cannot read '%s'", "/a");
    err = m365id_last_error(ctx);
    /* The arguments point into the previous failure, which the call replaces. */
    m365id__fail(ctx, M365ID_ETOKENFILE, err->hint, "token file unusable: %s", err->message);
    assert_string_equal(err->message, "token file unusable: cannot read '/a'");
    assert_string_equal(err->hint, "check the path");
    m365id_ctx_free(ctx);
}

static void test_core_ctx__fail_without_ctx_returns_code(void **state)
{
    (void)state;
    assert_int_equal(m365id__fail(NULL, M365ID_EINVAL, NULL, "x"), M365ID_EINVAL);
}

static void test_core_ctx__strerror_every_code(void **state)
{
    static const int codes[] = {M365ID_OK,     M365ID_ENOMEM, M365ID_EINVAL,     M365ID_ECONFIG,
                                M365ID_ETOKENFILE, M365ID_ENET, M365ID_EAUTH, M365ID_EGRAPH,
                                M365ID_EPROTO, M365ID_ETOOBIG, M365ID_EIO};
    const char *unknown = m365id_strerror(-999);
    size_t i;
    size_t j;

    (void)state;
    assert_non_null(unknown);
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        const char *text = m365id_strerror(codes[i]);

        assert_non_null(text);
        assert_true(islower((unsigned char)text[0]));
        assert_int_not_equal(text[strlen(text) - 1], '.');
        assert_string_not_equal(text, unknown);
        for (j = 0; j < i; j++)
            assert_string_not_equal(text, m365id_strerror(codes[j]));
    }
    assert_string_equal(m365id_strerror(1), unknown);
}

static void test_core_ctx__fingerprint_known_vectors(void **state)
{
    char fp[M365ID_FINGERPRINT_SIZE];

    (void)state;
    /* SHA-256("abc") and SHA-256("") from FIPS 180-2. */
    m365id_fingerprint(fp, sizeof(fp), "abc", 3);
    assert_string_equal(fp, "sha256:ba7816bf8f01cfea");
    m365id_fingerprint(fp, sizeof(fp), "", 0);
    assert_string_equal(fp, "sha256:e3b0c44298fc1c14");
    m365id_fingerprint(fp, sizeof(fp), NULL, 0);
    assert_string_equal(fp, "sha256:e3b0c44298fc1c14");
    assert_int_equal(strlen(fp), M365ID_FINGERPRINT_SIZE - 1);
}

static void test_core_ctx__fingerprint_small_buffer_is_empty(void **state)
{
    char fp[M365ID_FINGERPRINT_SIZE + 1];

    (void)state;
    memset(fp, 'x', sizeof(fp));
    m365id_fingerprint(fp, M365ID_FINGERPRINT_SIZE - 1, "abc", 3);
    assert_string_equal(fp, "");
    assert_int_equal(fp[1], 'x');
    m365id_fingerprint(NULL, 0, "abc", 3);
}

static void test_core_ctx__level_names(void **state)
{
    (void)state;
    assert_string_equal(m365id_log_level_name(M365ID_LOG_ERROR), "error");
    assert_string_equal(m365id_log_level_name(M365ID_LOG_WARN), "warn");
    assert_string_equal(m365id_log_level_name(M365ID_LOG_INFO), "info");
    assert_string_equal(m365id_log_level_name(M365ID_LOG_DEBUG), "debug");
    assert_string_equal(m365id_log_level_name(M365ID_LOG_TRACE), "trace");
    assert_string_equal(m365id_log_level_name(5), "?");
    assert_string_equal(m365id_log_level_name(-1), "?");
}

static void test_core_ctx__set_log_filters_levels(void **state)
{
    m365id_ctx *ctx = m365id_ctx_new();
    struct log_record log = {0, -1, ""};

    (void)state;
    assert_non_null(ctx);
    mlog_error(&ctx->logger, "test", "dropped while logging is off");
    assert_int_equal(log.count, 0);

    m365id_ctx_set_log(ctx, M365ID_LOG_INFO, record_log, &log);
    mlog_debug(&ctx->logger, "test", "too detailed");
    assert_int_equal(log.count, 0);
    mlog_info(&ctx->logger, "test", "kept %d", 1);
    assert_int_equal(log.count, 1);
    assert_int_equal(log.last_level, M365ID_LOG_INFO);
    assert_string_equal(log.last_message, "kept 1");

    m365id_ctx_set_log(ctx, M365ID_LOG_TRACE, NULL, &log);
    mlog_error(&ctx->logger, "test", "dropped again");
    assert_int_equal(log.count, 1);
    m365id_ctx_free(ctx);
}

static const char *constant_getenv(const char *name, void *payload)
{
    (void)name;
    return payload;
}

static void test_core_ctx__set_getenv_and_cache(void **state)
{
    m365id_ctx *ctx = m365id_ctx_new();
    m365id_cache *shared = m365id_cache_new();
    char payload[] = "value";

    (void)state;
    assert_non_null(ctx);
    assert_non_null(shared);
    m365id_ctx_set_getenv(ctx, constant_getenv, payload);
    assert_ptr_equal(ctx->getenv_cb, constant_getenv);
    assert_ptr_equal(ctx->getenv_payload, payload);
    m365id_ctx_set_getenv(ctx, NULL, payload);
    assert_null(ctx->getenv_cb);
    assert_null(ctx->getenv_payload);

    m365id_ctx_set_cache(ctx, shared);
    assert_ptr_equal(ctx->cache, shared);
    m365id_ctx_set_cache(ctx, NULL);
    assert_ptr_equal(ctx->cache, ctx->own_cache);

    m365id_ctx_set_log(NULL, 0, NULL, NULL);
    m365id_ctx_set_getenv(NULL, NULL, NULL);
    m365id_ctx_set_cache(NULL, NULL);
    m365id_ctx_free(ctx);
    m365id_cache_free(shared);
}

/* debug_mode raises the requested level to DEBUG and never lowers a higher one. */
static void test_core_ctx__log_level_apply(void **state)
{
    m365id_ctx *ctx = m365id_ctx_new();
    struct log_record log = {0, -1, ""};

    (void)state;
    assert_non_null(ctx);
    assert_int_equal(ctx->logger.max_level, M365ID_LOG_WARN);

    m365id_ctx_set_log(ctx, M365ID_LOG_WARN, record_log, &log);
    m365id__log_level_apply(ctx, 1);
    assert_int_equal(ctx->logger.max_level, M365ID_LOG_DEBUG);
    mlog_debug(&ctx->logger, "test", "kept at debug");
    assert_int_equal(log.count, 1);
    m365id__log_level_apply(ctx, 0);
    assert_int_equal(ctx->logger.max_level, M365ID_LOG_WARN);

    m365id_ctx_set_log(ctx, M365ID_LOG_TRACE, record_log, &log);
    m365id__log_level_apply(ctx, 1);
    assert_int_equal(ctx->logger.max_level, M365ID_LOG_TRACE);

    /* Before a successful configure, set_log ignores debug_mode. */
    ctx->cfg.debug_mode = 1;
    m365id_ctx_set_log(ctx, M365ID_LOG_ERROR, record_log, &log);
    assert_int_equal(ctx->logger.max_level, M365ID_LOG_ERROR);
    ctx->configured = 1;
    m365id_ctx_set_log(ctx, M365ID_LOG_ERROR, record_log, &log);
    assert_int_equal(ctx->logger.max_level, M365ID_LOG_DEBUG);
    ctx->configured = 0;
    ctx->cfg.debug_mode = 0;
    m365id_ctx_free(ctx);
}

static void test_core_ctx__getenv_uses_hook(void **state)
{
    m365id_ctx *ctx = m365id_ctx_new();
    char payload[] = "from-hook";

    (void)state;
    assert_non_null(ctx);
    m365id_ctx_set_getenv(ctx, constant_getenv, payload);
    assert_string_equal(m365id__getenv(ctx, "ANY_NAME"), "from-hook");

    /* Without a hook, getenv(3) is used. CTest runs tests with PATH set. */
    m365id_ctx_set_getenv(ctx, NULL, NULL);
    assert_ptr_equal(m365id__getenv(ctx, "PATH"), getenv("PATH"));
    assert_null(m365id__getenv(ctx, "M365ID_TEST_SURELY_UNSET_VARIABLE"));
    m365id_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_ctx__new_and_free),
        cmocka_unit_test(test_core_ctx__fresh_context_has_no_error),
        cmocka_unit_test(test_core_ctx__fail_records_detail),
        cmocka_unit_test(test_core_ctx__fail_upstream_keeps_text),
        cmocka_unit_test(test_core_ctx__fail_can_wrap_previous_message),
        cmocka_unit_test(test_core_ctx__fail_without_ctx_returns_code),
        cmocka_unit_test(test_core_ctx__strerror_every_code),
        cmocka_unit_test(test_core_ctx__fingerprint_known_vectors),
        cmocka_unit_test(test_core_ctx__fingerprint_small_buffer_is_empty),
        cmocka_unit_test(test_core_ctx__level_names),
        cmocka_unit_test(test_core_ctx__set_log_filters_levels),
        cmocka_unit_test(test_core_ctx__set_getenv_and_cache),
        cmocka_unit_test(test_core_ctx__log_level_apply),
        cmocka_unit_test(test_core_ctx__getenv_uses_hook),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
