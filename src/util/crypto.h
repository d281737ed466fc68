/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Hashes, base64, random values, RSA keys and X.509 certificates. crypto.c and crypto_x509.c
 * are the only places that call OpenSSL.
 */
#ifndef M365ID_UTIL_CRYPTO_H
#define M365ID_UTIL_CRYPTO_H

#include <stddef.h>

#define M365ID_SHA256_LEN 32u

/** SHA-256 of @p len bytes into @p out (32 bytes). */
void m365id__sha256(unsigned char out[M365ID_SHA256_LEN], const void *data, size_t len);

/** Base64url without padding (RFC 7515 appendix C). Returns a malloc'd string or NULL. */
char *m365id__b64url_encode(const void *data, size_t len);

/**
 * Decode base64url without padding; a trailing '=' pad is also accepted. Any other character,
 * or a length that cannot be base64, gives M365ID_EINVAL. *out is malloc'd and NUL-terminated
 * (the NUL is not counted in *out_len).
 */
int m365id__b64url_decode(unsigned char **out, size_t *out_len, const char *s, size_t len);

/** Standard base64 with padding. Returns a malloc'd string or NULL. */
char *m365id__b64_encode(const void *data, size_t len);

/** Fill @p out with @p len cryptographically random bytes. Returns 0 or M365ID_EIO. */
int m365id__random(void *out, size_t len);

/** A random version 4 GUID in lower case, into @p out (37 bytes). Returns 0 or M365ID_EIO. */
int m365id__guid_v4(char out[37]);

/** An RSA key pair (private key) or a public key alone. */
struct m365id__rsa_key;

/** Generate an RSA key of @p bits bits (2048 to 16384; M365ID_EINVAL otherwise). */
int m365id__rsa_generate(struct m365id__rsa_key **out, unsigned int bits);

/** Load a key from PEM (PKCS#8 or PKCS#1 private, or SubjectPublicKeyInfo public);
 *  M365ID_EINVAL when it is not an unencrypted RSA key of 2048 to 16384 bits. */
int m365id__rsa_from_pem(struct m365id__rsa_key **out, const char *pem, size_t len);

/** Build a public key from a JWK's base64url "n" and "e"; M365ID_EINVAL for a modulus
 *  outside 2048 to 16384 bits or an even or unit exponent. */
int m365id__rsa_from_jwk(struct m365id__rsa_key **out, const char *n_b64url, const char *e_b64url);

/** Private key as PKCS#8 PEM (malloc'd, wipe before free). */
int m365id__rsa_private_pem(char **out, const struct m365id__rsa_key *key);

/** The public part as JWK members: base64url "n" and "e" (both malloc'd). */
int m365id__rsa_public_jwk(char **n_out, char **e_out, const struct m365id__rsa_key *key);

/**
 * Key id as Kubernetes computes it: base64url without padding of SHA-256 over the DER
 * SubjectPublicKeyInfo. malloc'd.
 */
int m365id__rsa_kid(char **out, const struct m365id__rsa_key *key);

/** RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature over @p len bytes; *sig_out malloc'd. */
int m365id__rsa_sign_rs256(unsigned char **sig_out, size_t *sig_len, const struct m365id__rsa_key *key,
                           const void *data, size_t len);

/** Verify an RS256 signature. Returns 0 when valid, M365ID_EAUTH when not. */
int m365id__rsa_verify_rs256(const struct m365id__rsa_key *key, const void *data, size_t len,
                             const unsigned char *sig, size_t sig_len);

/**
 * Verify a PS256 signature (RFC 7518 section 3.5: RSASSA-PSS with SHA-256, MGF1 with SHA-256
 * and a 32-byte salt). Returns 0 when valid, M365ID_EAUTH when not (another salt length is
 * invalid too).
 */
int m365id__rsa_verify_ps256(const struct m365id__rsa_key *key, const void *data, size_t len,
                             const unsigned char *sig, size_t sig_len);

void m365id__rsa_free(struct m365id__rsa_key *key);

/**
 * A certificate authority and one server certificate it signed, all ECDSA P-256 (handshakes
 * cost a third of RSA's). PEM strings are malloc'd; the key PEMs must be wiped before free.
 */
struct m365id__tls_material {
    char *ca_cert_pem;
    char *server_cert_pem; /* SAN: DNS localhost, IP 127.0.0.1, IP ::1, plus extra_dns */
    char *server_key_pem;
};

/**
 * Create a fresh CA (valid @p days days, 1 to 3650) and a server certificate for the loopback
 * names and @p extra_dns (NULL-terminated list of host names, may be NULL). Returns 0,
 * M365ID_EINVAL for a bad day count or name, or M365ID_ENOMEM.
 */
int m365id__tls_material_generate(struct m365id__tls_material *out, unsigned int days,
                                  const char *const *extra_dns);

/** Free (and wipe the key of) material from m365id__tls_material_generate(). */
void m365id__tls_material_clear(struct m365id__tls_material *tls);

/**
 * A self-signed ECDSA P-256 certificate for a plugin server that a go-plugin host pins (AutoMTLS):
 * the certificate is its own trust root. PEM strings and @p der_b64 are malloc'd; the key PEM
 * must be wiped before free.
 */
struct m365id__self_signed {
    char *cert_pem;
    char *key_pem;
    char *der_b64; /* the certificate's DER in base64 without '=' padding (Go RawStdEncoding) */
};

/**
 * Create a fresh key and a self-signed certificate for DNS name "localhost", valid from 30 s ago
 * for @p days days (1 to 3650), marked CA so that it can serve as the client's only root, with
 * extended key usages serverAuth and clientAuth. Returns 0, M365ID_EINVAL for a bad day count,
 * or M365ID_ENOMEM.
 */
int m365id__self_signed_generate(struct m365id__self_signed *out, unsigned int days);

/** Free (and wipe the key of) a certificate from m365id__self_signed_generate(). */
void m365id__self_signed_clear(struct m365id__self_signed *cert);

/**
 * Count the X.509 certificates in the PEM file at @p path, parsed as OpenSSL parses a CA file
 * for libcurl: other PEM blocks, such as keys, are skipped, and text outside blocks is ignored.
 * @param[out] count_out  certificates found; 0 when the file contains no certificate block
 * @return 0; M365ID_EIO when the file cannot be opened (errno is set); M365ID_EINVAL when a PEM
 *         block is damaged; M365ID_ENOMEM
 */
int m365id__x509_pem_file_count(size_t *count_out, const char *path);

/** What an application's registered certificate contributes to client-assertion checks. */
struct m365id__x509_info {
    unsigned char sha1[20];      /* SHA-1 of the DER: the "x5t" thumbprint */
    unsigned char sha256[M365ID_SHA256_LEN]; /* SHA-256 of the DER: the "x5t#S256" thumbprint */
    char subject[512];           /* RFC 2253 form, e.g. "CN=app.contoso.com,O=Contoso" */
    long long not_before;        /* Unix seconds */
    long long not_after;         /* Unix seconds */
    struct m365id__rsa_key *key; /* the public key; NULL when it is not RSA */
};

/**
 * Read the first certificate of PEM text (other blocks before it are skipped).
 * @return 0; M365ID_EINVAL when there is no readable certificate; M365ID_ENOMEM
 */
int m365id__x509_info_from_pem(struct m365id__x509_info *out, const char *pem, size_t len);

/** Read one DER certificate, as carried base64-encoded in a JWS "x5c" header. Returns as above. */
int m365id__x509_info_from_der(struct m365id__x509_info *out, const unsigned char *der,
                               size_t len);

/** Free the key of @p info and zero it. */
void m365id__x509_info_clear(struct m365id__x509_info *info);

/* --- client certificates (crypto_cred.c) --- */

/** Why a client certificate file could not be used. */
enum m365id__cert_fault {
    M365ID__CERT_OK = 0,
    M365ID__CERT_FORMAT,      /* neither PKCS#12 nor PEM with a key and a certificate */
    M365ID__CERT_PASSWORD,    /* the password does not open the PKCS#12 file or PEM key */
    M365ID__CERT_UNSUPPORTED, /* PKCS#12 encrypted with an algorithm OpenSSL 3 lacks */
    M365ID__CERT_NO_KEY,      /* no private key */
    M365ID__CERT_NO_CERT,     /* no certificate */
    M365ID__CERT_MISMATCH,    /* no certificate belongs to the private key */
    M365ID__CERT_NOT_RSA,     /* the key is not RSA of 2048 bits or more */
    M365ID__CERT_TOO_MANY,    /* more than 16 certificates */
};

/** A private key and its certificate chain, leaf first. */
struct m365id__client_cert;

/** Static text for a fault, e.g. "the password does not open it". */
const char *m365id__cert_fault_text(enum m365id__cert_fault fault);

/**
 * Load @p len bytes of a PKCS#12 file (DER) or of PEM text holding one private key and one or
 * more certificates, in any order. @p password (may be NULL) opens the PKCS#12 file or an
 * encrypted PEM key; nothing ever prompts for one. The certificate whose public key matches
 * the private key becomes the leaf; the others follow in file order.
 * @return 0; M365ID_EINVAL with *fault naming the reason; M365ID_ENOMEM
 */
int m365id__client_cert_load(struct m365id__client_cert **out, enum m365id__cert_fault *fault,
                             const void *data, size_t len, const char *password);

/** Number of certificates, leaf included. */
size_t m365id__client_cert_count(const struct m365id__client_cert *c);

/** SHA-256 of certificate @p i's DER (0 is the leaf). Returns 0 or M365ID_EINVAL. */
int m365id__client_cert_sha256(unsigned char out[M365ID_SHA256_LEN],
                               const struct m365id__client_cert *c, size_t i);

/** Standard base64 of certificate @p i's DER, an "x5c" entry; malloc'd, NULL on error. */
char *m365id__client_cert_b64(const struct m365id__client_cert *c, size_t i);

/** The leaf's notAfter in Unix seconds; 0 when unreadable. */
long long m365id__client_cert_not_after(const struct m365id__client_cert *c);

/** The leaf's subject in RFC 2253 form into @p out. Returns 0 or a negative code. */
int m365id__client_cert_subject(char *out, size_t size, const struct m365id__client_cert *c);

/** PS256 signature (RFC 7518 section 3.5) over @p len bytes with the key; *sig_out malloc'd. */
int m365id__client_cert_sign_ps256(unsigned char **sig_out, size_t *sig_len,
                                   const struct m365id__client_cert *c, const void *data,
                                   size_t len);

/** Free the key (OpenSSL wipes it) and the certificates; NULL is a no-op. */
void m365id__client_cert_free(struct m365id__client_cert *c);

#endif /* M365ID_UTIL_CRYPTO_H */
