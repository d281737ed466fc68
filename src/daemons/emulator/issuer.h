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

/** "<state>/workloads/<name>/azure-identity-token" into @p out. */
void emu_issuer_token_path(char *out, size_t size, const struct emu *e,
                           const struct emu_workload *w);

/**
 * Write every workload's token file now, then start the thread that re-mints each one once
 * 80 % of its lifetime has passed, as the kubelet does.
 */
int emu_issuer_start(struct emu *e);

#endif /* M365ID_DAEMONS_EMULATOR_ISSUER_H */
