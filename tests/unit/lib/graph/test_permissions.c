/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/lib/graph/permissions.c: the table's shape (sorted, unique, GUID ids) and
 * lookups both ways, exact case only.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "m365id/graph.h"

/* A lower-case 8-4-4-4-12 GUID, the form Graph prints app role ids in. */
static int is_lower_guid(const char *s)
{
    size_t i;

    if (strlen(s) != 36)
        return 0;
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

static void table_is_sorted_unique_and_well_formed(void **state)
{
    const char *name, *id, *prev_name = NULL;
    size_t i, j;

    (void)state;
    for (i = 0; m365id_graph_app_role_at(i, &name, &id); i++) {
        const char *other_id;

        assert_true(is_lower_guid(id));
        assert_non_null(strchr(name, '.'));
        if (prev_name != NULL)
            assert_true(strcmp(prev_name, name) < 0);
        prev_name = name;
        for (j = 0; m365id_graph_app_role_at(j, NULL, &other_id); j++)
            if (j != i)
                assert_string_not_equal(id, other_id);
    }
    assert_true(i > 20);
    assert_int_equal(m365id_graph_app_role_at(i, &name, &id), 0);
}

static void lookups_go_both_ways(void **state)
{
    (void)state;
    /* The id the workload identity guide grants. */
    assert_string_equal(m365id_graph_app_role_id("DeviceManagementConfiguration.ReadWrite.All"),
                        "9241abd9-d0e6-425a-bd4f-47ba86e767a4");
    assert_string_equal(m365id_graph_app_role_name("9241abd9-d0e6-425a-bd4f-47ba86e767a4"),
                        "DeviceManagementConfiguration.ReadWrite.All");
    assert_string_equal(m365id_graph_app_role_id("Application.ReadWrite.All"),
                        "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9");
}

static void unknown_and_case_variants_are_not_found(void **state)
{
    (void)state;
    assert_null(m365id_graph_app_role_id("devicemanagementconfiguration.readwrite.all"));
    assert_null(m365id_graph_app_role_id("User.Read"));
    assert_null(m365id_graph_app_role_id(""));
    assert_null(m365id_graph_app_role_id(NULL));
    assert_null(m365id_graph_app_role_name("9241ABD9-D0E6-425A-BD4F-47BA86E767A4"));
    assert_null(m365id_graph_app_role_name(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_is_sorted_unique_and_well_formed),
        cmocka_unit_test(lookups_go_both_ways),
        cmocka_unit_test(unknown_and_case_variants_are_not_found),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
