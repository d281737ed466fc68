/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Diagnostics: errors and warnings travel in the reply with gRPC status OK, because a non-OK
 * status reaches the user only as a generic plugin error. Each carries an attribute path when
 * it concerns one attribute, so that the host points at the line in the configuration.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tfprovider/diag.h"
#include "util/buf.h"
#include "util/strutil.h"

/* Longest diagnostic detail kept; libm365id messages and hints are a few hundred bytes. */
#define DIAG_DETAIL_MAX (16u * 1024u)

static Tfplugin6__AttributePath *path_new(const char *dotted)
{
    Tfplugin6__AttributePath *path = calloc(1, sizeof(*path));
    size_t parts = 1;
    const char *p;

    if (path == NULL)
        return NULL;
    tfplugin6__attribute_path__init(path);
    for (p = dotted; *p != '\0'; p++)
        parts += *p == '.';
    path->steps = calloc(parts, sizeof(*path->steps));
    if (path->steps == NULL) {
        free(path);
        return NULL;
    }
    p = dotted;
    while (path->n_steps < parts) {
        const char *dot = strchr(p, '.');
        size_t len = dot != NULL ? (size_t)(dot - p) : strlen(p);
        Tfplugin6__AttributePath__Step *step = calloc(1, sizeof(*step));
        char *name = malloc(len + 1);

        if (step == NULL || name == NULL) {
            free(step);
            free(name);
            break;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        tfplugin6__attribute_path__step__init(step);
        step->selector_case = TFPLUGIN6__ATTRIBUTE_PATH__STEP__SELECTOR_ATTRIBUTE_NAME;
        step->attribute_name = name;
        path->steps[path->n_steps++] = step;
        if (dot == NULL)
            break;
        p = dot + 1;
    }
    return path;
}

static void path_free(Tfplugin6__AttributePath *path)
{
    if (path == NULL)
        return;
    for (size_t i = 0; i < path->n_steps; i++) {
        free(path->steps[i]->attribute_name);
        free(path->steps[i]);
    }
    free(path->steps);
    free(path);
}

static void diag_append(struct tfp_diags *diags, enum tfp_severity severity, const char *path,
                        const char *summary, char *detail)
{
    Tfplugin6__Diagnostic **grown;
    Tfplugin6__Diagnostic *d = calloc(1, sizeof(*d));

    grown = realloc(diags->items, (diags->count + 1) * sizeof(*grown));
    if (d == NULL || grown == NULL) {
        free(d);
        free(detail);
        if (grown != NULL)
            diags->items = grown;
        diags->has_error |= severity == TFP_ERROR;
        return;
    }
    diags->items = grown;
    tfplugin6__diagnostic__init(d);
    d->severity = severity == TFP_ERROR ? TFPLUGIN6__DIAGNOSTIC__SEVERITY__ERROR
                                        : TFPLUGIN6__DIAGNOSTIC__SEVERITY__WARNING;
    d->summary = m365id__strdup(summary);
    d->detail = detail != NULL ? detail : m365id__strdup("");
    if (path != NULL)
        d->attribute = path_new(path);
    diags->items[diags->count++] = d;
    diags->has_error |= severity == TFP_ERROR;
}

void tfp_diag_add(struct tfp_diags *diags, enum tfp_severity severity, const char *path,
                  const char *summary, const char *fmt, ...)
{
    struct m365id__buf detail = M365ID__BUF_INIT(DIAG_DETAIL_MAX);
    va_list ap;

    va_start(ap, fmt);
    (void)m365id__buf_vprintf(&detail, fmt, ap);
    va_end(ap);
    diag_append(diags, severity, path, summary, m365id__buf_detach(&detail));
}

void tfp_diag_m365id(struct tfp_diags *diags, const char *path, const char *summary,
                     const m365id_error *err)
{
    struct m365id__buf detail = M365ID__BUF_INIT(DIAG_DETAIL_MAX);

    if (err == NULL || err->message == NULL) {
        diag_append(diags, TFP_ERROR, path, summary, m365id__strdup("no detail available"));
        return;
    }
    (void)m365id__buf_puts(&detail, err->message);
    if (err->hint != NULL && err->hint[0] != '\0')
        (void)m365id__buf_printf(&detail, "\n\nHint: %s", err->hint);
    if (err->upstream != NULL && err->upstream[0] != '\0')
        (void)m365id__buf_printf(&detail, "\n\nEntra ID or Graph reported: %s", err->upstream);
    diag_append(diags, TFP_ERROR, path, summary, m365id__buf_detach(&detail));
}

void tfp_diags_clear(struct tfp_diags *diags)
{
    for (size_t i = 0; i < diags->count; i++) {
        free(diags->items[i]->summary);
        free(diags->items[i]->detail);
        path_free(diags->items[i]->attribute);
        free(diags->items[i]);
    }
    free(diags->items);
    diags->items = NULL;
    diags->count = 0;
    diags->has_error = 0;
}
