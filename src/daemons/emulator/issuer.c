/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Cluster issuers: keys, the two documents Entra fetches, projected tokens with the claims
 * of a kubelet-requested token, and the workload token files kept fresh by a thread.
 */
#include "issuer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "files.h"
#include "m365id/error.h"
#include "m365id/log.h"
#include "util/jwt.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/timeutil.h"

struct cluster_key {
    struct m365id__rsa_key *key;
    char *kid;
    char *n;
    char *e;
};

struct emu_issuer {
    struct cluster_key *keys; /* parallel to scn->clusters */
    size_t count;
    pthread_t thread;
    int thread_started;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop;
    long long *renew_at; /* per workload: Unix second when its file is re-minted */
};

int emu_issuer_new(struct emu_issuer **out, const struct emu_scenario *scn)
{
    struct emu_issuer *is = NULL;
    size_t i;
    int rc = 0;

    *out = NULL;
    is = calloc(1, sizeof(*is));
    if (is == NULL)
        return M365ID_ENOMEM;
    pthread_mutex_init(&is->lock, NULL);
    pthread_cond_init(&is->wake, NULL);
    is->keys = calloc(scn->cluster_count + 1, sizeof(*is->keys));
    is->renew_at = calloc(scn->workload_count + 1, sizeof(*is->renew_at));
    if (is->keys == NULL || is->renew_at == NULL) {
        rc = M365ID_ENOMEM;
        goto out;
    }
    for (i = 0; i < scn->cluster_count; i++) {
        struct cluster_key *k = &is->keys[i];

        is->count++;
        if ((rc = m365id__rsa_generate(&k->key, 2048)) < 0 ||
            (rc = m365id__rsa_kid(&k->kid, k->key)) < 0 ||
            (rc = m365id__rsa_public_jwk(&k->n, &k->e, k->key)) < 0)
            goto out;
    }
    *out = is;
    is = NULL;

out:
    emu_issuer_free(is);
    return rc;
}

void emu_issuer_free(struct emu_issuer *is)
{
    size_t i;

    if (is == NULL)
        return;
    if (is->thread_started) {
        pthread_mutex_lock(&is->lock);
        is->stop = 1;
        pthread_cond_signal(&is->wake);
        pthread_mutex_unlock(&is->lock);
        pthread_join(is->thread, NULL);
    }
    for (i = 0; i < is->count; i++) {
        m365id__rsa_free(is->keys[i].key);
        free(is->keys[i].kid);
        free(is->keys[i].n);
        free(is->keys[i].e);
    }
    free(is->keys);
    free(is->renew_at);
    pthread_cond_destroy(&is->wake);
    pthread_mutex_destroy(&is->lock);
    free(is);
}

/* --- minting --- */

void emu_issuer_object_uid(char out[37], const char *kind, const char *cluster, const char *ns,
                           const char *name)
{
    unsigned char h[M365ID_SHA256_LEN];
    char seed[768];

    snprintf(seed, sizeof(seed), "%s\n%s\n%s\n%s", kind, cluster, ns, name);
    m365id__sha256(h, seed, strlen(seed));
    h[6] = (unsigned char)((h[6] & 0x0f) | 0x40);
    h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12],
             h[13], h[14], h[15]);
}

int emu_issuer_mint(char **out, long long *exp_out, const struct emu *e,
                    const struct emu_cluster *cluster, const char *ns, const char *sa,
                    const json_t *audiences, long long lifetime_s, long long iat,
                    const char *pod)
{
    const struct cluster_key *key = &e->issuer->keys[cluster - e->scn->clusters];
    char sub[600];
    char pod_name[300];
    char sa_uid[37];
    char pod_uid[37];
    char jti[37];
    json_t *claims = NULL;
    int rc;

    *out = NULL;
    if ((rc = m365id__guid_v4(jti)) < 0)
        return rc;
    snprintf(sub, sizeof(sub), "system:serviceaccount:%s:%s", ns, sa);
    snprintf(pod_name, sizeof(pod_name), "%s", pod != NULL ? pod : "");
    if (pod == NULL)
        snprintf(pod_name, sizeof(pod_name), "%s-pod", sa);
    emu_issuer_object_uid(sa_uid, "serviceaccount", cluster->name, ns, sa);
    emu_issuer_object_uid(pod_uid, "pod", cluster->name, ns, pod_name);

    claims = json_pack("{s:s,s:s,s:O,s:I,s:I,s:I,s:s,s:{s:s,s:{s:s,s:s},s:{s:s,s:s}}}", "iss",
                       cluster->issuer, "sub", sub, "aud", audiences, "iat", (json_int_t)iat,
                       "nbf", (json_int_t)iat, "exp", (json_int_t)(iat + lifetime_s), "jti", jti,
                       "kubernetes.io", "namespace", ns, "serviceaccount", "name", sa, "uid",
                       sa_uid, "pod", "name", pod_name, "uid", pod_uid);
    if (claims == NULL)
        return M365ID_ENOMEM;
    rc = m365id__jwt_sign_rs256(out, key->key, key->kid, NULL, claims);
    json_decref(claims);
    if (rc < 0)
        return rc;
    *exp_out = iat + lifetime_s;
    return 0;
}

/* --- documents --- */

json_t *emu_issuer_discovery_json(const struct emu *e, const struct emu_cluster *c)
{
    char jwks[512];

    snprintf(jwks, sizeof(jwks), "%s/clusters/%s/openid/v1/jwks", e->base_url, c->name);
    return json_pack("{s:s,s:s,s:[s],s:[s],s:[s]}", "issuer", c->issuer, "jwks_uri", jwks,
                     "response_types_supported", "id_token", "subject_types_supported", "public",
                     "id_token_signing_alg_values_supported", "RS256");
}

json_t *emu_issuer_jwks_json(const struct emu *e, const struct emu_cluster *c)
{
    const struct cluster_key *k = &e->issuer->keys[c - e->scn->clusters];

    /* Member order as go-jose writes RSA keys: use, kty, kid, alg, n, e. */
    return json_pack("{s:[{s:s,s:s,s:s,s:s,s:s,s:s}]}", "keys", "use", "sig", "kty", "RSA", "kid",
                     k->kid, "alg", "RS256", "n", k->n, "e", k->e);
}

int emu_issuer_find_signer(const struct emu_cluster **out, const struct emu *e,
                           const struct m365id__jwt *jwt, const char *token)
{
    const char *kid = json_string_value(json_object_get(jwt->header, "kid"));
    size_t i;

    *out = NULL;
    for (i = 0; i < e->issuer->count; i++) {
        const struct cluster_key *k = &e->issuer->keys[i];

        /* A kid that names another key skips this one, as a verifier picks keys by kid. */
        if (kid != NULL && strcmp(kid, k->kid) != 0)
            continue;
        if (m365id__jwt_verify_rs256(jwt, token, k->key) == 0) {
            *out = &e->scn->clusters[i];
            return 0;
        }
    }
    return M365ID_EINVAL;
}

static void reply_discovery(struct httpd_reply *reply, struct emu *e,
                            const struct emu_cluster *c)
{
    emu_reply_json(reply, 200, emu_issuer_discovery_json(e, c));
    httpd_reply_add_header(reply, "Cache-Control", "public, max-age=3600");
}

static void reply_jwks(struct httpd_reply *reply, struct emu *e, const struct emu_cluster *c)
{
    emu_reply_json(reply, 200, emu_issuer_jwks_json(e, c));
}

void emu_issuer_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                       const char *rest)
{
    const char *slash = strchr(rest, '/');
    const struct emu_cluster *c;
    struct m365id__quoted q;
    int is_discovery;

    c = slash != NULL ? emu_scenario_cluster(e->scn, rest, (size_t)(slash - rest)) : NULL;
    if (c == NULL) {
        m365id__quote(&q, req->path);
        emu_reply_plain_error(reply, 404, "NotFound", "no cluster issuer at '%s'", q.text);
        return;
    }
    is_discovery = strcmp(slash, "/.well-known/openid-configuration") == 0;
    if (!is_discovery && strcmp(slash, "/openid/v1/jwks") != 0) {
        m365id__quote(&q, req->path);
        emu_reply_plain_error(reply, 404, "NotFound", "no issuer document at '%s'", q.text);
        return;
    }
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        m365id__quote(&q, req->method);
        emu_reply_plain_error(reply, 405, "MethodNotAllowed",
                              "issuer documents support GET and HEAD, not '%s'", q.text);
        httpd_reply_add_header(reply, "Allow", "GET, HEAD");
        return;
    }
    if (is_discovery) {
        if (!c->publish_discovery) {
            emu_reply_plain_error(reply, 404, "NotFound",
                                  "cluster '%s' does not publish its discovery document "
                                  "(publish_discovery is false)", c->name);
            return;
        }
        reply_discovery(reply, e, c);
        httpd_reply_outcome(reply, "discovery %s", c->name);
        return;
    }
    if (!c->publish_jwks) {
        emu_reply_plain_error(reply, 404, "NotFound",
                              "cluster '%s' does not publish its JWKS (publish_jwks is false)",
                              c->name);
        return;
    }
    reply_jwks(reply, e, c);
    httpd_reply_outcome(reply, "jwks %s", c->name);
}

/* --- workload token files --- */

void emu_issuer_token_path(char *out, size_t size, const struct emu *e,
                           const struct emu_workload *w)
{
    snprintf(out, size, "%s/workloads/%s/azure-identity-token", e->state_dir, w->name);
}

/* Mint and write one workload's file; returns when it is due again. */
static int write_workload(long long *renew_at, struct emu *e, const struct emu_workload *w)
{
    char path[4096];
    char dir[4096];
    char fp[M365ID_FINGERPRINT_SIZE];
    char *jwt = NULL;
    json_t *aud = json_pack("[s]", w->audience);
    long long now = m365id__now_s();
    long long exp = 0;
    int rc;

    if (aud == NULL)
        return M365ID_ENOMEM;
    snprintf(dir, sizeof(dir), "%s/workloads/%s", e->state_dir, w->name);
    emu_issuer_token_path(path, sizeof(path), e, w);
    if ((rc = emu_mkdir_p(dir, 0700)) < 0) {
        mlog_error(&e->logger, "issuer", "cannot create '%s': %s", dir, strerror(errno));
        goto out;
    }
    if ((rc = emu_issuer_mint(&jwt, &exp, e, w->cluster, w->ns, w->service_account, aud,
                              w->expiration_s, now, w->pod)) < 0)
        goto out;
    if ((rc = emu_write_file_atomic(path, jwt, strlen(jwt), 0600)) < 0) {
        mlog_error(&e->logger, "issuer", "cannot write '%s': %s", path, strerror(errno));
        goto out;
    }
    /* The kubelet renews once 80 % of the lifetime has passed. */
    *renew_at = now + (w->expiration_s * 8) / 10;
    m365id_fingerprint(fp, sizeof(fp), jwt, strlen(jwt));
    mlog_info(&e->logger, "issuer", "wrote token %s for workload '%s' (%s/%s), exp %lld",
              fp, w->name, w->ns, w->service_account, exp);
    mlog_debug(&e->logger, "issuer",
               "workload '%s': next rotation at %lld, in %llds (80 %% of the %llds lifetime)",
               w->name, *renew_at, *renew_at - now, w->expiration_s);

out:
    m365id__free_secret_str(jwt);
    json_decref(aud);
    return rc;
}

static void *rotation_main(void *arg)
{
    struct emu *e = arg;
    struct emu_issuer *is = e->issuer;

    pthread_mutex_lock(&is->lock);
    while (!is->stop) {
        long long now = m365id__now_s();
        struct timespec until;
        size_t i;

        for (i = 0; i < e->scn->workload_count; i++) {
            if (now < is->renew_at[i])
                continue;
            mlog_debug(&e->logger, "issuer", "workload '%s': rotating its token file, due at %lld",
                       e->scn->workloads[i].name, is->renew_at[i]);
            if (write_workload(&is->renew_at[i], e, &e->scn->workloads[i]) < 0) {
                is->renew_at[i] = now + 5; /* retry a failed write soon */
                mlog_debug(&e->logger, "issuer", "workload '%s': retrying in 5 s",
                           e->scn->workloads[i].name);
            }
        }
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&is->wake, &is->lock, &until);
    }
    pthread_mutex_unlock(&is->lock);
    return NULL;
}

int emu_issuer_start(struct emu *e)
{
    struct emu_issuer *is = e->issuer;
    size_t i;
    int rc;

    for (i = 0; i < e->scn->workload_count; i++) {
        if ((rc = write_workload(&is->renew_at[i], e, &e->scn->workloads[i])) < 0)
            return rc;
    }
    if (pthread_create(&is->thread, NULL, rotation_main, e) != 0)
        return M365ID_ENOMEM;
    is->thread_started = 1;
    return 0;
}
