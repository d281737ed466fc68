/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The operations of resource microsoft365_graph_resource and data source
 * microsoft365_graph_request, called by the RPC layer with decoded values.
 */
#ifndef M365ID_TFPROVIDER_RESOURCE_H
#define M365ID_TFPROVIDER_RESOURCE_H

#include <msgpack.h>

#include "tfprovider/provider.h"

void tfp_graph_resource_validate(struct tfp_result *res, const msgpack_object *config);
void tfp_graph_resource_plan(struct tfp_result *res, const msgpack_object *prior,
                             const msgpack_object *proposed, const msgpack_object *config);
void tfp_graph_resource_apply(struct tfp_result *res, const msgpack_object *prior,
                              const msgpack_object *planned);
void tfp_graph_resource_read(struct tfp_result *res, const msgpack_object *current);
void tfp_graph_resource_import(struct tfp_result *res, const char *id);

void tfp_graph_request_validate(struct tfp_result *res, const msgpack_object *config);
void tfp_graph_request_read(struct tfp_result *res, const msgpack_object *config);

/** "/v1.0/groups" from an API version and a path; a leading '/' of @p url is dropped. */
char *tfp_graph_path(const char *api_version, const char *url, const char *id);

/**
 * Add an error diagnostic on attribute api_version unless @p version is "v1.0" or "beta";
 * NULL (null or unknown in the configuration) passes.
 */
void tfp_graph_check_api_version(struct tfp_diags *diags, const char *version);

#endif /* M365ID_TFPROVIDER_RESOURCE_H */
