/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * A read-only Kubernetes API client for a pod that inspects itself: the in-cluster service
 * account folder (token, ca.crt, namespace), KUBERNETES_SERVICE_HOST and _PORT, and GET
 * requests over the shared HTTP client. What the doctor reads with it lives in check_pod.c.
 */
#ifndef M365ID_CLI_DOCTOR_KUBE_CLIENT_H
#define M365ID_CLI_DOCTOR_KUBE_CLIENT_H

#include <jansson.h>
#include <stddef.h>

/* The folder the kubelet mounts into every pod that automounts its service account token. */
#define DOCTOR_KUBE_DIR_DEFAULT "/var/run/secrets/kubernetes.io/serviceaccount"

/* API replies the doctor reads are single objects or short lists; 4 MiB bounds a large list. */
#define DOCTOR_KUBE_REPLY_MAX (4u * 1024u * 1024u)

struct doctor_kube;

/**
 * Open the in-cluster API: read @p dir (token, ca.crt, namespace) and the API server address
 * from KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT.
 * @param[out] out  new client, freed with doctor_kube_free(); NULL on error
 * @param dir       the service account folder; NULL means DOCTOR_KUBE_DIR_DEFAULT
 * @param why       receives the reason on failure (at least 256 bytes)
 * @return 0; M365ID_ECONFIG when the variables are unset (not running in a cluster);
 *         M365ID_EIO when a file of @p dir cannot be read or is empty; M365ID_ENOMEM
 */
int doctor_kube_open(struct doctor_kube **out, const char *dir, char *why, size_t why_size);

/** The namespace read from the folder; borrowed from @p k. */
const char *doctor_kube_namespace(const struct doctor_kube *k);

/** The API server's base URL, such as "https://10.0.0.1:443"; borrowed from @p k. */
const char *doctor_kube_base_url(const struct doctor_kube *k);

/**
 * GET @p path (such as "/api/v1/namespaces/team-a/pods/web-0") with the folder's token as
 * bearer token and ca.crt as the only trusted CA.
 * @param[out] out     the reply's JSON body, or NULL when it is not JSON
 * @param[out] status  the HTTP status
 * @param why          receives the transport or parse failure (at least 256 bytes)
 * @return 0 when a reply arrived, whatever its status; M365ID_ENET when the server could not
 *         be reached (TLS failures included); another negative code otherwise
 */
int doctor_kube_get(json_t **out, long *status, struct doctor_kube *k, const char *path,
                    char *why, size_t why_size);

struct m365id__http_response;

/**
 * Read @p resp, the reply to GET @p url, as doctor_kube_get() does after the request: the
 * status into @p status, and the body into @p out when it is JSON. It is separate from
 * doctor_kube_get() so that it can be fuzzed and tested without a request.
 * @param[out] out  the reply's JSON body, or NULL when it is empty or not JSON
 * @param why       receives the parse failure of a body that is not empty
 */
void doctor_kube_read_reply(json_t **out, long *status, const char *url,
                            const struct m365id__http_response *resp, char *why,
                            size_t why_size);

/**
 * Nonzero when @p s can stand in an API path as a namespace or object name: a DNS subdomain
 * of 1 to 253 lower-case letters, digits, '-' and '.'.
 */
int doctor_kube_is_name(const char *s);

/** Free @p k, wiping its token; NULL is a no-op. */
void doctor_kube_free(struct doctor_kube *k);

#endif /* M365ID_CLI_DOCTOR_KUBE_CLIENT_H */
