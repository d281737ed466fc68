/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Tests of src/lib/config/resolve.c and keys.c: precedence of explicit values, environment
 * variables and defaults for every setting, parse failures in variables, lists, debug_mode, the
 * HTTP fields, the AZURE_AUTHORITY_HOST rule, log lines, and the setting API.
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
    {"client_options.federated_credential_retries", NULL, {{NULL}}, "2", "default"},
    {"client_options.federated_credential_retries", NULL,
     {{"M365_FEDERATED_CREDENTIAL_RETRIES", "0"}}, "0", "env M365_FEDERATED_CREDENTIAL_RETRIES"},
    {"client_options.federated_credential_retries", "4",
     {{"M365_FEDERATED_CREDENTIAL_RETRIES", "0"}}, "4", "provider block"},
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

/*
 * The settings added after the first release, one row each, tested as a full matrix: the
 * default, each variable alone, the variables in priority order, an empty variable skipped,
 * and an explicit value winning over every variable. Values are written as given (in) and as
 * resolved (out). The variable lists are the provider's, written out here independently of
 * the library's table.
 */
#define RESOURCE_ID                                                                            \
    "/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/rg-a/providers/"       \
    "Microsoft.ManagedIdentity/userAssignedIdentities/mi-a"

struct matrix_row {
    const char *key;
    const char *env[3];         /* priority order, NULL-terminated */
    const char *in[2];          /* value for env[0] (and explicit: in[1]), value for env[1] */
    const char *out[2];         /* resolved forms of in[0] and in[1] */
    const char *default_value;  /* NULL: unset */
    const char *default_source; /* "unset" for NULL */
    const char *companion[2];   /* another variable the value needs, or NULL */
};

static const struct matrix_row matrix_rows[] = {
    {"telemetry_optout", {"M365_TELEMETRY_OPTOUT"}, {"1", "f"}, {"true", "false"}, "false",
     "default", {NULL}},
    {"debug_mode", {"M365_DEBUG_MODE"}, {"TRUE", "False"}, {"true", "false"}, "false", "default",
     {NULL}},
    {"entra_id_options.client_secret", {"M365_CLIENT_SECRET"}, {"secret-a~1", "secret-b~2"},
     {"secret-a~1", "secret-b~2"}, NULL, "unset", {NULL}},
    {"entra_id_options.client_certificate", {"M365_CLIENT_CERTIFICATE_FILE_PATH"},
     {"/etc/m365id/a.pfx", "/etc/m365id/b.pfx"}, {"/etc/m365id/a.pfx", "/etc/m365id/b.pfx"},
     NULL, "unset", {NULL}},
    {"entra_id_options.client_certificate_password", {"M365_CLIENT_CERTIFICATE_PASSWORD"},
     {"pfx-pass-a", "pfx-pass-b"}, {"pfx-pass-a", "pfx-pass-b"}, NULL, "unset", {NULL}},
    {"entra_id_options.send_certificate_chain", {"M365_SEND_CERTIFICATE_CHAIN"}, {"t", "0"},
     {"true", "false"}, "false", "default", {NULL}},
    {"entra_id_options.username", {"M365_USERNAME"}, {"alice@contoso.com", "bob"},
     {"alice@contoso.com", "bob"}, NULL, "unset", {NULL}},
    {"entra_id_options.password", {"M365_PASSWORD"}, {"hunter2-a", "hunter2-b"},
     {"hunter2-a", "hunter2-b"}, NULL, "unset", {NULL}},
    {"entra_id_options.disable_instance_discovery", {"M365_DISABLE_INSTANCE_DISCOVERY"},
     {"True", "F"}, {"true", "false"}, "false", "default", {NULL}},
    {"entra_id_options.additionally_allowed_tenants", {"M365_ADDITIONALLY_ALLOWED_TENANTS"},
     {" 44444444-4444-4444-4444-444444444444 , ,contoso.onmicrosoft.com,", "*"},
     {"44444444-4444-4444-4444-444444444444,contoso.onmicrosoft.com", "*"}, NULL, "unset",
     {NULL}},
    {"entra_id_options.redirect_url", {"M365_REDIRECT_URI", "M365_REDIRECT_URL"},
     {"http://localhost:8400/a", "https://app.example.com/cb?x=1"},
     {"http://localhost:8400/a", "https://app.example.com/cb?x=1"}, NULL, "unset", {NULL}},
    /* The baseline's AZURE_CLIENT_ID feeds this setting too, and must stay a GUID. */
    {"entra_id_options.managed_identity_id", {"M365_MANAGED_IDENTITY_ID", "AZURE_CLIENT_ID"},
     {RESOURCE_ID, CLIENT_B}, {RESOURCE_ID, CLIENT_B}, CLIENT, "env AZURE_CLIENT_ID", {NULL}},
    {"entra_id_options.oidc_token_file_path", {"M365_OIDC_TOKEN_FILE_PATH"},
     {"/run/oidc/a", "/run/oidc/b"}, {"/run/oidc/a", "/run/oidc/b"}, NULL, "unset", {NULL}},
    {"entra_id_options.oidc_request_token",
     {"M365_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"}, {"req-token-a", "req-token-b"},
     {"req-token-a", "req-token-b"}, NULL, "unset", {NULL}},
    {"entra_id_options.oidc_request_url", {"M365_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL"},
     {"https://token.example.com/a?api-version=2.0", "http://127.0.0.1:9/b"},
     {"https://token.example.com/a?api-version=2.0", "http://127.0.0.1:9/b"}, NULL, "unset",
     {NULL}},
    {"entra_id_options.oidc_audience", {"M365_OIDC_AUDIENCE"}, {"api://custom-a", "api://b"},
     {"api://custom-a", "api://b"}, "api://AzureADTokenExchange", "default for cloud 'public'",
     {NULL}},
    {"entra_id_options.ado_service_connection_id",
     {"ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID", "ARM_OIDC_AZURE_SERVICE_CONNECTION_ID"},
     {"66666666-6666-6666-6666-666666666666", "77777777-7777-7777-7777-777777777777"},
     {"66666666-6666-6666-6666-666666666666", "77777777-7777-7777-7777-777777777777"}, NULL,
     "unset", {NULL}},
    {"client_options.enable_headers_inspection", {"M365_ENABLE_HEADERS_INSPECTION"}, {"1", "0"},
     {"true", "false"}, "false", "default", {NULL}},
    {"client_options.enable_retry", {"M365_ENABLE_RETRY"}, {"false", "T"}, {"false", "true"},
     "true", "default", {NULL}},
    {"client_options.enable_redirect", {"M365_ENABLE_REDIRECT"}, {"true", "FALSE"},
     {"true", "false"}, "false", "default", {NULL}},
    {"client_options.max_redirects", {"M365_MAX_REDIRECTS"}, {"7", "+3"}, {"7", "3"}, "5",
     "default", {NULL}},
    {"client_options.enable_compression", {"M365_ENABLE_COMPRESSION"}, {"t", "F"},
     {"true", "false"}, "false", "default", {NULL}},
    {"client_options.custom_user_agent", {"M365_CUSTOM_USER_AGENT"},
     {"m365id-test/1.0 (ci)", "other/2"}, {"m365id-test/1.0 (ci)", "other/2"}, NULL, "unset",
     {NULL}},
    {"client_options.use_proxy", {"M365_USE_PROXY"}, {"TRUE", "0"}, {"true", "false"}, "false",
     "default", {"M365_PROXY_URL", "http://proxy.example.com:3128"}},
    {"client_options.proxy_url", {"M365_PROXY_URL"},
     {"http://proxy.example.com:3128", "socks5h://[::1]:1080"},
     {"http://proxy.example.com:3128", "socks5h://[::1]:1080"}, NULL, "unset", {NULL}},
    {"client_options.proxy_username", {"M365_PROXY_USERNAME"}, {"proxy-user-a", "proxy-user-b"},
     {"proxy-user-a", "proxy-user-b"}, NULL, "unset", {"M365_PROXY_PASSWORD", "pw"}},
    {"client_options.proxy_password", {"M365_PROXY_PASSWORD"}, {"proxy-pass-a", "proxy-pass-b"},
     {"proxy-pass-a", "proxy-pass-b"}, NULL, "unset", {"M365_PROXY_USERNAME", "user"}},
    {"client_options.enable_chaos", {"M365_ENABLE_CHAOS"}, {"1", "false"}, {"true", "false"},
     "false", "default", {NULL}},
    {"client_options.chaos_percentage", {"M365_CHAOS_PERCENTAGE"}, {"50", "0042"}, {"50", "42"},
     "10", "default", {NULL}},
    {"client_options.chaos_status_code", {"M365_CHAOS_STATUS_CODE"}, {"503", "429"},
     {"503", "429"}, "0", "default", {NULL}},
    {"client_options.chaos_status_message", {"M365_CHAOS_STATUS_MESSAGE"},
     {"Service Unavailable", "slow down"}, {"Service Unavailable", "slow down"}, NULL, "unset",
     {NULL}},
};

/* One configure of the matrix: @p env pairs over the baseline, @p explicit_value if set. */
static void check_matrix_case(const struct matrix_row *row, const char *label,
                              const char *(*env)[2], size_t env_count,
                              const char *explicit_value, const char *want_value,
                              const char *want_source)
{
    struct fixture *f = NULL;
    const char *value = NULL;
    const char *source = NULL;
    size_t i;

    setup_fixture((void **)&f);
    set_baseline_env(f);
    /* The companion would be incomplete alone, as a proxy password without its user is. */
    if (row->companion[0] != NULL && want_value != NULL)
        fake_env_set(&f->env, row->companion[0], row->companion[1]);
    for (i = 0; i < env_count; i++)
        fake_env_set(&f->env, env[i][0], env[i][1]);
    if (explicit_value != NULL)
        assert_int_equal(m365id_ctx_set(f->ctx, row->key, explicit_value, "provider block"), 0);

    if (m365id_ctx_configure(f->ctx) != M365ID_OK) {
        print_error("%s, %s: configure failed: %s\n", row->key, label,
                    m365id_last_error(f->ctx)->message);
        fail();
    }
    assert_int_equal(m365id_ctx_setting(&value, &source, f->ctx, row->key), M365ID_OK);
    if (want_value == NULL ? value != NULL : value == NULL || strcmp(value, want_value) != 0) {
        print_error("%s, %s: value '%s', expected '%s'\n", row->key, label,
                    value != NULL ? value : "(null)", want_value != NULL ? want_value : "(null)");
        fail();
    }
    if (source == NULL || strcmp(source, want_source) != 0) {
        print_error("%s, %s: source '%s', expected '%s'\n", row->key, label,
                    source != NULL ? source : "(null)", want_source);
        fail();
    }
    teardown_fixture((void **)&f);
}

static void test_config_resolve__precedence_matrix(void **state)
{
    char source[96];
    size_t r;
    size_t i;

    (void)state;
    for (r = 0; r < sizeof(matrix_rows) / sizeof(matrix_rows[0]); r++) {
        const struct matrix_row *row = &matrix_rows[r];
        const char *env[3][2] = {{NULL}};
        size_t env_count = 0;
        int index;

        /* The library reads the same variables in the same order. */
        index = m365id__key_index(row->key);
        assert_true(index >= 0);
        for (i = 0; i < 3; i++) {
            if (row->env[i] == NULL) {
                assert_null(m365id__keys[index].env[i]);
                break;
            }
            assert_non_null(m365id__keys[index].env[i]);
            assert_string_equal(m365id__keys[index].env[i], row->env[i]);
            env_count++;
        }

        check_matrix_case(row, "default", NULL, 0, NULL, row->default_value, row->default_source);

        /* Each variable alone. */
        for (i = 0; i < env_count; i++) {
            const char *one[1][2] = {{row->env[i], row->in[i]}};


            snprintf(source, sizeof(source), "env %s", row->env[i]);
            check_matrix_case(row, "one variable", one, 1, NULL, row->out[i], source);
        }

        /* Every variable at once: the first wins. */
        for (i = 0; i < env_count; i++) {
            env[i][0] = row->env[i];
            env[i][1] = row->in[i];
        }
        snprintf(source, sizeof(source), "env %s", row->env[0]);
        check_matrix_case(row, "priority", env, env_count, NULL, row->out[0], source);

        /* An empty first variable is skipped. */
        env[0][1] = "";
        if (env_count > 1) {
            snprintf(source, sizeof(source), "env %s", row->env[1]);
            check_matrix_case(row, "empty first", env, env_count, NULL, row->out[1], source);
        } else {
            check_matrix_case(row, "empty", env, env_count, NULL, row->default_value,
                              row->default_source);
        }

        /* An explicit value wins over every variable. */
        env[0][1] = row->in[0];
        check_matrix_case(row, "explicit", env, env_count, row->in[1], row->out[1],
                          "provider block");
    }
}

/* Unparsable boolean and integer variables are skipped with a warning naming them. */
static void test_config_resolve__unparsable_env_warns_and_falls_back(void **state)
{
    static const struct {
        const char *name;
        const char *value;
        const char *key;
        const char *want;
        const char *want_source;
        const char *warning;
    } cases[] = {
        {"M365_USE_PROXY", "yes", "client_options.use_proxy", "false", "default",
         "ignoring env M365_USE_PROXY 'yes' because it is not a boolean; accepted spellings: 1, "
         "t, T, TRUE, true, True, 0, f, F, FALSE, false, False"},
        {"M365_ENABLE_RETRY", "on", "client_options.enable_retry", "true", "default",
         "ignoring env M365_ENABLE_RETRY 'on'"},
        {"M365_DEBUG_MODE", "tRuE", "debug_mode", "false", "default",
         "ignoring env M365_DEBUG_MODE 'tRuE'"},
        {"M365_SEND_CERTIFICATE_CHAIN", " true", "entra_id_options.send_certificate_chain",
         "false", "default", "ignoring env M365_SEND_CERTIFICATE_CHAIN ' true'"},
        {"M365_TIMEOUT_SECONDS", "30s", "client_options.timeout_seconds", "30", "default",
         "ignoring env M365_TIMEOUT_SECONDS '30s' because it is not a base-10 integer"},
        {"M365_MAX_RETRIES", "0x3", "client_options.max_retries", "3", "default",
         "ignoring env M365_MAX_RETRIES '0x3'"},
        {"M365_RETRY_DELAY_SECONDS", "99999999999999999999999",
         "client_options.retry_delay_seconds", "1", "default",
         "ignoring env M365_RETRY_DELAY_SECONDS '99999999999999999999999'"},
        {"M365_MAX_REDIRECTS", "1_0", "client_options.max_redirects", "5", "default",
         "ignoring env M365_MAX_REDIRECTS '1_0'"},
        {"M365_CHAOS_PERCENTAGE", "", "client_options.chaos_percentage", "10", "default", NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fixture *f = NULL;
        const char *value;
        const char *source;

        setup_fixture((void **)&f);
        set_baseline_env(f);
        fake_env_set(&f->env, cases[i].name, cases[i].value);
        assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
        assert_int_equal(m365id_ctx_setting(&value, &source, f->ctx, cases[i].key), M365ID_OK);
        assert_string_equal(value, cases[i].want);
        assert_string_equal(source, cases[i].want_source);
        if (cases[i].warning != NULL) {
            if (!log_has(&f->log, M365ID_LOG_WARN, cases[i].warning)) {
                print_error("case %s: no warning '%s'\n", cases[i].name, cases[i].warning);
                fail();
            }
            assert_int_equal(log_count_level(&f->log, M365ID_LOG_WARN), 1);
        } else {
            assert_int_equal(log_count_level(&f->log, M365ID_LOG_WARN), 0);
        }
        teardown_fixture((void **)&f);
    }
}

/* With two variables, an unparsable first one gives way to the second. */
static void test_config_resolve__unparsable_first_env_uses_next(void **state)
{
    struct fixture *f = *state;
    const char *value;
    const char *source;

    set_baseline_env(f);
    fake_env_set(&f->env, "M365_TIMEOUT_SECONDS", "ten");
    assert_int_equal(m365id_ctx_set(f->ctx, "client_options.max_retries", "4", NULL), 0);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_int_equal(m365id_ctx_setting(&value, &source, f->ctx, "client_options.max_retries"), 0);
    assert_string_equal(value, "4");
    assert_string_equal(source, "configuration");
    assert_true(log_has(&f->log, M365ID_LOG_WARN, "M365_TIMEOUT_SECONDS 'ten'"));
}

/* Lists: split on ',', items trimmed, empty items dropped, "*" kept. */
static void test_config_resolve__allowed_tenants_list(void **state)
{
    static const struct {
        const char *text;
        const char *want; /* NULL: unset */
        size_t count;
        int any;
    } cases[] = {
        {"a.example.com", "a.example.com", 1, 0},
        {" a.example.com ,b.example.com", "a.example.com,b.example.com", 2, 0},
        {",,a.example.com,,", "a.example.com", 1, 0},
        {"*", "*", 1, 1},
        {TENANT ", *", TENANT ",*", 2, 1},
        {" , ,", NULL, 0, 0},
        {"\t", NULL, 0, 0},
    };
    struct fixture *f = *state;
    const char *value;
    size_t i;

    set_baseline_env(f);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fake_env_set(&f->env, "M365_ADDITIONALLY_ALLOWED_TENANTS", cases[i].text);
        assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
        assert_int_equal(m365id_ctx_setting(&value, NULL, f->ctx,
                                            "entra_id_options.additionally_allowed_tenants"), 0);
        if (cases[i].want == NULL) {
            assert_null(value);
        } else {
            assert_non_null(value);
            assert_string_equal(value, cases[i].want);
        }
        assert_int_equal(f->ctx->cfg.allowed_tenant_count, cases[i].count);
        assert_int_equal(f->ctx->cfg.allow_any_tenant, cases[i].any);
        if (cases[i].count == 2)
            assert_string_equal(f->ctx->cfg.allowed_tenants[1], cases[i].any ? "*" : "b.example.com");
    }

    /* An explicit list holding no item counts as unset, so the environment fills it. */
    fake_env_set(&f->env, "M365_ADDITIONALLY_ALLOWED_TENANTS", "env.example.com");
    assert_int_equal(m365id_ctx_set(f->ctx, "entra_id_options.additionally_allowed_tenants",
                                    " , ", "provider block"), 0);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_int_equal(m365id_ctx_setting(&value, NULL, f->ctx,
                                        "entra_id_options.additionally_allowed_tenants"), 0);
    assert_string_equal(value, "env.example.com");
}

/* The HTTP settings reach the fields that the token and Graph clients read. */
static void test_config_resolve__http_fields_published(void **state)
{
    struct fixture *f = *state;
    const struct m365id__config *cfg = &f->ctx->cfg;

    set_baseline_env(f);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_int_equal(cfg->enable_retry, 1);
    assert_int_equal(cfg->max_retries, 3);
    assert_int_equal(cfg->enable_redirect, 0);
    assert_int_equal(cfg->max_redirects, 0);
    assert_int_equal(cfg->graph_compression, 0);
    assert_null(cfg->user_agent);
    assert_null(cfg->proxy_url);
    assert_null(cfg->proxy_username);
    assert_null(cfg->proxy_password);
    assert_int_equal(cfg->auth_method, M365ID__AUTH_WORKLOAD_IDENTITY);
    assert_int_equal(cfg->managed_identity_kind, M365ID__MI_CLIENT_ID);
    assert_int_equal(cfg->chaos_percentage, 10);

    fake_env_set(&f->env, "M365_ENABLE_RETRY", "false");
    fake_env_set(&f->env, "M365_MAX_RETRIES", "6");
    fake_env_set(&f->env, "M365_ENABLE_REDIRECT", "true");
    fake_env_set(&f->env, "M365_MAX_REDIRECTS", "2");
    fake_env_set(&f->env, "M365_ENABLE_COMPRESSION", "1");
    fake_env_set(&f->env, "M365_CUSTOM_USER_AGENT", "tf-run/7");
    fake_env_set(&f->env, "M365_USE_PROXY", "true");
    fake_env_set(&f->env, "M365_PROXY_URL", "http://proxy.example.com:3128");
    fake_env_set(&f->env, "M365_PROXY_USERNAME", "u1");
    fake_env_set(&f->env, "M365_PROXY_PASSWORD", "p1");
    fake_env_set(&f->env, "M365_TIMEOUT_SECONDS", "9");
    fake_env_set(&f->env, "M365_CHAOS_STATUS_MESSAGE", "teapot");
    fake_env_set(&f->env, "M365_MANAGED_IDENTITY_ID", RESOURCE_ID);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_int_equal(cfg->enable_retry, 0);
    assert_int_equal(cfg->max_retries, 0);
    assert_int_equal(cfg->enable_redirect, 1);
    assert_int_equal(cfg->max_redirects, 2);
    assert_int_equal(cfg->graph_compression, 1);
    assert_string_equal(cfg->user_agent, "tf-run/7");
    assert_string_equal(cfg->proxy_url, "http://proxy.example.com:3128");
    assert_string_equal(cfg->proxy_username, "u1");
    assert_string_equal(cfg->proxy_password, "p1");
    assert_int_equal(cfg->timeout_ms, 9000);
    assert_string_equal(cfg->chaos_status_message, "teapot");
    assert_int_equal(cfg->managed_identity_kind, M365ID__MI_RESOURCE_ID);

    /* Without use_proxy the URL and credentials stay unused, and an INFO line reports it. */
    fake_env_set(&f->env, "M365_USE_PROXY", NULL);
    f->log.count = 0;
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_null(cfg->proxy_url);
    assert_null(cfg->proxy_username);
    assert_null(cfg->proxy_password);
    assert_true(log_has(&f->log, M365ID_LOG_INFO,
                        "client_options.proxy_url is set (env M365_PROXY_URL) but "
                        "client_options.use_proxy is false (default), so requests go direct"));

    /* A managed identity needs no tenant: the token endpoint then stays unset. */
    fake_env_set(&f->env, "M365_MANAGED_IDENTITY_ID", NULL);
    fake_env_set(&f->env, "AZURE_CLIENT_ID", NULL);
    assert_int_equal(configure_with_method(f, M365ID__AUTH_MANAGED_IDENTITY, "AZURE_TENANT_ID",
                                           NULL),
                     M365ID_OK);
    assert_int_equal(cfg->managed_identity_kind, M365ID__MI_SYSTEM_ASSIGNED);
    assert_null(cfg->token_endpoint);
    assert_int_equal(cfg->auth_method, M365ID__AUTH_MANAGED_IDENTITY);
}

/* debug_mode raises the log level to DEBUG, and a failed configure restores the caller's. */
static void test_config_resolve__debug_mode_raises_log_level(void **state)
{
    struct fixture *f = *state;

    set_baseline_env(f);
    m365id_ctx_set_log(f->ctx, M365ID_LOG_WARN, capture_log, &f->log);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_int_equal(log_count_level(&f->log, M365ID_LOG_DEBUG), 0);

    fake_env_set(&f->env, "M365_DEBUG_MODE", "1");
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_true(log_has(&f->log, M365ID_LOG_DEBUG,
                        "debug_mode is on (env M365_DEBUG_MODE): log level raised to debug"));
    assert_true(log_has(&f->log, M365ID_LOG_DEBUG, "tenant_id = '" TENANT "'"));
    assert_false(log_has(&f->log, M365ID_LOG_TRACE, ""));

    /* A new log callback keeps the raised level until the next configure. */
    f->log.count = 0;
    m365id_ctx_set_log(f->ctx, M365ID_LOG_ERROR, capture_log, &f->log);
    assert_int_equal(f->ctx->logger.max_level, M365ID_LOG_DEBUG);
    m365id_ctx_set_log(f->ctx, M365ID_LOG_TRACE, capture_log, &f->log);
    assert_int_equal(f->ctx->logger.max_level, M365ID_LOG_TRACE);

    /* An explicit false wins over the variable. */
    m365id_ctx_set_log(f->ctx, M365ID_LOG_WARN, capture_log, &f->log);
    assert_int_equal(m365id_ctx_set(f->ctx, "debug_mode", "false", NULL), 0);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_int_equal(f->ctx->logger.max_level, M365ID_LOG_WARN);
    assert_int_equal(log_count_level(&f->log, M365ID_LOG_DEBUG), 0);

    /* A failed configure leaves the caller's level. */
    assert_int_equal(m365id_ctx_set(f->ctx, "debug_mode", "true", NULL), 0);
    fake_env_set(&f->env, "AZURE_TENANT_ID", NULL);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_ECONFIG);
    assert_int_equal(f->ctx->logger.max_level, M365ID_LOG_WARN);
}

/* Secret settings read as "<redacted>" through the display getter, never elsewhere. */
static void test_config_resolve__display_redacts_secrets(void **state)
{
    static const char *const secrets[] = {
        "entra_id_options.client_secret", "entra_id_options.client_certificate_password",
        "entra_id_options.password", "entra_id_options.oidc_request_token",
        "client_options.proxy_password",
    };
    struct fixture *f = *state;
    const char *const *names = m365id_setting_names();
    const char *value;
    const char *shown;
    const char *source;
    size_t i;
    size_t j;
    size_t secret_count = 0;

    /* The secret keys are exactly these. */
    for (i = 0; names[i] != NULL; i++) {
        int listed = 0;

        for (j = 0; j < sizeof(secrets) / sizeof(secrets[0]); j++)
            listed |= strcmp(names[i], secrets[j]) == 0;
        assert_int_equal(m365id_setting_is_secret(names[i]), listed);
        secret_count += (size_t)listed;
    }
    assert_int_equal(secret_count, sizeof(secrets) / sizeof(secrets[0]));
    assert_int_equal(m365id_setting_is_secret("no_such_key"), -1);
    assert_int_equal(m365id_setting_is_secret(NULL), -1);

    set_baseline_env(f);
    fake_env_set(&f->env, "M365_PROXY_USERNAME", "user");
    for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
        assert_int_equal(m365id_ctx_set(f->ctx, secrets[i], "s3cret-value", "--flag"), 0);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);

    for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        assert_int_equal(m365id_ctx_setting(&value, NULL, f->ctx, secrets[i]), M365ID_OK);
        assert_string_equal(value, "s3cret-value");
        assert_int_equal(m365id_ctx_setting_display(&shown, &source, f->ctx, secrets[i]), 0);
        assert_string_equal(shown, "<redacted>");
        assert_string_equal(source, "--flag");
    }

    /* Non-secret and unset values pass through unchanged. */
    assert_int_equal(m365id_ctx_setting_display(&shown, NULL, f->ctx, "tenant_id"), 0);
    assert_string_equal(shown, TENANT);
    assert_int_equal(m365id_ctx_setting_display(&shown, NULL, f->ctx, "client_options.proxy_username"), 0);
    assert_string_equal(shown, "user");
    assert_int_equal(m365id_ctx_set(f->ctx, "entra_id_options.password", NULL, NULL), 0);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_int_equal(m365id_ctx_setting_display(&shown, NULL, f->ctx, "entra_id_options.password"),
                     0);
    assert_null(shown);
    assert_int_equal(m365id_ctx_setting_display(&shown, NULL, f->ctx, "nope"), M365ID_EINVAL);
    assert_null(shown);
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
        /* A matrix row tests every variable and an explicit value. */
        for (j = 0; j < sizeof(matrix_rows) / sizeof(matrix_rows[0]); j++) {
            if (strcmp(matrix_rows[j].key, names[i]) == 0)
                explicit_case = env_case = 1;
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

/* managed_identity rejects a client id it would ignore, and its summary names the identity. */
static void test_config_resolve__managed_identity_client_id(void **state)
{
    struct fixture *f = *state;

    set_baseline_env(f);
    m365id_ctx_set_log(f->ctx, M365ID_LOG_INFO, capture_log, &f->log);
    fake_env_set(&f->env, "AZURE_CLIENT_ID", NULL);
    fake_env_set(&f->env, "M365_CLIENT_ID", CLIENT);
    assert_int_equal(configure_with_method(f, M365ID__AUTH_MANAGED_IDENTITY, NULL, NULL),
                     M365ID_ECONFIG);
    assert_contains(m365id_last_error(f->ctx)->message,
                    "client id '" CLIENT "' (env M365_CLIENT_ID) is not used by managed_identity");
    assert_contains(m365id_last_error(f->ctx)->hint, "M365_MANAGED_IDENTITY_ID");
    assert_contains(m365id_last_error(f->ctx)->hint, "--managed-identity-id");

    /* AZURE_CLIENT_ID also feeds managed_identity_id, so it selects that identity. */
    fake_env_set(&f->env, "M365_CLIENT_ID", NULL);
    fake_env_set(&f->env, "AZURE_CLIENT_ID", CLIENT);
    f->log.count = 0;
    assert_int_equal(configure_with_method(f, M365ID__AUTH_MANAGED_IDENTITY, NULL, NULL),
                     M365ID_OK);
    assert_true(log_has(&f->log, M365ID_LOG_INFO,
                        "configured managed_identity for the user-assigned identity with client "
                        "id '" CLIENT "' (env AZURE_CLIENT_ID)"));

    /* An explicit managed identity id makes the client id harmless. */
    fake_env_set(&f->env, "AZURE_CLIENT_ID", NULL);
    fake_env_set(&f->env, "M365_CLIENT_ID", CLIENT);
    assert_int_equal(configure_with_method(f, M365ID__AUTH_MANAGED_IDENTITY,
                                           "M365_MANAGED_IDENTITY_ID", RESOURCE_ID),
                     M365ID_OK);

    fake_env_set(&f->env, "M365_CLIENT_ID", NULL);
    fake_env_set(&f->env, "M365_MANAGED_IDENTITY_ID", NULL);
    f->log.count = 0;
    assert_int_equal(configure_with_method(f, M365ID__AUTH_MANAGED_IDENTITY, NULL, NULL),
                     M365ID_OK);
    assert_true(log_has(&f->log, M365ID_LOG_INFO,
                        "configured managed_identity for the system-assigned identity"));
    assert_false(log_has(&f->log, M365ID_LOG_INFO, "(none)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_resolve__precedence_table),
        cmocka_unit_test(test_config_resolve__precedence_matrix),
        cmocka_unit_test(test_config_resolve__every_key_in_precedence_table),
        cmocka_unit_test(test_config_resolve__unparsable_env_warns_and_falls_back),
        cmocka_unit_test_setup_teardown(test_config_resolve__unparsable_first_env_uses_next,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__managed_identity_client_id,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__allowed_tenants_list,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__http_fields_published,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__debug_mode_raises_log_level,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_resolve__display_redacts_secrets,
                                        setup_fixture, teardown_fixture),
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
