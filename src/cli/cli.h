/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Declarations shared by the m365id command: exit codes, the options every command accepts,
 * output helpers and the command entry points. Each command lives in its own cmd_*.c file.
 */
#ifndef M365ID_CLI_CLI_H
#define M365ID_CLI_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>

#include "m365id/m365id.h"

/* Exit statuses, documented in --help and docs/man1/m365id.md. */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_USAGE = 1,     /* bad command line */
    CLI_EXIT_CONFIG = 2,    /* M365ID_ECONFIG, M365ID_EINVAL */
    CLI_EXIT_TOKENFILE = 3, /* M365ID_ETOKENFILE */
    CLI_EXIT_AUTH = 4,      /* M365ID_EAUTH */
    CLI_EXIT_GRAPH = 5,     /* M365ID_EGRAPH */
    CLI_EXIT_NET = 6,       /* M365ID_ENET */
    CLI_EXIT_OTHER = 7,     /* M365ID_EPROTO, ETOOBIG, EIO, ENOMEM */
    CLI_EXIT_DOCTOR = 8,    /* `m365id doctor`: a required check failed */
};

/* Settings given as flags, in the order of the flag table in config_flags.c. */
enum cli_flag {
    CLI_FLAG_AUTH_METHOD,
    CLI_FLAG_CLOUD,
    CLI_FLAG_TENANT_ID,
    CLI_FLAG_CLIENT_ID,
    CLI_FLAG_MANAGED_IDENTITY_ID,
    CLI_FLAG_TOKEN_FILE,
    CLI_FLAG_AUTHORITY_HOST,
    CLI_FLAG_GRAPH_ENDPOINT,
    CLI_FLAG_SCOPE,
    CLI_FLAG_CA_BUNDLE,
    CLI_FLAG_TIMEOUT,
    CLI_FLAG_RETRIES,
    CLI_FLAG_COUNT
};

/* getopt_long values of the config flags: CLI_OPT_FLAG_BASE + enum cli_flag. */
#define CLI_OPT_FLAG_BASE 0x100
/* getopt_long value of --help on every command. */
#define CLI_OPT_HELP 'h'
/* getopt_long value of --cache (token and graph), above the config flags' values. */
#define CLI_OPT_CACHE (CLI_OPT_FLAG_BASE + 0x80)

/* Options shared by every command; values point into argv, which outlives them. */
struct cli_options {
    const char *flag_values[CLI_FLAG_COUNT]; /* NULL: not given, the environment decides */
    int verbosity;                           /* number of -v given, before and after COMMAND */
};

#define CLI_OPTIONS_INIT {{NULL}, 0}

/* --- config_flags.c --- */

/**
 * Append the config flags to @p opts at index @p *count and advance @p *count. @p opts must
 * have room for CLI_FLAG_COUNT more entries plus the terminating zero entry.
 */
void cli_config_flags_add(struct option *opts, size_t *count);

/**
 * Store a config flag's value when @p opt (a getopt_long result) is one. Returns 1 when the
 * flag was stored, 0 when @p opt is not a config flag, and -1 after printing a usage error for
 * an empty value.
 */
int cli_config_flags_take(struct cli_options *cli, int opt, const char *value);

/**
 * Create a context with logging at the level chosen by -v, apply the flags and resolve the
 * configuration. On failure the error is printed and the exit status returned; *out is NULL.
 */
int cli_ctx_open(m365id_ctx **out, const struct cli_options *cli);

/**
 * The first half of cli_ctx_open(): create the context, install logging and apply the flags
 * and the default auth method, without m365id_ctx_configure(), so that a caller can report a
 * configuration failure itself. On failure the error is printed and the exit status returned.
 */
int cli_ctx_prepare(m365id_ctx **out, const struct cli_options *cli);

/** Print the config flags, the environment variables read and the precedence rule. */
void cli_config_flags_help(FILE *fp);

/* --- output.c --- */

/** Map a negative M365ID_E* code to the exit status. */
int cli_exit_for(int code);

/**
 * Print "m365id: error: ..." with the hint line and the "entra:" (or, for Graph errors, "graph:")
 * line of upstream ids; return the exit status.
 */
int cli_fail_ctx(const m365id_ctx *ctx, int code);

/** Print a usage error with a hint pointing at @p command's help; return CLI_EXIT_USAGE. */
int cli_fail_usage(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * Call getopt_long() with @p options, and return '?' for a long option written as an
 * abbreviation of its name, which getopt_long() would otherwise accept.
 */
int cli_getopt(int argc, char **argv, const char *short_options, const struct option *options);

/**
 * Report a cli_getopt() failure (@p opt is '?' or ':', with opterr 0 and ':' leading the
 * short options) as a usage error; return CLI_EXIT_USAGE.
 */
int cli_fail_getopt(const char *command, int opt, char **argv);

/** Print a local error (not from the library) with an optional hint; return @p status. */
int cli_fail(int status, const char *hint, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/**
 * Print "cannot write to standard output: <strerror(@p err)>" unless a write failure was
 * already printed; return CLI_EXIT_OTHER.
 */
int cli_fail_stdout(int err);

/**
 * Flush and close stdout and report a write failure that stdio buffered until now. Returns
 * @p status, or CLI_EXIT_OTHER when it was CLI_EXIT_OK and the output could not be written.
 */
int cli_stdout_close(int status);

/** Log callback writing "m365id: <level> <component>: <message>" to stderr. */
void cli_log_stderr(int level, const char *component, const char *message, void *payload);

/** The library log level for @p verbosity, the number of -v flags: WARN and one more each. */
int cli_log_level(int verbosity);

/**
 * Prompt callback for auth method device_code: print "m365id: to sign in, open URI and enter
 * the code CODE" to stderr, so that stdout keeps only the command's output.
 */
void cli_prompt_stderr(const char *verification_uri, const char *user_code, const char *message,
                       void *payload);

/** Install jansson allocation functions that wipe every block on free. Call once, first. */
void cli_json_wipe_on_free(void);

/**
 * Write @p value to stdout as indented JSON and a newline. Returns 0, or an exit status after
 * printing the error.
 */
int cli_print_json(const json_t *value);

/** Print the exit-status table used by every help text. */
void cli_exit_codes_help(FILE *fp);

/* --- cmd_inspect.c: JWT times, shared with doctor --- */

/** Read time claim @p name of @p payload as Unix seconds; 0 when absent or not showable. */
int cli_jwt_time_claim(long long *out, const json_t *payload, const char *name);

/** Write @p s (>= 0) as at most two units, e.g. "59m12s", "3h", "2d4h". */
void cli_format_duration(char *out, size_t size, long long s);

/** Write "in 59m12s", "3h ago", or for an exp (@p is_exp) "expired 3h ago". */
void cli_format_relative(char *out, size_t size, long long t, long long now, int is_exp);

/* --- permission_names.c: suggestions shared by setup and doctor --- */

/* cli_permission_close_names() flag: also suggest names that contain the typed name (of 4
 * characters or more), ignoring case. */
#define CLI_CLOSE_NAMES_SUBSTRING 0x1u

/**
 * Write to @p out (@p size bytes) up to @p max_count names of libm365id's Graph application
 * permission table that are close to @p name: within max(3, length / 4) edits, ignoring case,
 * or as @p flags add. The names are separated by ", "; a name that would not fit is left out
 * with all after it. Returns the number of names written; @p out is "" when it is 0.
 */
size_t cli_permission_close_names(char *out, size_t size, const char *name, size_t max_count,
                                  unsigned int flags);

/* --- commands --- */

/** `m365id token`: @p argv[0] is "token". */
int cli_cmd_token(int argc, char **argv, struct cli_options *cli);
void cli_cmd_token_help(FILE *fp);

/** `m365id graph`: @p argv[0] is "graph". */
int cli_cmd_graph(int argc, char **argv, struct cli_options *cli);
void cli_cmd_graph_help(FILE *fp);

/** `m365id inspect`: @p argv[0] is "inspect". Needs no configuration and no network. */
int cli_cmd_inspect(int argc, char **argv, struct cli_options *cli);
void cli_cmd_inspect_help(FILE *fp);

/** `m365id doctor`: @p argv[0] is "doctor". Exits 8 when a required check fails. */
int cli_cmd_doctor(int argc, char **argv, struct cli_options *cli);
void cli_cmd_doctor_help(FILE *fp);

/**
 * `m365id setup`: @p argv[0] is "setup". Renders the workload identity files; with --apply it
 * first creates the Entra ID side through Graph.
 */
int cli_cmd_setup(int argc, char **argv, struct cli_options *cli);
void cli_cmd_setup_help(FILE *fp);

#endif /* M365ID_CLI_CLI_H */
