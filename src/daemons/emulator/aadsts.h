/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Entra error replies of the token and discovery endpoints, in Entra's body shape.
 */
#ifndef M365ID_DAEMONS_EMULATOR_AADSTS_H
#define M365ID_DAEMONS_EMULATOR_AADSTS_H

#include "emu.h"

/**
 * Reply with AADSTS @p code: HTTP 401 for error "invalid_client", 400 otherwise. The body
 * carries error, error_description ("AADSTSnnnn: text" plus trace, correlation and timestamp
 * lines), error_codes, timestamp, trace_id, correlation_id and error_uri. @p fmt gives the
 * text; values from the request must already be quoted. Counted in the stats.
 */
void emu_aadsts_reply(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                      int code, const char *error, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

#endif /* M365ID_DAEMONS_EMULATOR_AADSTS_H */
