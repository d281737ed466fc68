/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The emulated kube-apiserver's read API: request paths split as kube-apiserver splits them,
 * service-account bearer authentication against the clusters' keys, the fixed authorization
 * rule of a read-only "doctor" Role, and replies in Kubernetes' object, list and Status shapes.
 * The store and its control routes live in kube_store.c.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "issuer.h"
#include "kube.h"
#include "m365id/error.h"
#include "m365id/log.h"
#include "util/json.h"
#include "util/jwt.h"
#include "util/quote.h"
#include "util/timeutil.h"

/* kube-apiserver's service-account authenticator (pkg/serviceaccount/claims.go) checks exp,
 * nbf and iat with go-jose's Validate(), whose default leeway is one minute. */
#define TOKEN_LEEWAY_S 60
#define SA_PREFIX "system:serviceaccount:"
#define IN_CLUSTER_AUDIENCE "https://kubernetes.default.svc.cluster.local"
#define PATH_SEGMENTS_MAX 8

/* The grants of every service account: get and list on these resources, in the account's own
 * namespace, or in any namespace and at the cluster scope when cluster_wide is set. */
static const struct {
    const char *group;
    const char *resource;
    int cluster_wide;
} grants[] = {
    {"", "pods", 0},
    {"", "serviceaccounts", 0},
    {"", "services", 0},
    {"apps", "replicasets", 0},
    {"apps", "deployments", 0},
    {"batch", "jobs", 0},
    {"batch", "cronjobs", 0},
    {"admissionregistration.k8s.io", "mutatingwebhookconfigurations", 1},
};

/** The authenticated caller: a service account of one cluster. */
struct kube_user {
    const struct emu_cluster *cluster; /* whose key signed the token */
    char ns[64];
    char sa[254];
    char name[340]; /* "system:serviceaccount:NS:SA" */
};

/* --- path parsing --- */

/* Copy one path segment; 0, or -1 when it is empty or does not fit. */
static int copy_segment(char *dst, size_t size, const char *seg, size_t len)
{
    if (len == 0 || len >= size)
        return -1;
    memcpy(dst, seg, len);
    dst[len] = '\0';
    return 0;
}

void emu_kube_path_parse(struct emu_kube_path *out, const char *path)
{
    const char *seg[PATH_SEGMENTS_MAX];
    size_t len[PATH_SEGMENTS_MAX];
    size_t n = 0;
    size_t i;
    const char *p = path;
    const char *end;

    memset(out, 0, sizeof(*out));
    if (strcmp(path, "/.well-known/openid-configuration") == 0) {
        out->type = EMU_KUBE_PATH_DISCOVERY;
        return;
    }
    if (strcmp(path, "/openid/v1/jwks") == 0) {
        out->type = EMU_KUBE_PATH_JWKS;
        return;
    }
    if (p[0] != '/')
        return;

    /* kube-apiserver trims the leading and trailing '/' before splitting. */
    p++;
    end = p + strlen(p);
    if (end > p && end[-1] == '/')
        end--;
    while (p < end) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        size_t l = slash != NULL ? (size_t)(slash - p) : (size_t)(end - p);

        if (n == PATH_SEGMENTS_MAX || l == 0)
            return;
        seg[n] = p;
        len[n++] = l;
        p += l + (slash != NULL ? 1 : 0);
        if (slash != NULL && p == end)
            return; /* "//" at the end */
    }

    if (n >= 1 && len[0] == 3 && memcmp(seg[0], "api", 3) == 0) {
        if (n < 2 || copy_segment(out->version, sizeof(out->version), seg[1], len[1]) < 0) {
            out->type = EMU_KUBE_PATH_NONRESOURCE;
            return;
        }
        i = 2;
    } else if (n >= 1 && len[0] == 4 && memcmp(seg[0], "apis", 4) == 0) {
        if (n < 3 || copy_segment(out->group, sizeof(out->group), seg[1], len[1]) < 0 ||
            copy_segment(out->version, sizeof(out->version), seg[2], len[2]) < 0) {
            out->group[0] = '\0';
            out->version[0] = '\0';
            out->type = EMU_KUBE_PATH_NONRESOURCE;
            return;
        }
        i = 3;
    } else {
        return;
    }
    if (i == n) {
        out->type = EMU_KUBE_PATH_NONRESOURCE; /* /api/v1 or /apis/GROUP/VERSION */
        return;
    }

    /* "namespaces/NS/RESOURCE/..." scopes the request; "namespaces/NS" is the namespace. */
    if (len[i] == 10 && memcmp(seg[i], "namespaces", 10) == 0 && n - i >= 2) {
        if (copy_segment(out->ns, sizeof(out->ns), seg[i + 1], len[i + 1]) < 0)
            goto invalid;
        if (n - i == 2) {
            snprintf(out->resource, sizeof(out->resource), "namespaces");
            snprintf(out->name, sizeof(out->name), "%s", out->ns);
            out->type = EMU_KUBE_PATH_RESOURCE;
            return;
        }
        i += 2;
    }
    if (copy_segment(out->resource, sizeof(out->resource), seg[i], len[i]) < 0)
        goto invalid;
    i++;
    if (i < n && copy_segment(out->name, sizeof(out->name), seg[i], len[i]) < 0)
        goto invalid;
    i++;
    if (i < n && copy_segment(out->subresource, sizeof(out->subresource), seg[i], len[i]) < 0)
        goto invalid;
    if (i + 1 < n)
        goto invalid;
    out->type = EMU_KUBE_PATH_RESOURCE;
    return;

invalid:
    memset(out, 0, sizeof(*out));
}

/* --- replies --- */

/* Reply with @p doc serialised (NULL: out of memory); takes the reference to @p doc. */
static void reply_doc(struct httpd_reply *reply, int status, const char *content_type, json_t *doc)
{
    static const char no_memory[] =
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
        "\"message\":\"out of memory\",\"reason\":\"InternalError\",\"code\":500}";
    char *text = doc != NULL ? m365id__json_dump(doc) : NULL;

    json_decref(doc);
    if (text == NULL) {
        httpd_reply_set(reply, 500, "application/json", no_memory, sizeof(no_memory) - 1);
        return;
    }
    httpd_reply_take(reply, status, content_type, text, strlen(text));
}

/*
 * Reply with a Status object of status "Failure". @p details 0 leaves "details" out (as
 * kube-apiserver's 401 does); otherwise it contains the non-empty ones of name, group and kind.
 */
static void reply_status(struct httpd_reply *reply, int code, const char *reason, int details,
                         const char *name, const char *group, const char *kind,
                         const char *fmt, ...) __attribute__((format(printf, 8, 9)));

static void reply_status(struct httpd_reply *reply, int code, const char *reason, int details,
                         const char *name, const char *group, const char *kind,
                         const char *fmt, ...)
{
    char message[1024];
    json_t *doc;
    json_t *d = NULL;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    doc = json_pack("{s:s,s:s,s:{},s:s,s:s,s:s}", "kind", "Status", "apiVersion", "v1",
                    "metadata", "status", "Failure", "message", message, "reason", reason);
    if (doc != NULL && details) {
        d = json_object();
        if (name != NULL && name[0] != '\0')
            json_object_set_new(d, "name", json_string(name));
        if (group != NULL && group[0] != '\0')
            json_object_set_new(d, "group", json_string(group));
        if (kind != NULL && kind[0] != '\0')
            json_object_set_new(d, "kind", json_string(kind));
        json_object_set_new(doc, "details", d);
    }
    if (doc != NULL)
        json_object_set_new(doc, "code", json_integer(code));
    reply_doc(reply, code, "application/json", doc);
    httpd_reply_outcome(reply, "%s", reason);
}

static void reply_unauthorized(struct httpd_reply *reply)
{
    reply_status(reply, 401, "Unauthorized", 0, NULL, NULL, NULL, "Unauthorized");
}

static void reply_page_not_found(struct httpd_reply *reply)
{
    reply_status(reply, 404, "NotFound", 1, NULL, NULL, NULL,
                 "the server could not find the requested resource");
}

/* "pods" or "deployments.apps", as kube-apiserver names a resource in messages. */
static void qualified_resource(char *out, size_t size, const struct emu_kube_path *p)
{
    snprintf(out, size, "%s%s%s", p->resource, p->group[0] != '\0' ? "." : "", p->group);
}

/* Nonzero when the query requests a watch: "watch" set to a value that Go's
 * strconv.ParseBool reads as true, as kube-apiserver decodes it. */
static int wants_watch(const struct httpd_request *req)
{
    static const char *const true_values[] = {"1", "t", "T", "TRUE", "true", "True"};
    const char *watch = httpd_query(req, "watch");
    size_t i;

    for (i = 0; watch != NULL && i < sizeof(true_values) / sizeof(true_values[0]); i++) {
        if (strcmp(watch, true_values[i]) == 0)
            return 1;
    }
    return 0;
}

/* kube-apiserver's reply to a watch of a resource whose storage cannot watch. */
static void reply_watch_unsupported(struct httpd_reply *reply, const struct emu_kube_path *p)
{
    char qualified[160];

    qualified_resource(qualified, sizeof(qualified), p);
    reply_status(reply, 405, "MethodNotAllowed", 1, NULL, p->group, p->resource,
                 "watch is not supported on resources of kind \"%s\"", qualified);
}

/* --- authentication --- */

/* Nonzero when @p aud is an API audience of @p c: its issuer as spelled, the issuer with its
 * trailing '/' removed or added, or the in-cluster default issuer URL. */
static int is_api_audience(const struct emu_cluster *c, const char *aud)
{
    size_t n = strlen(c->issuer);
    size_t a = strlen(aud);

    if (strcmp(aud, c->issuer) == 0 || strcmp(aud, IN_CLUSTER_AUDIENCE) == 0)
        return 1;
    if (n > 0 && c->issuer[n - 1] == '/')
        return a == n - 1 && strncmp(aud, c->issuer, a) == 0;
    return a == n + 1 && strncmp(aud, c->issuer, n) == 0 && aud[n] == '/';
}

/*
 * Check the bearer token as kube-apiserver's service-account authenticator does: signed by
 * one of the clusters' keys, "iss" equal to that cluster's issuer, within "nbf", "iat" and
 * "exp" (TOKEN_LEEWAY_S either side), an API audience in "aud", and a service-account "sub".
 * @return 0, or -1 with the reason logged at DEBUG
 */
static int authenticate(struct kube_user *u, const struct httpd_request *req, struct emu *e)
{
    const char *header = httpd_header(req, "Authorization");
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    const struct emu_cluster *c = NULL;
    const char *token;
    const char *iss = NULL;
    const char *sub = NULL;
    const char *auds[16];
    const char *why = NULL;
    const char *colon;
    char fp[M365ID_FINGERPRINT_SIZE] = "(none)";
    long long now = m365id__now_s();
    long long exp = 0;
    long long nbf = 0;
    long long iat = 0;
    size_t count;
    size_t i;
    int r;

    memset(u, 0, sizeof(*u));
    if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0) {
        why = "no bearer token in the Authorization header";
        goto out;
    }
    token = header + 7;
    m365id_fingerprint(fp, sizeof(fp), token, strlen(token));
    if (m365id__jwt_parse(&jwt, token, strlen(token), NULL) < 0) {
        why = "the bearer token is not a compact JWT";
        goto out;
    }
    if (emu_issuer_find_signer(&c, e, &jwt, token) < 0) {
        why = "no cluster key verifies the token's RS256 signature";
        goto out;
    }
    if (m365id__json_get_str(&iss, jwt.payload, "iss") != M365ID__JSON_OK ||
        strcmp(iss, c->issuer) != 0) {
        why = "\"iss\" is not the signing cluster's issuer";
        goto out;
    }
    if (m365id__json_get_int(&exp, jwt.payload, "exp") != M365ID__JSON_OK ||
        now > exp + TOKEN_LEEWAY_S) {
        why = "the token has expired or has no integer \"exp\"";
        goto out;
    }
    r = m365id__json_get_int(&nbf, jwt.payload, "nbf");
    if (r == M365ID__JSON_BADTYPE || (r == M365ID__JSON_OK && nbf > now + TOKEN_LEEWAY_S)) {
        why = "the token is not valid yet (\"nbf\")";
        goto out;
    }
    r = m365id__json_get_int(&iat, jwt.payload, "iat");
    if (r == M365ID__JSON_BADTYPE || (r == M365ID__JSON_OK && iat > now + TOKEN_LEEWAY_S)) {
        why = "the token is issued in the future (\"iat\")";
        goto out;
    }
    count = m365id__jwt_audiences(auds, sizeof(auds) / sizeof(auds[0]), jwt.payload);
    for (i = 0; i < count && !is_api_audience(c, auds[i]); i++)
        ;
    if (i == count) {
        why = "\"aud\" holds none of the cluster's API audiences";
        goto out;
    }

    /* "system:serviceaccount:NS:SA"; neither name can contain ':'. */
    if (m365id__json_get_str(&sub, jwt.payload, "sub") != M365ID__JSON_OK ||
        strncmp(sub, SA_PREFIX, strlen(SA_PREFIX)) != 0 ||
        (colon = strchr(sub + strlen(SA_PREFIX), ':')) == NULL ||
        copy_segment(u->ns, sizeof(u->ns), sub + strlen(SA_PREFIX),
                     (size_t)(colon - sub) - strlen(SA_PREFIX)) < 0 ||
        copy_segment(u->sa, sizeof(u->sa), colon + 1, strlen(colon + 1)) < 0 ||
        !emu_is_dns_label(u->ns) || !emu_is_dns_subdomain(u->sa)) {
        why = "\"sub\" is not system:serviceaccount:NAMESPACE:NAME";
        goto out;
    }
    /* NOTE: kube-apiserver also checks that the service account and the pod a token is bound
     * to still exist with the uids in the "kubernetes.io" claim. The emulator does not. */
    u->cluster = c;
    snprintf(u->name, sizeof(u->name), SA_PREFIX "%s:%s", u->ns, u->sa);

out:
    if (why != NULL)
        mlog_debug(&e->logger, "kube", "401 for token %s: %s", fp, why);
    m365id__jwt_clear(&jwt);
    return why != NULL ? -1 : 0;
}

/* --- authorization --- */

/* The request verb as kube-apiserver derives it from the method and the path. */
static void request_verb(char *out, size_t size, const struct httpd_request *req,
                         const struct emu_kube_path *p)
{
    const char *m = req->method;
    size_t i;

    if (p->type != EMU_KUBE_PATH_RESOURCE) {
        for (i = 0; m[i] != '\0' && i + 1 < size; i++)
            out[i] = (char)tolower((unsigned char)m[i]);
        out[i] = '\0';
        return;
    }
    if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
        snprintf(out, size, "%s",
                 p->name[0] != '\0' ? "get" : wants_watch(req) ? "watch" : "list");
    else if (strcmp(m, "POST") == 0)
        snprintf(out, size, "create");
    else if (strcmp(m, "PUT") == 0)
        snprintf(out, size, "update");
    else if (strcmp(m, "PATCH") == 0)
        snprintf(out, size, "patch");
    else if (strcmp(m, "DELETE") == 0)
        snprintf(out, size, "%s", p->name[0] != '\0' ? "delete" : "deletecollection");
    else
        snprintf(out, size, "unknown");
}

/* Nonzero when @p u may run @p verb on @p p. Non-resource paths (the issuer documents and
 * API discovery) allow "get" to every service account, as the default ClusterRoles
 * system:service-account-issuer-discovery and system:discovery do. */
static int is_allowed(const struct kube_user *u, const struct emu_kube_path *p, const char *verb)
{
    size_t i;

    if (p->type != EMU_KUBE_PATH_RESOURCE)
        return strcmp(verb, "get") == 0;
    if ((strcmp(verb, "get") != 0 && strcmp(verb, "list") != 0) || p->subresource[0] != '\0')
        return 0;
    for (i = 0; i < sizeof(grants) / sizeof(grants[0]); i++) {
        if (strcmp(grants[i].group, p->group) == 0 && strcmp(grants[i].resource, p->resource) == 0)
            return grants[i].cluster_wide || strcmp(p->ns, u->ns) == 0;
    }
    return 0;
}

static void reply_forbidden(struct httpd_reply *reply, const struct httpd_request *req,
                            const struct kube_user *u, const struct emu_kube_path *p,
                            const char *verb)
{
    struct m365id__quoted qpath;
    char qualified[160];
    char resource[160];
    char scope[128];
    char subject[sizeof(qualified) + sizeof(p->name) + 4];

    if (p->type != EMU_KUBE_PATH_RESOURCE) {
        m365id__quote(&qpath, req->path);
        reply_status(reply, 403, "Forbidden", 1, NULL, NULL, NULL,
                     "forbidden: User \"%s\" cannot %s path \"%s\"", u->name, verb, qpath.text);
        return;
    }
    qualified_resource(qualified, sizeof(qualified), p);
    snprintf(resource, sizeof(resource), "%s%s%s", p->resource,
             p->subresource[0] != '\0' ? "/" : "", p->subresource);
    if (p->ns[0] != '\0')
        snprintf(scope, sizeof(scope), "in the namespace \"%s\"", p->ns);
    else
        snprintf(scope, sizeof(scope), "at the cluster scope");
    if (p->name[0] != '\0')
        snprintf(subject, sizeof(subject), "%s \"%s\"", qualified, p->name);
    else
        snprintf(subject, sizeof(subject), "%s", qualified);
    reply_status(reply, 403, "Forbidden", 1, p->name, p->group, p->resource,
                 "%s is forbidden: User \"%s\" cannot %s resource \"%s\" in API group \"%s\" %s",
                 subject, u->name, verb, resource, p->group, scope);
}

/* --- reads --- */

/* Nonzero when @p labels (an object, or NULL) satisfy @p selector; -1 for a selector with a
 * requirement form the emulator does not parse. Supported: k=v, k==v, k!=v, k, !k. */
static int labels_match(const json_t *labels, const char *selector)
{
    const char *p = selector;
    int match = 1;

    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        char req[320];
        char *key = req;
        char *value = NULL;
        char *op;
        const char *have;
        int negate = 0;
        size_t t;

        if (n >= sizeof(req))
            return -1;
        memcpy(req, p, n);
        req[n] = '\0';
        p += n + (p[n] == ',' ? 1 : 0);
        while (*key == ' ')
            key++;
        t = strlen(key);
        while (t > 0 && key[t - 1] == ' ')
            key[--t] = '\0';
        if (t == 0 || strpbrk(key, " ()") != NULL)
            return -1; /* set-based forms: "k in (a,b)", "k notin (a)" */
        if ((op = strstr(key, "!=")) != NULL) {
            negate = 1;
            value = op + 2;
        } else if ((op = strstr(key, "==")) != NULL) {
            value = op + 2;
        } else if ((op = strchr(key, '=')) != NULL) {
            value = op + 1;
        }
        if (op != NULL)
            *op = '\0';
        if (op == NULL && key[0] == '!') {
            negate = 1;
            key++;
        }
        if (key[0] == '\0' || strpbrk(key, "=!") != NULL ||
            (value != NULL && strpbrk(value, "=!") != NULL))
            return -1;
        have = json_string_value(json_object_get(labels, key));
        if (value == NULL)
            match &= negate ? have == NULL : have != NULL;
        else
            match &= negate ? have == NULL || strcmp(have, value) != 0
                            : have != NULL && strcmp(have, value) == 0;
    }
    return match;
}

static void reply_list(struct httpd_reply *reply, const struct httpd_request *req,
                       struct emu *e, const struct kube_user *u, const struct emu_kube_kind *kind,
                       const struct emu_kube_path *p)
{
    const char *selector = httpd_query(req, "labelSelector");
    unsigned long long revision = 0;
    json_t *items = emu_kube_store_list(e->kube, u->cluster, kind,
                                        kind->namespaced ? p->ns : NULL, &revision);
    json_t *matching = json_array();
    json_t *item;
    char list_kind[96];
    char rv[24];
    struct m365id__quoted q;
    size_t i;

    if (items == NULL || matching == NULL) {
        reply_doc(reply, 500, "application/json", NULL);
        goto out;
    }
    if (httpd_query(req, "fieldSelector") != NULL) {
        reply_status(reply, 400, "BadRequest", 0, NULL, NULL, NULL,
                     "fieldSelector is not supported by the emulator; filter the list instead");
        goto out;
    }
    json_array_foreach(items, i, item) {
        int m = 1;

        if (selector != NULL && selector[0] != '\0')
            m = labels_match(json_object_get(json_object_get(item, "metadata"), "labels"),
                             selector);
        if (m < 0) {
            m365id__quote(&q, selector);
            reply_status(reply, 400, "BadRequest", 0, NULL, NULL, NULL,
                         "unable to parse requirement in labelSelector '%s': the emulator "
                         "supports k=v, k==v, k!=v, k and !k joined by ','", q.text);
            goto out;
        }
        if (!m)
            continue;
        /* List items carry no kind and apiVersion of their own. */
        json_object_del(item, "kind");
        json_object_del(item, "apiVersion");
        json_array_append(matching, item);
    }
    snprintf(list_kind, sizeof(list_kind), "%sList", kind->kind);
    snprintf(rv, sizeof(rv), "%llu", revision);
    reply_doc(reply, 200, "application/json",
              json_pack("{s:s,s:s,s:{s:s},s:O}", "kind", list_kind, "apiVersion",
                        kind->api_version, "metadata", "resourceVersion", rv, "items", matching));
    httpd_reply_outcome(reply, "list %s %zu", kind->resource, json_array_size(matching));

out:
    json_decref(matching);
    json_decref(items);
}

static void reply_resource(struct httpd_reply *reply, const struct httpd_request *req,
                           struct emu *e, const struct kube_user *u, const struct emu_kube_path *p)
{
    const struct emu_kube_kind *kind = emu_kube_kind_by_resource(p->group, p->version,
                                                                 p->resource);
    char qualified[160];
    json_t *doc;

    /* Only get and list reach here, so the method is GET or HEAD. */
    if (kind == NULL || p->subresource[0] != '\0' || (!kind->namespaced && p->ns[0] != '\0') ||
        (kind->namespaced && p->ns[0] == '\0' && p->name[0] != '\0')) {
        reply_page_not_found(reply);
        return;
    }
    if (p->name[0] == '\0') {
        reply_list(reply, req, e, u, kind, p);
        return;
    }
    doc = emu_kube_store_get(e->kube, u->cluster, kind, p->ns, p->name);
    if (doc == NULL) {
        qualified_resource(qualified, sizeof(qualified), p);
        reply_status(reply, 404, "NotFound", 1, p->name, p->group, p->resource,
                     "%s \"%s\" not found", qualified, p->name);
        return;
    }
    reply_doc(reply, 200, "application/json", doc);
    httpd_reply_outcome(reply, "get %s", kind->resource);
}

void emu_kube_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e)
{
    struct emu_kube_path p;
    struct kube_user u;
    char verb[24];

    if (authenticate(&u, req, e) < 0) {
        reply_unauthorized(reply);
        return;
    }
    emu_kube_path_parse(&p, req->path);
    request_verb(verb, sizeof(verb), req, &p);
    if (p.type == EMU_KUBE_PATH_INVALID) {
        reply_page_not_found(reply);
        return;
    }
    /* The store keeps no change history, so no served resource can be watched: a watch, of
     * a list or of one object, gets 405 before authorization, whatever the role allows. */
    if (p.type == EMU_KUBE_PATH_RESOURCE && wants_watch(req) &&
        emu_kube_kind_by_resource(p.group, p.version, p.resource) != NULL) {
        reply_watch_unsupported(reply, &p);
        return;
    }
    if (!is_allowed(&u, &p, verb)) {
        mlog_debug(&e->logger, "kube", "403: %s may not %s %s", u.name, verb, req->path);
        reply_forbidden(reply, req, &u, &p, verb);
        return;
    }
    switch (p.type) {
    case EMU_KUBE_PATH_DISCOVERY:
        reply_doc(reply, 200, "application/json", emu_issuer_discovery_json(e, u.cluster));
        httpd_reply_add_header(reply, "Cache-Control", "public, max-age=3600");
        httpd_reply_outcome(reply, "discovery %s", u.cluster->name);
        break;
    case EMU_KUBE_PATH_JWKS:
        reply_doc(reply, 200, "application/jwk-set+json", emu_issuer_jwks_json(e, u.cluster));
        httpd_reply_add_header(reply, "Cache-Control", "public, max-age=3600");
        httpd_reply_outcome(reply, "jwks %s", u.cluster->name);
        break;
    case EMU_KUBE_PATH_RESOURCE:
        reply_resource(reply, req, e, &u, &p);
        break;
    default:
        reply_page_not_found(reply); /* API discovery (/api/v1, /apis/apps/v1) is not served */
        break;
    }
}
