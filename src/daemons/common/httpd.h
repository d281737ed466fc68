/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The HTTP(S) server every daemon uses: a thin wrapper of libmicrohttpd that collects the
 * request body up to a limit, calls one handler per request and logs one line per request.
 * Routing and reply contents live in the daemons.
 */
#ifndef M365ID_DAEMONS_COMMON_HTTPD_H
#define M365ID_DAEMONS_COMMON_HTTPD_H

#include <stddef.h>

#include "util/logcore.h"

/** Extra reply headers a handler may add. */
#define HTTPD_REPLY_HEADERS_MAX 8

/** One request, valid only during the handler call. */
struct httpd_request {
    const char *method;      /* "GET", "POST", ... */
    const char *path;        /* decoded path without the query string */
    const char *body;        /* NUL-terminated request body, "" when none */
    size_t body_len;         /* bytes in body, excluding the NUL; body may contain NULs */
    const char *remote_addr; /* numeric client address, e.g. "127.0.0.1" */
    int remote_is_loopback;  /* nonzero for 127.0.0.0/8 and ::1 */
    const char *request_id;  /* GUID made for this request, also in the log line */
    void *conn;              /* opaque; used by httpd_query() and httpd_header() */
    int url_has_nul;         /* nonzero: the path or a query parameter decoded to a NUL byte
                                (%00), so path and httpd_query() values are cut short there */
    /* Without a connection (conn NULL), httpd_header() and httpd_query() read these instead:
     * NULL-terminated arrays of name, value pairs, or NULL. The fuzz target of the emulator's
     * router builds requests this way; the server always sets conn. */
    const char *const *headers;
    const char *const *query;
};

/** The reply a handler fills; httpd owns and frees it after sending. */
struct httpd_reply {
    int status;               /* 0 when the handler set nothing: httpd sends 500 */
    const char *content_type; /* static string; NULL means "application/json" */
    char *body;               /* malloc'd, taken over by httpd; may be NULL */
    size_t body_len;
    int body_is_secret;       /* nonzero: body is wiped before free because it contains a token */
    char *headers[HTTPD_REPLY_HEADERS_MAX][2]; /* malloc'd name and value pairs */
    size_t header_count;
    char outcome[64];         /* short result for the log line, e.g. "AADSTS700213" */
    int drop;                 /* nonzero: close the connection without sending a reply */
};

/**
 * Handle one request: fill @p reply. Runs on a connection thread, several at a time, so the
 * handler must be thread-safe. It may block (for example on an outgoing HTTPS request).
 */
typedef void (*httpd_handler_fn)(struct httpd_reply *reply, const struct httpd_request *req,
                                 void *payload);

struct httpd_options {
    const char *bind_addr;          /* numeric IPv4 or IPv6 address; NULL means 127.0.0.1 */
    unsigned short port;            /* 0 picks an ephemeral port; see httpd_port() */
    const char *tls_cert_pem;       /* server certificate chain; NULL (with key NULL): plain HTTP */
    const char *tls_key_pem;        /* server private key, PEM; copied by libmicrohttpd */
    size_t max_body_len;            /* request bodies above this get 413; 0 means 1 MiB */
    unsigned int max_connections;   /* 0 means 128 */
    unsigned int idle_timeout_s;    /* idle connections close after this; 0 means 30 */
    const struct m365id__logger *logger; /* must outlive the server; NULL: no logging */
    const char *log_component;      /* tag of the request log lines; NULL means "httpd" */
    httpd_handler_fn handler;
    void *payload;                  /* passed to handler */
};

#define HTTPD_OPTIONS_INIT {NULL, 0, NULL, NULL, 0, 0, 0, NULL, NULL, NULL, NULL}

struct httpd;

/**
 * Start serving on a thread per connection, so that a handler may wait on a request to the
 * same server. Fails for an invalid address, a port in use or bad TLS material.
 * @param[out] out  the running server, stopped with httpd_stop(); NULL on error
 * @param opts      settings; strings are copied or only used during this call
 * @param err       receives the reason on failure (may be NULL)
 * @return 0, M365ID_EINVAL for a bad option, M365ID_EIO when libmicrohttpd cannot start
 */
int httpd_start(struct httpd **out, const struct httpd_options *opts, char *err, size_t err_size);

/** The bound TCP port (useful after port 0). */
unsigned short httpd_port(const struct httpd *server);

/** Stop accepting, wait for the connection threads and free the server. NULL is a no-op. */
void httpd_stop(struct httpd *server);

/** A query parameter of @p req, decoded; NULL when absent. Borrowed for the request. */
const char *httpd_query(const struct httpd_request *req, const char *name);

/** A request header of @p req (name compared without case); NULL when absent. */
const char *httpd_header(const struct httpd_request *req, const char *name);

/** Set status, content type (static string) and a copy of @p len body bytes. Returns 0 or
 *  M365ID_ENOMEM (the reply then becomes a 500). */
int httpd_reply_set(struct httpd_reply *reply, int status, const char *content_type,
                    const char *body, size_t len);

/** Like httpd_reply_set() but takes over the malloc'd @p body. */
void httpd_reply_take(struct httpd_reply *reply, int status, const char *content_type,
                      char *body, size_t len);

/** Add a reply header (both strings copied). Returns 0, M365ID_ENOMEM or M365ID_ETOOBIG. */
int httpd_reply_add_header(struct httpd_reply *reply, const char *name, const char *value);

/** Set the short outcome shown in the request log line. */
void httpd_reply_outcome(struct httpd_reply *reply, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** One name=value pair of an application/x-www-form-urlencoded body. */
struct httpd_form_field {
    char *name;       /* decoded, malloc'd */
    char *value;      /* decoded, malloc'd; wiped on clear because it may be a credential */
    size_t name_len;  /* decoded bytes; larger than strlen(name) when %00 decoded to NUL */
    size_t value_len; /* decoded bytes; larger than strlen(value) when %00 decoded to NUL */
};

struct httpd_form {
    struct httpd_form_field *fields;
    size_t count;
};

#define HTTPD_FORM_INIT {NULL, 0}

/**
 * Decode an application/x-www-form-urlencoded body ('+' is a space, %XX a byte). Returns 0,
 * M365ID_ENOMEM, or M365ID_ETOOBIG above 256 fields.
 */
int httpd_form_parse(struct httpd_form *form, const char *body, size_t len);

/**
 * The first field whose decoded name or value contains a NUL byte (sent as %00), or NULL.
 * Such a field reads as a shorter C string, so callers reject it instead of using it.
 */
const struct httpd_form_field *httpd_form_find_nul(const struct httpd_form *form);

/**
 * Decode one application/x-www-form-urlencoded name or value in place ('+' is a space, %XX a
 * byte), as client_secret_basic credentials are encoded. Returns the decoded length, which is
 * larger than strlen(s) when %00 decoded to NUL.
 */
size_t httpd_form_decode(char *s);

/** The first value of @p name, or NULL. Borrowed from @p form. */
const char *httpd_form_get(const struct httpd_form *form, const char *name);

/** Free the fields, wiping values. */
void httpd_form_clear(struct httpd_form *form);

#endif /* M365ID_DAEMONS_COMMON_HTTPD_H */
