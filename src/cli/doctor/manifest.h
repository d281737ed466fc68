/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Kubernetes manifests (YAML, multi-document YAML or JSON) read with libyaml into jansson
 * values, and the pod template of each workload found in them. What the doctor concludes
 * from those objects lives in check_pod.c.
 */
#ifndef M365ID_CLI_DOCTOR_MANIFEST_H
#define M365ID_CLI_DOCTOR_MANIFEST_H

#include <jansson.h>
#include <stddef.h>

/* A file listing a few hundred objects is well under 1 MiB, and the API server stores no
 * object above 1.5 MiB; 4 MiB keeps a wrong file (a log, an archive) from being read whole. */
#define DOCTOR_MANIFEST_SIZE_MAX (4u * 1024u * 1024u)

/* Nesting of mappings and sequences. Workload objects reach about 15 levels; CRD schemas
 * printed by `helm template` next to them go deeper, so the cap leaves room for those. */
#define DOCTOR_MANIFEST_DEPTH_MAX 64u

/* Values built from one file, with every alias counted at its expanded size. A 200-object
 * manifest builds about 20000; the cap stops alias bombs ("billion laughs") early. */
#define DOCTOR_MANIFEST_VALUES_MAX 262144u

/* Documents in one file, and objects after List items are flattened. */
#define DOCTOR_MANIFEST_OBJECTS_MAX 4096u

/* A parsed file. Documents that are empty or YAML null are dropped. */
struct doctor_manifest {
    char *name;         /* the file name used in messages; malloc'd */
    json_t *objects;    /* array of the documents' values, with the items of each List
                           expanded in its place; owned */
    json_t *paths;      /* for each entry of objects: "" for a document, "items[N]" for a
                           List item, the prefix of every YAML path inside it; owned */
    json_t *lines;      /* for each entry of objects: the 1-based line where it starts */
};

#define DOCTOR_MANIFEST_INIT {NULL, NULL, NULL, NULL}

/**
 * Parse @p len bytes of YAML or JSON. Plain (unquoted) scalars resolve as YAML 1.1 does in
 * Kubernetes' decoder: true/false/yes/no/on/off to booleans, null and ~ to null, integers
 * (decimal, 0x, 0o, 0b, leading 0 octal) and floats to numbers; quoted scalars stay strings.
 * Merge keys (<<) are applied; anchors and aliases are allowed within the value cap.
 * @param[out] m    filled on success; clear it with doctor_manifest_clear() in any case
 * @param name      file name for messages; copied
 * @param why       receives "NAME:LINE:COLUMN: problem" on failure; at least 256 bytes
 * @return 0; M365ID_EPROTO for a syntax error, a duplicate key or a non-scalar key;
 *         M365ID_ETOOBIG past a cap above; M365ID_ENOMEM
 */
int doctor_manifest_parse(struct doctor_manifest *m, const char *name, const char *data,
                          size_t len, char *why, size_t why_size);

/**
 * Read file @p path (at most DOCTOR_MANIFEST_SIZE_MAX bytes) and parse it as
 * doctor_manifest_parse() does. A pipe is read only when named /dev/fd/N (process
 * substitution); a FIFO or device under another name is rejected without blocking.
 * Returns what doctor_manifest_parse() returns, or M365ID_EIO when the file cannot be read or
 * is not a regular file, with @p why naming the path and the reason.
 */
int doctor_manifest_load(struct doctor_manifest *m, const char *path, char *why,
                         size_t why_size);

/** Free the values in @p m and reset it to DOCTOR_MANIFEST_INIT. */
void doctor_manifest_clear(struct doctor_manifest *m);

/** Number of objects in @p m. */
size_t doctor_manifest_count(const struct doctor_manifest *m);

/** Object @p index (borrowed), its path prefix ("" or "items[N]") and its first line. */
json_t *doctor_manifest_object(const struct doctor_manifest *m, size_t index);
const char *doctor_manifest_path(const struct doctor_manifest *m, size_t index);
long long doctor_manifest_line(const struct doctor_manifest *m, size_t index);

/** String member @p key of @p obj's "metadata"; NULL when absent or not a string. */
const char *doctor_manifest_meta(const json_t *obj, const char *key);

/** The "kind" of @p obj; NULL when absent or not a string. */
const char *doctor_manifest_kind(const json_t *obj);

/**
 * The first object of kind @p kind named @p name, in namespace @p ns when both @p ns and the
 * object's namespace are set; NULL when there is none. Kinds compare exactly.
 */
json_t *doctor_manifest_find(const struct doctor_manifest *m, const char *kind,
                             const char *name, const char *ns, size_t *index_out);

/* The pod template of a workload object and the YAML path that leads to it. */
struct doctor_pod_template {
    json_t *object;          /* the workload object (borrowed): a Pod, Deployment, Job... */
    const char *kind;        /* borrowed from object */
    const char *name;        /* metadata.name, or "(unnamed)" */
    const char *ns;          /* metadata.namespace, or NULL */
    json_t *pod;             /* object holding the pod's "metadata" and "spec" (the object
                                itself for a Pod); NULL when that path is missing */
    char path[96];           /* YAML path of pod, e.g. "spec.jobTemplate.spec.template" or
                                "items[2].spec.template"; "" for a top-level Pod */
    char object_path[32];    /* path of the object itself: "" or "items[N]" */
};

/**
 * The template path of workload kind @p kind: "" for Pod, "spec.template" for Deployment,
 * ReplicaSet, ReplicationController, StatefulSet, DaemonSet and Job,
 * "spec.jobTemplate.spec.template" for CronJob; NULL for any other kind.
 */
const char *doctor_manifest_template_path(const char *kind);

/**
 * Describe workload @p obj, found at @p object_path ("" or "items[N]"). Returns 1 when @p obj
 * is a workload kind (t->pod may still be NULL when the template path is missing), else 0.
 */
int doctor_manifest_pod_template(struct doctor_pod_template *t, json_t *obj,
                                 const char *object_path);

/** Member at dotted @p path ("spec.template.metadata") below @p obj; NULL when absent. */
json_t *doctor_manifest_at(const json_t *obj, const char *path);

#endif /* M365ID_CLI_DOCTOR_MANIFEST_H */
