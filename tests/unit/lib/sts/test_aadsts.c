/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/lib/sts/aadsts.c: every code the exchange is known to meet has a cause and
 * a fix, and the hints for federation mismatches name the assertion's claims.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/sts/aadsts.h"
#include "util/buf.h"

#define assert_contains(haystack, needle)                                                   \
    do {                                                                                    \
        const char *h_ = (haystack);                                                        \
        const char *n_ = (needle);                                                          \
        if (h_ == NULL || strstr(h_, n_) == NULL) {                                         \
            print_error("expected \"%s\" in \"%s\"\n", n_, h_ != NULL ? h_ : "(null)");     \
            fail();                                                                         \
        }                                                                                   \
    } while (0)

static const long long required_codes[] = {
    70021,  700211,  700212, 700213,  7002138, 7002137, 70025,   700222, 700223,
    700238, 700024,  70023,  700027,  90061,   50166,   501661,  50027,  7000216,
    700016, 7000215, 7000222, 90002,  900023,  50049,   500011,  65001,  7000112,
    70011,  700022,  1002012, 50196,  900382,  900144,  70003,
};

static const char *const audiences[] = {"api://AzureADTokenExchange", "https://kubernetes"};

static struct m365id__aadsts_facts sample_facts(void)
{
    struct m365id__aadsts_facts f = M365ID__AADSTS_FACTS_INIT;

    f.iss = "https://oidc.example.test/cluster-a/";
    f.sub = "system:serviceaccount:keda:keda-operator";
    f.aud = audiences;
    f.aud_count = 2;
    f.client_id = "22222222-2222-2222-2222-222222222222";
    f.tenant_id = "11111111-1111-1111-1111-111111111111";
    f.cloud = "gcchigh";
    f.cloud_audience = "api://AzureADTokenExchangeUSGov";
    f.cloud_scope = "https://graph.microsoft.us/.default";
    f.scope = "https://graph.microsoft.com/.default";
    f.authority_host = "https://login.microsoftonline.us/";
    return f;
}

/* Hint for @p code with the sample facts; the caller frees the result. */
static char *hint_for(long long code, const struct m365id__aadsts_facts *facts)
{
    struct m365id__buf b = M365ID__BUF_INIT(64 * 1024);

    assert_int_equal(m365id__aadsts_hint(&b, code, facts), 0);
    return m365id__buf_detach(&b);
}

static void test_sts_aadsts__every_listed_code_has_cause_and_fix(void **state)
{
    struct m365id__aadsts_facts facts = sample_facts();

    (void)state;
    for (size_t i = 0; i < sizeof(required_codes) / sizeof(required_codes[0]); i++) {
        const struct m365id__aadsts_entry *e = m365id__aadsts_find(required_codes[i]);
        char *hint;

        if (e == NULL)
            print_error("AADSTS%lld is not in the catalogue\n", required_codes[i]);
        assert_non_null(e);
        assert_true(strlen(e->cause) > 10);
        assert_true(strlen(e->fix) > 10);
        assert_null(strchr(e->cause, '\n'));
        assert_null(strchr(e->fix, '\n'));

        hint = hint_for(required_codes[i], &facts);
        assert_contains(hint, e->cause);
        assert_contains(hint, e->fix);
        assert_null(strstr(hint, "error?code="));
        free(hint);
    }
}

static void test_sts_aadsts__codes_are_unique(void **state)
{
    const struct m365id__aadsts_entry *all = m365id__aadsts_all();

    (void)state;
    for (size_t i = 0; all[i].code != 0; i++) {
        for (size_t j = i + 1; all[j].code != 0; j++)
            assert_true(all[i].code != all[j].code);
    }
}

static void test_sts_aadsts__unknown_code_links_lookup_page(void **state)
{
    char *hint = hint_for(123456, NULL);

    (void)state;
    assert_null(m365id__aadsts_find(123456));
    assert_string_equal(hint, "see https://login.microsoftonline.com/error?code=123456 for what "
                              "this code means");
    free(hint);
}

static void test_sts_aadsts__issuer_hint_quotes_iss_in_full(void **state)
{
    struct m365id__aadsts_facts facts = sample_facts();
    char *hint = hint_for(700211, &facts);

    (void)state;
    assert_contains(hint, "the federated credential's issuer must equal exactly, trailing '/' "
                          "included: 'https://oidc.example.test/cluster-a/'");
    free(hint);
}

static void test_sts_aadsts__subject_hint_names_matching_subject(void **state)
{
    struct m365id__aadsts_facts facts = sample_facts();
    char *hint = hint_for(700213, &facts);

    (void)state;
    assert_contains(hint, "the token's sub is 'system:serviceaccount:keda:keda-operator'");
    assert_contains(hint, "system:serviceaccount:<namespace>:<name>");
    free(hint);
    hint = hint_for(7002138, &facts);
    assert_contains(hint, "'system:serviceaccount:keda:keda-operator'");
    free(hint);
}

static void test_sts_aadsts__audience_hint_names_both_audiences(void **state)
{
    struct m365id__aadsts_facts facts = sample_facts();
    char *hint = hint_for(700212, &facts);

    (void)state;
    assert_contains(hint, "the token's aud is 'api://AzureADTokenExchange', "
                          "'https://kubernetes'");
    assert_contains(hint, "cloud 'gcchigh' uses the audience "
                          "'api://AzureADTokenExchangeUSGov' by default");
    free(hint);
}

static void test_sts_aadsts__unknown_client_names_client_tenant_cloud(void **state)
{
    struct m365id__aadsts_facts facts = sample_facts();
    char *hint = hint_for(700016, &facts);

    (void)state;
    assert_contains(hint, "client id '22222222-2222-2222-2222-222222222222', tenant "
                          "'11111111-1111-1111-1111-111111111111', cloud 'gcchigh'");
    free(hint);
}

static void test_sts_aadsts__legacy_mismatch_lists_all_claims(void **state)
{
    struct m365id__aadsts_facts facts = sample_facts();
    char *hint = hint_for(70021, &facts);

    (void)state;
    assert_contains(hint, "iss 'https://oidc.example.test/cluster-a/', sub "
                          "'system:serviceaccount:keda:keda-operator' and aud "
                          "'api://AzureADTokenExchange', 'https://kubernetes'");
    assert_contains(hint, "trailing '/'");
    free(hint);
}

static void test_sts_aadsts__scope_hint_names_cloud_scope(void **state)
{
    struct m365id__aadsts_facts facts = sample_facts();
    char *hint = hint_for(500011, &facts);

    (void)state;
    assert_contains(hint, "the scope was 'https://graph.microsoft.com/.default', Graph's scope "
                          "in this cloud is 'https://graph.microsoft.us/.default'");
    free(hint);
}

static void test_sts_aadsts__signature_hint_names_key_id(void **state)
{
    struct m365id__aadsts_facts facts = sample_facts();
    char *hint = hint_for(700027, &facts);

    (void)state;
    assert_contains(hint, "the issuer's JWKS has no key with the token's key id, or the token "
                          "was signed with another key");
    assert_null(strstr(hint, "probably"));
    free(hint);

    facts.kid = "k-2026'\n";
    hint = hint_for(700027, &facts);
    assert_contains(hint, "the assertion's signature did not validate: the issuer's JWKS has no "
                          "key with the token's key id 'k-2026'\\n', or the token was signed "
                          "with another key; republish");
    free(hint);
}

/* Claims come from a file anyone may write: they must be escaped and cut, never raw. */
static void test_sts_aadsts__hostile_claims_are_quoted(void **state)
{
    struct m365id__aadsts_facts facts = sample_facts();
    char *big = malloc(10 * 1024 + 1);
    char *hint;

    (void)state;
    assert_non_null(big);
    memset(big, 'x', 10 * 1024);
    big[10 * 1024] = '\0';
    facts.iss = "https://evil.test/\n%s%n'";
    facts.sub = big;
    hint = hint_for(700211, &facts);
    assert_null(strchr(hint, '\n'));
    assert_contains(hint, "https://evil.test/\\n%s%n'");
    free(hint);
    hint = hint_for(700213, &facts);
    assert_true(strlen(hint) < 2048);
    assert_contains(hint, "...");
    free(hint);
    free(big);
}

static void test_sts_aadsts__ci_mismatch_names_ci_token(void **state)
{
    struct m365id__aadsts_facts facts = sample_facts();
    static const long long codes[] = {70021, 700211, 700212, 700213};
    char *hint;

    (void)state;
    facts.auth_method = "oidc_github";
    facts.sub = "repo:contoso/infra:ref:refs/heads/main";
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        hint = hint_for(codes[i], &facts);
        assert_contains(hint, "federated credential match the CI token's issuer, subject and "
                              "audience");
        assert_contains(hint, "the CI token has iss 'https://oidc.example.test/cluster-a/', sub "
                              "'repo:contoso/infra:ref:refs/heads/main'");
        assert_null(strstr(hint, "system:serviceaccount"));
        assert_null(strstr(hint, "projected"));
        free(hint);
    }

    hint = hint_for(700212, &facts);
    assert_contains(hint, "M365_OIDC_AUDIENCE");
    assert_null(strstr(hint, "?audience="));
    free(hint);

    facts.auth_method = "oidc";
    facts.oidc_request_url = "https://ci.example.test/token";
    hint = hint_for(700212, &facts);
    assert_contains(hint, "add ?audience=api://AzureADTokenExchange to oidc_request_url");
    assert_contains(hint, "oidc_github");
    free(hint);
}

static void test_sts_aadsts__mismatch_not_for_secret_methods(void **state)
{
    struct m365id__aadsts_facts facts = sample_facts();
    char *hint;

    (void)state;
    facts.auth_method = "client_secret";
    hint = hint_for(700213, &facts);
    assert_contains(hint, "auth method 'client_secret' sends no federated assertion");
    assert_null(strstr(hint, "service account"));
    free(hint);
}

static void test_sts_aadsts__id_hints_name_source(void **state)
{
    struct m365id__aadsts_facts facts = sample_facts();
    char *hint;

    (void)state;
    facts.tenant_source = "env M365_TENANT_ID";
    facts.client_source = "env M365_CLIENT_ID";
    hint = hint_for(90002, &facts);
    assert_contains(hint, "check tenant_id (env M365_TENANT_ID)");
    assert_null(strstr(hint, "AZURE_TENANT_ID"));
    free(hint);
    hint = hint_for(700016, &facts);
    assert_contains(hint, "check client_id (env M365_CLIENT_ID), tenant_id (env M365_TENANT_ID)");
    assert_null(strstr(hint, "AZURE_"));
    free(hint);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sts_aadsts__every_listed_code_has_cause_and_fix),
        cmocka_unit_test(test_sts_aadsts__codes_are_unique),
        cmocka_unit_test(test_sts_aadsts__unknown_code_links_lookup_page),
        cmocka_unit_test(test_sts_aadsts__issuer_hint_quotes_iss_in_full),
        cmocka_unit_test(test_sts_aadsts__subject_hint_names_matching_subject),
        cmocka_unit_test(test_sts_aadsts__audience_hint_names_both_audiences),
        cmocka_unit_test(test_sts_aadsts__unknown_client_names_client_tenant_cloud),
        cmocka_unit_test(test_sts_aadsts__legacy_mismatch_lists_all_claims),
        cmocka_unit_test(test_sts_aadsts__scope_hint_names_cloud_scope),
        cmocka_unit_test(test_sts_aadsts__signature_hint_names_key_id),
        cmocka_unit_test(test_sts_aadsts__hostile_claims_are_quoted),
        cmocka_unit_test(test_sts_aadsts__ci_mismatch_names_ci_token),
        cmocka_unit_test(test_sts_aadsts__mismatch_not_for_secret_methods),
        cmocka_unit_test(test_sts_aadsts__id_hints_name_source),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
