/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * `m365id inspect`: decode a JWT from a file or stdin WITHOUT verifying it, print its header,
 * claims and times, guess what kind of token it is, and show the federated identity credential
 * that a service-account token would match. Needs no configuration and no network.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/doctor/input.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/jwt.h"
#include "util/limits.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/strutil.h"
#include "util/timeutil.h"

/* Entra ID rejects an assertion that lives longer than 1 day 1 hour (AADSTS70023). */
#define INSPECT_LIFETIME_MAX_S (86400 + 3600)
/* Latest time printed as a date: 9999-12-31T23:59:59Z. */
#define INSPECT_TIME_MAX_S 253402300799LL
/* Audience prefix of federated credentials; each cloud uses a value starting with it. */
#define INSPECT_FIC_AUDIENCE "api://AzureADTokenExchange"
/* Maximum number of aud entries examined per token. */
#define INSPECT_AUDIENCES_MAX 32

enum inspect_output { OUTPUT_TEXT, OUTPUT_JSON };

enum token_kind { KIND_JWT, KIND_KUBERNETES, KIND_ENTRA, KIND_GITHUB };

/* Findings about one token, read by both the text and the JSON printer. */
struct inspection {
    char source[M365ID_QUOTE_MAX * 4 + 32]; /* "'path'" quoted, or "standard input" */
    size_t size;                            /* bytes read, before trimming */
    struct m365id__jwt jwt;
    enum token_kind kind;
    const char *access;  /* Entra tokens: "app-only", "delegated" or "unknown" */
    const char *reason;  /* which claim decided access */
    long long now_s;
    json_t *warnings;    /* array of strings */
};

void cli_cmd_inspect_help(FILE *fp)
{
    fputs("Usage: m365id inspect [-o text|json] [FILE|-]\n"
          "\n"
          "Decode a JWT (a projected service-account token, a CI token or an access token)\n"
          "WITHOUT verifying its signature, and print its header, every claim, the iat, nbf\n"
          "and exp times in UTC and relative to now, and a guess of what kind of token it is.\n"
          "For a service-account token, also print the federated identity credential it would\n"
          "match (issuer, subject, audience) and warn about a lifetime over 90000 s or an\n"
          "audience other than api://AzureADTokenExchange, which Entra ID rejects.\n"
          "\n"
          "FILE is read whole (at most 65536 bytes) and surrounding whitespace is removed.\n"
          "It must be a regular file or a pipe named /dev/fd/N, as <(command) passes it;\n"
          "a named FIFO or a device is rejected instead of waited on.\n"
          "Without FILE, or with '-', the token is read from standard input, which must not be\n"
          "a terminal. The signature part is never printed. No setting is needed and nothing\n"
          "is sent over the network.\n"
          "\n"
          "Options:\n"
          "  -o, --output FORMAT     text (default): one line per field;\n"
          "                          json: verified (always false), source, size, kind, access\n"
          "                          (Entra tokens), header, claims, times, lifetime_s,\n"
          "                          federated_credential and warnings\n"
          "  -h, --help              show this help\n"
          "\n"
          "Exit status:\n"
          "  0  the token was decoded (warnings do not change the status)\n"
          "  1  usage error (unknown option, terminal on standard input)\n"
          "  2  FILE is missing, unreadable, not a regular file or pipe, larger than 65536\n"
          "     bytes, or not a JWT\n"
          "  7  other error (memory, unwritable stdout)\n",
          fp);
}

/* --- reading and classifying --- */

/* Read standard input into *out (malloc'd, wiped by the caller) and return an exit status. */
static int read_stdin(char **out, size_t *len_out, const char *source)
{
    char *data = NULL;
    size_t len = 0;
    int status = CLI_EXIT_OK;

    data = malloc(M365ID_TOKEN_FILE_MAX + 1);
    if (data == NULL)
        return cli_fail(CLI_EXIT_OTHER, NULL, "out of memory reading %s", source);
    len = fread(data, 1, M365ID_TOKEN_FILE_MAX + 1, stdin);
    if (ferror(stdin)) {
        status = cli_fail(CLI_EXIT_CONFIG, "pass the path of a file that contains one JWT",
                          "cannot read %s: %s", source, strerror(errno != 0 ? errno : EIO));
        goto out;
    }
    if (len > M365ID_TOKEN_FILE_MAX) {
        status = cli_fail(CLI_EXIT_CONFIG, "pass a single compact JWT, not a bundle or a log",
                          "%s is larger than %u bytes", source, M365ID_TOKEN_FILE_MAX);
        goto out;
    }
    data[len] = '\0';

    *out = data;
    *len_out = len;
    data = NULL;

out:
    if (data != NULL) {
        m365id__wipe(data, M365ID_TOKEN_FILE_MAX + 1);
        free(data);
    }
    return status;
}

/*
 * Read FILE or stdin into *out (malloc'd, wiped by the caller) and return an exit status.
 * FILE must be a regular file or a pipe named /dev/fd/N (process substitution): a FIFO under
 * another name is rejected rather than waited on.
 */
static int read_input(char **out, size_t *len_out, const char *path, const char *source)
{
    struct m365id__buf buf = M365ID__SECRET_BUF_INIT(M365ID_TOKEN_FILE_MAX);
    char why[M365ID_QUOTE_MAX * 4 + 160];
    int status = CLI_EXIT_OK;
    int err = 0;
    int rc;

    *out = NULL;
    *len_out = 0;
    if (path == NULL)
        return read_stdin(out, len_out, source);

    rc = doctor_input_read(&buf, path, 1, &err, why, sizeof(why));
    if (rc == M365ID_ENOMEM) {
        status = cli_fail(CLI_EXIT_OTHER, NULL, "out of memory reading %s", source);
        goto out;
    }
    if (rc == M365ID_ETOOBIG) {
        status = cli_fail(CLI_EXIT_CONFIG, "pass a single compact JWT, not a bundle or a log",
                          "%s is larger than %u bytes", source, M365ID_TOKEN_FILE_MAX);
        goto out;
    }
    if (rc < 0) {
        status = cli_fail(CLI_EXIT_CONFIG, "pass the path of a file that contains one JWT",
                          "%s", why);
        goto out;
    }
    *len_out = buf.len;
    if (buf.len == 0) {
        /* m365id__buf keeps no allocation while empty; callers expect a string. */
        *out = calloc(1, 1);
        if (*out == NULL)
            status = cli_fail(CLI_EXIT_OTHER, NULL, "out of memory reading %s", source);
        goto out;
    }
    *out = m365id__buf_detach(&buf);

out:
    m365id__buf_clear(&buf);
    return status;
}

static const char *claim_str(const json_t *obj, const char *name)
{
    const char *value = NULL;

    if (m365id__json_get_str(&value, obj, name) != M365ID__JSON_OK)
        return NULL;
    return value;
}

/* v1 access tokens name sts.windows.net (sts.chinacloudapi.cn in China); v2 tokens name the
 * cloud's login host followed by "/{tenant}/v2.0". */
static int is_entra_issuer(const char *iss)
{
    static const char *const v1_prefixes[] = {"https://sts.windows.net/",
                                              "https://sts.chinacloudapi.cn/"};
    static const char *const v2_prefixes[] = {"https://login.microsoftonline.com/",
                                              "https://login.microsoftonline.us/",
                                              "https://login.chinacloudapi.cn/"};

    if (iss == NULL)
        return 0;
    for (size_t i = 0; i < sizeof(v1_prefixes) / sizeof(v1_prefixes[0]); i++) {
        if (m365id__starts_with(iss, v1_prefixes[i]))
            return 1;
    }
    for (size_t i = 0; i < sizeof(v2_prefixes) / sizeof(v2_prefixes[0]); i++) {
        if (m365id__starts_with(iss, v2_prefixes[i]) && m365id__ends_with(iss, "/v2.0"))
            return 1;
    }
    return 0;
}

/* Tell app-only from delegated tokens. idtyp is the most reliable marker, but it is an
 * optional claim, so roles without scp also count as app-only. */
static void classify_entra(struct inspection *in)
{
    const json_t *payload = in->jwt.payload;
    const char *idtyp = claim_str(payload, "idtyp");

    if (idtyp != NULL && strcmp(idtyp, "app") == 0) {
        in->access = "app-only";
        in->reason = "idtyp is 'app'";
    } else if (idtyp != NULL && strcmp(idtyp, "user") == 0) {
        in->access = "delegated";
        in->reason = "idtyp is 'user'";
    } else if (json_object_get(payload, "scp") != NULL) {
        in->access = "delegated";
        in->reason = "scp claim present";
    } else if (json_object_get(payload, "roles") != NULL) {
        in->access = "app-only";
        in->reason = "roles without scp";
    } else {
        in->access = "unknown";
        in->reason = "no idtyp, roles or scp claim";
    }
}

static void classify(struct inspection *in)
{
    const json_t *payload = in->jwt.payload;
    const char *iss = claim_str(payload, "iss");
    const char *sub = claim_str(payload, "sub");

    if (json_object_get(payload, "kubernetes.io") != NULL ||
        (sub != NULL && m365id__starts_with(sub, "system:serviceaccount:"))) {
        in->kind = KIND_KUBERNETES;
    } else if (is_entra_issuer(iss)) {
        in->kind = KIND_ENTRA;
        classify_entra(in);
    } else if (iss != NULL && strcmp(iss, "https://token.actions.githubusercontent.com") == 0) {
        in->kind = KIND_GITHUB;
    } else {
        in->kind = KIND_JWT;
    }
}

static const char *kind_id(enum token_kind kind)
{
    switch (kind) {
    case KIND_KUBERNETES: return "kubernetes-service-account";
    case KIND_ENTRA: return "entra-access-token";
    case KIND_GITHUB: return "github-actions";
    case KIND_JWT: break;
    }
    return "jwt";
}

static const char *kind_text(enum token_kind kind)
{
    switch (kind) {
    case KIND_KUBERNETES: return "Kubernetes service-account token";
    case KIND_ENTRA: return "Entra ID access token";
    case KIND_GITHUB: return "GitHub Actions OIDC token";
    case KIND_JWT: break;
    }
    return "JWT";
}

/* --- times --- */

int cli_jwt_time_claim(long long *out, const json_t *payload, const char *name)
{
    const json_t *value = json_object_get(payload, name);
    double real;

    *out = 0;
    if (json_is_integer(value)) {
        *out = (long long)json_integer_value(value);
    } else if (json_is_real(value)) {
        real = json_real_value(value);
        if (!isfinite(real) || real < 0 || real > (double)INSPECT_TIME_MAX_S)
            return 0;
        *out = (long long)real;
    } else {
        return 0;
    }
    return *out >= 0 && *out <= INSPECT_TIME_MAX_S;
}

void cli_format_duration(char *out, size_t size, long long s)
{
    static const struct { long long seconds; char unit; } units[] = {
        {86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    size_t n = sizeof(units) / sizeof(units[0]);

    for (size_t i = 0; i < n; i++) {
        long long major = s / units[i].seconds;
        long long minor;

        if (major == 0 && i + 1 < n)
            continue;
        minor = i + 1 < n ? (s % units[i].seconds) / units[i + 1].seconds : 0;
        if (minor != 0) {
            snprintf(out, size, "%lld%c%lld%c", major, units[i].unit, minor,
                     units[i + 1].unit);
        } else {
            snprintf(out, size, "%lld%c", major, units[i].unit);
        }
        return;
    }
}

void cli_format_relative(char *out, size_t size, long long t, long long now, int is_exp)
{
    char duration[64];

    if (t == now) {
        snprintf(out, size, "%s", is_exp ? "expires now" : "now");
    } else if (t > now) {
        cli_format_duration(duration, sizeof(duration), t - now);
        snprintf(out, size, "in %s", duration);
    } else {
        cli_format_duration(duration, sizeof(duration), now - t);
        snprintf(out, size, "%s%s ago", is_exp ? "expired " : "", duration);
    }
}

static int is_time_claim(const char *name)
{
    return strcmp(name, "iat") == 0 || strcmp(name, "nbf") == 0 || strcmp(name, "exp") == 0;
}

/* --- warnings and the federated credential --- */

static void warn(struct inspection *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(struct inspection *in, const char *fmt, ...)
{
    char text[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    json_array_append_new(in->warnings, json_string(text));
}

static int has_outer_space(const char *s)
{
    size_t len = strlen(s);

    return len > 0 && (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t' ||
                       s[len - 1] == '\n' || s[len - 1] == '\r');
}

/* Collect what would make Entra ID reject this token as a client assertion. */
static void check_assertion(struct inspection *in)
{
    const json_t *payload = in->jwt.payload;
    const char *iss = claim_str(payload, "iss");
    const char *auds[INSPECT_AUDIENCES_MAX];
    struct m365id__quoted q;
    size_t aud_count;
    long long iat;
    long long exp;

    if (iss == NULL)
        warn(in, "no string 'iss' claim: Entra ID cannot match a federated credential");
    else if (has_outer_space(iss))
        warn(in, "'iss' has whitespace at its start or end: Entra ID compares it exactly and "
                 "rejects the token");
    if (claim_str(payload, "sub") == NULL)
        warn(in, "no string 'sub' claim: Entra ID cannot match a federated credential");

    aud_count = m365id__jwt_audiences(auds, INSPECT_AUDIENCES_MAX, payload);
    if (aud_count == 0)
        warn(in, "no 'aud' claim: the token needs the audience %s", INSPECT_FIC_AUDIENCE);
    for (size_t i = 0; i < aud_count; i++) {
        if (m365id__starts_with(auds[i], INSPECT_FIC_AUDIENCE))
            continue;
        m365id__quote(&q, auds[i]);
        warn(in, "audience '%s' is not an %s value: set the projected volume's audience to "
                 "%s, as the federated credential expects",
             q.text, INSPECT_FIC_AUDIENCE, INSPECT_FIC_AUDIENCE);
    }

    if (cli_jwt_time_claim(&iat, payload, "iat") && cli_jwt_time_claim(&exp, payload, "exp") &&
        exp - iat > INSPECT_LIFETIME_MAX_S) {
        warn(in, "lifetime %llds (exp - iat) exceeds %ds (1 day 1 hour): Entra ID rejects the "
                 "token with AADSTS70023; set expirationSeconds to 86400 or less",
             exp - iat, INSPECT_LIFETIME_MAX_S);
    }
}

static void check_times(struct inspection *in)
{
    long long exp;
    long long nbf;
    char duration[64];

    if (cli_jwt_time_claim(&exp, in->jwt.payload, "exp") && exp <= in->now_s) {
        cli_format_duration(duration, sizeof(duration), in->now_s - exp);
        warn(in, "the token expired %s ago: Entra ID rejects an expired assertion "
                 "(AADSTS700024) and APIs reject an expired access token",
             duration);
    }
    if (cli_jwt_time_claim(&nbf, in->jwt.payload, "nbf") && nbf > in->now_s) {
        cli_format_duration(duration, sizeof(duration), nbf - in->now_s);
        warn(in, "the token is not valid for another %s (nbf in the future): check the clock",
             duration);
    }
}

/* --- text output --- */

/* A string prints as it is when it has only printable ASCII and no space at either end;
 * anything else, and every non-string value, prints as ASCII-only JSON, so that control
 * characters and terminal escapes from the token never reach the terminal raw. */
static int is_plain(const char *s)
{
    if (s[0] == '\0' || s[0] == ' ')
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p < 0x20 || *p > 0x7e)
            return 0;
    }
    return s[strlen(s) - 1] != ' ';
}

static void print_value(FILE *fp, const json_t *value)
{
    char *text;

    if (json_is_string(value) && is_plain(json_string_value(value))) {
        fputs(json_string_value(value), fp);
        return;
    }
    text = json_dumps(value, JSON_ENCODE_ANY | JSON_ENSURE_ASCII | JSON_COMPACT |
                                 JSON_PRESERVE_ORDER);
    fputs(text != NULL ? text : "(unprintable)", fp);
    free(text);
}

static void print_key(FILE *fp, const char *key)
{
    json_t *name = json_string(key);

    fputs("  ", fp);
    print_value(fp, name);
    fputs(": ", fp);
    json_decref(name);
}

static void print_claims(FILE *fp, const struct inspection *in)
{
    const char *key;
    json_t *value;
    char utc[32];
    char relative[96];
    long long t;

    json_object_foreach(in->jwt.payload, key, value) {
        print_key(fp, key);
        print_value(fp, value);
        if (is_time_claim(key) && cli_jwt_time_claim(&t, in->jwt.payload, key)) {
            m365id__format_rfc3339(utc, sizeof(utc), t);
            cli_format_relative(relative, sizeof(relative), t, in->now_s, strcmp(key, "exp") == 0);
            fprintf(fp, " (%s, %s)", utc, relative);
        } else if (is_time_claim(key)) {
            fputs(" (not a Unix time)", fp);
        }
        fputc('\n', fp);
    }
}

static void print_credential(FILE *fp, const struct inspection *in)
{
    const json_t *payload = in->jwt.payload;
    const char *auds[INSPECT_AUDIENCES_MAX];
    size_t aud_count = m365id__jwt_audiences(auds, INSPECT_AUDIENCES_MAX, payload);
    const char *iss = claim_str(payload, "iss");
    json_t *value;

    fputs("federated identity credential this token would match (exact, case-sensitive):\n"
          "  issuer:   ",
          fp);
    print_value(fp, json_object_get(payload, "iss"));
    if (iss != NULL && m365id__ends_with(iss, "/"))
        fputs("  (the trailing '/' is part of the issuer)", fp);
    fputs("\n  subject:  ", fp);
    print_value(fp, json_object_get(payload, "sub"));
    fputc('\n', fp);
    for (size_t i = 0; i < aud_count; i++) {
        value = json_string(auds[i]);
        fputs("  audience: ", fp);
        print_value(fp, value);
        fputc('\n', fp);
        json_decref(value);
    }
}

static int print_text(const struct inspection *in)
{
    const char *key;
    json_t *value;
    size_t i;
    long long iat;
    long long exp;
    char duration[64];

    printf("m365id inspect: %s, %zu bytes; signature not verified\n", in->source, in->size);
    printf("kind: %s", kind_text(in->kind));
    if (in->kind == KIND_ENTRA)
        printf(", %s (%s)", in->access, in->reason);
    putchar('\n');

    puts("header:");
    json_object_foreach(in->jwt.header, key, value) {
        print_key(stdout, key);
        print_value(stdout, value);
        putchar('\n');
    }
    puts("claims:");
    print_claims(stdout, in);

    if (cli_jwt_time_claim(&iat, in->jwt.payload, "iat") && cli_jwt_time_claim(&exp, in->jwt.payload, "exp") &&
        exp >= iat) {
        cli_format_duration(duration, sizeof(duration), exp - iat);
        printf("lifetime: %llds (%s, exp - iat)\n", exp - iat, duration);
    }
    if (in->kind == KIND_ENTRA) {
        puts("note: Entra ID does not accept its own tokens as a federated assertion "
             "(AADSTS700222)");
    } else {
        print_credential(stdout, in);
    }

    json_array_foreach(in->warnings, i, value) {
        fputs("warning: ", stdout);
        print_value(stdout, value);
        putchar('\n');
    }
    if (fflush(stdout) != 0 || ferror(stdout))
        return cli_fail_stdout(errno);
    return CLI_EXIT_OK;
}

/* --- JSON output --- */

static json_t *times_json(const struct inspection *in)
{
    static const char *const names[] = {"iat", "nbf", "exp"};
    json_t *times = json_object();
    char utc[32];
    char relative[96];
    long long t;

    for (size_t i = 0; times != NULL && i < sizeof(names) / sizeof(names[0]); i++) {
        json_t *entry;

        if (!cli_jwt_time_claim(&t, in->jwt.payload, names[i]))
            continue;
        m365id__format_rfc3339(utc, sizeof(utc), t);
        cli_format_relative(relative, sizeof(relative), t, in->now_s, strcmp(names[i], "exp") == 0);
        entry = json_object();
        json_object_set_new(entry, "unix", json_integer(t));
        json_object_set_new(entry, "utc", json_string(utc));
        json_object_set_new(entry, "seconds_from_now", json_integer(t - in->now_s));
        json_object_set_new(entry, "relative", json_string(relative));
        json_object_set_new(times, names[i], entry);
    }
    return times;
}

static json_t *credential_json(const struct inspection *in)
{
    const json_t *payload = in->jwt.payload;
    const char *auds[INSPECT_AUDIENCES_MAX];
    size_t aud_count = m365id__jwt_audiences(auds, INSPECT_AUDIENCES_MAX, payload);
    const char *iss = claim_str(payload, "iss");
    const char *sub = claim_str(payload, "sub");
    json_t *credential = json_object();
    json_t *audiences = json_array();

    for (size_t i = 0; i < aud_count; i++)
        json_array_append_new(audiences, json_string(auds[i]));
    json_object_set_new(credential, "issuer", iss != NULL ? json_string(iss) : json_null());
    json_object_set_new(credential, "issuer_trailing_slash",
                        json_boolean(iss != NULL && m365id__ends_with(iss, "/")));
    json_object_set_new(credential, "subject", sub != NULL ? json_string(sub) : json_null());
    json_object_set_new(credential, "audiences", audiences);
    return credential;
}

static int print_json(const struct inspection *in)
{
    json_t *doc = json_object();
    long long iat;
    long long exp;
    int status;

    if (doc == NULL)
        return cli_fail(CLI_EXIT_OTHER, NULL, "out of memory building the JSON output");
    json_object_set_new(doc, "verified", json_false());
    json_object_set_new(doc, "source", json_string(in->source));
    json_object_set_new(doc, "size", json_integer((json_int_t)in->size));
    json_object_set_new(doc, "kind", json_string(kind_id(in->kind)));
    json_object_set_new(doc, "kind_text", json_string(kind_text(in->kind)));
    if (in->kind == KIND_ENTRA) {
        json_object_set_new(doc, "access", json_string(in->access));
        json_object_set_new(doc, "access_reason", json_string(in->reason));
    }
    json_object_set(doc, "header", in->jwt.header);
    json_object_set(doc, "claims", in->jwt.payload);
    json_object_set_new(doc, "times", times_json(in));
    if (cli_jwt_time_claim(&iat, in->jwt.payload, "iat") && cli_jwt_time_claim(&exp, in->jwt.payload, "exp"))
        json_object_set_new(doc, "lifetime_s", json_integer(exp - iat));
    else
        json_object_set_new(doc, "lifetime_s", json_null());
    json_object_set_new(doc, "federated_credential",
                        in->kind == KIND_ENTRA ? json_null() : credential_json(in));
    json_object_set(doc, "warnings", in->warnings);

    status = cli_print_json(doc);
    json_decref(doc);
    return status;
}

/* --- command --- */

int cli_cmd_inspect(int argc, char **argv, struct cli_options *cli)
{
    struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, CLI_OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct inspection in = {.jwt = M365ID__JWT_INIT};
    enum inspect_output output = OUTPUT_TEXT;
    enum m365id__jwt_fault fault = M365ID__JWT_OK;
    struct m365id__quoted qpath;
    const char *path = NULL;
    const char *start;
    char *data = NULL;
    size_t trimmed_len;
    int status = CLI_EXIT_OK;
    int rc;
    int opt;

    optind = 0;
    opterr = 0;
    while ((opt = cli_getopt(argc, argv, ":o:vh", opts)) != -1) {
        switch (opt) {
        case 'o':
            if (strcmp(optarg, "text") == 0) {
                output = OUTPUT_TEXT;
            } else if (strcmp(optarg, "json") == 0) {
                output = OUTPUT_JSON;
            } else {
                return cli_fail_usage("inspect", "unknown output format '%s' (want text or json)",
                                      optarg);
            }
            break;
        case 'v':
            cli->verbosity++;
            break;
        case CLI_OPT_HELP:
            cli_cmd_inspect_help(stdout);
            return CLI_EXIT_OK;
        default:
            return cli_fail_getopt("inspect", opt, argv);
        }
    }
    if (optind < argc)
        path = argv[optind++];
    if (optind < argc)
        return cli_fail_usage("inspect", "unexpected argument '%s'", argv[optind]);
    if (path != NULL && strcmp(path, "-") == 0)
        path = NULL;

    if (path == NULL && isatty(STDIN_FILENO)) {
        return cli_fail(CLI_EXIT_USAGE,
                        "pass a FILE, or pipe the token: m365id inspect - < token-file",
                        "standard input is a terminal; inspect reads the token from a FILE or "
                        "a pipe");
    }
    if (path != NULL) {
        m365id__quote(&qpath, path);
        snprintf(in.source, sizeof(in.source), "'%s'", qpath.text);
    } else {
        snprintf(in.source, sizeof(in.source), "standard input");
    }

    if ((status = read_input(&data, &in.size, path, in.source)) != CLI_EXIT_OK)
        goto out;

    /* The token is decoded without its signature ever being looked at or printed. */
    start = m365id__trim(data, in.size, &trimmed_len);
    rc = m365id__jwt_parse(&in.jwt, start, trimmed_len, &fault);
    if (rc == M365ID_ENOMEM) {
        status = cli_fail(CLI_EXIT_OTHER, NULL, "out of memory decoding %s", in.source);
        goto out;
    }
    if (rc < 0 && fault == M365ID__JWT_PARTS) {
        status = cli_fail(CLI_EXIT_CONFIG,
                          "pass one compact JWT: three base64url parts separated by dots",
                          "%s (%zu bytes) is not a JWT: %s (%d parts, want 3)", in.source,
                          in.size, m365id__jwt_fault_text(fault), in.jwt.parts);
        goto out;
    }
    if (rc < 0) {
        status = cli_fail(CLI_EXIT_CONFIG,
                          "pass one compact JWT: three base64url parts separated by dots",
                          "%s (%zu bytes) is not a JWT: %s", in.source, in.size,
                          m365id__jwt_fault_text(fault));
        goto out;
    }

    in.now_s = m365id__now_s();
    in.warnings = json_array();
    if (in.warnings == NULL) {
        status = cli_fail(CLI_EXIT_OTHER, NULL, "out of memory decoding %s", in.source);
        goto out;
    }
    classify(&in);
    check_times(&in);
    if (in.kind != KIND_ENTRA)
        check_assertion(&in);

    status = output == OUTPUT_JSON ? print_json(&in) : print_text(&in);

out:
    if (data != NULL) {
        m365id__wipe(data, in.size);
        free(data);
    }
    json_decref(in.warnings);
    m365id__jwt_clear(&in.jwt);
    return status;
}
