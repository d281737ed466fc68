/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Request counters and arrival times behind one mutex; handlers run on many connection
 * threads.
 */
#include "stats.h"

#include <stdio.h>
#include <string.h>

#include "faults.h"
#include "util/timeutil.h"

void emu_stats_init(struct emu_stats *stats)
{
    memset(stats, 0, sizeof(*stats));
    pthread_mutex_init(&stats->lock, NULL);
}

void emu_stats_clear(struct emu_stats *stats)
{
    pthread_mutex_destroy(&stats->lock);
}

void emu_stats_add(struct emu_stats *stats, enum emu_stat which)
{
    pthread_mutex_lock(&stats->lock);
    stats->counters[which]++;
    pthread_mutex_unlock(&stats->lock);
}

void emu_stats_error(struct emu_stats *stats, int code)
{
    size_t i;

    pthread_mutex_lock(&stats->lock);
    for (i = 0; i < stats->code_kinds; i++) {
        if (stats->codes[i] == code)
            break;
    }
    if (i == stats->code_kinds && i < EMU_STATS_CODES_MAX) {
        stats->codes[i] = code;
        stats->code_counts[i] = 0;
        stats->code_kinds++;
    }
    if (i < EMU_STATS_CODES_MAX)
        stats->code_counts[i]++;
    pthread_mutex_unlock(&stats->lock);
}

void emu_stats_fault(struct emu_stats *stats, enum emu_fault_endpoint endpoint)
{
    if ((unsigned int)endpoint >= EMU_FAULT_ENDPOINT_COUNT)
        return;
    pthread_mutex_lock(&stats->lock);
    stats->faults_applied[endpoint]++;
    pthread_mutex_unlock(&stats->lock);
}

void emu_stats_arrival(struct emu_stats *stats, int msi)
{
    long long now = m365id__monotonic_ms();

    pthread_mutex_lock(&stats->lock);
    stats->counters[msi ? EMU_STAT_MSI_REQUESTS : EMU_STAT_TOKEN_REQUESTS]++;
    if (msi)
        stats->msi_times_ms[stats->msi_times_count++ % EMU_STATS_TIMES_MAX] = now;
    else
        stats->token_times_ms[stats->token_times_count++ % EMU_STATS_TIMES_MAX] = now;
    pthread_mutex_unlock(&stats->lock);
}

/* The ring @p ring of @p count recorded times as a JSON array, oldest first. */
static json_t *times_json(const long long *ring, size_t count)
{
    json_t *arr = json_array();
    size_t start = count > EMU_STATS_TIMES_MAX ? count - EMU_STATS_TIMES_MAX : 0;
    size_t i;

    for (i = start; arr != NULL && i < count; i++)
        json_array_append_new(arr, json_integer(ring[i % EMU_STATS_TIMES_MAX]));
    return arr;
}

json_t *emu_stats_json(struct emu_stats *stats)
{
    json_t *doc = json_object();
    json_t *errors = json_object();
    json_t *faults = json_object();
    size_t i;

    if (doc == NULL || errors == NULL || faults == NULL) {
        json_decref(doc);
        json_decref(errors);
        json_decref(faults);
        return NULL;
    }
    pthread_mutex_lock(&stats->lock);
    json_object_set_new(doc, "token_requests",
                        json_integer(stats->counters[EMU_STAT_TOKEN_REQUESTS]));
    json_object_set_new(doc, "tokens_issued",
                        json_integer(stats->counters[EMU_STAT_TOKENS_ISSUED]));
    json_object_set_new(doc, "graph_requests",
                        json_integer(stats->counters[EMU_STAT_GRAPH_REQUESTS]));
    json_object_set_new(doc, "expired_assertions_seen",
                        json_integer(stats->counters[EMU_STAT_EXPIRED_ASSERTIONS]));
    json_object_set_new(doc, "msi_requests", json_integer(stats->counters[EMU_STAT_MSI_REQUESTS]));
    json_object_set_new(doc, "msi_tokens_issued",
                        json_integer(stats->counters[EMU_STAT_MSI_TOKENS_ISSUED]));
    json_object_set_new(doc, "ci_tokens_issued",
                        json_integer(stats->counters[EMU_STAT_CI_TOKENS_ISSUED]));
    for (i = 0; i < EMU_FAULT_ENDPOINT_COUNT; i++) {
        json_object_set_new(faults, emu_fault_endpoint_name((enum emu_fault_endpoint)i),
                            json_integer(stats->faults_applied[i]));
    }
    json_object_set_new(doc, "faults_applied", faults);
    json_object_set_new(doc, "token_request_times_ms",
                        times_json(stats->token_times_ms, stats->token_times_count));
    json_object_set_new(doc, "msi_request_times_ms",
                        times_json(stats->msi_times_ms, stats->msi_times_count));
    for (i = 0; i < stats->code_kinds; i++) {
        char key[16];

        snprintf(key, sizeof(key), "%d", stats->codes[i]);
        json_object_set_new(errors, key, json_integer(stats->code_counts[i]));
    }
    pthread_mutex_unlock(&stats->lock);
    json_object_set_new(doc, "errors", errors);
    return doc;
}
