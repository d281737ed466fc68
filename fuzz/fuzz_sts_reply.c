/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * libFuzzer target: a token endpoint reply body read both ways the exchange reads it, as a
 * success (m365id__sts_reply_parse_token) and as an Entra ID error with its summary line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_ctx.h"
#include "lib/sts/reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static m365id_ctx *ctx;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    struct m365id__sts_error err = M365ID__STS_ERROR_INIT;
    const char *body = (const char *)data;
    const char *summary;
    size_t summary_len;

    if (ctx == NULL && (ctx = fuzz_ctx_new("/nonexistent/token")) == NULL)
        abort();

    tok.issued_at_s = FUZZ_NOW_S;
    if (m365id__sts_reply_parse_token(&tok, ctx, 200, "application/json", body, size) == 0) {
        /* The contract in reply.h: a parsed token is never empty and lives a positive time. */
        if (tok.access_token == NULL || tok.access_token->len == 0 || tok.expires_in_s <= 0)
            abort();
    }
    m365id__sts_token_clear(&tok);

    /* A NULL content type is how a reply without the header arrives. */
    (void)m365id__sts_reply_parse_token(&tok, ctx, 400, NULL, body, size);
    m365id__sts_token_clear(&tok);

    if (m365id__sts_reply_parse_error(&err, body, size) == 0) {
        if (err.error == NULL)
            abort();
        summary = m365id__sts_error_summary(err.description, &summary_len);
        if (summary_len > 0 && summary_len > strlen(summary))
            abort();
    }
    m365id__sts_error_clear(&err);
    return 0;
}
