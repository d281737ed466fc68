/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * CI issuers in the style of GitHub Actions and Azure DevOps: one RSA key each, the discovery
 * document and JWKS Entra fetches, the token request endpoint, and the Azure DevOps token file.
 */
#ifndef M365ID_DAEMONS_EMULATOR_CI_H
#define M365ID_DAEMONS_EMULATOR_CI_H

#include <stddef.h>

#include "emu.h"

/** Generate a signing key for each CI issuer of @p scn. */
int emu_ci_new(struct emu_ci **out, const struct emu_scenario *scn);

/** Free the keys. NULL is a no-op. */
void emu_ci_free(struct emu_ci *ci);

/**
 * Mint a token of @p issuer for @p audience.
 * @param[out] out  compact JWS, malloc'd; a credential, wipe before free
 */
int emu_ci_mint(char **out, const struct emu *e, const struct emu_ci_issuer *issuer,
                const char *audience);

/** "<state>/ci/<name>/federation-token", where Azure DevOps issuers' tokens are written. */
void emu_ci_token_path(char *out, size_t size, const struct emu *e,
                       const struct emu_ci_issuer *issuer);

/** Write the token file of every Azure DevOps issuer. Returns 0 or a negative code. */
int emu_ci_write_files(struct emu *e);

#endif /* M365ID_DAEMONS_EMULATOR_CI_H */
