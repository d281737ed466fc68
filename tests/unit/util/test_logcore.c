/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/util/logcore.c: the level filter, one line per event, truncation of long
 * messages, and the stderr line format.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/logcore.h"
#include "util/quote.h"

struct captured {
    int count;
    int level;
    char component[32];
    char message[2048];
};

static void capture(int level, const char *component, const char *message, void *payload)
{
    struct captured *c = payload;

    c->count++;
    c->level = level;
    snprintf(c->component, sizeof(c->component), "%s", component);
    snprintf(c->message, sizeof(c->message), "%s", message);
}

static void test_util_logcore__filter_drops_levels_above_max(void **state)
{
    struct captured c = {0};
    struct m365id__logger lg = {M365ID_LOG_INFO, capture, &c};

    (void)state;
    mlog_debug(&lg, "sts", "dropped %d", 1);
    mlog_trace(&lg, "sts", "dropped %d", 2);
    assert_int_equal(c.count, 0);
    mlog_info(&lg, "sts", "kept %d", 3);
    assert_int_equal(c.count, 1);
    assert_int_equal(c.level, M365ID_LOG_INFO);
    assert_string_equal(c.component, "sts");
    assert_string_equal(c.message, "kept 3");
    mlog_error(&lg, "config", "bad");
    assert_int_equal(c.count, 2);
    assert_int_equal(c.level, M365ID_LOG_ERROR);
    assert_false(m365id__log_enabled(&lg, M365ID_LOG_DEBUG));
    assert_true(m365id__log_enabled(&lg, M365ID_LOG_WARN));
    assert_false(m365id__log_enabled(&lg, -1));
}

static void test_util_logcore__no_callback_means_off(void **state)
{
    struct m365id__logger lg = M365ID__LOGGER_INIT;

    (void)state;
    assert_false(m365id__log_enabled(&lg, M365ID_LOG_ERROR));
    assert_false(m365id__log_enabled(NULL, M365ID_LOG_ERROR));
    mlog_error(&lg, "x", "nothing happens");
    mlog_error(NULL, "x", "nothing happens");
}

static void test_util_logcore__newlines_become_spaces(void **state)
{
    struct captured c = {0};
    struct m365id__logger lg = {M365ID_LOG_TRACE, capture, &c};

    (void)state;
    mlog_warn(&lg, "http", "a\nb\r\nc %s", "d\ne");
    assert_string_equal(c.message, "a b  c d e");
}

static void test_util_logcore__hostile_quoted_value_is_inert(void **state)
{
    struct captured c = {0};
    struct m365id__logger lg = {M365ID_LOG_TRACE, capture, &c};
    struct m365id__quoted q;

    (void)state;
    m365id__quote(&q, "%s%n\nERROR fake: injected");
    mlog_info(&lg, "cfg", "value '%s'", q.text);
    assert_string_equal(c.message, "value '%s%n\\nERROR fake: injected'");
}

static void test_util_logcore__long_message_is_cut_with_ellipsis(void **state)
{
    struct captured c = {0};
    struct m365id__logger lg = {M365ID_LOG_TRACE, capture, &c};
    size_t len = 10 * 1024;
    char *big = malloc(len + 1);

    (void)state;
    assert_non_null(big);
    memset(big, 'x', len);
    big[len] = '\0';
    mlog_info(&lg, "t", "%s", big);
    assert_int_equal(strlen(c.message), 1023);
    assert_string_equal(c.message + 1020, "...");
    free(big);
}

static void test_util_logcore__message_at_limit_is_not_cut(void **state)
{
    struct captured c = {0};
    struct m365id__logger lg = {M365ID_LOG_TRACE, capture, &c};
    char s[1024];

    (void)state;
    memset(s, 'y', 1023);
    s[1023] = '\0';
    mlog_info(&lg, "t", "%s", s);
    assert_string_equal(c.message, s);
    s[1022] = '\0';
    mlog_info(&lg, "t", "%sz", s);
    assert_int_equal(strlen(c.message), 1023);
    assert_int_equal(c.message[1022], 'z');
}

/* Run the stderr writer with stderr redirected to a file, and return what it wrote. */
static void stderr_line(char *out, size_t size, const char *program)
{
    char path[] = "/tmp/m365id-logcore-XXXXXX";
    int fd = mkstemp(path);
    int saved = dup(STDERR_FILENO);
    FILE *f;
    size_t n;

    assert_true(fd >= 0);
    assert_true(saved >= 0);
    fflush(stderr);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    m365id__log_stderr(M365ID_LOG_WARN, "sts", "retry 1 of 3", (void *)program);
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    close(fd);

    f = fopen(path, "r");
    assert_non_null(f);
    n = fread(out, 1, size - 1, f);
    out[n] = '\0';
    fclose(f);
    unlink(path);
}

static void test_util_logcore__stderr_line_without_program(void **state)
{
    char line[256];

    (void)state;
    stderr_line(line, sizeof(line), NULL);
    assert_string_equal(line, "WARN sts: retry 1 of 3\n");
}

static void test_util_logcore__stderr_line_with_program_has_time(void **state)
{
    char line[256];
    const char *rest;

    (void)state;
    stderr_line(line, sizeof(line), "m365id-tokend");
    /* "YYYY-MM-DDTHH:MM:SSZ " is 21 bytes. */
    assert_true(strlen(line) > 21);
    assert_int_equal(line[4], '-');
    assert_int_equal(line[10], 'T');
    assert_int_equal(line[19], 'Z');
    rest = line + 21;
    assert_string_equal(rest, "m365id-tokend WARN sts: retry 1 of 3\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util_logcore__filter_drops_levels_above_max),
        cmocka_unit_test(test_util_logcore__no_callback_means_off),
        cmocka_unit_test(test_util_logcore__newlines_become_spaces),
        cmocka_unit_test(test_util_logcore__hostile_quoted_value_is_inert),
        cmocka_unit_test(test_util_logcore__long_message_is_cut_with_ellipsis),
        cmocka_unit_test(test_util_logcore__message_at_limit_is_not_cut),
        cmocka_unit_test(test_util_logcore__stderr_line_without_program),
        cmocka_unit_test(test_util_logcore__stderr_line_with_program_has_time),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
