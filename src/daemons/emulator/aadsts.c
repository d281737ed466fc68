/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Builds Entra's error body. The trace id is the request id of the log line, so a failure
 * seen by a client can be found in the emulator's log.
 */
#include "aadsts.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "m365id/log.h"
#include "util/strutil.h"
#include "util/timeutil.h"

void emu_aadsts_reply(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                      int code, const char *error, const char *fmt, ...)
{
    const char *client_corr = httpd_header(req, "client-request-id");
    char correlation[37];
    char text[1536];
    char description[2048];
    char timestamp[32];
    char uri[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);

    /* Entra echoes the client's correlation id when it is a GUID. */
    if (client_corr != NULL && m365id__is_guid(client_corr))
        snprintf(correlation, sizeof(correlation), "%s", client_corr);
    else if (m365id__guid_v4(correlation) < 0)
        snprintf(correlation, sizeof(correlation), "00000000-0000-0000-0000-000000000000");
    m365id__format_utc(timestamp, sizeof(timestamp), m365id__now_s());
    snprintf(description, sizeof(description),
             "AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s", code, text,
             req->request_id, correlation, timestamp);
    snprintf(uri, sizeof(uri), "%s/error?code=%d", e->base_url, code);

    emu_reply_json(reply, strcmp(error, "invalid_client") == 0 ? 401 : 400,
                   json_pack("{s:s,s:s,s:[i],s:s,s:s,s:s,s:s}", "error", error,
                             "error_description", description, "error_codes", code, "timestamp",
                             timestamp, "trace_id", req->request_id, "correlation_id",
                             correlation, "error_uri", uri));
    httpd_reply_outcome(reply, "AADSTS%d", code);
    /* The reason, with external values quoted as in the reply; never a token. */
    mlog_debug(&e->logger, "sts", "%s AADSTS%d: %s", req->request_id, code, text);
    emu_stats_error(&e->stats, code);
}
