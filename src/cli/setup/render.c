/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The artefacts of `m365id setup`, rendered from one setup_spec so that they agree: the
 * Azure CLI script, the federated credential JSON, the ServiceAccount and Job manifests and
 * two provider blocks. Writing them to a directory or to stdout is at the end of the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/setup/setup.h"
#include "util/quote.h"

/*
 * Token path of the workload identity guide and of azure-workload-identity up to v1.5. v1.6
 * mounts the token elsewhere, but it also sets AZURE_FEDERATED_TOKEN_FILE, which the provider
 * reads before the provider block's path.
 */
#define SETUP_TOKEN_PATH "/var/run/secrets/azure/tokens/azure-identity-token"
/* Registry address of the microsoft365 provider. */
#define SETUP_PROVIDER_SOURCE "deploymenttheory/microsoft365"

/* A buffer whose first failure sticks, so that rendering reads as a list of lines. */
struct out {
    struct m365id__buf *buf;
    int rc;
};

static void out_puts(struct out *o, const char *s)
{
    if (o->rc == 0)
        o->rc = m365id__buf_puts(o->buf, s);
}

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
    va_list ap;

    if (o->rc != 0)
        return;
    va_start(ap, fmt);
    o->rc = m365id__buf_vprintf(o->buf, fmt, ap);
    va_end(ap);
}

/* "<indent>key: "value"\n" with the value YAML-quoted. */
static void out_yaml(struct out *o, const char *indent, const char *key, const char *value)
{
    out_printf(o, "%s%s: ", indent, key);
    if (o->rc == 0)
        o->rc = setup_yaml_quote(o->buf, value);
    out_puts(o, "\n");
}

/* "NAME='value'\n" with the value shell-quoted. */
static void out_shell_var(struct out *o, const char *name, const char *value)
{
    out_printf(o, "%s=", name);
    if (o->rc == 0)
        o->rc = setup_shell_quote(o->buf, value);
    out_puts(o, "\n");
}

/* "<indent>key = "value"\n" with the value HCL-quoted; @p pad aligns the '='. */
static void out_hcl(struct out *o, const char *indent, const char *key, int pad, const char *value)
{
    out_printf(o, "%s%-*s = ", indent, pad, key);
    if (o->rc == 0)
        o->rc = setup_hcl_quote(o->buf, value);
    out_puts(o, "\n");
}

/* The federated credential as Graph and `az ad app federated-credential` take it. */
static char *fic_json(const struct setup_spec *spec, size_t flags)
{
    char description[256];
    json_t *fic;
    char *text;

    snprintf(description, sizeof(description), "Kubernetes service account %s/%s", spec->ns,
             spec->service_account);
    fic = json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "name", spec->fic_name, "issuer",
                    spec->issuer, "subject", spec->subject, "description", description,
                    "audiences", spec->audience);
    if (fic == NULL)
        return NULL;
    text = json_dumps(fic, flags | JSON_PRESERVE_ORDER);
    json_decref(fic);
    return text;
}

static int render_script(struct m365id__buf *buf, const struct setup_spec *spec)
{
    struct out o = {buf, 0};
    char *json = fic_json(spec, JSON_COMPACT);

    if (json == NULL)
        return M365ID_ENOMEM;

    out_puts(&o, "#!/usr/bin/env bash\n"
                 "# Entra ID side of workload identity federation for the microsoft365 Terraform\n"
                 "# provider, rendered by 'm365id setup'. Sign in first as an administrator who may\n"
                 "# create service principals and grant admin consent: az login --tenant \"$TENANT_ID\".\n"
                 "# Each step looks first and adds only what is missing; an existing federated\n"
                 "# credential of the same name is updated in place. Running it again is harmless.\n"
                 "set -euo pipefail\n\n");
    out_shell_var(&o, "TENANT_ID", spec->tenant_id);
    out_shell_var(&o, "APP_NAME", spec->app_name);
    out_shell_var(&o, "EXPECTED_CLIENT_ID", spec->client_id);
    out_shell_var(&o, "GRAPH_APP_ID", M365ID_GRAPH_APP_ID);
    out_shell_var(&o, "GRAPH_URL", spec->graph_endpoint);
    out_puts(&o, "# Microsoft Graph application permissions (app role ids):");
    for (size_t i = 0; i < spec->permission_count; i++)
        out_printf(&o, " %s", spec->permission_names[i]);
    out_puts(&o, "\nROLE_IDS=(");
    for (size_t i = 0; i < spec->permission_count; i++) {
        out_puts(&o, i > 0 ? " " : "");
        if (o.rc == 0)
            o.rc = setup_shell_quote(o.buf, spec->permission_ids[i]);
    }
    out_puts(&o, ")\n");
    out_shell_var(&o, "FIC_NAME", spec->fic_name);
    out_shell_var(&o, "FIC_PARAMETERS", json);
    out_puts(&o, "\n");

    /* The application is looked up by the client id the other files name, never by display
     * name, and never created here: a name may match another application, or none. */
    out_puts(&o,
             "az account show --query tenantId -o tsv | grep -qix \"$TENANT_ID\" || {\n"
             "    echo \"error: az is not signed in to tenant $TENANT_ID: run az login --tenant "
             "$TENANT_ID\" >&2\n"
             "    exit 1\n"
             "}\n\n"
             "# The application the other files were rendered for, found by its client id. This\n"
             "# script never creates one: 'm365id setup --apply' does.\n"
             "APP_ID=$EXPECTED_CLIENT_ID\n"
             "if ! APP_OBJECT_ID=$(az ad app show --id \"$APP_ID\" --query id -o tsv) ||\n"
             "    [ -z \"$APP_OBJECT_ID\" ]; then\n"
             "    echo \"error: tenant $TENANT_ID has no application with client id $APP_ID:\" \\\n"
             "        \"check the id, or create the application with 'm365id setup --apply'\" >&2\n"
             "    exit 1\n"
             "fi\n"
             "APP_DISPLAY_NAME=$(az ad app show --id \"$APP_ID\" --query displayName -o tsv)\n"
             "if [ \"$APP_DISPLAY_NAME\" != \"$APP_NAME\" ]; then\n"
             "    echo \"note: application $APP_ID is named '$APP_DISPLAY_NAME', not '$APP_NAME';\" \\\n"
             "        \"the files name it by client id only\" >&2\n"
             "fi\n\n"
             "# The service principal, which admin consent and sign-in need.\n"
             "if ! SP_OBJECT_ID=$(az ad sp show --id \"$APP_ID\" --query id -o tsv 2>/dev/null) ||\n"
             "    [ -z \"$SP_OBJECT_ID\" ]; then\n"
             "    SP_OBJECT_ID=$(az ad sp create --id \"$APP_ID\" --query id -o tsv)\n"
             "fi\n\n"
             "# The permissions the application does not request yet.\n"
             "REQUESTED=$(az ad app permission list --id \"$APP_ID\" \\\n"
             "    --query \"[?resourceAppId=='$GRAPH_APP_ID'].resourceAccess[].id\" -o tsv)\n"
             "MISSING=()\n"
             "for role in \"${ROLE_IDS[@]}\"; do\n"
             "    grep -qix -- \"$role\" <<<\"$REQUESTED\" || MISSING+=(\"$role=Role\")\n"
             "done\n"
             "if [ \"${#MISSING[@]}\" -gt 0 ]; then\n"
             "    az ad app permission add --id \"$APP_ID\" --api \"$GRAPH_APP_ID\" \\\n"
             "        --api-permissions \"${MISSING[@]}\"\n"
             "fi\n\n"
             "# Admin consent, when a permission has no app role assignment yet.\n"
             "GRANTED=$(az rest --method GET \\\n"
             "    --url \"$GRAPH_URL/v1.0/servicePrincipals/$SP_OBJECT_ID/appRoleAssignments\" \\\n"
             "    --query 'value[].appRoleId' -o tsv)\n"
             "for role in \"${ROLE_IDS[@]}\"; do\n"
             "    if ! grep -qix -- \"$role\" <<<\"$GRANTED\"; then\n"
             "        az ad app permission admin-consent --id \"$APP_ID\"\n"
             "        break\n"
             "    fi\n"
             "done\n\n"
             "# The federated identity credential that trusts the service account's tokens.\n"
             "if az ad app federated-credential show --id \"$APP_OBJECT_ID\" \\\n"
             "    --federated-credential-id \"$FIC_NAME\" >/dev/null 2>&1; then\n"
             "    az ad app federated-credential update --id \"$APP_OBJECT_ID\" \\\n"
             "        --federated-credential-id \"$FIC_NAME\" --parameters \"$FIC_PARAMETERS\"\n"
             "else\n"
             "    az ad app federated-credential create --id \"$APP_OBJECT_ID\" \\\n"
             "        --parameters \"$FIC_PARAMETERS\"\n"
             "fi\n\n");
    out_printf(&o,
               "echo \"application $APP_ID is ready; next: kubectl create namespace %s &&\" \\\n"
               "    \"kubectl apply -f serviceaccount.yaml -f job.yaml\"\n",
               spec->ns);

    free(json);
    return o.rc;
}

static int render_fic(struct m365id__buf *buf, const struct setup_spec *spec)
{
    char *json = fic_json(spec, JSON_INDENT(2));
    int rc;

    if (json == NULL)
        return M365ID_ENOMEM;
    rc = m365id__buf_puts(buf, json);
    if (rc == 0)
        rc = m365id__buf_puts(buf, "\n");
    free(json);
    return rc;
}

/* The lines a namespaced Kubernetes object starts with: apiVersion, kind, name, namespace. */
static void out_object_start(struct out *o, const char *api_version, const char *kind,
                             const char *name, const char *ns)
{
    out_yaml(o, "", "apiVersion", api_version);
    out_yaml(o, "", "kind", kind);
    out_puts(o, "metadata:\n");
    out_yaml(o, "  ", "name", name);
    out_yaml(o, "  ", "namespace", ns);
}

static int render_service_account(struct m365id__buf *buf, const struct setup_spec *spec)
{
    struct out o = {buf, 0};

    out_puts(&o, "# ServiceAccount of the workload. The workload identity webhook copies these\n"
                 "# annotations into AZURE_CLIENT_ID and AZURE_TENANT_ID of labelled pods.\n");
    out_object_start(&o, "v1", "ServiceAccount", spec->service_account, spec->ns);
    out_puts(&o, "  annotations:\n");
    out_yaml(&o, "    ", "azure.workload.identity/client-id", spec->client_id);
    out_yaml(&o, "    ", "azure.workload.identity/tenant-id", spec->tenant_id);
    return o.rc;
}

/* "<indent>- "value"\n": one item of a YAML list of strings. */
static void out_item(struct out *o, const char *indent, const char *value)
{
    out_printf(o, "%s- ", indent);
    if (o->rc == 0)
        o->rc = setup_yaml_quote(o->buf, value);
    out_puts(o, "\n");
}

static void out_env(struct out *o, const char *name, const char *value)
{
    out_yaml(o, "            - ", "name", name);
    out_yaml(o, "              ", "value", value);
}

static int render_job(struct m365id__buf *buf, const struct setup_spec *spec)
{
    struct out o = {buf, 0};

    out_puts(&o, "# Job that runs terraform with the ServiceAccount's identity. The Terraform\n"
                 "# configuration comes from the ConfigMap terraform-code, mounted at /workspace.\n");
    out_object_start(&o, "batch/v1", "Job", spec->job_name, spec->ns);
    out_puts(&o, "spec:\n"
                 "  backoffLimit: 2\n"
                 "  template:\n"
                 "    metadata:\n"
                 "      labels:\n"
                 "        # The webhook selects pods by this label; on the Job itself it has no effect.\n");
    out_yaml(&o, "        ", "azure.workload.identity/use", "true");
    out_puts(&o, "    spec:\n");
    out_yaml(&o, "      ", "serviceAccountName", spec->service_account);
    out_yaml(&o, "      ", "restartPolicy", "Never");
    out_puts(&o, "      containers:\n");
    out_yaml(&o, "        - ", "name", "terraform");
    out_yaml(&o, "          ", "image", spec->image);
    out_puts(&o, "          command:\n");
    out_item(&o, "            ", "/bin/sh");
    out_item(&o, "            ", "-c");
    out_item(&o, "            ", "cd /workspace && terraform init -input=false && "
                                "terraform apply -auto-approve -input=false");
    out_puts(&o, "          env:\n");
    /* The provider requires a cloud; the guide's Job sets none. */
    out_env(&o, "M365_TENANT_ID", spec->tenant_id);
    out_env(&o, "M365_AUTH_METHOD", "workload_identity");
    out_env(&o, "M365_CLIENT_ID", spec->client_id);
    out_env(&o, "M365_CLOUD", spec->cloud);
    out_puts(&o, "          volumeMounts:\n");
    out_yaml(&o, "            - ", "name", "terraform-code");
    out_yaml(&o, "              ", "mountPath", "/workspace");
    out_puts(&o, "          resources:\n"
                 "            requests:\n");
    out_yaml(&o, "              ", "cpu", "500m");
    out_yaml(&o, "              ", "memory", "512Mi");
    out_puts(&o, "            limits:\n");
    out_yaml(&o, "              ", "cpu", "1");
    out_yaml(&o, "              ", "memory", "1Gi");
    out_puts(&o, "      volumes:\n");
    out_yaml(&o, "        - ", "name", "terraform-code");
    out_puts(&o, "          configMap:\n");
    out_yaml(&o, "            ", "name", "terraform-code");
    return o.rc;
}

static int render_provider(struct m365id__buf *buf, const struct setup_spec *spec)
{
    struct out o = {buf, 0};

    out_puts(&o, "# Provider requirements and block for a configuration that runs in the Job. The\n"
                 "# tenant and client ids come from the Job's M365_TENANT_ID and M365_CLIENT_ID,\n"
                 "# the token path from AZURE_FEDERATED_TOKEN_FILE, which the webhook injects.\n"
                 "terraform {\n"
                 "  required_providers {\n"
                 "    microsoft365 = {\n");
    out_hcl(&o, "      ", "source", 0, SETUP_PROVIDER_SOURCE);
    out_puts(&o, "    }\n"
                 "  }\n"
                 "}\n\n"
                 "provider \"microsoft365\" {\n");
    out_hcl(&o, "  ", "auth_method", 11, "workload_identity");
    out_hcl(&o, "  ", "cloud", 11, spec->cloud);
    out_puts(&o, "}\n");
    return o.rc;
}

static int render_provider_explicit(struct m365id__buf *buf, const struct setup_spec *spec)
{
    struct out o = {buf, 0};

    out_puts(&o, "# The provider block with every setting written out, for use in place of the one\n"
                 "# in provider.tf (not next to it). Environment variables still win over these\n"
                 "# values: M365_TENANT_ID, M365_CLIENT_ID, M365_CLOUD, AZURE_FEDERATED_TOKEN_FILE.\n"
                 "provider \"microsoft365\" {\n");
    out_hcl(&o, "  ", "auth_method", 11, "workload_identity");
    out_hcl(&o, "  ", "cloud", 11, spec->cloud);
    out_hcl(&o, "  ", "tenant_id", 11, spec->tenant_id);
    out_puts(&o, "  entra_id_options = {\n");
    out_hcl(&o, "    ", "client_id", 25, spec->client_id);
    out_hcl(&o, "    ", "federated_token_file_path", 25, SETUP_TOKEN_PATH);
    out_puts(&o, "  }\n"
                 "}\n");
    return o.rc;
}

int setup_render(struct setup_artefact *out, const struct setup_spec *spec)
{
    static const struct {
        const char *file;
        const char *description;
        int (*render)(struct m365id__buf *buf, const struct setup_spec *spec);
    } kinds[SETUP_ARTEFACT_COUNT] = {
        {"entra-setup.sh", "Azure CLI script for the Entra ID side", render_script},
        {"federated-credential.json", "federated identity credential", render_fic},
        {"serviceaccount.yaml", "Kubernetes ServiceAccount", render_service_account},
        {"job.yaml", "Kubernetes Job running terraform", render_job},
        {"provider.tf", "Terraform provider requirements and block", render_provider},
        {"provider-explicit.tf.example", "provider block with every setting spelled out",
         render_provider_explicit},
    };
    int rc = 0;

    for (size_t i = 0; i < SETUP_ARTEFACT_COUNT; i++) {
        out[i].file = kinds[i].file;
        out[i].description = kinds[i].description;
        out[i].text = (struct m365id__buf)M365ID__BUF_INIT(SETUP_ARTEFACT_MAX);
    }
    for (size_t i = 0; rc == 0 && i < SETUP_ARTEFACT_COUNT; i++)
        rc = kinds[i].render(&out[i].text, spec);
    if (rc < 0)
        setup_artefacts_clear(out);
    return rc;
}

void setup_artefacts_clear(struct setup_artefact *artefacts)
{
    for (size_t i = 0; i < SETUP_ARTEFACT_COUNT; i++)
        m365id__buf_clear(&artefacts[i].text);
}

/* --- writing --- */

/* Name the type of a file that is not a regular one, for messages. */
static const char *file_type_name(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    return "not a regular file";
}

/* Print the error for target @p path that exists but is not a regular file. */
static int fail_not_regular(const char *path, mode_t mode)
{
    return cli_fail(CLI_EXIT_USAGE, "remove it, or choose another --output-dir",
                    "'%s' exists and is %s, not a regular file; nothing was written", path,
                    file_type_name(mode));
}

/*
 * Compare the target @p path with @p text: *state_out is 1 when the file contains exactly
 * @p text, -1 when it does not exist, else 0 (a regular file that differs or cannot be read).
 * A target that exists but is not a regular file is an error even with --force, because
 * rename(2) cannot replace a directory and reading a FIFO would block. Returns 0 or an exit
 * status after printing the error.
 */
static int check_target(int *state_out, const char *path, const struct m365id__buf *text)
{
    char chunk[4096];
    struct stat st;
    size_t offset = 0;
    ssize_t n;
    int same = 1;
    int fd;

    *state_out = 0;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT) {
            *state_out = -1;
            return CLI_EXIT_OK;
        }
        return cli_fail(CLI_EXIT_OTHER, NULL, "cannot check '%s': %s", path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        return fail_not_regular(path, st.st_mode);

    /* O_NONBLOCK: should a FIFO replace the file after stat(), open() still returns at once. */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return CLI_EXIT_OK; /* unreadable: counts as different */
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fail_not_regular(path, st.st_mode);
    }
    while (same && (n = read(fd, chunk, sizeof(chunk))) != 0) {
        if (n < 0 || (size_t)n > text->len - offset ||
            memcmp(chunk, text->ptr + offset, (size_t)n) != 0)
            same = 0;
        else
            offset += (size_t)n;
    }
    close(fd);
    *state_out = same && offset == text->len;
    return CLI_EXIT_OK;
}

/* Write @p text to a new temporary file in @p dir, mode 0644, synced; its name goes to @p tmp
 * (@p tmp_size bytes). On failure nothing is left behind and @p tmp is empty. */
static int write_temporary(char *tmp, size_t tmp_size, const char *dir,
                           const struct m365id__buf *text)
{
    int fd;

    if ((size_t)snprintf(tmp, tmp_size, "%s/.m365id-setup.XXXXXX", dir) >= tmp_size) {
        tmp[0] = '\0';
        return cli_fail(CLI_EXIT_USAGE, NULL, "--output-dir '%s' is too long", dir);
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        tmp[0] = '\0';
        return cli_fail(CLI_EXIT_OTHER, "check that the directory exists and is writable",
                        "cannot create a file in '%s': %s", dir, strerror(errno));
    }
    if (fchmod(fd, 0644) != 0 ||
        (text->len > 0 && write(fd, text->ptr, text->len) != (ssize_t)text->len) ||
        fsync(fd) != 0 || close(fd) != 0) {
        int err = errno;

        close(fd); /* harmless EBADF after a failed close(2) */
        unlink(tmp);
        cli_fail(CLI_EXIT_OTHER, NULL, "cannot write '%s': %s", tmp, strerror(err));
        tmp[0] = '\0';
        return CLI_EXIT_OTHER;
    }
    return CLI_EXIT_OK;
}

int setup_write_dir(const struct setup_artefact *artefacts, const char *dir, int force)
{
    char paths[SETUP_ARTEFACT_COUNT][4096];
    char tmps[SETUP_ARTEFACT_COUNT][4096];
    int state[SETUP_ARTEFACT_COUNT];
    struct stat st;
    size_t i;
    int status = CLI_EXIT_OK;

    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        return cli_fail(CLI_EXIT_USAGE, "create the directory first, or pass an existing one",
                        "--output-dir '%s' is not a directory", dir);
    }

    /* Check every file before writing any, so that a refusal leaves the directory as it was. */
    for (i = 0; i < SETUP_ARTEFACT_COUNT; i++) {
        tmps[i][0] = '\0';
        if ((size_t)snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, artefacts[i].file) >=
            sizeof(paths[i]))
            return cli_fail(CLI_EXIT_USAGE, NULL, "--output-dir '%s' is too long", dir);
        if ((status = check_target(&state[i], paths[i], &artefacts[i].text)) != CLI_EXIT_OK)
            return status;
        if (state[i] == 0 && !force) {
            return cli_fail(CLI_EXIT_USAGE,
                            "pass --force to overwrite it, or choose another --output-dir",
                            "'%s' exists with different content; nothing was written", paths[i]);
        }
    }

    /* Write every temporary file before renaming any, so that a full disk changes nothing. */
    for (i = 0; i < SETUP_ARTEFACT_COUNT && status == CLI_EXIT_OK; i++) {
        if (state[i] != 1)
            status = write_temporary(tmps[i], sizeof(tmps[i]), dir, &artefacts[i].text);
    }
    for (i = 0; i < SETUP_ARTEFACT_COUNT && status == CLI_EXIT_OK; i++) {
        if (state[i] == 1) {
            printf("unchanged %s\n", paths[i]);
            continue;
        }
        if (rename(tmps[i], paths[i]) != 0) {
            /* NOTE: the files renamed before this one stay replaced; the lines printed so
             * far name them. */
            status = cli_fail(CLI_EXIT_OTHER, NULL, "cannot rename '%s' to '%s': %s", tmps[i],
                              paths[i], strerror(errno));
            break;
        }
        tmps[i][0] = '\0';
        printf("%s %s\n", state[i] == 0 ? "replaced" : "created", paths[i]);
    }

    for (i = 0; i < SETUP_ARTEFACT_COUNT; i++) {
        if (tmps[i][0] != '\0')
            unlink(tmps[i]);
    }
    return status;
}

int setup_write_stdout(const struct setup_artefact *artefacts)
{
    for (size_t i = 0; i < SETUP_ARTEFACT_COUNT; i++) {
        const struct m365id__buf *text = &artefacts[i].text;

        if (printf("%s# ==> %s <== %s\n", i > 0 ? "\n" : "", artefacts[i].file,
                   artefacts[i].description) < 0 ||
            fwrite(m365id__buf_cstr(text), 1, text->len, stdout) != text->len)
            return cli_fail_stdout(errno);
    }
    return CLI_EXIT_OK;
}
