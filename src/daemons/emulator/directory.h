/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The emulator's writable directory: per tenant, Graph-shaped JSON objects by collection,
 * seeded from the scenario (directory_seed.c) and changed through Graph (graph_objects.c).
 * The token endpoint reads applications, federated credentials and app roles from here.
 */
#ifndef M365ID_DAEMONS_EMULATOR_DIRECTORY_H
#define M365ID_DAEMONS_EMULATOR_DIRECTORY_H

#include <jansson.h>
#include <stddef.h>

#include "scenario.h"

/* Collection names as Graph spells them. Nested collections are stored under
 * "applications/{id}/federatedIdentityCredentials"; app role assignments live in one flat
 * collection that the two servicePrincipals views filter. */
#define EMU_DIR_USERS "users"
#define EMU_DIR_GROUPS "groups"
#define EMU_DIR_APPLICATIONS "applications"
#define EMU_DIR_SERVICE_PRINCIPALS "servicePrincipals"
#define EMU_DIR_CONFIGURATION_POLICIES "deviceManagement/configurationPolicies"
#define EMU_DIR_APP_ROLE_ASSIGNMENTS "appRoleAssignments"
#define EMU_DIR_FICS "federatedIdentityCredentials"

/* Entra allows at most 20 federated identity credentials per application. */
#define EMU_DIR_FIC_MAX 20

/* Objects per tenant, all collections together. Entra's default quota is 50000 directory
 * objects; the emulator keeps a lower bound so a runaway client cannot exhaust memory. */
#define EMU_DIR_TENANT_OBJECTS_MAX 10000

struct emu_directory;

/** One tenant's store; valid while the directory lives, used only under its lock. */
struct emu_dir_tenant;

/**
 * Create the directory and seed every tenant of @p scn: users, one application and service
 * principal per scenario application with its federated credentials and app role
 * assignments, and Microsoft Graph's service principal with its app roles.
 * @param scn  borrowed; must outlive the directory
 * @return 0 or M365ID_ENOMEM
 */
int emu_directory_new(struct emu_directory **out, const struct emu_scenario *scn);

/** Free @p dir; NULL is a no-op. */
void emu_directory_free(struct emu_directory *dir);

/** Take the directory lock: every call below that returns borrowed JSON needs it. */
void emu_directory_lock(struct emu_directory *dir);
void emu_directory_unlock(struct emu_directory *dir);

/** The store of @p tenant, or NULL when the tenant is not in the scenario. */
struct emu_dir_tenant *emu_directory_tenant(struct emu_directory *dir,
                                            const struct emu_tenant *tenant);

/** The scenario tenant a store belongs to. */
const struct emu_tenant *emu_dir_tenant_scenario(const struct emu_dir_tenant *dt);

/** Object id of Microsoft Graph's service principal in @p dt. */
const char *emu_dir_graph_sp_id(const struct emu_dir_tenant *dt);

/**
 * The JSON array of collection @p name, borrowed until the lock is released.
 * @param create  nonzero: create an empty collection when there is none
 * @return the array, or NULL (absent and not created, or no memory)
 */
json_t *emu_dir_collection(struct emu_dir_tenant *dt, const char *name, int create);

/** Remove collection @p name and its objects; no-op when absent. */
void emu_dir_collection_drop(struct emu_dir_tenant *dt, const char *name);

/**
 * The first object of @p collection whose string member @p key equals @p value, compared
 * without case (Graph compares ids, appIds and names without case). Borrowed.
 */
json_t *emu_dir_find(const json_t *collection, const char *key, const char *value);

/**
 * Append @p obj (reference taken, also on failure) to @p collection of @p dt.
 * @return 0; 1 when the tenant's object quota is used up; M365ID_ENOMEM
 */
int emu_dir_insert(struct emu_dir_tenant *dt, json_t *collection, json_t *obj);

/** Remove @p obj (compared by identity) from @p collection; no-op when absent. */
void emu_dir_remove(json_t *collection, const json_t *obj);

/**
 * Delete the service principal @p sp and every app role assignment it grants or holds.
 */
void emu_dir_delete_service_principal(struct emu_dir_tenant *dt, const json_t *sp);

/**
 * Delete the application @p app, its federated credentials and its service principal, as
 * Entra does when an app registration is deleted.
 */
void emu_dir_delete_application(struct emu_dir_tenant *dt, const json_t *app);

/** A new random appRoleAssignment id: 43 base64url characters, as Graph's are; malloc'd. */
char *emu_dir_new_assignment_id(void);

/** Name of the collection of the federated credentials of application @p app_object_id. */
void emu_dir_fic_collection_name(char *out, size_t size, const char *app_object_id);

/**
 * Record that federated credential @p fic_id was created or changed now: with the scenario's
 * fic_propagation_seconds above 0, the token endpoint ignores it for that long, as Entra ID's
 * eventually consistent credential store does.
 */
void emu_dir_fic_changed(struct emu_dir_tenant *dt, const char *fic_id);

/** Forget the propagation time of deleted federated credential @p fic_id. */
void emu_dir_fic_deleted(struct emu_dir_tenant *dt, const char *fic_id);

/**
 * The value (name) of the app role @p role_id of service principal @p sp, or NULL. Borrowed.
 */
const char *emu_dir_app_role_value(const json_t *sp, const char *role_id);

/* --- what the token endpoint reads --- */

/**
 * An application as the token endpoint reads it at one moment: ids, display name, federated
 * credentials and the Microsoft Graph roles of its service principal come from the
 * directory; client secrets, certificates, subject-name trust and public-client settings
 * come from the scenario application with the same client id (none for applications
 * created through Graph).
 */
struct emu_app_snapshot {
    struct emu_app app;                 /* owned: ids, fics, roles; the rest borrowed */
    const struct emu_app *scenario_app; /* NULL for applications created through Graph */
    int has_service_principal;          /* 0: the application has no service principal */
};

#define EMU_APP_SNAPSHOT_INIT {{0}, NULL, 0}

/**
 * Copy what the token endpoint needs of the application with client id @p client_id in
 * @p tenant, under the directory lock, so the caller signs without holding it.
 * @return 0; 1 when the tenant has no such application; M365ID_ENOMEM
 */
int emu_directory_app_snapshot(struct emu_app_snapshot *out, struct emu_directory *dir,
                               const struct emu_tenant *tenant, const char *client_id);

/** Free what emu_directory_app_snapshot() copied and reset @p s. */
void emu_app_snapshot_clear(struct emu_app_snapshot *s);

/* --- query options (directory_query.c) --- */

/**
 * A parsed $filter: "PROP eq 'text'", "PROP eq true|false", "PROP/any(x:x eq 'text')" or
 * "startswith(PROP,'text')".
 */
struct emu_dir_filter {
    char property[64];
    char *value;     /* the literal, '' unescaped; "true"/"false" for booleans; malloc'd */
    int is_bool;     /* the literal was true or false, not a string */
    int any;         /* lambda over a string collection: PROP/any(x:x eq 'text') */
    int starts_with; /* startswith(PROP,'text'): a string property with that prefix */
};

#define EMU_DIR_FILTER_INIT {{0}, NULL, 0, 0, 0}

/**
 * Parse an OData $filter of the supported forms.
 * @param why  filled with what is wrong when the filter is rejected
 * @return 0; 1 for syntax the emulator does not support; M365ID_ENOMEM
 */
int emu_dir_filter_parse(struct emu_dir_filter *out, const char *text, char *why,
                         size_t why_size);

/** Free the literal of @p f and reset it. */
void emu_dir_filter_clear(struct emu_dir_filter *f);

/** Nonzero when @p obj matches @p f. Strings compare without case, as Entra does. */
int emu_dir_filter_matches(const struct emu_dir_filter *f, const json_t *obj);

/**
 * Read an opaque $skiptoken made by emu_dir_skiptoken_make().
 * @return 0 with *offset set, or -1 when @p token is not one
 */
int emu_dir_skiptoken_parse(size_t *offset, const char *token);

/** A $skiptoken that resumes a listing at @p offset; malloc'd, NULL without memory. */
char *emu_dir_skiptoken_make(size_t offset);

#endif /* M365ID_DAEMONS_EMULATOR_DIRECTORY_H */
