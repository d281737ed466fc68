/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The context structure shared by the library's modules, the resolved configuration, and the
 * failure recorder. Nothing outside src/lib includes this header.
 */
#ifndef M365ID_LIB_CORE_CTX_INTERNAL_H
#define M365ID_LIB_CORE_CTX_INTERNAL_H

#include <stdarg.h>

#include "m365id/ctx.h"
#include "util/http_client.h"
#include "util/logcore.h"

/*
 * Settings, in the order of m365id_setting_names(). The first thirteen keep their values from
 * earlier releases; new keys go before M365ID__KEY_COUNT.
 */
enum m365id__key {
    M365ID__KEY_AUTH_METHOD,
    M365ID__KEY_CLOUD,
    M365ID__KEY_TENANT_ID,
    M365ID__KEY_CLIENT_ID,          /* entra_id_options.client_id */
    M365ID__KEY_TOKEN_FILE,         /* entra_id_options.federated_token_file_path */
    M365ID__KEY_TIMEOUT_S,          /* client_options.timeout_seconds */
    M365ID__KEY_MAX_RETRIES,        /* client_options.max_retries */
    M365ID__KEY_RETRY_DELAY_S,      /* client_options.retry_delay_seconds */
    M365ID__KEY_AUTHORITY_HOST,
    M365ID__KEY_GRAPH_ENDPOINT,
    M365ID__KEY_SCOPE,
    M365ID__KEY_CA_BUNDLE,
    M365ID__KEY_TOKEN_AUDIENCE,     /* federated_token_audience */

    /* Top level. */
    M365ID__KEY_TELEMETRY_OPTOUT,
    M365ID__KEY_DEBUG_MODE,

    /* entra_id_options. */
    M365ID__KEY_CLIENT_SECRET,
    M365ID__KEY_CLIENT_CERTIFICATE,          /* path of a PKCS#12 file */
    M365ID__KEY_CLIENT_CERTIFICATE_PASSWORD,
    M365ID__KEY_SEND_CERTIFICATE_CHAIN,
    M365ID__KEY_USERNAME,
    M365ID__KEY_PASSWORD,
    M365ID__KEY_DISABLE_INSTANCE_DISCOVERY,
    M365ID__KEY_ALLOWED_TENANTS,             /* additionally_allowed_tenants */
    M365ID__KEY_REDIRECT_URL,
    M365ID__KEY_MANAGED_IDENTITY_ID,
    M365ID__KEY_OIDC_TOKEN_FILE,             /* oidc_token_file_path */
    M365ID__KEY_OIDC_REQUEST_TOKEN,
    M365ID__KEY_OIDC_REQUEST_URL,
    M365ID__KEY_OIDC_AUDIENCE,
    M365ID__KEY_ADO_SERVICE_CONNECTION_ID,

    /* client_options. */
    M365ID__KEY_ENABLE_HEADERS_INSPECTION,
    M365ID__KEY_ENABLE_RETRY,
    M365ID__KEY_ENABLE_REDIRECT,
    M365ID__KEY_MAX_REDIRECTS,
    M365ID__KEY_ENABLE_COMPRESSION,
    M365ID__KEY_CUSTOM_USER_AGENT,
    M365ID__KEY_USE_PROXY,
    M365ID__KEY_PROXY_URL,
    M365ID__KEY_PROXY_USERNAME,
    M365ID__KEY_PROXY_PASSWORD,
    M365ID__KEY_ENABLE_CHAOS,
    M365ID__KEY_CHAOS_PERCENTAGE,
    M365ID__KEY_CHAOS_STATUS_CODE,
    M365ID__KEY_CHAOS_STATUS_MESSAGE,
    M365ID__KEY_FIC_RETRIES,                 /* client_options.federated_credential_retries */
    M365ID__KEY_COUNT
};

/* The provider's twelve auth_method values. The names and support levels live in config/keys.c. */
enum m365id__auth_method {
    M365ID__AUTH_AZURE_DEVELOPER_CLI,
    M365ID__AUTH_AZURE_CLI,
    M365ID__AUTH_CLIENT_SECRET,
    M365ID__AUTH_CLIENT_CERTIFICATE,
    M365ID__AUTH_INTERACTIVE_BROWSER,
    M365ID__AUTH_DEVICE_CODE,
    M365ID__AUTH_WORKLOAD_IDENTITY,
    M365ID__AUTH_MANAGED_IDENTITY,
    M365ID__AUTH_USERNAME_PASSWORD,
    M365ID__AUTH_OIDC,
    M365ID__AUTH_OIDC_GITHUB,
    M365ID__AUTH_OIDC_AZURE_DEVOPS,
    M365ID__AUTH_COUNT
};

/* The shape of entra_id_options.managed_identity_id. */
enum m365id__mi_kind {
    M365ID__MI_SYSTEM_ASSIGNED, /* no id: the system-assigned identity */
    M365ID__MI_CLIENT_ID,       /* a user-assigned identity's client id (GUID) */
    M365ID__MI_RESOURCE_ID,     /* /subscriptions/.../userAssignedIdentities/NAME */
};

/* One value and where it came from, both malloc'd; value NULL means unset. */
struct m365id__setting {
    char *value;
    char *source; /* "env M365_TENANT_ID", "--tenant-id", "default for cloud 'public'", ... */
};

struct m365id__cloud; /* config/cloud.h */

/*
 * The configuration after m365id_ctx_configure(): every value validated. The const char *
 * fields point into v[] and are NULL when the feature is off or the setting unset.
 */
struct m365id__config {
    struct m365id__setting v[M365ID__KEY_COUNT];
    const struct m365id__cloud *cloud; /* the selected cloud's table row */
    enum m365id__auth_method auth_method;
    char *token_endpoint;              /* {authority}/{tenant}/oauth2/v2.0/token, one '/' per join;
                                          NULL when the tenant is unset (managed_identity) */
    char *graph_root;                  /* graph endpoint without a trailing '/' */
    int debug_mode;                    /* raised the log level to DEBUG */
    int telemetry_optout;              /* accepted; m365id sends no telemetry either way */

    /* entra_id_options */
    int send_certificate_chain;        /* send x5c with the client certificate assertion */
    int disable_instance_discovery;
    char **allowed_tenants;            /* additionally_allowed_tenants items, malloc'd */
    size_t allowed_tenant_count;
    int allow_any_tenant;              /* one of the items is "*" */
    enum m365id__mi_kind managed_identity_kind;

    /* client_options: one HTTP configuration for token and Graph requests */
    long timeout_ms;                   /* per HTTP attempt */
    int enable_retry;                  /* when 0, max_retries is 0 too */
    int max_retries;                   /* extra attempts after the first, for transient failures */
    long retry_delay_ms;               /* base delay of the exponential backoff */
    int fic_retries;                   /* retries of a federated credential mismatch, at most
                                          max_retries */
    int enable_redirect;               /* when 0, max_redirects is 0 too */
    int max_redirects;                 /* redirects to follow per request */
    int graph_compression;             /* gzip on Graph requests; never on token requests */
    const char *user_agent;            /* custom_user_agent, sent as the User-Agent product */
    const char *proxy_url;             /* set only when use_proxy is true */
    const char *proxy_username;        /* both set or both NULL, and only with proxy_url */
    const char *proxy_password;        /* secret */
    int enable_headers_inspection;
    int enable_chaos;
    int chaos_percentage;              /* 0 to 100 */
    int chaos_status_code;             /* 0 means the handler's choice */
    const char *chaos_status_message;
};

struct m365id_ctx {
    struct m365id__logger logger; /* max_level may be raised by debug_mode */
    int log_max_level;            /* the level m365id_ctx_set_log() asked for */
    m365id_getenv_cb getenv_cb; /* NULL means getenv(3) */
    void *getenv_payload;
    struct m365id__setting explicit_values[M365ID__KEY_COUNT]; /* from m365id_ctx_set() */
    struct m365id__config cfg;
    int configured;              /* nonzero after a successful m365id_ctx_configure() */
    m365id_cache *cache;         /* the cache in use: own_cache or a borrowed one */
    m365id_cache *own_cache;
    m365id_error err;            /* public view of the last failure; strings below */
    char *err_message;
    char *err_hint;
    char *err_upstream;
    long long (*now_s)(void);    /* wall clock; tests replace it */
    m365id_prompt_cb prompt_cb;  /* device_code sign-in instructions; NULL: none */
    void *prompt_payload;
    void (*sleep_ms)(long long ms); /* waits between device code polls; NULL: m365id__sleep_ms;
                                       tests replace it */
    int graph_last_status;       /* status of the last Graph reply; 0: no reply to the last call */
    struct m365id__http_pool *http_pool; /* connections kept open for token and Graph requests */
};

/**
 * Record a failure on @p ctx and return @p code. @p hint may be NULL. The message is formatted
 * from @p fmt; external values in it must already be quoted.
 */
int m365id__fail(m365id_ctx *ctx, int code, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/** Same, keeping @p upstream (AADSTS code, trace and correlation ids) verbatim. */
int m365id__fail_upstream(m365id_ctx *ctx, int code, const char *upstream, const char *hint,
                          const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/** Forget the last failure. */
void m365id__error_reset(m365id_ctx *ctx);

/** Free the strings of @p setting (wiped first) and leave it unset. */
void m365id__setting_clear(struct m365id__setting *setting);

/** Free everything @p cfg owns and reset it to zero. */
void m365id__config_clear(struct m365id__config *cfg);

/** Look up environment variable @p name through the context's getenv hook; NULL when unset. */
const char *m365id__getenv(const m365id_ctx *ctx, const char *name);

/**
 * Set the logger's level from the one m365id_ctx_set_log() asked for, raised to DEBUG when
 * @p debug_mode is nonzero. A higher level asked for, such as TRACE, is kept.
 */
void m365id__log_level_apply(m365id_ctx *ctx, int debug_mode);

/** Resolved value of @p key after configure, or NULL when unset. */
static inline const char *m365id__cfg(const m365id_ctx *ctx, enum m365id__key key)
{
    return ctx->cfg.v[key].value;
}

/** Where the resolved value of @p key came from, or "unset". */
static inline const char *m365id__cfg_source(const m365id_ctx *ctx, enum m365id__key key)
{
    return ctx->cfg.v[key].source != NULL ? ctx->cfg.v[key].source : "unset";
}

#endif /* M365ID_LIB_CORE_CTX_INTERNAL_H */
