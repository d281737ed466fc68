/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * libFuzzer target: the emulator's small request parsers that read decoded URL parts. The
 * input goes as one C string through the Graph $filter parser (directory_query.c), the
 * $skiptoken reader, and the Kubernetes API path splitter (kube.c), with their invariants.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "directory.h"
#include "kube.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A Graph object for emu_dir_filter_matches(): a string, a boolean and a string collection. */
static json_t *sample_object(void)
{
    static json_t *obj;

    if (obj == NULL) {
        obj = json_pack("{s:s,s:s,s:b,s:[s,s],s:i}", "appId",
                        "22222222-2222-2222-2222-222222222222", "displayName", "Contoso app",
                        "accountEnabled", 1, "servicePrincipalNames", "api://x",
                        "22222222-2222-2222-2222-222222222222", "count", 3);
        if (obj == NULL)
            abort();
    }
    return obj;
}

static void check_filter(const char *text)
{
    struct emu_dir_filter f = EMU_DIR_FILTER_INIT;
    char why[256];
    int rc;

    why[0] = '\0';
    rc = emu_dir_filter_parse(&f, text, why, sizeof(why));
    if (rc == 0) {
        /* A parsed filter has a property and a literal, and only eq takes true or false. */
        if (f.property[0] == '\0' || f.value == NULL || (f.any && f.is_bool) ||
            (f.starts_with && (f.is_bool || f.any)))
            abort();
        (void)emu_dir_filter_matches(&f, sample_object());
    } else if (rc == 1 && why[0] == '\0') {
        abort(); /* a rejection always names what is supported */
    }
    emu_dir_filter_clear(&f);
}

static void check_skiptoken(const char *text)
{
    size_t offset = 0;
    size_t again = 0;
    char *made;

    if (emu_dir_skiptoken_parse(&offset, text) < 0)
        return;
    /* Any token the reader accepts names an offset that the writer encodes back the same. */
    made = emu_dir_skiptoken_make(offset);
    if (made == NULL)
        return;
    if (emu_dir_skiptoken_parse(&again, made) < 0 || again != offset)
        abort();
    free(made);
}

static void check_kube_path(const char *text)
{
    struct emu_kube_path p;

    emu_kube_path_parse(&p, text);
    if (strnlen(p.group, sizeof(p.group)) == sizeof(p.group) ||
        strnlen(p.version, sizeof(p.version)) == sizeof(p.version) ||
        strnlen(p.ns, sizeof(p.ns)) == sizeof(p.ns) ||
        strnlen(p.resource, sizeof(p.resource)) == sizeof(p.resource) ||
        strnlen(p.name, sizeof(p.name)) == sizeof(p.name) ||
        strnlen(p.subresource, sizeof(p.subresource)) == sizeof(p.subresource))
        abort(); /* every field is NUL-terminated */
    if (p.type == EMU_KUBE_PATH_RESOURCE && (p.resource[0] == '\0' || p.version[0] == '\0'))
        abort();
    if (p.type == EMU_KUBE_PATH_INVALID &&
        (p.resource[0] != '\0' || p.name[0] != '\0' || p.ns[0] != '\0'))
        abort();
    if (p.subresource[0] != '\0' && p.name[0] == '\0')
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    check_filter(text);
    check_skiptoken(text);
    check_kube_path(text);

    free(text);
    return 0;
}
