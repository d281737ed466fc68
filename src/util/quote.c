/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Quoting of external strings for messages and logs. The output is printable ASCII only, so a
 * quoted value can neither start a new log line nor act as a format string.
 */
#include "util/quote.h"

#include <string.h>

void m365id__quote(struct m365id__quoted *q, const char *s)
{
    if (s == NULL) {
        memcpy(q->text, "(null)", sizeof("(null)"));
        return;
    }
    /* strnlen stops early: only the first M365ID_QUOTE_MAX + 1 bytes matter. */
    m365id__quote_len(q, s, strnlen(s, M365ID_QUOTE_MAX + 1));
}

void m365id__quote_len(struct m365id__quoted *q, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = len > M365ID_QUOTE_MAX ? M365ID_QUOTE_MAX : len;
    size_t o = 0;
    size_t i;

    if (s == NULL) {
        memcpy(q->text, "(null)", sizeof("(null)"));
        return;
    }

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char e = 0;

        switch (c) {
        case '\n': e = 'n'; break;
        case '\r': e = 'r'; break;
        case '\t': e = 't'; break;
        case '\\': e = '\\'; break;
        default: break;
        }
        if (e != 0) {
            q->text[o++] = '\\';
            q->text[o++] = e;
        } else if (c < 0x20 || c >= 0x7f) {
            q->text[o++] = '\\';
            q->text[o++] = 'x';
            q->text[o++] = hex[c >> 4];
            q->text[o++] = hex[c & 0x0f];
        } else {
            q->text[o++] = (char)c;
        }
    }
    if (len > M365ID_QUOTE_MAX) {
        memcpy(q->text + o, "...", 3);
        o += 3;
    }
    q->text[o] = '\0';
}
