/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Entry point of the m365id command: global options, then dispatch to a command. Commands are
 * in cmd_*.c, the configuration flags in config_flags.c, output formatting in output.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv, struct cli_options *cli);
    void (*help)(FILE *fp);
    const char *summary;
};

static void main_help(FILE *fp);
static int cmd_help(int argc, char **argv, struct cli_options *cli);
static int cmd_version(int argc, char **argv, struct cli_options *cli);
static void help_help(FILE *fp);
static void version_help(FILE *fp);

static const struct command commands[] = {
    {"token", cli_cmd_token, cli_cmd_token_help, "print an access token obtained by federation"},
    {"graph", cli_cmd_graph, cli_cmd_graph_help, "send one Microsoft Graph request"},
    {"inspect", cli_cmd_inspect, cli_cmd_inspect_help, "decode a JWT without verifying it"},
    {"doctor", cli_cmd_doctor, cli_cmd_doctor_help,
     "check the workload identity setup and explain what is wrong"},
    {"setup", cli_cmd_setup, cli_cmd_setup_help,
     "render workload identity files; --apply sets up Entra ID"},
    {"help", cmd_help, help_help, "show help for a command"},
    {"version", cmd_version, version_help, "print the version"},
};

static const struct command *command_find(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

static void main_help(FILE *fp)
{
    fputs("Usage: m365id [global options] COMMAND [options]\n"
          "\n"
          "Obtain Microsoft Entra ID access tokens for a Kubernetes workload through workload\n"
          "identity federation (projected service-account token -> client assertion -> token)\n"
          "and call Microsoft Graph with them. No secret is ever taken on the command line.\n"
          "\n"
          "Commands:\n",
          fp);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(fp, "  %-24s%s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "Global options:\n"
          "  -h, --help              show this help; 'm365id help COMMAND' or\n"
          "                          'm365id COMMAND --help' for a command\n"
          "  --version               print the version\n"
          "\n",
          fp);
    cli_config_flags_help(fp);
    fputc('\n', fp);
    cli_exit_codes_help(fp);
}

static void help_help(FILE *fp)
{
    fputs("Usage: m365id help [COMMAND]\n"
          "\n"
          "Show the help of COMMAND, or the overview without one.\n"
          "\n",
          fp);
    cli_exit_codes_help(fp);
}

static void version_help(FILE *fp)
{
    fputs("Usage: m365id version\n"
          "\n"
          "Print \"m365id \" and the version of the command and its library.\n"
          "\n",
          fp);
    cli_exit_codes_help(fp);
}

static int cmd_help(int argc, char **argv, struct cli_options *cli)
{
    const struct command *cmd;

    (void)cli;
    if (argc < 2) {
        main_help(stdout);
        return CLI_EXIT_OK;
    }
    if (argc > 2)
        return cli_fail_usage("help", "unexpected argument '%s'", argv[2]);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        help_help(stdout);
        return CLI_EXIT_OK;
    }
    cmd = command_find(argv[1]);
    if (cmd == NULL)
        return cli_fail_usage(NULL, "unknown command '%s'", argv[1]);
    cmd->help(stdout);
    return CLI_EXIT_OK;
}

static int cmd_version(int argc, char **argv, struct cli_options *cli)
{
    (void)cli;
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        version_help(stdout);
        return CLI_EXIT_OK;
    }
    if (argc > 1)
        return cli_fail_usage("version", "unexpected argument '%s'", argv[1]);
    printf("m365id %s\n", M365ID_VERSION);
    return CLI_EXIT_OK;
}

/*
 * Give each closed standard descriptor a placeholder that fails the way a closed one does:
 * stdin write-only, stdout and stderr read-only. Otherwise the next file or socket opened
 * would take descriptor 1 and receive what is printed, and the final check of stdout in main()
 * would pass.
 */
static void reserve_std_fds(void)
{
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
        int placeholder;

        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        /* open() returns the lowest free descriptor, which is fd. */
        placeholder = open("/dev/null", (fd == STDIN_FILENO ? O_WRONLY : O_RDONLY) | O_NOCTTY);
        if (placeholder >= 0 && placeholder != fd)
            close(placeholder);
    }
}

static int run(int argc, char **argv)
{
    struct cli_options cli = CLI_OPTIONS_INIT;
    struct option opts[CLI_FLAG_COUNT + 4];
    const struct command *cmd;
    size_t nopts = 0;
    int taken;
    int opt;

    cli_json_wipe_on_free();

    opts[nopts++] = (struct option){"verbose", no_argument, NULL, 'v'};
    opts[nopts++] = (struct option){"help", no_argument, NULL, CLI_OPT_HELP};
    opts[nopts++] = (struct option){"version", no_argument, NULL, 'V'};
    cli_config_flags_add(opts, &nopts);

    /* '+': stop at the first non-option, the command; the rest is the command's to parse. */
    opterr = 0;
    while ((opt = cli_getopt(argc, argv, "+:vh", opts)) != -1) {
        if ((taken = cli_config_flags_take(&cli, opt, optarg)) < 0)
            return CLI_EXIT_USAGE;
        if (taken)
            continue;
        switch (opt) {
        case 'v':
            cli.verbosity++;
            break;
        case CLI_OPT_HELP:
            main_help(stdout);
            return CLI_EXIT_OK;
        case 'V':
            return cmd_version(1, argv, &cli);
        default:
            return cli_fail_getopt(NULL, opt, argv);
        }
    }

    if (optind >= argc)
        return cli_fail_usage(NULL,
                              "missing COMMAND (token, graph, inspect, doctor, setup, help or "
                              "version)");
    cmd = command_find(argv[optind]);
    if (cmd == NULL)
        return cli_fail_usage(NULL, "unknown command '%s'", argv[optind]);
    return cmd->run(argc - optind, argv + optind, &cli);
}

int main(int argc, char **argv)
{
    int status;

    reserve_std_fds();
    status = run(argc, argv);

    /* Output lost to a full disk or a closed descriptor must not pass for success. */
    return cli_stdout_close(status);
}
