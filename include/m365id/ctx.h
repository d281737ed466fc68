/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * m365id/ctx.h: the context handle, its settings and how they are resolved. Token requests are
 * in token.h, Graph calls in graph.h.
 */
#ifndef M365ID_CTX_H
#define M365ID_CTX_H

#include "common.h"
#include "error.h"
#include "log.h"

M365ID_BEGIN_DECL

/** A configured identity: settings, HTTP options, log callback and the last error. */
typedef struct m365id_ctx m365id_ctx;

/** A thread-safe access-token cache that several contexts may share. */
typedef struct m365id_cache m365id_cache;

/**
 * Look up environment variable @p name; return NULL when it is unset. The returned string must
 * stay valid until m365id_ctx_configure() returns.
 */
typedef const char *(*m365id_getenv_cb)(const char *name, void *payload);

/** Create an unconfigured context; NULL only when memory runs out. */
M365ID_EXTERN m365id_ctx *m365id_ctx_new(void);

/**
 * Free @p ctx, close the HTTPS connections it kept open for later requests and wipe what it
 * held; NULL is a no-op. A context keeps connections to Entra ID and Graph open between
 * requests. In a child process after fork(), a context inherited from the parent opens new
 * connections for its requests and leaves the parent's alone, including when it is freed.
 */
M365ID_EXTERN void m365id_ctx_free(m365id_ctx *ctx);

/** Detail of the last failed call on @p ctx; valid until the next call on @p ctx. */
M365ID_EXTERN const m365id_error *m365id_last_error(const m365id_ctx *ctx);

/** Send log events up to @p max_level to @p cb; a NULL @p cb turns logging off (the default). */
M365ID_EXTERN void m365id_ctx_set_log(m365id_ctx *ctx, int max_level, m365id_log_cb cb,
                                      void *payload);

/** Read the environment through @p cb instead of getenv(3); NULL restores getenv(3). */
M365ID_EXTERN void m365id_ctx_set_getenv(m365id_ctx *ctx, m365id_getenv_cb cb, void *payload);

/**
 * Show a person how to sign in, for auth method device_code: open @p verification_uri in a
 * browser (on any device) and enter @p user_code. @p message is Entra ID's own sentence saying
 * the same. None of the three is a secret. The device code that the library then redeems is a
 * secret, so it is never passed to the callback or logged. The strings are valid during the
 * call only. The callback runs once per sign-in, on the thread that called
 * m365id_token_acquire(), which then polls Entra ID until the person signs in, declines, or
 * the code's lifetime (expires_in of Entra ID's reply) passes.
 */
typedef void (*m365id_prompt_cb)(const char *verification_uri, const char *user_code,
                                 const char *message, void *payload);

/**
 * Install the callback that shows device code sign-in instructions to a person (see
 * m365id_prompt_cb). Without one, auth method device_code fails with M365ID_ECONFIG before it
 * contacts Entra ID, because no person could complete the sign-in. NULL removes the callback.
 * @param ctx      context to change; takes effect at the next token request
 * @param cb       called with the verification URI, the user code and Entra ID's message
 * @param payload  passed to @p cb unchanged
 */
M365ID_EXTERN void m365id_ctx_set_prompt(m365id_ctx *ctx, m365id_prompt_cb cb, void *payload);

/**
 * Store tokens in @p cache instead of the context's own cache. @p cache is borrowed: it must
 * outlive @p ctx. NULL restores the private cache.
 */
M365ID_EXTERN void m365id_ctx_set_cache(m365id_ctx *ctx, m365id_cache *cache);

/**
 * Set one setting explicitly, as a provider block or a command-line flag does. An explicit value
 * wins over the environment; the environment fills only settings left unset.
 *
 * Keys use the provider's attribute names: "auth_method", "cloud", "tenant_id",
 * "telemetry_optout", "debug_mode", "entra_id_options.<field>" and "client_options.<field>",
 * plus the m365id additions "authority_host", "graph_endpoint", "scope", "ca_bundle",
 * "federated_token_audience" and "entra_id_options.oidc_audience". m365id_setting_names() lists
 * them all. Booleans take the Go strconv.ParseBool spellings (1 t T TRUE true True 0 f F FALSE
 * false False), integers base-10 digits, lists a comma-separated string. Values are checked at
 * m365id_ctx_configure().
 *
 * @param ctx     context to change; the change takes effect at m365id_ctx_configure()
 * @param key     one of the names above
 * @param value   copied (and wiped on free); NULL unsets the key again
 * @param origin  where the value came from, used in messages (e.g. "--tenant-id" or
 *                "provider block"); copied; NULL means "configuration"
 * @return M365ID_OK; M365ID_EINVAL for an unknown key; M365ID_ENOMEM
 */
M365ID_EXTERN int m365id_ctx_set(m365id_ctx *ctx, const char *key, const char *value,
                                 const char *origin);

/**
 * Resolve every setting from the explicit values and the environment, then validate the result:
 * GUIDs, known auth method and cloud, https authority, every required value present. No request
 * is sent. The only file read is the CA bundle, which is parsed to check that it contains
 * certificates. Token files are read at each token request, and OIDC token values that look like
 * paths are only stat()ed. Calling it again resolves afresh and closes the connections kept
 * open by earlier requests.
 *
 * @return M365ID_OK; M365ID_ECONFIG with a message naming the value and a hint naming the
 *         setting and environment variables that fix it; another negative code otherwise
 */
M365ID_EXTERN int m365id_ctx_configure(m365id_ctx *ctx);

/**
 * The resolved value of @p key and where it came from, after a successful configure. Secret
 * keys (m365id_setting_is_secret()) return the real value, for the code that sends it; show
 * values to people with m365id_ctx_setting_display() instead.
 * @param[out] value   borrowed until the next configure or free; NULL when the setting is unset
 * @param[out] source  e.g. "env M365_TENANT_ID", "--tenant-id", "default for cloud 'public'";
 *                     may be NULL
 * @return M365ID_OK; M365ID_EINVAL for an unknown key or an unconfigured context
 */
M365ID_EXTERN int m365id_ctx_setting(const char **value, const char **source,
                                     const m365id_ctx *ctx, const char *key);

/**
 * Same as m365id_ctx_setting(), but safe to print: a secret key that is set reads
 * "<redacted>". Use it for dumps such as a CLI's --print-config.
 * @param[out] value   borrowed like m365id_ctx_setting()'s; NULL when the setting is unset
 * @param[out] source  may be NULL
 * @return M365ID_OK; M365ID_EINVAL for an unknown key or an unconfigured context
 */
M365ID_EXTERN int m365id_ctx_setting_display(const char **value, const char **source,
                                             const m365id_ctx *ctx, const char *key);

/** Names of every key m365id_ctx_set() accepts, ending with NULL. */
M365ID_EXTERN const char *const *m365id_setting_names(void);

/**
 * 1 when @p key holds a secret (a client secret, a password, an OIDC request token), 0 when it
 * does not, -1 for an unknown key.
 */
M365ID_EXTERN int m365id_setting_is_secret(const char *key);

/** Create an empty token cache; NULL only when memory runs out. */
M365ID_EXTERN m365id_cache *m365id_cache_new(void);

/** Free @p cache and wipe its tokens; no context may still use it. NULL is a no-op. */
M365ID_EXTERN void m365id_cache_free(m365id_cache *cache);

M365ID_END_DECL

#endif /* M365ID_CTX_H */
