/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * `m365id doctor`: option parsing, the run of the checks in their fixed order, the record of
 * findings and evidence, and the text and JSON reports. The checks themselves live in
 * check_*.c and only call the recording functions declared in doctor.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/doctor/doctor.h"
#include "cli/doctor/doctor_internal.h"
#include "util/http_client.h"
#include "util/limits.h"
#include "util/secret.h"

struct doctor_check {
    const char *id;              /* static, from the check */
    const char *title;           /* static, from the check */
    int required;
    enum doctor_status status;   /* worst of the findings that are not skips */
    int has_result;              /* a PASS, WARN or FAIL finding was recorded */
    json_t *findings;            /* array of {"status","message","evidence","fix"} */
    struct doctor_check *next;
};

struct doctor {
    struct doctor_options options;
    struct doctor_facts facts;
    struct doctor_check *first;
    struct doctor_check *last;
};

static const char *const status_names[] = {"pass", "skip", "warn", "fail"};
static const char *const status_labels[] = {"PASS", "SKIP", "WARN", "FAIL"};

void cli_cmd_doctor_help(FILE *fp)
{
    fputs("Usage: m365id doctor [options]\n"
          "\n"
          "Check a workload identity setup step by step and explain what is wrong: the\n"
          "configuration and where each value comes from, the projected token file, the pod\n"
          "and its ServiceAccount, the issuer's discovery document and keys, the federated\n"
          "credential, the token exchange, the Graph permissions and the network path. Each\n"
          "finding shows its evidence (both sides of a mismatch) and the change that fixes it.\n"
          "Tokens are decoded without verifying them and are never printed.\n"
          "\n"
          "Checks, in order:\n"
          "  config                settings, their sources, missing AZURE_* variables,\n"
          "                        settings of different clouds\n"
          "  token-file            the token file: set, exists, readable, a JWT, its claims,\n"
          "                        times, audience and kind\n"
          "  pod                   the pod and ServiceAccount (--pod, --service-account, or\n"
          "                        the Kubernetes API when running in a cluster)\n"
          "  issuer                the token's issuer: public https host, discovery document,\n"
          "                        JWKS with the token's key\n"
          "  federated-credential  the federated credentials (--federated-credential FILE)\n"
          "                        against the token's issuer, subject and audience\n"
          "  exchange              one token request to Entra ID for the Graph scope\n"
          "  permissions           the application permissions (roles) of the Graph token\n"
          "  network               proxy variables and the reachability of each endpoint\n"
          "                        (informational: never changes the exit status)\n"
          "\n"
          "Options:\n"
          "  --pod FILE                 Pod, Deployment, StatefulSet, DaemonSet, Job or CronJob\n"
          "                             manifest (YAML or JSON) the workload runs as\n"
          "  --service-account FILE     ServiceAccount manifest (YAML or JSON)\n"
          "  --federated-credential FILE\n"
          "                             output of 'az ad app federated-credential list', or\n"
          "                             one credential object\n"
          "  --require-role NAME        Graph application permission the workload needs, such\n"
          "                             as User.Read.All; repeatable\n"
          "  --kube-dir DIR             in-cluster service-account folder (token, ca.crt,\n"
          "                             namespace); default\n"
          "                             /var/run/secrets/kubernetes.io/serviceaccount\n"
          "  --offline                  send no request: the issuer, exchange, permissions\n"
          "                             and reachability steps are skipped\n"
          "  -o, --output FORMAT        text (default) or json\n"
          "  -h, --help                 show this help\n"
          "\n",
          fp);
    cli_config_flags_help(fp);
    fputs("\n"
          "Exit status:\n"
          "  0  every required check passed or warned; a check skipped for lack of input\n"
          "     does not fail the run\n"
          "  1  usage error\n"
          "  7  other error (memory, unwritable stdout)\n"
          "  8  a required check failed\n",
          fp);
}

/* --- recording --- */

static void die_nomem(void)
{
    fputs("m365id: error: out of memory\n", stderr);
    exit(CLI_EXIT_OTHER);
}

static json_t *checked(json_t *value)
{
    if (value == NULL)
        die_nomem();
    return value;
}

/* Return a JSON string of @p s. A token claim may contain any bytes, so bytes of invalid UTF-8
 * become '?' and the report stays valid JSON. */
static json_t *string_lossy(const char *s)
{
    json_t *value = json_string(s);
    char *copy;

    if (value != NULL)
        return value;
    copy = strdup(s);
    if (copy == NULL)
        die_nomem();
    for (unsigned char *p = (unsigned char *)copy; *p != '\0'; p++) {
        if (*p >= 0x80)
            *p = '?';
    }
    value = checked(json_string(copy));
    free(copy);
    return value;
}

static char *vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static char *vformat(const char *fmt, va_list ap)
{
    char *text = malloc(DOCTOR_TEXT_MAX);
    int n;

    if (text == NULL)
        die_nomem();
    n = vsnprintf(text, DOCTOR_TEXT_MAX, fmt, ap);
    if (n >= DOCTOR_TEXT_MAX)
        memcpy(text + DOCTOR_TEXT_MAX - 4, "...", 4);
    return text;
}

struct doctor_check *doctor_check_begin(struct doctor *d, const char *id, const char *title,
                                        int required)
{
    struct doctor_check *c = calloc(1, sizeof(*c));

    if (c == NULL)
        die_nomem();
    c->id = id;
    c->title = title;
    c->required = required;
    c->status = DOCTOR_PASS;
    c->findings = checked(json_array());
    if (d->last != NULL)
        d->last->next = c;
    else
        d->first = c;
    d->last = c;
    return c;
}

static void add_finding(struct doctor_check *c, enum doctor_status status, const char *fix,
                        char *message)
{
    json_t *finding = checked(json_object());

    json_object_set_new(finding, "status", checked(json_string(status_names[status])));
    json_object_set_new(finding, "message", string_lossy(message));
    json_object_set_new(finding, "evidence", checked(json_array()));
    json_object_set_new(finding, "fix", fix != NULL ? string_lossy(fix) : json_null());
    json_array_append_new(c->findings, finding);
    free(message);

    /* A skipped step inside a check that produced results does not turn the check into a
     * skip: the status is the worst of the results, and a skip only when there is none. */
    if (status == DOCTOR_SKIP) {
        if (!c->has_result)
            c->status = DOCTOR_SKIP;
        return;
    }
    if (!c->has_result || status > c->status)
        c->status = status;
    c->has_result = 1;
}

void doctor_finding(struct doctor_check *c, enum doctor_status status, const char *fix,
                    const char *fmt, ...)
{
    va_list ap;
    char *message;

    va_start(ap, fmt);
    message = vformat(fmt, ap);
    va_end(ap);
    add_finding(c, status, fix, message);
}

void doctor_evidence(struct doctor_check *c, const char *name, const char *fmt, ...)
{
    size_t count = json_array_size(c->findings);
    json_t *row;
    char *value;
    va_list ap;

    if (count == 0) {
        doctor_finding(c, DOCTOR_PASS, NULL, "%s", "details");
        count = 1;
    }
    va_start(ap, fmt);
    value = vformat(fmt, ap);
    va_end(ap);
    row = checked(json_object());
    json_object_set_new(row, "name", checked(json_string(name)));
    json_object_set_new(row, "value", string_lossy(value));
    free(value);
    json_array_append_new(json_object_get(json_array_get(c->findings, count - 1), "evidence"),
                          row);
}

void doctor_skip(struct doctor_check *c, const char *fmt, ...)
{
    va_list ap;
    char *message;

    if (json_array_size(c->findings) > 0)
        return;
    va_start(ap, fmt);
    message = vformat(fmt, ap);
    va_end(ap);
    add_finding(c, DOCTOR_SKIP, NULL, message);
}

struct doctor_facts *doctor_facts(struct doctor *d)
{
    return &d->facts;
}

const struct doctor_options *doctor_options(const struct doctor *d)
{
    return &d->options;
}

int doctor_url_host(char *out, size_t size, const char *url)
{
    const char *start = strstr(url, "://");
    const char *end;
    const char *at;
    size_t len;

    if (size > 0)
        out[0] = '\0';
    if (start == NULL)
        return -1;
    start += 3;
    end = start + strcspn(start, "/?#");
    at = memchr(start, '@', (size_t)(end - start));
    if (at != NULL)
        start = at + 1;
    if (*start == '[') {
        start++;
        end = memchr(start, ']', (size_t)(end - start));
        if (end == NULL)
            return -1;
    } else {
        const char *colon = memchr(start, ':', (size_t)(end - start));

        if (colon != NULL)
            end = colon;
    }
    len = (size_t)(end - start);
    if (len == 0 || len >= size)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char ch = start[i];

        out[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    out[len] = '\0';
    return 0;
}

const char *doctor_setting(const struct doctor *d, const char *key, const char **source)
{
    const char *value = NULL;
    const char *from = NULL;

    if (source != NULL)
        *source = NULL;
    if (d->facts.ctx == NULL ||
        m365id_ctx_setting_display(&value, &from, d->facts.ctx, key) != M365ID_OK)
        return NULL;
    if (source != NULL)
        *source = from;
    return value;
}

int doctor_http_get(struct m365id__http_response *resp, const struct doctor *d, const char *url,
                    long timeout_ms)
{
    struct m365id__http_request req;

    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.url = url;
    req.ca_file = doctor_setting(d, "ca_bundle", NULL);
    req.timeout_ms = timeout_ms;
    req.connect_timeout_ms = timeout_ms < 5000 ? timeout_ms : 5000;
    req.max_response = M365ID_OIDC_DOC_MAX;
    return m365id__http_perform(resp, &req);
}

/* --- reports --- */

/* Print @p s with control characters and DEL escaped, so that values taken from tokens,
 * files and servers cannot move the cursor or hide text. Other UTF-8 passes unchanged, except
 * the C1 controls U+0080 to U+009F, because a terminal may obey U+009B as CSI. */
static void print_escaped(FILE *fp, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '\t') {
            fputs("\\t", fp);
        } else if (*p == '\n') {
            fputs("\\n", fp);
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(fp, "\\x%02x", *p);
        } else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            fprintf(fp, "\\u%04x", p[1]);
            p++;
        } else {
            fputc(*p, fp);
        }
    }
}

static void print_finding(FILE *fp, const json_t *finding)
{
    const json_t *evidence = json_object_get(finding, "evidence");
    const json_t *fix = json_object_get(finding, "fix");
    const char *status = json_string_value(json_object_get(finding, "status"));
    size_t width = json_is_string(fix) ? strlen("fix") : 0;
    const json_t *row;
    size_t i;

    for (i = 0; i < 4; i++) {
        if (strcmp(status, status_names[i]) == 0)
            break;
    }
    fprintf(fp, "    %s  ", i < 4 ? status_labels[i] : "????");
    print_escaped(fp, json_string_value(json_object_get(finding, "message")));
    fputc('\n', fp);

    json_array_foreach(evidence, i, row) {
        size_t len = strlen(json_string_value(json_object_get(row, "name")));

        if (len > width)
            width = len;
    }
    json_array_foreach(evidence, i, row) {
        const char *name = json_string_value(json_object_get(row, "name"));

        fprintf(fp, "          %s:%*s", name, (int)(width - strlen(name) + 1), "");
        print_escaped(fp, json_string_value(json_object_get(row, "value")));
        fputc('\n', fp);
    }
    if (json_is_string(fix)) {
        fprintf(fp, "          fix:%*s", (int)(width - strlen("fix") + 1), "");
        print_escaped(fp, json_string_value(fix));
        fputc('\n', fp);
    }
}

struct summary {
    int count[4];
    json_t *failed_required; /* array of check ids */
};

static void summarise(struct summary *sum, const struct doctor *d)
{
    memset(sum->count, 0, sizeof(sum->count));
    sum->failed_required = checked(json_array());
    for (const struct doctor_check *c = d->first; c != NULL; c = c->next) {
        sum->count[c->status]++;
        if (c->required && c->status == DOCTOR_FAIL)
            json_array_append_new(sum->failed_required, checked(json_string(c->id)));
    }
}

static int print_text(FILE *fp, const struct doctor *d, const struct summary *sum)
{
    const json_t *finding;
    const json_t *id;
    size_t i;

    fprintf(fp, "m365id doctor: workload identity checks (tokens decoded, not verified)\n\n");
    for (const struct doctor_check *c = d->first; c != NULL; c = c->next) {
        fprintf(fp, "[%s] %s: %s%s\n", status_labels[c->status], c->id, c->title,
                c->required ? "" : " (informational)");
        json_array_foreach(c->findings, i, finding)
            print_finding(fp, finding);
    }
    fprintf(fp, "\nsummary: %d passed, %d warnings, %d failed, %d skipped; ",
            sum->count[DOCTOR_PASS], sum->count[DOCTOR_WARN], sum->count[DOCTOR_FAIL],
            sum->count[DOCTOR_SKIP]);
    if (json_array_size(sum->failed_required) == 0) {
        fprintf(fp, "every required check passed or warned\n");
    } else {
        fprintf(fp, "required checks failed:");
        json_array_foreach(sum->failed_required, i, id)
            fprintf(fp, " %s", json_string_value(id));
        fputc('\n', fp);
    }
    if (fflush(fp) != 0 || ferror(fp))
        return cli_fail_stdout(errno);
    return CLI_EXIT_OK;
}

static json_t *report_json(const struct doctor *d, const struct summary *sum)
{
    json_t *doc = checked(json_object());
    json_t *checks = checked(json_array());
    json_t *summary = checked(json_object());

    for (const struct doctor_check *c = d->first; c != NULL; c = c->next) {
        json_t *check = checked(json_object());

        json_object_set_new(check, "id", checked(json_string(c->id)));
        json_object_set_new(check, "title", checked(json_string(c->title)));
        json_object_set_new(check, "status", checked(json_string(status_names[c->status])));
        json_object_set_new(check, "required", json_boolean(c->required));
        json_object_set(check, "findings", c->findings);
        json_array_append_new(checks, check);
    }
    for (int i = 0; i < 4; i++)
        json_object_set_new(summary, status_names[i], json_integer(sum->count[i]));
    json_object_set(summary, "failed_required", sum->failed_required);

    json_object_set_new(doc, "checks", checks);
    json_object_set_new(doc, "summary", summary);
    json_object_set_new(doc, "ok", json_boolean(json_array_size(sum->failed_required) == 0));
    return doc;
}

static int print_json(const struct doctor *d, const struct summary *sum)
{
    json_t *doc = report_json(d, sum);
    int status = cli_print_json(doc);

    json_decref(doc);
    return status;
}

int doctor_report_text(FILE *fp, const struct doctor *d)
{
    struct summary sum;
    int status;

    summarise(&sum, d);
    status = print_text(fp, d, &sum);
    json_decref(sum.failed_required);
    return status;
}

json_t *doctor_report_json(const struct doctor *d)
{
    struct summary sum;
    json_t *doc;

    summarise(&sum, d);
    doc = report_json(d, &sum);
    json_decref(sum.failed_required);
    return doc;
}

/* --- the run --- */

static void facts_clear(struct doctor_facts *f)
{
    m365id__free_secret_str(f->assertion);
    m365id__free_secret_str(f->access_token);
    json_decref(f->assertion_header);
    json_decref(f->assertion_claims);
    json_decref(f->access_claims);
    json_decref(f->fics);
    json_decref(f->pod);
    json_decref(f->service_account);
    free(f->ignored_authority);
    /* Last: auth_method and the other borrowed strings point into the context. */
    m365id_ctx_free(f->ctx);
    memset(f, 0, sizeof(*f));
}

static void doctor_clear(struct doctor *d)
{
    struct doctor_check *next;

    for (struct doctor_check *c = d->first; c != NULL; c = next) {
        next = c->next;
        json_decref(c->findings);
        free(c);
    }
    d->first = NULL;
    d->last = NULL;
    facts_clear(&d->facts);
}

struct doctor *doctor_new(const struct doctor_options *options)
{
    struct doctor *d = calloc(1, sizeof(*d));

    if (d == NULL)
        die_nomem();
    d->options = *options;
    d->facts.fic_match = -1;
    return d;
}

void doctor_free(struct doctor *d)
{
    if (d == NULL)
        return;
    doctor_clear(d);
    free(d);
}

enum doctor_opt {
    OPT_POD = CLI_OPT_FLAG_BASE + 0x90,
    OPT_SERVICE_ACCOUNT,
    OPT_FIC,
    OPT_REQUIRE_ROLE,
    OPT_KUBE_DIR,
    OPT_OFFLINE,
};

int cli_cmd_doctor(int argc, char **argv, struct cli_options *cli)
{
    struct option opts[CLI_FLAG_COUNT + 12];
    struct doctor d;
    struct summary sum = {{0}, NULL};
    const char **roles = NULL;
    size_t nopts = 0;
    int status = CLI_EXIT_OK;
    int taken;
    int opt;

    memset(&d, 0, sizeof(d));
    d.options.cli = cli;
    d.facts.fic_match = -1;

    opts[nopts++] = (struct option){"pod", required_argument, NULL, OPT_POD};
    opts[nopts++] = (struct option){"service-account", required_argument, NULL,
                                    OPT_SERVICE_ACCOUNT};
    opts[nopts++] = (struct option){"federated-credential", required_argument, NULL, OPT_FIC};
    opts[nopts++] = (struct option){"require-role", required_argument, NULL, OPT_REQUIRE_ROLE};
    opts[nopts++] = (struct option){"kube-dir", required_argument, NULL, OPT_KUBE_DIR};
    opts[nopts++] = (struct option){"offline", no_argument, NULL, OPT_OFFLINE};
    opts[nopts++] = (struct option){"output", required_argument, NULL, 'o'};
    opts[nopts++] = (struct option){"verbose", no_argument, NULL, 'v'};
    opts[nopts++] = (struct option){"help", no_argument, NULL, CLI_OPT_HELP};
    cli_config_flags_add(opts, &nopts);

    /* Each --require-role takes at least one word of argv, so argc entries are enough. */
    roles = calloc((size_t)argc + 1, sizeof(*roles));
    if (roles == NULL)
        return cli_fail(CLI_EXIT_OTHER, NULL, "out of memory reading the options");

    optind = 0;
    opterr = 0;
    while ((opt = cli_getopt(argc, argv, ":o:vh", opts)) != -1) {
        if ((taken = cli_config_flags_take(cli, opt, optarg)) < 0) {
            status = CLI_EXIT_USAGE;
            goto out;
        }
        if (taken)
            continue;
        switch (opt) {
        case OPT_POD:
            d.options.pod_file = optarg;
            break;
        case OPT_SERVICE_ACCOUNT:
            d.options.service_account_file = optarg;
            break;
        case OPT_FIC:
            d.options.fic_file = optarg;
            break;
        case OPT_REQUIRE_ROLE:
            if (optarg[0] == '\0') {
                status = cli_fail_usage("doctor", "option '--require-role' has an empty value");
                goto out;
            }
            roles[d.options.required_role_count++] = optarg;
            break;
        case OPT_KUBE_DIR:
            d.options.kube_dir = optarg;
            break;
        case OPT_OFFLINE:
            d.options.offline = 1;
            break;
        case 'o':
            if (strcmp(optarg, "text") == 0) {
                d.options.json = 0;
            } else if (strcmp(optarg, "json") == 0) {
                d.options.json = 1;
            } else {
                status = cli_fail_usage("doctor", "unknown output format '%s' (want text or "
                                                  "json)", optarg);
                goto out;
            }
            break;
        case 'v':
            cli->verbosity++;
            break;
        case CLI_OPT_HELP:
            cli_cmd_doctor_help(stdout);
            goto out;
        default:
            status = cli_fail_getopt("doctor", opt, argv);
            goto out;
        }
    }
    if (optind < argc) {
        status = cli_fail_usage("doctor", "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    d.options.required_roles = roles;

    m365id__http_global_init();
    doctor_check_config(&d);
    doctor_check_token_file(&d);
    doctor_check_pod(&d);
    doctor_check_issuer(&d);
    doctor_check_fic(&d);
    doctor_check_exchange(&d);
    doctor_check_permissions(&d);
    doctor_check_network(&d);

    summarise(&sum, &d);
    status = d.options.json ? print_json(&d, &sum) : print_text(stdout, &d, &sum);
    if (status == CLI_EXIT_OK && json_array_size(sum.failed_required) > 0)
        status = CLI_EXIT_DOCTOR;

out:
    json_decref(sum.failed_required);
    doctor_clear(&d);
    free(roles);
    return status;
}
