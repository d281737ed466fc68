/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The gRPC server on gRPC core's completion-queue API. The main thread accepts calls on the
 * server queue; each call gets its own queue and thread, because the host runs up to ten
 * resource operations at once and StopProvider must get its reply while they run. All methods
 * are unary: receive one message, reply once.
 */
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/slice.h>
#include <grpc/support/time.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfprovider/server.h"

/* terraform-plugin-go allows 256 MiB each way; gRPC core's default is 4 MiB. */
#define MESSAGE_MAX (256 * 1024 * 1024)

/* How often the accept loop looks at the stop flag. */
#define POLL_INTERVAL_MS 100

struct call {
    grpc_call *call;
    grpc_call_details details;
    grpc_metadata_array metadata;
    grpc_completion_queue *cq; /* this call's own queue, drained by its thread */
};

static grpc_server *server;
static grpc_completion_queue *server_cq;
static volatile sig_atomic_t stop_requested;

void tfp_server_stop(void)
{
    stop_requested = 1;
}

int tfp_server_start(const char *address, grpc_server_credentials *creds)
{
    grpc_arg args[2];
    grpc_channel_args channel_args = {2, args};
    int port;

    args[0].type = GRPC_ARG_INTEGER;
    args[0].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    args[0].value.integer = MESSAGE_MAX;
    args[1].type = GRPC_ARG_INTEGER;
    args[1].key = (char *)GRPC_ARG_MAX_SEND_MESSAGE_LENGTH;
    args[1].value.integer = MESSAGE_MAX;

    server_cq = grpc_completion_queue_create_for_next(NULL);
    server = grpc_server_create(&channel_args, NULL);
    grpc_server_register_completion_queue(server, server_cq, NULL);
    port = grpc_server_add_http2_port(server, address, creds);
    if (port == 0)
        return -1;
    grpc_server_start(server);
    return 0;
}

/* Wait for the single pending operation of a call's queue; 1 when it succeeded. */
static int call_wait(struct call *c)
{
    grpc_event ev = grpc_completion_queue_next(c->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);

    return ev.type == GRPC_OP_COMPLETE && ev.success;
}

static void call_free(struct call *c)
{
    if (c->call != NULL)
        grpc_call_unref(c->call);
    grpc_completion_queue_shutdown(c->cq);
    while (grpc_completion_queue_next(c->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
           GRPC_QUEUE_SHUTDOWN) {
    }
    grpc_completion_queue_destroy(c->cq);
    grpc_call_details_destroy(&c->details);
    grpc_metadata_array_destroy(&c->metadata);
    free(c);
}

/* Copy a received message into one malloc'd block; *len 0 for an absent message. */
static uint8_t *message_bytes(grpc_byte_buffer *bb, size_t *len)
{
    grpc_byte_buffer_reader reader;
    grpc_slice all;
    uint8_t *data;

    *len = 0;
    if (bb == NULL || !grpc_byte_buffer_reader_init(&reader, bb))
        return NULL;
    all = grpc_byte_buffer_reader_readall(&reader);
    grpc_byte_buffer_reader_destroy(&reader);
    data = malloc(GRPC_SLICE_LENGTH(all) + 1);
    if (data != NULL) {
        memcpy(data, GRPC_SLICE_START_PTR(all), GRPC_SLICE_LENGTH(all));
        *len = GRPC_SLICE_LENGTH(all);
    }
    grpc_slice_unref(all);
    return data;
}

static void *call_serve(void *arg)
{
    struct call *c = arg;
    grpc_byte_buffer *request = NULL;
    grpc_byte_buffer *response = NULL;
    struct tfp_reply reply = {NULL, 0};
    grpc_slice details_slice;
    grpc_op ops[4];
    char method[256];
    uint8_t *req = NULL;
    size_t req_len = 0;
    size_t n = 0;
    int cancelled = 0;
    int status = GRPC_STATUS_UNIMPLEMENTED;
    tfp_rpc_fn fn;
    size_t mlen = GRPC_SLICE_LENGTH(c->details.method);

    if (mlen >= sizeof(method))
        mlen = sizeof(method) - 1;
    memcpy(method, GRPC_SLICE_START_PTR(c->details.method), mlen);
    method[mlen] = '\0';

    memset(ops, 0, sizeof(ops));
    ops[0].op = GRPC_OP_RECV_MESSAGE;
    ops[0].data.recv_message.recv_message = &request;
    if (grpc_call_start_batch(c->call, ops, 1, c, NULL) != GRPC_CALL_OK || !call_wait(c))
        goto out;
    req = message_bytes(request, &req_len);

    fn = tfp_rpc_find(method);
    if (fn != NULL)
        status = fn(&reply, req, req_len);

    memset(ops, 0, sizeof(ops));
    ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
    n++;
    if (status == GRPC_STATUS_OK || status == TFP_RPC_EXIT) {
        grpc_slice body = grpc_slice_from_copied_buffer((const char *)reply.data, reply.len);

        response = grpc_raw_byte_buffer_create(&body, 1);
        grpc_slice_unref(body);
        ops[n].op = GRPC_OP_SEND_MESSAGE;
        ops[n].data.send_message.send_message = response;
        n++;
    }
    details_slice = grpc_slice_from_static_string(
        fn == NULL ? "method not implemented by terraform-provider-microsoft365" : "");
    ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    ops[n].data.send_status_from_server.status =
        status == TFP_RPC_EXIT ? GRPC_STATUS_OK : (grpc_status_code)status;
    ops[n].data.send_status_from_server.status_details = &details_slice;
    n++;
    ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    ops[n].data.recv_close_on_server.cancelled = &cancelled;
    n++;
    if (grpc_call_start_batch(c->call, ops, n, c, NULL) == GRPC_CALL_OK)
        (void)call_wait(c);

out:
    if (request != NULL)
        grpc_byte_buffer_destroy(request);
    if (response != NULL)
        grpc_byte_buffer_destroy(response);
    free(req);
    free(reply.data);
    call_free(c);
    if (status == TFP_RPC_EXIT)
        tfp_exit_now(0);
    return NULL;
}

static int call_request(void)
{
    struct call *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return -1;
    grpc_call_details_init(&c->details);
    grpc_metadata_array_init(&c->metadata);
    c->cq = grpc_completion_queue_create_for_next(NULL);
    if (grpc_server_request_call(server, &c->call, &c->details, &c->metadata, c->cq, server_cq,
                                 c) != GRPC_CALL_OK) {
        call_free(c);
        return -1;
    }
    return 0;
}

void tfp_server_run(void)
{
    if (call_request() < 0)
        return;
    while (!stop_requested) {
        gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                                             gpr_time_from_millis(POLL_INTERVAL_MS, GPR_TIMESPAN));
        grpc_event ev = grpc_completion_queue_next(server_cq, deadline, NULL);
        struct call *c;
        pthread_attr_t attr;
        pthread_t thread;

        if (ev.type == GRPC_QUEUE_TIMEOUT)
            continue;
        if (ev.type != GRPC_OP_COMPLETE)
            break;
        c = ev.tag;
        if (!ev.success) {
            call_free(c);
        } else {
            pthread_attr_init(&attr);
            pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
            if (pthread_create(&thread, &attr, call_serve, c) != 0) {
                fprintf(stderr, "terraform-provider-microsoft365: error: cannot start a thread "
                                "for a call\n");
                grpc_call_cancel(c->call, NULL);
                call_free(c);
            }
            pthread_attr_destroy(&attr);
        }
        if (call_request() < 0)
            break;
    }
}
