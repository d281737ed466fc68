/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The token endpoint: the client-credentials grant with a federated client assertion (the
 * device code grant is in device.c). The checks run in a fixed order, because the order
 * decides which AADSTS code a broken request gets; the order is documented in
 * docs/emulator.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aadsts.h"
#include "device.h"
#include "directory.h"
#include "emu.h"
#include "fic.h"
#include "m365id/error.h"
#include "m365id/log.h"
#include "oidc_fetch.h"
#include "sts.h"
#include "util/json.h"
#include "util/jwt.h"
#include "util/limits.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/strutil.h"
#include "util/timeutil.h"

#define ASSERTION_TYPE_JWT "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define AUDIENCES_MAX 16
#define EXTERNAL_LIFETIME_MAX_S 90000LL /* Entra's cap on federated tokens: 1 day 1 hour */
/* Projected service-account tokens are 1 to 2 KiB. The client never reads a token file
 * above M365ID_TOKEN_FILE_MAX, so a larger assertion cannot come from it.
 * NOTE: Entra's own size limit and its error code for it have not been observed. */
#define ASSERTION_MAX M365ID_TOKEN_FILE_MAX
#define FIC_DOC_URL "https://learn.microsoft.com/entra/workload-id/workload-identity-federation"

/* Hosts whose tokens are Entra's own and never valid as a federated assertion. */
static const char *const entra_issuer_hosts[] = {"login.microsoftonline.com",
                                                 "login.microsoft.com", "login.windows.net",
                                                 "sts.windows.net", NULL};


static int is_form_content_type(const char *ct)
{
    static const char form[] = "application/x-www-form-urlencoded";
    size_t n = sizeof(form) - 1;

    if (ct == NULL || strncasecmp(ct, form, n) != 0)
        return 0;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static void missing_param(struct sts_call *c, const char *name)
{
    emu_aadsts_reply(c->reply, c->req, c->e, 900144, "invalid_request",
                     "The request body must contain the following parameter: '%s'.", name);
}

/* Nonzero when @p iss names an Entra token issuer, the public ones or the emulator's own. */
static int is_entra_issuer(const struct emu *e, const char *iss)
{
    const char *host;
    const char *rest;
    size_t host_len;
    size_t i;
    size_t base_len = strlen(e->base_url);

    if (strncmp(iss, e->base_url, base_len) == 0 && iss[base_len] == '/') {
        rest = iss + base_len + 1;
        if (strncmp(rest, "clouds/", 7) == 0) {
            const char *slash = strchr(rest + 7, '/');

            rest = slash != NULL ? slash + 1 : "";
        }
        return strncmp(rest, "clusters/", 9) != 0 && strstr(rest, "/v2.0") != NULL;
    }
    if (strncasecmp(iss, "https://", 8) != 0)
        return 0;
    host = iss + 8;
    host_len = strcspn(host, "/:");
    for (i = 0; entra_issuer_hosts[i] != NULL; i++) {
        if (strlen(entra_issuer_hosts[i]) == host_len &&
            strncasecmp(host, entra_issuer_hosts[i], host_len) == 0)
            return 1;
    }
    return 0;
}

/* Join audiences for messages: "'a', 'b'". */
static void audiences_text(char *out, size_t size, const char *const *aud, size_t count)
{
    size_t used = 0;
    size_t i;

    out[0] = '\0';
    if (count == 0) {
        snprintf(out, size, "(none)");
        return;
    }
    for (i = 0; i < count && used < size; i++) {
        struct m365id__quoted q;
        int n;

        m365id__quote(&q, aud[i]);
        n = snprintf(out + used, size - used, "%s%s", i > 0 ? "', '" : "", q.text);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

/* Verify the assertion's signature with the key its kid names in @p jwks. */
static int verify_with_jwks(const struct m365id__jwt *jwt, const char *token, const json_t *jwks,
                            char *why, size_t why_size)
{
    const char *kid = NULL;
    json_t *keys = NULL;
    struct m365id__quoted q;
    size_t i;

    if (m365id__json_get_str(&kid, jwt->header, "kid") != M365ID__JSON_OK) {
        snprintf(why, why_size, "The assertion header has no 'kid', so no signing key applies.");
        return -1;
    }
    m365id__json_get_array(&keys, jwks, "keys");
    for (i = 0; keys != NULL && i < json_array_size(keys); i++) {
        const json_t *k = json_array_get(keys, i);
        const char *this_kid = NULL;
        const char *n = NULL;
        const char *ex = NULL;
        struct m365id__rsa_key *pub = NULL;
        int ok;

        if (m365id__json_get_str(&this_kid, k, "kid") != M365ID__JSON_OK ||
            strcmp(this_kid, kid) != 0)
            continue;
        if (m365id__json_get_str(&n, k, "n") != M365ID__JSON_OK ||
            m365id__json_get_str(&ex, k, "e") != M365ID__JSON_OK ||
            m365id__rsa_from_jwk(&pub, n, ex) < 0) {
            m365id__quote(&q, kid);
            snprintf(why, why_size,
                     "Client assertion failed signature validation: key '%s' of the issuer's "
                     "JWKS is not a usable RSA key.", q.text);
            return -1;
        }
        ok = m365id__jwt_verify_rs256(jwt, token, pub) == 0;
        m365id__rsa_free(pub);
        if (!ok) {
            m365id__quote(&q, kid);
            snprintf(why, why_size,
                     "Client assertion failed signature validation: the signature did not "
                     "validate with key '%s' of the issuer's JWKS.", q.text);
        }
        return ok ? 0 : -1;
    }
    m365id__quote(&q, kid);
    snprintf(why, why_size,
             "Client assertion failed signature validation: the issuer's JWKS has no key with "
             "kid '%s'.", q.text);
    return -1;
}

static void issue_token(struct sts_call *c, const struct emu_tenant *tenant,
                        const struct emu_app *app, const char *resource, const char *appidacr)
{
    struct emu *e = c->e;
    struct emu_token_subject subject = {tenant,     app->app_id,     app->display_name, app->sp_id,
                                        app->roles, app->role_count, appidacr,          NULL,
                                        NULL,       NULL};
    long long lifetime = e->scn->access_token_lifetime_s;
    char fp[M365ID_FINGERPRINT_SIZE];
    char *jwt = NULL;
    json_t *body = NULL;
    char *text = NULL;

    /* An application created through Graph has no service principal until one is created,
     * and Entra issues no app-only token without it.
     * NOTE: where Entra makes this check among the others has not been observed; the
     * emulator makes it last, once the credential is proven. */
    if (app->sp_id == NULL) {
        emu_aadsts_reply(c->reply, c->req, e, 7000229, "invalid_client",
                         "The client application %s is missing service principal in the "
                         "tenant %s. See instructions here: "
                         "https://go.microsoft.com/fwlink/?linkid=2225119",
                         app->app_id, tenant->id);
        return;
    }

    if (emu_access_token_sign(&jwt, NULL, e, &subject, resource, lifetime) < 0)
        goto fail;
    body = json_pack("{s:s,s:I,s:I,s:s}", "token_type", "Bearer", "expires_in",
                     (json_int_t)lifetime, "ext_expires_in", (json_int_t)lifetime,
                     "access_token", jwt);
    text = body != NULL ? m365id__json_dump(body) : NULL;
    if (text == NULL)
        goto fail;
    httpd_reply_take(c->reply, 200, "application/json; charset=utf-8", text, strlen(text));
    c->reply->body_is_secret = 1;
    text = NULL;
    m365id_fingerprint(fp, sizeof(fp), jwt, strlen(jwt));
    httpd_reply_outcome(c->reply, "issued %s", fp);
    emu_stats_add(&e->stats, EMU_STAT_TOKENS_ISSUED);
    goto out;

fail:
    emu_reply_plain_error(c->reply, 500, "internal_error", "could not sign the access token");

out:
    m365id__free_secret_str(jwt);
    json_decref(body); /* the serialised body held the token; jansson's copy goes here */
}

/* Steps 5: one resource, ending in "/.default", that is a Graph resource of this cloud. */
static int check_scope(struct sts_call *c, const char *scope, char *resource, size_t size)
{
    static const char suffix[] = "/.default";
    struct m365id__quoted q;
    size_t len = strlen(scope);

    m365id__quote(&q, scope);
    if (strchr(scope, ' ') != NULL) {
        emu_aadsts_reply(c->reply, c->req, c->e, 70011, "invalid_scope",
                         "The provided request must include a 'scope' input parameter. The "
                         "provided value for the input parameter 'scope' is not valid. The scope "
                         "'%s' names more than one resource; request exactly one "
                         "'{resource}/.default'.", q.text);
        return -1;
    }
    if (!m365id__ends_with(scope, suffix)) {
        if (strstr(scope, "://") == NULL) {
            emu_aadsts_reply(c->reply, c->req, c->e, 1002012, "invalid_scope",
                             "The provided value for scope %s is not valid. Client credential "
                             "flows must have a scope value with /.default suffixed to the "
                             "resource identifier (application ID URI).", q.text);
        } else {
            emu_aadsts_reply(c->reply, c->req, c->e, 70011, "invalid_scope",
                             "The provided value for the input parameter 'scope' is not valid. "
                             "The scope %s is not valid. Client credential flows must have a "
                             "scope value with /.default suffixed to the resource identifier.",
                             q.text);
        }
        return -1;
    }
    len -= sizeof(suffix) - 1;
    if (len == 0 || len >= size) {
        emu_aadsts_reply(c->reply, c->req, c->e, 70011, "invalid_scope",
                         "The provided value for the input parameter 'scope' is not valid. The "
                         "scope %s is not valid.", q.text);
        return -1;
    }
    memcpy(resource, scope, len);
    resource[len] = '\0';
    if (!emu_cloud_accepts_graph_resource(c->cloud, c->e->base_url, resource)) {
        struct m365id__quoted qr;

        m365id__quote(&qr, resource);
        emu_aadsts_reply(c->reply, c->req, c->e, 500011, "invalid_resource",
                         "The resource principal named %s was not found in the tenant. This can "
                         "happen if the application has not been installed by the administrator "
                         "of the tenant or consented to by any user in the tenant, or if the "
                         "resource belongs to another cloud (this authority serves cloud '%s').",
                         qr.text, c->cloud->name);
        return -1;
    }
    return 0;
}

static int malformed_claim(struct sts_call *c, const char *claim, const char *problem)
{
    emu_aadsts_reply(c->reply, c->req, c->e, 50027, "invalid_request",
                     "JWT token is invalid or malformed: the '%s' claim %s.", claim, problem);
    return -1;
}

/* A string claim the later steps compare: missing or another JSON type is a malformed JWT. */
static int require_str_claim(struct sts_call *c, const char **out, const json_t *payload,
                             const char *claim)
{
    int r = m365id__json_get_str(out, payload, claim);

    if (r == M365ID__JSON_ABSENT)
        return malformed_claim(c, claim, "is missing");
    if (r == M365ID__JSON_BADTYPE)
        return malformed_claim(c, claim, "is not a string");
    return 0;
}

/* Check a NumericDate claim, a JSON integer of Unix seconds. It may be absent unless
 * @p required is nonzero. */
static int check_time_claim(struct sts_call *c, const json_t *payload, const char *claim,
                            int required)
{
    long long v = 0;
    int r = m365id__json_get_int(&v, payload, claim);

    if (r == M365ID__JSON_ABSENT && required)
        return malformed_claim(c, claim, "is missing");
    if (r == M365ID__JSON_BADTYPE)
        return malformed_claim(c, claim, "is not a whole number of seconds");
    return 0;
}

/*
 * Step 7, claims: the ones the later steps read must be present with the right type, so that
 * a missing or mistyped claim is reported as such and never compared as "(null)".
 */
static int check_claims(struct sts_call *c, const json_t *payload, const char **iss,
                        const char **sub)
{
    const json_t *aud = json_object_get(payload, "aud");
    size_t i;

    if (require_str_claim(c, iss, payload, "iss") < 0 ||
        require_str_claim(c, sub, payload, "sub") < 0)
        return -1;
    if (aud == NULL || json_is_null(aud))
        return malformed_claim(c, "aud", "is missing");
    if (!json_is_string(aud)) {
        int ok = json_is_array(aud) && json_array_size(aud) > 0;

        for (i = 0; ok && i < json_array_size(aud); i++)
            ok = json_is_string(json_array_get(aud, i));
        if (!ok)
            return malformed_claim(c, "aud", "is not a string or a non-empty array of strings");
    }
    if (check_time_claim(c, payload, "exp", 1) < 0 || check_time_claim(c, payload, "nbf", 0) < 0 ||
        check_time_claim(c, payload, "iat", 0) < 0)
        return -1;
    return 0;
}

/* Log each federated credential of @p app and why it does or does not match (debug only). */
static void log_fic_candidates(struct sts_call *c, const struct emu_app *app, const char *iss,
                               const char *sub, const char *const *aud, size_t aud_count)
{
    const struct m365id__logger *lg = &c->e->logger;
    size_t i;

    if (!m365id__log_enabled(lg, M365ID_LOG_DEBUG))
        return;
    if (app->fic_count == 0) {
        mlog_debug(lg, "sts", "%s application %s has no federated credentials",
                   c->req->request_id, app->app_id);
        return;
    }
    for (i = 0; i < app->fic_count; i++) {
        const struct emu_fic *f = &app->fics[i];
        const char *why = emu_fic_mismatch(f, iss, sub, aud, aud_count);
        struct m365id__quoted qi;
        struct m365id__quoted qs;
        struct m365id__quoted qa;

        m365id__quote(&qi, f->issuer);
        m365id__quote(&qs, f->subject);
        m365id__quote(&qa, f->audience);
        mlog_debug(lg, "sts",
                   "%s federated credential '%s' of application %s (issuer '%s', subject '%s', "
                   "audience '%s'): %s", c->req->request_id, f->name, app->app_id, qi.text,
                   qs.text, qa.text, why != NULL ? why : "matches");
    }
}

/* Log the assertion's fingerprint and non-secret claims (debug only). */
static void log_assertion(struct sts_call *c, const struct m365id__jwt *jwt, const char *token,
                          const char *iss, const char *sub, const char *const *aud,
                          size_t aud_count)
{
    const struct m365id__logger *lg = &c->e->logger;
    char fp[M365ID_FINGERPRINT_SIZE];
    char auds[600];
    const char *kid = NULL;
    long long exp = 0;
    struct m365id__quoted qi;
    struct m365id__quoted qs;
    struct m365id__quoted qk;

    if (!m365id__log_enabled(lg, M365ID_LOG_DEBUG))
        return;
    m365id_fingerprint(fp, sizeof(fp), token, strlen(token));
    m365id__json_get_str(&kid, jwt->header, "kid");
    m365id__json_get_int(&exp, jwt->payload, "exp");
    m365id__quote(&qi, iss);
    m365id__quote(&qs, sub);
    m365id__quote(&qk, kid != NULL ? kid : "(none)");
    audiences_text(auds, sizeof(auds), aud, aud_count);
    mlog_debug(lg, "sts", "%s assertion %s (%zu bytes): iss '%s', sub '%s', aud '%s', kid '%s', "
               "exp %lld", c->req->request_id, fp, strlen(token), qi.text, qs.text, auds,
               qk.text, exp);
}

/* Step 10: the FIC match and its error texts, which name the presented values. */
static int check_fic(struct sts_call *c, const struct emu_app *app, const char *iss,
                     const char *sub, const char *const *aud, size_t aud_count)
{
    const struct emu_fic *fic = NULL;
    struct m365id__quoted qi;
    struct m365id__quoted qs;
    char auds[600];
    int code;

    log_fic_candidates(c, app, iss, sub, aud, aud_count);
    code = emu_fic_match(&fic, app, iss, sub, aud, aud_count, c->e->scn->legacy_fic_errors);
    if (code == 0)
        return 0;
    m365id__quote(&qi, iss);
    m365id__quote(&qs, sub);
    audiences_text(auds, sizeof(auds), aud, aud_count);
    switch (code) {
    case 70025:
        emu_aadsts_reply(c->reply, c->req, c->e, 70025, "invalid_client",
                         "The client '%s'(%s) has no configured federated identity credentials.",
                         app->app_id, app->display_name);
        break;
    case 700211:
        emu_aadsts_reply(c->reply, c->req, c->e, 700211, "invalid_client",
                         "No matching federated identity record found for presented assertion "
                         "issuer '%s'. Please check your federated identity credential Subject, "
                         "Audience and Issuer against the presented assertion. %s", qi.text,
                         FIC_DOC_URL);
        break;
    case 7002138:
        emu_aadsts_reply(c->reply, c->req, c->e, 7002138, "invalid_client",
                         "No matching federated identity record found for presented assertion "
                         "subject '%s'. A federated identity record matches this subject only "
                         "if case is ignored; subject matching is case-sensitive. %s", qs.text,
                         FIC_DOC_URL);
        break;
    case 700213:
        emu_aadsts_reply(c->reply, c->req, c->e, 700213, "invalid_client",
                         "No matching federated identity record found for presented assertion "
                         "subject '%s'. Please check your federated identity credential Subject, "
                         "Audience and Issuer against the presented assertion. %s", qs.text,
                         FIC_DOC_URL);
        break;
    case 700212:
        emu_aadsts_reply(c->reply, c->req, c->e, 700212, "invalid_client",
                         "No matching federated identity record found for presented assertion "
                         "audience '%s'. Please check your federated identity credential "
                         "Subject, Audience and Issuer against the presented assertion. %s",
                         auds, FIC_DOC_URL);
        break;
    default:
        emu_aadsts_reply(c->reply, c->req, c->e, 70021, "invalid_request",
                         "No matching federated identity record found for presented assertion. "
                         "Assertion Issuer: '%s'. Assertion Subject: '%s'. Assertion Audience: "
                         "'%s'. %s", qi.text, qs.text, auds, FIC_DOC_URL);
        break;
    }
    return -1;
}

/* Step 12: the validity window, with the clock skew allowed by the scenario. */
static int check_times(struct sts_call *c, const json_t *claims)
{
    long long now = m365id__now_s();
    long long skew = c->e->scn->clock_skew_s;
    long long exp = 0;
    long long nbf = 0;
    long long start;
    int has_nbf = m365id__json_get_int(&nbf, claims, "nbf") == M365ID__JSON_OK;
    long long iat = 0;
    int has_iat = m365id__json_get_int(&iat, claims, "iat") == M365ID__JSON_OK;
    char t_now[32];
    char t_from[32];
    char t_exp[32];

    m365id__json_get_int(&exp, claims, "exp"); /* presence checked with the JWT shape */
    start = has_nbf ? nbf : (has_iat ? iat : exp);
    /* An iat beyond the skew is rejected too, even when nbf is now: a token issued in the
     * future comes from a wrong clock or a forger. */
    if (has_iat && iat > now + skew && !(has_nbf && nbf > iat))
        start = iat;
    if (exp < now - skew || (has_nbf && nbf > now + skew) || (has_iat && iat > now + skew)) {
        m365id__format_rfc3339(t_now, sizeof(t_now), now);
        m365id__format_rfc3339(t_from, sizeof(t_from), start);
        m365id__format_rfc3339(t_exp, sizeof(t_exp), exp);
        emu_aadsts_reply(c->reply, c->req, c->e, 700024, "invalid_client",
                         "Client assertion is not within its valid time range. Current time: "
                         "%s, assertion valid from %s, expiry time of assertion %s.",
                         t_now, t_from, t_exp);
        return -1;
    }
    if ((has_nbf || has_iat) && exp - start > EXTERNAL_LIFETIME_MAX_S) {
        emu_aadsts_reply(c->reply, c->req, c->e, 70023, "invalid_client",
                         "The external token lifetime of %lld seconds exceeds the allowed "
                         "maximum of 1.01:00:00 (%lld seconds).", exp - start,
                         EXTERNAL_LIFETIME_MAX_S);
        return -1;
    }
    return 0;
}

/*
 * Step 7, before parsing: the size and the alphabet. JWS compact serialization (RFC 7515
 * section 7.1) is three base64url parts without padding (RFC 7515 section 2), and Entra reads
 * a token with '=', '+' or '/' as malformed, while the shared decoder accepts padding.
 */
static int check_assertion_text(struct sts_call *c, const char *assertion)
{
    size_t len = strlen(assertion);
    size_t bad = strspn(assertion, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789-_.");

    if (len > ASSERTION_MAX) {
        emu_aadsts_reply(c->reply, c->req, c->e, 50027, "invalid_request",
                         "JWT token is invalid or malformed: the assertion of %zu bytes is "
                         "larger than %u bytes.", len, ASSERTION_MAX);
        return -1;
    }
    if (bad < len && (unsigned char)assertion[bad] > 0x20 && assertion[bad] != 0x7f) {
        emu_aadsts_reply(c->reply, c->req, c->e, 50027, "invalid_request",
                         "JWT token is invalid or malformed: byte %zu of the assertion is not "
                         "a base64url character (padding '=', '+' and '/' are not allowed).",
                         bad);
        return -1;
    }
    return 0;
}

/* Credentials of an "Authorization: Basic" header (client_secret_basic, RFC 6749 section
 * 2.3.1): base64 of the form-encoded client id, ':' and the form-encoded secret. */
struct basic_credentials {
    char *decoded; /* malloc'd secret, wiped on clear */
    size_t decoded_len;
    const char *client_id; /* points into decoded */
    const char *secret;    /* points into decoded */
};

static void basic_clear(struct basic_credentials *b)
{
    if (b->decoded != NULL) {
        m365id__wipe(b->decoded, b->decoded_len);
        free(b->decoded);
    }
    memset(b, 0, sizeof(*b));
}

/*
 * Read client_secret_basic credentials, if the request has a Basic Authorization header.
 * @return 0 (b->client_id NULL without the header), or -1 with a 900144 reply for a header
 *         that cannot be read
 */
static int read_basic(struct sts_call *c, struct basic_credentials *b)
{
    const char *auth = httpd_header(c->req, "Authorization");
    char *b64 = NULL;
    char *colon;
    size_t n;
    size_t i;
    int bad = 0;

    memset(b, 0, sizeof(*b));
    if (auth == NULL || strncasecmp(auth, "Basic ", 6) != 0)
        return 0;
    auth += 6;
    while (*auth == ' ')
        auth++;
    n = strlen(auth);
    b64 = malloc(n + 1);
    if (b64 == NULL)
        bad = 1;
    for (i = 0; !bad && i < n; i++) {
        b64[i] = auth[i];
        if (b64[i] == '+')
            b64[i] = '-';
        else if (b64[i] == '/')
            b64[i] = '_';
    }
    while (!bad && n > 0 && b64[n - 1] == '=')
        n--;
    if (!bad) {
        b64[n] = '\0';
        bad = m365id__b64url_decode((unsigned char **)&b->decoded, &b->decoded_len, b64, n) < 0;
    }
    m365id__free_secret_str(b64);
    if (!bad) {
        colon = memchr(b->decoded, ':', b->decoded_len);
        bad = colon == NULL || strlen(b->decoded) != b->decoded_len;
        if (!bad) {
            *colon = '\0';
            /* A decoded NUL would cut the id or secret short, so it is malformed. */
            bad = httpd_form_decode(b->decoded) != strlen(b->decoded) ||
                  httpd_form_decode(colon + 1) != strlen(colon + 1) || b->decoded[0] == '\0';
            b->client_id = b->decoded;
            b->secret = colon + 1;
        }
    }
    if (bad) {
        basic_clear(b);
        emu_aadsts_reply(c->reply, c->req, c->e, 900144, "invalid_request",
                         "The request body must contain the following parameter: 'client_id'. "
                         "The Basic Authorization header sent is malformed: it must be the "
                         "base64 of the form-encoded client id, ':' and the form-encoded "
                         "client secret.");
        return -1;
    }
    return 0;
}

/* Step 6 with a secret: compare with every secret of @p app in constant time. */
static int check_secret(struct sts_call *c, const struct emu_app *app, const char *secret)
{
    size_t len = strlen(secret);
    const struct emu_secret *match = NULL;
    size_t i;

    for (i = 0; i < app->secret_count; i++) {
        const struct emu_secret *s = &app->secrets[i];

        /* Every secret is compared, so the time taken does not tell which one matched. */
        if (s->value_len == len && m365id__memcmp_const(s->value, secret, len) == 0)
            match = s;
    }
    if (match == NULL) {
        emu_aadsts_reply(c->reply, c->req, c->e, 7000215, "invalid_client",
                         "Invalid client secret provided. Ensure the secret being sent in the "
                         "request is the client secret value, not the client secret ID, for a "
                         "secret added to app '%s'.",
                         app->app_id);
        return -1;
    }
    if (match->expires != 0 && match->expires <= m365id__now_s()) {
        emu_aadsts_reply(c->reply, c->req, c->e, 7000222, "invalid_client",
                         "The provided client secret keys for app '%s' are expired. Visit the "
                         "Azure portal to create new keys for your app: "
                         "https://aka.ms/NewClientSecret, or consider using certificate "
                         "credentials for added security: https://aka.ms/certCreds.",
                         app->app_id);
        return -1;
    }
    mlog_debug(&c->e->logger, "sts", "%s client secret %s of application %s matches",
               c->req->request_id, match->id, app->app_id);
    return 0;
}

/* Nonzero when the assertion names the application itself as iss or sub: a certificate
 * assertion (private_key_jwt) rather than a federated one. */
static int is_self_signed(const struct m365id__jwt *jwt, const struct emu_app *app)
{
    const char *iss = NULL;
    const char *sub = NULL;

    m365id__json_get_str(&iss, jwt->payload, "iss");
    m365id__json_get_str(&sub, jwt->payload, "sub");
    return (iss != NULL && strcasecmp(iss, app->app_id) == 0) ||
           (sub != NULL && strcasecmp(sub, app->app_id) == 0);
}

void emu_sts_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                    const struct emu_cloud *cloud, const char *tenant_key)
{
    struct sts_call call = {reply, req, e, cloud, tenant_key};
    struct sts_call *c = &call;
    struct basic_credentials basic;
    struct httpd_form form = HTTPD_FORM_INIT;
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    enum m365id__jwt_fault fault = M365ID__JWT_OK;
    const struct httpd_form_field *nul_field;
    const struct emu_tenant *tenant;
    struct emu_app_snapshot snapshot = EMU_APP_SNAPSHOT_INIT;
    const struct emu_app *app;
    const char *grant_type;
    const char *client_id;
    const char *scope;
    const char *assertion;
    const char *assertion_type;
    const char *secret;
    const char *alg = NULL;
    const char *iss = NULL;
    const char *sub = NULL;
    const char *aud[AUDIENCES_MAX];
    size_t aud_count;
    long long exp = 0;
    char resource[256];
    char why[1024];
    json_t *jwks = NULL;
    struct m365id__quoted q;

    memset(&basic, 0, sizeof(basic));
    if (strcmp(req->method, "POST") != 0) {
        emu_aadsts_reply(reply, req, e, 900561, "invalid_request",
                         "The endpoint only accepts POST requests. Received a %s request.",
                         strcmp(req->method, "GET") == 0 ? "GET" : "non-POST");
        goto out;
    }

    /* 1. The body must be a plain form: a compressed body reads as missing parameters. */
    if (httpd_header(req, "Content-Encoding") != NULL ||
        !is_form_content_type(httpd_header(req, "Content-Type")) ||
        httpd_form_parse(&form, req->body, req->body_len) < 0) {
        missing_param(c, "grant_type");
        goto out;
    }
    /* A parameter with an encoded NUL (%00) would read as a shorter C string: "client_id=
     * <app>%00x" would match <app>. It is malformed, and never used cut short. */
    nul_field = httpd_form_find_nul(&form);
    if (nul_field != NULL) {
        m365id__quote_len(&q, nul_field->name, nul_field->name_len);
        emu_aadsts_reply(reply, req, e, 900144, "invalid_request",
                         "The request body must contain the following parameter: '%s'. The "
                         "parameter sent is malformed: its name or value contains an encoded "
                         "NUL byte (%%00).", q.text);
        goto out;
    }

    if (read_basic(c, &basic) < 0)
        goto out;

    /* 2. The tenant, looked up in this cloud only. */
    m365id__quote(&q, tenant_key);
    if (!m365id__is_guid(tenant_key) && !m365id__is_domain(tenant_key)) {
        emu_aadsts_reply(reply, req, e, 900023, "invalid_request",
                         "Specified tenant identifier '%s' is neither a valid DNS name, nor a "
                         "valid external domain.", q.text);
        goto out;
    }
    tenant = emu_scenario_tenant(e->scn, cloud, tenant_key);
    if (tenant == NULL) {
        emu_aadsts_reply(reply, req, e, 90002, "invalid_tenant",
                         "Tenant '%s' not found. Check to make sure you have the correct tenant "
                         "ID and are signing into the correct cloud (this authority serves "
                         "cloud '%s'). Check with your subscription administrator, this may "
                         "happen if there are no active subscriptions for the tenant.", q.text,
                         cloud->name);
        goto out;
    }

    /* 3. grant_type */
    grant_type = httpd_form_get(&form, "grant_type");
    if (grant_type == NULL || grant_type[0] == '\0') {
        missing_param(c, "grant_type");
        goto out;
    }
    if (strcmp(grant_type, "client_credentials") != 0 &&
        strcmp(grant_type, EMU_DEVICE_CODE_GRANT) != 0) {
        m365id__quote(&q, grant_type);
        emu_aadsts_reply(reply, req, e, 70003, "unsupported_grant_type",
                         "The app requested an unsupported grant type '%s'. This endpoint "
                         "supports client_credentials and " EMU_DEVICE_CODE_GRANT ".", q.text);
        goto out;
    }

    /* 4. client_id, from the form or the Basic header; both must then agree. */
    client_id = httpd_form_get(&form, "client_id");
    if (basic.client_id != NULL && client_id != NULL && strcmp(basic.client_id, client_id) != 0) {
        struct m365id__quoted qb;

        m365id__quote(&q, client_id);
        m365id__quote(&qb, basic.client_id);
        /* NOTE: the code is the emulator's choice; Entra's reply has not been observed. */
        emu_aadsts_reply(reply, req, e, 900144, "invalid_request",
                         "The request body must contain the following parameter: 'client_id'. "
                         "The client_id parameter '%s' differs from the client id '%s' of the "
                         "Basic Authorization header.",
                         q.text, qb.text);
        goto out;
    }
    if (client_id == NULL)
        client_id = basic.client_id;
    if (client_id == NULL || client_id[0] == '\0') {
        missing_param(c, "client_id");
        goto out;
    }
    /* The application, its federated credentials and its roles as the directory stores them
     * now, so changes made through Graph apply to the next request. */
    if (emu_directory_app_snapshot(&snapshot, e->directory, tenant, client_id) == M365ID_ENOMEM) {
        emu_reply_plain_error(reply, 500, "internal_error", "out of memory");
        goto out;
    }
    app = snapshot.app.app_id != NULL ? &snapshot.app : NULL;
    if (app == NULL) {
        m365id__quote(&q, client_id);
        emu_aadsts_reply(reply, req, e, 700016, "unauthorized_client",
                         "Application with identifier '%s' was not found in the directory "
                         "'%s'. This can happen if the application has not been installed by "
                         "the administrator of the tenant or consented to by any user in the "
                         "tenant. You may have sent your authentication request to the wrong "
                         "tenant.", q.text, tenant->display_name);
        goto out;
    }

    /* The device code grant carries no scope: the device code names what was requested. */
    if (strcmp(grant_type, EMU_DEVICE_CODE_GRANT) == 0) {
        /* Device codes are keyed to the scenario application, and public-client settings
         * exist only there. */
        emu_device_token(c, tenant, snapshot.scenario_app != NULL ? snapshot.scenario_app : app,
                         &form);
        goto out;
    }

    /* 5. scope */
    scope = httpd_form_get(&form, "scope");
    if (scope == NULL || scope[0] == '\0') {
        missing_param(c, "scope");
        goto out;
    }
    if (check_scope(c, scope, resource, sizeof(resource)) < 0)
        goto out;

    /* 6. The credential: exactly one of a client secret (form or Basic header) and an
     * assertion. RFC 6749 section 2.3 allows one client authentication method per request. */
    assertion = httpd_form_get(&form, "client_assertion");
    secret = httpd_form_get(&form, "client_secret");
    if ((secret != NULL && basic.secret != NULL) ||
        ((secret != NULL || basic.secret != NULL) && assertion != NULL && assertion[0] != '\0')) {
        /* NOTE: the code is the emulator's choice; Entra's reply has not been observed. */
        emu_aadsts_reply(reply, req, e, 900144, "invalid_request",
                         "The request body must contain the following parameter: "
                         "'client_assertion' or 'client_secret'. The request presents more "
                         "than one client credential (%s); send exactly one.",
                         secret != NULL && basic.secret != NULL
                             ? "client_secret and a Basic Authorization header"
                             : "a client_assertion and a client secret");
        goto out;
    }
    if (secret == NULL)
        secret = basic.secret;
    if (secret != NULL) {
        if (check_secret(c, app, secret) == 0)
            issue_token(c, tenant, app, resource, "1");
        goto out;
    }
    if (assertion == NULL || assertion[0] == '\0') {
        emu_aadsts_reply(reply, req, e, 7000216, "invalid_client",
                         "'client_assertion', 'client_secret' or 'request' is required for "
                         "the 'client_credentials' grant type.");
        goto out;
    }
    assertion_type = httpd_form_get(&form, "client_assertion_type");
    if (assertion_type == NULL || strcmp(assertion_type, ASSERTION_TYPE_JWT) != 0) {
        missing_param(c, "client_assertion_type");
        goto out;
    }

    /* 7. The assertion must be a compact JWT of bounded size. */
    if (check_assertion_text(c, assertion) < 0)
        goto out;
    if (m365id__jwt_parse(&jwt, assertion, strlen(assertion), &fault) < 0) {
        emu_aadsts_reply(reply, req, e, 50027, "invalid_request",
                         "JWT token is invalid or malformed: %s (assertion of %zu bytes).",
                         m365id__jwt_fault_text(fault), strlen(assertion));
        goto out;
    }
    if (m365id__json_get_int(&exp, jwt.payload, "exp") == M365ID__JSON_OK &&
        exp < m365id__now_s())
        emu_stats_add(&e->stats, EMU_STAT_EXPIRED_ASSERTIONS);

    /* An assertion the application signed itself takes the certificate path (sts_cert.c). */
    if (is_self_signed(&jwt, app)) {
        if (emu_sts_check_certificate(c, tenant, app, &jwt, assertion) == 0)
            issue_token(c, tenant, app, resource, "2");
        goto out;
    }

    /* A federated assertion must be RS256, as Entra requires of external issuers. */
    if (m365id__json_get_str(&alg, jwt.header, "alg") != M365ID__JSON_OK ||
        strcmp(alg, "RS256") != 0) {
        m365id__quote(&q, alg != NULL ? alg : "(missing)");
        emu_aadsts_reply(reply, req, e, 50027, "invalid_request",
                         "JWT token is invalid or malformed: signing algorithm '%s' is not "
                         "supported; only RS256 is supported.", q.text);
        goto out;
    }
    if (check_claims(c, jwt.payload, &iss, &sub) < 0)
        goto out;
    aud_count = m365id__jwt_audiences(aud, AUDIENCES_MAX, jwt.payload);
    log_assertion(c, &jwt, assertion, iss, sub, aud, aud_count);

    /* 8. Entra's own tokens are never valid assertions. */
    if (is_entra_issuer(e, iss)) {
        m365id__quote(&q, iss);
        emu_aadsts_reply(reply, req, e, 700222, "invalid_client",
                         "The assertion was issued by Entra ID ('%s'). Federated identity "
                         "credentials accept tokens from external identity providers only.",
                         q.text);
        goto out;
    }

    /* 9 and 10. Federated credentials. */
    if (check_fic(c, app, iss, sub, aud, aud_count) < 0)
        goto out;

    /* 11. The issuer's documents and the signature. */
    if (emu_oidc_fetch_jwks(&jwks, e, iss, why, sizeof(why)) < 0) {
        emu_aadsts_reply(reply, req, e, 90061, "invalid_request",
                         "Request to External OIDC endpoint failed: %s", why);
        goto out;
    }
    if (verify_with_jwks(&jwt, assertion, jwks, why, sizeof(why)) < 0) {
        emu_aadsts_reply(reply, req, e, 700027, "invalid_client", "%s", why);
        goto out;
    }

    /* 12. Validity window and lifetime. */
    if (check_times(c, jwt.payload) < 0)
        goto out;

    /* 13. Success. */
    issue_token(c, tenant, app, resource, "2");

out:
    json_decref(jwks);
    m365id__jwt_clear(&jwt);
    httpd_form_clear(&form);
    basic_clear(&basic);
    emu_app_snapshot_clear(&snapshot);
}
