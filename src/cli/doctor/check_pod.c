/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Check "pod": does the workload's pod reach the workload identity webhook, and does its
 * ServiceAccount name the identity in use? Objects come from --pod and --service-account
 * files (manifest.c) or, inside a cluster, from the Kubernetes API (kube_client.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/doctor/doctor.h"
#include "cli/doctor/kube_client.h"
#include "cli/doctor/manifest.h"
#include "util/strutil.h"

#define LABEL_USE "azure.workload.identity/use"
#define ANNOTATION_CLIENT_ID "azure.workload.identity/client-id"
#define ANNOTATION_TENANT_ID "azure.workload.identity/tenant-id"

/* Workloads examined per run; a file with more is a whole application, not one workload. */
#define WORKLOADS_MAX 8
/* ownerReferences followed up from a live pod: ReplicaSet -> Deployment, Job -> CronJob. */
#define OWNERS_MAX 3

/* Sources of the objects one run examines. */
struct pod_input {
    struct doctor_manifest pod_file;
    struct doctor_manifest sa_file;
    int have_pod_file;
    int have_sa_file;
    struct doctor_kube *kube;         /* in-cluster API, or NULL */
    json_t *owners[OWNERS_MAX];       /* live pod's owner chain, nearest first; owned */
    size_t owner_count;
    json_t *live_sa;                  /* ServiceAccount read from the API; owned */
    json_t *live_service;             /* Service named like the ServiceAccount; owned */
    const char *webhook;              /* name of a workload identity webhook configuration,
                                         "" when the API lists none, NULL when unknown */
    json_t *webhooks;                 /* the list reply, owning webhook's storage */
    char webhook_why[160];            /* why webhook is NULL */
};

static const char *label_name_or(const char *s, const char *fallback)
{
    return s != NULL ? s : fallback;
}

/* "Deployment/graph-app" or "Deployment team-a/graph-app". */
static void object_label(char *out, size_t size, const char *kind, const json_t *obj)
{
    const char *name = label_name_or(doctor_manifest_meta(obj, "name"), "(unnamed)");
    const char *ns = doctor_manifest_meta(obj, "namespace");

    if (ns != NULL)
        snprintf(out, size, "%s %s/%s", kind, ns, name);
    else
        snprintf(out, size, "%s/%s", kind, name);
}

/* A path below the pod template: "spec.template" + ".metadata.labels". */
static void join_path(char *out, size_t size, const char *base, const char *rest)
{
    if (base[0] == '\0')
        snprintf(out, size, "%s", rest);
    else
        snprintf(out, size, "%s.%s", base, rest);
}

/* Keys differing from @p want only in case, '-' and '_' ("client_id", "clientID"). */
static int is_near_miss(const char *key, const char *want)
{
    const char *a = key, *b = want;

    for (;;) {
        while (*a == '-' || *a == '_')
            a++;
        while (*b == '-' || *b == '_')
            b++;
        if (*a == '\0' || *b == '\0')
            return *a == *b;
        if ((*a | 0x20) != (*b | 0x20))
            return 0;
        a++;
        b++;
    }
}

/* The key of @p map that is @p want or a near miss of it; NULL when none. */
static const char *find_key(const json_t *map, const char *want, int exact_too)
{
    const char *key;
    json_t *value;

    if (!json_is_object(map))
        return NULL;
    json_object_foreach((json_t *)map, key, value) {
        (void)value;
        if (strcmp(key, want) == 0) {
            if (exact_too)
                return key;
            continue;
        }
        if (is_near_miss(key, want))
            return key;
        /* A bare "client-id" or "clientId" without the azure.workload.identity/ prefix. */
        if (strchr(key, '/') == NULL && is_near_miss(key, strchr(want, '/') + 1))
            return key;
    }
    return NULL;
}

/* --- label azure.workload.identity/use --- */

/* Kinds whose spec.selector must match the template's labels and is immutable. */
static int has_selector(const char *kind)
{
    return kind != NULL && (strcmp(kind, "Deployment") == 0 || strcmp(kind, "ReplicaSet") == 0 ||
                            strcmp(kind, "StatefulSet") == 0 || strcmp(kind, "DaemonSet") == 0);
}

/*
 * The label must be on the pod, because the webhook's objectSelector matches pod labels only.
 * Returns 1 when the pod (template) has it with the string value "true".
 */
static int check_label(struct doctor_check *c, const struct doctor_pod_template *t,
                       const char *fix_owner, const char *fix_path)
{
    static const char *const elsewhere[] = {
        "metadata.labels", "spec.jobTemplate.metadata.labels", "spec.template.metadata.labels",
        "spec.jobTemplate.spec.template.metadata.labels", "metadata.annotations", NULL};
    json_t *labels = json_object_get(json_object_get(t->pod, "metadata"), "labels");
    json_t *value = json_object_get(labels, LABEL_USE);
    json_t *selector = doctor_manifest_at(t->object, "spec.selector.matchLabels");
    char who[300], here[160], there[160], fix[1024];
    int ok = 0;

    object_label(who, sizeof(who), t->kind, t->object);
    join_path(here, sizeof(here), t->path, "metadata.labels");
    join_path(there, sizeof(there), fix_path, "metadata.labels");
    snprintf(fix, sizeof(fix), "add the label %s: \"true\" (quoted) under %s of %s%s",
             LABEL_USE, there, fix_owner,
             has_selector(t->kind) ? ", not under spec.selector, which cannot change after "
                                     "creation"
                                   : "");

    if (json_is_string(value) && strcmp(json_string_value(value), "true") == 0) {
        ok = 1;
    } else if (json_is_boolean(value)) {
        doctor_finding(c, DOCTOR_FAIL,
                       "quote the value: azure.workload.identity/use: \"true\"; label values are "
                       "strings, and Kubernetes rejects the object with an unquoted true",
                       "label %s on %s is the YAML boolean %s, not the string \"true\"",
                       LABEL_USE, who, json_is_true(value) ? "true" : "false");
        doctor_evidence(c, "path", "%s", here);
    } else if (value != NULL) {
        char *text = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);

        doctor_finding(c, DOCTOR_FAIL, fix,
                       "label %s on %s is %s; the webhook selects pods whose value is exactly "
                       "\"true\"",
                       LABEL_USE, who, text != NULL ? text : "(unprintable)");
        doctor_evidence(c, "path", "%s", here);
        free(text);
    } else {
        int found = 0;

        for (size_t i = 0; elsewhere[i] != NULL; i++) {
            char wrong[160];
            json_t *map = doctor_manifest_at(t->object, elsewhere[i]);

            if (json_object_get(map, LABEL_USE) == NULL)
                continue;
            join_path(wrong, sizeof(wrong), t->object_path, elsewhere[i]);
            if (strcmp(wrong, here) == 0)
                continue;
            if (!found) {
                doctor_finding(c, DOCTOR_FAIL, fix,
                               "label %s found on %s but not on its pod template; the webhook "
                               "sees only the labels of the pod",
                               LABEL_USE, who);
            }
            doctor_evidence(c, "found at", "%s%s", wrong,
                            strstr(elsewhere[i], "annotations") != NULL ? " (an annotation, "
                                                                          "not a label)"
                                                                        : "");
            found = 1;
        }
        if (!found) {
            doctor_finding(c, DOCTOR_FAIL, fix,
                           "the pod of %s has no label %s, so the webhook injects neither the "
                           "AZURE_* variables nor the token volume",
                           who, LABEL_USE);
        }
        doctor_evidence(c, "needed at", "%s", there);
    }

    if (json_object_get(selector, LABEL_USE) != NULL) {
        join_path(here, sizeof(here), t->object_path, "spec.selector.matchLabels");
        doctor_finding(c, DOCTOR_WARN,
                       "remove the label from spec.selector and keep it in the pod template's "
                       "metadata.labels only",
                       "label %s is part of the selector of %s; selectors cannot change after "
                       "creation, so adding or removing it breaks later upgrades",
                       LABEL_USE, who);
        doctor_evidence(c, "path", "%s", here);
    }
    return ok;
}

static int has_use_label(const json_t *pod)
{
    const char *value =
        json_string_value(json_object_get(doctor_manifest_at(pod, "metadata.labels"), LABEL_USE));

    return value != NULL && strcmp(value, "true") == 0;
}

/* --- serviceAccountName --- */

/* Return the account the pod runs as; report serviceAccountName at levels that never apply. */
static const char *check_account_name(struct doctor_check *c,
                                      const struct doctor_pod_template *t)
{
    static const char *const elsewhere[] = {
        "spec.serviceAccountName", "spec.jobTemplate.spec.serviceAccountName",
        "spec.template.spec.serviceAccountName",
        "spec.jobTemplate.spec.template.spec.serviceAccountName",
        "spec.template.serviceAccountName", "spec.jobTemplate.spec.template.serviceAccountName",
        NULL};
    json_t *spec = json_object_get(t->pod, "spec");
    const char *name = json_string_value(json_object_get(spec, "serviceAccountName"));
    char who[300], here[160];

    /* serviceAccount is the deprecated alias the API server still copies into the new field. */
    if (name == NULL)
        name = json_string_value(json_object_get(spec, "serviceAccount"));
    if (name == NULL || name[0] == '\0')
        name = "default";

    object_label(who, sizeof(who), t->kind, t->object);
    join_path(here, sizeof(here), t->path, "spec.serviceAccountName");
    for (size_t i = 0; elsewhere[i] != NULL; i++) {
        const char *wrong_name = json_string_value(doctor_manifest_at(t->object, elsewhere[i]));
        char wrong[160], fix[1024];

        if (wrong_name == NULL)
            continue;
        join_path(wrong, sizeof(wrong), t->object_path, elsewhere[i]);
        if (strcmp(wrong, here) == 0)
            continue;
        snprintf(fix, sizeof(fix), "move serviceAccountName: %s to %s", wrong_name, here);
        doctor_finding(c, strcmp(wrong_name, name) == 0 ? DOCTOR_WARN : DOCTOR_FAIL, fix,
                       "serviceAccountName '%s' at %s of %s is ignored; the pod runs as '%s'",
                       wrong_name, wrong, who, name);
        doctor_evidence(c, "ignored", "%s: %s", wrong, wrong_name);
        doctor_evidence(c, "in effect", "%s: %s", here, name);
    }
    return name;
}

/* --- the ServiceAccount's annotations --- */

struct near_miss_place {
    const char *what;    /* "ServiceAccount team-a/graph-reader" */
    const json_t *obj;
};

/* Report client-id keys on the wrong object or misspelled. Returns how many were found. */
static int report_near_misses(struct doctor_check *c, const struct near_miss_place *places,
                              size_t count, const char *sa_who, const char *client)
{
    int found = 0;

    for (size_t i = 0; i < count; i++) {
        static const char *const maps[] = {"annotations", "labels"};
        const json_t *meta = json_object_get(places[i].obj, "metadata");

        if (places[i].obj == NULL)
            continue;
        for (size_t m = 0; m < 2; m++) {
            /* On the ServiceAccount, the exact key is right as an annotation only. */
            int exact_is_wrong = i > 0 || m == 1;
            const char *key = find_key(json_object_get(meta, maps[m]), ANNOTATION_CLIENT_ID,
                                       exact_is_wrong);
            const char *value;
            char fix[1024];

            if (key == NULL)
                continue;
            value = json_string_value(json_object_get(json_object_get(meta, maps[m]), key));
            snprintf(fix, sizeof(fix),
                     "put %s: \"%s\" under metadata.annotations of %s; the webhook reads that "
                     "exact key there and nowhere else",
                     ANNOTATION_CLIENT_ID, value != NULL && value[0] != '\0' ? value : client,
                     sa_who);
            if (strcmp(key, ANNOTATION_CLIENT_ID) == 0) {
                doctor_finding(c, DOCTOR_FAIL, fix,
                               "%s is set on %s (metadata.%s), where the webhook never reads it",
                               ANNOTATION_CLIENT_ID, places[i].what, maps[m]);
            } else {
                doctor_finding(c, DOCTOR_FAIL, fix,
                               "%s has the key '%s' (metadata.%s), a misspelling of %s",
                               places[i].what, key, maps[m], ANNOTATION_CLIENT_ID);
            }
            doctor_evidence(c, "found", "%s: %s", key, value != NULL ? value : "(not a string)");
            found++;
        }
    }
    return found;
}

/* The client-id and tenant-id annotations of @p sa. Returns 1 when the client id is usable. */
static int check_annotations(struct doctor *d, struct doctor_check *c, const json_t *sa,
                             const struct near_miss_place *others, size_t other_count)
{
    const struct doctor_facts *facts = doctor_facts(d);
    json_t *annotations = json_object_get(json_object_get(sa, "metadata"), "annotations");
    json_t *value = json_object_get(annotations, ANNOTATION_CLIENT_ID);
    const char *client = json_string_value(value);
    const char *tenant = json_string_value(json_object_get(annotations, ANNOTATION_TENANT_ID));
    const char *in_use_source = NULL;
    const char *in_use = doctor_setting(d, "entra_id_options.client_id", &in_use_source);
    const char *want = facts->client_id != NULL ? facts->client_id : "<client id>";
    struct near_miss_place places[4];
    char who[300], fix[1024];
    size_t count = 0;

    object_label(who, sizeof(who), "ServiceAccount", sa);
    if (in_use == NULL)
        in_use = facts->client_id;

    if (value == NULL) {
        places[count++] = (struct near_miss_place){who, sa};
        for (size_t i = 0; i < other_count && count < 4; i++)
            places[count++] = others[i];
        if (report_near_misses(c, places, count, who, want) > 0)
            return 0;
        snprintf(fix, sizeof(fix),
                 "add %s: \"%s\" under metadata.annotations of %s, the client id of an app "
                 "registration or a user-assigned managed identity; a system-assigned identity "
                 "cannot have a federated credential",
                 ANNOTATION_CLIENT_ID, want, who);
        doctor_finding(c, DOCTOR_FAIL, fix,
                       "%s has no %s annotation, so the webhook injects no AZURE_CLIENT_ID", who,
                       ANNOTATION_CLIENT_ID);
        return 0;
    }

    snprintf(fix, sizeof(fix), "set %s to \"%s\" on %s", ANNOTATION_CLIENT_ID, want, who);
    if (client == NULL) {
        doctor_finding(c, DOCTOR_FAIL, fix, "%s annotation %s is not a string", who,
                       ANNOTATION_CLIENT_ID);
        return 0;
    }
    if (client[0] == '\0') {
        doctor_finding(c, DOCTOR_FAIL, fix,
                       "%s annotation %s is empty, so pods get no (or an empty) "
                       "AZURE_CLIENT_ID",
                       who, ANNOTATION_CLIENT_ID);
        return 0;
    }
    if (!m365id__is_guid(client)) {
        if (strncasecmp(client, "/subscriptions/", 15) == 0) {
            doctor_finding(c, DOCTOR_FAIL, fix,
                           "%s annotation %s is a Resource Manager resource id; it needs the "
                           "identity's client id (a GUID)",
                           who, ANNOTATION_CLIENT_ID);
        } else {
            doctor_finding(c, DOCTOR_FAIL, fix, "%s annotation %s is not a GUID", who,
                           ANNOTATION_CLIENT_ID);
        }
        doctor_evidence(c, "annotation", "%s", client);
        return 0;
    }
    if (in_use != NULL && strcasecmp(in_use, client) != 0) {
        doctor_finding(c, DOCTOR_FAIL,
                       "make them equal: the annotation sets AZURE_CLIENT_ID in new pods, so "
                       "set it to the identity that holds the federated credential",
                       "%s annotation %s differs from the client id in use", who,
                       ANNOTATION_CLIENT_ID);
        doctor_evidence(c, "annotation", "%s", client);
        doctor_evidence(c, "in use", "%s (%s)", in_use,
                        in_use_source != NULL ? in_use_source : "configuration");
        return 0;
    }
    doctor_finding(c, DOCTOR_PASS, NULL, "%s has %s %s%s", who, ANNOTATION_CLIENT_ID, client,
                   in_use != NULL ? ", the client id in use" : "");

    if (tenant != NULL && tenant[0] == '\0') {
        doctor_finding(c, DOCTOR_WARN, "remove the empty annotation or set the tenant id",
                       "%s annotation %s is empty, so the webhook leaves AZURE_TENANT_ID out",
                       who, ANNOTATION_TENANT_ID);
    } else if (tenant != NULL && facts->tenant_id != NULL &&
               strcasecmp(tenant, facts->tenant_id) != 0) {
        doctor_finding(c, DOCTOR_FAIL, "make the annotation and the tenant in use equal",
                       "%s annotation %s differs from the tenant in use", who,
                       ANNOTATION_TENANT_ID);
        doctor_evidence(c, "annotation", "%s", tenant);
        doctor_evidence(c, "in use", "%s", facts->tenant_id);
    }
    return 1;
}

/* --- injection into a running pod --- */

/* Nonzero when the webhook mutated @p pod: an injected variable or the token volume. */
static int pod_is_mutated(const json_t *pod)
{
    static const char *const lists[] = {"containers", "initContainers"};
    const json_t *spec = json_object_get(pod, "spec");
    json_t *item, *env;
    size_t i, j;

    json_array_foreach(json_object_get(spec, "volumes"), i, item) {
        const char *name = json_string_value(json_object_get(item, "name"));

        if (name != NULL && (strcmp(name, "azure-identity-token") == 0 ||
                             m365id__starts_with(name, "azure-workload-identity-reserved-")))
            return 1;
    }
    for (size_t l = 0; l < 2; l++) {
        json_array_foreach(json_object_get(spec, lists[l]), i, item) {
            json_array_foreach(json_object_get(item, "env"), j, env) {
                const char *name = json_string_value(json_object_get(env, "name"));

                if (name != NULL && strcmp(name, "AZURE_FEDERATED_TOKEN_FILE") == 0)
                    return 1;
            }
        }
    }
    return 0;
}

/* Nonzero when @p pod is a created object (from the API or `kubectl get -o yaml`). */
static int pod_is_live(const json_t *pod)
{
    return doctor_manifest_meta(pod, "uid") != NULL ||
           doctor_manifest_meta(pod, "creationTimestamp") != NULL ||
           json_object_get(pod, "status") != NULL;
}

static void check_injection(struct doctor_check *c, const struct pod_input *in,
                            const struct doctor_pod_template *t, const char *owner_who)
{
    char who[300], fix[1024];

    if (pod_is_mutated(t->pod))
        return;
    object_label(who, sizeof(who), "Pod", t->pod);
    if (owner_who != NULL)
        snprintf(fix, sizeof(fix), "recreate the pod (kubectl rollout restart on %s, or "
                 "delete the pod): the webhook mutates pods only when they are created",
                 owner_who);
    else
        snprintf(fix, sizeof(fix), "recreate the pod: the webhook mutates pods only when they "
                 "are created");
    doctor_finding(c, DOCTOR_FAIL, fix,
                   "%s has no AZURE_FEDERATED_TOKEN_FILE variable and no azure-identity-token "
                   "volume although its label and ServiceAccount are set: it was created "
                   "before they were, or the webhook did not run",
                   who);
    if (in->webhook != NULL && in->webhook[0] != '\0')
        doctor_evidence(c, "webhook", "MutatingWebhookConfiguration %s exists", in->webhook);
    else if (in->webhook != NULL)
        doctor_evidence(c, "webhook", "no MutatingWebhookConfiguration selects %s: install the "
                        "workload identity webhook", LABEL_USE);
    else
        doctor_evidence(c, "webhook", "not checked: %s", in->webhook_why);
}

/* --- one workload --- */

/* The ServiceAccount @p name, from the API or the files; NULL when not given. */
static json_t *find_account(struct pod_input *in, const char *name, const char *ns)
{
    json_t *sa = NULL;

    if (in->live_sa != NULL)
        return in->live_sa;
    if (in->have_sa_file)
        sa = doctor_manifest_find(&in->sa_file, "ServiceAccount", name, ns, NULL);
    if (sa == NULL && in->have_pod_file)
        sa = doctor_manifest_find(&in->pod_file, "ServiceAccount", name, ns, NULL);
    return sa;
}

static json_t *find_service(struct pod_input *in, const char *name, const char *ns)
{
    json_t *svc = NULL;

    if (in->live_service != NULL)
        return in->live_service;
    if (in->have_sa_file)
        svc = doctor_manifest_find(&in->sa_file, "Service", name, ns, NULL);
    if (svc == NULL && in->have_pod_file)
        svc = doctor_manifest_find(&in->pod_file, "Service", name, ns, NULL);
    return svc;
}

/* The ServiceAccount of the --service-account file when it contains exactly one, else NULL. */
static json_t *single_account(const struct pod_input *in)
{
    json_t *found = NULL;

    if (!in->have_sa_file)
        return NULL;
    for (size_t i = 0; i < doctor_manifest_count(&in->sa_file); i++) {
        json_t *obj = doctor_manifest_object(&in->sa_file, i);
        const char *kind = doctor_manifest_kind(obj);

        if (kind == NULL || strcmp(kind, "ServiceAccount") != 0)
            continue;
        if (found != NULL)
            return NULL;
        found = obj;
    }
    return found;
}

/*
 * The pod runs as @p account in @p ns, while the --service-account file describes only
 * @p other. The fix follows the federated credentials when they are known, so that it never
 * moves the pod to an account that Entra ID does not trust.
 */
static void report_other_account(struct doctor *d, struct doctor_check *c, const char *who,
                                 const char *account, const char *ns, const char *account_path,
                                 const json_t *other)
{
    const char *other_name = label_name_or(doctor_manifest_meta(other, "name"), "?");
    const char *other_ns = doctor_manifest_meta(other, "namespace");
    int same_name = strcmp(other_name, account) == 0;
    int other_trusted = doctor_fic_trusts(d, other_ns, other_name);
    int pod_trusted = doctor_fic_trusts(d, ns, account);
    char pod_ref[300], other_ref[300], fix[2048], trusted_ns[254], trusted_sa[254];
    const char *trusted_fic = NULL;

    snprintf(pod_ref, sizeof(pod_ref), "%s%s%s", ns != NULL ? ns : "", ns != NULL ? "/" : "",
             account);
    snprintf(other_ref, sizeof(other_ref), "%s%s%s", other_ns != NULL ? other_ns : "",
             other_ns != NULL ? "/" : "", other_name);

    if (other_trusted == 1 && same_name) {
        snprintf(fix, sizeof(fix),
                 "deploy the pod to namespace %s, where the annotated ServiceAccount lives and "
                 "which the federated credential trusts",
                 other_ns != NULL ? other_ns : "?");
    } else if (other_trusted == 1) {
        snprintf(fix, sizeof(fix), "set %s: %s%s%s", account_path, other_name,
                 other_ns != NULL && ns != NULL && strcmp(other_ns, ns) != 0
                     ? ", and deploy the pod to namespace "
                     : "",
                 other_ns != NULL && ns != NULL && strcmp(other_ns, ns) != 0 ? other_ns : "");
    } else if (pod_trusted == 1) {
        snprintf(fix, sizeof(fix),
                 "keep serviceAccountName, which the federated credential trusts: annotate "
                 "ServiceAccount %s with azure.workload.identity/client-id and pass its "
                 "manifest with --service-account (kubectl get serviceaccount %s%s%s -o yaml)",
                 pod_ref, account, ns != NULL ? " -n " : "", ns != NULL ? ns : "");
    } else if (pod_trusted == 0 &&
               doctor_fic_trusted_account(d, trusted_ns, sizeof(trusted_ns), trusted_sa,
                                          sizeof(trusted_sa), &trusted_fic)) {
        snprintf(fix, sizeof(fix),
                 "run the pod as ServiceAccount %s/%s, which federated credential '%s' trusts "
                 "(%s: %s in namespace %s), and annotate that account with "
                 "azure.workload.identity/client-id",
                 trusted_ns, trusted_sa, trusted_fic, account_path, trusted_sa, trusted_ns);
    } else if (same_name) {
        snprintf(fix, sizeof(fix),
                 "create and annotate ServiceAccount %s in the pod's namespace %s, or deploy "
                 "the pod to namespace %s; the federated credential's subject must name the "
                 "namespace the pod runs in",
                 account, ns != NULL ? ns : "?", other_ns != NULL ? other_ns : "?");
    } else {
        snprintf(fix, sizeof(fix),
                 "set %s: %s, and check that the federated credential's subject is "
                 "system:serviceaccount:%s:%s (pass it with --federated-credential FILE to "
                 "compare)",
                 account_path, other_name, other_ns != NULL ? other_ns : (ns != NULL ? ns : "NS"),
                 other_name);
    }

    if (same_name && other_ns != NULL && ns != NULL) {
        doctor_finding(c, DOCTOR_FAIL, fix,
                       "the pod of %s runs in namespace '%s', but the annotated ServiceAccount "
                       "'%s' is in namespace '%s': a pod can use only a ServiceAccount of its "
                       "own namespace",
                       who, ns, other_name, other_ns);
    } else {
        doctor_finding(c, DOCTOR_FAIL, fix,
                       "the pod of %s runs as ServiceAccount '%s', but the annotated account "
                       "is '%s'",
                       who, account, other_name);
    }
    doctor_evidence(c, "pod runs as", "%s", pod_ref);
    doctor_evidence(c, "annotated", "%s", other_ref);
    if (pod_trusted >= 0) {
        doctor_evidence(c, "credentials trust", "%s: %s; %s: %s", pod_ref,
                        pod_trusted ? "yes" : "no", other_ref, other_trusted ? "yes" : "no");
    }
}

/*
 * Check one workload. @p owner (may be NULL) is the top of a live pod's owner chain, where a
 * missing label or account must be added. The first workload checked sets facts->pod and
 * facts->service_account.
 */
static void check_workload(struct doctor *d, struct doctor_check *c, struct pod_input *in,
                           const struct doctor_pod_template *t,
                           const struct doctor_pod_template *owner, int *facts_set)
{
    struct doctor_facts *facts = doctor_facts(d);
    const char *ns = t->ns != NULL ? t->ns : (owner != NULL ? owner->ns : NULL);
    const char *account;
    char who[300], owner_who[300], sa_who[300], svc_who[300];
    struct near_miss_place others[3];
    size_t other_count = 0;
    char account_path[160];
    json_t *sa, *svc;
    int label_ok, sa_ok = 0;

    object_label(who, sizeof(who), t->kind, t->object);
    if (t->pod == NULL) {
        char fix[1024];

        snprintf(fix, sizeof(fix), "describe the pod under %s", t->path);
        doctor_finding(c, DOCTOR_FAIL, fix, "%s has no pod template at %s", who, t->path);
        return;
    }
    if (owner != NULL)
        object_label(owner_who, sizeof(owner_who), owner->kind, owner->object);

    if (owner != NULL && owner->pod != NULL && !has_use_label(t->pod)) {
        /* A live pod without the label: the owner's template is where it must be added. */
        label_ok = 0;
        if (check_label(c, owner, owner_who, owner->path)) {
            doctor_finding(c, DOCTOR_FAIL, "recreate the pod (kubectl rollout restart)",
                           "the template of %s has the label but this pod does not: it was "
                           "created before the label was added",
                           owner_who);
        }
    } else {
        label_ok = check_label(c, t, who, t->path);
    }
    account = check_account_name(c, owner != NULL ? owner : t);
    if (owner != NULL && owner->pod != NULL) {
        const char *live = json_string_value(
            doctor_manifest_at(t->pod, "spec.serviceAccountName"));

        if (live != NULL)
            account = live;
    }

    join_path(account_path, sizeof(account_path), owner != NULL ? owner->path : t->path,
              "spec.serviceAccountName");
    if (!*facts_set) {
        snprintf(facts->pod_namespace, sizeof(facts->pod_namespace), "%s", ns != NULL ? ns : "");
        snprintf(facts->pod_account, sizeof(facts->pod_account), "%s", account);
        snprintf(facts->pod_account_path, sizeof(facts->pod_account_path), "%s", account_path);
        snprintf(facts->pod_who, sizeof(facts->pod_who), "%s", owner != NULL ? owner_who : who);
    }

    sa = find_account(in, account, ns);
    snprintf(sa_who, sizeof(sa_who), "ServiceAccount %s%s%s", ns != NULL ? ns : "",
             ns != NULL ? "/" : "", account);
    if (sa == NULL) {
        json_t *only = single_account(in);
        char fix[1024];

        if (only != NULL) {
            report_other_account(d, c, who, account, ns, account_path, only);
        } else if (in->kube != NULL) {
            doctor_finding(c, DOCTOR_FAIL, "create the ServiceAccount, or fix serviceAccountName",
                           "%s was not found", sa_who);
        } else {
            snprintf(fix, sizeof(fix), "pass the ServiceAccount manifest with --service-account "
                     "FILE (kubectl get serviceaccount %s -o yaml)", account);
            doctor_finding(c, DOCTOR_SKIP, fix,
                           "%s is not in the files given, so its annotations were not checked",
                           sa_who);
        }
    } else {
        object_label(sa_who, sizeof(sa_who), "ServiceAccount", sa);
        others[other_count++] = (struct near_miss_place){who, t->pod};
        if (t->object != t->pod)
            others[other_count++] = (struct near_miss_place){who, t->object};
        svc = find_service(in, account, ns);
        if (svc != NULL) {
            object_label(svc_who, sizeof(svc_who), "Service", svc);
            others[other_count++] = (struct near_miss_place){svc_who, svc};
        }
        sa_ok = check_annotations(d, c, sa, others, other_count);
    }

    if (label_ok && sa_ok && pod_is_live(t->pod))
        check_injection(c, in, t, owner != NULL ? owner_who : NULL);

    if (!*facts_set) {
        facts->pod = json_incref(t->pod);
        facts->service_account = json_incref(sa);
        *facts_set = 1;
    }
}

/* --- inputs --- */

static int load_file(struct doctor_check *c, struct doctor_manifest *m, const char *path,
                     const char *option)
{
    char why[512], fix[1024];

    if (doctor_manifest_load(m, path, why, sizeof(why)) == 0)
        return 0;
    snprintf(fix, sizeof(fix), "correct the file given to %s: it must be YAML or JSON as "
             "kubectl prints it", option);
    doctor_finding(c, DOCTOR_FAIL, fix, "cannot read %s: %s", option, why);
    return -1;
}

static void check_files(struct doctor *d, struct doctor_check *c, struct pod_input *in)
{
    const struct doctor_options *opts = doctor_options(d);
    struct doctor_pod_template t;
    size_t workloads = 0;
    int facts_set = 0;

    if (opts->pod_file != NULL) {
        if (load_file(c, &in->pod_file, opts->pod_file, "--pod") < 0)
            return;
        in->have_pod_file = 1;
    }
    if (opts->service_account_file != NULL) {
        if (load_file(c, &in->sa_file, opts->service_account_file, "--service-account") < 0)
            return;
        in->have_sa_file = 1;
    }

    for (size_t i = 0; in->have_pod_file && i < doctor_manifest_count(&in->pod_file); i++) {
        json_t *obj = doctor_manifest_object(&in->pod_file, i);

        if (!doctor_manifest_pod_template(&t, obj, doctor_manifest_path(&in->pod_file, i)))
            continue;
        if (++workloads > WORKLOADS_MAX) {
            doctor_finding(c, DOCTOR_WARN, "pass one workload at a time",
                           "only the first %d workloads of --pod were checked", WORKLOADS_MAX);
            break;
        }
        check_workload(d, c, in, &t, NULL, &facts_set);
    }
    if (in->have_pod_file && workloads == 0) {
        doctor_finding(c, DOCTOR_FAIL,
                       "pass the manifest of a Pod, Deployment, ReplicaSet, StatefulSet, "
                       "DaemonSet, Job or CronJob",
                       "--pod %s holds no workload object", opts->pod_file);
    }

    /* A ServiceAccount file alone: check each account's annotations. */
    if (!in->have_pod_file && in->have_sa_file) {
        size_t accounts = 0;

        for (size_t i = 0; i < doctor_manifest_count(&in->sa_file); i++) {
            json_t *obj = doctor_manifest_object(&in->sa_file, i);
            const char *kind = doctor_manifest_kind(obj);
            struct near_miss_place others[1];
            size_t other_count = 0;
            json_t *svc;
            char svc_who[300];

            if (kind == NULL || strcmp(kind, "ServiceAccount") != 0)
                continue;
            accounts++;
            svc = find_service(in, label_name_or(doctor_manifest_meta(obj, "name"), ""),
                               doctor_manifest_meta(obj, "namespace"));
            if (svc != NULL) {
                object_label(svc_who, sizeof(svc_who), "Service", svc);
                others[other_count++] = (struct near_miss_place){svc_who, svc};
            }
            check_annotations(d, c, obj, others, other_count);
            if (!facts_set) {
                doctor_facts(d)->service_account = json_incref(obj);
                facts_set = 1;
            }
        }
        if (accounts == 0) {
            doctor_finding(c, DOCTOR_FAIL, "pass the ServiceAccount's manifest",
                           "--service-account %s holds no ServiceAccount",
                           opts->service_account_file);
        }
    }
}

/* --- in-cluster --- */

/* GET @p path; on a status other than 200 add evidence and return NULL. */
static json_t *kube_read(struct doctor_check *c, struct doctor_kube *k, const char *path,
                         const char *what, int quiet_404)
{
    json_t *obj = NULL;
    long status = 0;
    char why[512];

    if (doctor_kube_get(&obj, &status, k, path, why, sizeof(why)) < 0) {
        doctor_finding(c, DOCTOR_WARN, "check that the API server is reachable from the pod",
                       "cannot read %s: %s", what, why);
        return NULL;
    }
    if (status == 200 && json_is_object(obj))
        return obj;
    if (!(status == 404 && quiet_404)) {
        doctor_finding(c, DOCTOR_WARN,
                       status == 403 ? "grant the pod's own ServiceAccount get on pods, "
                                       "serviceaccounts, services and the owner kinds, "
                                       "or pass --pod and --service-account files"
                                     : NULL,
                       "cannot read %s: HTTP %ld from the Kubernetes API", what, status);
        doctor_evidence(c, "request", "GET %s", path);
    }
    json_decref(obj);
    return NULL;
}

/* The controller owner of @p obj: kind and name, or 0 when it has none. */
static int controller_of(const json_t *obj, const char **kind, const char **name)
{
    json_t *refs = doctor_manifest_at(obj, "metadata.ownerReferences");
    json_t *ref;
    size_t i;

    json_array_foreach(refs, i, ref) {
        if (json_is_true(json_object_get(ref, "controller")) || json_array_size(refs) == 1) {
            *kind = json_string_value(json_object_get(ref, "kind"));
            *name = json_string_value(json_object_get(ref, "name"));
            return *kind != NULL && *name != NULL;
        }
    }
    return 0;
}

static const char *owner_api(const char *kind)
{
    if (strcmp(kind, "ReplicaSet") == 0 || strcmp(kind, "Deployment") == 0 ||
        strcmp(kind, "StatefulSet") == 0 || strcmp(kind, "DaemonSet") == 0)
        return "/apis/apps/v1";
    if (strcmp(kind, "Job") == 0 || strcmp(kind, "CronJob") == 0)
        return "/apis/batch/v1";
    return NULL;
}

static const char *owner_resource(const char *kind)
{
    static const char *const pairs[][2] = {
        {"ReplicaSet", "replicasets"}, {"Deployment", "deployments"},
        {"StatefulSet", "statefulsets"}, {"DaemonSet", "daemonsets"},
        {"Job", "jobs"}, {"CronJob", "cronjobs"}};

    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        if (strcmp(kind, pairs[i][0]) == 0)
            return pairs[i][1];
    }
    return NULL;
}

/* Name of the first webhook configuration that selects the opt-in label, "" for none. */
static void find_webhook(struct doctor_check *c, struct pod_input *in)
{
    json_t *list = kube_read(c, in->kube,
                             "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
                             "MutatingWebhookConfigurations", 0);
    json_t *item, *hook;
    size_t i, j;

    if (list == NULL) {
        snprintf(in->webhook_why, sizeof(in->webhook_why),
                 "the MutatingWebhookConfigurations could not be listed");
        return;
    }
    in->webhooks = list;
    in->webhook = "";
    json_array_foreach(json_object_get(list, "items"), i, item) {
        const char *name = doctor_manifest_meta(item, "name");

        json_array_foreach(json_object_get(item, "webhooks"), j, hook) {
            json_t *sel = doctor_manifest_at(hook, "objectSelector.matchLabels");
            const char *hook_name = json_string_value(json_object_get(hook, "name"));

            if (json_object_get(sel, LABEL_USE) != NULL ||
                (hook_name != NULL && strstr(hook_name, "azure-workload-identity") != NULL)) {
                in->webhook = name != NULL ? name : "(unnamed)";
                return;
            }
        }
    }
}

static void check_cluster(struct doctor *d, struct doctor_check *c, struct pod_input *in)
{
    const char *ns = doctor_kube_namespace(in->kube);
    const char *pod_name = getenv("HOSTNAME");
    struct doctor_pod_template t, owner;
    const struct doctor_pod_template *top = NULL;
    const char *account;
    json_t *pod = NULL;
    json_t *cur;
    char path[1024];
    int facts_set = 0;

    if (!doctor_kube_is_name(ns) || !doctor_kube_is_name(pod_name)) {
        doctor_skip(c, "running in a cluster, but the namespace file or HOSTNAME does not hold "
                       "a valid name; pass --pod and --service-account files instead");
        return;
    }
    doctor_finding(c, DOCTOR_PASS, NULL, "running in a cluster: reading pod %s/%s from %s", ns,
                   pod_name, doctor_kube_base_url(in->kube));
    snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s", ns, pod_name);
    if ((pod = kube_read(c, in->kube, path, "this pod", 0)) == NULL)
        return;
    if (doctor_manifest_kind(pod) == NULL)
        json_object_set_new(pod, "kind", json_string("Pod"));
    doctor_manifest_pod_template(&t, pod, "");

    /* Walk ownerReferences up to the object whose template a person edits. */
    cur = pod;
    while (in->owner_count < OWNERS_MAX) {
        const char *kind, *name, *api, *resource;
        char what[300];
        json_t *obj;

        if (!controller_of(cur, &kind, &name) || (api = owner_api(kind)) == NULL ||
            (resource = owner_resource(kind)) == NULL || !doctor_kube_is_name(name))
            break;
        snprintf(path, sizeof(path), "%s/namespaces/%s/%s/%s", api, ns, resource, name);
        snprintf(what, sizeof(what), "owner %s/%s", kind, name);
        if ((obj = kube_read(c, in->kube, path, what, 0)) == NULL)
            break;
        if (doctor_manifest_kind(obj) == NULL)
            json_object_set_new(obj, "kind", json_string(kind));
        in->owners[in->owner_count++] = obj;
        cur = obj;
    }
    if (in->owner_count > 0) {
        json_t *last = in->owners[in->owner_count - 1];

        if (doctor_manifest_pod_template(&owner, last, "")) {
            top = &owner;
            for (size_t i = 0; i < in->owner_count; i++) {
                char who[300];

                object_label(who, sizeof(who), doctor_manifest_kind(in->owners[i]),
                             in->owners[i]);
                doctor_evidence(c, "owned by", "%s", who);
            }
        }
    }

    account = json_string_value(doctor_manifest_at(pod, "spec.serviceAccountName"));
    if (account == NULL)
        account = "default";
    if (doctor_kube_is_name(account)) {
        snprintf(path, sizeof(path), "/api/v1/namespaces/%s/serviceaccounts/%s", ns, account);
        in->live_sa = kube_read(c, in->kube, path, "the pod's ServiceAccount", 1);
        snprintf(path, sizeof(path), "/api/v1/namespaces/%s/services/%s", ns, account);
        in->live_service = kube_read(c, in->kube, path, "a Service named like the account", 1);
    }
    find_webhook(c, in);
    check_workload(d, c, in, &t, top, &facts_set);
    json_decref(pod);
}

void doctor_check_pod(struct doctor *d)
{
    struct doctor_check *c = doctor_check_begin(d, "pod", "pod and ServiceAccount", 1);
    const struct doctor_options *opts = doctor_options(d);
    struct doctor_facts *facts = doctor_facts(d);
    struct pod_input in;
    char why[512];
    int rc;

    memset(&in, 0, sizeof(in));
    if (opts->pod_file != NULL || opts->service_account_file != NULL) {
        check_files(d, c, &in);
        goto out;
    }

    if (opts->offline) {
        doctor_skip(c, "no --pod or --service-account file given, and --offline keeps the "
                       "doctor from reading the pod from the Kubernetes API");
        goto out;
    }
    rc = doctor_kube_open(&in.kube, opts->kube_dir, why, sizeof(why));
    if (rc == M365ID_ECONFIG) {
        doctor_skip(c, "no --pod or --service-account file given, and not running in a cluster "
                       "(%s)", why);
        goto out;
    }
    if (rc < 0) {
        doctor_skip(c, "KUBERNETES_SERVICE_HOST is set, but the service account folder is not "
                       "usable (%s); pass --kube-dir DIR, or --pod and --service-account files",
                    why);
        goto out;
    }
    facts->in_cluster = 1;
    check_cluster(d, c, &in);

out:
    doctor_manifest_clear(&in.pod_file);
    doctor_manifest_clear(&in.sa_file);
    for (size_t i = 0; i < in.owner_count; i++)
        json_decref(in.owners[i]);
    json_decref(in.live_sa);
    json_decref(in.live_service);
    json_decref(in.webhooks);
    doctor_kube_free(in.kube);
}
