/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of the doctor and setup steps that read network replies (doctor_internal.h,
 * setup_issuer_from_reply(), doctor_kube_read_reply()) and of the doctor's text report, which
 * must escape control characters from those replies, C1 controls included.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/doctor/doctor_internal.h"
#include "cli/doctor/kube_client.h"
#include "cli/setup/setup.h"
#include "util/buf.h"
#include "util/http_client.h"

#define ISSUER "https://oidc.example.com/cluster-1"
#define SUBJECT "system:serviceaccount:team-a:graph-app"
#define AUDIENCE "api://AzureADTokenExchange"

/* A run whose token has the claims @p iss, @p sub and audience AUDIENCE. */
static struct doctor *run_new(const char *iss, const char *sub)
{
    struct doctor_options options;
    struct doctor *d;
    struct doctor_facts *facts;

    memset(&options, 0, sizeof(options));
    options.offline = 1;
    d = doctor_new(&options);
    facts = doctor_facts(d);
    facts->assertion_claims = json_pack("{s:s, s:s, s:[s]}", "iss", iss, "sub", sub, "aud",
                                        AUDIENCE);
    facts->assertion_header = json_pack("{s:s, s:s}", "kid", "key-1", "alg", "RS256");
    facts->expected_audience = AUDIENCE;
    facts->cloud = "public";
    assert_non_null(facts->assertion_claims);
    assert_non_null(facts->assertion_header);
    return d;
}

/* The findings of the only check of @p d, from the JSON report; a new reference. */
static json_t *findings_of(const struct doctor *d)
{
    json_t *report = doctor_report_json(d);
    json_t *findings = json_object_get(json_array_get(json_object_get(report, "checks"), 0),
                                       "findings");

    assert_true(json_is_array(findings));
    json_incref(findings);
    json_decref(report);
    return findings;
}

/* Whether a finding of status @p status has a message containing @p text. */
static int has_finding(const json_t *findings, const char *status, const char *text)
{
    const json_t *finding;
    size_t i;

    json_array_foreach(findings, i, finding) {
        const char *s = json_string_value(json_object_get(finding, "status"));
        const char *message = json_string_value(json_object_get(finding, "message"));

        if (strcmp(s, status) == 0 && strstr(message, text) != NULL)
            return 1;
    }
    return 0;
}

static void response_set(struct m365id__http_response *resp, long status, const char *body)
{
    resp->status = status;
    resp->body.max = 1024 * 1024;
    assert_int_equal(m365id__buf_puts(&resp->body, body), 0);
}

static void test_doctor_reply__text_report_escapes_c1_controls(void **state)
{
    struct doctor_options options;
    struct doctor *d;
    struct doctor_check *c;
    char *text = NULL;
    size_t len = 0;
    FILE *fp;

    (void)state;
    memset(&options, 0, sizeof(options));
    d = doctor_new(&options);
    c = doctor_check_begin(d, "issuer", "issuer", 1);
    /* U+009B is CSI on terminals that obey C1 controls; U+00E9 is an ordinary letter. */
    doctor_finding(c, DOCTOR_FAIL, NULL, "kid '%s'", "a\xc2\x9b" "31m\xc3\xa9\x1b");
    fp = open_memstream(&text, &len);
    assert_non_null(fp);
    assert_int_equal(doctor_report_text(fp, d), 0);
    fclose(fp);

    assert_non_null(strstr(text, "kid 'a\\u009b31m\xc3\xa9\\x1b'"));
    assert_null(strstr(text, "\xc2\x9b"));
    free(text);
    doctor_free(d);
}

static void test_doctor_reply__discovery_issuer_trailing_slash(void **state)
{
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    struct doctor *d = run_new(ISSUER, SUBJECT);
    struct doctor_check *c = doctor_check_begin(d, "issuer", "issuer", 1);
    json_t *discovery;
    json_t *findings;

    (void)state;
    response_set(&resp, 200, "{\"issuer\":\"" ISSUER "/\",\"jwks_uri\":\"" ISSUER
                             "/openid/v1/jwks\"}");
    discovery = doctor_issuer_read_reply(c, "discovery document", "https://x/", &resp);
    assert_non_null(discovery);
    assert_string_equal(doctor_issuer_check_discovery(c, ISSUER, discovery),
                        ISSUER "/openid/v1/jwks");

    findings = findings_of(d);
    assert_true(has_finding(findings, "pass", "the discovery document was fetched"));
    assert_true(has_finding(findings, "fail", "differ only by a trailing '/'"));
    json_decref(findings);
    json_decref(discovery);
    m365id__http_response_clear(&resp);
    doctor_free(d);
}

static void test_doctor_reply__discovery_not_an_object(void **state)
{
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    struct doctor *d = run_new(ISSUER, SUBJECT);
    struct doctor_check *c = doctor_check_begin(d, "issuer", "issuer", 1);
    json_t *findings;

    (void)state;
    response_set(&resp, 200, "[\"issuer\"]");
    assert_null(doctor_issuer_read_reply(c, "discovery document", "https://x/", &resp));
    findings = findings_of(d);
    assert_true(has_finding(findings, "fail", "the discovery document is not a JSON object"));
    json_decref(findings);
    m365id__http_response_clear(&resp);
    doctor_free(d);
}

/* The issuer check on JWKS @p jwks_text reports a finding of @p status with @p text. */
static void expect_jwks_finding(const char *jwks_text, const char *status, const char *text)
{
    struct doctor *d = run_new(ISSUER, SUBJECT);
    struct doctor_check *c = doctor_check_begin(d, "issuer", "issuer", 1);
    json_t *jwks = json_loads(jwks_text, 0, NULL);
    json_t *findings;

    assert_non_null(jwks);
    doctor_issuer_check_jwks(c, jwks, doctor_facts(d)->assertion_header);
    findings = findings_of(d);
    if (!has_finding(findings, status, text))
        fail_msg("JWKS %s: no %s finding '%s'", jwks_text, status, text);
    json_decref(findings);
    json_decref(jwks);
    doctor_free(d);
}

static void test_doctor_reply__jwks_without_token_kid(void **state)
{
    (void)state;
    expect_jwks_finding("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"other\"}]}", "fail",
                        "the JWKS has no key with the token's kid");
}

static void test_doctor_reply__jwks_keys_not_array(void **state)
{
    (void)state;
    expect_jwks_finding("{\"keys\":{\"kid\":\"key-1\"}}", "fail",
                        "the JWKS has no 'keys' array");
}

static void test_doctor_reply__graph_credentials_match_exactly(void **state)
{
    const char *body = "{\"value\":[{\"name\":\"ok\",\"issuer\":\"" ISSUER "\",\"subject\":\""
                       SUBJECT "\",\"audiences\":[\"" AUDIENCE "\"]}]}";
    struct doctor *d = run_new(ISSUER, SUBJECT);
    struct doctor_check *c = doctor_check_begin(d, "federated-credential", "fic", 1);
    json_t *fics;
    char why[256];

    (void)state;
    fics = doctor_fic_graph_value(body, strlen(body), "/v1.0/x", why, sizeof(why));
    assert_non_null(fics);
    doctor_fic_compare(d, c, fics);
    assert_int_equal(doctor_facts(d)->fic_match, 1);
    json_decref(fics);
    doctor_free(d);
}

static void test_doctor_reply__graph_credentials_case_only_mismatch(void **state)
{
    const char *body = "{\"value\":[{\"name\":\"near\",\"issuer\":\"" ISSUER "\",\"subject\":"
                       "\"system:serviceaccount:Team-A:graph-app\",\"audiences\":[\"" AUDIENCE
                       "\"]}]}";
    struct doctor *d = run_new(ISSUER, SUBJECT);
    struct doctor_check *c = doctor_check_begin(d, "federated-credential", "fic", 1);
    json_t *findings;
    json_t *fics;
    char why[256];

    (void)state;
    fics = doctor_fic_graph_value(body, strlen(body), "/v1.0/x", why, sizeof(why));
    assert_non_null(fics);
    doctor_fic_compare(d, c, fics);
    assert_int_equal(doctor_facts(d)->fic_match, 0);
    findings = findings_of(d);
    assert_true(has_finding(findings, "fail", "subject differs only in case"));
    json_decref(findings);
    json_decref(fics);
    doctor_free(d);
}

static void test_doctor_reply__graph_reply_without_value_list(void **state)
{
    const char *body = "{\"value\":{\"name\":\"x\"}}";
    char why[256];

    (void)state;
    assert_null(doctor_fic_graph_value(body, strlen(body), "/v1.0/x", why, sizeof(why)));
    assert_string_equal(why, "the Graph reply to /v1.0/x has no \"value\" list");
    assert_null(doctor_fic_graph_value("{", 1, "/v1.0/x", why, sizeof(why)));
    assert_true(why[0] != '\0');
}

static void test_doctor_reply__setup_issuer_from_reply(void **state)
{
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    char *issuer = NULL;

    (void)state;
    response_set(&resp, 200, "{\"issuer\":\"" ISSUER "/\"}");
    assert_int_equal(setup_issuer_from_reply(&issuer, "https://10.0.0.1/", "/t", &resp), 0);
    assert_string_equal(issuer, ISSUER "/");
    free(issuer);

    resp.status = 401;
    assert_int_not_equal(setup_issuer_from_reply(&issuer, "https://10.0.0.1/", "/t", &resp), 0);
    assert_null(issuer);
    m365id__http_response_clear(&resp);

    response_set(&resp, 200, "{\"issuer\":\"http://10.0.0.1:6443\"}");
    assert_int_not_equal(setup_issuer_from_reply(&issuer, "https://10.0.0.1/", "/t", &resp), 0);
    assert_null(issuer);
    m365id__http_response_clear(&resp);
}

static void test_doctor_reply__kube_reply_not_json(void **state)
{
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    json_t *reply = NULL;
    long status = 0;
    char why[256] = "";

    (void)state;
    response_set(&resp, 502, "<html>502</html>");
    doctor_kube_read_reply(&reply, &status, "https://10.0.0.1/api", &resp, why, sizeof(why));
    assert_null(reply);
    assert_int_equal(status, 502);
    assert_string_equal(why, "GET https://10.0.0.1/api: HTTP 502 with a body that is not JSON");
    m365id__http_response_clear(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doctor_reply__text_report_escapes_c1_controls),
        cmocka_unit_test(test_doctor_reply__discovery_issuer_trailing_slash),
        cmocka_unit_test(test_doctor_reply__discovery_not_an_object),
        cmocka_unit_test(test_doctor_reply__jwks_without_token_kid),
        cmocka_unit_test(test_doctor_reply__jwks_keys_not_array),
        cmocka_unit_test(test_doctor_reply__graph_credentials_match_exactly),
        cmocka_unit_test(test_doctor_reply__graph_credentials_case_only_mismatch),
        cmocka_unit_test(test_doctor_reply__graph_reply_without_value_list),
        cmocka_unit_test(test_doctor_reply__setup_issuer_from_reply),
        cmocka_unit_test(test_doctor_reply__kube_reply_not_json),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
