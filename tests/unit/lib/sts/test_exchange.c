/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/lib/sts/exchange.c against a scripted HTTPS server. They cover the form
 * body and headers, which failures are retried, the failure detail built from Entra ID's error
 * body, re-reading the token file per attempt, and the absence of secrets in logs and messages.
 */
#include "unit/lib/sts/mock_entra.h"

#include "lib/sts/exchange.h"

#define SCOPE "https://graph.microsoft.com/.default"
#define ACCESS "eyJ0eXAiOiJKV1QifQ.QUNDRVNTLWNhbmFyeQ.YWNjZXNzLXNpZw"
#define OK_BODY "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"" ACCESS "\"}"
#define E700213                                                                                 \
    "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS700213: No matching "          \
    "federated identity record found for presented assertion subject "                          \
    "'system:serviceaccount:keda:keda-operator'.\\r\\nTrace ID: "                               \
    "0b5c2a4e-0000-0000-0000-000000000001\\r\\nCorrelation ID: "                                \
    "7e1d9c3b-0000-0000-0000-000000000002\\r\\nTimestamp: 2026-01-01 00:00:00Z\","              \
    "\"error_codes\":[700213],\"timestamp\":\"2026-01-01 00:00:00Z\","                          \
    "\"trace_id\":\"0b5c2a4e-0000-0000-0000-000000000001\","                                   \
    "\"correlation_id\":\"7e1d9c3b-0000-0000-0000-000000000002\"}"
#define E90061                                                                                  \
    "{\"error\":\"invalid_request\",\"error_description\":\"AADSTS90061: Request to External " \
    "OIDC endpoint failed.\",\"error_codes\":[90061]}"

static struct mock_entra mock;
static char *assertion;

static int setup(void **state)
{
    fx_setup(state);
    mock_start(&mock, *state);
    assertion = fx_good_jwt();
    fx_write_str(((struct fx *)*state)->path, assertion);
    return 0;
}

static int teardown(void **state)
{
    mock_stop(&mock);
    free(assertion);
    assertion = NULL;
    return fx_teardown(state);
}

static int exchange(struct fx *f, struct m365id__sts_token *tok)
{
    return m365id__sts_exchange(tok, f->ctx, SCOPE);
}

/* Assert that neither token appears in any captured log line or the last error. */
static void assert_no_secrets(struct fx *f, const char *jwt)
{
    const m365id_error *err = m365id_last_error(f->ctx);
    const char *payload = strchr(jwt, '.') + 1;

    for (size_t i = 0; i < f->log.count; i++) {
        assert_null(strstr(f->log.lines[i], payload));
        assert_null(strstr(f->log.lines[i], "QUNDRVNTLWNhbmFyeQ"));
    }
    assert_null(strstr(err->message, payload));
    assert_null(strstr(err->message, "QUNDRVNTLWNhbmFyeQ"));
    if (err->hint != NULL)
        assert_null(strstr(err->hint, payload));
    if (err->upstream != NULL)
        assert_null(strstr(err->upstream, payload));
}

static void test_sts_exchange__form_and_headers(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    struct mock_seen *s = &mock.seen[0];
    char path[128];

    mock_token_reply(&mock, 200, "application/json", OK_BODY, NULL);
    assert_int_equal(exchange(f, &tok), 0);
    assert_string_equal(tok.access_token->data, ACCESS);
    assert_int_equal(tok.issued_at_s, FX_NOW);
    assert_int_equal(tok.expires_in_s, 3599);

    assert_int_equal(mock.token_requests, 1);
    snprintf(path, sizeof(path), "/%s/oauth2/v2.0/token", FX_TENANT);
    assert_string_equal(s->method, "POST");
    assert_string_equal(s->path, path);
    assert_string_equal(s->content_type, "application/x-www-form-urlencoded");
    assert_string_equal(s->accept, "application/json");
    assert_null(s->content_encoding);
    assert_string_equal(s->grant_type, "client_credentials");
    assert_string_equal(s->client_id, FX_CLIENT);
    assert_string_equal(s->scope, SCOPE);
    assert_string_equal(s->client_assertion_type,
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    assert_string_equal(s->client_assertion, assertion);
    assert_contains(s->body, "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-"
                             "assertion-type%3Ajwt-bearer");
    m365id__sts_token_clear(&tok);
    assert_no_secrets(f, assertion);
}

/* The file contains the token and a trailing newline, which the exchange must not send. */
static void test_sts_exchange__trailing_newline_not_sent(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    char padded[4096];

    snprintf(padded, sizeof(padded), "%s\n", assertion);
    fx_write_str(f->path, padded);
    mock_token_reply(&mock, 200, "application/json", OK_BODY, NULL);
    assert_int_equal(exchange(f, &tok), 0);
    assert_string_equal(mock.seen[0].client_assertion, assertion);
    m365id__sts_token_clear(&tok);
}

static void test_sts_exchange__503_is_retried(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    char line[160];

    mock_token_reply(&mock, 503, "application/json",
                     "{\"error\":\"temporarily_unavailable\",\"error_codes\":[]}", NULL);
    mock_token_reply(&mock, 200, "application/json", OK_BODY, NULL);
    assert_int_equal(exchange(f, &tok), 0);
    assert_int_equal(mock.token_requests, 2);
    snprintf(line, sizeof(line), "sts: HTTP 503 from '%s', retry 1 of 3 in 0ms", mock.base);
    assert_true(fx_log_has(&f->log, M365ID_LOG_WARN, line));
    m365id__sts_token_clear(&tok);
}

static void test_sts_exchange__retry_after_is_honoured(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    char line[160];

    mock_token_reply(&mock, 429, "application/json", "{\"error\":\"throttled\"}", "1");
    mock_token_reply(&mock, 200, "application/json", OK_BODY, NULL);
    assert_int_equal(exchange(f, &tok), 0);
    assert_int_equal(mock.token_requests, 2);
    snprintf(line, sizeof(line), "HTTP 429 from '%s', retry 1 of 3 in 1000ms", mock.base);
    assert_true(fx_log_has(&f->log, M365ID_LOG_WARN, line));
    m365id__sts_token_clear(&tok);
}

/* Entra ID could not reach the issuer's documents: often a passing outage, so retried. */
static void test_sts_exchange__oidc_fetch_failure_is_retried(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    const m365id_error *err;

    mock_token_reply(&mock, 400, "application/json", E90061, NULL);
    assert_int_equal(exchange(f, &tok), M365ID_EAUTH);
    assert_int_equal(mock.token_requests, 4);
    err = m365id_last_error(f->ctx);
    assert_contains(err->message, "AADSTS90061 (invalid_request): 'Request to External OIDC "
                                  "endpoint failed.'");
    assert_contains(err->hint, "the token's issuer is '" FX_ISSUER "'");
    assert_string_equal(err->upstream, "AADSTS90061 invalid_request");
}

/* A mismatch may be a credential still propagating: two retries, then the last rejection. */
static void test_sts_exchange__fic_mismatch_retried_twice(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    const m365id_error *err;

    mock_token_reply(&mock, 401, "application/json; charset=utf-8", E700213, NULL);
    assert_int_equal(exchange(f, &tok), M365ID_EAUTH);
    assert_null(tok.access_token);
    assert_int_equal(mock.token_requests, 3);
    assert_true(fx_log_has(&f->log, M365ID_LOG_WARN, "may not match yet; mismatch retry 1 of 2 in 0ms"));
    assert_true(fx_log_has(&f->log, M365ID_LOG_WARN, "mismatch retry 2 of 2"));
    err = m365id_last_error(f->ctx);
    assert_int_equal(err->code, M365ID_EAUTH);
    assert_string_equal(err->message,
                        "Entra ID rejected the token request for client '" FX_CLIENT
                        "' in tenant '" FX_TENANT "': AADSTS700213 (invalid_client): 'No "
                        "matching federated identity record found for presented assertion "
                        "subject 'system:serviceaccount:keda:keda-operator'.' (a federated "
                        "credential mismatch on all 3 attempts over 0 s)");
    assert_string_equal(err->upstream, "AADSTS700213 invalid_client "
                                       "trace=0b5c2a4e-0000-0000-0000-000000000001 "
                                       "correlation=7e1d9c3b-0000-0000-0000-000000000002");
    assert_contains(err->hint, "the token's sub is '" FX_SUBJECT "'");
    assert_no_secrets(f, assertion);
}

/* Without retries the mismatch is reported after one request, as Entra ID worded it. */
static void test_sts_exchange__fic_mismatch_without_retries(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    const m365id_error *err;

    f->ctx->cfg.max_retries = 0;
    mock_token_reply(&mock, 401, "application/json; charset=utf-8", E700213, NULL);
    assert_int_equal(exchange(f, &tok), M365ID_EAUTH);
    assert_int_equal(mock.token_requests, 1);
    assert_false(fx_log_has(&f->log, M365ID_LOG_WARN, "retry"));
    err = m365id_last_error(f->ctx);
    assert_string_equal(err->message,
                        "Entra ID rejected the token request for client '" FX_CLIENT
                        "' in tenant '" FX_TENANT "': AADSTS700213 (invalid_client): 'No "
                        "matching federated identity record found for presented assertion "
                        "subject 'system:serviceaccount:keda:keda-operator'.'");
}

static void test_sts_exchange__proxy_page_after_retries(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    const char *html = "<html><body>502 Bad Gateway</body></html>";
    const m365id_error *err;
    char want[512];

    mock_token_reply(&mock, 502, "text/html", html, NULL);
    assert_int_equal(exchange(f, &tok), M365ID_ENET);
    assert_int_equal(mock.token_requests, 4);
    err = m365id_last_error(f->ctx);
    snprintf(want, sizeof(want),
             "token request to '%s/%s/oauth2/v2.0/token' failed after 4 attempts (last: HTTP "
             "502): token endpoint '%s/%s/oauth2/v2.0/token' returned HTTP 502 with a body that "
             "is not an Entra ID error (%zu bytes, content type 'text/html')",
             mock.base, FX_TENANT, mock.base, FX_TENANT, strlen(html));
    assert_string_equal(err->message, want);
    assert_contains(err->hint, "proxy");
}

static void test_sts_exchange__proxy_403_fails_at_once(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;

    mock_token_reply(&mock, 403, "text/html", "<html>Forbidden</html>", NULL);
    assert_int_equal(exchange(f, &tok), M365ID_EPROTO);
    assert_int_equal(mock.token_requests, 1);
    assert_contains(m365id_last_error(f->ctx)->message, "returned HTTP 403");
}

static void test_sts_exchange__bad_success_body_not_retried(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;

    mock_token_reply(&mock, 200, "application/json", "{\"token_type\":\"Bearer\"}", NULL);
    assert_int_equal(exchange(f, &tok), M365ID_EPROTO);
    assert_int_equal(mock.token_requests, 1);
    assert_contains(m365id_last_error(f->ctx)->message, "has no 'access_token'");
}

/* Between two attempts the kubelet rotates the file: the retry must send the new token. */
static char *rotated;

static void rotate_after_first(struct mock_entra *m, size_t n)
{
    struct fx *f = m->hook_payload;

    if (n == 0)
        fx_write_str(f->path, rotated);
}

static void test_sts_exchange__token_file_read_per_attempt(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;

    rotated = fx_jwt(FX_ISSUER, FX_SUBJECT, "[\"" FX_AUDIENCE "\"]", FX_NOW, FX_NOW + 7200);
    mock.after_token_request = rotate_after_first;
    mock.hook_payload = f;
    mock_token_reply(&mock, 500, "application/json", "{\"error\":\"server_error\"}", NULL);
    mock_token_reply(&mock, 200, "application/json", OK_BODY, NULL);
    assert_int_equal(exchange(f, &tok), 0);
    assert_int_equal(mock.token_requests, 2);
    assert_string_equal(mock.seen[0].client_assertion, assertion);
    assert_string_equal(mock.seen[1].client_assertion, rotated);
    m365id__sts_token_clear(&tok);
    free(rotated);
}

/* An unusable token file stops the exchange before anything is sent. */
static void test_sts_exchange__bad_token_file_sends_nothing(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;

    fx_write_str(f->path, "\n");
    mock_token_reply(&mock, 200, "application/json", OK_BODY, NULL);
    assert_int_equal(exchange(f, &tok), M365ID_ETOKENFILE);
    assert_int_equal(mock.token_requests, 0);
}

static void test_sts_exchange__unreachable_host(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    const m365id_error *err;

    httpd_stop(mock.server);
    mock.server = NULL;
    assert_int_equal(exchange(f, &tok), M365ID_ENET);
    err = m365id_last_error(f->ctx);
    assert_contains(err->message, "failed after 4 attempts");
    assert_contains(err->hint, "ca_bundle");
    assert_true(fx_log_has(&f->log, M365ID_LOG_WARN, "retry 3 of 3"));
}

/* Waiting out a long Retry-After would block the caller for minutes per retry. */
static void test_sts_exchange__long_retry_after_fails_at_once(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    const m365id_error *err;

    mock_token_reply(&mock, 429, "application/json",
                     "{\"error\":\"temporarily_unavailable\",\"error_codes\":[]}", "100000");
    mock_token_reply(&mock, 200, "application/json", OK_BODY, NULL);
    assert_int_equal(exchange(f, &tok), M365ID_ENET);
    assert_null(tok.access_token);
    assert_int_equal(mock.token_requests, 1);
    err = m365id_last_error(f->ctx);
    assert_contains(err->message, "HTTP 429");
    assert_contains(err->message, "; the reply requests a retry after 100000 s, longer than the 60 s "
                                  "m365id waits, so the request was not retried");
    assert_contains(err->hint, "in 100000 s");
    assert_false(fx_log_has(&f->log, M365ID_LOG_WARN, "retry 1 of 3"));
}

/* A Retry-After at the limit is still waited for; one second more is not. */
static void test_sts_exchange__retry_after_limit_boundary(void **state)
{
    unsigned long long wait_s = 7;

    (void)state;
    assert_false(m365id__retry_after_exceeds(&wait_s, "60", 60000));
    assert_int_equal(wait_s, 0);
    assert_true(m365id__retry_after_exceeds(&wait_s, "61", 60000));
    assert_int_equal(wait_s, 61);
    assert_false(m365id__retry_after_exceeds(&wait_s, NULL, 60000));
    assert_false(m365id__retry_after_exceeds(&wait_s, "Wed, 21 Oct 2015 07:28:00 GMT", 60000));
    assert_true(m365id__retry_after_exceeds(&wait_s, "121", 120000));
}

static void test_sts_exchange__signature_hint_names_key_id(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;

    mock_token_reply(&mock, 401, "application/json",
                     "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS700027: "
                     "Client assertion failed signature validation.\",\"error_codes\":[700027]}",
                     NULL);
    assert_int_equal(exchange(f, &tok), M365ID_EAUTH);
    assert_contains(m365id_last_error(f->ctx)->hint,
                    "the issuer's JWKS has no key with the token's key id 'test-key', or the "
                    "token was signed with another key");
}

/* A server certificate from another CA fails the same way on every attempt: not retried. */
static void test_sts_exchange__untrusted_certificate_not_retried(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    struct m365id__tls_material other = {NULL, NULL, NULL};
    const m365id_error *err;
    char other_ca[200];

    assert_int_equal(m365id__tls_material_generate(&other, 1, NULL), 0);
    snprintf(other_ca, sizeof(other_ca), "%s/other-ca.pem", f->dir);
    fx_write_str(other_ca, other.ca_cert_pem);
    fx_env_set(f, "M365_CA_BUNDLE", other_ca);
    fx_configure(f);

    mock_token_reply(&mock, 200, "application/json", OK_BODY, NULL);
    assert_int_equal(exchange(f, &tok), M365ID_ENET);
    err = m365id_last_error(f->ctx);
    assert_contains(err->message, "failed: the server's TLS certificate could not be verified");
    assert_not_contains(err->message, "attempts");
    assert_contains(err->hint, "M365_CA_BUNDLE");
    assert_contains(err->hint, "--ca-bundle");
    assert_contains(err->hint, other_ca);
    assert_contains(err->hint, "(env M365_CA_BUNDLE)");
    assert_false(fx_log_has(&f->log, M365ID_LOG_WARN, "retry"));
    assert_int_equal(mock.token_requests, 0);
    m365id__tls_material_clear(&other);
}

static void test_sts_exchange__transient_classification(void **state)
{
    (void)state;
    assert_true(m365id__sts_is_transient(408, NULL, 0));
    assert_true(m365id__sts_is_transient(429, NULL, 0));
    assert_true(m365id__sts_is_transient(500, "invalid_client", 700213));
    assert_true(m365id__sts_is_transient(400, "temporarily_unavailable", 0));
    assert_true(m365id__sts_is_transient(400, "invalid_request", 90061));
    assert_true(m365id__sts_is_transient(400, "invalid_request", 50166));
    assert_true(m365id__sts_is_transient(400, "invalid_request", 501661));
    assert_false(m365id__sts_is_transient(401, "invalid_client", 700213));
    assert_false(m365id__sts_is_transient(401, "invalid_client", 700211));
    assert_false(m365id__sts_is_transient(400, "invalid_request", 70021));
    assert_false(m365id__sts_is_transient(400, "invalid_scope", 1002012));
}

static void test_sts_exchange__backoff_bounds(void **state)
{
    struct fx *f = *state;

    f->ctx->cfg.retry_delay_ms = 1000;
    for (int i = 0; i < 20; i++) {
        long long d0 = m365id__retry_delay_ms(f->ctx, 0, NULL, 60000);
        long long d2 = m365id__retry_delay_ms(f->ctx, 2, NULL, 60000);
        long long d9 = m365id__retry_delay_ms(f->ctx, 9, NULL, 60000);

        assert_true(d0 >= 800 && d0 <= 1200);
        assert_true(d2 >= 3200 && d2 <= 4800);
        assert_true(d9 >= 8000 && d9 <= 10000);
    }
    assert_int_equal(m365id__retry_delay_ms(f->ctx, 0, "30", 60000), 30000);
    assert_int_equal(m365id__retry_delay_ms(f->ctx, 0, "3600", 60000), 60000);
    assert_true(m365id__retry_delay_ms(f->ctx, 0, "Wed, 21 Oct 2015 07:28:00 GMT", 60000) <= 1200);
}

static void test_sts_exchange__fic_mismatch_backoff(void **state)
{
    struct fx *f = *state;

    assert_true(m365id__sts_is_fic_mismatch(70021));
    assert_true(m365id__sts_is_fic_mismatch(700211));
    assert_true(m365id__sts_is_fic_mismatch(700212));
    assert_true(m365id__sts_is_fic_mismatch(700213));
    /* A subject that differs only in case is a configuration error, not propagation. */
    assert_false(m365id__sts_is_fic_mismatch(7002138));
    assert_false(m365id__sts_is_fic_mismatch(70025));
    assert_false(m365id__sts_is_fic_mismatch(90061));

    f->ctx->cfg.retry_delay_ms = 1000;
    for (int i = 0; i < 20; i++) {
        long long d0 = m365id__fic_retry_delay_ms(f->ctx, 0);
        long long d1 = m365id__fic_retry_delay_ms(f->ctx, 1);

        assert_true(d0 >= 12000 && d0 <= 18000);
        assert_true(d1 >= 24000 && d1 <= 36000);
    }
    f->ctx->cfg.retry_delay_ms = 0;
    assert_int_equal(m365id__fic_retry_delay_ms(f->ctx, 1), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_sts_exchange__form_and_headers),
        T(test_sts_exchange__trailing_newline_not_sent),
        T(test_sts_exchange__503_is_retried),
        T(test_sts_exchange__retry_after_is_honoured),
        T(test_sts_exchange__oidc_fetch_failure_is_retried),
        T(test_sts_exchange__fic_mismatch_retried_twice),
        T(test_sts_exchange__fic_mismatch_without_retries),
        T(test_sts_exchange__proxy_page_after_retries),
        T(test_sts_exchange__proxy_403_fails_at_once),
        T(test_sts_exchange__bad_success_body_not_retried),
        T(test_sts_exchange__token_file_read_per_attempt),
        T(test_sts_exchange__bad_token_file_sends_nothing),
        T(test_sts_exchange__unreachable_host),
        T(test_sts_exchange__long_retry_after_fails_at_once),
        cmocka_unit_test(test_sts_exchange__retry_after_limit_boundary),
        T(test_sts_exchange__signature_hint_names_key_id),
        T(test_sts_exchange__untrusted_certificate_not_retried),
        cmocka_unit_test(test_sts_exchange__transient_classification),
        cmocka_unit_test_setup_teardown(test_sts_exchange__backoff_bounds, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_sts_exchange__fic_mismatch_backoff, fx_setup,
                                        fx_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
