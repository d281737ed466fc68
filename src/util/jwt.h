/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Compact JWS (RFC 7515) parsing, RS256 signing and verification. Parsing does not verify:
 * callers that trust claims must call m365id__jwt_verify_rs256() first.
 */
#ifndef M365ID_UTIL_JWT_H
#define M365ID_UTIL_JWT_H

#include <jansson.h>
#include <stddef.h>

#include "crypto.h"

/** Why a string is not a usable compact JWT. */
enum m365id__jwt_fault {
    M365ID__JWT_OK = 0,
    M365ID__JWT_EMPTY,       /* zero length */
    M365ID__JWT_PARTS,       /* not three dot-separated parts */
    M365ID__JWT_WHITESPACE,  /* contains whitespace or control characters */
    M365ID__JWT_BASE64,      /* a part is not base64url */
    M365ID__JWT_JSON,        /* header or payload is not a JSON object */
};

struct m365id__jwt {
    json_t *header;          /* owned */
    json_t *payload;         /* owned */
    size_t signing_input_len; /* bytes of "header.payload" at the start of the input string */
    unsigned char *sig;      /* decoded signature, malloc'd */
    size_t sig_len;
    int parts;               /* number of dot-separated parts seen, for messages */
};

#define M365ID__JWT_INIT {NULL, NULL, 0, NULL, 0, 0}

/**
 * Split and decode @p len bytes of a compact JWS. Returns 0, M365ID_EINVAL with @p fault (may
 * be NULL) naming the reason, or M365ID_ENOMEM with fault M365ID__JWT_OK. @p jwt is filled only on success, except that parts is also set
 * when the input got as far as being split.
 */
int m365id__jwt_parse(struct m365id__jwt *jwt, const char *token, size_t len,
                      enum m365id__jwt_fault *fault);

/** Static text for a fault, e.g. "not three dot-separated parts". */
const char *m365id__jwt_fault_text(enum m365id__jwt_fault fault);

/** Verify the RS256 signature of @p token (the same bytes given to parse) with @p key. */
int m365id__jwt_verify_rs256(const struct m365id__jwt *jwt, const char *token,
                             const struct m365id__rsa_key *key);

/**
 * Sign @p payload with header {"alg":"RS256","kid":kid,"typ":typ} (typ omitted when NULL).
 * *out is a malloc'd compact JWS; it is a bearer credential, so wipe before free.
 */
int m365id__jwt_sign_rs256(char **out, const struct m365id__rsa_key *key, const char *kid,
                           const char *typ, const json_t *payload);

/**
 * The "aud" claim as a list: a string gives one entry, an array gives its string entries.
 * Returns how many entries were written to @p out (borrowed), at most @p max.
 */
size_t m365id__jwt_audiences(const char **out, size_t max, const json_t *payload);

void m365id__jwt_clear(struct m365id__jwt *jwt);

#endif /* M365ID_UTIL_JWT_H */
