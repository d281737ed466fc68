/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The non-blocking file reader behind --pod, --service-account, --federated-credential, the
 * token file, the --kube-dir files and `m365id inspect FILE`. Parsing what was read happens
 * in the callers.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/doctor/input.h"
#include "m365id/error.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/strutil.h"

int doctor_input_is_fd_path(const char *path)
{
    const char *digits = NULL;

    if (strcmp(path, "/dev/stdin") == 0)
        return 1;
    if (m365id__starts_with(path, "/dev/fd/"))
        digits = path + strlen("/dev/fd/");
    else if (m365id__starts_with(path, "/proc/self/fd/"))
        digits = path + strlen("/proc/self/fd/");
    return digits != NULL && digits[0] != '\0' &&
           digits[strspn(digits, "0123456789")] == '\0';
}

const char *doctor_input_type_name(unsigned int mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG:
        return "a regular file";
    case S_IFDIR:
        return "a directory";
    case S_IFIFO:
        return "a FIFO";
    case S_IFSOCK:
        return "a socket";
    case S_IFCHR:
        return "a character device";
    case S_IFBLK:
        return "a block device";
    default:
        return "a special file";
    }
}

/* Wait until @p fd is readable; 0 when it is, -1 with errno ETIMEDOUT or poll's error. */
static int wait_readable(int fd)
{
    struct pollfd pfd = {fd, POLLIN, 0};
    int n;

    do {
        n = poll(&pfd, 1, DOCTOR_INPUT_PIPE_IDLE_MS);
    } while (n < 0 && errno == EINTR);
    if (n == 0)
        errno = ETIMEDOUT;
    return n > 0 ? 0 : -1;
}

int doctor_input_read(struct m365id__buf *out, const char *path, int allow_pipe, int *err,
                      char *why, size_t why_size)
{
    struct m365id__quoted q;
    char chunk[8192];
    struct stat st;
    int is_pipe;
    int fd = -1;
    int rc = 0;

    *err = 0;
    m365id__quote(&q, path);

    /* O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        *err = errno;
        snprintf(why, why_size, "cannot open '%s': %s", q.text, strerror(*err));
        rc = M365ID_EIO;
        goto out;
    }
    if (fstat(fd, &st) < 0) {
        *err = errno;
        snprintf(why, why_size, "cannot read '%s': %s", q.text, strerror(*err));
        rc = M365ID_EIO;
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        *err = EISDIR;
        snprintf(why, why_size, "'%s' is a directory, not a file", q.text);
        rc = M365ID_EINVAL;
        goto out;
    }
    is_pipe = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
    if (!S_ISREG(st.st_mode) && !(is_pipe && allow_pipe && doctor_input_is_fd_path(path))) {
        snprintf(why, why_size, "'%s' is not a regular file: it is %s%s", q.text,
                 doctor_input_type_name((unsigned int)st.st_mode),
                 is_pipe && allow_pipe ? ", and a pipe is read only as /dev/fd/N, the name "
                                         "that <(command) passes"
                                       : "");
        rc = M365ID_EINVAL;
        goto out;
    }

    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && is_pipe) {
            if (wait_readable(fd) == 0)
                continue;
        }
        if (n < 0) {
            *err = errno;
            snprintf(why, why_size, "cannot read '%s': %s%s", q.text, strerror(*err),
                     *err == ETIMEDOUT ? " (the pipe sent nothing for 30 s)" : "");
            rc = M365ID_EIO;
            goto out;
        }
        if (n == 0)
            break;
        if ((rc = m365id__buf_put(out, chunk, (size_t)n)) < 0) {
            if (rc == M365ID_ETOOBIG)
                snprintf(why, why_size, "'%s' is larger than the %zu bytes accepted", q.text,
                         out->max);
            goto out;
        }
    }

out:
    m365id__wipe(chunk, sizeof(chunk));
    if (fd >= 0)
        close(fd);
    if (rc == M365ID_ENOMEM)
        snprintf(why, why_size, "out of memory reading '%s'", q.text);
    return rc;
}
