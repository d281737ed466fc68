/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Resource and data source RPCs: unpack the request, decode its DynamicValues, route by type
 * name to resource_graph.c or data_graph_request.c, and pack the value and diagnostics.
 * UpgradeResourceState lives here too: it converts stored JSON state to msgpack of the current
 * schema, for any type this provider defines.
 */
#include <grpc/status.h>
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

/* A kind of type this provider offers, and the one type name it offers of that kind. */
struct type_kind {
    const char *noun;
    const char *type_name;
};

static const struct type_kind resource_kind = {"resource", TFP_RESOURCE_GRAPH};
static const struct type_kind data_source_kind = {"data source", TFP_DATA_GRAPH_REQUEST};

/* 0 when @p type_name is the type of @p kind; otherwise -1 after adding an error diagnostic. */
static int check_type(struct tfp_call *call, const struct type_kind *kind, const char *type_name)
{
    if (strcmp(type_name, kind->type_name) == 0)
        return 0;
    tfp_diag_add(&call->res.diags, TFP_ERROR, NULL, "Unknown type",
                 "this provider has no %s named '%s'; it offers %s", kind->noun, type_name,
                 kind->type_name);
    return -1;
}

int tfp_rpc_validate_resource_config(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__ValidateResourceConfig__Request *request;
    Tfplugin6__ValidateResourceConfig__Response resp =
        TFPLUGIN6__VALIDATE_RESOURCE_CONFIG__RESPONSE__INIT;
    struct tfp_call call;

    request = tfp_call_begin(&call, &tfplugin6__validate_resource_config__request__descriptor,
                             req, len);
    if (request == NULL)
        return GRPC_STATUS_INVALID_ARGUMENT;
    if (check_type(&call, &resource_kind, request->type_name) == 0 &&
        tfp_call_decode(&call, 0, "the configuration", request->config) == 0)
        tfp_graph_resource_validate(&call.res, call.values[0].root);
    return tfp_call_finish(&call, out, &resp.base, &resp.n_diagnostics, &resp.diagnostics);
}

int tfp_rpc_validate_data_resource_config(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__ValidateDataResourceConfig__Request *request;
    Tfplugin6__ValidateDataResourceConfig__Response resp =
        TFPLUGIN6__VALIDATE_DATA_RESOURCE_CONFIG__RESPONSE__INIT;
    struct tfp_call call;

    request = tfp_call_begin(&call,
                             &tfplugin6__validate_data_resource_config__request__descriptor, req,
                             len);
    if (request == NULL)
        return GRPC_STATUS_INVALID_ARGUMENT;
    if (check_type(&call, &data_source_kind, request->type_name) == 0 &&
        tfp_call_decode(&call, 0, "the configuration", request->config) == 0)
        tfp_graph_request_validate(&call.res, call.values[0].root);
    return tfp_call_finish(&call, out, &resp.base, &resp.n_diagnostics, &resp.diagnostics);
}

/* Convert the stored JSON state of the resource to msgpack of schema version 0 in @p res. */
static void upgrade_state(struct tfp_result *res,
                          const Tfplugin6__UpgradeResourceState__Request *request)
{
    json_t *state = NULL;
    json_t *type = NULL;
    char why[200];

    if (request->raw_state == NULL || request->raw_state->json.len == 0) {
        tfp_diag_add(&res->diags, TFP_ERROR, NULL, "Unsupported state format",
                     "the stored state has no JSON form (flatmap state comes from protocol 4 "
                     "providers, which this provider never was)");
    } else if ((state = json_loadb((const char *)request->raw_state->json.data,
                                   request->raw_state->json.len, 0, NULL)) == NULL) {
        tfp_diag_add(&res->diags, TFP_ERROR, NULL, "Invalid stored state",
                     "the stored state of %s is not valid JSON", request->type_name);
    } else {
        type = tfp_schema_type(tfp_graph_resource_attrs);
        if (tfp_enc_json(&res->value, state, type, 1, why, sizeof(why)) < 0)
            tfp_diag_add(&res->diags, TFP_ERROR, NULL, "Invalid stored state",
                         "the stored state of %s does not fit schema version 0: %s",
                         request->type_name, why);
        else
            res->has_value = 1;
    }
    json_decref(type);
    json_decref(state);
}

int tfp_rpc_upgrade_resource_state(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__UpgradeResourceState__Request *request;
    Tfplugin6__UpgradeResourceState__Response resp =
        TFPLUGIN6__UPGRADE_RESOURCE_STATE__RESPONSE__INIT;
    Tfplugin6__DynamicValue upgraded;
    struct tfp_call call;

    request = tfp_call_begin(&call, &tfplugin6__upgrade_resource_state__request__descriptor,
                             req, len);
    if (request == NULL)
        return GRPC_STATUS_INVALID_ARGUMENT;
    if (check_type(&call, &resource_kind, request->type_name) == 0)
        upgrade_state(&call.res, request);
    if (call.res.has_value) {
        result_value(&upgraded, &call.res);
        resp.upgraded_state = &upgraded;
    }
    return tfp_call_finish(&call, out, &resp.base, &resp.n_diagnostics, &resp.diagnostics);
}

int tfp_rpc_read_resource(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__ReadResource__Request *request;
    Tfplugin6__ReadResource__Response resp = TFPLUGIN6__READ_RESOURCE__RESPONSE__INIT;
    Tfplugin6__DynamicValue new_state;
    struct tfp_call call;

    request = tfp_call_begin(&call, &tfplugin6__read_resource__request__descriptor, req, len);
    if (request == NULL)
        return GRPC_STATUS_INVALID_ARGUMENT;
    if (check_type(&call, &resource_kind, request->type_name) == 0 &&
        tfp_call_decode(&call, 0, "the current state", request->current_state) == 0)
        tfp_graph_resource_read(&call.res, call.values[0].root);
    result_value(&new_state, &call.res);
    resp.new_state = &new_state;
    resp.private_ = request->private_;
    return tfp_call_finish(&call, out, &resp.base, &resp.n_diagnostics, &resp.diagnostics);
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
    struct tfp_call call;
    struct tfp_result *res = &call.res;

    request = tfp_call_begin(&call, &tfplugin6__plan_resource_change__request__descriptor, req,
                             len);
    if (request == NULL)
        return GRPC_STATUS_INVALID_ARGUMENT;
    if (check_type(&call, &resource_kind, request->type_name) == 0 &&
        tfp_call_decode(&call, 0, "the prior state", request->prior_state) == 0 &&
        tfp_call_decode(&call, 1, "the proposed state", request->proposed_new_state) == 0 &&
        tfp_call_decode(&call, 2, "the configuration", request->config) == 0)
        tfp_graph_resource_plan(res, call.values[0].root, call.values[1].root,
                                call.values[2].root);

    result_value(&planned, res);
    resp.planned_state = &planned;
    for (size_t i = 0; i < res->n_replace; i++) {
        tfplugin6__attribute_path__init(&paths[i]);
        tfplugin6__attribute_path__step__init(&steps[i]);
        steps[i].selector_case = TFPLUGIN6__ATTRIBUTE_PATH__STEP__SELECTOR_ATTRIBUTE_NAME;
        steps[i].attribute_name = (char *)res->replace[i];
        step_list[i] = &steps[i];
        paths[i].n_steps = 1;
        paths[i].steps = &step_list[i];
        path_list[i] = &paths[i];
    }
    resp.n_requires_replace = res->n_replace;
    resp.requires_replace = path_list;
    resp.planned_private = request->prior_private;
    return tfp_call_finish(&call, out, &resp.base, &resp.n_diagnostics, &resp.diagnostics);
}

int tfp_rpc_apply_resource_change(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__ApplyResourceChange__Request *request;
    Tfplugin6__ApplyResourceChange__Response resp =
        TFPLUGIN6__APPLY_RESOURCE_CHANGE__RESPONSE__INIT;
    Tfplugin6__DynamicValue new_state;
    struct tfp_call call;

    request = tfp_call_begin(&call, &tfplugin6__apply_resource_change__request__descriptor, req,
                             len);
    if (request == NULL)
        return GRPC_STATUS_INVALID_ARGUMENT;
    if (check_type(&call, &resource_kind, request->type_name) == 0 &&
        tfp_call_decode(&call, 0, "the prior state", request->prior_state) == 0 &&
        tfp_call_decode(&call, 1, "the planned state", request->planned_state) == 0)
        tfp_graph_resource_apply(&call.res, call.values[0].root, call.values[1].root);
    result_value(&new_state, &call.res);
    resp.new_state = &new_state;
    resp.private_ = request->planned_private;
    return tfp_call_finish(&call, out, &resp.base, &resp.n_diagnostics, &resp.diagnostics);
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
    struct tfp_call call;

    request = tfp_call_begin(&call, &tfplugin6__import_resource_state__request__descriptor, req,
                             len);
    if (request == NULL)
        return GRPC_STATUS_INVALID_ARGUMENT;
    if (check_type(&call, &resource_kind, request->type_name) == 0)
        tfp_graph_resource_import(&call.res, request->id);
    if (call.res.has_value && !call.res.diags.has_error) {
        result_value(&state, &call.res);
        imported.type_name = request->type_name;
        imported.state = &state;
        resp.n_imported_resources = 1;
        resp.imported_resources = imported_list;
    }
    return tfp_call_finish(&call, out, &resp.base, &resp.n_diagnostics, &resp.diagnostics);
}

int tfp_rpc_read_data_source(struct tfp_reply *out, const uint8_t *req, size_t len)
{
    Tfplugin6__ReadDataSource__Request *request;
    Tfplugin6__ReadDataSource__Response resp = TFPLUGIN6__READ_DATA_SOURCE__RESPONSE__INIT;
    Tfplugin6__DynamicValue state;
    struct tfp_call call;

    request = tfp_call_begin(&call, &tfplugin6__read_data_source__request__descriptor, req, len);
    if (request == NULL)
        return GRPC_STATUS_INVALID_ARGUMENT;
    if (check_type(&call, &data_source_kind, request->type_name) == 0 &&
        tfp_call_decode(&call, 0, "the configuration", request->config) == 0)
        tfp_graph_request_read(&call.res, call.values[0].root);
    if (call.res.has_value) {
        result_value(&state, &call.res);
        resp.state = &state;
    }
    return tfp_call_finish(&call, out, &resp.base, &resp.n_diagnostics, &resp.diagnostics);
}
