/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/cli/doctor/manifest.c: YAML 1.1 resolution of plain scalars, documents and
 * List items with their paths and lines, and pod template paths per kind. Further cases cover
 * the caps on size, nesting and alias expansion, and the file, line and column of each error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/doctor/manifest.h"
#include "m365id/error.h"

/* Parse @p text into @p m, failing the test on error. */
static void parse_ok(struct doctor_manifest *m, const char *text)
{
    char why[256];
    int rc = doctor_manifest_parse(m, "t.yaml", text, strlen(text), why, sizeof(why));

    if (rc != 0)
        fail_msg("parse failed (%d): %s", rc, why);
}

/* Parse @p text, expect @p code and return the message in @p why. */
static void parse_fails(const char *text, size_t len, int code, char *why, size_t why_size)
{
    struct doctor_manifest m = DOCTOR_MANIFEST_INIT;

    assert_int_equal(doctor_manifest_parse(&m, "t.yaml", text, len, why, why_size), code);
    doctor_manifest_clear(&m);
}

static void test_doctor_manifest__plain_scalars_resolve_as_yaml_1_1(void **state)
{
    static const struct {
        const char *yaml;   /* value as written after "v: " */
        const char *json;   /* expected value, compact JSON */
    } cases[] = {
        /* "08" is no octal integer, so it resolves as a float, as in Kubernetes' decoder. */
        {"true", "true"},     {"True", "true"},      {"yes", "true"},      {"on", "true"},
        {"y", "true"},        {"false", "false"},    {"No", "false"},      {"OFF", "false"},
        {"\"true\"", "\"true\""}, {"'true'", "\"true\""}, {"!!str true", "\"true\""},
        {"null", "null"},     {"~", "null"},         {"", "null"},         {"42", "42"},
        {"-7", "-7"},         {"+5", "5"},           {"0x1F", "31"},       {"0o17", "15"},
        {"0755", "493"},      {"0b101", "5"},        {"1_000", "1000"},    {"1.5", "1.5"},
        {"1e3", "1000.0"},    {".5", "0.5"},         {"99999999999999999999", "1e20"},
        {"9223372036854775807", "9223372036854775807"},
        {"-9223372036854775808", "-9223372036854775808"},
        {".inf", "\".inf\""}, {"0x", "\"0x\""},      {"08", "8.0"},     {"1.2.3", "\"1.2.3\""},
        {"api://AzureADTokenExchange", "\"api://AzureADTokenExchange\""},
        {"\"22222222-2222-2222-2222-222222222222\"", "\"22222222-2222-2222-2222-222222222222\""},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct doctor_manifest m = DOCTOR_MANIFEST_INIT;
        char doc[128];
        char *got;

        snprintf(doc, sizeof(doc), "v: %s\n", cases[i].yaml);
        parse_ok(&m, doc);
        got = json_dumps(json_object_get(doctor_manifest_object(&m, 0), "v"),
                         JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(6));
        if (got == NULL || strcmp(got, cases[i].json) != 0)
            fail_msg("'%s' resolved to %s, expected %s", cases[i].yaml, got, cases[i].json);
        free(got);
        doctor_manifest_clear(&m);
    }
}

/* Resolve "v: <digits ones><tail>" and return the JSON type of v. */
static int long_number_type(size_t digits, const char *tail)
{
    struct doctor_manifest m = DOCTOR_MANIFEST_INIT;
    char doc[256];
    int type;

    assert_true(digits + strlen(tail) + 5 < sizeof(doc));
    memcpy(doc, "v: ", 3);
    memset(doc + 3, '1', digits);
    snprintf(doc + 3 + digits, sizeof(doc) - 3 - digits, "%s\n", tail);
    parse_ok(&m, doc);
    type = json_typeof(json_object_get(doctor_manifest_object(&m, 0), "v"));
    doctor_manifest_clear(&m);
    return type;
}

static void test_doctor_manifest__long_floats_fit_the_buffer(void **state)
{
    (void)state;
    /* The float buffer has room for 127 characters: 125 digits, '.' and one more digit. */
    assert_int_equal(long_number_type(125, ".5"), JSON_REAL);
    assert_int_equal(long_number_type(126, ".5"), JSON_STRING);
    /* A '.', 'e' or sign that no longer fits makes the value a string, not a write past the end. */
    assert_int_equal(long_number_type(127, ".e1"), JSON_STRING);
    assert_int_equal(long_number_type(126, "e+1"), JSON_STRING);
    assert_int_equal(long_number_type(124, "e+1"), JSON_REAL);
}

static void test_doctor_manifest__documents_and_list_items_keep_paths_and_lines(void **state)
{
    struct doctor_manifest m = DOCTOR_MANIFEST_INIT;
    (void)state;

    parse_ok(&m, "kind: Pod\nmetadata: {name: a}\n"
                 "---\n"
                 "---\n"
                 "# comment\n"
                 "kind: List\n"
                 "items:\n"
                 "- {kind: ServiceAccount, metadata: {name: sa, namespace: ns}}\n"
                 "- {kind: Job, metadata: {name: j}}\n");
    assert_int_equal(doctor_manifest_count(&m), 3);
    assert_string_equal(doctor_manifest_path(&m, 0), "");
    assert_int_equal(doctor_manifest_line(&m, 0), 1);
    assert_string_equal(doctor_manifest_path(&m, 1), "items[0]");
    assert_string_equal(doctor_manifest_path(&m, 2), "items[1]");
    /* An explicit document starts at its "---" line. */
    assert_int_equal(doctor_manifest_line(&m, 1), 4);
    assert_non_null(doctor_manifest_find(&m, "ServiceAccount", "sa", "ns", NULL));
    assert_non_null(doctor_manifest_find(&m, "ServiceAccount", "sa", NULL, NULL));
    assert_null(doctor_manifest_find(&m, "ServiceAccount", "sa", "other", NULL));
    assert_null(doctor_manifest_find(&m, "serviceaccount", "sa", NULL, NULL));
    doctor_manifest_clear(&m);
}

static void test_doctor_manifest__pod_template_paths_by_kind(void **state)
{
    static const struct {
        const char *kind;
        const char *path;
    } cases[] = {
        {"Pod", ""},
        {"Deployment", "spec.template"},
        {"ReplicaSet", "spec.template"},
        {"StatefulSet", "spec.template"},
        {"DaemonSet", "spec.template"},
        {"Job", "spec.template"},
        {"CronJob", "spec.jobTemplate.spec.template"},
    };
    struct doctor_pod_template t;
    json_t *obj;
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(doctor_manifest_template_path(cases[i].kind), cases[i].path);
    assert_null(doctor_manifest_template_path("ConfigMap"));
    assert_null(doctor_manifest_template_path(NULL));

    obj = json_pack("{s:s, s:{s:s}, s:{s:{s:{s:{s:{}}}}}}", "kind", "CronJob", "metadata",
                    "name", "nightly", "spec", "jobTemplate", "spec", "template", "metadata");
    assert_non_null(obj);
    assert_int_equal(doctor_manifest_pod_template(&t, obj, "items[3]"), 1);
    assert_string_equal(t.path, "items[3].spec.jobTemplate.spec.template");
    assert_string_equal(t.object_path, "items[3]");
    assert_string_equal(t.name, "nightly");
    assert_ptr_equal(t.pod, doctor_manifest_at(obj, "spec.jobTemplate.spec.template"));
    json_decref(obj);

    /* A workload whose template is missing is still a workload, without a pod. */
    obj = json_pack("{s:s}", "kind", "Deployment");
    assert_int_equal(doctor_manifest_pod_template(&t, obj, ""), 1);
    assert_null(t.pod);
    assert_string_equal(t.name, "(unnamed)");
    json_decref(obj);
}

static void test_doctor_manifest__merge_keys_and_aliases(void **state)
{
    struct doctor_manifest m = DOCTOR_MANIFEST_INIT;
    json_t *doc;
    (void)state;

    parse_ok(&m, "base: &b {a: 1, b: 2}\n"
                 "more: &c {c: 3, a: 9}\n"
                 "m: {<<: [*b, *c], b: 5}\n"
                 "s: &s text\n"
                 "*s : key from alias\n");
    doc = doctor_manifest_object(&m, 0);
    assert_int_equal(json_integer_value(doctor_manifest_at(doc, "m.a")), 1);
    assert_int_equal(json_integer_value(doctor_manifest_at(doc, "m.b")), 5);
    assert_int_equal(json_integer_value(doctor_manifest_at(doc, "m.c")), 3);
    assert_string_equal(json_string_value(json_object_get(doc, "text")), "key from alias");
    doctor_manifest_clear(&m);
}

static void test_doctor_manifest__errors_name_line_and_column(void **state)
{
    char why[256];
    (void)state;

    parse_fails("a: [1, 2\nb: c\n", 14, M365ID_EPROTO, why, sizeof(why));
    assert_non_null(strstr(why, "t.yaml:2:2: did not find expected ',' or ']'"));

    parse_fails("kind: Pod\nkind: Job\n", 20, M365ID_EPROTO, why, sizeof(why));
    assert_string_equal(why, "t.yaml:2:1: duplicate key 'kind' in one mapping");

    parse_fails("? [a]\n: b\n", 10, M365ID_EPROTO, why, sizeof(why));
    assert_non_null(strstr(why, "t.yaml:1:5: mapping key is not a scalar"));

    parse_fails("a: *nowhere\n", 12, M365ID_EPROTO, why, sizeof(why));
    assert_string_equal(why, "t.yaml:1:4: alias '*nowhere' names no anchor defined before it");

    parse_fails("a: \"x\\0y\"\n", 10, M365ID_EPROTO, why, sizeof(why));
    assert_string_equal(why, "t.yaml:1:4: scalar contains a NUL character");

    parse_fails("m: {<<: 1}\n", 11, M365ID_EPROTO, why, sizeof(why));
    assert_non_null(strstr(why, "merge key '<<' is not a mapping"));
}

static void test_doctor_manifest__hostile_key_is_quoted_in_messages(void **state)
{
    static const char text[] = "\"%s%n\\n\\e[31m\": 1\n\"%s%n\\n\\e[31m\": 2\n";
    char why[256];
    (void)state;

    parse_fails(text, sizeof(text) - 1, M365ID_EPROTO, why, sizeof(why));
    assert_non_null(strstr(why, "duplicate key '%s%n\\n\\x1b[31m'"));
    assert_null(strchr(why, '\n'));
    assert_null(strchr(why, '\x1b'));
}

static void test_doctor_manifest__depth_at_limit_and_one_over(void **state)
{
    char text[2 * DOCTOR_MANIFEST_DEPTH_MAX + 8];
    struct doctor_manifest m = DOCTOR_MANIFEST_INIT;
    char why[256];
    size_t n = 0;
    (void)state;

    for (size_t i = 0; i < DOCTOR_MANIFEST_DEPTH_MAX; i++)
        text[n++] = '[';
    for (size_t i = 0; i < DOCTOR_MANIFEST_DEPTH_MAX; i++)
        text[n++] = ']';
    text[n] = '\0';
    parse_ok(&m, text);
    doctor_manifest_clear(&m);

    memmove(text + 1, text, n + 1);
    text[0] = '[';
    text[n + 1] = ']';
    text[n + 2] = '\0';
    parse_fails(text, n + 2, M365ID_ETOOBIG, why, sizeof(why));
    assert_non_null(strstr(why, "nested deeper than 64 levels"));
}

static void test_doctor_manifest__alias_bomb_is_rejected(void **state)
{
    char text[1024];
    char why[256];
    size_t n;
    (void)state;

    n = (size_t)snprintf(text, sizeof(text), "a0: &a0 [x,x,x,x,x,x,x,x,x]\n");
    for (int i = 1; i <= 9; i++) {
        n += (size_t)snprintf(text + n, sizeof(text) - n,
                              "a%d: &a%d [*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d]\n", i, i,
                              i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    }
    parse_fails(text, n, M365ID_ETOOBIG, why, sizeof(why));
    assert_non_null(strstr(why, "more than 262144 values once aliases are expanded"));
}

static void test_doctor_manifest__size_at_limit_and_one_byte_over(void **state)
{
    struct doctor_manifest m = DOCTOR_MANIFEST_INIT;
    char *text = malloc(DOCTOR_MANIFEST_SIZE_MAX + 1);
    char why[256];
    (void)state;

    assert_non_null(text);
    /* A comment line filling the whole cap parses to no document. */
    text[0] = '#';
    memset(text + 1, 'x', DOCTOR_MANIFEST_SIZE_MAX);
    assert_int_equal(doctor_manifest_parse(&m, "t.yaml", text, DOCTOR_MANIFEST_SIZE_MAX, why,
                                           sizeof(why)),
                     0);
    assert_int_equal(doctor_manifest_count(&m), 0);
    doctor_manifest_clear(&m);
    parse_fails(text, DOCTOR_MANIFEST_SIZE_MAX + 1, M365ID_ETOOBIG, why, sizeof(why));
    assert_string_equal(why, "t.yaml: 4194305 bytes, more than the 4194304 accepted");
    free(text);
}

static void test_doctor_manifest__missing_file_names_path(void **state)
{
    struct doctor_manifest m = DOCTOR_MANIFEST_INIT;
    char why[256];
    (void)state;

    assert_int_equal(doctor_manifest_load(&m, "/nonexistent/pod.yaml", why, sizeof(why)),
                     M365ID_EIO);
    assert_string_equal(why, "cannot open '/nonexistent/pod.yaml': No such file or directory");
    doctor_manifest_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doctor_manifest__plain_scalars_resolve_as_yaml_1_1),
        cmocka_unit_test(test_doctor_manifest__long_floats_fit_the_buffer),
        cmocka_unit_test(test_doctor_manifest__documents_and_list_items_keep_paths_and_lines),
        cmocka_unit_test(test_doctor_manifest__pod_template_paths_by_kind),
        cmocka_unit_test(test_doctor_manifest__merge_keys_and_aliases),
        cmocka_unit_test(test_doctor_manifest__errors_name_line_and_column),
        cmocka_unit_test(test_doctor_manifest__hostile_key_is_quoted_in_messages),
        cmocka_unit_test(test_doctor_manifest__depth_at_limit_and_one_over),
        cmocka_unit_test(test_doctor_manifest__alias_bomb_is_rejected),
        cmocka_unit_test(test_doctor_manifest__size_at_limit_and_one_byte_over),
        cmocka_unit_test(test_doctor_manifest__missing_file_names_path),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
