/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The emulator's shared state and the handler entry points of each route family. Each
 * family lives in its own file: entra.c, sts.c, graph.c, issuer.c, admin.c.
 */
#ifndef M365ID_DAEMONS_EMULATOR_EMU_H
#define M365ID_DAEMONS_EMULATOR_EMU_H

#include <jansson.h>
#include <pthread.h>

#include "cloud.h"
#include "faults.h"
#include "httpd.h"
#include "scenario.h"
#include "stats.h"
#include "util/crypto.h"
#include "util/logcore.h"

struct emu_issuer;
struct emu_oidc_cache;
struct emu_ci;
struct emu_device_table;
struct emu_directory;
struct emu_kube;

struct emu {
    struct emu_scenario *scn;           /* read-only while serving */
    char base_url[96];                  /* "https://127.0.0.1:PORT", no trailing slash */
    unsigned short port;
    char *state_dir;                    /* absolute */
    char *ca_file;                      /* absolute path of <state>/ca.pem */
    struct m365id__logger logger;
    struct m365id__rsa_key *entra_key;  /* signs access tokens of every tenant and cloud */
    char *entra_kid;
    char *entra_n;                      /* JWK members of the public key */
    char *entra_e;
    struct emu_issuer *issuer;          /* cluster keys and workload token rotation */
    struct emu_oidc_cache *oidc;        /* issuer documents fetched by the token endpoint */
    struct emu_stats stats;
    int ready;                          /* set (atomic, release) once the scenario is loaded */
    int allow_external_issuers;         /* fetch issuer documents from other hosts too */
    struct emu_ci *ci;                  /* CI issuers' keys (ci.c) */
    struct emu_faults faults;           /* fault rules in force */
    char msi_http_base[96];             /* "http://127.0.0.1:PORT" of --msi-http-port, or "" */
    struct emu_device_table *devices;   /* pending device codes (device.c) */
    struct emu_directory *directory;    /* Graph objects of every tenant (directory.c) */
    struct emu_kube *kube;              /* Kubernetes objects of every cluster (kube_store.c) */
};

/** Who an access token is for: an application, a managed identity, or a user signed in to an
 * application (delegated token). */
struct emu_token_subject {
    const struct emu_tenant *tenant;
    const char *app_id;       /* "appid" */
    const char *display_name; /* "app_displayname" */
    const char *object_id;    /* "oid" and "sub": the service principal */
    char *const *roles;       /* "roles"; left out when role_count is 0 */
    size_t role_count;
    const char *appidacr;     /* "1" for a secret, "2" for a certificate or assertion */
    const char *mirid;        /* "xms_mirid" of a managed identity, or NULL */
    const struct emu_user *user; /* delegated token: "oid", "sub", "upn", "name" come from the
                                    user and "idtyp" is "user"; NULL for app-only tokens */
    const char *scp;          /* delegated token: space-separated "scp"; NULL leaves it out */
};

/**
 * Sign an app-only access token for @p resource (the "aud" claim) with the Entra key.
 * @param[out] out      compact JWS, malloc'd; a bearer credential, wipe before free
 * @param[out] exp_out  its "exp" (may be NULL)
 * @return 0 or M365ID_ENOMEM
 */
int emu_access_token_sign(char **out, long long *exp_out, const struct emu *e,
                          const struct emu_token_subject *subject, const char *resource,
                          long long lifetime_s);

/** Create the Entra signing key and the caches; the scenario is set by the caller. */
int emu_init(struct emu *e);

/** Free everything emu_init() and the caller attached (scenario, issuer). */
void emu_clear(struct emu *e);

/** The request handler given to httpd: routes to the families below. */
void emu_handle(struct httpd_reply *reply, const struct httpd_request *req, void *payload);

/* Route families. @p rest is the path after the cloud prefix (starts with '/'). */
void emu_entra_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                      const struct emu_cloud *cloud, const char *rest);
void emu_sts_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                    const struct emu_cloud *cloud, const char *tenant);
void emu_graph_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                      const struct emu_cloud *cloud, const char *rest);
/* Resource Manager's subscription list (arm.c), which the Azure CLI reads at sign-in. */
void emu_arm_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                    const struct emu_cloud *cloud, const char *rest);
/* @p rest is the path after "/clusters/". */
void emu_issuer_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                       const char *rest);
/* @p rest is the path after "/_msi" (HTTPS) or the whole path (plain-HTTP listener). */
void emu_msi_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                    const char *rest);
/* @p rest is the path after "/ci/". */
void emu_ci_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                   const char *rest);

/** The request handler of the plain-HTTP managed-identity listener (--msi-http-port). */
void emu_handle_msi_http(struct httpd_reply *reply, const struct httpd_request *req,
                         void *payload);

/* The device authorization endpoint, POST {tenant}/oauth2/v2.0/devicecode (device.c). */
void emu_device_code_handle(struct httpd_reply *reply, const struct httpd_request *req,
                            struct emu *e, const struct emu_cloud *cloud, const char *tenant);
/* POST /_emulator/device/approve (@p approve 1) and /_emulator/device/decline (0). */
void emu_device_admin(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                      int approve);

/* GET /_emulator/directory: the stored objects of one collection (directory_admin.c). */
void emu_directory_admin(struct httpd_reply *reply, const struct httpd_request *req,
                         struct emu *e);

/* @p rest is the path after "/_emulator". */
void emu_admin_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                      const char *rest);

/* --- reply helpers (reply.c) --- */

/** Reply with @p doc serialised; takes the reference to @p doc. */
void emu_reply_json(struct httpd_reply *reply, int status, json_t *doc);

/** Reply {"error":{"code","message"}} for the emulator's own routes. */
void emu_reply_plain_error(struct httpd_reply *reply, int status, const char *code,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/** "{base}{prefix}{suffix}" as a new jansson string. */
json_t *emu_url(const struct emu *e, const struct emu_cloud *cloud, const char *suffix);

#endif /* M365ID_DAEMONS_EMULATOR_EMU_H */
