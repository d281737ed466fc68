/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Checked JSON reading on top of jansson: parsing with a depth limit and duplicate-key
 * rejection, and getters that tell a missing member from one of the wrong type.
 */
#include "util/json.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "m365id/error.h"
#include "util/limits.h"
#include "util/strutil.h"

/* Nonzero when @p v nests containers more than @p room levels deep. jansson itself stops at
 * 2048 levels, so this recursion is bounded. */
static int too_deep(const json_t *v, unsigned room)
{
    const char *key;
    json_t *child;
    size_t i;

    if (!json_is_object(v) && !json_is_array(v))
        return 0;
    if (room == 0)
        return 1;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, child) {
            if (too_deep(child, room - 1))
                return 1;
        }
    } else {
        json_array_foreach(v, i, child) {
            if (too_deep(child, room - 1))
                return 1;
        }
    }
    return 0;
}

int m365id__json_parse(json_t **out, const char *data, size_t len, char *why, size_t why_size)
{
    json_error_t err;
    json_t *root;

    *out = NULL;
    if (why != NULL && why_size > 0)
        why[0] = '\0';

    root = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    if (root == NULL) {
        if (why != NULL && why_size > 0) {
            snprintf(why, why_size, "%s at line %d column %d", err.text, err.line,
                     err.column);
        }
        return M365ID_EPROTO;
    }
    if (too_deep(root, M365ID_JSON_DEPTH_MAX)) {
        json_decref(root);
        if (why != NULL && why_size > 0) {
            snprintf(why, why_size, "nesting deeper than %u levels", M365ID_JSON_DEPTH_MAX);
        }
        return M365ID_EPROTO;
    }
    *out = root;
    return 0;
}

/* The member @p key of @p obj, or NULL when absent or JSON null; *bad when obj is no object. */
static json_t *member(const json_t *obj, const char *key, int *bad)
{
    json_t *v;

    *bad = 0;
    if (!json_is_object(obj) || key == NULL) {
        *bad = 1;
        return NULL;
    }
    v = json_object_get(obj, key);
    if (v == NULL || json_is_null(v))
        return NULL;
    return v;
}

int m365id__json_get_str(const char **out, const json_t *obj, const char *key)
{
    int bad;
    json_t *v = member(obj, key, &bad);

    *out = NULL;
    if (bad)
        return M365ID__JSON_BADTYPE;
    if (v == NULL)
        return M365ID__JSON_ABSENT;
    if (!json_is_string(v))
        return M365ID__JSON_BADTYPE;
    *out = json_string_value(v);
    return M365ID__JSON_OK;
}

int m365id__json_get_int_lenient(long long *out, const json_t *obj, const char *key)
{
    int bad;
    json_t *v = member(obj, key, &bad);
    int64_t parsed;

    *out = 0;
    if (bad)
        return M365ID__JSON_BADTYPE;
    if (v == NULL)
        return M365ID__JSON_ABSENT;
    if (json_is_integer(v)) {
        *out = (long long)json_integer_value(v);
        return M365ID__JSON_OK;
    }
    /* Only "123" or "-123": no fraction, exponent, sign '+', space or empty string. The
     * length check keeps embedded NULs from cutting the text short. */
    if (json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v) &&
        m365id__parse_i64(&parsed, json_string_value(v)) == 0) {
        *out = (long long)parsed;
        return M365ID__JSON_OK;
    }
    return M365ID__JSON_BADTYPE;
}

int m365id__json_get_int(long long *out, const json_t *obj, const char *key)
{
    int bad;
    json_t *v = member(obj, key, &bad);

    *out = 0;
    if (bad)
        return M365ID__JSON_BADTYPE;
    if (v == NULL)
        return M365ID__JSON_ABSENT;
    if (!json_is_integer(v))
        return M365ID__JSON_BADTYPE;
    *out = (long long)json_integer_value(v);
    return M365ID__JSON_OK;
}

int m365id__json_get_number(double *out, const json_t *obj, const char *key)
{
    int bad;
    json_t *v = member(obj, key, &bad);

    *out = 0;
    if (bad)
        return M365ID__JSON_BADTYPE;
    if (v == NULL)
        return M365ID__JSON_ABSENT;
    if (!json_is_number(v))
        return M365ID__JSON_BADTYPE;
    *out = json_number_value(v);
    return M365ID__JSON_OK;
}

int m365id__json_get_array(json_t **out, const json_t *obj, const char *key)
{
    int bad;
    json_t *v = member(obj, key, &bad);

    *out = NULL;
    if (bad)
        return M365ID__JSON_BADTYPE;
    if (v == NULL)
        return M365ID__JSON_ABSENT;
    if (!json_is_array(v))
        return M365ID__JSON_BADTYPE;
    *out = v;
    return M365ID__JSON_OK;
}

int m365id__json_get_object(json_t **out, const json_t *obj, const char *key)
{
    int bad;
    json_t *v = member(obj, key, &bad);

    *out = NULL;
    if (bad)
        return M365ID__JSON_BADTYPE;
    if (v == NULL)
        return M365ID__JSON_ABSENT;
    if (!json_is_object(v))
        return M365ID__JSON_BADTYPE;
    *out = v;
    return M365ID__JSON_OK;
}

char *m365id__json_dump(const json_t *value)
{
    /* jansson 2.8 and later keep object keys in insertion order. */
    return json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
}
