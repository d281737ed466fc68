/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * `m365id graph METHOD PATH`: one Microsoft Graph request with the workload's access token,
 * printing the JSON reply. Token acquisition and paging happen in the library.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cache.h"
#include "cli/cli.h"
#include "util/json.h"
#include "util/limits.h"

enum graph_output { OUTPUT_JSON, OUTPUT_RAW };

static const char *const methods[] = {"GET", "POST", "PATCH", "PUT", "DELETE"};

void cli_cmd_graph_help(FILE *fp)
{
    fputs("Usage: m365id [global options] graph METHOD PATH [--body FILE|-] [--all]\n"
          "                                     [-o json|raw] [--cache] [options]\n"
          "\n"
          "Send one Microsoft Graph request with an access token obtained through workload\n"
          "identity federation, and print the JSON reply on stdout.\n"
          "\n"
          "Arguments:\n"
          "  METHOD                  GET, POST, PATCH, PUT or DELETE (any letter case)\n"
          "  PATH                    path with version and query, such as /v1.0/organization or\n"
          "                          '/v1.0/users?$top=2' (quote it for the shell), or an\n"
          "                          absolute URL on the Graph endpoint\n"
          "\n"
          "Options:\n"
          "  -b, --body FILE         JSON request body read from FILE, or from stdin with '-'\n"
          "                          (POST, PATCH and PUT only; at most 1 MiB)\n"
          "  -a, --all               follow @odata.nextLink and merge every page's \"value\"\n"
          "                          array into one reply\n"
          "  -o, --output FORMAT     json (default): the reply indented; raw: the reply as\n"
          "                          received. A 2xx reply that is not JSON exits with\n"
          "                          status 7; raw prints it first\n",
          fp);
    cli_cache_help(fp);
    fputs("  -h, --help              show this help\n"
          "\n"
          "A Graph error status exits with status 5 and prints Graph's error code and message;\n"
          "403 Authorization_RequestDenied means the token carries no application permission\n"
          "(roles) for the call: grant it to the app and give admin consent.\n"
          "\n",
          fp);
    cli_config_flags_help(fp);
    fputc('\n', fp);
    cli_exit_codes_help(fp);
}

/* Normalise METHOD to upper case into @p out; return 0, or -1 when it is not supported. */
static int method_normalise(char out[8], const char *method)
{
    size_t len = strlen(method);

    if (len == 0 || len >= 8)
        return -1;
    for (size_t i = 0; i <= len; i++) {
        char c = method[i];

        out[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
    }
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (strcmp(out, methods[i]) == 0)
            return 0;
    }
    return -1;
}

/* Read the request body from @p path ("-" is stdin), at most M365ID_REQUEST_BODY_MAX bytes,
 * and check that it is JSON so that a typo fails here rather than as a Graph 400. */
static int body_read(char **out, size_t *len_out, const char *path)
{
    FILE *fp = NULL;
    char *data = NULL;
    char why[160];
    json_t *parsed = NULL;
    struct stat st;
    size_t len = 0;
    int status = CLI_EXIT_OK;

    *out = NULL;
    *len_out = 0;
    fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (fp == NULL) {
        status = cli_fail(CLI_EXIT_USAGE, "pass an existing file to --body, or '-' for stdin",
                          "cannot open body file '%s': %s", path, strerror(errno));
        goto out;
    }
    /* fopen() opens a directory for reading on Linux; only the first read fails. */
    if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
        status = cli_fail(CLI_EXIT_USAGE, "pass a file to --body, or '-' for stdin",
                          "cannot read body file '%s': it is a directory", path);
        goto out;
    }
    data = malloc(M365ID_REQUEST_BODY_MAX + 1);
    if (data == NULL) {
        status = cli_fail(CLI_EXIT_OTHER, NULL, "out of memory reading the body");
        goto out;
    }
    errno = 0;
    len = fread(data, 1, M365ID_REQUEST_BODY_MAX + 1, fp);
    if (ferror(fp)) {
        status = cli_fail(CLI_EXIT_USAGE, "pass a readable file to --body, or '-' for stdin",
                          "cannot read body file '%s': %s", path,
                          strerror(errno != 0 ? errno : EIO));
        goto out;
    }
    if (len > M365ID_REQUEST_BODY_MAX) {
        status = cli_fail(CLI_EXIT_USAGE, NULL, "body file '%s' exceeds %u bytes", path,
                          M365ID_REQUEST_BODY_MAX);
        goto out;
    }
    data[len] = '\0';
    if (m365id__json_parse(&parsed, data, len, why, sizeof(why)) < 0) {
        status = cli_fail(CLI_EXIT_USAGE, "fix the JSON in the body file",
                          "body file '%s' is not JSON: %s", path, why);
        goto out;
    }

    *out = data;
    *len_out = len;
    data = NULL;

out:
    json_decref(parsed);
    free(data);
    if (fp != NULL && fp != stdin)
        fclose(fp);
    return status;
}

/*
 * Print the reply. The library has checked that a -o json reply is JSON. A -o raw reply is
 * requested with M365ID_GRAPH_ANY_BODY and printed as received, so that a proxy's page can be
 * read. A 2xx body that is not JSON then still fails after printing, as with -o json.
 */
static int print_reply(const m365id_graph_response *resp, enum graph_output output)
{
    const char *body = m365id_graph_response_body(resp);
    size_t len = m365id_graph_response_body_len(resp);
    int http_status = m365id_graph_response_status(resp);
    json_t *parsed = NULL;
    int is_json;
    int status;

    is_json = len > 0 && m365id__json_parse(&parsed, body, len, NULL, 0) == 0;
    if (output == OUTPUT_JSON && is_json) {
        status = cli_print_json(parsed);
        json_decref(parsed);
        return status;
    }
    json_decref(parsed);
    if (len > 0 && fwrite(body, 1, len, stdout) != len)
        return cli_fail_stdout(errno);

    /* The same rule as the library's: JSON, or no body with 202, 204 or 205. */
    if (http_status < 200 || http_status > 299 || is_json)
        return CLI_EXIT_OK;
    if (len == 0 && (http_status == 202 || http_status == 204 || http_status == 205))
        return CLI_EXIT_OK;
    if (fflush(stdout) != 0)
        return cli_fail_stdout(errno);
    return cli_fail(CLI_EXIT_OTHER,
                    "Graph always replies with JSON, so a proxy or gateway on the way may have "
                    "replaced the reply: check graph_endpoint (M365_GRAPH_ENDPOINT) and the "
                    "proxy settings (client_options.proxy_url, https_proxy)",
                    "Graph returned HTTP %d with %s (%zu bytes); it was printed as received "
                    "(-o raw)",
                    http_status, len > 0 ? "a body that is not JSON" : "an empty body", len);
}

int cli_cmd_graph(int argc, char **argv, struct cli_options *cli)
{
    struct option opts[CLI_FLAG_COUNT + 7];
    size_t nopts = 0;
    enum graph_output output = OUTPUT_JSON;
    const char *body_path = NULL;
    unsigned int flags = 0;
    char method[8];
    const char *path;
    char *body = NULL;
    size_t body_len = 0;
    m365id_ctx *ctx = NULL;
    m365id_graph_response *resp = NULL;
    struct cli_token token = CLI_TOKEN_INIT;
    int use_cache = 0;
    int status = CLI_EXIT_OK;
    int taken;
    int opt;
    int rc;

    opts[nopts++] = (struct option){"body", required_argument, NULL, 'b'};
    opts[nopts++] = (struct option){"all", no_argument, NULL, 'a'};
    opts[nopts++] = (struct option){"output", required_argument, NULL, 'o'};
    opts[nopts++] = (struct option){"cache", no_argument, NULL, CLI_OPT_CACHE};
    opts[nopts++] = (struct option){"verbose", no_argument, NULL, 'v'};
    opts[nopts++] = (struct option){"help", no_argument, NULL, CLI_OPT_HELP};
    cli_config_flags_add(opts, &nopts);

    optind = 0;
    opterr = 0;
    while ((opt = cli_getopt(argc, argv, ":b:ao:vh", opts)) != -1) {
        if ((taken = cli_config_flags_take(cli, opt, optarg)) < 0)
            return CLI_EXIT_USAGE;
        if (taken)
            continue;
        switch (opt) {
        case 'b':
            body_path = optarg;
            break;
        case 'a':
            flags |= M365ID_GRAPH_ALL_PAGES;
            break;
        case 'o':
            if (strcmp(optarg, "json") == 0) {
                output = OUTPUT_JSON;
                flags &= ~M365ID_GRAPH_ANY_BODY;
            } else if (strcmp(optarg, "raw") == 0) {
                output = OUTPUT_RAW;
                flags |= M365ID_GRAPH_ANY_BODY;
            } else {
                return cli_fail_usage("graph", "unknown output format '%s' (want json or raw)",
                                      optarg);
            }
            break;
        case CLI_OPT_CACHE:
            use_cache = 1;
            break;
        case 'v':
            cli->verbosity++;
            break;
        case CLI_OPT_HELP:
            cli_cmd_graph_help(stdout);
            return CLI_EXIT_OK;
        default:
            return cli_fail_getopt("graph", opt, argv);
        }
    }

    if (argc - optind < 2)
        return cli_fail_usage("graph", "missing %s", argc - optind == 0 ? "METHOD and PATH" : "PATH");
    if (argc - optind > 2)
        return cli_fail_usage("graph", "unexpected argument '%s'", argv[optind + 2]);
    if (method_normalise(method, argv[optind]) < 0) {
        return cli_fail_usage("graph", "unknown method '%s' (want GET, POST, PATCH, PUT or DELETE)",
                              argv[optind]);
    }
    path = argv[optind + 1];
    if (body_path != NULL && (strcmp(method, "GET") == 0 || strcmp(method, "DELETE") == 0))
        return cli_fail_usage("graph", "--body is not used with %s", method);
    if ((flags & M365ID_GRAPH_ALL_PAGES) && strcmp(method, "GET") != 0)
        return cli_fail_usage("graph", "--all pages through GET replies only, not %s", method);

    if (body_path != NULL && (status = body_read(&body, &body_len, body_path)) != CLI_EXIT_OK)
        goto out;

    if ((status = cli_ctx_open(&ctx, cli)) != CLI_EXIT_OK)
        goto out;

    /*
     * The library keeps no token between processes, so the command hands it the cached one.
     * NOTE: a cached token that Graph rejects (a 401 after the app was changed) stays in the file
     * until its refresh time. Run without --cache, or delete the file, to get a new one.
     */
    if (use_cache) {
        if ((status = cli_token_obtain(&token, ctx, 1, cli->verbosity)) != CLI_EXIT_OK)
            goto out;
        rc = m365id_graph_request_with_token(&resp, ctx, token.value, method, path, body,
                                             body_len, flags);
    } else {
        rc = m365id_graph_request(&resp, ctx, method, path, body, body_len, flags);
    }
    if (rc < 0) {
        status = cli_fail_ctx(ctx, rc);
        goto out;
    }
    status = print_reply(resp, output);

out:
    m365id_graph_response_free(resp);
    cli_token_clear(&token);
    m365id_ctx_free(ctx);
    free(body);
    return status;
}
