/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Provider-wide state: the configured libm365id context behind a lock, validation and
 * configuration of the provider block, Graph calls for resources and data sources, and the
 * result type the resource code fills for the RPC layer.
 */
#ifndef M365ID_TFPROVIDER_PROVIDER_H
#define M365ID_TFPROVIDER_PROVIDER_H

#include <jansson.h>
#include <msgpack.h>

#include "tfprovider/diag.h"
#include "tfprovider/dynamic.h"

/** The result of a resource or data source operation. */
struct tfp_result {
    struct tfp_enc value;    /* msgpack of the new, planned or imported object */
    int has_value;           /* 0: the object is null (gone, or destroyed) */
    const char *replace[2];  /* attributes whose change forces replacement (plan only) */
    size_t n_replace;
    struct tfp_diags diags;
};

void tfp_result_init(struct tfp_result *res);
void tfp_result_clear(struct tfp_result *res);

/** Set up the lock; called once before serving. */
void tfp_provider_init(void);

/** Check the provider block's values as the upstream schema validators do (GUIDs, one-of
 * values, URLs); null and unknown values pass. */
void tfp_provider_validate(struct tfp_diags *diags, const msgpack_object *config);

/** Hand the provider block to a fresh libm365id context and resolve it; no token is requested. */
void tfp_provider_configure(struct tfp_diags *diags, const msgpack_object *config);

/** Record that the host asked to stop (StopProvider). */
void tfp_provider_stop(void);

/**
 * Send one Graph request with the configured context. On success *out is the reply JSON
 * (NULL for an empty body). On failure a diagnostic with @p summary and libm365id's detail
 * is added, *http_status is Graph's status when Graph replied (404 and so on) or 0, and -1
 * is returned.
 */
int tfp_graph(json_t **out, int *http_status, struct tfp_diags *diags, const char *summary,
              const char *method, const char *path, const char *body, unsigned int flags);

#endif /* M365ID_TFPROVIDER_PROVIDER_H */
