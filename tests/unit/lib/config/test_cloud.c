/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Tests of src/lib/config/cloud.c: every row of the cloud table, the lookups by name, authority
 * and scope, and the aliases of the China and global authorities.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/config/cloud.h"

/* Microsoft's endpoints per cloud. gcc and dod differ from the provider's own table. */
static const struct m365id__cloud expected_rows[] = {
    {"public", "https://login.microsoftonline.com/", "https://graph.microsoft.com",
     "https://graph.microsoft.com/.default", "api://AzureADTokenExchange"},
    {"dod", "https://login.microsoftonline.us/", "https://dod-graph.microsoft.us",
     "https://dod-graph.microsoft.us/.default", "api://AzureADTokenExchangeUSGov"},
    {"gcc", "https://login.microsoftonline.com/", "https://graph.microsoft.com",
     "https://graph.microsoft.com/.default", "api://AzureADTokenExchange"},
    {"gcchigh", "https://login.microsoftonline.us/", "https://graph.microsoft.us",
     "https://graph.microsoft.us/.default", "api://AzureADTokenExchangeUSGov"},
    {"china", "https://login.chinacloudapi.cn/", "https://microsoftgraph.chinacloudapi.cn",
     "https://microsoftgraph.chinacloudapi.cn/.default", "api://AzureADTokenExchangeChina"},
    {"ex", "https://login.microsoftonline.eaglex.ic.gov/", "https://graph.eaglex.ic.gov",
     "https://graph.eaglex.ic.gov/.default", "api://AzureADTokenExchangeUSNat"},
    {"rx", "https://login.microsoftonline.microsoft.scloud/", "https://graph.microsoft.scloud",
     "https://graph.microsoft.scloud/.default", "api://AzureADTokenExchangeUSSec"},
};

#define ROW_COUNT (sizeof(expected_rows) / sizeof(expected_rows[0]))

static void test_config_cloud__every_row_matches(void **state)
{
    size_t i;

    (void)state;
    assert_int_equal(m365id__cloud_count(), ROW_COUNT);
    for (i = 0; i < ROW_COUNT; i++) {
        const struct m365id__cloud *row = m365id__cloud_find(expected_rows[i].name);

        assert_non_null(row);
        assert_ptr_equal(row, m365id__cloud_at((unsigned int)i));
        assert_string_equal(row->name, expected_rows[i].name);
        assert_string_equal(row->authority_host, expected_rows[i].authority_host);
        assert_string_equal(row->graph_endpoint, expected_rows[i].graph_endpoint);
        assert_string_equal(row->scope, expected_rows[i].scope);
        assert_string_equal(row->fic_audience, expected_rows[i].fic_audience);
    }
    assert_null(m365id__cloud_at((unsigned int)ROW_COUNT));
}

static void test_config_cloud__row_shapes(void **state)
{
    const struct m365id__cloud *row;
    unsigned int i;
    char scope[256];

    (void)state;
    for (i = 0; (row = m365id__cloud_at(i)) != NULL; i++) {
        size_t len = strlen(row->authority_host);

        assert_int_equal(row->authority_host[len - 1], '/');
        assert_int_not_equal(row->authority_host[len - 2], '/');
        assert_int_not_equal(row->graph_endpoint[strlen(row->graph_endpoint) - 1], '/');
        snprintf(scope, sizeof(scope), "%s/.default", row->graph_endpoint);
        assert_string_equal(row->scope, scope);
    }
}

static void test_config_cloud__find_is_case_sensitive(void **state)
{
    (void)state;
    assert_null(m365id__cloud_find("Public"));
    assert_null(m365id__cloud_find("GCCHIGH"));
    assert_null(m365id__cloud_find("usgov"));
    assert_null(m365id__cloud_find(""));
    assert_null(m365id__cloud_find(NULL));
    assert_null(m365id__cloud_find("public "));
}

static void test_config_cloud__names_follow_table(void **state)
{
    const struct m365id__cloud *row;
    char names[128] = "";
    size_t used = 0;
    unsigned int i;

    (void)state;
    for (i = 0; (row = m365id__cloud_at(i)) != NULL; i++)
        used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s", i > 0 ? ", " : "",
                                 row->name);
    assert_string_equal(m365id__cloud_names(), names);
}

static void test_config_cloud__by_authority(void **state)
{
    (void)state;
    assert_string_equal(m365id__cloud_by_authority("https://login.microsoftonline.com/")->name,
                        "public");
    assert_string_equal(m365id__cloud_by_authority("https://login.microsoftonline.com")->name,
                        "public");
    assert_string_equal(m365id__cloud_by_authority("HTTPS://Login.MicrosoftOnline.com//")->name,
                        "public");
    assert_string_equal(m365id__cloud_by_authority("https://login.chinacloudapi.cn")->name, "china");
    assert_string_equal(
        m365id__cloud_by_authority("https://login.microsoftonline.eaglex.ic.gov/")->name, "ex");
    assert_string_equal(
        m365id__cloud_by_authority("https://login.microsoftonline.microsoft.scloud/")->name, "rx");

    assert_null(m365id__cloud_by_authority("https://127.0.0.1:8443/"));
    assert_null(m365id__cloud_by_authority("https://login.microsoftonline.com/" "tenant/"));
    assert_null(m365id__cloud_by_authority("https://login.microsoftonline.com.evil.test/"));
    assert_null(m365id__cloud_by_authority("http://login.microsoftonline.com/"));
    assert_null(m365id__cloud_by_authority(NULL));
}

static void test_config_cloud__authority_aliases(void **state)
{
    (void)state;
    assert_string_equal(
        m365id__cloud_by_authority("https://login.partner.microsoftonline.cn/")->name, "china");
    assert_string_equal(m365id__cloud_by_authority("https://login.microsoft.com")->name, "public");
    assert_string_equal(m365id__cloud_by_authority("https://login.windows.net/")->name, "public");

    assert_true(m365id__cloud_has_authority(m365id__cloud_find("gcc"), "https://login.windows.net"));
    assert_false(m365id__cloud_has_authority(m365id__cloud_find("china"),
                                             "https://login.windows.net"));
    assert_false(m365id__cloud_has_authority(m365id__cloud_find("public"),
                                             "https://login.partner.microsoftonline.cn/"));
}

static void test_config_cloud__shared_authorities(void **state)
{
    (void)state;
    assert_true(m365id__cloud_has_authority(m365id__cloud_find("dod"),
                                            "https://login.microsoftonline.us/"));
    assert_true(m365id__cloud_has_authority(m365id__cloud_find("gcchigh"),
                                            "https://login.microsoftonline.us"));
    assert_false(m365id__cloud_has_authority(m365id__cloud_find("public"),
                                             "https://login.microsoftonline.us/"));
    assert_false(m365id__cloud_has_authority(NULL, "https://login.microsoftonline.us/"));
}

static void test_config_cloud__by_scope(void **state)
{
    (void)state;
    assert_string_equal(m365id__cloud_by_scope("https://graph.microsoft.com/.default")->name,
                        "public");
    assert_string_equal(m365id__cloud_by_scope("https://graph.microsoft.us/.default")->name,
                        "gcchigh");
    assert_string_equal(m365id__cloud_by_scope("https://dod-graph.microsoft.us/.default")->name,
                        "dod");
    assert_string_equal(
        m365id__cloud_by_scope("https://microsoftgraph.chinacloudapi.cn//.default")->name, "china");
    assert_string_equal(m365id__cloud_by_scope("https://GRAPH.microsoft.com/User.Read")->name,
                        "public");

    assert_null(m365id__cloud_by_scope("User.Read"));
    assert_null(m365id__cloud_by_scope("00000003-0000-0000-c000-000000000000/.default"));
    assert_null(m365id__cloud_by_scope("https://graph.microsoft.com.evil.test/.default"));
    assert_null(m365id__cloud_by_scope("https://127.0.0.1:8443/.default"));
    assert_null(m365id__cloud_by_scope(NULL));

    assert_true(m365id__cloud_has_scope(m365id__cloud_find("gcc"),
                                        "https://graph.microsoft.com/.default"));
    assert_false(m365id__cloud_has_scope(m365id__cloud_find("gcchigh"),
                                         "https://dod-graph.microsoft.us/.default"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_cloud__every_row_matches),
        cmocka_unit_test(test_config_cloud__row_shapes),
        cmocka_unit_test(test_config_cloud__find_is_case_sensitive),
        cmocka_unit_test(test_config_cloud__names_follow_table),
        cmocka_unit_test(test_config_cloud__by_authority),
        cmocka_unit_test(test_config_cloud__authority_aliases),
        cmocka_unit_test(test_config_cloud__shared_authorities),
        cmocka_unit_test(test_config_cloud__by_scope),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
