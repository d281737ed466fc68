/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The AADSTS catalogue and the hints built from it. Codes are used only to explain a failure
 * and to pick the few retryable ones (exchange.c); the raw Entra ID text is always shown too.
 */
#include "lib/sts/aadsts.h"

#include <string.h>

#include "m365id/error.h"
#include "util/quote.h"

/* Codes that mean "Entra ID could not fetch the issuer's discovery document or JWKS". */
#define OIDC_FETCH_CAUSE                                                                        \
    "Entra ID could not fetch the issuer's discovery document or its JWKS"
#define OIDC_FETCH_FIX                                                                          \
    "serve {issuer}/.well-known/openid-configuration and its jwks_uri publicly over https "    \
    "(reachable from the pod does not mean reachable from Entra ID)"

static const struct m365id__aadsts_entry catalogue[] = {
    {70021, "invalid_request",
     "no federated identity credential matches the assertion's issuer, subject and audience; "
     "a credential created in the last few minutes may also not have propagated yet",
     "compare the token's iss, sub and aud with the federated credential byte for byte (a "
     "trailing '/' on the issuer is the usual difference), and retry later if the credential "
     "is new"},
    {700211, "invalid_client",
     "no federated identity credential of the application has the assertion's issuer",
     "set the federated credential's issuer to the token's iss"},
    {700212, "invalid_client",
     "no federated identity credential of the application has the assertion's audience",
     "project the token with the audience that the federated credential lists, or change the "
     "credential's audience"},
    {700213, "invalid_client",
     "no federated identity credential of the application has the assertion's subject",
     "set the federated credential's subject to system:serviceaccount:<namespace>:<name> of "
     "the pod's service account, or run the pod under the service account the credential "
     "names"},
    {7002138, "invalid_client",
     "a federated credential's subject matches the assertion's subject only when case is "
     "ignored, and Entra ID compares subjects case-sensitively",
     "correct the case of the federated credential's subject (Kubernetes names are lower "
     "case)"},
    {7002137, "invalid_client",
     "Entra ID reports a federation failure whose exact meaning is not documented",
     "check the federated credential's issuer, subject and audience against the token, and "
     "read the error description"},
    {70025, "invalid_client", "the application has no federated identity credentials",
     "add a federated credential for the cluster's issuer and the pod's service account to "
     "the application"},
    {700222, "invalid_client",
     "the assertion was issued by Entra ID itself, not by the cluster's issuer",
     "point the federated token file at the cluster's projected service-account token, not "
     "at an Entra ID token"},
    {700223, NULL, "a tenant policy disables or restricts workload identity federation",
     "ask a tenant administrator to allow federation for this application"},
    {700238, NULL, "a tenant policy does not allow this issuer for this kind of identity",
     "ask a tenant administrator to allow the cluster's issuer"},
    {700024, "invalid_client",
     "the assertion is outside its validity window: it has expired, or its nbf lies in the "
     "future because clocks differ",
     "make sure the kubelet rotates the token file (a projected service-account token volume) "
     "and synchronise this host's clock"},
    {70023, "invalid_client",
     "the assertion lives longer than Entra ID accepts (1 day and 1 hour)",
     "project the token with expirationSeconds of at most 86400 instead of using a legacy "
     "service-account token"},
    {700027, "invalid_client",
     "the assertion's signature did not validate: the issuer's JWKS has no key with the "
     "token's key id, or the token was signed with another key",
     "republish the cluster's public keys at the issuer's jwks_uri, for example after a key "
     "rotation"},
    {90061, "invalid_request", OIDC_FETCH_CAUSE, OIDC_FETCH_FIX},
    {50166, "invalid_request", OIDC_FETCH_CAUSE, OIDC_FETCH_FIX},
    {501661, "invalid_request", OIDC_FETCH_CAUSE, OIDC_FETCH_FIX},
    {50027, "invalid_request", "the assertion is not a valid JWT",
     "check that the federated token file holds exactly one JWT"},
    {7000216, "invalid_client", "the request carried no client assertion",
     "check that the federated token file is not empty"},
    {700016, "unauthorized_client",
     "no application with this client id exists in the tenant of this cloud",
     "check client_id (AZURE_CLIENT_ID), tenant_id (AZURE_TENANT_ID) and cloud: an "
     "application registered in another tenant or cloud is not found here"},
    {7000218, "invalid_client",
     "the application does not allow public client flows, so a device code sign-in needs a "
     "client credential that m365id does not send",
     "enable 'Allow public client flows' on the app registration (Authentication page in the "
     "Entra admin center, or isFallbackPublicClient in the manifest)"},
    {7000215, "invalid_client", "the client secret is invalid",
     "use the secret's value, not its id"},
    {7000222, "invalid_client", "the client secret has expired",
     "create a new client secret for the application"},
    {90002, "invalid_tenant",
     "the tenant was not found: the id is wrong, or the tenant lives in another cloud",
     "check tenant_id (AZURE_TENANT_ID) and the cloud or authority_host"},
    {900023, "invalid_request", "the tenant value is neither a GUID nor a valid domain name",
     "set tenant_id to the directory (tenant) id, a GUID"},
    {50049, NULL, "the authority host is unknown or invalid",
     "set cloud, or authority_host (M365_AUTHORITY_HOST), to the Entra ID host of your "
     "cloud"},
    {500011, "invalid_resource",
     "the resource in the scope is not known in the tenant: a wrong resource, or another "
     "cloud's Graph",
     "request the Graph resource of the tenant's cloud"},
    {65001, NULL, "consent for the requested permissions is missing",
     "grant admin consent for the application permissions"},
    {7000112, "unauthorized_client", "the application or its service principal is disabled",
     "enable the application's service principal in the tenant again"},
    {70011, "invalid_scope", "the scope is invalid",
     "request exactly one resource ending in '/.default'"},
    {700022, "invalid_scope", "the scope names more than one resource",
     "request exactly one resource ending in '/.default'"},
    {1002012, "invalid_scope",
     "the scope is a delegated permission name, which an app-only grant cannot request",
     "request the Graph resource with '/.default' and grant application permissions ahead "
     "of time"},
    {50196, NULL, "Entra ID detected a loop of identical token requests",
     "cache tokens: share one m365id context or cache instead of requesting a token per "
     "call"},
    {900382, NULL, "a confidential client is not supported in a cross-cloud request",
     "keep the application, the tenant, the authority host and the Graph endpoint in one "
     "cloud"},
    {900144, "invalid_request",
     "a required body parameter is missing, as happens when something compresses or "
     "rewrites the request body",
     "make sure no proxy compresses or rewrites the token request"},
    {70003, "unsupported_grant_type", "Entra ID does not accept the grant type",
     "make sure no proxy rewrites the token request: m365id sends the client_credentials "
     "grant"},
    {0, NULL, NULL, NULL},
};

const struct m365id__aadsts_entry *m365id__aadsts_find(long long code)
{
    for (size_t i = 0; catalogue[i].code != 0; i++) {
        if (catalogue[i].code == code)
            return &catalogue[i];
    }
    return NULL;
}

const struct m365id__aadsts_entry *m365id__aadsts_all(void)
{
    return catalogue;
}

/* Maximum claim length shown whole: Entra ID's limit for a federated credential's issuer. */
#define CLAIM_SHOWN_MAX 600u

int m365id__put_quoted_long(struct m365id__buf *out, const char *s, size_t len, size_t max)
{
    struct m365id__quoted q;
    size_t shown = len > max ? max : len;
    int rc = 0;

    /* m365id__quote_len() adds "..." only to input longer than M365ID_QUOTE_MAX. */
    for (size_t off = 0; off < shown && rc == 0; off += M365ID_QUOTE_MAX) {
        size_t n = shown - off < M365ID_QUOTE_MAX ? shown - off : M365ID_QUOTE_MAX;

        m365id__quote_len(&q, s + off, n);
        rc = m365id__buf_puts(out, q.text);
    }
    if (rc == 0 && len > max)
        rc = m365id__buf_puts(out, "...");
    return rc;
}

/* Append "'a', 'b'" for the assertion's audiences, or "none". */
static void put_audiences(struct m365id__buf *out, const struct m365id__aadsts_facts *f)
{
    struct m365id__quoted q;

    if (f->aud_count == 0)
        m365id__buf_puts(out, "none");
    for (size_t i = 0; i < f->aud_count; i++) {
        m365id__quote(&q, f->aud[i]);
        m365id__buf_printf(out, "%s'%s'", i > 0 ? ", " : "", q.text);
    }
}

/* Append the assertion's claims and the settings that make the fix concrete. */
static int put_facts(struct m365id__buf *out, long long code, const struct m365id__aadsts_facts *f)
{
    struct m365id__buf auds = M365ID__BUF_INIT(4096);
    struct m365id__quoted q1;
    struct m365id__quoted q2;
    struct m365id__quoted q3;
    int rc = 0;

    put_audiences(&auds, f);
    switch (code) {
    case 70021:
        if (f->iss == NULL)
            break;
        m365id__quote(&q1, f->iss);
        m365id__quote(&q2, f->sub);
        rc = m365id__buf_printf(out, "; the token has iss '%s', sub '%s' and aud %s", q1.text,
                                q2.text, m365id__buf_cstr(&auds));
        break;
    case 700211:
        if (f->iss == NULL)
            break;
        if ((rc = m365id__buf_puts(out, "; the federated credential's issuer must equal "
                                        "exactly, trailing '/' included: '")) < 0 ||
            (rc = m365id__put_quoted_long(out, f->iss, strlen(f->iss), CLAIM_SHOWN_MAX)) < 0)
            break;
        rc = m365id__buf_puts(out, "'");
        break;
    case 700212:
        rc = m365id__buf_printf(out, "; the token's aud is %s", m365id__buf_cstr(&auds));
        if (rc == 0 && f->cloud_audience != NULL) {
            m365id__quote(&q1, f->cloud);
            m365id__quote(&q2, f->cloud_audience);
            rc = m365id__buf_printf(out, "; cloud '%s' uses the audience '%s' by default",
                                    q1.text, q2.text);
        }
        break;
    case 700213:
    case 7002138:
        if (f->sub == NULL)
            break;
        if ((rc = m365id__buf_puts(out, "; the token's sub is '")) < 0 ||
            (rc = m365id__put_quoted_long(out, f->sub, strlen(f->sub), CLAIM_SHOWN_MAX)) < 0)
            break;
        rc = m365id__buf_puts(out, "', and a federated credential with exactly that subject "
                                   "would match");
        break;
    case 700016:
        m365id__quote(&q1, f->client_id);
        m365id__quote(&q2, f->tenant_id);
        m365id__quote(&q3, f->cloud);
        rc = m365id__buf_printf(out, "; client id '%s', tenant '%s', cloud '%s'", q1.text,
                                q2.text, q3.text);
        break;
    case 90002:
    case 900023:
        m365id__quote(&q1, f->tenant_id);
        m365id__quote(&q2, f->authority_host);
        rc = m365id__buf_printf(out, "; tenant '%s', authority host '%s'", q1.text, q2.text);
        break;
    case 90061:
    case 50166:
    case 501661:
        if (f->iss == NULL)
            break;
        m365id__quote(&q1, f->iss);
        rc = m365id__buf_printf(out, "; the token's issuer is '%s'", q1.text);
        break;
    case 500011:
    case 70011:
    case 700022:
    case 1002012:
        if (f->scope == NULL)
            break;
        m365id__quote(&q1, f->scope);
        m365id__quote(&q2, f->cloud_scope);
        rc = m365id__buf_printf(out, "; the scope was '%s', Graph's scope in this cloud is '%s'",
                                q1.text, q2.text);
        break;
    default:
        break;
    }
    m365id__buf_clear(&auds);
    return rc;
}

/* Nonzero for the codes that report a federated credential not matching the assertion. */
static int is_federation_mismatch(long long code)
{
    return code == 70021 || code == 700211 || code == 700212 || code == 700213 ||
           code == 7002138;
}

/* Nonzero when @p method takes its assertion from a CI system's OIDC token. */
static int is_ci_method(const char *method)
{
    return method != NULL && (strcmp(method, "oidc") == 0 || strcmp(method, "oidc_github") == 0 ||
                              strcmp(method, "oidc_azure_devops") == 0);
}

/* The hint for a federation mismatch with a CI token: the fix names the CI token's claims. */
static int put_ci_mismatch(struct m365id__buf *out, long long code,
                           const struct m365id__aadsts_entry *e,
                           const struct m365id__aadsts_facts *f)
{
    struct m365id__buf auds = M365ID__BUF_INIT(4096);
    struct m365id__quoted q1;
    struct m365id__quoted q2;
    int rc;

    rc = m365id__buf_printf(out, "%s; make the application's federated credential match the CI "
                                 "token's issuer, subject and audience exactly",
                            e->cause);
    if (rc == 0 && code == 700212) {
        rc = m365id__buf_puts(out, ", or set entra_id_options.oidc_audience "
                                   "(M365_OIDC_AUDIENCE) to the credential's audience");
        if (rc == 0 && f->oidc_request_url != NULL) {
            rc = m365id__buf_puts(out, "; the request URL asks for no audience, so add "
                                       "?audience=api://AzureADTokenExchange to "
                                       "oidc_request_url (M365_OIDC_REQUEST_URL), or use auth "
                                       "method oidc_github, which adds oidc_audience");
        }
    }
    if (rc == 0 && f->iss != NULL) {
        put_audiences(&auds, f);
        m365id__quote(&q1, f->iss);
        m365id__quote(&q2, f->sub);
        rc = m365id__buf_printf(out, "; the CI token has iss '%s', sub '%s' and aud %s", q1.text,
                                q2.text, m365id__buf_cstr(&auds));
    }
    m365id__buf_clear(&auds);
    return rc;
}

/* The catalogue's fix for 90002 and 700016, naming the variables the values came from. */
static int put_id_fix(struct m365id__buf *out, long long code, const struct m365id__aadsts_entry *e,
                      const struct m365id__aadsts_facts *f)
{
    const char *tenant = f->tenant_source != NULL ? f->tenant_source : "AZURE_TENANT_ID";
    const char *client = f->client_source != NULL ? f->client_source : "AZURE_CLIENT_ID";

    if (code == 90002) {
        return m365id__buf_printf(out, "%s; check tenant_id (%s) and the cloud or "
                                       "authority_host",
                                  e->cause, tenant);
    }
    return m365id__buf_printf(out, "%s; check client_id (%s), tenant_id (%s) and cloud: an "
                                   "application registered in another tenant or cloud is not "
                                   "found here",
                              e->cause, client, tenant);
}

int m365id__aadsts_hint(struct m365id__buf *out, long long code,
                        const struct m365id__aadsts_facts *facts)
{
    static const struct m365id__aadsts_facts none = M365ID__AADSTS_FACTS_INIT;
    const struct m365id__aadsts_entry *e = m365id__aadsts_find(code);
    int rc;

    if (facts == NULL)
        facts = &none;
    if (e == NULL) {
        return m365id__buf_printf(out,
                                  "see https://login.microsoftonline.com/error?code=%lld for "
                                  "what this code means",
                                  code);
    }

    /* Federation codes read differently per auth method: a CI token has no Kubernetes
     * subject, and a client secret or certificate sends no federated assertion at all. */
    if (is_federation_mismatch(code) && is_ci_method(facts->auth_method))
        return put_ci_mismatch(out, code, e, facts);
    if (is_federation_mismatch(code) && facts->auth_method != NULL &&
        strcmp(facts->auth_method, "workload_identity") != 0) {
        return m365id__buf_printf(out, "%s; auth method '%s' sends no federated assertion, so "
                                       "this code should not occur: check that authority_host "
                                       "(M365_AUTHORITY_HOST) points at Entra ID and read the "
                                       "error description",
                                  e->cause, facts->auth_method);
    }

    /* "<cause>; <fix>; <facts>" */
    if (code == 90002 || code == 700016) {
        rc = put_id_fix(out, code, e, facts);
    } else if (code == 700027 && facts->kid != NULL) {
        struct m365id__quoted qkid;

        /* The catalogue's cause, with the key id from the assertion's header in place. */
        m365id__quote(&qkid, facts->kid);
        rc = m365id__buf_printf(out, "the assertion's signature did not validate: the issuer's "
                                     "JWKS has no key with the token's key id '%s', or the token "
                                     "was signed with another key; %s",
                                qkid.text, e->fix);
    } else {
        rc = m365id__buf_printf(out, "%s; %s", e->cause, e->fix);
    }
    if (rc < 0)
        return rc;
    return put_facts(out, code, facts);
}
