/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Compact JWS (RFC 7515 section 7.1) splitting, decoding, RS256 signing and verification.
 * Claim checks (iss, aud, exp) belong to the callers, which know what they expect.
 */
#include "util/jwt.h"

#include <stdlib.h>
#include <string.h>

#include "m365id/error.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/limits.h"
#include "util/secret.h"

/* Decode one base64url part into a JSON object. */
static int decode_json_part(json_t **out, const char *s, size_t len,
                            enum m365id__jwt_fault *fault)
{
    unsigned char *bin = NULL;
    size_t bin_len = 0;
    json_t *v = NULL;
    int rc;

    *out = NULL;
    if ((rc = m365id__b64url_decode(&bin, &bin_len, s, len)) < 0) {
        if (rc == M365ID_ENOMEM)
            return rc;
        *fault = M365ID__JWT_BASE64;
        return M365ID_EINVAL;
    }
    if (m365id__json_parse(&v, (const char *)bin, bin_len, NULL, 0) < 0 || !json_is_object(v)) {
        json_decref(v);
        free(bin);
        *fault = M365ID__JWT_JSON;
        return M365ID_EINVAL;
    }
    free(bin);
    *out = v;
    return 0;
}

int m365id__jwt_parse(struct m365id__jwt *jwt, const char *token, size_t len,
                      enum m365id__jwt_fault *fault)
{
    enum m365id__jwt_fault why = M365ID__JWT_OK;
    json_t *header = NULL;
    json_t *payload = NULL;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    size_t dot[2] = {0, 0};
    size_t dots = 0;
    size_t i;
    int rc = M365ID_EINVAL;

    if (len == 0 || token == NULL) {
        why = M365ID__JWT_EMPTY;
        goto out;
    }

    /* A token read from a file or header must be exactly the token: space, a trailing
     * newline or any control byte means the source was not what the caller assumed. */
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)token[i];

        if (c <= 0x20 || c == 0x7f) {
            why = M365ID__JWT_WHITESPACE;
            goto out;
        }
        if (c == '.') {
            if (dots < 2)
                dot[dots] = i;
            dots++;
        }
    }
    jwt->parts = (int)(dots + 1 < 1000 ? dots + 1 : 1000);
    if (dots != 2) {
        why = M365ID__JWT_PARTS;
        goto out;
    }

    if ((rc = decode_json_part(&header, token, dot[0], &why)) < 0)
        goto out;
    if ((rc = decode_json_part(&payload, token + dot[0] + 1, dot[1] - dot[0] - 1, &why)) < 0)
        goto out;
    /* An empty signature still parses ("alg":"none" tokens); verification rejects it. */
    if ((rc = m365id__b64url_decode(&sig, &sig_len, token + dot[1] + 1, len - dot[1] - 1)) < 0) {
        if (rc != M365ID_ENOMEM) {
            rc = M365ID_EINVAL;
            why = M365ID__JWT_BASE64;
        }
        goto out;
    }

    jwt->header = header;
    jwt->payload = payload;
    jwt->sig = sig;
    jwt->sig_len = sig_len;
    jwt->signing_input_len = dot[1];
    header = NULL;
    payload = NULL;
    sig = NULL;
    rc = 0;

out:
    if (fault != NULL)
        *fault = why;
    json_decref(header);
    json_decref(payload);
    free(sig);
    return rc;
}

const char *m365id__jwt_fault_text(enum m365id__jwt_fault fault)
{
    switch (fault) {
    case M365ID__JWT_OK: return "no fault";
    case M365ID__JWT_EMPTY: return "empty";
    case M365ID__JWT_PARTS: return "not three dot-separated parts";
    case M365ID__JWT_WHITESPACE: return "contains whitespace or control characters";
    case M365ID__JWT_BASE64: return "a part is not base64url";
    case M365ID__JWT_JSON: return "header or payload is not a JSON object";
    }
    return "unknown fault";
}

int m365id__jwt_verify_rs256(const struct m365id__jwt *jwt, const char *token,
                             const struct m365id__rsa_key *key)
{
    const char *alg = NULL;

    /* The header must name RS256 itself, so a token cannot pick a weaker algorithm. */
    if (jwt == NULL || jwt->header == NULL || token == NULL ||
        m365id__json_get_str(&alg, jwt->header, "alg") != M365ID__JSON_OK ||
        strcmp(alg, "RS256") != 0)
        return M365ID_EAUTH;
    return m365id__rsa_verify_rs256(key, token, jwt->signing_input_len, jwt->sig,
                                    jwt->sig_len);
}

/* Append the base64url form of @p value serialised as compact JSON. */
static int put_json_b64url(struct m365id__buf *buf, const json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT);
    char *b64 = NULL;
    int rc;

    if (text == NULL)
        return M365ID_ENOMEM;
    b64 = m365id__b64url_encode(text, strlen(text));
    rc = b64 != NULL ? m365id__buf_puts(buf, b64) : M365ID_ENOMEM;
    m365id__free_secret_str(b64);
    m365id__free_secret_str(text);
    return rc;
}

int m365id__jwt_sign_rs256(char **out, const struct m365id__rsa_key *key, const char *kid,
                           const char *typ, const json_t *payload)
{
    /* Tokens this project signs must be readable by its own token-file reader. */
    struct m365id__buf buf = M365ID__SECRET_BUF_INIT(M365ID_TOKEN_FILE_MAX);
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    char *sig_b64 = NULL;
    json_t *header = NULL;
    int rc;

    *out = NULL;
    if (key == NULL || !json_is_object(payload))
        return M365ID_EINVAL;

    header = json_object();
    if (header == NULL || json_object_set_new(header, "alg", json_string("RS256")) != 0 ||
        (kid != NULL && json_object_set_new(header, "kid", json_string(kid)) != 0) ||
        (typ != NULL && json_object_set_new(header, "typ", json_string(typ)) != 0)) {
        rc = M365ID_ENOMEM;
        goto out;
    }

    if ((rc = put_json_b64url(&buf, header)) < 0)
        goto out;
    if ((rc = m365id__buf_put(&buf, ".", 1)) < 0)
        goto out;
    if ((rc = put_json_b64url(&buf, payload)) < 0)
        goto out;
    if ((rc = m365id__rsa_sign_rs256(&sig, &sig_len, key, buf.ptr, buf.len)) < 0)
        goto out;
    sig_b64 = m365id__b64url_encode(sig, sig_len);
    if (sig_b64 == NULL) {
        rc = M365ID_ENOMEM;
        goto out;
    }
    if ((rc = m365id__buf_put(&buf, ".", 1)) < 0)
        goto out;
    if ((rc = m365id__buf_puts(&buf, sig_b64)) < 0)
        goto out;

    *out = m365id__buf_detach(&buf);
    rc = *out != NULL ? 0 : M365ID_ENOMEM;

out:
    json_decref(header);
    free(sig);
    free(sig_b64);
    m365id__buf_clear(&buf);
    return rc;
}

size_t m365id__jwt_audiences(const char **out, size_t max, const json_t *payload)
{
    json_t *aud = json_is_object(payload) ? json_object_get(payload, "aud") : NULL;
    json_t *item;
    size_t count = 0;
    size_t i;

    if (json_is_string(aud)) {
        if (max > 0)
            out[count++] = json_string_value(aud);
        return count;
    }
    json_array_foreach(aud, i, item) {
        if (count >= max)
            break;
        if (json_is_string(item))
            out[count++] = json_string_value(item);
    }
    return count;
}

void m365id__jwt_clear(struct m365id__jwt *jwt)
{
    if (jwt == NULL)
        return;
    json_decref(jwt->header);
    json_decref(jwt->payload);
    free(jwt->sig);
    jwt->header = NULL;
    jwt->payload = NULL;
    jwt->sig = NULL;
    jwt->sig_len = 0;
    jwt->signing_input_len = 0;
    jwt->parts = 0;
}
