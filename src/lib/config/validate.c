/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Checks on resolved settings, each with its own message and hint. Only value shapes are checked
 * here, plus the CA bundle's readability and certificates. The token file is opened on every
 * exchange in src/lib/token, and the endpoints are first contacted there.
 */
#include "lib/config/validate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/crypto.h"
#include "util/strutil.h"

#define AUTH_METHOD_LIST                                                                       \
    "azure_developer_cli, azure_cli, client_secret, client_certificate, interactive_browser, " \
    "device_code, workload_identity, managed_identity, username_password, oidc, oidc_github, " \
    "oidc_azure_devops"

#define AUTH_METHOD_HINT "set auth_method = \"workload_identity\" or M365_AUTH_METHOD=workload_identity"

#define AUTH_ALTERNATIVES_HINT                                                                 \
    "set auth_method or M365_AUTH_METHOD to a method that runs unattended: workload_identity " \
    "in Kubernetes pods, client_certificate or client_secret in CI, oidc_github in GitHub "    \
    "Actions, or device_code for a person at a terminal"

#define TENANT_HINT                                                                             \
    "set tenant_id, M365_TENANT_ID or AZURE_TENANT_ID to the directory (tenant) id, a GUID such " \
    "as 11111111-1111-1111-1111-111111111111 or a domain such as contoso.onmicrosoft.com"

#define CLIENT_ID_HINT                                                                         \
    "set entra_id_options.client_id, M365_CLIENT_ID or AZURE_CLIENT_ID to the client id (a GUID " \
    "such as 22222222-2222-2222-2222-222222222222) of the app registration or user-assigned "   \
    "identity. In a pod, the workload identity webhook sets AZURE_CLIENT_ID from the "           \
    "ServiceAccount annotation azure.workload.identity/client-id"

#define TOKEN_FILE_HINT                                                                        \
    "set entra_id_options.federated_token_file_path, AZURE_FEDERATED_TOKEN_FILE or "            \
    "M365_FEDERATED_TOKEN_FILE to the path of the projected service account token. The "         \
    "workload identity webhook mounts it at /var/run/secrets/azure/tokens/azure-identity-token " \
    "(v1.5 and earlier) or /var/run/secrets/azure/wi/token/azure-identity-token (v1.6) and "     \
    "sets AZURE_FEDERATED_TOKEN_FILE. A missing variable usually means the webhook did not "     \
    "mutate the pod, so add the label azure.workload.identity/use: \"true\" to the pod template"

#define AUTHORITY_HINT                                                                         \
    "set authority_host, M365_AUTHORITY_HOST or AZURE_AUTHORITY_HOST to an https URL such as "   \
    "\"https://login.microsoftonline.com/\", or leave them unset to use the cloud's authority"

#define GRAPH_HINT                                                                             \
    "set graph_endpoint or M365_GRAPH_ENDPOINT to an https URL such as "                        \
    "\"https://graph.microsoft.com\", or leave it unset to use the cloud's endpoint"

#define CA_BUNDLE_HINT                                                                         \
    "set ca_bundle or M365_CA_BUNDLE to a readable PEM file of CA certificates such as "         \
    "/etc/ssl/certs/ca-certificates.crt, or leave it unset to use the system's CA store"

int m365id__looks_like_jwt(const char *s)
{
    size_t dots = 0;

    if (s == NULL || strncmp(s, "eyJ", 3) != 0)
        return 0;
    for (; *s != '\0'; s++) {
        if (*s == '.')
            dots++;
        else if (*s == '/')
            return 0;
    }
    return dots == 2;
}

void m365id__quote_setting(struct m365id__quoted *q, const char *value)
{
    if (m365id__looks_like_jwt(value)) {
        snprintf(q->text, sizeof(q->text), "<token-shaped value, %zu bytes>", strlen(value));
        return;
    }
    m365id__quote(q, value);
}

/* Nonzero when @p s contains an ASCII space or control character. */
static int has_space_or_control(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s == 0x7f)
            return 1;
    }
    return 0;
}

int m365id__validate_not_token(m365id_ctx *ctx, enum m365id__key key,
                               const struct m365id__setting *s)
{
    const struct m365id__key_info *info = &m365id__keys[key];
    char hint[256];

    if (!m365id__looks_like_jwt(s->value))
        return M365ID_OK;

    /* Some shapes, such as a tenant domain or an audience, would accept a JWT, so the check
     * runs before the per-setting ones. */
    snprintf(hint, sizeof(hint),
             "set %s to its own value, and write the token to the file that "
             "entra_id_options.federated_token_file_path names",
             info->name);
    return m365id__fail(ctx, M365ID_ECONFIG, hint, "%s (%s) holds a token of %zu bytes",
                        info->name, s->source, strlen(s->value));
}

int m365id__validate_auth_method(enum m365id__auth_method *out, m365id_ctx *ctx,
                                 const struct m365id__setting *s)
{
    struct m365id__buf supported = M365ID__BUF_INIT(512);
    struct m365id__quoted q;
    size_t i;
    int rc;

    *out = M365ID__AUTH_WORKLOAD_IDENTITY;
    if (s->value == NULL)
        return m365id__fail(ctx, M365ID_ECONFIG, AUTH_METHOD_HINT, "auth method is not set");

    m365id__quote_setting(&q, s->value);
    for (i = 0; i < M365ID__AUTH_COUNT; i++) {
        if (strcmp(s->value, m365id__auth_methods[i].name) == 0)
            break;
    }
    if (i == M365ID__AUTH_COUNT) {
        return m365id__fail(ctx, M365ID_ECONFIG, AUTH_METHOD_HINT,
                            "auth method '%s' (%s) is not one of " AUTH_METHOD_LIST, q.text,
                            s->source);
    }

    switch (m365id__auth_methods[i].support) {
    case M365ID__AUTH_SUPPORTED:
        *out = (enum m365id__auth_method)i;
        return M365ID_OK;
    case M365ID__AUTH_NEVER:
        /* These need a browser, a CLI's login cache or a user's password. */
        return m365id__fail(ctx, M365ID_ECONFIG, AUTH_ALTERNATIVES_HINT,
                            "auth method '%s' (%s) is not supported by m365id, because it needs "
                            "a person, a CLI login or a user's password",
                            q.text, s->source);
    case M365ID__AUTH_NOT_YET:
    default:
        break;
    }

    for (size_t j = 0; j < M365ID__AUTH_COUNT; j++) {
        if (m365id__auth_methods[j].support != M365ID__AUTH_SUPPORTED)
            continue;
        if (supported.len > 0)
            m365id__buf_puts(&supported, ", ");
        m365id__buf_puts(&supported, m365id__auth_methods[j].name);
    }
    rc = m365id__fail(ctx, M365ID_ECONFIG,
                      AUTH_METHOD_HINT ", and federate the app registration or identity with "
                                       "the Kubernetes service account",
                      "auth method '%s' (%s) is not supported yet (supported: %s)", q.text,
                      s->source, m365id__buf_cstr(&supported));
    m365id__buf_clear(&supported);
    return rc;
}

/*
 * Cloud names of other tools (Azure CLI, the Azure SDKs, `m365id setup --cloud`) and the
 * provider's names to use instead. They are not accepted as values, because the provider's
 * configuration does not accept them either.
 */
static const struct {
    const char *alias; /* compared ignoring case */
    const char *use;
} cloud_aliases[] = {
    {"usgov", "\"gcchigh\" (US Government GCC High) or \"dod\" (US Government DoD)"},
    {"usgovernment", "\"gcchigh\" (US Government GCC High) or \"dod\" (US Government DoD)"},
    {"AzureUSGovernment",
     "\"gcchigh\" (US Government GCC High) or \"dod\" (US Government DoD)"},
    {"AzureUSGovernmentCloud",
     "\"gcchigh\" (US Government GCC High) or \"dod\" (US Government DoD)"},
    {"AzureChinaCloud", "\"china\""},
    {"AzureCloud", "\"public\""},
    {"AzurePublicCloud", "\"public\""},
    {"global", "\"public\""},
};

int m365id__validate_cloud(const struct m365id__cloud **out, m365id_ctx *ctx,
                           const struct m365id__setting *s)
{
    const struct m365id__cloud *cloud;
    struct m365id__quoted q;
    char hint[sizeof(q.text) + 256];
    unsigned int i;

    *out = m365id__cloud_find(s->value);
    if (*out != NULL)
        return M365ID_OK;

    m365id__quote_setting(&q, s->value);
    snprintf(hint, sizeof(hint),
             "set cloud, M365_CLOUD or AZURE_CLOUD to the lower-case name of the tenant's "
             "cloud, such as \"public\" or \"gcchigh\"");
    for (i = 0; s->value != NULL && (cloud = m365id__cloud_at(i)) != NULL; i++) {
        if (strcasecmp(cloud->name, s->value) == 0) {
            snprintf(hint, sizeof(hint),
                     "set cloud, M365_CLOUD or AZURE_CLOUD to \"%s\": cloud names are lower "
                     "case",
                     cloud->name);
        }
    }
    for (i = 0; s->value != NULL && i < sizeof(cloud_aliases) / sizeof(cloud_aliases[0]); i++) {
        if (strcasecmp(cloud_aliases[i].alias, s->value) == 0) {
            snprintf(hint, sizeof(hint),
                     "set cloud, M365_CLOUD or AZURE_CLOUD to %s, the provider's name for "
                     "'%s'",
                     cloud_aliases[i].use, q.text);
        }
    }
    return m365id__fail(ctx, M365ID_ECONFIG, hint, "cloud '%s' (%s) is not one of %s", q.text,
                        s->source, m365id__cloud_names());
}

/* Append @p items[0..count) joined as "a", "a and b" or "a, b and c". */
static void put_list(struct m365id__buf *out, const char *const *items, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (i + 1 == count && i > 0)
            m365id__buf_puts(out, " and ");
        else if (i > 0)
            m365id__buf_puts(out, ", ");
        m365id__buf_puts(out, items[i]);
    }
}

int m365id__validate_required(m365id_ctx *ctx, const struct m365id__config *cfg,
                              const char *const *empty_env)
{
    static const struct {
        enum m365id__key key;
        const char *label;
    } required[] = {
        {M365ID__KEY_TENANT_ID, "tenant id"},
        {M365ID__KEY_CLIENT_ID, "client id"},
        {M365ID__KEY_TOKEN_FILE, "federated token file"},
    };
    struct m365id__buf message = M365ID__BUF_INIT(1024);
    struct m365id__buf hint = M365ID__BUF_INIT(2048);
    const char *missing[3];
    const char *empty[3];
    const char *settings[3];
    char setting_text[3][160];
    size_t missing_count = 0;
    size_t empty_count = 0;
    int rc;

    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        const struct m365id__key_info *info = &m365id__keys[required[i].key];

        if (cfg->v[required[i].key].value != NULL)
            continue;
        snprintf(setting_text[missing_count], sizeof(setting_text[0]), "%s (%s or %s)",
                 info->name, info->env[0], info->env[1]);
        settings[missing_count] = setting_text[missing_count];
        missing[missing_count++] = required[i].label;
        if (empty_env[required[i].key] != NULL)
            empty[empty_count++] = empty_env[required[i].key];
    }
    /* One missing setting gets the detailed message of its own check. */
    if (missing_count < 2)
        return M365ID_OK;

    put_list(&message, missing, missing_count);
    m365id__buf_puts(&message, " are not set");
    if (empty_count > 0) {
        m365id__buf_puts(&message, " (");
        put_list(&message, empty, empty_count);
        m365id__buf_puts(&message, empty_count == 1 ? " is set but empty)" : " are set but empty)");
    }
    m365id__buf_puts(&hint, "set ");
    put_list(&hint, settings, missing_count);
    m365id__buf_puts(&hint, ". In a pod, the workload identity webhook sets AZURE_TENANT_ID, "
                            "AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE; when they are "
                            "missing, the webhook did not mutate the pod, so add the label "
                            "azure.workload.identity/use: \"true\" to the pod template");

    rc = m365id__fail(ctx, M365ID_ECONFIG, m365id__buf_cstr(&hint), "%s",
                      m365id__buf_cstr(&message));
    m365id__buf_clear(&message);
    m365id__buf_clear(&hint);
    return rc;
}

int m365id__validate_tenant(m365id_ctx *ctx, const struct m365id__setting *s,
                            const char *empty_env)
{
    struct m365id__quoted q;

    if (s->value == NULL) {
        if (empty_env != NULL) {
            return m365id__fail(ctx, M365ID_ECONFIG, TENANT_HINT,
                                "tenant id is not set (%s is set but empty)", empty_env);
        }
        return m365id__fail(ctx, M365ID_ECONFIG, TENANT_HINT, "tenant id is not set");
    }

    if (m365id__is_guid(s->value) || m365id__is_domain(s->value))
        return M365ID_OK;

    m365id__quote_setting(&q, s->value);
    return m365id__fail(ctx, M365ID_ECONFIG, TENANT_HINT,
                        "tenant id '%s' (%s) is not a GUID or a domain name", q.text, s->source);
}

int m365id__validate_client_id(m365id_ctx *ctx, const struct m365id__setting *s,
                               const char *empty_env)
{
    struct m365id__quoted q;

    if (s->value == NULL) {
        if (empty_env != NULL) {
            return m365id__fail(ctx, M365ID_ECONFIG, CLIENT_ID_HINT,
                                "client id is not set (%s is set but empty)", empty_env);
        }
        return m365id__fail(ctx, M365ID_ECONFIG, CLIENT_ID_HINT, "client id is not set");
    }

    if (m365id__is_guid(s->value))
        return M365ID_OK;

    m365id__quote_setting(&q, s->value);

    /* A user-assigned identity has a client id, an object id and a Resource Manager id. Only
     * the client id identifies the app to Entra ID. Resource Manager ids are case-insensitive,
     * and tools print them in lower case too. */
    if (strncasecmp(s->value, "/subscriptions/", 15) == 0 &&
        m365id__contains_nocase(s->value, "/providers/Microsoft.ManagedIdentity/")) {
        /* Resource ids run past the quoting limit, so name the identity separately: it is
         * the part the user needs for 'az identity show'. */
        const char *name = strrchr(s->value, '/');
        struct m365id__quoted qname;

        m365id__quote(&qname, name + 1);
        return m365id__fail(ctx, M365ID_ECONFIG,
                            "use the identity's client id (GUID) instead, as printed by "
                            "'az identity show --name NAME --resource-group GROUP --query "
                            "clientId', in entra_id_options.client_id, M365_CLIENT_ID or "
                            "AZURE_CLIENT_ID",
                            "client id '%s' (%s) is the Azure resource id of identity '%s', not "
                            "a client id",
                            q.text, s->source, qname.text);
    }
    return m365id__fail(ctx, M365ID_ECONFIG, CLIENT_ID_HINT, "client id '%s' (%s) is not a GUID",
                        q.text, s->source);
}

int m365id__validate_token_file(m365id_ctx *ctx, const struct m365id__setting *s,
                                const char *empty_env)
{
    if (s->value == NULL) {
        if (empty_env != NULL) {
            return m365id__fail(ctx, M365ID_ECONFIG, TOKEN_FILE_HINT, "%s is set but empty",
                                empty_env);
        }
        return m365id__fail(ctx, M365ID_ECONFIG, TOKEN_FILE_HINT,
                            "federated token file is not set");
    }

    /* The token itself is a secret: report its length, never its bytes. */
    if (m365id__looks_like_jwt(s->value)) {
        return m365id__fail(ctx, M365ID_ECONFIG,
                            "write the token to a file and set "
                            "entra_id_options.federated_token_file_path, "
                            "AZURE_FEDERATED_TOKEN_FILE or M365_FEDERATED_TOKEN_FILE to that "
                            "file's path, such as "
                            "/var/run/secrets/azure/tokens/azure-identity-token",
                            "federated token file path (%s) is a token of %zu bytes, not a path",
                            s->source, strlen(s->value));
    }
    return M365ID_OK;
}

/*
 * Check that @p s is "https://host[:port][/path]" without user info, query, fragment or
 * whitespace, and copy it to *out without trailing '/', plus one '/' when @p trailing_slash.
 */
static int check_https_url(char **out, m365id_ctx *ctx, const struct m365id__setting *s,
                           const char *label, const char *hint, int trailing_slash)
{
    struct m365id__quoted q;
    const char *host;
    size_t host_len;
    size_t len;
    char *copy;

    *out = NULL;
    m365id__quote_setting(&q, s->value);

    if (strncasecmp(s->value, "https://", 8) != 0) {
        return m365id__fail(ctx, M365ID_ECONFIG, hint, "%s '%s' (%s) is not an https URL", label,
                            q.text, s->source);
    }

    host = s->value + 8;
    host_len = strcspn(host, "/");
    if (host_len == 0 || host[0] == ':') {
        return m365id__fail(ctx, M365ID_ECONFIG, hint, "%s '%s' (%s) has no host name", label,
                            q.text, s->source);
    }
    if (has_space_or_control(s->value) || strpbrk(s->value, "?#") != NULL ||
        memchr(host, '@', host_len) != NULL) {
        return m365id__fail(ctx, M365ID_ECONFIG, hint,
                            "%s '%s' (%s) contains whitespace, a query, a fragment or user "
                            "info",
                            label, q.text, s->source);
    }

    len = strlen(s->value);
    while (len > 8 && s->value[len - 1] == '/')
        len--;
    copy = malloc(len + 2);
    if (copy == NULL)
        return m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory while checking the %s", label);
    memcpy(copy, s->value, len);
    if (trailing_slash)
        copy[len++] = '/';
    copy[len] = '\0';

    *out = copy;
    return M365ID_OK;
}

/* Nonzero when a path segment of the authority host names a tenant or the token path. */
static int segment_is_misplaced(const char *seg, size_t len, const char *tenant_id)
{
    static const char *const reserved[] = {"oauth2", "v2.0", "common", "organizations",
                                           "consumers"};
    char guid[37];

    if (tenant_id != NULL && strlen(tenant_id) == len && strncasecmp(seg, tenant_id, len) == 0)
        return 1;
    if (len == 36) {
        memcpy(guid, seg, len);
        guid[len] = '\0';
        if (m365id__is_guid(guid))
            return 1;
    }
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
        if (strlen(reserved[i]) == len && strncasecmp(seg, reserved[i], len) == 0)
            return 1;
    }
    return 0;
}

int m365id__validate_authority(char **out, m365id_ctx *ctx, const struct m365id__setting *s,
                               const char *tenant_id)
{
    struct m365id__quoted q;
    struct m365id__quoted qseg;
    const char *path;
    char *url = NULL;
    int rc;

    *out = NULL;
    if ((rc = check_https_url(&url, ctx, s, "authority host", AUTHORITY_HINT, 1)) < 0)
        return rc;

    /*
     * The token endpoint is {authority}{tenant}/oauth2/v2.0/token, so a host copied with the
     * tenant or the token path in it would double them. Other paths stay allowed: an emulator
     * or a private deployment may serve a cloud under a prefix such as /clouds/china/.
     */
    path = url + 8 + strcspn(url + 8, "/");
    while (*path == '/') {
        size_t len;

        path++;
        len = strcspn(path, "/");
        if (len > 0 && segment_is_misplaced(path, len, tenant_id)) {
            m365id__quote_setting(&q, s->value);
            m365id__quote_len(&qseg, path, len);
            free(url);
            return m365id__fail(ctx, M365ID_ECONFIG,
                                "set authority_host, M365_AUTHORITY_HOST or AZURE_AUTHORITY_HOST "
                                "to the host alone, such as "
                                "\"https://login.microsoftonline.com/\"",
                                "authority host '%s' (%s) contains the path segment '%s', but "
                                "m365id appends the tenant and the token path "
                                "(/oauth2/v2.0/token) itself",
                                q.text, s->source, qseg.text);
        }
        path += len;
    }

    *out = url;
    return M365ID_OK;
}

int m365id__validate_graph_endpoint(char **out, m365id_ctx *ctx, const struct m365id__setting *s)
{
    return check_https_url(out, ctx, s, "graph endpoint", GRAPH_HINT, 0);
}

int m365id__validate_scope(m365id_ctx *ctx, const struct m365id__setting *s,
                           const struct m365id__cloud *cloud)
{
    struct m365id__quoted q;
    char hint[512];

    if (m365id__ends_with(s->value, "/.default") && !has_space_or_control(s->value) &&
        strlen(s->value) > strlen("/.default"))
        return M365ID_OK;

    m365id__quote_setting(&q, s->value);
    snprintf(hint, sizeof(hint),
             "set scope or M365_SCOPE to \"%s\", or leave both unset to use that default. "
             "App-only tokens carry the application permissions granted to the app in advance, "
             "so they are never requested by name",
             cloud->scope);

    if (has_space_or_control(s->value)) {
        return m365id__fail(ctx, M365ID_ECONFIG, hint,
                            "scope '%s' (%s) holds more than one value, but the client "
                            "credentials grant takes exactly one '/.default' scope",
                            q.text, s->source);
    }

    /* "User.Read" and friends are delegated permission names, which Entra ID rejects in the
     * client credentials grant (AADSTS1002012). */
    if (strstr(s->value, "://") == NULL) {
        return m365id__fail(ctx, M365ID_ECONFIG, hint,
                            "scope '%s' (%s) is a delegated permission name, but app-only "
                            "tokens need a '/.default' scope such as '%s'",
                            q.text, s->source, cloud->scope);
    }
    return m365id__fail(ctx, M365ID_ECONFIG, hint,
                        "scope '%s' (%s) does not end with '/.default', which app-only tokens "
                        "require",
                        q.text, s->source);
}

/* Write the names of the clouds for which @p matches() is true, as "'dod' or 'gcchigh'". */
static void list_clouds(char *out, size_t size, const char *value,
                        int (*matches)(const struct m365id__cloud *, const char *))
{
    const struct m365id__cloud *cloud;
    size_t used = 0;
    unsigned int i;
    int n;

    out[0] = '\0';
    for (i = 0; (cloud = m365id__cloud_at(i)) != NULL; i++) {
        if (!matches(cloud, value))
            continue;
        n = snprintf(out + used, size - used, "%s'%s'", used > 0 ? " or " : "", cloud->name);
        if (n < 0 || (size_t)n >= size - used)
            return;
        used += (size_t)n;
    }
}

int m365id__validate_same_cloud(m365id_ctx *ctx, const struct m365id__setting *authority,
                                const struct m365id__setting *scope)
{
    const struct m365id__cloud *cloud;
    struct m365id__quoted q_authority;
    struct m365id__quoted q_scope;
    char authority_clouds[128];
    char scope_clouds[128];
    unsigned int i;

    /* Unknown hosts (an emulator, a private deployment) cannot be placed in a cloud. */
    if (m365id__cloud_by_authority(authority->value) == NULL ||
        m365id__cloud_by_scope(scope->value) == NULL)
        return M365ID_OK;

    for (i = 0; (cloud = m365id__cloud_at(i)) != NULL; i++) {
        if (m365id__cloud_has_authority(cloud, authority->value) &&
            m365id__cloud_has_scope(cloud, scope->value))
            return M365ID_OK;
    }

    m365id__quote_setting(&q_authority, authority->value);
    m365id__quote_setting(&q_scope, scope->value);
    list_clouds(authority_clouds, sizeof(authority_clouds), authority->value,
                m365id__cloud_has_authority);
    list_clouds(scope_clouds, sizeof(scope_clouds), scope->value, m365id__cloud_has_scope);

    /* Entra ID rejects such mixes with AADSTS90002, 500011 or 900382. */
    return m365id__fail(ctx, M365ID_ECONFIG,
                        "set cloud or M365_CLOUD to the tenant's cloud, such as \"gcchigh\", "
                        "and leave authority_host and scope unset, or set both to values of the "
                        "same cloud",
                        "authority host '%s' (%s) belongs to cloud %s, but scope '%s' (%s) "
                        "belongs to cloud %s",
                        q_authority.text, authority->source, authority_clouds, q_scope.text,
                        scope->source, scope_clouds);
}

int m365id__validate_audience(m365id_ctx *ctx, enum m365id__key key,
                              const struct m365id__setting *s)
{
    const struct m365id__key_info *info = &m365id__keys[key];
    const char *label = key == M365ID__KEY_OIDC_AUDIENCE ? "oidc audience"
                                                         : "federated token audience";
    struct m365id__quoted q;
    char hint[320];

    if (!has_space_or_control(s->value))
        return M365ID_OK;

    m365id__quote_setting(&q, s->value);
    snprintf(hint, sizeof(hint),
             "set %s or %s to the one audience of the federated identity credential, such as "
             "\"api://AzureADTokenExchange\"",
             info->name, info->env[0]);
    return m365id__fail(ctx, M365ID_ECONFIG, hint, "%s '%s' (%s) contains whitespace", label,
                        q.text, s->source);
}

int m365id__validate_ca_bundle(m365id_ctx *ctx, const struct m365id__setting *s)
{
    struct m365id__quoted q;
    struct stat st;
    char reason[128];
    size_t count = 0;
    int fd;
    int rc;

    if (s->value == NULL)
        return M365ID_OK;

    m365id__quote_setting(&q, s->value);
    if (stat(s->value, &st) != 0)
        goto unreadable;
    if (!S_ISREG(st.st_mode)) {
        return m365id__fail(ctx, M365ID_ECONFIG, CA_BUNDLE_HINT,
                            "ca bundle '%s' (%s) is not a regular file", q.text, s->source);
    }

    /* Opening the file is the only check that matches what the TLS library will do. */
    fd = open(s->value, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        goto unreadable;
    close(fd);

    /* Without a certificate every TLS handshake fails, which would look like a network
     * outage and be retried. */
    rc = m365id__x509_pem_file_count(&count, s->value);
    if (rc == M365ID_EIO)
        goto unreadable;
    if (rc == M365ID_ENOMEM)
        return m365id__fail(ctx, rc, NULL, "out of memory while reading ca bundle '%s'", q.text);
    if (rc == M365ID_EINVAL) {
        return m365id__fail(ctx, M365ID_ECONFIG, CA_BUNDLE_HINT,
                            "ca bundle '%s' (%s) is not a valid PEM file: a certificate block "
                            "is damaged",
                            q.text, s->source);
    }
    if (count == 0) {
        return m365id__fail(ctx, M365ID_ECONFIG, CA_BUNDLE_HINT,
                            "ca bundle '%s' (%s) holds no PEM certificate (no '-----BEGIN "
                            "CERTIFICATE-----' block)",
                            q.text, s->source);
    }
    mlog_debug(&ctx->logger, "config", "ca bundle '%s' contains %zu certificates", q.text, count);
    return M365ID_OK;

unreadable:
    if (strerror_r(errno, reason, sizeof(reason)) != 0)
        snprintf(reason, sizeof(reason), "errno %d", errno);
    return m365id__fail(ctx, M365ID_ECONFIG, CA_BUNDLE_HINT, "ca bundle '%s' (%s) cannot be read: %s",
                        q.text, s->source, reason);
}

int m365id__validate_int(long *out, m365id_ctx *ctx, enum m365id__key key,
                         const struct m365id__setting *s, long min, long max, long example)
{
    const struct m365id__key_info *info = &m365id__keys[key];
    struct m365id__quoted q;
    char hint[256];
    long long n;

    snprintf(hint, sizeof(hint), "set %s or %s to a whole number from %ld to %ld, such as %ld",
             info->name, info->env[0], min, max, example);
    m365id__quote_setting(&q, s->value);

    if (m365id__parse_int(&n, s->value) != 0) {
        return m365id__fail(ctx, M365ID_ECONFIG, hint,
                            "%s '%s' (%s) is not a whole number from %ld to %ld", info->name,
                            q.text, s->source, min, max);
    }
    if (n < min || n > max) {
        return m365id__fail(ctx, M365ID_ECONFIG, hint, "%s '%s' (%s) is outside the range %ld to %ld",
                            info->name, q.text, s->source, min, max);
    }
    *out = (long)n;
    return M365ID_OK;
}

int m365id__validate_bool(int *out, m365id_ctx *ctx, enum m365id__key key,
                          const struct m365id__setting *s)
{
    const struct m365id__key_info *info = &m365id__keys[key];
    struct m365id__quoted q;
    char hint[320];

    if (m365id__parse_bool(out, s->value) == 0)
        return M365ID_OK;

    snprintf(hint, sizeof(hint), "set %s or %s to true or false (accepted spellings: %s)",
             info->name, info->env[0], M365ID__BOOL_SPELLINGS);
    m365id__quote_setting(&q, s->value);
    return m365id__fail(ctx, M365ID_ECONFIG, hint, "%s '%s' (%s) is not a boolean", info->name,
                        q.text, s->source);
}

int m365id__validate_path_not_token(m365id_ctx *ctx, enum m365id__key key,
                                    const struct m365id__setting *s)
{
    const struct m365id__key_info *info = &m365id__keys[key];
    char hint[320];

    if (!m365id__looks_like_jwt(s->value))
        return M365ID_OK;

    /* The token itself is a secret: report its length, never its bytes. */
    snprintf(hint, sizeof(hint), "write the token to a file and set %s or %s to that file's path",
             info->name, info->env[0]);
    if (key == M365ID__KEY_CLIENT_CERTIFICATE) {
        snprintf(hint, sizeof(hint),
                 "set %s or %s to the path of a PKCS#12 (.pfx) file holding the certificate and "
                 "its private key",
                 info->name, info->env[0]);
    }
    return m365id__fail(ctx, M365ID_ECONFIG, hint, "%s (%s) is a token of %zu bytes, not a path",
                        info->name, s->source, strlen(s->value));
}

void m365id__quote_key_value(struct m365id__quoted *q, enum m365id__key key, const char *value)
{
    struct m365id__url_parts url;
    struct m365id__quoted rest;

    if (value != NULL && (m365id__keys[key].flags & M365ID__CFG_SECRET)) {
        snprintf(q->text, sizeof(q->text), "<redacted>");
        return;
    }

    /* A proxy URL may carry a password in its user info. */
    if (value != NULL && m365id__url_split(&url, value) == 0 && url.has_userinfo) {
        /* Cut the scheme and the rest so that the result always fits. */
        m365id__quote(&rest, url.after_userinfo);
        snprintf(q->text, sizeof(q->text), "%.*s://<redacted>@%.*s",
                 (int)(url.scheme_len < 16 ? url.scheme_len : 16), url.scheme,
                 (int)(sizeof(q->text) - 48), rest.text);
        return;
    }
    m365id__quote_setting(q, value);
}
