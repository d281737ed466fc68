/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The wall clock as the token modules see it: the context's replacement clock when a test set
 * one, otherwise the system clock.
 */
#ifndef M365ID_LIB_TOKEN_CLOCK_H
#define M365ID_LIB_TOKEN_CLOCK_H

#include "lib/core/ctx_internal.h"
#include "util/timeutil.h"

/** Unix seconds from @p ctx's clock. */
static inline long long m365id__clock_now_s(const m365id_ctx *ctx)
{
    return ctx->now_s != NULL ? ctx->now_s() : m365id__now_s();
}

#endif /* M365ID_LIB_TOKEN_CLOCK_H */
