/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Suggestions for a misspelt Microsoft Graph application permission: the names of libm365id's
 * permission table close to what the user typed, for the messages of setup and doctor.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/strutil.h"

/* Maximum name length compared; a longer name is close to no other. */
#define NAME_MAX_LEN 127

/* Edit distance between @p a and @p b ignoring case, or (size_t)-1 when either is longer
 * than NAME_MAX_LEN. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t row[NAME_MAX_LEN + 1];
    size_t la = strlen(a);
    size_t lb = strlen(b);

    if (la > NAME_MAX_LEN || lb > NAME_MAX_LEN)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];

        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t above = row[j];
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = diagonal + cost;

            if (above + 1 < best)
                best = above + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diagonal = above;
            row[j] = best;
        }
    }
    return row[lb];
}

size_t cli_permission_close_names(char *out, size_t size, const char *name, size_t max_count,
                                  unsigned int flags)
{
    /* A quarter of the name's length, but at least 3 edits, counts as close. */
    size_t limit = strlen(name) / 4 > 3 ? strlen(name) / 4 : 3;
    size_t used = 0;
    size_t written = 0;
    const char *candidate;

    out[0] = '\0';
    for (size_t i = 0; written < max_count && m365id_graph_app_role_at(i, &candidate, NULL); i++) {
        int n;

        if (edit_distance(name, candidate) > limit &&
            !((flags & CLI_CLOSE_NAMES_SUBSTRING) != 0 && strlen(name) >= 4 &&
              m365id__contains_nocase(candidate, name)))
            continue;
        n = snprintf(out + used, size - used, "%s%s", used > 0 ? ", " : "", candidate);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
        written++;
    }
    return written;
}
