/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * CI issuers: keys, documents, tokens with the claims GitHub Actions or Azure DevOps put in
 * theirs, the bearer-protected token request endpoint and the Azure DevOps token file.
 */
#include "ci.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "files.h"
#include "m365id/error.h"
#include "m365id/log.h"
#include "util/json.h"
#include "util/jwt.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/timeutil.h"

#define CI_AUDIENCE_MAX 600u /* the limit Entra sets for a federated credential audience */

struct ci_key {
    struct m365id__rsa_key *key;
    char *kid;
    char *n;
    char *e;
};

struct emu_ci {
    struct ci_key *keys; /* parallel to scn->ci_issuers */
    size_t count;
};

int emu_ci_new(struct emu_ci **out, const struct emu_scenario *scn)
{
    struct emu_ci *ci = calloc(1, sizeof(*ci));
    size_t i;
    int rc = 0;

    *out = NULL;
    if (ci == NULL)
        return M365ID_ENOMEM;
    ci->keys = calloc(scn->ci_issuer_count + 1, sizeof(*ci->keys));
    if (ci->keys == NULL) {
        rc = M365ID_ENOMEM;
        goto out;
    }
    for (i = 0; i < scn->ci_issuer_count; i++) {
        struct ci_key *k = &ci->keys[i];

        ci->count++;
        if ((rc = m365id__rsa_generate(&k->key, 2048)) < 0 ||
            (rc = m365id__rsa_kid(&k->kid, k->key)) < 0 ||
            (rc = m365id__rsa_public_jwk(&k->n, &k->e, k->key)) < 0)
            goto out;
    }
    *out = ci;
    ci = NULL;

out:
    emu_ci_free(ci);
    return rc;
}

void emu_ci_free(struct emu_ci *ci)
{
    size_t i;

    if (ci == NULL)
        return;
    for (i = 0; i < ci->count; i++) {
        m365id__rsa_free(ci->keys[i].key);
        free(ci->keys[i].kid);
        free(ci->keys[i].n);
        free(ci->keys[i].e);
    }
    free(ci->keys);
    free(ci);
}

/* The ref of a GitHub subject "repo:O/R:ref:REF", or the default branch. */
static const char *github_ref(const struct emu_ci_issuer *issuer)
{
    const char *ref = strstr(issuer->subject, ":ref:");

    return ref != NULL ? ref + 5 : "refs/heads/main";
}

int emu_ci_mint(char **out, const struct emu *e, const struct emu_ci_issuer *issuer,
                const char *audience)
{
    const struct ci_key *key = &e->ci->keys[issuer - e->scn->ci_issuers];
    long long now = m365id__now_s();
    char jti[37];
    json_t *claims = NULL;
    int rc;

    *out = NULL;
    if ((rc = m365id__guid_v4(jti)) < 0)
        return rc;
    claims = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I}", "jti", jti, "sub", issuer->subject, "aud",
                       audience, "iss", issuer->issuer, "nbf", (json_int_t)now, "iat",
                       (json_int_t)now, "exp", (json_int_t)(now + issuer->expiration_s));
    if (claims == NULL)
        return M365ID_ENOMEM;
    if (issuer->kind == EMU_CI_GITHUB) {
        const char *slash = strchr(issuer->repository, '/');
        char owner[256];

        snprintf(owner, sizeof(owner), "%.*s", (int)(slash - issuer->repository),
                 issuer->repository);
        json_object_set_new(claims, "ref", json_string(github_ref(issuer)));
        json_object_set_new(claims, "ref_type", json_string("branch"));
        json_object_set_new(claims, "repository", json_string(issuer->repository));
        json_object_set_new(claims, "repository_owner", json_string(owner));
        json_object_set_new(claims, "event_name", json_string("push"));
        json_object_set_new(claims, "runner_environment", json_string("github-hosted"));
    }
    rc = m365id__jwt_sign_rs256(out, key->key, key->kid, "JWT", claims);
    json_decref(claims);
    return rc;
}

/* --- routes --- */

/* The path of @p issuer's URL below the base URL, e.g. "/ci/github". */
static const char *issuer_path(const struct emu *e, const struct emu_ci_issuer *issuer)
{
    return issuer->issuer + strlen(e->base_url);
}

/* Nonzero when @p path is the issuer's path followed by exactly @p suffix. */
static int is_doc(const char *path, const char *ipath, const char *suffix)
{
    size_t n = strlen(ipath);

    return strncmp(path, ipath, n) == 0 && strcmp(path + n, suffix) == 0;
}

static void reply_discovery(struct httpd_reply *reply, struct emu *e,
                            const struct emu_ci_issuer *issuer)
{
    char jwks[512];

    snprintf(jwks, sizeof(jwks), "%s/.well-known/jwks", issuer->issuer);
    emu_reply_json(reply, 200,
                   json_pack("{s:s,s:s,s:[s,s],s:[s],s:[s,s,s,s,s,s],s:[s],s:[s]}", "issuer",
                             issuer->issuer, "jwks_uri", jwks, "subject_types_supported", "public",
                             "pairwise", "response_types_supported", "id_token", "claims_supported",
                             "sub", "aud", "exp", "iat", "iss", "jti",
                             "id_token_signing_alg_values_supported", "RS256", "scopes_supported",
                             "openid"));
    httpd_reply_outcome(reply, "ci discovery %s", issuer->name);
    (void)e;
}

static void reply_jwks(struct httpd_reply *reply, struct emu *e, const struct emu_ci_issuer *issuer)
{
    const struct ci_key *k = &e->ci->keys[issuer - e->scn->ci_issuers];

    emu_reply_json(reply, 200,
                   json_pack("{s:[{s:s,s:s,s:s,s:s,s:s,s:s}]}", "keys", "kty", "RSA", "alg",
                             "RS256", "use", "sig", "kid", k->kid, "n", k->n, "e", k->e));
    httpd_reply_outcome(reply, "ci jwks %s", issuer->name);
}

/* Nonzero when the request carries "Authorization: Bearer <the issuer's request token>". */
static int bearer_ok(const struct httpd_request *req, const struct emu_ci_issuer *issuer)
{
    const char *auth = httpd_header(req, "Authorization");
    size_t n;

    if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
        return 0;
    auth += 7;
    n = strlen(auth);
    return n == strlen(issuer->request_token) &&
           m365id__memcmp_const(auth, issuer->request_token, n) == 0;
}

/* GET {base}/ci/<name>/token?audience=A: {"count":1,"value":"<jwt>"}, as GitHub's runtime. */
static void reply_token(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                        const struct emu_ci_issuer *issuer)
{
    const char *audience = httpd_query(req, "audience");
    char fp[M365ID_FINGERPRINT_SIZE];
    char *jwt = NULL;
    char *text = NULL;
    json_t *doc = NULL;

    if (!bearer_ok(req, issuer)) {
        emu_reply_plain_error(reply, 401, "Unauthorized",
                              "the token request needs 'Authorization: Bearer <request token>' "
                              "with the request token of CI issuer '%s' (emulator.json "
                              "ci_issuers.%s.request_token)",
                              issuer->name, issuer->name);
        httpd_reply_add_header(reply, "WWW-Authenticate", "Bearer");
        return;
    }
    if (audience == NULL || audience[0] == '\0')
        audience = issuer->default_audience;
    if (strlen(audience) > CI_AUDIENCE_MAX) {
        emu_reply_plain_error(reply, 400, "BadRequest",
                              "the audience parameter is longer than %u characters",
                              CI_AUDIENCE_MAX);
        return;
    }
    if (emu_ci_mint(&jwt, e, issuer, audience) < 0 ||
        (doc = json_pack("{s:i,s:s}", "count", 1, "value", jwt)) == NULL ||
        (text = m365id__json_dump(doc)) == NULL) {
        emu_reply_plain_error(reply, 500, "InternalError", "minting the token failed");
        goto out;
    }
    httpd_reply_take(reply, 200, "application/json; charset=utf-8", text, strlen(text));
    reply->body_is_secret = 1;
    m365id_fingerprint(fp, sizeof(fp), jwt, strlen(jwt));
    httpd_reply_outcome(reply, "ci token %s", fp);
    emu_stats_add(&e->stats, EMU_STAT_CI_TOKENS_ISSUED);

out:
    m365id__free_secret_str(jwt);
    json_decref(doc);
}

void emu_ci_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                   const char *rest)
{
    size_t n = strcspn(rest, "/");
    const struct emu_ci_issuer *issuer = emu_scenario_ci_issuer(e->scn, rest, n);
    struct m365id__quoted q;
    const char *ipath;
    int route = 0; /* 1 discovery, 2 JWKS, 3 token */

    if (issuer != NULL) {
        char token_path[256];

        ipath = issuer_path(e, issuer);
        snprintf(token_path, sizeof(token_path), "/ci/%s/token", issuer->name);
        if (is_doc(req->path, ipath, "/.well-known/openid-configuration"))
            route = 1;
        else if (is_doc(req->path, ipath, "/.well-known/jwks"))
            route = 2;
        else if (strcmp(req->path, token_path) == 0)
            route = 3;
    }
    if (route == 0) {
        m365id__quote(&q, req->path);
        emu_reply_plain_error(reply, 404, "NotFound", "no CI issuer route at '%s'", q.text);
        return;
    }
    if (strcmp(req->method, "GET") != 0 && (route == 3 || strcmp(req->method, "HEAD") != 0)) {
        m365id__quote(&q, req->method);
        emu_reply_plain_error(reply, 405, "MethodNotAllowed", "this route supports %s, not '%s'",
                              route == 3 ? "GET" : "GET and HEAD", q.text);
        httpd_reply_add_header(reply, "Allow", route == 3 ? "GET" : "GET, HEAD");
        return;
    }
    if (route == 1)
        reply_discovery(reply, e, issuer);
    else if (route == 2)
        reply_jwks(reply, e, issuer);
    else
        reply_token(reply, req, e, issuer);
}

/* --- Azure DevOps token files --- */

void emu_ci_token_path(char *out, size_t size, const struct emu *e,
                       const struct emu_ci_issuer *issuer)
{
    snprintf(out, size, "%s/ci/%s/federation-token", e->state_dir, issuer->name);
}

/* NOTE: each file is written once at start and not renewed, so it expires expiration_seconds
 * later; tests that run longer mint fresh tokens through the token request endpoint. */
int emu_ci_write_files(struct emu *e)
{
    size_t i;
    int rc = 0;

    for (i = 0; i < e->scn->ci_issuer_count && rc == 0; i++) {
        const struct emu_ci_issuer *issuer = &e->scn->ci_issuers[i];
        char dir[4096];
        char path[4096];
        char fp[M365ID_FINGERPRINT_SIZE];
        char *jwt = NULL;

        if (issuer->kind != EMU_CI_AZURE_DEVOPS)
            continue;
        snprintf(dir, sizeof(dir), "%s/ci/%s", e->state_dir, issuer->name);
        emu_ci_token_path(path, sizeof(path), e, issuer);
        if ((rc = emu_mkdir_p(dir, 0700)) < 0) {
            mlog_error(&e->logger, "ci", "cannot create '%s': %s", dir, strerror(errno));
            break;
        }
        if ((rc = emu_ci_mint(&jwt, e, issuer, issuer->default_audience)) < 0)
            break;
        rc = emu_write_file_atomic(path, jwt, strlen(jwt), 0600);
        if (rc < 0) {
            mlog_error(&e->logger, "ci", "cannot write '%s': %s", path, strerror(errno));
        } else {
            m365id_fingerprint(fp, sizeof(fp), jwt, strlen(jwt));
            mlog_info(&e->logger, "ci", "wrote token %s of CI issuer '%s', valid %llds", fp,
                      issuer->name, issuer->expiration_s);
        }
        m365id__free_secret_str(jwt);
    }
    return rc;
}
