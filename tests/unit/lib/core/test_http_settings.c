/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/lib/core/http_settings.c and the HTTP behaviour it configures: the user
 * agent the server receives, Retry-After as an HTTP date, a proxy's 407 from a loopback
 * CONNECT responder, and a cached token served while its refresh meets an outage.
 */
#include "unit/lib/sts/mock_entra.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/core/http_settings.h"
#include "lib/sts/exchange.h"
#include "m365id/token.h"
#include "util/http_client.h"

#define SCOPE "https://graph.microsoft.com/.default"
#define ACCESS "eyJ0eXAiOiJKV1QifQ.QUNDRVNTLWNhbmFyeQ.YWNjZXNzLXNpZw"
#define OK_BODY "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"" ACCESS "\"}"

static struct mock_entra mock;
static char *assertion;

static int setup(void **state)
{
    fx_setup(state);
    mock_start(&mock, *state);
    assertion = fx_good_jwt();
    fx_write_str(((struct fx *)*state)->path, assertion);
    return 0;
}

static int teardown(void **state)
{
    mock_stop(&mock);
    free(assertion);
    assertion = NULL;
    return fx_teardown(state);
}

/* --- a proxy that returns 407 for every request --- */

struct proxy407 {
    int fd;
    unsigned port;
    int connections;
    volatile int stop;
    pthread_t thread;
};

static void *proxy407_run(void *arg)
{
    static const char reply[] = "HTTP/1.1 407 Proxy Authentication Required\r\n"
                                "Proxy-Authenticate: Basic realm=\"test\"\r\n"
                                "Content-Length: 0\r\nConnection: close\r\n\r\n";
    struct proxy407 *p = arg;

    while (!p->stop) {
        struct pollfd pfd = {p->fd, POLLIN, 0};
        char buf[4096];
        int c;

        if (poll(&pfd, 1, 50) <= 0)
            continue;
        c = accept(p->fd, NULL, NULL);
        if (c < 0)
            continue;
        p->connections++;
        /* One read is enough for a CONNECT head on loopback; a failed write shows up as the
         * client's transfer error in the test. */
        if (read(c, buf, sizeof(buf)) > 0)
            (void)!write(c, reply, sizeof(reply) - 1);
        close(c);
    }
    return NULL;
}

static void proxy407_start(struct proxy407 *p)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);

    memset(p, 0, sizeof(*p));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    p->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(p->fd >= 0);
    assert_int_equal(bind(p->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(p->fd, 8), 0);
    assert_int_equal(getsockname(p->fd, (struct sockaddr *)&sa, &len), 0);
    p->port = ntohs(sa.sin_port);
    assert_int_equal(pthread_create(&p->thread, NULL, proxy407_run, p), 0);
}

static void proxy407_stop(struct proxy407 *p)
{
    p->stop = 1;
    pthread_join(p->thread, NULL);
    close(p->fd);
}

/* --- tests --- */

static void test_core_http_settings__retry_after_forms(void **state)
{
    unsigned long long s = 99;
    long long at = 1445412480LL; /* Wed, 21 Oct 2015 07:28:00 GMT */

    (void)state;
    assert_int_equal(m365id__http_retry_after_s(&s, "7", at), 0);
    assert_int_equal(s, 7);
    assert_int_equal(m365id__http_retry_after_s(&s, "Wed, 21 Oct 2015 07:28:00 GMT", at - 5), 0);
    assert_int_equal(s, 5);
    /* A date in the past requests no wait. */
    assert_int_equal(m365id__http_retry_after_s(&s, "Wed, 21 Oct 2015 07:28:00 GMT", at + 60), 0);
    assert_int_equal(s, 0);
    assert_int_equal(m365id__http_retry_after_s(&s, "-5", at), -1);
    assert_int_equal(m365id__http_retry_after_s(&s, "soon, maybe later", at), -1);
    assert_int_equal(m365id__http_retry_after_s(&s, NULL, at), -1);
}

static void test_core_http_settings__long_date_retry_after_fails_at_once(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    char date[64];
    time_t later = time(NULL) + 3600;
    struct tm tm;

    gmtime_r(&later, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    mock_token_reply(&mock, 429, "application/json",
                     "{\"error\":\"temporarily_unavailable\"}", date);
    assert_int_equal(m365id__sts_exchange(&tok, f->ctx, SCOPE), M365ID_ENET);
    assert_int_equal(mock.token_requests, 1);
    assert_contains(m365id_last_error(f->ctx)->message, "the reply requests a retry after");
}

static void test_core_http_settings__user_agent_seen_by_server(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;

    fx_env_set(f, "M365_CUSTOM_USER_AGENT", "contoso-tf/1.2");
    fx_configure(f);
    mock_token_reply(&mock, 200, "application/json", OK_BODY, NULL);
    assert_int_equal(m365id__sts_exchange(&tok, f->ctx, SCOPE), 0);
    assert_string_equal(mock.seen[0].user_agent, "m365id/0.1.0 contoso-tf/1.2");
    m365id__sts_token_clear(&tok);
}

static void test_core_http_settings__request_from_cfg(void **state)
{
    struct fx *f = *state;
    struct m365id__http_request req;

    fx_env_set(f, "M365_ENABLE_REDIRECT", "true");
    fx_env_set(f, "M365_MAX_REDIRECTS", "2");
    fx_env_set(f, "M365_USE_PROXY", "true");
    fx_env_set(f, "M365_PROXY_URL", "http://proxy.example.test:3128");
    fx_env_set(f, "M365_PROXY_USERNAME", "alice");
    fx_env_set(f, "M365_PROXY_PASSWORD", "proxy-password-value");
    fx_configure(f);
    m365id__http_request_from_cfg(&req, f->ctx);
    assert_true(req.follow_redirects);
    assert_int_equal(req.max_redirects, 2);
    assert_string_equal(req.proxy_url, "http://proxy.example.test:3128");
    assert_string_equal(req.proxy_username, "alice");
    assert_string_equal(req.proxy_password, "proxy-password-value");
    assert_string_equal(req.no_proxy, ""); /* the configured proxy wins over NO_PROXY */
    assert_string_equal(req.ca_file, mock.ca_path);
    /* Every request of the context shares its connection pool. */
    assert_non_null(req.pool);
    assert_ptr_equal(req.pool, f->ctx->http_pool);
}

static void test_core_http_settings__proxy_407_not_retried(void **state)
{
    struct fx *f = *state;
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    struct proxy407 p;
    const m365id_error *err;
    char url[64];
    char want[128];

    proxy407_start(&p);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u", p.port);
    fx_env_set(f, "M365_USE_PROXY", "true");
    fx_env_set(f, "M365_PROXY_URL", url);
    fx_env_set(f, "M365_PROXY_USERNAME", "alice");
    fx_env_set(f, "M365_PROXY_PASSWORD", "proxy-password-value");
    fx_configure(f);
    mock_token_reply(&mock, 200, "application/json", OK_BODY, NULL);
    assert_int_equal(m365id__sts_exchange(&tok, f->ctx, SCOPE), M365ID_ENET);
    proxy407_stop(&p);

    assert_int_equal(p.connections, 1);
    assert_int_equal(mock.token_requests, 0);
    err = m365id_last_error(f->ctx);
    snprintf(want, sizeof(want), "the proxy '%s' requires authentication (HTTP 407)", url);
    assert_contains(err->message, want);
    assert_contains(err->hint, "M365_PROXY_PASSWORD");
    assert_not_contains(err->message, "proxy-password-value");
    for (size_t i = 0; i < f->log.count; i++)
        assert_null(strstr(f->log.lines[i], "proxy-password-value"));
}

static void test_core_http_settings__local_urls(void **state)
{
    (void)state;
    assert_true(m365id__http_url_is_local("http://169.254.169.254/metadata/identity"));
    assert_true(m365id__http_url_is_local("http://127.0.0.1:8080/msi/token"));
    assert_true(m365id__http_url_is_local("http://localhost:8081/msi/token"));
    assert_true(m365id__http_url_is_local("http://[::1]:8081/msi/token"));
    assert_true(m365id__http_url_is_local("http://[fe80::1]/x"));
    assert_false(m365id__http_url_is_local("http://169.255.0.1/x"));
    assert_false(m365id__http_url_is_local("https://login.microsoftonline.com/x"));
    assert_false(m365id__http_url_is_local("http://127.0.0.1.example.test/x"));
    assert_false(m365id__http_url_is_local("not a url"));
}

/* The refresh point has passed, the token has not expired, and Entra ID is down. */
static void test_core_http_settings__outage_during_refresh_serves_cached(void **state)
{
    struct fx *f = *state;
    m365id_token *first = NULL;
    m365id_token *second = NULL;

    mock_token_reply(&mock, 200, "application/json", OK_BODY, NULL);
    mock_token_reply(&mock, 503, "application/json", "{\"error\":\"temporarily_unavailable\"}",
                     NULL);
    assert_int_equal(m365id_token_acquire(&first, f->ctx, SCOPE), 0);
    assert_false(m365id_token_is_cached(first));

    fx_set_now(m365id_token_refresh_on(first) + 10);
    assert_true(fx_clock() < m365id_token_expires_on(first));
    assert_int_equal(m365id_token_acquire(&second, f->ctx, SCOPE), 0);
    assert_true(m365id_token_is_cached(second));
    assert_string_equal(m365id_token_value(second), ACCESS);
    assert_int_equal(mock.token_requests, 1 + 4); /* the refresh tried 1 + max_retries times */
    assert_true(fx_log_has(&f->log, M365ID_LOG_WARN, "HTTP 503"));
    m365id_token_free(first);
    m365id_token_free(second);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_http_settings__retry_after_forms),
        T(test_core_http_settings__long_date_retry_after_fails_at_once),
        T(test_core_http_settings__user_agent_seen_by_server),
        T(test_core_http_settings__request_from_cfg),
        T(test_core_http_settings__proxy_407_not_retried),
        cmocka_unit_test(test_core_http_settings__local_urls),
        T(test_core_http_settings__outage_during_refresh_serves_cached),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
