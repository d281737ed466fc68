/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * State shared by the Graph route files: graph.c (bearer validation, /organization, /me) and
 * graph_objects.c with graph_validate.c (the directory collections).
 */
#ifndef M365ID_DAEMONS_EMULATOR_GRAPH_H
#define M365ID_DAEMONS_EMULATOR_GRAPH_H

#include "emu.h"

/* Per-request state of one Graph call. */
struct graph_call {
    struct httpd_reply *reply;
    const struct httpd_request *req;
    struct emu *e;
    const struct emu_cloud *cloud;
    const char *version; /* "v1.0" or "beta" */
};

/** Reply with Graph's error body {"error":{"code","message","innerError":{...}}}. */
void emu_graph_error(struct graph_call *g, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/**
 * Validate the bearer token as Graph would: signature by this emulator's Entra key, lifetime,
 * an audience that is a Graph resource of the cloud, a tenant known in that cloud.
 * @return 0 with *claims_out the payload (new reference) and *tenant_out the token's tenant;
 *         -1 with a 401 reply set
 */
int emu_graph_authenticate(struct graph_call *g, json_t **claims_out,
                           const struct emu_tenant **tenant_out);

/** Nonzero when the token's "roles" contains one of @p allowed (NULL-terminated). */
int emu_graph_has_role(const json_t *claims, const char *const *allowed);

/** Nonzero when the space-separated "scp" of a delegated token names one of @p allowed. */
int emu_graph_has_scope(const json_t *claims, const char *const *allowed);

/** Nonzero for a delegated token ("idtyp" "user"), checked on "scp" rather than "roles". */
int emu_graph_is_delegated(const json_t *claims);

/** The kinds of directory collection the Graph routes serve. */
enum graph_kind {
    GRAPH_USERS,
    GRAPH_GROUPS,
    GRAPH_APPLICATIONS,
    GRAPH_SERVICE_PRINCIPALS,
    GRAPH_CONFIGURATION_POLICIES,
    GRAPH_FICS,
    GRAPH_APP_ROLE_ASSIGNMENTS, /* servicePrincipals/{id}/appRoleAssignments and .../appRoleAssignedTo */
};

/** Why a request body was rejected: the reply's status, Graph error code and message. */
struct graph_problem {
    int status;
    const char *code;
    char message[1200]; /* room for a few quoted values, each up to 515 bytes escaped */
};

/**
 * Check the property names and JSON types of a POST (@p creating nonzero) or PATCH body for
 * @p kind, and on POST that the required properties are present.
 * @return 0, or -1 with @p p filled
 */
int emu_graph_validate_body(struct graph_problem *p, enum graph_kind kind, const json_t *body,
                            int creating);

/**
 * Check a federated identity credential as Entra does before storing it: name, issuer,
 * subject, audiences and description, each within its length limit.
 * @return 0, or -1 with @p p filled
 */
int emu_graph_validate_fic(struct graph_problem *p, const json_t *fic);

/** Graph's resource type name of @p kind for messages, e.g. "Application". */
const char *emu_graph_resource_type(enum graph_kind kind);

/**
 * Serve @p resource (the path after "/v1.0/" or "/beta/") when it names a directory
 * collection: users, groups, applications, servicePrincipals, their nested collections, and
 * beta's deviceManagement/configurationPolicies.
 * @return 1 when a reply was set; 0 when @p resource is not a directory path
 */
int emu_graph_objects_handle(struct graph_call *g, const json_t *claims,
                             const struct emu_tenant *tenant, const char *resource);

/** The user with object id @p id of @p tenant for /me, as a new object, or NULL. */
json_t *emu_graph_user_copy(struct emu *e, const struct emu_tenant *tenant, const char *id);

#endif /* M365ID_DAEMONS_EMULATOR_GRAPH_H */
