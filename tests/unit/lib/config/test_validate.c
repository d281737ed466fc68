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
    const char *method;                 /* auth method marked supported and selected, or NULL */
};

/* Most cases leave the trailing method field out, which zero-initializes it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
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
    {"cloud unknown",
     {{"M365_CLOUD", "usgov"}},
     NULL, NULL,
     "cloud 'usgov' (env M365_CLOUD) is not one of public, dod, gcc, gcchigh, china, ex, rx",
     {NULL},
     {"cloud", "M365_CLOUD", "AZURE_CLOUD", "\"gcchigh\"", "\"dod\"",
      "the provider's name for 'usgov'"}},
    {"cloud case-sensitive",
     {{"AZURE_CLOUD", "Public"}},
     NULL, NULL, NULL,
     {"cloud 'Public' (env AZURE_CLOUD)"},
     {"AZURE_CLOUD", "to \"public\": cloud names are lower case"}},
    {"cloud alias usgov in upper case",
     {{"M365_CLOUD", "USGOV"}},
     NULL, NULL, NULL,
     {"cloud 'USGOV' (env M365_CLOUD) is not one of"},
     {"\"gcchigh\" (US Government GCC High) or \"dod\"", "the provider's name for 'USGOV'"}},
    {"cloud alias of the Azure CLI for US Government",
     {{"M365_CLOUD", "AzureUSGovernment"}},
     NULL, NULL, NULL,
     {"cloud 'AzureUSGovernment'"},
     {"\"gcchigh\"", "\"dod\"", "the provider's name for 'AzureUSGovernment'"}},
    {"cloud alias of the Azure CLI for China",
     {{"M365_CLOUD", "AzureChinaCloud"}},
     NULL, NULL, NULL,
     {"cloud 'AzureChinaCloud'"},
     {"to \"china\", the provider's name for 'AzureChinaCloud'"}},
    {"cloud alias of the Azure CLI for the public cloud",
     {{"AZURE_CLOUD", "AzureCloud"}},
     NULL, NULL, NULL,
     {"cloud 'AzureCloud'"},
     {"to \"public\", the provider's name for 'AzureCloud'"}},
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
    {"client id is a lower-case resource id (FC-22)",
     {{"AZURE_CLIENT_ID", "/subscriptions/55555555-5555-5555-5555-555555555555/resourcegroups/"
                          "rg-a/providers/microsoft.managedidentity/userassignedidentities/mi-a"}},
     NULL, NULL, NULL,
     {"is the Azure resource id of identity 'mi-a', not a client id"},
     {"client id (GUID) instead"}},
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
     {{"M365_TIMEOUT_SECONDS", "45"}},
     "client_options.timeout_seconds", "30s",
     "client_options.timeout_seconds '30s' (--flag) is not a whole number from 1 to 3600",
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
     {{NULL}},
     "client_options.retry_delay_seconds", "99999999999999999999999", NULL,
     {"is not a whole number from 0 to 60"},
     {"M365_RETRY_DELAY_SECONDS"}},
    /* Booleans and integers given explicitly must parse; variables only warn (test_resolve). */
    {"bool explicit not a boolean",
     {{"M365_USE_PROXY", "true"}},
     "client_options.use_proxy", "yes",
     "client_options.use_proxy 'yes' (--flag) is not a boolean",
     {NULL},
     {"client_options.use_proxy", "M365_USE_PROXY",
      "1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False"}},
    {"debug mode explicit on",
     {{NULL}},
     "debug_mode", "on",
     "debug_mode 'on' (--flag) is not a boolean",
     {NULL},
     {"debug_mode", "M365_DEBUG_MODE"}},
    {"bool explicit with space",
     {{NULL}},
     "entra_id_options.disable_instance_discovery", "true ",
     "entra_id_options.disable_instance_discovery 'true ' (--flag) is not a boolean",
     {NULL},
     {"M365_DISABLE_INSTANCE_DISCOVERY"}},
    {"max redirects one over",
     {{"M365_MAX_REDIRECTS", "21"}},
     NULL, NULL,
     "client_options.max_redirects '21' (env M365_MAX_REDIRECTS) is outside the range 0 to 20",
     {NULL},
     {"client_options.max_redirects", "M365_MAX_REDIRECTS", "such as 5"}},
    {"chaos percentage one over",
     {{"M365_CHAOS_PERCENTAGE", "101"}},
     NULL, NULL,
     "client_options.chaos_percentage '101' (env M365_CHAOS_PERCENTAGE) is outside the range 0 "
     "to 100",
     {NULL},
     {"client_options.chaos_percentage", "M365_CHAOS_PERCENTAGE", "such as 10"}},
    {"chaos status code one over",
     {{NULL}},
     "client_options.chaos_status_code", "600",
     "client_options.chaos_status_code '600' (--flag) is outside the range 0 to 599",
     {NULL},
     {"M365_CHAOS_STATUS_CODE"}},
    {"max retries hexadecimal",
     {{NULL}},
     "client_options.max_retries", "0x3",
     "client_options.max_retries '0x3' (--flag) is not a whole number from 0 to 10",
     {NULL},
     {"M365_MAX_RETRIES"}},

    /* auth methods m365id will not implement name the alternatives. */
    {"auth method needs a person",
     {{"M365_AUTH_METHOD", "azure_cli"}},
     NULL, NULL,
     "auth method 'azure_cli' (env M365_AUTH_METHOD) is not supported by m365id, because it "
     "needs a person, a CLI login or a user's password",
     {NULL},
     {"workload_identity in Kubernetes pods", "client_certificate or client_secret in CI",
      "oidc_github in GitHub Actions", "device_code for a person at a terminal",
      "M365_AUTH_METHOD"}},
    {"auth method username_password",
     {{NULL}},
     "auth_method", "username_password",
     NULL,
     {"'username_password' (--flag) is not supported by m365id"},
     {"workload_identity", "device_code"}},

    /* What each method needs. */
    {"client secret missing",
     {{NULL}},
     NULL, NULL,
     "client secret is not set, but auth method 'client_secret' needs it",
     {NULL},
     {"entra_id_options.client_secret", "M365_CLIENT_SECRET", "not the Secret ID"},
     "client_secret"},
    {"client secret empty",
     {{"M365_CLIENT_SECRET", ""}},
     NULL, NULL,
     "client secret is not set (M365_CLIENT_SECRET is set but empty), but auth method "
     "'client_secret' needs it",
     {NULL},
     {"M365_CLIENT_SECRET"},
     "client_secret"},
    {"client secret method without client id",
     {{"M365_CLIENT_SECRET", "s"}, {"AZURE_CLIENT_ID", NULL}},
     NULL, NULL,
     "client id is not set",
     {NULL},
     {"entra_id_options.client_id", "M365_CLIENT_ID"},
     "client_secret"},
    {"client secret method without tenant",
     {{"M365_CLIENT_SECRET", "s"}, {"AZURE_TENANT_ID", NULL}},
     NULL, NULL,
     "tenant id is not set",
     {NULL},
     {"tenant_id", "M365_TENANT_ID"},
     "client_secret"},
    {"client certificate missing",
     {{"M365_CLIENT_CERTIFICATE_PASSWORD", "pw"}},
     NULL, NULL,
     "client certificate path is not set, but auth method 'client_certificate' needs it",
     {NULL},
     {"entra_id_options.client_certificate", "M365_CLIENT_CERTIFICATE_FILE_PATH", "PKCS#12",
      "M365_CLIENT_CERTIFICATE_PASSWORD"},
     "client_certificate"},
    {"oidc without a source",
     {{NULL}},
     NULL, NULL,
     "auth method 'oidc' has no token source: entra_id_options.oidc_token_file_path, "
     "oidc_request_url and oidc_request_token are not set",
     {NULL},
     {"three token sources", "M365_OIDC_TOKEN_FILE_PATH", "M365_OIDC_REQUEST_URL",
      "M365_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN",
      "permissions: id-token: write"},
     "oidc"},
    {"oidc with url only",
     {{"ACTIONS_ID_TOKEN_REQUEST_URL", "https://token.example.com/x"}},
     NULL, NULL,
     "auth method 'oidc' has entra_id_options.oidc_request_url (env ACTIONS_ID_TOKEN_REQUEST_URL) "
     "but entra_id_options.oidc_request_token is not set",
     {NULL},
     {"three token sources"},
     "oidc"},
    {"oidc with request token only",
     {{"M365_OIDC_REQUEST_TOKEN", "opaque-request-token"}},
     NULL, NULL,
     "auth method 'oidc' has entra_id_options.oidc_request_token (env M365_OIDC_REQUEST_TOKEN) "
     "but entra_id_options.oidc_request_url is not set",
     {NULL},
     {"three token sources"},
     "oidc"},
    {"oidc github without runner variables",
     {{NULL}},
     NULL, NULL,
     "auth method 'oidc_github' needs entra_id_options.oidc_request_url and "
     "entra_id_options.oidc_request_token (ACTIONS_ID_TOKEN_REQUEST_URL and "
     "ACTIONS_ID_TOKEN_REQUEST_TOKEN), but neither is set",
     {NULL},
     {"permissions: id-token: write", "ACTIONS_ID_TOKEN_REQUEST_URL",
      "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "M365_OIDC_REQUEST_URL", "M365_OIDC_REQUEST_TOKEN",
      "remote run"},
     "oidc_github"},
    {"oidc github without request token",
     {{"ACTIONS_ID_TOKEN_REQUEST_URL", "https://token.example.com/x"}},
     NULL, NULL, NULL,
     {"but oidc_request_token is not set"},
     {"permissions: id-token: write"},
     "oidc_github"},
    {"oidc github without request url",
     {{"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "opaque-request-token"}},
     NULL, NULL, NULL,
     {"but oidc_request_url is not set"},
     {"permissions: id-token: write"},
     "oidc_github"},
    {"azure devops without federation token",
     {{"ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID", CLIENT_B}},
     NULL, NULL,
     "auth method 'oidc_azure_devops' needs AZURE_DEVOPS_FEDERATION_TOKEN, which is not set",
     {NULL},
     {"AZURE_DEVOPS_FEDERATION_TOKEN", "idToken"},
     "oidc_azure_devops"},
    {"azure devops federation token empty",
     {{"AZURE_DEVOPS_FEDERATION_TOKEN", ""}},
     NULL, NULL,
     "auth method 'oidc_azure_devops' needs AZURE_DEVOPS_FEDERATION_TOKEN, which is set but empty",
     {NULL},
     {"AZURE_DEVOPS_FEDERATION_TOKEN"},
     "oidc_azure_devops"},

    /* Tokens given where paths belong. */
    {"oidc token file is a token",
     {{"M365_OIDC_TOKEN_FILE_PATH", CANARY_JWT}},
     NULL, NULL,
     "entra_id_options.oidc_token_file_path (env M365_OIDC_TOKEN_FILE_PATH) is a token of 90 "
     "bytes, not a path",
     {NULL},
     {"write the token to a file", "entra_id_options.oidc_token_file_path",
      "M365_OIDC_TOKEN_FILE_PATH"}},
    {"client certificate is a token",
     {{NULL}},
     "entra_id_options.client_certificate", CANARY_JWT,
     "entra_id_options.client_certificate (--flag) is a token of 90 bytes, not a path",
     {NULL},
     {"M365_CLIENT_CERTIFICATE_FILE_PATH", "PKCS#12"}},

    /* entra_id_options shapes, checked on variables too. */
    {"allowed tenants bad item",
     {{"M365_ADDITIONALLY_ALLOWED_TENANTS", "contoso.onmicrosoft.com, not a tenant"}},
     NULL, NULL,
     "entra_id_options.additionally_allowed_tenants item 'not a tenant' "
     "(env M365_ADDITIONALLY_ALLOWED_TENANTS) is not a tenant GUID, a domain name or '*'",
     {NULL},
     {"entra_id_options.additionally_allowed_tenants", "M365_ADDITIONALLY_ALLOWED_TENANTS",
      "\"*\""}},
    {"redirect url with ampersand",
     {{"M365_REDIRECT_URI", "http://localhost:8400/cb?a=1&b=2"}},
     NULL, NULL,
     "redirect url 'http://localhost:8400/cb?a=1&b=2' (env M365_REDIRECT_URI) contains the "
     "character '&', but only letters, digits and - . _ ~ % / : ? = are allowed",
     {NULL},
     {"entra_id_options.redirect_url", "M365_REDIRECT_URI", "M365_REDIRECT_URL"}},
    {"redirect url without scheme",
     {{"M365_REDIRECT_URL", "localhost:8400/cb"}},
     NULL, NULL,
     "redirect url 'localhost:8400/cb' (env M365_REDIRECT_URL) is not a URL with a scheme and a "
     "host",
     {NULL},
     {"entra_id_options.redirect_url"}},
    {"redirect url bad escape",
     {{NULL}},
     "entra_id_options.redirect_url", "http://localhost/%zz",
     "redirect url 'http://localhost/%zz' (--flag) has a '%' that is not followed by two hex "
     "digits",
     {NULL},
     {"M365_REDIRECT_URI"}},
    {"managed identity id not a guid",
     {{"M365_MANAGED_IDENTITY_ID", "mi-a"}},
     NULL, NULL,
     "managed identity id 'mi-a' (env M365_MANAGED_IDENTITY_ID) is not a client id GUID or a "
     "user-assigned identity resource id",
     {NULL},
     {"entra_id_options.managed_identity_id", "M365_MANAGED_IDENTITY_ID", "AZURE_CLIENT_ID",
      "userAssignedIdentities/NAME", "system-assigned"}},
    {"managed identity id of a virtual machine",
     {{"M365_MANAGED_IDENTITY_ID",
       "/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/rg/providers/"
       "Microsoft.Compute/virtualMachines/vm"}},
     NULL, NULL, NULL,
     {"is not a client id GUID or a user-assigned identity resource id"},
     {"M365_MANAGED_IDENTITY_ID"}},
    {"oidc request url http",
     {{"M365_OIDC_REQUEST_URL", "http://token.example.com/x"}},
     NULL, NULL,
     "oidc request url 'http://token.example.com/x' (env M365_OIDC_REQUEST_URL) is not an https "
     "URL, but the request token is sent to it (http is accepted only for localhost)",
     {NULL},
     {"entra_id_options.oidc_request_url", "M365_OIDC_REQUEST_URL",
      "ACTIONS_ID_TOKEN_REQUEST_URL"}},
    {"oidc request url without scheme",
     {{"ACTIONS_ID_TOKEN_REQUEST_URL", "token.example.com/x"}},
     NULL, NULL,
     "oidc request url 'token.example.com/x' (env ACTIONS_ID_TOKEN_REQUEST_URL) is not a URL with "
     "a scheme and a host",
     {NULL},
     {"M365_OIDC_REQUEST_URL"}},
    {"oidc audience with space",
     {{"M365_OIDC_AUDIENCE", "api://a b"}},
     NULL, NULL,
     "oidc audience 'api://a b' (env M365_OIDC_AUDIENCE) contains whitespace",
     {NULL},
     {"entra_id_options.oidc_audience", "M365_OIDC_AUDIENCE"}},

    /* client_options texts and the proxy group. */
    {"user agent with a newline",
     {{NULL}},
     "client_options.custom_user_agent", "ua/1\r\nX-Injected: 1",
     "client_options.custom_user_agent 'ua/1\\r\\nX-Injected: 1' (--flag) contains a control "
     "character, which HTTP headers do not allow",
     {NULL},
     {"client_options.custom_user_agent", "M365_CUSTOM_USER_AGENT", "256 bytes"}},
    {"chaos message with a tab",
     {{"M365_CHAOS_STATUS_MESSAGE", "a\tb"}},
     NULL, NULL, NULL,
     {"client_options.chaos_status_message 'a\\tb' (env M365_CHAOS_STATUS_MESSAGE) contains a "
      "control character"},
     {"M365_CHAOS_STATUS_MESSAGE"}},
    {"use proxy without url",
     {{"M365_USE_PROXY", "1"}},
     NULL, NULL,
     "client_options.use_proxy is true (env M365_USE_PROXY) but client_options.proxy_url is not "
     "set",
     {NULL},
     {"client_options.proxy_url", "M365_PROXY_URL", "http://proxy.example.com:3128",
      "M365_USE_PROXY"}},
    {"proxy url ftp",
     {{"M365_PROXY_URL", "ftp://proxy.example.com:21"}},
     NULL, NULL,
     "client_options.proxy_url 'ftp://proxy.example.com:21' (env M365_PROXY_URL) has the scheme "
     "'ftp', but only http, https, socks5 and socks5h are supported",
     {NULL},
     {"client_options.proxy_url", "M365_PROXY_URL"}},
    {"proxy url without scheme",
     {{"M365_USE_PROXY", "true"}, {"M365_PROXY_URL", "proxy.example.com:3128"}},
     NULL, NULL,
     "client_options.proxy_url 'proxy.example.com:3128' (env M365_PROXY_URL) is not a URL with a "
     "scheme and a host, such as 'http://proxy.example.com:3128'",
     {NULL},
     {"M365_PROXY_URL"}},
    {"proxy url without host",
     {{NULL}},
     "client_options.proxy_url", "http://:3128",
     NULL,
     {"'http://:3128' (--flag) is not a URL with a scheme and a host"},
     {"M365_PROXY_URL"}},
    {"proxy url bad port",
     {{"M365_PROXY_URL", "http://proxy.example.com:31x8"}},
     NULL, NULL, NULL,
     {"is not a URL with a scheme and a host"},
     {"M365_PROXY_URL"}},
    {"proxy url with user info",
     {{"M365_PROXY_URL", "http://alice:pr0xy-pa55@proxy.example.com:3128"}},
     NULL, NULL,
     "client_options.proxy_url 'http://<redacted>@proxy.example.com:3128' (env M365_PROXY_URL) "
     "contains user info",
     {NULL},
     {"client_options.proxy_username", "client_options.proxy_password", "M365_PROXY_USERNAME",
      "M365_PROXY_PASSWORD"}},
    {"proxy username without password",
     {{"M365_PROXY_USERNAME", "alice"}},
     NULL, NULL,
     "client_options.proxy_username is set (env M365_PROXY_USERNAME) but "
     "client_options.proxy_password is not",
     {NULL},
     {"client_options.proxy_username", "client_options.proxy_password", "M365_PROXY_USERNAME",
      "M365_PROXY_PASSWORD"}},
    {"proxy password without username",
     {{NULL}},
     "client_options.proxy_password", "pr0xy-pa55",
     "client_options.proxy_password is set (--flag) but client_options.proxy_username is not",
     {NULL},
     {"M365_PROXY_USERNAME"}},
};
#pragma GCC diagnostic pop

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

        if (c->method != NULL) {
            int index;

            for (index = 0; index < M365ID__AUTH_COUNT; index++) {
                if (strcmp(m365id__auth_methods[index].name, c->method) == 0)
                    break;
            }
            assert_true(index < M365ID__AUTH_COUNT);
            rc = configure_with_method(f, (enum m365id__auth_method)index, NULL, NULL);
        } else {
            rc = m365id_ctx_configure(f->ctx);
        }
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

        /* Secrets planted in some cases never show. */
        assert_not_contains(err->message, "pa55");
        assert_not_contains(err->hint, "pa55");
        assert_not_contains(err->message, "opaque-request-token");
        assert_not_contains(err->hint, "opaque-request-token");

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
    static const char *const never[] = {
        "azure_developer_cli", "azure_cli", "interactive_browser", "username_password",
    };
    struct fixture *f = *state;
    size_t i;

    /* Every method is supported or never will be; a planned one names the supported list. */
    m365id__auth_methods[M365ID__AUTH_DEVICE_CODE].support = M365ID__AUTH_NOT_YET;
    assert_int_equal(configure_with(f, "M365_AUTH_METHOD", "device_code"), M365ID_ECONFIG);
    m365id__auth_methods[M365ID__AUTH_DEVICE_CODE].support = M365ID__AUTH_SUPPORTED;
    assert_string_equal(m365id_last_error(f->ctx)->message,
                        "auth method 'device_code' (env M365_AUTH_METHOD) is not supported yet "
                        "(supported: client_secret, client_certificate, workload_identity, "
                        "managed_identity, oidc, oidc_github, oidc_azure_devops)");
    for (i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
        assert_int_equal(configure_with(f, "M365_AUTH_METHOD", never[i]), M365ID_ECONFIG);
        assert_contains(m365id_last_error(f->ctx)->message, "is not supported by m365id");
        assert_contains(m365id_last_error(f->ctx)->message, never[i]);
        assert_contains(m365id_last_error(f->ctx)->hint, "oidc_github in GitHub Actions");
    }
    assert_int_equal(configure_with(f, "M365_AUTH_METHOD", "workload_identity"), M365ID_OK);

    /* A method a credential marks supported is listed as such. */
    m365id__auth_methods[M365ID__AUTH_OIDC].support = M365ID__AUTH_NOT_YET;
    assert_int_equal(configure_with(f, "M365_AUTH_METHOD", "oidc"), M365ID_ECONFIG);
    m365id__auth_methods[M365ID__AUTH_OIDC].support = M365ID__AUTH_SUPPORTED;
    assert_contains(m365id_last_error(f->ctx)->message, "is not supported yet");
    assert_contains(m365id_last_error(f->ctx)->message, "device_code, workload_identity");
}

/* Each method configures once the settings it needs are there. */
static void test_config_validate__method_requirements_met(void **state)
{
    static const struct {
        enum m365id__auth_method method;
        const char *env[3][2];
    } cases[] = {
        {M365ID__AUTH_CLIENT_SECRET, {{"M365_CLIENT_SECRET", "s3cret"}}},
        {M365ID__AUTH_CLIENT_CERTIFICATE, {{"M365_CLIENT_CERTIFICATE_FILE_PATH", "/etc/a.pfx"}}},
        {M365ID__AUTH_OIDC, {{"M365_OIDC_TOKEN_FILE_PATH", "/run/oidc/token"}}},
        {M365ID__AUTH_OIDC,
         {{"ACTIONS_ID_TOKEN_REQUEST_URL", "https://token.example.com/x"},
          {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "opaque"}}},
        {M365ID__AUTH_OIDC_GITHUB,
         {{"M365_OIDC_REQUEST_URL", "https://token.example.com/x"},
          {"ACTIONS_ID_TOKEN_REQUEST_TOKEN", "opaque"}}},
        {M365ID__AUTH_OIDC_AZURE_DEVOPS, {{"AZURE_DEVOPS_FEDERATION_TOKEN", CANARY_JWT}}},
        {M365ID__AUTH_MANAGED_IDENTITY, {{"AZURE_TENANT_ID", NULL}, {"AZURE_CLIENT_ID", NULL}}},
        {M365ID__AUTH_MANAGED_IDENTITY, {{"AZURE_CLIENT_ID", RESOURCE_ID}}},
        {M365ID__AUTH_DEVICE_CODE, {{"AZURE_FEDERATED_TOKEN_FILE", NULL}}},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fixture *f = NULL;

        setup_fixture((void **)&f);
        set_baseline_env(f);
        for (size_t j = 0; j < 3 && cases[i].env[j][0] != NULL; j++)
            fake_env_set(&f->env, cases[i].env[j][0], cases[i].env[j][1]);
        if (configure_with_method(f, cases[i].method, NULL, NULL) != M365ID_OK) {
            print_error("case %zu (%s): %s\n", i, m365id__auth_methods[cases[i].method].name,
                        m365id_last_error(f->ctx)->message);
            fail();
        }
        assert_int_equal(f->ctx->cfg.auth_method, cases[i].method);
        teardown_fixture((void **)&f);
    }
}

/* A token setting that names an existing file is a token file in the wrong setting. */
static void test_config_validate__token_value_naming_a_file(void **state)
{
    struct fixture *f = *state;
    char path[] = "/tmp/m365id-oidc-XXXXXX";
    const m365id_error *err;
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    close(fd);

    set_baseline_env(f);
    fake_env_set(&f->env, "M365_OIDC_REQUEST_TOKEN", path);
    fake_env_set(&f->env, "M365_OIDC_REQUEST_URL", "https://token.example.com/x");
    assert_int_equal(configure_with_method(f, M365ID__AUTH_OIDC, NULL, NULL), M365ID_ECONFIG);
    err = m365id_last_error(f->ctx);
    assert_string_equal(err->message, "entra_id_options.oidc_request_token "
                                      "(env M365_OIDC_REQUEST_TOKEN) names an existing file, not "
                                      "a token");
    assert_contains(err->hint, "entra_id_options.oidc_token_file_path");
    assert_contains(err->hint, "M365_OIDC_TOKEN_FILE_PATH");
    assert_not_contains(err->hint, path);

    /* The same check runs whatever the method, because the setting is read by several. */
    fake_env_set(&f->env, "M365_AUTH_METHOD", "workload_identity");
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_ECONFIG);
    assert_contains(m365id_last_error(f->ctx)->message, "names an existing file");
    fake_env_set(&f->env, "M365_OIDC_REQUEST_TOKEN", "opaque-token");
    assert_int_equal(m365id_ctx_configure(f->ctx), M365ID_OK);

    fake_env_set(&f->env, "AZURE_DEVOPS_FEDERATION_TOKEN", path);
    assert_int_equal(configure_with_method(f, M365ID__AUTH_OIDC_AZURE_DEVOPS, NULL, NULL),
                     M365ID_ECONFIG);
    err = m365id_last_error(f->ctx);
    assert_contains(err->message, "AZURE_DEVOPS_FEDERATION_TOKEN names an existing file");
    assert_not_contains(err->message, path);
    assert_contains(err->hint, "entra_id_options.oidc_token_file_path");

    /* A directory is no token file, and a JWT is a token even if a file had that name. */
    fake_env_set(&f->env, "AZURE_DEVOPS_FEDERATION_TOKEN", "/tmp");
    assert_int_equal(configure_with_method(f, M365ID__AUTH_OIDC_AZURE_DEVOPS, NULL, NULL),
                     M365ID_OK);
    unlink(path);
    fake_env_set(&f->env, "AZURE_DEVOPS_FEDERATION_TOKEN", path);
    assert_int_equal(configure_with_method(f, M365ID__AUTH_OIDC_AZURE_DEVOPS, NULL, NULL),
                     M365ID_OK);
}

/* The provider's redirect URL and managed identity examples. */
static void test_config_validate__identity_shapes_accepted(void **state)
{
    static const char *const redirects[] = {
        "http://localhost:8400", "https://app.example.com/cb?state=a%20b",
        "myapp://auth/callback",
    };
    static const char *const identities[] = {
        RESOURCE_ID,
        "/subscriptions/55555555-5555-5555-5555-555555555555/resourcegroups/rg-a/providers/"
        "microsoft.managedidentity/userassignedidentities/mi-b",
        "ABCDEF01-2345-6789-abcd-ef0123456789",
    };
    static const char *const rejected_identities[] = {
        RESOURCE_ID "/",
        "/subscriptions/not-a-guid/resourceGroups/rg-a/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/mi-a",
        "/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups//providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/mi-a",
        RESOURCE_ID "/extra",
        "/subscriptions/55555555-5555-5555-5555-555555555555",
    };
    struct fixture *f = *state;
    size_t i;

    for (i = 0; i < sizeof(redirects) / sizeof(redirects[0]); i++) {
        if (configure_with(f, "M365_REDIRECT_URI", redirects[i]) != M365ID_OK) {
            print_error("%s: %s\n", redirects[i], m365id_last_error(f->ctx)->message);
            fail();
        }
    }
    fake_env_set(&f->env, "M365_REDIRECT_URI", NULL);
    for (i = 0; i < sizeof(identities) / sizeof(identities[0]); i++)
        assert_int_equal(configure_with(f, "M365_MANAGED_IDENTITY_ID", identities[i]), M365ID_OK);
    for (i = 0; i < sizeof(rejected_identities) / sizeof(rejected_identities[0]); i++) {
        assert_int_equal(configure_with(f, "M365_MANAGED_IDENTITY_ID", rejected_identities[i]),
                         M365ID_ECONFIG);
        assert_contains(m365id_last_error(f->ctx)->message, "managed identity id");
    }
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

/* Assert that @p canary appears in no message, hint or log line of @p f. */
static void assert_value_hidden(const struct fixture *f, const char *canary, const char *label)
{
    const m365id_error *err = m365id_last_error(f->ctx);
    size_t i;

    if (strstr(err->message, canary) != NULL ||
        (err->hint != NULL && strstr(err->hint, canary) != NULL)) {
        print_error("%s: secret in message '%s' or hint '%s'\n", label, err->message,
                    err->hint != NULL ? err->hint : "");
        fail();
    }
    for (i = 0; i < f->log.count; i++) {
        if (strstr(f->log.lines[i], canary) != NULL) {
            print_error("%s: secret in log line '%s'\n", label, f->log.lines[i]);
            fail();
        }
    }
}

/*
 * Every secret key, given by its first variable or explicitly, in a configuration that succeeds
 * and in ones that fail around it: the value never reaches a message, a hint, a log line or the
 * display getter. A password's log line carries no length either.
 */
static void test_config_validate__secret_keys_never_shown(void **state)
{
    static const struct {
        const char *method; /* NULL: workload_identity */
        const char *env[2][2];
    } scenarios[] = {
        {NULL, {{"M365_PROXY_USERNAME", "user"}}},
        {NULL, {{"M365_TENANT_ID", "not a tenant"}}},
        {NULL, {{"M365_USE_PROXY", "true"}}},
        {NULL, {{"M365_PROXY_USERNAME", NULL}, {"M365_PROXY_PASSWORD", NULL}}},
        {"client_secret", {{"AZURE_CLIENT_ID", NULL}}},
        {"client_certificate", {{"M365_PROXY_USERNAME", "user"}}},
        {"oidc", {{"M365_PROXY_USERNAME", "user"}}},
        {"oidc_github", {{"M365_PROXY_USERNAME", "user"}}},
        {"oidc_azure_devops", {{"M365_PROXY_USERNAME", "user"}}},
    };
    static const char *const canaries[] = {"Cnry~8f3kQ2-secret-value", CANARY_JWT};
    const char *const *names = m365id_setting_names();
    size_t checked = 0;

    (void)state;
    for (size_t k = 0; names[k] != NULL; k++) {
        const struct m365id__key_info *info = &m365id__keys[k];

        if (!(info->flags & M365ID__CFG_SECRET))
            continue;
        checked++;
        for (size_t sc = 0; sc < sizeof(scenarios) / sizeof(scenarios[0]); sc++) {
            for (size_t c = 0; c < 2 * sizeof(canaries) / sizeof(canaries[0]); c++) {
                const char *canary = canaries[c / 2];
                int by_env = c % 2 == 0;
                struct fixture *f = NULL;
                const char *shown;
                char label[256];
                int rc;

                snprintf(label, sizeof(label), "%s, scenario %zu, %s %s", names[k], sc,
                         by_env ? "env" : "explicit", c / 2 == 0 ? "text" : "jwt");
                setup_fixture((void **)&f);
                set_baseline_env(f);
                fake_env_set(&f->env, "M365_DEBUG_MODE", "true");
                fake_env_set(&f->env, "M365_OIDC_REQUEST_URL", "https://token.example.com/x");
                for (size_t e = 0; e < 2 && scenarios[sc].env[e][0] != NULL; e++)
                    fake_env_set(&f->env, scenarios[sc].env[e][0], scenarios[sc].env[e][1]);
                if (by_env)
                    fake_env_set(&f->env, info->env[0], canary);
                else
                    assert_int_equal(m365id_ctx_set(f->ctx, names[k], canary, NULL), M365ID_OK);

                if (scenarios[sc].method == NULL) {
                    rc = m365id_ctx_configure(f->ctx);
                } else {
                    size_t m;

                    for (m = 0; m < M365ID__AUTH_COUNT; m++) {
                        if (strcmp(m365id__auth_methods[m].name, scenarios[sc].method) == 0)
                            break;
                    }
                    rc = configure_with_method(f, (enum m365id__auth_method)m, NULL, NULL);
                }

                assert_value_hidden(f, canary, label);
                assert_value_hidden(f, "Cnry~8f3kQ2", label);
                assert_value_hidden(f, CANARY_SIGNATURE, label);
                if (rc == M365ID_OK) {
                    assert_int_equal(m365id_ctx_setting_display(&shown, NULL, f->ctx, names[k]),
                                     M365ID_OK);
                    assert_string_equal(shown, "<redacted>");
                    if (info->flags & M365ID__CFG_LOW_ENTROPY) {
                        char line[256];

                        snprintf(line, sizeof(line), "%s is set (%s%s)", names[k],
                                 by_env ? "env " : "configuration", by_env ? info->env[0] : "");
                        assert_true(log_has(&f->log, M365ID_LOG_DEBUG, line));
                        snprintf(line, sizeof(line), "%s is set,", names[k]);
                        assert_false(log_has(&f->log, -1, line));
                    } else {
                        char line[256];

                        snprintf(line, sizeof(line), "%s is set, %zu bytes, sha256:", names[k],
                                 strlen(canary));
                        assert_true(log_has(&f->log, M365ID_LOG_DEBUG, line));
                    }
                }
                teardown_fixture((void **)&f);
            }
        }
    }
    assert_int_equal(checked, 5);
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
        cmocka_unit_test(test_config_validate__method_requirements_met),
        cmocka_unit_test_setup_teardown(test_config_validate__token_value_naming_a_file,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test_setup_teardown(test_config_validate__identity_shapes_accepted,
                                        setup_fixture, teardown_fixture),
        cmocka_unit_test(test_config_validate__secret_keys_never_shown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
