/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Diagnostics for tfplugin6 replies: a growing list of protobuf Diagnostic messages with
 * attribute paths, and the conversion of libm365id's error detail into one.
 */
#ifndef M365ID_TFPROVIDER_DIAG_H
#define M365ID_TFPROVIDER_DIAG_H

#include <stddef.h>

#include "m365id/error.h"
#include "tfplugin6.pb-c.h"

struct tfp_diags {
    Tfplugin6__Diagnostic **items;
    size_t count;
    int has_error; /* at least one item has severity ERROR */
};

#define TFP_DIAGS_INIT {NULL, 0, 0}

enum tfp_severity { TFP_ERROR = 1, TFP_WARNING = 2 };

/**
 * Append one diagnostic. @p path is a dotted attribute path such as
 * "entra_id_options.client_id", or NULL for one that concerns no attribute.
 */
void tfp_diag_add(struct tfp_diags *diags, enum tfp_severity severity, const char *path,
                  const char *summary, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/**
 * Append an error built from libm365id's detail: the message, then the hint and the upstream
 * codes (AADSTS, trace and correlation ids) on their own lines.
 */
void tfp_diag_m365id(struct tfp_diags *diags, const char *path, const char *summary,
                     const m365id_error *err);

/** Free every diagnostic. */
void tfp_diags_clear(struct tfp_diags *diags);

#endif /* M365ID_TFPROVIDER_DIAG_H */
