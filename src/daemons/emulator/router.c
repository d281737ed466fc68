/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Top-level routing: the control API, cluster issuers, and per-cloud Entra and Graph routes
 * ("public" at the root, the others under /clouds/<name>). Also the shared state's lifetime.
 */
#include <stdlib.h>
#include <string.h>

#include "emu.h"
#include "issuer.h"
#include "m365id/error.h"
#include "oidc_fetch.h"
#include "util/quote.h"
#include "util/secret.h"

int emu_init(struct emu *e)
{
    int rc;

    emu_stats_init(&e->stats);
    if ((rc = m365id__rsa_generate(&e->entra_key, 2048)) < 0 ||
        (rc = m365id__rsa_kid(&e->entra_kid, e->entra_key)) < 0 ||
        (rc = m365id__rsa_public_jwk(&e->entra_n, &e->entra_e, e->entra_key)) < 0 ||
        (rc = emu_oidc_cache_new(&e->oidc)) < 0)
        return rc;
    return 0;
}

void emu_clear(struct emu *e)
{
    emu_issuer_free(e->issuer);
    emu_oidc_cache_free(e->oidc);
    emu_scenario_free(e->scn);
    m365id__rsa_free(e->entra_key);
    free(e->entra_kid);
    free(e->entra_n);
    free(e->entra_e);
    free(e->state_dir);
    free(e->ca_file);
    emu_stats_clear(&e->stats);
    memset(e, 0, sizeof(*e));
}

/* A decoded NUL cuts the path short, so the request is rejected rather than routed. Graph
 * routes reject it in Graph's error shape instead (graph.c). */
static void reject_nul_url(struct httpd_reply *reply)
{
    emu_reply_plain_error(reply, 400, "BadRequest",
                          "the request URL contains an encoded NUL byte (%%00) in its path or "
                          "query; remove it");
}

void emu_handle(struct httpd_reply *reply, const struct httpd_request *req, void *payload)
{
    struct emu *e = payload;
    const struct emu_cloud *cloud = &emu_clouds[0];
    const char *rest = req->path;
    struct m365id__quoted q;

    if (!__atomic_load_n(&e->ready, __ATOMIC_ACQUIRE)) {
        emu_reply_plain_error(reply, 503, "Starting", "the emulator is still starting");
        return;
    }
    if (strncmp(rest, "/_emulator/", 11) == 0) {
        if (req->url_has_nul)
            reject_nul_url(reply);
        else
            emu_admin_handle(reply, req, e, rest + 10);
        return;
    }
    if (strncmp(rest, "/clusters/", 10) == 0) {
        if (req->url_has_nul)
            reject_nul_url(reply);
        else
            emu_issuer_handle(reply, req, e, rest + 10);
        return;
    }
    if (strncmp(rest, "/clouds/", 8) == 0) {
        const char *name = rest + 8;
        size_t n = strcspn(name, "/");

        cloud = emu_cloud_find_len(name, n);
        if (cloud == NULL || cloud == &emu_clouds[0] || name[n] != '/') {
            if (req->url_has_nul) {
                reject_nul_url(reply);
                return;
            }
            m365id__quote_len(&q, name, n);
            emu_reply_plain_error(reply, 404, "NotFound",
                                  "unknown cloud '%s'; use usgov, china, usnat or ussec", q.text);
            return;
        }
        rest = name + n;
    }
    if (strncmp(rest, "/v1.0/", 6) == 0 || strncmp(rest, "/beta/", 6) == 0) {
        emu_graph_handle(reply, req, e, cloud, rest);
        return;
    }
    if (req->url_has_nul) {
        reject_nul_url(reply);
        return;
    }
    emu_entra_handle(reply, req, e, cloud, rest);
}
