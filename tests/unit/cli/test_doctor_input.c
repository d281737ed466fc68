/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Unit tests of src/cli/doctor/input.c: regular files are read whole within the limit, a FIFO
 * without a writer is rejected without blocking, a pipe is read only through /dev/fd/N, and
 * directories and missing files are reported with their path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/doctor/input.h"
#include "m365id/error.h"

/* A private temporary folder per test. */
static int setup_dir(void **state)
{
    char *dir = strdup("/tmp/m365id-input-XXXXXX");

    if (dir == NULL || mkdtemp(dir) == NULL)
        return -1;
    *state = dir;
    return 0;
}

static int teardown_dir(void **state)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
    free(*state);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_doctor_input__fd_paths(void **state)
{
    (void)state;
    assert_true(doctor_input_is_fd_path("/dev/fd/63"));
    assert_true(doctor_input_is_fd_path("/proc/self/fd/3"));
    assert_true(doctor_input_is_fd_path("/dev/stdin"));
    assert_false(doctor_input_is_fd_path("/dev/fd/"));
    assert_false(doctor_input_is_fd_path("/dev/fd/6x"));
    assert_false(doctor_input_is_fd_path("/tmp/fifo"));
    assert_false(doctor_input_is_fd_path("/dev/fd/../fd/1"));
}

static void test_doctor_input__regular_file_at_limit_and_one_over(void **state)
{
    struct m365id__buf buf = M365ID__BUF_INIT(16);
    char path[256], why[512];
    int err = -1;
    FILE *fp;

    snprintf(path, sizeof(path), "%s/f", (char *)*state);
    fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs("0123456789abcdef", fp);
    fclose(fp);
    assert_int_equal(doctor_input_read(&buf, path, 0, &err, why, sizeof(why)), 0);
    assert_int_equal(buf.len, 16);
    assert_string_equal(m365id__buf_cstr(&buf), "0123456789abcdef");
    m365id__buf_clear(&buf);

    fp = fopen(path, "ab");
    assert_non_null(fp);
    fputc('!', fp);
    fclose(fp);
    assert_int_equal(doctor_input_read(&buf, path, 0, &err, why, sizeof(why)), M365ID_ETOOBIG);
    assert_non_null(strstr(why, "is larger than the 16 bytes accepted"));
    m365id__buf_clear(&buf);
}

static void test_doctor_input__fifo_is_rejected_without_blocking(void **state)
{
    struct m365id__buf buf = M365ID__BUF_INIT(1024);
    char path[256], why[512];
    int err = -1;

    snprintf(path, sizeof(path), "%s/fifo", (char *)*state);
    assert_int_equal(mkfifo(path, 0600), 0);
    /* Without the non-blocking open, this call would wait for a writer forever. */
    assert_int_equal(doctor_input_read(&buf, path, 1, &err, why, sizeof(why)), M365ID_EINVAL);
    assert_non_null(strstr(why, "is not a regular file: it is a FIFO"));
    assert_non_null(strstr(why, "/dev/fd/N"));
    assert_int_equal(doctor_input_read(&buf, path, 0, &err, why, sizeof(why)), M365ID_EINVAL);
    assert_null(strstr(why, "/dev/fd/N"));
    m365id__buf_clear(&buf);
}

static void test_doctor_input__pipe_through_dev_fd(void **state)
{
    struct m365id__buf buf = M365ID__BUF_INIT(1024);
    char path[64], why[512];
    int fds[2];
    int err = -1;

    (void)state;
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], "kind: Pod\n", 10), 10);
    close(fds[1]);
    snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
    assert_int_equal(doctor_input_read(&buf, path, 1, &err, why, sizeof(why)), 0);
    assert_string_equal(m365id__buf_cstr(&buf), "kind: Pod\n");
    m365id__buf_clear(&buf);
    /* The token file and the service-account folder accept regular files only. */
    assert_int_equal(doctor_input_read(&buf, path, 0, &err, why, sizeof(why)), M365ID_EINVAL);
    close(fds[0]);
}

static void test_doctor_input__directory_and_missing_file(void **state)
{
    struct m365id__buf buf = M365ID__BUF_INIT(1024);
    char path[256], why[512];
    int err = 0;

    assert_int_equal(doctor_input_read(&buf, (char *)*state, 1, &err, why, sizeof(why)),
                     M365ID_EINVAL);
    assert_int_equal(err, EISDIR);
    assert_non_null(strstr(why, "is a directory, not a file"));

    snprintf(path, sizeof(path), "%s/missing", (char *)*state);
    assert_int_equal(doctor_input_read(&buf, path, 1, &err, why, sizeof(why)), M365ID_EIO);
    assert_int_equal(err, ENOENT);
    assert_non_null(strstr(why, "No such file or directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doctor_input__fd_paths),
        cmocka_unit_test_setup_teardown(test_doctor_input__regular_file_at_limit_and_one_over,
                                        setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_doctor_input__fifo_is_rejected_without_blocking,
                                        setup_dir, teardown_dir),
        cmocka_unit_test(test_doctor_input__pipe_through_dev_fd),
        cmocka_unit_test_setup_teardown(test_doctor_input__directory_and_missing_file,
                                        setup_dir, teardown_dir),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
