/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The scenario: clusters, tenants with their users and applications, and workloads, parsed
 * from JSON with every key and value checked. Placeholders are expanded while parsing.
 */
#ifndef M365ID_DAEMONS_EMULATOR_SCENARIO_H
#define M365ID_DAEMONS_EMULATOR_SCENARIO_H

#include <stddef.h>

#include "cloud.h"
#include "util/crypto.h"
#include "util/logcore.h"

/** Why a scenario was rejected: what is wrong (naming the key and value) and what to do. */
struct emu_error {
    char message[512];
    char hint[256];
};

/** The request families a fault rule can target. */
enum emu_fault_endpoint {
    EMU_FAULT_TOKEN,     /* the token endpoint of every cloud */
    EMU_FAULT_GRAPH,     /* Graph routes */
    EMU_FAULT_MSI,       /* IMDS and App Service managed-identity routes, on both listeners */
    EMU_FAULT_DISCOVERY, /* every OpenID discovery document: tenant, instance, cluster, CI */
    EMU_FAULT_JWKS,      /* every key set: Entra, cluster, CI */
    EMU_FAULT_CI_TOKEN,  /* the CI token request endpoints */
    EMU_FAULT_ENDPOINT_COUNT,
};

/** What a fault rule does to the reply. */
enum emu_fault_body {
    EMU_FAULT_BODY_NORMAL,    /* the reply's own body */
    EMU_FAULT_BODY_EMPTY,     /* no body */
    EMU_FAULT_BODY_TRUNCATED, /* the first half of the body */
    EMU_FAULT_BODY_NON_JSON,  /* an HTML page */
};

/** One fault rule: skip @p after matching requests, then apply to the next @p count. */
struct emu_fault {
    unsigned int id;                   /* assigned when the rule is added */
    enum emu_fault_endpoint endpoint;
    long long after;                   /* matching requests still to let through first */
    long long count;                   /* matching requests still to apply to */
    int percent;                       /* chance, 1 to 100, that a request past after is hit */
    int status;                        /* reply status; 0 keeps the real reply */
    char retry_after[64];              /* Retry-After header value; "" for none */
    long long delay_ms;                /* wait before replying, 0 to 30000 */
    int drop;                          /* close the connection without a reply */
    enum emu_fault_body body;
    int aadsts;                        /* token endpoint: reply with this AADSTS code; 0: off */
    char aadsts_error[40];             /* its OAuth error, e.g. "invalid_client" */
};

struct emu_fic {
    char *name;
    char *issuer;   /* placeholders expanded */
    char *subject;
    char *audience; /* Entra allows exactly one audience per federated credential */
};

/** A client secret (password credential) of an application. */
struct emu_secret {
    char *id;          /* keyId, a GUID */
    char *hint;        /* the first three characters of the value, as Entra shows them */
    char *value;       /* compared in constant time; never logged */
    size_t value_len;
    long long expires; /* Unix seconds; 0 means the secret never expires */
};

/** A certificate (key credential) registered on an application. */
struct emu_cert {
    struct m365id__x509_info info; /* thumbprints, subject, validity and public key */
    char thumbprint_hex[41];       /* upper-case hex SHA-1, as the portal shows it */
};

struct emu_app {
    char *app_id;                  /* client id, a GUID */
    char *display_name;
    char *sp_id;                   /* service principal object id: "oid" and "sub" of tokens */
    char **roles;                  /* granted application permissions */
    size_t role_count;
    struct emu_fic *fics;
    size_t fic_count;
    struct emu_secret *secrets;
    size_t secret_count;
    struct emu_cert *certs;
    size_t cert_count;
    char *trusted_subject;         /* subject-name/issuer trust: an x5c leaf with this RFC 2253
                                      subject is accepted unregistered; NULL: off */
    int allow_public_client;       /* "Allow public client flows": the device code grant works
                                      without a client credential */
    char **delegated_permissions;  /* consented delegated permissions: "scp" for ".default" */
    size_t delegated_permission_count;
};

struct emu_user {
    char *id;
    char *display_name;
    char *upn;
    char *mail;      /* may be NULL */
    char *job_title; /* may be NULL */
};

struct emu_tenant {
    char *id; /* lower-case GUID */
    const struct emu_cloud *cloud;
    char *display_name;
    char **domains;
    size_t domain_count;
    struct emu_user *users;
    size_t user_count;
    struct emu_app *apps;
    size_t app_count;
};

struct emu_cluster {
    char *name;
    int trailing_slash;    /* issuer ends in '/' (AKS style) */
    int publish_discovery; /* 0: the discovery document returns 404 */
    int publish_jwks;      /* 0: the JWKS returns 404 */
    char *issuer;          /* "{base_url}/clusters/<name>/" */
};

struct emu_workload {
    char *name;                 /* also the directory name under <state>/workloads */
    const struct emu_cluster *cluster;
    char *ns;
    char *service_account;
    char *audience;
    long long expiration_s;
    char *tenant_id;
    char *client_id;
    char *pod;                  /* pod name in the token */
    const struct emu_cloud *cloud; /* the tenant's cloud, public when the tenant is unknown */
};

/** A managed identity served by the IMDS and App Service endpoints. */
struct emu_managed_identity {
    char *name;                     /* app_displayname of its tokens */
    const struct emu_tenant *tenant;
    char *client_id;                /* GUID: "appid" of its tokens, the client_id selector */
    char *object_id;                /* GUID: "oid" and "sub", the object_id/principal_id selector */
    char *resource_id;              /* Azure Resource Manager id: msi_res_id/mi_res_id selector */
    char **roles;
    size_t role_count;
    int system_assigned;            /* chosen when a request names no identity */
};

enum emu_ci_kind { EMU_CI_GITHUB, EMU_CI_AZURE_DEVOPS };

/** A CI system's OIDC issuer (GitHub Actions or Azure DevOps style). */
struct emu_ci_issuer {
    char *name;                 /* DNS label; the issuer lives under {base_url}/ci/<name> */
    enum emu_ci_kind kind;
    char *issuer;               /* github: {base}/ci/<name>; azure_devops: .../<organization_id> */
    char *request_token;        /* bearer secret of the token request endpoint; never logged */
    char *subject;
    char *default_audience;     /* used when the token request names none */
    char *repository;           /* github: OWNER/REPO; NULL for azure_devops */
    char *organization_id;      /* azure_devops: GUID; NULL for github */
    long long expiration_s;     /* lifetime of the tokens it issues */
};

struct emu_scenario {
    char *base_url;
    struct emu_cluster *clusters;
    size_t cluster_count;
    struct emu_tenant *tenants;
    size_t tenant_count;
    struct emu_workload *workloads;
    size_t workload_count;
    long long access_token_lifetime_s; /* default 3599 */
    long long clock_skew_s;            /* default 60 */
    int legacy_fic_errors;             /* 70021 instead of 700211..700213 */
    long long fic_propagation_s;       /* a credential created or changed through Graph
                                          matches only after this many seconds; default 0 */
    long long device_code_interval_s;  /* polling interval of the device code flow, default 1 */
    long long device_code_lifetime_s;  /* lifetime of a device code, default 900 */
    struct emu_managed_identity *managed_identities;
    size_t managed_identity_count;
    char *identity_header;             /* App Service X-IDENTITY-HEADER secret; never logged */
    struct emu_ci_issuer *ci_issuers;
    size_t ci_issuer_count;
    struct emu_fault *faults;          /* initial fault rules (faults.h) */
    size_t fault_count;
    char *base_dir;                    /* directory that relative "pem_file" paths start from */
    const struct m365id__logger *logger; /* set only during emu_scenario_parse_logged() */
};

/**
 * Parse and check a scenario. "${base_url}" and "${cluster:NAME}" in federated credential
 * fields expand with @p base_url (e.g. "https://127.0.0.1:8443", no trailing slash).
 * @return 0, M365ID_ECONFIG with @p err filled, or M365ID_ENOMEM
 */
int emu_scenario_parse(struct emu_scenario **out, const char *json, size_t len,
                       const char *base_url, struct emu_error *err);

/** emu_scenario_parse() that also logs each placeholder expansion at DEBUG on @p logger. */
int emu_scenario_parse_logged(struct emu_scenario **out, const char *json, size_t len,
                              const char *base_url, const struct m365id__logger *logger,
                              struct emu_error *err);

/**
 * emu_scenario_parse_logged() for a scenario file in @p base_dir (may be NULL: the current
 * directory), where relative certificate "pem_file" paths start.
 */
int emu_scenario_parse_in(struct emu_scenario **out, const char *json, size_t len,
                          const char *base_url, const char *base_dir,
                          const struct m365id__logger *logger, struct emu_error *err);

/** The built-in scenario used without --config, as JSON text. */
const char *emu_scenario_default_json(void);

void emu_scenario_free(struct emu_scenario *scn);

/** The cluster named @p name, or NULL. @p len bytes of name. */
const struct emu_cluster *emu_scenario_cluster(const struct emu_scenario *scn, const char *name,
                                               size_t len);

/** The CI issuer named @p name (@p len bytes), or NULL. */
const struct emu_ci_issuer *emu_scenario_ci_issuer(const struct emu_scenario *scn,
                                                   const char *name, size_t len);

/** The tenant of @p cloud whose id (any case) or domain (any case) is @p key, or NULL. */
const struct emu_tenant *emu_scenario_tenant(const struct emu_scenario *scn,
                                             const struct emu_cloud *cloud, const char *key);

/**
 * Nonzero when @p s is a Kubernetes DNS label (RFC 1123), the rule for namespaces and
 * cluster names: 1 to 63 of [a-z0-9-], starting and ending alphanumeric.
 */
int emu_is_dns_label(const char *s);

/**
 * Nonzero when @p s is a Kubernetes DNS subdomain, the rule for service account names: 1 to
 * 253 characters, DNS labels joined by '.'.
 */
int emu_is_dns_subdomain(const char *s);

/** The application with client id @p app_id (any case) in @p tenant, or NULL. */
const struct emu_app *emu_tenant_app(const struct emu_tenant *tenant, const char *app_id);

#endif /* M365ID_DAEMONS_EMULATOR_SCENARIO_H */
