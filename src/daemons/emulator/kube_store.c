/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The Kubernetes object store of each cluster and the control routes that fill it, plus the
 * route that writes a pod's service-account folder as the kubelet would. The API that reads
 * the store lives in kube.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "files.h"
#include "issuer.h"
#include "kube.h"
#include "m365id/error.h"
#include "m365id/log.h"
#include "util/json.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/timeutil.h"

/* The kubelet's kube-api-access volume requests 3607 s, which kube-apiserver may extend. */
#define FOLDER_LIFETIME_DEFAULT_S 3607LL
#define FOLDER_LIFETIME_MIN_S 600LL        /* Kubernetes' lower bound for expirationSeconds */
#define FOLDER_LIFETIME_MAX_S 4294967296LL /* and its upper bound */
#define CA_FILE_MAX (64u * 1024u)          /* the emulator's CA is one PEM certificate */

static const struct emu_kube_kind kinds[] = {
    {"Pod", "v1", "", "v1", "pods", 1},
    {"ServiceAccount", "v1", "", "v1", "serviceaccounts", 1},
    {"Service", "v1", "", "v1", "services", 1},
    {"ReplicaSet", "apps/v1", "apps", "v1", "replicasets", 1},
    {"Deployment", "apps/v1", "apps", "v1", "deployments", 1},
    {"Job", "batch/v1", "batch", "v1", "jobs", 1},
    {"CronJob", "batch/v1", "batch", "v1", "cronjobs", 1},
    {"MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1",
     "admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", 0},
};

#define KIND_NAMES                                                                              \
    "Pod, ServiceAccount, Service, ReplicaSet, Deployment, Job, CronJob or "                    \
    "MutatingWebhookConfiguration"

struct kube_object {
    const struct emu_cluster *cluster;
    const struct emu_kube_kind *kind;
    char *ns; /* "" for cluster-scoped kinds */
    char *name;
    json_t *doc;
};

struct emu_kube {
    pthread_mutex_t lock;
    struct kube_object *objects; /* in creation order */
    size_t count;
    unsigned long long resource_version; /* last one handed out */
};

const struct emu_kube_kind *emu_kube_kind_by_name(const char *kind)
{
    size_t i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(kinds[i].kind, kind) == 0)
            return &kinds[i];
    }
    return NULL;
}

const struct emu_kube_kind *emu_kube_kind_by_resource(const char *group, const char *version,
                                                      const char *resource)
{
    size_t i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(kinds[i].group, group) == 0 && strcmp(kinds[i].version, version) == 0 &&
            strcmp(kinds[i].resource, resource) == 0)
            return &kinds[i];
    }
    return NULL;
}

/* The kind a control path names: its kind ("Pod", any case) or its resource ("pods"). */
static const struct emu_kube_kind *kind_from_path(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if ((strlen(kinds[i].kind) == len && strncasecmp(kinds[i].kind, s, len) == 0) ||
            (strlen(kinds[i].resource) == len && strncmp(kinds[i].resource, s, len) == 0))
            return &kinds[i];
    }
    return NULL;
}

/* --- store --- */

int emu_kube_store_new(struct emu_kube **out)
{
    struct emu_kube *store = calloc(1, sizeof(*store));

    *out = NULL;
    if (store == NULL)
        return M365ID_ENOMEM;
    store->objects = calloc(EMU_KUBE_OBJECTS_MAX, sizeof(*store->objects));
    if (store->objects == NULL) {
        free(store);
        return M365ID_ENOMEM;
    }
    pthread_mutex_init(&store->lock, NULL);
    *out = store;
    return 0;
}

static void object_clear(struct kube_object *o)
{
    free(o->ns);
    free(o->name);
    json_decref(o->doc);
    memset(o, 0, sizeof(*o));
}

void emu_kube_store_free(struct emu_kube *store)
{
    size_t i;

    if (store == NULL)
        return;
    for (i = 0; i < store->count; i++)
        object_clear(&store->objects[i]);
    free(store->objects);
    pthread_mutex_destroy(&store->lock);
    free(store);
}

/* Index of the object, or store->count. Call with the lock held. */
static size_t find_locked(const struct emu_kube *store, const struct emu_cluster *cluster,
                          const struct emu_kube_kind *kind, const char *ns, const char *name)
{
    size_t i;

    for (i = 0; i < store->count; i++) {
        const struct kube_object *o = &store->objects[i];

        if (o->cluster == cluster && o->kind == kind && strcmp(o->ns, ns) == 0 &&
            strcmp(o->name, name) == 0)
            break;
    }
    return i;
}

/* Remove entry @p i, keeping the others in creation order. Call with the lock held. */
static void remove_locked(struct emu_kube *store, size_t i)
{
    object_clear(&store->objects[i]);
    memmove(&store->objects[i], &store->objects[i + 1],
            (store->count - i - 1) * sizeof(store->objects[0]));
    store->count--;
    memset(&store->objects[store->count], 0, sizeof(store->objects[0]));
}

json_t *emu_kube_store_get(struct emu_kube *store, const struct emu_cluster *cluster,
                           const struct emu_kube_kind *kind, const char *ns, const char *name)
{
    json_t *copy = NULL;
    size_t i;

    pthread_mutex_lock(&store->lock);
    i = find_locked(store, cluster, kind, ns, name);
    if (i < store->count)
        copy = json_deep_copy(store->objects[i].doc);
    pthread_mutex_unlock(&store->lock);
    return copy;
}

json_t *emu_kube_store_list(struct emu_kube *store, const struct emu_cluster *cluster,
                            const struct emu_kube_kind *kind, const char *ns,
                            unsigned long long *revision_out)
{
    json_t *items = json_array();
    size_t i;

    if (items == NULL)
        return NULL;
    pthread_mutex_lock(&store->lock);
    if (revision_out != NULL)
        *revision_out = store->resource_version;
    for (i = 0; i < store->count; i++) {
        const struct kube_object *o = &store->objects[i];

        if (o->cluster != cluster || (kind != NULL && o->kind != kind) ||
            (ns != NULL && strcmp(o->ns, ns) != 0))
            continue;
        if (json_array_append_new(items, json_deep_copy(o->doc)) < 0) {
            json_decref(items);
            items = NULL;
            break;
        }
    }
    pthread_mutex_unlock(&store->lock);
    return items;
}

/* --- object validation --- */

/* Check @p doc as one object to store; on failure write the reason to @p why. */
static const struct emu_kube_kind *validate_object(const json_t *doc, char *why, size_t size)
{
    const struct emu_kube_kind *kind;
    const char *kind_name = NULL;
    const char *api_version = NULL;
    const char *name = NULL;
    const char *ns = NULL;
    json_t *metadata = NULL;
    json_t *labels = NULL;
    struct m365id__quoted q;
    const char *key;
    json_t *value;
    int r;

    if (m365id__json_get_str(&kind_name, doc, "kind") != M365ID__JSON_OK) {
        snprintf(why, size, "\"kind\" is missing or not a string; use " KIND_NAMES);
        return NULL;
    }
    kind = emu_kube_kind_by_name(kind_name);
    if (kind == NULL) {
        m365id__quote(&q, kind_name);
        snprintf(why, size, "\"kind\" '%s' is not served by the emulator; use " KIND_NAMES,
                 q.text);
        return NULL;
    }
    if (m365id__json_get_str(&api_version, doc, "apiVersion") != M365ID__JSON_OK ||
        strcmp(api_version, kind->api_version) != 0) {
        m365id__quote(&q, api_version != NULL ? api_version : "(missing)");
        snprintf(why, size, "\"apiVersion\" '%s' is not served for kind %s; use \"%s\"", q.text,
                 kind->kind, kind->api_version);
        return NULL;
    }
    if (m365id__json_get_object(&metadata, doc, "metadata") != M365ID__JSON_OK) {
        snprintf(why, size, "\"metadata\" is missing or not an object");
        return NULL;
    }
    if (m365id__json_get_str(&name, metadata, "name") != M365ID__JSON_OK ||
        !emu_is_dns_subdomain(name)) {
        m365id__quote(&q, name != NULL ? name : "(missing)");
        snprintf(why, size, "\"metadata.name\" '%s' is not a valid object name: use up to 253 "
                 "lower-case letters, digits, '-' and '.', such as \"web-0\"", q.text);
        return NULL;
    }
    r = m365id__json_get_str(&ns, metadata, "namespace");
    if (kind->namespaced && (r != M365ID__JSON_OK || !emu_is_dns_label(ns))) {
        m365id__quote(&q, ns != NULL ? ns : "(missing)");
        snprintf(why, size, "\"metadata.namespace\" '%s' is not a valid namespace for a %s: use "
                 "1 to 63 lower-case letters, digits and '-', such as \"team-a\"", q.text,
                 kind->kind);
        return NULL;
    }
    if (!kind->namespaced && r != M365ID__JSON_ABSENT && (ns == NULL || ns[0] != '\0')) {
        snprintf(why, size, "\"metadata.namespace\" must be left out: %s is cluster-scoped",
                 kind->kind);
        return NULL;
    }
    r = m365id__json_get_object(&labels, metadata, "labels");
    if (r == M365ID__JSON_BADTYPE) {
        snprintf(why, size, "\"metadata.labels\" must be an object of strings");
        return NULL;
    }
    json_object_foreach(labels, key, value) {
        if (!json_is_string(value)) {
            m365id__quote(&q, key);
            snprintf(why, size, "\"metadata.labels\" value of '%s' must be a string", q.text);
            return NULL;
        }
    }
    return kind;
}

/* Fill metadata.uid, creationTimestamp and resourceVersion where absent, and drop a
 * namespace "" of a cluster-scoped object. Call with the lock held. */
static int fill_metadata_locked(struct emu_kube *store, json_t *doc,
                                const struct emu_cluster *cluster,
                                const struct emu_kube_kind *kind)
{
    json_t *metadata = json_object_get(doc, "metadata");
    const char *name = json_string_value(json_object_get(metadata, "name"));
    const char *ns = kind->namespaced ? json_string_value(json_object_get(metadata, "namespace"))
                                      : "";
    char text[64];
    size_t i;
    int rc = 0;

    if (!kind->namespaced)
        json_object_del(metadata, "namespace");
    if (json_object_get(metadata, "uid") == NULL) {
        char lower[40];

        /* The issuer derives the pod and service-account uids of its tokens the same way. */
        snprintf(lower, sizeof(lower), "%s", kind->kind);
        for (i = 0; lower[i] != '\0'; i++)
            lower[i] = (char)tolower((unsigned char)lower[i]);
        emu_issuer_object_uid(text, lower, cluster->name, ns, name);
        rc |= json_object_set_new(metadata, "uid", json_string(text));
    }
    if (json_object_get(metadata, "creationTimestamp") == NULL) {
        m365id__format_rfc3339(text, sizeof(text), m365id__now_s());
        rc |= json_object_set_new(metadata, "creationTimestamp", json_string(text));
    }
    if (json_object_get(metadata, "resourceVersion") == NULL) {
        snprintf(text, sizeof(text), "%llu", ++store->resource_version);
        rc |= json_object_set_new(metadata, "resourceVersion", json_string(text));
    }
    return rc != 0 ? M365ID_ENOMEM : 0;
}

/* --- control routes --- */

/* PUT {cluster}/objects: create or replace one object. */
static void put_object(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                       const struct emu_cluster *cluster)
{
    struct emu_kube *store = e->kube;
    const struct emu_kube_kind *kind;
    json_t *doc = NULL;
    json_t *copy = NULL;
    char *ns = NULL;
    char *name = NULL;
    char why[1024]; /* a quoted value may take 515 bytes */
    size_t i;
    int created = 0;

    if (m365id__json_parse(&doc, req->body, req->body_len, why, sizeof(why)) < 0 ||
        !json_is_object(doc)) {
        emu_reply_plain_error(reply, 400, "BadRequest",
                              "request body is not one Kubernetes object in JSON: %s",
                              doc == NULL ? why : "another JSON type");
        goto out;
    }
    kind = validate_object(doc, why, sizeof(why));
    if (kind == NULL) {
        emu_reply_plain_error(reply, 400, "BadRequest", "%s", why);
        goto out;
    }
    {
        json_t *metadata = json_object_get(doc, "metadata");

        name = strdup(json_string_value(json_object_get(metadata, "name")));
        ns = strdup(kind->namespaced ? json_string_value(json_object_get(metadata, "namespace"))
                                     : "");
    }
    if (name == NULL || ns == NULL) {
        emu_reply_plain_error(reply, 500, "InternalError", "out of memory");
        goto out;
    }

    pthread_mutex_lock(&store->lock);
    i = find_locked(store, cluster, kind, ns, name);
    if (i == store->count && store->count == EMU_KUBE_OBJECTS_MAX) {
        pthread_mutex_unlock(&store->lock);
        emu_reply_plain_error(reply, 409, "TooManyObjects",
                              "the store holds %u objects already; DELETE some first",
                              EMU_KUBE_OBJECTS_MAX);
        goto out;
    }
    if (fill_metadata_locked(store, doc, cluster, kind) < 0 ||
        (copy = json_deep_copy(doc)) == NULL) {
        pthread_mutex_unlock(&store->lock);
        emu_reply_plain_error(reply, 500, "InternalError", "out of memory");
        goto out;
    }
    if (i == store->count) {
        struct kube_object *o = &store->objects[store->count++];

        o->cluster = cluster;
        o->kind = kind;
        o->ns = ns;
        o->name = name;
        ns = NULL;
        name = NULL;
        created = 1;
    } else {
        json_decref(store->objects[i].doc);
    }
    store->objects[i].doc = doc;
    doc = NULL;
    pthread_mutex_unlock(&store->lock);

    emu_reply_json(reply, created ? 201 : 200, copy);
    copy = NULL;
    httpd_reply_outcome(reply, "%s %s", created ? "created" : "replaced", kind->kind);

out:
    free(ns);
    free(name);
    json_decref(copy);
    json_decref(doc);
}

/* DELETE {cluster}/objects: remove every object of the cluster. */
static void delete_all(struct httpd_reply *reply, struct emu *e,
                       const struct emu_cluster *cluster)
{
    struct emu_kube *store = e->kube;
    size_t removed = 0;
    size_t i = 0;

    pthread_mutex_lock(&store->lock);
    while (i < store->count) {
        if (store->objects[i].cluster == cluster) {
            remove_locked(store, i);
            removed++;
        } else {
            i++;
        }
    }
    pthread_mutex_unlock(&store->lock);
    emu_reply_json(reply, 200, json_pack("{s:I}", "removed", (json_int_t)removed));
    httpd_reply_outcome(reply, "removed %zu objects", removed);
}

/* GET or DELETE {cluster}/objects/{kind}/{ns}/{name}, or {kind}/{name} when cluster-scoped. */
static void one_object(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                       const struct emu_cluster *cluster, const char *rest)
{
    struct emu_kube *store = e->kube;
    const struct emu_kube_kind *kind;
    const char *slash = strchr(rest, '/');
    char ns[64] = "";
    char name[254] = "";
    const char *tail;
    struct m365id__quoted q;
    json_t *doc;
    size_t i;
    int found = 0;

    kind = slash != NULL ? kind_from_path(rest, (size_t)(slash - rest)) : NULL;
    if (kind == NULL) {
        m365id__quote(&q, req->path);
        emu_reply_plain_error(reply, 404, "NotFound",
                              "no object kind in '%s'; use .../objects/KIND/NAMESPACE/NAME with a "
                              "kind such as Pod or pods", q.text);
        return;
    }
    tail = slash + 1;
    if (kind->namespaced) {
        slash = strchr(tail, '/');
        if (slash == NULL || (size_t)(slash - tail) >= sizeof(ns)) {
            m365id__quote(&q, req->path);
            emu_reply_plain_error(reply, 404, "NotFound",
                                  "'%s' names no object; a %s needs .../objects/%s/NAMESPACE/NAME",
                                  q.text, kind->kind, kind->resource);
            return;
        }
        memcpy(ns, tail, (size_t)(slash - tail));
        tail = slash + 1;
    }
    if (tail[0] == '\0' || strchr(tail, '/') != NULL || strlen(tail) >= sizeof(name)) {
        m365id__quote(&q, req->path);
        emu_reply_plain_error(reply, 404, "NotFound", "'%s' names no object; use .../objects/%s/%s",
                              q.text, kind->resource, kind->namespaced ? "NAMESPACE/NAME" : "NAME");
        return;
    }
    snprintf(name, sizeof(name), "%s", tail);

    if (strcmp(req->method, "GET") == 0) {
        doc = emu_kube_store_get(store, cluster, kind, ns, name);
        found = doc != NULL;
        if (found) {
            emu_reply_json(reply, 200, doc);
            httpd_reply_outcome(reply, "object %s", kind->kind);
        }
    } else if (strcmp(req->method, "DELETE") == 0) {
        pthread_mutex_lock(&store->lock);
        i = find_locked(store, cluster, kind, ns, name);
        found = i < store->count;
        if (found)
            remove_locked(store, i);
        pthread_mutex_unlock(&store->lock);
        if (found) {
            emu_reply_json(reply, 200, json_pack("{s:I}", "removed", (json_int_t)1));
            httpd_reply_outcome(reply, "deleted %s", kind->kind);
        }
    } else {
        m365id__quote(&q, req->method);
        emu_reply_plain_error(reply, 405, "MethodNotAllowed",
                              "an object path supports GET and DELETE, not '%s'", q.text);
        httpd_reply_add_header(reply, "Allow", "GET, DELETE");
        return;
    }
    if (!found) {
        struct m365id__quoted qn;

        m365id__quote(&q, ns);
        m365id__quote(&qn, name);
        emu_reply_plain_error(reply, 404, "NotFound", "cluster '%s' has no %s '%s%s%s'",
                              cluster->name, kind->kind, q.text, ns[0] != '\0' ? "/" : "",
                              qn.text);
    }
}

/* Read the emulator's CA certificate, which signs the API server's certificate. */
static char *read_ca(const struct emu *e, size_t *len)
{
    char *text = malloc(CA_FILE_MAX + 1);
    FILE *f = fopen(e->ca_file, "rb");
    size_t n = 0;

    if (text != NULL && f != NULL) {
        n = fread(text, 1, CA_FILE_MAX + 1, f);
        if (ferror(f) || n == 0 || n > CA_FILE_MAX) {
            free(text);
            text = NULL;
        }
    } else {
        free(text);
        text = NULL;
    }
    if (f != NULL)
        fclose(f);
    if (text != NULL) {
        text[n] = '\0';
        *len = n;
    }
    return text;
}

static const char *const folder_keys[] = {"namespace", "service_account", "expiration_seconds",
                                          "pod", NULL};

/* POST {cluster}/serviceaccount-folder: write token, ca.crt and namespace as the kubelet
 * mounts them at /var/run/secrets/kubernetes.io/serviceaccount. */
static void write_folder(struct httpd_reply *reply, const struct httpd_request *req,
                         struct emu *e, const struct emu_cluster *cluster)
{
    json_t *body = NULL;
    json_t *aud = NULL;
    const char *ns = NULL;
    const char *sa = NULL;
    const char *pod = NULL;
    const char *key;
    json_t *value;
    long long lifetime = 0;
    long long exp = 0;
    char dir[4096];
    char path[4200];
    char why[256];
    char fp[M365ID_FINGERPRINT_SIZE];
    char *jwt = NULL;
    char *ca = NULL;
    size_t ca_len = 0;
    struct m365id__quoted q;
    size_t i;
    int r;

    if (m365id__json_parse(&body, req->body, req->body_len, why, sizeof(why)) < 0 ||
        !json_is_object(body)) {
        emu_reply_plain_error(reply, 400, "BadRequest", "request body is not a JSON object: %s",
                              body == NULL ? why : "another JSON type");
        goto out;
    }
    json_object_foreach(body, key, value) {
        (void)value;
        for (i = 0; folder_keys[i] != NULL && strcmp(folder_keys[i], key) != 0; i++)
            ;
        if (folder_keys[i] == NULL) {
            m365id__quote(&q, key);
            emu_reply_plain_error(reply, 400, "BadRequest",
                                  "unknown key '%s'; allowed: namespace, service_account, "
                                  "expiration_seconds, pod", q.text);
            goto out;
        }
    }
    if (m365id__json_get_str(&ns, body, "namespace") != M365ID__JSON_OK || !emu_is_dns_label(ns)) {
        emu_reply_plain_error(reply, 400, "BadRequest",
                              "\"namespace\" must be a Kubernetes namespace name: 1 to 63 "
                              "lower-case letters, digits and '-', such as \"team-a\"");
        goto out;
    }
    if (m365id__json_get_str(&sa, body, "service_account") != M365ID__JSON_OK ||
        !emu_is_dns_subdomain(sa)) {
        emu_reply_plain_error(reply, 400, "BadRequest",
                              "\"service_account\" must be a service account name: up to 253 "
                              "lower-case letters, digits, '-' and '.', such as \"doctor\"");
        goto out;
    }
    r = m365id__json_get_str(&pod, body, "pod");
    if (r == M365ID__JSON_BADTYPE || (r == M365ID__JSON_OK && !emu_is_dns_subdomain(pod))) {
        emu_reply_plain_error(reply, 400, "BadRequest",
                              "\"pod\" must be a pod name, such as \"web-0\"");
        goto out;
    }
    r = m365id__json_get_int(&lifetime, body, "expiration_seconds");
    if (r == M365ID__JSON_ABSENT)
        lifetime = FOLDER_LIFETIME_DEFAULT_S;
    if (r == M365ID__JSON_BADTYPE || lifetime < FOLDER_LIFETIME_MIN_S ||
        lifetime > FOLDER_LIFETIME_MAX_S) {
        emu_reply_plain_error(reply, 400, "BadRequest",
                              "\"expiration_seconds\" must be an integer from %lld to %lld "
                              "(default %lld); mint shorter tokens with "
                              "POST /_emulator/clusters/NAME/token",
                              FOLDER_LIFETIME_MIN_S, FOLDER_LIFETIME_MAX_S,
                              FOLDER_LIFETIME_DEFAULT_S);
        goto out;
    }

    /* The API audience kube-apiserver accepts by default is its issuer. */
    aud = json_pack("[s]", cluster->issuer);
    ca = read_ca(e, &ca_len);
    if (aud == NULL || ca == NULL ||
        emu_issuer_mint(&jwt, &exp, e, cluster, ns, sa, aud, lifetime, m365id__now_s(), pod) < 0) {
        emu_reply_plain_error(reply, 500, "InternalError",
                              "minting the token or reading the CA file '%s' failed", e->ca_file);
        goto out;
    }
    snprintf(dir, sizeof(dir), "%s/kube/%s/%s/%s", e->state_dir, cluster->name, ns, sa);
    if (emu_mkdir_p(dir, 0700) < 0) {
        mlog_error(&e->logger, "kube", "cannot create '%s': %s", dir, strerror(errno));
        emu_reply_plain_error(reply, 500, "InternalError", "cannot create '%s': %s", dir,
                              strerror(errno));
        goto out;
    }
    snprintf(path, sizeof(path), "%s/token", dir);
    if (emu_write_file_atomic(path, jwt, strlen(jwt), 0600) < 0)
        goto write_failed;
    snprintf(path, sizeof(path), "%s/ca.crt", dir);
    if (emu_write_file_atomic(path, ca, ca_len, 0644) < 0)
        goto write_failed;
    snprintf(path, sizeof(path), "%s/namespace", dir);
    if (emu_write_file_atomic(path, ns, strlen(ns), 0644) < 0)
        goto write_failed;

    m365id_fingerprint(fp, sizeof(fp), jwt, strlen(jwt));
    mlog_info(&e->logger, "kube", "wrote service-account folder '%s' with token %s, exp %lld",
              dir, fp, exp);
    emu_reply_json(reply, 200, json_pack("{s:s,s:I}", "path", dir, "expires_on", (json_int_t)exp));
    httpd_reply_outcome(reply, "folder %s", fp);
    goto out;

write_failed:
    mlog_error(&e->logger, "kube", "cannot write '%s': %s", path, strerror(errno));
    emu_reply_plain_error(reply, 500, "InternalError", "cannot write '%s': %s", path,
                          strerror(errno));

out:
    m365id__free_secret_str(jwt);
    free(ca);
    json_decref(aud);
    json_decref(body);
}

void emu_kube_admin(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                    const char *rest)
{
    const char *slash = strchr(rest, '/');
    const struct emu_cluster *cluster;
    struct m365id__quoted q;

    if (!req->remote_is_loopback) {
        emu_reply_plain_error(reply, 403, "Forbidden",
                              "the control API answers loopback clients only");
        return;
    }
    cluster = slash != NULL ? emu_scenario_cluster(e->scn, rest, (size_t)(slash - rest)) : NULL;
    if (cluster == NULL) {
        m365id__quote(&q, req->path);
        emu_reply_plain_error(reply, 404, "NotFound",
                              "no cluster at '%s'; clusters come from the scenario", q.text);
        return;
    }
    if (strcmp(slash, "/serviceaccount-folder") == 0) {
        if (strcmp(req->method, "POST") != 0) {
            m365id__quote(&q, req->method);
            emu_reply_plain_error(reply, 405, "MethodNotAllowed",
                                  "writing a service-account folder needs POST, not '%s'",
                                  q.text);
            httpd_reply_add_header(reply, "Allow", "POST");
            return;
        }
        write_folder(reply, req, e, cluster);
        return;
    }
    if (strncmp(slash, "/objects/", 9) == 0) {
        one_object(reply, req, e, cluster, slash + 9);
        return;
    }
    if (strcmp(slash, "/objects") != 0) {
        m365id__quote(&q, req->path);
        emu_reply_plain_error(reply, 404, "NotFound", "no control route at '%s'", q.text);
        return;
    }
    if (strcmp(req->method, "PUT") == 0) {
        put_object(reply, req, e, cluster);
    } else if (strcmp(req->method, "GET") == 0) {
        emu_reply_json(reply, 200,
                       json_pack("{s:o*}", "items", emu_kube_store_list(e->kube, cluster, NULL,
                                                                         NULL, NULL)));
        httpd_reply_outcome(reply, "objects");
    } else if (strcmp(req->method, "DELETE") == 0) {
        delete_all(reply, e, cluster);
    } else {
        m365id__quote(&q, req->method);
        emu_reply_plain_error(reply, 405, "MethodNotAllowed",
                              "'/objects' supports PUT, GET and DELETE, not '%s'", q.text);
        httpd_reply_add_header(reply, "Allow", "PUT, GET, DELETE");
    }
}
