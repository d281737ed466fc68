/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * libmicrohttpd wrapper shared by the daemons: TLS from memory, a thread per connection, body
 * collection with a 413 limit, one handler call per request and one INFO log line per request.
 */
#include "httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "m365id/error.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/limits.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/timeutil.h"

#define FORM_FIELDS_MAX 256u

struct httpd {
    struct MHD_Daemon *mhd;
    unsigned short port;
    size_t max_body_len;
    const struct m365id__logger *logger;
    const char *component;
    httpd_handler_fn handler;
    void *payload;
};

/* Per-request state kept in libmicrohttpd's connection closure between handler calls. */
struct conn_state {
    struct m365id__buf body;
    int too_big;           /* the body passed max_body_len: reply 413 */
    int url_has_nul;       /* copied from the socket state when the request starts */
    long long started_ms;
};

/*
 * Per-TCP-connection state. libmicrohttpd decodes the path and query parameters before the
 * first handler call, through on_unescape(), which can reach only this socket context.
 */
struct socket_state {
    int url_has_nul; /* a %00 in the current request's path or query decoded to NUL */
};

/* --- replies --- */

int httpd_reply_set(struct httpd_reply *reply, int status, const char *content_type,
                    const char *body, size_t len)
{
    char *copy = malloc(len + 1);

    if (copy == NULL)
        return M365ID_ENOMEM;
    if (len > 0)
        memcpy(copy, body, len);
    copy[len] = '\0';
    httpd_reply_take(reply, status, content_type, copy, len);
    return 0;
}

void httpd_reply_take(struct httpd_reply *reply, int status, const char *content_type,
                      char *body, size_t len)
{
    if (reply->body != NULL) {
        if (reply->body_is_secret)
            m365id__wipe(reply->body, reply->body_len);
        free(reply->body);
    }
    reply->status = status;
    reply->content_type = content_type;
    reply->body = body;
    reply->body_len = body != NULL ? len : 0;
}

int httpd_reply_add_header(struct httpd_reply *reply, const char *name, const char *value)
{
    char *n = NULL;
    char *v = NULL;

    if (reply->header_count >= HTTPD_REPLY_HEADERS_MAX)
        return M365ID_ETOOBIG;
    n = strdup(name);
    v = strdup(value);
    if (n == NULL || v == NULL) {
        free(n);
        free(v);
        return M365ID_ENOMEM;
    }
    reply->headers[reply->header_count][0] = n;
    reply->headers[reply->header_count][1] = v;
    reply->header_count++;
    return 0;
}

void httpd_reply_outcome(struct httpd_reply *reply, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reply->outcome, sizeof(reply->outcome), fmt, ap);
    va_end(ap);
}

static void reply_clear(struct httpd_reply *reply)
{
    size_t i;

    if (reply->body != NULL && reply->body_is_secret)
        m365id__wipe(reply->body, reply->body_len);
    free(reply->body);
    for (i = 0; i < reply->header_count; i++) {
        free(reply->headers[i][0]);
        free(reply->headers[i][1]);
    }
    memset(reply, 0, sizeof(*reply));
}

/* --- request accessors --- */

/* The first value of @p name in a NULL-terminated name, value array; header names compare
 * without case, as libmicrohttpd compares them. */
static const char *pairs_lookup(const char *const *pairs, const char *name, int ignore_case)
{
    size_t i;

    for (i = 0; pairs != NULL && pairs[i] != NULL && pairs[i + 1] != NULL; i += 2) {
        if ((ignore_case ? strcasecmp(pairs[i], name) : strcmp(pairs[i], name)) == 0)
            return pairs[i + 1];
    }
    return NULL;
}

const char *httpd_query(const struct httpd_request *req, const char *name)
{
    if (req->conn == NULL)
        return pairs_lookup(req->query, name, 0);
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *httpd_header(const struct httpd_request *req, const char *name)
{
    if (req->conn == NULL)
        return pairs_lookup(req->headers, name, 1);
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* --- form bodies --- */

/* Decode one name or value; *decoded_len counts every decoded byte, NULs included. */
static char *form_decode(const char *s, size_t len, size_t *decoded_len)
{
    char *out = malloc(len + 1);
    size_t i;

    if (out == NULL)
        return NULL;
    memcpy(out, s, len);
    out[len] = '\0';
    for (i = 0; i < len; i++) {
        if (out[i] == '+')
            out[i] = ' ';
    }
    *decoded_len = MHD_http_unescape(out); /* %XX sequences; a malformed one is kept as is */
    return out;
}

int httpd_form_parse(struct httpd_form *form, const char *body, size_t len)
{
    const char *p = body;
    const char *end = body + len;

    form->fields = NULL;
    form->count = 0;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp != NULL ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        struct httpd_form_field *grown;
        char *name;
        char *value;
        size_t name_len = 0;
        size_t value_len = 0;

        if (stop == p) {
            p = stop + 1;
            continue;
        }
        if (form->count >= FORM_FIELDS_MAX) {
            httpd_form_clear(form);
            return M365ID_ETOOBIG;
        }
        name = form_decode(p, (size_t)((eq != NULL ? eq : stop) - p), &name_len);
        value = eq != NULL ? form_decode(eq + 1, (size_t)(stop - eq - 1), &value_len)
                           : strdup("");
        grown = realloc(form->fields, (form->count + 1) * sizeof(*grown));
        if (name == NULL || value == NULL || grown == NULL) {
            free(name);
            m365id__free_secret_str(value);
            if (grown != NULL)
                form->fields = grown;
            httpd_form_clear(form);
            return M365ID_ENOMEM;
        }
        form->fields = grown;
        form->fields[form->count].name = name;
        form->fields[form->count].value = value;
        form->fields[form->count].name_len = name_len;
        form->fields[form->count].value_len = value_len;
        form->count++;
        p = stop + 1;
    }
    return 0;
}

const struct httpd_form_field *httpd_form_find_nul(const struct httpd_form *form)
{
    size_t i;

    for (i = 0; i < form->count; i++) {
        const struct httpd_form_field *f = &form->fields[i];

        if (strlen(f->name) != f->name_len || strlen(f->value) != f->value_len)
            return f;
    }
    return NULL;
}

size_t httpd_form_decode(char *s)
{
    char *p;

    for (p = s; *p != '\0'; p++) {
        if (*p == '+')
            *p = ' ';
    }
    return MHD_http_unescape(s);
}

const char *httpd_form_get(const struct httpd_form *form, const char *name)
{
    size_t i;

    for (i = 0; i < form->count; i++) {
        if (strcmp(form->fields[i].name, name) == 0)
            return form->fields[i].value;
    }
    return NULL;
}

void httpd_form_clear(struct httpd_form *form)
{
    size_t i;

    for (i = 0; i < form->count; i++) {
        free(form->fields[i].name);
        m365id__free_secret_str(form->fields[i].value);
    }
    free(form->fields);
    form->fields = NULL;
    form->count = 0;
}

/* --- libmicrohttpd callbacks --- */

static void remote_address(char *out, size_t size, int *loopback, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = info != NULL ? info->client_addr : NULL;
    socklen_t sa_len;

    snprintf(out, size, "unknown");
    *loopback = 0;
    if (sa == NULL)
        return;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)sa;

        sa_len = sizeof(struct sockaddr_in);
        *loopback = (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

        sa_len = sizeof(struct sockaddr_in6);
        *loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
    } else {
        return;
    }
    if (getnameinfo(sa, sa_len, out, (socklen_t)size, NULL, 0, NI_NUMERICHOST) != 0)
        snprintf(out, size, "unknown");
}

static enum MHD_Result send_reply(struct httpd *server, struct MHD_Connection *conn,
                                  struct httpd_reply *reply, const struct httpd_request *req,
                                  long long started_ms)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    size_t i;

    if (reply->status < 100 || reply->status > 599) {
        httpd_reply_set(reply, 500, "application/json",
                        "{\"error\":\"internal_error\"}", 26);
        httpd_reply_outcome(reply, "no reply");
    }

    /* libmicrohttpd copies the body, so reply_clear() can wipe and free ours right after. */
    resp = MHD_create_response_from_buffer(reply->body_len, reply->body != NULL ? reply->body : "",
                                           MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            reply->content_type != NULL ? reply->content_type : "application/json");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "x-ms-request-id", req->request_id);
    for (i = 0; i < reply->header_count; i++)
        MHD_add_response_header(resp, reply->headers[i][0], reply->headers[i][1]);
    ret = MHD_queue_response(conn, (unsigned int)reply->status, resp);
    MHD_destroy_response(resp);

    if (server->logger != NULL && m365id__log_enabled(server->logger, M365ID_LOG_TRACE)) {
        mlog_trace(server->logger, server->component,
                   "%s reply: status %d, body %zu bytes, added headers %zu", req->request_id,
                   reply->status, reply->body_len, reply->header_count);
    }

    if (server->logger != NULL && m365id__log_enabled(server->logger, M365ID_LOG_INFO)) {
        struct m365id__quoted qpath;

        m365id__quote(&qpath, req->path);
        mlog_info(server->logger, server->component, "%s %s %s '%s' -> %d %s (%lld ms)",
                  req->request_id, req->remote_addr, req->method, qpath.text, reply->status,
                  reply->outcome[0] != '\0' ? reply->outcome : "-",
                  m365id__monotonic_ms() - started_ms);
    }
    return ret;
}

static void log_dropped(const struct httpd *server, const struct httpd_reply *reply,
                        const struct httpd_request *req, long long started_ms)
{
    struct m365id__quoted qpath;

    if (server->logger == NULL || !m365id__log_enabled(server->logger, M365ID_LOG_INFO))
        return;
    m365id__quote(&qpath, req->path);
    mlog_info(server->logger, server->component,
              "%s %s %s '%s' -> closed without reply %s "
              "(%lld ms)",
              req->request_id, req->remote_addr, req->method, qpath.text,
              reply->outcome[0] != '\0' ? reply->outcome : "-",
              m365id__monotonic_ms() - started_ms);
}

/* Arguments of trace_header(). */
struct trace_ctx {
    const struct httpd *server;
    const char *request_id;
};

/* Log one request header's name and value size, never the value: it may be a bearer token. */
static enum MHD_Result trace_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
    const struct trace_ctx *t = cls;
    struct m365id__quoted q;

    (void)kind;
    m365id__quote(&q, key);
    mlog_trace(t->server->logger, t->server->component, "%s header '%s' (%zu bytes)",
               t->request_id, q.text, value != NULL ? strlen(value) : (size_t)0);
    return MHD_YES;
}

static void trace_request(const struct httpd *server, struct MHD_Connection *conn,
                          const struct httpd_request *req)
{
    struct trace_ctx t = {server, req->request_id};
    struct m365id__quoted qpath;

    if (server->logger == NULL || !m365id__log_enabled(server->logger, M365ID_LOG_TRACE))
        return;
    m365id__quote(&qpath, req->path);
    mlog_trace(server->logger, server->component, "%s request: %s '%s'%s, body %zu bytes",
               req->request_id, req->method, qpath.text,
               req->url_has_nul ? " (URL contains %00)" : "", req->body_len);
    MHD_get_connection_values(conn, MHD_HEADER_KIND, trace_header, &t);
}

static enum MHD_Result answer(struct httpd *server, struct MHD_Connection *conn, const char *url,
                              const char *method, struct conn_state *st)
{
    struct httpd_reply reply;
    struct httpd_request req;
    char addr[INET6_ADDRSTRLEN + 1];
    char request_id[37];
    enum MHD_Result ret;

    memset(&reply, 0, sizeof(reply));
    if (m365id__guid_v4(request_id) < 0)
        snprintf(request_id, sizeof(request_id), "00000000-0000-0000-0000-000000000000");
    remote_address(addr, sizeof(addr), &req.remote_is_loopback, conn);
    req.method = method;
    req.path = url;
    req.body = m365id__buf_cstr(&st->body);
    req.body_len = st->body.len;
    req.remote_addr = addr;
    req.request_id = request_id;
    req.conn = conn;
    req.url_has_nul = st->url_has_nul;
    req.headers = NULL;
    req.query = NULL;
    trace_request(server, conn, &req);

    if (st->too_big) {
        char msg[128];
        int n = snprintf(msg, sizeof(msg),
                         "{\"error\":\"request_too_large\",\"max_body_bytes\":%zu}",
                         server->max_body_len);

        httpd_reply_set(&reply, 413, "application/json", msg, (size_t)n);
        httpd_reply_outcome(&reply, "body over %zu bytes", server->max_body_len);
    } else {
        server->handler(&reply, &req, server->payload);
    }
    if (reply.drop) {
        /* MHD_NO makes libmicrohttpd close the connection with nothing queued. */
        log_dropped(server, &reply, &req, st->started_ms);
        reply_clear(&reply);
        return MHD_NO;
    }
    ret = send_reply(server, conn, &reply, &req, st->started_ms);
    reply_clear(&reply);
    return ret;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    struct httpd *server = cls;
    struct conn_state *st = *con_cls;
    const union MHD_ConnectionInfo *sock_info;
    struct socket_state *sock;

    (void)version;

    /*
     * First call: headers only. libmicrohttpd 0.9.75 keeps the connection alive only when the
     * response is queued on a later call, so even a GET gets its reply on the second call.
     */
    if (st == NULL) {
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        unsigned long long declared;
        char *end = NULL;

        /* Without the socket state a decoded %00 could go unnoticed, so close instead. */
        sock_info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        sock = sock_info != NULL ? sock_info->socket_context : NULL;
        if (sock == NULL)
            return MHD_NO;
        st = calloc(1, sizeof(*st));
        if (st == NULL)
            return MHD_NO;
        st->url_has_nul = sock->url_has_nul;
        sock->url_has_nul = 0; /* the next request on this connection starts clean */
        st->body.max = server->max_body_len;
        st->body.secret = 1; /* token forms carry client assertions */
        st->started_ms = m365id__monotonic_ms();
        if (cl != NULL) {
            errno = 0;
            declared = strtoull(cl, &end, 10);
            if (errno == 0 && end != cl && *end == '\0' && declared > server->max_body_len)
                st->too_big = 1;
        }
        *con_cls = st;
        if (st->too_big) {
            /* Reply before reading the body; libmicrohttpd then closes the connection. */
            return answer(server, conn, url, method, st);
        }
        return MHD_YES;
    }

    if (*upload_data_size > 0) {
        if (!st->too_big && m365id__buf_put(&st->body, upload_data, *upload_data_size) < 0) {
            st->too_big = 1;
            m365id__buf_clear(&st->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    return answer(server, conn, url, method, st);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct conn_state *st = *con_cls;

    (void)cls;
    (void)conn;
    (void)toe;
    if (st == NULL)
        return;
    m365id__buf_clear(&st->body);
    free(st);
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    (void)conn;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = calloc(1, sizeof(struct socket_state)); /* NULL: on_access closes */
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        free(*socket_context);
        *socket_context = NULL;
    }
}

/*
 * Decode %XX in the path and in query parameters as libmicrohttpd does by default, and note a
 * decoded NUL. libmicrohttpd hands the path to on_access() as a C string that ends at the NUL,
 * so "/users/a%00b" would otherwise read as "/users/a".
 */
static size_t on_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    size_t len = MHD_http_unescape(s);

    (void)cls;
    if (memchr(s, '\0', len) != NULL) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        struct socket_state *sock = info != NULL ? info->socket_context : NULL;

        if (sock != NULL)
            sock->url_has_nul = 1;
    }
    return len;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct httpd *server = cls;
    char line[512];
    size_t n;

    if (server->logger == NULL || !m365id__log_enabled(server->logger, M365ID_LOG_DEBUG))
        return;
    vsnprintf(line, sizeof(line), fmt, ap); /* libmicrohttpd's own format strings */
    n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    mlog_debug(server->logger, server->component, "libmicrohttpd: %s", line);
}

/* --- lifecycle --- */

static void set_error(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(char *err, size_t err_size, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || err_size == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
}

int httpd_start(struct httpd **out, const struct httpd_options *opts, char *err, size_t err_size)
{
    struct httpd *server = NULL;
    struct sockaddr_storage addr;
    const union MHD_DaemonInfo *info;
    const char *bind_addr = opts->bind_addr != NULL ? opts->bind_addr : "127.0.0.1";
    unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                         MHD_USE_ERROR_LOG | MHD_USE_AUTO;
    int tls = opts->tls_cert_pem != NULL || opts->tls_key_pem != NULL;
    int rc = 0;

    *out = NULL;
    if (err != NULL && err_size > 0)
        err[0] = '\0';
    memset(&addr, 0, sizeof(addr));
    if (opts->handler == NULL) {
        set_error(err, err_size, "no request handler given");
        return M365ID_EINVAL;
    }
    if (tls && (opts->tls_cert_pem == NULL || opts->tls_key_pem == NULL)) {
        set_error(err, err_size, "TLS needs both a certificate and a key");
        return M365ID_EINVAL;
    }
    if (inet_pton(AF_INET, bind_addr, &((struct sockaddr_in *)&addr)->sin_addr) == 1) {
        struct sockaddr_in *in4 = (struct sockaddr_in *)&addr;

        in4->sin_family = AF_INET;
        in4->sin_port = htons(opts->port);
    } else if (inet_pton(AF_INET6, bind_addr, &((struct sockaddr_in6 *)&addr)->sin6_addr) == 1) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&addr;

        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(opts->port);
        flags |= MHD_USE_IPv6;
    } else {
        struct m365id__quoted q;

        m365id__quote(&q, bind_addr);
        set_error(err, err_size, "bind address '%s' is not a numeric IPv4 or IPv6 address",
                 q.text);
        return M365ID_EINVAL;
    }
    if (tls)
        flags |= MHD_USE_TLS;

    server = calloc(1, sizeof(*server));
    if (server == NULL)
        return M365ID_ENOMEM;
    server->max_body_len = opts->max_body_len != 0 ? opts->max_body_len : M365ID_REQUEST_BODY_MAX;
    server->logger = opts->logger;
    server->component = opts->log_component != NULL ? opts->log_component : "httpd";
    server->handler = opts->handler;
    server->payload = opts->payload;

    if (tls) {
        server->mhd = MHD_start_daemon(
            flags, opts->port, NULL, NULL, on_access, server,
            MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, server,
            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
            MHD_OPTION_HTTPS_MEM_CERT, opts->tls_cert_pem,
            MHD_OPTION_HTTPS_MEM_KEY, opts->tls_key_pem,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, server,
            MHD_OPTION_NOTIFY_CONNECTION, on_connection, server,
            MHD_OPTION_UNESCAPE_CALLBACK, on_unescape, server,
            MHD_OPTION_CONNECTION_LIMIT,
            (unsigned int)(opts->max_connections != 0 ? opts->max_connections : 128),
            MHD_OPTION_CONNECTION_TIMEOUT,
            (unsigned int)(opts->idle_timeout_s != 0 ? opts->idle_timeout_s : 30),
            MHD_OPTION_END);
    } else {
        server->mhd = MHD_start_daemon(
            flags, opts->port, NULL, NULL, on_access, server,
            MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, server,
            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, server,
            MHD_OPTION_NOTIFY_CONNECTION, on_connection, server,
            MHD_OPTION_UNESCAPE_CALLBACK, on_unescape, server,
            MHD_OPTION_CONNECTION_LIMIT,
            (unsigned int)(opts->max_connections != 0 ? opts->max_connections : 128),
            MHD_OPTION_CONNECTION_TIMEOUT,
            (unsigned int)(opts->idle_timeout_s != 0 ? opts->idle_timeout_s : 30),
            MHD_OPTION_END);
    }
    if (server->mhd == NULL) {
        struct m365id__quoted q;

        m365id__quote(&q, bind_addr);
        set_error(err, err_size,
                 "cannot listen on %s port %u%s (port in use, address not local, or bad TLS "
                 "material)",
                 q.text, (unsigned int)opts->port, tls ? " with TLS" : "");
        rc = M365ID_EIO;
        goto out;
    }

    info = MHD_get_daemon_info(server->mhd, MHD_DAEMON_INFO_BIND_PORT);
    server->port = info != NULL ? info->port : opts->port;
    *out = server;
    server = NULL;

out:
    if (server != NULL) {
        if (server->mhd != NULL)
            MHD_stop_daemon(server->mhd);
        free(server);
    }
    return rc;
}

unsigned short httpd_port(const struct httpd *server)
{
    return server->port;
}

void httpd_stop(struct httpd *server)
{
    if (server == NULL)
        return;
    MHD_stop_daemon(server->mhd);
    free(server);
}
