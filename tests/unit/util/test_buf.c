/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/util/buf.c: every entry point enforces the maximum, contents stay
 * NUL-terminated, and secret buffers keep their contents across growth.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "m365id/error.h"
#include "util/buf.h"
#include "unit/util/alloc_fail.h"

static void test_util_buf__put_up_to_max_succeeds(void **state)
{
    struct m365id__buf b = M365ID__BUF_INIT(8);

    (void)state;
    assert_int_equal(m365id__buf_put(&b, "abcd", 4), 0);
    assert_int_equal(m365id__buf_put(&b, "efgh", 4), 0);
    assert_int_equal(b.len, 8);
    assert_string_equal(m365id__buf_cstr(&b), "abcdefgh");
    m365id__buf_clear(&b);
}

static void test_util_buf__put_one_byte_over_max_fails(void **state)
{
    struct m365id__buf b = M365ID__BUF_INIT(8);

    (void)state;
    assert_int_equal(m365id__buf_put(&b, "abcdefg", 7), 0);
    assert_int_equal(m365id__buf_put(&b, "hi", 2), M365ID_ETOOBIG);
    assert_int_equal(b.len, 7);
    assert_string_equal(m365id__buf_cstr(&b), "abcdefg");
    assert_int_equal(m365id__buf_put(&b, "h", 1), 0);
    assert_int_equal(m365id__buf_put(&b, "", 0), 0);
    assert_int_equal(m365id__buf_put(&b, "i", 1), M365ID_ETOOBIG);
    m365id__buf_clear(&b);
}

static void test_util_buf__huge_length_does_not_wrap(void **state)
{
    struct m365id__buf b = M365ID__BUF_INIT(16);

    (void)state;
    assert_int_equal(m365id__buf_put(&b, "abc", 3), 0);
    assert_int_equal(m365id__buf_put(&b, "x", SIZE_MAX), M365ID_ETOOBIG);
    assert_int_equal(m365id__buf_put(&b, "x", SIZE_MAX - 2), M365ID_ETOOBIG);
    assert_int_equal(b.len, 3);
    m365id__buf_clear(&b);
}

static void test_util_buf__zero_max_accepts_only_empty(void **state)
{
    struct m365id__buf b = M365ID__BUF_INIT(0);

    (void)state;
    assert_int_equal(m365id__buf_put(&b, "", 0), 0);
    assert_string_equal(m365id__buf_cstr(&b), "");
    assert_int_equal(m365id__buf_puts(&b, "a"), M365ID_ETOOBIG);
    m365id__buf_clear(&b);
}

static void test_util_buf__printf_at_max_and_one_over(void **state)
{
    struct m365id__buf b = M365ID__BUF_INIT(10);

    (void)state;
    assert_int_equal(m365id__buf_printf(&b, "%s-%d", "abc", 12345), 0);
    assert_string_equal(m365id__buf_cstr(&b), "abc-12345");
    assert_int_equal(m365id__buf_printf(&b, "%d", 12), M365ID_ETOOBIG);
    assert_string_equal(m365id__buf_cstr(&b), "abc-12345");
    assert_int_equal(m365id__buf_printf(&b, "%d", 7), 0);
    assert_int_equal(b.len, 10);
    assert_string_equal(m365id__buf_cstr(&b), "abc-123457");
    m365id__buf_clear(&b);
}

static void test_util_buf__hostile_format_argument_is_copied(void **state)
{
    struct m365id__buf b = M365ID__BUF_INIT(64);

    (void)state;
    assert_int_equal(m365id__buf_printf(&b, "v=%s", "%s%n"), 0);
    assert_string_equal(m365id__buf_cstr(&b), "v=%s%n");
    m365id__buf_clear(&b);
}

static void test_util_buf__empty_buffer_reads_as_empty_string(void **state)
{
    struct m365id__buf b = M365ID__BUF_INIT(4);
    char *s;

    (void)state;
    assert_null(b.ptr);
    assert_string_equal(m365id__buf_cstr(&b), "");
    s = m365id__buf_detach(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    m365id__buf_clear(&b);
    m365id__buf_clear(&b);
}

static void test_util_buf__detach_hands_over_and_empties(void **state)
{
    struct m365id__buf b = M365ID__BUF_INIT(32);
    char *s;

    (void)state;
    assert_int_equal(m365id__buf_puts(&b, "token"), 0);
    s = m365id__buf_detach(&b);
    assert_string_equal(s, "token");
    assert_null(b.ptr);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 32);
    free(s);
}

static void test_util_buf__clear_keeps_max(void **state)
{
    struct m365id__buf b = M365ID__BUF_INIT(5);

    (void)state;
    assert_int_equal(m365id__buf_puts(&b, "abcde"), 0);
    m365id__buf_clear(&b);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 5);
    assert_int_equal(m365id__buf_puts(&b, "abcdef"), M365ID_ETOOBIG);
    assert_int_equal(m365id__buf_puts(&b, "abcde"), 0);
    m365id__buf_clear(&b);
}

static void test_util_buf__secret_buffer_keeps_contents_when_growing(void **state)
{
    struct m365id__buf b = M365ID__SECRET_BUF_INIT(100000);
    char chunk[100];
    size_t i;

    (void)state;
    for (i = 0; i < 1000; i++) {
        memset(chunk, 'a' + (int)(i % 26), sizeof(chunk));
        assert_int_equal(m365id__buf_put(&b, chunk, sizeof(chunk)), 0);
    }
    assert_int_equal(b.len, 100000);
    for (i = 0; i < 1000; i++)
        assert_int_equal(b.ptr[i * 100 + 99], 'a' + (int)(i % 26));
    assert_int_equal(b.ptr[b.len], '\0');
    assert_int_equal(m365id__buf_put(&b, "x", 1), M365ID_ETOOBIG);
    m365id__buf_clear(&b);
    assert_null(b.ptr);
}

static void test_util_buf__urlencode_keeps_unreserved_only(void **state)
{
    struct m365id__buf b = M365ID__BUF_INIT(256);

    (void)state;
    assert_int_equal(m365id__buf_put_urlencoded(&b, "aZ09-._~ +/=&?%\n\xc3\xa9"), 0);
    assert_string_equal(m365id__buf_cstr(&b), "aZ09-._~%20%2B%2F%3D%26%3F%25%0A%C3%A9");
    m365id__buf_clear(&b);
}

static void test_util_buf__urlencode_respects_max(void **state)
{
    struct m365id__buf b = M365ID__BUF_INIT(5);

    (void)state;
    assert_int_equal(m365id__buf_put_urlencoded(&b, "ab "), 0);
    assert_string_equal(m365id__buf_cstr(&b), "ab%20");
    assert_int_equal(m365id__buf_put_urlencoded(&b, "c"), M365ID_ETOOBIG);
    m365id__buf_clear(&b);
}

/* Append text in three ways, growing the buffer several times; returns the first failure. */
static int fill(struct m365id__buf *b)
{
    char big[300];
    int rc;

    memset(big, 'q', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    if ((rc = m365id__buf_puts(b, "start ")) < 0)
        return rc;
    if ((rc = m365id__buf_printf(b, "%s %d", big, 42)) < 0)
        return rc;
    for (int i = 0; i < 20; i++) {
        if ((rc = m365id__buf_put_urlencoded(b, "a b/c")) < 0)
            return rc;
    }
    return m365id__buf_printf(b, "%s", big);
}

static void check_allocation_failures(int secret)
{
    unsigned long n;

    for (n = 1; n < 100; n++) {
        struct m365id__buf b = M365ID__BUF_INIT(100000);
        int rc;

        b.secret = secret;
        alloc_fail_arm(n);
        rc = fill(&b);
        alloc_fail_arm(0);
        if (!alloc_failed) {
            assert_int_equal(rc, 0);
            m365id__buf_clear(&b);
            break;
        }
        assert_int_equal(rc, M365ID_ENOMEM);
        /* What was appended before the failure is intact and terminated. */
        assert_int_equal(strlen(m365id__buf_cstr(&b)), b.len);
        assert_int_equal(fill(&b), 0);
        m365id__buf_clear(&b);
    }
    assert_true(n > 1);
    assert_true(n < 100);
}

static void test_util_buf__allocation_failure_keeps_buffer_usable(void **state)
{
    (void)state;
    check_allocation_failures(0);
    check_allocation_failures(1);
}

static void test_util_buf__detach_of_empty_reports_allocation_failure(void **state)
{
    struct m365id__buf b = M365ID__BUF_INIT(4);

    (void)state;
    alloc_fail_arm(1);
    assert_null(m365id__buf_detach(&b));
    alloc_fail_arm(0);
    assert_true(alloc_failed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util_buf__put_up_to_max_succeeds),
        cmocka_unit_test(test_util_buf__put_one_byte_over_max_fails),
        cmocka_unit_test(test_util_buf__huge_length_does_not_wrap),
        cmocka_unit_test(test_util_buf__zero_max_accepts_only_empty),
        cmocka_unit_test(test_util_buf__printf_at_max_and_one_over),
        cmocka_unit_test(test_util_buf__hostile_format_argument_is_copied),
        cmocka_unit_test(test_util_buf__empty_buffer_reads_as_empty_string),
        cmocka_unit_test(test_util_buf__detach_hands_over_and_empties),
        cmocka_unit_test(test_util_buf__clear_keeps_max),
        cmocka_unit_test(test_util_buf__secret_buffer_keeps_contents_when_growing),
        cmocka_unit_test(test_util_buf__urlencode_keeps_unreserved_only),
        cmocka_unit_test(test_util_buf__urlencode_respects_max),
        cmocka_unit_test(test_util_buf__allocation_failure_keeps_buffer_usable),
        cmocka_unit_test(test_util_buf__detach_of_empty_reports_allocation_failure),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
