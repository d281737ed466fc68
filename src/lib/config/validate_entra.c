/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Checks on entra_id_options beyond tenant, client id and the federated token file: what each
 * auth method needs, token values confused with token files, allowed tenants, the redirect URL,
 * the managed identity id and the OIDC request URL. Secret values are never quoted here.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "lib/config/validate.h"
#include "util/strutil.h"

/* Read by oidc_azure_devops at configure; the provider reads no other Azure DevOps variable. */
#define ENV_ADO_TOKEN "AZURE_DEVOPS_FEDERATION_TOKEN"

#define OIDC_SOURCES_HINT                                                                      \
    "give auth method 'oidc' one of three token sources: a file holding the OIDC token in "    \
    "entra_id_options.oidc_token_file_path or M365_OIDC_TOKEN_FILE_PATH; a token endpoint in " \
    "entra_id_options.oidc_request_url and entra_id_options.oidc_request_token "                \
    "(M365_OIDC_REQUEST_URL and M365_OIDC_REQUEST_TOKEN); or, in GitHub Actions with "          \
    "`permissions: id-token: write`, the runner's ACTIONS_ID_TOKEN_REQUEST_URL and "            \
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN"

#define GITHUB_HINT                                                                            \
    "run the job in GitHub Actions with `permissions: id-token: write` on the workflow or "    \
    "job: the runner then sets ACTIONS_ID_TOKEN_REQUEST_URL and "                              \
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN, which m365id reads, and a container or remote run must "  \
    "be given both variables. Elsewhere, set entra_id_options.oidc_request_url "               \
    "(M365_OIDC_REQUEST_URL) and entra_id_options.oidc_request_token (M365_OIDC_REQUEST_TOKEN)"

#define ALLOWED_TENANTS_HINT                                                                   \
    "set entra_id_options.additionally_allowed_tenants or M365_ADDITIONALLY_ALLOWED_TENANTS "  \
    "to a comma-separated list of tenant ids or domains, such as "                             \
    "\"11111111-1111-1111-1111-111111111111,contoso.onmicrosoft.com\", or \"*\" for any tenant"

#define REDIRECT_HINT                                                                          \
    "set entra_id_options.redirect_url, M365_REDIRECT_URI or M365_REDIRECT_URL to a URL with " \
    "a scheme and a host, such as \"http://localhost:8400/callback\""

#define MANAGED_IDENTITY_HINT                                                                  \
    "set entra_id_options.managed_identity_id, M365_MANAGED_IDENTITY_ID or AZURE_CLIENT_ID to " \
    "the user-assigned identity's client id (a GUID) or its resource id "                      \
    "/subscriptions/SUBSCRIPTION/resourceGroups/GROUP/providers/"                              \
    "Microsoft.ManagedIdentity/userAssignedIdentities/NAME, or leave them unset for the "      \
    "system-assigned identity"

#define REQUEST_URL_HINT                                                                       \
    "set entra_id_options.oidc_request_url, M365_OIDC_REQUEST_URL or "                         \
    "ACTIONS_ID_TOKEN_REQUEST_URL to the https URL of the OIDC token endpoint; in GitHub "     \
    "Actions the runner sets ACTIONS_ID_TOKEN_REQUEST_URL"

/*
 * Nonzero when @p value, given where a token belongs, is no JWT but names an existing file: the
 * user meant the token-file setting. Directories do not count.
 */
static int token_names_file(const char *value)
{
    struct stat st;

    if (value == NULL || m365id__looks_like_jwt(value))
        return 0;
    return stat(value, &st) == 0 && !S_ISDIR(st.st_mode);
}

/*
 * Warn about a client secret that is likely a copy mistake, without showing it: surrounding
 * whitespace (kept, because it might belong to the secret) or the shape of a GUID, which is
 * the secret's id, since Entra ID secret values are not GUIDs.
 */
static void warn_secret_shape(m365id_ctx *ctx, const struct m365id__setting *s)
{
    const char *v = s->value;
    size_t len = strlen(v);
    size_t lead = 0;
    size_t trail = 0;

    while (lead < len && (v[lead] == ' ' || v[lead] == '\t' || v[lead] == '\r' ||
                          v[lead] == '\n'))
        lead++;
    while (trail < len - lead && (v[len - 1 - trail] == ' ' || v[len - 1 - trail] == '\t' ||
                                  v[len - 1 - trail] == '\r' || v[len - 1 - trail] == '\n'))
        trail++;
    if (lead + trail > 0) {
        mlog_warn(&ctx->logger, "config",
                  "entra_id_options.client_secret (%s) has %zu bytes of surrounding whitespace "
                  "(%zu leading, %zu trailing), which are sent as part of the secret; remove "
                  "them if the copy added them",
                  s->source, lead + trail, lead, trail);
    }
    if (m365id__is_guid(v)) {
        mlog_warn(&ctx->logger, "config",
                  "entra_id_options.client_secret (%s) has the shape of a GUID, so it looks "
                  "like the secret's id rather than its value; use the Value column of the "
                  "app registration's client secret",
                  s->source);
    }
}

/* Record that the setting @p label, which @p method needs, is unset; @p empty_env may name an empty variable. */
static int fail_missing(m365id_ctx *ctx, const char *label, const char *method,
                        const char *empty_env, const char *hint)
{
    if (empty_env != NULL) {
        return m365id__fail(ctx, M365ID_ECONFIG, hint,
                            "%s is not set (%s is set but empty), but auth method '%s' needs it",
                            label, empty_env, method);
    }
    return m365id__fail(ctx, M365ID_ECONFIG, hint, "%s is not set, but auth method '%s' needs it",
                        label, method);
}

/* Requirements of auth method 'oidc': a token file, or a request URL and token together. */
static int check_oidc(m365id_ctx *ctx, const struct m365id__config *cfg)
{
    const struct m365id__setting *url = &cfg->v[M365ID__KEY_OIDC_REQUEST_URL];
    const struct m365id__setting *token = &cfg->v[M365ID__KEY_OIDC_REQUEST_TOKEN];

    if (cfg->v[M365ID__KEY_OIDC_TOKEN_FILE].value != NULL)
        return M365ID_OK;
    if (url->value != NULL && token->value != NULL)
        return M365ID_OK;
    if (url->value != NULL) {
        return m365id__fail(ctx, M365ID_ECONFIG, OIDC_SOURCES_HINT,
                            "auth method 'oidc' has entra_id_options.oidc_request_url (%s) but "
                            "entra_id_options.oidc_request_token is not set",
                            url->source);
    }
    if (token->value != NULL) {
        return m365id__fail(ctx, M365ID_ECONFIG, OIDC_SOURCES_HINT,
                            "auth method 'oidc' has entra_id_options.oidc_request_token (%s) but "
                            "entra_id_options.oidc_request_url is not set",
                            token->source);
    }
    return m365id__fail(ctx, M365ID_ECONFIG, OIDC_SOURCES_HINT,
                        "auth method 'oidc' has no token source: "
                        "entra_id_options.oidc_token_file_path, oidc_request_url and "
                        "oidc_request_token are not set");
}

/* Requirements of 'oidc_github': the runner's request URL and token. Neither is quoted. */
static int check_oidc_github(m365id_ctx *ctx, const struct m365id__config *cfg)
{
    const char *url = cfg->v[M365ID__KEY_OIDC_REQUEST_URL].value;
    const char *token = cfg->v[M365ID__KEY_OIDC_REQUEST_TOKEN].value;
    const char *missing;

    if (url != NULL && token != NULL)
        return M365ID_OK;
    if (url == NULL && token == NULL)
        missing = "neither is set";
    else if (url == NULL)
        missing = "oidc_request_url is not set";
    else
        missing = "oidc_request_token is not set";
    return m365id__fail(ctx, M365ID_ECONFIG, GITHUB_HINT,
                        "auth method 'oidc_github' needs entra_id_options.oidc_request_url and "
                        "entra_id_options.oidc_request_token (ACTIONS_ID_TOKEN_REQUEST_URL and "
                        "ACTIONS_ID_TOKEN_REQUEST_TOKEN), but %s",
                        missing);
}

/* Requirements of 'oidc_azure_devops': a federation token in the environment, not a path. */
static int check_oidc_azure_devops(m365id_ctx *ctx)
{
    const char *token = m365id__getenv(ctx, ENV_ADO_TOKEN);

    if (token == NULL || token[0] == '\0') {
        return m365id__fail(ctx, M365ID_ECONFIG,
                            "set " ENV_ADO_TOKEN " to the pipeline's OIDC token for the service "
                            "connection, for example the idToken variable of an AzureCLI@2 task "
                            "with addSpnToEnvironment: true",
                            "auth method 'oidc_azure_devops' needs " ENV_ADO_TOKEN
                            ", which is %s",
                            token == NULL ? "not set" : "set but empty");
    }
    if (token_names_file(token)) {
        return m365id__fail(ctx, M365ID_ECONFIG,
                            "put the token itself in " ENV_ADO_TOKEN ", or set auth_method = "
                            "\"oidc\" and entra_id_options.oidc_token_file_path or "
                            "M365_OIDC_TOKEN_FILE_PATH to that file",
                            ENV_ADO_TOKEN " names an existing file (a %zu-byte value), not a "
                            "token",
                            strlen(token));
    }
    return M365ID_OK;
}

int m365id__validate_method_settings(m365id_ctx *ctx, const struct m365id__config *cfg,
                                     const char *const *empty_env)
{
    const struct m365id__setting *request_token = &cfg->v[M365ID__KEY_OIDC_REQUEST_TOKEN];
    const char *method = m365id__auth_methods[cfg->auth_method].name;

    /* A token value that names a file is a token file given in the wrong setting. */
    if (token_names_file(request_token->value)) {
        return m365id__fail(ctx, M365ID_ECONFIG,
                            "to read the OIDC token from that file, set auth_method = \"oidc\" "
                            "and entra_id_options.oidc_token_file_path or "
                            "M365_OIDC_TOKEN_FILE_PATH to it, and unset oidc_request_token. The "
                            "request token is the bearer token for oidc_request_url, such as "
                            "the runner's ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                            "entra_id_options.oidc_request_token (%s) names an existing file, "
                            "not a token",
                            request_token->source);
    }

    switch (cfg->auth_method) {
    case M365ID__AUTH_CLIENT_SECRET:
        if (cfg->v[M365ID__KEY_CLIENT_SECRET].value != NULL) {
            warn_secret_shape(ctx, &cfg->v[M365ID__KEY_CLIENT_SECRET]);
            return M365ID_OK;
        }
        return fail_missing(ctx, "client secret", method,
                            empty_env[M365ID__KEY_CLIENT_SECRET],
                            "set entra_id_options.client_secret or M365_CLIENT_SECRET to the "
                            "value of a client secret of the app registration (the Value "
                            "column in the portal, not the Secret ID)");
    case M365ID__AUTH_CLIENT_CERTIFICATE:
        if (cfg->v[M365ID__KEY_CLIENT_CERTIFICATE].value != NULL)
            return M365ID_OK;
        return fail_missing(ctx, "client certificate path",
                            method, empty_env[M365ID__KEY_CLIENT_CERTIFICATE],
                            "set entra_id_options.client_certificate or "
                            "M365_CLIENT_CERTIFICATE_FILE_PATH to the path of a PKCS#12 (.pfx) "
                            "file holding the certificate and its private key, and its password "
                            "in entra_id_options.client_certificate_password or "
                            "M365_CLIENT_CERTIFICATE_PASSWORD");
    case M365ID__AUTH_OIDC:
        return check_oidc(ctx, cfg);
    case M365ID__AUTH_OIDC_GITHUB:
        return check_oidc_github(ctx, cfg);
    case M365ID__AUTH_OIDC_AZURE_DEVOPS:
        return check_oidc_azure_devops(ctx);
    default:
        /* managed_identity needs nothing more: without an id it uses the system identity. */
        return M365ID_OK;
    }
}

int m365id__validate_allowed_tenants(m365id_ctx *ctx, const struct m365id__setting *s,
                                     char *const *items, size_t count)
{
    struct m365id__quoted q;
    size_t i;

    for (i = 0; i < count; i++) {
        if (strcmp(items[i], "*") == 0 || m365id__is_guid(items[i]) ||
            m365id__is_domain(items[i]))
            continue;
        m365id__quote_setting(&q, items[i]);
        return m365id__fail(ctx, M365ID_ECONFIG, ALLOWED_TENANTS_HINT,
                            "entra_id_options.additionally_allowed_tenants item '%s' (%s) is not "
                            "a tenant GUID, a domain name or '*'",
                            q.text, s->source);
    }
    return M365ID_OK;
}

static int is_hex_digit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int m365id__validate_redirect_url(m365id_ctx *ctx, const struct m365id__setting *s)
{
    static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789-._~%/:?=";
    struct m365id__url_parts url;
    struct m365id__quoted q;
    struct m365id__quoted qchar;
    const char *p;

    if (s->value == NULL)
        return M365ID_OK;

    m365id__quote_setting(&q, s->value);
    /* The provider's character class, so '&', '#', '@', '+' and spaces fail. */
    for (p = s->value; *p != '\0'; p++) {
        if (strchr(allowed, *p) != NULL)
            continue;
        m365id__quote_len(&qchar, p, 1);
        return m365id__fail(ctx, M365ID_ECONFIG, REDIRECT_HINT,
                            "redirect url '%s' (%s) contains the character '%s', but only "
                            "letters, digits and - . _ ~ %% / : ? = are allowed",
                            q.text, s->source, qchar.text);
    }
    for (p = s->value; (p = strchr(p, '%')) != NULL; p++) {
        if (!is_hex_digit(p[1]) || !is_hex_digit(p[2])) {
            return m365id__fail(ctx, M365ID_ECONFIG, REDIRECT_HINT,
                                "redirect url '%s' (%s) has a '%%' that is not followed by two "
                                "hex digits",
                                q.text, s->source);
        }
    }
    if (m365id__url_split(&url, s->value) != 0) {
        return m365id__fail(ctx, M365ID_ECONFIG, REDIRECT_HINT,
                            "redirect url '%s' (%s) is not a URL with a scheme and a host",
                            q.text, s->source);
    }
    return M365ID_OK;
}

/* Nonzero when the @p len bytes at @p seg equal @p word, ignoring case. */
static int segment_is(const char *seg, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(seg, word, len) == 0;
}

/* Nonzero for /subscriptions/GUID/resourceGroups/G/providers/Microsoft.ManagedIdentity/
 * userAssignedIdentities/NAME, with the fixed words in any letter case. */
static int is_identity_resource_id(const char *s)
{
    static const char *const fixed[] = {"subscriptions", NULL, "resourceGroups", NULL,
                                        "providers", "Microsoft.ManagedIdentity",
                                        "userAssignedIdentities", NULL};
    char guid[37];
    size_t i;

    if (s[0] != '/')
        return 0;
    for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        size_t len;

        s++; /* the '/' before this segment */
        len = strcspn(s, "/");
        if (len == 0)
            return 0;
        if (fixed[i] != NULL && !segment_is(s, len, fixed[i]))
            return 0;
        if (i == 1) {
            if (len != 36)
                return 0;
            memcpy(guid, s, len);
            guid[len] = '\0';
            if (!m365id__is_guid(guid))
                return 0;
        }
        s += len;
        if (*s == '\0')
            return i + 1 == sizeof(fixed) / sizeof(fixed[0]);
    }
    return 0;
}

int m365id__validate_managed_identity_id(enum m365id__mi_kind *out, m365id_ctx *ctx,
                                         const struct m365id__setting *s)
{
    struct m365id__quoted q;
    const char *p;

    *out = M365ID__MI_SYSTEM_ASSIGNED;
    if (s->value == NULL)
        return M365ID_OK;
    if (m365id__is_guid(s->value)) {
        *out = M365ID__MI_CLIENT_ID;
        return M365ID_OK;
    }
    for (p = s->value; *p != '\0' && (unsigned char)*p > 0x20 && *p != 0x7f; p++)
        ;
    if (*p == '\0' && is_identity_resource_id(s->value)) {
        *out = M365ID__MI_RESOURCE_ID;
        return M365ID_OK;
    }

    m365id__quote_setting(&q, s->value);
    return m365id__fail(ctx, M365ID_ECONFIG, MANAGED_IDENTITY_HINT,
                        "managed identity id '%s' (%s) is not a client id GUID or a "
                        "user-assigned identity resource id",
                        q.text, s->source);
}

/* Nonzero when the host of @p url is a loopback name or address. */
static int is_loopback_host(const struct m365id__url_parts *url)
{
    static const char *const hosts[] = {"localhost", "127.0.0.1", "::1"};

    for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
        if (segment_is(url->host, url->host_len, hosts[i]))
            return 1;
    }
    return 0;
}

int m365id__validate_request_url(m365id_ctx *ctx, const struct m365id__setting *s)
{
    struct m365id__url_parts url;
    struct m365id__quoted q;
    const char *p;

    if (s->value == NULL)
        return M365ID_OK;

    m365id__quote_key_value(&q, M365ID__KEY_OIDC_REQUEST_URL, s->value);
    for (p = s->value; *p != '\0'; p++) {
        if ((unsigned char)*p <= 0x20 || *p == 0x7f) {
            return m365id__fail(ctx, M365ID_ECONFIG, REQUEST_URL_HINT,
                                "oidc request url '%s' (%s) contains whitespace or a control "
                                "character",
                                q.text, s->source);
        }
    }
    if (m365id__url_split(&url, s->value) != 0) {
        return m365id__fail(ctx, M365ID_ECONFIG, REQUEST_URL_HINT,
                            "oidc request url '%s' (%s) is not a URL with a scheme and a host",
                            q.text, s->source);
    }
    if (segment_is(url.scheme, url.scheme_len, "https"))
        return M365ID_OK;
    if (segment_is(url.scheme, url.scheme_len, "http") && is_loopback_host(&url))
        return M365ID_OK;

    /* The request token travels to this URL as a bearer token. */
    return m365id__fail(ctx, M365ID_ECONFIG, REQUEST_URL_HINT,
                        "oidc request url '%s' (%s) is not an https URL, but the request token "
                        "is sent to it (http is accepted only for localhost)",
                        q.text, s->source);
}
