/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Doctor check 2, "token-file": the projected service-account token file, one finding per
 * step (set, exists, readable, non-empty, a JWT), then its claims, times, audience and kind.
 * The token is decoded without verification and only its fingerprint and length are shown.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/doctor/doctor.h"
#include "cli/doctor/input.h"
#include "util/jwt.h"
#include "util/limits.h"
#include "util/secret.h"
#include "util/strutil.h"
#include "util/timeutil.h"

/* Entra ID rejects an assertion that lives longer than 1 day 1 hour (AADSTS70023). */
#define TOKEN_LIFETIME_MAX_S (86400 + 3600)
/* The kubelet refreshes a projected token once 80 % of its lifetime has passed. */
#define ROTATION_PERCENT 80
/* Maximum number of audiences examined, and of files listed as mounted tokens. */
#define AUDIENCES_MAX 32
#define CANDIDATES_MAX 16
/* The issuer of the legacy Secret-based service-account tokens. */
#define LEGACY_ISSUER "kubernetes/serviceaccount"
#define DEFAULT_KUBE_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* The fix for a missing or wrong token: project one with the federated credential's
 * audience and point @p setting at it. */
static void project_fix(char *out, size_t size, const char *setting, const char *audience)
{
    snprintf(out, size,
             "mount a projected service-account token with the federated credential's "
             "audience and point %s at it: volumes: [{name: azure-identity-token, projected: "
             "{sources: [{serviceAccountToken: {path: azure-identity-token, audience: %s, "
             "expirationSeconds: 3600}}]}}], mounted at /var/run/secrets/azure/tokens",
             setting, audience != NULL ? audience : "api://AzureADTokenExchange");
}

/* The variable to name in fixes: the source of the setting, or the one the webhook sets. */
static const char *setting_name(const char *source)
{
    if (source != NULL && strncmp(source, "env ", 4) == 0)
        return source + 4;
    if (source != NULL && source[0] == '-')
        return source;
    return "AZURE_FEDERATED_TOKEN_FILE";
}

/* A value that is a compact JWT rather than a path: never printed. */
static int looks_like_token(const char *value)
{
    const char *dot = strchr(value, '.');

    if (m365id__starts_with(value, "eyJ"))
        return 1;
    return strchr(value, '/') == NULL && dot != NULL && strchr(dot + 1, '.') != NULL &&
           strlen(value) > 64;
}

/* --- mounted tokens, for the suggestion --- */

struct candidate {
    char path[1024];
    char aud[256]; /* first audience, or "" */
    long long exp;
};

struct candidates {
    struct candidate items[CANDIDATES_MAX];
    size_t count;
};

/* Decode @p path as a token and fill @p cand; 0 when it is one. Nothing is printed, and a
 * file that is not regular is skipped without being opened for a blocking read. */
static int read_candidate(struct candidate *cand, const char *path)
{
    struct m365id__buf buf = M365ID__SECRET_BUF_INIT(M365ID_TOKEN_FILE_MAX);
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    const char *auds[1];
    const char *start;
    char why[256];
    size_t trimmed = 0;
    int err = 0;
    int rc = -1;

    if (doctor_input_read(&buf, path, 0, &err, why, sizeof(why)) < 0)
        goto out;
    start = m365id__trim(m365id__buf_cstr(&buf), buf.len, &trimmed);
    if (trimmed == 0 || m365id__jwt_parse(&jwt, start, trimmed, NULL) < 0)
        goto out;
    snprintf(cand->path, sizeof(cand->path), "%s", path);
    cand->aud[0] = '\0';
    if (m365id__jwt_audiences(auds, 1, jwt.payload) == 1)
        snprintf(cand->aud, sizeof(cand->aud), "%s", auds[0]);
    cli_jwt_time_claim(&cand->exp, jwt.payload, "exp");
    rc = 0;

out:
    m365id__buf_clear(&buf);
    m365id__jwt_clear(&jwt);
    return rc;
}

/* Add the token files directly inside @p dir. Entries starting with '.' are the projected
 * volume's own bookkeeping (..data and timestamped folders), not tokens. */
static void scan_dir(struct candidates *list, const char *dir)
{
    DIR *dp = opendir(dir);
    struct dirent *entry;
    char path[1024];
    struct stat st;

    if (dp == NULL)
        return;
    while ((entry = readdir(dp)) != NULL && list->count < CANDIDATES_MAX) {
        int dup = 0;

        if (entry->d_name[0] == '.')
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name) >= (int)sizeof(path))
            continue;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > M365ID_TOKEN_FILE_MAX)
            continue;
        for (size_t i = 0; i < list->count; i++)
            dup |= strcmp(list->items[i].path, path) == 0;
        if (!dup && read_candidate(&list->items[list->count], path) == 0)
            list->count++;
    }
    closedir(dp);
}

/*
 * Look for mounted tokens: beside the configured path (its parent folder, which a wrong file
 * name still shares with the real token), the folders the webhook and common charts use, and
 * the default service-account folder.
 */
static void find_candidates(struct candidates *list, const struct doctor *d, const char *path)
{
    const char *kube_dir = doctor_options(d)->kube_dir;
    char parent[1024];
    char *slash;

    list->count = 0;
    if (path != NULL)
        scan_dir(list, path); /* the mounted folder given in place of the file in it */
    if (path != NULL && snprintf(parent, sizeof(parent), "%s", path) < (int)sizeof(parent)) {
        slash = strrchr(parent, '/');
        if (slash != NULL && slash != parent) {
            *slash = '\0';
            scan_dir(list, parent);
        }
    }
    scan_dir(list, "/var/run/secrets/azure/tokens");
    scan_dir(list, "/var/run/secrets/tokens");
    scan_dir(list, kube_dir != NULL ? kube_dir : DEFAULT_KUBE_DIR);
}

/* The mounted token to suggest: the first whose audience is the expected one (any
 * api://AzureADTokenExchange audience when that is unknown), or NULL. */
static const char *best_candidate(const struct candidates *list, const char *expected_aud)
{
    for (size_t i = 0; i < list->count; i++) {
        const struct candidate *cand = &list->items[i];

        if (expected_aud != NULL ? strcmp(cand->aud, expected_aud) == 0
                                 : m365id__starts_with(cand->aud, "api://AzureADTokenExchange"))
            return cand->path;
    }
    return NULL;
}

static void report_candidates(struct doctor_check *c, const struct candidates *list)
{
    char name[40];

    if (list->count == 0) {
        doctor_evidence(c, "mounted tokens", "none beside the path, in "
                                             "/var/run/secrets/azure/tokens, "
                                             "/var/run/secrets/tokens or the service-account "
                                             "folder");
        return;
    }
    for (size_t i = 0; i < list->count; i++) {
        snprintf(name, sizeof(name), "mounted token %zu", i + 1);
        doctor_evidence(c, name, "%s (aud %s)", list->items[i].path,
                        list->items[i].aud[0] != '\0' ? list->items[i].aud : "none");
    }
}

/* Report a failed step before the file could be read, with the tokens that are mounted and
 * the path to use instead. */
static void suggest_path(struct doctor_check *c, const struct doctor *d, const char *path,
                         const char *source, const char *message)
{
    const char *expected = doctor_facts((struct doctor *)d)->expected_audience;
    struct candidates list;
    const char *best;
    char fix[1536];

    find_candidates(&list, d, path);
    best = best_candidate(&list, expected);
    if (best != NULL) {
        snprintf(fix, sizeof(fix), "set %s to the mounted token '%s'", setting_name(source),
                 best);
    } else {
        project_fix(fix, sizeof(fix), setting_name(source), expected);
    }
    doctor_finding(c, DOCTOR_FAIL, fix, "%s", message);
    if (path != NULL)
        doctor_evidence(c, "path", "%s", path);
    if (source != NULL)
        doctor_evidence(c, "source", "%s", source);
    report_candidates(c, &list);
}

/* --- claims --- */

static void format_time(char *out, size_t size, long long t, long long now, int is_exp)
{
    char utc[32];
    char relative[96];

    m365id__format_rfc3339(utc, sizeof(utc), t);
    cli_format_relative(relative, sizeof(relative), t, now, is_exp);
    snprintf(out, size, "%s (%s)", utc, relative);
}

static const char *claim_text(const json_t *payload, const char *name)
{
    const json_t *value = json_object_get(payload, name);

    return json_is_string(value) ? json_string_value(value) : NULL;
}

static int is_api_server_audience(const char *aud)
{
    return strstr(aud, "kubernetes.default.svc") != NULL ||
           m365id__starts_with(aud, "https://kubernetes.default") ||
           strcmp(aud, "kubernetes") == 0 || strcmp(aud, "api") == 0;
}

/* A default service-account token (legacy Secret, or the kube-api-access volume) in place of
 * a projected token for Entra ID. */
static int check_default_token(struct doctor_check *c, const struct doctor *d, const char *path,
                               const json_t *payload, const char *const *auds, size_t aud_count,
                               int has_exp, long long lifetime)
{
    const char *iss = claim_text(payload, "iss");
    const char *expected = doctor_facts((struct doctor *)d)->expected_audience;
    const char *reason = NULL;
    char fix[1024];
    int api_aud = 0;

    for (size_t i = 0; i < aud_count; i++)
        api_aud |= is_api_server_audience(auds[i]);
    if (iss != NULL && strcmp(iss, LEGACY_ISSUER) == 0)
        reason = "a legacy Secret-based service-account token (issuer 'kubernetes/serviceaccount', "
                 "no expiry)";
    else if (!has_exp)
        reason = "a service-account token without 'exp', as legacy Secret-based tokens are";
    else if (api_aud)
        reason = "the pod's default service-account token (kube-api-access), whose audience is "
                 "the cluster's API server";
    else if (m365id__starts_with(path, DEFAULT_KUBE_DIR))
        reason = "the pod's default service-account token from the kube-api-access volume";
    if (reason == NULL)
        return 0;

    project_fix(fix, sizeof(fix), "AZURE_FEDERATED_TOKEN_FILE", expected);
    doctor_finding(c, DOCTOR_FAIL, fix, "the file holds %s, not a projected token for Entra ID",
                   reason);
    doctor_evidence(c, "iss", "%s", iss != NULL ? iss : "(none)");
    for (size_t i = 0; i < aud_count; i++)
        doctor_evidence(c, "aud", "%s", auds[i]);
    if (has_exp)
        doctor_evidence(c, "lifetime", "%llds", lifetime);
    else
        doctor_evidence(c, "exp", "(none)");
    return 1;
}

static void check_audience(struct doctor_check *c, const struct doctor *d,
                           const char *const *auds, size_t aud_count)
{
    const struct doctor_facts *facts = doctor_facts((struct doctor *)d);
    const char *expected = facts->expected_audience;
    const char *source = NULL;
    char fix[1024];

    if (expected == NULL) {
        doctor_finding(c, DOCTOR_SKIP, NULL, "audience not compared: the configuration did not "
                                             "resolve, so the expected audience is unknown");
        return;
    }
    doctor_setting(d, "federated_token_audience", &source);
    for (size_t i = 0; i < aud_count; i++) {
        if (strcmp(auds[i], expected) == 0) {
            doctor_finding(c, DOCTOR_PASS, NULL, "the token's audience is the one expected for "
                                                 "cloud '%s'",
                           facts->cloud != NULL ? facts->cloud : "?");
            doctor_evidence(c, "token aud", "%s", auds[i]);
            doctor_evidence(c, "expected", "%s (%s)", expected,
                            source != NULL ? source : "configuration");
            return;
        }
    }
    snprintf(fix, sizeof(fix),
             "set the projected volume's serviceAccountToken.audience to %s (the audience of "
             "cloud '%s'), or, when the federated credential names the token's audience, set "
             "M365_FEDERATED_TOKEN_AUDIENCE to it",
             expected, facts->cloud != NULL ? facts->cloud : "?");
    doctor_finding(c, DOCTOR_FAIL, fix,
                   "the token's audience is not the one expected for cloud '%s': Entra ID "
                   "answers AADSTS700212 (no federated credential matches the audience)",
                   facts->cloud != NULL ? facts->cloud : "?");
    if (aud_count == 0)
        doctor_evidence(c, "token aud", "(none)");
    for (size_t i = 0; i < aud_count; i++)
        doctor_evidence(c, "token aud", "%s", auds[i]);
    doctor_evidence(c, "expected", "%s (%s)", expected, source != NULL ? source : "configuration");
}

/* Report iat, nbf, exp, the lifetime and the kubelet's rotation time. */
static void check_times(struct doctor_check *c, const json_t *payload, long long now)
{
    long long iat = 0;
    long long nbf = 0;
    long long exp = 0;
    int has_iat = cli_jwt_time_claim(&iat, payload, "iat");
    int has_nbf = cli_jwt_time_claim(&nbf, payload, "nbf");
    int has_exp = cli_jwt_time_claim(&exp, payload, "exp");
    char text[160];
    char duration[64];

    if (has_exp && exp <= now) {
        cli_format_duration(duration, sizeof(duration), now - exp);
        doctor_finding(c, DOCTOR_FAIL,
                       "use the projected volume itself, which the kubelet refreshes, instead of "
                       "a copy; if it is the projected file, check that the kubelet is running "
                       "and that the pod's node clock is right",
                       "the token expired %s ago: Entra ID answers AADSTS700024 (assertion "
                       "outside its valid time range)",
                       duration);
    } else if (has_nbf && nbf > now + 60) {
        cli_format_duration(duration, sizeof(duration), nbf - now);
        doctor_finding(c, DOCTOR_FAIL, "synchronise the clocks of the node and this machine "
                                       "(NTP)",
                       "the token is not valid for another %s (nbf in the future): a clock "
                       "is wrong", duration);
    } else {
        doctor_finding(c, DOCTOR_PASS, NULL, "the token is within its valid time range");
    }
    if (has_iat) {
        format_time(text, sizeof(text), iat, now, 0);
        doctor_evidence(c, "iat", "%s", text);
    }
    if (has_nbf) {
        format_time(text, sizeof(text), nbf, now, 0);
        doctor_evidence(c, "nbf", "%s", text);
    }
    if (has_exp) {
        format_time(text, sizeof(text), exp, now, 1);
        doctor_evidence(c, "exp", "%s", text);
    }
    if (!has_iat || !has_exp || exp < iat)
        return;

    cli_format_duration(duration, sizeof(duration), exp - iat);
    doctor_evidence(c, "lifetime", "%llds (%s)", exp - iat, duration);
    {
        long long rotate = iat + (exp - iat) * ROTATION_PERCENT / 100;

        format_time(text, sizeof(text), rotate, now, 0);
        doctor_evidence(c, "kubelet rotates", "%s, at %d%% of the lifetime", text,
                        ROTATION_PERCENT);
        if (rotate < now && exp > now) {
            cli_format_duration(duration, sizeof(duration), now - rotate);
            doctor_finding(c, DOCTOR_WARN,
                           "mount the projected volume instead of copying the token, and "
                           "read the file again for every exchange",
                           "the kubelet should have replaced this token %s ago: the file may "
                           "be a copy that nobody refreshes",
                           duration);
        }
    }
    if (exp - iat > TOKEN_LIFETIME_MAX_S) {
        doctor_finding(c, DOCTOR_FAIL,
                       "set the projected volume's expirationSeconds (or the ServiceAccount "
                       "annotation azure.workload.identity/service-account-token-expiration) to "
                       "86400 or less",
                       "the token lives %llds, longer than the 90000 s Entra ID accepts "
                       "(AADSTS70023)",
                       exp - iat);
    }
}

/* --- the check --- */

/* The path when the configuration did not resolve: the flag, then the variables, in the
 * library's order. @p empty_var receives a variable that is set but empty. */
static const char *raw_path(const struct doctor *d, char *source, size_t size,
                            const char **empty_var)
{
    static const char *const envs[] = {"AZURE_FEDERATED_TOKEN_FILE", "M365_FEDERATED_TOKEN_FILE"};
    const char *flag = doctor_options(d)->cli->flag_values[CLI_FLAG_TOKEN_FILE];

    *empty_var = NULL;
    if (flag != NULL) {
        snprintf(source, size, "--token-file");
        return flag;
    }
    for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
        const char *value = getenv(envs[i]);

        if (value != NULL && value[0] == '\0' && *empty_var == NULL)
            *empty_var = envs[i];
        if (value != NULL && value[0] != '\0') {
            snprintf(source, size, "env %s", envs[i]);
            return value;
        }
    }
    return NULL;
}

static int raw_is_workload_identity(const struct doctor *d)
{
    const char *flag = doctor_options(d)->cli->flag_values[CLI_FLAG_AUTH_METHOD];
    const char *env = getenv("M365_AUTH_METHOD");
    const char *method = flag != NULL ? flag : (env != NULL && env[0] != '\0') ? env : NULL;

    return method == NULL || strcmp(method, "workload_identity") == 0;
}

static void describe_file(struct doctor_check *c, const char *path, const struct stat *st)
{
    char target[1024];
    ssize_t n = readlink(path, target, sizeof(target) - 1);

    if (n > 0) {
        target[n] = '\0';
        doctor_evidence(c, "symlink to", "%s", target);
    }
    doctor_evidence(c, "size", "%lld bytes", (long long)st->st_size);
    doctor_evidence(c, "mode", "%04o, owner uid %u gid %u", (unsigned)(st->st_mode & 07777),
                    (unsigned)st->st_uid, (unsigned)st->st_gid);
}

/* Report a token file path that stat() rejects, with the fix for that cause. */
static void report_stat_error(struct doctor_check *c, const struct doctor *d, const char *path,
                              const char *source, int err)
{
    char message[512];
    char fix[1024];

    switch (err) {
    case ENOENT:
        suggest_path(c, d, path, source, "the token file does not exist");
        return;
    case ENOTDIR:
        suggest_path(c, d, path, source,
                     "the token file does not exist: a component of its path is not a "
                     "directory");
        return;
    case ELOOP:
        snprintf(fix, sizeof(fix),
                 "point the symbolic link at the token file (ls -l shows each link), or set %s "
                 "to the token file's real path",
                 setting_name(source));
        doctor_finding(c, DOCTOR_FAIL, fix,
                       "the token file cannot be opened: %s; the path is a loop of symbolic "
                       "links",
                       strerror(err));
        break;
    case EACCES:
        doctor_finding(c, DOCTOR_FAIL,
                       "let this process's user search every folder on the path: set the pod's "
                       "securityContext (runAsUser, runAsGroup, fsGroup) or the volume's "
                       "defaultMode",
                       "the token file cannot be opened: %s (a folder on its path is not "
                       "searchable)",
                       strerror(err));
        doctor_evidence(c, "this process", "uid %u gid %u", (unsigned)geteuid(),
                        (unsigned)getegid());
        break;
    default:
        snprintf(message, sizeof(message), "the token file cannot be opened: %s",
                 strerror(err));
        suggest_path(c, d, path, source, message);
        return;
    }
    doctor_evidence(c, "path", "%s", path);
    doctor_evidence(c, "source", "%s", source);
}

/* Steps up to the decoded token; returns the token text (malloc'd secret) or NULL. */
static char *check_file(struct doctor_check *c, const struct doctor *d, const char *path,
                        const char *source, struct m365id__jwt *jwt)
{
    struct m365id__buf buf = M365ID__SECRET_BUF_INIT(M365ID_TOKEN_FILE_MAX);
    enum m365id__jwt_fault fault = M365ID__JWT_OK;
    char fingerprint[M365ID_FINGERPRINT_SIZE];
    char *token = NULL;
    const char *start;
    char why[512];
    size_t trimmed = 0;
    struct stat st;
    int err = 0;
    int rc;

    if (stat(path, &st) != 0) {
        report_stat_error(c, d, path, source, errno);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        suggest_path(c, d, path, source, "the token file path is a directory, not a file");
        return NULL;
    }
    /* The library reads only regular files (m365id token exits 3 on anything else), and a
     * FIFO would block a reader forever. */
    if (!S_ISREG(st.st_mode)) {
        char fix[512];

        snprintf(fix, sizeof(fix),
                 "point %s at the projected token file itself; m365id reads the token only "
                 "from a regular file",
                 setting_name(source));
        doctor_finding(c, DOCTOR_FAIL, fix, "the token file is not a regular file: it is %s",
                       doctor_input_type_name((unsigned int)st.st_mode));
        doctor_evidence(c, "path", "%s", path);
        doctor_evidence(c, "source", "%s", source);
        return NULL;
    }
    doctor_finding(c, DOCTOR_PASS, NULL, "the token file exists");
    doctor_evidence(c, "path", "%s", path);
    doctor_evidence(c, "source", "%s", source);
    describe_file(c, path, &st);

    rc = doctor_input_read(&buf, path, 0, &err, why, sizeof(why));
    if (rc == M365ID_ETOOBIG) {
        doctor_finding(c, DOCTOR_FAIL, "point the setting at the token file itself",
                       "the token file is larger than %u bytes: not a single token",
                       M365ID_TOKEN_FILE_MAX);
        goto out;
    }
    if (rc < 0) {
        doctor_finding(c, DOCTOR_FAIL,
                       err == EACCES
                           ? "run the container as a user that can read the file, or set "
                             "fsGroup in the pod's securityContext (projected tokens are mode "
                             "0644 since Kubernetes 1.19, 0600 before)"
                           : NULL,
                       "the token file cannot be read: %s",
                       err != 0 ? strerror(err) : why);
        doctor_evidence(c, "path", "%s", path);
        doctor_evidence(c, "mode", "%04o, owner uid %u gid %u",
                        (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
                        (unsigned)st.st_gid);
        doctor_evidence(c, "this process", "uid %u gid %u", (unsigned)geteuid(),
                        (unsigned)getegid());
        goto out;
    }
    start = m365id__trim(m365id__buf_cstr(&buf), buf.len, &trimmed);
    if (trimmed == 0) {
        doctor_finding(c, DOCTOR_FAIL,
                       "wait for the kubelet to write the token, or check that the projected "
                       "volume has a serviceAccountToken source",
                       "the token file is empty (%zu bytes, whitespace only): Entra ID "
                       "answers AADSTS7000216 or 50027",
                       buf.len);
        doctor_evidence(c, "path", "%s", path);
        goto out;
    }
    if (m365id__jwt_parse(jwt, start, trimmed, &fault) < 0) {
        doctor_finding(c, DOCTOR_FAIL,
                       "point the setting at the projected service-account token, a JWT of "
                       "three base64url parts",
                       "the token file is not a JWT: %s (%zu bytes): Entra ID answers "
                       "AADSTS50027",
                       m365id__jwt_fault_text(fault), buf.len);
        doctor_evidence(c, "path", "%s", path);
        goto out;
    }
    m365id_fingerprint(fingerprint, sizeof(fingerprint), start, trimmed);
    doctor_finding(c, DOCTOR_PASS, NULL, "the token file is readable and holds a JWT");
    doctor_evidence(c, "length", "%zu bytes", trimmed);
    doctor_evidence(c, "fingerprint", "%s", fingerprint);

    token = malloc(trimmed + 1);
    if (token != NULL) {
        memcpy(token, start, trimmed);
        token[trimmed] = '\0';
    }

out:
    m365id__buf_clear(&buf);
    return token;
}

void doctor_check_token_file(struct doctor *d)
{
    struct doctor_check *c = doctor_check_begin(d, "token-file", "projected service-account "
                                                "token file", 1);
    struct doctor_facts *facts = doctor_facts(d);
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    const char *auds[AUDIENCES_MAX];
    const char *path;
    const char *source = NULL;
    const char *empty_var = NULL;
    char raw_source[64];
    char *token = NULL;
    size_t aud_count;
    long long iat = 0;
    long long exp = 0;
    int has_exp;

    if (facts->ctx != NULL && strcmp(facts->auth_method, "workload_identity") != 0) {
        doctor_skip(c, "auth method '%s' does not read a projected token file",
                    facts->auth_method);
        return;
    }
    if (facts->ctx == NULL && !raw_is_workload_identity(d)) {
        doctor_skip(c, "the auth method is not workload_identity");
        return;
    }

    /* Step 1: the path is set. */
    if (facts->ctx != NULL) {
        path = doctor_setting(d, "entra_id_options.federated_token_file_path", &source);
    } else {
        path = raw_path(d, raw_source, sizeof(raw_source), &empty_var);
        source = raw_source;
    }
    if (path == NULL) {
        suggest_path(c, d, NULL, NULL,
                     empty_var != NULL ? "the token file variable is set but empty: the webhook "
                                         "did not mutate the pod, or the value was templated "
                                         "from an empty source"
                                       : "no token file is set (AZURE_FEDERATED_TOKEN_FILE, "
                                         "M365_FEDERATED_TOKEN_FILE or --token-file): the "
                                         "webhook did not mutate the pod");
        if (empty_var != NULL)
            doctor_evidence(c, empty_var, "set but empty");
        return;
    }
    if (looks_like_token(path)) {
        doctor_finding(c, DOCTOR_FAIL,
                       "write the token to a file and set the variable to that file's path",
                       "the token file setting holds a token of %zu bytes, not a path",
                       strlen(path));
        doctor_evidence(c, "source", "%s", source);
        return;
    }

    /* Steps 2 to 5: exists, readable, non-empty, a JWT. */
    token = check_file(c, d, path, source, &jwt);
    if (token == NULL)
        goto out;

    /* Claims. */
    aud_count = m365id__jwt_audiences(auds, AUDIENCES_MAX, jwt.payload);
    doctor_finding(c, DOCTOR_PASS, NULL, "claims (decoded, not verified)");
    doctor_evidence(c, "iss", "%s", claim_text(jwt.payload, "iss") != NULL
                                        ? claim_text(jwt.payload, "iss")
                                        : "(none)");
    doctor_evidence(c, "sub", "%s", claim_text(jwt.payload, "sub") != NULL
                                        ? claim_text(jwt.payload, "sub")
                                        : "(none)");
    for (size_t i = 0; i < aud_count; i++)
        doctor_evidence(c, "aud", "%s", auds[i]);
    if (claim_text(jwt.header, "kid") != NULL)
        doctor_evidence(c, "kid", "%s", claim_text(jwt.header, "kid"));
    if (claim_text(jwt.header, "alg") != NULL)
        doctor_evidence(c, "alg", "%s", claim_text(jwt.header, "alg"));

    check_times(c, jwt.payload, m365id__now_s());
    has_exp = cli_jwt_time_claim(&exp, jwt.payload, "exp");
    cli_jwt_time_claim(&iat, jwt.payload, "iat");
    if (!check_default_token(c, d, path, jwt.payload, auds, aud_count, has_exp, exp - iat))
        check_audience(c, d, auds, aud_count);

    /* Facts for the issuer, federated credential and exchange checks. */
    facts->assertion = token;
    token = NULL;
    facts->assertion_header = json_incref(jwt.header);
    facts->assertion_claims = json_incref(jwt.payload);

out:
    m365id__free_secret_str(token);
    m365id__jwt_clear(&jwt);
}
