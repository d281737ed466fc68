/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Small string and number helpers: checked integer parsing, identifier shapes, duplication.
 */
#ifndef M365ID_UTIL_STRUTIL_H
#define M365ID_UTIL_STRUTIL_H

#include <stddef.h>
#include <stdint.h>

/** Parse a whole decimal string into @p out. Returns 0 or M365ID_EINVAL (empty, sign on u64,
 *  trailing characters, overflow). */
int m365id__parse_u64(uint64_t *out, const char *s);
int m365id__parse_i64(int64_t *out, const char *s);

/** Nonzero when @p s is a GUID: 8-4-4-4-12 hex digits, either case. */
int m365id__is_guid(const char *s);

/** Nonzero when @p s is a DNS name usable as a tenant (labels of [A-Za-z0-9-], a dot). */
int m365id__is_domain(const char *s);

/** strdup that returns NULL for NULL. */
char *m365id__strdup(const char *s);

/** Nonzero when @p s starts with @p prefix. */
int m365id__starts_with(const char *s, const char *prefix);

/** Nonzero when @p s ends with @p suffix. */
int m365id__ends_with(const char *s, const char *suffix);

/** Nonzero when @p haystack contains @p needle, comparing ASCII letters without case. */
int m365id__contains_nocase(const char *haystack, const char *needle);

/** Remove ASCII whitespace from both ends of @p len bytes at @p s; returns the new start and
 *  sets *len_out. */
const char *m365id__trim(const char *s, size_t len, size_t *len_out);

#endif /* M365ID_UTIL_STRUTIL_H */
