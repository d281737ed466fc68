/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * One HTTP request over libcurl, shared by libm365id and the emulator (which fetches issuer
 * documents as Entra does), and the pool of libcurl handles that keeps connections open between
 * the requests of one libm365id context. The only file that calls libcurl.
 */
#ifndef M365ID_UTIL_HTTP_CLIENT_H
#define M365ID_UTIL_HTTP_CLIENT_H

#include <stddef.h>

#include "buf.h"

/* Idle libcurl handles, with their open connections, kept between requests. */
struct m365id__http_pool;

struct m365id__http_request {
    const char *method;           /* "GET", "POST", ...; NULL means GET */
    const char *url;              /* https:// URL; http:// only when allow_http is set */
    const char *const *headers;   /* "Name: value" lines, NULL-terminated; may be NULL */
    const char *body;             /* request body sent as is, never compressed; may be NULL */
    size_t body_len;
    const char *ca_file;          /* PEM bundle to trust instead of the system store; may be NULL */
    long timeout_ms;              /* whole transfer; 0 means 30000 */
    long connect_timeout_ms;      /* 0 means 10000 */
    size_t max_response;          /* body bytes accepted (0 means M365ID_STS_REPLY_MAX);
                                     larger replies fail with ETOOBIG */
    int response_is_secret;       /* nonzero: the body buffer is wiped on clear */
    int allow_http;               /* nonzero: plain http is allowed (tests of error paths) */
    const char *user_agent;       /* NULL means "m365id/<version>" */
    const char *user_agent_product; /* appended to the user agent after a space; may be NULL */
    const char *proxy_url;        /* explicit proxy; NULL leaves the proxy variables
                                     (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) to libcurl */
    const char *proxy_username;   /* with proxy_url only; may be NULL */
    const char *proxy_password;   /* secret; with proxy_username only */
    const char *no_proxy;         /* CURLOPT_NOPROXY: NULL leaves NO_PROXY to libcurl, "" uses
                                     the proxy for every host, "*" never uses one */
    int follow_redirects;         /* nonzero: follow up to max_redirects redirects (https only) */
    long max_redirects;
    struct m365id__http_pool *pool; /* reuse a handle and its connections from this pool;
                                       NULL: a fresh handle, closed after the call */
};

struct m365id__http_response {
    long status;                 /* HTTP status, 0 when no reply arrived */
    struct m365id__buf body;
    char *content_type;          /* malloc'd, or NULL */
    char *retry_after;           /* raw Retry-After value, malloc'd, or NULL */
    char error[256];             /* transport failure text (libcurl's), "" on success */
    long long elapsed_ms;        /* total transfer time */
    int permanent;               /* nonzero: the transfer failure cannot pass by itself (bad
                                    URL, TLS verification, local TLS setup), so a retry
                                    would fail the same way */
    int tls_untrusted;           /* nonzero: the server's certificate did not verify against
                                    the trusted CAs, or the CA file could not be loaded */
    int proxy_auth_required;     /* nonzero: a proxy answered 407 (the CONNECT or the request);
                                    permanent is set too, and the call returns M365ID_ENET */
};

#define M365ID__HTTP_RESPONSE_INIT {0, M365ID__BUF_INIT(0), NULL, NULL, {0}, 0, 0, 0, 0}

/** Call once per process before threads start (libcurl global init). Idempotent. */
int m365id__http_global_init(void);

/**
 * Create an empty pool. Creating it does not call libcurl. Returns 0 or M365ID_ENOMEM.
 *
 * Requests that name the pool take an idle handle from it, or a new one, and put it back
 * afterwards, so that the next request to the same origin reuses the open TCP connection and
 * TLS session. libcurl reuses a connection only when host, port, proxy, TLS settings and CA
 * file match the new request. Every other option is set afresh on each request. The pool is
 * thread-safe: concurrent requests use different handles, and at most
 * M365ID__HTTP_POOL_IDLE_MAX idle handles are kept. In a child process after fork() the pool
 * is bypassed (each request uses a fresh handle), so the child never writes to the parent's
 * connections.
 */
int m365id__http_pool_new(struct m365id__http_pool **out);

/**
 * Close the idle handles and their connections and free @p pool. No request may be running on
 * it. NULL is a no-op. In a child process after fork() the idle handles are abandoned rather
 * than closed, because closing would send TLS close_notify on sockets shared with the parent.
 */
void m365id__http_pool_free(struct m365id__http_pool *pool);

/* Idle handles a pool keeps; more concurrent requests use extra handles that are closed after. */
#define M365ID__HTTP_POOL_IDLE_MAX 4

/**
 * Perform @p req. Returns 0 when any HTTP reply arrived (whatever its status), M365ID_ENET when
 * the host could not be reached or the transfer failed (error contains libcurl's text, with the
 * TLS verification reason when there is one; permanent and tls_untrusted classify the
 * failure), M365ID_ETOOBIG when the body exceeds
 * max_response, M365ID_EINVAL for a non-https URL without allow_http. @p resp is overwritten
 * without being freed: pass a fresh M365ID__HTTP_RESPONSE_INIT or a cleared response.
 */
int m365id__http_perform(struct m365id__http_response *resp,
                         const struct m365id__http_request *req);

/**
 * The wait a Retry-After header value requests, in whole seconds from @p now_s: a number of
 * seconds, or an HTTP date (RFC 9110 section 10.2.3) parsed with curl_getdate(); a date in
 * the past gives 0. Returns 0, or -1 when @p value is NULL or neither form.
 */
int m365id__http_retry_after_s(unsigned long long *seconds_out, const char *value,
                               long long now_s);

/**
 * Nonzero when the host of @p url is a loopback address (127.0.0.0/8, ::1, "localhost") or a
 * link-local one (169.254.0.0/16, fe80::/10), where a local token server listens.
 */
int m365id__http_url_is_local(const char *url);

/** Free the response, wiping the body when it was marked secret. */
void m365id__http_response_clear(struct m365id__http_response *resp);

#endif /* M365ID_UTIL_HTTP_CLIENT_H */
