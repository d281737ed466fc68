/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Internals of `m365id setup`: the settings every artefact is rendered from, input checks,
 * quoting for YAML, shell and HCL, rendering, the Graph side of --apply and the cluster issuer.
 */
#ifndef M365ID_CLI_SETUP_SETUP_H
#define M365ID_CLI_SETUP_SETUP_H

#include <stddef.h>

#include "m365id/m365id.h"
#include "util/buf.h"

/* Largest number of --permission flags; Entra allows about 300 application permissions. */
#define SETUP_PERMISSIONS_MAX 64
/* Largest rendered artefact, in bytes; the biggest one is a few KiB. */
#define SETUP_ARTEFACT_MAX (256u * 1024u)
/* Number of artefacts: script, FIC JSON, ServiceAccount, Job, provider.tf, explicit block. */
#define SETUP_ARTEFACT_COUNT 6

/* Everything the artefacts are rendered from. Strings are borrowed (argv or a setup_owned
 * member below) and already validated when rendering starts. */
struct setup_spec {
    const char *tenant_id;       /* GUID */
    const char *client_id;       /* application (client) id; NULL until known */
    const char *app_name;        /* application display name */
    const char *ns;              /* Kubernetes namespace */
    const char *service_account; /* ServiceAccount name */
    const char *job_name;
    const char *image;
    const char *fic_name;        /* federated identity credential name */
    const char *issuer;          /* cluster issuer, exactly as served */
    const char *cloud;           /* provider `cloud` value, e.g. "public" */
    const char *audience;        /* FIC audience of that cloud */
    const char *graph_endpoint;  /* Graph endpoint of that cloud, no version, no '/' */
    char subject[400];           /* system:serviceaccount:NS:SA */
    size_t permission_count;
    const char *permission_names[SETUP_PERMISSIONS_MAX];
    const char *permission_ids[SETUP_PERMISSIONS_MAX]; /* Graph app role ids, static */
    char client_id_found[40];    /* appId found or created by --apply */
    char app_name_found[1040];   /* displayName found by --apply: 256 characters of UTF-8 */
};

/* One rendered file. */
struct setup_artefact {
    const char *file;        /* file name inside --output-dir */
    const char *description; /* one line for the stdout header */
    struct m365id__buf text;
};

/* --- quote.c --- */

/**
 * Append @p s to @p out as a YAML double-quoted scalar: '"' and '\' escaped, control
 * characters and DEL as \n, \t or \xNN, everything else (UTF-8 included) as is. The result
 * always reads back as the same string, whatever @p s looks like ("true", "null", "0123",
 * "a: b", "- x", "#x").
 * @return 0, or a negative M365ID_E* code from the buffer
 */
int setup_yaml_quote(struct m365id__buf *out, const char *s);

/**
 * Append @p s to @p out as one POSIX shell word in single quotes; each "'" becomes '\''.
 * Nothing inside is expanded by the shell, so "$(...)", backquotes and "!" stay literal.
 */
int setup_shell_quote(struct m365id__buf *out, const char *s);

/**
 * Append @p s to @p out as an HCL quoted string: '"' and '\' escaped, "${" and "%{" doubled
 * into "$${" and "%%{" so that no template sequence is evaluated, control characters as \n,
 * \r, \t or \uNNNN.
 */
int setup_hcl_quote(struct m365id__buf *out, const char *s);

/**
 * Count the Unicode code points of the NUL-terminated @p s into @p count_out.
 * @return 0, or -1 when @p s is not valid UTF-8 (stray continuation byte, truncated sequence,
 *         overlong form, surrogate, or a value above U+10FFFF); @p count_out is then 0
 */
int setup_utf8_length(size_t *count_out, const char *s);

/* --- validate.c --- */

/**
 * Check @p value of the option @p flag ("--tenant-id"). Return 0 when it is valid. Otherwise
 * print an error naming the value and the fix, and return CLI_EXIT_USAGE.
 */
int setup_check_guid(const char *flag, const char *value);
int setup_check_namespace(const char *value);
int setup_check_service_account(const char *value);
int setup_check_job_name(const char *value);
int setup_check_fic_name(const char *value);
int setup_check_app_name(const char *value);
int setup_check_image(const char *value);

/**
 * Check a cluster issuer; @p origin names where it came from in the message. It must be an
 * https URL of at most 600 characters without query, fragment or whitespace. Plain http is
 * accepted on a loopback host only.
 */
int setup_check_issuer(const char *origin, const char *value);

/**
 * Add permission @p name to @p spec, looked up in the Graph app role table. An unknown name
 * prints an error listing the closest names of the table; a duplicate is ignored.
 * @return 0 or CLI_EXIT_USAGE
 */
int setup_add_permission(struct setup_spec *spec, const char *name);

/** Print the permission table, one "NAME ID" line each, on stdout. */
void setup_list_permissions(void);

/* --- render.c --- */

/**
 * Render every artefact of @p spec into @p out (SETUP_ARTEFACT_COUNT entries, initialised
 * here; free them with setup_artefacts_clear()). @p spec->client_id must be set.
 * @return 0 or a negative M365ID_E* code
 */
int setup_render(struct setup_artefact *out, const struct setup_spec *spec);

/** Free the texts of @p artefacts. */
void setup_artefacts_clear(struct setup_artefact *artefacts);

/**
 * Write @p artefacts into directory @p dir, each file written atomically (temporary file,
 * then rename) with mode 0644. Nothing is written when a file exists with other content and
 * @p force is 0; the error names that file. Prints one line per file on stdout.
 * @return 0 or an exit status after printing the error
 */
int setup_write_dir(const struct setup_artefact *artefacts, const char *dir, int force);

/** Print @p artefacts on stdout, each under a "# ==> FILE <==" header line. */
int setup_write_stdout(const struct setup_artefact *artefacts);

/* --- apply.c --- */

/**
 * Create or update the Entra side through Graph with the credentials of @p ctx: the
 * application (found by display name, or by @p spec->client_id when given), its service
 * principal, the Graph permissions in requiredResourceAccess, their admin consent
 * (appRoleAssignments) and the federated credential. A federated credential of the same name
 * but other values is updated only with @p force. Prints what was created and what was
 * already present on stderr, and sets @p spec->client_id, and @p spec->app_name to the
 * application's display name in Entra ID.
 * @return 0 or an exit status after printing the error
 */
int setup_apply(struct setup_spec *spec, m365id_ctx *ctx, int force);

/* --- issuer.c --- */

/**
 * Read the service-account issuer of the cluster the process runs in: GET
 * https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/.well-known/openid-configuration
 * with the pod's token and CA from @p kube_dir, and take "issuer" exactly as served.
 * @param[out] issuer_out  malloc'd issuer; NULL on error
 * @return 0 or an exit status after printing the error
 */
int setup_issuer_from_cluster(char **issuer_out, const char *kube_dir);

struct m365id__http_response;

/**
 * Read the issuer from @p resp, the API server's reply to GET @p url sent with the token of
 * @p token_path, and check it as setup_check_issuer() does. It is separate from
 * setup_issuer_from_cluster() so that it can be fuzzed and tested without a request.
 * @param[out] issuer_out  malloc'd issuer; NULL on error
 * @return 0 or an exit status after printing the error
 */
int setup_issuer_from_reply(char **issuer_out, const char *url, const char *token_path,
                            const struct m365id__http_response *resp);

#endif /* M365ID_CLI_SETUP_SETUP_H */
