/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Federated credential matching. The order of the checks decides the error code: issuer
 * first, then subject among the credentials with that issuer, then audience.
 */
#include "fic.h"

#include <string.h>
#include <strings.h>

int emu_fic_match(const struct emu_fic **match, const struct emu_app *app, const char *iss,
                  const char *sub, const char *const *aud, size_t aud_count, int legacy)
{
    int issuer_seen = 0;
    int subject_seen = 0;
    int case_only = 0;
    size_t i;
    size_t j;

    *match = NULL;
    if (app->fic_count == 0)
        return 70025;

    for (i = 0; i < app->fic_count; i++) {
        const struct emu_fic *f = &app->fics[i];

        if (iss == NULL || strcmp(f->issuer, iss) != 0)
            continue;
        issuer_seen = 1;
        if (sub == NULL || strcmp(f->subject, sub) != 0) {
            /* Entra reports a subject that differs only in case with its own code. */
            if (sub != NULL && strcasecmp(f->subject, sub) == 0)
                case_only = 1;
            continue;
        }
        subject_seen = 1;
        for (j = 0; j < aud_count; j++) {
            if (aud[j] != NULL && strcmp(f->audience, aud[j]) == 0) {
                *match = f;
                return 0;
            }
        }
    }

    if (legacy)
        return 70021;
    if (!issuer_seen)
        return 700211;
    if (!subject_seen)
        return case_only ? 7002138 : 700213;
    return 700212;
}

const char *emu_fic_mismatch(const struct emu_fic *fic, const char *iss, const char *sub,
                             const char *const *aud, size_t aud_count)
{
    size_t i;

    if (iss == NULL || strcmp(fic->issuer, iss) != 0)
        return "issuer differs";
    if (sub == NULL || strcmp(fic->subject, sub) != 0) {
        if (sub != NULL && strcasecmp(fic->subject, sub) == 0)
            return "subject differs only in case";
        return "subject differs";
    }
    for (i = 0; i < aud_count; i++) {
        if (aud[i] != NULL && strcmp(fic->audience, aud[i]) == 0)
            return NULL;
    }
    return "audience is not among the assertion's aud values";
}
