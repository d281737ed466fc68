/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/lib/cred/token_file.c: every way a federated token file can be unusable
 * gets its own message, and a usable one is trimmed, re-read each time and never logged.
 */
#include "unit/lib/token/token_fixture.h"

#include <errno.h>
#include <sys/wait.h>

#include "lib/cred/token_file.h"
#include "util/limits.h"

/* Read the file and expect M365ID_ETOKENFILE with @p needle in the message. */
static const m365id_error *expect_failure(struct fx *f, const char *needle)
{
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    const m365id_error *err;

    assert_int_equal(m365id__token_file_read(&a, f->ctx), M365ID_ETOKENFILE);
    assert_null(a.jwt);
    err = m365id_last_error(f->ctx);
    assert_int_equal(err->code, M365ID_ETOKENFILE);
    assert_contains(err->message, needle);
    assert_contains(err->message, f->path);
    assert_contains(err->message, "(from env AZURE_FEDERATED_TOKEN_FILE)");
    assert_non_null(err->hint);
    return err;
}

static void test_cred_token_file__missing_file(void **state)
{
    struct fx *f = *state;
    const m365id_error *err = expect_failure(f, "does not exist");

    assert_contains(err->hint, "projected service-account token volume");
    assert_contains(err->hint, "/var/run/secrets/azure/tokens/azure-identity-token");
}

static void test_cred_token_file__directory(void **state)
{
    struct fx *f = *state;

    assert_int_equal(mkdir(f->path, 0700), 0);
    expect_failure(f, "is a directory, not a file");
}

static void test_cred_token_file__fifo_is_not_regular(void **state)
{
    struct fx *f = *state;

    assert_int_equal(mkfifo(f->path, 0600), 0);
    expect_failure(f, "is not a regular file");
}

/* Read the file as an unprivileged user in a child: root reads files whatever their mode. */
static void test_cred_token_file__permission_denied(void **state)
{
    struct fx *f = *state;
    char *jwt = fx_good_jwt();
    int status = 0;
    pid_t pid;

    fx_write_str(f->path, jwt);
    assert_int_equal(chmod(f->path, 0), 0);
    if (geteuid() != 0) {
        const m365id_error *err = expect_failure(f, "cannot be read: permission denied");

        assert_contains(err->hint, "securityContext");
        free(jwt);
        return;
    }

    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct m365id__assertion a = M365ID__ASSERTION_INIT;
        const m365id_error *err;
        int rc;

        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(2);
        rc = m365id__token_file_read(&a, f->ctx);
        err = m365id_last_error(f->ctx);
        if (rc != M365ID_ETOKENFILE)
            _exit(3);
        if (strstr(err->message, "cannot be read: permission denied for uid 65534") == NULL)
            _exit(4);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    free(jwt);
}

static void test_cred_token_file__empty_file(void **state)
{
    struct fx *f = *state;
    const m365id_error *err;

    fx_write(f->path, "", 0);
    err = expect_failure(f, "is empty (0 bytes)");
    assert_contains(err->hint, "kubelet may not have written the token yet");
}

static void test_cred_token_file__newline_only(void **state)
{
    struct fx *f = *state;
    const m365id_error *err;

    fx_write_str(f->path, "\n");
    err = expect_failure(f, "contains only whitespace (1 byte)");
    assert_contains(err->hint, "wrong file is mounted");
}

static void test_cred_token_file__not_a_jwt(void **state)
{
    struct fx *f = *state;
    const m365id_error *err;

    fx_write_str(f->path, "not-a-jwt");
    err = expect_failure(f, "is not a JWT: not three dot-separated parts (9 bytes)");
    assert_not_contains(err->message, "not-a-jwt'");
    assert_not_contains(err->message, ": not-a-jwt");
}

static void test_cred_token_file__bad_base64_part(void **state)
{
    struct fx *f = *state;

    fx_write_str(f->path, "e30.e30!.c2ln");
    expect_failure(f, "is not a JWT: a part is not base64url (13 bytes)");
}

static void test_cred_token_file__inner_whitespace(void **state)
{
    struct fx *f = *state;
    char *jwt = fx_good_jwt();
    char *dot = strchr(jwt, '.');
    char *two = malloc(strlen(jwt) + 2);

    assert_non_null(two);
    /* "header. payload.signature" */
    memcpy(two, jwt, (size_t)(dot - jwt) + 1);
    two[dot - jwt + 1] = ' ';
    memcpy(two + (dot - jwt) + 2, dot + 1, strlen(dot + 1) + 1);
    fx_write_str(f->path, two);
    expect_failure(f, "contains whitespace or control characters inside the token");
    free(jwt);
    free(two);
}

static void test_cred_token_file__one_byte_over_limit(void **state)
{
    struct fx *f = *state;
    char *data = malloc(M365ID_TOKEN_FILE_MAX + 1);

    assert_non_null(data);
    memset(data, 'a', M365ID_TOKEN_FILE_MAX + 1);
    fx_write(f->path, data, M365ID_TOKEN_FILE_MAX + 1);
    expect_failure(f, "is 65537 bytes, more than the 65536 allowed");
    free(data);
}

/* A valid token padded with trailing newlines to exactly the limit is accepted. */
static void test_cred_token_file__exactly_at_limit(void **state)
{
    struct fx *f = *state;
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    char *jwt = fx_good_jwt();
    size_t n = strlen(jwt);
    char *data = malloc(M365ID_TOKEN_FILE_MAX);

    assert_non_null(data);
    memset(data, '\n', M365ID_TOKEN_FILE_MAX);
    memcpy(data, jwt, n);
    fx_write(f->path, data, M365ID_TOKEN_FILE_MAX);
    assert_int_equal(m365id__token_file_read(&a, f->ctx), 0);
    assert_int_equal(a.jwt->len, n);
    assert_memory_equal(a.jwt->data, jwt, n);
    m365id__assertion_clear(&a);
    free(data);
    free(jwt);
}

static void test_cred_token_file__trailing_newline_stripped(void **state)
{
    struct fx *f = *state;
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    char *jwt = fx_good_jwt();
    char padded[4096];

    snprintf(padded, sizeof(padded), " \t%s\r\n", jwt);
    fx_write_str(f->path, padded);
    assert_int_equal(m365id__token_file_read(&a, f->ctx), 0);
    assert_int_equal(a.jwt->len, strlen(jwt));
    assert_string_equal(a.jwt->data, jwt);
    assert_string_equal(m365id__assertion_claim(&a, "iss"), FX_ISSUER);
    assert_string_equal(m365id__assertion_claim(&a, "sub"), FX_SUBJECT);
    m365id__assertion_clear(&a);
    free(jwt);
}

static void test_cred_token_file__expired_token(void **state)
{
    struct fx *f = *state;
    const m365id_error *err;
    char *jwt = fx_jwt(FX_ISSUER, FX_SUBJECT, "[\"" FX_AUDIENCE "\"]", FX_NOW - 7200,
                       FX_NOW - 3600);

    fx_write_str(f->path, jwt);
    err = expect_failure(f, "holds a token that expired at 2029-12-31T23:00:00Z, 1h0m0s ago "
                            "(now 2030-01-01T00:00:00Z)");
    assert_contains(err->hint, "not being rotated");
    assert_contains(err->hint, "Secret");
    free(jwt);
}

/* Write a JWT whose payload is the baseline claims plus "exp": @p exp_json. */
static void write_jwt_with_exp(struct fx *f, const char *exp_json)
{
    char payload[512];
    char token[1024];
    char *h = fx_b64("{\"alg\":\"RS256\",\"kid\":\"test-key\",\"typ\":\"JWT\"}");
    char *p;

    snprintf(payload, sizeof(payload),
             "{\"iss\":\"" FX_ISSUER "\",\"sub\":\"" FX_SUBJECT "\",\"aud\":[\"" FX_AUDIENCE
             "\"],\"iat\":%lld,\"exp\":%s}",
             FX_NOW - 600, exp_json);
    p = fx_b64(payload);
    snprintf(token, sizeof(token), "%s.%s.c2ln", h, p);
    fx_write_str(f->path, token);
    free(h);
    free(p);
}

/* A number that is no date is reported as out of range, not as a missing number. */
static void test_cred_token_file__exp_out_of_range(void **state)
{
    struct fx *f = *state;
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    const m365id_error *err;

    write_jwt_with_exp(f, "1e30");
    err = expect_failure(f, "holds a JWT whose 'exp' claim 1e+30 is out of range (0 to "
                            "253402300799 Unix seconds)");
    assert_contains(err->hint, "Unix seconds");
    write_jwt_with_exp(f, "253402300800");
    expect_failure(f, "'exp' claim 253402300800 is out of range");
    write_jwt_with_exp(f, "-1");
    expect_failure(f, "'exp' claim -1 is out of range");
    write_jwt_with_exp(f, "\"1893459600\"");
    expect_failure(f, "holds a JWT without a numeric 'exp' claim");

    /* RFC 7519 allows a fraction in a NumericDate. */
    write_jwt_with_exp(f, "1893459600.5");
    assert_int_equal(m365id__token_file_read(&a, f->ctx), 0);
    m365id__assertion_clear(&a);
}

static void test_cred_token_file__expiring_now_counts_as_expired(void **state)
{
    struct fx *f = *state;
    char *jwt = fx_jwt(FX_ISSUER, FX_SUBJECT, "[\"" FX_AUDIENCE "\"]", FX_NOW - 600, FX_NOW);

    fx_write_str(f->path, jwt);
    expect_failure(f, "expired at 2030-01-01T00:00:00Z, 0s ago");
    free(jwt);
}

static void test_cred_token_file__nbf_beyond_skew(void **state)
{
    struct fx *f = *state;
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    const m365id_error *err;
    char *ahead = fx_jwt(FX_ISSUER, FX_SUBJECT, "[\"" FX_AUDIENCE "\"]", FX_NOW + 120,
                         FX_NOW + 3600);
    char *within = fx_jwt(FX_ISSUER, FX_SUBJECT, "[\"" FX_AUDIENCE "\"]", FX_NOW + 30,
                          FX_NOW + 3600);

    fx_write_str(f->path, ahead);
    err = expect_failure(f, "not valid before 2030-01-01T00:02:00Z, 2m0s from now");
    assert_contains(err->message, "clock skew");
    assert_contains(err->hint, "synchronise this host's clock");

    fx_write_str(f->path, within);
    assert_int_equal(m365id__token_file_read(&a, f->ctx), 0);
    m365id__assertion_clear(&a);
    free(ahead);
    free(within);
}

static void test_cred_token_file__wrong_audience(void **state)
{
    struct fx *f = *state;
    const m365id_error *err;
    char *jwt = fx_jwt(FX_ISSUER, FX_SUBJECT,
                       "[\"api://AzureADTokenExchangeUSGov\",\"https://kubernetes.default\"]",
                       FX_NOW - 60, FX_NOW + 3600);

    fx_write_str(f->path, jwt);
    err = expect_failure(f, "holds a token for audience 'api://AzureADTokenExchangeUSGov', "
                            "'https://kubernetes.default', but the expected audience is "
                            "'api://AzureADTokenExchange'");
    assert_contains(err->hint, "project the token with audience 'api://AzureADTokenExchange'");
    assert_contains(err->hint, "serviceAccountToken.audience");
    assert_contains(err->hint, "federated_token_audience");
    assert_contains(err->hint, "M365_FEDERATED_TOKEN_AUDIENCE");
    free(jwt);
}

static void test_cred_token_file__custom_audience_and_string_aud(void **state)
{
    struct fx *f = *state;
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    const char *aud[4];
    char *jwt = fx_jwt(FX_ISSUER, FX_SUBJECT, "\"api://custom\"", FX_NOW - 60, FX_NOW + 3600);

    fx_env_set(f, "M365_FEDERATED_TOKEN_AUDIENCE", "api://custom");
    fx_configure(f);
    fx_write_str(f->path, jwt);
    assert_int_equal(m365id__token_file_read(&a, f->ctx), 0);
    assert_int_equal(m365id__assertion_audiences(&a, aud, 4), 1);
    assert_string_equal(aud[0], "api://custom");
    m365id__assertion_clear(&a);
    free(jwt);
}

/* The kubelet swaps the file; the next read must see the new token. */
static void test_cred_token_file__rotation_is_seen(void **state)
{
    struct fx *f = *state;
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    char *first = fx_good_jwt();
    char *second = fx_jwt(FX_ISSUER, FX_SUBJECT, "[\"" FX_AUDIENCE "\"]", FX_NOW, FX_NOW + 7200);
    char tmp[160];

    fx_write_str(f->path, first);
    assert_int_equal(m365id__token_file_read(&a, f->ctx), 0);
    assert_string_equal(a.jwt->data, first);
    m365id__assertion_clear(&a);

    snprintf(tmp, sizeof(tmp), "%s.new", f->path);
    fx_write_str(tmp, second);
    assert_int_equal(rename(tmp, f->path), 0);
    assert_int_equal(m365id__token_file_read(&a, f->ctx), 0);
    assert_string_equal(a.jwt->data, second);
    m365id__assertion_clear(&a);
    free(first);
    free(second);
}

/* Plant a token and check that no log line and no message carries it or its signature. */
static void test_cred_token_file__token_never_logged(void **state)
{
    struct fx *f = *state;
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    char *jwt = fx_good_jwt();
    char *expired = fx_jwt(FX_ISSUER, FX_SUBJECT, "[\"" FX_AUDIENCE "\"]", FX_NOW - 9000,
                           FX_NOW - 10);
    const char *payload_part;
    char fp[M365ID_FINGERPRINT_SIZE];

    fx_write_str(f->path, jwt);
    assert_int_equal(m365id__token_file_read(&a, f->ctx), 0);
    m365id_fingerprint(fp, sizeof(fp), jwt, strlen(jwt));
    assert_string_equal(a.fingerprint, fp);
    assert_true(fx_log_has(&f->log, M365ID_LOG_DEBUG, fp));
    assert_true(fx_log_has(&f->log, M365ID_LOG_DEBUG, "iss '" FX_ISSUER "'"));
    assert_true(fx_log_has(&f->log, M365ID_LOG_DEBUG, "sub '" FX_SUBJECT "'"));
    assert_true(fx_log_has(&f->log, M365ID_LOG_DEBUG, "exp '"));
    m365id__assertion_clear(&a);

    fx_write_str(f->path, expired);
    expect_failure(f, "expired");

    payload_part = strchr(jwt, '.') + 1;
    for (size_t i = 0; i < f->log.count; i++) {
        assert_not_contains(f->log.lines[i], "c2lnbmF0dXJlLWJ5dGVz");
        assert_null(strstr(f->log.lines[i], jwt));
        assert_null(strstr(f->log.lines[i], strchr(expired, '.') + 1));
        assert_null(strstr(f->log.lines[i], payload_part));
    }
    assert_not_contains(m365id_last_error(f->ctx)->message, "c2lnbmF0dXJlLWJ5dGVz");
    assert_null(strstr(m365id_last_error(f->ctx)->message, strchr(expired, '.') + 1));
    free(jwt);
    free(expired);
}

static void test_cred_token_file__format_duration(void **state)
{
    char out[40];

    (void)state;
    m365id__format_duration(out, sizeof(out), 0);
    assert_string_equal(out, "0s");
    m365id__format_duration(out, sizeof(out), 59);
    assert_string_equal(out, "59s");
    m365id__format_duration(out, sizeof(out), 61);
    assert_string_equal(out, "1m1s");
    m365id__format_duration(out, sizeof(out), 3661);
    assert_string_equal(out, "1h1m1s");
    m365id__format_duration(out, sizeof(out), 90000);
    assert_string_equal(out, "1d1h");
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_cred_token_file__missing_file),
        T(test_cred_token_file__directory),
        T(test_cred_token_file__fifo_is_not_regular),
        T(test_cred_token_file__permission_denied),
        T(test_cred_token_file__empty_file),
        T(test_cred_token_file__newline_only),
        T(test_cred_token_file__not_a_jwt),
        T(test_cred_token_file__bad_base64_part),
        T(test_cred_token_file__inner_whitespace),
        T(test_cred_token_file__one_byte_over_limit),
        T(test_cred_token_file__exactly_at_limit),
        T(test_cred_token_file__trailing_newline_stripped),
        T(test_cred_token_file__expired_token),
        T(test_cred_token_file__exp_out_of_range),
        T(test_cred_token_file__expiring_now_counts_as_expired),
        T(test_cred_token_file__nbf_beyond_skew),
        T(test_cred_token_file__wrong_audience),
        T(test_cred_token_file__custom_audience_and_string_aud),
        T(test_cred_token_file__rotation_is_seen),
        T(test_cred_token_file__token_never_logged),
        cmocka_unit_test(test_cred_token_file__format_duration),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
