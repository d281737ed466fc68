/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The client-credentials exchange at Entra ID's token endpoint with the federated assertion,
 * including retries of transient failures. Caching lives in token/cache.c.
 */
#ifndef M365ID_LIB_STS_EXCHANGE_H
#define M365ID_LIB_STS_EXCHANGE_H

#include "lib/sts/reply.h"

struct m365id_ctx;

/**
 * Read the federated token file and exchange it for an access token for @p scope. Failures
 * that may pass are retried up to max_retries times with exponential backoff: transport
 * failures other than a bad URL or an untrusted certificate, HTTP 408, 429 and 5xx, error
 * "temporarily_unavailable" and AADSTS 90061, 50166 and 501661. A federated credential
 * mismatch (AADSTS 70021, 700211, 700212, 700213) is retried federated_credential_retries
 * times (default 2, at most max_retries) after 15, 30, 60... times retry_delay_seconds,
 * because a new credential takes a while to match.
 * The token file is read again before every attempt, and an empty or non-JSON 200 reply is
 * retried too. A Retry-After longer than 60 s fails at once, and no retry starts after
 * timeout_seconds times the number of attempts has passed. A proxy's 407 is not retried.
 *
 * @param[out] out  filled on success only; release with m365id__sts_token_clear()
 * @return 0; M365ID_EAUTH when Entra ID rejects the request (upstream contains the AADSTS code,
 *         trace and correlation ids); M365ID_ETOKENFILE; M365ID_ENET; M365ID_EPROTO; another
 *         negative code
 */
int m365id__sts_exchange(struct m365id__sts_token *out, struct m365id_ctx *ctx,
                         const char *scope);

/**
 * Compute the delay before retry number @p retry (0 for the first retry). The backoff is
 * retry_delay_ms * 2^retry with +-20 % jitter, at most 10 times retry_delay_ms. When
 * @p retry_after (may be NULL; seconds or an HTTP date) requests a longer wait, that wait is
 * used instead, capped at @p retry_after_cap_ms.
 */
long long m365id__retry_delay_ms(const struct m365id_ctx *ctx, int retry, const char *retry_after,
                                 long long retry_after_cap_ms);

/**
 * Nonzero when @p retry_after (may be NULL) requests a wait, in seconds or as an HTTP date
 * (RFC 9110 section 10.2.3), longer than @p retry_after_cap_ms allows. *seconds_out is then
 * that wait in seconds.
 */
int m365id__retry_after_exceeds(unsigned long long *seconds_out, const char *retry_after,
                                long long retry_after_cap_ms);

/**
 * Re-record the failure last recorded on @p ctx with the note that the reply asked for a
 * Retry-After of @p wait_s seconds, more than @p retry_after_cap_ms, so it was not retried.
 * The upstream ids are kept. Returns @p code.
 */
int m365id__fail_retry_after(struct m365id_ctx *ctx, int code, unsigned long long wait_s,
                             long long retry_after_cap_ms);

/**
 * Write the hint for a server certificate that did not verify into @p out: which setting
 * chooses the trusted CAs, and what it is now.
 */
void m365id__tls_untrusted_hint(char *out, size_t size, const struct m365id_ctx *ctx,
                                const char *endpoint_setting);

/** Nonzero when AADSTS @p code means that no federated credential matched the assertion. */
int m365id__sts_is_fic_mismatch(long long code);

/**
 * Compute the delay before retry number @p retry (0 for the first) of a federated credential
 * mismatch: 15 times retry_delay_ms, doubled for each retry, with +-20 % jitter.
 */
long long m365id__fic_retry_delay_ms(const struct m365id_ctx *ctx, int retry);

/** Nonzero when an Entra ID error reply is worth retrying (see m365id__sts_exchange()). */
int m365id__sts_is_transient(long status, const char *error, long long code);

#endif /* M365ID_LIB_STS_EXCHANGE_H */
