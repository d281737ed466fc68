/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Steps of the doctor's checks that read network replies and files, and the report writers.
 * They are separate from doctor.h so that fuzz/fuzz_doctor_reply.c and unit tests can call
 * them on a reply body without an HTTP request. Only the doctor itself uses them otherwise.
 */
#ifndef M365ID_CLI_DOCTOR_DOCTOR_INTERNAL_H
#define M365ID_CLI_DOCTOR_DOCTOR_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/doctor/doctor.h"
#include "util/http_client.h"

/* --- doctor.c --- */

/* Size of a finding message or evidence value, NUL included; longer text is cut with "...". */
#define DOCTOR_TEXT_MAX 4096

/**
 * Create a run with a copy of @p options (its strings stay borrowed) and no check yet.
 * @return the run, freed with doctor_free(); never NULL (allocation failure ends the process)
 */
struct doctor *doctor_new(const struct doctor_options *options);

/** Free @p d, its checks and its facts (secrets wiped, the context freed); NULL is a no-op. */
void doctor_free(struct doctor *d);

/**
 * Write the text report of @p d to @p fp, as `m365id doctor` prints it.
 * @return CLI_EXIT_OK, or an exit status after printing the error when writing failed
 */
int doctor_report_text(FILE *fp, const struct doctor *d);

/**
 * Build the JSON report of @p d, as `m365id doctor -o json` prints it.
 * @return a new reference; never NULL (allocation failure ends the process)
 */
json_t *doctor_report_json(const struct doctor *d);

/* --- check_issuer.c --- */

/**
 * Read @p resp, the reply to GET @p url for the @p what document ("discovery document",
 * "JWKS"), as a JSON object, and record a PASS finding or a FAIL finding that names the
 * status or the content type.
 * @return the object (a new reference), or NULL when the status is not 200 or the body is
 *         not a JSON object
 */
json_t *doctor_issuer_read_reply(struct doctor_check *c, const char *what, const char *url,
                                 const struct m365id__http_response *resp);

/**
 * Compare the @p discovery document's `issuer` with the token's @p iss and read its
 * `jwks_uri`, recording a finding for each.
 * @return the `jwks_uri` string, borrowed from @p discovery, or NULL when it has none
 */
const char *doctor_issuer_check_discovery(struct doctor_check *c, const char *iss,
                                          const json_t *discovery);

/**
 * Look up the key named by the `kid` of the token's @p header (NULL when unknown) in
 * @p jwks, and check its key type against the header's `alg`.
 */
void doctor_issuer_check_jwks(struct doctor_check *c, const json_t *jwks, const json_t *header);

/* --- check_fic.c --- */

/**
 * Parse @p body, a Graph collection reply to GET @p path, and return its "value" array
 * (a new reference), or NULL with the reason in @p why.
 */
json_t *doctor_fic_graph_value(const char *body, size_t body_len, const char *path, char *why,
                               size_t why_size);

/**
 * Compare the credentials @p fics (a JSON array; NULL when none could be read) with the
 * token's claims in the facts of @p d and with the pod's ServiceAccount, recording the
 * findings in @p c. Sets facts->fic_match when @p fics is not NULL and the token's issuer
 * and subject are known.
 */
void doctor_fic_compare(struct doctor *d, struct doctor_check *c, const json_t *fics);

#endif /* M365ID_CLI_DOCTOR_DOCTOR_INTERNAL_H */
