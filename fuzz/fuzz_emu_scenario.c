/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * libFuzzer target: the emulator's scenario parser (emu_scenario_parse) on arbitrary bytes,
 * then the lookups the request handlers make with every id and domain the scenario defines.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

#define FUZZ_BASE_URL "https://127.0.0.1:8443"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Look every tenant up by id and by each domain, and every application by client id. */
static void lookup_all(const struct emu_scenario *scn)
{
    size_t i;
    size_t j;

    for (i = 0; i < scn->cluster_count; i++) {
        const struct emu_cluster *cl = &scn->clusters[i];

        if (emu_scenario_cluster(scn, cl->name, strlen(cl->name)) == NULL)
            abort();
    }
    for (i = 0; i < scn->tenant_count; i++) {
        const struct emu_tenant *t = &scn->tenants[i];

        if (emu_scenario_tenant(scn, t->cloud, t->id) == NULL)
            abort();
        for (j = 0; j < t->domain_count; j++)
            (void)emu_scenario_tenant(scn, t->cloud, t->domains[j]);
        for (j = 0; j < t->app_count; j++) {
            if (emu_tenant_app(t, t->apps[j].app_id) == NULL)
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct emu_scenario *scn = NULL;
    struct emu_error err;
    int rc;

    rc = emu_scenario_parse(&scn, (const char *)data, size, FUZZ_BASE_URL, &err);
    if (rc == 0) {
        lookup_all(scn);
    } else if (memchr(err.message, '\0', sizeof(err.message)) == NULL ||
               memchr(err.hint, '\0', sizeof(err.hint)) == NULL) {
        /* The rejection text must be a terminated string: the daemon prints it. */
        abort();
    }
    emu_scenario_free(scn);
    return 0;
}
