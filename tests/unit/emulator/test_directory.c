/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Tests of src/daemons/emulator/directory.c and directory_seed.c: what the store contains after
 * seeding from a scenario, the token endpoint's snapshot of an application, and the cascades
 * of deleting an application or a service principal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "directory.h"
#include "m365id/error.h"
#include "m365id/graph.h"

#define BASE "https://127.0.0.1:8443"
#define TENANT "11111111-1111-1111-1111-111111111111"
#define APP "22222222-2222-2222-2222-222222222222"
#define SP "22222222-0000-0000-0000-00000000000a"

static const char scenario_json[] =
    "{\"clusters\":[{\"name\":\"demo\"}],"
    "\"tenants\":[{\"id\":\"" TENANT "\",\"domains\":[\"contoso.onmicrosoft.com\"],"
    "\"users\":[{\"displayName\":\"Adele\",\"userPrincipalName\":\"adele@contoso.onmicrosoft.com\"}],"
    "\"applications\":[{\"app_id\":\"" APP "\",\"display_name\":\"writer\","
    "\"service_principal_id\":\"" SP "\","
    "\"roles\":[\"DeviceManagementConfiguration.ReadWrite.All\",\"Custom.Role\"],"
    "\"client_secrets\":[{\"value\":\"never-in-the-store\"}],"
    "\"federated_credentials\":[{\"name\":\"demo\",\"issuer\":\"${cluster:demo}\","
    "\"subject\":\"system:serviceaccount:a:b\",\"audiences\":[\"api://AzureADTokenExchange\"]}]}]}]}";

struct fixture {
    struct emu_scenario *scn;
    struct emu_directory *dir;
};

static int setup_directory(void **state)
{
    static struct fixture fx;
    struct emu_error err;

    memset(&fx, 0, sizeof(fx));
    if (emu_scenario_parse(&fx.scn, scenario_json, strlen(scenario_json), BASE, &err) != 0) {
        print_error("scenario: %s\n", err.message);
        return -1;
    }
    if (emu_directory_new(&fx.dir, fx.scn) != 0)
        return -1;
    *state = &fx;
    return 0;
}

static int teardown_directory(void **state)
{
    struct fixture *fx = *state;

    emu_directory_free(fx->dir);
    emu_scenario_free(fx->scn);
    return 0;
}

static void test_directory__seeds_graph_service_principal(void **state)
{
    struct fixture *fx = *state;
    struct emu_dir_tenant *dt;
    json_t *graph;
    const char *name;
    const char *id;
    size_t i;

    emu_directory_lock(fx->dir);
    dt = emu_directory_tenant(fx->dir, &fx->scn->tenants[0]);
    assert_non_null(dt);
    graph = emu_dir_find(emu_dir_collection(dt, EMU_DIR_SERVICE_PRINCIPALS, 0), "appId",
                         M365ID_GRAPH_APP_ID);
    assert_non_null(graph);
    assert_string_equal(json_string_value(json_object_get(graph, "id")),
                        emu_dir_graph_sp_id(dt));
    /* Every entry of the public table, by id, plus the scenario's own role. */
    for (i = 0; m365id_graph_app_role_at(i, &name, &id); i++)
        assert_string_equal(emu_dir_app_role_value(graph, id), name);
    assert_int_equal(json_array_size(json_object_get(graph, "appRoles")), i + 1);
    emu_directory_unlock(fx->dir);
}

static void test_directory__seeds_application_without_secret_value(void **state)
{
    struct fixture *fx = *state;
    struct emu_dir_tenant *dt;
    json_t *app;
    char *text;

    emu_directory_lock(fx->dir);
    dt = emu_directory_tenant(fx->dir, &fx->scn->tenants[0]);
    app = emu_dir_find(emu_dir_collection(dt, EMU_DIR_APPLICATIONS, 0), "appId", APP);
    assert_non_null(app);
    assert_string_equal(json_string_value(json_object_get(app, "displayName")), "writer");
    assert_int_equal(json_array_size(json_object_get(app, "passwordCredentials")), 1);
    text = json_dumps(app, 0);
    assert_non_null(text);
    assert_null(strstr(text, "never-in-the-store"));
    free(text);
    assert_non_null(emu_dir_find(emu_dir_collection(dt, EMU_DIR_USERS, 0), "userPrincipalName",
                                 "ADELE@contoso.onmicrosoft.com"));
    emu_directory_unlock(fx->dir);
}

static void test_directory__snapshot_has_fics_and_roles(void **state)
{
    struct fixture *fx = *state;
    struct emu_app_snapshot s = EMU_APP_SNAPSHOT_INIT;

    assert_int_equal(emu_directory_app_snapshot(&s, fx->dir, &fx->scn->tenants[0],
                                                "22222222-2222-2222-2222-222222222222"),
                     0);
    assert_string_equal(s.app.sp_id, SP);
    assert_true(s.has_service_principal);
    assert_ptr_equal(s.scenario_app, &fx->scn->tenants[0].apps[0]);
    assert_int_equal(s.app.secret_count, 1);
    assert_int_equal(s.app.fic_count, 1);
    assert_string_equal(s.app.fics[0].subject, "system:serviceaccount:a:b");
    assert_string_equal(s.app.fics[0].audience, "api://AzureADTokenExchange");
    assert_int_equal(s.app.role_count, 2);
    assert_string_equal(s.app.roles[0], "DeviceManagementConfiguration.ReadWrite.All");
    assert_string_equal(s.app.roles[1], "Custom.Role");
    emu_app_snapshot_clear(&s);
    assert_null(s.app.app_id);

    assert_int_equal(emu_directory_app_snapshot(&s, fx->dir, &fx->scn->tenants[0],
                                                "99999999-2222-2222-2222-222222222222"),
                     1);
    assert_null(s.app.app_id);
}

static void test_directory__delete_application_cascades(void **state)
{
    struct fixture *fx = *state;
    struct emu_app_snapshot s = EMU_APP_SNAPSHOT_INIT;
    struct emu_dir_tenant *dt;
    json_t *app;
    json_t *sp;
    char name[160];

    /* Deleting the service principal removes its roles but keeps the application. */
    emu_directory_lock(fx->dir);
    dt = emu_directory_tenant(fx->dir, &fx->scn->tenants[0]);
    sp = emu_dir_find(emu_dir_collection(dt, EMU_DIR_SERVICE_PRINCIPALS, 0), "id", SP);
    assert_non_null(sp);
    emu_dir_delete_service_principal(dt, sp);
    assert_int_equal(json_array_size(emu_dir_collection(dt, EMU_DIR_APP_ROLE_ASSIGNMENTS, 0)), 0);
    emu_directory_unlock(fx->dir);
    assert_int_equal(emu_directory_app_snapshot(&s, fx->dir, &fx->scn->tenants[0], APP), 0);
    assert_false(s.has_service_principal);
    assert_null(s.app.sp_id);
    assert_int_equal(s.app.role_count, 0);
    assert_int_equal(s.app.fic_count, 1);
    emu_app_snapshot_clear(&s);

    emu_directory_lock(fx->dir);
    app = emu_dir_find(emu_dir_collection(dt, EMU_DIR_APPLICATIONS, 0), "appId", APP);
    emu_dir_fic_collection_name(name, sizeof(name),
                                json_string_value(json_object_get(app, "id")));
    emu_dir_delete_application(dt, app);
    assert_null(emu_dir_collection(dt, name, 0));
    emu_directory_unlock(fx->dir);
    assert_int_equal(emu_directory_app_snapshot(&s, fx->dir, &fx->scn->tenants[0], APP), 1);
}

static void test_directory__quota_stops_inserts(void **state)
{
    struct fixture *fx = *state;
    struct emu_dir_tenant *dt;
    json_t *groups;
    int rc = 0;
    size_t i;

    emu_directory_lock(fx->dir);
    dt = emu_directory_tenant(fx->dir, &fx->scn->tenants[0]);
    groups = emu_dir_collection(dt, EMU_DIR_GROUPS, 0);
    for (i = 0; i < EMU_DIR_TENANT_OBJECTS_MAX + 1 && rc == 0; i++)
        rc = emu_dir_insert(dt, groups, json_pack("{s:i}", "n", (int)i));
    assert_int_equal(rc, 1);
    assert_true(json_array_size(groups) < EMU_DIR_TENANT_OBJECTS_MAX);
    emu_directory_unlock(fx->dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_directory__seeds_graph_service_principal,
                                        setup_directory, teardown_directory),
        cmocka_unit_test_setup_teardown(test_directory__seeds_application_without_secret_value,
                                        setup_directory, teardown_directory),
        cmocka_unit_test_setup_teardown(test_directory__snapshot_has_fics_and_roles,
                                        setup_directory, teardown_directory),
        cmocka_unit_test_setup_teardown(test_directory__delete_application_cascades,
                                        setup_directory, teardown_directory),
        cmocka_unit_test_setup_teardown(test_directory__quota_stops_inserts, setup_directory,
                                        teardown_directory),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
