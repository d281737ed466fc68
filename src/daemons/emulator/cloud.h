/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The Entra clouds the emulator serves: URL prefix, Graph resource ids and default federated
 * credential audience of each. Routing by prefix lives in router.c.
 */
#ifndef M365ID_DAEMONS_EMULATOR_CLOUD_H
#define M365ID_DAEMONS_EMULATOR_CLOUD_H

#include <stddef.h>

/** Application id of Microsoft Graph, the same in every cloud. */
#define EMU_GRAPH_APP_ID "00000003-0000-0000-c000-000000000000"

struct emu_cloud {
    const char *name;                 /* "public", "usgov", ... as in the scenario file */
    const char *prefix;               /* URL path prefix: "" or "/clouds/<name>" */
    const char *graph_resources[3];   /* Graph resource ids of this cloud, NULL-terminated */
    const char *fic_audience;         /* default federated credential audience */
};

/** The five clouds, public first. */
extern const struct emu_cloud emu_clouds[];
extern const size_t emu_cloud_count;

/** The cloud named @p name (exact), or NULL. */
const struct emu_cloud *emu_cloud_find(const char *name);

/** The cloud named by @p len bytes at @p name, or NULL. */
const struct emu_cloud *emu_cloud_find_len(const char *name, size_t len);

/** Nonzero when @p resource (a scope without "/.default") is a Graph resource of @p cloud. */
int emu_cloud_is_graph_resource(const struct emu_cloud *cloud, const char *resource);

/**
 * Nonzero when @p resource is a Graph resource of @p cloud or the emulator's own Graph endpoint
 * URL for that cloud (@p base_url followed by the cloud's prefix, no trailing slash). Clients
 * such as the Azure CLI name Graph in a custom cloud by the URL they call, so that URL is a
 * resource too. Any other spelling of it is not.
 */
int emu_cloud_accepts_graph_resource(const struct emu_cloud *cloud, const char *base_url,
                                     const char *resource);

#endif /* M365ID_DAEMONS_EMULATOR_CLOUD_H */
