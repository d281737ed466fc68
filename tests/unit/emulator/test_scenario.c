/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Tests of src/daemons/emulator/scenario.c: the built-in scenario, placeholder expansion and
 * lookups, Kubernetes name rules, and the table in tests/data/emulator/scenario/<case>/ of
 * rejected inputs, each with the message (first line of "expected") and hint (optional second
 * line) it must produce. Every rejection must carry a hint, because the emulator prints it.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "m365id/error.h"
#include "scenario.h"

#define BASE "https://127.0.0.1:8443"
#define CASES_DIR M365ID_TEST_DATA "/emulator/scenario"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data;
    long size;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    data = malloc((size_t)size + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
    data[size] = '\0';
    fclose(f);
    *len = (size_t)size;
    return data;
}

static struct emu_scenario *parse_ok(const char *json)
{
    struct emu_scenario *scn = NULL;
    struct emu_error err;
    int rc = emu_scenario_parse(&scn, json, strlen(json), BASE, &err);

    if (rc != 0)
        fail_msg("unexpected rejection: %s (hint: %s)", err.message, err.hint);
    assert_non_null(scn);
    return scn;
}

static void test_emulator_scenario__default_parses(void **state)
{
    struct emu_scenario *scn = parse_ok(emu_scenario_default_json());
    const struct emu_tenant *t;
    const struct emu_app *a;

    (void)state;
    assert_int_equal(scn->cluster_count, 1);
    assert_string_equal(scn->clusters[0].issuer, BASE "/clusters/demo/");
    assert_int_equal(scn->tenant_count, 1);
    t = &scn->tenants[0];
    assert_string_equal(t->id, "11111111-1111-1111-1111-111111111111");
    assert_ptr_equal(t->cloud, emu_cloud_find("public"));
    assert_int_equal(t->user_count, 5);
    a = emu_tenant_app(t, "22222222-2222-2222-2222-222222222222");
    assert_non_null(a);
    assert_int_equal(a->fic_count, 1);
    assert_string_equal(a->fics[0].issuer, BASE "/clusters/demo/");
    assert_string_equal(a->fics[0].subject,
                        "system:serviceaccount:terraform-m365:terraform-m365-sa");
    assert_string_equal(a->fics[0].audience, "api://AzureADTokenExchange");
    assert_int_equal(scn->workload_count, 1);
    assert_string_equal(scn->workloads[0].name, "terraform-apply");
    assert_int_equal(scn->workloads[0].expiration_s, 3600);
    assert_int_equal(scn->access_token_lifetime_s, 3599);
    assert_int_equal(scn->clock_skew_s, 60);
    assert_int_equal(scn->legacy_fic_errors, 0);
    emu_scenario_free(scn);
}

static void test_emulator_scenario__placeholders_expand(void **state)
{
    static const char json[] =
        "{\"clusters\":[{\"name\":\"a\"},{\"name\":\"b\",\"issuer_trailing_slash\":false}],"
        "\"tenants\":[{\"id\":\"11111111-1111-1111-1111-111111111111\",\"applications\":[{"
        "\"app_id\":\"22222222-2222-2222-2222-222222222222\",\"federated_credentials\":["
        "{\"name\":\"one\",\"issuer\":\"${cluster:a}\",\"subject\":\"s\",\"audiences\":[\"x\"]},"
        "{\"name\":\"two\",\"issuer\":\"${cluster:b}\",\"subject\":\"s\",\"audiences\":[\"x\"]},"
        "{\"name\":\"three\",\"issuer\":\"${base_url}/clusters/a\",\"subject\":\"s\","
        "\"audiences\":[\"x\"]}]}]}]}";
    struct emu_scenario *scn = parse_ok(json);
    const struct emu_app *a = &scn->tenants[0].apps[0];

    (void)state;
    assert_string_equal(a->fics[0].issuer, BASE "/clusters/a/");
    assert_string_equal(a->fics[1].issuer, BASE "/clusters/b");
    assert_string_equal(a->fics[2].issuer, BASE "/clusters/a");
    emu_scenario_free(scn);
}

static void test_emulator_scenario__tenant_lookup_is_per_cloud(void **state)
{
    static const char json[] =
        "{\"tenants\":[{\"id\":\"AAAAAAAA-1111-1111-1111-111111111111\",\"cloud\":\"china\","
        "\"domains\":[\"contoso.partner.onmschina.cn\"]}]}";
    struct emu_scenario *scn = parse_ok(json);
    const struct emu_cloud *china = emu_cloud_find("china");
    const struct emu_cloud *pub = emu_cloud_find("public");

    (void)state;
    assert_string_equal(scn->tenants[0].id, "aaaaaaaa-1111-1111-1111-111111111111");
    assert_non_null(emu_scenario_tenant(scn, china, "aaaaaaaa-1111-1111-1111-111111111111"));
    assert_non_null(emu_scenario_tenant(scn, china, "AAAAAAAA-1111-1111-1111-111111111111"));
    assert_non_null(emu_scenario_tenant(scn, china, "Contoso.Partner.OnmsChina.cn"));
    assert_null(emu_scenario_tenant(scn, pub, "aaaaaaaa-1111-1111-1111-111111111111"));
    assert_null(emu_scenario_tenant(scn, china, "fabrikam.example"));
    emu_scenario_free(scn);
}

/* Log callback that appends each message to the string buffer in @p payload. */
static void capture_log(int level, const char *component, const char *message, void *payload)
{
    char *buf = payload;
    size_t used = strlen(buf);

    (void)level;
    snprintf(buf + used, 4096 - used, "%s: %s\n", component, message);
}

static void test_emulator_scenario__expansion_is_logged_at_debug(void **state)
{
    static const char json[] =
        "{\"clusters\":[{\"name\":\"a\"}],"
        "\"tenants\":[{\"id\":\"11111111-1111-1111-1111-111111111111\",\"applications\":[{"
        "\"app_id\":\"22222222-2222-2222-2222-222222222222\",\"federated_credentials\":["
        "{\"name\":\"one\",\"issuer\":\"${cluster:a}\",\"subject\":\"s\",\"audiences\":[\"x\"]}"
        "]}]}]}";
    static char lines[4096];
    struct m365id__logger logger = {M365ID_LOG_DEBUG, capture_log, lines};
    struct emu_scenario *scn = NULL;
    struct emu_error err;

    (void)state;
    lines[0] = '\0';
    assert_int_equal(emu_scenario_parse_logged(&scn, json, strlen(json), BASE, &logger, &err), 0);
    assert_non_null(strstr(lines, "scenario: tenants[0].applications[0].federated_credentials[0]"
                                  ".issuer: expanded '${cluster:a}' to '" BASE "/clusters/a/'"));
    assert_null(strstr(lines, "subject")); /* values without a placeholder are not logged */
    assert_null(scn->logger);
    emu_scenario_free(scn);

    lines[0] = '\0';
    logger.max_level = M365ID_LOG_INFO;
    assert_int_equal(emu_scenario_parse_logged(&scn, json, strlen(json), BASE, &logger, &err), 0);
    assert_string_equal(lines, "");
    emu_scenario_free(scn);
}

static void test_emulator_scenario__kubernetes_names(void **state)
{
    char long_name[300];

    (void)state;
    assert_true(emu_is_dns_label("team-a"));
    assert_true(emu_is_dns_label("a"));
    assert_false(emu_is_dns_label("a:b"));
    assert_false(emu_is_dns_label("Team-A"));
    assert_false(emu_is_dns_label("-a"));
    assert_false(emu_is_dns_label("a-"));
    assert_false(emu_is_dns_label("a.b"));
    assert_false(emu_is_dns_label(""));
    memset(long_name, 'a', 63);
    long_name[63] = '\0';
    assert_true(emu_is_dns_label(long_name));
    long_name[63] = 'a';
    long_name[64] = '\0';
    assert_false(emu_is_dns_label(long_name));

    assert_true(emu_is_dns_subdomain("graph-reader"));
    assert_true(emu_is_dns_subdomain("a.b-c"));
    assert_false(emu_is_dns_subdomain("sa:c"));
    assert_false(emu_is_dns_subdomain("a..b"));
    assert_false(emu_is_dns_subdomain("a.-b"));
    assert_false(emu_is_dns_subdomain(".a"));
    assert_false(emu_is_dns_subdomain("A"));
    memset(long_name, 'a', 253);
    long_name[253] = '\0';
    assert_true(emu_is_dns_subdomain(long_name));
    long_name[253] = 'a';
    long_name[254] = '\0';
    assert_false(emu_is_dns_subdomain(long_name));
}

static int run_case(const char *name)
{
    char path[1024];
    char *input;
    char *expected;
    char *hint_line;
    size_t len;
    size_t expected_len;
    struct emu_scenario *scn = NULL;
    struct emu_error err;
    int rc;

    snprintf(path, sizeof(path), "%s/%s/input", CASES_DIR, name);
    input = read_file(path, &len);
    snprintf(path, sizeof(path), "%s/%s/expected", CASES_DIR, name);
    expected = read_file(path, &expected_len);
    hint_line = strchr(expected, '\n');
    if (hint_line != NULL) {
        *hint_line++ = '\0';
        hint_line[strcspn(hint_line, "\n")] = '\0';
    }

    rc = emu_scenario_parse(&scn, input, len, BASE, &err);
    if (rc != M365ID_ECONFIG || scn != NULL) {
        print_error("case %s: expected M365ID_ECONFIG, got %d\n", name, rc);
        emu_scenario_free(scn);
        rc = 1;
    } else if (strstr(err.message, expected) == NULL) {
        print_error("case %s: message '%s' lacks '%s'\n", name, err.message, expected);
        rc = 1;
    } else if (err.hint[0] == '\0') {
        print_error("case %s: message '%s' has no hint\n", name, err.message);
        rc = 1;
    } else if (hint_line != NULL && hint_line[0] != '\0' && strstr(err.hint, hint_line) == NULL) {
        print_error("case %s: hint '%s' lacks '%s'\n", name, err.hint, hint_line);
        rc = 1;
    } else {
        rc = 0;
    }
    free(input);
    free(expected);
    return rc;
}

static void test_emulator_scenario__rejections_name_key_and_value(void **state)
{
    DIR *dir = opendir(CASES_DIR);
    struct dirent *ent;
    int failures = 0;
    int cases = 0;

    (void)state;
    assert_non_null(dir);
    while ((ent = readdir(dir)) != NULL) {
        if (ent->d_name[0] == '.')
            continue;
        cases++;
        failures += run_case(ent->d_name);
    }
    closedir(dir);
    assert_true(cases >= 20);
    assert_int_equal(failures, 0);
}

static void test_emulator_scenario__credentials_and_identities_parse(void **state)
{
    static const char json[] =
        "{\"ci_issuers\": [{\"name\": \"github\", \"kind\": \"github\", "
        "\"request_token\": \"rt\", \"repository\": \"fabrikam/app\"},"
        " {\"name\": \"ado\", \"kind\": \"azure_devops\", "
        "\"organization_id\": \"AAAAAAAA-1111-2222-3333-444444444444\"}],"
        " \"tenants\": [{\"id\": \"11111111-1111-1111-1111-111111111111\","
        "  \"applications\": [{\"app_id\": \"22222222-2222-2222-2222-222222222222\","
        "   \"client_secrets\": [{\"value\": \"abcdef\", "
        "\"expires\": \"2030-01-01T01:00:00.25+01:00\"}],"
        "   \"federated_credentials\": [{\"name\": \"gha\", \"issuer\": \"${ci:github}\","
        "    \"subject\": \"repo:fabrikam/app:ref:refs/heads/main\","
        "    \"audiences\": [\"api://AzureADTokenExchange\"]}]}]}],"
        " \"managed_identities\": [{\"name\": \"mi-a\","
        "  \"tenant_id\": \"11111111-1111-1111-1111-111111111111\","
        "  \"client_id\": \"33333333-3333-3333-3333-333333333333\"}],"
        " \"faults\": [{\"endpoint\": \"msi\", \"status\": 503, \"after\": 2}]}";
    struct emu_scenario *scn = parse_ok(json);
    const struct emu_app *a = &scn->tenants[0].apps[0];
    const struct emu_ci_issuer *gh;
    const struct emu_ci_issuer *ado;

    (void)state;
    assert_int_equal(a->secret_count, 1);
    assert_string_equal(a->secrets[0].hint, "abc");
    assert_int_equal(a->secrets[0].expires, 1893456000LL); /* 2030-01-01T00:00:00Z */
    assert_true(strlen(a->secrets[0].id) == 36);
    gh = emu_scenario_ci_issuer(scn, "github", 6);
    ado = emu_scenario_ci_issuer(scn, "ado", 3);
    assert_non_null(gh);
    assert_non_null(ado);
    assert_string_equal(gh->issuer, BASE "/ci/github");
    assert_string_equal(gh->subject, "repo:fabrikam/app:ref:refs/heads/main");
    assert_string_equal(gh->default_audience, "https://github.com/fabrikam");
    assert_int_equal(gh->expiration_s, 300);
    assert_string_equal(ado->issuer, BASE "/ci/ado/aaaaaaaa-1111-2222-3333-444444444444");
    assert_string_equal(ado->default_audience, "api://AzureADTokenExchange");
    assert_true(strlen(ado->request_token) >= 20); /* generated */
    assert_string_equal(a->fics[0].issuer, BASE "/ci/github");
    assert_int_equal(scn->managed_identity_count, 1);
    assert_ptr_equal(scn->managed_identities[0].tenant, &scn->tenants[0]);
    assert_true(strstr(scn->managed_identities[0].resource_id, "/userAssignedIdentities/mi-a") !=
                NULL);
    assert_int_equal(scn->fault_count, 1);
    assert_int_equal(scn->faults[0].endpoint, EMU_FAULT_MSI);
    assert_int_equal(scn->faults[0].after, 2);
    assert_int_equal(scn->faults[0].count, 1);
    assert_non_null(scn->identity_header);
    emu_scenario_free(scn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emulator_scenario__default_parses),
        cmocka_unit_test(test_emulator_scenario__placeholders_expand),
        cmocka_unit_test(test_emulator_scenario__tenant_lookup_is_per_cloud),
        cmocka_unit_test(test_emulator_scenario__rejections_name_key_and_value),
        cmocka_unit_test(test_emulator_scenario__expansion_is_logged_at_debug),
        cmocka_unit_test(test_emulator_scenario__kubernetes_names),
        cmocka_unit_test(test_emulator_scenario__credentials_and_identities_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
