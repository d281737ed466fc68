/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * m365id/log.h: log levels, the log callback and secret fingerprints. The library never prints;
 * it calls the callback installed with m365id_ctx_set_log().
 */
#ifndef M365ID_LOG_H
#define M365ID_LOG_H

#include <stddef.h>

#include "common.h"

M365ID_BEGIN_DECL

/** Log levels, most severe first. */
enum m365id_log_level {
    M365ID_LOG_ERROR = 0, /* an operation failed and its caller sees it */
    M365ID_LOG_WARN = 1,  /* degraded but continuing: retry, clock skew, ignored setting */
    M365ID_LOG_INFO = 2,  /* lifecycle and one summary line per request */
    M365ID_LOG_DEBUG = 3, /* decisions: value sources, cache hit or miss, endpoint chosen */
    M365ID_LOG_TRACE = 4, /* wire detail with secrets removed: status lines, sizes */
};

/**
 * Receives one log event. @p component is a short tag such as "sts" or "config"; @p message
 * is one line without a trailing newline. Neither string outlives the call.
 */
typedef void (*m365id_log_cb)(int level, const char *component, const char *message,
                              void *payload);

/** Size of the buffer m365id_fingerprint() fills: "sha256:" + 16 hex digits + NUL. */
#define M365ID_FINGERPRINT_SIZE 24

/**
 * Write a short, non-reversible fingerprint of a secret ("sha256:" and the first 16 hex
 * digits of its SHA-256) to @p out, so logs can tell two tokens apart without showing them.
 * @p out_size must be at least M365ID_FINGERPRINT_SIZE; a smaller buffer gets "".
 */
M365ID_EXTERN void m365id_fingerprint(char *out, size_t out_size, const void *secret, size_t len);

/** Name of a level ("error", "warn", "info", "debug", "trace"); "?" for others. */
M365ID_EXTERN const char *m365id_log_level_name(int level);

M365ID_END_DECL

#endif /* M365ID_LOG_H */
