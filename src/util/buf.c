/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Growable byte buffers with a hard maximum. Secret buffers never use realloc(), so no copy
 * of their contents is left behind in freed memory.
 */
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "m365id/error.h"
#include "util/secret.h"

/* Make room for @p extra more bytes plus the NUL; the caller has checked extra against max. */
static int buf_reserve(struct m365id__buf *buf, size_t extra)
{
    size_t need = buf->len + extra + 1;
    size_t cap;
    char *p;

    if (need <= buf->cap)
        return 0;

    /* Double, but never past max + 1: the cap is the largest allocation ever needed. */
    cap = buf->cap < 64 ? 64 : buf->cap;
    while (cap < need) {
        if (cap > ((size_t)-1) / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    if (buf->max < ((size_t)-1) && cap > buf->max + 1)
        cap = buf->max + 1;
    if (cap < need)
        cap = need;

    if (buf->secret) {
        p = malloc(cap);
        if (p == NULL)
            return M365ID_ENOMEM;
        if (buf->ptr != NULL) {
            memcpy(p, buf->ptr, buf->len + 1);
            m365id__wipe(buf->ptr, buf->cap);
            free(buf->ptr);
        }
    } else {
        p = realloc(buf->ptr, cap);
        if (p == NULL)
            return M365ID_ENOMEM;
    }
    if (buf->ptr == NULL)
        p[0] = '\0';
    buf->ptr = p;
    buf->cap = cap;
    return 0;
}

int m365id__buf_put(struct m365id__buf *buf, const void *data, size_t len)
{
    int rc;

    if (len > buf->max || buf->len > buf->max - len)
        return M365ID_ETOOBIG;
    if ((rc = buf_reserve(buf, len)) < 0)
        return rc;
    if (len > 0)
        memcpy(buf->ptr + buf->len, data, len);
    buf->len += len;
    buf->ptr[buf->len] = '\0';
    return 0;
}

int m365id__buf_puts(struct m365id__buf *buf, const char *s)
{
    return m365id__buf_put(buf, s, strlen(s));
}

int m365id__buf_vprintf(struct m365id__buf *buf, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    int rc;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return M365ID_EINVAL;
    if ((size_t)n > buf->max || buf->len > buf->max - (size_t)n)
        return M365ID_ETOOBIG;
    if ((rc = buf_reserve(buf, (size_t)n)) < 0)
        return rc;

    va_copy(ap2, ap);
    vsnprintf(buf->ptr + buf->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    buf->len += (size_t)n;
    return 0;
}

int m365id__buf_printf(struct m365id__buf *buf, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = m365id__buf_vprintf(buf, fmt, ap);
    va_end(ap);
    return rc;
}

int m365id__buf_put_urlencoded(struct m365id__buf *buf, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p;
    char esc[3];
    int rc;

    for (p = (const unsigned char *)s; *p != '\0'; p++) {
        unsigned char c = *p;

        /* RFC 3986 section 2.3 unreserved characters pass unchanged; everything else,
         * including space, is percent-encoded, which form decoders accept. */
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            rc = m365id__buf_put(buf, p, 1);
        } else {
            esc[0] = '%';
            esc[1] = hex[c >> 4];
            esc[2] = hex[c & 0x0f];
            rc = m365id__buf_put(buf, esc, sizeof(esc));
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

const char *m365id__buf_cstr(const struct m365id__buf *buf)
{
    return buf->ptr != NULL ? buf->ptr : "";
}

char *m365id__buf_detach(struct m365id__buf *buf)
{
    char *p = buf->ptr;

    /* An empty buffer still yields a string, so NULL always means out of memory. */
    if (p == NULL)
        p = calloc(1, 1);
    buf->ptr = NULL;
    buf->len = 0;
    buf->cap = 0;
    return p;
}

void m365id__buf_clear(struct m365id__buf *buf)
{
    if (buf->ptr != NULL && buf->secret)
        m365id__wipe(buf->ptr, buf->cap);
    free(buf->ptr);
    buf->ptr = NULL;
    buf->len = 0;
    buf->cap = 0;
}
