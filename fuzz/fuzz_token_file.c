/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * libFuzzer target: the federated token file checks (whitespace, JWT shape, exp, nbf, aud) on
 * arbitrary file content. Each input is written to one temporary file, which the library then
 * reads by path as it does in a pod, so the file reading itself is covered too.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_ctx.h"
#include "fuzz_file.h"
#include "lib/cred/token_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char path[128];

static void remove_token_file(void)
{
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static m365id_ctx *ctx;
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    const char *aud[4];

    if (ctx == NULL) {
        snprintf(dir, sizeof(dir), "/tmp/m365id-fuzz-XXXXXX");
        if (mkdtemp(dir) == NULL)
            abort();
        snprintf(path, sizeof(path), "%s/azure-identity-token", dir);
        atexit(remove_token_file);
        if ((ctx = fuzz_ctx_new(path)) == NULL)
            abort();
    }

    if (fuzz_file_write(path, data, size) < 0)
        abort();

    if (m365id__token_file_read(&a, ctx) == 0) {
        /* A token that passed the checks is non-empty and has claims to log. */
        if (a.jwt == NULL || a.jwt->len == 0 || a.claims == NULL)
            abort();
        (void)m365id__assertion_claim(&a, "iss");
        (void)m365id__assertion_claim(&a, "sub");
        (void)m365id__assertion_audiences(&a, aud, sizeof(aud) / sizeof(aud[0]));
    }
    m365id__assertion_clear(&a);
    return 0;
}
