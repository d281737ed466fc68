/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * `m365id token`: obtain an access token and print it, raw or as JSON with its decoded claims
 * and the non-secret claims of the federated assertion. This is the one command that prints a
 * token, to stdout and on purpose.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cache.h"
#include "cli/cli.h"
#include "util/jwt.h"
#include "util/limits.h"
#include "util/secret.h"
#include "util/strutil.h"
#include "util/timeutil.h"

enum token_output { OUTPUT_RAW, OUTPUT_JSON };

void cli_cmd_token_help(FILE *fp)
{
    fputs("Usage: m365id [global options] token [--scope SCOPE] [-o raw|json] [--cache]\n"
          "                                     [options]\n"
          "\n"
          "Exchange the workload's federated token (the projected service-account token file)\n"
          "for a Microsoft Entra ID access token and print it on stdout.\n"
          "\n"
          "Options:\n"
          "  -o, --output FORMAT     raw (default): the access token and a newline;\n"
          "                          json: token_type, access_token, expires_on (Unix seconds),\n"
          "                          expires_on_utc (RFC 3339), refresh_on (Unix seconds),\n"
          "                          scope, cached, claims and assertion\n",
          fp);
    cli_cache_help(fp);
    fputs("  -h, --help              show this help\n"
          "\n"
          "In JSON output, \"claims\" holds aud, iss, tid, appid, roles, scp (delegated\n"
          "tokens only), idtyp and exp decoded\n"
          "from the access token WITHOUT verifying its signature (roles is [] when the token\n"
          "has none), and \"assertion\" holds the file path and the iss, sub, aud and exp\n"
          "claims of the federated token plus expires_in_s (seconds left). The federated\n"
          "token itself is never printed.\n"
          "\n",
          fp);
    cli_config_flags_help(fp);
    fputc('\n', fp);
    cli_exit_codes_help(fp);
}

/* Copy the claims a reader needs from the unverified access token, or null when the token is
 * not a JWT (Entra may issue opaque tokens for some resources). */
static json_t *access_token_claims(const char *token)
{
    /* "scp" contains the delegated permissions of a token issued for a user (device_code). */
    static const char *const names[] = {"aud",   "iss", "tid", "appid", "roles",
                                        "scp",   "idtyp", "exp"};
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    json_t *claims = NULL;

    if (m365id__jwt_parse(&jwt, token, strlen(token), NULL) < 0)
        return json_null();

    claims = json_object();
    for (size_t i = 0; claims != NULL && i < sizeof(names) / sizeof(names[0]); i++) {
        json_t *value = json_object_get(jwt.payload, names[i]);

        if (value != NULL)
            json_object_set(claims, names[i], value);
        else if (strcmp(names[i], "roles") == 0)
            json_object_set_new(claims, "roles", json_array()); /* Entra omits an empty list */
    }

    m365id__jwt_clear(&jwt);
    return claims != NULL ? claims : json_null();
}

/* Read the federated token file into a secret; errors become a short text for the output. */
static int read_assertion(struct m365id__secret **out, const char *path, const char **why)
{
    char *data = NULL;
    size_t len = 0;
    FILE *fp = NULL;
    int rc = -1;

    *out = NULL;
    fp = fopen(path, "rb");
    if (fp == NULL) {
        *why = strerror(errno);
        goto out;
    }
    data = malloc(M365ID_TOKEN_FILE_MAX + 1);
    if (data == NULL) {
        *why = "out of memory";
        goto out;
    }
    len = fread(data, 1, M365ID_TOKEN_FILE_MAX + 1, fp);
    if (ferror(fp)) {
        *why = "read failed";
        goto out;
    }
    if (len > M365ID_TOKEN_FILE_MAX) {
        *why = "file exceeds the size limit";
        goto out;
    }
    if (m365id__secret_new(out, data, len) < 0) {
        *why = "out of memory";
        goto out;
    }
    rc = 0;

out:
    if (data != NULL) {
        m365id__wipe(data, len);
        free(data);
    }
    if (fp != NULL)
        fclose(fp);
    return rc;
}

/* Describe the assertion by its non-secret claims: file, iss, sub, aud, exp, expires_in_s. */
static json_t *assertion_summary(const char *path)
{
    static const char *const names[] = {"iss", "sub", "aud", "exp"};
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    struct m365id__secret *assertion = NULL;
    enum m365id__jwt_fault fault = M365ID__JWT_OK;
    const char *why = NULL;
    const char *start;
    json_t *summary = NULL;
    json_t *exp;
    size_t len;

    if (path == NULL)
        return json_null();
    summary = json_object();
    if (summary == NULL)
        return json_null();
    json_object_set_new(summary, "file", json_string(path));

    /* NOTE: the file is read again after the exchange. If the kubelet replaced it in between,
     * these are the claims of the newer token, not of the one that was exchanged. */
    if (read_assertion(&assertion, path, &why) < 0) {
        json_object_set_new(summary, "error", json_string(why));
        goto out;
    }
    start = m365id__trim(assertion->data, assertion->len, &len);
    if (m365id__jwt_parse(&jwt, start, len, &fault) < 0) {
        json_object_set_new(summary, "error", json_string(m365id__jwt_fault_text(fault)));
        goto out;
    }

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        json_t *value = json_object_get(jwt.payload, names[i]);

        json_object_set(summary, names[i], value != NULL ? value : json_null());
    }
    exp = json_object_get(jwt.payload, "exp");
    if (json_is_integer(exp))
        json_object_set_new(summary, "expires_in_s",
                            json_integer(json_integer_value(exp) - m365id__now_s()));

out:
    m365id__jwt_clear(&jwt);
    m365id__secret_free(assertion);
    return summary;
}

static int print_token_json(m365id_ctx *ctx, const struct cli_token *token)
{
    const char *scope = NULL;
    const char *token_file = NULL;
    const char *method = NULL;
    char expires_utc[32];
    json_t *doc = NULL;
    int status;

    m365id_ctx_setting(&scope, NULL, ctx, "scope");
    m365id_ctx_setting(&method, NULL, ctx, "auth_method");
    /* Only workload identity sends the file's token, even when the variable is set for another
     * method. */
    if (method == NULL || strcmp(method, "workload_identity") == 0)
        m365id_ctx_setting(&token_file, NULL, ctx, "entra_id_options.federated_token_file_path");
    m365id__format_rfc3339(expires_utc, sizeof(expires_utc), token->expires_on);

    doc = json_object();
    if (doc == NULL)
        return cli_fail(CLI_EXIT_OTHER, NULL, "out of memory building the JSON output");
    json_object_set_new(doc, "token_type", json_string("Bearer"));
    json_object_set_new(doc, "access_token", json_string(token->value));
    json_object_set_new(doc, "expires_on", json_integer(token->expires_on));
    json_object_set_new(doc, "expires_on_utc", json_string(expires_utc));
    json_object_set_new(doc, "refresh_on", json_integer(token->refresh_on));
    json_object_set_new(doc, "scope", scope != NULL ? json_string(scope) : json_null());
    json_object_set_new(doc, "cached", json_boolean(token->cached));
    json_object_set_new(doc, "claims", access_token_claims(token->value));
    json_object_set_new(doc, "assertion", assertion_summary(token_file));

    status = cli_print_json(doc);
    json_decref(doc);
    return status;
}

int cli_cmd_token(int argc, char **argv, struct cli_options *cli)
{
    struct option opts[CLI_FLAG_COUNT + 5];
    size_t nopts = 0;
    enum token_output output = OUTPUT_RAW;
    m365id_ctx *ctx = NULL;
    struct cli_token token = CLI_TOKEN_INIT;
    int use_cache = 0;
    int status = CLI_EXIT_OK;
    int taken;
    int opt;

    opts[nopts++] = (struct option){"output", required_argument, NULL, 'o'};
    opts[nopts++] = (struct option){"cache", no_argument, NULL, CLI_OPT_CACHE};
    opts[nopts++] = (struct option){"verbose", no_argument, NULL, 'v'};
    opts[nopts++] = (struct option){"help", no_argument, NULL, CLI_OPT_HELP};
    cli_config_flags_add(opts, &nopts);

    optind = 0;
    opterr = 0;
    while ((opt = cli_getopt(argc, argv, ":o:vh", opts)) != -1) {
        if ((taken = cli_config_flags_take(cli, opt, optarg)) < 0)
            return CLI_EXIT_USAGE;
        if (taken)
            continue;
        switch (opt) {
        case 'o':
            if (strcmp(optarg, "raw") == 0) {
                output = OUTPUT_RAW;
            } else if (strcmp(optarg, "json") == 0) {
                output = OUTPUT_JSON;
            } else {
                return cli_fail_usage("token", "unknown output format '%s' (want raw or json)",
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
            cli_cmd_token_help(stdout);
            return CLI_EXIT_OK;
        default:
            return cli_fail_getopt("token", opt, argv);
        }
    }
    if (optind < argc)
        return cli_fail_usage("token", "unexpected argument '%s'", argv[optind]);

    if ((status = cli_ctx_open(&ctx, cli)) != CLI_EXIT_OK)
        goto out;

    /* For the scope resolved by configure (--scope, M365_SCOPE or the cloud's default). */
    if ((status = cli_token_obtain(&token, ctx, use_cache, cli->verbosity)) != CLI_EXIT_OK)
        goto out;

    if (output == OUTPUT_JSON) {
        status = print_token_json(ctx, &token);
    } else if (puts(token.value) == EOF) {
        status = cli_fail_stdout(errno);
    }

out:
    cli_token_clear(&token);
    m365id_ctx_free(ctx);
    return status;
}
