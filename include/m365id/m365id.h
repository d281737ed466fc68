/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * m365id/m365id.h: the whole public API of libm365id.
 */
#ifndef M365ID_M365ID_H
#define M365ID_M365ID_H

#include "common.h"
#include "error.h"
#include "log.h"
#include "ctx.h"
#include "token.h"
#include "graph.h"
#include "cloud.h"

#define M365ID_VERSION "0.1.0"

#endif /* M365ID_M365ID_H */
