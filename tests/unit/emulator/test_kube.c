/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Tests of the request-path splitting in src/daemons/emulator/kube.c: resource, namespace,
 * name and subresource as kube-apiserver reads them, and the paths it rejects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kube.h"

static void check_resource(const char *path, const char *group, const char *version,
                           const char *ns, const char *resource, const char *name,
                           const char *subresource)
{
    struct emu_kube_path p;

    emu_kube_path_parse(&p, path);
    assert_int_equal(p.type, EMU_KUBE_PATH_RESOURCE);
    assert_string_equal(p.group, group);
    assert_string_equal(p.version, version);
    assert_string_equal(p.ns, ns);
    assert_string_equal(p.resource, resource);
    assert_string_equal(p.name, name);
    assert_string_equal(p.subresource, subresource);
}

static enum emu_kube_path_type type_of(const char *path)
{
    struct emu_kube_path p;

    emu_kube_path_parse(&p, path);
    return p.type;
}

static void test_emulator_kube__core_paths_split(void **state)
{
    (void)state;
    check_resource("/api/v1/namespaces/team-a/pods/web-0", "", "v1", "team-a", "pods", "web-0", "");
    check_resource("/api/v1/namespaces/team-a/pods", "", "v1", "team-a", "pods", "", "");
    check_resource("/api/v1/namespaces/team-a/pods/", "", "v1", "team-a", "pods", "", "");
    check_resource("/api/v1/pods", "", "v1", "", "pods", "", "");
    check_resource("/api/v1/namespaces/team-a/pods/web-0/log", "", "v1", "team-a", "pods",
                   "web-0", "log");
}

static void test_emulator_kube__group_paths_split(void **state)
{
    (void)state;
    check_resource("/apis/apps/v1/namespaces/x/deployments/web", "apps", "v1", "x",
                   "deployments", "web", "");
    check_resource("/apis/batch/v1/namespaces/x/cronjobs", "batch", "v1", "x", "cronjobs", "",
                   "");
    check_resource("/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/wi",
                   "admissionregistration.k8s.io", "v1", "", "mutatingwebhookconfigurations",
                   "wi", "");
}

static void test_emulator_kube__namespace_paths_name_the_namespace(void **state)
{
    (void)state;
    check_resource("/api/v1/namespaces/team-a", "", "v1", "team-a", "namespaces", "team-a", "");
    check_resource("/api/v1/namespaces", "", "v1", "", "namespaces", "", "");
}

static void test_emulator_kube__issuer_and_discovery_paths(void **state)
{
    (void)state;
    assert_int_equal(type_of("/.well-known/openid-configuration"), EMU_KUBE_PATH_DISCOVERY);
    assert_int_equal(type_of("/openid/v1/jwks"), EMU_KUBE_PATH_JWKS);
    assert_int_equal(type_of("/api"), EMU_KUBE_PATH_NONRESOURCE);
    assert_int_equal(type_of("/api/v1"), EMU_KUBE_PATH_NONRESOURCE);
    assert_int_equal(type_of("/apis/apps"), EMU_KUBE_PATH_NONRESOURCE);
    assert_int_equal(type_of("/apis/apps/v1/"), EMU_KUBE_PATH_NONRESOURCE);
}

static void test_emulator_kube__malformed_paths_are_invalid(void **state)
{
    char long_name[400];
    char path[512];

    (void)state;
    assert_int_equal(type_of("/api//v1/pods"), EMU_KUBE_PATH_INVALID);
    assert_int_equal(type_of("/api/v1/namespaces//pods"), EMU_KUBE_PATH_INVALID);
    assert_int_equal(type_of("/api/v1/pods//"), EMU_KUBE_PATH_INVALID);
    assert_int_equal(type_of("/api/v1/namespaces/x/pods/y/log/more"), EMU_KUBE_PATH_INVALID);
    assert_int_equal(type_of("/apiv1/pods"), EMU_KUBE_PATH_INVALID);
    assert_int_equal(type_of("relative/api/v1"), EMU_KUBE_PATH_INVALID);
    assert_int_equal(type_of("/.well-known/openid-configuration/x"), EMU_KUBE_PATH_INVALID);

    /* 254 characters do not fit a Kubernetes name (at most 253). */
    memset(long_name, 'a', 254);
    long_name[254] = '\0';
    snprintf(path, sizeof(path), "/api/v1/namespaces/x/pods/%s", long_name);
    assert_int_equal(type_of(path), EMU_KUBE_PATH_INVALID);
    long_name[253] = '\0';
    snprintf(path, sizeof(path), "/api/v1/namespaces/x/pods/%s", long_name);
    assert_int_equal(type_of(path), EMU_KUBE_PATH_RESOURCE);
}

static void test_emulator_kube__kind_table_lookups(void **state)
{
    const struct emu_kube_kind *k;

    (void)state;
    k = emu_kube_kind_by_resource("apps", "v1", "replicasets");
    assert_non_null(k);
    assert_string_equal(k->kind, "ReplicaSet");
    assert_string_equal(k->api_version, "apps/v1");
    k = emu_kube_kind_by_name("MutatingWebhookConfiguration");
    assert_non_null(k);
    assert_int_equal(k->namespaced, 0);
    assert_null(emu_kube_kind_by_resource("apps", "v1beta2", "deployments"));
    assert_null(emu_kube_kind_by_resource("", "v1", "secrets"));
    assert_null(emu_kube_kind_by_name("pod"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emulator_kube__core_paths_split),
        cmocka_unit_test(test_emulator_kube__group_paths_split),
        cmocka_unit_test(test_emulator_kube__namespace_paths_name_the_namespace),
        cmocka_unit_test(test_emulator_kube__issuer_and_discovery_paths),
        cmocka_unit_test(test_emulator_kube__malformed_paths_are_invalid),
        cmocka_unit_test(test_emulator_kube__kind_table_lookups),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
