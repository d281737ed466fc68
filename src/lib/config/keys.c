/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The table of settings (names, environment variables, types, secrecy, defaults), the table of
 * auth methods, and the parsers of boolean, integer and list values. Resolution is in
 * resolve.c and the checks on values in validate*.c.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/config/validate.h"
#include "util/secret.h"
#include "util/strutil.h"

#define S M365ID__TYPE_STRING
#define P M365ID__TYPE_PATH
#define B M365ID__TYPE_BOOL
#define I M365ID__TYPE_INT
#define L M365ID__TYPE_LIST
#define SECRET M365ID__CFG_SECRET
#define PASSWORD (M365ID__CFG_SECRET | M365ID__CFG_LOW_ENTROPY)

/*
 * Names and variables follow the microsoft365 Terraform provider. Where a variable list differs
 * from the provider's code, the reason is:
 * - tenant_id and client_id also read AZURE_TENANT_ID and AZURE_CLIENT_ID, which the provider
 *   leaves to azidentity and which the workload identity webhook injects.
 * - federated_token_file_path, redirect_url and oidc_audience also read the names the
 *   provider's documentation gives (M365_FEDERATED_TOKEN_FILE, M365_REDIRECT_URL,
 *   M365_OIDC_AUDIENCE), after the names its code reads.
 * AZURE_AUTHORITY_HOST is missing on purpose: resolve.c reads it under its own rule. Defaults
 * that depend on the cloud (authority, Graph endpoint, scope, audiences) are set in resolve.c.
 */
const struct m365id__key_info m365id__keys[M365ID__KEY_COUNT] = {
    [M365ID__KEY_AUTH_METHOD] = {"auth_method", {"M365_AUTH_METHOD", NULL}, S, 0, NULL},
    [M365ID__KEY_CLOUD] = {"cloud", {"M365_CLOUD", "AZURE_CLOUD", NULL}, S, 0, NULL},
    [M365ID__KEY_TENANT_ID] = {"tenant_id", {"M365_TENANT_ID", "AZURE_TENANT_ID", NULL}, S, 0,
                               NULL},
    [M365ID__KEY_CLIENT_ID] = {"entra_id_options.client_id",
                               {"M365_CLIENT_ID", "AZURE_CLIENT_ID", NULL}, S, 0, NULL},
    [M365ID__KEY_TOKEN_FILE] = {"entra_id_options.federated_token_file_path",
                                {"AZURE_FEDERATED_TOKEN_FILE", "M365_FEDERATED_TOKEN_FILE", NULL},
                                P, 0, NULL},
    [M365ID__KEY_TIMEOUT_S] = {"client_options.timeout_seconds", {"M365_TIMEOUT_SECONDS", NULL},
                               I, 0, "30"},
    [M365ID__KEY_MAX_RETRIES] = {"client_options.max_retries", {"M365_MAX_RETRIES", NULL}, I, 0,
                                 "3"},
    [M365ID__KEY_RETRY_DELAY_S] = {"client_options.retry_delay_seconds",
                                   {"M365_RETRY_DELAY_SECONDS", NULL}, I, 0, "1"},
    [M365ID__KEY_AUTHORITY_HOST] = {"authority_host", {"M365_AUTHORITY_HOST", NULL}, S, 0, NULL},
    [M365ID__KEY_GRAPH_ENDPOINT] = {"graph_endpoint", {"M365_GRAPH_ENDPOINT", NULL}, S, 0, NULL},
    [M365ID__KEY_SCOPE] = {"scope", {"M365_SCOPE", NULL}, S, 0, NULL},
    [M365ID__KEY_CA_BUNDLE] = {"ca_bundle", {"M365_CA_BUNDLE", NULL}, S, 0, NULL},
    [M365ID__KEY_TOKEN_AUDIENCE] = {"federated_token_audience",
                                    {"M365_FEDERATED_TOKEN_AUDIENCE", NULL}, S, 0, NULL},

    [M365ID__KEY_TELEMETRY_OPTOUT] = {"telemetry_optout", {"M365_TELEMETRY_OPTOUT", NULL}, B, 0,
                                      "false"},
    [M365ID__KEY_DEBUG_MODE] = {"debug_mode", {"M365_DEBUG_MODE", NULL}, B, 0, "false"},

    [M365ID__KEY_CLIENT_SECRET] = {"entra_id_options.client_secret", {"M365_CLIENT_SECRET", NULL},
                                   S, SECRET, NULL},
    [M365ID__KEY_CLIENT_CERTIFICATE] = {"entra_id_options.client_certificate",
                                        {"M365_CLIENT_CERTIFICATE_FILE_PATH", NULL}, P, 0, NULL},
    [M365ID__KEY_CLIENT_CERTIFICATE_PASSWORD] = {"entra_id_options.client_certificate_password",
                                                 {"M365_CLIENT_CERTIFICATE_PASSWORD", NULL}, S,
                                                 PASSWORD, NULL},
    [M365ID__KEY_SEND_CERTIFICATE_CHAIN] = {"entra_id_options.send_certificate_chain",
                                            {"M365_SEND_CERTIFICATE_CHAIN", NULL}, B, 0, "false"},
    [M365ID__KEY_USERNAME] = {"entra_id_options.username", {"M365_USERNAME", NULL}, S, 0, NULL},
    [M365ID__KEY_PASSWORD] = {"entra_id_options.password", {"M365_PASSWORD", NULL}, S, PASSWORD,
                              NULL},
    [M365ID__KEY_DISABLE_INSTANCE_DISCOVERY] = {"entra_id_options.disable_instance_discovery",
                                                {"M365_DISABLE_INSTANCE_DISCOVERY", NULL}, B, 0,
                                                "false"},
    [M365ID__KEY_ALLOWED_TENANTS] = {"entra_id_options.additionally_allowed_tenants",
                                     {"M365_ADDITIONALLY_ALLOWED_TENANTS", NULL}, L, 0, NULL},
    [M365ID__KEY_REDIRECT_URL] = {"entra_id_options.redirect_url",
                                  {"M365_REDIRECT_URI", "M365_REDIRECT_URL", NULL}, S, 0, NULL},
    [M365ID__KEY_MANAGED_IDENTITY_ID] = {"entra_id_options.managed_identity_id",
                                         {"M365_MANAGED_IDENTITY_ID", "AZURE_CLIENT_ID", NULL}, S,
                                         0, NULL},
    [M365ID__KEY_OIDC_TOKEN_FILE] = {"entra_id_options.oidc_token_file_path",
                                     {"M365_OIDC_TOKEN_FILE_PATH", NULL}, P, 0, NULL},
    [M365ID__KEY_OIDC_REQUEST_TOKEN] = {"entra_id_options.oidc_request_token",
                                        {"M365_OIDC_REQUEST_TOKEN",
                                         "ACTIONS_ID_TOKEN_REQUEST_TOKEN", NULL},
                                        S, SECRET, NULL},
    [M365ID__KEY_OIDC_REQUEST_URL] = {"entra_id_options.oidc_request_url",
                                      {"M365_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL",
                                       NULL},
                                      S, 0, NULL},
    [M365ID__KEY_OIDC_AUDIENCE] = {"entra_id_options.oidc_audience", {"M365_OIDC_AUDIENCE", NULL},
                                   S, 0, NULL},
    [M365ID__KEY_ADO_SERVICE_CONNECTION_ID] = {"entra_id_options.ado_service_connection_id",
                                               {"ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID",
                                                "ARM_OIDC_AZURE_SERVICE_CONNECTION_ID", NULL},
                                               S, 0, NULL},

    [M365ID__KEY_ENABLE_HEADERS_INSPECTION] = {"client_options.enable_headers_inspection",
                                               {"M365_ENABLE_HEADERS_INSPECTION", NULL}, B, 0,
                                               "false"},
    [M365ID__KEY_ENABLE_RETRY] = {"client_options.enable_retry", {"M365_ENABLE_RETRY", NULL}, B,
                                  0, "true"},
    [M365ID__KEY_ENABLE_REDIRECT] = {"client_options.enable_redirect",
                                     {"M365_ENABLE_REDIRECT", NULL}, B, 0, "false"},
    [M365ID__KEY_MAX_REDIRECTS] = {"client_options.max_redirects", {"M365_MAX_REDIRECTS", NULL},
                                   I, 0, "5"},
    [M365ID__KEY_ENABLE_COMPRESSION] = {"client_options.enable_compression",
                                        {"M365_ENABLE_COMPRESSION", NULL}, B, 0, "false"},
    [M365ID__KEY_CUSTOM_USER_AGENT] = {"client_options.custom_user_agent",
                                       {"M365_CUSTOM_USER_AGENT", NULL}, S, 0, NULL},
    [M365ID__KEY_USE_PROXY] = {"client_options.use_proxy", {"M365_USE_PROXY", NULL}, B, 0,
                               "false"},
    [M365ID__KEY_PROXY_URL] = {"client_options.proxy_url", {"M365_PROXY_URL", NULL}, S, 0, NULL},
    [M365ID__KEY_PROXY_USERNAME] = {"client_options.proxy_username", {"M365_PROXY_USERNAME", NULL},
                                    S, 0, NULL},
    [M365ID__KEY_PROXY_PASSWORD] = {"client_options.proxy_password", {"M365_PROXY_PASSWORD", NULL},
                                    S, PASSWORD, NULL},
    [M365ID__KEY_ENABLE_CHAOS] = {"client_options.enable_chaos", {"M365_ENABLE_CHAOS", NULL}, B, 0,
                                  "false"},
    [M365ID__KEY_CHAOS_PERCENTAGE] = {"client_options.chaos_percentage",
                                      {"M365_CHAOS_PERCENTAGE", NULL}, I, 0, "10"},
    [M365ID__KEY_CHAOS_STATUS_CODE] = {"client_options.chaos_status_code",
                                       {"M365_CHAOS_STATUS_CODE", NULL}, I, 0, "0"},
    [M365ID__KEY_CHAOS_STATUS_MESSAGE] = {"client_options.chaos_status_message",
                                          {"M365_CHAOS_STATUS_MESSAGE", NULL}, S, 0, NULL},
    [M365ID__KEY_FIC_RETRIES] = {"client_options.federated_credential_retries",
                                 {"M365_FEDERATED_CREDENTIAL_RETRIES", NULL}, I, 0, "2"},
};

/* The methods that need a browser redirect, a CLI login or a stored password are left out
 * for good: m365id runs unattended in pods and pipelines. device_code is the one interactive
 * method, for a person at a terminal. */
struct m365id__auth_info m365id__auth_methods[M365ID__AUTH_COUNT] = {
    [M365ID__AUTH_AZURE_DEVELOPER_CLI] = {"azure_developer_cli", M365ID__AUTH_NEVER},
    [M365ID__AUTH_AZURE_CLI] = {"azure_cli", M365ID__AUTH_NEVER},
    [M365ID__AUTH_CLIENT_SECRET] = {"client_secret", M365ID__AUTH_SUPPORTED},
    [M365ID__AUTH_CLIENT_CERTIFICATE] = {"client_certificate", M365ID__AUTH_SUPPORTED},
    [M365ID__AUTH_INTERACTIVE_BROWSER] = {"interactive_browser", M365ID__AUTH_NEVER},
    [M365ID__AUTH_DEVICE_CODE] = {"device_code", M365ID__AUTH_SUPPORTED},
    [M365ID__AUTH_WORKLOAD_IDENTITY] = {"workload_identity", M365ID__AUTH_SUPPORTED},
    [M365ID__AUTH_MANAGED_IDENTITY] = {"managed_identity", M365ID__AUTH_SUPPORTED},
    [M365ID__AUTH_USERNAME_PASSWORD] = {"username_password", M365ID__AUTH_NEVER},
    [M365ID__AUTH_OIDC] = {"oidc", M365ID__AUTH_SUPPORTED},
    [M365ID__AUTH_OIDC_GITHUB] = {"oidc_github", M365ID__AUTH_SUPPORTED},
    [M365ID__AUTH_OIDC_AZURE_DEVOPS] = {"oidc_azure_devops", M365ID__AUTH_SUPPORTED},
};

/* The key names for m365id_setting_names(), filled from m365id__keys on first use. */
static const char *setting_names[M365ID__KEY_COUNT + 1];

int m365id__key_index(const char *name)
{
    int i;

    if (name == NULL)
        return -1;
    for (i = 0; i < M365ID__KEY_COUNT; i++) {
        if (strcmp(m365id__keys[i].name, name) == 0)
            return i;
    }
    return -1;
}

const char *const *m365id_setting_names(void)
{
    size_t i;

    /* Every call writes the same pointers, so concurrent first calls are harmless. */
    for (i = 0; i < M365ID__KEY_COUNT; i++)
        setting_names[i] = m365id__keys[i].name;
    setting_names[M365ID__KEY_COUNT] = NULL;
    return setting_names;
}

int m365id_setting_is_secret(const char *key)
{
    int index = m365id__key_index(key);

    if (index < 0)
        return -1;
    return (m365id__keys[index].flags & M365ID__CFG_SECRET) != 0;
}

int m365id__parse_bool(int *out, const char *s)
{
    static const char *const true_words[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const false_words[] = {"0", "f", "F", "FALSE", "false", "False"};
    size_t i;

    if (s == NULL)
        return -1;
    for (i = 0; i < sizeof(true_words) / sizeof(true_words[0]); i++) {
        if (strcmp(s, true_words[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcmp(s, false_words[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

int m365id__parse_int(long long *out, const char *s)
{
    int64_t n;

    if (s == NULL)
        return -1;
    /* strconv.ParseInt accepts a leading '+', which m365id__parse_i64() does not. */
    if (s[0] == '+') {
        if (s[1] == '-')
            return -1;
        s++;
    }
    if (m365id__parse_i64(&n, s) != 0)
        return -1;
    *out = (long long)n;
    return 0;
}

void m365id__free_list(char **items, size_t count)
{
    size_t i;

    if (items == NULL)
        return;
    for (i = 0; i < count; i++)
        free(items[i]);
    free(items);
}

int m365id__split_list(char ***items_out, size_t *count_out, const char *s)
{
    char **items = NULL;
    size_t count = 0;
    size_t capacity = 1;
    const char *p;

    *items_out = NULL;
    *count_out = 0;

    /* Items never outnumber the commas plus one. */
    for (p = s; *p != '\0'; p++)
        capacity += *p == ',';
    items = calloc(capacity, sizeof(*items));
    if (items == NULL)
        return M365ID_ENOMEM;

    for (p = s;; p++) {
        size_t len = strcspn(p, ",");
        size_t trimmed_len;
        const char *trimmed = m365id__trim(p, len, &trimmed_len);

        if (trimmed_len > 0) {
            items[count] = malloc(trimmed_len + 1);
            if (items[count] == NULL) {
                m365id__free_list(items, count);
                return M365ID_ENOMEM;
            }
            memcpy(items[count], trimmed, trimmed_len);
            items[count][trimmed_len] = '\0';
            count++;
        }
        p += len;
        if (*p == '\0')
            break;
    }

    if (count == 0) {
        free(items);
        return 0;
    }
    *items_out = items;
    *count_out = count;
    return 0;
}
