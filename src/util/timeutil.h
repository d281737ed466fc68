/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Wall-clock and monotonic time in the units the protocols use.
 */
#ifndef M365ID_UTIL_TIMEUTIL_H
#define M365ID_UTIL_TIMEUTIL_H

/** Unix time in seconds (CLOCK_REALTIME): JWT iat/nbf/exp and token expiry use it. */
long long m365id__now_s(void);

/** Monotonic milliseconds, for durations and timeouts only. */
long long m365id__monotonic_ms(void);

/** Sleep for @p ms milliseconds, resuming after signals. */
void m365id__sleep_ms(long long ms);

/** Format Unix seconds as "YYYY-MM-DD HH:MM:SSZ" (Entra's timestamp) into @p out (21 bytes+). */
void m365id__format_utc(char *out, unsigned long size, long long unix_s);

/** Format Unix seconds as RFC 3339 "YYYY-MM-DDTHH:MM:SSZ" into @p out. */
void m365id__format_rfc3339(char *out, unsigned long size, long long unix_s);

#endif /* M365ID_UTIL_TIMEUTIL_H */
