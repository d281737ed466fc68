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

/* One setting: its public key and its environment variables. */
struct m365id__key_info {
    const char *name;   /* key of m365id_ctx_set(), e.g. "entra_id_options.client_id" */
    const char *env[3]; /* environment variables in priority order, NULL-terminated */
};

/* Indexed by enum m365id__key; defined in resolve.c. */
extern const struct m365id__key_info m365id__keys[M365ID__KEY_COUNT];

/* Read by the authority rule in resolve.c only when no cloud was chosen. */
#define M365ID__ENV_AZURE_AUTHORITY_HOST "AZURE_AUTHORITY_HOST"

/** Nonzero when @p s has a JWT's shape: "eyJ", exactly two '.', and no '/'. */
int m365id__looks_like_jwt(const char *s);

/**
 * Quote a setting's value for a message or log line. A JWT-shaped value is a secret given in the
 * wrong place, so it is replaced by "<token-shaped value, N bytes>".
 */
void m365id__quote_setting(struct m365id__quoted *q, const char *value);

/*
 * The checks. Each returns M365ID_OK or M365ID_ECONFIG with the failure recorded on @p ctx.
 * @p empty_env names an environment variable that was set but empty, or is NULL; the "not set"
 * messages mention it.
 */
/** Rejects a JWT-shaped value, which is a secret given in the wrong setting. */
int m365id__validate_not_token(m365id_ctx *ctx, enum m365id__key key,
                               const struct m365id__setting *s);
int m365id__validate_auth_method(m365id_ctx *ctx, const struct m365id__setting *s);
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

int m365id__validate_audience(m365id_ctx *ctx, const struct m365id__setting *s);

/** Requires a readable regular file with at least one PEM certificate when the setting is set. */
int m365id__validate_ca_bundle(m365id_ctx *ctx, const struct m365id__setting *s);

/** Parses a whole decimal number in [@p min, @p max] into *out. */
int m365id__validate_int(long *out, m365id_ctx *ctx, enum m365id__key key,
                         const struct m365id__setting *s, long min, long max, long example);

#endif /* M365ID_LIB_CONFIG_VALIDATE_H */
