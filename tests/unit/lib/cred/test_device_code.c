/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/lib/cred/device_code.c against the scripted HTTPS server: the prompt, the
 * poll loop with its interval, slow_down and expiry bound, the errors that end it, and the
 * absence of the device code from logs, prompts and messages. Waits go through a fake sleep
 * that moves the fake clock, so no test sleeps.
 */
#include "unit/lib/sts/mock_entra.h"

#include "lib/cred/device_code.h"
#include "m365id/token.h"

#define SCOPE "https://graph.microsoft.com/.default"
#define DEVICE_CODE "DAQABAAEAAAD--DLA3VO7QrddgJg7WevrCanaryDeviceCode0123456789"
#define USER_CODE "GQ8SKXCQT"
#define VERIFY_URI "https://microsoft.com/devicelogin"
#define ACCESS "eyJ0eXAiOiJKV1QifQ.QUNDRVNTLWNhbmFyeQ.YWNjZXNzLXNpZw"
#define OK_BODY                                                                                 \
    "{\"token_type\":\"Bearer\",\"scope\":\"User.Read\",\"expires_in\":3599,"                   \
    "\"access_token\":\"" ACCESS "\",\"refresh_token\":\"refresh-canary\"}"
#define GRANT(expires, interval)                                                                \
    "{\"device_code\":\"" DEVICE_CODE "\",\"user_code\":\"" USER_CODE "\","                     \
    "\"verification_uri\":\"" VERIFY_URI "\",\"expires_in\":" #expires ",\"interval\":"         \
    #interval ",\"message\":\"To sign in, use a web browser to open the page " VERIFY_URI       \
    " and enter the code " USER_CODE " to authenticate.\"}"
#define ENTRA_ERROR(error, code)                                                                \
    "{\"error\":\"" error "\",\"error_description\":\"AADSTS" #code ": text.\\r\\nTrace ID: "   \
    "0b5c2a4e-0000-0000-0000-000000000001\",\"error_codes\":[" #code "],"                       \
    "\"trace_id\":\"0b5c2a4e-0000-0000-0000-000000000001\"}"
#define PENDING ENTRA_ERROR("authorization_pending", 70016)
#define SLOW_DOWN ENTRA_ERROR("slow_down", 70016)

static struct mock_entra mock;

/* What the prompt callback and the fake sleep saw. */
static int prompts;
static char prompt_uri[256];
static char prompt_code[64];
static char prompt_message[512];
static long long sleeps_ms[32];
static size_t sleep_count;

static void record_prompt(const char *uri, const char *code, const char *message, void *payload)
{
    (void)payload;
    prompts++;
    snprintf(prompt_uri, sizeof(prompt_uri), "%s", uri);
    snprintf(prompt_code, sizeof(prompt_code), "%s", code);
    snprintf(prompt_message, sizeof(prompt_message), "%s", message);
}

static void fake_sleep(long long ms)
{
    if (sleep_count < sizeof(sleeps_ms) / sizeof(sleeps_ms[0]))
        sleeps_ms[sleep_count++] = ms;
    fx_set_now(fx_clock() + ms / 1000);
}

static int setup(void **state)
{
    struct fx *f;

    fx_setup(state);
    f = *state;
    fx_env_set(f, "M365_AUTH_METHOD", "device_code");
    mock_start(&mock, f);
    f->ctx->sleep_ms = fake_sleep;
    m365id_ctx_set_prompt(f->ctx, record_prompt, NULL);
    prompts = 0;
    sleep_count = 0;
    prompt_uri[0] = prompt_code[0] = prompt_message[0] = '\0';
    return 0;
}

static int teardown(void **state)
{
    mock_stop(&mock);
    return fx_teardown(state);
}

/* The device code reply goes to the mock's non-token list. */
static void script_grant(const char *body)
{
    mock_graph_reply(&mock, 200, body, NULL);
}

static int fetch(struct fx *f, struct m365id__sts_token *tok)
{
    return m365id__device_code_fetch(tok, f->ctx, SCOPE);
}

/* The device code and the token appear in no log line, prompt or failure detail. */
static void assert_no_secrets(struct fx *f)
{
    const m365id_error *err = m365id_last_error(f->ctx);

    for (size_t i = 0; i < f->log.count; i++) {
        assert_not_contains(f->log.lines[i], DEVICE_CODE);
        assert_not_contains(f->log.lines[i], "QUNDRVNTLWNhbmFyeQ");
        assert_not_contains(f->log.lines[i], "refresh-canary");
    }
    assert_not_contains(prompt_message, DEVICE_CODE);
    assert_not_contains(err->message, DEVICE_CODE);
    assert_not_contains(err->hint, DEVICE_CODE);
    assert_not_contains(err->upstream, DEVICE_CODE);
}

static void test_cred_device_code__pending_then_token(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    char path[128];

    script_grant(GRANT(900, 5));
    mock_token_reply(&mock, 400, "application/json", PENDING, NULL);
    mock_token_reply(&mock, 400, "application/json", PENDING, NULL);
    mock_token_reply(&mock, 200, "application/json", OK_BODY, NULL);
    assert_int_equal(fetch(f, &tok), 0);
    assert_string_equal(tok.access_token->data, ACCESS);
    assert_int_equal(tok.expires_in_s, 3599);

    /* One prompt with Entra ID's facts, then three polls five seconds apart. */
    assert_int_equal(prompts, 1);
    assert_string_equal(prompt_uri, VERIFY_URI);
    assert_string_equal(prompt_code, USER_CODE);
    assert_contains(prompt_message, "enter the code " USER_CODE);
    assert_int_equal(mock.token_requests, 3);
    assert_int_equal(sleep_count, 3);
    for (size_t i = 0; i < sleep_count; i++)
        assert_int_equal(sleeps_ms[i], 5000);

    /* The device code request, then the grant with the device code. */
    snprintf(path, sizeof(path), "/%s/oauth2/v2.0/devicecode", FX_TENANT);
    assert_string_equal(mock.seen[0].path, path);
    assert_string_equal(mock.seen[0].method, "POST");
    assert_string_equal(mock.seen[0].content_type, "application/x-www-form-urlencoded");
    assert_contains(mock.seen[0].body, "client_id=" FX_CLIENT);
    assert_contains(mock.seen[0].body, "scope=https%3A%2F%2Fgraph.microsoft.com%2F.default");
    snprintf(path, sizeof(path), "/%s/oauth2/v2.0/token", FX_TENANT);
    assert_string_equal(mock.seen[1].path, path);
    assert_string_equal(mock.seen[1].grant_type, "urn:ietf:params:oauth:grant-type:device_code");
    assert_string_equal(mock.seen[1].client_id, FX_CLIENT);
    assert_contains(mock.seen[1].body, "device_code=" DEVICE_CODE);
    assert_null(mock.seen[1].client_assertion);
    assert_null(mock.seen[1].scope);

    m365id__sts_token_clear(&tok);
    assert_no_secrets(f);
}

/* RFC 8628 section 3.5: each slow_down adds five seconds to the interval for good. */
static void test_cred_device_code__slow_down_adds_five_seconds(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;

    script_grant(GRANT(900, 2));
    mock_token_reply(&mock, 400, "application/json", PENDING, NULL);
    mock_token_reply(&mock, 400, "application/json", SLOW_DOWN, NULL);
    mock_token_reply(&mock, 400, "application/json", PENDING, NULL);
    mock_token_reply(&mock, 400, "application/json", SLOW_DOWN, NULL);
    mock_token_reply(&mock, 200, "application/json", OK_BODY, NULL);
    assert_int_equal(fetch(f, &tok), 0);
    assert_int_equal(mock.token_requests, 5);
    assert_int_equal(sleep_count, 5);
    assert_int_equal(sleeps_ms[0], 2000);
    assert_int_equal(sleeps_ms[1], 2000);
    assert_int_equal(sleeps_ms[2], 7000);
    assert_int_equal(sleeps_ms[3], 7000);
    assert_int_equal(sleeps_ms[4], 12000);
    assert_true(fx_log_has(&f->log, M365ID_LOG_DEBUG, "slow_down: polling every 7s now"));
    m365id__sts_token_clear(&tok);
}

/* Entra ID's expired_token ends the loop with an authentication failure. */
static void test_cred_device_code__expired_token_from_entra(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    const m365id_error *err;

    script_grant(GRANT(900, 5));
    mock_token_reply(&mock, 400, "application/json", PENDING, NULL);
    mock_token_reply(&mock, 400, "application/json", ENTRA_ERROR("expired_token", 70020), NULL);
    assert_int_equal(fetch(f, &tok), M365ID_EAUTH);
    assert_null(tok.access_token);
    assert_int_equal(mock.token_requests, 2);
    err = m365id_last_error(f->ctx);
    assert_string_equal(err->message, "the device code expired before the sign-in was completed "
                                      "(it was valid for 900 s)");
    assert_contains(err->hint, "run the command again");
    assert_no_secrets(f);
}

/* Without a reply other than pending, polling stops at expires_in, so no poll is sent after
 * the code expired. */
static void test_cred_device_code__expiry_bounds_the_loop(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    const m365id_error *err;

    script_grant(GRANT(12, 5));
    mock_token_reply(&mock, 400, "application/json", PENDING, NULL);
    assert_int_equal(fetch(f, &tok), M365ID_EAUTH);
    assert_int_equal(mock.token_requests, 2);
    assert_int_equal(fx_clock(), FX_NOW + 10);
    err = m365id_last_error(f->ctx);
    assert_string_equal(err->message, "the device code expired before the sign-in was completed "
                                      "(it was valid for 12 s, polled 2 times)");
}

static void test_cred_device_code__declined(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    const m365id_error *err;

    script_grant(GRANT(900, 1));
    mock_token_reply(&mock, 400, "application/json", PENDING, NULL);
    mock_token_reply(&mock, 400, "application/json",
                     ENTRA_ERROR("authorization_declined", 70019), NULL);
    assert_int_equal(fetch(f, &tok), M365ID_EAUTH);
    assert_int_equal(mock.token_requests, 2);
    err = m365id_last_error(f->ctx);
    assert_string_equal(err->message, "the sign-in at '" VERIFY_URI "' with user code '" USER_CODE
                                      "' was declined");
    assert_string_equal(err->upstream, "AADSTS70019 authorization_declined");
    assert_contains(err->hint, "approve the sign-in request");
    assert_no_secrets(f);
}

/* An application without public client flows: the hint names the portal setting. */
static void test_cred_device_code__public_client_flows_disabled(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    const m365id_error *err;

    script_grant(GRANT(900, 1));
    mock_token_reply(&mock, 401, "application/json", ENTRA_ERROR("invalid_client", 7000218),
                     NULL);
    assert_int_equal(fetch(f, &tok), M365ID_EAUTH);
    assert_int_equal(mock.token_requests, 1);
    err = m365id_last_error(f->ctx);
    assert_contains(err->message, "Entra ID rejected the device code sign-in for client '"
                                  FX_CLIENT "' in tenant '" FX_TENANT "': AADSTS7000218 "
                                  "(invalid_client)");
    assert_contains(err->hint, "enable 'Allow public client flows' on the app registration");
    assert_contains(err->upstream, "AADSTS7000218 invalid_client trace=");
}

/* A rejected device code request (unknown application) ends before any prompt. */
static void test_cred_device_code__request_rejected(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;

    mock_graph_reply(&mock, 400, ENTRA_ERROR("unauthorized_client", 700016), NULL);
    assert_int_equal(fetch(f, &tok), M365ID_EAUTH);
    assert_int_equal(prompts, 0);
    assert_int_equal(mock.token_requests, 0);
    assert_contains(m365id_last_error(f->ctx)->message,
                    "Entra ID rejected the device code request for client '" FX_CLIENT "'");
}

/* A 503 while polling is polled again in the next interval. */
static void test_cred_device_code__outage_is_polled_again(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;

    script_grant(GRANT(900, 1));
    mock_token_reply(&mock, 503, "text/html", "<html>busy</html>", NULL);
    mock_token_reply(&mock, 200, "application/json", OK_BODY, NULL);
    assert_int_equal(fetch(f, &tok), 0);
    assert_int_equal(mock.token_requests, 2);
    m365id__sts_token_clear(&tok);
}

/* Without a prompt callback no person could sign in, so nothing is sent. */
static void test_cred_device_code__no_prompt_sends_nothing(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;

    m365id_ctx_set_prompt(f->ctx, NULL, NULL);
    script_grant(GRANT(900, 1));
    assert_int_equal(fetch(f, &tok), M365ID_ECONFIG);
    assert_int_equal(mock.seen_count, 0);
    assert_contains(m365id_last_error(f->ctx)->hint, "m365id_ctx_set_prompt()");
}

/* m365id_token_acquire() caches the delegated token like the others: one sign-in. */
static void test_cred_device_code__token_is_cached(void **state)
{
    struct fx *f = *state;
    m365id_token *first = NULL;
    m365id_token *second = NULL;

    script_grant(GRANT(900, 1));
    mock_token_reply(&mock, 200, "application/json", OK_BODY, NULL);
    assert_int_equal(m365id_token_acquire(&first, f->ctx, NULL), 0);
    assert_int_equal(m365id_token_acquire(&second, f->ctx, NULL), 0);
    assert_string_equal(m365id_token_value(second), ACCESS);
    assert_false(m365id_token_is_cached(first));
    assert_true(m365id_token_is_cached(second));
    assert_int_equal(prompts, 1);
    assert_int_equal(mock.token_requests, 1);
    m365id_token_free(first);
    m365id_token_free(second);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_cred_device_code__pending_then_token),
        T(test_cred_device_code__slow_down_adds_five_seconds),
        T(test_cred_device_code__expired_token_from_entra),
        T(test_cred_device_code__expiry_bounds_the_loop),
        T(test_cred_device_code__declined),
        T(test_cred_device_code__public_client_flows_disabled),
        T(test_cred_device_code__request_rejected),
        T(test_cred_device_code__outage_is_polled_again),
        T(test_cred_device_code__no_prompt_sends_nothing),
        T(test_cred_device_code__token_is_cached),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
