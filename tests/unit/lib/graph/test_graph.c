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
    assert_int_equal(m365id_graph_request(&r, f->ctx, "GET", "/v1.0/users", NULL, 0, 0),
                     M365ID_EGRAPH);
    assert_contains(m365id_last_error(f->ctx)->hint, "carries the roles none");
    assert_null(m365id_last_error(f->ctx)->upstream);
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
        T(test_graph__unauthorized_hint_names_scope),
        T(test_graph__throttling_is_retried),
        T(test_graph__non_json_error),
        T(test_graph__token_failure_is_passed_on),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
