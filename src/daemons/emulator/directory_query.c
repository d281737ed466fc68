/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The OData query options the directory supports: $filter on one equality (a property, or a
 * string collection through any()) or one startswith() prefix, and the opaque $skiptoken of
 * paged listings.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "directory.h"
#include "m365id/error.h"
#include "util/crypto.h"
#include "util/strutil.h"

#define SUPPORTED_FILTERS                                                                     \
    "supported: \"PROPERTY eq 'text'\", \"PROPERTY eq true\" (or false), "                  \
    "\"PROPERTY/any(x:x eq 'text')\" and \"startswith(PROPERTY,'text')\""

static const char *skip_spaces(const char *p)
{
    while (*p == ' ')
        p++;
    return p;
}

/* Read an identifier [A-Za-z][A-Za-z0-9]* into @p out; returns the end, or NULL. */
static const char *read_identifier(const char *p, char *out, size_t size)
{
    size_t n = 0;

    if (!isalpha((unsigned char)*p))
        return NULL;
    while (isalnum((unsigned char)p[n])) {
        if (n + 1 >= size)
            return NULL;
        out[n] = p[n];
        n++;
    }
    out[n] = '\0';
    return p + n;
}

/* Read "eq" surrounded by at least one space on each side. */
static const char *read_eq(const char *p)
{
    if (*p != ' ')
        return NULL;
    p = skip_spaces(p);
    if (strncmp(p, "eq", 2) != 0 || p[2] != ' ')
        return NULL;
    return skip_spaces(p + 2);
}

/*
 * Read a literal: 'text' (a doubled quote stands for one quote, as OData writes it), true or
 * false. On success *end is past it and *value malloc'd.
 * @return 0, 1 for bad syntax, or M365ID_ENOMEM
 */
static int read_literal(const char **end, const char *p, char **value, int *is_bool)
{
    const char *q;
    char *out;
    size_t n = 0;

    *value = NULL;
    *is_bool = 0;
    if (strncmp(p, "true", 4) == 0 || strncmp(p, "false", 5) == 0) {
        size_t len = p[0] == 't' ? 4 : 5;

        if (isalnum((unsigned char)p[len]))
            return 1;
        *value = strndup(p, len);
        if (*value == NULL)
            return M365ID_ENOMEM;
        *is_bool = 1;
        *end = p + len;
        return 0;
    }
    if (*p != '\'')
        return 1;
    out = malloc(strlen(p));
    if (out == NULL)
        return M365ID_ENOMEM;
    for (q = p + 1; *q != '\0'; q++) {
        if (*q == '\'') {
            if (q[1] != '\'')
                break;
            q++;
        }
        out[n++] = *q;
    }
    if (*q != '\'') {
        free(out);
        return 1;
    }
    out[n] = '\0';
    *value = out;
    *end = q + 1;
    return 0;
}

int emu_dir_filter_parse(struct emu_dir_filter *out, const char *text, char *why,
                         size_t why_size)
{
    struct emu_dir_filter f = EMU_DIR_FILTER_INIT;
    char var[32];
    char var2[32];
    const char *p = skip_spaces(text);
    int rc;

    memset(out, 0, sizeof(*out));
    if (strncmp(p, "startswith(", 11) == 0) {
        /* startswith(PROPERTY,'text'), as the Azure CLI lists applications by display name. */
        f.starts_with = 1;
        p = read_identifier(skip_spaces(p + 11), f.property, sizeof(f.property));
        if (p == NULL)
            goto bad;
        p = skip_spaces(p);
        if (*p != ',')
            goto bad;
        rc = read_literal(&p, skip_spaces(p + 1), &f.value, &f.is_bool);
        if (rc == M365ID_ENOMEM)
            return rc;
        if (rc != 0 || f.is_bool)
            goto bad;
        p = skip_spaces(p);
        if (*p != ')')
            goto bad;
        p = skip_spaces(p + 1);
        if (*p != '\0')
            goto bad;
        *out = f;
        return 0;
    }
    p = read_identifier(p, f.property, sizeof(f.property));
    if (p == NULL)
        goto bad;
    if (strncmp(p, "/any(", 5) == 0) {
        /* PROPERTY/any(x:x eq 'text'): the lambda variable must be the one declared. */
        f.any = 1;
        p = read_identifier(p + 5, var, sizeof(var));
        if (p == NULL || *p != ':')
            goto bad;
        p = read_identifier(p + 1, var2, sizeof(var2));
        if (p == NULL || strcmp(var, var2) != 0)
            goto bad;
    }
    p = read_eq(p);
    if (p == NULL)
        goto bad;
    rc = read_literal(&p, p, &f.value, &f.is_bool);
    if (rc == M365ID_ENOMEM)
        return rc;
    if (rc != 0)
        goto bad;
    if (f.any) {
        if (f.is_bool || *p != ')')
            goto bad;
        p++;
    }
    p = skip_spaces(p);
    if (*p != '\0')
        goto bad;
    *out = f;
    return 0;

bad:
    emu_dir_filter_clear(&f);
    snprintf(why, why_size, "%s", SUPPORTED_FILTERS);
    return 1;
}

void emu_dir_filter_clear(struct emu_dir_filter *f)
{
    free(f->value);
    memset(f, 0, sizeof(*f));
}

int emu_dir_filter_matches(const struct emu_dir_filter *f, const json_t *obj)
{
    const json_t *v = json_object_get(obj, f->property);
    size_t i;

    if (f->any) {
        for (i = 0; i < json_array_size(v); i++) {
            const char *s = json_string_value(json_array_get(v, i));

            if (s != NULL && strcasecmp(s, f->value) == 0)
                return 1;
        }
        return 0;
    }
    if (f->starts_with) {
        return json_is_string(v) &&
               strncasecmp(json_string_value(v), f->value, strlen(f->value)) == 0;
    }
    if (f->is_bool)
        return json_is_boolean(v) && json_is_true(v) == (strcmp(f->value, "true") == 0);
    return json_is_string(v) && strcasecmp(json_string_value(v), f->value) == 0;
}

/* $skiptoken is opaque to clients; here it is base64url of "offset:N". */
int emu_dir_skiptoken_parse(size_t *offset, const char *token)
{
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    uint64_t v = 0;
    char text[32];
    int rc = -1;

    if (m365id__b64url_decode(&raw, &raw_len, token, strlen(token)) < 0)
        return -1;
    if (raw_len > 7 && raw_len < sizeof(text) && memcmp(raw, "offset:", 7) == 0) {
        memcpy(text, raw + 7, raw_len - 7);
        text[raw_len - 7] = '\0';
        if (m365id__parse_u64(&v, text) == 0 && v < (uint64_t)1 << 31) {
            *offset = (size_t)v;
            rc = 0;
        }
    }
    free(raw);
    return rc;
}

char *emu_dir_skiptoken_make(size_t offset)
{
    char marker[48];

    snprintf(marker, sizeof(marker), "offset:%zu", offset);
    return m365id__b64url_encode(marker, strlen(marker));
}
