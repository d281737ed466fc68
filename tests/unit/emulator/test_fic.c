/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Tests of src/daemons/emulator/fic.c: exact matching, the AADSTS code of each mismatch, and
 * the per-credential reason given in the debug log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "fic.h"

#define ISS "https://oidc.example.test/cluster-a/"
#define SUB "system:serviceaccount:team-a:graph-reader"
#define AUD "api://AzureADTokenExchange"

static struct emu_fic fics[] = {
    {"first", ISS, SUB, AUD},
    {"second", "https://other.example.test", "system:serviceaccount:ops:runner",
     "api://AzureADTokenExchangeUSGov"},
};
static struct emu_app app = {.app_id = "22222222-2222-2222-2222-222222222222",
                             .display_name = "app",
                             .fics = fics,
                             .fic_count = 2};
static struct emu_app bare = {.app_id = "33333333-3333-3333-3333-333333333333",
                              .display_name = "bare"};

static int match(const char *iss, const char *sub, const char *aud, int legacy)
{
    const struct emu_fic *m = (const struct emu_fic *)1;
    const char *auds[1] = {aud};
    int code = emu_fic_match(&m, &app, iss, sub, auds, aud != NULL ? 1 : 0, legacy);

    if (code == 0)
        assert_non_null(m);
    else
        assert_null(m);
    return code;
}

static void test_emulator_fic__exact_match(void **state)
{
    const struct emu_fic *m = NULL;
    const char *auds[2] = {"api://other", AUD};

    (void)state;
    assert_int_equal(match(ISS, SUB, AUD, 0), 0);
    assert_int_equal(emu_fic_match(&m, &app, ISS, SUB, auds, 2, 0), 0);
    assert_ptr_equal(m, &fics[0]);
}

static void test_emulator_fic__trailing_slash_is_another_issuer(void **state)
{
    (void)state;
    assert_int_equal(match("https://oidc.example.test/cluster-a", SUB, AUD, 0), 700211);
    assert_int_equal(match("https://other.example.test/", "system:serviceaccount:ops:runner",
                           "api://AzureADTokenExchangeUSGov", 0),
                     700211);
    assert_int_equal(match(ISS " ", SUB, AUD, 0), 700211);
    assert_int_equal(match(NULL, SUB, AUD, 0), 700211);
}

static void test_emulator_fic__case_only_subject(void **state)
{
    (void)state;
    assert_int_equal(match(ISS, "system:serviceaccount:Team-A:graph-reader", AUD, 0), 7002138);
    assert_int_equal(match("https://oidc.example.test/Cluster-A/", SUB, AUD, 0), 700211);
}

static void test_emulator_fic__other_subject(void **state)
{
    (void)state;
    assert_int_equal(match(ISS, "system:serviceaccount:keda:keda-operator", AUD, 0), 700213);
    assert_int_equal(match(ISS, NULL, AUD, 0), 700213);
    /* A subject that belongs to another credential of the app, under another issuer. */
    assert_int_equal(match(ISS, "system:serviceaccount:ops:runner", AUD, 0), 700213);
}

static void test_emulator_fic__audience(void **state)
{
    (void)state;
    assert_int_equal(match(ISS, SUB, "api://AzureADTokenExchangeUSGov", 0), 700212);
    assert_int_equal(match(ISS, SUB, "api://azureadtokenexchange", 0), 700212);
    assert_int_equal(match(ISS, SUB, NULL, 0), 700212);
}

static void test_emulator_fic__no_credentials(void **state)
{
    const struct emu_fic *m = NULL;
    const char *auds[1] = {AUD};

    (void)state;
    assert_int_equal(emu_fic_match(&m, &bare, ISS, SUB, auds, 1, 0), 70025);
    assert_int_equal(emu_fic_match(&m, &bare, ISS, SUB, auds, 1, 1), 70025);
}

static void test_emulator_fic__legacy_codes(void **state)
{
    (void)state;
    assert_int_equal(match("https://oidc.example.test/cluster-a", SUB, AUD, 1), 70021);
    assert_int_equal(match(ISS, "system:serviceaccount:Team-A:graph-reader", AUD, 1), 70021);
    assert_int_equal(match(ISS, SUB, "api://other", 1), 70021);
    assert_int_equal(match(ISS, SUB, AUD, 1), 0);
}

static void test_emulator_fic__mismatch_reasons(void **state)
{
    const char *auds[2] = {"api://other", AUD};

    (void)state;
    assert_null(emu_fic_mismatch(&fics[0], ISS, SUB, auds, 2));
    assert_string_equal(emu_fic_mismatch(&fics[0], ISS "x", SUB, auds, 2), "issuer differs");
    assert_string_equal(emu_fic_mismatch(&fics[0], NULL, SUB, auds, 2), "issuer differs");
    assert_string_equal(emu_fic_mismatch(&fics[0], ISS, "system:serviceaccount:Team-A:graph-reader",
                                         auds, 2),
                        "subject differs only in case");
    assert_string_equal(emu_fic_mismatch(&fics[0], ISS, "system:serviceaccount:x:y", auds, 2),
                        "subject differs");
    assert_non_null(strstr(emu_fic_mismatch(&fics[0], ISS, SUB, auds, 1), "audience"));
    assert_non_null(strstr(emu_fic_mismatch(&fics[0], ISS, SUB, auds, 0), "audience"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emulator_fic__exact_match),
        cmocka_unit_test(test_emulator_fic__trailing_slash_is_another_issuer),
        cmocka_unit_test(test_emulator_fic__case_only_subject),
        cmocka_unit_test(test_emulator_fic__other_subject),
        cmocka_unit_test(test_emulator_fic__audience),
        cmocka_unit_test(test_emulator_fic__no_credentials),
        cmocka_unit_test(test_emulator_fic__legacy_codes),
        cmocka_unit_test(test_emulator_fic__mismatch_reasons),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
