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

#include "scenario.h"

#define EMU_STATS_CODES_MAX 64
#define EMU_STATS_TIMES_MAX 256 /* arrival times kept per endpoint, the newest ones */

enum emu_stat {
    EMU_STAT_TOKEN_REQUESTS,
    EMU_STAT_TOKENS_ISSUED,
    EMU_STAT_GRAPH_REQUESTS,
    EMU_STAT_EXPIRED_ASSERTIONS, /* assertions whose exp had passed on arrival, no skew */
    EMU_STAT_MSI_REQUESTS,
    EMU_STAT_MSI_TOKENS_ISSUED,
    EMU_STAT_CI_TOKENS_ISSUED,
    EMU_STAT_COUNT,
};

struct emu_stats {
    pthread_mutex_t lock;
    long long counters[EMU_STAT_COUNT];
    int codes[EMU_STATS_CODES_MAX];       /* AADSTS codes seen; later codes are not counted */
    long long code_counts[EMU_STATS_CODES_MAX];
    size_t code_kinds;
    long long faults_applied[EMU_FAULT_ENDPOINT_COUNT];
    long long token_times_ms[EMU_STATS_TIMES_MAX]; /* ring of monotonic arrival times */
    size_t token_times_count;                      /* arrivals recorded, may exceed the ring */
    long long msi_times_ms[EMU_STATS_TIMES_MAX];
    size_t msi_times_count;
};

void emu_stats_init(struct emu_stats *stats);
void emu_stats_clear(struct emu_stats *stats);
void emu_stats_add(struct emu_stats *stats, enum emu_stat which);

/** Count one error reply with AADSTS @p code. */
void emu_stats_error(struct emu_stats *stats, int code);

/** Count one request that a fault rule of @p endpoint changed. */
void emu_stats_fault(struct emu_stats *stats, enum emu_fault_endpoint endpoint);

/**
 * Count a token request (or, with @p msi, a managed-identity request) as it arrives, before
 * any fault rule, and record its monotonic arrival time.
 */
void emu_stats_arrival(struct emu_stats *stats, int msi);

/** {"token_requests":N,...,"errors":{"700213":n}}; NULL when out of memory. */
json_t *emu_stats_json(struct emu_stats *stats);

#endif /* M365ID_DAEMONS_EMULATOR_STATS_H */
