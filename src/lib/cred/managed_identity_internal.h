/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Internals of managed_identity.c that read the endpoint's replies. They are declared apart
 * from the fetch loop so that fuzz targets and tests can feed them bytes without a server.
 */
#ifndef M365ID_LIB_CRED_MANAGED_IDENTITY_INTERNAL_H
#define M365ID_LIB_CRED_MANAGED_IDENTITY_INTERNAL_H

#include "lib/sts/reply.h"
#include "util/http_client.h"

struct m365id_ctx;

/* Maximum length of an endpoint URL from the environment, query included. */
#define MI_URL_MAX 4096u

/* The endpoint chosen from the environment. */
struct mi_source {
    int app_service;       /* nonzero: App Service 2019-08-01, else IMDS */
    const char *name;      /* "IMDS" or "App Service" */
    const char *from;      /* the variable that chose the endpoint, for messages */
    char endpoint[MI_URL_MAX]; /* URL without our query */
    const char *header;    /* IDENTITY_HEADER, a secret; NULL for IMDS */
};

/** Nonzero when a reply with @p status from @p src may be retried. */
int m365id__mi_status_is_transient(const struct mi_source *src, long status);

/** Nonzero when the body of @p resp does not parse as JSON: empty, a proxy's page, or cut off. */
int m365id__mi_body_is_not_json(const struct m365id__http_response *resp);

/**
 * Parse the HTTP 200 reply in @p resp into @p tok, whose issued_at_s must already be set.
 * expires_in (number or string) is preferred because it does not depend on the endpoint's
 * clock. Without it, a future expires_on (epoch seconds) becomes a lifetime by our clock.
 * A lifetime above M365ID_TOKEN_LIFETIME_MAX_S is cut to it.
 * @return 0; M365ID_EPROTO (failure recorded); M365ID_ENOMEM
 */
int m365id__mi_token_parse(struct m365id__sts_token *tok, struct m365id_ctx *ctx,
                           const struct mi_source *src,
                           const struct m365id__http_response *resp);

/**
 * Record the error reply in @p resp: IMDS {error, error_description} or App Service
 * {statusCode, message}, with a hint chosen from the error and the status. The request was
 * for @p resource; @p transient is nonzero when the status may pass.
 * @return M365ID_ENET when @p transient, else M365ID_EAUTH, or M365ID_EPROTO when the body is
 *         no managed-identity error; another negative code when memory runs out
 */
int m365id__mi_fail_reply(struct m365id_ctx *ctx, const struct mi_source *src,
                          const struct m365id__http_response *resp, const char *resource,
                          int transient);

#endif /* M365ID_LIB_CRED_MANAGED_IDENTITY_INTERNAL_H */
