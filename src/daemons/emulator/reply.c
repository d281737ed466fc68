/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * JSON reply helpers shared by the route families.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu.h"
#include "util/json.h"

void emu_reply_json(struct httpd_reply *reply, int status, json_t *doc)
{
    char *text = doc != NULL ? m365id__json_dump(doc) : NULL;

    json_decref(doc);
    if (text == NULL) {
        httpd_reply_set(reply, 500, "application/json", "{\"error\":\"out_of_memory\"}", 25);
        return;
    }
    httpd_reply_take(reply, status, "application/json; charset=utf-8", text, strlen(text));
}

void emu_reply_plain_error(struct httpd_reply *reply, int status, const char *code,
                           const char *fmt, ...)
{
    char message[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    emu_reply_json(reply, status,
                   json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message));
    httpd_reply_outcome(reply, "%s", code);
}

json_t *emu_url(const struct emu *e, const struct emu_cloud *cloud, const char *suffix)
{
    char url[1024];

    snprintf(url, sizeof(url), "%s%s%s", e->base_url, cloud != NULL ? cloud->prefix : "", suffix);
    return json_string(url);
}
