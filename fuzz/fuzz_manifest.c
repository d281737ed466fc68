/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * libFuzzer target: the doctor's manifest reader (libyaml events composed into jansson values
 * with size, depth and alias caps), then the pod template lookups that check "pod" runs on
 * every object it returns.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/doctor/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct doctor_manifest m = DOCTOR_MANIFEST_INIT;
    char why[256];

    if (doctor_manifest_parse(&m, "fuzz.yaml", (const char *)data, size, why, sizeof(why)) < 0) {
        /* Every failure names the input. */
        if (strncmp(why, "fuzz.yaml", 9) != 0)
            abort();
        doctor_manifest_clear(&m);
        return 0;
    }

    for (size_t i = 0; i < doctor_manifest_count(&m); i++) {
        json_t *obj = doctor_manifest_object(&m, i);
        struct doctor_pod_template t;
        char *text;

        if (doctor_manifest_line(&m, i) < 1)
            abort();
        if (doctor_manifest_pod_template(&t, obj, doctor_manifest_path(&m, i))) {
            (void)doctor_manifest_at(t.pod, "metadata.labels");
            (void)doctor_manifest_at(t.pod, "spec.serviceAccountName");
            if (t.name != NULL && t.kind != NULL)
                (void)doctor_manifest_find(&m, "ServiceAccount", t.name, t.ns, NULL);
        }
        /* Aliases are shared, not copied: the value cap must bound a full walk too. */
        text = json_dumps(obj, JSON_ENCODE_ANY | JSON_COMPACT);
        free(text);
    }
    doctor_manifest_clear(&m);
    return 0;
}
