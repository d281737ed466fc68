/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The in-cluster Kubernetes API client of the doctor: reads the service account folder,
 * builds the API server URL from the environment the kubelet sets, and sends GET requests.
 * The bearer token is a secret: it is kept wiped-on-free and never appears in a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/doctor/input.h"
#include "cli/doctor/kube_client.h"
#include "m365id/error.h"
#include "util/buf.h"
#include "util/http_client.h"
#include "util/json.h"
#include "util/limits.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/strutil.h"

/* The folder's namespace is small and the token is a JWT. ca.crt is a bundle of a few
 * certificates; 1 MiB bounds a wrong file. */
#define KUBE_FILE_MAX M365ID_TOKEN_FILE_MAX
#define DOCTOR_KUBE_CA_MAX (1024u * 1024u)

/* An API server on the pod network usually replies within milliseconds; 10 s leaves room
 * for a loaded one. */
#define KUBE_TIMEOUT_MS 10000L

struct doctor_kube {
    char base_url[300];
    char *ca_file;                 /* path of ca.crt, malloc'd */
    char *ns;                      /* malloc'd */
    struct m365id__secret *token;  /* the service account token */
};

/* Read file @p dir/@p name whole (trimmed) into a secret; errors name the path, not the bytes.
 * Only a regular file is read, so a FIFO in the folder cannot block the doctor. */
static int read_folder_file(struct m365id__secret **out, const char *dir, const char *name,
                            char *why, size_t why_size)
{
    struct m365id__buf buf = M365ID__SECRET_BUF_INIT(KUBE_FILE_MAX);
    struct m365id__quoted q;
    char path[4096];
    const char *text;
    size_t len;
    int err = 0;
    int rc = 0;

    *out = NULL;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    m365id__quote(&q, path);
    if ((rc = doctor_input_read(&buf, path, 0, &err, why, why_size)) < 0) {
        if (rc != M365ID_ENOMEM)
            rc = M365ID_EIO;
        goto out;
    }
    text = m365id__trim(m365id__buf_cstr(&buf), buf.len, &len);
    if (len == 0) {
        snprintf(why, why_size, "'%s' is empty", q.text);
        rc = M365ID_EIO;
        goto out;
    }
    rc = m365id__secret_new(out, text, len);

out:
    m365id__buf_clear(&buf);
    return rc;
}

int doctor_kube_is_name(const char *s)
{
    size_t len = s != NULL ? strlen(s) : 0;

    if (len == 0 || len > 253)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
            return 0;
    }
    return 1;
}

/* Nonzero when @p host is usable in a URL: a name or an IP literal, nothing else. */
static int host_is_plain(const char *host)
{
    for (const char *p = host; *p != '\0'; p++) {
        char ch = *p;

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == ':'))
            return 0;
    }
    return host[0] != '\0';
}

int doctor_kube_open(struct doctor_kube **out, const char *dir, char *why, size_t why_size)
{
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    const char *port = getenv("KUBERNETES_SERVICE_PORT");
    struct m365id__secret *ns = NULL;
    struct doctor_kube *k = NULL;
    char ca_path[4096];
    uint64_t port_num = 0;
    int rc = 0;

    *out = NULL;
    if (dir == NULL)
        dir = DOCTOR_KUBE_DIR_DEFAULT;
    if (host == NULL || host[0] == '\0' || port == NULL || port[0] == '\0') {
        snprintf(why, why_size, "KUBERNETES_SERVICE_HOST or KUBERNETES_SERVICE_PORT is not set");
        return M365ID_ECONFIG;
    }
    if (!host_is_plain(host) || m365id__parse_u64(&port_num, port) < 0 || port_num == 0 ||
        port_num > 65535) {
        struct m365id__quoted qh, qp;

        m365id__quote(&qh, host);
        m365id__quote(&qp, port);
        snprintf(why, why_size,
                 "KUBERNETES_SERVICE_HOST '%s' or KUBERNETES_SERVICE_PORT '%s' is not a host "
                 "and port",
                 qh.text, qp.text);
        return M365ID_ECONFIG;
    }

    if ((k = calloc(1, sizeof(*k))) == NULL)
        return M365ID_ENOMEM;
    /* An IPv6 service address (dual-stack clusters) needs brackets in the URL. */
    if (strchr(host, ':') != NULL)
        snprintf(k->base_url, sizeof(k->base_url), "https://[%s]:%u", host, (unsigned)port_num);
    else
        snprintf(k->base_url, sizeof(k->base_url), "https://%s:%u", host, (unsigned)port_num);

    if ((rc = read_folder_file(&k->token, dir, "token", why, why_size)) < 0)
        goto out;
    if ((rc = read_folder_file(&ns, dir, "namespace", why, why_size)) < 0)
        goto out;
    if ((k->ns = m365id__strdup(ns->data)) == NULL) {
        rc = M365ID_ENOMEM;
        goto out;
    }
    snprintf(ca_path, sizeof(ca_path), "%s/ca.crt", dir);
    if ((k->ca_file = m365id__strdup(ca_path)) == NULL) {
        rc = M365ID_ENOMEM;
        goto out;
    }
    {
        struct m365id__buf ca = M365ID__BUF_INIT(DOCTOR_KUBE_CA_MAX);
        int err = 0;

        /* Read it once here, so that a missing or special file is reported before any
         * request; libcurl reads it again for each connection. */
        rc = doctor_input_read(&ca, ca_path, 0, &err, why, why_size);
        m365id__buf_clear(&ca);
        if (rc < 0) {
            if (rc != M365ID_ENOMEM)
                rc = M365ID_EIO;
            goto out;
        }
    }

    *out = k;
    k = NULL;

out:
    m365id__secret_free(ns);
    doctor_kube_free(k);
    return rc;
}

const char *doctor_kube_namespace(const struct doctor_kube *k)
{
    return k->ns;
}

const char *doctor_kube_base_url(const struct doctor_kube *k)
{
    return k->base_url;
}

void doctor_kube_read_reply(json_t **out, long *status, const char *url,
                            const struct m365id__http_response *resp, char *why, size_t why_size)
{
    *out = NULL;
    *status = resp->status;
    if (resp->body.len > 0 &&
        m365id__json_parse(out, m365id__buf_cstr(&resp->body), resp->body.len, NULL, 0) < 0) {
        *out = NULL;
        snprintf(why, why_size, "GET %s: HTTP %ld with a body that is not JSON", url,
                 resp->status);
    }
}

int doctor_kube_get(json_t **out, long *status, struct doctor_kube *k, const char *path,
                    char *why, size_t why_size)
{
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    struct m365id__http_request req;
    struct m365id__buf auth = M365ID__SECRET_BUF_INIT(KUBE_FILE_MAX + 64);
    struct m365id__buf url = M365ID__BUF_INIT(8192);
    const char *headers[3];
    int rc;

    *out = NULL;
    *status = 0;
    why[0] = '\0';
    if ((rc = m365id__buf_printf(&url, "%s%s", k->base_url, path)) < 0)
        goto out;
    if ((rc = m365id__buf_printf(&auth, "Authorization: Bearer %s", k->token->data)) < 0)
        goto out;
    headers[0] = m365id__buf_cstr(&auth);
    headers[1] = "Accept: application/json";
    headers[2] = NULL;

    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.url = m365id__buf_cstr(&url);
    req.headers = headers;
    req.ca_file = k->ca_file;
    req.timeout_ms = KUBE_TIMEOUT_MS;
    req.connect_timeout_ms = KUBE_TIMEOUT_MS;
    req.max_response = DOCTOR_KUBE_REPLY_MAX;
    /* The API server is inside the cluster: a proxy set for Entra ID must not carry it. */
    req.no_proxy = "*";

    if ((rc = m365id__http_perform(&resp, &req)) < 0) {
        struct m365id__quoted q;

        m365id__quote(&q, resp.error[0] != '\0' ? resp.error : m365id_strerror(rc));
        snprintf(why, why_size, "GET %s failed: %s", m365id__buf_cstr(&url), q.text);
        goto out;
    }
    doctor_kube_read_reply(out, status, m365id__buf_cstr(&url), &resp, why, why_size);

out:
    m365id__http_response_clear(&resp);
    m365id__buf_clear(&auth);
    m365id__buf_clear(&url);
    return rc;
}

void doctor_kube_free(struct doctor_kube *k)
{
    if (k == NULL)
        return;
    m365id__secret_free(k->token);
    free(k->ca_file);
    free(k->ns);
    free(k);
}
