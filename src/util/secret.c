/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Secret byte strings on the heap. OpenSSL supplies the wipe and the constant-time compare
 * because the compiler may not optimise its calls away.
 */
#include "util/secret.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "m365id/error.h"

int m365id__secret_new(struct m365id__secret **out, const void *data, size_t len)
{
    struct m365id__secret *s = NULL;

    *out = NULL;
    if (len == (size_t)-1)
        return M365ID_ENOMEM;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return M365ID_ENOMEM;
    s->data = malloc(len + 1);
    if (s->data == NULL) {
        free(s);
        return M365ID_ENOMEM;
    }
    if (len > 0)
        memcpy(s->data, data, len);
    s->data[len] = '\0';
    s->len = len;
    *out = s;
    return 0;
}

void m365id__secret_free(struct m365id__secret *secret)
{
    if (secret == NULL)
        return;
    if (secret->data != NULL) {
        OPENSSL_cleanse(secret->data, secret->len + 1);
        free(secret->data);
    }
    OPENSSL_cleanse(secret, sizeof(*secret));
    free(secret);
}

void m365id__wipe(void *p, size_t len)
{
    if (p != NULL && len > 0)
        OPENSSL_cleanse(p, len);
}

void m365id__free_secret_str(char *s)
{
    if (s == NULL)
        return;
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}

int m365id__memcmp_const(const void *a, const void *b, size_t len)
{
    if (len == 0)
        return 0;
    return CRYPTO_memcmp(a, b, len) == 0 ? 0 : 1;
}
