/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The provider's schemas as static attribute tables: the provider block, the resource
 * microsoft365_graph_resource and the data source microsoft365_graph_request. From a table come
 * the protobuf Schema for GetProviderSchema and the cty object type that decodes values.
 */
#ifndef M365ID_TFPROVIDER_SCHEMA_H
#define M365ID_TFPROVIDER_SCHEMA_H

#include <jansson.h>
#include <stddef.h>

#include "tfplugin6.pb-c.h"

#define TFP_REQUIRED 0x1u
#define TFP_OPTIONAL 0x2u
#define TFP_COMPUTED 0x4u
#define TFP_SENSITIVE 0x8u

#define TFP_RESOURCE_GRAPH "microsoft365_graph_resource"
#define TFP_DATA_GRAPH_REQUEST "microsoft365_graph_request"

struct tfp_attr {
    const char *name;
    const char *type;              /* JSON type constraint; NULL for a nested attribute */
    unsigned int flags;            /* TFP_REQUIRED, TFP_OPTIONAL, TFP_COMPUTED, TFP_SENSITIVE */
    const struct tfp_attr *nested; /* attributes of a single nested object, ending with name NULL */
    const char *description;       /* Markdown */
};

/** The tables; each ends with an entry whose name is NULL. */
extern const struct tfp_attr tfp_provider_attrs[];
extern const struct tfp_attr tfp_graph_resource_attrs[];
extern const struct tfp_attr tfp_graph_request_attrs[];

/** The cty object type of a table, e.g. ["object", {"url": "string", ...}]; a new reference. */
json_t *tfp_schema_type(const struct tfp_attr *attrs);

/** A heap protobuf Schema for @p attrs; free it with tfp_schema_free(). */
Tfplugin6__Schema *tfp_schema_new(const struct tfp_attr *attrs, const char *description);

void tfp_schema_free(Tfplugin6__Schema *schema);

#endif /* M365ID_TFPROVIDER_SCHEMA_H */
