/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * RPC handlers of tfplugin6.Provider and the go-plugin services, and the helpers they share
 * for packing replies and decoding DynamicValues.
 */
#ifndef M365ID_TFPROVIDER_RPC_H
#define M365ID_TFPROVIDER_RPC_H

#include <protobuf-c/protobuf-c.h>

#include "tfprovider/dynamic.h"
#include "tfprovider/provider.h"
#include "tfprovider/server.h"

/** Pack @p msg into @p out; GRPC_STATUS_OK or GRPC_STATUS_INTERNAL. */
int tfp_reply_pack(struct tfp_reply *out, const ProtobufCMessage *msg);

/**
 * Decode a DynamicValue (msgpack form) into @p dv; a missing value decodes as null. On
 * failure an error diagnostic naming @p what is added and -1 returned.
 */
int tfp_dv_from_proto(struct tfp_dv *dv, struct tfp_diags *diags, const char *what,
                      const Tfplugin6__DynamicValue *value);

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
