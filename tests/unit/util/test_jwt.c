/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/util/jwt.c: every parse fault, RS256 signing and verification, and the
 * audience list.
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
#include "util/jwt.h"
#include "unit/util/alloc_fail.h"

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

/* {"alg":"RS256"} and {"sub":"a"} in base64url. */
#define HDR "eyJhbGciOiJSUzI1NiJ9"
#define PAY "eyJzdWIiOiJhIn0"

static enum m365id__jwt_fault parse_fault(const char *token)
{
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    enum m365id__jwt_fault fault = M365ID__JWT_OK;
    int rc = m365id__jwt_parse(&jwt, token, strlen(token), &fault);

    if (rc == 0) {
        assert_int_equal(fault, M365ID__JWT_OK);
        assert_true(json_is_object(jwt.header));
        assert_true(json_is_object(jwt.payload));
    } else {
        assert_int_equal(rc, M365ID_EINVAL);
        assert_null(jwt.header);
        assert_null(jwt.payload);
        assert_null(jwt.sig);
    }
    m365id__jwt_clear(&jwt);
    return fault;
}

static void test_util_jwt__parse_splits_three_parts(void **state)
{
    static const char token[] = HDR "." PAY ".c2ln";
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    enum m365id__jwt_fault fault = M365ID__JWT_EMPTY;
    const char *alg = NULL;

    (void)state;
    assert_int_equal(m365id__jwt_parse(&jwt, token, strlen(token), &fault), 0);
    assert_int_equal(fault, M365ID__JWT_OK);
    assert_int_equal(jwt.parts, 3);
    assert_int_equal(jwt.signing_input_len, strlen(HDR "." PAY));
    assert_int_equal(jwt.sig_len, 3);
    assert_memory_equal(jwt.sig, "sig", 3);
    alg = json_string_value(json_object_get(jwt.header, "alg"));
    assert_string_equal(alg, "RS256");
    assert_string_equal(json_string_value(json_object_get(jwt.payload, "sub")), "a");
    m365id__jwt_clear(&jwt);
    assert_null(jwt.header);
    m365id__jwt_clear(&jwt);
}

static void test_util_jwt__parse_reports_empty(void **state)
{
    (void)state;
    assert_int_equal(parse_fault(""), M365ID__JWT_EMPTY);
}

static void test_util_jwt__parse_reports_wrong_part_count(void **state)
{
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    enum m365id__jwt_fault fault = M365ID__JWT_OK;

    (void)state;
    assert_int_equal(parse_fault("abc"), M365ID__JWT_PARTS);
    assert_int_equal(parse_fault(HDR "." PAY), M365ID__JWT_PARTS);
    assert_int_equal(parse_fault(HDR "." PAY ".c2ln.x"), M365ID__JWT_PARTS);
    assert_int_equal(parse_fault(HDR "." PAY ".c2ln.x.y"), M365ID__JWT_PARTS);
    assert_int_equal(m365id__jwt_parse(&jwt, "a.b.c.d.e", 9, &fault), M365ID_EINVAL);
    assert_int_equal(fault, M365ID__JWT_PARTS);
    assert_int_equal(jwt.parts, 5);
    m365id__jwt_clear(&jwt);
}

static void test_util_jwt__parse_reports_whitespace(void **state)
{
    (void)state;
    assert_int_equal(parse_fault(HDR "." PAY ".c2ln\n"), M365ID__JWT_WHITESPACE);
    assert_int_equal(parse_fault(" " HDR "." PAY ".c2ln"), M365ID__JWT_WHITESPACE);
    assert_int_equal(parse_fault(HDR ".\t" PAY ".c2ln"), M365ID__JWT_WHITESPACE);
    assert_int_equal(parse_fault(HDR "." PAY ".c2\x7fln"), M365ID__JWT_WHITESPACE);
    assert_int_equal(parse_fault(HDR "." PAY ".c2ln\r"), M365ID__JWT_WHITESPACE);
}

static void test_util_jwt__parse_reports_embedded_nul(void **state)
{
    static const char token[] = HDR "." PAY ".c2ln\0x";
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    enum m365id__jwt_fault fault = M365ID__JWT_OK;

    (void)state;
    assert_int_equal(m365id__jwt_parse(&jwt, token, sizeof(token) - 1, &fault), M365ID_EINVAL);
    assert_int_equal(fault, M365ID__JWT_WHITESPACE);
}

static void test_util_jwt__parse_reports_bad_base64(void **state)
{
    (void)state;
    assert_int_equal(parse_fault("eyJ+bGciOiJSUzI1NiJ9." PAY ".c2ln"), M365ID__JWT_BASE64);
    assert_int_equal(parse_fault(HDR ".e." "c2ln"), M365ID__JWT_BASE64);
    assert_int_equal(parse_fault(HDR "." PAY ".c2l/"), M365ID__JWT_BASE64);
    assert_int_equal(parse_fault(HDR "." PAY ".c"), M365ID__JWT_BASE64);
}

static void test_util_jwt__parse_reports_non_object_json(void **state)
{
    (void)state;
    /* "WzFd" is [1] and "MQ" is 1: JSON, but not objects. "bm90" is the word not, which is no
     * JSON at all. "e30" is {} and parses. */
    assert_int_equal(parse_fault("WzFd." PAY ".c2ln"), M365ID__JWT_JSON);
    assert_int_equal(parse_fault(HDR ".MQ.c2ln"), M365ID__JWT_JSON);
    assert_int_equal(parse_fault(HDR ".bm90.c2ln"), M365ID__JWT_JSON);
    assert_int_equal(parse_fault(".." ), M365ID__JWT_JSON);
    assert_int_equal(parse_fault("e30.e30.c2ln"), M365ID__JWT_OK);
    /* Duplicate claim names are rejected: {"a":1,"a":2}. */
    assert_int_equal(parse_fault(HDR ".eyJhIjoxLCJhIjoyfQ.c2ln"), M365ID__JWT_JSON);
}

static void test_util_jwt__fault_texts_are_distinct(void **state)
{
    int i;
    int j;

    (void)state;
    for (i = M365ID__JWT_OK; i <= M365ID__JWT_JSON; i++) {
        const char *a = m365id__jwt_fault_text((enum m365id__jwt_fault)i);

        assert_non_null(a);
        assert_true(strlen(a) > 0);
        for (j = i + 1; j <= M365ID__JWT_JSON; j++)
            assert_string_not_equal(a, m365id__jwt_fault_text((enum m365id__jwt_fault)j));
    }
    assert_string_equal(m365id__jwt_fault_text(M365ID__JWT_PARTS),
                        "not three dot-separated parts");
}

static json_t *sample_claims(void)
{
    json_t *p = json_pack("{s:s, s:s, s:[s, s], s:I}", "iss", "https://issuer.example/",
                          "sub", "system:serviceaccount:apps:billing", "aud",
                          "api://AzureADTokenExchange", "other", "exp", (json_int_t)2000000000);

    assert_non_null(p);
    return p;
}

static void test_util_jwt__signed_token_parses_and_verifies(void **state)
{
    json_t *claims = sample_claims();
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    char *token = NULL;
    char *kid = NULL;
    const char *aud[4];

    (void)state;
    assert_int_equal(m365id__rsa_kid(&kid, shared_key), 0);
    assert_int_equal(m365id__jwt_sign_rs256(&token, shared_key, kid, "JWT", claims), 0);
    assert_int_equal(m365id__jwt_parse(&jwt, token, strlen(token), NULL), 0);
    assert_string_equal(json_string_value(json_object_get(jwt.header, "alg")), "RS256");
    assert_string_equal(json_string_value(json_object_get(jwt.header, "kid")), kid);
    assert_string_equal(json_string_value(json_object_get(jwt.header, "typ")), "JWT");
    assert_true(json_equal(jwt.payload, claims));
    assert_int_equal(m365id__jwt_verify_rs256(&jwt, token, shared_key), 0);
    assert_int_equal(m365id__jwt_audiences(aud, 4, jwt.payload), 2);
    assert_string_equal(aud[0], "api://AzureADTokenExchange");
    assert_string_equal(aud[1], "other");
    assert_int_equal(m365id__jwt_audiences(aud, 1, jwt.payload), 1);

    m365id__jwt_clear(&jwt);
    free(kid);
    free(token);
    json_decref(claims);
}

static void test_util_jwt__header_is_compact_in_fixed_order(void **state)
{
    json_t *claims = json_pack("{s:s}", "sub", "a");
    char *token = NULL;

    (void)state;
    assert_int_equal(m365id__jwt_sign_rs256(&token, shared_key, "k1", NULL, claims), 0);
    /* {"alg":"RS256","kid":"k1"} and {"sub":"a"} */
    assert_true(strncmp(token, "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0." PAY ".",
                        strlen("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0." PAY ".")) == 0);
    free(token);
    json_decref(claims);
}

static void test_util_jwt__tampered_payload_fails_verification(void **state)
{
    json_t *claims = sample_claims();
    json_t *other = json_pack("{s:s}", "sub", "system:serviceaccount:apps:admin");
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    char *token = NULL;
    char *forged = NULL;
    char *evil = NULL;
    const char *dot1;
    const char *dot2;

    (void)state;
    assert_int_equal(m365id__jwt_sign_rs256(&token, shared_key, "k", NULL, claims), 0);
    assert_int_equal(m365id__jwt_sign_rs256(&evil, shared_key, "k", NULL, other), 0);

    /* Splice the other token's payload between this token's header and signature. */
    dot1 = strchr(evil, '.');
    dot2 = strchr(dot1 + 1, '.');
    forged = malloc(strlen(token) + strlen(evil));
    assert_non_null(forged);
    memcpy(forged, token, (size_t)(strchr(token, '.') - token));
    forged[strchr(token, '.') - token] = '\0';
    memcpy(forged + strlen(forged), dot1, (size_t)(dot2 - dot1));
    forged[strchr(token, '.') - token + (dot2 - dot1)] = '\0';
    memcpy(forged + strlen(forged), strrchr(token, '.'), strlen(strrchr(token, '.')) + 1);

    assert_int_equal(m365id__jwt_parse(&jwt, forged, strlen(forged), NULL), 0);
    assert_int_equal(m365id__jwt_verify_rs256(&jwt, forged, shared_key), M365ID_EAUTH);
    m365id__jwt_clear(&jwt);

    free(forged);
    free(evil);
    free(token);
    json_decref(claims);
    json_decref(other);
}

static void test_util_jwt__other_key_fails_verification(void **state)
{
    struct m365id__rsa_key *other = NULL;
    json_t *claims = sample_claims();
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    char *token = NULL;

    (void)state;
    assert_int_equal(m365id__rsa_generate(&other, 2048), 0);
    assert_int_equal(m365id__jwt_sign_rs256(&token, other, "k", NULL, claims), 0);
    assert_int_equal(m365id__jwt_parse(&jwt, token, strlen(token), NULL), 0);
    assert_int_equal(m365id__jwt_verify_rs256(&jwt, token, shared_key), M365ID_EAUTH);
    assert_int_equal(m365id__jwt_verify_rs256(&jwt, token, other), 0);
    m365id__jwt_clear(&jwt);
    free(token);
    json_decref(claims);
    m365id__rsa_free(other);
}

static void test_util_jwt__empty_signature_parses_but_fails_verification(void **state)
{
    static const char token[] = HDR "." PAY ".";
    struct m365id__jwt jwt = M365ID__JWT_INIT;

    (void)state;
    assert_int_equal(m365id__jwt_parse(&jwt, token, strlen(token), NULL), 0);
    assert_int_equal(jwt.sig_len, 0);
    assert_int_equal(m365id__jwt_verify_rs256(&jwt, token, shared_key), M365ID_EAUTH);
    m365id__jwt_clear(&jwt);
}

static void test_util_jwt__alg_other_than_rs256_fails_verification(void **state)
{
    json_t *claims = json_pack("{s:s}", "sub", "a");
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    char *token = NULL;
    char *swapped = NULL;
    const char *dot;

    (void)state;
    assert_int_equal(m365id__jwt_sign_rs256(&token, shared_key, NULL, NULL, claims), 0);
    /* {"alg":"none"} followed by the valid payload and signature. */
    dot = strchr(token, '.');
    swapped = malloc(strlen(token) + 32);
    assert_non_null(swapped);
    memcpy(swapped, "eyJhbGciOiJub25lIn0", 19);
    memcpy(swapped + 19, dot, strlen(dot) + 1);
    assert_int_equal(m365id__jwt_parse(&jwt, swapped, strlen(swapped), NULL), 0);
    assert_int_equal(m365id__jwt_verify_rs256(&jwt, swapped, shared_key), M365ID_EAUTH);
    m365id__jwt_clear(&jwt);
    free(swapped);
    free(token);
    json_decref(claims);
}

static void test_util_jwt__sign_rejects_non_object_payload(void **state)
{
    json_t *arr = json_array();
    char *token = (char *)1;

    (void)state;
    assert_int_equal(m365id__jwt_sign_rs256(&token, shared_key, "k", NULL, arr), M365ID_EINVAL);
    assert_null(token);
    json_decref(arr);
}

static void test_util_jwt__audiences_from_string_and_bad_shapes(void **state)
{
    json_t *one = json_pack("{s:s}", "aud", "x");
    json_t *mixed = json_pack("{s:[i, s, n]}", "aud", 1, "y");
    json_t *none = json_pack("{s:i}", "aud", 5);
    const char *aud[2] = {NULL, NULL};

    (void)state;
    assert_int_equal(m365id__jwt_audiences(aud, 2, one), 1);
    assert_string_equal(aud[0], "x");
    assert_int_equal(m365id__jwt_audiences(aud, 2, mixed), 1);
    assert_string_equal(aud[0], "y");
    assert_int_equal(m365id__jwt_audiences(aud, 2, none), 0);
    assert_int_equal(m365id__jwt_audiences(aud, 0, one), 0);
    assert_int_equal(m365id__jwt_audiences(aud, 2, NULL), 0);
    json_decref(one);
    json_decref(mixed);
    json_decref(none);
}

static void test_util_jwt__allocation_failure_is_not_a_fault(void **state)
{
    static const char token[] = HDR "." PAY ".c2ln";
    json_t *claims = json_pack("{s:s}", "sub", "a");
    unsigned long nth;

    (void)state;
    for (nth = 1; nth < 50; nth++) {
        struct m365id__jwt jwt = M365ID__JWT_INIT;
        enum m365id__jwt_fault fault = M365ID__JWT_EMPTY;
        int rc;

        alloc_fail_arm(nth);
        rc = m365id__jwt_parse(&jwt, token, strlen(token), &fault);
        alloc_fail_arm(0);
        if (!alloc_failed) {
            assert_int_equal(rc, 0);
            m365id__jwt_clear(&jwt);
            break;
        }
        assert_int_equal(rc, M365ID_ENOMEM);
        assert_int_equal(fault, M365ID__JWT_OK);
        assert_null(jwt.header);
        assert_null(jwt.sig);
    }
    assert_true(nth > 1);

    for (nth = 1; nth < 50; nth++) {
        char *out = NULL;
        int rc;

        alloc_fail_arm(nth);
        rc = m365id__jwt_sign_rs256(&out, shared_key, "k", "JWT", claims);
        alloc_fail_arm(0);
        if (!alloc_failed) {
            assert_int_equal(rc, 0);
            free(out);
            break;
        }
        assert_int_equal(rc, M365ID_ENOMEM);
        assert_null(out);
    }
    assert_true(nth > 1);
    json_decref(claims);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util_jwt__parse_splits_three_parts),
        cmocka_unit_test(test_util_jwt__parse_reports_empty),
        cmocka_unit_test(test_util_jwt__parse_reports_wrong_part_count),
        cmocka_unit_test(test_util_jwt__parse_reports_whitespace),
        cmocka_unit_test(test_util_jwt__parse_reports_embedded_nul),
        cmocka_unit_test(test_util_jwt__parse_reports_bad_base64),
        cmocka_unit_test(test_util_jwt__parse_reports_non_object_json),
        cmocka_unit_test(test_util_jwt__fault_texts_are_distinct),
        cmocka_unit_test(test_util_jwt__signed_token_parses_and_verifies),
        cmocka_unit_test(test_util_jwt__header_is_compact_in_fixed_order),
        cmocka_unit_test(test_util_jwt__tampered_payload_fails_verification),
        cmocka_unit_test(test_util_jwt__other_key_fails_verification),
        cmocka_unit_test(test_util_jwt__empty_signature_parses_but_fails_verification),
        cmocka_unit_test(test_util_jwt__alg_other_than_rs256_fails_verification),
        cmocka_unit_test(test_util_jwt__sign_rejects_non_object_payload),
        cmocka_unit_test(test_util_jwt__audiences_from_string_and_bad_shapes),
        cmocka_unit_test(test_util_jwt__allocation_failure_is_not_a_fault),
    };

    return cmocka_run_group_tests(tests, setup_key, teardown_key);
}
