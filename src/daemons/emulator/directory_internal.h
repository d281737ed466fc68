/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The directory's structures, shared by directory.c and directory_seed.c only; routes and the
 * token endpoint use the functions of directory.h.
 */
#ifndef M365ID_DAEMONS_EMULATOR_DIRECTORY_INTERNAL_H
#define M365ID_DAEMONS_EMULATOR_DIRECTORY_INTERNAL_H

#include <jansson.h>
#include <pthread.h>

#include "directory.h"

struct emu_dir_tenant {
    const struct emu_tenant *tenant; /* borrowed from the scenario */
    json_t *collections;             /* collection name -> JSON array of objects */
    json_t *fic_visible_at;          /* federated credential id -> Unix time it matches from */
    long long fic_propagation_s;     /* the scenario's fic_propagation_seconds */
    char graph_sp_id[37];            /* Microsoft Graph's service principal in this tenant */
};

struct emu_directory {
    pthread_mutex_t lock; /* guards every tenant's collections */
    struct emu_dir_tenant *tenants;
    size_t tenant_count;
};

/** Seed @p dt from its scenario tenant. Returns 0 or M365ID_ENOMEM. */
int emu_dir_seed_tenant(struct emu_dir_tenant *dt);

#endif /* M365ID_DAEMONS_EMULATOR_DIRECTORY_INTERNAL_H */
