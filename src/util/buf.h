/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Growable byte buffers with a hard maximum fixed at init, always NUL-terminated.
 */
#ifndef M365ID_UTIL_BUF_H
#define M365ID_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct m365id__buf {
    char *ptr;   /* NUL-terminated contents, or NULL while empty */
    size_t len;  /* bytes used, excluding the NUL */
    size_t cap;  /* bytes allocated */
    size_t max;  /* largest len allowed */
    int secret;  /* nonzero: contents are wiped on growth and clear */
};

#define M365ID__BUF_INIT(max_len) {NULL, 0, 0, (max_len), 0}
#define M365ID__SECRET_BUF_INIT(max_len) {NULL, 0, 0, (max_len), 1}

/** Append @p len bytes. Returns 0, M365ID_ETOOBIG past max, or M365ID_ENOMEM. */
int m365id__buf_put(struct m365id__buf *buf, const void *data, size_t len);

/** Append a NUL-terminated string. */
int m365id__buf_puts(struct m365id__buf *buf, const char *s);

/** Append formatted text. */
int m365id__buf_printf(struct m365id__buf *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int m365id__buf_vprintf(struct m365id__buf *buf, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/** Append @p s percent-encoded for application/x-www-form-urlencoded (RFC 3986 unreserved kept). */
int m365id__buf_put_urlencoded(struct m365id__buf *buf, const char *s);

/** The contents as a string; "" while empty. Borrowed. */
const char *m365id__buf_cstr(const struct m365id__buf *buf);

/** Take the allocation (free() it; wipe first if secret); the buffer is left empty. */
char *m365id__buf_detach(struct m365id__buf *buf);

/** Free the contents (wiping them if secret) and reset to empty, keeping max. */
void m365id__buf_clear(struct m365id__buf *buf);

#endif /* M365ID_UTIL_BUF_H */
