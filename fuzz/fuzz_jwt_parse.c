/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * libFuzzer target: m365id__jwt_parse() on arbitrary bytes, then the readers callers use on
 * a parsed token (fault text, audiences, verification against a fixed key).
 */
#include <stddef.h>
#include <stdint.h>

#include "util/jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    enum m365id__jwt_fault fault = M365ID__JWT_OK;
    const char *aud[4];

    if (m365id__jwt_parse(&jwt, (const char *)data, size, &fault) == 0) {
        (void)m365id__jwt_audiences(aud, 4, jwt.payload);
        /* A NULL key must be rejected, never dereferenced. */
        (void)m365id__jwt_verify_rs256(&jwt, (const char *)data, NULL);
    }
    (void)m365id__jwt_fault_text(fault);
    m365id__jwt_clear(&jwt);
    return 0;
}
