/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Issuer document fetching for the token endpoint. Requests go through the shared HTTP
 * client and trust the emulator's CA file. Only URLs under the emulator's own base URL are
 * fetched, so a crafted assertion cannot make the emulator contact another host, unless
 * --allow-external-issuers lets it reach a real cluster's issuer through the system CA store.
 */
#include "oidc_fetch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "m365id/error.h"
#include "util/http_client.h"
#include "util/json.h"
#include "util/limits.h"
#include "util/quote.h"
#include "util/strutil.h"
#include "util/timeutil.h"

#define CACHE_ENTRIES_MAX 32

struct cache_entry {
    char *url;
    char *body;
    size_t body_len;
    long long fetched_ms; /* monotonic */
};

struct emu_oidc_cache {
    pthread_mutex_t lock;
    struct cache_entry entries[CACHE_ENTRIES_MAX];
};

int emu_oidc_cache_new(struct emu_oidc_cache **out)
{
    *out = calloc(1, sizeof(**out));
    if (*out == NULL)
        return M365ID_ENOMEM;
    pthread_mutex_init(&(*out)->lock, NULL);
    return 0;
}

void emu_oidc_cache_free(struct emu_oidc_cache *cache)
{
    size_t i;

    if (cache == NULL)
        return;
    for (i = 0; i < CACHE_ENTRIES_MAX; i++) {
        free(cache->entries[i].url);
        free(cache->entries[i].body);
    }
    pthread_mutex_destroy(&cache->lock);
    free(cache);
}

/* A copy of the cached body of @p url if fresh, else NULL. *age_ms is set to the entry's age,
 * or to -1 when the cache contains no entry for @p url. */
static char *cache_get(struct emu_oidc_cache *cache, const char *url, size_t *len,
                       long long *age_ms)
{
    long long now = m365id__monotonic_ms();
    char *copy = NULL;
    size_t i;

    *age_ms = -1;
    pthread_mutex_lock(&cache->lock);
    for (i = 0; i < CACHE_ENTRIES_MAX; i++) {
        struct cache_entry *c = &cache->entries[i];

        if (c->url == NULL || strcmp(c->url, url) != 0)
            continue;
        *age_ms = now - c->fetched_ms;
        if (now - c->fetched_ms <= EMU_OIDC_CACHE_TTL_S * 1000LL) {
            copy = malloc(c->body_len + 1);
            if (copy != NULL) {
                memcpy(copy, c->body, c->body_len + 1);
                *len = c->body_len;
            }
        }
        break;
    }
    pthread_mutex_unlock(&cache->lock);
    return copy;
}

static void cache_put(struct emu_oidc_cache *cache, const char *url, const char *body,
                      size_t len)
{
    struct cache_entry *slot = NULL;
    char *u = strdup(url);
    char *b = malloc(len + 1);
    size_t i;

    if (u == NULL || b == NULL) {
        free(u);
        free(b);
        return;
    }
    memcpy(b, body, len);
    b[len] = '\0';
    pthread_mutex_lock(&cache->lock);
    for (i = 0; i < CACHE_ENTRIES_MAX; i++) {
        struct cache_entry *c = &cache->entries[i];

        if (c->url != NULL && strcmp(c->url, url) == 0) {
            slot = c;
            break;
        }
        if (slot == NULL || c->url == NULL ||
            (slot->url != NULL && c->fetched_ms < slot->fetched_ms))
            slot = c; /* an empty slot, else the oldest */
    }
    free(slot->url);
    free(slot->body);
    slot->url = u;
    slot->body = b;
    slot->body_len = len;
    slot->fetched_ms = m365id__monotonic_ms();
    pthread_mutex_unlock(&cache->lock);
}

/* GET @p url and parse it as a JSON object; @p what names the document in messages. */
static int fetch_json(json_t **out, struct emu *e, const char *url, const char *what, char *why,
                      size_t why_size)
{
    struct m365id__http_request req;
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    struct m365id__quoted qurl;
    char base[128];
    char parse_why[256];
    char *cached = NULL;
    size_t cached_len = 0;
    long long age_ms = -1;
    int external;
    int rc;

    *out = NULL;
    m365id__quote(&qurl, url);
    snprintf(base, sizeof(base), "%s/", e->base_url);
    external = !m365id__starts_with(url, base);
    if (external && !e->allow_external_issuers) {
        snprintf(why, why_size,
                 "%s '%s' is outside the emulator (%s), which fetches only its own documents "
                 "unless started with --allow-external-issuers",
                 what, qurl.text, e->base_url);
        return M365ID_ENET;
    }

    cached = cache_get(e->oidc, url, &cached_len, &age_ms);
    if (cached != NULL) {
        mlog_debug(&e->logger, "oidc", "cache hit for the %s '%s' (%zu bytes, %lld ms old)",
                   what, qurl.text, cached_len, age_ms);
    } else if (age_ms >= 0) {
        mlog_debug(&e->logger, "oidc", "cache entry for the %s '%s' expired (%lld ms old), "
                   "fetching", what, qurl.text, age_ms);
    } else {
        mlog_debug(&e->logger, "oidc", "cache miss for the %s '%s', fetching", what, qurl.text);
    }
    if (cached == NULL) {
        memset(&req, 0, sizeof(req));
        req.method = "GET";
        req.url = url;
        req.ca_file = e->ca_file;
        if (external) {
            /* Other issuers are trusted through the system store, or through SSL_CERT_FILE
             * as OpenSSL-based tools honour it. */
            const char *bundle = getenv("SSL_CERT_FILE");

            req.ca_file = bundle != NULL && bundle[0] != '\0' ? bundle : NULL;
        }
        req.timeout_ms = 10000;
        req.connect_timeout_ms = 5000;
        req.max_response = M365ID_OIDC_DOC_MAX;
        req.user_agent = "m365id-emulator (issuer metadata fetch)";
        rc = m365id__http_perform(&resp, &req);
        if (rc < 0) {
            snprintf(why, why_size, "fetching the %s '%s' failed: %s", what, qurl.text,
                     resp.error[0] != '\0' ? resp.error : m365id_strerror(rc));
            rc = M365ID_ENET;
            goto out;
        }
        mlog_debug(&e->logger, "oidc", "fetched the %s '%s': HTTP %ld, %zu bytes", what,
                   qurl.text, resp.status, resp.body.len);
        if (resp.status != 200) {
            snprintf(why, why_size, "the %s '%s' returned HTTP %ld", what, qurl.text,
                     resp.status);
            rc = M365ID_ENET;
            goto out;
        }
        cache_put(e->oidc, url, m365id__buf_cstr(&resp.body), resp.body.len);
        rc = m365id__json_parse(out, m365id__buf_cstr(&resp.body), resp.body.len, parse_why,
                                sizeof(parse_why));
    } else {
        rc = m365id__json_parse(out, cached, cached_len, parse_why, sizeof(parse_why));
    }
    if (rc < 0 || !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        snprintf(why, why_size, "the %s '%s' is not a JSON object", what, qurl.text);
        rc = M365ID_EPROTO;
        goto out;
    }
    rc = 0;

out:
    free(cached);
    m365id__http_response_clear(&resp);
    return rc;
}

int emu_oidc_fetch_jwks(json_t **jwks_out, struct emu *e, const char *iss, char *why,
                        size_t why_size)
{
    json_t *discovery = NULL;
    json_t *jwks = NULL;
    json_t *keys = NULL;
    const char *doc_issuer = NULL;
    const char *jwks_uri = NULL;
    struct m365id__quoted q1;
    struct m365id__quoted q2;
    char url[2048];
    size_t len = strlen(iss);
    int rc;

    *jwks_out = NULL;
    if (len > 0 && iss[len - 1] == '/')
        len--;
    if (len > sizeof(url) - 40) {
        snprintf(why, why_size, "the issuer is too long to fetch");
        return M365ID_EPROTO;
    }
    snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration", (int)len, iss);

    if ((rc = fetch_json(&discovery, e, url, "discovery document", why, why_size)) < 0)
        goto out;
    if (m365id__json_get_str(&doc_issuer, discovery, "issuer") != M365ID__JSON_OK ||
        strcmp(doc_issuer, iss) != 0) {
        m365id__quote(&q1, doc_issuer != NULL ? doc_issuer : "(missing)");
        m365id__quote(&q2, iss);
        snprintf(why, why_size,
                 "the discovery document's issuer '%s' differs from the assertion's iss '%s'",
                 q1.text, q2.text);
        rc = M365ID_EPROTO;
        goto out;
    }
    if (m365id__json_get_str(&jwks_uri, discovery, "jwks_uri") != M365ID__JSON_OK) {
        snprintf(why, why_size, "the discovery document has no jwks_uri");
        rc = M365ID_EPROTO;
        goto out;
    }
    if ((rc = fetch_json(&jwks, e, jwks_uri, "JWKS", why, why_size)) < 0)
        goto out;
    if (m365id__json_get_array(&keys, jwks, "keys") != M365ID__JSON_OK) {
        m365id__quote(&q1, jwks_uri);
        snprintf(why, why_size, "the JWKS '%s' has no \"keys\" array", q1.text);
        rc = M365ID_EPROTO;
        goto out;
    }
    *jwks_out = jwks;
    jwks = NULL;

out:
    json_decref(discovery);
    json_decref(jwks);
    return rc;
}
