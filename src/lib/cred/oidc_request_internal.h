/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Internals of oidc_request.c that read the OIDC token endpoint's reply. They are declared
 * apart from the request and its retries so that fuzz targets and tests can feed them bytes
 * without a server.
 */
#ifndef M365ID_LIB_CRED_OIDC_REQUEST_INTERNAL_H
#define M365ID_LIB_CRED_OIDC_REQUEST_INTERNAL_H

#include "lib/cred/token_file.h"
#include "util/http_client.h"

struct m365id_ctx;

/**
 * Read the final reply in @p resp of the OIDC token endpoint @p shown_url (quoted, without
 * its query). A 2xx reply must be a JSON object whose "value" is a JWT that is not about to
 * expire; it fills @p out. Any other status is recorded without the body, which may echo the
 * request token. @p after ("" or " after N attempts") ends the status message, and a nonzero
 * @p wait_too_long_s records the Retry-After that was too long to wait for.
 *
 * @param[out] out  filled on success only; release with m365id__assertion_clear()
 * @return 0; M365ID_EAUTH for 401 and 403; M365ID_ENET for 408, 429 and 5xx; M365ID_EPROTO
 *         for another status or a reply without a string "value"; M365ID_ETOKENFILE when the
 *         value is no usable JWT; another negative code
 */
int m365id__oidc_reply_read(struct m365id__assertion *out, struct m365id_ctx *ctx,
                            const struct m365id__http_response *resp, const char *shown_url,
                            const char *after, unsigned long long wait_too_long_s);

#endif /* M365ID_LIB_CRED_OIDC_REQUEST_INTERNAL_H */
