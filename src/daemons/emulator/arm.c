/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The smallest part of Azure Resource Manager that a sign-in needs: the Azure CLI lists the
 * subscriptions of the tenant right after it gets a token. The emulator has no subscriptions, so
 * the list is empty and `az login --allow-no-subscriptions` records a tenant-level account.
 */
#include <string.h>

#include "emu.h"
#include "graph.h"
#include "util/quote.h"

void emu_arm_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                    const struct emu_cloud *cloud, const char *rest)
{
    struct graph_call g = {reply, req, e, cloud, "arm"};
    const struct emu_tenant *tenant = NULL;
    json_t *claims = NULL;
    struct m365id__quoted q;

    if (strcmp(rest, "/subscriptions") != 0) {
        m365id__quote(&q, rest);
        emu_reply_plain_error(reply, 404, "NotFound",
                              "no Resource Manager route at '%s'; the emulator serves only "
                              "GET /subscriptions", q.text);
        return;
    }
    if (strcmp(req->method, "GET") != 0) {
        m365id__quote(&q, req->method);
        emu_reply_plain_error(reply, 405, "MethodNotAllowed",
                              "this route supports GET only, not '%s'", q.text);
        httpd_reply_add_header(reply, "Allow", "GET");
        return;
    }
    if (httpd_query(req, "api-version") == NULL) {
        emu_reply_plain_error(reply, 400, "MissingApiVersionParameter",
                              "The api-version query parameter (?api-version=) is required for "
                              "all requests.");
        return;
    }

    /* NOTE: the token is checked as Graph checks it, and a rejected one gets Graph's error
     * body, which carries Resource Manager's {"error":{"code","message"}} members and more. */
    if (emu_graph_authenticate(&g, &claims, &tenant) < 0)
        return;
    json_decref(claims);
    emu_reply_json(reply, 200, json_pack("{s:[]}", "value"));
    httpd_reply_outcome(reply, "subscriptions (none)");
}
