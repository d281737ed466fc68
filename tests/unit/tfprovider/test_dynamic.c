/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/tfprovider/dynamic.c. Golden msgpack bytes for every cty type follow
 * go-cty 1.14's encoding: unknowns are extensions, DynamicPseudoType is a [type JSON, value]
 * pair. Also covered: decoding back to jansson, the JSON state form and rejected inputs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack/unpack_define.h>

#include "tfprovider/dynamic.h"
#include "util/limits.h"

/* The object type of microsoft365_graph_resource, as the provider's schema declares it. */
#define RESOURCE_TYPE                                                                           \
    "[\"object\",{\"url\":\"string\",\"api_version\":\"string\",\"body\":\"dynamic\","        \
    "\"id\":\"string\",\"output\":\"dynamic\"}]"

static json_t *load(const char *text)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);

    assert_non_null(v);
    return v;
}

/* Lower-case hex of @p len bytes, into a static buffer. */
static const char *to_hex(const void *data, size_t len)
{
    static char text[4096];
    const unsigned char *p = data;

    assert_true(2 * len < sizeof(text));
    for (size_t i = 0; i < len; i++)
        snprintf(text + 2 * i, 3, "%02x", p[i]);
    text[2 * len] = '\0';
    return text;
}

/* Bytes of hex text @p hex; the caller frees them. */
static uint8_t *from_hex(const char *hex, size_t *len_out)
{
    size_t len = strlen(hex) / 2;
    uint8_t *data = malloc(len > 0 ? len : 1);

    assert_non_null(data);
    for (size_t i = 0; i < len; i++) {
        unsigned int byte;

        assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
        data[i] = (uint8_t)byte;
    }
    *len_out = len;
    return data;
}

/* Encode JSON @p value as cty type @p type and compare with @p want_hex. */
static void assert_encodes(const char *value, const char *type, int state_form,
                           const char *want_hex)
{
    struct tfp_enc enc;
    json_t *v = load(value);
    json_t *t = load(type);
    char why[128] = "";

    tfp_enc_init(&enc);
    if (tfp_enc_json(&enc, v, t, state_form, why, sizeof(why)) != 0)
        fail_msg("encoding %s as %s failed: %s", value, type, why);
    assert_string_equal(to_hex(enc.sbuf.data, enc.sbuf.size), want_hex);
    tfp_enc_clear(&enc);
    msgpack_sbuffer_destroy(&enc.sbuf);
    json_decref(v);
    json_decref(t);
}

/* Encoding JSON @p value as @p type fails, and the reason contains @p want_why. */
static void assert_encode_fails(const char *value, const char *type, int state_form,
                                const char *want_why)
{
    struct tfp_enc enc;
    json_t *v = load(value);
    json_t *t = load(type);
    char why[128] = "";

    tfp_enc_init(&enc);
    assert_int_equal(tfp_enc_json(&enc, v, t, state_form, why, sizeof(why)), -1);
    assert_non_null(strstr(why, want_why));
    tfp_enc_clear(&enc);
    msgpack_sbuffer_destroy(&enc.sbuf);
    json_decref(v);
    json_decref(t);
}

/* Decode msgpack @p hex as cty type @p type; returns the compact JSON text (caller frees). */
static char *decode(const char *hex, const char *type, char *why, size_t why_size)
{
    struct tfp_dv dv;
    size_t len;
    uint8_t *data = from_hex(hex, &len);
    json_t *t = load(type);
    json_t *v;
    char *text = NULL;

    assert_int_equal(tfp_dv_decode(&dv, data, len), 0);
    assert_non_null(dv.root);
    v = tfp_mp_to_json(dv.root, t, why, why_size);
    if (v != NULL)
        text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(v);
    json_decref(t);
    tfp_dv_clear(&dv);
    free(data);
    return text;
}

static void assert_decodes(const char *hex, const char *type, const char *want_json)
{
    char why[128] = "";
    char *text = decode(hex, type, why, sizeof(why));

    if (text == NULL)
        fail_msg("decoding %s as %s failed: %s", hex, type, why);
    assert_string_equal(text, want_json);
    free(text);
}

static void assert_decode_fails(const char *hex, const char *type, const char *want_why)
{
    char why[128] = "";
    char *text = decode(hex, type, why, sizeof(why));

    assert_null(text);
    assert_non_null(strstr(why, want_why));
}

/* Decode @p hex as @p type and encode the result again: the bytes must not change. */
static void assert_round_trip(const char *hex, const char *type)
{
    struct tfp_dv dv;
    struct tfp_enc enc;
    size_t len;
    uint8_t *data = from_hex(hex, &len);
    json_t *t = load(type);
    json_t *v;
    char why[128] = "";

    assert_int_equal(tfp_dv_decode(&dv, data, len), 0);
    v = tfp_mp_to_json(dv.root, t, why, sizeof(why));
    assert_non_null(v);
    tfp_enc_init(&enc);
    assert_int_equal(tfp_enc_json(&enc, v, t, 0, why, sizeof(why)), 0);
    assert_string_equal(to_hex(enc.sbuf.data, enc.sbuf.size), hex);
    tfp_enc_clear(&enc);
    msgpack_sbuffer_destroy(&enc.sbuf);
    json_decref(v);
    json_decref(t);
    tfp_dv_clear(&dv);
    free(data);
}

/* --- primitive types --- */

static void test_tfprovider_dynamic__string_golden(void **state)
{
    (void)state;
    assert_encodes("\"hi\"", "\"string\"", 0, "a26869");
    assert_encodes("\"\"", "\"string\"", 0, "a0");
    assert_decodes("a26869", "\"string\"", "\"hi\"");
    /* msgpack-c gives an empty string a NULL pointer: each form of it must still decode. */
    assert_decodes("a0", "\"string\"", "\"\"");
    assert_decodes("d900", "\"string\"", "\"\"");
    assert_decodes("da0000", "\"string\"", "\"\"");
    /* A string of 32 bytes needs the str8 form. */
    assert_encodes("\"0123456789abcdef0123456789abcdef\"", "\"string\"", 0,
                   "d920"
                   "3031323334353637383961626364656630313233343536373839616263646566");
    assert_decode_fails("2a", "\"string\"", "expected a string");
    assert_encode_fails("1", "\"string\"", 0, "expected a string");
}

static void test_tfprovider_dynamic__number_golden(void **state)
{
    (void)state;
    assert_encodes("42", "\"number\"", 0, "2a");
    assert_encodes("-1", "\"number\"", 0, "ff");
    assert_encodes("300", "\"number\"", 0, "cd012c");
    assert_encodes("-129", "\"number\"", 0, "d1ff7f");
    assert_encodes("1.5", "\"number\"", 0, "cb3ff8000000000000");
    /* A decimal kept as text (beyond int64) stays text, as go-cty accepts. */
    assert_encodes("\"12345678901234567890123\"", "\"number\"", 0,
                   "b73132333435363738393031323334353637383930313233");
    assert_decodes("2a", "\"number\"", "42");
    assert_decodes("d1ff7f", "\"number\"", "-129");
    /* go-cty may send a whole number as a float: it reads back as an integer. */
    assert_decodes("cb4000000000000000", "\"number\"", "2");
    assert_decodes("cb3ff8000000000000", "\"number\"", "1.5");
    assert_decodes("a3313030", "\"number\"", "100");
    assert_decodes("a3312e35", "\"number\"", "1.5");
    /* A whole number in exponent form reads as the integer, as it does from a float. */
    assert_decodes("a3316533", "\"number\"", "1000");
    assert_decodes("a3306539", "\"number\"", "0");
    assert_decode_fails("a3616263", "\"number\"", "expected a number");
    assert_decode_fails("c3", "\"number\"", "expected a number");
    assert_encode_fails("\"abc\"", "\"number\"", 0, "'abc' is not a number");
}

static void test_tfprovider_dynamic__bool_golden(void **state)
{
    (void)state;
    assert_encodes("true", "\"bool\"", 0, "c3");
    assert_encodes("false", "\"bool\"", 0, "c2");
    assert_decodes("c3", "\"bool\"", "true");
    assert_decodes("c2", "\"bool\"", "false");
    assert_decode_fails("01", "\"bool\"", "expected a bool");
    assert_encode_fails("\"true\"", "\"bool\"", 0, "expected a bool");
}

static void test_tfprovider_dynamic__null_of_every_type(void **state)
{
    static const char *const types[] = {
        "\"string\"", "\"number\"", "\"bool\"", "\"dynamic\"", "[\"list\",\"string\"]",
        "[\"set\",\"number\"]", "[\"map\",\"bool\"]", "[\"tuple\",[\"string\"]]",
        "[\"object\",{\"a\":\"string\"}]",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        assert_encodes("null", types[i], 0, "c0");
        assert_decodes("c0", types[i], "null");
    }
}

/* --- unknown values --- */

static void test_tfprovider_dynamic__unknown_golden(void **state)
{
    struct tfp_enc enc;

    (void)state;
    tfp_enc_init(&enc);
    tfp_enc_unknown(&enc);
    assert_string_equal(to_hex(enc.sbuf.data, enc.sbuf.size), "d40000");
    tfp_enc_clear(&enc);
    msgpack_sbuffer_destroy(&enc.sbuf);

    /* A wholly unknown value of any type, DynamicPseudoType included, is the bare extension. */
    assert_decodes("d40000", "\"string\"", "{\"\\u0001unknown\":\"0000\"}");
    assert_decodes("d40000", "\"dynamic\"", "{\"\\u0001unknown\":\"0000\"}");
    assert_round_trip("d40000", "\"number\"");
    assert_round_trip("d40000", "\"dynamic\"");
    assert_round_trip("d40000", "[\"list\",\"string\"]");
}

static void test_tfprovider_dynamic__refined_unknown_round_trips(void **state)
{
    (void)state;
    /* go-cty 1.13+ writes a refined unknown as extension type 12 whose data is a msgpack map
     * of refinements: an empty map (fixext1), then {1: false} (ext8). */
    assert_round_trip("d40c80", "\"string\"");
    assert_round_trip("c7030c8101c2", "\"string\"");
    /* Inside an object and a list the extension is kept byte for byte. */
    assert_round_trip("82a161c7030c8101c2a162c3", "[\"object\",{\"a\":\"string\",\"b\":\"bool\"}]");
    assert_round_trip("92a178d40000", "[\"list\",\"string\"]");
}

static void test_tfprovider_dynamic__unknown_is_detected_inside(void **state)
{
    json_t *v = load("{\"a\":[1,{\"\\u0001unknown\":\"0000\"}]}");
    json_t *known = load("{\"a\":[1,{\"unknown\":\"0000\"}]}");

    (void)state;
    assert_false(tfp_json_is_unknown(v));
    assert_true(tfp_json_has_unknown(v));
    assert_true(tfp_json_is_unknown(json_array_get(json_object_get(v, "a"), 1)));
    assert_false(tfp_json_has_unknown(known));
    json_decref(v);
    json_decref(known);
}

static void test_tfprovider_dynamic__broken_unknown_marker_is_plain_unknown(void **state)
{
    (void)state;
    /* A marker whose hex is odd or not hex is written as the plain unknown value. */
    assert_encodes("{\"\\u0001unknown\":\"0\"}", "\"string\"", 0, "d40000");
    assert_encodes("{\"\\u0001unknown\":\"zz00\"}", "\"string\"", 0, "d40000");
}

/* --- collection and structural types --- */

static void test_tfprovider_dynamic__list_set_tuple_golden(void **state)
{
    (void)state;
    assert_encodes("[\"a\",\"b\"]", "[\"list\",\"string\"]", 0, "92a161a162");
    assert_encodes("[1,2,3]", "[\"set\",\"number\"]", 0, "93010203");
    assert_encodes("[]", "[\"list\",\"string\"]", 0, "90");
    assert_encodes("[\"a\",1,true]", "[\"tuple\",[\"string\",\"number\",\"bool\"]]", 0,
                   "93a16101c3");
    assert_decodes("92a161a162", "[\"list\",\"string\"]", "[\"a\",\"b\"]");
    assert_decodes("93a16101c3", "[\"tuple\",[\"string\",\"number\",\"bool\"]]",
                   "[\"a\",1,true]");
    assert_decode_fails("92a16101", "[\"tuple\",[\"string\"]]", "tuple length differs");
    assert_decode_fails("a161", "[\"list\",\"string\"]", "expected an array");
    assert_decode_fails("92a16101", "[\"list\",\"string\"]", "expected a string");
    assert_encode_fails("[\"a\"]", "[\"tuple\",[\"string\",\"string\"]]", 0,
                        "expected an array of the type's length");
}

static void test_tfprovider_dynamic__map_and_object_golden(void **state)
{
    (void)state;
    assert_encodes("{\"a\":1}", "[\"map\",\"number\"]", 0, "81a16101");
    assert_decodes("81a16101", "[\"map\",\"number\"]", "{\"a\":1}");
    /* An object carries every attribute of its type, absent ones as nil. */
    assert_encodes("{\"a\":\"x\"}", "[\"object\",{\"a\":\"string\",\"b\":\"bool\"}]", 0,
                   "82a161a178a162c0");
    assert_decodes("82a161a178a162c0", "[\"object\",{\"a\":\"string\",\"b\":\"bool\"}]",
                   "{\"a\":\"x\",\"b\":null}");
    assert_decode_fails("81a17a01", "[\"object\",{\"a\":\"string\"}]", "unexpected attribute 'z'");
    /* An empty key is a valid map key, and no attribute name. */
    assert_decodes("81a0a0", "[\"map\",\"string\"]", "{\"\":\"\"}");
    assert_decode_fails("81a0a178", "[\"object\",{\"a\":\"string\"}]", "unexpected attribute ''");
    assert_decode_fails("8101a178", "[\"map\",\"string\"]", "a map key is not a string");
    /* An attribute name has no length limit in cty: 300 bytes (str16) decode as they encode. */
    {
        char name[301], type[400], hex[700];
        size_t at;

        memset(name, 'n', 300);
        name[300] = '\0';
        snprintf(type, sizeof(type), "[\"object\",{\"%s\":\"bool\"}]", name);
        at = (size_t)snprintf(hex, sizeof(hex), "81da012c");
        for (size_t i = 0; i < 300; i++)
            at += (size_t)snprintf(hex + at, sizeof(hex) - at, "6e");
        snprintf(hex + at, sizeof(hex) - at, "c3");
        assert_round_trip(hex, type);
    }
    assert_decode_fails("90", "[\"object\",{\"a\":\"string\"}]", "expected a map");
    assert_encode_fails("[]", "[\"object\",{\"a\":\"string\"}]", 0, "expected an object");
    assert_encode_fails("[]", "[\"map\",\"string\"]", 0, "expected a map");
}

/* --- DynamicPseudoType --- */

static void test_tfprovider_dynamic__dynamic_pair_golden(void **state)
{
    (void)state;
    /* [bin "\"string\"", "x"] */
    assert_encodes("\"x\"", "\"dynamic\"", 0, "92c40822737472696e6722a178");
    /* [bin "[\"object\",{\"k\":\"string\"}]", {"k": "v"}] */
    assert_encodes("{\"k\":\"v\"}", "\"dynamic\"", 0,
                   "92c4195b226f626a656374222c7b226b223a22737472696e67227d5d81a16ba176");
    /* [bin "[\"tuple\",[\"number\",\"bool\"]]", [1, true]] */
    assert_encodes("[1,true]", "\"dynamic\"", 0,
                   "92c41b5b227475706c65222c5b226e756d626572222c22626f6f6c225d5d9201c3");
    assert_decodes("92c4195b226f626a656374222c7b226b223a22737472696e67227d5d81a16ba176",
                   "\"dynamic\"", "{\"k\":\"v\"}");
    /* The type may also arrive as a msgpack string. */
    assert_decodes("92a822737472696e6722a178", "\"dynamic\"", "\"x\"");
    /* A dynamic attribute inside an object: the resource's body. */
    assert_decodes("85a375726ca667726f757073ab6170695f76657273696f6ec0a4626f647992c408"
                   "22737472696e6722a27b7da26964c0a66f7574707574c0",
                   RESOURCE_TYPE,
                   "{\"url\":\"groups\",\"api_version\":null,\"body\":\"{}\",\"id\":null,"
                   "\"output\":null}");
    assert_decode_fails("a178", "\"dynamic\"", "not a [type, value] pair");
    assert_decode_fails("9201a178", "\"dynamic\"", "no readable type");
    assert_decode_fails("92c4037b7b7ba178", "\"dynamic\"", "no readable type");
    /* The pair's value must fit the type it names. */
    assert_decode_fails("92c408226e756d62657222a178", "\"dynamic\"", "expected a number");
}

static void test_tfprovider_dynamic__type_inference(void **state)
{
    static const struct {
        const char *value;
        const char *type;
    } cases[] = {
        {"\"s\"", "\"string\""},
        {"1", "\"number\""},
        {"1.5", "\"number\""},
        {"false", "\"bool\""},
        {"null", "\"dynamic\""},
        {"[]", "[\"tuple\",[]]"},
        {"[\"a\",1]", "[\"tuple\",[\"string\",\"number\"]]"},
        {"{\"a\":{\"b\":[true]}}",
         "[\"object\",{\"a\":[\"object\",{\"b\":[\"tuple\",[\"bool\"]]}]}]"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *v = load(cases[i].value);
        json_t *t = tfp_type_infer(v);
        char *text = json_dumps(t, JSON_COMPACT | JSON_ENCODE_ANY);

        assert_string_equal(text, cases[i].type);
        free(text);
        json_decref(t);
        json_decref(v);
    }
}

/* --- the JSON state form (UpgradeResourceState) --- */

static void test_tfprovider_dynamic__state_form_golden(void **state)
{
    (void)state;
    /* A dynamic value in state is {"value": V, "type": T}. */
    assert_encodes("{\"value\":\"x\",\"type\":\"string\"}", "\"dynamic\"", 1,
                   "92c40822737472696e6722a178");
    assert_encodes("{\"value\":{\"k\":\"v\"},\"type\":[\"object\",{\"k\":\"string\"}]}",
                   "\"dynamic\"", 1,
                   "92c4195b226f626a656374222c7b226b223a22737472696e67227d5d81a16ba176");
    /* A whole stored resource, as tofu 1.6.2 writes its attributes. */
    assert_encodes("{\"api_version\":\"v1.0\",\"body\":{\"value\":{\"displayName\":\"A\"},"
                   "\"type\":[\"object\",{\"displayName\":\"string\"}]},\"id\":\"1\","
                   "\"output\":null,\"url\":\"groups\"}",
                   RESOURCE_TYPE, 1,
                   "85a375726ca667726f757073ab6170695f76657273696f6ea476312e30a4626f6479"
                   "92c4235b226f626a656374222c7b22646973706c61794e616d65223a22737472696e"
                   "67227d5d81ab646973706c61794e616d65a141a26964a131a66f7574707574c0");
    assert_encode_fails("\"x\"", "\"dynamic\"", 1, "lacks its type");
    assert_encode_fails("{\"value\":\"x\"}", "\"dynamic\"", 1, "lacks its type");
    assert_encode_fails("{\"value\":\"x\",\"type\":\"number\"}", "\"dynamic\"", 1,
                        "'x' is not a number");
}

/* --- decoding limits and helpers --- */

static void test_tfprovider_dynamic__decode_rejects_partial_input(void **state)
{
    struct tfp_dv dv;
    static const uint8_t two_values[] = {0xa1, 0x61, 0xc0};
    static const uint8_t truncated[] = {0x92, 0xa1};

    (void)state;
    assert_int_equal(tfp_dv_decode(&dv, two_values, sizeof(two_values)), -1);
    tfp_dv_clear(&dv);
    assert_int_equal(tfp_dv_decode(&dv, truncated, sizeof(truncated)), -1);
    tfp_dv_clear(&dv);
    assert_int_equal(tfp_dv_decode(&dv, NULL, 0), 0);
    assert_null(dv.root);
    assert_true(tfp_mp_is_null(dv.root));
    tfp_dv_clear(&dv);
}

/* @p depth nested one-element lists around nil, as msgpack hex and as the matching type. */
static void nested_lists(char *hex, char *type, size_t type_size, size_t depth)
{
    size_t at = 0;

    for (size_t i = 0; i < depth; i++)
        memcpy(hex + 2 * i, "91", 2);
    memcpy(hex + 2 * depth, "c0", 3);
    for (size_t i = 0; i < depth; i++)
        at += (size_t)snprintf(type + at, type_size - at, "[\"list\",");
    at += (size_t)snprintf(type + at, type_size - at, "\"string\"");
    for (size_t i = 0; i < depth; i++)
        at += (size_t)snprintf(type + at, type_size - at, "]");
    assert_true(at < type_size);
}

static void test_tfprovider_dynamic__impossible_counts_rejected(void **state)
{
    static const char *const cases[] = {
        "dd90889194c0",       /* array32 announcing 2425918868 items, one byte follows */
        "df7fffffffc0c0",     /* map32 announcing 2^31 - 1 pairs */
        "dc0003c0c0",         /* array16 of 3 with two items */
        "92c0",               /* fixarray of 2 with one item */
        "83a161c0a162c0",     /* fixmap of 3 pairs with two */
        "c6ffffffff00",       /* bin32 longer than the input */
        "dbffffffff61",       /* str32 longer than the input */
        "c9ffffffff0000",     /* ext32 longer than the input */
        "c1",                 /* the one unused type byte */
        "cd01",               /* uint16 cut short */
    };
    struct tfp_dv dv;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len;
        uint8_t *data = from_hex(cases[i], &len);

        if (tfp_dv_decode(&dv, data, len) != -1)
            fail_msg("'%s' was accepted", cases[i]);
        tfp_dv_clear(&dv);
        free(data);
    }
    /* Every form at its exact length passes. */
    {
        size_t len;
        uint8_t *data = from_hex("dc0013c0c3c2cc01cd0001ce00000001cf0000000000000001d001d10001"
                                 "d200000001d30000000000000001ca3f800000d40000d50c0000d8000000"
                                 "0000000000000000000000000000c40101d90161c70100ffc5000101",
                                 &len);

        assert_int_equal(tfp_dv_decode(&dv, data, len), 0);
        assert_int_equal(dv.root->via.array.size, 19);
        tfp_dv_clear(&dv);
        free(data);
    }
}

static void test_tfprovider_dynamic__depth_limit(void **state)
{
    /* msgpack-c's unpacker takes at most MSGPACK_EMBED_STACK_SIZE nested containers, so a
     * deeper DynamicValue is rejected before it is converted. */
    enum { DEEPEST = 2 * M365ID_JSON_DEPTH_MAX + 1 };
    char hex[2 * DEEPEST + 3];
    char type[16 * DEEPEST + 16];
    char why[128] = "";
    struct tfp_enc enc;
    json_t *v;
    json_t *t;
    struct tfp_dv dv;
    uint8_t *data;
    size_t len;
    char *text;

    (void)state;
    nested_lists(hex, type, sizeof(type), MSGPACK_EMBED_STACK_SIZE);
    text = decode(hex, type, why, sizeof(why));
    assert_non_null(text);
    free(text);

    nested_lists(hex, type, sizeof(type), MSGPACK_EMBED_STACK_SIZE + 1);
    data = from_hex(hex, &len);
    assert_int_equal(tfp_dv_decode(&dv, data, len), -1);
    tfp_dv_clear(&dv);
    free(data);

    /* JSON state reaches the encoder without that limit; it stops at twice the JSON depth
     * limit. */
    nested_lists(hex, type, sizeof(type), DEEPEST);
    t = load(type);
    v = json_null();
    for (size_t i = 0; i < DEEPEST; i++)
        v = json_pack("[o]", v);
    assert_non_null(v);
    tfp_enc_init(&enc);
    assert_int_equal(tfp_enc_json(&enc, v, t, 1, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "nested too deeply"));
    tfp_enc_clear(&enc);
    msgpack_sbuffer_destroy(&enc.sbuf);
    json_decref(v);
    json_decref(t);
}

static void test_tfprovider_dynamic__msgpack_helpers(void **state)
{
    struct tfp_dv dv;
    size_t len;
    /* {"url": "groups", "all_pages": true, "n": nil} */
    uint8_t *data = from_hex("83a375726ca667726f757073a9616c6c5f7061676573c3a16ec0", &len);
    char *url;

    (void)state;
    assert_int_equal(tfp_dv_decode(&dv, data, len), 0);
    url = tfp_mp_strdup(tfp_mp_attr(dv.root, "url"));
    assert_string_equal(url, "groups");
    free(url);
    assert_true(tfp_mp_is_true(tfp_mp_attr(dv.root, "all_pages")));
    assert_true(tfp_mp_is_null(tfp_mp_attr(dv.root, "n")));
    assert_null(tfp_mp_attr(dv.root, "missing"));
    assert_null(tfp_mp_strdup(tfp_mp_attr(dv.root, "all_pages")));
    assert_false(tfp_mp_is_unknown(tfp_mp_attr(dv.root, "url")));
    assert_null(tfp_mp_attr(tfp_mp_attr(dv.root, "url"), "x"));
    tfp_dv_clear(&dv);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tfprovider_dynamic__string_golden),
        cmocka_unit_test(test_tfprovider_dynamic__number_golden),
        cmocka_unit_test(test_tfprovider_dynamic__bool_golden),
        cmocka_unit_test(test_tfprovider_dynamic__null_of_every_type),
        cmocka_unit_test(test_tfprovider_dynamic__unknown_golden),
        cmocka_unit_test(test_tfprovider_dynamic__refined_unknown_round_trips),
        cmocka_unit_test(test_tfprovider_dynamic__unknown_is_detected_inside),
        cmocka_unit_test(test_tfprovider_dynamic__broken_unknown_marker_is_plain_unknown),
        cmocka_unit_test(test_tfprovider_dynamic__list_set_tuple_golden),
        cmocka_unit_test(test_tfprovider_dynamic__map_and_object_golden),
        cmocka_unit_test(test_tfprovider_dynamic__dynamic_pair_golden),
        cmocka_unit_test(test_tfprovider_dynamic__type_inference),
        cmocka_unit_test(test_tfprovider_dynamic__state_form_golden),
        cmocka_unit_test(test_tfprovider_dynamic__decode_rejects_partial_input),
        cmocka_unit_test(test_tfprovider_dynamic__impossible_counts_rejected),
        cmocka_unit_test(test_tfprovider_dynamic__depth_limit),
        cmocka_unit_test(test_tfprovider_dynamic__msgpack_helpers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
