/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * An application's client certificate: loading a PKCS#12 or PEM file into a private key and
 * its certificate chain, and PS256 signatures for certificate client assertions. Building the
 * assertion itself lives in lib/cred/client_certificate.c.
 */
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "m365id/error.h"
#include "util/crypto.h"

/* Certificates kept from one file: the leaf and a chain of ordinary depth. */
#define CERT_CHAIN_MAX 16

struct m365id__client_cert {
    EVP_PKEY *key;
    X509 *certs[CERT_CHAIN_MAX]; /* certs[0] is the leaf, whose key is @key */
    size_t count;
};

const char *m365id__cert_fault_text(enum m365id__cert_fault fault)
{
    switch (fault) {
    case M365ID__CERT_OK:
        return "no fault";
    case M365ID__CERT_FORMAT:
        return "it is neither a PKCS#12 file nor PEM text with a private key and a certificate";
    case M365ID__CERT_PASSWORD:
        return "the password does not open it";
    case M365ID__CERT_UNSUPPORTED:
        return "it is protected with an algorithm that OpenSSL 3 does not load by default "
               "(such as RC2 or RC4 in PKCS#12 files from older tools)";
    case M365ID__CERT_NO_KEY:
        return "it contains no private key";
    case M365ID__CERT_NO_CERT:
        return "it contains no certificate";
    case M365ID__CERT_MISMATCH:
        return "none of its certificates belongs to its private key";
    case M365ID__CERT_NOT_RSA:
        return "its private key is not an RSA key of 2048 bits or more";
    case M365ID__CERT_TOO_MANY:
        return "it contains more than 16 certificates";
    }
    return "unknown fault";
}

/* PEM password callback: never prompts; gives the configured password, or fails without one. */
static int pem_password(char *buf, int size, int rwflag, void *payload)
{
    const char *pass = payload;
    size_t len;

    (void)rwflag;
    if (pass == NULL || size <= 0)
        return -1;
    len = strlen(pass);
    if (len > (size_t)size)
        return -1;
    memcpy(buf, pass, len);
    return (int)len;
}

void m365id__client_cert_free(struct m365id__client_cert *c)
{
    if (c == NULL)
        return;
    EVP_PKEY_free(c->key);
    for (size_t i = 0; i < c->count; i++)
        X509_free(c->certs[i]);
    free(c);
}

/* Add @p cert (a reference taken) after the ones kept; M365ID__CERT_TOO_MANY past the cap. */
static enum m365id__cert_fault keep_cert(struct m365id__client_cert *c, X509 *cert)
{
    if (c->count >= CERT_CHAIN_MAX)
        return M365ID__CERT_TOO_MANY;
    if (X509_up_ref(cert) != 1)
        return M365ID__CERT_FORMAT;
    c->certs[c->count++] = cert;
    return M365ID__CERT_OK;
}

/*
 * Move the certificate that belongs to the key to the front, keeping the others in order.
 * Returns M365ID__CERT_MISMATCH when none does.
 */
static enum m365id__cert_fault put_leaf_first(struct m365id__client_cert *c)
{
    for (size_t i = 0; i < c->count; i++) {
        X509 *leaf = c->certs[i];

        if (X509_check_private_key(leaf, c->key) != 1)
            continue;
        memmove(&c->certs[1], &c->certs[0], i * sizeof(c->certs[0]));
        c->certs[0] = leaf;
        ERR_clear_error();
        return M365ID__CERT_OK;
    }
    ERR_clear_error();
    return M365ID__CERT_MISMATCH;
}

/* Nonzero when the PEM text carries an encrypted private key. */
static int pem_has_encrypted_key(const char *pem, size_t len)
{
    static const char *const marks[] = {"-----BEGIN ENCRYPTED PRIVATE KEY-----",
                                        "Proc-Type: 4,ENCRYPTED"};

    for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]); m++) {
        size_t mlen = strlen(marks[m]);

        for (size_t i = 0; mlen <= len && i <= len - mlen; i++) {
            if (memcmp(pem + i, marks[m], mlen) == 0)
                return 1;
        }
    }
    return 0;
}

/* Nonzero when the PEM text has a block whose type ends in "PRIVATE KEY". */
static int pem_has_key_block(const char *pem, size_t len)
{
    static const char mark[] = "PRIVATE KEY-----";
    size_t mlen = sizeof(mark) - 1;

    for (size_t i = 0; mlen <= len && i <= len - mlen; i++) {
        if (memcmp(pem + i, mark, mlen) == 0)
            return 1;
    }
    return 0;
}

/* A PEM file: every CERTIFICATE block, and the first private key (encrypted or not). */
static enum m365id__cert_fault load_pem(struct m365id__client_cert *c, const char *pem,
                                        size_t len, const char *password)
{
    enum m365id__cert_fault fault = M365ID__CERT_OK;
    BIO *bio = NULL;
    X509 *cert = NULL;

    /* PEM_read_bio_X509 skips blocks of other types, so keys between certificates are fine. */
    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL)
        return M365ID__CERT_FORMAT;
    while ((cert = PEM_read_bio_X509(bio, NULL, pem_password, NULL)) != NULL) {
        fault = keep_cert(c, cert);
        X509_free(cert);
        if (fault != M365ID__CERT_OK)
            goto out;
    }
    BIO_free(bio);
    ERR_clear_error();

    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL) {
        fault = M365ID__CERT_FORMAT;
        goto out;
    }
    c->key = PEM_read_bio_PrivateKey(bio, NULL, pem_password, (void *)password);
    if (c->key == NULL) {
        if (pem_has_encrypted_key(pem, len))
            fault = M365ID__CERT_PASSWORD;
        else if (pem_has_key_block(pem, len))
            fault = M365ID__CERT_FORMAT;
        else
            fault = c->count == 0 ? M365ID__CERT_FORMAT : M365ID__CERT_NO_KEY;
        goto out;
    }
    if (c->count == 0)
        fault = M365ID__CERT_NO_CERT;

out:
    BIO_free(bio);
    ERR_clear_error();
    return fault;
}

/* A PKCS#12 file: the MAC is checked first so that a wrong password is told apart. */
static enum m365id__cert_fault load_p12(struct m365id__client_cert *c, const unsigned char *der,
                                        size_t len, const char *password)
{
    const unsigned char *p = der;
    const char *pass = password != NULL ? password : "";
    enum m365id__cert_fault fault = M365ID__CERT_OK;
    PKCS12 *p12 = NULL;
    X509 *leaf = NULL;
    STACK_OF(X509) *ca = NULL;

    p12 = d2i_PKCS12(NULL, &p, (long)len);
    if (p12 == NULL) {
        fault = M365ID__CERT_FORMAT;
        goto out;
    }
    if (PKCS12_mac_present(p12)) {
        /* An empty password may have been written as no password at all (RFC 7292 B.1). */
        int ok = PKCS12_verify_mac(p12, pass, -1) == 1 ||
                 (pass[0] == '\0' && PKCS12_verify_mac(p12, NULL, 0) == 1);

        if (!ok) {
            fault = M365ID__CERT_PASSWORD;
            goto out;
        }
    }
    if (PKCS12_parse(p12, pass, &c->key, &leaf, &ca) != 1) {
        fault = M365ID__CERT_UNSUPPORTED;
        goto out;
    }
    if (leaf != NULL && (fault = keep_cert(c, leaf)) != M365ID__CERT_OK)
        goto out;
    for (int i = 0; ca != NULL && i < sk_X509_num(ca); i++) {
        if ((fault = keep_cert(c, sk_X509_value(ca, i))) != M365ID__CERT_OK)
            goto out;
    }
    if (c->key == NULL)
        fault = M365ID__CERT_NO_KEY;
    else if (c->count == 0)
        fault = M365ID__CERT_NO_CERT;

out:
    X509_free(leaf);
    sk_X509_pop_free(ca, X509_free);
    PKCS12_free(p12);
    ERR_clear_error();
    return fault;
}

int m365id__client_cert_load(struct m365id__client_cert **out, enum m365id__cert_fault *fault,
                             const void *data, size_t len, const char *password)
{
    struct m365id__client_cert *c = NULL;
    enum m365id__cert_fault f;
    int rc = M365ID_EINVAL;

    *out = NULL;
    *fault = M365ID__CERT_FORMAT;
    if (data == NULL || len == 0 || len > INT_MAX)
        return M365ID_EINVAL;
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        *fault = M365ID__CERT_OK;
        return M365ID_ENOMEM;
    }

    /* DER starts with a SEQUENCE tag; PEM is text with "-----BEGIN" lines. */
    if (((const unsigned char *)data)[0] == 0x30)
        f = load_p12(c, data, len, password);
    else
        f = load_pem(c, data, len, password);
    if (f != M365ID__CERT_OK)
        goto out;

    if (!EVP_PKEY_is_a(c->key, "RSA") || EVP_PKEY_get_bits(c->key) < 2048) {
        f = M365ID__CERT_NOT_RSA;
        goto out;
    }
    if ((f = put_leaf_first(c)) != M365ID__CERT_OK)
        goto out;

    *out = c;
    c = NULL;
    rc = 0;

out:
    *fault = f;
    m365id__client_cert_free(c);
    ERR_clear_error();
    return rc;
}

size_t m365id__client_cert_count(const struct m365id__client_cert *c)
{
    return c != NULL ? c->count : 0;
}

/* DER of certificate @p i, malloc'd by OpenSSL; NULL when out of range. */
static int cert_der(unsigned char **der_out, const struct m365id__client_cert *c, size_t i)
{
    *der_out = NULL;
    if (c == NULL || i >= c->count)
        return -1;
    return i2d_X509(c->certs[i], der_out);
}

int m365id__client_cert_sha256(unsigned char out[M365ID_SHA256_LEN],
                               const struct m365id__client_cert *c, size_t i)
{
    unsigned char *der = NULL;
    int n = cert_der(&der, c, i);

    if (n <= 0)
        return M365ID_EINVAL;
    m365id__sha256(out, der, (size_t)n);
    OPENSSL_free(der);
    return 0;
}

char *m365id__client_cert_b64(const struct m365id__client_cert *c, size_t i)
{
    unsigned char *der = NULL;
    int n = cert_der(&der, c, i);
    char *b64;

    if (n <= 0)
        return NULL;
    b64 = m365id__b64_encode(der, (size_t)n);
    OPENSSL_free(der);
    return b64;
}

long long m365id__client_cert_not_after(const struct m365id__client_cert *c)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    if (c == NULL || c->count == 0 ||
        ASN1_TIME_to_tm(X509_get0_notAfter(c->certs[0]), &tm) != 1)
        return 0;
    return (long long)timegm(&tm);
}

int m365id__client_cert_subject(char *out, size_t size, const struct m365id__client_cert *c)
{
    BIO *bio;
    int n;

    if (size == 0)
        return M365ID_EINVAL;
    out[0] = '\0';
    if (c == NULL || c->count == 0 || size > INT_MAX)
        return M365ID_EINVAL;
    bio = BIO_new(BIO_s_mem());
    if (bio == NULL)
        return M365ID_ENOMEM;
    if (X509_NAME_print_ex(bio, X509_get_subject_name(c->certs[0]), 0, XN_FLAG_RFC2253) < 0) {
        BIO_free(bio);
        return M365ID_EINVAL;
    }
    n = BIO_read(bio, out, (int)size - 1);
    out[n > 0 ? n : 0] = '\0';
    BIO_free(bio);
    return 0;
}

int m365id__client_cert_sign_ps256(unsigned char **sig_out, size_t *sig_len,
                                   const struct m365id__client_cert *c, const void *data,
                                   size_t len)
{
    EVP_MD_CTX *md = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *sig = NULL;
    size_t n = 0;
    int rc = M365ID_EINVAL;

    *sig_out = NULL;
    *sig_len = 0;
    if (c == NULL || c->key == NULL)
        return M365ID_EINVAL;
    md = EVP_MD_CTX_new();
    if (md == NULL)
        return M365ID_ENOMEM;

    /* RFC 7518 section 3.5: MGF1 with SHA-256 and a salt as long as the digest. */
    if (EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, c->key) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
        EVP_DigestSign(md, NULL, &n, data, len) != 1)
        goto out;
    sig = malloc(n);
    if (sig == NULL) {
        rc = M365ID_ENOMEM;
        goto out;
    }
    if (EVP_DigestSign(md, sig, &n, data, len) != 1)
        goto out;
    *sig_out = sig;
    *sig_len = n;
    sig = NULL;
    rc = 0;

out:
    free(sig);
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    return rc;
}
