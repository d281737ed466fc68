/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/util/crypto.c: known vectors for SHA-256, base64 and the Kubernetes key
 * id, base64url edge cases, RSA signing, and JWK import and export.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "m365id/error.h"
#include "util/crypto.h"
#include "util/strutil.h"
#include "unit/util/alloc_fail.h"

/* Public key and expected key id from the Azure Workload Identity test suite
 * (pkg/cmd/jwks/root_test.go), the same values Kubernetes derives. */
static const char k8s_pub_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1QJE2YmLbvMLP6FtzcfP\n"
    "zGbSDbHEEtA0mH6kwgrOrlKs83zj2vr6Y5k/ZcGdIbsdm5vDj2IxtSkE+pSDtgFM\n"
    "2iq0sJ7xuE6RYmlrtBm+H2WHvXrP9RrG1EfO7iWs6Czj4A/Ddxg3kNUiQCtQEJww\n"
    "H2pfrUkh8STQhST/T86pq5AIFCuQiQSrkfC80eD9bUFypV3CLB2M9Fa1hbvOWbzS\n"
    "F93/I0toUK2+oPgVW6m2EwMyy8Fh/3KRixrAJO8g+D4d537C1fa1vJJRlMRFtLMA\n"
    "/bo6k1fAtNsVQuQoML5CmRrvNT7ZpXRLaQy64OSFrVLD3Pb7wct7b4g2xQECixQo\n"
    "dwIDAQAB\n"
    "-----END PUBLIC KEY-----\n";
static const char k8s_kid[] = "2A3FPpix2keOV1SGPQiM0_wVemz4XOIgQyJJnpu5sPE";
static const char k8s_n[] =
    "1QJE2YmLbvMLP6FtzcfPzGbSDbHEEtA0mH6kwgrOrlKs83zj2vr6Y5k_ZcGdIbsdm5vDj2IxtSkE-pSDtgFM2iq0sJ"
    "7xuE6RYmlrtBm-H2WHvXrP9RrG1EfO7iWs6Czj4A_Ddxg3kNUiQCtQEJwwH2pfrUkh8STQhST_T86pq5AIFCuQiQSr"
    "kfC80eD9bUFypV3CLB2M9Fa1hbvOWbzSF93_I0toUK2-oPgVW6m2EwMyy8Fh_3KRixrAJO8g-D4d537C1fa1vJJRlM"
    "RFtLMA_bo6k1fAtNsVQuQoML5CmRrvNT7ZpXRLaQy64OSFrVLD3Pb7wct7b4g2xQECixQodw";

/* One generated key shared by the RSA tests: generation takes a noticeable fraction of a
 * second. */
static struct m365id__rsa_key *shared_key;

static int setup_key(void **state)
{
    (void)state;
    return m365id__rsa_generate(&shared_key, 2048);
}

static int teardown_key(void **state)
{
    (void)state;
    m365id__rsa_free(shared_key);
    shared_key = NULL;
    return 0;
}

static void test_util_crypto__sha256_matches_known_vector(void **state)
{
    static const unsigned char want[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    unsigned char got[32];

    (void)state;
    m365id__sha256(got, "abc", 3);
    assert_memory_equal(got, want, 32);
}

static void test_util_crypto__b64_encode_matches_rfc4648(void **state)
{
    static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const want[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
                                       "Zm9vYmFy"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
        char *got = m365id__b64_encode(in[i], strlen(in[i]));

        assert_non_null(got);
        assert_string_equal(got, want[i]);
        free(got);
    }
}

static void test_util_crypto__b64url_uses_url_alphabet_without_padding(void **state)
{
    static const unsigned char bytes[] = {0xfb, 0xff, 0xbf, 0xfe};
    char *got = m365id__b64url_encode(bytes, sizeof(bytes));

    (void)state;
    assert_non_null(got);
    assert_string_equal(got, "-_-__g");
    free(got);
}

static void test_util_crypto__b64url_round_trips_every_length(void **state)
{
    unsigned char data[70];
    size_t len;

    (void)state;
    for (len = 0; len < sizeof(data); len++) {
        unsigned char *back = NULL;
        size_t back_len = 99;
        char *enc;

        assert_int_equal(m365id__random(data, len), 0);
        enc = m365id__b64url_encode(data, len);
        assert_non_null(enc);
        assert_null(strchr(enc, '='));
        assert_int_equal(m365id__b64url_decode(&back, &back_len, enc, strlen(enc)), 0);
        assert_int_equal(back_len, len);
        assert_memory_equal(back, data, len);
        assert_int_equal(back[len], 0);
        free(back);
        free(enc);
    }
}

static void test_util_crypto__b64url_decode_accepts_padding(void **state)
{
    unsigned char *out = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(m365id__b64url_decode(&out, &len, "Zm8=", 4), 0);
    assert_int_equal(len, 2);
    assert_memory_equal(out, "fo", 2);
    free(out);
    assert_int_equal(m365id__b64url_decode(&out, &len, "Zg==", 4), 0);
    assert_int_equal(len, 1);
    assert_memory_equal(out, "f", 1);
    free(out);
}

static void test_util_crypto__b64url_decode_rejects_invalid_input(void **state)
{
    static const char *const bad[] = {
        "Z",      /* one character cannot be base64 */
        "Zm9vY",  /* 5 characters: 4n + 1 */
        "Zm+v",   /* standard alphabet */
        "Zm/v",   /* standard alphabet */
        "Zm9 v",  /* space */
        "Zm9\n",  /* newline */
        "Zm8",    /* fine, see below */
        "Zm8==",  /* pad on an incomplete group */
        "Z===",   /* three pads */
        "Zm=v",   /* pad in the middle */
        "Zm9v.",  /* JWT separator */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned char *out = (unsigned char *)1;
        size_t len = 7;
        int rc = m365id__b64url_decode(&out, &len, bad[i], strlen(bad[i]));

        if (strcmp(bad[i], "Zm8") == 0) {
            assert_int_equal(rc, 0);
            free(out);
            continue;
        }
        assert_int_equal(rc, M365ID_EINVAL);
        assert_null(out);
        assert_int_equal(len, 0);
    }
}

static void test_util_crypto__b64url_decode_of_empty_is_empty(void **state)
{
    unsigned char *out = NULL;
    size_t len = 5;

    (void)state;
    assert_int_equal(m365id__b64url_decode(&out, &len, "", 0), 0);
    assert_non_null(out);
    assert_int_equal(len, 0);
    free(out);
}

static void test_util_crypto__guid_v4_has_version_and_variant(void **state)
{
    char a[37];
    char b[37];

    (void)state;
    assert_int_equal(m365id__guid_v4(a), 0);
    assert_int_equal(m365id__guid_v4(b), 0);
    assert_true(m365id__is_guid(a));
    assert_int_equal(a[14], '4');
    assert_non_null(strchr("89ab", a[19]));
    assert_string_not_equal(a, b);
}

static void test_util_crypto__kid_matches_kubernetes_vector(void **state)
{
    struct m365id__rsa_key *key = NULL;
    char *kid = NULL;
    char *n = NULL;
    char *e = NULL;

    (void)state;
    assert_int_equal(m365id__rsa_from_pem(&key, k8s_pub_pem, strlen(k8s_pub_pem)), 0);
    assert_int_equal(m365id__rsa_kid(&kid, key), 0);
    assert_string_equal(kid, k8s_kid);
    assert_int_equal(m365id__rsa_public_jwk(&n, &e, key), 0);
    assert_string_equal(n, k8s_n);
    assert_string_equal(e, "AQAB");
    free(kid);
    free(n);
    free(e);
    m365id__rsa_free(key);
}

static void test_util_crypto__jwk_import_gives_same_kid(void **state)
{
    struct m365id__rsa_key *key = NULL;
    char *kid = NULL;

    (void)state;
    assert_int_equal(m365id__rsa_from_jwk(&key, k8s_n, "AQAB"), 0);
    assert_int_equal(m365id__rsa_kid(&kid, key), 0);
    assert_string_equal(kid, k8s_kid);
    free(kid);
    m365id__rsa_free(key);
}

static void test_util_crypto__jwk_import_rejects_bad_values(void **state)
{
    struct m365id__rsa_key *key = (struct m365id__rsa_key *)1;

    (void)state;
    assert_int_equal(m365id__rsa_from_jwk(&key, "", "AQAB"), M365ID_EINVAL);
    assert_null(key);
    assert_int_equal(m365id__rsa_from_jwk(&key, k8s_n, ""), M365ID_EINVAL);
    assert_int_equal(m365id__rsa_from_jwk(&key, k8s_n, NULL), M365ID_EINVAL);
    assert_int_equal(m365id__rsa_from_jwk(&key, k8s_n, "AQ+B"), M365ID_EINVAL);
    /* e = 2 is even, e = 1 is trivial. */
    assert_int_equal(m365id__rsa_from_jwk(&key, k8s_n, "Ag"), M365ID_EINVAL);
    assert_int_equal(m365id__rsa_from_jwk(&key, k8s_n, "AQ"), M365ID_EINVAL);
    /* A 512-bit modulus is too small. */
    assert_int_equal(m365id__rsa_from_jwk(&key, "1QJE2YmLbvMLP6FtzcfPzGbSDbHEEtA0mH6kwgrOrlKs83zj2v"
                                                "r6Y5k_ZcGdIbsdm5vDj2IxtSkE-pSDtgFM2g",
                                          "AQAB"),
                     M365ID_EINVAL);
    assert_null(key);
}

static void test_util_crypto__pem_import_rejects_garbage(void **state)
{
    static const char not_pem[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    struct m365id__rsa_key *key = (struct m365id__rsa_key *)1;

    (void)state;
    assert_int_equal(m365id__rsa_from_pem(&key, "hello", 5), M365ID_EINVAL);
    assert_null(key);
    assert_int_equal(m365id__rsa_from_pem(&key, not_pem, strlen(not_pem)), M365ID_EINVAL);
    assert_int_equal(m365id__rsa_from_pem(&key, "", 0), M365ID_EINVAL);
}

static void test_util_crypto__generate_rejects_small_keys(void **state)
{
    struct m365id__rsa_key *key = (struct m365id__rsa_key *)1;

    (void)state;
    assert_int_equal(m365id__rsa_generate(&key, 1024), M365ID_EINVAL);
    assert_null(key);
}

static void test_util_crypto__rs256_signature_verifies(void **state)
{
    static const char msg[] = "header.payload";
    unsigned char *sig = NULL;
    size_t sig_len = 0;

    (void)state;
    assert_int_equal(m365id__rsa_sign_rs256(&sig, &sig_len, shared_key, msg, strlen(msg)), 0);
    assert_int_equal(sig_len, 256);
    assert_int_equal(m365id__rsa_verify_rs256(shared_key, msg, strlen(msg), sig, sig_len), 0);
    free(sig);
}

static void test_util_crypto__rs256_detects_tampering(void **state)
{
    char msg[] = "header.payload";
    unsigned char *sig = NULL;
    size_t sig_len = 0;

    (void)state;
    assert_int_equal(m365id__rsa_sign_rs256(&sig, &sig_len, shared_key, msg, strlen(msg)), 0);
    msg[0] = 'H';
    assert_int_equal(m365id__rsa_verify_rs256(shared_key, msg, strlen(msg), sig, sig_len),
                     M365ID_EAUTH);
    msg[0] = 'h';
    sig[sig_len / 2] ^= 0x01;
    assert_int_equal(m365id__rsa_verify_rs256(shared_key, msg, strlen(msg), sig, sig_len),
                     M365ID_EAUTH);
    sig[sig_len / 2] ^= 0x01;
    assert_int_equal(m365id__rsa_verify_rs256(shared_key, msg, strlen(msg), sig, sig_len - 1),
                     M365ID_EAUTH);
    assert_int_equal(m365id__rsa_verify_rs256(shared_key, msg, strlen(msg), sig, 0),
                     M365ID_EAUTH);
    free(sig);
}

static void test_util_crypto__jwk_public_key_verifies_private_signature(void **state)
{
    static const char msg[] = "signed by the private key";
    struct m365id__rsa_key *pub = NULL;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    char *n = NULL;
    char *e = NULL;
    char *kid_priv = NULL;
    char *kid_pub = NULL;

    (void)state;
    assert_int_equal(m365id__rsa_public_jwk(&n, &e, shared_key), 0);
    assert_int_equal(m365id__rsa_from_jwk(&pub, n, e), 0);
    assert_int_equal(m365id__rsa_sign_rs256(&sig, &sig_len, shared_key, msg, strlen(msg)), 0);
    assert_int_equal(m365id__rsa_verify_rs256(pub, msg, strlen(msg), sig, sig_len), 0);
    assert_int_equal(m365id__rsa_kid(&kid_priv, shared_key), 0);
    assert_int_equal(m365id__rsa_kid(&kid_pub, pub), 0);
    assert_string_equal(kid_priv, kid_pub);

    /* A public key cannot sign. */
    free(sig);
    sig = NULL;
    assert_int_equal(m365id__rsa_sign_rs256(&sig, &sig_len, pub, msg, strlen(msg)), M365ID_EINVAL);
    assert_null(sig);

    free(kid_priv);
    free(kid_pub);
    free(n);
    free(e);
    m365id__rsa_free(pub);
}

static void test_util_crypto__private_pem_round_trips(void **state)
{
    struct m365id__rsa_key *back = NULL;
    char *pem = NULL;
    char *kid_a = NULL;
    char *kid_b = NULL;
    unsigned char *sig = NULL;
    size_t sig_len = 0;

    (void)state;
    assert_int_equal(m365id__rsa_private_pem(&pem, shared_key), 0);
    assert_true(m365id__starts_with(pem, "-----BEGIN PRIVATE KEY-----\n"));
    assert_int_equal(m365id__rsa_from_pem(&back, pem, strlen(pem)), 0);
    assert_int_equal(m365id__rsa_kid(&kid_a, shared_key), 0);
    assert_int_equal(m365id__rsa_kid(&kid_b, back), 0);
    assert_string_equal(kid_a, kid_b);
    assert_int_equal(m365id__rsa_sign_rs256(&sig, &sig_len, back, "x", 1), 0);
    assert_int_equal(m365id__rsa_verify_rs256(shared_key, "x", 1, sig, sig_len), 0);
    free(sig);
    free(kid_a);
    free(kid_b);
    m365id__rsa_free(back);
    free(pem);
}

static void test_util_crypto__public_key_has_no_private_pem(void **state)
{
    struct m365id__rsa_key *key = NULL;
    char *pem = (char *)1;

    (void)state;
    assert_int_equal(m365id__rsa_from_pem(&key, k8s_pub_pem, strlen(k8s_pub_pem)), 0);
    assert_int_equal(m365id__rsa_private_pem(&pem, key), M365ID_EINVAL);
    assert_null(pem);
    m365id__rsa_free(key);
    m365id__rsa_free(NULL);
}

static void test_util_crypto__allocation_failures_are_reported(void **state)
{
    struct m365id__rsa_key *key = NULL;
    unsigned char *bin = NULL;
    size_t bin_len = 0;
    char *s = NULL;
    char *n = NULL;
    char *e = NULL;
    unsigned long nth;

    (void)state;
    alloc_fail_arm(1);
    assert_null(m365id__b64url_encode("abc", 3));
    alloc_fail_arm(1);
    assert_null(m365id__b64_encode("abc", 3));
    alloc_fail_arm(0);

    for (nth = 1; nth <= 2; nth++) {
        alloc_fail_arm(nth);
        assert_int_equal(m365id__b64url_decode(&bin, &bin_len, "Zm9v", 4), M365ID_ENOMEM);
        alloc_fail_arm(0);
        assert_null(bin);
    }

    /* Every allocation of a JWK import, in turn, fails cleanly; then the import works. */
    for (nth = 1; nth < 50; nth++) {
        alloc_fail_arm(nth);
        int rc = m365id__rsa_from_jwk(&key, k8s_n, "AQAB");
        alloc_fail_arm(0);
        if (!alloc_failed) {
            assert_int_equal(rc, 0);
            break;
        }
        assert_int_equal(rc, M365ID_ENOMEM);
        assert_null(key);
    }
    assert_non_null(key);

    for (nth = 1; nth < 50; nth++) {
        alloc_fail_arm(nth);
        int rc = m365id__rsa_public_jwk(&n, &e, key);
        alloc_fail_arm(0);
        if (!alloc_failed) {
            assert_int_equal(rc, 0);
            break;
        }
        assert_int_equal(rc, M365ID_ENOMEM);
        assert_null(n);
        assert_null(e);
    }
    assert_string_equal(e, "AQAB");

    alloc_fail_arm(1);
    assert_int_equal(m365id__rsa_kid(&s, key), M365ID_ENOMEM);
    alloc_fail_arm(0);
    assert_null(s);

    free(n);
    free(e);
    m365id__rsa_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util_crypto__sha256_matches_known_vector),
        cmocka_unit_test(test_util_crypto__b64_encode_matches_rfc4648),
        cmocka_unit_test(test_util_crypto__b64url_uses_url_alphabet_without_padding),
        cmocka_unit_test(test_util_crypto__b64url_round_trips_every_length),
        cmocka_unit_test(test_util_crypto__b64url_decode_accepts_padding),
        cmocka_unit_test(test_util_crypto__b64url_decode_rejects_invalid_input),
        cmocka_unit_test(test_util_crypto__b64url_decode_of_empty_is_empty),
        cmocka_unit_test(test_util_crypto__guid_v4_has_version_and_variant),
        cmocka_unit_test(test_util_crypto__kid_matches_kubernetes_vector),
        cmocka_unit_test(test_util_crypto__jwk_import_gives_same_kid),
        cmocka_unit_test(test_util_crypto__jwk_import_rejects_bad_values),
        cmocka_unit_test(test_util_crypto__pem_import_rejects_garbage),
        cmocka_unit_test(test_util_crypto__generate_rejects_small_keys),
        cmocka_unit_test(test_util_crypto__rs256_signature_verifies),
        cmocka_unit_test(test_util_crypto__rs256_detects_tampering),
        cmocka_unit_test(test_util_crypto__jwk_public_key_verifies_private_signature),
        cmocka_unit_test(test_util_crypto__private_pem_round_trips),
        cmocka_unit_test(test_util_crypto__public_key_has_no_private_pem),
        cmocka_unit_test(test_util_crypto__allocation_failures_are_reported),
    };

    return cmocka_run_group_tests(tests, setup_key, teardown_key);
}
