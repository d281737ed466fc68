/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Hashes, base64, random values and RSA keys on OpenSSL 3 EVP interfaces. Certificates for
 * the local TLS servers live in crypto_x509.c.
 */
#include "util/crypto.h"

#include <limits.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "m365id/error.h"
#include "util/secret.h"

/* RSA moduli accepted from JWKs and PEM files: Entra rejects keys under 2048 bits, and the
 * upper bound keeps a hostile key from making verification expensive. */
#define RSA_BITS_MIN 2048
#define RSA_BITS_MAX 16384

struct m365id__rsa_key {
    EVP_PKEY *pkey;
    int has_private;
};

void m365id__sha256(unsigned char out[M365ID_SHA256_LEN], const void *data, size_t len)
{
    unsigned int n = 0;

    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != M365ID_SHA256_LEN)
        memset(out, 0, M365ID_SHA256_LEN);
}

/* --- base64 --- */

char *m365id__b64_encode(const void *data, size_t len)
{
    size_t groups;
    char *out;

    if (len > INT_MAX)
        return NULL;
    groups = (len + 2) / 3;
    out = malloc(groups * 4 + 1);
    if (out == NULL)
        return NULL;
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    out[groups * 4] = '\0';
    return out;
}

char *m365id__b64url_encode(const void *data, size_t len)
{
    char *out = m365id__b64_encode(data, len);
    char *p;

    if (out == NULL)
        return NULL;
    for (p = out; *p != '\0'; p++) {
        if (*p == '+')
            *p = '-';
        else if (*p == '/')
            *p = '_';
        else if (*p == '=')
            *p = '\0';
    }
    return out;
}

int m365id__b64url_decode(unsigned char **out, size_t *out_len, const char *s, size_t len)
{
    char *std = NULL;
    unsigned char *bin = NULL;
    size_t pads = 0;
    size_t data_len;
    size_t padded_len;
    size_t tail;
    size_t i;
    int n;
    int rc;

    *out = NULL;
    *out_len = 0;

    /* Up to two trailing '=' are allowed, but only on a complete group of four. */
    while (pads < 2 && pads < len && s[len - 1 - pads] == '=')
        pads++;
    if (pads > 0 && len % 4 != 0)
        return M365ID_EINVAL;
    data_len = len - pads;
    tail = data_len % 4;
    if (tail == 1 || (pads > 0 && 4 - tail != pads && tail != 0))
        return M365ID_EINVAL;
    if (data_len > (size_t)INT_MAX - 4)
        return M365ID_ETOOBIG;

    padded_len = data_len + (tail == 0 ? 0 : 4 - tail);
    std = malloc(padded_len + 1);
    bin = malloc(padded_len / 4 * 3 + 1);
    if (std == NULL || bin == NULL) {
        rc = M365ID_ENOMEM;
        goto out;
    }
    for (i = 0; i < data_len; i++) {
        char c = s[i];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            std[i] = c;
        else if (c == '-')
            std[i] = '+';
        else if (c == '_')
            std[i] = '/';
        else {
            rc = M365ID_EINVAL;
            goto out;
        }
    }
    for (; i < padded_len; i++)
        std[i] = '=';
    std[padded_len] = '\0';

    /* EVP_DecodeBlock counts pad characters as zero bytes; drop them from the length. */
    n = padded_len == 0 ? 0 : EVP_DecodeBlock(bin, (unsigned char *)std, (int)padded_len);
    if (n < 0) {
        rc = M365ID_EINVAL;
        goto out;
    }
    *out_len = padded_len / 4 * 3 - (tail == 0 ? 0 : 4 - tail);
    bin[*out_len] = '\0';
    *out = bin;
    bin = NULL;
    rc = 0;

out:
    free(std);
    free(bin);
    return rc;
}

/* --- random values --- */

int m365id__random(void *out, size_t len)
{
    unsigned char *p = out;

    while (len > 0) {
        int chunk = len > INT_MAX ? INT_MAX : (int)len;

        if (RAND_bytes(p, chunk) != 1)
            return M365ID_EIO;
        p += chunk;
        len -= (size_t)chunk;
    }
    return 0;
}

int m365id__guid_v4(char out[37])
{
    unsigned char b[16];
    int rc;

    out[0] = '\0';
    if ((rc = m365id__random(b, sizeof(b))) < 0)
        return rc;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 (RFC 9562 section 5.4) */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10 */
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
    return 0;
}

/* --- RSA keys --- */

static int rsa_wrap(struct m365id__rsa_key **out, EVP_PKEY *pkey, int has_private)
{
    struct m365id__rsa_key *key = calloc(1, sizeof(*key));

    if (key == NULL) {
        EVP_PKEY_free(pkey);
        return M365ID_ENOMEM;
    }
    key->pkey = pkey;
    key->has_private = has_private;
    *out = key;
    return 0;
}

int m365id__rsa_generate(struct m365id__rsa_key **out, unsigned int bits)
{
    EVP_PKEY *pkey;

    *out = NULL;
    if (bits < RSA_BITS_MIN || bits > RSA_BITS_MAX)
        return M365ID_EINVAL;
    pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    if (pkey == NULL) {
        ERR_clear_error();
        return M365ID_ENOMEM;
    }
    return rsa_wrap(out, pkey, 1);
}

/* Reject encrypted keys instead of letting OpenSSL prompt for a passphrase on the terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

static int rsa_bits_ok(const EVP_PKEY *pkey)
{
    int bits = EVP_PKEY_get_bits(pkey);

    return EVP_PKEY_is_a(pkey, "RSA") && bits >= RSA_BITS_MIN && bits <= RSA_BITS_MAX;
}

int m365id__rsa_from_pem(struct m365id__rsa_key **out, const char *pem, size_t len)
{
    EVP_PKEY *pkey = NULL;
    int has_private = 1;
    BIO *bio = NULL;

    *out = NULL;
    if (pem == NULL || len == 0 || len > INT_MAX)
        return M365ID_EINVAL;

    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL)
        return M365ID_ENOMEM;
    pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    if (pkey == NULL) {
        BIO_free(bio);
        bio = BIO_new_mem_buf(pem, (int)len);
        if (bio == NULL)
            return M365ID_ENOMEM;
        pkey = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
        has_private = 0;
    }
    BIO_free(bio);
    ERR_clear_error();
    if (pkey == NULL)
        return M365ID_EINVAL;
    if (!rsa_bits_ok(pkey)) {
        EVP_PKEY_free(pkey);
        return M365ID_EINVAL;
    }
    return rsa_wrap(out, pkey, has_private);
}

/* Decode a base64url JWK integer; leading zero octets are tolerated. */
static int jwk_bignum(BIGNUM **out, const char *b64url)
{
    unsigned char *bin = NULL;
    size_t bin_len = 0;
    int rc;

    *out = NULL;
    if (b64url == NULL || b64url[0] == '\0')
        return M365ID_EINVAL;
    if ((rc = m365id__b64url_decode(&bin, &bin_len, b64url, strlen(b64url))) < 0)
        return rc;
    if (bin_len == 0 || bin_len > RSA_BITS_MAX / 8) {
        free(bin);
        return M365ID_EINVAL;
    }
    *out = BN_bin2bn(bin, (int)bin_len, NULL);
    free(bin);
    return *out != NULL ? 0 : M365ID_ENOMEM;
}

int m365id__rsa_from_jwk(struct m365id__rsa_key **out, const char *n_b64url, const char *e_b64url)
{
    BIGNUM *n = NULL;
    BIGNUM *e = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    EVP_PKEY *pkey = NULL;
    int rc;

    *out = NULL;
    if ((rc = jwk_bignum(&n, n_b64url)) < 0)
        goto out;
    if ((rc = jwk_bignum(&e, e_b64url)) < 0)
        goto out;

    /* The public exponent must be odd and greater than one (RFC 8017 section 3.1). */
    if (!BN_is_odd(e) || BN_is_one(e) || BN_num_bits(n) < RSA_BITS_MIN) {
        rc = M365ID_EINVAL;
        goto out;
    }

    rc = M365ID_ENOMEM;
    bld = OSSL_PARAM_BLD_new();
    if (bld == NULL || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
        goto out;
    params = OSSL_PARAM_BLD_to_param(bld);
    if (params == NULL)
        goto out;
    pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (pctx == NULL || EVP_PKEY_fromdata_init(pctx) != 1)
        goto out;
    if (EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
        rc = M365ID_EINVAL;
        goto out;
    }
    if (!rsa_bits_ok(pkey)) {
        rc = M365ID_EINVAL;
        goto out;
    }
    rc = rsa_wrap(out, pkey, 0);
    pkey = NULL;

out:
    ERR_clear_error();
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    return rc;
}

int m365id__rsa_private_pem(char **out, const struct m365id__rsa_key *key)
{
    BIO *bio = NULL;
    char *data = NULL;
    long n;
    int rc = M365ID_ENOMEM;

    *out = NULL;
    if (key == NULL || !key->has_private)
        return M365ID_EINVAL;

    /* A secure-memory BIO is wiped when freed, so the PEM text has one copy: the caller's. */
    bio = BIO_new(BIO_s_secmem());
    if (bio == NULL)
        goto out;
    if (PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL, NULL) != 1)
        goto out;
    n = BIO_get_mem_data(bio, &data);
    if (n <= 0)
        goto out;
    *out = malloc((size_t)n + 1);
    if (*out == NULL)
        goto out;
    memcpy(*out, data, (size_t)n);
    (*out)[n] = '\0';
    rc = 0;

out:
    ERR_clear_error();
    BIO_free(bio);
    return rc;
}

/* The RSA parameter @p name as unpadded base64url of its big-endian bytes. */
static int bn_param_b64url(char **out, const EVP_PKEY *pkey, const char *name)
{
    BIGNUM *bn = NULL;
    unsigned char *bin = NULL;
    int n;
    int rc = M365ID_ENOMEM;

    *out = NULL;
    if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1) {
        rc = M365ID_EINVAL;
        goto out;
    }
    n = BN_num_bytes(bn);
    bin = malloc(n > 0 ? (size_t)n : 1);
    if (bin == NULL)
        goto out;
    BN_bn2bin(bn, bin);
    *out = m365id__b64url_encode(bin, (size_t)n);
    if (*out != NULL)
        rc = 0;

out:
    ERR_clear_error();
    free(bin);
    BN_free(bn);
    return rc;
}

int m365id__rsa_public_jwk(char **n_out, char **e_out, const struct m365id__rsa_key *key)
{
    char *n = NULL;
    char *e = NULL;
    int rc;

    *n_out = NULL;
    *e_out = NULL;
    if ((rc = bn_param_b64url(&n, key->pkey, OSSL_PKEY_PARAM_RSA_N)) < 0)
        goto out;
    if ((rc = bn_param_b64url(&e, key->pkey, OSSL_PKEY_PARAM_RSA_E)) < 0)
        goto out;
    *n_out = n;
    *e_out = e;
    n = NULL;
    e = NULL;

out:
    free(n);
    free(e);
    return rc;
}

int m365id__rsa_kid(char **out, const struct m365id__rsa_key *key)
{
    unsigned char digest[M365ID_SHA256_LEN];
    unsigned char *der = NULL;
    int der_len;

    *out = NULL;
    der_len = i2d_PUBKEY(key->pkey, &der);
    if (der_len <= 0) {
        ERR_clear_error();
        return M365ID_ENOMEM;
    }
    m365id__sha256(digest, der, (size_t)der_len);
    OPENSSL_free(der);
    *out = m365id__b64url_encode(digest, sizeof(digest));
    return *out != NULL ? 0 : M365ID_ENOMEM;
}

int m365id__rsa_sign_rs256(unsigned char **sig_out, size_t *sig_len, const struct m365id__rsa_key *key,
                           const void *data, size_t len)
{
    EVP_MD_CTX *md = NULL;
    unsigned char *sig = NULL;
    size_t n = 0;
    int rc = M365ID_ENOMEM;

    *sig_out = NULL;
    *sig_len = 0;
    if (key == NULL || !key->has_private)
        return M365ID_EINVAL;

    md = EVP_MD_CTX_new();
    if (md == NULL)
        goto out;
    /* RSA keys sign with PKCS #1 v1.5 padding by default, which is what RS256 requires. */
    if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key->pkey) != 1 ||
        EVP_DigestSign(md, NULL, &n, data, len) != 1)
        goto out;
    sig = malloc(n);
    if (sig == NULL || EVP_DigestSign(md, sig, &n, data, len) != 1)
        goto out;
    *sig_out = sig;
    *sig_len = n;
    sig = NULL;
    rc = 0;

out:
    ERR_clear_error();
    free(sig);
    EVP_MD_CTX_free(md);
    return rc;
}

int m365id__rsa_verify_rs256(const struct m365id__rsa_key *key, const void *data, size_t len,
                             const unsigned char *sig, size_t sig_len)
{
    EVP_MD_CTX *md = NULL;
    int ok = 0;

    if (key == NULL || sig == NULL || sig_len == 0)
        return M365ID_EAUTH;
    md = EVP_MD_CTX_new();
    if (md == NULL)
        return M365ID_ENOMEM;
    if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key->pkey) == 1)
        ok = EVP_DigestVerify(md, sig, sig_len, data, len) == 1;
    ERR_clear_error();
    EVP_MD_CTX_free(md);
    return ok ? 0 : M365ID_EAUTH;
}

int m365id__rsa_verify_ps256(const struct m365id__rsa_key *key, const void *data, size_t len,
                             const unsigned char *sig, size_t sig_len)
{
    EVP_MD_CTX *md = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    int ok = 0;

    if (key == NULL || sig == NULL || sig_len == 0)
        return M365ID_EAUTH;
    md = EVP_MD_CTX_new();
    if (md == NULL)
        return M365ID_ENOMEM;
    /* RFC 7518 section 3.5: MGF1 with SHA-256 and a salt as long as the digest. */
    if (EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, key->pkey) == 1 &&
        EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1 &&
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1)
        ok = EVP_DigestVerify(md, sig, sig_len, data, len) == 1;
    ERR_clear_error();
    EVP_MD_CTX_free(md);
    return ok ? 0 : M365ID_EAUTH;
}

void m365id__rsa_free(struct m365id__rsa_key *key)
{
    if (key == NULL)
        return;
    EVP_PKEY_free(key->pkey);
    free(key);
}
