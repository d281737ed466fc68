/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Fetching an assertion issuer's discovery document and JWKS over HTTPS, as Entra does
 * before it trusts a federated assertion. Successful documents are cached for 60 s at most.
 */
#ifndef M365ID_DAEMONS_EMULATOR_OIDC_FETCH_H
#define M365ID_DAEMONS_EMULATOR_OIDC_FETCH_H

#include <jansson.h>
#include <stddef.h>

#include "emu.h"

/** Seconds a fetched document may be reused. */
#define EMU_OIDC_CACHE_TTL_S 60

int emu_oidc_cache_new(struct emu_oidc_cache **out);
void emu_oidc_cache_free(struct emu_oidc_cache *cache);

/**
 * Fetch "{iss without one trailing slash}/.well-known/openid-configuration", require its
 * "issuer" to equal @p iss byte for byte, then fetch its jwks_uri.
 * @param[out] jwks_out  the JWKS document (new reference)
 * @param why            on failure: which step failed and how (HTTP status, transport error)
 * @return 0, or M365ID_ENET / M365ID_EPROTO with @p why filled
 */
int emu_oidc_fetch_jwks(json_t **jwks_out, struct emu *e, const char *iss, char *why,
                        size_t why_size);

#endif /* M365ID_DAEMONS_EMULATOR_OIDC_FETCH_H */
