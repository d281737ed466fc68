/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/util/timeutil.c: UTC formatting, short buffers, and clock sanity.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

static void test_util_timeutil__format_utc_uses_entra_layout(void **state)
{
    char out[32];

    (void)state;
    m365id__format_utc(out, sizeof(out), 0);
    assert_string_equal(out, "1970-01-01 00:00:00Z");
    m365id__format_utc(out, sizeof(out), 1700000000);
    assert_string_equal(out, "2023-11-14 22:13:20Z");
}

static void test_util_timeutil__format_rfc3339(void **state)
{
    char out[32];

    (void)state;
    m365id__format_rfc3339(out, sizeof(out), 1700000000);
    assert_string_equal(out, "2023-11-14T22:13:20Z");
}

static void test_util_timeutil__format_ignores_tz(void **state)
{
    char out[32];

    (void)state;
    setenv("TZ", "Asia/Kolkata", 1);
    m365id__format_rfc3339(out, sizeof(out), 1700000000);
    unsetenv("TZ");
    assert_string_equal(out, "2023-11-14T22:13:20Z");
}

static void test_util_timeutil__exact_buffer_fits_and_short_gives_empty(void **state)
{
    char out[21];

    (void)state;
    m365id__format_utc(out, sizeof(out), 1700000000);
    assert_string_equal(out, "2023-11-14 22:13:20Z");
    memset(out, 'x', sizeof(out));
    m365id__format_utc(out, 20, 1700000000);
    assert_string_equal(out, "");
    m365id__format_utc(out, 0, 1700000000);
}

static void test_util_timeutil__clocks_are_plausible(void **state)
{
    long long a;
    long long b;

    (void)state;
    assert_true(m365id__now_s() > 1700000000LL);
    a = m365id__monotonic_ms();
    m365id__sleep_ms(2);
    m365id__sleep_ms(0);
    m365id__sleep_ms(-5);
    b = m365id__monotonic_ms();
    assert_true(b >= a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util_timeutil__format_utc_uses_entra_layout),
        cmocka_unit_test(test_util_timeutil__format_rfc3339),
        cmocka_unit_test(test_util_timeutil__format_ignores_tz),
        cmocka_unit_test(test_util_timeutil__exact_buffer_fits_and_short_gives_empty),
        cmocka_unit_test(test_util_timeutil__clocks_are_plausible),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
