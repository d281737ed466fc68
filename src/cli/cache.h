/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Access-token sources of the commands: the library, or with --cache a per-user token file
 * that consecutive m365id processes share. The file handling is in cache.c.
 */
#ifndef M365ID_CLI_CACHE_H
#define M365ID_CLI_CACHE_H

#include <stdio.h>

#include "m365id/m365id.h"

/* Name of the cache file inside the cache directory. */
#define CLI_CACHE_FILE_NAME "tokens.json"

/* An access token as a command prints or sends it, from the library or from the cache file. */
struct cli_token {
    char *value;          /* NUL-terminated bearer token; wiped by cli_token_clear() */
    long long expires_on; /* Unix seconds */
    long long refresh_on; /* Unix seconds; the cache file serves the token only before this */
    int cached;           /* nonzero: from the library's cache or from the cache file */
};

#define CLI_TOKEN_INIT {NULL, 0, 0, 0}

/**
 * Obtain an access token for the scope configured in @p ctx. Without @p use_cache this is
 * m365id_token_acquire(). With it, a matching token in the per-user cache file is used while
 * the current time is before its refresh_on, and a newly acquired one is written to the file.
 * Problems with the file's content are logged as warnings, and the file is replaced. An unsafe
 * cache directory (not owned by the user, not 0700, a symbolic link) is an error.
 *
 * @param[out] out   filled on success; clear it with cli_token_clear() in every case
 * @param verbosity  number of -v given, which decides the cache's log lines
 * @return CLI_EXIT_OK, or the exit status after the error was printed
 */
int cli_token_obtain(struct cli_token *out, m365id_ctx *ctx, int use_cache, int verbosity);

/** Wipe and free the token in @p token and reset it to CLI_TOKEN_INIT. */
void cli_token_clear(struct cli_token *token);

/** Print the --cache paragraph shared by the help of `token` and `graph`. */
void cli_cache_help(FILE *fp);

#endif /* M365ID_CLI_CACHE_H */
