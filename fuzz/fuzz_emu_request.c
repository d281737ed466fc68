/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * libFuzzer target: a whole HTTP request through the emulator's router (emu_handle) with
 * the built-in scenario: request line, query string, headers and body reach the token
 * endpoint, Graph, the Kubernetes API, the issuers and the control API. The request is parsed
 * here into a struct httpd_request without a connection; libmicrohttpd's own parsing is not
 * under test.
 */
#define _XOPEN_SOURCE 700 /* nftw() */
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "directory.h"
#include "emu.h"
#include "httpd.h"
#include "issuer.h"
#include "ci.h"
#include "m365id/log.h"
#include "scenario.h"
#include "util/crypto.h"

/* Issuer URLs under this base use a scheme the HTTP client rejects, so a fetch of the
 * issuer's documents fails before any connection is made. */
#define FUZZ_BASE_URL "fuzz://127.0.0.1:1"
#define FIELDS_MAX 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Format every log line, as the emulator does at -vv, and drop it. */
static void drop_log(int level, const char *component, const char *message, void *payload)
{
    (void)level;
    (void)payload;
    if (strlen(component) + strlen(message) == (size_t)-1)
        abort();
}

static char state[] = "/tmp/m365id-fuzz-emu.XXXXXX";

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* The state directory may get token files from the control API; remove it at exit. */
static void remove_state(void)
{
    nftw(state, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static struct emu *emulator(void)
{
    static struct emu e;
    const char *json;
    struct emu_error err;

    if (e.ready)
        return &e;
    if (mkdtemp(state) == NULL)
        abort();
    atexit(remove_state);
    e.logger.max_level = M365ID_LOG_TRACE;
    e.logger.cb = drop_log;
    e.state_dir = strdup(state);
    e.ca_file = strdup("/nonexistent/ca.pem");
    snprintf(e.base_url, sizeof(e.base_url), "%s", FUZZ_BASE_URL);
    e.port = 1;
    json = emu_scenario_default_json();
    if (e.state_dir == NULL || e.ca_file == NULL || emu_init(&e) < 0 ||
        emu_scenario_parse(&e.scn, json, strlen(json), FUZZ_BASE_URL, &err) != 0 ||
        emu_issuer_new(&e.issuer, e.scn) < 0 || emu_ci_new(&e.ci, e.scn) < 0 ||
        emu_directory_new(&e.directory, e.scn) < 0)
        abort();
    e.ready = 1;
    return &e;
}

/* Decode %XX escapes of @p s in place, as libmicrohttpd decodes the path; nonzero when one
 * decoded to NUL. '+' stays itself in a path and becomes a space in a query value. */
static int url_decode(char *s, int plus_is_space)
{
    char *in = s;
    char *out = s;
    int nul = 0;

    while (*in != '\0') {
        unsigned int byte;

        if (in[0] == '%' && in[1] != '\0' && in[2] != '\0' && sscanf(in + 1, "%2x", &byte) == 1 &&
            strchr("0123456789abcdefABCDEF", in[1]) != NULL &&
            strchr("0123456789abcdefABCDEF", in[2]) != NULL) {
            *out++ = (char)byte;
            nul |= byte == 0;
            in += 3;
        } else {
            *out++ = (char)(plus_is_space && *in == '+' ? ' ' : *in);
            in++;
        }
    }
    *out = '\0';
    return nul;
}

/* Split "a=1&b=2" in place into name, value pairs; returns the number of strings used. */
static size_t split_query(const char **pairs, size_t max, char *q, int *nul)
{
    size_t n = 0;

    while (q != NULL && *q != '\0' && n + 2 < max) {
        char *amp = strchr(q, '&');
        char *eq;

        if (amp != NULL)
            *amp = '\0';
        eq = strchr(q, '=');
        if (eq != NULL)
            *eq = '\0';
        *nul |= url_decode(q, 1);
        pairs[n++] = q;
        if (eq != NULL)
            *nul |= url_decode(eq + 1, 1);
        pairs[n++] = eq != NULL ? eq + 1 : "";
        q = amp != NULL ? amp + 1 : NULL;
    }
    pairs[n] = NULL;
    return n;
}

/* Split "Name: value" lines (CRLF or LF) in place; returns the number of strings used. */
static size_t split_headers(const char **pairs, size_t max, char *h)
{
    size_t n = 0;

    while (h != NULL && *h != '\0' && n + 2 < max) {
        char *eol = strchr(h, '\n');
        char *colon;

        if (eol != NULL) {
            *eol = '\0';
            if (eol > h && eol[-1] == '\r')
                eol[-1] = '\0';
        }
        colon = strchr(h, ':');
        if (colon != NULL) {
            *colon = '\0';
            colon++;
            while (*colon == ' ' || *colon == '\t')
                colon++;
            pairs[n++] = h;
            pairs[n++] = colon;
        }
        h = eol != NULL ? eol + 1 : NULL;
    }
    pairs[n] = NULL;
    return n;
}

static void reply_free(struct httpd_reply *reply)
{
    size_t i;

    free(reply->body);
    for (i = 0; i < reply->header_count; i++) {
        free(reply->headers[i][0]);
        free(reply->headers[i][1]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct emu *e = emulator();
    const char *headers[FIELDS_MAX + 1];
    const char *query[FIELDS_MAX + 1];
    struct httpd_request req;
    struct httpd_reply reply;
    char *text = NULL;
    char *head_end;
    char *line_end;
    char *target;
    char *version;
    char *qmark;
    const char *body = "";
    size_t body_len = 0;
    int nul = 0;

    /* "METHOD TARGET HTTP/1.1\r\nheaders\r\n\r\nbody"; the body may contain NULs. */
    text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    head_end = strstr(text, "\r\n\r\n");
    if (head_end != NULL) {
        *head_end = '\0';
        body = head_end + 4;
        body_len = size - (size_t)(body - text);
    }
    line_end = strchr(text, '\n');
    if (line_end != NULL)
        *line_end = '\0';
    target = strchr(text, ' ');
    if (target == NULL)
        goto out;
    *target++ = '\0';
    version = strchr(target, ' ');
    if (version != NULL)
        *version = '\0';
    /* Fault rules may delay replies by seconds, which would read as a hang here. The rules'
     * JSON is fuzzed by fuzz_emu_scenario. */
    if (strncmp(target, "/_emulator/faults", 17) == 0)
        goto out;
    qmark = strchr(target, '?');
    if (qmark != NULL)
        *qmark++ = '\0';

    memset(&req, 0, sizeof(req));
    memset(&reply, 0, sizeof(reply));
    split_headers(headers, FIELDS_MAX + 1, line_end != NULL ? line_end + 1 : NULL);
    split_query(query, FIELDS_MAX + 1, qmark, &nul);
    nul |= url_decode(target, 0);
    req.method = text;
    req.path = target;
    req.body = body;
    req.body_len = body_len;
    req.remote_addr = "127.0.0.1";
    req.remote_is_loopback = 1;
    req.request_id = "00000000-0000-4000-8000-000000000000";
    req.conn = NULL;
    req.url_has_nul = nul;
    req.headers = headers;
    req.query = query;

    emu_handle(&reply, &req, e);
    if (reply.body_len > 0 && reply.body == NULL)
        abort();
    if (!reply.drop && reply.status != 0 && (reply.status < 100 || reply.status > 599))
        abort();
    reply_free(&reply);

out:
    free(text);
    return 0;
}
