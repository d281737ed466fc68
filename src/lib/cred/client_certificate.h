/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The certificate client assertion (private_key_jwt): a PS256 JWT signed with the key of the
 * client_certificate file, for Entra ID's token endpoint. Key loading lives in
 * util/crypto_cred.c.
 */
#ifndef M365ID_LIB_CRED_CLIENT_CERTIFICATE_H
#define M365ID_LIB_CRED_CLIENT_CERTIFICATE_H

#include "lib/cred/token_file.h"

struct m365id_ctx;

/* Lifetime of a certificate assertion, as MSAL and the Azure SDKs use. */
#define M365ID__CERT_ASSERTION_LIFETIME_S 600

/**
 * Read the file named by entra_id_options.client_certificate (PKCS#12, or PEM with the key and
 * one or more certificates), opened with client_certificate_password, and sign a fresh
 * assertion: header alg PS256, typ JWT, x5t#S256 of the leaf, and x5c (the chain) when
 * send_certificate_chain is set; claims aud = token endpoint, iss = sub = client id, jti = new
 * GUID, nbf = iat = now, exp = now + 600.
 *
 * @param[out] out  filled on success only; release with m365id__assertion_clear()
 * @return 0; M365ID_ECONFIG when the file cannot be read or used (the message names the path
 *         and the reason, never the password); M365ID_ENOMEM
 */
int m365id__client_cert_assertion(struct m365id__assertion *out, struct m365id_ctx *ctx);

#endif /* M365ID_LIB_CRED_CLIENT_CERTIFICATE_H */
