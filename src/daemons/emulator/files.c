/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Directory creation and atomic file replacement (temporary file, fsync, rename).
 */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "m365id/error.h"

int emu_mkdir_p(const char *path, mode_t mode)
{
    char buf[4096];
    size_t len = strlen(path);
    size_t i;

    if (len == 0 || len >= sizeof(buf)) {
        errno = ENAMETOOLONG;
        return M365ID_EIO;
    }
    memcpy(buf, path, len + 1);
    for (i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        buf[i] = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
            return M365ID_EIO;
        if (i < len)
            buf[i] = '/';
    }
    return 0;
}

int emu_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
    char tmp[4096];
    size_t done = 0;
    int fd = -1;
    int saved;
    int rc = M365ID_EIO;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return M365ID_EIO;
    }
    fd = mkstemp(tmp);
    if (fd < 0)
        return M365ID_EIO;
    if (fchmod(fd, mode) < 0)
        goto out;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto out;
        done += (size_t)n;
    }
    if (fsync(fd) < 0)
        goto out;
    if (close(fd) < 0) {
        fd = -1;
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) < 0)
        goto out;
    rc = 0;

out:
    saved = errno;
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        unlink(tmp);
    errno = saved;
    return rc;
}
