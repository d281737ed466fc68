/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Auth method device_code: the OAuth 2.0 device authorization grant (RFC 8628) as Entra ID
 * serves it, for a person at a terminal. Caching is in token/cache.c, as for the other methods.
 */
#ifndef M365ID_LIB_CRED_DEVICE_CODE_H
#define M365ID_LIB_CRED_DEVICE_CODE_H

#include "lib/sts/reply.h"

struct m365id_ctx;

/* Interval RFC 8628 section 3.2 prescribes when the reply has none, and the step that
 * slow_down adds (section 3.5). */
#define M365ID__DEVICE_INTERVAL_DEFAULT_S 5
#define M365ID__DEVICE_SLOW_DOWN_S 5

/**
 * Obtain a delegated access token for @p scope: request a device code at
 * {authority}/{tenant}/oauth2/v2.0/devicecode, show the verification URI and user code through
 * the context's prompt callback, then poll the token endpoint every `interval` seconds (plus 5
 * after each slow_down) until the person signs in, declines, or the code's expires_in passes.
 * No refresh token is kept: when the access token expires, the person signs in again.
 *
 * @param[out] out  filled on success only; release with m365id__sts_token_clear()
 * @return 0; M365ID_ECONFIG without a prompt callback; M365ID_EAUTH when the person declines,
 *         the code expires, or Entra ID rejects the request (AADSTS7000218 when the application
 *         does not allow public client flows); M365ID_ENET; another negative code
 */
int m365id__device_code_fetch(struct m365id__sts_token *out, struct m365id_ctx *ctx,
                              const char *scope);

#endif /* M365ID_LIB_CRED_DEVICE_CODE_H */
