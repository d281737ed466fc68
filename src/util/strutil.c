/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Checked decimal parsing, identifier shape checks and small string helpers. The parsers
 * accept digits only: no whitespace, no '+', no hexadecimal or octal prefixes.
 */
#include "util/strutil.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "m365id/error.h"

/* Parse digits into an unsigned magnitude no larger than @p limit. */
static int parse_digits(uint64_t *out, const char *s, uint64_t limit)
{
    uint64_t v = 0;

    if (*s == '\0')
        return M365ID_EINVAL;
    for (; *s != '\0'; s++) {
        unsigned d;

        if (*s < '0' || *s > '9')
            return M365ID_EINVAL;
        d = (unsigned)(*s - '0');
        if (v > (limit - d) / 10)
            return M365ID_EINVAL;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int m365id__parse_u64(uint64_t *out, const char *s)
{
    uint64_t v;
    int rc;

    if (s == NULL)
        return M365ID_EINVAL;
    if ((rc = parse_digits(&v, s, UINT64_MAX)) < 0)
        return rc;
    *out = v;
    return 0;
}

int m365id__parse_i64(int64_t *out, const char *s)
{
    uint64_t v;
    int neg = 0;
    int rc;

    if (s == NULL)
        return M365ID_EINVAL;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    if ((rc = parse_digits(&v, s, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)) < 0)
        return rc;
    if (neg)
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    else
        *out = (int64_t)v;
    return 0;
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int m365id__is_guid(const char *s)
{
    size_t i;

    if (s == NULL || strlen(s) != 36)
        return 0;
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!is_hex(s[i])) {
            return 0;
        }
    }
    return 1;
}

int m365id__is_domain(const char *s)
{
    size_t len;
    size_t label = 0;
    int dots = 0;
    size_t i;

    if (s == NULL)
        return 0;
    len = strlen(s);
    if (len < 1 || len > 253)
        return 0;

    /* RFC 1123 host names: labels of 1 to 63 letters, digits and hyphens, no hyphen at
     * either end of a label, and at least two labels. */
    for (i = 0; i <= len; i++) {
        char c = s[i];

        if (c == '.' || c == '\0') {
            if (label == 0 || label > 63 || s[i - 1] == '-')
                return 0;
            if (c == '.')
                dots++;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return 0;
        if (label == 0 && c == '-')
            return 0;
        label++;
    }
    return dots > 0;
}

char *m365id__strdup(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

int m365id__starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int m365id__ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s);
    size_t m = strlen(suffix);

    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

int m365id__contains_nocase(const char *haystack, const char *needle)
{
    size_t len = strlen(needle);

    for (; *haystack != '\0'; haystack++) {
        if (strncasecmp(haystack, needle, len) == 0)
            return 1;
    }
    return 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

const char *m365id__trim(const char *s, size_t len, size_t *len_out)
{
    while (len > 0 && is_space(s[0])) {
        s++;
        len--;
    }
    while (len > 0 && is_space(s[len - 1]))
        len--;
    *len_out = len;
    return s;
}
