/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Settings: explicit values from m365id_ctx_set(), resolution against the environment and the
 * cloud's defaults in m365id_ctx_configure(), and the resolved values' getter. The checks on each
 * value live in validate.c, the cloud table in cloud.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config/cloud.h"
#include "lib/config/validate.h"
#include "lib/core/ctx_internal.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/strutil.h"

#define LOG_COMPONENT "config"

/*
 * Environment variables per setting, in priority order. The provider reads only
 * AZURE_FEDERATED_TOKEN_FILE for the token file, while its documentation names
 * M365_FEDERATED_TOKEN_FILE, so both are read with the provider's name first.
 * AZURE_AUTHORITY_HOST is missing here on purpose: resolve_authority() reads it under its own rule.
 */
const struct m365id__key_info m365id__keys[M365ID__KEY_COUNT] = {
    [M365ID__KEY_AUTH_METHOD] = {"auth_method", {"M365_AUTH_METHOD", NULL}},
    [M365ID__KEY_CLOUD] = {"cloud", {"M365_CLOUD", "AZURE_CLOUD", NULL}},
    [M365ID__KEY_TENANT_ID] = {"tenant_id", {"M365_TENANT_ID", "AZURE_TENANT_ID", NULL}},
    [M365ID__KEY_CLIENT_ID] = {"entra_id_options.client_id",
                               {"M365_CLIENT_ID", "AZURE_CLIENT_ID", NULL}},
    [M365ID__KEY_TOKEN_FILE] = {"entra_id_options.federated_token_file_path",
                                {"AZURE_FEDERATED_TOKEN_FILE", "M365_FEDERATED_TOKEN_FILE", NULL}},
    [M365ID__KEY_TIMEOUT_S] = {"client_options.timeout_seconds", {"M365_TIMEOUT_SECONDS", NULL}},
    [M365ID__KEY_MAX_RETRIES] = {"client_options.max_retries", {"M365_MAX_RETRIES", NULL}},
    [M365ID__KEY_RETRY_DELAY_S] = {"client_options.retry_delay_seconds",
                                   {"M365_RETRY_DELAY_SECONDS", NULL}},
    [M365ID__KEY_AUTHORITY_HOST] = {"authority_host", {"M365_AUTHORITY_HOST", NULL}},
    [M365ID__KEY_GRAPH_ENDPOINT] = {"graph_endpoint", {"M365_GRAPH_ENDPOINT", NULL}},
    [M365ID__KEY_SCOPE] = {"scope", {"M365_SCOPE", NULL}},
    [M365ID__KEY_CA_BUNDLE] = {"ca_bundle", {"M365_CA_BUNDLE", NULL}},
    [M365ID__KEY_TOKEN_AUDIENCE] = {"federated_token_audience",
                                    {"M365_FEDERATED_TOKEN_AUDIENCE", NULL}},
};

/* The same names for m365id_setting_names(), in enum order. */
static const char *const setting_names[M365ID__KEY_COUNT + 1] = {
    "auth_method",
    "cloud",
    "tenant_id",
    "entra_id_options.client_id",
    "entra_id_options.federated_token_file_path",
    "client_options.timeout_seconds",
    "client_options.max_retries",
    "client_options.retry_delay_seconds",
    "authority_host",
    "graph_endpoint",
    "scope",
    "ca_bundle",
    "federated_token_audience",
    NULL,
};

/*
 * Defaults of the client_options integers. The provider applies none and reads their environment
 * variables only when a client_options block exists. m365id reads the variables always, because a
 * CLI or daemon has no such block, and applies these defaults.
 */
#define TIMEOUT_S_DEFAULT 30
#define MAX_RETRIES_DEFAULT 3
#define RETRY_DELAY_S_DEFAULT 1

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
    memset(cfg, 0, sizeof(*cfg));
}

static int key_index(const char *name)
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

static const char *env_lookup(const m365id_ctx *ctx, const char *name)
{
    if (ctx->getenv_cb != NULL)
        return ctx->getenv_cb(name, ctx->getenv_payload);
    return getenv(name);
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

/*
 * Fill @p out from the explicit value or the first non-empty environment variable of @p key,
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
    const char *value;
    size_t i;

    if (explicit_value->value != NULL) {
        if (explicit_value->value[0] != '\0') {
            return set_setting(out, ctx, key, explicit_value->value,
                               m365id__strdup(explicit_value->source));
        }
        mlog_debug(&ctx->logger, LOG_COMPONENT, "ignoring %s from %s because it is empty",
                   info->name, explicit_value->source);
    }

    /* An empty variable counts as unset: an unmutated pod or a templating gap leaves "". */
    for (i = 0; info->env[i] != NULL; i++) {
        value = env_lookup(ctx, info->env[i]);
        if (value == NULL)
            continue;
        if (value[0] == '\0') {
            mlog_debug(&ctx->logger, LOG_COMPONENT, "ignoring env %s because it is empty",
                       info->env[i]);
            if (res->empty_env[key] == NULL)
                res->empty_env[key] = info->env[i];
            continue;
        }
        return set_setting(out, ctx, key, value, join3("env ", info->env[i], ""));
    }
    return M365ID_OK;
}

/* Log the resolved value of @p key and its source once the value has passed its checks. */
static void log_setting(const m365id_ctx *ctx, const struct resolution *res, enum m365id__key key)
{
    const struct m365id__setting *s = &res->cfg.v[key];
    struct m365id__quoted q;

    if (!m365id__log_enabled(&ctx->logger, M365ID_LOG_DEBUG))
        return;
    if (s->value == NULL) {
        mlog_debug(&ctx->logger, LOG_COMPONENT, "%s is unset", m365id__keys[key].name);
        return;
    }
    m365id__quote_setting(&q, s->value);
    mlog_debug(&ctx->logger, LOG_COMPONENT, "%s = '%s' (%s)", m365id__keys[key].name, q.text,
               s->source);
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

    azure = env_lookup(ctx, M365ID__ENV_AZURE_AUTHORITY_HOST);
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

/* Resolve and check one client_options integer, storing its value in canonical form. */
static int resolve_int(long *out, struct resolution *res, m365id_ctx *ctx, enum m365id__key key,
                       long min, long max, long default_value)
{
    struct m365id__setting *s = &res->cfg.v[key];
    char text[32];
    char *copy;
    int rc;

    if (s->value == NULL) {
        snprintf(text, sizeof(text), "%ld", default_value);
        if ((rc = set_default(s, ctx, key, text, NULL)) < 0)
            return rc;
    }
    if ((rc = m365id__validate_int(out, ctx, key, s, min, max, default_value)) < 0)
        return rc;

    snprintf(text, sizeof(text), "%ld", *out);
    copy = m365id__strdup(text);
    if (copy == NULL)
        return m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory while resolving %s",
                            m365id__keys[key].name);
    replace_value(s, copy);
    log_setting(ctx, res, key);
    return M365ID_OK;
}

/* Fill every setting of @p res and check it. The first failure is recorded on @p ctx. */
static int resolve_all(struct resolution *res, m365id_ctx *ctx)
{
    static const enum m365id__key picked[] = {
        M365ID__KEY_AUTH_METHOD,    M365ID__KEY_CLOUD,          M365ID__KEY_TENANT_ID,
        M365ID__KEY_CLIENT_ID,      M365ID__KEY_TOKEN_FILE,     M365ID__KEY_TIMEOUT_S,
        M365ID__KEY_MAX_RETRIES,    M365ID__KEY_RETRY_DELAY_S,  M365ID__KEY_GRAPH_ENDPOINT,
        M365ID__KEY_SCOPE,          M365ID__KEY_CA_BUNDLE,      M365ID__KEY_TOKEN_AUDIENCE,
    };
    struct m365id__config *cfg = &res->cfg;
    const struct m365id__cloud *cloud;
    char *normalised = NULL;
    long value;
    size_t i;
    int rc;

    for (i = 0; i < sizeof(picked) / sizeof(picked[0]); i++) {
        if ((rc = pick(res, ctx, picked[i])) < 0)
            return rc;
    }

    /* The token file has its own message for a token given in place of the path. */
    for (i = 0; i < sizeof(picked) / sizeof(picked[0]); i++) {
        if (picked[i] != M365ID__KEY_TOKEN_FILE &&
            (rc = m365id__validate_not_token(ctx, picked[i], &cfg->v[picked[i]])) < 0)
            return rc;
    }

    if ((rc = m365id__validate_auth_method(ctx, &cfg->v[M365ID__KEY_AUTH_METHOD])) < 0)
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

    if ((rc = m365id__validate_required(ctx, cfg, res->empty_env)) < 0)
        return rc;
    if ((rc = m365id__validate_tenant(ctx, &cfg->v[M365ID__KEY_TENANT_ID],
                                      res->empty_env[M365ID__KEY_TENANT_ID])) < 0)
        return rc;
    log_setting(ctx, res, M365ID__KEY_TENANT_ID);

    if ((rc = m365id__validate_client_id(ctx, &cfg->v[M365ID__KEY_CLIENT_ID],
                                         res->empty_env[M365ID__KEY_CLIENT_ID])) < 0)
        return rc;
    log_setting(ctx, res, M365ID__KEY_CLIENT_ID);

    if ((rc = m365id__validate_token_file(ctx, &cfg->v[M365ID__KEY_TOKEN_FILE],
                                          res->empty_env[M365ID__KEY_TOKEN_FILE])) < 0)
        return rc;
    log_setting(ctx, res, M365ID__KEY_TOKEN_FILE);

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

    if (cfg->v[M365ID__KEY_TOKEN_AUDIENCE].value == NULL &&
        (rc = set_default(&cfg->v[M365ID__KEY_TOKEN_AUDIENCE], ctx, M365ID__KEY_TOKEN_AUDIENCE,
                          cloud->fic_audience, cloud)) < 0)
        return rc;
    if ((rc = m365id__validate_audience(ctx, &cfg->v[M365ID__KEY_TOKEN_AUDIENCE])) < 0)
        return rc;
    log_setting(ctx, res, M365ID__KEY_TOKEN_AUDIENCE);

    if ((rc = m365id__validate_ca_bundle(ctx, &cfg->v[M365ID__KEY_CA_BUNDLE])) < 0)
        return rc;
    log_setting(ctx, res, M365ID__KEY_CA_BUNDLE);

    if ((rc = resolve_int(&value, res, ctx, M365ID__KEY_TIMEOUT_S, 1, 3600,
                          TIMEOUT_S_DEFAULT)) < 0)
        return rc;
    cfg->timeout_ms = value * 1000;
    if ((rc = resolve_int(&value, res, ctx, M365ID__KEY_MAX_RETRIES, 0, 10,
                          MAX_RETRIES_DEFAULT)) < 0)
        return rc;
    cfg->max_retries = (int)value;
    if ((rc = resolve_int(&value, res, ctx, M365ID__KEY_RETRY_DELAY_S, 0, 60,
                          RETRY_DELAY_S_DEFAULT)) < 0)
        return rc;
    cfg->retry_delay_ms = value * 1000;

    /* The authority already ends with exactly one '/'. */
    cfg->token_endpoint = join3(cfg->v[M365ID__KEY_AUTHORITY_HOST].value,
                                cfg->v[M365ID__KEY_TENANT_ID].value, "/oauth2/v2.0/token");
    cfg->graph_root = m365id__strdup(cfg->v[M365ID__KEY_GRAPH_ENDPOINT].value);
    if (cfg->token_endpoint == NULL || cfg->graph_root == NULL)
        return m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory while resolving endpoints");
    return M365ID_OK;
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

    if ((rc = resolve_all(&res, ctx)) < 0)
        goto out;

    ctx->cfg = res.cfg;
    memset(&res.cfg, 0, sizeof(res.cfg));
    ctx->configured = 1;

    m365id__quote(&q_tenant, ctx->cfg.v[M365ID__KEY_TENANT_ID].value);
    m365id__quote(&q_client, ctx->cfg.v[M365ID__KEY_CLIENT_ID].value);
    mlog_info(&ctx->logger, LOG_COMPONENT,
              "configured workload_identity for client '%s' in tenant '%s', cloud '%s'",
              q_client.text, q_tenant.text, ctx->cfg.cloud->name);

out:
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

    index = key_index(key);
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
    index = key_index(key);
    if (index < 0)
        return M365ID_EINVAL;

    if (value != NULL)
        *value = ctx->cfg.v[index].value;
    if (source != NULL)
        *source = m365id__cfg_source(ctx, (enum m365id__key)index);
    return M365ID_OK;
}

const char *const *m365id_setting_names(void)
{
    return setting_names;
}
