/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Writing an input to the file that the code under test reads by path, for the fuzz targets
 * whose input is a file's content.
 */
#ifndef M365ID_FUZZ_FUZZ_FILE_H
#define M365ID_FUZZ_FUZZ_FILE_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

/* Replace the content of file @p path with @p size bytes of @p data (mode 0600 when new);
 * returns 0 or -1. */
static inline int fuzz_file_write(const char *path, const uint8_t *data, size_t size)
{
    size_t done = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd < 0)
        return -1;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);

        if (n <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    return close(fd);
}

#endif /* M365ID_FUZZ_FUZZ_FILE_H */
