/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Private to src/lib/config: the table of settings and the checks m365id_ctx_configure() runs on
 * each resolved value. Every check records an M365ID_ECONFIG failure that quotes the value, names
 * its source, and gives a hint naming the setting and its environment variables.
 */
#ifndef M365ID_LIB_CONFIG_VALIDATE_H
#define M365ID_LIB_CONFIG_VALIDATE_H

#include <stddef.h>

#include "lib/config/cloud.h"
#include "lib/core/ctx_internal.h"
#include "util/quote.h"

/* Value type of a setting, which decides how its text is parsed. */
enum m365id__key_type {
    M365ID__TYPE_STRING,
    M365ID__TYPE_PATH, /* a file path: a JWT there is a token given in place of its file */
    M365ID__TYPE_BOOL, /* Go strconv.ParseBool spellings, stored as "true" or "false" */
    M365ID__TYPE_INT,  /* base 10 with an optional sign, stored without leading zeros */
    M365ID__TYPE_LIST, /* comma-separated, items trimmed, empty items dropped */
};

/* Secrecy is declared here once. Secret values never reach a message, a hint, a log line or
 * m365id_ctx_setting_display(); those show "<redacted>", "set" or a length instead. */
#define M365ID__CFG_SECRET 0x1u
/* A guessable secret such as a password: logs show neither its length nor a fingerprint. */
#define M365ID__CFG_LOW_ENTROPY 0x2u

/* One setting: its public key, its environment variables, its type and its secrecy. */
struct m365id__key_info {
    const char *name;            /* key of m365id_ctx_set(), e.g. "entra_id_options.client_id" */
    const char *env[3];          /* environment variables in priority order, NULL-terminated */
    enum m365id__key_type type;
    unsigned int flags;          /* M365ID__CFG_* */
    const char *default_value;   /* NULL: no default, or one that depends on the cloud */
};

/* Indexed by enum m365id__key; defined in keys.c. */
extern const struct m365id__key_info m365id__keys[M365ID__KEY_COUNT];

/* Support level of an auth_method value in m365id. */
enum m365id__auth_support {
    M365ID__AUTH_NOT_YET,   /* a credential for it is planned */
    M365ID__AUTH_SUPPORTED, /* m365id_ctx_configure() accepts it */
    M365ID__AUTH_NEVER,     /* needs a browser, a CLI login or a password: m365id will not do it */
};

struct m365id__auth_info {
    const char *name;                  /* the provider's auth_method value */
    enum m365id__auth_support support;
};

/*
 * Indexed by enum m365id__auth_method; defined in keys.c. A credential implementation marks
 * its method M365ID__AUTH_SUPPORTED in the table's initializer. NOTE: the table is writable so
 * that unit tests can check the settings of methods whose credential does not exist yet.
 */
extern struct m365id__auth_info m365id__auth_methods[M365ID__AUTH_COUNT];

/* The spellings Go strconv.ParseBool accepts, for messages. */
#define M365ID__BOOL_SPELLINGS "1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False"

/** Index of the key named @p name, or -1. */
int m365id__key_index(const char *name);

/** Parse a Go strconv.ParseBool spelling into *out (0 or 1); 0 on success, -1 otherwise. */
int m365id__parse_bool(int *out, const char *s);

/** Parse a base-10 integer with an optional '+' or '-' as Go strconv.ParseInt does; 0 or -1. */
int m365id__parse_int(long long *out, const char *s);

/**
 * Split @p s on ',' into malloc'd, trimmed, non-empty items. On success *items_out contains
 * *count_out items (NULL and 0 when every item was empty). Returns 0, or M365ID_ENOMEM.
 */
int m365id__split_list(char ***items_out, size_t *count_out, const char *s);

/** Free the items of m365id__split_list(). */
void m365id__free_list(char **items, size_t count);

/* Read by the authority rule in resolve.c only when no cloud was chosen. */
#define M365ID__ENV_AZURE_AUTHORITY_HOST "AZURE_AUTHORITY_HOST"

/** Nonzero when @p s has a JWT's shape: "eyJ", exactly two '.', and no '/'. */
int m365id__looks_like_jwt(const char *s);

/**
 * Quote a setting's value for a message or log line. A JWT-shaped value is a secret given in the
 * wrong place, so it is replaced by "<token-shaped value, N bytes>".
 */
void m365id__quote_setting(struct m365id__quoted *q, const char *value);

/**
 * Quote the value of @p key: "<redacted>" for a secret key, the user info of a URL replaced by
 * "<redacted>", otherwise as m365id__quote_setting() does.
 */
void m365id__quote_key_value(struct m365id__quoted *q, enum m365id__key key, const char *value);

/*
 * The checks. Each returns M365ID_OK or M365ID_ECONFIG with the failure recorded on @p ctx.
 * @p empty_env names an environment variable that was set but empty, or is NULL; the "not set"
 * messages mention it.
 */
/** Rejects a JWT-shaped value, which is a secret given in the wrong setting. */
int m365id__validate_not_token(m365id_ctx *ctx, enum m365id__key key,
                               const struct m365id__setting *s);
/**
 * Accepts a supported method and stores it in *out. A method m365id will never support gets a
 * hint naming the alternatives; a method not supported yet names the supported ones.
 */
int m365id__validate_auth_method(enum m365id__auth_method *out, m365id_ctx *ctx,
                                 const struct m365id__setting *s);
int m365id__validate_cloud(const struct m365id__cloud **out, m365id_ctx *ctx,
                           const struct m365id__setting *s);
/**
 * Rejects a configuration that lacks two or more of tenant id, client id and token file, in
 * one message naming them all; @p empty_env is indexed by enum m365id__key. With at most one
 * missing it passes, and that setting's own check reports it.
 */
int m365id__validate_required(m365id_ctx *ctx, const struct m365id__config *cfg,
                              const char *const *empty_env);
int m365id__validate_tenant(m365id_ctx *ctx, const struct m365id__setting *s,
                            const char *empty_env);
int m365id__validate_client_id(m365id_ctx *ctx, const struct m365id__setting *s,
                               const char *empty_env);

/** Checks the value's shape only; the token reader opens the file on every exchange. */
int m365id__validate_token_file(m365id_ctx *ctx, const struct m365id__setting *s,
                                const char *empty_env);

/**
 * On success *out is the authority URL with exactly one trailing '/' (malloc'd). A path segment
 * equal to @p tenant_id (may be NULL), any GUID, "oauth2", "v2.0", "common", "organizations" or
 * "consumers" is rejected: the token endpoint appends the tenant and the token path.
 */
int m365id__validate_authority(char **out, m365id_ctx *ctx, const struct m365id__setting *s,
                               const char *tenant_id);

/** On success *out is the Graph endpoint without trailing '/' (malloc'd). */
int m365id__validate_graph_endpoint(char **out, m365id_ctx *ctx,
                                    const struct m365id__setting *s);

/** @p cloud gives the example scope in messages. */
int m365id__validate_scope(m365id_ctx *ctx, const struct m365id__setting *s,
                           const struct m365id__cloud *cloud);

/**
 * Rejects an authority host and a scope that belong to different known clouds. Hosts that are in
 * no cloud row, such as an emulator's, pass.
 */
int m365id__validate_same_cloud(m365id_ctx *ctx, const struct m365id__setting *authority,
                                const struct m365id__setting *scope);

/** Checks federated_token_audience or entra_id_options.oidc_audience (@p key). */
int m365id__validate_audience(m365id_ctx *ctx, enum m365id__key key,
                              const struct m365id__setting *s);

/** Requires a readable regular file with at least one PEM certificate when the setting is set. */
int m365id__validate_ca_bundle(m365id_ctx *ctx, const struct m365id__setting *s);

/** Parses a whole decimal number in [@p min, @p max] into *out. */
int m365id__validate_int(long *out, m365id_ctx *ctx, enum m365id__key key,
                         const struct m365id__setting *s, long min, long max, long example);

/** Parses a boolean into *out (0 or 1); an unset @p s is an internal error. */
int m365id__validate_bool(int *out, m365id_ctx *ctx, enum m365id__key key,
                          const struct m365id__setting *s);

/**
 * Rejects a JWT-shaped value in the path setting @p key, which is a token given where its file
 * belongs, reporting only the token's length.
 */
int m365id__validate_path_not_token(m365id_ctx *ctx, enum m365id__key key,
                                    const struct m365id__setting *s);

/* --- validate_entra.c --- */

/**
 * Checks the settings the selected auth method needs beyond tenant and client id: the client
 * secret, the certificate path, an OIDC token source, the GitHub runner's request URL and
 * token, or AZURE_DEVOPS_FEDERATION_TOKEN. A token setting whose value is not JWT-shaped but
 * names an existing file is rejected with a hint naming the token-file setting.
 */
int m365id__validate_method_settings(m365id_ctx *ctx, const struct m365id__config *cfg,
                                     const char *const *empty_env);

/** Each item must be "*", a tenant GUID or a domain name. */
int m365id__validate_allowed_tenants(m365id_ctx *ctx, const struct m365id__setting *s,
                                     char *const *items, size_t count);

/**
 * The provider's redirect URL check, applied to environment values too: a scheme and a host,
 * and only the characters A-Z a-z 0-9 - . _ ~ % / : ? =. An unset value passes.
 */
int m365id__validate_redirect_url(m365id_ctx *ctx, const struct m365id__setting *s);

/**
 * Accepts an unset value (system-assigned), a client id GUID, or a user-assigned identity's
 * resource id; *out records which.
 */
int m365id__validate_managed_identity_id(enum m365id__mi_kind *out, m365id_ctx *ctx,
                                         const struct m365id__setting *s);

/**
 * The OIDC token request URL receives the request token as a bearer token, so it must be
 * https, or http to a loopback address. An unset value passes.
 */
int m365id__validate_request_url(m365id_ctx *ctx, const struct m365id__setting *s);

/* --- validate_http.c --- */

/* The parts of "scheme://[userinfo@]host[:port][/path]" that the checks need. */
struct m365id__url_parts {
    const char *scheme; /* points into the URL; not NUL-terminated */
    size_t scheme_len;
    const char *host;   /* without brackets for an IPv6 literal */
    size_t host_len;
    const char *port;   /* NULL when absent */
    size_t port_len;
    int has_userinfo;
    const char *after_userinfo; /* the authority after "userinfo@", or after "://" */
};

/** Split @p url; -1 when it lacks "scheme://" or a host, or has a non-numeric port. */
int m365id__url_split(struct m365id__url_parts *out, const char *url);

/**
 * Text sent in an HTTP header (custom_user_agent, chaos_status_message): at most 256 bytes, no
 * control characters. An unset value passes.
 */
int m365id__validate_header_text(m365id_ctx *ctx, enum m365id__key key,
                                 const struct m365id__setting *s);

/**
 * Validate the proxy settings. use_proxy without proxy_url is an error, although the provider
 * ignores it silently. proxy_url needs scheme http, https, socks5 or socks5h, a host and no
 * user info. proxy_username and proxy_password must be set together or not at all.
 */
int m365id__validate_proxy(m365id_ctx *ctx, const struct m365id__config *cfg, int use_proxy);

#endif /* M365ID_LIB_CONFIG_VALIDATE_H */
