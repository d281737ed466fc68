/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Token endpoint reply parsing. A success body contains a bearer token, so no part of it
 * reaches a message or a log. Neither does jansson's parse error text, which cites the input.
 */
#include "lib/sts/reply.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/core/ctx_internal.h"
#include "util/json.h"
#include "util/limits.h"
#include "util/quote.h"
#include "util/strutil.h"

#define REPLY_HINT                                                                              \
    "check that authority_host (M365_AUTHORITY_HOST) points at Entra ID and that no proxy "  \
    "rewrites the reply"

void m365id__sts_token_clear(struct m365id__sts_token *tok)
{
    if (tok == NULL)
        return;
    m365id__secret_free(tok->access_token);
    tok->access_token = NULL;
    tok->issued_at_s = 0;
    tok->expires_in_s = 0;
    tok->ext_expires_in_s = -1;
    tok->refresh_in_s = -1;
}

void m365id__sts_error_clear(struct m365id__sts_error *err)
{
    if (err == NULL)
        return;
    free(err->error);
    free(err->description);
    free(err->trace_id);
    free(err->correlation_id);
    free(err->timestamp);
    memset(err, 0, sizeof(*err));
}

/* Record an EPROTO failure that describes the reply by status, size and content type only. */
static int fail_shape(m365id_ctx *ctx, long status, const char *content_type, size_t len,
                      const char *what)
{
    struct m365id__quoted qct;

    m365id__quote(&qct, content_type != NULL ? content_type : "none");
    return m365id__fail(ctx, M365ID_EPROTO, REPLY_HINT,
                        "token endpoint reply (HTTP %ld, %zu bytes, content type '%s') %s",
                        status, len, qct.text, what);
}

/* An optional lifetime: number or numeric string; absent or unusable values give -1. */
static long long optional_seconds(const json_t *root, const char *key)
{
    long long v = -1;

    if (m365id__json_get_int_lenient(&v, root, key) != M365ID__JSON_OK || v < 0)
        return -1;
    return v;
}

int m365id__sts_reply_parse_token(struct m365id__sts_token *out, m365id_ctx *ctx, long status,
                                  const char *content_type, const char *body, size_t len)
{
    json_t *root = NULL;
    const char *type = NULL;
    const char *access = NULL;
    long long expires_in = 0;
    struct m365id__quoted q;
    int rc;
    int got;

    if (m365id__json_parse(&root, body, len, NULL, 0) < 0 || !json_is_object(root)) {
        rc = fail_shape(ctx, status, content_type, len, "is not a JSON object");
        goto out;
    }

    got = m365id__json_get_str(&type, root, "token_type");
    if (got != M365ID__JSON_OK) {
        rc = fail_shape(ctx, status, content_type, len,
                        got == M365ID__JSON_ABSENT ? "has no 'token_type'"
                                                   : "has a 'token_type' that is not a string");
        goto out;
    }
    if (strcasecmp(type, "Bearer") != 0) {
        m365id__quote(&q, type);
        rc = m365id__fail(ctx, M365ID_EPROTO, REPLY_HINT,
                          "token endpoint reply (HTTP %ld) has token_type '%s', expected "
                          "'Bearer'",
                          status, q.text);
        goto out;
    }

    got = m365id__json_get_str(&access, root, "access_token");
    if (got != M365ID__JSON_OK)
        access = NULL;
    if (access == NULL || access[0] == '\0') {
        rc = fail_shape(ctx, status, content_type, len,
                        got == M365ID__JSON_ABSENT    ? "has no 'access_token'"
                        : got == M365ID__JSON_BADTYPE ? "has an 'access_token' that is not a string"
                                                      : "has an empty 'access_token'");
        goto out;
    }

    got = m365id__json_get_int_lenient(&expires_in, root, "expires_in");
    if (got != M365ID__JSON_OK || expires_in <= 0) {
        rc = fail_shape(ctx, status, content_type, len,
                        got == M365ID__JSON_ABSENT
                            ? "has no 'expires_in'"
                            : "has an 'expires_in' that is not a positive number of seconds");
        goto out;
    }

    rc = m365id__secret_new(&out->access_token, access, strlen(access));
    if (rc < 0) {
        rc = m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory storing the access token");
        goto out;
    }
    out->expires_in_s = expires_in < M365ID_TOKEN_LIFETIME_MAX_S ? expires_in
                                                                 : M365ID_TOKEN_LIFETIME_MAX_S;
    out->ext_expires_in_s = optional_seconds(root, "ext_expires_in");
    out->refresh_in_s = optional_seconds(root, "refresh_in");
    rc = 0;

out:
    /* jansson copied the token into the tree; wipe that copy before the tree is freed. */
    if (access != NULL)
        m365id__wipe((void *)access, strlen(access));
    json_decref(root);
    return rc;
}

/* Duplicate an optional string member; returns 0 or M365ID_ENOMEM. */
static int dup_member(char **out, const json_t *root, const char *key)
{
    const char *s = NULL;

    if (m365id__json_get_str(&s, root, key) != M365ID__JSON_OK)
        return 0;
    *out = m365id__strdup(s);
    return *out != NULL ? 0 : M365ID_ENOMEM;
}

int m365id__sts_reply_parse_error(struct m365id__sts_error *out, const char *body, size_t len)
{
    struct m365id__sts_error e = M365ID__STS_ERROR_INIT;
    json_t *root = NULL;
    json_t *codes = NULL;
    const char *error = NULL;
    int rc;

    if (body == NULL || m365id__json_parse(&root, body, len, NULL, 0) < 0 ||
        !json_is_object(root) || m365id__json_get_str(&error, root, "error") != M365ID__JSON_OK) {
        rc = M365ID_EPROTO;
        goto out;
    }

    rc = M365ID_ENOMEM;
    if ((e.error = m365id__strdup(error)) == NULL)
        goto out;
    if (dup_member(&e.description, root, "error_description") < 0 ||
        dup_member(&e.trace_id, root, "trace_id") < 0 ||
        dup_member(&e.correlation_id, root, "correlation_id") < 0 ||
        dup_member(&e.timestamp, root, "timestamp") < 0)
        goto out;
    if (m365id__json_get_array(&codes, root, "error_codes") == M365ID__JSON_OK &&
        json_array_size(codes) > 0 && json_is_integer(json_array_get(codes, 0)))
        e.code = json_integer_value(json_array_get(codes, 0));

    *out = e;
    memset(&e, 0, sizeof(e));
    rc = 0;

out:
    m365id__sts_error_clear(&e);
    json_decref(root);
    return rc;
}

const char *m365id__sts_error_summary(const char *description, size_t *len_out)
{
    const char *s = description;
    const char *p;
    size_t n;

    *len_out = 0;
    if (s == NULL)
        return "";

    /* "AADSTS700213: text" -> "text" */
    if (strncmp(s, "AADSTS", 6) == 0) {
        p = s + 6;
        while (isdigit((unsigned char)*p))
            p++;
        if (p > s + 6 && p[0] == ':') {
            p++;
            while (*p == ' ')
                p++;
            s = p;
        }
    }

    n = strcspn(s, "\r\n");
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    *len_out = n;
    return s;
}

void m365id__sts_error_upstream(struct m365id__buf *out, const struct m365id__sts_error *e)
{
    struct m365id__quoted q;

    if (e->code != 0)
        m365id__buf_printf(out, "AADSTS%lld ", e->code);
    m365id__quote(&q, e->error);
    m365id__buf_puts(out, q.text);
    if (e->trace_id != NULL) {
        m365id__quote(&q, e->trace_id);
        m365id__buf_printf(out, " trace=%s", q.text);
    }
    if (e->correlation_id != NULL) {
        m365id__quote(&q, e->correlation_id);
        m365id__buf_printf(out, " correlation=%s", q.text);
    }
}
