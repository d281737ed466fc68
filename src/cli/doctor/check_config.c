/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Doctor check 1, "config": resolves the configuration as every command does and shows each
 * setting with its source. It also names the AZURE_* variables the webhook would inject that
 * are missing, a Resource Manager id given as client id, and settings of different clouds.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/doctor/doctor.h"
#include "util/strutil.h"

/* The settings shown, in the order a person checks them. */
static const struct {
    const char *label;
    const char *key;
} shown[] = {
    {"auth method", "auth_method"},
    {"tenant", "tenant_id"},
    {"client id", "entra_id_options.client_id"},
    {"cloud", "cloud"},
    {"token file", "entra_id_options.federated_token_file_path"},
    {"token audience", "federated_token_audience"},
    {"authority", "authority_host"},
    {"Graph endpoint", "graph_endpoint"},
    {"scope", "scope"},
    {"CA bundle", "ca_bundle"},
};

/* The variables the workload identity webhook injects into a pod it mutates. */
static const char *const webhook_vars[] = {"AZURE_CLIENT_ID", "AZURE_TENANT_ID",
                                           "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST"};
#define WEBHOOK_VAR_COUNT (sizeof(webhook_vars) / sizeof(webhook_vars[0]))

static const char *const mutate_fix =
    "label the pod template (not only the Deployment) with azure.workload.identity/use: "
    "\"true\", annotate its ServiceAccount with azure.workload.identity/client-id, then "
    "recreate the pod: the webhook mutates pods only when they are created";

/*
 * Return the Entra ID instance a value belongs to, named by its authority host in the library's
 * cloud table. Clouds that share an authority host (public and gcc; gcchigh and dod) share
 * tenants, so mixing them is not an error. @p kind: 0 cloud name, 1 URL, 2 audience.
 */
static const char *instance_of(const char *value, int kind)
{
    m365id_cloud_info info;

    if (value == NULL)
        return NULL;
    if (kind == 0)
        return m365id_cloud_lookup(&info, value) == M365ID_OK ? info.authority_host : NULL;
    if (kind == 1) {
        if (m365id_cloud_by_authority(&info, value) == M365ID_OK ||
            m365id_cloud_by_graph(&info, value) == M365ID_OK)
            return info.authority_host;
        return NULL;
    }
    for (size_t i = 0; m365id_cloud_at(&info, i); i++) {
        if (strcmp(info.fic_audience, value) == 0)
            return info.authority_host;
    }
    return NULL;
}

/* Write the names of the clouds whose authority host is @p authority_host, each between
 * @p quote and joined by @p separator: "public, gcc" or "'dod' or 'gcchigh'". */
static void instance_clouds(char *buf, size_t size, const char *authority_host,
                            const char *separator, const char *quote)
{
    m365id_cloud_info info;
    size_t used = 0;

    buf[0] = '\0';
    for (size_t i = 0; m365id_cloud_at(&info, i); i++) {
        int n;

        if (strcmp(info.authority_host, authority_host) != 0)
            continue;
        n = snprintf(buf + used, size - used, "%s%s%s%s", used > 0 ? separator : "", quote,
                     info.name, quote);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
}

/* --- raw values, read before the library resolves them --- */

struct raw_value {
    const char *value; /* NULL when unset; never empty */
    char source[64];   /* "--client-id" or "env AZURE_CLIENT_ID" */
};

/* The value the library would pick: the flag, else the first non-empty variable. */
static void raw_lookup(struct raw_value *out, const struct doctor *d, enum cli_flag flag,
                       const char *flag_name, const char *const *envs)
{
    const char *flag_value = doctor_options(d)->cli->flag_values[flag];

    out->value = NULL;
    out->source[0] = '\0';
    if (flag_value != NULL) {
        out->value = flag_value;
        snprintf(out->source, sizeof(out->source), "--%s", flag_name);
        return;
    }
    for (size_t i = 0; envs[i] != NULL; i++) {
        const char *value = getenv(envs[i]);

        if (value != NULL && value[0] != '\0') {
            out->value = value;
            snprintf(out->source, sizeof(out->source), "env %s", envs[i]);
            return;
        }
    }
}

static int is_workload_identity(const struct doctor *d)
{
    static const char *const envs[] = {"M365_AUTH_METHOD", NULL};
    struct raw_value method;

    raw_lookup(&method, d, CLI_FLAG_AUTH_METHOD, "auth-method", envs);
    return method.value == NULL || strcmp(method.value, "workload_identity") == 0;
}

/* Report which of the four variables of a mutated pod are missing, and what that usually
 * means. */
static void check_webhook_vars(struct doctor_check *c)
{
    const char *state[WEBHOOK_VAR_COUNT];
    char missing[160] = "";
    size_t used = 0;
    size_t missing_count = 0;

    for (size_t i = 0; i < WEBHOOK_VAR_COUNT; i++) {
        const char *value = getenv(webhook_vars[i]);

        if (value == NULL) {
            state[i] = "missing";
        } else if (value[0] == '\0') {
            state[i] = "set but empty";
        } else {
            state[i] = "set";
            continue;
        }
        missing_count++;
        used += (size_t)snprintf(missing + used, sizeof(missing) - used, "%s%s",
                                 used > 0 ? ", " : "", webhook_vars[i]);
        if (used >= sizeof(missing))
            used = sizeof(missing) - 1;
    }
    if (missing_count == 0)
        return;

    if (missing_count == WEBHOOK_VAR_COUNT) {
        doctor_finding(c, DOCTOR_WARN, mutate_fix,
                       "none of the four variables the workload identity webhook injects is "
                       "set: a missing set usually means the webhook did not mutate the pod");
    } else {
        doctor_finding(c, DOCTOR_WARN, mutate_fix,
                       "%s missing or empty: a missing set usually means the webhook did not "
                       "mutate the pod, or the value was templated from an empty source",
                       missing);
    }
    for (size_t i = 0; i < WEBHOOK_VAR_COUNT; i++)
        doctor_evidence(c, webhook_vars[i], "%s", state[i]);
}

/* Report an Azure Resource Manager id given where a client id belongs. Resource ids are
 * case-insensitive, so the shape is recognised in any letter case. */
static void check_client_id_shape(struct doctor *d, struct doctor_check *c)
{
    static const char *const envs[] = {"M365_CLIENT_ID", "AZURE_CLIENT_ID", NULL};
    struct raw_value id;
    char fix[1536];
    char show[512];

    raw_lookup(&id, d, CLI_FLAG_CLIENT_ID, "client-id", envs);
    if (id.value == NULL || strncasecmp(id.value, "/subscriptions/", 15) != 0)
        return;
    snprintf(show, sizeof(show), "az identity show --ids '%s' --query clientId -o tsv",
             id.value);
    if (strcmp(id.source, "env AZURE_CLIENT_ID") == 0) {
        /* The webhook copies the ServiceAccount annotation into AZURE_CLIENT_ID. */
        snprintf(fix, sizeof(fix),
                 "set the ServiceAccount annotation azure.workload.identity/client-id (which "
                 "the webhook copies into AZURE_CLIENT_ID) to the identity's client id, a GUID, "
                 "then recreate the pod: %s",
                 show);
    } else if (strcmp(id.source, "env M365_CLIENT_ID") == 0) {
        snprintf(fix, sizeof(fix),
                 "set M365_CLIENT_ID to the identity's client id, a GUID (%s), or unset it: "
                 "M365_CLIENT_ID overrides the AZURE_CLIENT_ID that the webhook sets from the "
                 "ServiceAccount annotation",
                 show);
    } else {
        snprintf(fix, sizeof(fix), "set %s to the identity's client id, a GUID: %s",
                 id.source, show);
    }
    doctor_finding(c, DOCTOR_FAIL, fix,
                   "the client id is an Azure Resource Manager id, not the identity's client id "
                   "(Entra ID answers AADSTS700016: application not found)");
    doctor_evidence(c, "client id", "%s", id.value);
    doctor_evidence(c, "source", "%s", id.source);
    if (m365id__contains_nocase(id.value, "/providers/Microsoft.ManagedIdentity/"))
        doctor_evidence(c, "kind", "user-assigned managed identity (resource id)");
    else
        doctor_evidence(c, "kind", "Azure resource id of another resource type");
}

/* Report an authority, Graph endpoint, scope or audience of another cloud than the others. */
static void check_same_cloud(struct doctor *d, struct doctor_check *c)
{
    static const struct {
        const char *label;
        const char *key;
        int kind; /* 0 cloud name, 1 URL, 2 audience */
    } parts[] = {{"cloud", "cloud", 0},
                 {"authority", "authority_host", 1},
                 {"Graph endpoint", "graph_endpoint", 1},
                 {"scope", "scope", 1},
                 {"token audience", "federated_token_audience", 2}};
    const char *instances[sizeof(parts) / sizeof(parts[0])];
    const char *first = NULL;
    int mixed = 0;

    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        const char *value = doctor_setting(d, parts[i].key, NULL);

        instances[i] = instance_of(value, parts[i].kind);
        if (instances[i] == NULL)
            continue;
        if (first == NULL)
            first = instances[i];
        else if (strcmp(instances[i], first) != 0)
            mixed = 1;
    }
    if (!mixed)
        return;

    doctor_finding(c, DOCTOR_FAIL,
                   "set cloud (--cloud or M365_CLOUD) to the tenant's cloud and unset "
                   "authority_host, graph_endpoint, scope and the token audience, so that all "
                   "come from it; or set each to the same cloud's value",
                   "settings belong to different clouds: Entra ID answers AADSTS90002 (tenant "
                   "not found), 500011 (resource not found) or 900382 (cross-cloud request)");
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        const char *source = NULL;
        const char *value = doctor_setting(d, parts[i].key, &source);
        char clouds[64] = "unknown";

        if (value == NULL)
            continue;
        if (instances[i] != NULL)
            instance_clouds(clouds, sizeof(clouds), instances[i], ", ", "");
        doctor_evidence(c, parts[i].label, "%s -> cloud %s (%s)", value, clouds,
                        source != NULL ? source : "configuration");
    }
}

/* The webhook's variables and the setting each feeds when nothing else sets it. */
static const struct {
    const char *env;
    const char *key;
} webhook_settings[] = {
    {"AZURE_AUTHORITY_HOST", "authority_host"},
    {"AZURE_CLIENT_ID", "entra_id_options.client_id"},
    {"AZURE_TENANT_ID", "tenant_id"},
    {"AZURE_FEDERATED_TOKEN_FILE", "entra_id_options.federated_token_file_path"},
};

/* Nonzero when @p a and @p b are equal apart from case and trailing slashes. */
static int same_value(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    while (la > 0 && a[la - 1] == '/')
        la--;
    while (lb > 0 && b[lb - 1] == '/')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

/*
 * Warn about a webhook variable that is set but not used: a cloud chosen explicitly wins over
 * AZURE_AUTHORITY_HOST, and M365_* variables and flags win over AZURE_*. Requests then go
 * somewhere the pod's environment does not show.
 */
static void check_ignored_vars(struct doctor *d, struct doctor_check *c)
{
    struct doctor_facts *facts = doctor_facts(d);
    const char *cloud_source = NULL;
    const char *cloud = doctor_setting(d, "cloud", &cloud_source);

    for (size_t i = 0; i < sizeof(webhook_settings) / sizeof(webhook_settings[0]); i++) {
        const char *env = webhook_settings[i].env;
        const char *value = getenv(env);
        const char *source = NULL;
        const char *used = doctor_setting(d, webhook_settings[i].key, &source);
        char from_env[64];
        char fix[1024];

        snprintf(from_env, sizeof(from_env), "env %s", env);
        if (value == NULL || value[0] == '\0' || used == NULL ||
            (source != NULL && strcmp(source, from_env) == 0) || same_value(value, used))
            continue;

        if (strcmp(env, "AZURE_AUTHORITY_HOST") == 0 && source != NULL &&
            m365id__starts_with(source, "default for cloud")) {
            snprintf(fix, sizeof(fix),
                     "to send token requests to '%s', set M365_AUTHORITY_HOST (or "
                     "--authority-host) to it, which wins over the cloud, or remove the cloud "
                     "setting (%s) so that AZURE_AUTHORITY_HOST applies",
                     value, cloud_source != NULL ? cloud_source : "cloud");
            doctor_finding(c, DOCTOR_WARN, fix,
                           "AZURE_AUTHORITY_HOST is ignored: cloud '%s' (%s) is set, and the "
                           "cloud's authority host wins over AZURE_AUTHORITY_HOST",
                           cloud != NULL ? cloud : "?",
                           cloud_source != NULL ? cloud_source : "configuration");
            free(facts->ignored_authority);
            facts->ignored_authority = m365id__strdup(value);
        } else {
            snprintf(fix, sizeof(fix),
                     "if %s holds the value to use, unset %s; otherwise make the two equal",
                     env, source != NULL ? source : "the other setting");
            doctor_finding(c, DOCTOR_WARN, fix, "%s is ignored: %s takes precedence", env,
                           source != NULL ? source : "another setting");
        }
        doctor_evidence(c, env, "%s (ignored)", value);
        doctor_evidence(c, "used instead", "%s (%s)", used,
                        source != NULL ? source : "configuration");
    }
}

/* The library's reason for rejecting the configuration, as a finding. */
static void report_configure_error(struct doctor_check *c, const m365id_ctx *ctx, int rc)
{
    const m365id_error *err = m365id_last_error(ctx);
    const char *message = err != NULL && err->message != NULL && err->message[0] != '\0'
                              ? err->message
                              : m365id_strerror(rc);
    const char *hint = err != NULL && err->hint != NULL && err->hint[0] != '\0' ? err->hint
                                                                                 : NULL;

    const char *start = strstr(message, "authority host '");
    m365id_cloud_info info;
    char authority[512] = "";
    char clouds[128];
    char fix[1024];

    /* The library's hint for settings of different clouds names an example cloud; name the
     * clouds of the authority host instead. NOTE: a context whose configuration failed
     * returns no settings, so the host is taken from the library's message, which quotes it
     * as "authority host 'URL' (SOURCE) belongs to cloud ...". */
    if (start != NULL && strstr(message, "belongs to cloud") != NULL) {
        start += strlen("authority host '");
        snprintf(authority, sizeof(authority), "%.*s", (int)strcspn(start, "'"), start);
    }
    if (authority[0] != '\0' && m365id_cloud_by_authority(&info, authority) == M365ID_OK) {
        instance_clouds(clouds, sizeof(clouds), info.authority_host, " or ", "'");
        snprintf(fix, sizeof(fix),
                 "set cloud or M365_CLOUD to the tenant's cloud, which is %s for authority "
                 "host '%s', and leave authority_host, graph_endpoint and scope unset so that "
                 "all come from it; or set each to the same cloud's value",
                 clouds, authority);
        hint = fix;
    }
    doctor_finding(c, DOCTOR_FAIL, hint, "the configuration is not usable: %s", message);
    if (strstr(message, "token file") != NULL && strstr(message, "not set") != NULL)
        doctor_evidence(c, "cause", "a missing token file setting usually means the webhook "
                                    "did not mutate the pod");
}

/*
 * Turn off the retries of a federated credential mismatch in @p ctx, which is already
 * configured with the user's settings, so that their values were validated first. The exchange
 * check explains a mismatch, propagation delay included, instead of waiting up to a minute for
 * it to pass. The second configure would log what the first did, so it runs without logging.
 */
static int no_mismatch_retries(struct doctor *d, m365id_ctx *ctx)
{
    int rc;

    m365id_ctx_set_log(ctx, M365ID_LOG_ERROR, NULL, NULL);
    if ((rc = m365id_ctx_set(ctx, "client_options.federated_credential_retries", "0",
                             "doctor")) == 0)
        rc = m365id_ctx_configure(ctx);
    m365id_ctx_set_log(ctx, cli_log_level(doctor_options(d)->cli->verbosity), cli_log_stderr,
                       NULL);
    return rc;
}

void doctor_check_config(struct doctor *d)
{
    struct doctor_check *c = doctor_check_begin(d, "config", "configuration and the source of "
                                                "each setting", 1);
    struct doctor_facts *facts = doctor_facts(d);
    m365id_ctx *ctx = NULL;
    int rc;

    if (is_workload_identity(d))
        check_webhook_vars(c);
    check_client_id_shape(d, c);

    if (cli_ctx_prepare(&ctx, doctor_options(d)->cli) != CLI_EXIT_OK) {
        doctor_finding(c, DOCTOR_FAIL, NULL, "the context could not be created (see the error "
                                             "above)");
        return;
    }
    if ((rc = m365id_ctx_configure(ctx)) < 0 || (rc = no_mismatch_retries(d, ctx)) < 0) {
        report_configure_error(c, ctx, rc);
        m365id_ctx_free(ctx);
        return;
    }
    facts->ctx = ctx;

    doctor_finding(c, DOCTOR_PASS, NULL, "the configuration resolves; each value with its "
                                         "source");
    for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
        const char *source = NULL;
        const char *value = doctor_setting(d, shown[i].key, &source);

        if (value == NULL)
            doctor_evidence(c, shown[i].label, "(not set)");
        else
            doctor_evidence(c, shown[i].label, "%s (%s)", value,
                            source != NULL ? source : "configuration");
    }
    check_same_cloud(d, c);
    check_ignored_vars(d, c);

    /* Facts for the later checks, borrowed from the context. */
    m365id_ctx_setting(&facts->auth_method, NULL, ctx, "auth_method");
    m365id_ctx_setting(&facts->tenant_id, NULL, ctx, "tenant_id");
    m365id_ctx_setting(&facts->client_id, NULL, ctx, "entra_id_options.client_id");
    m365id_ctx_setting(&facts->cloud, NULL, ctx, "cloud");
    m365id_ctx_setting(&facts->token_file, NULL, ctx,
                       "entra_id_options.federated_token_file_path");
    m365id_ctx_setting(&facts->expected_audience, NULL, ctx, "federated_token_audience");
}
