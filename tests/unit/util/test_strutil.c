/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/util/strutil.c: integer limits, GUID and domain shapes, trimming.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "m365id/error.h"
#include "util/strutil.h"

static void test_util_strutil__parse_u64_accepts_full_range(void **state)
{
    uint64_t v = 1;

    (void)state;
    assert_int_equal(m365id__parse_u64(&v, "0"), 0);
    assert_true(v == 0);
    assert_int_equal(m365id__parse_u64(&v, "18446744073709551615"), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(m365id__parse_u64(&v, "007"), 0);
    assert_true(v == 7);
}

static void test_util_strutil__parse_u64_rejects_overflow_and_text(void **state)
{
    static const char *const bad[] = {"18446744073709551616", "99999999999999999999", "",
                                      "-1", "+1", " 1", "1 ", "1a", "0x10", "1.0"};
    uint64_t v = 42;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(m365id__parse_u64(&v, bad[i]), M365ID_EINVAL);
        assert_true(v == 42);
    }
    assert_int_equal(m365id__parse_u64(&v, NULL), M365ID_EINVAL);
}

static void test_util_strutil__parse_i64_accepts_both_ends(void **state)
{
    int64_t v = 0;

    (void)state;
    assert_int_equal(m365id__parse_i64(&v, "9223372036854775807"), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(m365id__parse_i64(&v, "-9223372036854775808"), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(m365id__parse_i64(&v, "-0"), 0);
    assert_true(v == 0);
    assert_int_equal(m365id__parse_i64(&v, "-3599"), 0);
    assert_true(v == -3599);
}

static void test_util_strutil__parse_i64_rejects_one_past_each_end(void **state)
{
    static const char *const bad[] = {"9223372036854775808", "-9223372036854775809", "-", "",
                                      "--1", "+5", "5-"};
    int64_t v = 42;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(m365id__parse_i64(&v, bad[i]), M365ID_EINVAL);
        assert_true(v == 42);
    }
}

static void test_util_strutil__guid_shapes(void **state)
{
    (void)state;
    assert_true(m365id__is_guid("72f988bf-86f1-41af-91ab-2d7cd011db47"));
    assert_true(m365id__is_guid("72F988BF-86F1-41AF-91AB-2D7CD011DB47"));
    assert_false(m365id__is_guid("72f988bf-86f1-41af-91ab-2d7cd011db4"));
    assert_false(m365id__is_guid("72f988bf-86f1-41af-91ab-2d7cd011db477"));
    assert_false(m365id__is_guid("72f988bf_86f1-41af-91ab-2d7cd011db47"));
    assert_false(m365id__is_guid("72f988bg-86f1-41af-91ab-2d7cd011db47"));
    assert_false(m365id__is_guid("{72f988bf-86f1-41af-91ab-2d7cd011db47}"));
    assert_false(m365id__is_guid("72f988bf86f141af91ab2d7cd011db47"));
    assert_false(m365id__is_guid(""));
    assert_false(m365id__is_guid(NULL));
}

static void test_util_strutil__domain_accepts_tenant_names(void **state)
{
    (void)state;
    assert_true(m365id__is_domain("contoso.onmicrosoft.com"));
    assert_true(m365id__is_domain("a.b"));
    assert_true(m365id__is_domain("x-1.example-2.COM"));
    assert_true(m365id__is_domain("1.2"));
}

static void test_util_strutil__domain_rejects_bad_shapes(void **state)
{
    static const char *const bad[] = {"", "localhost", ".com", "a.", "a..b", "-a.com",
                                      "a-.com", "a.-b", "a_b.com", "a b.com", "a.com/x",
                                      "a.com:443", "xn--caf\xc3\xa9.com"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(m365id__is_domain(bad[i]));
    assert_false(m365id__is_domain(NULL));
}

static void test_util_strutil__domain_label_and_total_limits(void **state)
{
    char s[300];

    (void)state;
    /* A 63-byte label is allowed, 64 is one over. */
    memset(s, 'a', 63);
    memcpy(s + 63, ".com", 5);
    assert_true(m365id__is_domain(s));
    memset(s, 'a', 64);
    memcpy(s + 64, ".com", 5);
    assert_false(m365id__is_domain(s));

    /* 253 bytes in total is allowed, 254 is one over: "a." repeated, then "bc" or "bcd". */
    memset(s, 0, sizeof(s));
    for (size_t i = 0; i < 250; i += 2)
        memcpy(s + i, "a.", 2);
    memcpy(s + 250, "bcd", 4);
    assert_int_equal(strlen(s), 253);
    assert_true(m365id__is_domain(s));
    memcpy(s + 250, "bcde", 5);
    assert_int_equal(strlen(s), 254);
    assert_false(m365id__is_domain(s));
}

static void test_util_strutil__prefix_and_suffix(void **state)
{
    (void)state;
    assert_true(m365id__starts_with("https://x", "https://"));
    assert_false(m365id__starts_with("http://x", "https://"));
    assert_true(m365id__starts_with("abc", ""));
    assert_false(m365id__starts_with("ab", "abc"));
    assert_true(m365id__ends_with("host/", "/"));
    assert_false(m365id__ends_with("host", "/"));
    assert_false(m365id__ends_with("t", "host"));
    assert_true(m365id__ends_with("x", ""));
}

static void test_util_strutil__contains_nocase_ignores_letter_case(void **state)
{
    (void)state;
    assert_true(m365id__contains_nocase("/Providers/microsoft.ManagedIdentity/x",
                                        "/providers/Microsoft.ManagedIdentity/"));
    assert_true(m365id__contains_nocase("Group.ReadWrite.All", "readwrite"));
    assert_true(m365id__contains_nocase("abc", "abc"));
    assert_false(m365id__contains_nocase("abc", "abcd"));
    assert_false(m365id__contains_nocase("User.Read.All", "Group"));
    assert_false(m365id__contains_nocase("", "a"));
}

static void test_util_strutil__trim_removes_ascii_space_at_both_ends(void **state)
{
    static const char s[] = " \t\r\n token \n";
    size_t len = 99;
    const char *p;

    (void)state;
    p = m365id__trim(s, strlen(s), &len);
    assert_int_equal(len, 5);
    assert_memory_equal(p, "token", 5);
    p = m365id__trim("   ", 3, &len);
    assert_int_equal(len, 0);
    p = m365id__trim("", 0, &len);
    assert_int_equal(len, 0);
    p = m365id__trim("a b", 3, &len);
    assert_int_equal(len, 3);
}

static void test_util_strutil__strdup_passes_null(void **state)
{
    char *s;

    (void)state;
    assert_null(m365id__strdup(NULL));
    s = m365id__strdup("x");
    assert_string_equal(s, "x");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util_strutil__parse_u64_accepts_full_range),
        cmocka_unit_test(test_util_strutil__parse_u64_rejects_overflow_and_text),
        cmocka_unit_test(test_util_strutil__parse_i64_accepts_both_ends),
        cmocka_unit_test(test_util_strutil__parse_i64_rejects_one_past_each_end),
        cmocka_unit_test(test_util_strutil__guid_shapes),
        cmocka_unit_test(test_util_strutil__domain_accepts_tenant_names),
        cmocka_unit_test(test_util_strutil__domain_rejects_bad_shapes),
        cmocka_unit_test(test_util_strutil__domain_label_and_total_limits),
        cmocka_unit_test(test_util_strutil__prefix_and_suffix),
        cmocka_unit_test(test_util_strutil__contains_nocase_ignores_letter_case),
        cmocka_unit_test(test_util_strutil__trim_removes_ascii_space_at_both_ends),
        cmocka_unit_test(test_util_strutil__strdup_passes_null),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
