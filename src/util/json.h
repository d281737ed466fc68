/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Checked JSON reading on top of jansson: bounded parsing and typed getters that tell "absent"
 * from "wrong type". Building JSON uses jansson's own constructors directly.
 */
#ifndef M365ID_UTIL_JSON_H
#define M365ID_UTIL_JSON_H

#include <jansson.h>
#include <stddef.h>

/**
 * Parse @p len bytes as one JSON value, rejecting documents nested deeper than
 * M365ID_JSON_DEPTH_MAX and duplicate object keys. Returns 0 or M365ID_EPROTO; on error
 * @p why (if not NULL, at least 160 bytes) receives jansson's text with line and column.
 */
int m365id__json_parse(json_t **out, const char *data, size_t len, char *why, size_t why_size);

/** Lookup results of the getters below. */
enum m365id__json_get {
    M365ID__JSON_OK = 0,
    M365ID__JSON_ABSENT = 1,   /* key missing or JSON null */
    M365ID__JSON_BADTYPE = -1, /* present with another type or an unusable value */
};

/** String member; *out is borrowed from @p obj. */
int m365id__json_get_str(const char **out, const json_t *obj, const char *key);

/**
 * Integer member given as a JSON number or as a decimal string ("3599"), as Entra and MSAL
 * both produce. Fractions, overflow and trailing text give M365ID__JSON_BADTYPE.
 */
int m365id__json_get_int_lenient(long long *out, const json_t *obj, const char *key);

/** Integer member given as a JSON integer only. */
int m365id__json_get_int(long long *out, const json_t *obj, const char *key);

/** Number member, integer or real, as a double (integers above 2^53 lose precision). */
int m365id__json_get_number(double *out, const json_t *obj, const char *key);

/** Array or object member, borrowed. */
int m365id__json_get_array(json_t **out, const json_t *obj, const char *key);
int m365id__json_get_object(json_t **out, const json_t *obj, const char *key);

/** Serialise compactly (keys in insertion order). Returns a malloc'd string or NULL. */
char *m365id__json_dump(const json_t *value);

#endif /* M365ID_UTIL_JSON_H */
