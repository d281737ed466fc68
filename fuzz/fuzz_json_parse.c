/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * libFuzzer target: m365id__json_parse() on arbitrary bytes, then every checked getter on the
 * member names that token replies and JWKS documents use.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {"access_token", "expires_in", "error", "error_codes",
                                       "keys", "n", "e", "kid", ""};
    json_t *root = NULL;
    char why[160];
    size_t i;

    if (m365id__json_parse(&root, (const char *)data, size, why, sizeof(why)) != 0)
        return 0;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *s;
        long long v;
        json_t *child;

        (void)m365id__json_get_str(&s, root, keys[i]);
        (void)m365id__json_get_int(&v, root, keys[i]);
        (void)m365id__json_get_int_lenient(&v, root, keys[i]);
        (void)m365id__json_get_array(&child, root, keys[i]);
        (void)m365id__json_get_object(&child, root, keys[i]);
    }
    free(m365id__json_dump(root));
    json_decref(root);
    return 0;
}
