/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Quoting of values for the files `m365id setup` renders: YAML double-quoted scalars, POSIX
 * shell words and HCL strings. JSON goes through jansson instead.
 */
#include <stdio.h>
#include <string.h>

#include "cli/setup/setup.h"

int setup_yaml_quote(struct m365id__buf *out, const char *s)
{
    const unsigned char *p;
    char esc[8];
    int rc;

    if ((rc = m365id__buf_puts(out, "\"")) < 0)
        return rc;
    for (p = (const unsigned char *)s; *p != '\0'; p++) {
        /* YAML 1.1 and 1.2 both read these escapes in double-quoted scalars. */
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            esc[2] = '\0';
        } else if (*p == '\n') {
            memcpy(esc, "\\n", 3);
        } else if (*p == '\t') {
            memcpy(esc, "\\t", 3);
        } else if (*p < 0x20 || *p == 0x7f) {
            snprintf(esc, sizeof(esc), "\\x%02x", *p);
        } else {
            esc[0] = (char)*p;
            esc[1] = '\0';
        }
        if ((rc = m365id__buf_puts(out, esc)) < 0)
            return rc;
    }
    return m365id__buf_puts(out, "\"");
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
    const unsigned char *p;
    char esc[8];
    int rc;

    if ((rc = m365id__buf_puts(out, "\"")) < 0)
        return rc;
    for (p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            esc[2] = '\0';
        } else if ((*p == '$' || *p == '%') && p[1] == '{') {
            /* "$${" and "%%{" are HCL's literal forms of the template openers. */
            esc[0] = (char)*p;
            esc[1] = (char)*p;
            esc[2] = '\0';
        } else if (*p == '\n') {
            memcpy(esc, "\\n", 3);
        } else if (*p == '\r') {
            memcpy(esc, "\\r", 3);
        } else if (*p == '\t') {
            memcpy(esc, "\\t", 3);
        } else if (*p < 0x20 || *p == 0x7f) {
            snprintf(esc, sizeof(esc), "\\u%04x", *p);
        } else {
            esc[0] = (char)*p;
            esc[1] = '\0';
        }
        if ((rc = m365id__buf_puts(out, esc)) < 0)
            return rc;
    }
    return m365id__buf_puts(out, "\"");
}
