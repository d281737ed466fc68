/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Tests of src/daemons/emulator/directory_query.c: the $filter forms the directory accepts and
 * rejects, how filters match objects, and $skiptoken round trips for paging.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "directory.h"

static int parse(struct emu_dir_filter *f, const char *text)
{
    char why[256];

    why[0] = '\0';
    return emu_dir_filter_parse(f, text, why, sizeof(why));
}

static void test_directory_query__equality_on_a_string(void **state)
{
    struct emu_dir_filter f;

    (void)state;
    assert_int_equal(parse(&f, "appId eq '22222222-2222-2222-2222-222222222222'"), 0);
    assert_string_equal(f.property, "appId");
    assert_string_equal(f.value, "22222222-2222-2222-2222-222222222222");
    assert_false(f.is_bool);
    assert_false(f.any);
    emu_dir_filter_clear(&f);
    assert_null(f.value);
}

static void test_directory_query__doubled_quote_and_spaces(void **state)
{
    struct emu_dir_filter f;

    (void)state;
    assert_int_equal(parse(&f, "  displayName   eq  'O''Brien''s app'  "), 0);
    assert_string_equal(f.property, "displayName");
    assert_string_equal(f.value, "O'Brien's app");
    emu_dir_filter_clear(&f);
    assert_int_equal(parse(&f, "displayName eq ''"), 0);
    assert_string_equal(f.value, "");
    emu_dir_filter_clear(&f);
}

static void test_directory_query__booleans_and_any(void **state)
{
    struct emu_dir_filter f;

    (void)state;
    assert_int_equal(parse(&f, "accountEnabled eq false"), 0);
    assert_true(f.is_bool);
    assert_string_equal(f.value, "false");
    emu_dir_filter_clear(&f);
    assert_int_equal(parse(&f, "servicePrincipalNames/any(c:c eq 'api://x')"), 0);
    assert_true(f.any);
    assert_string_equal(f.property, "servicePrincipalNames");
    assert_string_equal(f.value, "api://x");
    emu_dir_filter_clear(&f);
}

static void test_directory_query__unsupported_forms_are_rejected(void **state)
{
    static const char *const bad[] = {
        "",
        "appId",
        "appId eq",
        "appId eq 'x",
        "appId eq x",
        "appId ne 'x'",
        "appId eq 'x' and displayName eq 'y'",
        "startswith(displayName,'x') and appId eq 'y'",
        "startswith(displayName,x)",
        "startswith(displayName,true)",
        "startswith(displayName 'x')",
        "startswith(displayName,'x'",
        "startswith('x',displayName)",
        "endswith(displayName,'x')",
        "appId eq 'x' ",
        "appIdeq 'x'",
        "1appId eq 'x'",
        "names/any(c:d eq 'x')",
        "names/any(c:c eq true)",
        "names/any(c:c eq 'x'",
        "accountEnabled eq trueish",
        "a.b eq 'x'",
        NULL,
    };
    struct emu_dir_filter f;
    char why[256];
    size_t i;

    (void)state;
    for (i = 0; bad[i] != NULL; i++) {
        int rc = emu_dir_filter_parse(&f, bad[i], why, sizeof(why));

        /* "appId eq 'x' " has only trailing spaces, which are allowed. */
        if (strcmp(bad[i], "appId eq 'x' ") == 0) {
            assert_int_equal(rc, 0);
            emu_dir_filter_clear(&f);
            continue;
        }
        if (rc != 1)
            fail_msg("filter '%s' was accepted", bad[i]);
        assert_null(f.value);
        assert_non_null(strstr(why, "PROPERTY eq 'text'"));
    }
}

static void test_directory_query__long_property_is_rejected(void **state)
{
    char text[200];
    struct emu_dir_filter f;

    (void)state;
    /* 64 characters is one more than the property buffer holds. */
    memset(text, 'a', 64);
    memcpy(text + 64, " eq 'x'", 8);
    assert_int_equal(parse(&f, text), 1);
    memset(text, 'a', 63);
    memcpy(text + 63, " eq 'x'", 8);
    assert_int_equal(parse(&f, text), 0);
    assert_int_equal(strlen(f.property), 63);
    emu_dir_filter_clear(&f);
}

static void test_directory_query__matching_ignores_case(void **state)
{
    struct emu_dir_filter f;
    json_t *o = json_pack("{s:s,s:b,s:[s,s],s:i}", "displayName", "Intune Admins",
                          "accountEnabled", 1, "servicePrincipalNames", "A", "api://Graph",
                          "count", 5);

    (void)state;
    assert_int_equal(parse(&f, "displayName eq 'intune admins'"), 0);
    assert_true(emu_dir_filter_matches(&f, o));
    emu_dir_filter_clear(&f);
    assert_int_equal(parse(&f, "displayName eq 'intune'"), 0);
    assert_false(emu_dir_filter_matches(&f, o));
    emu_dir_filter_clear(&f);
    assert_int_equal(parse(&f, "accountEnabled eq true"), 0);
    assert_true(emu_dir_filter_matches(&f, o));
    emu_dir_filter_clear(&f);
    assert_int_equal(parse(&f, "accountEnabled eq false"), 0);
    assert_false(emu_dir_filter_matches(&f, o));
    emu_dir_filter_clear(&f);
    /* A string literal does not match a boolean or a number. */
    assert_int_equal(parse(&f, "accountEnabled eq 'true'"), 0);
    assert_false(emu_dir_filter_matches(&f, o));
    emu_dir_filter_clear(&f);
    assert_int_equal(parse(&f, "count eq '5'"), 0);
    assert_false(emu_dir_filter_matches(&f, o));
    emu_dir_filter_clear(&f);
    assert_int_equal(parse(&f, "servicePrincipalNames/any(x:x eq 'API://graph')"), 0);
    assert_true(emu_dir_filter_matches(&f, o));
    emu_dir_filter_clear(&f);
    assert_int_equal(parse(&f, "missing eq 'x'"), 0);
    assert_false(emu_dir_filter_matches(&f, o));
    emu_dir_filter_clear(&f);
    json_decref(o);
}

static void test_directory_query__startswith_prefix(void **state)
{
    struct emu_dir_filter f;
    json_t *o = json_pack("{s:s,s:b}", "displayName", "terraform-m365-provider", "enabled", 1);

    (void)state;
    /* The form the Azure CLI sends for az ad app create --display-name. */
    assert_int_equal(parse(&f, "startswith(displayName,'terraform-m365-provider')"), 0);
    assert_true(f.starts_with);
    assert_false(f.any);
    assert_string_equal(f.property, "displayName");
    assert_string_equal(f.value, "terraform-m365-provider");
    assert_true(emu_dir_filter_matches(&f, o));
    emu_dir_filter_clear(&f);

    assert_int_equal(parse(&f, " startswith( displayName , 'TERRAFORM' ) "), 0);
    assert_true(emu_dir_filter_matches(&f, o));
    emu_dir_filter_clear(&f);
    assert_int_equal(parse(&f, "startswith(displayName,'')"), 0);
    assert_true(emu_dir_filter_matches(&f, o));
    emu_dir_filter_clear(&f);
    assert_int_equal(parse(&f, "startswith(displayName,'m365')"), 0);
    assert_false(emu_dir_filter_matches(&f, o));
    emu_dir_filter_clear(&f);
    assert_int_equal(parse(&f, "startswith(displayName,'terraform-m365-provider-2')"), 0);
    assert_false(emu_dir_filter_matches(&f, o));
    emu_dir_filter_clear(&f);
    /* Only string properties have a prefix. */
    assert_int_equal(parse(&f, "startswith(enabled,'t')"), 0);
    assert_false(emu_dir_filter_matches(&f, o));
    emu_dir_filter_clear(&f);
    json_decref(o);
}

static void test_directory_query__skiptoken_round_trip(void **state)
{
    static const size_t offsets[] = {0, 1, 2, 100, 999, 2147483647u};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
        char *token = emu_dir_skiptoken_make(offsets[i]);
        size_t back = 12345;

        assert_non_null(token);
        assert_int_equal(emu_dir_skiptoken_parse(&back, token), 0);
        assert_int_equal(back, offsets[i]);
        free(token);
    }
}

static void test_directory_query__forged_skiptokens_are_rejected(void **state)
{
    /* base64url of "offset:2147483648", "offset:", "offset:-1", "offset:1x", "limit:5" */
    static const char *const bad[] = {"b2Zmc2V0OjIxNDc0ODM2NDg", "b2Zmc2V0Og", "b2Zmc2V0Oi0x",
                                      "b2Zmc2V0OjF4", "bGltaXQ6NQ", "!!!", "", NULL};
    size_t offset = 7;
    size_t i;

    (void)state;
    for (i = 0; bad[i] != NULL; i++) {
        if (emu_dir_skiptoken_parse(&offset, bad[i]) != -1)
            fail_msg("skiptoken '%s' was accepted", bad[i]);
    }
    assert_int_equal(offset, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_directory_query__equality_on_a_string),
        cmocka_unit_test(test_directory_query__doubled_quote_and_spaces),
        cmocka_unit_test(test_directory_query__booleans_and_any),
        cmocka_unit_test(test_directory_query__unsupported_forms_are_rejected),
        cmocka_unit_test(test_directory_query__long_property_is_rejected),
        cmocka_unit_test(test_directory_query__matching_ignores_case),
        cmocka_unit_test(test_directory_query__startswith_prefix),
        cmocka_unit_test(test_directory_query__skiptoken_round_trip),
        cmocka_unit_test(test_directory_query__forged_skiptokens_are_rejected),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
