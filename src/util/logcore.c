/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The level filter and message formatting in front of a log callback, and the stderr writer
 * used by the CLI and the daemons. Each event is formatted into a fixed buffer: logging never
 * allocates and never fails.
 */
#include "util/logcore.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

/* Maximum message size passed to a callback, including the NUL. Longer ones end in "...". */
#define LOG_MESSAGE_MAX 1024

int m365id__log_enabled(const struct m365id__logger *logger, int level)
{
    return logger != NULL && logger->cb != NULL && level >= M365ID_LOG_ERROR &&
           level <= logger->max_level;
}

void m365id__log(const struct m365id__logger *logger, int level, const char *component,
                 const char *fmt, ...)
{
    char msg[LOG_MESSAGE_MAX];
    va_list ap;
    int n;
    char *p;

    if (!m365id__log_enabled(logger, level))
        return;

    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0)
        msg[0] = '\0';
    else if ((size_t)n >= sizeof(msg))
        memcpy(msg + sizeof(msg) - 4, "...", 4);

    /* One event is one line, whatever the arguments held. */
    for (p = msg; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    }
    logger->cb(level, component != NULL ? component : "-", msg, logger->payload);
}

static const char *level_tag(int level)
{
    switch (level) {
    case M365ID_LOG_ERROR: return "ERROR";
    case M365ID_LOG_WARN: return "WARN";
    case M365ID_LOG_INFO: return "INFO";
    case M365ID_LOG_DEBUG: return "DEBUG";
    case M365ID_LOG_TRACE: return "TRACE";
    default: return "?";
    }
}

void m365id__log_stderr(int level, const char *component, const char *message, void *payload)
{
    const char *program = payload;
    char stamp[32];

    /* One fprintf per event: stdio locks the stream per call, so lines from several threads
     * do not interleave. */
    if (program != NULL) {
        m365id__format_rfc3339(stamp, sizeof(stamp), m365id__now_s());
        fprintf(stderr, "%s %s %s %s: %s\n", stamp, program, level_tag(level), component,
                message);
    } else {
        fprintf(stderr, "%s %s: %s\n", level_tag(level), component, message);
    }
}
