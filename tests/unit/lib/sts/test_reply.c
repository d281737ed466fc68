/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/lib/sts/reply.c: success bodies with numbers or numeric strings, missing
 * and malformed fields, Entra ID error bodies, and no token text in any message.
 */
#include "unit/lib/token/token_fixture.h"

#include "lib/sts/reply.h"
#include "util/limits.h"

#define CANARY "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.Q0FOQVJZLXRva2Vu.c2VjcmV0LWNhbmFyeQ"

/* Parse @p body as a 200 reply issued at FX_NOW. */
static int parse(struct fx *f, struct m365id__sts_token *tok, const char *body)
{
    tok->issued_at_s = FX_NOW;
    return m365id__sts_reply_parse_token(tok, f->ctx, 200, "application/json; charset=utf-8",
                                         body, strlen(body));
}

/* Expect M365ID_EPROTO whose message contains @p needle and never the token. */
static void expect_proto(struct fx *f, const char *body, const char *needle)
{
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    const m365id_error *err;

    assert_int_equal(parse(f, &tok, body), M365ID_EPROTO);
    assert_null(tok.access_token);
    err = m365id_last_error(f->ctx);
    assert_int_equal(err->code, M365ID_EPROTO);
    assert_contains(err->message, needle);
    assert_not_contains(err->message, "Q0FOQVJZ");
    assert_not_contains(err->message, "c2VjcmV0");
    assert_non_null(err->hint);
}

static void test_sts_reply__numbers(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;

    assert_int_equal(parse(f, &tok, "{\"token_type\":\"Bearer\",\"expires_in\":3599,"
                                    "\"ext_expires_in\":3600,\"access_token\":\"" CANARY "\"}"),
                     0);
    assert_string_equal(tok.access_token->data, CANARY);
    assert_int_equal(tok.issued_at_s, FX_NOW);
    assert_int_equal(tok.expires_in_s, 3599);
    assert_int_equal(tok.ext_expires_in_s, 3600);
    assert_int_equal(tok.refresh_in_s, -1);
    m365id__sts_token_clear(&tok);
    assert_null(tok.access_token);
}

static void test_sts_reply__numeric_strings(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;

    assert_int_equal(parse(f, &tok, "{\"token_type\":\"bearer\",\"expires_in\":\"86399\","
                                    "\"ext_expires_in\":\"90000\",\"refresh_in\":\"43200\","
                                    "\"access_token\":\"abc\"}"),
                     0);
    assert_int_equal(tok.expires_in_s, 86399);
    assert_int_equal(tok.ext_expires_in_s, 90000);
    assert_int_equal(tok.refresh_in_s, 43200);
    m365id__sts_token_clear(&tok);
}

/* A lifetime beyond any real token is cut, so that issue time plus lifetime cannot overflow. */
static void test_sts_reply__huge_lifetime_cut(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;

    assert_int_equal(parse(f, &tok, "{\"token_type\":\"Bearer\",\"expires_in\":"
                                    "\"9223372036854775807\",\"access_token\":\"abc\"}"),
                     0);
    assert_int_equal(tok.expires_in_s, M365ID_TOKEN_LIFETIME_MAX_S);
    m365id__sts_token_clear(&tok);
}

static void test_sts_reply__refresh_in_as_number(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;

    assert_int_equal(parse(f, &tok, "{\"token_type\":\"BEARER\",\"expires_in\":7200,"
                                    "\"refresh_in\":3600,\"access_token\":\"abc\"}"),
                     0);
    assert_int_equal(tok.refresh_in_s, 3600);
    assert_int_equal(tok.ext_expires_in_s, -1);
    m365id__sts_token_clear(&tok);
}

/* Optional lifetimes that cannot be read are ignored rather than failing the exchange. */
static void test_sts_reply__bad_optional_fields_ignored(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;

    assert_int_equal(parse(f, &tok, "{\"token_type\":\"Bearer\",\"expires_in\":3599,"
                                    "\"ext_expires_in\":\"soon\",\"refresh_in\":1.5,"
                                    "\"access_token\":\"abc\"}"),
                     0);
    assert_int_equal(tok.ext_expires_in_s, -1);
    assert_int_equal(tok.refresh_in_s, -1);
    m365id__sts_token_clear(&tok);
}

static void test_sts_reply__missing_access_token(void **state)
{
    const char *body = "{\"token_type\":\"Bearer\",\"expires_in\":3599}";
    char want[256];

    snprintf(want, sizeof(want),
             "token endpoint reply (HTTP 200, %zu bytes, content type 'application/json; "
             "charset=utf-8') has no 'access_token'",
             strlen(body));
    expect_proto(*state, body, want);
}

static void test_sts_reply__empty_access_token(void **state)
{
    expect_proto(*state, "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"\"}",
                 "has an empty 'access_token'");
}

static void test_sts_reply__access_token_not_string(void **state)
{
    expect_proto(*state, "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":42}",
                 "has an 'access_token' that is not a string");
}

static void test_sts_reply__missing_expires_in(void **state)
{
    expect_proto(*state, "{\"token_type\":\"Bearer\",\"access_token\":\"" CANARY "\"}",
                 "has no 'expires_in'");
}

static void test_sts_reply__bad_expires_in(void **state)
{
    struct fx *f = *state;

    expect_proto(f, "{\"token_type\":\"Bearer\",\"expires_in\":\"1h\",\"access_token\":\"" CANARY
                    "\"}",
                 "has an 'expires_in' that is not a positive number of seconds");
    expect_proto(f, "{\"token_type\":\"Bearer\",\"expires_in\":0,\"access_token\":\"" CANARY
                    "\"}",
                 "has an 'expires_in' that is not a positive number of seconds");
    expect_proto(f, "{\"token_type\":\"Bearer\",\"expires_in\":-5,\"access_token\":\"" CANARY
                    "\"}",
                 "not a positive number of seconds");
}

static void test_sts_reply__missing_token_type(void **state)
{
    expect_proto(*state, "{\"expires_in\":3599,\"access_token\":\"" CANARY "\"}",
                 "has no 'token_type'");
}

static void test_sts_reply__wrong_token_type(void **state)
{
    expect_proto(*state, "{\"token_type\":\"pop\",\"expires_in\":3599,\"access_token\":\"" CANARY
                         "\"}",
                 "has token_type 'pop', expected 'Bearer'");
}

/* jansson's parse error cites the input, which would leak the token; only shape is shown. */
static void test_sts_reply__not_json(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    const char *body = "access_token=" CANARY "&expires_in=3599";
    const m365id_error *err;
    char want[256];

    tok.issued_at_s = FX_NOW;
    assert_int_equal(m365id__sts_reply_parse_token(&tok, f->ctx, 200, "text/plain", body,
                                                   strlen(body)),
                     M365ID_EPROTO);
    err = m365id_last_error(f->ctx);
    snprintf(want, sizeof(want),
             "token endpoint reply (HTTP 200, %zu bytes, content type 'text/plain') is not a "
             "JSON object",
             strlen(body));
    assert_contains(err->message, want);
    assert_not_contains(err->message, "Q0FOQVJZ");
    expect_proto(f, "[\"" CANARY "\"]", "is not a JSON object");
}

static void test_sts_reply__reference_error_body(void **state)
{
    struct m365id__sts_error e = M365ID__STS_ERROR_INIT;
    const char *body =
        "{\"error\": \"invalid_client\",\n"
        " \"error_description\": \"AADSTS700213: No matching federated identity record found "
        "for presented assertion subject 'system:serviceaccount:keda:keda-operator'.\\r\\nTrace "
        "ID: 0b5c2a4e-1f3a-4b7e-9a44-2f3c8d1e0001\\r\\nCorrelation ID: "
        "7e1d9c3b-5a2f-4c8e-b6d1-3f4e5a6b0002\\r\\nTimestamp: 2026-01-01 00:00:00Z\",\n"
        " \"error_codes\": [700213],\n"
        " \"timestamp\": \"2026-01-01 00:00:00Z\",\n"
        " \"trace_id\": \"0b5c2a4e-1f3a-4b7e-9a44-2f3c8d1e0001\", \"correlation_id\": "
        "\"7e1d9c3b-5a2f-4c8e-b6d1-3f4e5a6b0002\",\n"
        " \"error_uri\": \"https://login.microsoftonline.com/error?code=700213\"}";
    const char *summary;
    size_t len;

    (void)state;
    assert_int_equal(m365id__sts_reply_parse_error(&e, body, strlen(body)), 0);
    assert_string_equal(e.error, "invalid_client");
    assert_int_equal(e.code, 700213);
    assert_string_equal(e.trace_id, "0b5c2a4e-1f3a-4b7e-9a44-2f3c8d1e0001");
    assert_string_equal(e.correlation_id, "7e1d9c3b-5a2f-4c8e-b6d1-3f4e5a6b0002");
    assert_string_equal(e.timestamp, "2026-01-01 00:00:00Z");
    summary = m365id__sts_error_summary(e.description, &len);
    assert_int_equal(len, strlen("No matching federated identity record found for presented "
                                 "assertion subject 'system:serviceaccount:keda:keda-operator'."));
    assert_memory_equal(summary, "No matching federated", 21);
    m365id__sts_error_clear(&e);
    assert_null(e.error);
}

static void test_sts_reply__error_without_codes(void **state)
{
    struct m365id__sts_error e = M365ID__STS_ERROR_INIT;
    const char *body = "{\"error\":\"temporarily_unavailable\",\"error_codes\":[]}";

    (void)state;
    assert_int_equal(m365id__sts_reply_parse_error(&e, body, strlen(body)), 0);
    assert_string_equal(e.error, "temporarily_unavailable");
    assert_int_equal(e.code, 0);
    assert_null(e.description);
    assert_null(e.trace_id);
    m365id__sts_error_clear(&e);
}

static void test_sts_reply__non_entra_error_bodies(void **state)
{
    struct m365id__sts_error e = M365ID__STS_ERROR_INIT;
    const char *html = "<html><body>502 Bad Gateway</body></html>";
    const char *no_error = "{\"message\":\"denied\"}";
    const char *error_number = "{\"error\":42}";

    (void)state;
    assert_int_equal(m365id__sts_reply_parse_error(&e, html, strlen(html)), M365ID_EPROTO);
    assert_int_equal(m365id__sts_reply_parse_error(&e, no_error, strlen(no_error)),
                     M365ID_EPROTO);
    assert_int_equal(m365id__sts_reply_parse_error(&e, error_number, strlen(error_number)),
                     M365ID_EPROTO);
    assert_int_equal(m365id__sts_reply_parse_error(&e, "", 0), M365ID_EPROTO);
    assert_null(e.error);
}

static void test_sts_reply__summary_shapes(void **state)
{
    const char *s;
    size_t len;

    (void)state;
    s = m365id__sts_error_summary("AADSTS90002: Tenant 'x' not found.\r\nTrace ID: 1", &len);
    assert_int_equal(len, strlen("Tenant 'x' not found."));
    assert_memory_equal(s, "Tenant 'x' not found.", len);
    s = m365id__sts_error_summary("plain text\nsecond line", &len);
    assert_int_equal(len, 10);
    assert_memory_equal(s, "plain text", len);
    s = m365id__sts_error_summary("AADSTS: no number", &len);
    assert_memory_equal(s, "AADSTS: no number", len);
    s = m365id__sts_error_summary(NULL, &len);
    assert_int_equal(len, 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_sts_reply__numbers),
        T(test_sts_reply__numeric_strings),
        T(test_sts_reply__huge_lifetime_cut),
        T(test_sts_reply__refresh_in_as_number),
        T(test_sts_reply__bad_optional_fields_ignored),
        T(test_sts_reply__missing_access_token),
        T(test_sts_reply__empty_access_token),
        T(test_sts_reply__access_token_not_string),
        T(test_sts_reply__missing_expires_in),
        T(test_sts_reply__bad_expires_in),
        T(test_sts_reply__missing_token_type),
        T(test_sts_reply__wrong_token_type),
        T(test_sts_reply__not_json),
        cmocka_unit_test(test_sts_reply__reference_error_body),
        cmocka_unit_test(test_sts_reply__error_without_codes),
        cmocka_unit_test(test_sts_reply__non_entra_error_bodies),
        cmocka_unit_test(test_sts_reply__summary_shapes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
