/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * State shared by graph_objects.c (routing, reads, listings) and graph_objects_write.c
 * (create, update, delete): the collection table and a parsed request path.
 */
#ifndef M365ID_DAEMONS_EMULATOR_GRAPH_OBJECTS_H
#define M365ID_DAEMONS_EMULATOR_GRAPH_OBJECTS_H

#include "directory.h"
#include "graph.h"

/** A collection Graph serves from the directory, and the permissions it requires. */
struct graph_collection {
    enum graph_kind kind;
    const char *segment;                /* path segment, e.g. "servicePrincipals" */
    const char *store;                  /* directory collection; NULL for nested ones */
    const char *const *read_roles;      /* app-only tokens: one of these for GET */
    const char *const *write_roles;     /* ... for POST, PATCH and DELETE */
    const char *const *read_scopes;     /* delegated tokens: one of these for GET */
    const char *const *write_scopes;
};

/** A request path: a top-level collection, maybe an entity of it, maybe a nested collection
 * of that entity and an entity of that. */
struct graph_target {
    const struct graph_collection *top;
    char top_key_prop[16]; /* "id" or "appId" */
    char top_key[256];     /* "" for the collection itself */
    char top_id[64];       /* object id of the top entity, once found */
    const struct graph_collection *sub; /* NULL, federated credentials or assignments */
    char sub_segment[64];  /* as requested: "appRoleAssignments" or "appRoleAssignedTo" */
    int assigned_to;       /* the appRoleAssignedTo view: assignments granted on the entity */
    char sub_key_prop[16]; /* "id", "name", or "" */
    char sub_key[256];     /* "" for the nested collection itself */
};

/** "@odata.context" of the target's collection, or of one entity when @p entity is set. */
json_t *emu_graph_context(const struct graph_call *g, const struct graph_target *t, int entity);

/** A deep copy of @p obj with "@odata.context" first; NULL without memory. */
json_t *emu_graph_entity_doc(const struct graph_call *g, const struct graph_target *t,
                             const json_t *obj);

/**
 * Create an object from the checked @p body in the target collection (under the lock).
 * @param items    the collection, or for nested targets the view of it
 * @param top_obj  the entity of a nested target, else NULL
 * @return the reply document, or NULL with @p prob set (NULL and no status: no memory)
 */
json_t *emu_graph_create(const struct graph_call *g, const struct graph_target *t,
                         struct emu_dir_tenant *dt, json_t *items, json_t *top_obj,
                         const json_t *body, struct graph_problem *prob);

/** Merge @p body into @p obj (under the lock); @p prob is set when the change is refused. */
void emu_graph_patch(const struct graph_target *t, struct emu_dir_tenant *dt, json_t *items,
                     json_t *obj, const json_t *body, struct graph_problem *prob);

/** Delete @p obj and what depends on it (under the lock); @p prob is set when refused. */
void emu_graph_delete(const struct graph_target *t, struct emu_dir_tenant *dt, json_t *obj,
                      struct graph_problem *prob);

/** Nonzero when PATCH may send @p key of a @p kind object only with its stored value. */
int emu_graph_is_read_only(const char *key, enum graph_kind kind);

#endif /* M365ID_DAEMONS_EMULATOR_GRAPH_OBJECTS_H */
