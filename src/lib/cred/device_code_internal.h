/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Internals of device_code.c that read the device authorization reply. They are declared apart
 * from the request and the poll loop so that fuzz targets and tests can feed them bytes without
 * a server.
 */
#ifndef M365ID_LIB_CRED_DEVICE_CODE_INTERNAL_H
#define M365ID_LIB_CRED_DEVICE_CODE_INTERNAL_H

#include <jansson.h>

#include "util/http_client.h"
#include "util/secret.h"

struct m365id_ctx;

/* The device authorization reply; strings borrowed from root. */
struct dc_grant {
    json_t *root;
    struct m365id__secret *device_code;
    const char *user_code;
    const char *verification_uri;
    const char *message;
    long long expires_in_s;
    long long interval_s;
};

#define DC_GRANT_INIT {NULL, NULL, NULL, NULL, NULL, 0, 0}

/** Wipe the device code and free what @p g holds; @p g may then be reused. */
void m365id__device_grant_clear(struct dc_grant *g);

/**
 * Read the reply in @p resp to the device code request sent to @p url for @p scope. HTTP 200
 * fills @p g (RFC 8628 section 3.2): device_code and user_code are required, expires_in is cut
 * to 1 hour and interval to between 1 and 60 s. Any other status records Entra ID's error, or a
 * failure naming the status and content type when the body is not Entra ID's.
 * @return 0; M365ID_EAUTH or M365ID_ENET for an Entra ID error; M365ID_EPROTO; another
 *         negative code
 */
int m365id__device_code_read_grant(struct dc_grant *g, struct m365id_ctx *ctx,
                                   const struct m365id__http_response *resp, const char *url,
                                   const char *scope);

#endif /* M365ID_LIB_CRED_DEVICE_CODE_INTERNAL_H */
