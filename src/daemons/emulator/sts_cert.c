/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Certificate client assertions (private_key_jwt): a JWT whose iss and sub are the client id,
 * signed with the key of a certificate registered on the application. The order of the
 * checks decides the AADSTS code; docs/emulator.md lists it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aadsts.h"
#include "sts.h"
#include "util/crypto.h"
#include "util/json.h"
#include "util/quote.h"
#include "util/timeutil.h"

#define CERT_DOC_URL "https://learn.microsoft.com/entra/identity-platform/certificate-credentials"
#define AUDIENCES_MAX 16

static int malformed(struct sts_call *c, const char *problem)
{
    emu_aadsts_reply(c->reply, c->req, c->e, 50027, "invalid_request",
                     "JWT token is invalid or malformed: %s. Review the documentation at %s.",
                     problem, CERT_DOC_URL);
    return -1;
}

static int invalid_signature(struct sts_call *c, const char *reason)
{
    emu_aadsts_reply(c->reply, c->req, c->e, 700027, "invalid_client",
                     "Client assertion contains an invalid signature. [Reason - %s]", reason);
    return -1;
}

/*
 * Decode base64url or standard base64, with or without padding: MSAL Go writes "x5t#S256"
 * in the standard alphabet, and "x5c" entries are standard base64 (RFC 7515 section 4.1.6).
 */
static int decode_any_base64(unsigned char **out, size_t *out_len, const char *s)
{
    size_t n = strlen(s);
    char *copy = malloc(n + 1);
    size_t i;
    int rc;

    *out = NULL;
    if (copy == NULL)
        return -1;
    for (i = 0; i < n; i++) {
        copy[i] = s[i];
        if (copy[i] == '+')
            copy[i] = '-';
        else if (copy[i] == '/')
            copy[i] = '_';
    }
    while (n > 0 && copy[n - 1] == '=')
        n--;
    copy[n] = '\0';
    rc = m365id__b64url_decode(out, out_len, copy, n);
    free(copy);
    return rc < 0 ? -1 : 0;
}

static void hex_upper(char *out, size_t size, const unsigned char *data, size_t len)
{
    size_t i;

    out[0] = '\0';
    for (i = 0; i < len && 2 * i + 2 < size; i++)
        snprintf(out + 2 * i, size - 2 * i, "%02X", data[i]);
}

/* A string claim; absent or another type is a malformed assertion. */
static int need_str(struct sts_call *c, const char **out, const json_t *payload, const char *name)
{
    char problem[96];
    int r = m365id__json_get_str(out, payload, name);

    if (r == M365ID__JSON_OK && (*out)[0] != '\0')
        return 0;
    snprintf(problem, sizeof(problem), "the '%s' claim is %s", name,
             r == M365ID__JSON_BADTYPE ? "not a string" : "missing or empty");
    return malformed(c, problem);
}

static int need_time(struct sts_call *c, const json_t *payload, const char *name, int required)
{
    char problem[96];
    long long v = 0;
    int r = m365id__json_get_int(&v, payload, name);

    if (r == M365ID__JSON_OK || (r == M365ID__JSON_ABSENT && !required))
        return 0;
    snprintf(problem, sizeof(problem), "the '%s' claim is %s", name,
             r == M365ID__JSON_ABSENT ? "missing" : "not a whole number of seconds");
    return malformed(c, problem);
}

/* Nonzero when @p aud names this tenant's token endpoint in a form Entra accepts. */
static int audience_ok(const struct sts_call *c, const struct emu_tenant *tenant, const char *aud)
{
    static const char *const suffixes[] = {"/oauth2/v2.0/token", "/oauth2/token"};
    const char *tenants[2] = {c->tenant_key, tenant->id};
    char want[512];
    size_t i;
    size_t j;

    for (i = 0; i < 2; i++) {
        for (j = 0; j < 2; j++) {
            snprintf(want, sizeof(want), "%s%s/%s%s", c->e->base_url, c->cloud->prefix, tenants[i],
                     suffixes[j]);
            if (strcmp(aud, want) == 0)
                return 1;
        }
    }
    return 0;
}

/* The registered certificate with this thumbprint, or NULL. */
static const struct emu_cert *cert_by_thumbprint(const struct emu_app *app, const unsigned char *tp,
                                                 size_t len)
{
    size_t i;

    for (i = 0; i < app->cert_count; i++) {
        const struct emu_cert *cert = &app->certs[i];

        if ((len == M365ID_SHA256_LEN && memcmp(cert->info.sha256, tp, len) == 0) ||
            (len == sizeof(cert->info.sha1) && memcmp(cert->info.sha1, tp, len) == 0))
            return cert;
    }
    return NULL;
}

static int key_not_found(struct sts_call *c, const struct emu_app *app, const char *thumbprint)
{
    char reason[512];

    snprintf(reason, sizeof(reason),
             "The key was not found., Thumbprint of key used by client: '%s', Please visit the "
             "Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for "
             "app Id '%s'. Review the documentation at %s.",
             thumbprint, app->app_id, CERT_DOC_URL);
    return invalid_signature(c, reason);
}

/*
 * Find the key that must have signed the assertion. A thumbprint header ("x5t#S256" first,
 * then "x5t") names a registered certificate. An "x5c" leaf must match that thumbprint when
 * one is given. The leaf itself is accepted when it is registered, or when its subject is the
 * application's trusted_subject.
 * @param[out] leaf  filled from x5c when the leaf is used; cleared by the caller
 */
static int find_key(const struct m365id__rsa_key **key_out, long long *not_before,
                    long long *not_after, struct m365id__x509_info *leaf, struct sts_call *c,
                    const struct emu_app *app, const json_t *header)
{
    const char *x5t256 = NULL;
    const char *x5t = NULL;
    const json_t *x5c = json_object_get(header, "x5c");
    unsigned char *tp = NULL;
    size_t tp_len = 0;
    char tp_hex[2 * M365ID_SHA256_LEN + 1] = "";
    const struct emu_cert *cert = NULL;
    int rc = -1;

    *key_out = NULL;
    if (m365id__json_get_str(&x5t256, header, "x5t#S256") == M365ID__JSON_BADTYPE ||
        m365id__json_get_str(&x5t, header, "x5t") == M365ID__JSON_BADTYPE)
        return malformed(c, "the 'x5t' or 'x5t#S256' header is not a string");
    if (x5t256 != NULL || x5t != NULL) {
        size_t want = x5t256 != NULL ? M365ID_SHA256_LEN : 20;

        if (decode_any_base64(&tp, &tp_len, x5t256 != NULL ? x5t256 : x5t) < 0 || tp_len != want) {
            rc = malformed(c, x5t256 != NULL ? "the 'x5t#S256' header is not the base64 of 32 bytes"
                                             : "the 'x5t' header is not the base64 of 20 bytes");
            goto out;
        }
        hex_upper(tp_hex, sizeof(tp_hex), tp, tp_len);
        cert = cert_by_thumbprint(app, tp, tp_len);
    }

    if (x5c != NULL) {
        const char *first = json_string_value(json_array_get(x5c, 0));
        unsigned char *der = NULL;
        size_t der_len = 0;
        int bad;

        if (!json_is_array(x5c) || first == NULL) {
            rc = malformed(c, "the 'x5c' header is not a non-empty array of strings");
            goto out;
        }
        bad = decode_any_base64(&der, &der_len, first) < 0 ||
              m365id__x509_info_from_der(leaf, der, der_len) < 0;
        free(der);
        if (bad) {
            rc = malformed(c, "'x5c[0]' is not a base64 DER certificate");
            goto out;
        }
        if (tp != NULL &&
            memcmp(tp_len == M365ID_SHA256_LEN ? leaf->sha256 : leaf->sha1, tp, tp_len) != 0) {
            rc = invalid_signature(c, "The certificate in 'x5c[0]' does not match the "
                                      "thumbprint in the assertion header.");
            goto out;
        }
        hex_upper(tp_hex, sizeof(tp_hex), leaf->sha1, sizeof(leaf->sha1));
        cert = cert_by_thumbprint(app, leaf->sha256, M365ID_SHA256_LEN);
        if (cert == NULL) {
            if (app->trusted_subject == NULL || strcmp(leaf->subject, app->trusted_subject) != 0) {
                rc = key_not_found(c, app, tp_hex);
                goto out;
            }
            if (leaf->key == NULL) {
                rc = invalid_signature(c, "The certificate in 'x5c[0]' has no RSA key of 2048 "
                                          "bits or more.");
                goto out;
            }
            *key_out = leaf->key;
            *not_before = leaf->not_before;
            *not_after = leaf->not_after;
            rc = 0;
            goto out;
        }
    } else if (tp == NULL) {
        rc = invalid_signature(c, "The assertion header has no 'x5t#S256', 'x5t' or 'x5c', so "
                                  "no registered key applies.");
        goto out;
    }
    if (cert == NULL) {
        rc = key_not_found(c, app, tp_hex);
        goto out;
    }
    *key_out = cert->info.key;
    *not_before = cert->info.not_before;
    *not_after = cert->info.not_after;
    rc = 0;

out:
    free(tp);
    return rc;
}

int emu_sts_check_certificate(struct sts_call *c, const struct emu_tenant *tenant,
                              const struct emu_app *app, const struct m365id__jwt *jwt,
                              const char *assertion)
{
    struct m365id__x509_info leaf;
    const struct m365id__rsa_key *key = NULL;
    const char *alg = NULL;
    const char *iss = NULL;
    const char *sub = NULL;
    const char *jti = NULL;
    const char *aud[AUDIENCES_MAX];
    size_t aud_count;
    long long not_before = 0;
    long long not_after = 0;
    long long now = m365id__now_s();
    long long skew = c->e->scn->clock_skew_s;
    long long exp = 0;
    long long nbf = 0;
    struct m365id__quoted q;
    size_t i;
    int ok = 0;
    int rc = -1;

    memset(&leaf, 0, sizeof(leaf));

    /* Algorithm: Entra's guidance is PS256; RS256 is still accepted. */
    if (m365id__json_get_str(&alg, jwt->header, "alg") != M365ID__JSON_OK ||
        (strcmp(alg, "PS256") != 0 && strcmp(alg, "RS256") != 0)) {
        char problem[sizeof(q.text) + 96];

        m365id__quote(&q, alg != NULL ? alg : "(missing)");
        snprintf(problem, sizeof(problem),
                 "signing algorithm '%s' is not supported for client "
                 "assertions; use PS256 or RS256",
                 q.text);
        return malformed(c, problem);
    }

    /* Claims. */
    if (need_str(c, &iss, jwt->payload, "iss") < 0 || need_str(c, &sub, jwt->payload, "sub") < 0 ||
        need_str(c, &jti, jwt->payload, "jti") < 0 || need_time(c, jwt->payload, "exp", 1) < 0 ||
        need_time(c, jwt->payload, "nbf", 0) < 0 || need_time(c, jwt->payload, "iat", 0) < 0)
        return -1;
    aud_count = m365id__jwt_audiences(aud, AUDIENCES_MAX, jwt->payload);
    if (aud_count == 0)
        return malformed(c, "the 'aud' claim is missing or not a string");

    /* iss and sub must both be the client id. */
    if (strcasecmp(iss, app->app_id) != 0 || strcasecmp(sub, app->app_id) != 0) {
        emu_aadsts_reply(c->reply, c->req, c->e, 700021, "invalid_client",
                         "Client assertion application identifier doesn't match 'client_id' "
                         "parameter. Review the documentation at %s.",
                         CERT_DOC_URL);
        return -1;
    }

    /* The audience is this tenant's token endpoint. */
    for (i = 0; i < aud_count && !ok; i++)
        ok = audience_ok(c, tenant, aud[i]);
    if (!ok) {
        m365id__quote(&q, aud[0]);
        emu_aadsts_reply(c->reply, c->req, c->e, 700023, "invalid_client",
                         "Client assertion audience claim does not match Realm issuer. The "
                         "audience '%s' is not '%s%s/%s/oauth2/v2.0/token'. Review the "
                         "documentation at %s.",
                         q.text, c->e->base_url, c->cloud->prefix, tenant->id, CERT_DOC_URL);
        return -1;
    }

    /* The registered key, and the signature. */
    if (find_key(&key, &not_before, &not_after, &leaf, c, app, jwt->header) < 0)
        goto out;
    if (strcmp(alg, "PS256") == 0)
        ok = m365id__rsa_verify_ps256(key, assertion, jwt->signing_input_len, jwt->sig,
                                      jwt->sig_len) == 0;
    else
        ok = m365id__jwt_verify_rs256(jwt, assertion, key) == 0;
    if (!ok) {
        invalid_signature(c, strcmp(alg, "PS256") == 0
                                 ? "The signature did not validate with the registered key "
                                   "(PS256: RSASSA-PSS, SHA-256, MGF1 SHA-256, 32-byte salt)."
                                 : "The signature did not validate with the registered key "
                                   "(RS256).");
        goto out;
    }
    if (now < not_before || now > not_after) {
        invalid_signature(c, now > not_after ? "The key used is expired."
                                             : "The key used is not yet valid.");
        goto out;
    }

    /* The assertion's own window. Entra sets no cap on its lifetime. */
    m365id__json_get_int(&exp, jwt->payload, "exp");
    if (m365id__json_get_int(&nbf, jwt->payload, "nbf") != M365ID__JSON_OK)
        nbf = exp;
    if (exp < now - skew || (json_object_get(jwt->payload, "nbf") != NULL && nbf > now + skew)) {
        char t_now[32];
        char t_from[32];
        char t_exp[32];

        m365id__format_rfc3339(t_now, sizeof(t_now), now);
        m365id__format_rfc3339(t_from, sizeof(t_from), nbf);
        m365id__format_rfc3339(t_exp, sizeof(t_exp), exp);
        emu_aadsts_reply(c->reply, c->req, c->e, 700024, "invalid_client",
                         "Client assertion is not within its valid time range. Current time: "
                         "%s, assertion valid from %s, expiry time of assertion %s.",
                         t_now, t_from, t_exp);
        goto out;
    }
    rc = 0;

out:
    m365id__x509_info_clear(&leaf);
    return rc;
}
