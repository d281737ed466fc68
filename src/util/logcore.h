/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The logging core used by every component: a level filter in front of one callback. The
 * library installs the caller's callback; the CLI and daemons use m365id__log_stderr().
 */
#ifndef M365ID_UTIL_LOGCORE_H
#define M365ID_UTIL_LOGCORE_H

#include "m365id/log.h"

struct m365id__logger {
    int max_level;      /* events above this level are dropped */
    m365id_log_cb cb;   /* NULL: logging off */
    void *payload;
};

#define M365ID__LOGGER_INIT {M365ID_LOG_WARN, NULL, NULL}

/** Format and emit one event; newlines in the result become spaces. External values must
 *  already be quoted with m365id__quote(). */
void m365id__log(const struct m365id__logger *logger, int level, const char *component,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/** True when @p level passes the filter, to skip costly argument preparation. */
int m365id__log_enabled(const struct m365id__logger *logger, int level);

/**
 * A callback that writes one line to stderr. The payload is a const char * program name or
 * NULL. With a name the line is "<RFC 3339 UTC time> <program> <LEVEL> <component>: <message>",
 * without one it is "<LEVEL> <component>: <message>"; LEVEL is ERROR, WARN, INFO, DEBUG or TRACE.
 */
void m365id__log_stderr(int level, const char *component, const char *message, void *payload);

#define mlog_error(lg, comp, ...) m365id__log((lg), M365ID_LOG_ERROR, (comp), __VA_ARGS__)
#define mlog_warn(lg, comp, ...) m365id__log((lg), M365ID_LOG_WARN, (comp), __VA_ARGS__)
#define mlog_info(lg, comp, ...) m365id__log((lg), M365ID_LOG_INFO, (comp), __VA_ARGS__)
#define mlog_debug(lg, comp, ...) m365id__log((lg), M365ID_LOG_DEBUG, (comp), __VA_ARGS__)
#define mlog_trace(lg, comp, ...) m365id__log((lg), M365ID_LOG_TRACE, (comp), __VA_ARGS__)

#endif /* M365ID_UTIL_LOGCORE_H */
