/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/util/http_client.c: the scheme check, a refused connection, which failures
 * are permanent, and replies from a one-shot plain HTTP server on 127.0.0.1 (status, captured
 * headers, the body size limit). A libmicrohttpd HTTPS server that counts the connections it
 * accepts checks the handle pool: reuse, no reuse across CA files or proxies, threads, fork.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "m365id/error.h"
#include "util/crypto.h"
#include "util/http_client.h"

/* A server that accepts one connection, reads the request head and sends a canned reply. */
struct one_shot {
    int listen_fd;
    unsigned short port;
    const char *reply;
    char request[4096]; /* the request head as received */
    pthread_t thread;
};

static void *serve_once(void *arg)
{
    struct one_shot *s = arg;
    size_t got = 0;
    int fd = accept(s->listen_fd, NULL, NULL);

    if (fd < 0)
        return NULL;
    while (got < sizeof(s->request) - 1) {
        ssize_t n = recv(fd, s->request + got, sizeof(s->request) - 1 - got, 0);

        if (n <= 0)
            break;
        got += (size_t)n;
        s->request[got] = '\0';
        if (strstr(s->request, "\r\n\r\n") != NULL)
            break;
    }
    (void)!write(fd, s->reply, strlen(s->reply));
    shutdown(fd, SHUT_WR);
    close(fd);
    return NULL;
}

/* Bind 127.0.0.1 on an ephemeral port; with @p listening 0 the port refuses connections. */
static int bind_loopback(unsigned short *port, int listening)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    if (listening)
        assert_int_equal(listen(fd, 1), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

static void one_shot_start(struct one_shot *s, const char *reply)
{
    memset(s, 0, sizeof(*s));
    s->reply = reply;
    s->listen_fd = bind_loopback(&s->port, 1);
    assert_int_equal(pthread_create(&s->thread, NULL, serve_once, s), 0);
}

static void one_shot_stop(struct one_shot *s)
{
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
}

static void test_util_http_client__http_url_needs_allow_http(void **state)
{
    struct m365id__http_request req = {0};
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;

    (void)state;
    req.url = "http://127.0.0.1:9/";
    assert_int_equal(m365id__http_perform(&resp, &req), M365ID_EINVAL);
    assert_int_equal(resp.status, 0);
    assert_true(strlen(resp.error) > 0);
    m365id__http_response_clear(&resp);

    req.url = "ftp://127.0.0.1/";
    req.allow_http = 1;
    assert_int_equal(m365id__http_perform(&resp, &req), M365ID_EINVAL);
    m365id__http_response_clear(&resp);

    req.url = NULL;
    assert_int_equal(m365id__http_perform(&resp, &req), M365ID_EINVAL);
    m365id__http_response_clear(&resp);
}

static void test_util_http_client__refused_connection_is_net_error(void **state)
{
    struct m365id__http_request req = {0};
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    unsigned short port;
    int fd = bind_loopback(&port, 0);
    char url[64];

    (void)state;
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/", (unsigned)port);
    req.url = url;
    req.allow_http = 1;
    req.timeout_ms = 5000;
    assert_int_equal(m365id__http_perform(&resp, &req), M365ID_ENET);
    assert_int_equal(resp.status, 0);
    assert_true(strlen(resp.error) > 0);
    print_message("transport error text: %s\n", resp.error);
    m365id__http_response_clear(&resp);

    /* The same closed port over https fails the same way. */
    snprintf(url, sizeof(url), "https://127.0.0.1:%u/", (unsigned)port);
    req.allow_http = 0;
    assert_int_equal(m365id__http_perform(&resp, &req), M365ID_ENET);
    assert_true(strlen(resp.error) > 0);
    assert_false(resp.permanent);
    assert_false(resp.tls_untrusted);
    m365id__http_response_clear(&resp);
    close(fd);
}

/* A malformed URL fails the same way on every attempt, so callers must not retry it. */
static void test_util_http_client__malformed_url_is_permanent(void **state)
{
    struct m365id__http_request req = {0};
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;

    (void)state;
    req.url = "https://127.0.0.1:99999/";
    assert_int_equal(m365id__http_perform(&resp, &req), M365ID_ENET);
    assert_true(resp.permanent);
    assert_false(resp.tls_untrusted);
    m365id__http_response_clear(&resp);
    assert_false(resp.permanent);
}

/* A CA file without certificates fails before the handshake, on every attempt. */
static void test_util_http_client__unusable_ca_file_is_permanent(void **state)
{
    struct m365id__http_request req = {0};
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    struct one_shot server;
    char ca_path[] = "/tmp/m365id-junk-ca-XXXXXX";
    int fd = mkstemp(ca_path);
    char url[64];

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "junk\n", 5), 5);
    close(fd);
    one_shot_start(&server, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    snprintf(url, sizeof(url), "https://127.0.0.1:%u/", (unsigned)server.port);
    req.url = url;
    req.ca_file = ca_path;
    req.timeout_ms = 5000;
    assert_int_equal(m365id__http_perform(&resp, &req), M365ID_ENET);
    print_message("transport error text: %s\n", resp.error);
    assert_true(resp.permanent);
    assert_true(resp.tls_untrusted);
    m365id__http_response_clear(&resp);
    one_shot_stop(&server);
    unlink(ca_path);
}

static void test_util_http_client__reply_status_headers_and_body(void **state)
{
    static const char reply[] = "HTTP/1.1 429 Too Many Requests\r\n"
                                "Content-Type: application/json; charset=utf-8\r\n"
                                "retry-after:   7  \r\n"
                                "Content-Length: 15\r\n"
                                "Connection: close\r\n\r\n"
                                "{\"error\":\"x\"}\r\n";
    static const char *const headers[] = {"Content-Type: application/x-www-form-urlencoded",
                                          "X-Test: 1", NULL};
    struct m365id__http_request req = {0};
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    struct one_shot srv;
    char url[64];

    (void)state;
    one_shot_start(&srv, reply);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/token", (unsigned)srv.port);
    req.method = "POST";
    req.url = url;
    req.headers = headers;
    req.body = "a=b";
    req.body_len = 3;
    req.allow_http = 1;
    req.max_response = 1024;
    req.response_is_secret = 1;
    assert_int_equal(m365id__http_perform(&resp, &req), 0);
    one_shot_stop(&srv);

    assert_int_equal(resp.status, 429);
    assert_string_equal(resp.content_type, "application/json; charset=utf-8");
    assert_string_equal(resp.retry_after, "7");
    assert_string_equal(m365id__buf_cstr(&resp.body), "{\"error\":\"x\"}\r\n");
    assert_int_equal(resp.body.secret, 1);
    assert_string_equal(resp.error, "");
    assert_true(resp.elapsed_ms >= 0);

    assert_non_null(strstr(srv.request, "POST /token HTTP/1.1\r\n"));
    assert_non_null(strstr(srv.request, "User-Agent: m365id/0.1.0\r\n"));
    assert_non_null(strstr(srv.request, "X-Test: 1\r\n"));
    assert_null(strstr(srv.request, "Accept-Encoding"));
    assert_null(strstr(srv.request, "Expect:"));
    m365id__http_response_clear(&resp);
    assert_null(resp.content_type);
    assert_null(resp.body.ptr);
}

static void test_util_http_client__body_at_max_is_accepted(void **state)
{
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
                                "Connection: close\r\n\r\n0123456789";
    struct m365id__http_request req = {0};
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    struct one_shot srv;
    char url[64];

    (void)state;
    one_shot_start(&srv, reply);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/", (unsigned)srv.port);
    req.url = url;
    req.allow_http = 1;
    req.max_response = 10;
    req.user_agent = "custom/1";
    assert_int_equal(m365id__http_perform(&resp, &req), 0);
    one_shot_stop(&srv);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.body.len, 10);
    assert_null(resp.content_type);
    assert_null(resp.retry_after);
    assert_non_null(strstr(srv.request, "GET / HTTP/1.1\r\n"));
    assert_non_null(strstr(srv.request, "User-Agent: custom/1\r\n"));
    m365id__http_response_clear(&resp);
}

static void test_util_http_client__body_one_byte_over_max_is_too_big(void **state)
{
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n"
                                "Connection: close\r\n\r\n0123456789A";
    struct m365id__http_request req = {0};
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    struct one_shot srv;
    char url[64];

    (void)state;
    one_shot_start(&srv, reply);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/", (unsigned)srv.port);
    req.url = url;
    req.allow_http = 1;
    req.max_response = 10;
    assert_int_equal(m365id__http_perform(&resp, &req), M365ID_ETOOBIG);
    one_shot_stop(&srv);
    assert_true(strlen(resp.error) > 0);
    assert_true(resp.body.len <= 10);
    m365id__http_response_clear(&resp);
}

static void test_util_http_client__headers_over_limit_are_too_big(void **state)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n";
    static const char tail[] = "Connection: close\r\n\r\nok";
    struct m365id__http_request req = {0};
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    struct one_shot srv;
    char url[64];
    char *reply;
    size_t used;
    size_t i;

    (void)state;
    /* 80 headers of 1 KiB each: more than M365ID_HTTP_HEADERS_MAX together, although every
     * line is far below libcurl's own limit per line. */
    reply = malloc(sizeof(head) + 80 * 1040 + sizeof(tail));
    assert_non_null(reply);
    used = (size_t)snprintf(reply, sizeof(head), "%s", head);
    for (i = 0; i < 80; i++) {
        used += (size_t)snprintf(reply + used, 1040, "X-Pad-%02zu: ", i);
        memset(reply + used, 'p', 1000);
        used += 1000;
        reply[used++] = '\r';
        reply[used++] = '\n';
    }
    memcpy(reply + used, tail, sizeof(tail));
    signal(SIGPIPE, SIG_IGN); /* the client hangs up while the server still writes */
    one_shot_start(&srv, reply);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/", (unsigned)srv.port);
    req.url = url;
    req.allow_http = 1;
    assert_int_equal(m365id__http_perform(&resp, &req), M365ID_ETOOBIG);
    one_shot_stop(&srv);
    assert_non_null(strstr(resp.error, "reply headers exceed the size limit"));
    assert_int_equal(resp.body.len, 0);
    m365id__http_response_clear(&resp);
    free(reply);
}

static void test_util_http_client__silent_server_times_out(void **state)
{
    struct m365id__http_request req = {0};
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    unsigned short port;
    char url[64];
    int fd;

    (void)state;
    /* The kernel completes the connection from the listen backlog, and nothing ever
     * replies, so only the transfer time limit ends the request. */
    fd = bind_loopback(&port, 1);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/", (unsigned)port);
    req.url = url;
    req.allow_http = 1;
    req.timeout_ms = 300;
    assert_int_equal(m365id__http_perform(&resp, &req), M365ID_ENET);
    assert_int_equal(resp.status, 0);
    assert_non_null(strstr(resp.error, "imed out"));
    m365id__http_response_clear(&resp);
    close(fd);
}

/* --- the handle pool, against an HTTPS server that counts accepted connections --- */

/* A keep-alive HTTPS server for "localhost" and a CA file that trusts it. */
struct tls_server {
    struct MHD_Daemon *mhd;
    unsigned short port;
    atomic_int connections; /* TCP connections accepted so far */
    struct m365id__self_signed cert;
    char ca_path[64];
    char url[64];
};

static void on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct tls_server *server = cls;

    (void)connection;
    (void)socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED)
        atomic_fetch_add(&server->connections, 1);
}

/* Reply 200 with "<method> <X-Test header or ->", so that a test can check what was sent. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    static int started;
    const char *test_header;
    struct MHD_Response *response;
    enum MHD_Result ret;
    char body[128];

    (void)cls;
    (void)url;
    (void)version;
    (void)upload_data;
    if (*req_cls == NULL) {
        *req_cls = &started;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    test_header = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "X-Test");
    snprintf(body, sizeof(body), "%s %s", method, test_header != NULL ? test_header : "-");
    response = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_COPY);
    if (response == NULL)
        return MHD_NO;
    ret = MHD_queue_response(connection, MHD_HTTP_OK, response);
    MHD_destroy_response(response);
    return ret;
}

/* Write @p pem to a new temporary file named in @p path (a mkstemp template). */
static void write_temp(char *path, const char *pem)
{
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, pem, strlen(pem)), (ssize_t)strlen(pem));
    close(fd);
}

static void tls_server_start(struct tls_server *server)
{
    struct sockaddr_in sa;
    const union MHD_DaemonInfo *info;

    memset(server, 0, sizeof(*server));
    atomic_init(&server->connections, 0);
    assert_int_equal(m365id__self_signed_generate(&server->cert, 1), 0);
    snprintf(server->ca_path, sizeof(server->ca_path), "/tmp/m365id-pool-ca-XXXXXX");
    write_temp(server->ca_path, server->cert.cert_pem);

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    server->mhd = MHD_start_daemon(
        MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL,
        NULL, on_request, server, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_HTTPS_MEM_CERT, server->cert.cert_pem, MHD_OPTION_HTTPS_MEM_KEY,
        server->cert.key_pem, MHD_OPTION_NOTIFY_CONNECTION, on_connection, server,
        MHD_OPTION_END);
    assert_non_null(server->mhd);
    info = MHD_get_daemon_info(server->mhd, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(info);
    server->port = info->port;
    snprintf(server->url, sizeof(server->url), "https://localhost:%u/", (unsigned)server->port);
}

static void tls_server_stop(struct tls_server *server)
{
    MHD_stop_daemon(server->mhd);
    unlink(server->ca_path);
    m365id__self_signed_clear(&server->cert);
}

/* One request to @p server through @p pool; returns the m365id__http_perform() code and
 * copies the reply body to @p body. */
static int pooled_request(char *body, size_t body_size, struct tls_server *server,
                          struct m365id__http_pool *pool, const char *method,
                          const char *const *headers, const char *ca_file)
{
    struct m365id__http_request req = {0};
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    int rc;

    req.url = server->url;
    req.method = method;
    req.headers = headers;
    req.body = method != NULL && strcmp(method, "POST") == 0 ? "a=1&b=2" : NULL;
    req.body_len = req.body != NULL ? 7 : 0;
    req.ca_file = ca_file != NULL ? ca_file : server->ca_path;
    req.timeout_ms = 10000;
    req.pool = pool;
    rc = m365id__http_perform(&resp, &req);
    if (rc == 0 && resp.status != 200)
        rc = -1000 - (int)resp.status;
    snprintf(body, body_size, "%s", resp.body.ptr != NULL ? resp.body.ptr : "");
    if (rc != 0)
        print_message("request failed: rc %d, %s\n", rc, resp.error);
    m365id__http_response_clear(&resp);
    return rc;
}

static void test_util_http_client__pool_reuses_one_connection(void **state)
{
    static const char *const with_header[] = {"X-Test: first", NULL};
    struct m365id__http_pool *pool = NULL;
    struct tls_server server;
    char body[128];
    int i;

    (void)state;
    tls_server_start(&server);
    assert_int_equal(m365id__http_pool_new(&pool), 0);

    /* Methods and headers alternate: none of them may carry over to the next request. */
    assert_int_equal(pooled_request(body, sizeof(body), &server, pool, NULL, with_header, NULL),
                     0);
    assert_string_equal(body, "GET first");
    for (i = 0; i < 5; i++) {
        const char *method = i % 2 == 0 ? "POST" : "GET";
        char want[16];

        assert_int_equal(pooled_request(body, sizeof(body), &server, pool, method, NULL, NULL), 0);
        snprintf(want, sizeof(want), "%s -", method);
        assert_string_equal(body, want);
    }
    assert_int_equal(atomic_load(&server.connections), 1);

    /* Without a pool every request opens its own connection. */
    for (i = 0; i < 3; i++)
        assert_int_equal(pooled_request(body, sizeof(body), &server, NULL, NULL, NULL, NULL), 0);
    assert_int_equal(atomic_load(&server.connections), 4);

    m365id__http_pool_free(pool);
    tls_server_stop(&server);
}

static void test_util_http_client__pool_ca_change_reconnects(void **state)
{
    struct m365id__http_pool *pool = NULL;
    struct m365id__self_signed other = {0};
    struct tls_server server;
    char copy_path[] = "/tmp/m365id-pool-ca-copy-XXXXXX";
    char other_path[] = "/tmp/m365id-pool-ca-other-XXXXXX";
    char body[128];

    (void)state;
    tls_server_start(&server);
    write_temp(copy_path, server.cert.cert_pem);
    assert_int_equal(m365id__self_signed_generate(&other, 1), 0);
    write_temp(other_path, other.cert_pem);
    assert_int_equal(m365id__http_pool_new(&pool), 0);

    assert_int_equal(pooled_request(body, sizeof(body), &server, pool, NULL, NULL, NULL), 0);
    assert_int_equal(atomic_load(&server.connections), 1);

    /* The same certificate under another file name still gets a connection of its own. */
    assert_int_equal(pooled_request(body, sizeof(body), &server, pool, NULL, NULL, copy_path), 0);
    assert_int_equal(atomic_load(&server.connections), 2);

    /* A CA file that does not trust the server must fail, although a verified connection to
     * the same origin is idle in the pool. */
    assert_int_equal(pooled_request(body, sizeof(body), &server, pool, NULL, NULL, other_path),
                     M365ID_ENET);

    m365id__http_pool_free(pool);
    unlink(copy_path);
    unlink(other_path);
    m365id__self_signed_clear(&other);
    tls_server_stop(&server);
}

static void test_util_http_client__pool_proxy_change_reconnects(void **state)
{
    struct m365id__http_pool *pool = NULL;
    struct m365id__http_request req = {0};
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    struct tls_server server;
    unsigned short proxy_port;
    char proxy_url[64];
    char body[128];
    int closed_fd;

    (void)state;
    tls_server_start(&server);
    assert_int_equal(m365id__http_pool_new(&pool), 0);
    assert_int_equal(pooled_request(body, sizeof(body), &server, pool, NULL, NULL, NULL), 0);

    /* The proxy port refuses connections: the request fails unless the direct connection in
     * the pool is (wrongly) reused. */
    closed_fd = bind_loopback(&proxy_port, 0);
    snprintf(proxy_url, sizeof(proxy_url), "http://127.0.0.1:%u", (unsigned)proxy_port);
    req.url = server.url;
    req.ca_file = server.ca_path;
    req.timeout_ms = 5000;
    req.proxy_url = proxy_url;
    req.no_proxy = "";
    req.pool = pool;
    assert_int_equal(m365id__http_perform(&resp, &req), M365ID_ENET);
    assert_int_equal(resp.status, 0);
    m365id__http_response_clear(&resp);
    close(closed_fd);

    /* Without the proxy, the first connection is still there to reuse. */
    assert_int_equal(pooled_request(body, sizeof(body), &server, pool, NULL, NULL, NULL), 0);
    assert_int_equal(atomic_load(&server.connections), 1);

    m365id__http_pool_free(pool);
    tls_server_stop(&server);
}

struct pool_worker {
    struct tls_server *server;
    struct m365id__http_pool *pool;
    int failures;
};

static void *pool_worker_run(void *arg)
{
    struct pool_worker *w = arg;
    char body[128];
    int i;

    for (i = 0; i < 50; i++) {
        const char *method = i % 2 == 0 ? "POST" : NULL;

        if (pooled_request(body, sizeof(body), w->server, w->pool, method, NULL, NULL) != 0 ||
            strcmp(body, method != NULL ? "POST -" : "GET -") != 0)
            w->failures++;
    }
    return NULL;
}

static void test_util_http_client__pool_four_threads(void **state)
{
    struct m365id__http_pool *pool = NULL;
    struct pool_worker workers[4];
    pthread_t threads[4];
    struct tls_server server;
    int i;

    (void)state;
    tls_server_start(&server);
    assert_int_equal(m365id__http_pool_new(&pool), 0);
    for (i = 0; i < 4; i++) {
        workers[i].server = &server;
        workers[i].pool = pool;
        workers[i].failures = 0;
        assert_int_equal(pthread_create(&threads[i], NULL, pool_worker_run, &workers[i]), 0);
    }
    for (i = 0; i < 4; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    for (i = 0; i < 4; i++)
        assert_int_equal(workers[i].failures, 0);

    /* At most one handle per thread exists, and the pool keeps all four. */
    assert_true(atomic_load(&server.connections) >= 1);
    assert_true(atomic_load(&server.connections) <= 4);

    m365id__http_pool_free(pool);
    tls_server_stop(&server);
}

static void test_util_http_client__pool_bypassed_after_fork(void **state)
{
    struct m365id__http_pool *pool = NULL;
    struct tls_server server;
    char body[128];
    int status = 0;
    pid_t child;

    (void)state;
    tls_server_start(&server);
    assert_int_equal(m365id__http_pool_new(&pool), 0);
    assert_int_equal(pooled_request(body, sizeof(body), &server, pool, NULL, NULL, NULL), 0);

    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        /* The child must open its own connection and leave the parent's alone. _exit skips
         * the leak check: the pool's idle handle stays with the parent on purpose. */
        int rc = pooled_request(body, sizeof(body), &server, pool, "POST", NULL, NULL);

        m365id__http_pool_free(pool);
        _exit(rc == 0 && strcmp(body, "POST -") == 0 ? 0 : 1);
    }
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(atomic_load(&server.connections), 2);

    /* The parent's connection still works and is reused. */
    assert_int_equal(pooled_request(body, sizeof(body), &server, pool, NULL, NULL, NULL), 0);
    assert_string_equal(body, "GET -");
    assert_int_equal(atomic_load(&server.connections), 2);

    m365id__http_pool_free(pool);
    tls_server_stop(&server);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util_http_client__http_url_needs_allow_http),
        cmocka_unit_test(test_util_http_client__refused_connection_is_net_error),
        cmocka_unit_test(test_util_http_client__malformed_url_is_permanent),
        cmocka_unit_test(test_util_http_client__unusable_ca_file_is_permanent),
        cmocka_unit_test(test_util_http_client__reply_status_headers_and_body),
        cmocka_unit_test(test_util_http_client__body_at_max_is_accepted),
        cmocka_unit_test(test_util_http_client__body_one_byte_over_max_is_too_big),
        cmocka_unit_test(test_util_http_client__headers_over_limit_are_too_big),
        cmocka_unit_test(test_util_http_client__silent_server_times_out),
        cmocka_unit_test(test_util_http_client__pool_reuses_one_connection),
        cmocka_unit_test(test_util_http_client__pool_ca_change_reconnects),
        cmocka_unit_test(test_util_http_client__pool_proxy_change_reconnects),
        cmocka_unit_test(test_util_http_client__pool_four_threads),
        cmocka_unit_test(test_util_http_client__pool_bypassed_after_fork),
    };

    /* Keep loopback traffic off any proxy configured in the environment. */
    setenv("NO_PROXY", "127.0.0.1,localhost,::1", 1);
    setenv("no_proxy", "127.0.0.1,localhost,::1", 1);
    if (m365id__http_global_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
