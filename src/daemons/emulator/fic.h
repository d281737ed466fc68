/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Federated identity credential matching as Entra does it: exact, case-sensitive comparison
 * of issuer, subject and audience, with no trimming or slash normalisation.
 */
#ifndef M365ID_DAEMONS_EMULATOR_FIC_H
#define M365ID_DAEMONS_EMULATOR_FIC_H

#include <stddef.h>

#include "scenario.h"

/**
 * Find the credential of @p app that matches an assertion.
 * @param[out] match  the matching credential, or NULL
 * @param app         the application named by client_id
 * @param iss, sub    the assertion's claims; NULL counts as absent and matches nothing
 * @param aud         the assertion's audiences (@p aud_count entries)
 * @param legacy      nonzero: report every mismatch as 70021, as older Entra replies did
 * @return 0 on a match, else the AADSTS code: 70025 (no credentials), 700211 (issuer),
 *         7002138 (subject differs only in case), 700213 (subject), 700212 (audience), 70021
 */
int emu_fic_match(const struct emu_fic **match, const struct emu_app *app, const char *iss,
                  const char *sub, const char *const *aud, size_t aud_count, int legacy);

/**
 * Explain why @p fic does not match an assertion, for the debug log. The comparisons are the
 * ones emu_fic_match() makes, in its order.
 * @return NULL when @p fic matches, else a static text such as "issuer differs"
 */
const char *emu_fic_mismatch(const struct emu_fic *fic, const char *iss, const char *sub,
                             const char *const *aud, size_t aud_count);

#endif /* M365ID_DAEMONS_EMULATOR_FIC_H */
