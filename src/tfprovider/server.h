/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The gRPC server (gRPC core, completion queues, one thread per call), the TLS credentials it
 * listens with, and the table of RPC handlers it dispatches to.
 */
#ifndef M365ID_TFPROVIDER_SERVER_H
#define M365ID_TFPROVIDER_SERVER_H

#include <grpc/grpc.h>
#include <stddef.h>
#include <stdint.h>

/** A packed reply message; data is malloc'd. */
struct tfp_reply {
    uint8_t *data;
    size_t len;
};

/** Returned by a handler whose reply must be sent before the process exits (Shutdown). */
#define TFP_RPC_EXIT 1000

/** An RPC handler: decode @p req, fill @p out; return a grpc_status_code or TFP_RPC_EXIT. */
typedef int (*tfp_rpc_fn)(struct tfp_reply *out, const uint8_t *req, size_t req_len);

struct tfp_rpc {
    const char *path; /* "/tfplugin6.Provider/GetProviderSchema" */
    tfp_rpc_fn fn;
};

/** The handler for method @p path, or NULL (the call then gets UNIMPLEMENTED). */
tfp_rpc_fn tfp_rpc_find(const char *path);

/**
 * Server credentials: with a non-empty @p client_cert_pem, mutual TLS that trusts only that
 * certificate and presents a fresh self-signed one, whose unpadded base64 DER goes to
 * @p cert_b64_out (malloc'd); otherwise plaintext and *cert_b64_out = NULL. Returns NULL with
 * a message on stderr when key generation fails. The client certificate is parsed only when
 * the server starts (tfp_server_start()), so that a start pays for parsing it once.
 */
grpc_server_credentials *tfp_tls_credentials(char **cert_b64_out, const char *client_cert_pem);

/**
 * Explain a failed tfp_server_start(): -1 with a message on stderr when @p client_cert_pem
 * is set but contains no readable PEM certificate, otherwise 0 and no message.
 */
int tfp_tls_client_cert_check(const char *client_cert_pem);

/**
 * Create, bind to @p address ("unix:/path") and start the server: 0, or -1 without a
 * message, because with TLS credentials the cause may be the client certificate
 * (tfp_tls_client_cert_check()) and not the address.
 */
int tfp_server_start(const char *address, grpc_server_credentials *creds);

/** Serve until tfp_server_stop() is called or a handler returns TFP_RPC_EXIT. */
void tfp_server_run(void);

/** Ask tfp_server_run() to return; async-signal-safe. */
void tfp_server_stop(void);

/** Remove the socket and its directory, then end the process with @p status at once. */
void tfp_exit_now(int status) __attribute__((noreturn));

#endif /* M365ID_TFPROVIDER_SERVER_H */
