/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * libFuzzer target: setting and environment resolution by m365id_ctx_configure(), then the
 * read-back of every setting. Input lines are "set KEY=VALUE", "unset KEY" and "env NAME=VALUE";
 * the variables reach the library through a getenv callback, never the process environment.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/config/validate.h"
#include "m365id/ctx.h"
#include "m365id/log.h"

#define ENV_MAX 64
#define CANARY_MAX 16
/*
 * Only secret values that contain this marker are checked for leaks, because a short or common
 * value (such as a piece of the example GUID in a hint) may occur in the library's fixed text.
 * No message text of the library contains it.
 */
#define CANARY_MARK "CANARY"
#define CA_BUNDLE_ENV "M365_CA_BUNDLE"
#define ORIGIN "fuzz input"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct env_var {
    const char *name;
    const char *value;
};

/* Everything one input defines; the strings point into the input's NUL-terminated copy. */
struct input {
    struct env_var env[ENV_MAX];
    size_t env_count;
    const char *canaries[CANARY_MAX];
    size_t canary_count;
    const char *text; /* the whole input, to count where a canary occurs */
    size_t text_len;
};

static char dir[64];
/* Where the last "env M365_CA_BUNDLE=..." points after mapping into dir. */
static char env_ca_path[192];

/*
 * Files that ca_bundle may name. configure() opens and reads the CA bundle, so every ca_bundle
 * value is mapped to a file name inside dir. No other file's content is read.
 */
static const char *const bundle_files[][2] = {
    {"empty.pem", ""},
    {"damaged.pem", "-----BEGIN CERTIFICATE-----\nMIIB!!\n-----END CERTIFICATE-----\n"},
    {"key.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"},
    {"text.txt", "not a certificate\n"},
};

static void remove_dir(void)
{
    char path[128];

    for (size_t i = 0; i < sizeof(bundle_files) / sizeof(bundle_files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, bundle_files[i][0]);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/ca.pem", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/subdir", dir);
    rmdir(path);
    rmdir(dir);
}

/* Create dir with the CA bundle candidates; abort on failure, which is a harness bug. */
static void make_dir(void)
{
    char path[128];

    snprintf(dir, sizeof(dir), "/tmp/m365id-fuzz-XXXXXX");
    if (mkdtemp(dir) == NULL)
        abort();
    atexit(remove_dir);

    for (size_t i = 0; i < sizeof(bundle_files) / sizeof(bundle_files[0]); i++) {
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, bundle_files[i][0]);
        if ((f = fopen(path, "w")) == NULL)
            abort();
        fputs(bundle_files[i][1], f);
        if (fclose(f) != 0)
            abort();
    }
    snprintf(path, sizeof(path), "%s/subdir", dir);
    if (mkdir(path, 0700) != 0)
        abort();
    /* A valid bundle from the test data, when the source tree is where the build saw it. */
    snprintf(path, sizeof(path), "%s/ca.pem", dir);
    (void)symlink(M365ID_FUZZ_CA_PEM, path);
}

/* Map @p value to "<dir>/<value with '/' as '_'>"; an empty value stays empty. */
static void map_ca_path(char *out, size_t size, const char *value)
{
    size_t used;

    if (value[0] == '\0') {
        out[0] = '\0';
        return;
    }
    used = (size_t)snprintf(out, size, "%s/", dir);
    for (size_t i = 0; value[i] != '\0' && used + 1 < size; i++)
        out[used++] = value[i] == '/' ? '_' : value[i];
    out[used] = '\0';
}

static const char *input_getenv(const char *name, void *payload)
{
    const struct input *in = payload;

    /* A later line for the same variable overrides an earlier one, as setenv(3) does. */
    for (size_t i = in->env_count; i > 0; i--) {
        if (strcmp(in->env[i - 1].name, name) == 0)
            return in->env[i - 1].value;
    }
    return NULL;
}

/* 1 when environment variable @p name feeds a secret setting. */
static int env_is_secret(const char *name)
{
    if (strcmp(name, "AZURE_DEVOPS_FEDERATION_TOKEN") == 0)
        return 1;
    for (size_t k = 0; k < M365ID__KEY_COUNT; k++) {
        if ((m365id__keys[k].flags & M365ID__CFG_SECRET) == 0)
            continue;
        for (size_t e = 0; e < 3 && m365id__keys[k].env[e] != NULL; e++) {
            if (strcmp(m365id__keys[k].env[e], name) == 0)
                return 1;
        }
    }
    return 0;
}

/*
 * Record @p value as a canary when it contains CANARY_MARK and occurs exactly once in the
 * input: then no other setting, key or variable name can carry it into a message.
 * NOTE: a message that joins two other values (an authority and a tenant) could still
 * contain it by chance.
 */
static void add_canary(struct input *in, const char *value)
{
    size_t len = strlen(value);
    int count = 0;

    if (strstr(value, CANARY_MARK) == NULL || in->canary_count == CANARY_MAX)
        return;
    for (size_t i = 0; len <= in->text_len - i; i++) {
        if (memcmp(in->text + i, value, len) == 0)
            count++;
    }
    if (count == 1)
        in->canaries[in->canary_count++] = value;
}

/* Abort when @p text contains a secret value of the input. */
static void check_no_canary(const struct input *in, const char *text)
{
    if (text == NULL)
        return;
    for (size_t i = 0; i < in->canary_count; i++) {
        if (strstr(text, in->canaries[i]) != NULL) {
            fprintf(stderr, "fuzz: a secret value of the input appears in '%s'\n", text);
            abort();
        }
    }
}

static void input_log(int level, const char *component, const char *message, void *payload)
{
    (void)level;
    (void)component;
    check_no_canary(payload, message);
}

/* Apply one line to @p ctx or @p in; lines of other forms are ignored. */
static void apply_line(struct input *in, m365id_ctx *ctx, char *line)
{
    char path[192];
    char *eq = strchr(line, '=');

    if (strncmp(line, "unset ", 6) == 0) {
        (void)m365id_ctx_set(ctx, line + 6, NULL, ORIGIN);
        return;
    }
    if (eq == NULL)
        return;
    *eq = '\0';

    if (strncmp(line, "set ", 4) == 0) {
        const char *key = line + 4;
        const char *value = eq + 1;

        if (strcmp(key, "ca_bundle") == 0) {
            map_ca_path(path, sizeof(path), value);
            value = path;
        } else if (m365id_setting_is_secret(key) == 1) {
            add_canary(in, value);
        }
        (void)m365id_ctx_set(ctx, key, value, ORIGIN);
    } else if (strncmp(line, "env ", 4) == 0 && in->env_count < ENV_MAX) {
        struct env_var *v = &in->env[in->env_count++];

        v->name = line + 4;
        v->value = eq + 1;
        if (strcmp(v->name, CA_BUNDLE_ENV) == 0) {
            map_ca_path(env_ca_path, sizeof(env_ca_path), v->value);
            v->value = env_ca_path;
        } else if (env_is_secret(v->name)) {
            add_canary(in, v->value);
        }
    }
}

/* Read every setting back and check the redaction and error contracts. */
static void check_settings(const struct input *in, const m365id_ctx *ctx, int configured)
{
    const char *const *names = m365id_setting_names();

    for (size_t i = 0; names[i] != NULL; i++) {
        const char *displayed = NULL;
        const char *displayed_source = NULL;
        const char *real = NULL;
        int secret = m365id_setting_is_secret(names[i]);
        int rc = m365id_ctx_setting_display(&displayed, &displayed_source, ctx, names[i]);

        if (!configured) {
            /* An unconfigured context has no settings to show. */
            if (rc != M365ID_EINVAL)
                abort();
            continue;
        }
        if (rc != M365ID_OK || secret < 0 || m365id_ctx_setting(&real, NULL, ctx, names[i]) != 0)
            abort();
        if ((real == NULL) != (displayed == NULL))
            abort();
        if (real == NULL)
            continue;
        if (secret ? strcmp(displayed, "<redacted>") != 0 : strcmp(displayed, real) != 0)
            abort();
        check_no_canary(in, displayed);
        check_no_canary(in, displayed_source);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in;
    m365id_ctx *ctx = NULL;
    char *text = NULL;
    char *line;
    int rc;

    if (dir[0] == '\0')
        make_dir();

    memset(&in, 0, sizeof(in));
    if ((text = malloc(size + 1)) == NULL || (ctx = m365id_ctx_new()) == NULL)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    in.text = (const char *)data;
    in.text_len = size;
    m365id_ctx_set_getenv(ctx, input_getenv, &in);
    m365id_ctx_set_log(ctx, M365ID_LOG_TRACE, input_log, &in);

    /* A NUL byte ends the input's text, as it would end an environment string. */
    line = text;
    while (line != NULL && *line != '\0') {
        char *nl = strchr(line, '\n');

        if (nl != NULL)
            *nl = '\0';
        apply_line(&in, ctx, line);
        line = nl != NULL ? nl + 1 : NULL;
    }

    rc = m365id_ctx_configure(ctx);
    if (rc < 0) {
        const m365id_error *err = m365id_last_error(ctx);

        if (err == NULL || err->code != rc || err->message == NULL || err->message[0] == '\0')
            abort();
        check_no_canary(&in, err->message);
        check_no_canary(&in, err->hint);
        check_no_canary(&in, err->upstream);
    }
    check_settings(&in, ctx, rc == M365ID_OK);

    m365id_ctx_free(ctx);
    free(text);
    return 0;
}
