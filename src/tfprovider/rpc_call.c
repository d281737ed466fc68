/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The steps every unary tfplugin6 handler shares: unpack the request, decode its DynamicValues
 * with a diagnostic for a bad one, and pack the reply with the diagnostics gathered. What each
 * RPC does in between lives in rpc_provider.c and rpc_resource.c.
 */
#include <grpc/status.h>
#include <stdlib.h>
#include <string.h>

#include "tfprovider/rpc.h"

int tfp_reply_pack(struct tfp_reply *out, const ProtobufCMessage *msg)
{
    size_t len = protobuf_c_message_get_packed_size(msg);

    out->data = malloc(len > 0 ? len : 1);
    if (out->data == NULL)
        return GRPC_STATUS_RESOURCE_EXHAUSTED;
    out->len = protobuf_c_message_pack(msg, out->data);
    return GRPC_STATUS_OK;
}

/* Decode a DynamicValue (msgpack form) into @p dv; a missing value decodes as null. On
 * failure an error diagnostic naming @p what is added and -1 returned. */
static int dv_from_proto(struct tfp_dv *dv, struct tfp_diags *diags, const char *what,
                         const Tfplugin6__DynamicValue *value)
{
    const uint8_t *data = value != NULL ? value->msgpack.data : NULL;
    size_t len = value != NULL ? value->msgpack.len : 0;

    if (value != NULL && len == 0 && value->json.len > 0) {
        tfp_diag_add(diags, TFP_ERROR, NULL, "Unsupported value encoding",
                     "the host sent %s as JSON; this provider reads msgpack values", what);
        memset(dv, 0, sizeof(*dv));
        msgpack_unpacked_init(&dv->unpacked);
        return -1;
    }
    if (tfp_dv_decode(dv, data, len) < 0) {
        tfp_diag_add(diags, TFP_ERROR, NULL, "Invalid value from the host",
                     "%s is not a single msgpack value (%zu bytes)", what, len);
        return -1;
    }
    return 0;
}

void *tfp_call_begin(struct tfp_call *call, const ProtobufCMessageDescriptor *descriptor,
                     const uint8_t *req, size_t len)
{
    call->request = protobuf_c_message_unpack(descriptor, NULL, len, req);
    if (call->request == NULL)
        return NULL;
    tfp_result_init(&call->res);
    for (size_t i = 0; i < TFP_CALL_VALUES_MAX; i++) {
        memset(&call->values[i], 0, sizeof(call->values[i]));
        msgpack_unpacked_init(&call->values[i].unpacked);
    }
    return call->request;
}

int tfp_call_decode(struct tfp_call *call, size_t index, const char *what,
                    const Tfplugin6__DynamicValue *value)
{
    if (index >= TFP_CALL_VALUES_MAX)
        return -1;
    return dv_from_proto(&call->values[index], &call->res.diags, what, value);
}

int tfp_call_finish(struct tfp_call *call, struct tfp_reply *out, const ProtobufCMessage *reply,
                    size_t *n_diagnostics, Tfplugin6__Diagnostic ***diagnostics)
{
    int status;

    *n_diagnostics = call->res.diags.count;
    *diagnostics = call->res.diags.items;
    status = tfp_reply_pack(out, reply);
    for (size_t i = 0; i < TFP_CALL_VALUES_MAX; i++)
        tfp_dv_clear(&call->values[i]);
    tfp_result_clear(&call->res);
    protobuf_c_message_free_unpacked(call->request, NULL);
    call->request = NULL;
    return status;
}
