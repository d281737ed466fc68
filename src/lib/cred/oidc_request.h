/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Fetching an OIDC token from a CI system's token endpoint (oidc_request_url with
 * oidc_request_token as a bearer token), as GitHub Actions serves it to jobs.
 */
#ifndef M365ID_LIB_CRED_OIDC_REQUEST_H
#define M365ID_LIB_CRED_OIDC_REQUEST_H

#include "lib/cred/token_file.h"
#include "util/buf.h"

struct m365id_ctx;

/* Largest reply of an OIDC token endpoint read, as the provider reads at most 1 MiB. */
#define M365ID__OIDC_REPLY_MAX (1024u * 1024u)

/**
 * GET oidc_request_url with `Authorization: Bearer <oidc_request_token>` and take the JSON
 * member "value" as the assertion. With @p github nonzero, add `audience=<oidc_audience>` when
 * the URL has no audience parameter, and send `Accept: application/json`.
 *
 * @param[out] out  filled on success only; release with m365id__assertion_clear()
 * @return 0; M365ID_EAUTH when the endpoint refuses the request token (401, 403);
 *         M365ID_ENET when it cannot be reached or fails (5xx); M365ID_EPROTO for another
 *         status or a reply without a string "value"; M365ID_ETOKENFILE when the value is no
 *         usable JWT
 */
int m365id__oidc_request(struct m365id__assertion *out, struct m365id_ctx *ctx, int github);

/**
 * Append @p url to @p out, with "audience=<audience>" (form-encoded) added after '?' or '&'
 * when the query has no audience parameter yet. Returns 0 or a negative code.
 */
int m365id__oidc_request_url(struct m365id__buf *out, const char *url, const char *audience);

#endif /* M365ID_LIB_CRED_OIDC_REQUEST_H */
