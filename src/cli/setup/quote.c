/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Quoting of values for the files `m365id setup` renders: YAML double-quoted scalars, POSIX
 * shell words and HCL strings, and the UTF-8 check of free-text values. JSON goes through
 * jansson instead.
 */
#include <stdio.h>
#include <string.h>

#include "cli/setup/setup.h"

/* The double-quoted string syntaxes setup writes. They share the backslash escapes of '"',
 * '\', newline and tab. */
enum dialect { DIALECT_YAML, DIALECT_HCL };

/* Write the escape of the byte at @p p, with the rest of the string after it, into @p esc. */
static void escape_byte(char esc[8], const unsigned char *p, enum dialect dialect)
{
    if (*p == '"' || *p == '\\') {
        esc[0] = '\\';
        esc[1] = (char)*p;
        esc[2] = '\0';
    } else if (dialect == DIALECT_HCL && (*p == '$' || *p == '%') && p[1] == '{') {
        /* "$${" and "%%{" are HCL's literal forms of the template openers. */
        esc[0] = (char)*p;
        esc[1] = (char)*p;
        esc[2] = '\0';
    } else if (*p == '\n') {
        memcpy(esc, "\\n", 3);
    } else if (dialect == DIALECT_HCL && *p == '\r') {
        memcpy(esc, "\\r", 3);
    } else if (*p == '\t') {
        memcpy(esc, "\\t", 3);
    } else if (*p < 0x20 || *p == 0x7f) {
        /* YAML 1.1 and 1.2 both read "\x" in double-quoted scalars; HCL has only "\u". */
        snprintf(esc, 8, dialect == DIALECT_HCL ? "\\u%04x" : "\\x%02x", *p);
    } else {
        esc[0] = (char)*p;
        esc[1] = '\0';
    }
}

/* Append @p s in double quotes, escaped for @p dialect. */
static int double_quote(struct m365id__buf *out, const char *s, enum dialect dialect)
{
    const unsigned char *p;
    char esc[8];
    int rc;

    if ((rc = m365id__buf_puts(out, "\"")) < 0)
        return rc;
    for (p = (const unsigned char *)s; *p != '\0'; p++) {
        escape_byte(esc, p, dialect);
        if ((rc = m365id__buf_puts(out, esc)) < 0)
            return rc;
    }
    return m365id__buf_puts(out, "\"");
}

int setup_yaml_quote(struct m365id__buf *out, const char *s)
{
    return double_quote(out, s, DIALECT_YAML);
}

int setup_shell_quote(struct m365id__buf *out, const char *s)
{
    const char *p;
    int rc;

    if ((rc = m365id__buf_puts(out, "'")) < 0)
        return rc;
    for (p = s; *p != '\0'; p++) {
        /* A single quote cannot appear inside single quotes: close, add \', reopen. */
        rc = *p == '\'' ? m365id__buf_puts(out, "'\\''") : m365id__buf_put(out, p, 1);
        if (rc < 0)
            return rc;
    }
    return m365id__buf_puts(out, "'");
}

int setup_hcl_quote(struct m365id__buf *out, const char *s)
{
    return double_quote(out, s, DIALECT_HCL);
}

int setup_utf8_length(size_t *count_out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t count = 0;

    *count_out = 0;
    while (*p != '\0') {
        unsigned long cp;
        size_t extra;

        if (*p < 0x80) {
            p++;
            count++;
            continue;
        }
        if (*p >= 0xc2 && *p <= 0xdf) {
            cp = *p & 0x1fu;
            extra = 1;
        } else if (*p >= 0xe0 && *p <= 0xef) {
            cp = *p & 0x0fu;
            extra = 2;
        } else if (*p >= 0xf0 && *p <= 0xf4) {
            cp = *p & 0x07u;
            extra = 3;
        } else {
            return -1; /* a continuation byte, an overlong lead (C0, C1) or above F4 */
        }
        for (size_t i = 1; i <= extra; i++) {
            if ((p[i] & 0xc0u) != 0x80u)
                return -1; /* also stops at the terminating NUL */
            cp = (cp << 6) | (p[i] & 0x3fu);
        }
        /* Overlong 3- and 4-byte forms, UTF-16 surrogates and values above U+10FFFF. */
        if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return -1;
        p += extra + 1;
        count++;
    }
    *count_out = count;
    return 0;
}
