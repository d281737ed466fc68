/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The test control API under /_emulator: health, counters, fault rules, minting of projected
 * tokens with any lifetime or issue time, so tests can present expired or odd assertions, and
 * the routes that approve or decline device codes (handled in device.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu.h"
#include "issuer.h"
#include "m365id/log.h"
#include "util/json.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/timeutil.h"

#define MINT_LIFETIME_MAX_S 4294967296LL /* Kubernetes' upper bound for expirationSeconds */

static const char *const mint_keys[] = {"namespace", "service_account", "audience",
                                        "expiration_seconds", "issued_at", "pod", NULL};

static int mint_key_known(const char *key)
{
    size_t i;

    for (i = 0; mint_keys[i] != NULL; i++) {
        if (strcmp(mint_keys[i], key) == 0)
            return 1;
    }
    return 0;
}

static void mint(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                 const struct emu_cluster *cluster)
{
    json_t *body = NULL;
    json_t *aud = NULL;
    json_t *aud_member = NULL;
    const char *ns = NULL;
    const char *sa = NULL;
    const char *pod = NULL;
    const char *key;
    json_t *value;
    long long lifetime = 0;
    long long iat = 0;
    long long exp = 0;
    char why[256];
    char fp[M365ID_FINGERPRINT_SIZE];
    char *jwt = NULL;
    char *text = NULL;
    json_t *doc = NULL;
    size_t i;
    int r;

    if (m365id__json_parse(&body, req->body, req->body_len, why, sizeof(why)) < 0 ||
        !json_is_object(body)) {
        emu_reply_plain_error(reply, 400, "BadRequest", "request body is not a JSON object: %s",
                              body == NULL ? why : "another JSON type");
        goto out;
    }
    json_object_foreach(body, key, value) {
        struct m365id__quoted q;

        (void)value;
        if (!mint_key_known(key)) {
            m365id__quote(&q, key);
            emu_reply_plain_error(reply, 400, "BadRequest",
                                  "unknown key '%s'; allowed: namespace, service_account, "
                                  "audience, expiration_seconds, issued_at, pod", q.text);
            goto out;
        }
    }
    if (m365id__json_get_str(&ns, body, "namespace") != M365ID__JSON_OK || ns[0] == '\0' ||
        m365id__json_get_str(&sa, body, "service_account") != M365ID__JSON_OK || sa[0] == '\0') {
        emu_reply_plain_error(reply, 400, "BadRequest",
                              "\"namespace\" and \"service_account\" must be non-empty strings");
        goto out;
    }
    /* The subject is "system:serviceaccount:NS:SA", so a ':' in either name would make it
     * ambiguous; Kubernetes names cannot contain one. */
    if (!emu_is_dns_label(ns)) {
        struct m365id__quoted q;

        m365id__quote(&q, ns);
        emu_reply_plain_error(reply, 400, "BadRequest",
                              "\"namespace\" '%s' is not a valid Kubernetes namespace: use 1 to "
                              "63 lower-case letters, digits and '-', starting and ending with a "
                              "letter or digit, such as \"team-a\"", q.text);
        goto out;
    }
    if (!emu_is_dns_subdomain(sa)) {
        struct m365id__quoted q;

        m365id__quote(&q, sa);
        emu_reply_plain_error(reply, 400, "BadRequest",
                              "\"service_account\" '%s' is not a valid Kubernetes service "
                              "account name: use up to 253 lower-case letters, digits, '-' and "
                              "'.', such as \"graph-reader\"", q.text);
        goto out;
    }
    if (m365id__json_get_str(&pod, body, "pod") == M365ID__JSON_BADTYPE) {
        emu_reply_plain_error(reply, 400, "BadRequest", "\"pod\" must be a string");
        goto out;
    }
    /* The getters clear their output when the key is absent, so defaults apply afterwards. */
    r = m365id__json_get_int(&lifetime, body, "expiration_seconds");
    if (r == M365ID__JSON_ABSENT)
        lifetime = 3600;
    if (r == M365ID__JSON_BADTYPE || lifetime < 1 || lifetime > MINT_LIFETIME_MAX_S) {
        emu_reply_plain_error(reply, 400, "BadRequest",
                              "\"expiration_seconds\" must be an integer from 1 to %lld",
                              MINT_LIFETIME_MAX_S);
        goto out;
    }
    r = m365id__json_get_int(&iat, body, "issued_at");
    if (r == M365ID__JSON_ABSENT)
        iat = m365id__now_s();
    if (r == M365ID__JSON_BADTYPE || iat < 0 || iat > 32503680000LL) {
        emu_reply_plain_error(reply, 400, "BadRequest",
                              "\"issued_at\" must be Unix seconds between 0 and year 3000");
        goto out;
    }

    aud_member = json_object_get(body, "audience");
    if (aud_member == NULL || json_is_null(aud_member)) {
        aud = json_pack("[s]", "api://AzureADTokenExchange");
    } else if (json_is_string(aud_member)) {
        aud = json_pack("[O]", aud_member);
    } else if (json_is_array(aud_member) && json_array_size(aud_member) > 0) {
        for (i = 0; i < json_array_size(aud_member); i++) {
            if (!json_is_string(json_array_get(aud_member, i))) {
                emu_reply_plain_error(reply, 400, "BadRequest",
                                      "\"audience\" array entries must be strings");
                goto out;
            }
        }
        aud = json_incref(aud_member);
    } else {
        emu_reply_plain_error(reply, 400, "BadRequest",
                              "\"audience\" must be a string or a non-empty array of strings");
        goto out;
    }
    if (aud == NULL || emu_issuer_mint(&jwt, &exp, e, cluster, ns, sa, aud, lifetime, iat,
                                       pod) < 0) {
        emu_reply_plain_error(reply, 500, "InternalError", "minting the token failed");
        goto out;
    }
    doc = json_pack("{s:s,s:I}", "token", jwt, "expires_on", (json_int_t)exp);
    text = doc != NULL ? m365id__json_dump(doc) : NULL;
    if (text == NULL) {
        emu_reply_plain_error(reply, 500, "InternalError", "out of memory");
        goto out;
    }
    httpd_reply_take(reply, 200, "application/json; charset=utf-8", text, strlen(text));
    reply->body_is_secret = 1;
    m365id_fingerprint(fp, sizeof(fp), jwt, strlen(jwt));
    httpd_reply_outcome(reply, "minted %s", fp);

out:
    m365id__free_secret_str(jwt);
    json_decref(doc);
    json_decref(aud);
    json_decref(body);
}

/* POST /_emulator/faults: one rule object or an array of them; all or none are added. */
static void add_faults(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e)
{
    struct emu_fault rules[EMU_FAULTS_MAX];
    struct emu_error err;
    json_t *body = NULL;
    json_t *ids = NULL;
    json_t *doc = NULL;
    char why[256];
    size_t count;
    size_t i;

    if (m365id__json_parse(&body, req->body, req->body_len, why, sizeof(why)) < 0 ||
        (!json_is_object(body) && !json_is_array(body))) {
        emu_reply_plain_error(reply, 400, "BadRequest",
                              "request body is not a JSON object or array: %s",
                              body == NULL ? why : "another JSON type");
        goto out;
    }
    count = json_is_array(body) ? json_array_size(body) : 1;
    if (count == 0 || count > EMU_FAULTS_MAX) {
        emu_reply_plain_error(reply, 400, "BadRequest", "send 1 to %u rules, not %zu",
                              EMU_FAULTS_MAX, count);
        goto out;
    }
    for (i = 0; i < count; i++) {
        char path[32];

        snprintf(path, sizeof(path), "faults[%zu]", i);
        if (emu_fault_parse(&rules[i], json_is_array(body) ? json_array_get(body, i) : body, path,
                            &err) < 0) {
            emu_reply_plain_error(reply, 400, "BadRequest", "%s; %s", err.message, err.hint);
            goto out;
        }
    }
    ids = json_array();
    if (ids == NULL) {
        emu_reply_plain_error(reply, 500, "InternalError", "out of memory");
        goto out;
    }
    for (i = 0; i < count; i++) {
        if (emu_faults_add(&e->faults, &rules[i]) < 0) {
            emu_reply_plain_error(reply, 409, "TooManyRules",
                                  "%u rules are still active; DELETE /_emulator/faults first",
                                  EMU_FAULTS_MAX);
            goto out;
        }
        json_array_append_new(ids, json_integer(rules[i].id));
    }
    doc = emu_faults_json(&e->faults);
    if (doc != NULL)
        json_object_set(doc, "ids", ids);
    emu_reply_json(reply, 201, doc);
    doc = NULL;
    httpd_reply_outcome(reply, "faults added %zu", count);

out:
    json_decref(ids);
    json_decref(body);
}

static void faults_route(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e)
{
    struct m365id__quoted q;

    if (strcmp(req->method, "GET") == 0) {
        emu_reply_json(reply, 200, emu_faults_json(&e->faults));
        httpd_reply_outcome(reply, "faults");
    } else if (strcmp(req->method, "POST") == 0) {
        add_faults(reply, req, e);
    } else if (strcmp(req->method, "DELETE") == 0) {
        size_t n = emu_faults_remove_all(&e->faults);

        emu_reply_json(reply, 200, json_pack("{s:I}", "removed", (json_int_t)n));
        httpd_reply_outcome(reply, "faults removed %zu", n);
    } else {
        m365id__quote(&q, req->method);
        emu_reply_plain_error(reply, 405, "MethodNotAllowed",
                              "'/_emulator/faults' supports GET, POST and DELETE, not '%s'",
                              q.text);
        httpd_reply_add_header(reply, "Allow", "GET, POST, DELETE");
    }
}

void emu_admin_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                      const char *rest)
{
    struct m365id__quoted q;

    if (!req->remote_is_loopback) {
        emu_reply_plain_error(reply, 403, "Forbidden",
                              "the control API answers loopback clients only");
        return;
    }
    if (strcmp(rest, "/health") == 0 || strcmp(rest, "/stats") == 0) {
        if (strcmp(req->method, "GET") != 0) {
            m365id__quote(&q, req->method);
            emu_reply_plain_error(reply, 405, "MethodNotAllowed",
                                  "'%s' supports GET only, not '%s'", req->path, q.text);
            httpd_reply_add_header(reply, "Allow", "GET");
            return;
        }
        if (strcmp(rest, "/health") == 0) {
            emu_reply_json(reply, 200, json_pack("{s:s}", "status", "ok"));
            httpd_reply_outcome(reply, "health");
        } else {
            emu_reply_json(reply, 200, emu_stats_json(&e->stats));
            httpd_reply_outcome(reply, "stats");
        }
        return;
    }
    if (strcmp(rest, "/faults") == 0) {
        faults_route(reply, req, e);
        return;
    }
    if (strcmp(rest, "/directory") == 0) {
        emu_directory_admin(reply, req, e);
        return;
    }
    if (strcmp(rest, "/device/approve") == 0 || strcmp(rest, "/device/decline") == 0) {
        emu_device_admin(reply, req, e, strcmp(rest, "/device/approve") == 0);
        return;
    }
    if (strncmp(rest, "/clusters/", 10) == 0) {
        const char *name = rest + 10;
        const char *slash = strchr(name, '/');
        const struct emu_cluster *c =
            slash != NULL ? emu_scenario_cluster(e->scn, name, (size_t)(slash - name)) : NULL;

        if (c == NULL || strcmp(slash, "/token") != 0) {
            m365id__quote(&q, req->path);
            emu_reply_plain_error(reply, 404, "NotFound",
                                  "no cluster at '%s'; clusters come from the scenario", q.text);
            return;
        }
        if (strcmp(req->method, "POST") != 0) {
            m365id__quote(&q, req->method);
            emu_reply_plain_error(reply, 405, "MethodNotAllowed",
                                  "minting a token needs POST, not '%s'", q.text);
            httpd_reply_add_header(reply, "Allow", "POST");
            return;
        }
        mint(reply, req, e, c);
        return;
    }
    m365id__quote(&q, req->path);
    emu_reply_plain_error(reply, 404, "NotFound", "no control route at '%s'", q.text);
}
