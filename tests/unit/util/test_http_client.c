/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/util/http_client.c without TLS: the scheme check, a refused connection,
 * which failures are permanent, and replies from a one-shot plain HTTP server on 127.0.0.1
 * (status, captured headers, the body size limit). HTTPS is covered by the emulator tests.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "m365id/error.h"
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
    };

    /* Keep loopback traffic off any proxy configured in the environment. */
    setenv("NO_PROXY", "127.0.0.1,localhost,::1", 1);
    setenv("no_proxy", "127.0.0.1,localhost,::1", 1);
    if (m365id__http_global_init() != 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
