/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Request counters served at /_emulator/stats, so tests can check what clients sent.
 */
#ifndef M365ID_DAEMONS_EMULATOR_STATS_H
#define M365ID_DAEMONS_EMULATOR_STATS_H

#include <jansson.h>
#include <pthread.h>

#define EMU_STATS_CODES_MAX 64

enum emu_stat {
    EMU_STAT_TOKEN_REQUESTS,
    EMU_STAT_TOKENS_ISSUED,
    EMU_STAT_GRAPH_REQUESTS,
    EMU_STAT_EXPIRED_ASSERTIONS, /* assertions whose exp had passed on arrival, no skew */
    EMU_STAT_COUNT,
};

struct emu_stats {
    pthread_mutex_t lock;
    long long counters[EMU_STAT_COUNT];
    int codes[EMU_STATS_CODES_MAX];       /* AADSTS codes seen; later codes are not counted */
    long long code_counts[EMU_STATS_CODES_MAX];
    size_t code_kinds;
};

void emu_stats_init(struct emu_stats *stats);
void emu_stats_clear(struct emu_stats *stats);
void emu_stats_add(struct emu_stats *stats, enum emu_stat which);

/** Count one error reply with AADSTS @p code. */
void emu_stats_error(struct emu_stats *stats, int code);

/** {"token_requests":N,...,"errors":{"700213":n}}; NULL when out of memory. */
json_t *emu_stats_json(struct emu_stats *stats);

#endif /* M365ID_DAEMONS_EMULATOR_STATS_H */
