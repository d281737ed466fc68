/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/cli/setup/quote.c: YAML scalars read back unchanged through libyaml,
 * shell words through /bin/sh, HCL strings escape quotes and template openers, and the UTF-8
 * check counts code points and rejects malformed sequences.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <yaml.h>

#include "cli/setup/setup.h"

/* Values that a plain or careless YAML writer turns into something else. */
static const char *const hostile[] = {
    "true", "false", "yes", "No", "on", "null", "~", "", "0123", "1e3", "0x1F", "1.0",
    "a: b", "- item", "#comment", "key: value # tail", "{a: 1}", "[1, 2]", "*alias", "&anchor",
    "!tag", "|", ">", "'single'", "\"double\"", "back\\slash", "tab\there", "new\nline",
    "cr\rreturn", "bell\a", "del\x7f", "%directive", "@at", "`tick`", " leading", "trailing ",
    "--- ", "...", "ünïcødé ✓", "api://AzureADTokenExchange", "system:serviceaccount:a:b",
    "x'; touch pwned; echo '$(id) `id` ${HOME}",
};

/* Parse @p doc (one scalar document) with libyaml and return the scalar, malloc'd. */
static char *yaml_read_scalar(const char *doc)
{
    yaml_parser_t parser;
    yaml_event_t event;
    char *value = NULL;
    int done = 0;

    assert_true(yaml_parser_initialize(&parser));
    yaml_parser_set_input_string(&parser, (const unsigned char *)doc, strlen(doc));
    while (!done) {
        assert_true(yaml_parser_parse(&parser, &event));
        if (event.type == YAML_SCALAR_EVENT) {
            assert_null(value);
            value = malloc(event.data.scalar.length + 1);
            assert_non_null(value);
            memcpy(value, event.data.scalar.value, event.data.scalar.length);
            value[event.data.scalar.length] = '\0';
            /* Double-quoted: never resolved to a bool, null or number. */
            assert_int_equal(event.data.scalar.style, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
        }
        done = event.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    return value;
}

static void test_setup_quote__yaml_reads_back_unchanged(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        struct m365id__buf doc = M365ID__BUF_INIT(4096);
        char *back;

        assert_int_equal(m365id__buf_puts(&doc, "key: "), 0);
        assert_int_equal(setup_yaml_quote(&doc, hostile[i]), 0);
        assert_int_equal(m365id__buf_puts(&doc, "\n"), 0);
        back = yaml_read_scalar(m365id__buf_cstr(&doc) + 5);
        assert_non_null(back);
        assert_string_equal(back, hostile[i]);
        free(back);
        m365id__buf_clear(&doc);
    }
}

static void test_setup_quote__yaml_escapes_controls_on_one_line(void **state)
{
    struct m365id__buf out = M365ID__BUF_INIT(256);

    (void)state;
    assert_int_equal(setup_yaml_quote(&out, "a\"b\\c\nd\x01"), 0);
    assert_string_equal(m365id__buf_cstr(&out), "\"a\\\"b\\\\c\\nd\\x01\"");
    m365id__buf_clear(&out);
}

static void test_setup_quote__shell_word_reaches_the_command_unchanged(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
        struct m365id__buf cmd = M365ID__BUF_INIT(4096);
        char got[512];
        size_t n;
        FILE *fp;

        /* sh must hand the word to printf as one argument, with nothing expanded. */
        assert_int_equal(m365id__buf_puts(&cmd, "printf '%s' "), 0);
        assert_int_equal(setup_shell_quote(&cmd, hostile[i]), 0);
        fp = popen(m365id__buf_cstr(&cmd), "r");
        assert_non_null(fp);
        n = fread(got, 1, sizeof(got) - 1, fp);
        got[n] = '\0';
        assert_int_equal(pclose(fp), 0);
        assert_string_equal(got, hostile[i]);
        m365id__buf_clear(&cmd);
    }
}

static void test_setup_quote__shell_splits_single_quotes(void **state)
{
    struct m365id__buf out = M365ID__BUF_INIT(256);

    (void)state;
    assert_int_equal(setup_shell_quote(&out, "it's"), 0);
    assert_string_equal(m365id__buf_cstr(&out), "'it'\\''s'");
    m365id__buf_clear(&out);
}

static void test_setup_quote__hcl_escapes_templates_and_quotes(void **state)
{
    struct m365id__buf out = M365ID__BUF_INIT(256);

    (void)state;
    assert_int_equal(setup_hcl_quote(&out, "a\"b\\c ${var} %{if} $x %y\n\x01"), 0);
    assert_string_equal(m365id__buf_cstr(&out),
                        "\"a\\\"b\\\\c $${var} %%{if} $x %y\\n\\u0001\"");
    m365id__buf_clear(&out);
}

static void test_setup_quote__limit_is_reported(void **state)
{
    struct m365id__buf out = M365ID__BUF_INIT(8);

    (void)state;
    assert_int_equal(setup_yaml_quote(&out, "123456"), 0);
    m365id__buf_clear(&out);
    assert_int_equal(setup_yaml_quote(&out, "1234567"), M365ID_ETOOBIG);
    m365id__buf_clear(&out);
    assert_int_equal(setup_shell_quote(&out, "'''"), M365ID_ETOOBIG);
    m365id__buf_clear(&out);
}

static void test_setup_quote__utf8_counts_code_points(void **state)
{
    static const struct {
        const char *text;
        size_t count;
    } valid[] = {
        {"", 0},
        {"terraform-m365-provider", 23},
        {"\xc3\xa9", 1},                     /* U+00E9, 2 bytes */
        {"\xe2\x9c\x93 ok", 4},              /* U+2713, 3 bytes */
        {"\xf0\x9f\x94\x91", 1},             /* U+1F511, 4 bytes */
        {"\xef\xbf\xbf", 1},                 /* U+FFFF */
        {"\xf4\x8f\xbf\xbf", 1},             /* U+10FFFF, the last code point */
        {"\xed\x9f\xbf", 1},                 /* U+D7FF, just below the surrogates */
    };
    size_t count = 99;

    (void)state;
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        assert_int_equal(setup_utf8_length(&count, valid[i].text), 0);
        assert_int_equal(count, valid[i].count);
    }
}

static void test_setup_quote__utf8_rejects_invalid(void **state)
{
    static const char *const invalid[] = {
        "bad\xffutf",         /* never a UTF-8 byte */
        "\x80",               /* continuation byte without a lead */
        "\xc3",               /* cut before the continuation byte */
        "\xe2\x82",           /* cut inside a 3-byte sequence */
        "\xc3(",              /* lead followed by ASCII */
        "\xc0\xaf",           /* overlong '/' */
        "\xe0\x80\xaf",       /* overlong '/' in 3 bytes */
        "\xf0\x80\x80\xaf",   /* overlong '/' in 4 bytes */
        "\xed\xa0\x80",       /* U+D800, a UTF-16 surrogate */
        "\xf4\x90\x80\x80",   /* U+110000, above the last code point */
        "\xf5\x80\x80\x80",   /* lead byte above F4 */
    };
    size_t count = 99;

    (void)state;
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        count = 99;
        assert_int_equal(setup_utf8_length(&count, invalid[i]), -1);
        assert_int_equal(count, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup_quote__yaml_reads_back_unchanged),
        cmocka_unit_test(test_setup_quote__yaml_escapes_controls_on_one_line),
        cmocka_unit_test(test_setup_quote__shell_word_reaches_the_command_unchanged),
        cmocka_unit_test(test_setup_quote__shell_splits_single_quotes),
        cmocka_unit_test(test_setup_quote__hcl_escapes_templates_and_quotes),
        cmocka_unit_test(test_setup_quote__limit_is_reported),
        cmocka_unit_test(test_setup_quote__utf8_counts_code_points),
        cmocka_unit_test(test_setup_quote__utf8_rejects_invalid),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
