/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Wall-clock and monotonic time. Formatting is always UTC and never depends on the locale
 * or TZ of the process.
 */
#include "util/timeutil.h"

#include <errno.h>
#include <time.h>

long long m365id__now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec;
}

long long m365id__monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void m365id__sleep_ms(long long ms)
{
    struct timespec req;
    struct timespec rem;

    if (ms <= 0)
        return;
    req.tv_sec = (time_t)(ms / 1000);
    req.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&req, &rem) != 0 && errno == EINTR)
        req = rem;
}

/* Format @p unix_s in UTC with a space or a 'T' between date and time. */
static void format_time(char *out, unsigned long size, long long unix_s, int rfc3339)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    size_t n;

    if (size == 0)
        return;
    if (gmtime_r(&t, &tm) == NULL) {
        out[0] = '\0';
        return;
    }
    if (rfc3339)
        n = strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
    else
        n = strftime(out, size, "%Y-%m-%d %H:%M:%SZ", &tm);
    if (n == 0)
        out[0] = '\0';
}

void m365id__format_utc(char *out, unsigned long size, long long unix_s)
{
    format_time(out, size, unix_s, 0);
}

void m365id__format_rfc3339(char *out, unsigned long size, long long unix_s)
{
    format_time(out, size, unix_s, 1);
}
