/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Settings: explicit values from m365id_ctx_set(), resolution against the environment and the
 * defaults in m365id_ctx_configure(), and the getters of resolved values. The table of settings
 * is in keys.c, the checks on each value in validate*.c, the cloud table in cloud.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config/cloud.h"
#include "lib/config/validate.h"
#include "lib/core/ctx_internal.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/http_client.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/strutil.h"

#define LOG_COMPONENT "config"

/* Work state of one m365id_ctx_configure() call. */
struct resolution {
    struct m365id__config cfg;
    const char *empty_env[M365ID__KEY_COUNT]; /* first variable per key that was set but empty */
    int cloud_given;                          /* cloud came from an explicit value or the env */
};

void m365id__setting_clear(struct m365id__setting *setting)
{
    /* A token pasted where a path belongs is a secret, so every value is wiped. */
    m365id__free_secret_str(setting->value);
    free(setting->source);
    setting->value = NULL;
    setting->source = NULL;
}

void m365id__config_clear(struct m365id__config *cfg)
{
    size_t i;

    for (i = 0; i < M365ID__KEY_COUNT; i++)
        m365id__setting_clear(&cfg->v[i]);
    free(cfg->token_endpoint);
    free(cfg->graph_root);
    m365id__free_list(cfg->allowed_tenants, cfg->allowed_tenant_count);
    memset(cfg, 0, sizeof(*cfg));
}

/* @p a, @p b and @p c joined into a malloc'd string, or NULL when memory runs out. */
static char *join3(const char *a, const char *b, const char *c)
{
    size_t a_len = strlen(a);
    size_t b_len = strlen(b);
    size_t c_len = strlen(c);
    char *s = malloc(a_len + b_len + c_len + 1);

    if (s == NULL)
        return NULL;
    memcpy(s, a, a_len);
    memcpy(s + a_len, b, b_len);
    memcpy(s + a_len + b_len, c, c_len + 1);
    return s;
}

/* Store a copy of @p value with @p source, which this call takes over (NULL: out of memory). */
static int set_setting(struct m365id__setting *out, m365id_ctx *ctx, enum m365id__key key,
                       const char *value, char *source)
{
    char *copy = m365id__strdup(value);

    if (copy == NULL || source == NULL) {
        m365id__free_secret_str(copy);
        free(source);
        return m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory while resolving %s",
                            m365id__keys[key].name);
    }
    m365id__setting_clear(out);
    out->value = copy;
    out->source = source;
    return M365ID_OK;
}

/* Set @p key to the default @p value, with the source naming @p cloud when it is not NULL. */
static int set_default(struct m365id__setting *out, m365id_ctx *ctx, enum m365id__key key,
                       const char *value, const struct m365id__cloud *cloud)
{
    char *source = cloud != NULL ? join3("default for cloud '", cloud->name, "'")
                                 : m365id__strdup("default");

    return set_setting(out, ctx, key, value, source);
}

/* Replace the value of @p s with @p value, which this call takes over. */
static void replace_value(struct m365id__setting *s, char *value)
{
    m365id__free_secret_str(s->value);
    s->value = value;
}

/* Replace the value of @p key with a copy of @p text, its canonical form. */
static int replace_with_copy(struct resolution *res, m365id_ctx *ctx, enum m365id__key key,
                             const char *text)
{
    char *copy = m365id__strdup(text);

    if (copy == NULL)
        return m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory while resolving %s",
                            m365id__keys[key].name);
    replace_value(&res->cfg.v[key], copy);
    return M365ID_OK;
}

/* Nonzero when the list text @p s contains an item once split on ',' and trimmed. */
static int list_has_item(const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s != ',' && strchr(" \t\n\v\f\r", *s) == NULL)
            return 1;
    }
    return 0;
}

/*
 * Nonzero when the environment value @p value of a typed @p key cannot be parsed. The provider
 * then keeps the provider block's value silently; m365id warns, naming the variable, and goes on
 * to the next variable or the default.
 */
static int env_value_unparsable(const m365id_ctx *ctx, enum m365id__key key, const char *name,
                                const char *value)
{
    struct m365id__quoted q;
    long long n;
    int b;

    switch (m365id__keys[key].type) {
    case M365ID__TYPE_BOOL:
        if (m365id__parse_bool(&b, value) == 0)
            return 0;
        m365id__quote_key_value(&q, key, value);
        mlog_warn(&ctx->logger, LOG_COMPONENT,
                  "ignoring env %s '%s' because it is not a boolean; accepted spellings: "
                  M365ID__BOOL_SPELLINGS,
                  name, q.text);
        return 1;
    case M365ID__TYPE_INT:
        if (m365id__parse_int(&n, value) == 0)
            return 0;
        m365id__quote_key_value(&q, key, value);
        mlog_warn(&ctx->logger, LOG_COMPONENT,
                  "ignoring env %s '%s' because it is not a base-10 integer such as 30", name,
                  q.text);
        return 1;
    default:
        return 0;
    }
}

/*
 * Fill @p out from the explicit value or the first usable environment variable of @p key,
 * and leave it unset when neither gives a value.
 *
 * Precedence follows the provider's documentation: an explicit value wins, and the environment
 * only fills what was left unset. NOTE: the provider's code does the opposite, because a
 * non-empty variable there overrides the provider block. m365id keeps the documented rule, so
 * a value written in the configuration is never replaced silently by an inherited variable.
 */
static int pick(struct resolution *res, m365id_ctx *ctx, enum m365id__key key)
{
    const struct m365id__setting *explicit_value = &ctx->explicit_values[key];
    const struct m365id__key_info *info = &m365id__keys[key];
    struct m365id__setting *out = &res->cfg.v[key];
    int is_list = info->type == M365ID__TYPE_LIST;
    const char *value;
    size_t i;

    if (explicit_value->value != NULL) {
        if (explicit_value->value[0] != '\0' && (!is_list || list_has_item(explicit_value->value))) {
            return set_setting(out, ctx, key, explicit_value->value,
                               m365id__strdup(explicit_value->source));
        }
        mlog_debug(&ctx->logger, LOG_COMPONENT, "ignoring %s from %s because it is empty",
                   info->name, explicit_value->source);
    }

    /* An empty variable counts as unset: an unmutated pod or a templating gap leaves "". */
    for (i = 0; info->env[i] != NULL; i++) {
        value = m365id__getenv(ctx, info->env[i]);
        if (value == NULL)
            continue;
        if (value[0] == '\0' || (is_list && !list_has_item(value))) {
            mlog_debug(&ctx->logger, LOG_COMPONENT, "ignoring env %s because it is empty",
                       info->env[i]);
            if (res->empty_env[key] == NULL)
                res->empty_env[key] = info->env[i];
            continue;
        }
        if (env_value_unparsable(ctx, key, info->env[i], value))
            continue;
        return set_setting(out, ctx, key, value, join3("env ", info->env[i], ""));
    }
    return M365ID_OK;
}

/* Log the resolved value of @p key and its source once the value has passed its checks. */
static void log_setting(const m365id_ctx *ctx, const struct resolution *res, enum m365id__key key)
{
    const struct m365id__setting *s = &res->cfg.v[key];
    const struct m365id__key_info *info = &m365id__keys[key];
    char fingerprint[M365ID_FINGERPRINT_SIZE];
    struct m365id__quoted q;

    if (!m365id__log_enabled(&ctx->logger, M365ID_LOG_DEBUG))
        return;
    if (s->value == NULL) {
        mlog_debug(&ctx->logger, LOG_COMPONENT, "%s is unset", info->name);
        return;
    }

    /* A password is guessable, so even its length and a hash would help an attacker. */
    if (info->flags & M365ID__CFG_LOW_ENTROPY) {
        mlog_debug(&ctx->logger, LOG_COMPONENT, "%s is set (%s)", info->name, s->source);
        return;
    }
    if (info->flags & M365ID__CFG_SECRET) {
        m365id_fingerprint(fingerprint, sizeof(fingerprint), s->value, strlen(s->value));
        mlog_debug(&ctx->logger, LOG_COMPONENT, "%s is set, %zu bytes, %s (%s)", info->name,
                   strlen(s->value), fingerprint, s->source);
        return;
    }
    m365id__quote_key_value(&q, key, s->value);
    mlog_debug(&ctx->logger, LOG_COMPONENT, "%s = '%s' (%s)", info->name, q.text, s->source);
}

/*
 * Resolve the authority host: explicit value, M365_AUTHORITY_HOST, then AZURE_AUTHORITY_HOST
 * only when no cloud was chosen, then the cloud's authority. The workload identity webhook
 * injects AZURE_AUTHORITY_HOST into every mutated pod from one cluster-wide setting, so a cloud
 * chosen for this workload is the more specific choice.
 */
static int resolve_authority(struct resolution *res, m365id_ctx *ctx)
{
    const enum m365id__key key = M365ID__KEY_AUTHORITY_HOST;
    const struct m365id__cloud *cloud = res->cfg.cloud;
    struct m365id__setting *out = &res->cfg.v[key];
    const struct m365id__setting *cloud_setting = &res->cfg.v[M365ID__KEY_CLOUD];
    struct m365id__quoted q;
    const char *azure;
    int rc;

    if ((rc = pick(res, ctx, key)) < 0 || out->value != NULL)
        return rc;

    azure = m365id__getenv(ctx, M365ID__ENV_AZURE_AUTHORITY_HOST);
    if (azure != NULL && azure[0] == '\0') {
        mlog_debug(&ctx->logger, LOG_COMPONENT, "ignoring env %s because it is empty",
                   M365ID__ENV_AZURE_AUTHORITY_HOST);
    } else if (azure != NULL && !res->cloud_given) {
        return set_setting(out, ctx, key, azure,
                           join3("env ", M365ID__ENV_AZURE_AUTHORITY_HOST, ""));
    } else if (azure != NULL && !m365id__cloud_has_authority(cloud, azure)) {
        m365id__quote_setting(&q, azure);
        mlog_warn(&ctx->logger, LOG_COMPONENT,
                  "ignoring env %s '%s' because cloud '%s' (%s) sets the authority host '%s', "
                  "and the cloud wins",
                  M365ID__ENV_AZURE_AUTHORITY_HOST, q.text, cloud->name, cloud_setting->source,
                  cloud->authority_host);
    }
    return set_default(out, ctx, key, cloud->authority_host, cloud);
}

/* Fill an unset @p key with its default from the key table, when it has one. */
static int apply_table_default(struct resolution *res, m365id_ctx *ctx, enum m365id__key key)
{
    const char *value = m365id__keys[key].default_value;

    if (res->cfg.v[key].value != NULL || value == NULL)
        return M365ID_OK;
    return set_default(&res->cfg.v[key], ctx, key, value, NULL);
}

/* Resolve and check one integer setting, storing its value in canonical form. */
static int resolve_int(long *out, struct resolution *res, m365id_ctx *ctx, enum m365id__key key,
                       long min, long max)
{
    struct m365id__setting *s = &res->cfg.v[key];
    long long example = 0;
    char text[32];
    int rc;

    if ((rc = apply_table_default(res, ctx, key)) < 0)
        return rc;
    if (m365id__keys[key].default_value != NULL)
        (void)m365id__parse_int(&example, m365id__keys[key].default_value);
    if ((rc = m365id__validate_int(out, ctx, key, s, min, max, (long)example)) < 0)
        return rc;

    snprintf(text, sizeof(text), "%ld", *out);
    if ((rc = replace_with_copy(res, ctx, key, text)) < 0)
        return rc;
    log_setting(ctx, res, key);
    return M365ID_OK;
}

/* Resolve and check one boolean setting, storing "true" or "false". */
static int resolve_bool(int *out, struct resolution *res, m365id_ctx *ctx, enum m365id__key key)
{
    int rc;

    if ((rc = apply_table_default(res, ctx, key)) < 0)
        return rc;
    if ((rc = m365id__validate_bool(out, ctx, key, &res->cfg.v[key])) < 0)
        return rc;
    if ((rc = replace_with_copy(res, ctx, key, *out ? "true" : "false")) < 0)
        return rc;
    log_setting(ctx, res, key);
    return M365ID_OK;
}

/* Resolve additionally_allowed_tenants into cfg's item array and a canonical "a,b" value. */
static int resolve_allowed_tenants(struct resolution *res, m365id_ctx *ctx)
{
    const enum m365id__key key = M365ID__KEY_ALLOWED_TENANTS;
    struct m365id__config *cfg = &res->cfg;
    struct m365id__buf joined = M365ID__BUF_INIT(64 * 1024);
    size_t i;
    int rc = M365ID_OK;

    if (cfg->v[key].value == NULL)
        goto out;

    if (m365id__split_list(&cfg->allowed_tenants, &cfg->allowed_tenant_count,
                           cfg->v[key].value) < 0) {
        rc = m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory while resolving %s",
                          m365id__keys[key].name);
        goto out;
    }
    if ((rc = m365id__validate_allowed_tenants(ctx, &cfg->v[key], cfg->allowed_tenants,
                                               cfg->allowed_tenant_count)) < 0)
        goto out;

    for (i = 0; i < cfg->allowed_tenant_count; i++) {
        cfg->allow_any_tenant |= strcmp(cfg->allowed_tenants[i], "*") == 0;
        if ((i > 0 && m365id__buf_puts(&joined, ",") < 0) ||
            m365id__buf_puts(&joined, cfg->allowed_tenants[i]) < 0) {
            rc = m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory while resolving %s",
                              m365id__keys[key].name);
            goto out;
        }
    }
    rc = replace_with_copy(res, ctx, key, m365id__buf_cstr(&joined));

out:
    m365id__buf_clear(&joined);
    if (rc == M365ID_OK)
        log_setting(ctx, res, key);
    return rc;
}

/* Resolve debug_mode first, so that the rest of the resolution is logged at its level. */
static int resolve_debug_mode(struct resolution *res, m365id_ctx *ctx)
{
    int rc;

    if ((rc = pick(res, ctx, M365ID__KEY_DEBUG_MODE)) < 0)
        return rc;
    if ((rc = resolve_bool(&res->cfg.debug_mode, res, ctx, M365ID__KEY_DEBUG_MODE)) < 0)
        return rc;
    m365id__log_level_apply(ctx, res->cfg.debug_mode);
    if (res->cfg.debug_mode) {
        mlog_debug(&ctx->logger, LOG_COMPONENT, "debug_mode is on (%s): log level raised to debug",
                   res->cfg.v[M365ID__KEY_DEBUG_MODE].source);
    }
    return M365ID_OK;
}

/* Shape checks that run on every string value before the per-setting checks. */
static int check_no_misplaced_token(struct resolution *res, m365id_ctx *ctx)
{
    size_t i;
    int rc;

    for (i = 0; i < M365ID__KEY_COUNT; i++) {
        const struct m365id__key_info *info = &m365id__keys[i];
        const struct m365id__setting *s = &res->cfg.v[i];

        /* A secret may be token-shaped (an OIDC request token is), and the federated token
         * file keeps its own message in m365id__validate_token_file(). */
        if ((info->flags & M365ID__CFG_SECRET) || i == M365ID__KEY_TOKEN_FILE)
            continue;
        if (info->type == M365ID__TYPE_PATH)
            rc = m365id__validate_path_not_token(ctx, (enum m365id__key)i, s);
        else
            rc = m365id__validate_not_token(ctx, (enum m365id__key)i, s);
        if (rc < 0)
            return rc;
    }
    return M365ID_OK;
}

/*
 * Reject a client id given to managed_identity without a managed identity id: the identity
 * endpoint ignores the client id, so the request would name the system-assigned identity.
 * AZURE_CLIENT_ID needs no check, because it also feeds managed_identity_id.
 */
static int check_unused_client_id(m365id_ctx *ctx, const struct m365id__config *cfg)
{
    const struct m365id__setting *client = &cfg->v[M365ID__KEY_CLIENT_ID];
    struct m365id__quoted q;

    if (client->value == NULL || cfg->v[M365ID__KEY_MANAGED_IDENTITY_ID].value != NULL)
        return M365ID_OK;

    m365id__quote(&q, client->value);
    return m365id__fail(ctx, M365ID_ECONFIG,
                        "set entra_id_options.managed_identity_id, M365_MANAGED_IDENTITY_ID or "
                        "--managed-identity-id to the user-assigned identity's client id, or "
                        "remove the client id to use the system-assigned identity",
                        "client id '%s' (%s) is not used by managed_identity", q.text,
                        client->source != NULL ? client->source : "unset");
}

/* Tenant, client id and federated token file, as far as the auth method needs them. */
static int resolve_identity(struct resolution *res, m365id_ctx *ctx)
{
    struct m365id__config *cfg = &res->cfg;
    enum m365id__auth_method method = cfg->auth_method;
    int managed = method == M365ID__AUTH_MANAGED_IDENTITY;
    int workload = method == M365ID__AUTH_WORKLOAD_IDENTITY;
    int rc;

    if (workload && (rc = m365id__validate_required(ctx, cfg, res->empty_env)) < 0)
        return rc;

    /* A managed identity needs no tenant or client id, because the identity endpoint of the
     * host issues its tokens. */
    if (!managed || cfg->v[M365ID__KEY_TENANT_ID].value != NULL) {
        if ((rc = m365id__validate_tenant(ctx, &cfg->v[M365ID__KEY_TENANT_ID],
                                          res->empty_env[M365ID__KEY_TENANT_ID])) < 0)
            return rc;
    }
    log_setting(ctx, res, M365ID__KEY_TENANT_ID);

    if (!managed) {
        if ((rc = m365id__validate_client_id(ctx, &cfg->v[M365ID__KEY_CLIENT_ID],
                                             res->empty_env[M365ID__KEY_CLIENT_ID])) < 0)
            return rc;
    } else if ((rc = check_unused_client_id(ctx, cfg)) < 0) {
        return rc;
    }
    log_setting(ctx, res, M365ID__KEY_CLIENT_ID);

    if (workload || cfg->v[M365ID__KEY_TOKEN_FILE].value != NULL) {
        if ((rc = m365id__validate_token_file(ctx, &cfg->v[M365ID__KEY_TOKEN_FILE],
                                              res->empty_env[M365ID__KEY_TOKEN_FILE])) < 0)
            return rc;
    }
    log_setting(ctx, res, M365ID__KEY_TOKEN_FILE);

    return m365id__validate_method_settings(ctx, cfg, res->empty_env);
}

/* Authority host, Graph endpoint, scope and the audiences, with the cloud's defaults. */
static int resolve_endpoints(struct resolution *res, m365id_ctx *ctx)
{
    static const enum m365id__key audiences[] = {M365ID__KEY_TOKEN_AUDIENCE,
                                                 M365ID__KEY_OIDC_AUDIENCE};
    struct m365id__config *cfg = &res->cfg;
    const struct m365id__cloud *cloud = cfg->cloud;
    char *normalised = NULL;
    int rc;

    if ((rc = resolve_authority(res, ctx)) < 0)
        return rc;
    if ((rc = m365id__validate_authority(&normalised, ctx, &cfg->v[M365ID__KEY_AUTHORITY_HOST],
                                         cfg->v[M365ID__KEY_TENANT_ID].value)) < 0)
        return rc;
    replace_value(&cfg->v[M365ID__KEY_AUTHORITY_HOST], normalised);
    log_setting(ctx, res, M365ID__KEY_AUTHORITY_HOST);

    if (cfg->v[M365ID__KEY_GRAPH_ENDPOINT].value == NULL &&
        (rc = set_default(&cfg->v[M365ID__KEY_GRAPH_ENDPOINT], ctx, M365ID__KEY_GRAPH_ENDPOINT,
                          cloud->graph_endpoint, cloud)) < 0)
        return rc;
    if ((rc = m365id__validate_graph_endpoint(&normalised, ctx,
                                              &cfg->v[M365ID__KEY_GRAPH_ENDPOINT])) < 0)
        return rc;
    replace_value(&cfg->v[M365ID__KEY_GRAPH_ENDPOINT], normalised);
    log_setting(ctx, res, M365ID__KEY_GRAPH_ENDPOINT);

    if (cfg->v[M365ID__KEY_SCOPE].value == NULL &&
        (rc = set_default(&cfg->v[M365ID__KEY_SCOPE], ctx, M365ID__KEY_SCOPE, cloud->scope,
                          cloud)) < 0)
        return rc;
    if ((rc = m365id__validate_scope(ctx, &cfg->v[M365ID__KEY_SCOPE], cloud)) < 0)
        return rc;
    if ((rc = m365id__validate_same_cloud(ctx, &cfg->v[M365ID__KEY_AUTHORITY_HOST],
                                          &cfg->v[M365ID__KEY_SCOPE])) < 0)
        return rc;
    log_setting(ctx, res, M365ID__KEY_SCOPE);

    /* Both audiences default to the cloud's federated credential audience. */
    for (size_t i = 0; i < sizeof(audiences) / sizeof(audiences[0]); i++) {
        enum m365id__key key = audiences[i];

        if (cfg->v[key].value == NULL &&
            (rc = set_default(&cfg->v[key], ctx, key, cloud->fic_audience, cloud)) < 0)
            return rc;
        if ((rc = m365id__validate_audience(ctx, key, &cfg->v[key])) < 0)
            return rc;
        log_setting(ctx, res, key);
    }

    if ((rc = m365id__validate_ca_bundle(ctx, &cfg->v[M365ID__KEY_CA_BUNDLE])) < 0)
        return rc;
    log_setting(ctx, res, M365ID__KEY_CA_BUNDLE);
    return M365ID_OK;
}

/* The remaining entra_id_options fields, checked whenever they are set. */
static int resolve_entra_options(struct resolution *res, m365id_ctx *ctx)
{
    static const enum m365id__key logged[] = {
        M365ID__KEY_CLIENT_SECRET,      M365ID__KEY_CLIENT_CERTIFICATE,
        M365ID__KEY_CLIENT_CERTIFICATE_PASSWORD, M365ID__KEY_USERNAME,
        M365ID__KEY_PASSWORD,           M365ID__KEY_OIDC_TOKEN_FILE,
        M365ID__KEY_OIDC_REQUEST_TOKEN, M365ID__KEY_ADO_SERVICE_CONNECTION_ID,
    };
    struct m365id__config *cfg = &res->cfg;
    size_t i;
    int rc;

    if ((rc = resolve_bool(&cfg->telemetry_optout, res, ctx, M365ID__KEY_TELEMETRY_OPTOUT)) < 0 ||
        (rc = resolve_bool(&cfg->send_certificate_chain, res, ctx,
                           M365ID__KEY_SEND_CERTIFICATE_CHAIN)) < 0 ||
        (rc = resolve_bool(&cfg->disable_instance_discovery, res, ctx,
                           M365ID__KEY_DISABLE_INSTANCE_DISCOVERY)) < 0)
        return rc;
    if ((rc = resolve_allowed_tenants(res, ctx)) < 0)
        return rc;

    if ((rc = m365id__validate_redirect_url(ctx, &cfg->v[M365ID__KEY_REDIRECT_URL])) < 0)
        return rc;
    log_setting(ctx, res, M365ID__KEY_REDIRECT_URL);

    if ((rc = m365id__validate_managed_identity_id(&cfg->managed_identity_kind, ctx,
                                                   &cfg->v[M365ID__KEY_MANAGED_IDENTITY_ID])) < 0)
        return rc;
    log_setting(ctx, res, M365ID__KEY_MANAGED_IDENTITY_ID);

    if ((rc = m365id__validate_request_url(ctx, &cfg->v[M365ID__KEY_OIDC_REQUEST_URL])) < 0)
        return rc;
    log_setting(ctx, res, M365ID__KEY_OIDC_REQUEST_URL);

    for (i = 0; i < sizeof(logged) / sizeof(logged[0]); i++)
        log_setting(ctx, res, logged[i]);
    return M365ID_OK;
}

/* client_options: one HTTP configuration that the token and Graph requests share. */
static int resolve_client_options(struct resolution *res, m365id_ctx *ctx)
{
    struct m365id__config *cfg = &res->cfg;
    long value;
    int use_proxy;
    int rc;

    if ((rc = resolve_int(&value, res, ctx, M365ID__KEY_TIMEOUT_S, 1, 3600)) < 0)
        return rc;
    cfg->timeout_ms = value * 1000;

    if ((rc = resolve_bool(&cfg->enable_retry, res, ctx, M365ID__KEY_ENABLE_RETRY)) < 0)
        return rc;
    if ((rc = resolve_int(&value, res, ctx, M365ID__KEY_MAX_RETRIES, 0, 10)) < 0)
        return rc;
    cfg->max_retries = cfg->enable_retry ? (int)value : 0;
    if ((rc = resolve_int(&value, res, ctx, M365ID__KEY_RETRY_DELAY_S, 0, 60)) < 0)
        return rc;
    cfg->retry_delay_ms = value * 1000;
    if ((rc = resolve_int(&value, res, ctx, M365ID__KEY_FIC_RETRIES, 0, 5)) < 0)
        return rc;
    cfg->fic_retries = (int)value < cfg->max_retries ? (int)value : cfg->max_retries;

    if ((rc = resolve_bool(&cfg->enable_redirect, res, ctx, M365ID__KEY_ENABLE_REDIRECT)) < 0)
        return rc;
    if ((rc = resolve_int(&value, res, ctx, M365ID__KEY_MAX_REDIRECTS, 0, 20)) < 0)
        return rc;
    cfg->max_redirects = cfg->enable_redirect ? (int)value : 0;

    if ((rc = resolve_bool(&cfg->graph_compression, res, ctx, M365ID__KEY_ENABLE_COMPRESSION)) < 0 ||
        (rc = resolve_bool(&cfg->enable_headers_inspection, res, ctx,
                           M365ID__KEY_ENABLE_HEADERS_INSPECTION)) < 0 ||
        (rc = resolve_bool(&cfg->enable_chaos, res, ctx, M365ID__KEY_ENABLE_CHAOS)) < 0)
        return rc;
    if ((rc = resolve_int(&value, res, ctx, M365ID__KEY_CHAOS_PERCENTAGE, 0, 100)) < 0)
        return rc;
    cfg->chaos_percentage = (int)value;
    if ((rc = resolve_int(&value, res, ctx, M365ID__KEY_CHAOS_STATUS_CODE, 0, 599)) < 0)
        return rc;
    cfg->chaos_status_code = (int)value;

    if ((rc = m365id__validate_header_text(ctx, M365ID__KEY_CUSTOM_USER_AGENT,
                                           &cfg->v[M365ID__KEY_CUSTOM_USER_AGENT])) < 0 ||
        (rc = m365id__validate_header_text(ctx, M365ID__KEY_CHAOS_STATUS_MESSAGE,
                                           &cfg->v[M365ID__KEY_CHAOS_STATUS_MESSAGE])) < 0)
        return rc;
    log_setting(ctx, res, M365ID__KEY_CUSTOM_USER_AGENT);
    log_setting(ctx, res, M365ID__KEY_CHAOS_STATUS_MESSAGE);

    if ((rc = resolve_bool(&use_proxy, res, ctx, M365ID__KEY_USE_PROXY)) < 0)
        return rc;
    if ((rc = m365id__validate_proxy(ctx, cfg, use_proxy)) < 0)
        return rc;
    log_setting(ctx, res, M365ID__KEY_PROXY_URL);
    log_setting(ctx, res, M365ID__KEY_PROXY_USERNAME);
    log_setting(ctx, res, M365ID__KEY_PROXY_PASSWORD);
    return M365ID_OK;
}

/* Point cfg's HTTP fields at the resolved values; run last, after every value is final. */
static void publish_http_fields(struct m365id__config *cfg)
{
    int use_proxy = strcmp(cfg->v[M365ID__KEY_USE_PROXY].value, "true") == 0;

    cfg->user_agent = cfg->v[M365ID__KEY_CUSTOM_USER_AGENT].value;
    cfg->chaos_status_message = cfg->v[M365ID__KEY_CHAOS_STATUS_MESSAGE].value;
    cfg->proxy_url = use_proxy ? cfg->v[M365ID__KEY_PROXY_URL].value : NULL;
    if (cfg->proxy_url != NULL) {
        cfg->proxy_username = cfg->v[M365ID__KEY_PROXY_USERNAME].value;
        cfg->proxy_password = cfg->v[M365ID__KEY_PROXY_PASSWORD].value;
    }
}

/* Fill every setting of @p res and check it. The first failure is recorded on @p ctx. */
static int resolve_all(struct resolution *res, m365id_ctx *ctx)
{
    struct m365id__config *cfg = &res->cfg;
    const struct m365id__cloud *cloud;
    size_t i;
    int rc;

    if ((rc = resolve_debug_mode(res, ctx)) < 0)
        return rc;

    for (i = 0; i < M365ID__KEY_COUNT; i++) {
        if (i == M365ID__KEY_DEBUG_MODE || i == M365ID__KEY_AUTHORITY_HOST)
            continue;
        if ((rc = pick(res, ctx, (enum m365id__key)i)) < 0)
            return rc;
    }
    if ((rc = check_no_misplaced_token(res, ctx)) < 0)
        return rc;

    if ((rc = m365id__validate_auth_method(&cfg->auth_method, ctx,
                                           &cfg->v[M365ID__KEY_AUTH_METHOD])) < 0)
        return rc;
    log_setting(ctx, res, M365ID__KEY_AUTH_METHOD);

    /* The provider requires a cloud, but its documentation promises "public" as the default. */
    res->cloud_given = cfg->v[M365ID__KEY_CLOUD].value != NULL;
    if (!res->cloud_given) {
        mlog_info(&ctx->logger, LOG_COMPONENT, "cloud not set; using 'public'");
        if ((rc = set_default(&cfg->v[M365ID__KEY_CLOUD], ctx, M365ID__KEY_CLOUD, "public",
                              NULL)) < 0)
            return rc;
    }
    if ((rc = m365id__validate_cloud(&cloud, ctx, &cfg->v[M365ID__KEY_CLOUD])) < 0)
        return rc;
    cfg->cloud = cloud;
    log_setting(ctx, res, M365ID__KEY_CLOUD);

    if ((rc = resolve_identity(res, ctx)) < 0 || (rc = resolve_endpoints(res, ctx)) < 0 ||
        (rc = resolve_entra_options(res, ctx)) < 0 || (rc = resolve_client_options(res, ctx)) < 0)
        return rc;
    publish_http_fields(cfg);

    /* The authority already ends with exactly one '/'. */
    if (cfg->v[M365ID__KEY_TENANT_ID].value != NULL) {
        cfg->token_endpoint = join3(cfg->v[M365ID__KEY_AUTHORITY_HOST].value,
                                    cfg->v[M365ID__KEY_TENANT_ID].value, "/oauth2/v2.0/token");
        if (cfg->token_endpoint == NULL)
            return m365id__fail(ctx, M365ID_ENOMEM, NULL,
                                "out of memory while resolving endpoints");
    }
    cfg->graph_root = m365id__strdup(cfg->v[M365ID__KEY_GRAPH_ENDPOINT].value);
    if (cfg->graph_root == NULL)
        return m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory while resolving endpoints");
    return M365ID_OK;
}

/* Log the configure summary for managed_identity: the identity selector, not a client id. */
static void log_managed_identity(m365id_ctx *ctx, const struct m365id__quoted *q_tenant)
{
    const struct m365id__setting *id = &ctx->cfg.v[M365ID__KEY_MANAGED_IDENTITY_ID];
    struct m365id__quoted q_id;
    const char *selector;

    if (ctx->cfg.managed_identity_kind == M365ID__MI_SYSTEM_ASSIGNED || id->value == NULL) {
        mlog_info(&ctx->logger, LOG_COMPONENT,
                  "configured managed_identity for the system-assigned identity in tenant '%s', "
                  "cloud '%s'",
                  q_tenant->text, ctx->cfg.cloud->name);
        return;
    }
    selector = ctx->cfg.managed_identity_kind == M365ID__MI_RESOURCE_ID ? "resource id"
                                                                         : "client id";
    m365id__quote(&q_id, id->value);
    mlog_info(&ctx->logger, LOG_COMPONENT,
              "configured managed_identity for the user-assigned identity with %s '%s' (%s) in "
              "tenant "
              "'%s', cloud '%s'",
              selector, q_id.text, id->source != NULL ? id->source : "unset", q_tenant->text,
              ctx->cfg.cloud->name);
}

int m365id_ctx_configure(m365id_ctx *ctx)
{
    struct resolution res;
    struct m365id__quoted q_tenant;
    struct m365id__quoted q_client;
    int rc;

    if (ctx == NULL)
        return M365ID_EINVAL;

    memset(&res, 0, sizeof(res));
    m365id__error_reset(ctx);
    ctx->configured = 0;
    m365id__config_clear(&ctx->cfg);
    m365id__log_level_apply(ctx, 0);

    /* Close the kept connections: a proxy tunnel opened with the old proxy credentials must
     * not serve requests of the new configuration. */
    m365id__http_pool_free(ctx->http_pool);
    ctx->http_pool = NULL;
    if (m365id__http_pool_new(&ctx->http_pool) < 0) {
        rc = m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory while configuring");
        goto out;
    }

    if ((rc = resolve_all(&res, ctx)) < 0)
        goto out;

    ctx->cfg = res.cfg;
    memset(&res.cfg, 0, sizeof(res.cfg));
    ctx->configured = 1;

    m365id__quote(&q_tenant, ctx->cfg.v[M365ID__KEY_TENANT_ID].value != NULL
                                 ? ctx->cfg.v[M365ID__KEY_TENANT_ID].value
                                 : "(none)");
    if (ctx->cfg.auth_method == M365ID__AUTH_MANAGED_IDENTITY) {
        log_managed_identity(ctx, &q_tenant);
    } else {
        m365id__quote(&q_client, ctx->cfg.v[M365ID__KEY_CLIENT_ID].value != NULL
                                     ? ctx->cfg.v[M365ID__KEY_CLIENT_ID].value
                                     : "(none)");
        mlog_info(&ctx->logger, LOG_COMPONENT,
                  "configured %s for client '%s' in tenant '%s', cloud '%s'",
                  m365id__auth_methods[ctx->cfg.auth_method].name, q_client.text, q_tenant.text,
                  ctx->cfg.cloud->name);
    }

out:
    /* A failed configure keeps the caller's log level; debug_mode applies only once valid. */
    if (rc < 0)
        m365id__log_level_apply(ctx, 0);
    m365id__config_clear(&res.cfg);
    return rc;
}

int m365id_ctx_set(m365id_ctx *ctx, const char *key, const char *value, const char *origin)
{
    struct m365id__setting next = {NULL, NULL};
    struct m365id__quoted q;
    int index;

    if (ctx == NULL)
        return M365ID_EINVAL;
    m365id__error_reset(ctx);

    index = m365id__key_index(key);
    if (index < 0) {
        m365id__quote(&q, key);
        return m365id__fail(ctx, M365ID_EINVAL,
                            "use one of the keys m365id_setting_names() lists, such as "
                            "\"tenant_id\" or \"entra_id_options.client_id\"",
                            "unknown setting '%s'", q.text);
    }

    if (value != NULL) {
        /* Origins reach messages and logs, so they are stored quoted. */
        m365id__quote(&q, origin != NULL ? origin : "configuration");
        next.value = m365id__strdup(value);
        next.source = m365id__strdup(q.text);
        if (next.value == NULL || next.source == NULL) {
            m365id__setting_clear(&next);
            return m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory while setting %s",
                                m365id__keys[index].name);
        }
    }
    m365id__setting_clear(&ctx->explicit_values[index]);
    ctx->explicit_values[index] = next;
    return M365ID_OK;
}

int m365id_ctx_setting(const char **value, const char **source, const m365id_ctx *ctx,
                       const char *key)
{
    int index;

    if (value != NULL)
        *value = NULL;
    if (source != NULL)
        *source = NULL;
    if (ctx == NULL || !ctx->configured)
        return M365ID_EINVAL;
    index = m365id__key_index(key);
    if (index < 0)
        return M365ID_EINVAL;

    if (value != NULL)
        *value = ctx->cfg.v[index].value;
    if (source != NULL)
        *source = m365id__cfg_source(ctx, (enum m365id__key)index);
    return M365ID_OK;
}

int m365id_ctx_setting_display(const char **value, const char **source, const m365id_ctx *ctx,
                               const char *key)
{
    int rc = m365id_ctx_setting(value, source, ctx, key);

    if (rc == M365ID_OK && value != NULL && *value != NULL &&
        (m365id__keys[m365id__key_index(key)].flags & M365ID__CFG_SECRET))
        *value = "<redacted>";
    return rc;
}
