/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Doctor check 6, "exchange": one token request for the configured Graph scope, as `m365id
 * token` sends it, with the library's retries except those of a federated credential
 * mismatch, which the check explains instead. A failure shows the library's AADSTS diagnosis;
 * the access token is kept for the permissions check and never printed.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/doctor/doctor.h"
#include "util/jwt.h"
#include "util/secret.h"
#include "util/strutil.h"
#include "util/timeutil.h"

/* AADSTS codes of a federated credential that did not match, which Entra ID also returns
 * for a while after the credential was created or changed. */
static int is_fic_mismatch(const char *upstream)
{
    static const char *const codes[] = {"AADSTS70021 ", "AADSTS700211 ", "AADSTS700212 ",
                                        "AADSTS700213 "};

    for (size_t i = 0; upstream != NULL && i < sizeof(codes) / sizeof(codes[0]); i++) {
        if (m365id__starts_with(upstream, codes[i]))
            return 1;
    }
    return 0;
}

static void report_failure(struct doctor_check *c, const struct doctor *d, int rc)
{
    const struct doctor_facts *facts = doctor_facts((struct doctor *)d);
    const m365id_error *err = m365id_last_error(facts->ctx);
    const char *message = err != NULL && err->message != NULL && err->message[0] != '\0'
                              ? err->message
                              : m365id_strerror(rc);
    const char *hint = err != NULL && err->hint != NULL && err->hint[0] != '\0' ? err->hint
                                                                                 : NULL;
    const char *upstream = err != NULL ? err->upstream : NULL;

    const char *authority = doctor_setting(d, "authority_host", NULL);
    char fix[2048];

    /* Fix of the propagation finding below: the credential itself needs no change. */
    if (is_fic_mismatch(upstream) && facts->fic_match == 1)
        hint = NULL;
    if (rc == M365ID_ENET && facts->ignored_authority != NULL) {
        snprintf(fix, sizeof(fix),
                 "the request went to the cloud's authority host '%s', not to "
                 "AZURE_AUTHORITY_HOST '%s', which the cloud setting overrides (see check "
                 "config): set M365_AUTHORITY_HOST to '%s' to use it%s%s",
                 authority != NULL ? authority : "?", facts->ignored_authority,
                 facts->ignored_authority, hint != NULL ? "; otherwise " : "",
                 hint != NULL ? hint : "");
        hint = fix;
    }
    doctor_finding(c, DOCTOR_FAIL, hint, "the token request failed: %s", message);
    if (upstream != NULL && upstream[0] != '\0')
        doctor_evidence(c, "entra", "%s", upstream);
    doctor_evidence(c, "code", "%s", m365id_strerror(rc));
    if (authority != NULL)
        doctor_evidence(c, "authority", "%s", authority);
    if (!is_fic_mismatch(upstream))
        return;

    /* Entra ID's federated credential store is eventually consistent. */
    if (facts->fic_match == 1) {
        doctor_finding(c, DOCTOR_FAIL,
                       "wait a minute and run doctor again; if the error stays, delete and "
                       "recreate the federated credential",
                       "a federated credential matches the token's issuer, subject and "
                       "audience on paper, yet Entra ID rejected it: this is usually "
                       "propagation delay, which lasts up to a few minutes after the "
                       "credential is created or changed");
    } else if (facts->fic_match == -1) {
        doctor_finding(c, DOCTOR_WARN,
                       "pass the credentials with --federated-credential FILE (from 'az ad "
                       "app federated-credential list') so that doctor can compare them",
                       "if the federated credential was created or changed in the last few "
                       "minutes, this may be propagation delay; otherwise compare its issuer, "
                       "subject and audience with the token's claims byte for byte");
    }
}

void doctor_check_exchange(struct doctor *d)
{
    struct doctor_check *c = doctor_check_begin(d, "exchange", "token request to Entra ID", 1);
    struct doctor_facts *facts = doctor_facts(d);
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    char fingerprint[M365ID_FINGERPRINT_SIZE];
    char expires[32];
    char relative[96];
    m365id_token *token = NULL;
    const char *value;
    const char *scope;
    const char *source = NULL;
    long long expires_on;
    int rc;

    if (facts->ctx == NULL) {
        doctor_skip(c, "the configuration did not resolve (see check config)");
        return;
    }
    if (strcmp(facts->auth_method, "workload_identity") == 0 && facts->assertion == NULL) {
        doctor_skip(c, "no usable token file (see check token-file)");
        return;
    }
    if (doctor_options(d)->offline) {
        doctor_skip(c, "no request sent: --offline");
        return;
    }

    scope = doctor_setting(d, "scope", &source);
    rc = m365id_token_acquire(&token, facts->ctx, NULL);
    if (rc < 0) {
        report_failure(c, d, rc);
        doctor_evidence(c, "scope", "%s (%s)", scope != NULL ? scope : "(default)",
                        source != NULL ? source : "configuration");
        return;
    }

    value = m365id_token_value(token);
    expires_on = m365id_token_expires_on(token);
    m365id__format_rfc3339(expires, sizeof(expires), expires_on);
    cli_format_relative(relative, sizeof(relative), expires_on, m365id__now_s(), 1);
    m365id_fingerprint(fingerprint, sizeof(fingerprint), value, strlen(value));
    doctor_finding(c, DOCTOR_PASS, NULL, "Entra ID issued an access token");
    doctor_evidence(c, "scope", "%s (%s)", scope != NULL ? scope : "(default)",
                    source != NULL ? source : "configuration");
    doctor_evidence(c, "expires", "%s (%s)", expires, relative);
    doctor_evidence(c, "fingerprint", "%s", fingerprint);
    doctor_evidence(c, "length", "%zu bytes", strlen(value));
    if (m365id_token_is_cached(token))
        doctor_evidence(c, "from cache", "yes: an earlier check already exchanged the token");

    /* Facts for the permissions check: the token and its claims (not verified). */
    facts->access_token = m365id__strdup(value);
    if (facts->access_token != NULL &&
        m365id__jwt_parse(&jwt, facts->access_token, strlen(facts->access_token), NULL) == 0)
        facts->access_claims = json_incref(jwt.payload);

    m365id__jwt_clear(&jwt);
    m365id_token_free(token);
}
