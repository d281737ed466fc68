/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/util/secret.c: copies, wiping and constant-time comparison.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "m365id/error.h"
#include "util/secret.h"
#include "unit/util/alloc_fail.h"

static void test_util_secret__new_copies_and_terminates(void **state)
{
    struct m365id__secret *s = NULL;
    char src[] = "client-secret-value";

    (void)state;
    assert_int_equal(m365id__secret_new(&s, src, 6), 0);
    assert_non_null(s);
    assert_int_equal(s->len, 6);
    assert_string_equal(s->data, "client");
    assert_ptr_not_equal(s->data, src);
    m365id__secret_free(s);
}

static void test_util_secret__empty_secret_is_allowed(void **state)
{
    struct m365id__secret *s = NULL;

    (void)state;
    assert_int_equal(m365id__secret_new(&s, NULL, 0), 0);
    assert_int_equal(s->len, 0);
    assert_string_equal(s->data, "");
    m365id__secret_free(s);
}

static void test_util_secret__oversized_length_fails_cleanly(void **state)
{
    struct m365id__secret *s = (struct m365id__secret *)1;

    (void)state;
    assert_int_equal(m365id__secret_new(&s, "x", SIZE_MAX), M365ID_ENOMEM);
    assert_null(s);
}

static void test_util_secret__free_null_is_noop(void **state)
{
    (void)state;
    m365id__secret_free(NULL);
    m365id__free_secret_str(NULL);
    m365id__wipe(NULL, 10);
}

static void test_util_secret__wipe_zeroes_bytes(void **state)
{
    char b[16];
    size_t i;

    (void)state;
    memset(b, 'k', sizeof(b));
    m365id__wipe(b + 2, 10);
    assert_int_equal(b[0], 'k');
    assert_int_equal(b[1], 'k');
    for (i = 2; i < 12; i++)
        assert_int_equal(b[i], 0);
    assert_int_equal(b[12], 'k');
}

static void test_util_secret__free_secret_str_accepts_heap_string(void **state)
{
    char *s = strdup("eyJhbGciOi.secret.sig");

    (void)state;
    assert_non_null(s);
    m365id__free_secret_str(s);
}

static void test_util_secret__memcmp_const_tells_equal_from_different(void **state)
{
    (void)state;
    assert_int_equal(m365id__memcmp_const("abcdef", "abcdef", 6), 0);
    assert_int_not_equal(m365id__memcmp_const("abcdef", "abcdeg", 6), 0);
    assert_int_not_equal(m365id__memcmp_const("xbcdef", "abcdef", 6), 0);
    assert_int_equal(m365id__memcmp_const("a", "b", 0), 0);
}

static void test_util_secret__allocation_failure_gives_enomem(void **state)
{
    struct m365id__secret *s = NULL;
    unsigned long n;

    (void)state;
    for (n = 1; n <= 2; n++) {
        s = (struct m365id__secret *)1;
        alloc_fail_arm(n);
        assert_int_equal(m365id__secret_new(&s, "abc", 3), M365ID_ENOMEM);
        alloc_fail_arm(0);
        assert_true(alloc_failed);
        assert_null(s);
    }
    alloc_fail_arm(3);
    assert_int_equal(m365id__secret_new(&s, "abc", 3), 0);
    alloc_fail_arm(0);
    assert_false(alloc_failed);
    m365id__secret_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util_secret__new_copies_and_terminates),
        cmocka_unit_test(test_util_secret__empty_secret_is_allowed),
        cmocka_unit_test(test_util_secret__oversized_length_fails_cleanly),
        cmocka_unit_test(test_util_secret__free_null_is_noop),
        cmocka_unit_test(test_util_secret__wipe_zeroes_bytes),
        cmocka_unit_test(test_util_secret__free_secret_str_accepts_heap_string),
        cmocka_unit_test(test_util_secret__memcmp_const_tells_equal_from_different),
        cmocka_unit_test(test_util_secret__allocation_failure_gives_enomem),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
