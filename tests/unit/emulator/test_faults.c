/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Tests of src/daemons/emulator/faults.c: rule parsing and its rejections, the request family
 * of each path, and the "after"/"count" bookkeeping of the rule table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "faults.h"
#include "m365id/error.h"
#include "util/json.h"

static int parse(struct emu_fault *out, const char *text, struct emu_error *err)
{
    json_t *doc = NULL;
    char why[128];
    int rc;

    assert_int_equal(m365id__json_parse(&doc, text, strlen(text), why, sizeof(why)), 0);
    memset(err, 0, sizeof(*err));
    rc = emu_fault_parse(out, doc, "faults[0]", err);
    json_decref(doc);
    return rc;
}

static void test_emulator_faults__rule_parses(void **state)
{
    struct emu_fault f;
    struct emu_error err;

    (void)state;
    assert_int_equal(parse(&f, "{\"endpoint\":\"token\",\"after\":3,\"count\":2,\"status\":429,"
                               "\"retry_after\":7,\"delay_ms\":10}", &err), 0);
    assert_int_equal(f.endpoint, EMU_FAULT_TOKEN);
    assert_int_equal(f.after, 3);
    assert_int_equal(f.count, 2);
    assert_int_equal(f.status, 429);
    assert_string_equal(f.retry_after, "7");
    assert_int_equal(f.delay_ms, 10);

    assert_int_equal(parse(&f, "{\"endpoint\":\"token\",\"aadsts\":700213}", &err), 0);
    assert_int_equal(f.aadsts, 700213);
    assert_string_equal(f.aadsts_error, "invalid_client");
    assert_int_equal(f.count, 1);
    assert_int_equal(parse(&f, "{\"endpoint\":\"token\",\"aadsts\":70021}", &err), 0);
    assert_string_equal(f.aadsts_error, "invalid_request");
    assert_int_equal(parse(&f, "{\"endpoint\":\"token\",\"aadsts\":1,\"error\":\"slow_down\"}",
                           &err), 0);
    assert_string_equal(f.aadsts_error, "slow_down");
    assert_int_equal(parse(&f, "{\"endpoint\":\"jwks\",\"drop\":true}", &err), 0);
    assert_true(f.drop);
    assert_int_equal(parse(&f, "{\"endpoint\":\"graph\",\"body\":\"truncated\"}", &err), 0);
    assert_int_equal(f.body, EMU_FAULT_BODY_TRUNCATED);
}

static void test_emulator_faults__bad_rules_are_rejected(void **state)
{
    static const struct {
        const char *rule;
        const char *message;
    } cases[] = {
        {"{\"status\":503}", "faults[0].endpoint: required string is missing"},
        {"{\"endpoint\":\"token\",\"status\":99}", "faults[0].status: must be a whole number"},
        {"{\"endpoint\":\"token\",\"status\":\"503\"}", "faults[0].status: must be a whole number"},
        {"{\"endpoint\":\"token\",\"count\":1000001,\"status\":503}", "faults[0].count"},
        {"{\"endpoint\":\"token\",\"delay_ms\":-1}", "faults[0].delay_ms"},
        {"{\"endpoint\":\"token\",\"drop\":true,\"retry_after\":\"1\"}", "faults[0]: a dropped"},
        {"{\"endpoint\":\"token\",\"aadsts\":700213,\"status\":400}", "excludes"},
        {"{\"endpoint\":\"token\",\"error\":\"x\",\"status\":400}", "faults[0].error"},
        {"{\"endpoint\":\"token\",\"aadsts\":1,\"error\":\"Bad Error\"}", "faults[0].error"},
        {"{\"endpoint\":\"token\",\"status\":503,\"retry_after\":86401}", "retry_after"},
        {"{\"endpoint\":\"token\",\"status\":503,\"retry_after\":\"\"}", "retry_after"},
        {"{\"endpoint\":\"token\",\"status\":503,\"extra\":1}", "unknown key 'extra'"},
    };
    struct emu_fault f;
    struct emu_error err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (parse(&f, cases[i].rule, &err) != M365ID_ECONFIG)
            fail_msg("rule %s was accepted", cases[i].rule);
        if (strstr(err.message, cases[i].message) == NULL)
            fail_msg("rule %s: message '%s' lacks '%s'", cases[i].rule, err.message,
                     cases[i].message);
        if (err.hint[0] == '\0')
            fail_msg("rule %s: no hint", cases[i].rule);
    }
}

static void test_emulator_faults__paths_map_to_families(void **state)
{
    (void)state;
    assert_int_equal(emu_fault_classify("/t/oauth2/v2.0/token"), EMU_FAULT_TOKEN);
    assert_int_equal(emu_fault_classify("/clouds/usgov/t/oauth2/v2.0/token"), EMU_FAULT_TOKEN);
    assert_int_equal(emu_fault_classify("/a/b/oauth2/v2.0/token"), -1);
    assert_int_equal(emu_fault_classify("/v1.0/users"), EMU_FAULT_GRAPH);
    assert_int_equal(emu_fault_classify("/clouds/china/beta/organization"), EMU_FAULT_GRAPH);
    assert_int_equal(emu_fault_classify("/_msi/msi/token"), EMU_FAULT_MSI);
    assert_int_equal(emu_fault_classify("/t/v2.0/.well-known/openid-configuration"),
                     EMU_FAULT_DISCOVERY);
    assert_int_equal(emu_fault_classify("/common/discovery/instance"), EMU_FAULT_DISCOVERY);
    assert_int_equal(emu_fault_classify("/clusters/demo/.well-known/openid-configuration"),
                     EMU_FAULT_DISCOVERY);
    assert_int_equal(emu_fault_classify("/ci/ado/org/.well-known/openid-configuration"),
                     EMU_FAULT_DISCOVERY);
    assert_int_equal(emu_fault_classify("/t/discovery/v2.0/keys"), EMU_FAULT_JWKS);
    assert_int_equal(emu_fault_classify("/clusters/demo/openid/v1/jwks"), EMU_FAULT_JWKS);
    assert_int_equal(emu_fault_classify("/ci/github/.well-known/jwks"), EMU_FAULT_JWKS);
    assert_int_equal(emu_fault_classify("/ci/github/token"), EMU_FAULT_CI_TOKEN);
    assert_int_equal(emu_fault_classify("/_emulator/stats"), -1);
    assert_int_equal(emu_fault_classify("/_emulator/faults"), -1);
}

static void test_emulator_faults__after_then_count(void **state)
{
    struct emu_faults table;
    struct emu_fault rule;
    struct emu_fault got;
    struct emu_error err;
    int applied = 0;
    int i;

    (void)state;
    emu_faults_init(&table);
    assert_int_equal(parse(&rule, "{\"endpoint\":\"token\",\"after\":2,\"count\":3,\"status\":503}",
                           &err), 0);
    assert_int_equal(emu_faults_add(&table, &rule), 0);
    assert_int_equal(rule.id, 1);
    assert_int_equal(emu_faults_take(&table, EMU_FAULT_GRAPH, &got), 0);
    for (i = 0; i < 10; i++) {
        int hit = emu_faults_take(&table, EMU_FAULT_TOKEN, &got);

        assert_int_equal(hit, i >= 2 && i < 5);
        applied += hit;
    }
    assert_int_equal(applied, 3);
    assert_int_equal(emu_faults_remove_all(&table), 1);
    assert_int_equal(emu_faults_take(&table, EMU_FAULT_TOKEN, &got), 0);

    /* A full table makes room by dropping used-up rules only. */
    for (i = 0; i < (int)EMU_FAULTS_MAX; i++)
        assert_int_equal(emu_faults_add(&table, &rule), 0);
    assert_int_equal(emu_faults_add(&table, &rule), M365ID_ETOOBIG);
    emu_faults_destroy(&table);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emulator_faults__rule_parses),
        cmocka_unit_test(test_emulator_faults__bad_rules_are_rejected),
        cmocka_unit_test(test_emulator_faults__paths_map_to_families),
        cmocka_unit_test(test_emulator_faults__after_then_count),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
