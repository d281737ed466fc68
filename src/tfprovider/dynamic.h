/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * tfplugin6 DynamicValue: msgpack decoding into msgpack-c objects, conversion between those and
 * jansson values under a cty type, the JSON state form, and msgpack encoding with unknowns.
 */
#ifndef M365ID_TFPROVIDER_DYNAMIC_H
#define M365ID_TFPROVIDER_DYNAMIC_H

#include <jansson.h>
#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>

/*
 * An unknown value inside a jansson tree: an object with this single key, whose value is the
 * hex of the msgpack extension (type byte, then data), so that refinements survive a round
 * trip. The key starts with byte 0x01, which no Graph or HCL attribute name contains.
 */
#define TFP_UNKNOWN_KEY "\x01unknown"

/** A decoded DynamicValue; root is NULL when the host sent no bytes. */
struct tfp_dv {
    msgpack_unpacked unpacked;
    const msgpack_object *root;
};

/** Decode @p len bytes of msgpack; 0, or -1 when they are not exactly one msgpack value. */
int tfp_dv_decode(struct tfp_dv *dv, const uint8_t *data, size_t len);

/** Free what tfp_dv_decode() allocated; safe on a zeroed struct. */
void tfp_dv_clear(struct tfp_dv *dv);

/** 1 when @p o is missing (NULL) or msgpack nil. */
int tfp_mp_is_null(const msgpack_object *o);

/** 1 when @p o is an unknown value (any msgpack extension). */
int tfp_mp_is_unknown(const msgpack_object *o);

/** The value of key @p name in map @p obj, or NULL when @p obj is no map or lacks the key. */
const msgpack_object *tfp_mp_attr(const msgpack_object *obj, const char *name);

/**
 * The bytes of string or binary @p o, never NULL: msgpack-c leaves the pointer of an empty
 * string NULL, which memcpy(), memcmp() and jansson's length-taking calls do not accept.
 */
const char *tfp_mp_bytes(const msgpack_object *o);

/** A malloc'd copy of string @p o, or NULL when @p o is not a known string. */
char *tfp_mp_strdup(const msgpack_object *o);

/** 1 when @p o is known boolean true. */
int tfp_mp_is_true(const msgpack_object *o);

/**
 * Convert @p o, a value of cty type @p type (a JSON type constraint), to jansson. Unknowns
 * become TFP_UNKNOWN_KEY objects; "dynamic" reads the [type, value] pair. Returns a new
 * reference, or NULL when the value does not fit the type (the reason goes to @p why).
 */
json_t *tfp_mp_to_json(const msgpack_object *o, const json_t *type, char *why, size_t why_size);

/** 1 when @p v is a TFP_UNKNOWN_KEY marker. */
int tfp_json_is_unknown(const json_t *v);

/** 1 when @p v or any value inside it is unknown. */
int tfp_json_has_unknown(const json_t *v);

/** The cty type that HCL would give JSON value @p v (objects, tuples); a new reference. */
json_t *tfp_type_infer(const json_t *v);

/** A msgpack output buffer. */
struct tfp_enc {
    msgpack_sbuffer sbuf;
    msgpack_packer pk;
};

void tfp_enc_init(struct tfp_enc *enc);
void tfp_enc_clear(struct tfp_enc *enc);

/** Append the plain unknown value (d4 00 00). */
void tfp_enc_unknown(struct tfp_enc *enc);

/** Append @p o unchanged (extensions, and so refinements, included); NULL appends nil. */
void tfp_enc_object(struct tfp_enc *enc, const msgpack_object *o);

/** Append a string. */
void tfp_enc_str(struct tfp_enc *enc, const char *s);

/**
 * Append @p v as a value of cty type @p type. With @p state_form, "dynamic" values are read in
 * the JSON state form {"value": V, "type": T}; otherwise their type is inferred from @p v.
 * Returns 0, or -1 when @p v does not fit @p type (the reason goes to @p why).
 */
int tfp_enc_json(struct tfp_enc *enc, const json_t *v, const json_t *type, int state_form,
                 char *why, size_t why_size);

#endif /* M365ID_TFPROVIDER_DYNAMIC_H */
