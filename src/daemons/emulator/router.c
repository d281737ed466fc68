/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Top-level routing: the control API, cluster and CI issuers, managed-identity endpoints, and
 * per-cloud Entra and Graph routes ("public" at the root, the others under /clouds/<name>),
 * with fault rules applied around them. Also the shared state's lifetime.
 */
#include <stdlib.h>
#include <string.h>

#include "ci.h"
#include "device.h"
#include "directory.h"
#include "emu.h"
#include "issuer.h"
#include "kube.h"
#include "m365id/error.h"
#include "oidc_fetch.h"
#include "util/quote.h"
#include "util/secret.h"

int emu_init(struct emu *e)
{
    int rc;

    emu_stats_init(&e->stats);
    emu_faults_init(&e->faults);
    if ((rc = m365id__rsa_generate(&e->entra_key, 2048)) < 0 ||
        (rc = m365id__rsa_kid(&e->entra_kid, e->entra_key)) < 0 ||
        (rc = m365id__rsa_public_jwk(&e->entra_n, &e->entra_e, e->entra_key)) < 0 ||
        (rc = emu_oidc_cache_new(&e->oidc)) < 0 ||
        (rc = emu_device_table_new(&e->devices)) < 0 ||
        (rc = emu_kube_store_new(&e->kube)) < 0)
        return rc;
    return 0;
}

void emu_clear(struct emu *e)
{
    emu_issuer_free(e->issuer);
    emu_ci_free(e->ci);
    emu_faults_destroy(&e->faults);
    emu_oidc_cache_free(e->oidc);
    emu_device_table_free(e->devices);
    emu_directory_free(e->directory);
    emu_kube_store_free(e->kube);
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

static void route(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e)
{
    const struct emu_cloud *cloud = &emu_clouds[0];
    const char *rest = req->path;
    struct m365id__quoted q;

    if (strncmp(rest, "/_emulator/", 11) == 0) {
        if (req->url_has_nul)
            reject_nul_url(reply);
        else if (strncmp(rest, "/_emulator/kubernetes/", 22) == 0)
            emu_kube_admin(reply, req, e, rest + 22);
        else
            emu_admin_handle(reply, req, e, rest + 10);
        return;
    }
    /* The emulated kube-apiserver (kube.c): API groups and its service-account issuer. */
    if (strncmp(rest, "/api/", 5) == 0 || strncmp(rest, "/apis/", 6) == 0 ||
        strcmp(rest, "/.well-known/openid-configuration") == 0 ||
        strcmp(rest, "/openid/v1/jwks") == 0) {
        if (req->url_has_nul)
            reject_nul_url(reply);
        else
            emu_kube_handle(reply, req, e);
        return;
    }
    if (strncmp(rest, "/clusters/", 10) == 0) {
        if (req->url_has_nul)
            reject_nul_url(reply);
        else
            emu_issuer_handle(reply, req, e, rest + 10);
        return;
    }
    if (strncmp(rest, "/_msi/", 6) == 0) {
        emu_msi_handle(reply, req, e, rest + 5);
        return;
    }
    if (strncmp(rest, "/ci/", 4) == 0) {
        if (req->url_has_nul)
            reject_nul_url(reply);
        else
            emu_ci_handle(reply, req, e, rest + 4);
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
    if (strcmp(rest, "/subscriptions") == 0 || strncmp(rest, "/subscriptions/", 15) == 0) {
        emu_arm_handle(reply, req, e, cloud, rest);
        return;
    }
    emu_entra_handle(reply, req, e, cloud, rest);
}

/* Run @p handler for a request of fault family @p family (-1: none), applying a fault rule
 * that targets it. */
static void handle_with_faults(struct httpd_reply *reply, const struct httpd_request *req,
                               struct emu *e, int family,
                               void (*handler)(struct httpd_reply *, const struct httpd_request *,
                                               struct emu *))
{
    struct emu_fault rule;

    if (family == EMU_FAULT_TOKEN || family == EMU_FAULT_MSI)
        emu_stats_arrival(&e->stats, family == EMU_FAULT_MSI);
    if (family < 0 || !emu_faults_take(&e->faults, (enum emu_fault_endpoint)family, &rule)) {
        handler(reply, req, e);
        return;
    }
    if (emu_fault_before(reply, req, e, &rule))
        return;
    handler(reply, req, e);
    emu_fault_after(reply, &rule);
}

void emu_handle(struct httpd_reply *reply, const struct httpd_request *req, void *payload)
{
    struct emu *e = payload;

    if (!__atomic_load_n(&e->ready, __ATOMIC_ACQUIRE)) {
        emu_reply_plain_error(reply, 503, "Starting", "the emulator is still starting");
        return;
    }
    handle_with_faults(reply, req, e, emu_fault_classify(req->path), route);
}

static void route_msi_http(struct httpd_reply *reply, const struct httpd_request *req,
                           struct emu *e)
{
    const char *rest = req->path;

    if (strncmp(rest, "/_msi/", 6) == 0)
        rest += 5;
    emu_msi_handle(reply, req, e, rest);
}

void emu_handle_msi_http(struct httpd_reply *reply, const struct httpd_request *req, void *payload)
{
    struct emu *e = payload;

    if (!__atomic_load_n(&e->ready, __ATOMIC_ACQUIRE)) {
        emu_reply_json(reply, 503,
                       json_pack("{s:s,s:s}", "error", "unavailable", "error_description",
                                 "the emulator is still starting"));
        return;
    }
    handle_with_faults(reply, req, e, EMU_FAULT_MSI, route_msi_http);
}
