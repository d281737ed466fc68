/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * A scripted HTTPS server on 127.0.0.1 for the exchange and Graph unit tests. It records each
 * request and replies to token and Graph requests from two reply lists, so tests can produce
 * the statuses (503, 429, proxy pages) that the emulator never sends.
 */
#ifndef M365ID_TESTS_UNIT_LIB_STS_MOCK_ENTRA_H
#define M365ID_TESTS_UNIT_LIB_STS_MOCK_ENTRA_H

#include <pthread.h>

#include "daemons/common/httpd.h"
#include "unit/lib/token/token_fixture.h"
#include "util/crypto.h"

#define MOCK_REPLIES_MAX 8
#define MOCK_REQUESTS_MAX 16

struct mock_reply {
    int status;
    const char *content_type;
    const char *body;
    const char *retry_after; /* NULL: no Retry-After header */
};

/* One request as the server saw it; strings malloc'd. */
struct mock_seen {
    char *method;
    char *path;
    char *query_skiptoken;
    char *body;
    char *content_type;
    char *accept;
    char *content_encoding;
    char *authorization;
    char *client_assertion;
    char *grant_type;
    char *client_id;
    char *scope;
    char *client_assertion_type;
    char *user_agent;
};

struct mock_entra {
    struct httpd *server;
    struct m365id__tls_material tls;
    char ca_path[160];
    char base[64];      /* "https://127.0.0.1:PORT" */
    char authority[80]; /* base + "/" */
    pthread_mutex_t lock;
    struct mock_reply token_replies[MOCK_REPLIES_MAX];
    size_t token_reply_count;
    struct mock_reply graph_replies[MOCK_REPLIES_MAX];
    size_t graph_reply_count;
    struct mock_seen seen[MOCK_REQUESTS_MAX];
    size_t token_requests;
    size_t graph_requests;
    size_t seen_count;
    void (*after_token_request)(struct mock_entra *mock, size_t n); /* optional hook */
    void *hook_payload;
};

static inline char *mock_dup(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static void mock_handler(struct httpd_reply *reply, const struct httpd_request *req,
                         void *payload)
{
    struct mock_entra *m = payload;
    const struct mock_reply *r = NULL;
    struct mock_seen *s = NULL;
    struct httpd_form form = HTTPD_FORM_INIT;
    int is_token = strstr(req->path, "/oauth2/v2.0/token") != NULL;
    size_t n;

    pthread_mutex_lock(&m->lock);
    if (m->seen_count < MOCK_REQUESTS_MAX)
        s = &m->seen[m->seen_count++];
    if (s != NULL) {
        s->method = mock_dup(req->method);
        s->path = mock_dup(req->path);
        s->query_skiptoken = mock_dup(httpd_query(req, "$skiptoken"));
        s->body = mock_dup(req->body);
        s->content_type = mock_dup(httpd_header(req, "Content-Type"));
        s->accept = mock_dup(httpd_header(req, "Accept"));
        s->content_encoding = mock_dup(httpd_header(req, "Content-Encoding"));
        s->authorization = mock_dup(httpd_header(req, "Authorization"));
        s->user_agent = mock_dup(httpd_header(req, "User-Agent"));
        if (is_token && httpd_form_parse(&form, req->body, req->body_len) == 0) {
            s->client_assertion = mock_dup(httpd_form_get(&form, "client_assertion"));
            s->grant_type = mock_dup(httpd_form_get(&form, "grant_type"));
            s->client_id = mock_dup(httpd_form_get(&form, "client_id"));
            s->scope = mock_dup(httpd_form_get(&form, "scope"));
            s->client_assertion_type = mock_dup(httpd_form_get(&form, "client_assertion_type"));
        }
        httpd_form_clear(&form);
    }
    if (is_token) {
        n = m->token_requests++;
        if (m->token_reply_count > 0)
            r = &m->token_replies[n < m->token_reply_count ? n : m->token_reply_count - 1];
    } else {
        n = m->graph_requests++;
        if (m->graph_reply_count > 0)
            r = &m->graph_replies[n < m->graph_reply_count ? n : m->graph_reply_count - 1];
    }
    if (r == NULL) {
        httpd_reply_set(reply, 500, "text/plain", "no reply scripted", 17);
    } else {
        httpd_reply_set(reply, r->status, r->content_type, r->body, strlen(r->body));
        if (r->retry_after != NULL)
            httpd_reply_add_header(reply, "Retry-After", r->retry_after);
    }
    if (is_token && m->after_token_request != NULL)
        m->after_token_request(m, n);
    pthread_mutex_unlock(&m->lock);
}

/* Start the server and point @p f's context at it (authority, Graph endpoint, CA bundle). */
static inline void mock_start(struct mock_entra *m, struct fx *f)
{
    struct httpd_options opts = HTTPD_OPTIONS_INIT;
    char err[256] = "";

    memset(m, 0, sizeof(*m));
    pthread_mutex_init(&m->lock, NULL);
    assert_int_equal(m365id__tls_material_generate(&m->tls, 1, NULL), 0);
    snprintf(m->ca_path, sizeof(m->ca_path), "%s/ca.pem", f->dir);
    fx_write_str(m->ca_path, m->tls.ca_cert_pem);

    opts.tls_cert_pem = m->tls.server_cert_pem;
    opts.tls_key_pem = m->tls.server_key_pem;
    opts.handler = mock_handler;
    opts.payload = m;
    if (httpd_start(&m->server, &opts, err, sizeof(err)) != 0)
        print_error("httpd_start: %s\n", err);
    assert_non_null(m->server);
    snprintf(m->base, sizeof(m->base), "https://127.0.0.1:%u", httpd_port(m->server));

    snprintf(m->authority, sizeof(m->authority), "%s/", m->base);

    /* The fixture's environment keeps pointers, so the strings live in the mock. */
    fx_env_set(f, "M365_CA_BUNDLE", m->ca_path);
    fx_env_set(f, "M365_AUTHORITY_HOST", m->authority);
    fx_env_set(f, "M365_GRAPH_ENDPOINT", m->base);
    fx_configure(f);
}

static inline void mock_stop(struct mock_entra *m)
{
    httpd_stop(m->server);
    m->server = NULL;
    for (size_t i = 0; i < m->seen_count; i++) {
        struct mock_seen *s = &m->seen[i];

        free(s->method);
        free(s->path);
        free(s->query_skiptoken);
        free(s->body);
        free(s->content_type);
        free(s->accept);
        free(s->content_encoding);
        free(s->authorization);
        free(s->client_assertion);
        free(s->grant_type);
        free(s->client_id);
        free(s->scope);
        free(s->client_assertion_type);
        free(s->user_agent);
    }
    m->seen_count = 0;
    m365id__tls_material_clear(&m->tls);
    pthread_mutex_destroy(&m->lock);
}

static inline void mock_token_reply(struct mock_entra *m, int status, const char *content_type,
                                    const char *body, const char *retry_after)
{
    struct mock_reply r = {status, content_type, body, retry_after};

    assert_true(m->token_reply_count < MOCK_REPLIES_MAX);
    m->token_replies[m->token_reply_count++] = r;
}

static inline void mock_graph_reply(struct mock_entra *m, int status, const char *body,
                                    const char *retry_after)
{
    struct mock_reply r = {status, "application/json", body, retry_after};

    assert_true(m->graph_reply_count < MOCK_REPLIES_MAX);
    m->graph_replies[m->graph_reply_count++] = r;
}

#endif /* M365ID_TESTS_UNIT_LIB_STS_MOCK_ENTRA_H */
