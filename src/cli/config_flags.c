/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The configuration flags every command accepts, each mapped to one m365id_ctx_set() key, and
 * the creation of the configured context. The library reads the environment itself.
 */
#include <stddef.h>
#include <stdlib.h>

#include "cli/cli.h"

struct flag_def {
    const char *name;    /* long option without "--"; also the origin shown in messages */
    const char *key;     /* m365id_ctx_set() key */
    const char *metavar; /* argument name in the help text */
    const char *help;    /* what it sets, its unit and the environment variables it overrides */
    const char *env;     /* what applies when the flag is left out, for the empty-value error */
};

/* Indexed by enum cli_flag. */
static const struct flag_def flags[CLI_FLAG_COUNT] = {
    {"auth-method", "auth_method", "METHOD",
     "authentication method: workload_identity, client_secret,\n"
     "                          client_certificate, oidc, oidc_github, oidc_azure_devops,\n"
     "                          managed_identity or device_code (env M365_AUTH_METHOD;\n"
     "                          default workload_identity)",
     "M365_AUTH_METHOD or the default workload_identity"},
    {"cloud", "cloud", "NAME",
     "national cloud: public, dod, gcc, gcchigh, china, ex or rx; selects\n"
     "                          the default authority host, Graph endpoint, scope and\n"
     "                          token audience (env M365_CLOUD, AZURE_CLOUD; default public)",
     "M365_CLOUD, AZURE_CLOUD or the default public"},
    {"tenant-id", "tenant_id", "ID",
     "directory (tenant) id: a GUID or a domain such as\n"
     "                          contoso.onmicrosoft.com (env M365_TENANT_ID, AZURE_TENANT_ID)",
     "M365_TENANT_ID or AZURE_TENANT_ID"},
    {"client-id", "entra_id_options.client_id", "GUID",
     "application (client) id of the app registration\n"
     "                          (env M365_CLIENT_ID, AZURE_CLIENT_ID)",
     "M365_CLIENT_ID or AZURE_CLIENT_ID"},
    {"managed-identity-id", "entra_id_options.managed_identity_id", "ID",
     "user-assigned managed identity for auth method\n"
     "                          managed_identity: its client id (a GUID) or resource id;\n"
     "                          unset selects the system-assigned identity\n"
     "                          (env M365_MANAGED_IDENTITY_ID, AZURE_CLIENT_ID)",
     "M365_MANAGED_IDENTITY_ID, AZURE_CLIENT_ID or the system-assigned identity"},
    {"token-file", "entra_id_options.federated_token_file_path", "PATH",
     "projected service-account token file, read afresh for every\n"
     "                          exchange (env AZURE_FEDERATED_TOKEN_FILE,\n"
     "                          M365_FEDERATED_TOKEN_FILE)",
     "AZURE_FEDERATED_TOKEN_FILE or M365_FEDERATED_TOKEN_FILE"},
    {"authority-host", "authority_host", "URL",
     "Entra ID authority, an https:// URL such as\n"
     "                          https://login.microsoftonline.com/ (env M365_AUTHORITY_HOST,\n"
     "                          AZURE_AUTHORITY_HOST; default from the cloud)",
     "M365_AUTHORITY_HOST, AZURE_AUTHORITY_HOST or the cloud's authority"},
    {"graph-endpoint", "graph_endpoint", "URL",
     "Microsoft Graph root without version, such as\n"
     "                          https://graph.microsoft.com (env M365_GRAPH_ENDPOINT;\n"
     "                          default from the cloud)",
     "M365_GRAPH_ENDPOINT or the cloud's endpoint"},
    {"scope", "scope", "SCOPE",
     "app-only scope ending in /.default (env M365_SCOPE; default\n"
     "                          the cloud's Graph resource + /.default)",
     "M365_SCOPE or the cloud's default scope"},
    {"ca-bundle", "ca_bundle", "FILE",
     "PEM file of CA certificates to trust instead of the system\n"
     "                          store (env M365_CA_BUNDLE)",
     "M365_CA_BUNDLE or the system's CA store"},
    {"timeout", "client_options.timeout_seconds", "SECONDS",
     "time limit of each HTTP attempt, in seconds\n"
     "                          (env M365_TIMEOUT_SECONDS)",
     "M365_TIMEOUT_SECONDS or the default 30"},
    {"retries", "client_options.max_retries", "N",
     "retries after the first attempt when a failure may be\n"
     "                          transient (env M365_MAX_RETRIES)",
     "M365_MAX_RETRIES or the default 3"},
};

void cli_config_flags_add(struct option *opts, size_t *count)
{
    for (size_t i = 0; i < CLI_FLAG_COUNT; i++) {
        opts[*count].name = flags[i].name;
        opts[*count].has_arg = required_argument;
        opts[*count].flag = NULL;
        opts[*count].val = CLI_OPT_FLAG_BASE + (int)i;
        (*count)++;
    }
    opts[*count] = (struct option){NULL, 0, NULL, 0};
}

int cli_config_flags_take(struct cli_options *cli, int opt, const char *value)
{
    const struct flag_def *flag;
    char hint[256];

    if (opt < CLI_OPT_FLAG_BASE || opt >= CLI_OPT_FLAG_BASE + CLI_FLAG_COUNT)
        return 0;

    /* The library treats an empty value as unset, so "--tenant-id $UNSET_VAR" would silently
     * fall back to the environment. */
    flag = &flags[opt - CLI_OPT_FLAG_BASE];
    if (value == NULL || value[0] == '\0') {
        snprintf(hint, sizeof(hint), "give --%s a value, or leave the flag out so that %s applies",
                 flag->name, flag->env);
        cli_fail(CLI_EXIT_USAGE, hint, "option '--%s' has an empty value", flag->name);
        return -1;
    }

    /* A repeated flag: the last one wins, as with most command-line tools. */
    cli->flag_values[opt - CLI_OPT_FLAG_BASE] = value;
    return 1;
}

static int env_is_set(const char *name)
{
    const char *value = getenv(name);

    return value != NULL && value[0] != '\0';
}

int cli_log_level(int verbosity)
{
    int level = M365ID_LOG_WARN + verbosity;

    return level > M365ID_LOG_TRACE ? M365ID_LOG_TRACE : level;
}

int cli_ctx_prepare(m365id_ctx **out, const struct cli_options *cli)
{
    m365id_ctx *ctx = NULL;
    char origin[64];
    int status = CLI_EXIT_OK;
    int rc;

    *out = NULL;
    ctx = m365id_ctx_new();
    if (ctx == NULL)
        return cli_fail(CLI_EXIT_OTHER, NULL, "out of memory creating the context");
    m365id_ctx_set_log(ctx, cli_log_level(cli->verbosity), cli_log_stderr, NULL);
    m365id_ctx_set_prompt(ctx, cli_prompt_stderr, NULL);

    for (size_t i = 0; i < CLI_FLAG_COUNT; i++) {
        if (cli->flag_values[i] == NULL)
            continue;
        snprintf(origin, sizeof(origin), "--%s", flags[i].name);
        if ((rc = m365id_ctx_set(ctx, flags[i].key, cli->flag_values[i], origin)) < 0) {
            status = cli_fail_ctx(ctx, rc);
            goto out;
        }
    }

    /*
     * The provider requires auth_method, but a pod that the webhook mutated carries only the
     * AZURE_* variables, and running in such a pod is this command's main use. So the command
     * supplies workload_identity at the lowest priority: only when neither the flag nor
     * M365_AUTH_METHOD names a method.
     */
    if (cli->flag_values[CLI_FLAG_AUTH_METHOD] == NULL && !env_is_set("M365_AUTH_METHOD")) {
        rc = m365id_ctx_set(ctx, "auth_method", "workload_identity", "default of m365id");
        if (rc < 0) {
            status = cli_fail_ctx(ctx, rc);
            goto out;
        }
    }

    *out = ctx;
    ctx = NULL;

out:
    m365id_ctx_free(ctx);
    return status;
}

int cli_ctx_open(m365id_ctx **out, const struct cli_options *cli)
{
    m365id_ctx *ctx = NULL;
    int status;
    int rc;

    *out = NULL;
    if ((status = cli_ctx_prepare(&ctx, cli)) != CLI_EXIT_OK)
        return status;
    if ((rc = m365id_ctx_configure(ctx)) < 0) {
        status = cli_fail_ctx(ctx, rc);
        m365id_ctx_free(ctx);
        return status;
    }
    *out = ctx;
    return CLI_EXIT_OK;
}

void cli_config_flags_help(FILE *fp)
{
    fputs("Configuration (every command; a flag wins over the environment):\n", fp);
    for (size_t i = 0; i < CLI_FLAG_COUNT; i++) {
        char head[64];

        snprintf(head, sizeof(head), "--%s %s", flags[i].name, flags[i].metavar);
        fprintf(fp, "  %-24s%s\n", head, flags[i].help);
    }
    fputs("  -v, --verbose           log to stderr: -v info, -vv debug, -vvv trace (default:\n"
          "                          warnings only); tokens are never logged\n"
          "\n"
          "Environment variables read when the matching flag is not given:\n"
          "  M365_AUTH_METHOD, M365_CLOUD, AZURE_CLOUD, M365_TENANT_ID, AZURE_TENANT_ID,\n"
          "  M365_CLIENT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE,\n"
          "  M365_FEDERATED_TOKEN_FILE, M365_AUTHORITY_HOST, AZURE_AUTHORITY_HOST,\n"
          "  M365_GRAPH_ENDPOINT, M365_SCOPE, M365_CA_BUNDLE, M365_TIMEOUT_SECONDS,\n"
          "  M365_MAX_RETRIES, and two without a flag:\n"
          "  M365_FEDERATED_TOKEN_AUDIENCE  audience the federated credential expects\n"
          "                                 (default from the cloud, api://AzureADTokenExchange\n"
          "                                 for public)\n"
          "  M365_RETRY_DELAY_SECONDS       base delay of the retry backoff, in seconds\n"
          "An empty variable counts as unset; a flag with an empty value is an error.\n"
          "AZURE_AUTHORITY_HOST, as a workload identity webhook injects it, gives way to an\n"
          "explicit cloud (flag or M365_CLOUD). An authority host and a scope of two different\n"
          "known clouds are a configuration error.\n"
          "Long options are written in full; abbreviations are rejected.\n",
          fp);
}
