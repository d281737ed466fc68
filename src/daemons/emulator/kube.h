/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * A small Kubernetes API server for pods that inspect themselves: the object store with its
 * control routes (kube_store.c), and the read-only API with service-account authentication
 * and a fixed authorization rule (kube.c).
 */
#ifndef M365ID_DAEMONS_EMULATOR_KUBE_H
#define M365ID_DAEMONS_EMULATOR_KUBE_H

#include <jansson.h>
#include <stddef.h>

#include "emu.h"

/** Maximum objects in the store, all clusters together: enough for any test, few enough to scan. */
#define EMU_KUBE_OBJECTS_MAX 4096

/** One object kind the emulated API serves. */
struct emu_kube_kind {
    const char *kind;        /* "Deployment" */
    const char *api_version; /* "apps/v1" */
    const char *group;       /* "apps"; "" for the core group */
    const char *version;     /* "v1" */
    const char *resource;    /* "deployments" */
    int namespaced;          /* 0 for cluster-scoped kinds */
};

/** The served kind named @p kind (exact, as in an object's "kind"), or NULL. */
const struct emu_kube_kind *emu_kube_kind_by_name(const char *kind);

/** The served kind of @p resource in @p group and @p version, or NULL. */
const struct emu_kube_kind *emu_kube_kind_by_resource(const char *group, const char *version,
                                                      const char *resource);

/** The request types of emu_kube_path_parse(). */
enum emu_kube_path_type {
    EMU_KUBE_PATH_INVALID = 0, /* not a path of the API the emulator serves */
    EMU_KUBE_PATH_RESOURCE,    /* /api/v1/... or /apis/GROUP/VERSION/... naming a resource */
    EMU_KUBE_PATH_DISCOVERY,   /* /.well-known/openid-configuration */
    EMU_KUBE_PATH_JWKS,        /* /openid/v1/jwks */
    EMU_KUBE_PATH_NONRESOURCE, /* another path under /api or /apis, such as /api/v1 itself */
};

/** A request path split the way kube-apiserver reads it. */
struct emu_kube_path {
    enum emu_kube_path_type type;
    char group[64];        /* "" for the core group */
    char version[16];
    char ns[64];           /* "" for cluster-scoped requests */
    char resource[64];
    char name[254];        /* "" for collections */
    char subresource[64];  /* "" unless a segment follows the name */
};

/**
 * Split @p path (decoded, without the query) into group, version, namespace, resource, name and
 * subresource, as kube-apiserver does: "/api/v1/namespaces/NS/pods/NAME" gives group "",
 * version "v1", namespace NS, resource "pods" and name NAME, and "/api/v1/namespaces/NS" is the
 * namespace object NS. Empty segments, segments longer than their field and more than one
 * segment after the subresource give EMU_KUBE_PATH_INVALID.
 */
void emu_kube_path_parse(struct emu_kube_path *out, const char *path);

/** Create the empty object store. Returns 0 or M365ID_ENOMEM. */
int emu_kube_store_new(struct emu_kube **out);

/** Free the store and its objects. NULL is a no-op. */
void emu_kube_store_free(struct emu_kube *store);

/**
 * Copy the object @p kind / @p ns / @p name of @p cluster (ns "" for cluster-scoped kinds).
 * @return a new reference, or NULL when there is no such object or memory ran out
 */
json_t *emu_kube_store_get(struct emu_kube *store, const struct emu_cluster *cluster,
                           const struct emu_kube_kind *kind, const char *ns, const char *name);

/**
 * Copy the objects of @p kind (NULL: every kind) in @p cluster into a new array, oldest first:
 * those of namespace @p ns, or all of them when @p ns is NULL. Returns NULL when memory ran
 * out. @p revision_out (may be NULL) receives the store's latest resourceVersion.
 */
json_t *emu_kube_store_list(struct emu_kube *store, const struct emu_cluster *cluster,
                            const struct emu_kube_kind *kind, const char *ns,
                            unsigned long long *revision_out);

/**
 * The API routes on the main port: resource paths under /api/ and /apis/, and the service
 * account issuer's discovery document and JWKS at the root, as kube-apiserver serves them.
 */
void emu_kube_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e);

/**
 * The control routes under /_emulator/kubernetes/ (loopback clients only); @p rest is the
 * path after that prefix, "{cluster}/objects..." or "{cluster}/serviceaccount-folder".
 */
void emu_kube_admin(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                    const char *rest);

#endif /* M365ID_DAEMONS_EMULATOR_KUBE_H */
