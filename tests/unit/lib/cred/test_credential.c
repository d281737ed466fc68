/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/lib/cred/credential.c, client_certificate.c and the URL building of
 * oidc_request.c: the client secret as given, certificate assertions checked against the
 * certificate's public key, every unusable certificate file, assertions about to expire, and
 * claim times out of range.
 * Test certificates are made with openssl(1) once per run.
 */
#include "unit/lib/token/token_fixture.h"

#include <limits.h>
#include <time.h>

#include "lib/cred/client_certificate.h"
#include "lib/cred/credential.h"
#include "lib/cred/oidc_request.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/jwt.h"

#define PASSWORD "unit-P12-password-canary"

static char cert_dir[64];

/* Make the test certificates: a (PKCS#12, PEM both orders, encrypted PEM), b (PEM). */
static int group_setup(void **state)
{
    char cmd[2048];

    (void)state;
    snprintf(cert_dir, sizeof(cert_dir), "/tmp/m365id-unit-cert-XXXXXX");
    if (mkdtemp(cert_dir) == NULL)
        return -1;
    snprintf(cmd, sizeof(cmd),
             "cd %s && for n in a b; do openssl req -x509 -newkey rsa:2048 -nodes -keyout $n.key "
             "-out $n.crt -subj /CN=$n.example.test -days 2 2>/dev/null || exit 1; done && "
             "openssl pkcs12 -export -inkey a.key -in a.crt -passout pass:" PASSWORD
             " -out a.p12 && cat a.key a.crt >key_cert.pem && cat a.crt a.key >cert_key.pem && "
             "cat a.crt b.crt a.key >chain.pem && cat b.key a.crt >mismatch.pem && "
             "openssl pkey -in a.key -aes256 -passout pass:" PASSWORD " -out a.enc.key && "
             "cat a.crt a.enc.key >encrypted.pem && openssl ecparam -name prime256v1 -genkey "
             "-noout -out ec.key && openssl req -x509 -key ec.key -out ec.crt -subj /CN=ec "
             "-days 2 && cat ec.key ec.crt >ec.pem",
             cert_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_remove(cert_dir);
    return 0;
}

/* Reconfigure for client_certificate with @p file (in cert_dir) and @p password (may be NULL). */
static void use_certificate(struct fx *f, const char *file, const char *password, int chain)
{
    static char path[256];

    snprintf(path, sizeof(path), "%s/%s", cert_dir, file);
    fx_env_set(f, "M365_AUTH_METHOD", "client_certificate");
    fx_env_set(f, "M365_CLIENT_CERTIFICATE_FILE_PATH", path);
    fx_env_set(f, "M365_CLIENT_CERTIFICATE_PASSWORD", password);
    fx_env_set(f, "M365_SEND_CERTIFICATE_CHAIN", chain ? "true" : "false");
    fx_configure(f);
    fx_set_now((long long)time(NULL));
}

static char *read_text(const char *file, size_t *len_out)
{
    char path[256];
    char *buf = malloc(65536);
    FILE *fp;

    assert_non_null(buf);
    snprintf(path, sizeof(path), "%s/%s", cert_dir, file);
    fp = fopen(path, "rb");
    assert_non_null(fp);
    *len_out = fread(buf, 1, 65535, fp);
    buf[*len_out] = '\0';
    fclose(fp);
    return buf;
}

/* Build an assertion; check the header, claims and PS256 signature with a.crt's public key. */
static void check_assertion(struct fx *f, int chain)
{
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    struct m365id__x509_info info;
    const char *s = NULL;
    long long n = 0;
    char *x5t;
    char *pem;
    size_t pem_len;
    json_t *x5c = NULL;

    assert_int_equal(m365id__client_cert_assertion(&a, f->ctx), 0);
    assert_int_equal(m365id__jwt_parse(&jwt, a.jwt->data, a.jwt->len, NULL), 0);

    assert_int_equal(m365id__json_get_str(&s, jwt.header, "alg"), 0);
    assert_string_equal(s, "PS256");
    assert_int_equal(m365id__json_get_str(&s, jwt.header, "typ"), 0);
    assert_string_equal(s, "JWT");

    pem = read_text("a.crt", &pem_len);
    assert_int_equal(m365id__x509_info_from_pem(&info, pem, pem_len), 0);
    x5t = m365id__b64url_encode(info.sha256, sizeof(info.sha256));
    assert_int_equal(m365id__json_get_str(&s, jwt.header, "x5t#S256"), 0);
    assert_string_equal(s, x5t);
    assert_int_equal(m365id__rsa_verify_ps256(info.key, a.jwt->data, jwt.signing_input_len,
                                              jwt.sig, jwt.sig_len),
                     0);
    /* RS256 over the same bytes must not verify: the padding really is PSS. */
    assert_int_equal(m365id__rsa_verify_rs256(info.key, a.jwt->data, jwt.signing_input_len,
                                              jwt.sig, jwt.sig_len),
                     M365ID_EAUTH);

    if (chain) {
        assert_int_equal(m365id__json_get_array(&x5c, jwt.header, "x5c"), 0);
        assert_true(json_array_size(x5c) >= 1);
    } else {
        assert_int_equal(m365id__json_get_array(&x5c, jwt.header, "x5c"), M365ID__JSON_ABSENT);
    }

    assert_int_equal(m365id__json_get_str(&s, jwt.payload, "aud"), 0);
    assert_string_equal(s, f->ctx->cfg.token_endpoint);
    assert_int_equal(m365id__json_get_str(&s, jwt.payload, "iss"), 0);
    assert_string_equal(s, FX_CLIENT);
    assert_int_equal(m365id__json_get_str(&s, jwt.payload, "sub"), 0);
    assert_string_equal(s, FX_CLIENT);
    assert_int_equal(m365id__json_get_str(&s, jwt.payload, "jti"), 0);
    assert_int_equal(strlen(s), 36);
    assert_int_equal(m365id__json_get_int(&n, jwt.payload, "nbf"), 0);
    assert_int_equal(n, fx_clock());
    assert_int_equal(m365id__json_get_int(&n, jwt.payload, "iat"), 0);
    assert_int_equal(n, fx_clock());
    assert_int_equal(m365id__json_get_int(&n, jwt.payload, "exp"), 0);
    assert_int_equal(n, fx_clock() + 600);

    free(x5t);
    free(pem);
    m365id__x509_info_clear(&info);
    m365id__jwt_clear(&jwt);
    m365id__assertion_clear(&a);
}

static void test_cred_credential__pkcs12_assertion_verifies(void **state)
{
    struct fx *f = *state;

    use_certificate(f, "a.p12", PASSWORD, 0);
    check_assertion(f, 0);
}

static void test_cred_credential__pem_both_orders_and_chain(void **state)
{
    struct fx *f = *state;

    use_certificate(f, "key_cert.pem", NULL, 0);
    check_assertion(f, 0);
    use_certificate(f, "cert_key.pem", NULL, 1);
    check_assertion(f, 1);
    use_certificate(f, "encrypted.pem", PASSWORD, 0);
    check_assertion(f, 0);
}

/* The chain file lists b first, but the leaf in x5c is a, whose key is in the file. */
static void test_cred_credential__chain_puts_the_leaf_first(void **state)
{
    struct fx *f = *state;
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    json_t *x5c = NULL;
    char *pem;
    char *der_b64;
    size_t len;
    const char *first;
    const char *second;

    use_certificate(f, "chain.pem", NULL, 1);
    check_assertion(f, 1);
    assert_int_equal(m365id__client_cert_assertion(&a, f->ctx), 0);
    assert_int_equal(m365id__json_get_array(&x5c, a.header, "x5c"), 0);
    assert_int_equal(json_array_size(x5c), 2);
    first = json_string_value(json_array_get(x5c, 0));
    second = json_string_value(json_array_get(x5c, 1));
    pem = read_text("a.crt", &len);
    /* The PEM body of a.crt, without line breaks, starts like its standard base64 DER. */
    der_b64 = strstr(pem, "\n") + 1;
    assert_int_equal(strncmp(first, der_b64, 60), 0);
    assert_int_not_equal(strncmp(second, der_b64, 60), 0);
    free(pem);
    m365id__assertion_clear(&a);
}

/* Expect M365ID_ECONFIG naming the file and @p needle, and never the password. */
static void expect_cert_failure(struct fx *f, const char *needle)
{
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    const m365id_error *err;

    assert_int_equal(m365id__client_cert_assertion(&a, f->ctx), M365ID_ECONFIG);
    assert_null(a.jwt);
    err = m365id_last_error(f->ctx);
    assert_contains(err->message, needle);
    assert_contains(err->message, cert_dir);
    assert_not_contains(err->message, PASSWORD);
    assert_not_contains(err->hint, PASSWORD);
    for (size_t i = 0; i < f->log.count; i++)
        assert_not_contains(f->log.lines[i], PASSWORD);
}

static void test_cred_credential__wrong_pkcs12_password(void **state)
{
    struct fx *f = *state;

    use_certificate(f, "a.p12", "wrong-password", 0);
    expect_cert_failure(f, "does not open the PKCS#12 file");
    assert_contains(m365id_last_error(f->ctx)->hint, "M365_CLIENT_CERTIFICATE_PASSWORD");
    use_certificate(f, "a.p12", NULL, 0);
    expect_cert_failure(f, "is protected by a password, but client_certificate_password is "
                           "not set");
}

static void test_cred_credential__unusable_pem_files(void **state)
{
    struct fx *f = *state;

    use_certificate(f, "a.crt", NULL, 0);
    expect_cert_failure(f, "it contains no private key");
    use_certificate(f, "a.key", NULL, 0);
    expect_cert_failure(f, "it contains no certificate");
    use_certificate(f, "mismatch.pem", NULL, 0);
    expect_cert_failure(f, "none of its certificates belongs to its private key");
    use_certificate(f, "encrypted.pem", NULL, 0);
    expect_cert_failure(f, "is protected by a password");
    use_certificate(f, "encrypted.pem", "wrong", 0);
    expect_cert_failure(f, "does not open the encrypted private key");
    use_certificate(f, "ec.pem", NULL, 0);
    expect_cert_failure(f, "not an RSA key of 2048 bits or more");
    use_certificate(f, "does-not-exist.p12", PASSWORD, 0);
    expect_cert_failure(f, "cannot be opened");
}

/* The certificate expires in two days: a clock past that reports it before sending. */
static void test_cred_credential__expired_certificate(void **state)
{
    struct fx *f = *state;

    use_certificate(f, "a.p12", PASSWORD, 0);
    fx_set_now((long long)time(NULL) + 3 * 86400);
    expect_cert_failure(f, "expired at");
}

static void test_cred_credential__client_secret_as_given(void **state)
{
    struct fx *f = *state;
    struct m365id__credential c = M365ID__CREDENTIAL_INIT;

    fx_env_set(f, "M365_AUTH_METHOD", "client_secret");
    fx_env_set(f, "M365_CLIENT_SECRET", "s3cr&t=value~with+symbols");
    fx_configure(f);
    assert_int_equal(m365id__credential_get(&c, f->ctx), 0);
    assert_non_null(c.client_secret);
    assert_null(c.assertion.jwt);
    assert_string_equal(c.client_secret->data, "s3cr&t=value~with+symbols");
    for (size_t i = 0; i < f->log.count; i++)
        assert_not_contains(f->log.lines[i], "s3cr&t");
    m365id__credential_clear(&c);
}

static void test_cred_credential__assertion_about_to_expire(void **state)
{
    struct fx *f = *state;
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    char *soon = fx_jwt(FX_ISSUER, FX_SUBJECT, "\"x\"", fx_clock() - 600, fx_clock() + 5);
    char *gone = fx_jwt(FX_ISSUER, FX_SUBJECT, "\"x\"", fx_clock() - 600, fx_clock() - 1);
    char *fine = fx_jwt(FX_ISSUER, FX_SUBJECT, "\"x\"", fx_clock() - 600, fx_clock() + 300);

    assert_int_equal(m365id__assertion_from_jwt(&a, f->ctx, soon, strlen(soon), "the token",
                                                "hint"),
                     M365ID_ETOKENFILE);
    assert_contains(m365id_last_error(f->ctx)->message, "the token expires at");
    assert_contains(m365id_last_error(f->ctx)->message, "in 5 s");
    assert_int_equal(m365id__assertion_from_jwt(&a, f->ctx, gone, strlen(gone), "the token",
                                                "hint"),
                     M365ID_ETOKENFILE);
    assert_contains(m365id_last_error(f->ctx)->message, "expired at");
    assert_int_equal(m365id__assertion_from_jwt(&a, f->ctx, "", 0, "the token", "hint"),
                     M365ID_ETOKENFILE);
    assert_contains(m365id_last_error(f->ctx)->message, "the token is empty");
    assert_int_equal(m365id__assertion_from_jwt(&a, f->ctx, fine, strlen(fine), "the token",
                                                "hint"),
                     0);
    assert_non_null(a.jwt);
    m365id__assertion_clear(&a);

    /* The federated token file gets the same check. */
    free(soon);
    soon = fx_jwt(FX_ISSUER, FX_SUBJECT, "[\"" FX_AUDIENCE "\"]", fx_clock() - 600,
                  fx_clock() + 3);
    fx_write_str(f->path, soon);
    {
        struct m365id__credential c = M365ID__CREDENTIAL_INIT;

        assert_int_equal(m365id__credential_get(&c, f->ctx), M365ID_ETOKENFILE);
        assert_contains(m365id_last_error(f->ctx)->message, "federated token file");
        assert_contains(m365id_last_error(f->ctx)->message, "in 3 s");
    }
    free(soon);
    free(gone);
    free(fine);
}

/* An unsigned JWT with @p payload as its claims, which may hold values fx_jwt() cannot write. */
static char *jwt_with_payload(const char *payload)
{
    char *h = fx_b64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
    char *p = fx_b64(payload);
    size_t n = strlen(h) + strlen(p) + 64;
    char *jwt = malloc(n);

    assert_non_null(jwt);
    snprintf(jwt, n, "%s.%s.c2lnbmF0dXJlLWJ5dGVz", h, p);
    free(h);
    free(p);
    return jwt;
}

/* Claim times far beyond any date: no overflow, and the message still shows the date. */
static void test_cred_credential__claim_times_out_of_range(void **state)
{
    struct fx *f = *state;
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    char *min_exp = fx_jwt(FX_ISSUER, FX_SUBJECT, "\"x\"", fx_clock() - 600, LLONG_MIN);
    char *real_exp = jwt_with_payload("{\"sub\":\"x\",\"exp\":-1e300}");
    char *wide = fx_jwt(FX_ISSUER, FX_SUBJECT, "\"x\"", LLONG_MIN, LLONG_MAX);

    assert_int_equal(m365id__assertion_from_jwt(&a, f->ctx, min_exp, strlen(min_exp),
                                                "the token", "hint"),
                     M365ID_ETOKENFILE);
    assert_contains(m365id_last_error(f->ctx)->message, "the token expired at -");
    assert_int_equal(m365id__assertion_from_jwt(&a, f->ctx, real_exp, strlen(real_exp),
                                                "the token", "hint"),
                     M365ID_ETOKENFILE);
    assert_contains(m365id_last_error(f->ctx)->message, "the token expired at -");
    /* iat and nbf at INT64_MIN, exp at INT64_MAX: a long lifetime, not an overflow. */
    assert_int_equal(m365id__assertion_from_jwt(&a, f->ctx, wide, strlen(wide), "the token",
                                                "hint"),
                     0);
    assert_non_null(a.jwt);
    m365id__assertion_clear(&a);
    free(min_exp);
    free(real_exp);
    free(wide);
}

static void check_url(const char *url, const char *audience, const char *expected)
{
    struct m365id__buf out = M365ID__BUF_INIT(4096);

    assert_int_equal(m365id__oidc_request_url(&out, url, audience), 0);
    assert_string_equal(m365id__buf_cstr(&out), expected);
    m365id__buf_clear(&out);
}

static void test_cred_credential__github_audience_parameter(void **state)
{
    (void)state;
    check_url("https://r.example/token", "api://AzureADTokenExchange",
              "https://r.example/token?audience=api%3A%2F%2FAzureADTokenExchange");
    check_url("https://r.example/token?api-version=2.0", "aud",
              "https://r.example/token?api-version=2.0&audience=aud");
    check_url("https://r.example/token?", "aud", "https://r.example/token?audience=aud");
    check_url("https://r.example/token?audience=mine", "aud",
              "https://r.example/token?audience=mine");
    check_url("https://r.example/token?x=1&audience=mine", "aud",
              "https://r.example/token?x=1&audience=mine");
    check_url("https://r.example/token?myaudience=1", "aud",
              "https://r.example/token?myaudience=1&audience=aud");
    check_url("https://r.example/token", NULL, "https://r.example/token");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cred_credential__pkcs12_assertion_verifies,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_cred_credential__pem_both_orders_and_chain,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_cred_credential__chain_puts_the_leaf_first,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_cred_credential__wrong_pkcs12_password, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_cred_credential__unusable_pem_files, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_cred_credential__expired_certificate, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_cred_credential__client_secret_as_given, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_cred_credential__assertion_about_to_expire,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_cred_credential__claim_times_out_of_range,
                                        fx_setup, fx_teardown),
        cmocka_unit_test(test_cred_credential__github_audience_parameter),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
