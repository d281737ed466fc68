/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * `m365id doctor`: a run of checks, each with findings that carry evidence (values side by
 * side) and the one change that fixes them, plus the facts that earlier checks hand to later
 * ones. Each check lives in its own check_*.c file; doctor.c runs them and prints the report.
 */
#ifndef M365ID_CLI_DOCTOR_DOCTOR_H
#define M365ID_CLI_DOCTOR_DOCTOR_H

#include <jansson.h>
#include <stddef.h>

#include "cli.h"
#include "util/http_client.h"

/* Ordered from best to worst: a check's status is the worst of its findings. */
enum doctor_status {
    DOCTOR_PASS = 0,
    DOCTOR_SKIP = 1, /* could not run: input missing, or an earlier check failed */
    DOCTOR_WARN = 2, /* works now, or may work, but something is off */
    DOCTOR_FAIL = 3,
};

/* The command line of `m365id doctor`; strings point into argv. */
struct doctor_options {
    const struct cli_options *cli;
    const char *pod_file;             /* --pod FILE: Pod, Deployment, Job, CronJob... (YAML/JSON) */
    const char *service_account_file; /* --service-account FILE */
    const char *fic_file;             /* --federated-credential FILE: `az ad app
                                         federated-credential list` output, or one object */
    const char *const *required_roles; /* --require-role NAME, repeatable */
    size_t required_role_count;
    const char *kube_dir;             /* --kube-dir DIR: in-cluster service-account folder
                                         (token, ca.crt, namespace); default
                                         /var/run/secrets/kubernetes.io/serviceaccount */
    int offline;                      /* --offline: no network (checks 4 to 8 skip) */
    int json;                         /* -o json */
};

/* Facts one check establishes for the next ones. Owned by the run; NULL when unknown. */
struct doctor_facts {
    m365id_ctx *ctx;          /* configured context, NULL when configuration failed */
    const char *auth_method;  /* borrowed from ctx */
    const char *tenant_id;
    const char *client_id;
    const char *cloud;
    const char *token_file;
    const char *expected_audience; /* the cloud's federated credential audience */
    char *assertion;          /* the token file's contents, trimmed; a secret: wiped on free */
    json_t *assertion_header; /* decoded header and claims of the assertion */
    json_t *assertion_claims;
    char *access_token;       /* the Graph token from check 6; a secret */
    json_t *access_claims;    /* its decoded claims */
    json_t *fics;             /* array of federated credential objects (file or Graph) */
    json_t *pod;              /* the pod (or pod template) object the workload runs as */
    json_t *service_account;  /* the ServiceAccount object */
    int in_cluster;           /* KUBERNETES_SERVICE_HOST set and a service-account folder read */
    int fic_match;            /* -1 unknown, 0 no federated credential matches the token's
                                 claims, 1 one does (a later failed exchange then points at
                                 propagation delay) */
    int fic_file_state;       /* --federated-credential: 0 not read yet, 1 read into fics,
                                 -1 unusable (fic_file_error says why) */
    char fic_file_error[640];
    /* The pod of the first workload checked: the account its tokens will name. Empty strings
     * when no pod was read; pod_namespace is also empty when the manifest names none. */
    char pod_namespace[254];
    char pod_account[254];
    char pod_account_path[160]; /* YAML path of its serviceAccountName */
    char pod_who[300];          /* "Deployment team-a/graph-app" */
    char *ignored_authority;    /* AZURE_AUTHORITY_HOST's value when the cloud overrode it;
                                   malloc'd, NULL otherwise */
};

struct doctor;       /* one run */
struct doctor_check; /* one check in the report */

/**
 * Start a check. @p id is stable for machines ("config", "token-file", "pod", "issuer",
 * "federated-credential", "exchange", "permissions", "network"); @p title is for people.
 * A check that is not @p required never changes the exit status, even when it fails.
 * @return the check; never NULL (allocation failure ends the process, as in the rest of the CLI)
 */
struct doctor_check *doctor_check_begin(struct doctor *d, const char *id, const char *title,
                                        int required);

/**
 * Record one finding of @p c. @p fix (may be NULL) is the one change that resolves it; the
 * check's status becomes the worst of its findings' statuses.
 */
void doctor_finding(struct doctor_check *c, enum doctor_status status, const char *fix,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/**
 * Attach "name: value" evidence to the last finding of @p c, shown aligned under it, so that
 * two sides of a comparison sit one above the other. Values are printed with control
 * characters escaped. Never pass a secret.
 */
void doctor_evidence(struct doctor_check *c, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Mark @p c skipped with the reason, when it has no finding yet. */
void doctor_skip(struct doctor_check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** The facts gathered so far, writable by the running check. */
struct doctor_facts *doctor_facts(struct doctor *d);

/** The options of the run. */
const struct doctor_options *doctor_options(const struct doctor *d);

/**
 * Copy the host of @p url (between "scheme://", optional user info, and the port, path or
 * end; IPv6 literals without brackets) into @p out, lower-cased.
 * @return 0, or -1 when @p url has no "://" or the host does not fit
 */
int doctor_url_host(char *out, size_t size, const char *url);

/**
 * The resolved, printable value of setting @p key (m365id_ctx_setting_display()) and its
 * source, or NULL when the context is missing or the setting unset. Borrowed from the context.
 */
const char *doctor_setting(const struct doctor *d, const char *key, const char **source);

/**
 * GET @p url once, without retries, trusting the configured CA bundle (when the context
 * resolved), with @p timeout_ms for the whole transfer. Proxy variables apply as in every
 * request of the library. @p resp must be a fresh M365ID__HTTP_RESPONSE_INIT; clear it after.
 * @return as m365id__http_perform(): 0 when any HTTP reply arrived
 */
int doctor_http_get(struct m365id__http_response *resp, const struct doctor *d, const char *url,
                    long timeout_ms);

/**
 * The credentials of --federated-credential FILE, read once per run (a pipe cannot be read
 * twice) into facts->fics. Borrowed; NULL when no file was given or it is unusable, with the
 * reason in facts->fic_file_error.
 */
const json_t *doctor_fic_file(struct doctor *d);

/**
 * Whether a credential of --federated-credential FILE trusts ServiceAccount @p ns/@p name
 * (any namespace when @p ns is NULL or empty): its subject is
 * system:serviceaccount:NS:NAME. Returns 1 yes, 0 no, -1 unknown (no usable file).
 */
int doctor_fic_trusts(struct doctor *d, const char *ns, const char *name);

/**
 * The service account named by the first credential of --federated-credential FILE whose
 * subject has the system:serviceaccount:NS:NAME form. Returns 1 and fills @p ns, @p name and
 * @p fic_name (borrowed), or 0 when there is none.
 */
int doctor_fic_trusted_account(struct doctor *d, char *ns, size_t ns_size, char *name,
                               size_t name_size, const char **fic_name);

/* --- the checks, in the order they run --- */
void doctor_check_config(struct doctor *d);        /* check_config.c */
void doctor_check_token_file(struct doctor *d);    /* check_token_file.c */
void doctor_check_pod(struct doctor *d);           /* check_pod.c */
void doctor_check_issuer(struct doctor *d);        /* check_issuer.c */
void doctor_check_fic(struct doctor *d);           /* check_fic.c */
void doctor_check_exchange(struct doctor *d);      /* check_exchange.c */
void doctor_check_permissions(struct doctor *d);   /* check_permissions.c */
void doctor_check_network(struct doctor *d);       /* check_network.c */

#endif /* M365ID_CLI_DOCTOR_DOCTOR_H */
