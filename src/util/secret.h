/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Secret byte strings: wiped before free, compared in constant time, never printed.
 */
#ifndef M365ID_UTIL_SECRET_H
#define M365ID_UTIL_SECRET_H

#include <stddef.h>

struct m365id__secret {
    char *data; /* NUL-terminated for convenience; len excludes the NUL */
    size_t len;
};

/** Copy @p len bytes into a new secret. Returns 0 or M365ID_ENOMEM; *out is NULL on error. */
int m365id__secret_new(struct m365id__secret **out, const void *data, size_t len);

/** Wipe and free; NULL is a no-op. */
void m365id__secret_free(struct m365id__secret *secret);

/** Wipe @p len bytes at @p p in a way the compiler cannot remove. */
void m365id__wipe(void *p, size_t len);

/** Wipe a NUL-terminated string and free it; NULL is a no-op. */
void m365id__free_secret_str(char *s);

/** Constant-time comparison of equal-length buffers; 0 when equal. */
int m365id__memcmp_const(const void *a, const void *b, size_t len);

#endif /* M365ID_UTIL_SECRET_H */
