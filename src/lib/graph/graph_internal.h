/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Internals of graph.c that read Graph's replies, declared so that fuzz targets can feed them
 * bytes without a server. The public entry point is m365id_graph_request() in m365id/graph.h.
 */
#ifndef M365ID_LIB_GRAPH_GRAPH_INTERNAL_H
#define M365ID_LIB_GRAPH_GRAPH_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "m365id/ctx.h"
#include "util/http_client.h"

/* State of one Graph call; strings are borrowed. */
struct graph_call {
    m365id_ctx *ctx;
    const char *method;
    const char *shown_path;      /* path relative to the Graph root, for messages */
    const char *token;           /* bearer token, never logged */
    const char *const *headers;  /* includes the Authorization line */
    const char *body;
    size_t body_len;
    int check_json;              /* nonzero: a 2xx reply must carry JSON */
};

/**
 * Record the Graph error reply in @p resp (status >= 400) on the context, naming Graph's code,
 * message and request id, with a hint for 401, 403 Authorization_RequestDenied and 429.
 * @return M365ID_EGRAPH always
 */
int m365id__graph_fail_reply(const struct graph_call *c,
                             const struct m365id__http_response *resp);

/**
 * Merge the "value" array of the page in @p resp and of every page that "@odata.nextLink"
 * leads to into one object. Links that leave the configured Graph root are rejected before
 * anything is sent. The others are fetched into @p resp, which then contains the last page.
 * @param[out] merged_out  {"@odata.context", "value"}, owned by the caller; set on success only
 * @return 0; M365ID_EPROTO for a page without a "value" array or a foreign link;
 *         M365ID_ETOOBIG; another negative code from fetching a page
 */
int m365id__graph_collect(json_t **merged_out, const struct graph_call *c,
                          struct m365id__http_response *resp);

#endif /* M365ID_LIB_GRAPH_GRAPH_INTERNAL_H */
