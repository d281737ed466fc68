/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Corpus replay for builds without libFuzzer: main() feeds the empty input and then every
 * regular file of the directory in argv[1], in name order, to LLVMFuzzerTestOneInput(). A
 * crash or sanitizer report fails the run, and so does an empty or unreadable corpus.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Inputs larger than this are not seeds: reject them rather than replaying them slowly. */
#define REPLAY_INPUT_MAX (1024u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Read @p path into a buffer of exactly its size, so that the sanitizers catch a read one byte
 * past the end as libFuzzer's own copies do. Returns 0, or -1 after printing why.
 */
static int read_input(uint8_t **out, size_t *size_out, const char *path)
{
    FILE *f = NULL;
    uint8_t *data = NULL;
    struct stat st;
    size_t size;
    int rc = -1;

    *out = NULL;
    *size_out = 0;
    f = fopen(path, "rb");
    if (f == NULL || fstat(fileno(f), &st) < 0) {
        fprintf(stderr, "replay: cannot open '%s': %s\n", path, strerror(errno));
        goto out;
    }
    if (st.st_size > (off_t)REPLAY_INPUT_MAX) {
        fprintf(stderr, "replay: '%s' is %lld bytes, more than the %u a seed may have\n", path,
                (long long)st.st_size, REPLAY_INPUT_MAX);
        goto out;
    }
    size = (size_t)st.st_size;
    data = malloc(size > 0 ? size : 1);
    if (data == NULL) {
        fprintf(stderr, "replay: out of memory reading '%s'\n", path);
        goto out;
    }
    if (size > 0 && fread(data, 1, size, f) != size) {
        fprintf(stderr, "replay: short read from '%s'\n", path);
        goto out;
    }

    *out = data;
    *size_out = size;
    data = NULL;
    rc = 0;

out:
    free(data);
    if (f != NULL)
        fclose(f);
    return rc;
}

/* Skip ".", ".." and hidden files; main() then skips whatever is not a regular file. */
static int is_input_name(const struct dirent *de)
{
    return de->d_name[0] != '.';
}

int main(int argc, char **argv)
{
    struct dirent **names = NULL;
    char path[4096];
    size_t replayed = 0;
    int count;
    int rc = 1;

    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    count = scandir(argv[1], &names, is_input_name, alphasort);
    if (count < 0) {
        fprintf(stderr, "replay: cannot read corpus directory '%s': %s\n", argv[1],
                strerror(errno));
        return 1;
    }

    /* libFuzzer always tries the empty input first; do the same. */
    (void)LLVMFuzzerTestOneInput((const uint8_t *)"", 0);

    for (int i = 0; i < count; i++) {
        struct stat st;
        uint8_t *data = NULL;
        size_t size = 0;
        int n = snprintf(path, sizeof(path), "%s/%s", argv[1], names[i]->d_name);

        if (n < 0 || (size_t)n >= sizeof(path)) {
            fprintf(stderr, "replay: path of '%s' is too long\n", names[i]->d_name);
            goto out;
        }
        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        if (read_input(&data, &size, path) < 0)
            goto out;
        printf("replay: %s (%zu bytes)\n", path, size);
        fflush(stdout);
        (void)LLVMFuzzerTestOneInput(data, size);
        free(data);
        replayed++;
    }

    if (replayed == 0) {
        fprintf(stderr, "replay: corpus directory '%s' contains no input files\n", argv[1]);
        goto out;
    }
    printf("replay: %zu inputs from '%s' passed\n", replayed, argv[1]);
    rc = 0;

out:
    for (int i = 0; i < count; i++)
        free(names[i]);
    free(names);
    return rc;
}
