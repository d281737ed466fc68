/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * One HTTP request on a libcurl easy handle, either fresh or taken from a pool that keeps
 * handles and their open connections between requests. Every option is set on each request,
 * so only libcurl's caches (open connections, DNS results, TLS sessions) carry over from the
 * previous one. Retries and status handling belong to the callers.
 */
#include "util/http_client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "m365id/error.h"
#include "util/limits.h"
#include "util/strutil.h"

#define DEFAULT_USER_AGENT "m365id/0.1.0"
#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_CONNECT_TIMEOUT_MS 10000L

_Static_assert(sizeof(((struct m365id__http_response *)0)->error) >= CURL_ERROR_SIZE,
               "libcurl writes up to CURL_ERROR_SIZE bytes into the error buffer");

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init_once(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int m365id__http_global_init(void)
{
    pthread_once(&global_once, global_init_once);
    return global_rc == CURLE_OK ? 0 : M365ID_ENOMEM;
}

/*
 * A libcurl easy handle keeps its connection cache (and DNS and TLS session caches) across
 * curl_easy_reset(), so idle handles are what the pool keeps. A CURLSH share object with
 * CURL_LOCK_DATA_CONNECT would keep one cache for all threads, but libcurl's
 * documentation of CURLSHOPT_SHARE states that sharing connections between concurrent threads
 * is not supported, so each concurrent request gets a handle of its own instead.
 */
struct m365id__http_pool {
    pthread_mutex_t lock;                      /* guards idle and idle_count */
    pid_t owner_pid;                           /* the process that created the pool */
    CURL *idle[M365ID__HTTP_POOL_IDLE_MAX];
    size_t idle_count;
};

int m365id__http_pool_new(struct m365id__http_pool **out)
{
    struct m365id__http_pool *pool = calloc(1, sizeof(*pool));

    *out = NULL;
    if (pool == NULL)
        return M365ID_ENOMEM;
    if (pthread_mutex_init(&pool->lock, NULL) != 0) {
        free(pool);
        return M365ID_ENOMEM;
    }
    pool->owner_pid = getpid();
    *out = pool;
    return 0;
}

void m365id__http_pool_free(struct m365id__http_pool *pool)
{
    size_t i;

    if (pool == NULL)
        return;
    /* NOTE: in a forked child the handles are leaked on purpose: curl_easy_cleanup() would
     * send TLS close_notify records on sockets that the parent still uses. */
    if (pool->owner_pid == getpid()) {
        for (i = 0; i < pool->idle_count; i++)
            curl_easy_cleanup(pool->idle[i]);
    }
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}

/* An idle handle of @p pool, or a new one (also when @p pool is NULL or belongs to the parent
 * of a forked process). NULL when memory runs out. */
static CURL *handle_take(struct m365id__http_pool *pool)
{
    CURL *curl = NULL;

    if (pool != NULL && pool->owner_pid == getpid()) {
        pthread_mutex_lock(&pool->lock);
        if (pool->idle_count > 0)
            curl = pool->idle[--pool->idle_count];
        pthread_mutex_unlock(&pool->lock);
    }
    return curl != NULL ? curl : curl_easy_init();
}

/* Return @p curl to @p pool with every option cleared, or close it when the pool is full,
 * missing or not this process's. */
static void handle_give_back(struct m365id__http_pool *pool, CURL *curl)
{
    if (curl == NULL)
        return;
    /* Drops the options, which point into the request and the response, and libcurl's copies
     * of strings such as the proxy password; open connections stay. */
    curl_easy_reset(curl);
    if (pool != NULL && pool->owner_pid == getpid()) {
        pthread_mutex_lock(&pool->lock);
        if (pool->idle_count < M365ID__HTTP_POOL_IDLE_MAX) {
            pool->idle[pool->idle_count++] = curl;
            curl = NULL;
        }
        pthread_mutex_unlock(&pool->lock);
    }
    curl_easy_cleanup(curl);
}

/* State shared with the libcurl callbacks of one transfer. */
struct transfer {
    struct m365id__http_response *resp;
    int body_rc;         /* first failure of a callback: ETOOBIG or ENOMEM */
    size_t header_bytes; /* reply header bytes so far, every header block together */
    int headers_too_big; /* the reply headers passed M365ID_HTTP_HEADERS_MAX */
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct transfer *t = userdata;
    size_t len = size * nmemb;
    int rc;

    if ((rc = m365id__buf_put(&t->resp->body, data, len)) < 0) {
        t->body_rc = rc;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    return len;
}

/* Replace *slot with the trimmed header value after the colon. */
static void keep_header_value(char **slot, const char *value, size_t len)
{
    size_t vlen;
    const char *v = m365id__trim(value, len, &vlen);
    char *copy = malloc(vlen + 1);

    if (copy == NULL)
        return;
    memcpy(copy, v, vlen);
    copy[vlen] = '\0';
    free(*slot);
    *slot = copy;
}

static int header_is(const char *line, size_t len, const char *name)
{
    size_t n = strlen(name);

    return len > n && line[n] == ':' && strncasecmp(line, name, n) == 0;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *userdata)
{
    struct transfer *t = userdata;
    size_t len = size * nmemb;

    if (len > M365ID_HTTP_HEADERS_MAX - t->header_bytes) {
        t->body_rc = M365ID_ETOOBIG;
        t->headers_too_big = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    t->header_bytes += len;

    /* A new status line (after "100 Continue") starts a new header block. */
    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        free(t->resp->content_type);
        free(t->resp->retry_after);
        t->resp->content_type = NULL;
        t->resp->retry_after = NULL;
    } else if (header_is(line, len, "Content-Type")) {
        keep_header_value(&t->resp->content_type, line + 13, len - 13);
    } else if (header_is(line, len, "Retry-After")) {
        keep_header_value(&t->resp->retry_after, line + 12, len - 12);
    }
    return len;
}

/*
 * Nonzero for transfer failures that do not pass by themselves: the request or the local TLS
 * setup is wrong, or the server's certificate does not verify. Connection failures, timeouts,
 * resets and handshake errors (CURLE_SSL_CONNECT_ERROR) may be transient.
 */
static int failure_is_permanent(CURLcode cc)
{
    switch (cc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
        return 1;
    default:
        return 0;
    }
}

/* Nonzero when the URL scheme is allowed: https always, http only with allow_http set. */
static int scheme_allowed(const char *url, int allow_http)
{
    if (strncasecmp(url, "https://", 8) == 0)
        return 1;
    return allow_http && strncasecmp(url, "http://", 7) == 0;
}

int m365id__http_perform(struct m365id__http_response *resp,
                         const struct m365id__http_request *req)
{
    struct transfer t = {resp, 0, 0, 0};
    struct curl_slist *headers = NULL;
    struct curl_slist *grown;
    const char *method = req->method != NULL ? req->method : "GET";
    curl_off_t total_us = 0;
    long connect_code = 0;
    char agent[512];
    CURL *curl = NULL;
    CURLcode cc;
    size_t i;
    int rc;

    memset(resp, 0, sizeof(*resp));
    resp->body.max = req->max_response != 0 ? req->max_response : M365ID_STS_REPLY_MAX;
    resp->body.secret = req->response_is_secret != 0;

    if (req->url == NULL || !scheme_allowed(req->url, req->allow_http)) {
        snprintf(resp->error, sizeof(resp->error), "URL scheme is not %s",
                 req->allow_http ? "http or https" : "https");
        return M365ID_EINVAL;
    }
    if ((rc = m365id__http_global_init()) < 0)
        return rc;

    rc = M365ID_ENOMEM;
    curl = handle_take(req->pool);
    if (curl == NULL)
        goto out;

    /* Without this header libcurl sends "Expect: 100-continue" for larger POST bodies and
     * waits up to a second for a 100 reply that some servers never send. */
    headers = curl_slist_append(NULL, "Expect:");
    if (headers == NULL)
        goto out;
    for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++) {
        grown = curl_slist_append(headers, req->headers[i]);
        if (grown == NULL)
            goto out;
        headers = grown;
    }

    /* "m365id/<version> <product>": the custom product follows ours, as RFC 9110 orders
     * products by significance. */
    snprintf(agent, sizeof(agent), "%s%s%s",
             req->user_agent != NULL ? req->user_agent : DEFAULT_USER_AGENT,
             req->user_agent_product != NULL ? " " : "",
             req->user_agent_product != NULL ? req->user_agent_product : "");

    /* NOTE: no CURLOPT_ACCEPT_ENCODING: replies stay uncompressed so that max_response
     * bounds the bytes held in memory. Without proxy_url, the proxy variables (HTTPS_PROXY,
     * NO_PROXY) apply as libcurl reads them by default. */
    curl_easy_setopt(curl, CURLOPT_URL, req->url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, req->allow_http ? "http,https" : "https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, resp->error);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, agent);
    if (req->follow_redirects && req->max_redirects > 0) {
        curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(curl, CURLOPT_MAXREDIRS, req->max_redirects);
    }
    if (req->proxy_url != NULL) {
        curl_easy_setopt(curl, CURLOPT_PROXY, req->proxy_url);
        if (req->proxy_username != NULL && req->proxy_password != NULL) {
            curl_easy_setopt(curl, CURLOPT_PROXYUSERNAME, req->proxy_username);
            curl_easy_setopt(curl, CURLOPT_PROXYPASSWORD, req->proxy_password);
        }
    }
    if (req->no_proxy != NULL)
        curl_easy_setopt(curl, CURLOPT_NOPROXY, req->no_proxy);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     req->timeout_ms > 0 ? req->timeout_ms : DEFAULT_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     req->connect_timeout_ms > 0 ? req->connect_timeout_ms
                                                 : DEFAULT_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
    if (req->ca_file != NULL)
        curl_easy_setopt(curl, CURLOPT_CAINFO, req->ca_file);
#if LIBCURL_VERSION_NUM >= 0x075700
    /* Since libcurl 7.87 a reused handle keeps the parsed CA file for 24 hours by default.
     * Without that cache a rotated bundle applies to the next new connection, as it did with a
     * fresh handle per request. */
    curl_easy_setopt(curl, CURLOPT_CA_CACHE_TIMEOUT, 0L);
#endif

    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else {
        /* POSTFIELDS does not copy the body, so a secret body has no second copy. */
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body != NULL ? req->body : "");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(req->body != NULL ? req->body_len : 0));
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    }

    cc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
    curl_easy_getinfo(curl, CURLINFO_HTTP_CONNECTCODE, &connect_code);
    if (curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME_T, &total_us) == CURLE_OK)
        resp->elapsed_ms = (long long)(total_us / 1000);

    /* A 407 comes from a proxy: in reply to CONNECT (libcurl then fails the transfer) or, for
     * plain http through a proxy, as the reply itself. Origin servers do not send it, and the
     * same request would meet the same answer, so it is a permanent transfer failure. */
    if (connect_code == 407 || (resp->status == 407 && cc == CURLE_OK)) {
        snprintf(resp->error, sizeof(resp->error), "the proxy requires authentication (HTTP 407)");
        resp->proxy_auth_required = 1;
        resp->permanent = 1;
        rc = M365ID_ENET;
    } else if (cc == CURLE_OK) {
        resp->error[0] = '\0';
        rc = 0;
    } else if (cc == CURLE_WRITE_ERROR && t.body_rc != 0) {
        rc = t.body_rc;
        if (t.headers_too_big)
            snprintf(resp->error, sizeof(resp->error),
                     "reply headers exceed the size limit of %u bytes", M365ID_HTTP_HEADERS_MAX);
        else
            snprintf(resp->error, sizeof(resp->error), "%s",
                     rc == M365ID_ETOOBIG ? "reply body exceeds the size limit"
                                          : "out of memory while receiving the reply body");
    } else if (cc == CURLE_OUT_OF_MEMORY) {
        rc = M365ID_ENOMEM;
    } else {
        if (resp->error[0] == '\0')
            snprintf(resp->error, sizeof(resp->error), "%s", curl_easy_strerror(cc));
        resp->permanent = failure_is_permanent(cc);
        resp->tls_untrusted = cc == CURLE_PEER_FAILED_VERIFICATION ||
                              cc == CURLE_SSL_CACERT_BADFILE || cc == CURLE_SSL_ISSUER_ERROR;
        rc = M365ID_ENET;
    }

out:
    handle_give_back(req->pool, curl);
    curl_slist_free_all(headers);
    return rc;
}

void m365id__http_response_clear(struct m365id__http_response *resp)
{
    if (resp == NULL)
        return;
    m365id__buf_clear(&resp->body);
    free(resp->content_type);
    free(resp->retry_after);
    resp->content_type = NULL;
    resp->retry_after = NULL;
    resp->status = 0;
    resp->error[0] = '\0';
    resp->elapsed_ms = 0;
    resp->permanent = 0;
    resp->tls_untrusted = 0;
    resp->proxy_auth_required = 0;
}

int m365id__http_retry_after_s(unsigned long long *seconds_out, const char *value,
                               long long now_s)
{
    uint64_t s = 0;
    time_t at;

    *seconds_out = 0;
    if (value == NULL)
        return -1;
    if (m365id__parse_u64(&s, value) == 0) {
        *seconds_out = (unsigned long long)s;
        return 0;
    }
    /* Only a date names a weekday or month; this keeps "-5" or "1.5" from reading as one. */
    if (strlen(value) < 10)
        return -1;
    at = curl_getdate(value, NULL);
    if (at == (time_t)-1)
        return -1;
    if ((long long)at > now_s)
        *seconds_out = (unsigned long long)((long long)at - now_s);
    return 0;
}

/* Nonzero for a numeric IPv4 or IPv6 address in loopback or link-local space. */
static int address_is_local(const char *host)
{
    unsigned char a[16];

    if (inet_pton(AF_INET, host, a) == 1)
        return a[0] == 127 || (a[0] == 169 && a[1] == 254);
    if (inet_pton(AF_INET6, host, a) == 1) {
        static const unsigned char loop6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

        if (memcmp(a, loop6, sizeof(loop6)) == 0)
            return 1;
        return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
    }
    return 0;
}

int m365id__http_url_is_local(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL;
    char bare[64];
    size_t len;
    int local = 0;

    if (u == NULL || url == NULL)
        goto out;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
        goto out;

    /* IPv6 hosts come back in brackets, with any zone id inside. */
    len = strlen(host);
    if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
        size_t n = strcspn(host + 1, "%]");

        if (n >= sizeof(bare))
            goto out;
        memcpy(bare, host + 1, n);
        bare[n] = '\0';
    } else {
        if (len >= sizeof(bare))
            goto out;
        memcpy(bare, host, len + 1);
    }
    local = strcasecmp(bare, "localhost") == 0 || address_is_local(bare);

out:
    curl_free(host);
    curl_url_cleanup(u);
    return local;
}
