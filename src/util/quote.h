/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Quoting of external strings for messages and logs: control characters escaped, long values cut.
 */
#ifndef M365ID_UTIL_QUOTE_H
#define M365ID_UTIL_QUOTE_H

#include <stddef.h>

#include "limits.h"

/* Each input byte expands to at most 4 output bytes ("\x1f"); "..." and NUL follow. */
struct m365id__quoted {
    char text[M365ID_QUOTE_MAX * 4 + 4];
};

/**
 * Copy @p s into @p q with control characters, backslash and bytes >= 0x7f escaped as \n, \r,
 * \t, \\ or \xNN, cut after M365ID_QUOTE_MAX input bytes with "..." appended. NULL gives
 * "(null)". Quote characters stay as they are, so that "Couldn't connect" reads as sent; a
 * value inside '...' may therefore contain a single quote.
 */
void m365id__quote(struct m365id__quoted *q, const char *s);

/** Same for @p len bytes that may contain NUL. */
void m365id__quote_len(struct m365id__quoted *q, const char *s, size_t len);

#endif /* M365ID_UTIL_QUOTE_H */
