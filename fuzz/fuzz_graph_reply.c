/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * libFuzzer target: a Microsoft Graph reply body read as an error reply (HTTP 400, 401, 403,
 * 429 and 503, which cover every hint) and as the first page of a paged collection.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_ctx.h"
#include "lib/graph/graph_internal.h"
#include "util/buf.h"
#include "util/limits.h"

/*
 * The Graph root that next links must start with. It is not https, so a link that passes the
 * check fails inside the HTTP client before any connection is made.
 */
#define FUZZ_GRAPH_ROOT "fuzz://graph.invalid"

/* An unsigned access token whose payload is {"roles":["User.Read.All"]}, for the 403 hint. */
#define FUZZ_BEARER                                                                             \
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJyb2xlcyI6WyJVc2VyLlJlYWQuQWxsIl19.c2ln"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static m365id_ctx *graph_ctx(void)
{
    m365id_ctx *ctx = fuzz_ctx_new("/nonexistent/token");
    char *root = strdup(FUZZ_GRAPH_ROOT);

    if (ctx == NULL || root == NULL)
        abort();
    free(ctx->cfg.graph_root);
    ctx->cfg.graph_root = root;
    return ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int statuses[] = {400, 401, 403, 429, 503};
    static m365id_ctx *ctx;
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    struct graph_call c;
    json_t *merged = NULL;
    size_t i;

    if (ctx == NULL)
        ctx = graph_ctx();

    memset(&c, 0, sizeof(c));
    c.ctx = ctx;
    c.method = "GET";
    c.shown_path = "/v1.0/users";
    c.token = FUZZ_BEARER;

    resp.body.max = M365ID_GRAPH_REPLY_MAX;
    if (m365id__buf_put(&resp.body, data, size) < 0)
        goto out;

    for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        resp.status = statuses[i];
        if (m365id__graph_fail_reply(&c, &resp) != M365ID_EGRAPH)
            abort();
    }

    resp.status = 200;
    if (m365id__graph_collect(&merged, &c, &resp) == 0) {
        if (!json_is_array(json_object_get(merged, "value")))
            abort();
    }

out:
    json_decref(merged);
    m365id__http_response_clear(&resp);
    return 0;
}
