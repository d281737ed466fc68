/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Resource and data source RPCs: unpack the request, decode its DynamicValues, route by type
 * name to resource_graph.c or data_graph_request.c, and pack the value and diagnostics.
 * UpgradeResourceState lives here too: it converts stored JSON state to msgpack of the current
 * schema, for any type this provider knows.
 */
#include <grpc/status.h>
#include <stdlib.h>
#include <string.h>

#include "tfprovider/resource.h"
#include "tfprovider/rpc.h"
#include "tfprovider/schema.h"

static const char null_msgpack[] = "\xc0";

/* Point @p dv at the result's value, or at msgpack nil when the object is null. */
static void result_value(Tfplugin6__DynamicValue *dv, const struct tfp_result *res)
{
    tfplugin6__dynamic_value__init(dv);
    if (res->has_value) {
        dv->msgpack.data = (uint8_t *)res->value.sbuf.data;
        dv->msgpack.len = res->value.sbuf.size;
    } else {
        dv->msgpack.data = (uint8_t *)null_msgpack;
        dv->msgpack.len = 1;
    }
}

static void unknown_type(struct tfp_diags *diags, const char *kind, const char *type_name)
{
    tfp_diag_add(diags, TFP_ERROR, NULL, "Unknown type",
                 "this provider has no %s named '%s'; it offers %s", kind, type_name,
                 strcmp(kind, "resource") == 0 ? TFP_RESOURCE_GRAPH : TFP_DATA_GRAPH_REQUEST);
}

int tfp_rpc_validate_resource_config(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__ValidateResourceConfig__Request *request;
    Tfplugin6__ValidateResourceConfig__Response resp =
        TFPLUGIN6__VALIDATE_RESOURCE_CONFIG__RESPONSE__INIT;
    struct tfp_result res;
    struct tfp_dv config;
    int status;

    request = (void *)protobuf_c_message_unpack(&tfplugin6__validate_resource_config__request__descriptor, NULL, len, req);
    if (request == NULL)
        return GRPC_STATUS_INVALID_ARGUMENT;
    tfp_result_init(&res);
    memset(&config, 0, sizeof(config));
    msgpack_unpacked_init(&config.unpacked);
    if (strcmp(request->type_name, TFP_RESOURCE_GRAPH) != 0)
        unknown_type(&res.diags, "resource", request->type_name);
    else if (tfp_dv_from_proto(&config, &res.diags, "the configuration", request->config) == 0)
        tfp_graph_resource_validate(&res, config.root);
    tfp_dv_clear(&config);
    resp.n_diagnostics = res.diags.count;
    resp.diagnostics = res.diags.items;
    status = tfp_reply_pack(out, &resp.base);
    tfp_result_clear(&res);
    protobuf_c_message_free_unpacked(&request->base, NULL);
    return status;
}

int tfp_rpc_validate_data_resource_config(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__ValidateDataResourceConfig__Request *request;
    Tfplugin6__ValidateDataResourceConfig__Response resp =
        TFPLUGIN6__VALIDATE_DATA_RESOURCE_CONFIG__RESPONSE__INIT;
    struct tfp_result res;
    struct tfp_dv config;
    int status;

    request = (void *)protobuf_c_message_unpack(&tfplugin6__validate_data_resource_config__request__descriptor, NULL, len, req);
    if (request == NULL)
        return GRPC_STATUS_INVALID_ARGUMENT;
    tfp_result_init(&res);
    memset(&config, 0, sizeof(config));
    msgpack_unpacked_init(&config.unpacked);
    if (strcmp(request->type_name, TFP_DATA_GRAPH_REQUEST) != 0)
        unknown_type(&res.diags, "data source", request->type_name);
    else if (tfp_dv_from_proto(&config, &res.diags, "the configuration", request->config) == 0)
        tfp_graph_request_validate(&res, config.root);
    tfp_dv_clear(&config);
    resp.n_diagnostics = res.diags.count;
    resp.diagnostics = res.diags.items;
    status = tfp_reply_pack(out, &resp.base);
    tfp_result_clear(&res);
    protobuf_c_message_free_unpacked(&request->base, NULL);
    return status;
}

int tfp_rpc_upgrade_resource_state(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__UpgradeResourceState__Request *request;
    Tfplugin6__UpgradeResourceState__Response resp =
        TFPLUGIN6__UPGRADE_RESOURCE_STATE__RESPONSE__INIT;
    Tfplugin6__DynamicValue upgraded;
    struct tfp_result res;
    json_t *state = NULL;
    json_t *type = NULL;
    char why[200];
    int status;

    request = (void *)protobuf_c_message_unpack(&tfplugin6__upgrade_resource_state__request__descriptor, NULL, len, req);
    if (request == NULL)
        return GRPC_STATUS_INVALID_ARGUMENT;
    tfp_result_init(&res);
    if (strcmp(request->type_name, TFP_RESOURCE_GRAPH) != 0) {
        unknown_type(&res.diags, "resource", request->type_name);
    } else if (request->raw_state == NULL || request->raw_state->json.len == 0) {
        tfp_diag_add(&res.diags, TFP_ERROR, NULL, "Unsupported state format",
                     "the stored state has no JSON form (flatmap state comes from protocol 4 "
                     "providers, which this provider never was)");
    } else if ((state = json_loadb((const char *)request->raw_state->json.data,
                                   request->raw_state->json.len, 0, NULL)) == NULL) {
        tfp_diag_add(&res.diags, TFP_ERROR, NULL, "Invalid stored state",
                     "the stored state of %s is not valid JSON", request->type_name);
    } else {
        type = tfp_schema_type(tfp_graph_resource_attrs);
        if (tfp_enc_json(&res.value, state, type, 1, why, sizeof(why)) < 0)
            tfp_diag_add(&res.diags, TFP_ERROR, NULL, "Invalid stored state",
                         "the stored state of %s does not fit schema version 0: %s",
                         request->type_name, why);
        else
            res.has_value = 1;
    }
    if (res.has_value) {
        result_value(&upgraded, &res);
        resp.upgraded_state = &upgraded;
    }
    resp.n_diagnostics = res.diags.count;
    resp.diagnostics = res.diags.items;
    status = tfp_reply_pack(out, &resp.base);
    json_decref(type);
    json_decref(state);
    tfp_result_clear(&res);
    protobuf_c_message_free_unpacked(&request->base, NULL);
    return status;
}

int tfp_rpc_read_resource(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__ReadResource__Request *request;
    Tfplugin6__ReadResource__Response resp = TFPLUGIN6__READ_RESOURCE__RESPONSE__INIT;
    Tfplugin6__DynamicValue new_state;
    struct tfp_result res;
    struct tfp_dv current;
    int status;

    request = (void *)protobuf_c_message_unpack(&tfplugin6__read_resource__request__descriptor, NULL, len, req);
    if (request == NULL)
        return GRPC_STATUS_INVALID_ARGUMENT;
    tfp_result_init(&res);
    memset(&current, 0, sizeof(current));
    msgpack_unpacked_init(&current.unpacked);
    if (strcmp(request->type_name, TFP_RESOURCE_GRAPH) != 0)
        unknown_type(&res.diags, "resource", request->type_name);
    else if (tfp_dv_from_proto(&current, &res.diags, "the current state",
                               request->current_state) == 0)
        tfp_graph_resource_read(&res, current.root);
    result_value(&new_state, &res);
    resp.new_state = &new_state;
    resp.private_ = request->private_;
    resp.n_diagnostics = res.diags.count;
    resp.diagnostics = res.diags.items;
    status = tfp_reply_pack(out, &resp.base);
    tfp_dv_clear(&current);
    tfp_result_clear(&res);
    protobuf_c_message_free_unpacked(&request->base, NULL);
    return status;
}

int tfp_rpc_plan_resource_change(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__PlanResourceChange__Request *request;
    Tfplugin6__PlanResourceChange__Response resp = TFPLUGIN6__PLAN_RESOURCE_CHANGE__RESPONSE__INIT;
    Tfplugin6__DynamicValue planned;
    Tfplugin6__AttributePath paths[2];
    Tfplugin6__AttributePath *path_list[2];
    Tfplugin6__AttributePath__Step steps[2];
    Tfplugin6__AttributePath__Step *step_list[2];
    struct tfp_result res;
    struct tfp_dv prior, proposed, config;
    int status;

    request = (void *)protobuf_c_message_unpack(&tfplugin6__plan_resource_change__request__descriptor, NULL, len, req);
    if (request == NULL)
        return GRPC_STATUS_INVALID_ARGUMENT;
    tfp_result_init(&res);
    memset(&prior, 0, sizeof(prior));
    memset(&proposed, 0, sizeof(proposed));
    memset(&config, 0, sizeof(config));
    msgpack_unpacked_init(&prior.unpacked);
    msgpack_unpacked_init(&proposed.unpacked);
    msgpack_unpacked_init(&config.unpacked);
    if (strcmp(request->type_name, TFP_RESOURCE_GRAPH) != 0)
        unknown_type(&res.diags, "resource", request->type_name);
    else if (tfp_dv_from_proto(&prior, &res.diags, "the prior state", request->prior_state) ==
                 0 &&
             tfp_dv_from_proto(&proposed, &res.diags, "the proposed state",
                               request->proposed_new_state) == 0 &&
             tfp_dv_from_proto(&config, &res.diags, "the configuration", request->config) == 0)
        tfp_graph_resource_plan(&res, prior.root, proposed.root, config.root);

    result_value(&planned, &res);
    resp.planned_state = &planned;
    for (size_t i = 0; i < res.n_replace; i++) {
        tfplugin6__attribute_path__init(&paths[i]);
        tfplugin6__attribute_path__step__init(&steps[i]);
        steps[i].selector_case = TFPLUGIN6__ATTRIBUTE_PATH__STEP__SELECTOR_ATTRIBUTE_NAME;
        steps[i].attribute_name = (char *)res.replace[i];
        step_list[i] = &steps[i];
        paths[i].n_steps = 1;
        paths[i].steps = &step_list[i];
        path_list[i] = &paths[i];
    }
    resp.n_requires_replace = res.n_replace;
    resp.requires_replace = path_list;
    resp.planned_private = request->prior_private;
    resp.n_diagnostics = res.diags.count;
    resp.diagnostics = res.diags.items;
    status = tfp_reply_pack(out, &resp.base);
    tfp_dv_clear(&prior);
    tfp_dv_clear(&proposed);
    tfp_dv_clear(&config);
    tfp_result_clear(&res);
    protobuf_c_message_free_unpacked(&request->base, NULL);
    return status;
}

int tfp_rpc_apply_resource_change(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__ApplyResourceChange__Request *request;
    Tfplugin6__ApplyResourceChange__Response resp =
        TFPLUGIN6__APPLY_RESOURCE_CHANGE__RESPONSE__INIT;
    Tfplugin6__DynamicValue new_state;
    struct tfp_result res;
    struct tfp_dv prior, planned;
    int status;

    request = (void *)protobuf_c_message_unpack(&tfplugin6__apply_resource_change__request__descriptor, NULL, len, req);
    if (request == NULL)
        return GRPC_STATUS_INVALID_ARGUMENT;
    tfp_result_init(&res);
    memset(&prior, 0, sizeof(prior));
    memset(&planned, 0, sizeof(planned));
    msgpack_unpacked_init(&prior.unpacked);
    msgpack_unpacked_init(&planned.unpacked);
    if (strcmp(request->type_name, TFP_RESOURCE_GRAPH) != 0)
        unknown_type(&res.diags, "resource", request->type_name);
    else if (tfp_dv_from_proto(&prior, &res.diags, "the prior state", request->prior_state) ==
                 0 &&
             tfp_dv_from_proto(&planned, &res.diags, "the planned state",
                               request->planned_state) == 0)
        tfp_graph_resource_apply(&res, prior.root, planned.root);
    result_value(&new_state, &res);
    resp.new_state = &new_state;
    resp.private_ = request->planned_private;
    resp.n_diagnostics = res.diags.count;
    resp.diagnostics = res.diags.items;
    status = tfp_reply_pack(out, &resp.base);
    tfp_dv_clear(&prior);
    tfp_dv_clear(&planned);
    tfp_result_clear(&res);
    protobuf_c_message_free_unpacked(&request->base, NULL);
    return status;
}

int tfp_rpc_import_resource_state(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__ImportResourceState__Request *request;
    Tfplugin6__ImportResourceState__Response resp =
        TFPLUGIN6__IMPORT_RESOURCE_STATE__RESPONSE__INIT;
    Tfplugin6__ImportResourceState__ImportedResource imported =
        TFPLUGIN6__IMPORT_RESOURCE_STATE__IMPORTED_RESOURCE__INIT;
    Tfplugin6__ImportResourceState__ImportedResource *imported_list[1] = {&imported};
    Tfplugin6__DynamicValue state;
    struct tfp_result res;
    int status;

    request = (void *)protobuf_c_message_unpack(&tfplugin6__import_resource_state__request__descriptor, NULL, len, req);
    if (request == NULL)
        return GRPC_STATUS_INVALID_ARGUMENT;
    tfp_result_init(&res);
    if (strcmp(request->type_name, TFP_RESOURCE_GRAPH) != 0)
        unknown_type(&res.diags, "resource", request->type_name);
    else
        tfp_graph_resource_import(&res, request->id);
    if (res.has_value && !res.diags.has_error) {
        result_value(&state, &res);
        imported.type_name = request->type_name;
        imported.state = &state;
        resp.n_imported_resources = 1;
        resp.imported_resources = imported_list;
    }
    resp.n_diagnostics = res.diags.count;
    resp.diagnostics = res.diags.items;
    status = tfp_reply_pack(out, &resp.base);
    tfp_result_clear(&res);
    protobuf_c_message_free_unpacked(&request->base, NULL);
    return status;
}

int tfp_rpc_read_data_source(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__ReadDataSource__Request *request;
    Tfplugin6__ReadDataSource__Response resp = TFPLUGIN6__READ_DATA_SOURCE__RESPONSE__INIT;
    Tfplugin6__DynamicValue state;
    struct tfp_result res;
    struct tfp_dv config;
    int status;

    request = (void *)protobuf_c_message_unpack(&tfplugin6__read_data_source__request__descriptor, NULL, len, req);
    if (request == NULL)
        return GRPC_STATUS_INVALID_ARGUMENT;
    tfp_result_init(&res);
    memset(&config, 0, sizeof(config));
    msgpack_unpacked_init(&config.unpacked);
    if (strcmp(request->type_name, TFP_DATA_GRAPH_REQUEST) != 0)
        unknown_type(&res.diags, "data source", request->type_name);
    else if (tfp_dv_from_proto(&config, &res.diags, "the configuration", request->config) == 0)
        tfp_graph_request_read(&res, config.root);
    if (res.has_value) {
        result_value(&state, &res);
        resp.state = &state;
    }
    resp.n_diagnostics = res.diags.count;
    resp.diagnostics = res.diags.items;
    status = tfp_reply_pack(out, &resp.base);
    tfp_dv_clear(&config);
    tfp_result_clear(&res);
    protobuf_c_message_free_unpacked(&request->base, NULL);
    return status;
}
