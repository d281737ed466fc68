/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The federated token file: the projected service-account JWT that the kubelet writes and
 * rotates, read and checked before every exchange. Sending it lives in sts/exchange.c.
 */
#ifndef M365ID_LIB_CRED_TOKEN_FILE_H
#define M365ID_LIB_CRED_TOKEN_FILE_H

#include <jansson.h>
#include <stddef.h>

#include "m365id/log.h"
#include "util/secret.h"

struct m365id_ctx;

/* An assertion read from the token file. */
struct m365id__assertion {
    struct m365id__secret *jwt;                  /* trimmed token; never logged */
    json_t *claims;                              /* decoded payload, owned, NOT verified */
    char fingerprint[M365ID_FINGERPRINT_SIZE];   /* for logs */
    json_t *header;                              /* decoded JOSE header, owned, NOT verified */
};

#define M365ID__ASSERTION_INIT {NULL, NULL, {0}, NULL}

/**
 * Read the file named by the federated_token_file_path setting afresh (by path, so a rotated
 * file is seen) and check it: a regular file of at most M365ID_TOKEN_FILE_MAX bytes holding one
 * JWT between optional surrounding whitespace, not expired, nbf at most 60 s ahead, and an
 * "aud" that contains the federated_token_audience setting. Every problem is its own failure
 * whose message names the path and where the setting came from.
 *
 * @param[out] out  filled on success only; release with m365id__assertion_clear()
 * @return 0; M365ID_ETOKENFILE; M365ID_ENOMEM
 */
int m365id__token_file_read(struct m365id__assertion *out, struct m365id_ctx *ctx);

/**
 * The same checks on the file named by setting @p path_key, with the audience expected by
 * setting @p aud_key (unset: not checked); messages call the file @p noun, such as
 * "OIDC token file". Both keys are enum m365id__key values.
 */
int m365id__token_file_read_from(struct m365id__assertion *out, struct m365id_ctx *ctx,
                                 int path_key, int aud_key, const char *noun);

/** Wipe and free the contents of @p a, which may then be reused. */
void m365id__assertion_clear(struct m365id__assertion *a);

/** String claim @p name of the assertion, borrowed; NULL when absent or not a string. */
const char *m365id__assertion_claim(const struct m365id__assertion *a, const char *name);

/** The "kid" of the assertion's header, borrowed; NULL when absent or not a string. */
const char *m365id__assertion_kid(const struct m365id__assertion *a);

/** Up to @p max entries of the assertion's "aud" claim, borrowed; returns the count. */
size_t m365id__assertion_audiences(const struct m365id__assertion *a, const char **out,
                                   size_t max);

/** Write @p seconds (>= 0) as "1h2m3s", "45s" or "2d3h" into @p out. */
void m365id__format_duration(char *out, size_t size, long long seconds);

#endif /* M365ID_LIB_CRED_TOKEN_FILE_H */
