/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * AutoMTLS as go-plugin hosts drive it. The host's certificate from PLUGIN_CLIENT_CERT is the
 * only trusted client root, and a client must present it. The server presents a self-signed
 * certificate made for this run, which the host pins from the handshake line. gRPC core
 * negotiates ALPN h2.
 */
#include <grpc/grpc_security.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfprovider/server.h"
#include "util/crypto.h"

/* A plugin process lives as long as one tofu command; a day is ample. */
#define SERVER_CERT_DAYS 1

grpc_server_credentials *tfp_tls_credentials(char **cert_b64_out, const char *client_cert_pem)
{
    struct m365id__self_signed cert = {NULL, NULL, NULL};
    grpc_ssl_pem_key_cert_pair pair;
    grpc_server_credentials *creds = NULL;

    *cert_b64_out = NULL;
    if (client_cert_pem == NULL || client_cert_pem[0] == '\0')
        return grpc_insecure_server_credentials_create();

    if (m365id__self_signed_generate(&cert, SERVER_CERT_DAYS) < 0) {
        fprintf(stderr, "terraform-provider-microsoft365: error: generating the TLS server "
                        "certificate failed\n");
        return NULL;
    }
    pair.private_key = cert.key_pem;
    pair.cert_chain = cert.cert_pem;
    creds = grpc_ssl_server_credentials_create_ex(
        client_cert_pem, &pair, 1, GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY,
        NULL);
    if (creds != NULL) {
        *cert_b64_out = cert.der_b64;
        cert.der_b64 = NULL;
    }
    m365id__self_signed_clear(&cert);
    return creds;
}

int tfp_tls_client_cert_check(const char *client_cert_pem)
{
    struct m365id__x509_info info;

    if (client_cert_pem == NULL || client_cert_pem[0] == '\0')
        return 0;
    if (m365id__x509_info_from_pem(&info, client_cert_pem, strlen(client_cert_pem)) < 0) {
        fprintf(stderr, "terraform-provider-microsoft365: error: PLUGIN_CLIENT_CERT contains no "
                        "readable PEM certificate\n");
        return -1;
    }
    m365id__x509_info_clear(&info);
    return 0;
}
