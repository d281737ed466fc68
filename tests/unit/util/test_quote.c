/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/util/quote.c: escaping of hostile strings and the length cut.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/limits.h"
#include "util/quote.h"

static void test_util_quote__plain_text_is_unchanged(void **state)
{
    struct m365id__quoted q;

    (void)state;
    m365id__quote(&q, "https://login.microsoftonline.com/");
    assert_string_equal(q.text, "https://login.microsoftonline.com/");
}

static void test_util_quote__format_directives_pass_as_text(void **state)
{
    struct m365id__quoted q;

    (void)state;
    m365id__quote(&q, "%s%n");
    assert_string_equal(q.text, "%s%n");
}

static void test_util_quote__newlines_and_controls_are_escaped(void **state)
{
    struct m365id__quoted q;

    (void)state;
    m365id__quote(&q, "a\nINFO fake: line\r\tb\x01\x1f\x7f");
    assert_string_equal(q.text, "a\\nINFO fake: line\\r\\tb\\x01\\x1f\\x7f");
    assert_null(strchr(q.text, '\n'));
}

/* Quotes read as sent ("Couldn't connect"). The backslash stays escaped, so "\n" in the
 * output is always an escaped newline and never a backslash followed by 'n'. */
static void test_util_quote__quotes_kept_backslash_escaped(void **state)
{
    struct m365id__quoted q;

    (void)state;
    m365id__quote(&q, "it's \"x\" \\");
    assert_string_equal(q.text, "it's \"x\" \\\\");
    m365id__quote(&q, "Couldn't connect to server");
    assert_string_equal(q.text, "Couldn't connect to server");
    m365id__quote(&q, "a\\nb");
    assert_string_equal(q.text, "a\\\\nb");
}

static void test_util_quote__high_bytes_are_hex(void **state)
{
    struct m365id__quoted q;

    (void)state;
    m365id__quote(&q, "caf\xc3\xa9");
    assert_string_equal(q.text, "caf\\xc3\\xa9");
}

static void test_util_quote__null_gives_placeholder(void **state)
{
    struct m365id__quoted q;

    (void)state;
    m365id__quote(&q, NULL);
    assert_string_equal(q.text, "(null)");
    m365id__quote_len(&q, NULL, 5);
    assert_string_equal(q.text, "(null)");
}

static void test_util_quote__embedded_nul_is_escaped(void **state)
{
    struct m365id__quoted q;

    (void)state;
    m365id__quote_len(&q, "a\0b", 3);
    assert_string_equal(q.text, "a\\x00b");
}

static void test_util_quote__value_at_max_is_not_cut(void **state)
{
    struct m365id__quoted q;
    char s[M365ID_QUOTE_MAX + 1];

    (void)state;
    memset(s, 'a', M365ID_QUOTE_MAX);
    s[M365ID_QUOTE_MAX] = '\0';
    m365id__quote(&q, s);
    assert_int_equal(strlen(q.text), M365ID_QUOTE_MAX);
    assert_string_equal(q.text, s);
}

static void test_util_quote__value_one_byte_over_max_is_cut(void **state)
{
    struct m365id__quoted q;
    char s[M365ID_QUOTE_MAX + 2];

    (void)state;
    memset(s, 'a', M365ID_QUOTE_MAX + 1);
    s[M365ID_QUOTE_MAX + 1] = '\0';
    m365id__quote(&q, s);
    assert_int_equal(strlen(q.text), M365ID_QUOTE_MAX + 3);
    assert_memory_equal(q.text, s, M365ID_QUOTE_MAX);
    assert_string_equal(q.text + M365ID_QUOTE_MAX, "...");
}

static void test_util_quote__ten_kib_string_is_cut(void **state)
{
    struct m365id__quoted q;
    size_t len = 10 * 1024;
    char *s = malloc(len + 1);

    (void)state;
    assert_non_null(s);
    memset(s, 'z', len);
    s[len] = '\0';
    m365id__quote(&q, s);
    assert_int_equal(strlen(q.text), M365ID_QUOTE_MAX + 3);
    assert_string_equal(q.text + M365ID_QUOTE_MAX, "...");
    free(s);
}

static void test_util_quote__worst_case_expansion_fits(void **state)
{
    struct m365id__quoted q;
    char s[M365ID_QUOTE_MAX * 2];

    (void)state;
    memset(s, 0x01, sizeof(s));
    m365id__quote_len(&q, s, sizeof(s));
    assert_int_equal(strlen(q.text), M365ID_QUOTE_MAX * 4 + 3);
    assert_int_equal(strlen(q.text) + 1, sizeof(q.text));
    assert_string_equal(q.text + M365ID_QUOTE_MAX * 4, "...");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util_quote__plain_text_is_unchanged),
        cmocka_unit_test(test_util_quote__format_directives_pass_as_text),
        cmocka_unit_test(test_util_quote__newlines_and_controls_are_escaped),
        cmocka_unit_test(test_util_quote__quotes_kept_backslash_escaped),
        cmocka_unit_test(test_util_quote__high_bytes_are_hex),
        cmocka_unit_test(test_util_quote__null_gives_placeholder),
        cmocka_unit_test(test_util_quote__embedded_nul_is_escaped),
        cmocka_unit_test(test_util_quote__value_at_max_is_not_cut),
        cmocka_unit_test(test_util_quote__value_one_byte_over_max_is_cut),
        cmocka_unit_test(test_util_quote__ten_kib_string_is_cut),
        cmocka_unit_test(test_util_quote__worst_case_expansion_fits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
