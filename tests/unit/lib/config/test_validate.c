/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Tests of src/lib/config/validate.c through m365id_ctx_configure(): one case per message, the
 * failure cases on client ids, token files, authorities, scopes and mixed clouds, and a secret
 * canary that must never reach a message, a hint or a log line.
 */
#include "unit/lib/config/config_fixture.h"

#include <sys/stat.h>
#include <unistd.h>

#include "lib/config/validate.h"

#define MAX_PAIRS 4
#define MAX_NEEDLES 6

/* A JWT-shaped canary; its signature segment must never show up anywhere. */
#define CANARY_SIGNATURE "c2VjcmV0LWNhbmFyeS1zaWduYXR1cmU"
#define CANARY_JWT "eyJhbGciOiJSUzI1NiIsImtpZCI6IksxIn0.eyJzdWIiOiJjYW5hcnkifQ." CANARY_SIGNATURE

#define RESOURCE_ID                                                                            \
    "/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/rg-a/providers/"       \
    "Microsoft.ManagedIdentity/userAssignedIdentities/mi-a"

struct message_case {
    const char *name;
    const char *env[MAX_PAIRS][2];      /* applied over the baseline; NULL value removes */
    const char *explicit_key;           /* optional m365id_ctx_set() with origin "--flag" */
    const char *explicit_value;
    const char *exact_message;          /* NULL: check only the needles */
    const char *message_has[MAX_NEEDLES];
    const char *hint_has[MAX_NEEDLES];
};

static const struct message_case message_cases[] = {
    {"auth method unset",
     {{"M365_AUTH_METHOD", NULL}},
     NULL, NULL,
     "auth method is not set",
     {NULL},
     {"auth_method = \"workload_identity\"", "M365_AUTH_METHOD=workload_identity"}},
    {"auth method unknown",
     {{"M365_AUTH_METHOD", "kerberos"}},
     NULL, NULL, NULL,
     {"auth method 'kerberos' (env M365_AUTH_METHOD) is not one of", "azure_developer_cli",
      "workload_identity", "oidc_azure_devops"},
     {"auth_method", "M365_AUTH_METHOD"}},
    {"auth method case-sensitive",
     {{"M365_AUTH_METHOD", "Workload_Identity"}},
     NULL, NULL, NULL,
     {"'Workload_Identity'", "is not one of"},
     {"auth_method"}},
    {"auth method not supported yet",
     {{NULL}},
     "auth_method", "client_secret",
     "auth method 'client_secret' (--flag) is not supported yet (supported: workload_identity)",
     {NULL},
     {"auth_method", "M365_AUTH_METHOD"}},
    {"cloud unknown",
     {{"M365_CLOUD", "usgov"}},
     NULL, NULL,
     "cloud 'usgov' (env M365_CLOUD) is not one of public, dod, gcc, gcchigh, china, ex, rx",
     {NULL},
     {"cloud", "M365_CLOUD", "AZURE_CLOUD", "\"gcchigh\""}},
    {"cloud case-sensitive",
     {{"AZURE_CLOUD", "Public"}},
     NULL, NULL, NULL,
     {"cloud 'Public' (env AZURE_CLOUD)"},
     {"AZURE_CLOUD"}},
    {"tenant unset",
     {{"AZURE_TENANT_ID", NULL}},
     NULL, NULL,
     "tenant id is not set",
     {NULL},
     {"tenant_id", "M365_TENANT_ID", "AZURE_TENANT_ID", "contoso.onmicrosoft.com"}},
    {"tenant empty",
     {{"AZURE_TENANT_ID", ""}},
     NULL, NULL,
     "tenant id is not set (AZURE_TENANT_ID is set but empty)",
     {NULL},
     {"tenant_id"}},
    {"tenant not a guid or domain",
     {{"M365_TENANT_ID", "my tenant"}},
     NULL, NULL,
     "tenant id 'my tenant' (env M365_TENANT_ID) is not a GUID or a domain name",
     {NULL},
     {"tenant_id", "M365_TENANT_ID", "AZURE_TENANT_ID"}},
    {"tenant single label",
     {{NULL}},
     "tenant_id", "contoso",
     NULL,
     {"tenant id 'contoso' (--flag)"},
     {"tenant_id"}},
    {"client id unset",
     {{"AZURE_CLIENT_ID", NULL}},
     NULL, NULL,
     "client id is not set",
     {NULL},
     {"entra_id_options.client_id", "M365_CLIENT_ID", "AZURE_CLIENT_ID",
      "azure.workload.identity/client-id"}},
    {"client id empty (FC-10)",
     {{"AZURE_CLIENT_ID", ""}},
     NULL, NULL,
     "client id is not set (AZURE_CLIENT_ID is set but empty)",
     {NULL},
     {"entra_id_options.client_id", "azure.workload.identity/client-id"}},
    {"client id not a guid (FC-22)",
     {{"M365_CLIENT_ID", "graph-reader"}},
     NULL, NULL,
     "client id 'graph-reader' (env M365_CLIENT_ID) is not a GUID",
     {NULL},
     {"entra_id_options.client_id", "M365_CLIENT_ID", "AZURE_CLIENT_ID"}},
    {"client id is a resource id (FC-22)",
     {{"AZURE_CLIENT_ID", RESOURCE_ID}},
     NULL, NULL, NULL,
     {"client id '/subscriptions/55555555-5555-5555-5555-555555555555/", "(env AZURE_CLIENT_ID)",
      "is the Azure resource id of identity 'mi-a', not a client id"},
     {"client id (GUID) instead", "entra_id_options.client_id", "AZURE_CLIENT_ID"}},
    {"token file unset (FC-14b)",
     {{"AZURE_FEDERATED_TOKEN_FILE", NULL}},
     NULL, NULL,
     "federated token file is not set",
     {NULL},
     {"entra_id_options.federated_token_file_path", "AZURE_FEDERATED_TOKEN_FILE",
      "M365_FEDERATED_TOKEN_FILE", "/var/run/secrets/azure/tokens/azure-identity-token (v1.5",
      "/var/run/secrets/azure/wi/token/azure-identity-token (v1.6)",
      "azure.workload.identity/use: \"true\""}},
    {"token file env empty (FC-14a)",
     {{"AZURE_FEDERATED_TOKEN_FILE", ""}},
     NULL, NULL,
     "AZURE_FEDERATED_TOKEN_FILE is set but empty",
     {NULL},
     {"entra_id_options.federated_token_file_path", "M365_FEDERATED_TOKEN_FILE",
      "azure.workload.identity/use"}},
    {"token file is a token (FC-27)",
     {{"AZURE_FEDERATED_TOKEN_FILE", CANARY_JWT}},
     NULL, NULL, NULL,
     {"federated token file path (env AZURE_FEDERATED_TOKEN_FILE) is a token of 90 bytes"},
     {"write the token to a file", "federated_token_file_path"}},
    {"tenant id is a token",
     {{"M365_TENANT_ID", CANARY_JWT}},
     NULL, NULL,
     "tenant_id (env M365_TENANT_ID) holds a token of 90 bytes",
     {NULL},
     {"tenant_id", "federated_token_file_path"}},
    {"audience is a token",
     {{NULL}},
     "federated_token_audience", CANARY_JWT,
     "federated_token_audience (--flag) holds a token of 90 bytes",
     {NULL},
     {"federated_token_audience"}},
    {"authority http (FC-07)",
     {{"AZURE_AUTHORITY_HOST", "http://login.microsoftonline.com/"}},
     NULL, NULL,
     "authority host 'http://login.microsoftonline.com/' (env AZURE_AUTHORITY_HOST) is not an "
     "https URL",
     {NULL},
     {"authority_host", "M365_AUTHORITY_HOST", "AZURE_AUTHORITY_HOST",
      "\"https://login.microsoftonline.com/\""}},
    {"authority without scheme (FC-07)",
     {{NULL}},
     "authority_host", TENANT "/oauth2/token",
     NULL,
     {"authority host '" TENANT "/oauth2/token' (--flag) is not an https URL"},
     {"authority_host"}},
    {"authority without host",
     {{"M365_AUTHORITY_HOST", "https:///" TENANT}},
     NULL, NULL, NULL,
     {"authority host 'https:///" TENANT "' (env M365_AUTHORITY_HOST) has no host name"},
     {"authority_host"}},
    {"authority with user info",
     {{"M365_AUTHORITY_HOST", "https://user@login.microsoftonline.com/"}},
     NULL, NULL, NULL,
     {"'https://user@login.microsoftonline.com/'", "user info"},
     {"authority_host"}},
    {"graph endpoint http",
     {{"M365_GRAPH_ENDPOINT", "http://graph.microsoft.com"}},
     NULL, NULL,
     "graph endpoint 'http://graph.microsoft.com' (env M365_GRAPH_ENDPOINT) is not an https URL",
     {NULL},
     {"graph_endpoint", "M365_GRAPH_ENDPOINT"}},
    {"graph endpoint with query",
     {{NULL}},
     "graph_endpoint", "https://graph.microsoft.com/?x=1",
     NULL,
     {"graph endpoint 'https://graph.microsoft.com/?x=1' (--flag) contains"},
     {"graph_endpoint"}},
    {"scope delegated name (FC-20)",
     {{"M365_SCOPE", "User.Read"}},
     NULL, NULL,
     "scope 'User.Read' (env M365_SCOPE) is a delegated permission name, but app-only tokens "
     "need a '/.default' scope such as 'https://graph.microsoft.com/.default'",
     {NULL},
     {"scope", "M365_SCOPE", "\"https://graph.microsoft.com/.default\"", "granted"}},
    {"scope delegated name in china (FC-20)",
     {{"M365_SCOPE", "User.Read"}, {"M365_CLOUD", "china"}},
     NULL, NULL, NULL,
     {"'https://microsoftgraph.chinacloudapi.cn/.default'"},
     {"\"https://microsoftgraph.chinacloudapi.cn/.default\""}},
    {"scope permission url (FC-20)",
     {{NULL}},
     "scope", "https://graph.microsoft.com/User.Read.All",
     "scope 'https://graph.microsoft.com/User.Read.All' (--flag) does not end with '/.default', "
     "which app-only tokens require",
     {NULL},
     {"scope", "M365_SCOPE"}},
    {"scope several values (FC-20)",
     {{"M365_SCOPE", "openid profile"}},
     NULL, NULL, NULL,
     {"scope 'openid profile' (env M365_SCOPE) holds more than one value"},
     {"scope", "M365_SCOPE"}},
    {"scope two default scopes",
     {{"M365_SCOPE", "https://graph.microsoft.com/.default https://x.test/.default"}},
     NULL, NULL, NULL,
     {"holds more than one value"},
     {"M365_SCOPE"}},
    {"public authority for china tenant (FC-06)",
     {{"M365_CLOUD", "china"}, {"M365_AUTHORITY_HOST", "https://login.microsoftonline.com/"}},
     NULL, NULL,
     "authority host 'https://login.microsoftonline.com/' (env M365_AUTHORITY_HOST) belongs to "
     "cloud 'public' or 'gcc', but scope 'https://microsoftgraph.chinacloudapi.cn/.default' "
     "(default for cloud 'china') belongs to cloud 'china'",
     {NULL},
     {"cloud", "M365_CLOUD", "authority_host", "scope"}},
    {"china authority with public scope (FC-06)",
     {{"M365_CLOUD", "china"}, {"M365_SCOPE", "https://graph.microsoft.com/.default"}},
     NULL, NULL, NULL,
     {"authority host 'https://login.chinacloudapi.cn/' (default for cloud 'china') belongs to "
      "cloud 'china'",
      "scope 'https://graph.microsoft.com/.default' (env M365_SCOPE) belongs to cloud 'public' or "
      "'gcc'"},
     {"M365_CLOUD"}},
    {"us government authority via AZURE_AUTHORITY_HOST (FC-06)",
     {{"AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us/"}},
     NULL, NULL, NULL,
     {"'https://login.microsoftonline.us/' (env AZURE_AUTHORITY_HOST) belongs to cloud 'dod' or "
      "'gcchigh'",
      "'https://graph.microsoft.com/.default'"},
     {"M365_CLOUD"}},
    {"audience with space",
     {{"M365_FEDERATED_TOKEN_AUDIENCE", "api://a api://b"}},
     NULL, NULL,
     "federated token audience 'api://a api://b' (env M365_FEDERATED_TOKEN_AUDIENCE) contains "
     "whitespace",
     {NULL},
     {"federated_token_audience", "M365_FEDERATED_TOKEN_AUDIENCE"}},
    {"ca bundle missing",
     {{"M365_CA_BUNDLE", "/nonexistent/m365id/ca.pem"}},
     NULL, NULL,
     "ca bundle '/nonexistent/m365id/ca.pem' (env M365_CA_BUNDLE) cannot be read: No such file or "
     "directory",
     {NULL},
     {"ca_bundle", "M365_CA_BUNDLE"}},
    {"ca bundle is a directory",
     {{NULL}},
     "ca_bundle", "/",
     "ca bundle '/' (--flag) is not a regular file",
     {NULL},
     {"ca_bundle", "M365_CA_BUNDLE"}},
    {"timeout not a number",
     {{"M365_TIMEOUT_SECONDS", "30s"}},
     NULL, NULL,
     "client_options.timeout_seconds '30s' (env M365_TIMEOUT_SECONDS) is not a whole number from "
     "1 to 3600",
     {NULL},
     {"client_options.timeout_seconds", "M365_TIMEOUT_SECONDS", "from 1 to 3600", "such as 30"}},
    {"timeout zero",
     {{"M365_TIMEOUT_SECONDS", "0"}},
     NULL, NULL,
     "client_options.timeout_seconds '0' (env M365_TIMEOUT_SECONDS) is outside the range 1 to 3600",
     {NULL},
     {"client_options.timeout_seconds"}},
    {"timeout one over",
     {{NULL}},
     "client_options.timeout_seconds", "3601",
     "client_options.timeout_seconds '3601' (--flag) is outside the range 1 to 3600",
     {NULL},
     {"M365_TIMEOUT_SECONDS"}},
    {"retries one over",
     {{"M365_MAX_RETRIES", "11"}},
     NULL, NULL,
     "client_options.max_retries '11' (env M365_MAX_RETRIES) is outside the range 0 to 10",
     {NULL},
     {"client_options.max_retries", "M365_MAX_RETRIES", "such as 3"}},
    {"retries negative",
     {{"M365_MAX_RETRIES", "-1"}},
     NULL, NULL, NULL,
     {"'-1'", "outside the range 0 to 10"},
     {"M365_MAX_RETRIES"}},
    {"retry delay one over",
     {{"M365_RETRY_DELAY_SECONDS", "61"}},
     NULL, NULL,
     "client_options.retry_delay_seconds '61' (env M365_RETRY_DELAY_SECONDS) is outside the range "
     "0 to 60",
     {NULL},
     {"client_options.retry_delay_seconds", "M365_RETRY_DELAY_SECONDS"}},
    {"retry delay huge",
     {{"M365_RETRY_DELAY_SECONDS", "99999999999999999999999"}},
     NULL, NULL, NULL,
     {"is not a whole number from 0 to 60"},
     {"M365_RETRY_DELAY_SECONDS"}},
};

static void test_config_validate__every_message(void **state)
{
    size_t i;
    size_t j;

    (void)state;
    for (i = 0; i < sizeof(message_cases) / sizeof(message_cases[0]); i++) {
        const struct message_case *c = &message_cases[i];
        struct fixture *f = NULL;
        const m365id_error *err;
        int rc;

        setup_fixture((void **)&f);
        set_baseline_env(f);
        for (j = 0; j < MAX_PAIRS && c->env[j][0] != NULL; j++)
            fake_env_set(&f->env, c->env[j][0], c->env[j][1]);
        if (c->explicit_key != NULL)
            assert_int_equal(m365id_ctx_set(f->ctx, c->explicit_key, c->explicit_value, "--flag"),
                             M365ID_OK);

        rc = m365id_ctx_configure(f->ctx);
        err = m365id_last_error(f->ctx);
        if (rc != M365ID_ECONFIG || err->code != M365ID_ECONFIG) {
            print_error("case '%s': rc %d, message '%s'\n", c->name, rc, err->message);
            fail();
        }
        if (c->exact_message != NULL && strcmp(err->message, c->exact_message) != 0) {
            print_error("case '%s': message '%s', expected '%s'\n", c->name, err->message,
                        c->exact_message);
            fail();
        }
        for (j = 0; j < MAX_NEEDLES && c->message_has[j] != NULL; j++)
            assert_contains(err->message, c->message_has[j]);
        assert_non_null(err->hint);
        for (j = 0; j < MAX_NEEDLES && c->hint_has[j] != NULL; j++)
            assert_contains(err->hint, c->hint_has[j]);

        /* House style: lowercase start (variable names excepted), no trailing period. */
        assert_true(err->message[0] != '\0');
        assert_true(err->message[strlen(err->message) - 1] != '.');
        assert_null(strchr(err->message, '\n'));
        teardown_fixture((void **)&f);
    }
}

/* Configure with the baseline plus one variable and return the result code. */
static int configure_with(struct fixture *f, const char *name, const char *value)
{
    set_baseline_env(f);
    fake_env_set(&f->env, name, value);
    return m365id_ctx_configure(f->ctx);
}

static void test_config_validate__tenant_domain_accepted(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(configure_with(f, "AZURE_TENANT_ID", "contoso.onmicrosoft.com"), M365ID_OK);
    assert_int_equal(configure_with(f, "AZURE_TENANT_ID", "CONTOSO.example.test"), M365ID_OK);
    assert_int_equal(configure_with(f, "AZURE_TENANT_ID", "ABCDEF01-2345-6789-abcd-ef0123456789"),
                     M365ID_OK);
    assert_int_equal(configure_with(f, "AZURE_TENANT_ID", "contoso..example"), M365ID_ECONFIG);
    assert_int_equal(configure_with(f, "AZURE_TENANT_ID", "-contoso.example"), M365ID_ECONFIG);
}

static void test_config_validate__every_auth_method_known(void **state)
{
    static const char *const others[] = {
        "azure_developer_cli", "azure_cli", "client_secret", "client_certificate",
        "interactive_browser", "device_code", "managed_identity", "username_password",
        "oidc", "oidc_github", "oidc_azure_devops",
    };
    struct fixture *f = *state;
    size_t i;

    for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        assert_int_equal(configure_with(f, "M365_AUTH_METHOD", others[i]), M365ID_ECONFIG);
        assert_contains(m365id_last_error(f->ctx)->message, "is not supported yet");
        assert_contains(m365id_last_error(f->ctx)->message, others[i]);
    }
    assert_int_equal(configure_with(f, "M365_AUTH_METHOD", "workload_identity"), M365ID_OK);
}

static void test_config_validate__every_cloud_configures(void **state)
{
    static const char *const clouds[] = {"public", "dod", "gcc", "gcchigh", "china", "ex", "rx"};
    struct fixture *f = *state;
    size_t i;

    for (i = 0; i < sizeof(clouds) / sizeof(clouds[0]); i++) {
        if (configure_with(f, "M365_CLOUD", clouds[i]) != M365ID_OK) {
            print_error("cloud %s: %s\n", clouds[i], m365id_last_error(f->ctx)->message);
            fail();
        }
    }
}

static void test_config_validate__integer_limits_accepted(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(configure_with(f, "M365_TIMEOUT_SECONDS", "1"), M365ID_OK);
    assert_int_equal(configure_with(f, "M365_TIMEOUT_SECONDS", "3600"), M365ID_OK);
    assert_int_equal(configure_with(f, "M365_MAX_RETRIES", "0"), M365ID_OK);
    assert_int_equal(configure_with(f, "M365_MAX_RETRIES", "10"), M365ID_OK);
    assert_int_equal(configure_with(f, "M365_RETRY_DELAY_SECONDS", "0"), M365ID_OK);
    assert_int_equal(configure_with(f, "M365_RETRY_DELAY_SECONDS", "60"), M365ID_OK);
}

static void test_config_validate__china_alias_authority_matches(void **state)
{
    struct fixture *f = *state;

    set_baseline_env(f);
    fake_env_set(&f->env, "M365_CLOUD", "china");
    fake_env_set(&f->env, "M365_AUTHORITY_HOST", "https://login.partner.microsoftonline.cn");
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    assert_string_equal(f->ctx->cfg.token_endpoint,
                        "https://login.partner.microsoftonline.cn/" TENANT "/oauth2/v2.0/token");
}

static void test_config_validate__dod_authority_with_dod_scope(void **state)
{
    struct fixture *f = *state;

    /* dod and gcchigh share an authority, so either Graph resource passes. */
    set_baseline_env(f);
    fake_env_set(&f->env, "M365_AUTHORITY_HOST", "https://login.microsoftonline.us/");
    fake_env_set(&f->env, "M365_SCOPE", "https://dod-graph.microsoft.us/.default");
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
    fake_env_set(&f->env, "M365_SCOPE", "https://graph.microsoft.us/.default");
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
}

static void test_config_validate__unknown_hosts_skip_cloud_check(void **state)
{
    struct fixture *f = *state;

    set_baseline_env(f);
    fake_env_set(&f->env, "M365_CLOUD", "china");
    fake_env_set(&f->env, "M365_AUTHORITY_HOST", "https://127.0.0.1:8443/");
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);

    fake_env_set(&f->env, "M365_AUTHORITY_HOST", "https://login.microsoftonline.com/");
    fake_env_set(&f->env, "M365_SCOPE", "api://emulator-graph/.default");
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);
}

static void test_config_validate__hostile_value_is_escaped(void **state)
{
    struct fixture *f = *state;
    static char big[10 * 1024 + 1];
    const m365id_error *err;

    assert_int_equal(configure_with(f, "M365_TENANT_ID", "%s%n\nINFO config: forged"),
                     M365ID_ECONFIG);
    err = m365id_last_error(f->ctx);
    assert_contains(err->message, "'%s%n\\nINFO config: forged'");
    assert_null(strchr(err->message, '\n'));

    memset(big, 'a', sizeof(big) - 1);
    fake_env_set(&f->env, "M365_TENANT_ID", NULL);
    assert_int_equal(configure_with(f, "M365_CLIENT_ID", big), M365ID_ECONFIG);
    err = m365id_last_error(f->ctx);
    assert_contains(err->message, "aaa...'");
    assert_true(strlen(err->message) < 400);
}

/* Copy the test CA into a new temporary file; @p path is the mkstemp() template. */
static void write_ca_copy(char *path)
{
    char pem[4096];
    FILE *in = fopen(CA_PEM, "rb");
    size_t len;
    int fd = mkstemp(path);

    assert_non_null(in);
    assert_true(fd >= 0);
    len = fread(pem, 1, sizeof(pem), in);
    fclose(in);
    assert_true(len > 0);
    assert_int_equal(write(fd, pem, len), (ssize_t)len);
    close(fd);
}

static void test_config_validate__ca_bundle_unreadable(void **state)
{
    struct fixture *f = *state;
    char path[] = "/tmp/m365id-ca-XXXXXX";

    write_ca_copy(path);
    assert_int_equal(configure_with(f, "M365_CA_BUNDLE", path), M365ID_OK);

    /* Root opens a mode-000 file anyway, so only other users see the failure. */
    assert_int_equal(chmod(path, 0), 0);
    if (geteuid() != 0) {
        assert_int_equal(configure_with(f, "M365_CA_BUNDLE", path), M365ID_ECONFIG);
        assert_contains(m365id_last_error(f->ctx)->message, "cannot be read: Permission denied");
    }
    unlink(path);
    assert_int_equal(configure_with(f, "M365_CA_BUNDLE", path), M365ID_ECONFIG);
    assert_contains(m365id_last_error(f->ctx)->message, path);
}

/* A CA bundle without a certificate would fail every TLS handshake: rejected at configure. */
static void test_config_validate__ca_bundle_without_certificate(void **state)
{
    static const char *const contents[] = {
        "",
        "junk\n",
        "-----BEGIN PRIVATE KEY-----\n"
        "MC4CAQAwBQYDK2VwBCIEIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
        "-----END PRIVATE KEY-----\n",
    };
    struct fixture *f = *state;
    char want[256];
    char path[] = "/tmp/m365id-ca-XXXXXX";
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    close(fd);
    snprintf(want, sizeof(want),
             "ca bundle '%s' (env M365_CA_BUNDLE) holds no PEM certificate (no '-----BEGIN "
             "CERTIFICATE-----' block)",
             path);
    for (size_t i = 0; i < sizeof(contents) / sizeof(contents[0]); i++) {
        FILE *out = fopen(path, "wb");

        assert_non_null(out);
        fputs(contents[i], out);
        fclose(out);
        assert_int_equal(configure_with(f, "M365_CA_BUNDLE", path), M365ID_ECONFIG);
        assert_string_equal(m365id_last_error(f->ctx)->message, want);
        assert_contains(m365id_last_error(f->ctx)->hint, "M365_CA_BUNDLE");
    }

    /* A damaged certificate block is reported as such. */
    {
        FILE *out = fopen(path, "wb");

        assert_non_null(out);
        fputs("-----BEGIN CERTIFICATE-----\nnot base64 !!\n-----END CERTIFICATE-----\n", out);
        fclose(out);
    }
    assert_int_equal(configure_with(f, "M365_CA_BUNDLE", path), M365ID_ECONFIG);
    assert_contains(m365id_last_error(f->ctx)->message, "is not a valid PEM file");
    unlink(path);

    assert_int_equal(configure_with(f, "M365_CA_BUNDLE", CA_PEM), M365ID_OK);
}

/* A path segment that m365id adds itself would appear twice in the token endpoint. */
static void test_config_validate__authority_path_segments(void **state)
{
    static const struct {
        const char *authority;
        const char *segment; /* NULL: accepted */
    } cases[] = {
        {"https://login.microsoftonline.com/" TENANT "/", TENANT},
        {"https://login.microsoftonline.com/11111111-1111-1111-1111-111111111111", TENANT},
        {"https://127.0.0.1:8443/x/AAAAAAAA-1111-1111-1111-111111111111/", "AAAAAAAA-1111-1111-"
                                                                            "1111-111111111111"},
        {"https://login.microsoftonline.com/contoso.onmicrosoft.com/", NULL},
        {"https://login.microsoftonline.com/common/", "common"},
        {"https://login.microsoftonline.com/Organizations", "Organizations"},
        {"https://login.microsoftonline.com/oauth2/v2.0/", "oauth2"},
        {"https://login.microsoftonline.com/v2.0/", "v2.0"},
        {"https://127.0.0.1:8443/clouds/china/", NULL},
        {"https://login.microsoftonline.com//", NULL},
    };
    struct fixture *f = *state;
    char want[512];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc = configure_with(f, "M365_AUTHORITY_HOST", cases[i].authority);

        if (cases[i].segment == NULL) {
            if (rc != M365ID_OK)
                print_error("'%s': %s\n", cases[i].authority, m365id_last_error(f->ctx)->message);
            assert_int_equal(rc, M365ID_OK);
            continue;
        }
        assert_int_equal(rc, M365ID_ECONFIG);
        snprintf(want, sizeof(want),
                 "authority host '%s' (env M365_AUTHORITY_HOST) contains the path segment '%s', "
                 "but m365id appends the tenant and the token path (/oauth2/v2.0/token) itself",
                 cases[i].authority, cases[i].segment);
        assert_string_equal(m365id_last_error(f->ctx)->message, want);
        assert_contains(m365id_last_error(f->ctx)->hint, "\"https://login.microsoftonline.com/\"");
    }

    /* A tenant given as a domain is found in the path too, in any letter case. */
    fake_env_set(&f->env, "AZURE_TENANT_ID", "contoso.onmicrosoft.com");
    fake_env_set(&f->env, "M365_AUTHORITY_HOST",
                 "https://login.microsoftonline.com/Contoso.onmicrosoft.com/");
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_ECONFIG);
    assert_contains(m365id_last_error(f->ctx)->message,
                    "contains the path segment 'Contoso.onmicrosoft.com'");
}

/* Every missing required setting is named in one message; one alone keeps its own message. */
static void test_config_validate__missing_settings_named_together(void **state)
{
    struct fixture *f = *state;
    const m365id_error *err;

    set_baseline_env(f);
    fake_env_set(&f->env, "AZURE_TENANT_ID", NULL);
    fake_env_set(&f->env, "AZURE_CLIENT_ID", NULL);
    fake_env_set(&f->env, "AZURE_FEDERATED_TOKEN_FILE", NULL);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_ECONFIG);
    err = m365id_last_error(f->ctx);
    assert_string_equal(err->message, "tenant id, client id and federated token file are not set");
    assert_contains(err->hint, "set tenant_id (M365_TENANT_ID or AZURE_TENANT_ID), "
                               "entra_id_options.client_id (M365_CLIENT_ID or AZURE_CLIENT_ID) "
                               "and entra_id_options.federated_token_file_path "
                               "(AZURE_FEDERATED_TOKEN_FILE or M365_FEDERATED_TOKEN_FILE)");
    assert_contains(err->hint, "azure.workload.identity/use: \"true\"");

    fake_env_set(&f->env, "AZURE_TENANT_ID", TENANT);
    fake_env_set(&f->env, "AZURE_CLIENT_ID", "");
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_ECONFIG);
    err = m365id_last_error(f->ctx);
    assert_string_equal(err->message, "client id and federated token file are not set "
                                      "(AZURE_CLIENT_ID is set but empty)");
    assert_not_contains(err->hint, "tenant_id (");

    fake_env_set(&f->env, "AZURE_CLIENT_ID", CLIENT);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_ECONFIG);
    assert_string_equal(m365id_last_error(f->ctx)->message, "federated token file is not set");
}

/* Assert that the canary's signature appears in no message, hint or log line. */
static void assert_canary_hidden(const struct fixture *f)
{
    const m365id_error *err = m365id_last_error(f->ctx);
    size_t i;

    assert_not_contains(err->message, CANARY_SIGNATURE);
    assert_not_contains(err->message, "eyJ");
    if (err->hint != NULL)
        assert_not_contains(err->hint, CANARY_SIGNATURE);
    for (i = 0; i < f->log.count; i++) {
        assert_not_contains(f->log.lines[i], CANARY_SIGNATURE);
        assert_not_contains(f->log.lines[i], "eyJhbGci");
    }
}

static void test_config_validate__secret_canary_never_shown(void **state)
{
    static const char *const keys[] = {
        "entra_id_options.federated_token_file_path", "tenant_id", "entra_id_options.client_id",
        "authority_host", "graph_endpoint", "scope", "ca_bundle", "federated_token_audience",
        "cloud", "auth_method", "client_options.timeout_seconds",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        struct fixture *f = NULL;

        setup_fixture((void **)&f);
        set_baseline_env(f);
        assert_int_equal(m365id_ctx_set(f->ctx, keys[i], CANARY_JWT, NULL), M365ID_OK);
        if (m365id_ctx_configure(f->ctx) == M365ID_OK) {
            print_error("key %s accepted a token\n", keys[i]);
            fail();
        }
        assert_canary_hidden(f);
        teardown_fixture((void **)&f);
    }
}

static void test_config_validate__token_as_path_reports_length(void **state)
{
    struct fixture *f = *state;

    set_baseline_env(f);
    fake_env_set(&f->env, "AZURE_FEDERATED_TOKEN_FILE", NULL);
    fake_env_set(&f->env, "M365_FEDERATED_TOKEN_FILE", CANARY_JWT);
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_ECONFIG);
    assert_contains(m365id_last_error(f->ctx)->message, "(env M365_FEDERATED_TOKEN_FILE)");
    assert_contains(m365id_last_error(f->ctx)->message, "is a token of 90 bytes, not a path");
    assert_canary_hidden(f);
}

static void test_config_validate__looks_like_jwt(void **state)
{
    (void)state;
    assert_true(m365id__looks_like_jwt(CANARY_JWT));
    assert_true(m365id__looks_like_jwt("eyJ.a.b"));
    assert_false(m365id__looks_like_jwt(TOKEN_FILE));
    assert_false(m365id__looks_like_jwt("eyJ.a"));
    assert_false(m365id__looks_like_jwt("eyJ.a.b.c"));
    assert_false(m365id__looks_like_jwt("eyJhb/x.y.z"));
    assert_false(m365id__looks_like_jwt("xeyJ.a.b"));
    assert_false(m365id__looks_like_jwt(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_validate__every_message),
        cmocka_unit_test_setup_teardown(test_config_validate__tenant_domain_accepted,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_validate__every_auth_method_known,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_validate__every_cloud_configures,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_validate__integer_limits_accepted,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_validate__china_alias_authority_matches,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_validate__dod_authority_with_dod_scope,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_validate__unknown_hosts_skip_cloud_check,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_validate__hostile_value_is_escaped,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_validate__ca_bundle_without_certificate,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_validate__authority_path_segments,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_validate__missing_settings_named_together,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_validate__ca_bundle_unreadable,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test(test_config_validate__secret_canary_never_shown),
        cmocka_unit_test_setup_teardown(test_config_validate__token_as_path_reports_length,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test(test_config_validate__looks_like_jwt),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
