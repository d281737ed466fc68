/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * m365id/error.h: result codes and the per-handle failure detail. Logging lives in log.h.
 */
#ifndef M365ID_ERROR_H
#define M365ID_ERROR_H

#include "common.h"

M365ID_BEGIN_DECL

/** Result codes. Every fallible call returns M365ID_OK or one of the negative values. */
enum m365id_code {
    M365ID_OK = 0,
    M365ID_ENOMEM = -1,     /* an allocation failed */
    M365ID_EINVAL = -2,     /* an argument or input value is invalid */
    M365ID_ECONFIG = -3,    /* the configuration is missing a setting or holds a bad value */
    M365ID_ETOKENFILE = -4, /* the federated token file is missing, unreadable or unusable */
    M365ID_ENET = -5,       /* a host could not be reached, or the transfer failed */
    M365ID_EAUTH = -6,      /* Entra ID rejected the token request */
    M365ID_EGRAPH = -7,     /* Microsoft Graph returned an error */
    M365ID_EPROTO = -8,     /* a server reply did not have the expected shape */
    M365ID_ETOOBIG = -9,    /* an input or reply exceeds its size limit */
    M365ID_EIO = -10,       /* a local file could not be read or written */
};

/** Detail of a failed call; every string is owned by the handle it came from. */
typedef struct m365id_error {
    int code;             /* negative M365ID_E* value */
    const char *message;  /* what is wrong, naming the value; never NULL */
    const char *hint;     /* what to change; NULL when there is nothing to suggest */
    const char *upstream; /* e.g. "AADSTS700213 trace=... correlation=..."; NULL if local */
} m365id_error;

/** Static, lowercase description of @p code; never NULL. */
M365ID_EXTERN const char *m365id_strerror(int code);

M365ID_END_DECL

#endif /* M365ID_ERROR_H */
