/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Provider-level RPCs (schema, metadata, provider validation and configuration, stop), the
 * go-plugin controller and health services, and the method table. RPCs newer than protocol
 * 6.4 that a host may probe get the reply of a provider without the feature: an empty message
 * where that means "none", UNIMPLEMENTED otherwise.
 */
#include <grpc/status.h>
#include <string.h>

#include "plugin.pb-c.h"
#include "tfprovider/rpc.h"
#include "tfprovider/schema.h"

static const struct tfp_rpc rpc_table[] = {
    {"/tfplugin6.Provider/GetProviderSchema", tfp_rpc_get_provider_schema},
    {"/tfplugin6.Provider/GetMetadata", tfp_rpc_get_metadata},
    {"/tfplugin6.Provider/ValidateProviderConfig", tfp_rpc_validate_provider_config},
    {"/tfplugin6.Provider/ConfigureProvider", tfp_rpc_configure_provider},
    {"/tfplugin6.Provider/StopProvider", tfp_rpc_stop_provider},
    {"/tfplugin6.Provider/ValidateResourceConfig", tfp_rpc_validate_resource_config},
    {"/tfplugin6.Provider/ValidateDataResourceConfig", tfp_rpc_validate_data_resource_config},
    {"/tfplugin6.Provider/UpgradeResourceState", tfp_rpc_upgrade_resource_state},
    {"/tfplugin6.Provider/ReadResource", tfp_rpc_read_resource},
    {"/tfplugin6.Provider/PlanResourceChange", tfp_rpc_plan_resource_change},
    {"/tfplugin6.Provider/ApplyResourceChange", tfp_rpc_apply_resource_change},
    {"/tfplugin6.Provider/ImportResourceState", tfp_rpc_import_resource_state},
    {"/tfplugin6.Provider/ReadDataSource", tfp_rpc_read_data_source},
    /* 6.5 and 6.9: an empty reply means no functions and no resource identities. */
    {"/tfplugin6.Provider/GetFunctions", tfp_rpc_empty},
    {"/tfplugin6.Provider/GetResourceIdentitySchemas", tfp_rpc_empty},
    {"/plugin.GRPCController/Shutdown", tfp_rpc_shutdown},
    {"/grpc.health.v1.Health/Check", tfp_rpc_health_check},
    {NULL, NULL},
};

tfp_rpc_fn tfp_rpc_find(const char *path)
{
    for (size_t i = 0; rpc_table[i].path != NULL; i++) {
        if (strcmp(rpc_table[i].path, path) == 0)
            return rpc_table[i].fn;
    }
    return NULL;
}

int tfp_rpc_get_provider_schema(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__GetProviderSchema__Response resp = TFPLUGIN6__GET_PROVIDER_SCHEMA__RESPONSE__INIT;
    Tfplugin6__ServerCapabilities caps = TFPLUGIN6__SERVER_CAPABILITIES__INIT;
    Tfplugin6__GetProviderSchema__Response__ResourceSchemasEntry res_entry =
        TFPLUGIN6__GET_PROVIDER_SCHEMA__RESPONSE__RESOURCE_SCHEMAS_ENTRY__INIT;
    Tfplugin6__GetProviderSchema__Response__DataSourceSchemasEntry data_entry =
        TFPLUGIN6__GET_PROVIDER_SCHEMA__RESPONSE__DATA_SOURCE_SCHEMAS_ENTRY__INIT;
    Tfplugin6__GetProviderSchema__Response__ResourceSchemasEntry *res_list[1] = {&res_entry};
    Tfplugin6__GetProviderSchema__Response__DataSourceSchemasEntry *data_list[1] = {&data_entry};
    int status;

    (void)req;
    (void)len;
    resp.provider = tfp_schema_new(tfp_provider_attrs,
                                   "Microsoft 365 through Microsoft Graph, authenticated by "
                                   "libm365id (workload identity and other methods).");
    res_entry.key = TFP_RESOURCE_GRAPH;
    res_entry.value = tfp_schema_new(tfp_graph_resource_attrs,
                                     "Any Microsoft Graph object, managed through its "
                                     "collection URL.");
    data_entry.key = TFP_DATA_GRAPH_REQUEST;
    data_entry.value = tfp_schema_new(tfp_graph_request_attrs,
                                      "One Microsoft Graph GET request.");
    resp.n_resource_schemas = 1;
    resp.resource_schemas = res_list;
    resp.n_data_source_schemas = 1;
    resp.data_source_schemas = data_list;
    caps.plan_destroy = 1;
    caps.get_provider_schema_optional = 0;
    resp.server_capabilities = &caps;
    if (resp.provider == NULL || res_entry.value == NULL || data_entry.value == NULL)
        status = GRPC_STATUS_RESOURCE_EXHAUSTED;
    else
        status = tfp_reply_pack(out, &resp.base);
    tfp_schema_free(resp.provider);
    tfp_schema_free(res_entry.value);
    tfp_schema_free(data_entry.value);
    return status;
}

int tfp_rpc_get_metadata(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__GetMetadata__Response resp = TFPLUGIN6__GET_METADATA__RESPONSE__INIT;
    Tfplugin6__ServerCapabilities caps = TFPLUGIN6__SERVER_CAPABILITIES__INIT;
    Tfplugin6__GetMetadata__DataSourceMetadata data = TFPLUGIN6__GET_METADATA__DATA_SOURCE_METADATA__INIT;
    Tfplugin6__GetMetadata__ResourceMetadata res = TFPLUGIN6__GET_METADATA__RESOURCE_METADATA__INIT;
    Tfplugin6__GetMetadata__DataSourceMetadata *data_list[1] = {&data};
    Tfplugin6__GetMetadata__ResourceMetadata *res_list[1] = {&res};

    (void)req;
    (void)len;
    caps.plan_destroy = 1;
    resp.server_capabilities = &caps;
    data.type_name = TFP_DATA_GRAPH_REQUEST;
    res.type_name = TFP_RESOURCE_GRAPH;
    resp.n_data_sources = 1;
    resp.data_sources = data_list;
    resp.n_resources = 1;
    resp.resources = res_list;
    return tfp_reply_pack(out, &resp.base);
}

int tfp_rpc_validate_provider_config(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__ValidateProviderConfig__Request *request;
    Tfplugin6__ValidateProviderConfig__Response resp =
        TFPLUGIN6__VALIDATE_PROVIDER_CONFIG__RESPONSE__INIT;
    struct tfp_call call;

    request = tfp_call_begin(&call, &tfplugin6__validate_provider_config__request__descriptor,
                             req, len);
    if (request == NULL)
        return GRPC_STATUS_INVALID_ARGUMENT;
    if (tfp_call_decode(&call, 0, "the provider configuration", request->config) == 0)
        tfp_provider_validate(&call.res.diags, call.values[0].root);
    return tfp_call_finish(&call, out, &resp.base, &resp.n_diagnostics, &resp.diagnostics);
}

int tfp_rpc_configure_provider(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__ConfigureProvider__Request *request;
    Tfplugin6__ConfigureProvider__Response resp = TFPLUGIN6__CONFIGURE_PROVIDER__RESPONSE__INIT;
    struct tfp_call call;

    request = tfp_call_begin(&call, &tfplugin6__configure_provider__request__descriptor, req,
                             len);
    if (request == NULL)
        return GRPC_STATUS_INVALID_ARGUMENT;
    if (tfp_call_decode(&call, 0, "the provider configuration", request->config) == 0) {
        tfp_provider_validate(&call.res.diags, call.values[0].root);
        if (!call.res.diags.has_error)
            tfp_provider_configure(&call.res.diags, call.values[0].root);
    }
    return tfp_call_finish(&call, out, &resp.base, &resp.n_diagnostics, &resp.diagnostics);
}

int tfp_rpc_stop_provider(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__StopProvider__Response resp = TFPLUGIN6__STOP_PROVIDER__RESPONSE__INIT;

    (void)req;
    (void)len;
    tfp_provider_stop();
    return tfp_reply_pack(out, &resp.base);
}

int tfp_rpc_empty(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    (void)req;
    (void)len;
    out->data = NULL;
    out->len = 0;
    return GRPC_STATUS_OK;
}

int tfp_rpc_shutdown(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    (void)tfp_rpc_empty(out, req, len);
    return TFP_RPC_EXIT;
}

int tfp_rpc_health_check(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Plugin__HealthCheckResponse resp = PLUGIN__HEALTH_CHECK_RESPONSE__INIT;

    (void)req;
    (void)len;
    resp.status = PLUGIN__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
    return tfp_reply_pack(out, &resp.base);
}
