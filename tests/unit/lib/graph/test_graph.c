/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/lib/graph/graph.c against a scripted HTTPS server: URL rules, headers,
 * paging and its host check, and error replies with their hints.
 */
#include "unit/lib/sts/mock_entra.h"

#include "m365id/graph.h"

static struct mock_entra mock;
static char token_body[2048];
static char bearer[1024];

/* Make the token endpoint return an access token whose payload is @p claims. */
static void script_token(const char *claims)
{
    char *h = fx_b64("{\"typ\":\"JWT\",\"alg\":\"RS256\"}");
    char *p = fx_b64(claims);

    snprintf(bearer, sizeof(bearer), "%s.%s.c2ln", h, p);
    snprintf(token_body, sizeof(token_body),
             "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"%s\"}", bearer);
    mock_token_reply(&mock, 200, "application/json", token_body, NULL);
    free(h);
    free(p);
}

static int setup(void **state)
{
    struct fx *f;
    char *jwt;

    fx_setup(state);
    f = *state;
    fx_env_set(f, "M365_MAX_RETRIES", "1");
    mock_start(&mock, f);
    jwt = fx_good_jwt();
    fx_write_str(f->path, jwt);
    free(jwt);
    return 0;
}

static int teardown(void **state)
{
    mock_stop(&mock);
    return fx_teardown(state);
}

static void test_graph__get_sends_bearer_and_returns_body(void **state)
{
    struct fx *f = *state;
    m365id_graph_response *r = NULL;
    char auth[1100];
    const char *body = "{\"value\":[{\"id\":\"1\"}]}";

    script_token("{\"roles\":[\"Organization.Read.All\"]}");
    mock_graph_reply(&mock, 200, body, NULL);
    assert_int_equal(m365id_graph_request(&r, f->ctx, "GET", "/v1.0/organization", NULL, 0, 0),
                     0);
    assert_int_equal(m365id_graph_response_status(r), 200);
    assert_string_equal(m365id_graph_response_body(r), body);
    assert_int_equal(m365id_graph_response_body_len(r), strlen(body));

    assert_int_equal(mock.graph_requests, 1);
    snprintf(auth, sizeof(auth), "Bearer %s", bearer);
    assert_string_equal(mock.seen[1].path, "/v1.0/organization");
    assert_string_equal(mock.seen[1].authorization, auth);
    assert_string_equal(mock.seen[1].accept, "application/json");
    assert_null(mock.seen[1].content_type);
    for (size_t i = 0; i < f->log.count; i++)
        assert_null(strstr(f->log.lines[i], bearer));
    m365id_graph_response_free(r);
}

static void test_graph__body_gets_content_type(void **state)
{
    struct fx *f = *state;
    m365id_graph_response *r = NULL;
    const char *body = "{\"displayName\":\"x\"}";
    char url[160];

    script_token("{}");
    mock_graph_reply(&mock, 201, "{\"id\":\"2\"}", NULL);
    snprintf(url, sizeof(url), "%s/beta/applications", mock.base);
    assert_int_equal(m365id_graph_request(&r, f->ctx, "POST", url, body, strlen(body), 0), 0);
    assert_int_equal(m365id_graph_response_status(r), 201);
    assert_string_equal(mock.seen[1].method, "POST");
    assert_string_equal(mock.seen[1].path, "/beta/applications");
    assert_string_equal(mock.seen[1].content_type, "application/json");
    assert_string_equal(mock.seen[1].body, body);
    m365id_graph_response_free(r);
}

static void test_graph__foreign_url_is_rejected(void **state)
{
    struct fx *f = *state;
    m365id_graph_response *r = NULL;

    script_token("{}");
    assert_int_equal(m365id_graph_request(&r, f->ctx, "GET",
                                          "https://graph.evil.test/v1.0/users", NULL, 0, 0),
                     M365ID_EINVAL);
    assert_null(r);
    assert_contains(m365id_last_error(f->ctx)->message, "is neither a path starting with '/'");
    assert_int_equal(mock.seen_count, 0);
    assert_int_equal(m365id_graph_request(&r, f->ctx, "FETCH", "/v1.0/users", NULL, 0, 0),
                     M365ID_EINVAL);
    assert_int_equal(m365id_graph_request(&r, f->ctx, "POST", "/v1.0/users", "{}", 2,
                                          M365ID_GRAPH_ALL_PAGES),
                     M365ID_EINVAL);
}

static void test_graph__pages_are_merged(void **state)
{
    struct fx *f = *state;
    m365id_graph_response *r = NULL;
    char page1[512];

    script_token("{}");
    snprintf(page1, sizeof(page1),
             "{\"@odata.context\":\"%s/v1.0/$metadata#users\",\"value\":[{\"id\":\"a\"},"
             "{\"id\":\"b\"}],\"@odata.nextLink\":\"%s/v1.0/users?$top=2&$skiptoken=t2\"}",
             mock.base, mock.base);
    mock_graph_reply(&mock, 200, page1, NULL);
    mock_graph_reply(&mock, 200, "{\"value\":[{\"id\":\"c\"}]}", NULL);
    assert_int_equal(m365id_graph_request(&r, f->ctx, "GET", "/v1.0/users?$top=2", NULL, 0,
                                          M365ID_GRAPH_ALL_PAGES),
                     0);
    assert_int_equal(mock.graph_requests, 2);
    assert_string_equal(mock.seen[2].query_skiptoken, "t2");
    assert_contains(mock.seen[2].authorization, "Bearer ");
    assert_contains(m365id_graph_response_body(r), "\"value\":[{\"id\":\"a\"},{\"id\":\"b\"},"
                                                   "{\"id\":\"c\"}]");
    assert_contains(m365id_graph_response_body(r), "$metadata#users");
    assert_not_contains(m365id_graph_response_body(r), "nextLink");
    m365id_graph_response_free(r);
}

/* A next link on another host would receive the bearer token: it is never followed. */
static void test_graph__next_link_to_other_host_refused(void **state)
{
    struct fx *f = *state;
    m365id_graph_response *r = NULL;

    script_token("{}");
    mock_graph_reply(&mock, 200,
                     "{\"value\":[],\"@odata.nextLink\":\"https://attacker.test/v1.0/users\"}",
                     NULL);
    assert_int_equal(m365id_graph_request(&r, f->ctx, "GET", "/v1.0/users", NULL, 0,
                                          M365ID_GRAPH_ALL_PAGES),
                     M365ID_EPROTO);
    assert_null(r);
    assert_int_equal(mock.graph_requests, 1);
    assert_contains(m365id_last_error(f->ctx)->message,
                    "page 1 links to 'https://attacker.test/v1.0/users', which is not on the "
                    "Graph endpoint");
}

static void test_graph__forbidden_names_roles(void **state)
{
    struct fx *f = *state;
    m365id_graph_response *r = NULL;
    const m365id_error *err;

    script_token("{\"roles\":[\"Organization.Read.All\",\"Device.Read.All\"]}");
    mock_graph_reply(&mock, 403,
                     "{\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":"
                     "\"Insufficient privileges to complete the operation.\",\"innerError\":"
                     "{\"date\":\"2026-01-01T00:00:00\",\"request-id\":\"req-1\"}}}",
                     NULL);
    assert_int_equal(m365id_graph_request(&r, f->ctx, "GET", "/v1.0/users", NULL, 0, 0),
                     M365ID_EGRAPH);
    assert_null(r);
    err = m365id_last_error(f->ctx);
    assert_string_equal(err->message, "graph request GET /v1.0/users failed with HTTP 403: "
                                      "Authorization_RequestDenied: Insufficient privileges to "
                                      "complete the operation.");
    assert_string_equal(err->upstream, "request-id=req-1");
    assert_contains(err->hint, "roles 'Organization.Read.All', 'Device.Read.All'");
    assert_contains(err->hint, "admin consent");
    assert_int_equal(mock.graph_requests, 1);
}

static void test_graph__forbidden_without_roles_says_none(void **state)
{
    struct fx *f = *state;
    m365id_graph_response *r = NULL;

    script_token("{\"aud\":\"https://graph.microsoft.com\"}");
    mock_graph_reply(&mock, 403,
                     "{\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"no\"}}",
                     NULL);
    assert_int_equal(m365id_graph_request(&r, f->ctx, "GET", "/v1.0/organization", NULL, 0, 0),
                     M365ID_EGRAPH);
    assert_string_equal(m365id_last_error(f->ctx)->hint,
                        "the access token carries no application roles; grant the app the "
                        "Microsoft Graph application permission this call needs (for "
                        "/organization: Organization.Read.All) and admin consent for it in the "
                        "tenant");
    assert_null(m365id_last_error(f->ctx)->upstream);
}

/* The example permission follows the resource read; other resources and writes get none. */
static void test_graph__forbidden_example_follows_path(void **state)
{
    static const struct {
        const char *method;
        const char *path;
        const char *example; /* NULL: the hint names no permission */
    } cases[] = {
        {"GET", "/v1.0/users?$top=2", "(for /users: User.Read.All)"},
        {"GET", "/beta/users/adele@contoso.onmicrosoft.com", "(for /users: User.Read.All)"},
        {"GET", "/v1.0/organization", "(for /organization: Organization.Read.All)"},
        {"GET", "/v1.0/groups", NULL},
        {"GET", "/v1.0/usersx", NULL},
        {"DELETE", "/v1.0/users/x", NULL},
    };
    struct fx *f = *state;
    m365id_graph_response *r = NULL;

    script_token("{}");
    mock_graph_reply(&mock, 403,
                     "{\"error\":{\"code\":\"Authorization_RequestDenied\",\"message\":\"no\"}}",
                     NULL);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *hint;

        assert_int_equal(m365id_graph_request(&r, f->ctx, cases[i].method, cases[i].path, NULL,
                                              0, 0),
                         M365ID_EGRAPH);
        hint = m365id_last_error(f->ctx)->hint;
        assert_contains(hint, "carries no application roles; grant the app");
        if (cases[i].example != NULL)
            assert_contains(hint, cases[i].example);
        else
            assert_not_contains(hint, "(for ");
    }
}

/* A path with a space or control character is rejected before a token is even requested. */
static void test_graph__path_with_space_is_rejected(void **state)
{
    static const char *const paths[] = {"/v1.0/users/a b", "/v1.0/users\r\nX-Injected: 1",
                                        "/v1.0/users/\tb"};
    struct fx *f = *state;
    m365id_graph_response *r = NULL;
    const m365id_error *err;

    script_token("{}");
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        assert_int_equal(m365id_graph_request(&r, f->ctx, "GET", paths[i], NULL, 0, 0),
                         M365ID_EINVAL);
        assert_null(r);
        err = m365id_last_error(f->ctx);
        assert_contains(err->message, "contains a space or control character");
        assert_contains(err->hint, "percent-encode");
    }
    assert_string_equal(err->message, "graph path '/v1.0/users/\\tb' contains a space or control "
                                      "character");
    assert_int_equal(m365id_graph_request(&r, f->ctx, "GET", "/v1.0/users/a b", NULL, 0, 0),
                     M365ID_EINVAL);
    assert_string_equal(m365id_last_error(f->ctx)->message,
                        "graph path '/v1.0/users/a b' contains a space or control character");
    assert_int_equal(mock.seen_count, 0);
}

/* Graph asking for a longer wait than the cap fails at once instead of blocking. */
static void test_graph__long_retry_after_fails_at_once(void **state)
{
    struct fx *f = *state;
    m365id_graph_response *r = NULL;
    const m365id_error *err;

    script_token("{}");
    mock_graph_reply(&mock, 429, "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"x\"}}",
                     "100000");
    mock_graph_reply(&mock, 200, "{\"value\":[]}", NULL);
    assert_int_equal(m365id_graph_request(&r, f->ctx, "GET", "/v1.0/users", NULL, 0, 0),
                     M365ID_EGRAPH);
    assert_null(r);
    assert_int_equal(mock.graph_requests, 1);
    err = m365id_last_error(f->ctx);
    assert_string_equal(err->message, "graph request GET /v1.0/users failed with HTTP 429: "
                                      "TooManyRequests: x; the reply requests a retry after 100000 "
                                      "s, longer than the 120 s m365id waits, so the request was "
                                      "not retried");
    assert_contains(err->hint, "in 100000 s");
}

/* A server certificate from another CA is reported with the CA bundle setting, once. */
static void test_graph__untrusted_certificate_not_retried(void **state)
{
    struct fx *f = *state;
    struct m365id__tls_material other = {NULL, NULL, NULL};
    m365id_graph_response *r = NULL;
    const m365id_error *err;
    char other_ca[200];

    /* The first call caches the token, so the second one fails at Graph, not at the token. */
    script_token("{}");
    mock_graph_reply(&mock, 200, "{\"value\":[]}", NULL);
    assert_int_equal(m365id_graph_request(&r, f->ctx, "GET", "/v1.0/users", NULL, 0, 0), 0);
    m365id_graph_response_free(r);
    r = NULL;

    assert_int_equal(m365id__tls_material_generate(&other, 1, NULL), 0);
    snprintf(other_ca, sizeof(other_ca), "%s/other-ca.pem", f->dir);
    fx_write_str(other_ca, other.ca_cert_pem);
    fx_env_set(f, "M365_CA_BUNDLE", other_ca);
    fx_configure(f);
    assert_int_equal(m365id_graph_request(&r, f->ctx, "GET", "/v1.0/users", NULL, 0, 0),
                     M365ID_ENET);
    assert_int_equal(mock.token_requests, 1);
    err = m365id_last_error(f->ctx);
    assert_contains(err->message, "graph request GET /v1.0/users failed: the server's TLS "
                                  "certificate could not be verified");
    assert_contains(err->hint, "M365_CA_BUNDLE");
    assert_false(fx_log_has(&f->log, M365ID_LOG_WARN, "retry"));
    m365id__tls_material_clear(&other);
}

static void test_graph__unauthorized_hint_names_scope(void **state)
{
    struct fx *f = *state;
    m365id_graph_response *r = NULL;

    script_token("{}");
    mock_graph_reply(&mock, 401,
                     "{\"error\":{\"code\":\"InvalidAuthenticationToken\",\"message\":"
                     "\"Access token validation failure.\"}}",
                     NULL);
    assert_int_equal(m365id_graph_request(&r, f->ctx, "GET", "/v1.0/users", NULL, 0, 0),
                     M365ID_EGRAPH);
    assert_contains(m365id_last_error(f->ctx)->message, "HTTP 401: InvalidAuthenticationToken");
    assert_contains(m365id_last_error(f->ctx)->hint,
                    "scope 'https://graph.microsoft.com/.default'");
}

static void test_graph__throttling_is_retried(void **state)
{
    struct fx *f = *state;
    m365id_graph_response *r = NULL;

    script_token("{}");
    mock_graph_reply(&mock, 429, "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"x\"}}",
                     "0");
    mock_graph_reply(&mock, 200, "{\"value\":[]}", NULL);
    assert_int_equal(m365id_graph_request(&r, f->ctx, "GET", "/v1.0/users", NULL, 0, 0), 0);
    assert_int_equal(mock.graph_requests, 2);
    assert_true(fx_log_has(&f->log, M365ID_LOG_WARN, "HTTP 429 from '/v1.0/users', retry 1 of 1"));
    m365id_graph_response_free(r);
}

static void test_graph__non_json_error(void **state)
{
    struct fx *f = *state;
    m365id_graph_response *r = NULL;

    script_token("{}");
    mock_graph_reply(&mock, 404, "<html>nope</html>", NULL);
    mock.graph_replies[0].content_type = "text/html";
    assert_int_equal(m365id_graph_request(&r, f->ctx, "DELETE", "/v1.0/x", NULL, 0, 0),
                     M365ID_EGRAPH);
    assert_contains(m365id_last_error(f->ctx)->message,
                    "graph request DELETE /v1.0/x failed with HTTP 404: the reply is not a "
                    "Graph error (17 bytes, content type 'text/html')");
}

static void test_graph__token_failure_is_passed_on(void **state)
{
    struct fx *f = *state;
    m365id_graph_response *r = NULL;

    mock_token_reply(&mock, 400, "application/json",
                     "{\"error\":\"invalid_request\",\"error_codes\":[90002]}", NULL);
    assert_int_equal(m365id_graph_request(&r, f->ctx, "GET", "/v1.0/users", NULL, 0, 0),
                     M365ID_EAUTH);
    assert_int_equal(mock.graph_requests, 0);
    assert_contains(m365id_last_error(f->ctx)->message, "AADSTS90002");
}

static void test_graph__last_status_follows_each_call(void **state)
{
    struct fx *f = *state;
    m365id_graph_response *r = NULL;

    assert_int_equal(m365id_graph_last_status(f->ctx), 0);
    assert_int_equal(m365id_graph_last_status(NULL), 0);

    script_token("{}");
    mock_graph_reply(&mock, 201, "{\"id\":\"1\"}", NULL);
    assert_int_equal(m365id_graph_request(&r, f->ctx, "POST", "/v1.0/groups", "{}", 2, 0), 0);
    assert_int_equal(m365id_graph_last_status(f->ctx), 201);
    m365id_graph_response_free(r);
    r = NULL;

    /* An error status is returned as M365ID_EGRAPH, and the status is readable as a number. */
    mock_graph_reply(&mock, 404,
                     "{\"error\":{\"code\":\"Request_ResourceNotFound\",\"message\":\"x\"}}",
                     NULL);
    assert_int_equal(m365id_graph_request(&r, f->ctx, "GET", "/v1.0/groups/1", NULL, 0, 0),
                     M365ID_EGRAPH);
    assert_null(r);
    assert_int_equal(m365id_graph_last_status(f->ctx), 404);

    /* A rejected argument sends nothing, so no status is left over from the call before. */
    assert_int_equal(m365id_graph_request(&r, f->ctx, "HEAD", "/v1.0/groups", NULL, 0, 0),
                     M365ID_EINVAL);
    assert_int_equal(m365id_graph_last_status(f->ctx), 0);
}

static void test_graph__last_status_is_final_attempt(void **state)
{
    struct fx *f = *state;
    m365id_graph_response *r = NULL;

    script_token("{}");
    mock_graph_reply(&mock, 503, "{\"error\":{\"code\":\"ServiceUnavailable\",\"message\":\"x\"}}",
                     "0");
    mock_graph_reply(&mock, 503, "{\"error\":{\"code\":\"ServiceUnavailable\",\"message\":\"x\"}}",
                     "0");
    assert_int_equal(m365id_graph_request(&r, f->ctx, "GET", "/v1.0/users", NULL, 0, 0),
                     M365ID_EGRAPH);
    assert_int_equal(mock.graph_requests, 2);
    assert_int_equal(m365id_graph_last_status(f->ctx), 503);

    mock_graph_reply(&mock, 429, "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"x\"}}",
                     "0");
    mock_graph_reply(&mock, 200, "{\"value\":[]}", NULL);
    assert_int_equal(m365id_graph_request(&r, f->ctx, "GET", "/v1.0/users", NULL, 0, 0), 0);
    assert_int_equal(m365id_graph_last_status(f->ctx), 200);
    m365id_graph_response_free(r);
}

static void test_graph__last_status_zero_without_token(void **state)
{
    struct fx *f = *state;
    m365id_graph_response *r = NULL;

    script_token("{}");
    mock_graph_reply(&mock, 200, "{\"value\":[]}", NULL);
    assert_int_equal(m365id_graph_request(&r, f->ctx, "GET", "/v1.0/users", NULL, 0, 0), 0);
    assert_int_equal(m365id_graph_last_status(f->ctx), 200);
    m365id_graph_response_free(r);
    r = NULL;

    /* The bad token is refused before any request, so the status of the call before is gone. */
    assert_int_equal(m365id_graph_request_with_token(&r, f->ctx, "a b", "GET", "/v1.0/users",
                                                     NULL, 0, 0),
                     M365ID_EINVAL);
    assert_int_equal(m365id_graph_last_status(f->ctx), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_graph__get_sends_bearer_and_returns_body),
        T(test_graph__body_gets_content_type),
        T(test_graph__foreign_url_is_rejected),
        T(test_graph__pages_are_merged),
        T(test_graph__next_link_to_other_host_refused),
        T(test_graph__forbidden_names_roles),
        T(test_graph__forbidden_without_roles_says_none),
        T(test_graph__forbidden_example_follows_path),
        T(test_graph__path_with_space_is_rejected),
        T(test_graph__long_retry_after_fails_at_once),
        T(test_graph__untrusted_certificate_not_retried),
        T(test_graph__unauthorized_hint_names_scope),
        T(test_graph__throttling_is_retried),
        T(test_graph__non_json_error),
        T(test_graph__token_failure_is_passed_on),
        T(test_graph__last_status_follows_each_call),
        T(test_graph__last_status_is_final_attempt),
        T(test_graph__last_status_zero_without_token),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
