/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Tests of src/lib/config/resolve.c: precedence of explicit values, environment variables and
 * defaults for every setting, the AZURE_AUTHORITY_HOST rule, log lines, and the setting API.
 */
#include "unit/lib/config/config_fixture.h"

#include "lib/config/validate.h"
#include "lib/core/ctx_internal.h"

#define MAX_PAIRS 4

struct precedence_case {
    const char *key;
    const char *explicit_value;         /* set with origin "provider block"; NULL: not set */
    const char *env[MAX_PAIRS][2];      /* name, value (NULL removes a baseline variable) */
    const char *expected_value;         /* NULL: the setting stays unset */
    const char *expected_source;
};

static const struct precedence_case precedence_cases[] = {
    /* auth_method */
    {"auth_method", NULL, {{NULL}}, "workload_identity", "env M365_AUTH_METHOD"},
    {"auth_method", "workload_identity", {{"M365_AUTH_METHOD", "client_secret"}},
     "workload_identity", "provider block"},
    {"auth_method", "workload_identity", {{"M365_AUTH_METHOD", NULL}}, "workload_identity",
     "provider block"},

    /* cloud */
    {"cloud", NULL, {{NULL}}, "public", "default"},
    {"cloud", NULL, {{"M365_CLOUD", "gcchigh"}}, "gcchigh", "env M365_CLOUD"},
    {"cloud", NULL, {{"AZURE_CLOUD", "china"}}, "china", "env AZURE_CLOUD"},
    {"cloud", NULL, {{"M365_CLOUD", "gcchigh"}, {"AZURE_CLOUD", "china"}}, "gcchigh",
     "env M365_CLOUD"},
    {"cloud", NULL, {{"M365_CLOUD", ""}, {"AZURE_CLOUD", "china"}}, "china", "env AZURE_CLOUD"},
    {"cloud", NULL, {{"M365_CLOUD", ""}, {"AZURE_CLOUD", ""}}, "public", "default"},
    {"cloud", "dod", {{"M365_CLOUD", "china"}, {"AZURE_CLOUD", "china"}}, "dod",
     "provider block"},

    /* tenant_id */
    {"tenant_id", NULL, {{NULL}}, TENANT, "env AZURE_TENANT_ID"},
    {"tenant_id", NULL, {{"M365_TENANT_ID", "contoso.onmicrosoft.com"}},
     "contoso.onmicrosoft.com", "env M365_TENANT_ID"},
    {"tenant_id", NULL, {{"M365_TENANT_ID", ""}}, TENANT, "env AZURE_TENANT_ID"},
    {"tenant_id", "44444444-4444-4444-4444-444444444444", {{"M365_TENANT_ID", TENANT}},
     "44444444-4444-4444-4444-444444444444", "provider block"},

    /* entra_id_options.client_id */
    {"entra_id_options.client_id", NULL, {{NULL}}, CLIENT, "env AZURE_CLIENT_ID"},
    {"entra_id_options.client_id", NULL, {{"M365_CLIENT_ID", CLIENT_B}}, CLIENT_B,
     "env M365_CLIENT_ID"},
    {"entra_id_options.client_id", NULL, {{"M365_CLIENT_ID", ""}}, CLIENT,
     "env AZURE_CLIENT_ID"},
    {"entra_id_options.client_id", NULL, {{"M365_CLIENT_ID", CLIENT_B}, {"AZURE_CLIENT_ID", NULL}},
     CLIENT_B, "env M365_CLIENT_ID"},
    {"entra_id_options.client_id", "44444444-4444-4444-4444-444444444444",
     {{"M365_CLIENT_ID", CLIENT_B}}, "44444444-4444-4444-4444-444444444444", "provider block"},

    /* entra_id_options.federated_token_file_path */
    {"entra_id_options.federated_token_file_path", NULL, {{NULL}}, TOKEN_FILE,
     "env AZURE_FEDERATED_TOKEN_FILE"},
    {"entra_id_options.federated_token_file_path", NULL,
     {{"AZURE_FEDERATED_TOKEN_FILE", NULL}, {"M365_FEDERATED_TOKEN_FILE", "/m365/token"}},
     "/m365/token", "env M365_FEDERATED_TOKEN_FILE"},
    {"entra_id_options.federated_token_file_path", NULL,
     {{"M365_FEDERATED_TOKEN_FILE", "/m365/token"}}, TOKEN_FILE,
     "env AZURE_FEDERATED_TOKEN_FILE"},
    {"entra_id_options.federated_token_file_path", NULL,
     {{"AZURE_FEDERATED_TOKEN_FILE", ""}, {"M365_FEDERATED_TOKEN_FILE", "/m365/token"}},
     "/m365/token", "env M365_FEDERATED_TOKEN_FILE"},
    {"entra_id_options.federated_token_file_path", "/explicit/token",
     {{"M365_FEDERATED_TOKEN_FILE", "/m365/token"}}, "/explicit/token", "provider block"},

    /* client_options integers */
    {"client_options.timeout_seconds", NULL, {{NULL}}, "30", "default"},
    {"client_options.timeout_seconds", NULL, {{"M365_TIMEOUT_SECONDS", "45"}}, "45",
     "env M365_TIMEOUT_SECONDS"},
    {"client_options.timeout_seconds", NULL, {{"M365_TIMEOUT_SECONDS", ""}}, "30", "default"},
    {"client_options.timeout_seconds", "60", {{"M365_TIMEOUT_SECONDS", "45"}}, "60",
     "provider block"},
    {"client_options.max_retries", NULL, {{NULL}}, "3", "default"},
    {"client_options.max_retries", NULL, {{"M365_MAX_RETRIES", "0"}}, "0",
     "env M365_MAX_RETRIES"},
    {"client_options.max_retries", "5", {{"M365_MAX_RETRIES", "0"}}, "5", "provider block"},
    {"client_options.retry_delay_seconds", NULL, {{NULL}}, "1", "default"},
    {"client_options.retry_delay_seconds", NULL, {{"M365_RETRY_DELAY_SECONDS", "7"}}, "7",
     "env M365_RETRY_DELAY_SECONDS"},
    {"client_options.retry_delay_seconds", "0", {{"M365_RETRY_DELAY_SECONDS", "7"}}, "0",
     "provider block"},

    /* authority_host */
    {"authority_host", NULL, {{NULL}}, "https://login.microsoftonline.com/",
     "default for cloud 'public'"},
    {"authority_host", NULL, {{"M365_CLOUD", "gcchigh"}}, "https://login.microsoftonline.us/",
     "default for cloud 'gcchigh'"},
    {"authority_host", NULL, {{"M365_AUTHORITY_HOST", "https://login.microsoftonline.com"}},
     "https://login.microsoftonline.com/", "env M365_AUTHORITY_HOST"},
    {"authority_host", NULL, {{"AZURE_AUTHORITY_HOST", "https://login.microsoftonline.com/"}},
     "https://login.microsoftonline.com/", "env AZURE_AUTHORITY_HOST"},
    {"authority_host", NULL, {{"AZURE_AUTHORITY_HOST", "https://127.0.0.1:8443//"}},
     "https://127.0.0.1:8443/", "env AZURE_AUTHORITY_HOST"},
    {"authority_host", NULL, {{"AZURE_AUTHORITY_HOST", ""}}, "https://login.microsoftonline.com/",
     "default for cloud 'public'"},
    {"authority_host", NULL,
     {{"M365_CLOUD", "public"}, {"AZURE_AUTHORITY_HOST", "https://127.0.0.1:8443/"}},
     "https://login.microsoftonline.com/", "default for cloud 'public'"},
    {"authority_host", NULL,
     {{"AZURE_CLOUD", "china"}, {"AZURE_AUTHORITY_HOST", "https://127.0.0.1:8443/"}},
     "https://login.chinacloudapi.cn/", "default for cloud 'china'"},
    {"authority_host", NULL,
     {{"M365_AUTHORITY_HOST", "https://127.0.0.1:9443"},
      {"AZURE_AUTHORITY_HOST", "https://127.0.0.1:8443/"}},
     "https://127.0.0.1:9443/", "env M365_AUTHORITY_HOST"},
    {"authority_host", "https://127.0.0.1:7443/",
     {{"M365_AUTHORITY_HOST", "https://127.0.0.1:9443"},
      {"AZURE_AUTHORITY_HOST", "https://127.0.0.1:8443/"}},
     "https://127.0.0.1:7443/", "provider block"},

    /* graph_endpoint */
    {"graph_endpoint", NULL, {{NULL}}, "https://graph.microsoft.com", "default for cloud 'public'"},
    {"graph_endpoint", NULL, {{"M365_CLOUD", "china"}}, "https://microsoftgraph.chinacloudapi.cn",
     "default for cloud 'china'"},
    {"graph_endpoint", NULL, {{"M365_CLOUD", "gcc"}}, "https://graph.microsoft.com",
     "default for cloud 'gcc'"},
    {"graph_endpoint", NULL, {{"M365_CLOUD", "dod"}}, "https://dod-graph.microsoft.us",
     "default for cloud 'dod'"},
    {"graph_endpoint", NULL, {{"M365_GRAPH_ENDPOINT", "https://127.0.0.1:8443/"}},
     "https://127.0.0.1:8443", "env M365_GRAPH_ENDPOINT"},
    {"graph_endpoint", "https://127.0.0.1:7443/graph", {{"M365_GRAPH_ENDPOINT", "https://127.0.0.1:8443/"}},
     "https://127.0.0.1:7443/graph", "provider block"},

    /* scope */
    {"scope", NULL, {{NULL}}, "https://graph.microsoft.com/.default", "default for cloud 'public'"},
    {"scope", NULL, {{"M365_CLOUD", "gcc"}}, "https://graph.microsoft.com/.default",
     "default for cloud 'gcc'"},
    {"scope", NULL, {{"M365_CLOUD", "dod"}}, "https://dod-graph.microsoft.us/.default",
     "default for cloud 'dod'"},
    {"scope", NULL, {{"M365_CLOUD", "gcchigh"}}, "https://graph.microsoft.us/.default",
     "default for cloud 'gcchigh'"},
    {"scope", NULL, {{"M365_SCOPE", "api://emulator/.default"}}, "api://emulator/.default",
     "env M365_SCOPE"},
    {"scope", "00000003-0000-0000-c000-000000000000/.default",
     {{"M365_SCOPE", "api://emulator/.default"}}, "00000003-0000-0000-c000-000000000000/.default",
     "provider block"},

    /* ca_bundle: a PEM file with one CA certificate */
    {"ca_bundle", NULL, {{NULL}}, NULL, "unset"},
    {"ca_bundle", NULL, {{"M365_CA_BUNDLE", CA_PEM}}, CA_PEM, "env M365_CA_BUNDLE"},
    {"ca_bundle", CA_PEM, {{"M365_CA_BUNDLE", "/nonexistent/ca.pem"}}, CA_PEM,
     "provider block"},

    /* federated_token_audience */
    {"federated_token_audience", NULL, {{NULL}}, "api://AzureADTokenExchange",
     "default for cloud 'public'"},
    {"federated_token_audience", NULL, {{"M365_CLOUD", "gcchigh"}},
     "api://AzureADTokenExchangeUSGov", "default for cloud 'gcchigh'"},
    {"federated_token_audience", NULL, {{"M365_CLOUD", "dod"}}, "api://AzureADTokenExchangeUSGov",
     "default for cloud 'dod'"},
    {"federated_token_audience", NULL, {{"M365_CLOUD", "china"}}, "api://AzureADTokenExchangeChina",
     "default for cloud 'china'"},
    {"federated_token_audience", NULL, {{"M365_CLOUD", "ex"}}, "api://AzureADTokenExchangeUSNat",
     "default for cloud 'ex'"},
    {"federated_token_audience", NULL, {{"M365_CLOUD", "rx"}}, "api://AzureADTokenExchangeUSSec",
     "default for cloud 'rx'"},
    {"federated_token_audience", NULL, {{"M365_FEDERATED_TOKEN_AUDIENCE", "api://custom"}},
     "api://custom", "env M365_FEDERATED_TOKEN_AUDIENCE"},
    {"federated_token_audience", "api://explicit",
     {{"M365_FEDERATED_TOKEN_AUDIENCE", "api://custom"}}, "api://explicit", "provider block"},
};

static void test_config_resolve__precedence_table(void **state)
{
    size_t i;
    size_t j;

    (void)state;
    for (i = 0; i < sizeof(precedence_cases) / sizeof(precedence_cases[0]); i++) {
        const struct precedence_case *c = &precedence_cases[i];
        struct fixture *f = NULL;
        const char *value = NULL;
        const char *source = NULL;
        int rc;

        setup_fixture((void **)&f);
        set_baseline_env(f);
        for (j = 0; j < MAX_PAIRS && c->env[j][0] != NULL; j++)
            fake_env_set(&f->env, c->env[j][0], c->env[j][1]);
        if (c->explicit_value != NULL)
            assert_int_equal(m365id_ctx_set(f->ctx, c->key, c->explicit_value, "provider block"),
                             M365ID_OK);

        rc = m365id_ctx_configure(f->ctx);
        if (rc != M365ID_OK) {
            print_error("case %zu (%s): configure failed: %s\n", i, c->key,
                        m365id_last_error(f->ctx)->message);
            fail();
        }
        assert_int_equal(m365id_ctx_setting(&value, &source, f->ctx, c->key), M365ID_OK);
        if (c->expected_value == NULL ? value != NULL
                                      : value == NULL || strcmp(value, c->expected_value) != 0) {
            print_error("case %zu (%s): value '%s', expected '%s'\n", i, c->key,
                        value != NULL ? value : "(null)",
                        c->expected_value != NULL ? c->expected_value : "(null)");
            fail();
        }
        if (source == NULL || strcmp(source, c->expected_source) != 0) {
            print_error("case %zu (%s): source '%s', expected '%s'\n", i, c->key,
                        source != NULL ? source : "(null)", c->expected_source);
            fail();
        }
        teardown_fixture((void **)&f);
    }
}

static void test_config_resolve__every_key_in_precedence_table(void **state)
{
    const char *const *names = m365id_setting_names();
    size_t i;
    size_t j;

    (void)state;
    for (i = 0; names[i] != NULL; i++) {
        int explicit_case = 0;
        int env_case = 0;

        for (j = 0; j < sizeof(precedence_cases) / sizeof(precedence_cases[0]); j++) {
            if (strcmp(precedence_cases[j].key, names[i]) != 0)
                continue;
            explicit_case |= precedence_cases[j].explicit_value != NULL;
            env_case |= strncmp(precedence_cases[j].expected_source, "env ", 4) == 0;
        }
        if (!explicit_case || !env_case) {
            print_error("key %s lacks an explicit or an env case\n", names[i]);
            fail();
        }
    }
}

static void test_config_resolve__setting_names_follow_key_enum(void **state)
{
    const char *const *names = m365id_setting_names();
    size_t i;

    (void)state;
    for (i = 0; i < M365ID__KEY_COUNT; i++) {
        assert_non_null(names[i]);
        assert_string_equal(names[i], m365id__keys[i].name);
    }
    assert_null(names[M365ID__KEY_COUNT]);
    assert_string_equal(names[M365ID__KEY_TENANT_ID], "tenant_id");
    assert_string_equal(names[M365ID__KEY_TOKEN_FILE], "entra_id_options.federated_token_file_path");
    assert_string_equal(names[M365ID__KEY_TOKEN_AUDIENCE], "federated_token_audience");
}

static void test_config_resolve__empty_env_is_logged_and_ignored(void **state)
{
    struct fixture *f = *state;
    const char *value;

    set_baseline_env(f);
    fake_env_set(&f->env, "M365_CLIENT_ID", "");
    fake_env_set(&f->env, "M365_TENANT_ID", "");
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);

    assert_true(log_has(&f->log, M365ID_LOG_DEBUG, "ignoring env M365_CLIENT_ID because it is empty"));
    assert_true(log_has(&f->log, M365ID_LOG_DEBUG, "ignoring env M365_TENANT_ID because it is empty"));
    assert_int_equal(m365id_ctx_setting(&value, NULL, f->ctx, "entra_id_options.client_id"), 0);
    assert_string_equal(value, CLIENT);
}

static void test_config_resolve__empty_explicit_value_is_ignored(void **state)
{
    struct fixture *f = *state;
    const char *value;
    const char *source;

    set_baseline_env(f);
    assert_int_equal(m365id_ctx_set(f->ctx, "tenant_id", "", "--tenant-id"), M365ID_OK);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);

    assert_int_equal(m365id_ctx_setting(&value, &source, f->ctx, "tenant_id"), M365ID_OK);
    assert_string_equal(value, TENANT);
    assert_string_equal(source, "env AZURE_TENANT_ID");
    assert_true(log_has(&f->log, M365ID_LOG_DEBUG, "ignoring tenant_id from --tenant-id"));
}

static void test_config_resolve__default_cloud_is_logged(void **state)
{
    struct fixture *f = *state;

    set_baseline_env(f);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_true(log_has(&f->log, M365ID_LOG_INFO, "cloud not set; using 'public'"));
}

static void test_config_resolve__chosen_cloud_is_not_logged_as_default(void **state)
{
    struct fixture *f = *state;

    set_baseline_env(f);
    fake_env_set(&f->env, "AZURE_CLOUD", "public");
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_false(log_has(&f->log, -1, "cloud not set"));
}

static void test_config_resolve__azure_authority_host_loses_to_cloud(void **state)
{
    struct fixture *f = *state;
    const char *value;
    const char *source;

    set_baseline_env(f);
    fake_env_set(&f->env, "AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us/");
    assert_int_equal(m365id_ctx_set(f->ctx, "cloud", "public", "provider block"), M365ID_OK);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);

    assert_int_equal(m365id_ctx_setting(&value, &source, f->ctx, "authority_host"), M365ID_OK);
    assert_string_equal(value, "https://login.microsoftonline.com/");
    assert_string_equal(source, "default for cloud 'public'");
    assert_int_equal(log_count_level(&f->log, M365ID_LOG_WARN), 1);
    assert_true(log_has(&f->log, M365ID_LOG_WARN, "AZURE_AUTHORITY_HOST 'https://login.microsoftonline.us/'"));
    assert_true(log_has(&f->log, M365ID_LOG_WARN, "'https://login.microsoftonline.com/'"));
    assert_true(log_has(&f->log, M365ID_LOG_WARN, "cloud 'public' (provider block)"));
    assert_true(log_has(&f->log, M365ID_LOG_WARN, "the cloud wins"));
}

static void test_config_resolve__matching_azure_authority_host_is_quiet(void **state)
{
    struct fixture *f = *state;

    set_baseline_env(f);
    fake_env_set(&f->env, "M365_CLOUD", "china");
    fake_env_set(&f->env, "AZURE_AUTHORITY_HOST", "https://login.partner.microsoftonline.cn/");
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_int_equal(log_count_level(&f->log, M365ID_LOG_WARN), 0);

    fake_env_set(&f->env, "AZURE_AUTHORITY_HOST", "https://LOGIN.chinacloudapi.cn");
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_int_equal(log_count_level(&f->log, M365ID_LOG_WARN), 0);
}

static void test_config_resolve__resolved_values_logged_with_source(void **state)
{
    struct fixture *f = *state;

    set_baseline_env(f);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_true(log_has(&f->log, M365ID_LOG_DEBUG, "tenant_id = '" TENANT "' (env AZURE_TENANT_ID)"));
    assert_true(log_has(&f->log, M365ID_LOG_DEBUG,
                        "entra_id_options.federated_token_file_path = '" TOKEN_FILE
                        "' (env AZURE_FEDERATED_TOKEN_FILE)"));
    assert_true(log_has(&f->log, M365ID_LOG_DEBUG,
                        "authority_host = 'https://login.microsoftonline.com/' (default for cloud "
                        "'public')"));
    assert_true(log_has(&f->log, M365ID_LOG_DEBUG, "ca_bundle is unset"));
    assert_true(log_has(&f->log, M365ID_LOG_DEBUG, "client_options.max_retries = '3' (default)"));
}

static void test_config_resolve__derived_endpoints_and_limits(void **state)
{
    struct fixture *f = *state;
    const struct m365id__config *cfg = &f->ctx->cfg;

    set_baseline_env(f);
    fake_env_set(&f->env, "M365_AUTHORITY_HOST", "https://127.0.0.1:8443///");
    fake_env_set(&f->env, "M365_GRAPH_ENDPOINT", "https://127.0.0.1:8443/graph/");
    fake_env_set(&f->env, "M365_TIMEOUT_SECONDS", "12");
    fake_env_set(&f->env, "M365_MAX_RETRIES", "4");
    fake_env_set(&f->env, "M365_RETRY_DELAY_SECONDS", "2");
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);

    assert_string_equal(cfg->token_endpoint, "https://127.0.0.1:8443/" TENANT "/oauth2/v2.0/token");
    assert_string_equal(cfg->graph_root, "https://127.0.0.1:8443/graph");
    assert_int_equal(cfg->timeout_ms, 12000);
    assert_int_equal(cfg->max_retries, 4);
    assert_int_equal(cfg->retry_delay_ms, 2000);
    assert_non_null(cfg->cloud);
    assert_string_equal(cfg->cloud->name, "public");
    assert_string_equal(m365id__cfg(f->ctx, M365ID__KEY_TENANT_ID), TENANT);
    assert_string_equal(m365id__cfg_source(f->ctx, M365ID__KEY_CA_BUNDLE), "unset");
}

static void test_config_resolve__default_token_endpoint_per_cloud(void **state)
{
    struct fixture *f = *state;

    set_baseline_env(f);
    fake_env_set(&f->env, "M365_CLOUD", "gcchigh");
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_string_equal(f->ctx->cfg.token_endpoint,
                        "https://login.microsoftonline.us/" TENANT "/oauth2/v2.0/token");
    assert_string_equal(f->ctx->cfg.graph_root, "https://graph.microsoft.us");
    assert_int_equal(f->ctx->cfg.timeout_ms, 30000);
    assert_int_equal(f->ctx->cfg.max_retries, 3);
    assert_int_equal(f->ctx->cfg.retry_delay_ms, 1000);
}

static void test_config_resolve__integers_stored_in_canonical_form(void **state)
{
    struct fixture *f = *state;
    const char *value;

    set_baseline_env(f);
    fake_env_set(&f->env, "M365_TIMEOUT_SECONDS", "0045");
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_int_equal(m365id_ctx_setting(&value, NULL, f->ctx, "client_options.timeout_seconds"), 0);
    assert_string_equal(value, "45");
}

static void test_config_resolve__setting_before_configure_is_einval(void **state)
{
    struct fixture *f = *state;
    const char *value = "x";
    const char *source = "x";

    assert_int_equal(m365id_ctx_setting(&value, &source, f->ctx, "tenant_id"), M365ID_EINVAL);
    assert_null(value);
    assert_null(source);
    assert_int_equal(m365id_ctx_setting(&value, &source, NULL, "tenant_id"), M365ID_EINVAL);
}

static void test_config_resolve__unknown_key_is_einval(void **state)
{
    struct fixture *f = *state;
    const char *value;

    assert_int_equal(m365id_ctx_set(f->ctx, "tenant", TENANT, NULL), M365ID_EINVAL);
    assert_int_equal(m365id_last_error(f->ctx)->code, M365ID_EINVAL);
    assert_contains(m365id_last_error(f->ctx)->message, "unknown setting 'tenant'");
    assert_contains(m365id_last_error(f->ctx)->hint, "tenant_id");

    set_baseline_env(f);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_int_equal(m365id_ctx_setting(&value, NULL, f->ctx, "tenant"), M365ID_EINVAL);
    assert_int_equal(m365id_ctx_setting(&value, NULL, f->ctx, NULL), M365ID_EINVAL);
    assert_int_equal(m365id_ctx_set(f->ctx, NULL, "x", NULL), M365ID_EINVAL);
    assert_int_equal(m365id_ctx_set(NULL, "tenant_id", "x", NULL), M365ID_EINVAL);
}

static void test_config_resolve__null_value_unsets_explicit(void **state)
{
    struct fixture *f = *state;
    const char *value;
    const char *source;

    set_baseline_env(f);
    assert_int_equal(m365id_ctx_set(f->ctx, "entra_id_options.client_id", CLIENT_B, NULL), 0);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_int_equal(m365id_ctx_setting(&value, &source, f->ctx, "entra_id_options.client_id"), 0);
    assert_string_equal(value, CLIENT_B);
    assert_string_equal(source, "configuration");

    assert_int_equal(m365id_ctx_set(f->ctx, "entra_id_options.client_id", NULL, NULL), 0);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_int_equal(m365id_ctx_setting(&value, &source, f->ctx, "entra_id_options.client_id"), 0);
    assert_string_equal(value, CLIENT);
    assert_string_equal(source, "env AZURE_CLIENT_ID");
}

static void test_config_resolve__configure_again_resolves_afresh(void **state)
{
    struct fixture *f = *state;
    const char *value;

    set_baseline_env(f);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    fake_env_set(&f->env, "AZURE_TENANT_ID", "contoso.onmicrosoft.com");
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_int_equal(m365id_ctx_setting(&value, NULL, f->ctx, "tenant_id"), M365ID_OK);
    assert_string_equal(value, "contoso.onmicrosoft.com");
    assert_string_equal(f->ctx->cfg.token_endpoint,
                        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
}

static void test_config_resolve__failed_configure_unconfigures(void **state)
{
    struct fixture *f = *state;
    const char *value;

    set_baseline_env(f);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    fake_env_set(&f->env, "AZURE_TENANT_ID", NULL);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_ECONFIG);
    assert_int_equal(m365id_ctx_setting(&value, NULL, f->ctx, "tenant_id"), M365ID_EINVAL);

    fake_env_set(&f->env, "AZURE_TENANT_ID", TENANT);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_int_equal(m365id_last_error(f->ctx)->code, M365ID_OK);
}

static void test_config_resolve__hostile_origin_is_quoted(void **state)
{
    struct fixture *f = *state;
    const char *source;

    set_baseline_env(f);
    assert_int_equal(m365id_ctx_set(f->ctx, "tenant_id", "not a tenant", "%s%n\nfile:3"), 0);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_ECONFIG);
    assert_contains(m365id_last_error(f->ctx)->message, "(%s%n\\nfile:3)");
    assert_null(strchr(m365id_last_error(f->ctx)->message, '\n'));

    assert_int_equal(m365id_ctx_set(f->ctx, "tenant_id", TENANT, "%s%n\nfile:3"), 0);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_int_equal(m365id_ctx_setting(NULL, &source, f->ctx, "tenant_id"), M365ID_OK);
    assert_string_equal(source, "%s%n\\nfile:3");
}

static void test_config_resolve__real_getenv_when_no_callback(void **state)
{
    m365id_ctx *ctx = m365id_ctx_new();
    const char *value;

    (void)state;
    assert_non_null(ctx);
    /* With getenv(3) restored, explicit values alone must configure the context, whatever
     * the test runner's environment holds, because explicit values win. */
    m365id_ctx_set_getenv(ctx, fake_getenv, NULL);
    m365id_ctx_set_getenv(ctx, NULL, NULL);
    assert_int_equal(m365id_ctx_set(ctx, "auth_method", "workload_identity", NULL), 0);
    assert_int_equal(m365id_ctx_set(ctx, "cloud", "public", NULL), 0);
    assert_int_equal(m365id_ctx_set(ctx, "tenant_id", TENANT, NULL), 0);
    assert_int_equal(m365id_ctx_set(ctx, "entra_id_options.client_id", CLIENT, NULL), 0);
    assert_int_equal(m365id_ctx_set(ctx, "entra_id_options.federated_token_file_path", TOKEN_FILE,
                                    NULL), 0);
    assert_int_equal(m365id_ctx_set(ctx, "authority_host", "https://login.microsoftonline.com/",
                                    NULL), 0);
    assert_int_equal(m365id_ctx_set(ctx, "graph_endpoint", "https://graph.microsoft.com", NULL), 0);
    assert_int_equal(m365id_ctx_set(ctx, "scope", "https://graph.microsoft.com/.default", NULL), 0);
    assert_int_equal(m365id_ctx_set(ctx, "ca_bundle", CA_PEM, NULL), 0);
    assert_int_equal(m365id_ctx_set(ctx, "federated_token_audience", "api://AzureADTokenExchange",
                                    NULL), 0);
    assert_int_equal(m365id_ctx_set(ctx, "client_options.timeout_seconds", "30", NULL), 0);
    assert_int_equal(m365id_ctx_set(ctx, "client_options.max_retries", "3", NULL), 0);
    assert_int_equal(m365id_ctx_set(ctx, "client_options.retry_delay_seconds", "1", NULL), 0);
    assert_int_equal(m365id_ctx_configure(ctx), M365ID_OK);
    assert_int_equal(m365id_ctx_setting(&value, NULL, ctx, "tenant_id"), M365ID_OK);
    assert_string_equal(value, TENANT);
    m365id_ctx_free(ctx);
}

/*
 * Allocation failure injection. The test program links with --wrap for malloc, calloc and
 * strdup, so calls from the library and util objects land here. Calls inside libc do not.
 */
void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
char *__wrap_strdup(const char *s);

static int alloc_countdown; /* 0: off; otherwise the allocation that fails, counting from 1 */
static int alloc_failed;

static int alloc_should_fail(void)
{
    if (alloc_countdown == 0)
        return 0;
    if (--alloc_countdown == 0) {
        alloc_failed = 1;
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t size)
{
    return alloc_should_fail() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t count, size_t size)
{
    return alloc_should_fail() ? NULL : __real_calloc(count, size);
}

char *__wrap_strdup(const char *s)
{
    return alloc_should_fail() ? NULL : __real_strdup(s);
}

static void test_config_resolve__allocation_failures(void **state)
{
    int n;

    (void)state;
    for (n = 1; n < 1000; n++) {
        struct fixture *f = NULL;
        int rc;
        int set_rc;

        setup_fixture((void **)&f);
        set_baseline_env(f);
        fake_env_set(&f->env, "M365_CA_BUNDLE", CA_PEM);

        alloc_failed = 0;
        alloc_countdown = n;
        set_rc = m365id_ctx_set(f->ctx, "tenant_id", TENANT, "--tenant-id");
        rc = set_rc == M365ID_OK ? m365id_ctx_configure(f->ctx) : set_rc;
        alloc_countdown = 0;

        if (!alloc_failed) {
            assert_int_equal(rc, M365ID_OK);
            assert_true(n > 10);
            teardown_fixture((void **)&f);
            return;
        }
        if (rc != M365ID_ENOMEM) {
            print_error("allocation %d: rc %d (%s)\n", n, rc, m365id_last_error(f->ctx)->message);
            fail();
        }
        assert_int_equal(m365id_last_error(f->ctx)->code, M365ID_ENOMEM);
        assert_non_null(m365id_last_error(f->ctx)->message);
        assert_int_equal(m365id_ctx_setting(NULL, NULL, f->ctx, "tenant_id"), M365ID_EINVAL);

        /* The context stays usable once memory is back. */
        assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
        teardown_fixture((void **)&f);
    }
    fail_msg("configure still failed after %d allocations", n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_resolve__precedence_table),
        cmocka_unit_test(test_config_resolve__every_key_in_precedence_table),
        cmocka_unit_test(test_config_resolve__setting_names_follow_key_enum),
        cmocka_unit_test_setup_teardown(test_config_resolve__empty_env_is_logged_and_ignored,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__empty_explicit_value_is_ignored,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__default_cloud_is_logged,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__chosen_cloud_is_not_logged_as_default,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__azure_authority_host_loses_to_cloud,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__matching_azure_authority_host_is_quiet,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__resolved_values_logged_with_source,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__derived_endpoints_and_limits,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__default_token_endpoint_per_cloud,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__integers_stored_in_canonical_form,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__setting_before_configure_is_einval,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__unknown_key_is_einval,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__null_value_unsets_explicit,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__configure_again_resolves_afresh,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__failed_configure_unconfigures,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__hostile_origin_is_quoted,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test(test_config_resolve__real_getenv_when_no_callback),
        cmocka_unit_test(test_config_resolve__allocation_failures),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
