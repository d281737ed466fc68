/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * m365id/common.h: export and C++ linkage macros shared by every public header.
 */
#ifndef M365ID_COMMON_H
#define M365ID_COMMON_H

#ifdef __cplusplus
#define M365ID_BEGIN_DECL extern "C" {
#define M365ID_END_DECL }
#else
#define M365ID_BEGIN_DECL
#define M365ID_END_DECL
#endif

#if defined(__GNUC__) || defined(__clang__)
#define M365ID_EXTERN __attribute__((visibility("default")))
#else
#define M365ID_EXTERN
#endif

#endif /* M365ID_COMMON_H */
