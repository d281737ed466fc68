/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Parsing of token endpoint replies: the success body (access token and lifetimes) and Entra
 * ID's error body. Turning an error into the context's failure detail lives in exchange.c.
 */
#ifndef M365ID_LIB_STS_REPLY_H
#define M365ID_LIB_STS_REPLY_H

#include "util/buf.h"

#include <stddef.h>

#include "util/secret.h"

struct m365id_ctx;

/* A token from a successful exchange, before the cache turns it into an m365id_token. */
struct m365id__sts_token {
    struct m365id__secret *access_token; /* owned; wiped on clear */
    long long issued_at_s;               /* Unix time the request was sent */
    long long expires_in_s;              /* > 0 */
    long long ext_expires_in_s;          /* -1 when absent */
    long long refresh_in_s;              /* -1 when absent */
};

#define M365ID__STS_TOKEN_INIT {NULL, 0, 0, -1, -1}

void m365id__sts_token_clear(struct m365id__sts_token *tok);

/* Entra ID's error reply; every string malloc'd or NULL when absent. */
struct m365id__sts_error {
    char *error;             /* OAuth error, e.g. "invalid_client" */
    char *description;       /* error_description, whole */
    long long code;          /* error_codes[0]; 0 when absent */
    char *trace_id;
    char *correlation_id;
    char *timestamp;
};

#define M365ID__STS_ERROR_INIT {NULL, NULL, 0, NULL, NULL, NULL}

void m365id__sts_error_clear(struct m365id__sts_error *err);

/**
 * Append the ids that Microsoft support requests, quoted, such as
 * "AADSTS700213 invalid_client trace=... correlation=...". The AADSTS part appears only when
 * Entra sent a code. A full buffer cuts the text short.
 */
void m365id__sts_error_upstream(struct m365id__buf *out, const struct m365id__sts_error *e);

/**
 * Parse a success reply (@p status 200) into @p out. @p out->issued_at_s must already contain
 * the send time. token_type must be Bearer (any case), and access_token and expires_in are
 * required. expires_in, ext_expires_in and refresh_in may be numbers or decimal strings.
 * The body is never quoted in messages because it contains the token.
 * @return 0; M365ID_EPROTO naming the field, the status and the body's length and content
 *         type; M365ID_ENOMEM
 */
int m365id__sts_reply_parse_token(struct m365id__sts_token *out, struct m365id_ctx *ctx,
                                  long status, const char *content_type, const char *body,
                                  size_t len);

/**
 * Parse an error reply. Returns 0 when @p body is a JSON object with a string "error" member.
 * Anything else, such as a proxy's HTML page, gives M365ID_EPROTO without recording a failure.
 * Returns M365ID_ENOMEM when memory runs out. @p out is filled only on success.
 */
int m365id__sts_reply_parse_error(struct m365id__sts_error *out, const char *body, size_t len);

/**
 * The first line of @p description without its "AADSTSnnnn: " prefix: start and length
 * within @p description.
 */
const char *m365id__sts_error_summary(const char *description, size_t *len_out);

#endif /* M365ID_LIB_STS_REPLY_H */
