/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * libFuzzer target: the Terraform provider's cty value codec. The first byte picks the input
 * form. Even: a tfplugin6 DynamicValue in msgpack, converted under the provider's types and
 * encoded again. Odd: stored JSON state, as UpgradeResourceState converts it to msgpack.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tfprovider/dynamic.h"

/* The object types of the resource and the data source, as src/tfprovider/schema.c declares
 * them, and the bare dynamic type of body, output and response. */
static const char *const type_texts[] = {
    "[\"object\",{\"url\":\"string\",\"api_version\":\"string\",\"body\":\"dynamic\","
    "\"id\":\"string\",\"output\":\"dynamic\"}]",
    "[\"object\",{\"url\":\"string\",\"api_version\":\"string\","
    "\"query_parameters\":[\"map\",\"string\"],\"all_pages\":\"bool\","
    "\"response\":\"dynamic\",\"response_json\":\"string\"}]",
    "\"dynamic\"",
};

#define TYPE_COUNT (sizeof(type_texts) / sizeof(type_texts[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *types[TYPE_COUNT];

static void load_types(void)
{
    for (size_t i = 0; i < TYPE_COUNT; i++) {
        types[i] = json_loads(type_texts[i], JSON_DECODE_ANY, NULL);
        if (types[i] == NULL)
            abort();
    }
}

/*
 * What the provider wrote (@p first, decoded as @p root) must read back under @p type and
 * encode again to the same bytes. The first conversion may change a value (an attribute left
 * out becomes null); after it, nothing may change.
 */
static void check_stable(const struct tfp_enc *first, const msgpack_object *root,
                         const json_t *type)
{
    struct tfp_enc enc;
    char why[200];
    json_t *reread = tfp_mp_to_json(root, type, why, sizeof(why));

    if (reread == NULL)
        abort();
    tfp_enc_init(&enc);
    if (tfp_enc_json(&enc, reread, type, 0, why, sizeof(why)) != 0 ||
        enc.sbuf.size != first->sbuf.size ||
        memcmp(enc.sbuf.data, first->sbuf.data, enc.sbuf.size) != 0)
        abort();
    tfp_enc_clear(&enc);
    json_decref(reread);
}

/* Decode a DynamicValue under each type; what converts must encode again into bytes that
 * decode as one msgpack value and, when it contains no unknown value, stay the same from then on. */
static void fuzz_msgpack(const uint8_t *data, size_t size)
{
    struct tfp_dv dv;
    char why[200];

    if (tfp_dv_decode(&dv, data, size) != 0 || dv.root == NULL) {
        tfp_dv_clear(&dv);
        return;
    }
    (void)tfp_mp_is_unknown(dv.root);
    free(tfp_mp_strdup(tfp_mp_attr(dv.root, "url")));
    (void)tfp_mp_is_true(tfp_mp_attr(dv.root, "all_pages"));

    for (size_t i = 0; i < TYPE_COUNT; i++) {
        struct tfp_enc enc;
        struct tfp_dv again;
        json_t *v = tfp_mp_to_json(dv.root, types[i], why, sizeof(why));

        if (v == NULL)
            continue;
        (void)tfp_json_has_unknown(v);
        tfp_enc_init(&enc);
        if (tfp_enc_json(&enc, v, types[i], 0, why, sizeof(why)) == 0) {
            if (tfp_dv_decode(&again, (const uint8_t *)enc.sbuf.data, enc.sbuf.size) != 0)
                abort(); /* the encoder wrote something that is not one msgpack value */
            if (!tfp_json_has_unknown(v))
                check_stable(&enc, again.root, types[i]);
            tfp_dv_clear(&again);
        }
        tfp_enc_clear(&enc);
        msgpack_sbuffer_destroy(&enc.sbuf);
        json_decref(v);
    }
    tfp_dv_clear(&dv);
}

/* Convert stored JSON state to msgpack of the resource type, then read that back. */
static void fuzz_state(const uint8_t *data, size_t size)
{
    struct tfp_enc enc;
    struct tfp_dv dv;
    json_t *state = json_loadb((const char *)data, size, 0, NULL);
    char why[200];

    if (state == NULL)
        return;
    tfp_enc_init(&enc);
    if (tfp_enc_json(&enc, state, types[0], 1, why, sizeof(why)) == 0) {
        /* Decoding may fail here: JSON nests deeper than msgpack-c unpacks. What decodes must
         * convert under the type it was written for. */
        if (tfp_dv_decode(&dv, (const uint8_t *)enc.sbuf.data, enc.sbuf.size) == 0) {
            json_t *reread = tfp_mp_to_json(dv.root, types[0], why, sizeof(why));

            if (reread == NULL)
                abort();
            json_decref(reread);
        }
        tfp_dv_clear(&dv);
    }
    tfp_enc_clear(&enc);
    msgpack_sbuffer_destroy(&enc.sbuf);
    json_decref(state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (types[0] == NULL)
        load_types();
    if (size == 0)
        return 0;
    if (data[0] % 2 == 0)
        fuzz_msgpack(data + 1, size - 1);
    else
        fuzz_state(data + 1, size - 1);
    return 0;
}
