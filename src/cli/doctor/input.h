/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Reading the files that `m365id doctor` and `m365id inspect` are given, without blocking on
 * a FIFO or device: regular files always, pipes only when named /dev/fd/N, /proc/self/fd/N
 * or /dev/stdin, as shell process substitution (--pod <(kubectl get pod NAME -o yaml)) does.
 */
#ifndef M365ID_CLI_DOCTOR_INPUT_H
#define M365ID_CLI_DOCTOR_INPUT_H

#include <stddef.h>

#include "util/buf.h"

/* A pipe that delivers no byte for this long is abandoned: its writer is stuck. */
#define DOCTOR_INPUT_PIPE_IDLE_MS 30000

/**
 * Read @p path whole into @p out (which sets the size limit and whether to wipe).
 * Opening never blocks: the file is opened non-blocking and checked with fstat() first.
 * @param allow_pipe  nonzero to accept a pipe, FIFO or socket named /dev/fd/N,
 *                    /proc/self/fd/N or /dev/stdin; anything else that is not a regular file
 *                    is rejected as "not a regular file", as `m365id token` rejects it
 * @param[out] err    errno of a failed open() or read(), EISDIR for a directory, ETIMEDOUT
 *                    for an idle pipe, 0 for the other failures
 * @param why         receives "cannot open 'PATH': REASON" or a similar sentence on failure
 * @return 0; M365ID_EIO when the file cannot be opened or read; M365ID_EINVAL for a directory
 *         or a file that is not regular; M365ID_ETOOBIG past out->max; M365ID_ENOMEM
 */
int doctor_input_read(struct m365id__buf *out, const char *path, int allow_pipe, int *err,
                      char *why, size_t why_size);

/** Nonzero when @p path names an open descriptor: /dev/fd/N, /proc/self/fd/N or /dev/stdin. */
int doctor_input_is_fd_path(const char *path);

/** "a FIFO", "a socket", "a character device"...: the file type of @p mode, for messages. */
const char *doctor_input_type_name(unsigned int mode);

#endif /* M365ID_CLI_DOCTOR_INPUT_H */
