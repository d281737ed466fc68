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
#include "util/logcore.h"

/** Why a scenario was rejected: what is wrong (naming the key and value) and what to do. */
struct emu_error {
    char message[512];
    char hint[256];
};

struct emu_fic {
    char *name;
    char *issuer;   /* placeholders expanded */
    char *subject;
    char *audience; /* Entra allows exactly one audience per federated credential */
};

struct emu_app {
    char *app_id;                  /* client id, a GUID */
    char *display_name;
    char *sp_id;                   /* service principal object id: "oid" and "sub" of tokens */
    char **roles;                  /* granted application permissions */
    size_t role_count;
    struct emu_fic *fics;
    size_t fic_count;
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

/** The built-in scenario used without --config, as JSON text. */
const char *emu_scenario_default_json(void);

void emu_scenario_free(struct emu_scenario *scn);

/** The cluster named @p name, or NULL. @p len bytes of name. */
const struct emu_cluster *emu_scenario_cluster(const struct emu_scenario *scn, const char *name,
                                               size_t len);

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
