/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * --issuer-from-cluster: the service-account issuer read from the kube-apiserver's discovery
 * document, with the credentials Kubernetes mounts into every pod.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/setup/setup.h"
#include "util/http_client.h"
#include "util/json.h"
#include "util/limits.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/strutil.h"

/* Read the pod's service-account token from @p path into @p header as an Authorization line.
 * The token is a secret: only its path appears in messages. */
static int bearer_header(struct m365id__buf *header, const char *path)
{
    struct m365id__buf raw = M365ID__SECRET_BUF_INIT(M365ID_TOKEN_FILE_MAX);
    char chunk[4096];
    const char *token;
    size_t token_len;
    struct stat st;
    size_t n;
    FILE *fp;
    int fd;
    int status = CLI_EXIT_OK;

    /* O_NONBLOCK so that a FIFO in place of the token does not block the open. */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        return cli_fail(CLI_EXIT_USAGE,
                        "run in a pod whose service account token is mounted, point --kube-dir "
                        "at the directory holding 'token' and 'ca.crt', or pass --issuer URL",
                        "cannot read the service account token '%s': %s", path, strerror(errno));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return cli_fail(CLI_EXIT_USAGE, "point --kube-dir at the pod's service account directory",
                        "the service account token '%s' is not a regular file", path);
    }
    fp = fdopen(fd, "rb");
    if (fp == NULL) {
        close(fd);
        return cli_fail(CLI_EXIT_OTHER, NULL, "out of memory reading the token");
    }
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        if (m365id__buf_put(&raw, chunk, n) < 0) {
            status = cli_fail(CLI_EXIT_USAGE, NULL, "service account token '%s' exceeds %u bytes",
                              path, M365ID_TOKEN_FILE_MAX);
            goto out;
        }
    }
    m365id__wipe(chunk, sizeof(chunk));
    token = m365id__trim(m365id__buf_cstr(&raw), raw.len, &token_len);
    if (ferror(fp) || token_len == 0) {
        status = cli_fail(CLI_EXIT_USAGE, "check the token file of the pod",
                          "service account token '%s' is empty or unreadable", path);
        goto out;
    }
    if (m365id__buf_puts(header, "Authorization: Bearer ") < 0 ||
        m365id__buf_put(header, token, token_len) < 0)
        status = cli_fail(CLI_EXIT_OTHER, NULL, "out of memory reading the token");

out:
    fclose(fp);
    m365id__buf_clear(&raw);
    return status;
}

int setup_issuer_from_reply(char **issuer_out, const char *url, const char *token_path,
                            const struct m365id__http_response *resp)
{
    const char *issuer = NULL;
    json_t *doc = NULL;
    int status = CLI_EXIT_OK;

    *issuer_out = NULL;
    /* 401: the token itself was rejected (authentication); 403: it was accepted, but RBAC
     * does not allow the read (authorization). */
    if (resp->status == 401) {
        status = cli_fail(CLI_EXIT_AUTH,
                          "the token is expired or not meant for the API server (a projected "
                          "token with audience api://AzureADTokenExchange is not): point "
                          "--kube-dir at the pod's own service account token directory, or "
                          "pass --issuer URL",
                          "the API server rejected the token '%s' for %s with HTTP 401",
                          token_path, url);
        goto out;
    }
    if (resp->status == 403) {
        status = cli_fail(CLI_EXIT_AUTH,
                          "the ClusterRole system:service-account-issuer-discovery grants this "
                          "read; bind it to the pod's service account, or pass --issuer URL",
                          "the API server refused %s with HTTP 403: the service account may "
                          "not read the issuer discovery document", url);
        goto out;
    }
    if (resp->status != 200 ||
        m365id__json_parse(&doc, m365id__buf_cstr(&resp->body), resp->body.len, NULL, 0) < 0 ||
        m365id__json_get_str(&issuer, doc, "issuer") != M365ID__JSON_OK) {
        status = cli_fail(CLI_EXIT_OTHER, "pass --issuer URL instead",
                          "%s returned HTTP %ld without a JSON \"issuer\" string", url,
                          resp->status);
        goto out;
    }
    if ((status = setup_check_issuer("the issuer served by the API server", issuer)) != 0)
        goto out;

    *issuer_out = m365id__strdup(issuer);
    if (*issuer_out == NULL)
        status = cli_fail(CLI_EXIT_OTHER, NULL, "out of memory");

out:
    json_decref(doc);
    return status;
}

int setup_issuer_from_cluster(char **issuer_out, const char *kube_dir)
{
    struct m365id__buf auth = M365ID__SECRET_BUF_INIT(M365ID_TOKEN_FILE_MAX + 64);
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    struct m365id__http_request req;
    struct m365id__quoted q;
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    const char *port = getenv("KUBERNETES_SERVICE_PORT");
    const char *headers[3] = {NULL, "Accept: application/json", NULL};
    char token_path[4096];
    char ca_path[4096];
    char url[512];
    int status = CLI_EXIT_OK;
    int rc;

    *issuer_out = NULL;
    if (host == NULL || host[0] == '\0' || port == NULL || port[0] == '\0') {
        return cli_fail(CLI_EXIT_USAGE,
                        "run it in a pod, or pass --issuer with the output of "
                        "'kubectl get --raw /.well-known/openid-configuration | jq -r .issuer'",
                        "--issuer-from-cluster needs KUBERNETES_SERVICE_HOST and "
                        "KUBERNETES_SERVICE_PORT, which Kubernetes sets in every pod");
    }
    if (strpbrk(host, "/?#@ ") != NULL || strspn(port, "0123456789") != strlen(port)) {
        m365id__quote(&q, host);
        return cli_fail(CLI_EXIT_USAGE, NULL,
                        "KUBERNETES_SERVICE_HOST '%s' or KUBERNETES_SERVICE_PORT is not a host "
                        "and port", q.text);
    }
    /* An IPv6 service address needs brackets in a URL. */
    if ((size_t)snprintf(url, sizeof(url), "https://%s%s%s:%s/.well-known/openid-configuration",
                         strchr(host, ':') != NULL ? "[" : "", host,
                         strchr(host, ':') != NULL ? "]" : "", port) >= sizeof(url) ||
        (size_t)snprintf(token_path, sizeof(token_path), "%s/token", kube_dir) >=
            sizeof(token_path) ||
        (size_t)snprintf(ca_path, sizeof(ca_path), "%s/ca.crt", kube_dir) >= sizeof(ca_path))
        return cli_fail(CLI_EXIT_USAGE, NULL, "KUBERNETES_SERVICE_HOST or --kube-dir is too long");

    if ((status = bearer_header(&auth, token_path)) != CLI_EXIT_OK)
        goto out;
    headers[0] = m365id__buf_cstr(&auth);

    if ((rc = m365id__http_global_init()) < 0) {
        status = cli_fail(CLI_EXIT_OTHER, NULL, "cannot initialise HTTP: %s", m365id_strerror(rc));
        goto out;
    }
    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.url = url;
    req.headers = headers;
    req.ca_file = ca_path;
    req.timeout_ms = 15000;
    req.max_response = M365ID_OIDC_DOC_MAX;
    if ((rc = m365id__http_perform(&resp, &req)) < 0) {
        status = cli_fail(CLI_EXIT_NET,
                          "check that the pod can reach the API server and that --kube-dir "
                          "holds the cluster's ca.crt",
                          "cannot read %s: %s", url, resp.error[0] != '\0' ? resp.error
                                                                            : m365id_strerror(rc));
        goto out;
    }
    status = setup_issuer_from_reply(issuer_out, url, token_path, &resp);

out:
    m365id__http_response_clear(&resp);
    m365id__buf_clear(&auth);
    return status;
}
