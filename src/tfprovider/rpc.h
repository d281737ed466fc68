/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * RPC handlers of tfplugin6.Provider and the go-plugin services, and the steps they share
 * (rpc_call.c): unpacking the request, decoding DynamicValues and packing the reply.
 */
#ifndef M365ID_TFPROVIDER_RPC_H
#define M365ID_TFPROVIDER_RPC_H

#include <protobuf-c/protobuf-c.h>

#include "tfprovider/dynamic.h"
#include "tfprovider/provider.h"
#include "tfprovider/server.h"

/** Pack @p msg into @p out; GRPC_STATUS_OK or GRPC_STATUS_RESOURCE_EXHAUSTED. */
int tfp_reply_pack(struct tfp_reply *out, const ProtobufCMessage *msg);

/* DynamicValues one request carries at most: PlanResourceChange's prior state, proposed
 * state and configuration. */
#define TFP_CALL_VALUES_MAX 3

/** One unary RPC from its unpacked request to its packed reply. */
struct tfp_call {
    ProtobufCMessage *request; /* owned; freed by tfp_call_finish() */
    struct tfp_result res;     /* the operation's value and diagnostics */
    struct tfp_dv values[TFP_CALL_VALUES_MAX]; /* filled by tfp_call_decode(); null until then */
};

/**
 * Unpack request bytes @p req of @p len with @p descriptor and prepare @p call. Returns the
 * request, owned by @p call, or NULL when the bytes are no such message: the handler then
 * returns GRPC_STATUS_INVALID_ARGUMENT without calling tfp_call_finish().
 */
void *tfp_call_begin(struct tfp_call *call, const ProtobufCMessageDescriptor *descriptor,
                     const uint8_t *req, size_t len);

/**
 * Decode DynamicValue @p value (msgpack form) into call->values[@p index]; a missing value
 * decodes as null. Returns 0, or -1 after adding an error diagnostic that names @p what.
 */
int tfp_call_decode(struct tfp_call *call, size_t index, const char *what,
                    const Tfplugin6__DynamicValue *value);

/**
 * Attach call->res's diagnostics to @p reply through its @p n_diagnostics and @p diagnostics
 * fields, pack @p reply into @p out, and free what @p call holds. Returns the status of
 * tfp_reply_pack().
 */
int tfp_call_finish(struct tfp_call *call, struct tfp_reply *out, const ProtobufCMessage *reply,
                    size_t *n_diagnostics, Tfplugin6__Diagnostic ***diagnostics);

int tfp_rpc_get_provider_schema(struct tfp_reply *out, const uint8_t *req, size_t len);
int tfp_rpc_get_metadata(struct tfp_reply *out, const uint8_t *req, size_t len);
int tfp_rpc_validate_provider_config(struct tfp_reply *out, const uint8_t *req, size_t len);
int tfp_rpc_configure_provider(struct tfp_reply *out, const uint8_t *req, size_t len);
int tfp_rpc_stop_provider(struct tfp_reply *out, const uint8_t *req, size_t len);
int tfp_rpc_empty(struct tfp_reply *out, const uint8_t *req, size_t len);
int tfp_rpc_shutdown(struct tfp_reply *out, const uint8_t *req, size_t len);
int tfp_rpc_health_check(struct tfp_reply *out, const uint8_t *req, size_t len);

int tfp_rpc_validate_resource_config(struct tfp_reply *out, const uint8_t *req, size_t len);
int tfp_rpc_validate_data_resource_config(struct tfp_reply *out, const uint8_t *req, size_t len);
int tfp_rpc_upgrade_resource_state(struct tfp_reply *out, const uint8_t *req, size_t len);
int tfp_rpc_read_resource(struct tfp_reply *out, const uint8_t *req, size_t len);
int tfp_rpc_plan_resource_change(struct tfp_reply *out, const uint8_t *req, size_t len);
int tfp_rpc_apply_resource_change(struct tfp_reply *out, const uint8_t *req, size_t len);
int tfp_rpc_import_resource_state(struct tfp_reply *out, const uint8_t *req, size_t len);
int tfp_rpc_read_data_source(struct tfp_reply *out, const uint8_t *req, size_t len);

#endif /* M365ID_TFPROVIDER_RPC_H */
