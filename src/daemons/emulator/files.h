/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * State-directory files: directory creation and atomic replacement, so that readers polling
 * a file never see it half written.
 */
#ifndef M365ID_DAEMONS_EMULATOR_FILES_H
#define M365ID_DAEMONS_EMULATOR_FILES_H

#include <stddef.h>
#include <sys/types.h>

/** Create @p path and missing parents with @p mode. Returns 0 or M365ID_EIO (errno kept). */
int emu_mkdir_p(const char *path, mode_t mode);

/**
 * Replace @p path with @p len bytes: write a temporary file in the same directory with
 * @p mode, fsync it, then rename it over @p path. Returns 0 or M365ID_EIO (errno kept).
 */
int emu_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode);

#endif /* M365ID_DAEMONS_EMULATOR_FILES_H */
