/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * A throwaway certificate authority and server certificate for the local TLS servers (the
 * emulator and the daemons' test setups). Both keys are ECDSA P-256 and both certificates
 * carry the extensions that OpenSSL, GnuTLS, Node.js and Python check when building a chain.
 * Also the check that a CA bundle file contains certificates, and the reading of a registered
 * certificate (thumbprints, subject, validity, public key) for client-assertion checks.
 */
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "m365id/error.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/secret.h"

/* Room for the subjectAltName value: the loopback names and a few extra DNS names. */
#define SAN_TEXT_MAX 4096u

/* Nonzero when @p name is safe inside an OpenSSL "DNS:" value: host name characters, an
 * optional leading "*." wildcard, and no separator that would start another entry. */
static int san_dns_ok(const char *name)
{
    size_t len = strlen(name);
    size_t i;

    if (len == 0 || len > 253)
        return 0;
    for (i = 0; i < len; i++) {
        char c = name[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.')
            continue;
        if (c == '*' && i == 0 && name[1] == '.')
            continue;
        return 0;
    }
    return 1;
}

static int add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
    int ok;

    if (ext == NULL)
        return 0;
    ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

/* Set a random positive 159-bit serial number, as RFC 5280 section 4.1.2.2 allows. */
static int set_random_serial(X509 *cert)
{
    BIGNUM *bn = BN_new();
    int ok = 0;

    if (bn != NULL && BN_rand(bn, 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
        BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL)
        ok = 1;
    BN_free(bn);
    return ok;
}

/* Start a version 3 certificate for @p key named CN=@p cn, valid from an hour ago (to absorb
 * clock skew between processes) for @p days days. */
static X509 *cert_start(EVP_PKEY *key, const char *cn, unsigned int days)
{
    X509 *cert = X509_new();
    X509_NAME *name;

    if (cert == NULL)
        return NULL;
    name = X509_get_subject_name(cert);
    if (X509_set_version(cert, X509_VERSION_3) != 1 || !set_random_serial(cert) ||
        X509_gmtime_adj(X509_getm_notBefore(cert), -3600) == NULL ||
        X509_time_adj_ex(X509_getm_notAfter(cert), (int)days, 0, NULL) == NULL ||
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"m365id",
                                   -1, -1, 0) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
                                   -1, 0) != 1 ||
        X509_set_pubkey(cert, key) != 1) {
        X509_free(cert);
        return NULL;
    }
    return cert;
}

/* Copy a PEM BIO's contents into a malloc'd string; secure-memory BIOs wipe on free. */
static char *bio_to_string(BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    char *s;

    if (n <= 0)
        return NULL;
    s = malloc((size_t)n + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, data, (size_t)n);
    s[n] = '\0';
    return s;
}

static char *cert_pem(X509 *cert)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *s = NULL;

    if (bio != NULL && PEM_write_bio_X509(bio, cert) == 1)
        s = bio_to_string(bio);
    BIO_free(bio);
    return s;
}

static char *key_pem(EVP_PKEY *key)
{
    BIO *bio = BIO_new(BIO_s_secmem());
    char *s = NULL;

    /* PKCS #8 "PRIVATE KEY" without encryption: GnuTLS, OpenSSL and Node.js all read it. */
    if (bio != NULL && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1)
        s = bio_to_string(bio);
    BIO_free(bio);
    return s;
}

int m365id__tls_material_generate(struct m365id__tls_material *out, unsigned int days,
                                  const char *const *extra_dns)
{
    struct m365id__buf san = M365ID__BUF_INIT(SAN_TEXT_MAX);
    struct m365id__tls_material tls = {NULL, NULL, NULL};
    EVP_PKEY *ca_key = NULL;
    EVP_PKEY *srv_key = NULL;
    X509 *ca = NULL;
    X509 *srv = NULL;
    X509V3_CTX v3;
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    if (days == 0 || days > 3650)
        return M365ID_EINVAL;

    if ((rc = m365id__buf_puts(&san, "DNS:localhost,IP:127.0.0.1,IP:::1")) < 0)
        goto out;
    for (i = 0; extra_dns != NULL && extra_dns[i] != NULL; i++) {
        if (!san_dns_ok(extra_dns[i])) {
            rc = M365ID_EINVAL;
            goto out;
        }
        if ((rc = m365id__buf_printf(&san, ",DNS:%s", extra_dns[i])) < 0)
            goto out;
    }

    rc = M365ID_ENOMEM;
    ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    srv_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (ca_key == NULL || srv_key == NULL)
        goto out;

    /* The CA: self-signed, may sign certificates but nothing else. */
    ca = cert_start(ca_key, "m365id local CA", days);
    if (ca == NULL || X509_set_issuer_name(ca, X509_get_subject_name(ca)) != 1)
        goto out;
    X509V3_set_ctx(&v3, ca, ca, NULL, NULL, 0);
    if (!add_ext(ca, &v3, NID_basic_constraints, "critical,CA:TRUE") ||
        !add_ext(ca, &v3, NID_key_usage, "critical,keyCertSign,cRLSign") ||
        !add_ext(ca, &v3, NID_subject_key_identifier, "hash") ||
        !add_ext(ca, &v3, NID_authority_key_identifier, "keyid:always"))
        goto out;
    if (X509_sign(ca, ca_key, EVP_sha256()) <= 0)
        goto out;

    /* The server certificate: loopback names, TLS server use only. */
    srv = cert_start(srv_key, "localhost", days);
    if (srv == NULL || X509_set_issuer_name(srv, X509_get_subject_name(ca)) != 1)
        goto out;
    X509V3_set_ctx(&v3, ca, srv, NULL, NULL, 0);
    if (!add_ext(srv, &v3, NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(srv, &v3, NID_key_usage, "critical,digitalSignature") ||
        !add_ext(srv, &v3, NID_ext_key_usage, "serverAuth") ||
        !add_ext(srv, &v3, NID_subject_key_identifier, "hash") ||
        !add_ext(srv, &v3, NID_authority_key_identifier, "keyid:always") ||
        !add_ext(srv, &v3, NID_subject_alt_name, m365id__buf_cstr(&san)))
        goto out;
    if (X509_sign(srv, ca_key, EVP_sha256()) <= 0)
        goto out;

    tls.ca_cert_pem = cert_pem(ca);
    tls.server_cert_pem = cert_pem(srv);
    tls.server_key_pem = key_pem(srv_key);
    if (tls.ca_cert_pem == NULL || tls.server_cert_pem == NULL || tls.server_key_pem == NULL)
        goto out;

    *out = tls;
    memset(&tls, 0, sizeof(tls));
    rc = 0;

out:
    ERR_clear_error();
    m365id__tls_material_clear(&tls);
    X509_free(srv);
    X509_free(ca);
    EVP_PKEY_free(srv_key);
    EVP_PKEY_free(ca_key);
    m365id__buf_clear(&san);
    return rc;
}

void m365id__tls_material_clear(struct m365id__tls_material *tls)
{
    if (tls == NULL)
        return;
    free(tls->ca_cert_pem);
    free(tls->server_cert_pem);
    m365id__free_secret_str(tls->server_key_pem);
    tls->ca_cert_pem = NULL;
    tls->server_cert_pem = NULL;
    tls->server_key_pem = NULL;
}

/* The DER of @p cert in base64 with the '=' padding removed. */
static char *cert_der_b64_unpadded(X509 *cert)
{
    unsigned char *der = NULL;
    char *b64 = NULL;
    size_t len;
    int der_len = i2d_X509(cert, &der);

    if (der_len <= 0)
        return NULL;
    b64 = m365id__b64_encode(der, (size_t)der_len);
    OPENSSL_free(der);
    if (b64 == NULL)
        return NULL;
    len = strlen(b64);
    while (len > 0 && b64[len - 1] == '=')
        b64[--len] = '\0';
    return b64;
}

int m365id__self_signed_generate(struct m365id__self_signed *out, unsigned int days)
{
    struct m365id__self_signed cert = {NULL, NULL, NULL};
    EVP_PKEY *key = NULL;
    X509 *x509 = NULL;
    X509V3_CTX v3;
    int rc = M365ID_ENOMEM;

    memset(out, 0, sizeof(*out));
    if (days == 0 || days > 3650)
        return M365ID_EINVAL;

    key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    if (key == NULL)
        goto out;
    x509 = cert_start(key, "localhost", days);
    if (x509 == NULL || X509_set_issuer_name(x509, X509_get_subject_name(x509)) != 1)
        goto out;
    /* cert_start() backdates by an hour; a pinned plugin certificate needs only 30 s. */
    if (X509_gmtime_adj(X509_getm_notBefore(x509), -30) == NULL)
        goto out;

    /* The same shape as a go-plugin server certificate: Go checks the DNS SAN, not the CN, and
     * the EKU list must include serverAuth. */
    X509V3_set_ctx(&v3, x509, x509, NULL, NULL, 0);
    if (!add_ext(x509, &v3, NID_basic_constraints, "critical,CA:TRUE") ||
        !add_ext(x509, &v3, NID_key_usage,
                 "critical,digitalSignature,keyEncipherment,keyAgreement,keyCertSign") ||
        !add_ext(x509, &v3, NID_ext_key_usage, "serverAuth,clientAuth") ||
        !add_ext(x509, &v3, NID_subject_key_identifier, "hash") ||
        !add_ext(x509, &v3, NID_subject_alt_name, "DNS:localhost"))
        goto out;
    if (X509_sign(x509, key, EVP_sha256()) <= 0)
        goto out;

    cert.cert_pem = cert_pem(x509);
    cert.key_pem = key_pem(key);
    cert.der_b64 = cert_der_b64_unpadded(x509);
    if (cert.cert_pem == NULL || cert.key_pem == NULL || cert.der_b64 == NULL)
        goto out;

    *out = cert;
    memset(&cert, 0, sizeof(cert));
    rc = 0;

out:
    ERR_clear_error();
    m365id__self_signed_clear(&cert);
    X509_free(x509);
    EVP_PKEY_free(key);
    return rc;
}

void m365id__self_signed_clear(struct m365id__self_signed *cert)
{
    if (cert == NULL)
        return;
    free(cert->cert_pem);
    m365id__free_secret_str(cert->key_pem);
    free(cert->der_b64);
    cert->cert_pem = NULL;
    cert->key_pem = NULL;
    cert->der_b64 = NULL;
}

/* A certificate PEM block is never encrypted; never prompt on the terminal for a passphrase. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return 0;
}

int m365id__x509_pem_file_count(size_t *count_out, const char *path)
{
    STACK_OF(X509_INFO) *infos = NULL;
    BIO *bio = NULL;
    size_t count = 0;
    int rc;

    *count_out = 0;
    bio = BIO_new_file(path, "rb");
    if (bio == NULL) {
        rc = M365ID_EIO;
        goto out;
    }

    /* In OpenSSL 3, X509_STORE_load_file(), which libcurl's OpenSSL backend uses for
     * CURLOPT_CAINFO, reads the file with this function and fails on a damaged block too. */
    infos = PEM_X509_INFO_read_bio(bio, NULL, no_passphrase, NULL);
    if (infos == NULL) {
        rc = ERR_GET_REASON(ERR_peek_last_error()) == ERR_R_MALLOC_FAILURE ? M365ID_ENOMEM
                                                                          : M365ID_EINVAL;
        goto out;
    }
    for (int i = 0; i < sk_X509_INFO_num(infos); i++) {
        if (sk_X509_INFO_value(infos, i)->x509 != NULL)
            count++;
    }
    *count_out = count;
    rc = 0;

out:
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    BIO_free(bio);
    ERR_clear_error();
    return rc;
}

/* --- registered certificates (client assertions) --- */

/* Unix seconds of an ASN1_TIME; 0 when it cannot be read. */
static long long asn1_time_unix(const ASN1_TIME *t)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return (long long)timegm(&tm);
}

/* Fill @p out from @p cert; the certificate stays the caller's. */
static int x509_info_fill(struct m365id__x509_info *out, X509 *cert)
{
    unsigned int n = 0;
    BIO *bio = NULL;
    char *pub_pem = NULL;
    long pub_len;
    int rc = M365ID_ENOMEM;

    if (X509_digest(cert, EVP_sha1(), out->sha1, &n) != 1 || n != sizeof(out->sha1) ||
        X509_digest(cert, EVP_sha256(), out->sha256, &n) != 1 || n != sizeof(out->sha256))
        goto out;

    /* The subject in RFC 2253 form, as "openssl x509 -nameopt RFC2253 -subject" prints it. */
    bio = BIO_new(BIO_s_mem());
    if (bio == NULL ||
        X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) < 0)
        goto out;
    n = (unsigned int)BIO_read(bio, out->subject, (int)sizeof(out->subject) - 1);
    out->subject[(int)n > 0 ? n : 0] = '\0';
    BIO_free(bio);
    bio = NULL;

    out->not_before = asn1_time_unix(X509_get0_notBefore(cert));
    out->not_after = asn1_time_unix(X509_get0_notAfter(cert));

    /* The key goes through its SubjectPublicKeyInfo PEM, so crypto.c keeps the key checks. */
    bio = BIO_new(BIO_s_mem());
    if (bio == NULL || X509_get0_pubkey(cert) == NULL ||
        PEM_write_bio_PUBKEY(bio, X509_get0_pubkey(cert)) != 1)
        goto out;
    pub_len = BIO_get_mem_data(bio, &pub_pem);
    if (pub_len <= 0 || m365id__rsa_from_pem(&out->key, pub_pem, (size_t)pub_len) < 0)
        out->key = NULL; /* not an RSA key of 2048 bits or more: it can verify nothing */
    rc = 0;

out:
    BIO_free(bio);
    ERR_clear_error();
    return rc;
}

int m365id__x509_info_from_pem(struct m365id__x509_info *out, const char *pem, size_t len)
{
    BIO *bio = NULL;
    X509 *cert = NULL;
    int rc = M365ID_EINVAL;

    memset(out, 0, sizeof(*out));
    if (len > INT_MAX)
        return M365ID_EINVAL;
    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL)
        return M365ID_ENOMEM;
    cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    if (cert != NULL)
        rc = x509_info_fill(out, cert);
    X509_free(cert);
    BIO_free(bio);
    ERR_clear_error();
    return rc;
}

int m365id__x509_info_from_der(struct m365id__x509_info *out, const unsigned char *der,
                               size_t len)
{
    const unsigned char *p = der;
    X509 *cert;
    int rc;

    memset(out, 0, sizeof(*out));
    if (len > LONG_MAX)
        return M365ID_EINVAL;
    cert = d2i_X509(NULL, &p, (long)len);
    if (cert == NULL || p != der + len) {
        X509_free(cert);
        ERR_clear_error();
        return M365ID_EINVAL; /* not DER, or bytes left after the certificate */
    }
    rc = x509_info_fill(out, cert);
    X509_free(cert);
    return rc;
}

void m365id__x509_info_clear(struct m365id__x509_info *info)
{
    if (info == NULL)
        return;
    m365id__rsa_free(info->key);
    memset(info, 0, sizeof(*info));
}
