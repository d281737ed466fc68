/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/util/json.c: the depth limit, duplicate keys, parse messages and the
 * typed getters, including the lenient integers Entra sends as strings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "m365id/error.h"
#include "util/json.h"
#include "util/limits.h"

static json_t *parse_ok(const char *text)
{
    json_t *v = NULL;

    assert_int_equal(m365id__json_parse(&v, text, strlen(text), NULL, 0), 0);
    assert_non_null(v);
    return v;
}

/* @p depth nested arrays around a 1, e.g. depth 2 gives "[[1]]". */
static char *nested_arrays(size_t depth)
{
    char *s = malloc(depth * 2 + 2);
    size_t i;

    assert_non_null(s);
    for (i = 0; i < depth; i++)
        s[i] = '[';
    s[depth] = '1';
    for (i = 0; i < depth; i++)
        s[depth + 1 + i] = ']';
    s[depth * 2 + 1] = '\0';
    return s;
}

static void test_util_json__depth_at_max_is_accepted(void **state)
{
    char *s = nested_arrays(M365ID_JSON_DEPTH_MAX);
    json_t *v = NULL;

    (void)state;
    assert_int_equal(m365id__json_parse(&v, s, strlen(s), NULL, 0), 0);
    json_decref(v);
    free(s);
}

static void test_util_json__depth_one_over_max_is_rejected(void **state)
{
    char *s = nested_arrays(M365ID_JSON_DEPTH_MAX + 1);
    json_t *v = (json_t *)1;
    char why[160];

    (void)state;
    assert_int_equal(m365id__json_parse(&v, s, strlen(s), why, sizeof(why)), M365ID_EPROTO);
    assert_null(v);
    assert_non_null(strstr(why, "nesting"));
    free(s);
}

static void test_util_json__deep_objects_are_rejected_too(void **state)
{
    char s[512];
    size_t o = 0;
    size_t i;
    json_t *v = NULL;

    (void)state;
    for (i = 0; i < M365ID_JSON_DEPTH_MAX + 1; i++) {
        memcpy(s + o, "{\"a\":", 5);
        o += 5;
    }
    s[o++] = '1';
    for (i = 0; i < M365ID_JSON_DEPTH_MAX + 1; i++)
        s[o++] = '}';
    s[o] = '\0';
    assert_int_equal(m365id__json_parse(&v, s, o, NULL, 0), M365ID_EPROTO);
}

static void test_util_json__duplicate_keys_are_rejected(void **state)
{
    static const char text[] = "{\"exp\":1,\"exp\":2}";
    json_t *v = NULL;
    char why[160];

    (void)state;
    assert_int_equal(m365id__json_parse(&v, text, strlen(text), why, sizeof(why)),
                     M365ID_EPROTO);
    assert_non_null(strstr(why, "duplicate"));
}

static void test_util_json__syntax_error_names_line_and_column(void **state)
{
    static const char text[] = "{\n  \"a\": tru }";
    json_t *v = NULL;
    char why[160];

    (void)state;
    assert_int_equal(m365id__json_parse(&v, text, strlen(text), why, sizeof(why)),
                     M365ID_EPROTO);
    assert_non_null(strstr(why, "line 2"));
    assert_non_null(strstr(why, "column"));
}

static void test_util_json__parse_uses_given_length_only(void **state)
{
    static const char text[] = "{\"a\":1}garbage";
    json_t *v = NULL;

    (void)state;
    assert_int_equal(m365id__json_parse(&v, text, 7, NULL, 0), 0);
    json_decref(v);
    assert_int_equal(m365id__json_parse(&v, text, strlen(text), NULL, 0), M365ID_EPROTO);
    assert_int_equal(m365id__json_parse(&v, "", 0, NULL, 0), M365ID_EPROTO);
}

static void test_util_json__scalars_parse_as_values(void **state)
{
    json_t *v = parse_ok("\"text\"");

    (void)state;
    assert_true(json_is_string(v));
    json_decref(v);
}

static void test_util_json__get_str_tells_absent_from_wrong_type(void **state)
{
    json_t *o = parse_ok("{\"s\":\"v\",\"n\":null,\"i\":3}");
    const char *s = "x";

    (void)state;
    assert_int_equal(m365id__json_get_str(&s, o, "s"), M365ID__JSON_OK);
    assert_string_equal(s, "v");
    assert_int_equal(m365id__json_get_str(&s, o, "missing"), M365ID__JSON_ABSENT);
    assert_null(s);
    assert_int_equal(m365id__json_get_str(&s, o, "n"), M365ID__JSON_ABSENT);
    assert_int_equal(m365id__json_get_str(&s, o, "i"), M365ID__JSON_BADTYPE);
    assert_null(s);
    assert_int_equal(m365id__json_get_str(&s, NULL, "s"), M365ID__JSON_BADTYPE);
    json_decref(o);
}

static void test_util_json__lenient_int_accepts_number_and_digit_string(void **state)
{
    json_t *o = parse_ok("{\"a\":\"3599\",\"b\":3599,\"c\":\"-5\",\"d\":\"9223372036854775807\"}");
    long long v = 0;

    (void)state;
    assert_int_equal(m365id__json_get_int_lenient(&v, o, "a"), M365ID__JSON_OK);
    assert_int_equal(v, 3599);
    assert_int_equal(m365id__json_get_int_lenient(&v, o, "b"), M365ID__JSON_OK);
    assert_int_equal(v, 3599);
    assert_int_equal(m365id__json_get_int_lenient(&v, o, "c"), M365ID__JSON_OK);
    assert_int_equal(v, -5);
    assert_int_equal(m365id__json_get_int_lenient(&v, o, "d"), M365ID__JSON_OK);
    assert_true(v == 9223372036854775807LL);
    assert_int_equal(m365id__json_get_int_lenient(&v, o, "zz"), M365ID__JSON_ABSENT);
    json_decref(o);
}

static void test_util_json__lenient_int_rejects_fractions_and_text(void **state)
{
    static const char *const keys[] = {"frac_str", "real", "empty", "space", "plus", "trail",
                                       "over", "bool", "exp", "arr"};
    json_t *o = parse_ok("{\"frac_str\":\"35.9\",\"real\":1.5,\"empty\":\"\",\"space\":\" 5\","
                         "\"plus\":\"+5\",\"trail\":\"5s\",\"over\":\"9223372036854775808\","
                         "\"bool\":true,\"exp\":\"1e3\",\"arr\":[1]}");
    long long v = 7;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        assert_int_equal(m365id__json_get_int_lenient(&v, o, keys[i]), M365ID__JSON_BADTYPE);
        assert_int_equal(v, 0);
    }
    json_decref(o);
}

static void test_util_json__lenient_int_rejects_embedded_nul(void **state)
{
    json_t *o = json_object();
    long long v = 0;

    (void)state;
    json_object_set_new(o, "a", json_stringn("35\0" "99", 5));
    assert_int_equal(m365id__json_get_int_lenient(&v, o, "a"), M365ID__JSON_BADTYPE);
    json_decref(o);
}

static void test_util_json__strict_int_rejects_strings_and_reals(void **state)
{
    json_t *o = parse_ok("{\"a\":\"3599\",\"b\":3599,\"c\":1.0}");
    long long v = 0;

    (void)state;
    assert_int_equal(m365id__json_get_int(&v, o, "a"), M365ID__JSON_BADTYPE);
    assert_int_equal(m365id__json_get_int(&v, o, "b"), M365ID__JSON_OK);
    assert_int_equal(v, 3599);
    assert_int_equal(m365id__json_get_int(&v, o, "c"), M365ID__JSON_BADTYPE);
    assert_int_equal(m365id__json_get_int(&v, o, "d"), M365ID__JSON_ABSENT);
    json_decref(o);
}

static void test_util_json__number_accepts_integers_and_reals(void **state)
{
    json_t *o = parse_ok("{\"i\":3599,\"r\":1e30,\"s\":\"1\",\"n\":null}");
    double v = 7;

    (void)state;
    assert_int_equal(m365id__json_get_number(&v, o, "i"), M365ID__JSON_OK);
    assert_true(v == 3599.0);
    assert_int_equal(m365id__json_get_number(&v, o, "r"), M365ID__JSON_OK);
    assert_true(v == 1e30);
    assert_int_equal(m365id__json_get_number(&v, o, "s"), M365ID__JSON_BADTYPE);
    assert_true(v == 0.0);
    assert_int_equal(m365id__json_get_number(&v, o, "n"), M365ID__JSON_ABSENT);
    assert_int_equal(m365id__json_get_number(&v, o, "x"), M365ID__JSON_ABSENT);
    json_decref(o);
}

static void test_util_json__container_getters_check_type(void **state)
{
    json_t *o = parse_ok("{\"arr\":[1],\"obj\":{\"k\":1},\"s\":\"x\"}");
    json_t *v = NULL;

    (void)state;
    assert_int_equal(m365id__json_get_array(&v, o, "arr"), M365ID__JSON_OK);
    assert_true(json_is_array(v));
    assert_int_equal(m365id__json_get_array(&v, o, "obj"), M365ID__JSON_BADTYPE);
    assert_null(v);
    assert_int_equal(m365id__json_get_object(&v, o, "obj"), M365ID__JSON_OK);
    assert_true(json_is_object(v));
    assert_int_equal(m365id__json_get_object(&v, o, "s"), M365ID__JSON_BADTYPE);
    assert_int_equal(m365id__json_get_object(&v, o, "none"), M365ID__JSON_ABSENT);
    assert_int_equal(m365id__json_get_array(&v, o, "none"), M365ID__JSON_ABSENT);
    json_decref(o);
}

static void test_util_json__dump_is_compact_in_insertion_order(void **state)
{
    json_t *o = json_pack("{s:s, s:i, s:[]}", "z", "1", "a", 2, "m");
    char *s;

    (void)state;
    s = m365id__json_dump(o);
    assert_non_null(s);
    assert_string_equal(s, "{\"z\":\"1\",\"a\":2,\"m\":[]}");
    free(s);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util_json__depth_at_max_is_accepted),
        cmocka_unit_test(test_util_json__depth_one_over_max_is_rejected),
        cmocka_unit_test(test_util_json__deep_objects_are_rejected_too),
        cmocka_unit_test(test_util_json__duplicate_keys_are_rejected),
        cmocka_unit_test(test_util_json__syntax_error_names_line_and_column),
        cmocka_unit_test(test_util_json__parse_uses_given_length_only),
        cmocka_unit_test(test_util_json__scalars_parse_as_values),
        cmocka_unit_test(test_util_json__get_str_tells_absent_from_wrong_type),
        cmocka_unit_test(test_util_json__lenient_int_accepts_number_and_digit_string),
        cmocka_unit_test(test_util_json__lenient_int_rejects_fractions_and_text),
        cmocka_unit_test(test_util_json__lenient_int_rejects_embedded_nul),
        cmocka_unit_test(test_util_json__strict_int_rejects_strings_and_reals),
        cmocka_unit_test(test_util_json__number_accepts_integers_and_reals),
        cmocka_unit_test(test_util_json__container_getters_check_type),
        cmocka_unit_test(test_util_json__dump_is_compact_in_insertion_order),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
