/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/util/crypto_x509.c: the generated chain verifies as a TLS server chain
 * for the loopback names, the key belongs to the server certificate, and certificates in a PEM
 * file are counted as OpenSSL's CA loader reads them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "m365id/error.h"
#include "util/crypto.h"
#include "util/strutil.h"

static X509 *load_cert(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *cert;

    assert_non_null(bio);
    cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    assert_non_null(cert);
    return cert;
}

/* Verify @p leaf against @p ca as a TLS server certificate; returns the X509_V_* result. */
static int verify_server_chain(X509 *ca, X509 *leaf)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int err;

    assert_non_null(store);
    assert_non_null(ctx);
    assert_int_equal(X509_STORE_add_cert(store, ca), 1);
    assert_int_equal(X509_STORE_CTX_init(ctx, store, leaf, NULL), 1);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_X509_STRICT);
    if (X509_verify_cert(ctx) == 1)
        err = X509_V_OK;
    else
        err = X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return err;
}

static void test_util_crypto_x509__chain_verifies_for_loopback_names(void **state)
{
    static const char *const extra[] = {"emulator.test", NULL};
    struct m365id__tls_material tls;
    X509 *ca;
    X509 *leaf;

    (void)state;
    assert_int_equal(m365id__tls_material_generate(&tls, 2, extra), 0);
    assert_true(m365id__starts_with(tls.ca_cert_pem, "-----BEGIN CERTIFICATE-----\n"));
    assert_true(m365id__starts_with(tls.server_cert_pem, "-----BEGIN CERTIFICATE-----\n"));
    assert_true(m365id__starts_with(tls.server_key_pem, "-----BEGIN PRIVATE KEY-----\n"));

    ca = load_cert(tls.ca_cert_pem);
    leaf = load_cert(tls.server_cert_pem);
    assert_int_equal(verify_server_chain(ca, leaf), X509_V_OK);

    assert_int_equal(X509_check_host(leaf, "localhost", 0, 0, NULL), 1);
    assert_int_equal(X509_check_host(leaf, "emulator.test", 0, 0, NULL), 1);
    assert_int_equal(X509_check_host(leaf, "example.com", 0, 0, NULL), 0);
    assert_int_equal(X509_check_ip_asc(leaf, "127.0.0.1", 0), 1);
    assert_int_equal(X509_check_ip_asc(leaf, "::1", 0), 1);
    assert_int_equal(X509_check_ip_asc(leaf, "10.0.0.1", 0), 0);

    /* The CA may sign but is not itself a server certificate for these names. */
    assert_int_equal(X509_check_ca(ca), 1);
    assert_int_equal(X509_check_ca(leaf), 0);
    assert_int_equal(X509_check_host(ca, "localhost", 0, 0, NULL), 0);

    X509_free(ca);
    X509_free(leaf);
    m365id__tls_material_clear(&tls);
    assert_null(tls.server_key_pem);
}

static void test_util_crypto_x509__key_matches_server_certificate(void **state)
{
    struct m365id__tls_material tls;
    EVP_PKEY *key;
    X509 *leaf;
    BIO *bio;

    (void)state;
    assert_int_equal(m365id__tls_material_generate(&tls, 1, NULL), 0);
    leaf = load_cert(tls.server_cert_pem);
    bio = BIO_new_mem_buf(tls.server_key_pem, -1);
    key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    assert_non_null(key);
    assert_true(EVP_PKEY_is_a(key, "EC"));
    assert_int_equal(EVP_PKEY_get_bits(key), 256);
    assert_int_equal(X509_check_private_key(leaf, key), 1);
    EVP_PKEY_free(key);
    X509_free(leaf);
    m365id__tls_material_clear(&tls);
}

static void test_util_crypto_x509__other_ca_does_not_verify(void **state)
{
    struct m365id__tls_material a;
    struct m365id__tls_material b;
    X509 *ca_b;
    X509 *leaf_a;

    (void)state;
    assert_int_equal(m365id__tls_material_generate(&a, 1, NULL), 0);
    assert_int_equal(m365id__tls_material_generate(&b, 1, NULL), 0);
    ca_b = load_cert(b.ca_cert_pem);
    leaf_a = load_cert(a.server_cert_pem);
    assert_int_not_equal(verify_server_chain(ca_b, leaf_a), X509_V_OK);
    X509_free(ca_b);
    X509_free(leaf_a);
    m365id__tls_material_clear(&a);
    m365id__tls_material_clear(&b);
}

static void test_util_crypto_x509__serials_differ_and_validity_covers_now(void **state)
{
    struct m365id__tls_material a;
    struct m365id__tls_material b;
    X509 *leaf_a;
    X509 *leaf_b;
    int day = 0;
    int sec = 0;

    (void)state;
    assert_int_equal(m365id__tls_material_generate(&a, 30, NULL), 0);
    assert_int_equal(m365id__tls_material_generate(&b, 30, NULL), 0);
    leaf_a = load_cert(a.server_cert_pem);
    leaf_b = load_cert(b.server_cert_pem);
    assert_int_not_equal(
        ASN1_INTEGER_cmp(X509_get0_serialNumber(leaf_a), X509_get0_serialNumber(leaf_b)), 0);
    assert_true(X509_cmp_current_time(X509_get0_notBefore(leaf_a)) < 0);
    assert_true(X509_cmp_current_time(X509_get0_notAfter(leaf_a)) > 0);
    /* Not after is 30 days from now: between 29 and 30 days ahead. */
    assert_int_equal(ASN1_TIME_diff(&day, &sec, NULL, X509_get0_notAfter(leaf_a)), 1);
    assert_true(day == 29 || day == 30);
    X509_free(leaf_a);
    X509_free(leaf_b);
    m365id__tls_material_clear(&a);
    m365id__tls_material_clear(&b);
}

static void test_util_crypto_x509__unsafe_extra_name_is_rejected(void **state)
{
    static const char *const comma[] = {"a.test,IP:10.0.0.1", NULL};
    static const char *const empty[] = {"", NULL};
    struct m365id__tls_material tls;

    (void)state;
    assert_int_equal(m365id__tls_material_generate(&tls, 1, comma), M365ID_EINVAL);
    assert_null(tls.ca_cert_pem);
    assert_null(tls.server_key_pem);
    assert_int_equal(m365id__tls_material_generate(&tls, 1, empty), M365ID_EINVAL);
    assert_int_equal(m365id__tls_material_generate(&tls, 0, NULL), M365ID_EINVAL);
    m365id__tls_material_clear(&tls);
}

/* Write @p text to a new temporary file whose name is stored in @p path. */
static void write_temp(char *path, size_t size, const char *text)
{
    size_t len = strlen(text);
    int fd;

    snprintf(path, size, "/tmp/m365id-pem-XXXXXX");
    fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

static void test_util_crypto_x509__pem_file_count(void **state)
{
    struct m365id__tls_material tls;
    char both[8192];
    char path[64];
    size_t count = 99;

    (void)state;
    assert_int_equal(m365id__tls_material_generate(&tls, 1, NULL), 0);

    /* The key block between the two certificates is skipped, as OpenSSL's CA loader does. */
    snprintf(both, sizeof(both), "comment line\n%s%s%s", tls.ca_cert_pem, tls.server_key_pem,
             tls.server_cert_pem);
    write_temp(path, sizeof(path), both);
    assert_int_equal(m365id__x509_pem_file_count(&count, path), 0);
    assert_int_equal(count, 2);
    unlink(path);

    write_temp(path, sizeof(path), tls.server_key_pem);
    assert_int_equal(m365id__x509_pem_file_count(&count, path), 0);
    assert_int_equal(count, 0);
    unlink(path);

    write_temp(path, sizeof(path), "junk\n");
    assert_int_equal(m365id__x509_pem_file_count(&count, path), 0);
    assert_int_equal(count, 0);
    unlink(path);

    write_temp(path, sizeof(path),
               "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    assert_int_equal(m365id__x509_pem_file_count(&count, path), M365ID_EINVAL);
    assert_int_equal(count, 0);
    unlink(path);

    assert_int_equal(m365id__x509_pem_file_count(&count, path), M365ID_EIO);
    m365id__tls_material_clear(&tls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util_crypto_x509__chain_verifies_for_loopback_names),
        cmocka_unit_test(test_util_crypto_x509__key_matches_server_certificate),
        cmocka_unit_test(test_util_crypto_x509__other_ca_does_not_verify),
        cmocka_unit_test(test_util_crypto_x509__serials_differ_and_validity_covers_now),
        cmocka_unit_test(test_util_crypto_x509__unsafe_extra_name_is_rejected),
        cmocka_unit_test(test_util_crypto_x509__pem_file_count),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
