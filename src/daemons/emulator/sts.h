/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * State shared by the token endpoint's files: sts.c (request checks, secrets, federated
 * assertions) and sts_cert.c (certificate assertions signed by the application's own key).
 */
#ifndef M365ID_DAEMONS_EMULATOR_STS_H
#define M365ID_DAEMONS_EMULATOR_STS_H

#include "emu.h"
#include "util/jwt.h"

/* Per-request state of one token request. */
struct sts_call {
    struct httpd_reply *reply;
    const struct httpd_request *req;
    struct emu *e;
    const struct emu_cloud *cloud;
    const char *tenant_key; /* the tenant as the URL names it: id or domain */
};

/**
 * Check a client assertion that the application signed with a registered certificate
 * (private_key_jwt): algorithm, claims, audience, key lookup by thumbprint or x5c, signature,
 * certificate validity and the assertion's time window.
 * @return 0 when the token may be issued; -1 with the AADSTS error already in the reply
 */
int emu_sts_check_certificate(struct sts_call *c, const struct emu_tenant *tenant,
                              const struct emu_app *app, const struct m365id__jwt *jwt,
                              const char *assertion);

#endif /* M365ID_DAEMONS_EMULATOR_STS_H */
