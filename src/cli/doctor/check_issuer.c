/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Doctor check 4, "issuer": the token's `iss` as Entra ID would use it. First without the network
 * (https, a host Entra ID can resolve), then the discovery document and the JWKS it names,
 * fetched once each: status, time, the discovery `issuer` against `iss`, the token's key.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "cli/doctor/doctor.h"
#include "cli/doctor/doctor_internal.h"
#include "util/json.h"
#include "util/strutil.h"

#define FETCH_TIMEOUT_MS 10000

static const char *const publish_fix =
    "enable and publish the cluster's OIDC issuer on a public https host (AKS: az aks update "
    "--enable-oidc-issuer; self-managed: kube-apiserver --service-account-issuer=https://HOST/"
    "PATH with the discovery document and JWKS served there), then name that issuer in the "
    "federated credential";

static const char *const reach_note =
    "reachable from here does not mean reachable from Entra ID, which fetches these documents "
    "from the internet: a firewall, a private endpoint or storage limited to selected networks "
    "still fails with AADSTS90061 (or 50166, 501661)";

enum host_kind { HOST_PUBLIC, HOST_LOOPBACK, HOST_PRIVATE, HOST_INTERNAL, HOST_IP };

/* Classify an IPv4 address (network byte order) as Entra ID would reach it. */
static enum host_kind classify_ipv4(const unsigned char *a)
{
    if (a[0] == 127)
        return HOST_LOOPBACK;
    /* 0.0.0.0/8 "this network", RFC 1918, 100.64.0.0/10 shared (CGNAT), link-local. */
    if (a[0] == 0 || a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
        (a[0] == 192 && a[1] == 168) || (a[0] == 100 && (a[1] & 0xc0) == 64) ||
        (a[0] == 169 && a[1] == 254))
        return HOST_PRIVATE;
    return HOST_IP;
}

/*
 * Classify @p host as Entra ID would reach it. One trailing dot (an absolute DNS name) is
 * ignored, and IPv4 is parsed as resolvers do (inet_aton: 127.1, 0x7f.0.0.1), so that no
 * spelling of a loopback or private address passes as a public name.
 */
static enum host_kind classify_host(const char *host_in)
{
    static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char zero[16] = {0};
    unsigned char addr[16];
    struct in_addr v4;
    char host[256];
    size_t len;

    snprintf(host, sizeof(host), "%s", host_in);
    len = strlen(host);
    if (len > 1 && host[len - 1] == '.')
        host[len - 1] = '\0';

    if (strcmp(host, "localhost") == 0 || m365id__ends_with(host, ".localhost"))
        return HOST_LOOPBACK;
    if (strspn(host, "0123456789abcdefABCDEFxX.") == strlen(host) &&
        strchr("0123456789", host[0]) != NULL && inet_aton(host, &v4) == 1)
        return classify_ipv4((const unsigned char *)&v4.s_addr);
    if (inet_pton(AF_INET6, host, addr) == 1) {
        static const unsigned char loopback6[16] = {[15] = 1};

        if (memcmp(addr, loopback6, 16) == 0)
            return HOST_LOOPBACK;
        if (memcmp(addr, zero, 16) == 0)
            return HOST_PRIVATE;
        /* ::ffff:a.b.c.d and the deprecated ::a.b.c.d carry an IPv4 address. */
        if (memcmp(addr, v4_mapped, 12) == 0 || memcmp(addr, zero, 12) == 0)
            return classify_ipv4(addr + 12);
        if ((addr[0] & 0xfe) == 0xfc || (addr[0] == 0xfe && (addr[1] & 0xc0) == 0x80))
            return HOST_PRIVATE;
        return HOST_IP;
    }
    if (m365id__ends_with(host, ".svc") || m365id__ends_with(host, ".cluster.local") ||
        strstr(host, ".svc.") != NULL || m365id__ends_with(host, ".local") ||
        m365id__ends_with(host, ".internal") || strchr(host, '.') == NULL)
        return HOST_INTERNAL;
    return HOST_PUBLIC;
}

/* Judge `iss` before any request. Returns 1 when fetching makes
 * sense (an https URL). */
static int check_shape(struct doctor_check *c, const char *iss)
{
    char host[256];

    if (!m365id__starts_with(iss, "https://")) {
        doctor_finding(c, DOCTOR_FAIL, publish_fix,
                       "the token's issuer is not an https URL: Entra ID can only fetch an "
                       "https issuer's discovery document (AADSTS70021 or 90061)");
        doctor_evidence(c, "iss", "%s", iss);
        return 0;
    }
    if (doctor_url_host(host, sizeof(host), iss) < 0) {
        doctor_finding(c, DOCTOR_FAIL, publish_fix, "the token's issuer has no host");
        doctor_evidence(c, "iss", "%s", iss);
        return 0;
    }
    /* OpenID Connect Discovery 1.0 section 2: an issuer has no query or fragment, so no
     * discovery URL can be derived from one. */
    if (strpbrk(iss, "?#") != NULL) {
        doctor_finding(c, DOCTOR_FAIL, publish_fix,
                       "the token's issuer has a query or fragment, which an OIDC issuer "
                       "cannot have; no discovery document is fetched for it");
        doctor_evidence(c, "iss", "%s", iss);
        return 0;
    }
    {
        const char *authority = iss + strlen("https://");
        const char *at = memchr(authority, '@', strcspn(authority, "/"));

        if (at != NULL) {
            doctor_finding(c, DOCTOR_FAIL, publish_fix,
                           "the token's issuer has user information before '@', which an "
                           "issuer URL cannot have; no discovery document is fetched for it");
            doctor_evidence(c, "iss", "%s", iss);
            return 0;
        }
    }

    switch (classify_host(host)) {
    case HOST_LOOPBACK:
        doctor_finding(c, DOCTOR_WARN, publish_fix,
                       "the token's issuer is on a loopback host: Entra ID cannot reach a "
                       "loopback issuer; fine only with a local emulator");
        break;
    case HOST_PRIVATE:
        doctor_finding(c, DOCTOR_FAIL, publish_fix,
                       "the token's issuer is a private IP address, or a link-local or "
                       "unspecified one, that Entra ID cannot reach");
        break;
    case HOST_INTERNAL:
        doctor_finding(c, DOCTOR_FAIL, publish_fix,
                       "the token's issuer is a cluster-internal name (the default "
                       "issuer, under .svc or .cluster.local, or a name without a domain) "
                       "that Entra ID cannot resolve: Entra ID answers AADSTS70021 or 90061");
        break;
    case HOST_IP:
        doctor_finding(c, DOCTOR_WARN, publish_fix,
                       "the token's issuer is an IP address: Entra ID needs a certificate "
                       "valid for it, and a public OIDC issuer normally has a DNS name");
        break;
    case HOST_PUBLIC:
        doctor_finding(c, DOCTOR_PASS, NULL, "the token's issuer is an https URL on a public "
                                             "host name");
        break;
    }
    doctor_evidence(c, "iss", "%s", iss);
    doctor_evidence(c, "host", "%s", host);
    return 1;
}

json_t *doctor_issuer_read_reply(struct doctor_check *c, const char *what, const char *url,
                                 const struct m365id__http_response *resp)
{
    json_t *doc = NULL;
    char why[256];

    if (resp->status != 200) {
        doctor_finding(c, DOCTOR_FAIL, publish_fix,
                       "the %s returned HTTP %ld: Entra ID answers AADSTS90061 (or 50166, "
                       "501661) when it cannot fetch it", what, resp->status);
        doctor_evidence(c, "url", "%s", url);
        doctor_evidence(c, "status", "%ld", resp->status);
        doctor_evidence(c, "time", "%lld ms", resp->elapsed_ms);
        return NULL;
    }
    if (m365id__json_parse(&doc, m365id__buf_cstr(&resp->body), resp->body.len, why,
                           sizeof(why)) < 0 ||
        !json_is_object(doc)) {
        json_decref(doc);
        doctor_finding(c, DOCTOR_FAIL, publish_fix, "the %s is not a JSON object", what);
        doctor_evidence(c, "url", "%s", url);
        doctor_evidence(c, "content type", "%s",
                        resp->content_type != NULL ? resp->content_type : "(none)");
        return NULL;
    }
    doctor_finding(c, DOCTOR_PASS, NULL, "the %s was fetched", what);
    doctor_evidence(c, "url", "%s", url);
    doctor_evidence(c, "status", "%ld", resp->status);
    doctor_evidence(c, "time", "%lld ms", resp->elapsed_ms);
    return doc;
}

/* GET @p url and parse the reply as a JSON object; records a FAIL finding on any failure. */
static json_t *fetch_json(struct doctor_check *c, const struct doctor *d, const char *what,
                          const char *url)
{
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    json_t *doc = NULL;
    int rc;

    rc = doctor_http_get(&resp, d, url, FETCH_TIMEOUT_MS);
    if (rc < 0) {
        doctor_finding(c, DOCTOR_FAIL, publish_fix,
                       "the %s cannot be fetched: Entra ID would answer AADSTS90061 if it "
                       "fails the same way", what);
        doctor_evidence(c, "url", "%s", url);
        doctor_evidence(c, "error", "%s", resp.error[0] != '\0' ? resp.error
                                                                 : m365id_strerror(rc));
        doctor_evidence(c, "time", "%lld ms", resp.elapsed_ms);
        goto out;
    }
    doc = doctor_issuer_read_reply(c, what, url, &resp);

out:
    m365id__http_response_clear(&resp);
    return doc;
}

/* Compare the published `issuer` with `iss`: Entra ID requires them equal byte for byte. */
static void compare_issuer(struct doctor_check *c, const char *iss, const json_t *discovery)
{
    const char *published = NULL;
    size_t a;
    size_t b;

    if (m365id__json_get_str(&published, discovery, "issuer") != M365ID__JSON_OK) {
        doctor_finding(c, DOCTOR_FAIL, publish_fix,
                       "the discovery document has no string 'issuer'");
        return;
    }
    if (strcmp(published, iss) == 0) {
        doctor_finding(c, DOCTOR_PASS, NULL, "the discovery document's issuer equals the "
                                             "token's iss");
        doctor_evidence(c, "token iss", "%s", iss);
        doctor_evidence(c, "discovery issuer", "%s", published);
        return;
    }
    a = strlen(iss);
    b = strlen(published);
    if ((a == b + 1 && iss[a - 1] == '/' && strncmp(iss, published, b) == 0) ||
        (b == a + 1 && published[b - 1] == '/' && strncmp(iss, published, a) == 0)) {
        doctor_finding(c, DOCTOR_FAIL,
                       "make --service-account-issuer, the published discovery document and "
                       "the federated credential name the same issuer, trailing '/' "
                       "included; Entra ID compares exactly",
                       "the discovery document's issuer and the token's iss differ only by a "
                       "trailing '/': Entra ID answers AADSTS90061 or 700211");
    } else {
        doctor_finding(c, DOCTOR_FAIL,
                       "publish the discovery document of the issuer that signs the tokens, "
                       "with 'issuer' equal to the token's iss byte for byte",
                       "the discovery document's issuer differs from the token's iss: Entra "
                       "ID answers AADSTS90061");
    }
    doctor_evidence(c, "token iss", "%s", iss);
    doctor_evidence(c, "discovery issuer", "%s", published);
}

/* The key type a JWS algorithm needs: RS and PS use RSA keys, ES elliptic curve keys. */
static const char *kty_for_alg(const char *alg)
{
    if (alg == NULL)
        return NULL;
    if (m365id__starts_with(alg, "RS") || m365id__starts_with(alg, "PS"))
        return "RSA";
    if (m365id__starts_with(alg, "ES"))
        return "EC";
    return NULL;
}

static void check_jwks(struct doctor_check *c, const json_t *jwks, const char *kid,
                       const char *alg)
{
    const json_t *keys = json_object_get(jwks, "keys");
    const json_t *key;
    const char *want_kty = kty_for_alg(alg);
    size_t i;

    if (!json_is_array(keys)) {
        doctor_finding(c, DOCTOR_FAIL, publish_fix, "the JWKS has no 'keys' array");
        return;
    }
    if (kid == NULL) {
        doctor_finding(c, DOCTOR_WARN, NULL,
                       "the token has no 'kid' header, so its key cannot be picked from the "
                       "JWKS (%zu keys)", json_array_size(keys));
        return;
    }
    json_array_foreach(keys, i, key) {
        const char *key_kid = NULL;
        const char *kty = NULL;

        if (m365id__json_get_str(&key_kid, key, "kid") != M365ID__JSON_OK ||
            strcmp(key_kid, kid) != 0)
            continue;
        m365id__json_get_str(&kty, key, "kty");
        if (want_kty != NULL && (kty == NULL || strcmp(kty, want_kty) != 0)) {
            doctor_finding(c, DOCTOR_FAIL,
                           "publish the signing key with the key type of the token's algorithm",
                           "the JWKS key with the token's kid has key type '%s', but alg '%s' "
                           "needs '%s': Entra ID answers AADSTS700027",
                           kty != NULL ? kty : "(none)", alg, want_kty);
        } else {
            doctor_finding(c, DOCTOR_PASS, NULL, "the JWKS holds the token's signing key");
        }
        doctor_evidence(c, "kid", "%s", kid);
        doctor_evidence(c, "kty", "%s", kty != NULL ? kty : "(none)");
        doctor_evidence(c, "alg", "%s", alg != NULL ? alg : "(none)");
        return;
    }
    doctor_finding(c, DOCTOR_FAIL,
                   "publish the JWKS of the key that signs the service-account tokens (after "
                   "a key rotation, publish the new key before tokens use it)",
                   "the JWKS has no key with the token's kid: Entra ID answers AADSTS700027 "
                   "(signature not validated)");
    doctor_evidence(c, "token kid", "%s", kid);
    json_array_foreach(keys, i, key) {
        const char *key_kid = NULL;

        if (i >= 8)
            break;
        if (m365id__json_get_str(&key_kid, key, "kid") == M365ID__JSON_OK)
            doctor_evidence(c, "JWKS kid", "%s", key_kid);
    }
}

const char *doctor_issuer_check_discovery(struct doctor_check *c, const char *iss,
                                          const json_t *discovery)
{
    const char *jwks_uri = NULL;

    compare_issuer(c, iss, discovery);
    if (m365id__json_get_str(&jwks_uri, discovery, "jwks_uri") != M365ID__JSON_OK) {
        doctor_finding(c, DOCTOR_FAIL, publish_fix, "the discovery document has no 'jwks_uri'");
        return NULL;
    }
    return jwks_uri;
}

void doctor_issuer_check_jwks(struct doctor_check *c, const json_t *jwks, const json_t *header)
{
    const char *kid = NULL;
    const char *alg = NULL;

    if (header != NULL) {
        m365id__json_get_str(&kid, header, "kid");
        m365id__json_get_str(&alg, header, "alg");
    }
    check_jwks(c, jwks, kid, alg);
    doctor_finding(c, DOCTOR_PASS, NULL, "%s", reach_note);
}

void doctor_check_issuer(struct doctor *d)
{
    struct doctor_check *c = doctor_check_begin(d, "issuer", "the token's issuer, its discovery "
                                                "document and JWKS", 1);
    const struct doctor_facts *facts = doctor_facts(d);
    json_t *discovery = NULL;
    json_t *jwks = NULL;
    const char *iss = NULL;
    const char *jwks_uri = NULL;
    char *url = NULL;
    size_t len;

    if (facts->assertion_claims == NULL ||
        m365id__json_get_str(&iss, facts->assertion_claims, "iss") != M365ID__JSON_OK) {
        doctor_skip(c, facts->assertion_claims == NULL
                           ? "no decoded token (see check token-file)"
                           : "the token has no string 'iss' claim");
        return;
    }
    if (!check_shape(c, iss))
        return;
    if (doctor_options(d)->offline) {
        doctor_finding(c, DOCTOR_SKIP, NULL, "discovery document and JWKS not fetched: --offline");
        return;
    }

    /* OIDC Discovery 1.0 section 4: one trailing '/' of the issuer is removed before
     * "/.well-known/openid-configuration" is appended, as Entra ID and the emulator do. */
    len = strlen(iss);
    if (len > 0 && iss[len - 1] == '/')
        len--;
    url = malloc(len + sizeof("/.well-known/openid-configuration"));
    if (url == NULL)
        return;
    memcpy(url, iss, len);
    memcpy(url + len, "/.well-known/openid-configuration",
           sizeof("/.well-known/openid-configuration"));

    discovery = fetch_json(c, d, "discovery document", url);
    if (discovery == NULL)
        goto out;
    if ((jwks_uri = doctor_issuer_check_discovery(c, iss, discovery)) == NULL)
        goto out;
    jwks = fetch_json(c, d, "JWKS", jwks_uri);
    if (jwks == NULL)
        goto out;
    doctor_issuer_check_jwks(c, jwks, facts->assertion_header);

out:
    json_decref(discovery);
    json_decref(jwks);
    free(url);
}
