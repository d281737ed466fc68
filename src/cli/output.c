/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Output of the m365id command: error lines and exit statuses, log lines on stderr, JSON on
 * stdout, and option parsing errors. Commands decide what to print; this file decides how.
 */
#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/quote.h"
#include "util/secret.h"

int cli_exit_for(int code)
{
    switch (code) {
    case M365ID_OK:
        return CLI_EXIT_OK;
    case M365ID_ECONFIG:
    case M365ID_EINVAL:
        return CLI_EXIT_CONFIG;
    case M365ID_ETOKENFILE:
        return CLI_EXIT_TOKENFILE;
    case M365ID_EAUTH:
        return CLI_EXIT_AUTH;
    case M365ID_EGRAPH:
        return CLI_EXIT_GRAPH;
    case M365ID_ENET:
        return CLI_EXIT_NET;
    default:
        return CLI_EXIT_OTHER;
    }
}

/* Write "m365id: <label>: <text>" on one line: control characters (an upstream description
 * may carry "\r\n") become spaces so that every line of output stays one event. */
static void print_line(const char *label, const char *text)
{
    fprintf(stderr, "m365id: %s: ", label);
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++)
        fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, stderr);
    fputc('\n', stderr);
}

int cli_fail_ctx(const m365id_ctx *ctx, int code)
{
    const m365id_error *err = ctx != NULL ? m365id_last_error(ctx) : NULL;
    const char *message = NULL;

    if (err != NULL && err->code != M365ID_OK && err->message != NULL && err->message[0] != '\0')
        message = err->message;
    print_line("error", message != NULL ? message : m365id_strerror(code));
    if (message != NULL && err->hint != NULL && err->hint[0] != '\0')
        print_line("hint", err->hint);
    /* Support needs these ids: Entra ID's trace and correlation ids, or Graph's request-id. */
    if (message != NULL && err->upstream != NULL && err->upstream[0] != '\0')
        print_line(code == M365ID_EGRAPH ? "graph" : "entra", err->upstream);
    return cli_exit_for(code);
}

static void vfail(const char *hint, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void vfail(const char *hint, const char *fmt, va_list ap)
{
    char message[1024];

    vsnprintf(message, sizeof(message), fmt, ap);
    print_line("error", message);
    if (hint != NULL)
        print_line("hint", hint);
}

int cli_fail_usage(const char *command, const char *fmt, ...)
{
    char hint[128];
    va_list ap;

    snprintf(hint, sizeof(hint), "run 'm365id %s%s--help' for the options",
             command != NULL ? command : "", command != NULL ? " " : "");
    va_start(ap, fmt);
    vfail(hint, fmt, ap);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

/* The option text of the last rejected abbreviation, for cli_fail_getopt(). */
static const char *abbreviated_option;

int cli_getopt(int argc, char **argv, const char *short_options, const struct option *options)
{
    const char *written;
    size_t name_len;
    int index = -1;
    int opt;

    abbreviated_option = NULL;
    opt = getopt_long(argc, argv, short_options, options, &index);
    if (opt == -1 || opt == '?' || opt == ':' || index < 0)
        return opt;

    /* The option is argv[optind - 1], or argv[optind - 2] when its value was the next word. */
    written = argv[optind - 1];
    if (optarg != NULL && optarg == argv[optind - 1] && optind >= 2)
        written = argv[optind - 2];
    name_len = strcspn(written + 2, "=");
    if (strncmp(written, "--", 2) == 0 && name_len == strlen(options[index].name) &&
        strncmp(written + 2, options[index].name, name_len) == 0)
        return opt;

    /* getopt_long() accepts unambiguous prefixes, so "--token" would mean "--token-file".
     * Only whole names are accepted, so that no abbreviation can look like a token flag. */
    abbreviated_option = written;
    return '?';
}

int cli_fail_getopt(const char *command, int opt, char **argv)
{
    char name[8];
    const char *shown = argv[optind - 1];

    if (abbreviated_option != NULL)
        return cli_fail_usage(command, "unknown option '%s' (write option names in full)",
                              abbreviated_option);

    /* A long option is shown as written; for a short one optopt names the letter, which may
     * sit inside a cluster such as "-vx". */
    if (strncmp(shown, "--", 2) != 0 && optopt > 0 && optopt < 0x7f) {
        snprintf(name, sizeof(name), "-%c", optopt);
        shown = name;
    }
    if (opt == ':')
        return cli_fail_usage(command, "option '%s' needs a value", shown);
    return cli_fail_usage(command, "unknown option '%s'", shown);
}

int cli_fail(int status, const char *hint, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfail(hint, fmt, ap);
    va_end(ap);
    return status;
}

/* Set once a failed write to stdout has been reported, so that it is reported once. */
static int stdout_failure_reported;

int cli_fail_stdout(int err)
{
    if (!stdout_failure_reported) {
        stdout_failure_reported = 1;
        cli_fail(CLI_EXIT_OTHER, NULL, "cannot write to standard output: %s",
                 strerror(err != 0 ? err : EIO));
    }
    return CLI_EXIT_OTHER;
}

int cli_stdout_close(int status)
{
    int err = 0;
    int failed = 0;

    /*
     * stdio buffers the output, so a full disk or a closed descriptor often shows up only
     * here. When an unchecked write of help text failed earlier, errno still contains its
     * reason, because the help commands return right after writing.
     */
    if (fflush(stdout) != 0) {
        failed = 1;
        err = errno;
    } else if (ferror(stdout)) {
        failed = 1;
        err = errno;
    }
    errno = 0;
    if (fclose(stdout) != 0 && !failed) {
        failed = 1;
        err = errno;
    }
    if (!failed)
        return status;

    cli_fail_stdout(err);
    return status == CLI_EXIT_OK ? CLI_EXIT_OTHER : status;
}

void cli_log_stderr(int level, const char *component, const char *message, void *payload)
{
    (void)payload;
    fprintf(stderr, "m365id: %s %s: %s\n", m365id_log_level_name(level), component, message);
}

void cli_prompt_stderr(const char *verification_uri, const char *user_code, const char *message,
                       void *payload)
{
    struct m365id__quoted quri;
    struct m365id__quoted qcode;

    (void)message;
    (void)payload;
    /* Both come from the network: control characters are escaped before they reach a
     * terminal. */
    m365id__quote(&quri, verification_uri);
    m365id__quote(&qcode, user_code);
    fprintf(stderr, "m365id: to sign in, open %s and enter the code %s\n", quri.text, qcode.text);
    fflush(stderr);
}

/* jansson copies every string it is given, the access token included. Blocks still come from
 * malloc(), so memory that other code releases with free() stays valid; this function only
 * wipes a block before jansson releases it. malloc_usable_size() is a glibc and musl extension. */
static void wipe_free(void *ptr)
{
    if (ptr == NULL)
        return;
    m365id__wipe(ptr, malloc_usable_size(ptr));
    free(ptr);
}

void cli_json_wipe_on_free(void)
{
    json_set_alloc_funcs(malloc, wipe_free);
}

int cli_print_json(const json_t *value)
{
    char *text = json_dumps(value, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    int status = CLI_EXIT_OK;

    if (text == NULL)
        return cli_fail(CLI_EXIT_OTHER, NULL, "could not serialise the JSON output");
    if (fputs(text, stdout) == EOF || fputc('\n', stdout) == EOF)
        status = cli_fail_stdout(errno);

    wipe_free(text); /* it may contain the access token */
    return status;
}

void cli_exit_codes_help(FILE *fp)
{
    fputs("Exit status:\n"
          "  0  success\n"
          "  1  usage error (unknown command or option, missing argument, empty flag\n"
          "     value, unreadable --body file)\n"
          "  2  configuration error (missing or invalid setting, token file path unset),\n"
          "     or unusable input to inspect\n"
          "  3  federated token file error (missing, unreadable, empty, not a JWT, expired,\n"
          "     wrong audience)\n"
          "  4  authentication failed (Entra ID rejected the token request)\n"
          "  5  Microsoft Graph returned an error\n"
          "  6  network error (host unreachable, TLS failure, timeout)\n"
          "  7  other error (unexpected reply, size limit, local I/O such as an unwritable\n"
          "     stdout, memory)\n"
          "  8  doctor: a required check failed\n",
          fp);
}
