/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * `m365id setup`: options, input checks and the order of steps. Rendering is in render.c,
 * the Graph side of --apply in apply.c, the cluster issuer lookup in issuer.c.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/setup/setup.h"
#include "util/quote.h"
#include "util/strutil.h"

/* getopt_long values of the setup options, above the config flags' and --cache's values. */
enum setup_opt {
    OPT_TENANT_ID = 0x200,
    OPT_CLIENT_ID,
    OPT_CLOUD,
    OPT_APP_NAME,
    OPT_NAMESPACE,
    OPT_SERVICE_ACCOUNT,
    OPT_JOB_NAME,
    OPT_IMAGE,
    OPT_FIC_NAME,
    OPT_ISSUER,
    OPT_ISSUER_FROM_CLUSTER,
    OPT_KUBE_DIR,
    OPT_PERMISSION,
    OPT_LIST_PERMISSIONS,
    OPT_OUTPUT_DIR,
    OPT_FORCE,
    OPT_APPLY,
};

/* Defaults of the workload identity guide. */
#define DEFAULT_APP_NAME "terraform-m365-provider"
#define DEFAULT_NAMESPACE "terraform-m365"
#define DEFAULT_SERVICE_ACCOUNT "terraform-m365-sa"
#define DEFAULT_JOB_NAME "terraform-apply"
#define DEFAULT_IMAGE "hashicorp/terraform:latest"
#define DEFAULT_FIC_NAME "kubernetes-federated-credential"
#define DEFAULT_PERMISSION "DeviceManagementConfiguration.ReadWrite.All"
#define DEFAULT_KUBE_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* Command-line state; strings point into argv. */
struct setup_args {
    const char *permissions[SETUP_PERMISSIONS_MAX];
    size_t permission_count;
    const char *cloud;
    const char *kube_dir;
    const char *output_dir;
    int issuer_from_cluster;
    int list_permissions;
    int force;
    int apply;
};

void cli_cmd_setup_help(FILE *fp)
{
    fputs("Usage: m365id [global options] setup --tenant-id GUID --issuer URL\n"
          "                                     (--client-id GUID | --apply) [options]\n"
          "\n"
          "Render the files that set up workload identity federation for the microsoft365\n"
          "Terraform provider, all for the same application, namespace, service account, issuer\n"
          "and audience: an Azure CLI script (entra-setup.sh), the federated credential\n"
          "(federated-credential.json), the ServiceAccount (serviceaccount.yaml), a Job running\n"
          "terraform (job.yaml), the provider requirements (provider.tf) and a fully spelled\n"
          "provider block (provider-explicit.tf.example). With --apply, first create or update\n"
          "the Entra ID side through Microsoft Graph.\n"
          "\n"
          "Options:\n"
          "  --tenant-id GUID        directory (tenant) id; with --apply it defaults to the\n"
          "                          tenant of the identity running it\n"
          "  --client-id GUID        client id of an existing application; required without\n"
          "                          --apply, which otherwise finds the application by name\n"
          "  --app-name NAME         application display name (default " DEFAULT_APP_NAME ")\n"
          "  --namespace NS          Kubernetes namespace (default " DEFAULT_NAMESPACE ")\n"
          "  --service-account NAME  ServiceAccount name (default " DEFAULT_SERVICE_ACCOUNT ")\n"
          "  --issuer URL            the cluster's service-account issuer, exactly as its\n"
          "                          /.well-known/openid-configuration serves it\n"
          "  --issuer-from-cluster   read the issuer from the API server, in a pod\n"
          "  --kube-dir DIR          token and ca.crt for --issuer-from-cluster (default\n"
          "                          " DEFAULT_KUBE_DIR ")\n"
          "  --cloud NAME            public (default), gcc, gcchigh, dod, china, ex or rx,\n"
          "                          as the provider's cloud: sets the federated credential's\n"
          "                          audience and the provider's cloud\n"
          "  --permission NAME       Microsoft Graph application permission, repeatable\n"
          "                          (default " DEFAULT_PERMISSION ")\n"
          "  --list-permissions      print the permission names and ids setup knows, and exit\n"
          "  --fic-name NAME         federated credential name (default\n"
          "                          " DEFAULT_FIC_NAME ")\n"
          "  --job-name NAME         Job name (default " DEFAULT_JOB_NAME ")\n"
          "  --image IMAGE           Job image (default " DEFAULT_IMAGE ")\n"
          "  --output-dir DIR        write one file per artefact into DIR (mode 0644, each\n"
          "                          replaced atomically) instead of printing them all on\n"
          "                          stdout under '# ==> FILE <==' headers\n"
          "  --force                 overwrite files in DIR that differ; with --apply, also\n"
          "                          update a federated credential of the same name that\n"
          "                          differs\n"
          "  --apply                 create what is missing in Entra ID through Graph: the\n"
          "                          application, its service principal, the permissions,\n"
          "                          their admin consent and the federated credential. Reports\n"
          "                          each as created or already present on stderr\n"
          "  -h, --help              show this help\n"
          "\n"
          "--apply runs as the identity that the configuration below selects (for example an\n"
          "administration app with auth method client_secret, set through M365_CLIENT_ID and\n"
          "M365_CLIENT_SECRET, or flags placed before 'setup'). It needs the Graph application\n"
          "permissions Application.ReadWrite.All and AppRoleAssignment.ReadWrite.All. The\n"
          "options above describe the workload's application, not that identity: --client-id\n"
          "after 'setup' names the workload's application.\n"
          "\n",
          fp);
    cli_config_flags_help(fp);
    fputc('\n', fp);
    cli_exit_codes_help(fp);
}

/* The long name of option value @p opt in @p opts. */
static const char *option_name(const struct option *opts, int opt)
{
    for (; opts->name != NULL; opts++) {
        if (opts->val == opt)
            return opts->name;
    }
    return "?";
}

/* Map --cloud to the cloud table row; print the error for other names. */
static int resolve_cloud(struct setup_spec *spec, const char *name)
{
    m365id_cloud_info cloud;
    struct m365id__quoted q;

    if (m365id_cloud_lookup(&cloud, name) != M365ID_OK) {
        m365id__quote(&q, name);
        /* Some tools, this project's emulator among them, name the US Government cloud
         * "usgov". The provider splits it into "gcchigh" and "dod", whose Graph endpoints
         * differ, so neither is a safe guess. */
        return cli_fail(CLI_EXIT_USAGE,
                        strcmp(name, "usgov") == 0
                            ? "US Government (GCC High) is 'gcchigh', DoD is 'dod'"
                            : NULL,
                        "unknown --cloud '%s' (want one of %s)", q.text, m365id_cloud_names());
    }
    spec->cloud = cloud.name;
    spec->audience = cloud.fic_audience;
    spec->graph_endpoint = cloud.graph_endpoint;
    return 0;
}

/* Check every option value and fill the rest of @p spec. */
static int check_inputs(struct setup_spec *spec, const struct setup_args *args)
{
    int status;

    if (spec->issuer == NULL && !args->issuer_from_cluster) {
        return cli_fail_usage("setup", "missing --issuer URL (or --issuer-from-cluster in a "
                                       "pod): the federated credential must name the issuer");
    }
    if (spec->issuer != NULL && args->issuer_from_cluster)
        return cli_fail_usage("setup", "--issuer and --issuer-from-cluster exclude each other");
    if (spec->tenant_id == NULL && !args->apply) {
        return cli_fail_usage("setup", "missing --tenant-id GUID: the ServiceAccount, the Job "
                                       "and the provider block name the tenant");
    }
    if (spec->client_id == NULL && !args->apply) {
        return cli_fail_usage("setup", "missing --client-id GUID: without --apply the files "
                                       "need the client id of an existing application; pass "
                                       "--apply to create or find it through Graph instead");
    }

    if (spec->tenant_id != NULL && (status = setup_check_guid("--tenant-id", spec->tenant_id)) != 0)
        return status;
    if (spec->client_id != NULL && (status = setup_check_guid("--client-id", spec->client_id)) != 0)
        return status;
    if ((status = setup_check_app_name(spec->app_name)) != 0 ||
        (status = setup_check_namespace(spec->ns)) != 0 ||
        (status = setup_check_service_account(spec->service_account)) != 0 ||
        (status = setup_check_job_name(spec->job_name)) != 0 ||
        (status = setup_check_image(spec->image)) != 0 ||
        (status = setup_check_fic_name(spec->fic_name)) != 0 ||
        (status = resolve_cloud(spec, args->cloud)) != 0)
        return status;
    if (spec->issuer != NULL && (status = setup_check_issuer("--issuer", spec->issuer)) != 0)
        return status;

    for (size_t i = 0; i < args->permission_count; i++) {
        if ((status = setup_add_permission(spec, args->permissions[i])) != 0)
            return status;
    }
    if (spec->permission_count == 0 && (status = setup_add_permission(spec, DEFAULT_PERMISSION)) != 0)
        return status;

    /* Namespace and name cannot contain ':', so the subject is unambiguous and short. */
    snprintf(spec->subject, sizeof(spec->subject), "system:serviceaccount:%s:%s", spec->ns,
             spec->service_account);
    return 0;
}

/* Open the context of the identity running --apply; the setup's tenant and cloud are its. */
static int open_admin_ctx(m365id_ctx **ctx, struct setup_spec *spec, struct cli_options *cli,
                          const char *cloud_flag)
{
    const char *tenant = NULL;
    int status;

    if (spec->tenant_id != NULL && cli->flag_values[CLI_FLAG_TENANT_ID] == NULL)
        cli->flag_values[CLI_FLAG_TENANT_ID] = spec->tenant_id;
    if (cloud_flag != NULL && cli->flag_values[CLI_FLAG_CLOUD] == NULL)
        cli->flag_values[CLI_FLAG_CLOUD] = spec->cloud;
    if ((status = cli_ctx_open(ctx, cli)) != CLI_EXIT_OK)
        return status;
    if (spec->tenant_id != NULL)
        return CLI_EXIT_OK;

    /* Without --tenant-id the workload's tenant is the caller's, which must then be a GUID. */
    if (m365id_ctx_setting(&tenant, NULL, *ctx, "tenant_id") < 0 || tenant == NULL ||
        !m365id__is_guid(tenant)) {
        struct m365id__quoted q;

        m365id__quote(&q, tenant != NULL ? tenant : "");
        return cli_fail(CLI_EXIT_USAGE, "pass --tenant-id with the tenant's GUID",
                        "the tenant of the identity running --apply ('%s') is not a GUID, and "
                        "the files need one", q.text);
    }
    spec->tenant_id = tenant;
    return CLI_EXIT_OK;
}

int cli_cmd_setup(int argc, char **argv, struct cli_options *cli)
{
    struct option opts[CLI_FLAG_COUNT + 24];
    struct setup_artefact artefacts[SETUP_ARTEFACT_COUNT];
    struct setup_args args;
    struct setup_spec spec;
    const char *cloud_flag = NULL;
    char *cluster_issuer = NULL;
    m365id_ctx *ctx = NULL;
    int rendered = 0;
    size_t nopts = 0;
    int status = CLI_EXIT_OK;
    int taken;
    int opt;
    int rc;

    memset(&args, 0, sizeof(args));
    memset(&spec, 0, sizeof(spec));
    args.cloud = "public";
    args.kube_dir = DEFAULT_KUBE_DIR;
    spec.app_name = DEFAULT_APP_NAME;
    spec.ns = DEFAULT_NAMESPACE;
    spec.service_account = DEFAULT_SERVICE_ACCOUNT;
    spec.job_name = DEFAULT_JOB_NAME;
    spec.image = DEFAULT_IMAGE;
    spec.fic_name = DEFAULT_FIC_NAME;

    /* These come first: getopt_long() takes the first entry of a name, so --tenant-id,
     * --client-id and --cloud here win over the config flags of the same names. */
    opts[nopts++] = (struct option){"tenant-id", required_argument, NULL, OPT_TENANT_ID};
    opts[nopts++] = (struct option){"client-id", required_argument, NULL, OPT_CLIENT_ID};
    opts[nopts++] = (struct option){"cloud", required_argument, NULL, OPT_CLOUD};
    opts[nopts++] = (struct option){"app-name", required_argument, NULL, OPT_APP_NAME};
    opts[nopts++] = (struct option){"namespace", required_argument, NULL, OPT_NAMESPACE};
    opts[nopts++] = (struct option){"service-account", required_argument, NULL, OPT_SERVICE_ACCOUNT};
    opts[nopts++] = (struct option){"job-name", required_argument, NULL, OPT_JOB_NAME};
    opts[nopts++] = (struct option){"image", required_argument, NULL, OPT_IMAGE};
    opts[nopts++] = (struct option){"fic-name", required_argument, NULL, OPT_FIC_NAME};
    opts[nopts++] = (struct option){"issuer", required_argument, NULL, OPT_ISSUER};
    opts[nopts++] = (struct option){"issuer-from-cluster", no_argument, NULL, OPT_ISSUER_FROM_CLUSTER};
    opts[nopts++] = (struct option){"kube-dir", required_argument, NULL, OPT_KUBE_DIR};
    opts[nopts++] = (struct option){"permission", required_argument, NULL, OPT_PERMISSION};
    opts[nopts++] = (struct option){"list-permissions", no_argument, NULL, OPT_LIST_PERMISSIONS};
    opts[nopts++] = (struct option){"output-dir", required_argument, NULL, OPT_OUTPUT_DIR};
    opts[nopts++] = (struct option){"force", no_argument, NULL, OPT_FORCE};
    opts[nopts++] = (struct option){"apply", no_argument, NULL, OPT_APPLY};
    opts[nopts++] = (struct option){"verbose", no_argument, NULL, 'v'};
    opts[nopts++] = (struct option){"help", no_argument, NULL, CLI_OPT_HELP};
    cli_config_flags_add(opts, &nopts);

    optind = 0;
    opterr = 0;
    while ((opt = cli_getopt(argc, argv, ":vh", opts)) != -1) {
        if ((taken = cli_config_flags_take(cli, opt, optarg)) < 0)
            return CLI_EXIT_USAGE;
        if (taken)
            continue;
        /* An empty value would otherwise pass for "not given" in some checks below. */
        if (optarg != NULL && optarg[0] == '\0' && opt >= OPT_TENANT_ID)
            return cli_fail_usage("setup", "option '--%s' has an empty value", option_name(opts, opt));
        switch (opt) {
        case OPT_TENANT_ID:
            spec.tenant_id = optarg;
            break;
        case OPT_CLIENT_ID:
            spec.client_id = optarg;
            break;
        case OPT_CLOUD:
            args.cloud = optarg;
            cloud_flag = optarg;
            break;
        case OPT_APP_NAME:
            spec.app_name = optarg;
            break;
        case OPT_NAMESPACE:
            spec.ns = optarg;
            break;
        case OPT_SERVICE_ACCOUNT:
            spec.service_account = optarg;
            break;
        case OPT_JOB_NAME:
            spec.job_name = optarg;
            break;
        case OPT_IMAGE:
            spec.image = optarg;
            break;
        case OPT_FIC_NAME:
            spec.fic_name = optarg;
            break;
        case OPT_ISSUER:
            spec.issuer = optarg;
            break;
        case OPT_ISSUER_FROM_CLUSTER:
            args.issuer_from_cluster = 1;
            break;
        case OPT_KUBE_DIR:
            args.kube_dir = optarg;
            break;
        case OPT_PERMISSION:
            if (args.permission_count == SETUP_PERMISSIONS_MAX) {
                return cli_fail_usage("setup", "more than %d --permission flags",
                                      SETUP_PERMISSIONS_MAX);
            }
            args.permissions[args.permission_count++] = optarg;
            break;
        case OPT_LIST_PERMISSIONS:
            args.list_permissions = 1;
            break;
        case OPT_OUTPUT_DIR:
            args.output_dir = optarg;
            break;
        case OPT_FORCE:
            args.force = 1;
            break;
        case OPT_APPLY:
            args.apply = 1;
            break;
        case 'v':
            cli->verbosity++;
            break;
        case CLI_OPT_HELP:
            cli_cmd_setup_help(stdout);
            return CLI_EXIT_OK;
        default:
            return cli_fail_getopt("setup", opt, argv);
        }
    }
    if (optind < argc)
        return cli_fail_usage("setup", "unexpected argument '%s'", argv[optind]);
    if (args.list_permissions) {
        setup_list_permissions();
        return CLI_EXIT_OK;
    }

    if ((status = check_inputs(&spec, &args)) != CLI_EXIT_OK)
        goto out;
    if (args.issuer_from_cluster) {
        if ((status = setup_issuer_from_cluster(&cluster_issuer, args.kube_dir)) != CLI_EXIT_OK)
            goto out;
        spec.issuer = cluster_issuer;
    }

    if (args.apply) {
        if ((status = open_admin_ctx(&ctx, &spec, cli, cloud_flag)) != CLI_EXIT_OK)
            goto out;
        if ((status = setup_apply(&spec, ctx, args.force)) != CLI_EXIT_OK)
            goto out;
    }

    if ((rc = setup_render(artefacts, &spec)) < 0) {
        status = cli_fail(CLI_EXIT_OTHER, NULL, "cannot render the files: %s", m365id_strerror(rc));
        goto out;
    }
    rendered = 1;
    if (args.output_dir != NULL)
        status = setup_write_dir(artefacts, args.output_dir, args.force);
    else
        status = setup_write_stdout(artefacts);

out:
    if (rendered)
        setup_artefacts_clear(artefacts);
    m365id_ctx_free(ctx);
    free(cluster_issuer);
    return status;
}
