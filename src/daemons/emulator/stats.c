/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Request counters behind one mutex; handlers run on many connection threads.
 */
#include "stats.h"

#include <stdio.h>
#include <string.h>

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

json_t *emu_stats_json(struct emu_stats *stats)
{
    json_t *doc = json_object();
    json_t *errors = json_object();
    size_t i;

    if (doc == NULL || errors == NULL) {
        json_decref(doc);
        json_decref(errors);
        return NULL;
    }
    pthread_mutex_lock(&stats->lock);
    json_object_set_new(doc, "token_requests",
                        json_integer(stats->counters[EMU_STAT_TOKEN_REQUESTS]));
    json_object_set_new(doc, "tokens_issued", json_integer(stats->counters[EMU_STAT_TOKENS_ISSUED]));
    json_object_set_new(doc, "graph_requests",
                        json_integer(stats->counters[EMU_STAT_GRAPH_REQUESTS]));
    json_object_set_new(doc, "expired_assertions_seen",
                        json_integer(stats->counters[EMU_STAT_EXPIRED_ASSERTIONS]));
    for (i = 0; i < stats->code_kinds; i++) {
        char key[16];

        snprintf(key, sizeof(key), "%d", stats->codes[i]);
        json_object_set_new(errors, key, json_integer(stats->code_counts[i]));
    }
    pthread_mutex_unlock(&stats->lock);
    json_object_set_new(doc, "errors", errors);
    return doc;
}
