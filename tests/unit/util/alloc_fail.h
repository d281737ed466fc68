/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Allocation-failure injection for util tests linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc: the Nth allocation made by code in
 * m365id_util (not by jansson or OpenSSL, which are shared libraries) returns NULL.
 */
#ifndef M365ID_TESTS_UNIT_UTIL_ALLOC_FAIL_H
#define M365ID_TESTS_UNIT_UTIL_ALLOC_FAIL_H

#include <stddef.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *ptr, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *ptr, size_t size);

static unsigned long alloc_fail_at;  /* 1-based allocation number to fail; 0 = none */
static unsigned long alloc_count;    /* allocations seen since alloc_fail_arm() */
static int alloc_failed;             /* nonzero once the injected failure happened */

/* Fail the @p nth allocation from now on. 0 turns injection off and keeps alloc_failed, so
 * the test can read whether the failure happened. */
static void alloc_fail_arm(unsigned long nth)
{
    alloc_fail_at = nth;
    alloc_count = 0;
    if (nth != 0)
        alloc_failed = 0;
}

static int alloc_should_fail(void)
{
    if (alloc_fail_at == 0)
        return 0;
    if (++alloc_count != alloc_fail_at)
        return 0;
    alloc_failed = 1;
    return 1;
}

void *__wrap_malloc(size_t size)
{
    return alloc_should_fail() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t count, size_t size)
{
    return alloc_should_fail() ? NULL : __real_calloc(count, size);
}

void *__wrap_realloc(void *ptr, size_t size)
{
    return alloc_should_fail() ? NULL : __real_realloc(ptr, size);
}

#endif /* M365ID_TESTS_UNIT_UTIL_ALLOC_FAIL_H */
