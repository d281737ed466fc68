/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * cty values on the tfplugin6 wire: msgpack in both directions, jansson trees for the provider's
 * logic, and the JSON state form of UpgradeResourceState. The rules are go-cty's msgpack and
 * JSON encodings: objects carry every attribute, "dynamic" is a [type JSON, value] pair, any
 * extension is an unknown, and numbers may arrive as int, float or decimal string.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfprovider/dynamic.h"
#include "util/limits.h"

static json_t *to_json(const msgpack_object *o, const json_t *type, unsigned depth, char *why,
                       size_t why_size);
static int enc_json(struct tfp_enc *enc, const json_t *v, const json_t *type, int state_form,
                    unsigned depth, char *why, size_t why_size);

static void set_why(char *why, size_t why_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_why(char *why, size_t why_size, const char *fmt, ...)
{
    va_list ap;

    if (why == NULL || why_size == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(why, why_size, fmt, ap);
    va_end(ap);
}

/* Big-endian unsigned integer of @p n bytes at @p p. */
static uint64_t read_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;

    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/*
 * Check that @p data contains one msgpack value whose containers announce no more items than
 * bytes remain. msgpack-c allocates an array or map for the announced count before reading
 * its items, so a 5-byte header claiming 2^32 items would otherwise request tens of GiB.
 * Returns 0, or -1 for a truncated, malformed or impossible value.
 */
static int precheck(const uint8_t *data, size_t len)
{
    uint64_t pending = 1; /* items still to read; each takes at least one byte */
    size_t pos = 0;

    while (pending > 0) {
        uint8_t b;
        size_t head = 1;  /* header bytes, type byte included */
        uint64_t skip = 0; /* payload bytes after the header */
        uint64_t items = 0;

        if (pos >= len)
            return -1;
        b = data[pos];
        pending--;
        if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
            /* fixint, nil, bool */
        } else if (b <= 0x8f) {
            items = 2u * (uint64_t)(b & 0x0f);
        } else if (b <= 0x9f) {
            items = b & 0x0f;
        } else if (b <= 0xbf) {
            skip = b & 0x1f;
        } else {
            static const struct {
                uint8_t type;
                uint8_t len_bytes; /* size of the length or count field */
                uint8_t fixed;     /* payload bytes after it, or the ext type byte */
                uint8_t kind;      /* 0: scalar, 1: sized payload, 2: array, 3: map */
            } forms[] = {
                {0xc4, 1, 0, 1}, {0xc5, 2, 0, 1}, {0xc6, 4, 0, 1}, {0xc7, 1, 1, 1},
                {0xc8, 2, 1, 1}, {0xc9, 4, 1, 1}, {0xca, 0, 4, 0}, {0xcb, 0, 8, 0},
                {0xcc, 0, 1, 0}, {0xcd, 0, 2, 0}, {0xce, 0, 4, 0}, {0xcf, 0, 8, 0},
                {0xd0, 0, 1, 0}, {0xd1, 0, 2, 0}, {0xd2, 0, 4, 0}, {0xd3, 0, 8, 0},
                {0xd4, 0, 2, 0}, {0xd5, 0, 3, 0}, {0xd6, 0, 5, 0}, {0xd7, 0, 9, 0},
                {0xd8, 0, 17, 0}, {0xd9, 1, 0, 1}, {0xda, 2, 0, 1}, {0xdb, 4, 0, 1},
                {0xdc, 2, 0, 2}, {0xdd, 4, 0, 2}, {0xde, 2, 0, 3}, {0xdf, 4, 0, 3},
            };
            size_t i = 0;
            uint64_t n;

            while (i < sizeof(forms) / sizeof(forms[0]) && forms[i].type != b)
                i++;
            if (i == sizeof(forms) / sizeof(forms[0]))
                return -1; /* 0xc1 is never used */
            head += forms[i].len_bytes;
            if (len - pos < head)
                return -1;
            n = read_be(data + pos + 1, forms[i].len_bytes);
            if (forms[i].kind == 0)
                skip = forms[i].fixed;
            else if (forms[i].kind == 1)
                skip = n + forms[i].fixed;
            else
                items = forms[i].kind == 3 ? 2 * n : n;
        }
        if (len - pos < head || skip > len - pos - head)
            return -1;
        pos += head + (size_t)skip;
        if (items > len - pos || pending > len - pos - items)
            return -1;
        pending += items;
    }
    return pos == len ? 0 : -1;
}

int tfp_dv_decode(struct tfp_dv *dv, const uint8_t *data, size_t len)
{
    size_t offset = 0;

    memset(dv, 0, sizeof(*dv));
    msgpack_unpacked_init(&dv->unpacked);
    if (data == NULL || len == 0)
        return 0;
    /* NOTE: msgpack-c unpacks at most MSGPACK_EMBED_STACK_SIZE (32) nested containers, so a
     * deeper value, such as a body nested about 30 levels, is rejected here. */
    if (precheck(data, len) < 0 ||
        msgpack_unpack_next(&dv->unpacked, (const char *)data, len, &offset) !=
            MSGPACK_UNPACK_SUCCESS ||
        offset != len)
        return -1;
    dv->root = &dv->unpacked.data;
    return 0;
}

void tfp_dv_clear(struct tfp_dv *dv)
{
    if (dv == NULL)
        return;
    msgpack_unpacked_destroy(&dv->unpacked);
    dv->root = NULL;
}

int tfp_mp_is_null(const msgpack_object *o)
{
    return o == NULL || o->type == MSGPACK_OBJECT_NIL;
}

int tfp_mp_is_unknown(const msgpack_object *o)
{
    return o != NULL && o->type == MSGPACK_OBJECT_EXT;
}

const msgpack_object *tfp_mp_attr(const msgpack_object *obj, const char *name)
{
    size_t len = strlen(name);

    if (obj == NULL || obj->type != MSGPACK_OBJECT_MAP)
        return NULL;
    for (uint32_t i = 0; i < obj->via.map.size; i++) {
        const msgpack_object *key = &obj->via.map.ptr[i].key;

        if (key->type == MSGPACK_OBJECT_STR && key->via.str.size == len &&
            memcmp(tfp_mp_bytes(key), name, len) == 0)
            return &obj->via.map.ptr[i].val;
    }
    return NULL;
}

const char *tfp_mp_bytes(const msgpack_object *o)
{
    const char *p = o->type == MSGPACK_OBJECT_BIN ? o->via.bin.ptr : o->via.str.ptr;

    return p != NULL ? p : "";
}

char *tfp_mp_strdup(const msgpack_object *o)
{
    char *s;

    if (o == NULL || o->type != MSGPACK_OBJECT_STR)
        return NULL;
    s = malloc((size_t)o->via.str.size + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, tfp_mp_bytes(o), o->via.str.size);
    s[o->via.str.size] = '\0';
    return s;
}

int tfp_mp_is_true(const msgpack_object *o)
{
    return o != NULL && o->type == MSGPACK_OBJECT_BOOLEAN && o->via.boolean;
}

/* --- msgpack to jansson --- */

static json_t *unknown_marker(const msgpack_object *o)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = o->via.ext.size;
    char *text = malloc(2 * n + 3);
    json_t *marker;

    if (text == NULL)
        return NULL;
    text[0] = hex[((unsigned char)o->via.ext.type) >> 4];
    text[1] = hex[((unsigned char)o->via.ext.type) & 15];
    for (size_t i = 0; i < n; i++) {
        text[2 + 2 * i] = hex[((const unsigned char *)o->via.ext.ptr)[i] >> 4];
        text[3 + 2 * i] = hex[((const unsigned char *)o->via.ext.ptr)[i] & 15];
    }
    text[2 + 2 * n] = '\0';
    marker = json_pack("{s:s}", TFP_UNKNOWN_KEY, text);
    free(text);
    return marker;
}

/*
 * A double as JSON: an integer when it is whole and below 2^53 in size (where every integer
 * is exact), a real otherwise, so that 1000 reads the same whether it came as an integer, a
 * float or "1e3".
 */
static json_t *number_from_double(double d)
{
    if (d == floor(d) && fabs(d) < 9007199254740992.0)
        return json_integer((json_int_t)d);
    return json_real(d);
}

/* A cty number sent as a decimal string: an integer when it fits int64, a double otherwise. */
static json_t *number_from_text(const char *p, size_t len)
{
    char text[128];
    char *end = NULL;
    long long ll;
    double d;

    if (len == 0 || len >= sizeof(text))
        return NULL;
    memcpy(text, p, len);
    text[len] = '\0';
    errno = 0;
    ll = strtoll(text, &end, 10);
    if (errno == 0 && end != NULL && *end == '\0')
        return json_integer(ll);
    errno = 0;
    /* NOTE: a decimal beyond double precision is rounded here; the raw msgpack is kept
     * wherever the provider echoes a configured value, so plans stay exact. */
    d = strtod(text, &end);
    if (end == NULL || *end != '\0' || !isfinite(d))
        return NULL;
    return number_from_double(d);
}

static json_t *number_to_json(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (o->via.u64 > (uint64_t)INT64_MAX)
            return json_real((double)o->via.u64);
        return json_integer((json_int_t)o->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return json_integer((json_int_t)o->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return number_from_double(o->via.f64);
    case MSGPACK_OBJECT_STR:
        return number_from_text(tfp_mp_bytes(o), o->via.str.size);
    default:
        return NULL;
    }
}

static int type_is(const json_t *type, const char *name)
{
    return json_is_string(type) && strcmp(json_string_value(type), name) == 0;
}

/* The kind of a collection type ["list", T] and its element type, or NULL. */
static const char *type_kind(const json_t *type, const json_t **arg)
{
    if (!json_is_array(type) || json_array_size(type) != 2 ||
        !json_is_string(json_array_get(type, 0)))
        return NULL;
    *arg = json_array_get(type, 1);
    return json_string_value(json_array_get(type, 0));
}

static json_t *dynamic_to_json(const msgpack_object *o, unsigned depth, char *why,
                               size_t why_size)
{
    const msgpack_object *type_bytes;
    json_t *type = NULL;
    json_t *v;

    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 2) {
        set_why(why, why_size, "a dynamic value is not a [type, value] pair");
        return NULL;
    }
    type_bytes = &o->via.array.ptr[0];
    if (type_bytes->type == MSGPACK_OBJECT_BIN)
        type = json_loadb(tfp_mp_bytes(type_bytes), type_bytes->via.bin.size, JSON_DECODE_ANY,
                          NULL);
    else if (type_bytes->type == MSGPACK_OBJECT_STR)
        type = json_loadb(tfp_mp_bytes(type_bytes), type_bytes->via.str.size, JSON_DECODE_ANY,
                          NULL);
    if (type == NULL) {
        set_why(why, why_size, "a dynamic value has no readable type");
        return NULL;
    }
    v = to_json(&o->via.array.ptr[1], type, depth + 1, why, why_size);
    json_decref(type);
    return v;
}

static json_t *object_to_json(const msgpack_object *o, const json_t *attr_types,
                              const json_t *elem_type, unsigned depth, char *why,
                              size_t why_size)
{
    json_t *out;

    if (o->type != MSGPACK_OBJECT_MAP) {
        set_why(why, why_size, "expected a map");
        return NULL;
    }
    out = json_object();
    if (out == NULL)
        return NULL;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *key = &o->via.map.ptr[i].key;
        const json_t *vtype = elem_type;
        json_t *v;

        if (key->type != MSGPACK_OBJECT_STR) {
            set_why(why, why_size, "a map key is not a string");
            goto fail;
        }
        if (attr_types != NULL) {
            vtype = json_object_getn(attr_types, tfp_mp_bytes(key), key->via.str.size);
            if (vtype == NULL) {
                set_why(why, why_size, "unexpected attribute '%.*s'",
                        (int)(key->via.str.size < 64 ? key->via.str.size : 64),
                        tfp_mp_bytes(key));
                goto fail;
            }
        }
        v = to_json(&o->via.map.ptr[i].val, vtype, depth + 1, why, why_size);
        if (v == NULL ||
            json_object_setn_new_nocheck(out, tfp_mp_bytes(key), key->via.str.size, v) != 0)
            goto fail;
    }
    return out;

fail:
    json_decref(out);
    return NULL;
}

static json_t *array_to_json(const msgpack_object *o, const json_t *elem_type,
                             const json_t *tuple_types, unsigned depth, char *why,
                             size_t why_size)
{
    json_t *out;

    if (o->type != MSGPACK_OBJECT_ARRAY) {
        set_why(why, why_size, "expected an array");
        return NULL;
    }
    if (tuple_types != NULL && json_array_size(tuple_types) != o->via.array.size) {
        set_why(why, why_size, "tuple length differs from its type");
        return NULL;
    }
    out = json_array();
    if (out == NULL)
        return NULL;
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        const json_t *t = tuple_types != NULL ? json_array_get(tuple_types, i) : elem_type;
        json_t *v = to_json(&o->via.array.ptr[i], t, depth + 1, why, why_size);

        if (v == NULL || json_array_append_new(out, v) != 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

static json_t *to_json(const msgpack_object *o, const json_t *type, unsigned depth, char *why,
                       size_t why_size)
{
    const json_t *arg = NULL;
    const char *kind;

    if (depth > M365ID_JSON_DEPTH_MAX * 2) {
        set_why(why, why_size, "value nested too deeply");
        return NULL;
    }
    if (o->type == MSGPACK_OBJECT_EXT)
        return unknown_marker(o);
    if (type_is(type, "dynamic"))
        return o->type == MSGPACK_OBJECT_NIL ? json_null()
                                             : dynamic_to_json(o, depth, why, why_size);
    if (o->type == MSGPACK_OBJECT_NIL)
        return json_null();
    if (type_is(type, "string")) {
        if (o->type != MSGPACK_OBJECT_STR) {
            set_why(why, why_size, "expected a string");
            return NULL;
        }
        return json_stringn_nocheck(tfp_mp_bytes(o), o->via.str.size);
    }
    if (type_is(type, "bool")) {
        if (o->type != MSGPACK_OBJECT_BOOLEAN) {
            set_why(why, why_size, "expected a bool");
            return NULL;
        }
        return json_boolean(o->via.boolean);
    }
    if (type_is(type, "number")) {
        json_t *n = number_to_json(o);

        if (n == NULL)
            set_why(why, why_size, "expected a number");
        return n;
    }
    kind = type_kind(type, &arg);
    if (kind == NULL) {
        set_why(why, why_size, "unsupported type constraint");
        return NULL;
    }
    if (strcmp(kind, "list") == 0 || strcmp(kind, "set") == 0)
        return array_to_json(o, arg, NULL, depth, why, why_size);
    if (strcmp(kind, "tuple") == 0)
        return array_to_json(o, NULL, arg, depth, why, why_size);
    if (strcmp(kind, "map") == 0)
        return object_to_json(o, NULL, arg, depth, why, why_size);
    if (strcmp(kind, "object") == 0)
        return object_to_json(o, arg, NULL, depth, why, why_size);
    set_why(why, why_size, "unsupported type kind '%s'", kind);
    return NULL;
}

json_t *tfp_mp_to_json(const msgpack_object *o, const json_t *type, char *why, size_t why_size)
{
    if (o == NULL)
        return json_null();
    return to_json(o, type, 0, why, why_size);
}

int tfp_json_is_unknown(const json_t *v)
{
    return json_is_object(v) && json_object_size(v) == 1 &&
           json_object_get(v, TFP_UNKNOWN_KEY) != NULL;
}

int tfp_json_has_unknown(const json_t *v)
{
    const char *key;
    json_t *item;
    size_t i;

    if (tfp_json_is_unknown(v))
        return 1;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, item) {
            if (tfp_json_has_unknown(item))
                return 1;
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, item) {
            if (tfp_json_has_unknown(item))
                return 1;
        }
    }
    return 0;
}

json_t *tfp_type_infer(const json_t *v)
{
    json_t *attrs;
    json_t *elems;
    const char *key;
    json_t *item;
    size_t i;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        attrs = json_object();
        json_object_foreach((json_t *)v, key, item) {
            json_object_set_new(attrs, key, tfp_type_infer(item));
        }
        return json_pack("[s,o]", "object", attrs);
    case JSON_ARRAY:
        elems = json_array();
        json_array_foreach(v, i, item) {
            json_array_append_new(elems, tfp_type_infer(item));
        }
        return json_pack("[s,o]", "tuple", elems);
    case JSON_STRING:
        return json_string("string");
    case JSON_INTEGER:
    case JSON_REAL:
        return json_string("number");
    case JSON_TRUE:
    case JSON_FALSE:
        return json_string("bool");
    case JSON_NULL:
    default:
        return json_string("dynamic");
    }
}

/* --- jansson to msgpack --- */

void tfp_enc_init(struct tfp_enc *enc)
{
    msgpack_sbuffer_init(&enc->sbuf);
    msgpack_packer_init(&enc->pk, &enc->sbuf, msgpack_sbuffer_write);
}

void tfp_enc_clear(struct tfp_enc *enc)
{
    msgpack_sbuffer_destroy(&enc->sbuf);
    msgpack_sbuffer_init(&enc->sbuf);
}

void tfp_enc_unknown(struct tfp_enc *enc)
{
    static const char zero = 0;

    msgpack_pack_ext(&enc->pk, 1, 0);
    msgpack_pack_ext_body(&enc->pk, &zero, 1);
}

void tfp_enc_object(struct tfp_enc *enc, const msgpack_object *o)
{
    if (o == NULL)
        msgpack_pack_nil(&enc->pk);
    else
        msgpack_pack_object(&enc->pk, *o);
}

void tfp_enc_str(struct tfp_enc *enc, const char *s)
{
    size_t len = strlen(s);

    msgpack_pack_str(&enc->pk, len);
    msgpack_pack_str_body(&enc->pk, s, len);
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Write back the extension that unknown_marker() recorded. */
static int enc_unknown_marker(struct tfp_enc *enc, const json_t *marker)
{
    const char *hex = json_string_value(json_object_get(marker, TFP_UNKNOWN_KEY));
    size_t len = hex != NULL ? strlen(hex) : 0;
    unsigned char *data;
    int type;

    if (len < 2 || len % 2 != 0) {
        tfp_enc_unknown(enc);
        return 0;
    }
    data = malloc(len / 2);
    if (data == NULL)
        return -1;
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hex_value(hex[2 * i]);
        int lo = hex_value(hex[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            free(data);
            tfp_enc_unknown(enc);
            return 0;
        }
        data[i] = (unsigned char)(hi << 4 | lo);
    }
    type = (signed char)data[0];
    msgpack_pack_ext(&enc->pk, len / 2 - 1, (int8_t)type);
    msgpack_pack_ext_body(&enc->pk, data + 1, len / 2 - 1);
    free(data);
    return 0;
}

static int enc_number(struct tfp_enc *enc, const json_t *v, char *why, size_t why_size)
{
    if (json_is_integer(v)) {
        msgpack_pack_int64(&enc->pk, (int64_t)json_integer_value(v));
        return 0;
    }
    if (json_is_real(v)) {
        msgpack_pack_double(&enc->pk, json_real_value(v));
        return 0;
    }
    if (json_is_string(v)) {
        /* A number kept as decimal text: go-cty accepts it as is. */
        json_t *n = number_from_text(json_string_value(v), json_string_length(v));

        if (n == NULL) {
            set_why(why, why_size, "'%s' is not a number", json_string_value(v));
            return -1;
        }
        json_decref(n);
        msgpack_pack_str(&enc->pk, json_string_length(v));
        msgpack_pack_str_body(&enc->pk, json_string_value(v), json_string_length(v));
        return 0;
    }
    set_why(why, why_size, "expected a number");
    return -1;
}

static int enc_dynamic(struct tfp_enc *enc, const json_t *v, int state_form, unsigned depth,
                       char *why, size_t why_size)
{
    const json_t *value = v;
    json_t *type = NULL;
    char *type_text = NULL;
    int rc = -1;

    if (state_form) {
        if (!json_is_object(v) || json_object_get(v, "type") == NULL) {
            set_why(why, why_size, "a dynamic value in state lacks its type");
            return -1;
        }
        type = json_incref(json_object_get(v, "type"));
        value = json_object_get(v, "value");
    } else {
        type = tfp_type_infer(v);
    }
    type_text = json_dumps(type, JSON_COMPACT | JSON_ENCODE_ANY);
    if (type == NULL || type_text == NULL)
        goto out;
    msgpack_pack_array(&enc->pk, 2);
    msgpack_pack_bin(&enc->pk, strlen(type_text));
    msgpack_pack_bin_body(&enc->pk, type_text, strlen(type_text));
    rc = enc_json(enc, value != NULL ? value : json_null(), type, state_form, depth + 1, why,
                  why_size);

out:
    free(type_text);
    json_decref(type);
    return rc;
}

static int enc_object(struct tfp_enc *enc, const json_t *v, const json_t *attr_types,
                      int state_form, unsigned depth, char *why, size_t why_size)
{
    const char *key;
    json_t *atype;

    if (!json_is_object(v)) {
        set_why(why, why_size, "expected an object");
        return -1;
    }
    /* go-cty requires exactly the type's attributes; absent ones are null. */
    msgpack_pack_map(&enc->pk, json_object_size(attr_types));
    json_object_foreach((json_t *)attr_types, key, atype) {
        const json_t *item = json_object_get(v, key);

        tfp_enc_str(enc, key);
        if (enc_json(enc, item != NULL ? item : json_null(), atype, state_form, depth + 1, why,
                     why_size) < 0)
            return -1;
    }
    return 0;
}

static int enc_json(struct tfp_enc *enc, const json_t *v, const json_t *type, int state_form,
                    unsigned depth, char *why, size_t why_size)
{
    const json_t *arg = NULL;
    const char *kind;
    const char *key;
    json_t *item;
    size_t i;

    if (depth > M365ID_JSON_DEPTH_MAX * 2) {
        set_why(why, why_size, "value nested too deeply");
        return -1;
    }
    if (tfp_json_is_unknown(v))
        return enc_unknown_marker(enc, v);
    if (type_is(type, "dynamic")) {
        if (json_is_null(v)) {
            msgpack_pack_nil(&enc->pk);
            return 0;
        }
        return enc_dynamic(enc, v, state_form, depth, why, why_size);
    }
    if (json_is_null(v)) {
        msgpack_pack_nil(&enc->pk);
        return 0;
    }
    if (type_is(type, "string")) {
        if (!json_is_string(v)) {
            set_why(why, why_size, "expected a string");
            return -1;
        }
        msgpack_pack_str(&enc->pk, json_string_length(v));
        msgpack_pack_str_body(&enc->pk, json_string_value(v), json_string_length(v));
        return 0;
    }
    if (type_is(type, "bool")) {
        if (!json_is_boolean(v)) {
            set_why(why, why_size, "expected a bool");
            return -1;
        }
        if (json_is_true(v))
            msgpack_pack_true(&enc->pk);
        else
            msgpack_pack_false(&enc->pk);
        return 0;
    }
    if (type_is(type, "number"))
        return enc_number(enc, v, why, why_size);

    kind = type_kind(type, &arg);
    if (kind == NULL) {
        set_why(why, why_size, "unsupported type constraint");
        return -1;
    }
    if (strcmp(kind, "object") == 0)
        return enc_object(enc, v, arg, state_form, depth, why, why_size);
    if (strcmp(kind, "map") == 0) {
        if (!json_is_object(v)) {
            set_why(why, why_size, "expected a map");
            return -1;
        }
        msgpack_pack_map(&enc->pk, json_object_size(v));
        json_object_foreach((json_t *)v, key, item) {
            tfp_enc_str(enc, key);
            if (enc_json(enc, item, arg, state_form, depth + 1, why, why_size) < 0)
                return -1;
        }
        return 0;
    }
    if (strcmp(kind, "list") == 0 || strcmp(kind, "set") == 0 || strcmp(kind, "tuple") == 0) {
        int tuple = strcmp(kind, "tuple") == 0;

        if (!json_is_array(v) || (tuple && json_array_size(arg) != json_array_size(v))) {
            set_why(why, why_size, "expected an array of the type's length");
            return -1;
        }
        msgpack_pack_array(&enc->pk, json_array_size(v));
        json_array_foreach(v, i, item) {
            if (enc_json(enc, item, tuple ? json_array_get(arg, i) : arg, state_form, depth + 1,
                         why, why_size) < 0)
                return -1;
        }
        return 0;
    }
    set_why(why, why_size, "unsupported type kind '%s'", kind);
    return -1;
}

int tfp_enc_json(struct tfp_enc *enc, const json_t *v, const json_t *type, int state_form,
                 char *why, size_t why_size)
{
    return enc_json(enc, v, type, state_form, 0, why, why_size);
}
