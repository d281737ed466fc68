/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The clusters' service-account issuers: one RSA key per cluster, the discovery document and
 * JWKS, projected-token minting, and the workload token files with their rotation thread.
 */
#ifndef M365ID_DAEMONS_EMULATOR_ISSUER_H
#define M365ID_DAEMONS_EMULATOR_ISSUER_H

#include <jansson.h>
#include <stddef.h>

#include "emu.h"
#include "util/jwt.h"

/** Generate a signing key for each cluster of e->scn. */
int emu_issuer_new(struct emu_issuer **out, const struct emu_scenario *scn);

/** Stop the rotation thread if running and free the keys. NULL is a no-op. */
void emu_issuer_free(struct emu_issuer *issuer);

/**
 * Mint a projected service-account token as the kubelet would receive it.
 * @param[out] out      compact JWS, malloc'd; a credential, wipe before free
 * @param[out] exp_out  its exp claim
 * @param audiences     JSON array of audience strings (borrowed)
 * @param iat           issue time (Unix seconds); nbf equals it, exp = iat + lifetime_s
 * @param pod           pod name, or NULL for "<service account>-pod"
 */
int emu_issuer_mint(char **out, long long *exp_out, const struct emu *e,
                    const struct emu_cluster *cluster, const char *ns, const char *sa,
                    const json_t *audiences, long long lifetime_s, long long iat,
                    const char *pod);

/**
 * Write the uid the issuer puts in token claims for the object @p kind ("pod",
 * "serviceaccount", ...) named @p name, so that stored objects and tokens agree. The value is a
 * version 4 GUID form derived from SHA-256 of the four strings, the same for every call.
 */
void emu_issuer_object_uid(char out[37], const char *kind, const char *cluster, const char *ns,
                           const char *name);

/** The cluster's discovery document, as served under its issuer. NULL when out of memory. */
json_t *emu_issuer_discovery_json(const struct emu *e, const struct emu_cluster *c);

/** The cluster's JWKS, as served under its issuer. NULL when out of memory. */
json_t *emu_issuer_jwks_json(const struct emu *e, const struct emu_cluster *c);

/**
 * Find the cluster whose key signed @p jwt: the RS256 signature over @p token (the bytes given
 * to m365id__jwt_parse()) must verify with that cluster's key. Claims are not checked.
 * @param[out] out  the signing cluster, or NULL
 * @return 0, or M365ID_EINVAL when no cluster key verifies the signature
 */
int emu_issuer_find_signer(const struct emu_cluster **out, const struct emu *e,
                           const struct m365id__jwt *jwt, const char *token);

/** "<state>/workloads/<name>/azure-identity-token" into @p out. */
void emu_issuer_token_path(char *out, size_t size, const struct emu *e,
                           const struct emu_workload *w);

/**
 * Write every workload's token file now, then start the thread that re-mints each one once
 * 80 % of its lifetime has passed, as the kubelet does.
 */
int emu_issuer_start(struct emu *e);

#endif /* M365ID_DAEMONS_EMULATOR_ISSUER_H */
