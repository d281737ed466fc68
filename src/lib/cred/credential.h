/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The client credential of a token request, made afresh for every exchange: a client secret,
 * or a client assertion from the method's source (token file, certificate, OIDC endpoint,
 * Azure DevOps variable). The form that carries it is built in sts/exchange.c.
 */
#ifndef M365ID_LIB_CRED_CREDENTIAL_H
#define M365ID_LIB_CRED_CREDENTIAL_H

#include "lib/cred/token_file.h"
#include "util/secret.h"

struct m365id_ctx;

/* An assertion that expires sooner than this is reported instead of sent (for one that lives
 * under 100 s in all, its last tenth counts instead). */
#define M365ID__ASSERTION_MIN_LIFETIME_S 10

struct m365id__credential {
    struct m365id__secret *client_secret; /* method client_secret; NULL otherwise */
    struct m365id__assertion assertion;   /* every other method; jwt NULL for client_secret */
    const char *source;                   /* static text for logs, e.g. "certificate" */
};

#define M365ID__CREDENTIAL_INIT {NULL, M365ID__ASSERTION_INIT, NULL}

/**
 * Produce the credential of the configured auth method. Assertions are checked before use:
 * a JWT, not expired, and not expiring within M365ID__ASSERTION_MIN_LIFETIME_S seconds.
 *
 * @param[out] out  filled on success only; release with m365id__credential_clear()
 * @return 0; M365ID_ETOKENFILE for an unusable assertion or token file; M365ID_ECONFIG for an
 *         unusable certificate file; another negative code (M365ID_ENET, M365ID_EAUTH for an
 *         OIDC token endpoint)
 */
int m365id__credential_get(struct m365id__credential *out, struct m365id_ctx *ctx);

/** Wipe and free what @p c holds; it may then be reused. */
void m365id__credential_clear(struct m365id__credential *c);

/**
 * Fill @p out from @p len bytes of a JWT obtained from @p what (e.g. "the OIDC token from
 * 'https://...'", already quoted): parse, check exp, keep claims and fingerprint. Problems are
 * recorded as M365ID_ETOKENFILE with @p hint.
 */
int m365id__assertion_from_jwt(struct m365id__assertion *out, struct m365id_ctx *ctx,
                               const char *jwt, size_t len, const char *what, const char *hint);

/**
 * Fail with M365ID_ETOKENFILE when @p a expires within M365ID__ASSERTION_MIN_LIFETIME_S
 * seconds; @p what names its source in the message. Returns 0 when it lives long enough.
 */
int m365id__assertion_check_lifetime(struct m365id_ctx *ctx, const struct m365id__assertion *a,
                                     const char *what, const char *hint);

#endif /* M365ID_LIB_CRED_CREDENTIAL_H */
