/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * m365id-emulator: command line, state directory, TLS material, server start, and the
 * emulator.json file that lists the URLs and paths tests need. Routes live in router.c.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ci.h"
#include "directory.h"
#include "emu.h"
#include "files.h"
#include "httpd.h"
#include "issuer.h"
#include "m365id/error.h"
#include "util/buf.h"
#include "util/http_client.h"
#include "util/json.h"
#include "util/quote.h"
#include "util/strutil.h"

#define PROG "m365id-emulator"
#define SCENARIO_FILE_MAX (4u * 1024u * 1024u) /* scenarios are hand-written, a few KiB */
#define CERT_DAYS 30

static const char usage_text[] =
    "usage: " PROG " [--config FILE] [--state-dir DIR] [--port N] [--bind ADDR]\n"
    "                      [--allow-external-issuers] [--msi-http-port N] [-v|-vv]\n"
    "\n"
    "Local stand-in for Microsoft Entra ID, Microsoft Graph and a cluster's service-account\n"
    "issuer, served over HTTPS with a CA generated at start.\n"
    "\n"
    "  --config FILE     scenario JSON (default: the built-in scenario)\n"
    "  --state-dir DIR   where ca.pem, workload token files and emulator.json are written\n"
    "                    (default: ./emulator-state, created with mode 0700)\n"
    "  --port N          TCP port; 0 picks a free port (default: 0)\n"
    "  --bind ADDR       numeric listen address (default: 127.0.0.1)\n"
    "  --allow-external-issuers\n"
    "                    also fetch discovery documents and JWKS of issuers outside the\n"
    "                    emulator (a real cluster's), trusting the system CA store; off by\n"
    "                    default so that an assertion cannot make the emulator contact a host\n"
    "  --msi-http-port N also serve the managed-identity endpoints over plain HTTP on this\n"
    "                    port of the --bind address, as IMDS and App Service do; 0 picks a\n"
    "                    free port (default: off, HTTPS under /_msi only)\n"
    "  -v, -vv           log decisions (debug) or wire detail (trace) as well\n"
    "  --help            show this text\n";

struct options {
    const char *config;
    const char *state_dir;
    const char *bind;
    unsigned short port;
    int verbosity;
    int allow_external_issuers;
    int msi_http; /* --msi-http-port given */
    unsigned short msi_http_port;
};

/* Connections the HTTPS listener serves at once, one thread each. A slow or half-open client
 * keeps its connection until the idle timeout (30 s without a byte). This many leaves room
 * for ordinary requests beside 1,000 such clients (bench/emulator_slowloris). */
#define CONNECTIONS_MAX 4096u
/* File descriptors kept for everything but client connections: logs, state files, the
 * outgoing issuer fetches. */
#define FDS_RESERVED 64u

static void die(const char *hint, const char *fmt, ...) __attribute__((format(printf, 2, 3)))
__attribute__((noreturn));

static void die(const char *hint, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, PROG ": error: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (hint != NULL && hint[0] != '\0')
        fprintf(stderr, PROG ": hint: %s\n", hint);
    exit(2);
}

/* --bind takes a numeric address only: a host name would need a resolver decision (which of
 * its addresses) that the emulator leaves to the user. */
static void check_bind_address(const char *bind)
{
    unsigned char addr[sizeof(struct in6_addr)];
    struct m365id__quoted q;

    if (inet_pton(AF_INET, bind, addr) == 1 || inet_pton(AF_INET6, bind, addr) == 1)
        return;
    m365id__quote(&q, bind);
    die("pass a numeric address to --bind, such as 127.0.0.1 or ::1",
        "--bind '%s' is not a numeric IPv4 or IPv6 address", q.text);
}

static void parse_args(struct options *o, int argc, char **argv)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"state-dir", required_argument, NULL, 's'},
                                             {"port", required_argument, NULL, 'p'},
                                             {"bind", required_argument, NULL, 'b'},
                                             {"verbose", no_argument, NULL, 'v'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"allow-external-issuers", no_argument, NULL, 'x'},
                                             {"msi-http-port", required_argument, NULL, 'm'},
                                             {NULL, 0, NULL, 0}};
    int ch;

    memset(o, 0, sizeof(*o));
    o->state_dir = "emulator-state";
    o->bind = "127.0.0.1";
    while ((ch = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
        uint64_t v = 0;

        switch (ch) {
        case 'c':
            o->config = optarg;
            break;
        case 's':
            o->state_dir = optarg;
            break;
        case 'b':
            o->bind = optarg;
            break;
        case 'p':
            if (m365id__parse_u64(&v, optarg) < 0 || v > 65535) {
                struct m365id__quoted q;

                m365id__quote(&q, optarg);
                die("pass a number from 0 to 65535, 0 for a free port",
                    "--port '%s' is not a valid port", q.text);
            }
            o->port = (unsigned short)v;
            break;
        case 'm':
            if (m365id__parse_u64(&v, optarg) < 0 || v > 65535) {
                struct m365id__quoted q;

                m365id__quote(&q, optarg);
                die("pass a number from 0 to 65535, 0 for a free port",
                    "--msi-http-port '%s' is not a valid port", q.text);
            }
            o->msi_http = 1;
            o->msi_http_port = (unsigned short)v;
            break;
        case 'v':
            o->verbosity++;
            break;
        case 'x':
            o->allow_external_issuers = 1;
            break;
        case 'h':
            fputs(usage_text, stdout);
            exit(0);
        default:
            fputs(usage_text, stderr);
            exit(2);
        }
    }
    if (optind < argc)
        die("see --help", "unexpected argument '%s'", argv[optind]);
    check_bind_address(o->bind);
}

/* Read the scenario file whole; NULL path gives the built-in scenario. */
static char *read_scenario(const char *path, size_t *len)
{
    struct m365id__buf buf = M365ID__BUF_INIT(SCENARIO_FILE_MAX);
    char chunk[8192];
    char *text;
    FILE *f;
    size_t n;

    if (path == NULL) {
        *len = strlen(emu_scenario_default_json());
        return strdup(emu_scenario_default_json());
    }
    f = fopen(path, "rb");
    if (f == NULL)
        die("pass an existing scenario file to --config", "%s: cannot open: %s", path,
            strerror(errno));
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (m365id__buf_put(&buf, chunk, n) < 0) {
            fclose(f);
            die("scenarios are small JSON files", "%s: larger than %u bytes", path,
                SCENARIO_FILE_MAX);
        }
    }
    if (ferror(f))
        die(NULL, "%s: read failed: %s", path, strerror(errno));
    fclose(f);
    *len = buf.len;
    text = m365id__buf_detach(&buf);
    return text != NULL ? text : strdup(""); /* an empty file fails as invalid JSON */
}

/* Nonzero when every entry of @p dir is one the emulator writes there, so the directory is
 * the emulator's own (a fresh one, or the state of an earlier run). */
static int holds_only_emulator_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    int own = 1;

    if (d == NULL)
        return 0;
    while (own && (ent = readdir(d)) != NULL) {
        const char *n = ent->d_name;

        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0 || strcmp(n, "ca.pem") == 0 ||
            strcmp(n, "emulator.json") == 0 || strcmp(n, "workloads") == 0 ||
            strcmp(n, "ci") == 0 || strcmp(n, "kube") == 0 || strncmp(n, "ca.pem.tmp.", 11) == 0 ||
            strncmp(n, "emulator.json.tmp.", 18) == 0)
            continue;
        own = 0;
    }
    closedir(d);
    return own;
}

/*
 * The state directory contains workload tokens, so it must be private. A directory that the
 * emulator owns (same user, and only emulator files inside) is set to 0700. Any other
 * directory, such as a home directory passed by mistake, keeps its mode with a warning.
 */
static void make_state_dir_private(const struct m365id__logger *lg, const char *dir)
{
    struct stat st;
    struct m365id__quoted q;
    const char *why;

    m365id__quote(&q, dir);
    if (stat(dir, &st) < 0)
        die(NULL, "cannot inspect '%s': %s", q.text, strerror(errno));
    if (!S_ISDIR(st.st_mode)) {
        die("pass a directory, or a path that does not exist yet, to --state-dir",
            "--state-dir '%s' is not a directory", q.text);
    }
    if ((st.st_mode & 077) == 0)
        return;
    if (st.st_uid != geteuid()) {
        why = "another user owns it";
    } else if (!holds_only_emulator_files(dir)) {
        why = "it holds files the emulator did not write";
    } else if (chmod(dir, 0700) < 0) {
        why = strerror(errno);
    } else {
        mlog_info(lg, "emulator", "state directory '%s' had mode %04o; set it to 0700", q.text,
                  (unsigned int)(st.st_mode & 07777));
        return;
    }
    mlog_warn(lg, "emulator",
              "state directory '%s' keeps mode %04o because %s; other users may read the "
              "workload tokens in it", q.text, (unsigned int)(st.st_mode & 07777), why);
}

static void write_or_die(const char *path, const char *data, mode_t mode)
{
    if (emu_write_file_atomic(path, data, strlen(data), mode) < 0)
        die("check that the state directory is writable", "cannot write '%s': %s", path,
            strerror(errno));
}

/* emulator.json: managed-identity endpoints and identities, and CI issuers. */
static void describe_extras(json_t *doc, const struct emu *e)
{
    json_t *msi = json_object();
    json_t *identities = json_object();
    json_t *cis = json_object();
    char url[512];
    size_t i;

    if (msi == NULL || identities == NULL || cis == NULL)
        die(NULL, "out of memory");
    snprintf(url, sizeof(url), "%s/_msi", e->base_url);
    json_object_set_new(msi, "base", json_string(url));
    snprintf(url, sizeof(url), "%s/_msi/metadata/identity/oauth2/token", e->base_url);
    json_object_set_new(msi, "imds_endpoint", json_string(url));
    snprintf(url, sizeof(url), "%s/_msi/msi/token", e->base_url);
    json_object_set_new(msi, "app_service_endpoint", json_string(url));
    if (e->msi_http_base[0] != '\0') {
        json_object_set_new(msi, "http_base", json_string(e->msi_http_base));
        snprintf(url, sizeof(url), "%s/metadata/identity/oauth2/token", e->msi_http_base);
        json_object_set_new(msi, "http_imds_endpoint", json_string(url));
        snprintf(url, sizeof(url), "%s/msi/token", e->msi_http_base);
        json_object_set_new(msi, "http_app_service_endpoint", json_string(url));
    }
    json_object_set_new(msi, "identity_header", json_string(e->scn->identity_header));
    for (i = 0; i < e->scn->managed_identity_count; i++) {
        const struct emu_managed_identity *mi = &e->scn->managed_identities[i];

        json_object_set_new(identities, mi->name,
                            json_pack("{s:s,s:s,s:s,s:s,s:b}", "tenant_id", mi->tenant->id,
                                      "client_id", mi->client_id, "object_id", mi->object_id,
                                      "resource_id", mi->resource_id, "system_assigned",
                                      mi->system_assigned));
    }
    json_object_set_new(msi, "identities", identities);
    json_object_set_new(doc, "msi", msi);

    for (i = 0; i < e->scn->ci_issuer_count; i++) {
        const struct emu_ci_issuer *ci = &e->scn->ci_issuers[i];
        char jwks[512];
        char token_url[512];
        json_t *entry;

        snprintf(jwks, sizeof(jwks), "%s/.well-known/jwks", ci->issuer);
        snprintf(token_url, sizeof(token_url), "%s/ci/%s/token", e->base_url, ci->name);
        entry = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "kind",
                          ci->kind == EMU_CI_GITHUB ? "github" : "azure_devops", "issuer",
                          ci->issuer, "jwks_uri", jwks, "token_request_url", token_url,
                          "request_token", ci->request_token, "subject", ci->subject, "audience",
                          ci->default_audience, "expiration_seconds", (json_int_t)ci->expiration_s);
        if (entry != NULL && ci->kind == EMU_CI_AZURE_DEVOPS) {
            char path[4096];

            emu_ci_token_path(path, sizeof(path), e, ci);
            json_object_set_new(entry, "token_file", json_string(path));
            json_object_set_new(entry, "organization_id", json_string(ci->organization_id));
        }
        json_object_set_new(cis, ci->name, entry);
    }
    json_object_set_new(doc, "ci_issuers", cis);
}

/* emulator.json: where the server, CA, clusters and workload token files are. */
static char *describe(const struct emu *e)
{
    json_t *doc = json_object();
    json_t *clouds = json_object();
    json_t *clusters = json_object();
    json_t *workloads = json_object();
    char *text;
    size_t i;

    if (doc == NULL || clouds == NULL || clusters == NULL || workloads == NULL)
        die(NULL, "out of memory");
    json_object_set_new(doc, "base_url", json_string(e->base_url));
    json_object_set_new(doc, "port", json_integer(e->port));
    json_object_set_new(doc, "pid", json_integer((json_int_t)getpid()));
    json_object_set_new(doc, "ca_file", json_string(e->ca_file));
    json_object_set_new(doc, "state_dir", json_string(e->state_dir));
    for (i = 0; i < emu_cloud_count; i++) {
        const struct emu_cloud *c = &emu_clouds[i];
        char authority[256];
        char graph[256];
        char scope[256];

        snprintf(authority, sizeof(authority), "%s%s/", e->base_url, c->prefix);
        snprintf(graph, sizeof(graph), "%s%s", e->base_url, c->prefix);
        snprintf(scope, sizeof(scope), "%s/.default", c->graph_resources[0]);
        json_object_set_new(clouds, c->name,
                            json_pack("{s:s,s:s,s:s,s:s}", "authority_host", authority,
                                      "graph_endpoint", graph, "graph_scope", scope,
                                      "token_exchange_audience", c->fic_audience));
    }
    json_object_set_new(doc, "clouds", clouds);
    for (i = 0; i < e->scn->cluster_count; i++) {
        const struct emu_cluster *c = &e->scn->clusters[i];
        char jwks[512];

        snprintf(jwks, sizeof(jwks), "%s/clusters/%s/openid/v1/jwks", e->base_url, c->name);
        json_object_set_new(clusters, c->name,
                            json_pack("{s:s,s:s}", "issuer", c->issuer, "jwks_uri", jwks));
    }
    json_object_set_new(doc, "clusters", clusters);
    for (i = 0; i < e->scn->workload_count; i++) {
        const struct emu_workload *w = &e->scn->workloads[i];
        char path[4096];

        emu_issuer_token_path(path, sizeof(path), e, w);
        json_object_set_new(workloads, w->name,
                            json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "token_file", path,
                                      "tenant_id", w->tenant_id, "client_id", w->client_id,
                                      "cloud", w->cloud->name, "cluster", w->cluster->name,
                                      "namespace", w->ns, "service_account", w->service_account,
                                      "audience", w->audience));
    }
    json_object_set_new(doc, "workloads", workloads);
    describe_extras(doc, e);
    text = json_dumps(doc, JSON_INDENT(2));
    json_decref(doc);
    if (text == NULL)
        die(NULL, "out of memory");
    return text;
}

/* Parse the scenario or exit; @p logger (may be NULL) receives the placeholder expansions. */
static struct emu_scenario *load_scenario(const char *origin, const char *json, size_t len,
                                          const char *base_url, const char *base_dir,
                                          const struct m365id__logger *logger)
{
    struct emu_scenario *scn = NULL;
    struct emu_error err;
    int rc = emu_scenario_parse_in(&scn, json, len, base_url, base_dir, logger, &err);

    if (rc < 0)
        die(err.hint, "%s: %s", origin, err.message);
    return scn;
}

/*
 * Raise the soft limit of open files to the hard limit and return how many connections the
 * listener may take: CONNECTIONS_MAX, or fewer when the limit cannot reach it.
 */
static unsigned int connection_limit(const struct m365id__logger *lg)
{
    struct rlimit rl;
    rlim_t want = CONNECTIONS_MAX + FDS_RESERVED;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return 128;
    if (rl.rlim_cur < want && rl.rlim_cur != RLIM_INFINITY) {
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        unsigned int n = rl.rlim_cur > 2 * FDS_RESERVED ? (unsigned int)(rl.rlim_cur - FDS_RESERVED)
                                                        : FDS_RESERVED;

        mlog_warn(lg, "emulator", "the open file limit (%llu) allows %u connections, not %u",
                  (unsigned long long)rl.rlim_cur, n, CONNECTIONS_MAX);
        return n;
    }
    return CONNECTIONS_MAX;
}

int main(int argc, char **argv)
{
    static struct emu e;
    struct options o;
    struct httpd_options hopts = HTTPD_OPTIONS_INIT;
    struct httpd *server = NULL;
    struct httpd *msi_server = NULL;
    char *base_dir = NULL;
    struct m365id__tls_material tls;
    struct emu_scenario *probe;
    const char *origin;
    char path[PATH_MAX];
    char err[256];
    char *scenario_text;
    char *info;
    size_t scenario_len = 0;
    size_t i;
    sigset_t sigs;
    int sig = 0;
    int rc;

    parse_args(&o, argc, argv);
    memset(&tls, 0, sizeof(tls));
    e.logger.max_level = o.verbosity >= 2 ? M365ID_LOG_TRACE
                         : o.verbosity == 1 ? M365ID_LOG_DEBUG
                                            : M365ID_LOG_INFO;
    e.logger.cb = m365id__log_stderr;
    e.logger.payload = (void *)PROG;

    /* Signals are taken by sigwait() below; every thread started later inherits the mask. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Check the scenario before touching anything; the port is not known yet. */
    origin = o.config != NULL ? o.config : "built-in scenario";
    scenario_text = read_scenario(o.config, &scenario_len);
    if (scenario_text == NULL)
        die(NULL, "out of memory");
    /* Relative certificate paths start at the scenario file's directory. */
    if (o.config != NULL) {
        char *copy = strdup(o.config);

        base_dir = copy != NULL ? strdup(dirname(copy)) : NULL;
        free(copy);
        if (base_dir == NULL)
            die(NULL, "out of memory");
    }
    probe =
        load_scenario(origin, scenario_text, scenario_len, "https://127.0.0.1:0", base_dir, NULL);
    for (i = 0; i < probe->workload_count; i++) {
        if (probe->workloads[i].expiration_s < 600) {
            mlog_warn(&e.logger, "emulator",
                      "workload '%s' expiration_seconds %lld is below the Kubernetes minimum "
                      "of 600", probe->workloads[i].name, probe->workloads[i].expiration_s);
        }
    }
    emu_scenario_free(probe);

    /* State directory: absolute path, private, without a stale emulator.json. */
    if (emu_mkdir_p(o.state_dir, 0700) < 0)
        die("pass a writable directory to --state-dir", "cannot create '%s': %s", o.state_dir,
            strerror(errno));
    if (realpath(o.state_dir, path) == NULL)
        die(NULL, "cannot resolve '%s': %s", o.state_dir, strerror(errno));
    make_state_dir_private(&e.logger, path);
    e.state_dir = strdup(path);
    snprintf(path, sizeof(path), "%s/emulator.json", e.state_dir);
    if (unlink(path) < 0 && errno != ENOENT)
        die(NULL, "cannot remove the old '%s': %s", path, strerror(errno));
    snprintf(path, sizeof(path), "%s/ca.pem", e.state_dir);
    e.ca_file = strdup(path);
    if (e.state_dir == NULL || e.ca_file == NULL)
        die(NULL, "out of memory");

    if (m365id__http_global_init() < 0)
        die(NULL, "libcurl initialisation failed");
    if (m365id__tls_material_generate(&tls, CERT_DAYS, NULL) < 0)
        die(NULL, "cannot generate the TLS certificates");
    write_or_die(e.ca_file, tls.ca_cert_pem, 0644);
    e.allow_external_issuers = o.allow_external_issuers;
    if ((rc = emu_init(&e)) < 0)
        die(NULL, "cannot create the signing keys: %s", m365id_strerror(rc));

    hopts.bind_addr = o.bind;
    hopts.port = o.port;
    hopts.tls_cert_pem = tls.server_cert_pem;
    hopts.tls_key_pem = tls.server_key_pem;
    hopts.logger = &e.logger;
    hopts.log_component = "http";
    hopts.handler = emu_handle;
    hopts.payload = &e;
    hopts.max_connections = connection_limit(&e.logger);
    if ((rc = httpd_start(&server, &hopts, err, sizeof(err))) < 0) {
        die(rc == M365ID_EINVAL ? "pass a numeric address to --bind, such as 127.0.0.1 or ::1"
                                : "pick another --port, or 0 for a free one; with --bind, use an "
                                  "address of this machine",
            "%s", err);
    }
    e.port = httpd_port(server);
    if (strchr(o.bind, ':') != NULL)
        snprintf(e.base_url, sizeof(e.base_url), "https://[%s]:%u",
                 strcmp(o.bind, "::") == 0 ? "::1" : o.bind, (unsigned int)e.port);
    else
        snprintf(e.base_url, sizeof(e.base_url), "https://%s:%u",
                 strcmp(o.bind, "0.0.0.0") == 0 ? "127.0.0.1" : o.bind, (unsigned int)e.port);

    /* Now that the port is known, expand the placeholders for real. */
    e.scn = load_scenario(origin, scenario_text, scenario_len, e.base_url, base_dir, &e.logger);
    free(scenario_text);
    free(base_dir);
    if ((rc = emu_issuer_new(&e.issuer, e.scn)) < 0)
        die(NULL, "cannot create the cluster keys: %s", m365id_strerror(rc));
    if ((rc = emu_ci_new(&e.ci, e.scn)) < 0)
        die(NULL, "cannot create the CI issuer keys: %s", m365id_strerror(rc));
    if ((rc = emu_directory_new(&e.directory, e.scn)) < 0)
        die(NULL, "cannot build the Graph directory: %s", m365id_strerror(rc));
    for (i = 0; i < e.scn->fault_count; i++) {
        if (emu_faults_add(&e.faults, &e.scn->faults[i]) < 0)
            die("use fewer fault rules", "too many fault rules");
    }

    /* The plain-HTTP managed-identity listener, as IMDS and App Service endpoints are. */
    if (o.msi_http) {
        struct httpd_options mopts = HTTPD_OPTIONS_INIT;

        mopts.bind_addr = o.bind;
        mopts.port = o.msi_http_port;
        mopts.logger = &e.logger;
        mopts.log_component = "msi-http";
        mopts.handler = emu_handle_msi_http;
        mopts.payload = &e;
        if ((rc = httpd_start(&msi_server, &mopts, err, sizeof(err))) < 0)
            die("pick another --msi-http-port, or 0 for a free one", "%s", err);
        if (strchr(o.bind, ':') != NULL)
            snprintf(e.msi_http_base, sizeof(e.msi_http_base), "http://[%s]:%u",
                     strcmp(o.bind, "::") == 0 ? "::1" : o.bind,
                     (unsigned int)httpd_port(msi_server));
        else
            snprintf(e.msi_http_base, sizeof(e.msi_http_base), "http://%s:%u",
                     strcmp(o.bind, "0.0.0.0") == 0 ? "127.0.0.1" : o.bind,
                     (unsigned int)httpd_port(msi_server));
    }
    __atomic_store_n(&e.ready, 1, __ATOMIC_RELEASE);
    if ((rc = emu_issuer_start(&e)) < 0)
        die("check that the state directory is writable", "cannot write the workload tokens");
    if ((rc = emu_ci_write_files(&e)) < 0)
        die("check that the state directory is writable", "cannot write the CI token files");

    info = describe(&e);
    snprintf(path, sizeof(path), "%s/emulator.json", e.state_dir);
    write_or_die(path, info, 0644);
    free(info);
    mlog_info(&e.logger, "emulator", "listening on %s (state %s, %zu tenants, %zu clusters)",
              e.base_url, e.state_dir, e.scn->tenant_count, e.scn->cluster_count);

    while (sigwait(&sigs, &sig) != 0 || (sig != SIGINT && sig != SIGTERM))
        ;
    mlog_info(&e.logger, "emulator", "signal %d, shutting down", sig);
    httpd_stop(msi_server);
    httpd_stop(server);
    emu_clear(&e);
    m365id__tls_material_clear(&tls);
    return 0;
}
