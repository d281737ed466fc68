/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Reading and checking the federated token file (and the OIDC token file, which follows the
 * same rules). The file is opened by path on every call
 * because the kubelet replaces it (an atomic symlink swap) long before it expires. Its bytes
 * are a bearer credential: they live in a secret and only their fingerprint is logged.
 */
#include "lib/cred/token_file.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/ctx_internal.h"
#include "lib/token/clock.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/jwt.h"
#include "util/limits.h"
#include "util/quote.h"
#include "util/strutil.h"

/* Clock difference tolerated for "nbf", as Entra ID allows. */
#define NBF_SKEW_S 60

/* Audiences shown in messages and logs. */
#define AUD_SHOWN_MAX 8

/* Latest "exp" taken as a date: 9999-12-31T23:59:59Z, the last second RFC 3339 can write. */
#define EXP_MAX_S 253402300799LL

#define HINT_MOUNT                                                                              \
    "check that the projected service-account token volume is mounted at that path: the "     \
    "workload identity webhook mounts it at "                                                  \
    "/var/run/secrets/azure/tokens/azure-identity-token (webhook v1.6 and later: "             \
    "/var/run/secrets/azure/wi/token/azure-identity-token) and sets "                          \
    "AZURE_FEDERATED_TOKEN_FILE to it"
#define HINT_PATH_UNSET                                                                         \
    "set AZURE_FEDERATED_TOKEN_FILE (or entra_id_options.federated_token_file_path) to the "   \
    "projected service-account token, usually "                                                \
    "/var/run/secrets/azure/tokens/azure-identity-token"
#define HINT_NOT_WRITTEN                                                                        \
    "the kubelet may not have written the token yet, or the wrong file is mounted: check the " \
    "pod's projected service-account token volume"
#define HINT_NOT_JWT                                                                            \
    "point AZURE_FEDERATED_TOKEN_FILE at a projected service-account token, a JWT of three "   \
    "base64url parts separated by '.' and nothing else"
#define HINT_EXP_RANGE                                                                          \
    "point AZURE_FEDERATED_TOKEN_FILE at the projected service-account token that the kubelet " \
    "writes: its 'exp' is a date in Unix seconds"
#define HINT_EXPIRED                                                                            \
    "the file is not being rotated: check the pod's projected service-account token volume, "  \
    "which the kubelet renews before the token expires; a token copied into a Secret or a "   \
    "static file expires and is never renewed"

void m365id__format_duration(char *out, size_t size, long long seconds)
{
    long long d = seconds / 86400;
    long long h = (seconds % 86400) / 3600;
    long long m = (seconds % 3600) / 60;
    long long s = seconds % 60;

    if (seconds < 0)
        snprintf(out, size, "%llds", seconds);
    else if (d > 0)
        snprintf(out, size, "%lldd%lldh", d, h);
    else if (h > 0)
        snprintf(out, size, "%lldh%lldm%llds", h, m, s);
    else if (m > 0)
        snprintf(out, size, "%lldm%llds", m, s);
    else
        snprintf(out, size, "%llds", s);
}

void m365id__assertion_clear(struct m365id__assertion *a)
{
    if (a == NULL)
        return;
    m365id__secret_free(a->jwt);
    json_decref(a->claims);
    json_decref(a->header);
    memset(a, 0, sizeof(*a));
}

const char *m365id__assertion_claim(const struct m365id__assertion *a, const char *name)
{
    const char *s = NULL;

    if (a == NULL || a->claims == NULL)
        return NULL;
    if (m365id__json_get_str(&s, a->claims, name) != M365ID__JSON_OK)
        return NULL;
    return s;
}

const char *m365id__assertion_kid(const struct m365id__assertion *a)
{
    const char *s = NULL;

    if (a == NULL || a->header == NULL)
        return NULL;
    if (m365id__json_get_str(&s, a->header, "kid") != M365ID__JSON_OK)
        return NULL;
    return s;
}

size_t m365id__assertion_audiences(const struct m365id__assertion *a, const char **out,
                                   size_t max)
{
    if (a == NULL || a->claims == NULL)
        return 0;
    return m365id__jwt_audiences(out, max, a->claims);
}

/* Context shared by the checks: the path, quoted, and where the setting came from. */
struct file_ref {
    m365id_ctx *ctx;
    const char *noun;            /* "federated token file" or "OIDC token file" */
    enum m365id__key aud_key;    /* the setting that names the expected audience */
    const char *path;
    const char *source;
    struct m365id__quoted qpath;
};

/* Record an open(2) or fstat(2) failure as the case the user has to fix. */
static int fail_open(struct file_ref *f, int err)
{
    switch (err) {
    case ENOENT:
        return m365id__fail(f->ctx, M365ID_ETOKENFILE, HINT_MOUNT,
                            "%s '%s' (from %s) does not exist", f->noun, f->qpath.text,
                            f->source);
    case ENOTDIR:
        return m365id__fail(f->ctx, M365ID_ETOKENFILE, HINT_MOUNT,
                            "%s '%s' (from %s) does not exist: a component of "
                            "the path is not a directory",
                            f->noun, f->qpath.text, f->source);
    case EACCES:
    case EPERM:
        return m365id__fail(f->ctx, M365ID_ETOKENFILE,
                            "let this process's user read the file: set the pod's "
                            "securityContext (runAsUser, runAsGroup, fsGroup) or the projected "
                            "volume's defaultMode",
                            "%s '%s' (from %s) cannot be read: permission "
                            "denied for uid %u, gid %u",
                            f->noun, f->qpath.text, f->source, (unsigned)geteuid(),
                            (unsigned)getegid());
    default:
        return m365id__fail(f->ctx, M365ID_ETOKENFILE, HINT_MOUNT,
                            "%s '%s' (from %s) cannot be opened: %s",
                            f->noun, f->qpath.text, f->source, strerror(err));
    }
}

/*
 * Read the whole file into a fresh secret of at most M365ID_TOKEN_FILE_MAX bytes. The size is
 * checked again while reading because st_size can be wrong (procfs) or the file can grow.
 */
static int read_file(struct m365id__secret **out, struct file_ref *f)
{
    char *data = NULL;
    size_t len = 0;
    struct stat st;
    int fd = -1;
    int rc;

    fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        rc = fail_open(f, errno);
        goto out;
    }
    if (fstat(fd, &st) < 0) {
        rc = fail_open(f, errno);
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = m365id__fail(f->ctx, M365ID_ETOKENFILE,
                          "point AZURE_FEDERATED_TOKEN_FILE at the token file inside the "
                          "mounted directory, such as <dir>/azure-identity-token",
                          "%s '%s' (from %s) is a directory, not a file",
                          f->noun, f->qpath.text, f->source);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = m365id__fail(f->ctx, M365ID_ETOKENFILE, HINT_NOT_JWT,
                          "%s '%s' (from %s) is not a regular file",
                          f->noun, f->qpath.text, f->source);
        goto out;
    }
    if (st.st_size > (off_t)M365ID_TOKEN_FILE_MAX) {
        rc = m365id__fail(f->ctx, M365ID_ETOKENFILE, HINT_NOT_JWT,
                          "%s '%s' (from %s) is %lld bytes, more than the %u "
                          "allowed",
                          f->noun, f->qpath.text, f->source, (long long)st.st_size,
                          M365ID_TOKEN_FILE_MAX);
        goto out;
    }

    /* One byte more than the limit shows whether the file grew past it. */
    data = malloc(M365ID_TOKEN_FILE_MAX + 1);
    if (data == NULL) {
        rc = m365id__fail(f->ctx, M365ID_ENOMEM, NULL, "out of memory reading the token file");
        goto out;
    }
    while (len < M365ID_TOKEN_FILE_MAX + 1) {
        ssize_t n = read(fd, data + len, M365ID_TOKEN_FILE_MAX + 1 - len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = m365id__fail(f->ctx, M365ID_ETOKENFILE, HINT_MOUNT,
                              "%s '%s' (from %s) could not be read: %s",
                              f->noun, f->qpath.text, f->source, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > M365ID_TOKEN_FILE_MAX) {
        rc = m365id__fail(f->ctx, M365ID_ETOKENFILE, HINT_NOT_JWT,
                          "%s '%s' (from %s) is more than the %u bytes "
                          "allowed",
                          f->noun, f->qpath.text, f->source, M365ID_TOKEN_FILE_MAX);
        goto out;
    }

    if (m365id__secret_new(out, data, len) < 0) {
        rc = m365id__fail(f->ctx, M365ID_ENOMEM, NULL, "out of memory reading the token file");
        goto out;
    }
    rc = 0;

out:
    if (data != NULL) {
        m365id__wipe(data, len);
        free(data);
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Write "'a', 'b'" (or "none") for the audiences into @p out. */
static void format_audiences(struct m365id__buf *out, const char *const *aud, size_t count)
{
    struct m365id__quoted q;

    if (count == 0) {
        m365id__buf_puts(out, "none");
        return;
    }
    for (size_t i = 0; i < count; i++) {
        m365id__quote(&q, aud[i]);
        m365id__buf_printf(out, "%s'%s'", i > 0 ? ", " : "", q.text);
    }
}

/* Check the time claims and the audience of a parsed token against the configuration. */
static int check_claims(struct file_ref *f, const json_t *claims)
{
    const char *aud[AUD_SHOWN_MAX];
    struct m365id__buf auds = M365ID__BUF_INIT(4096);
    const char *want = m365id__cfg(f->ctx, f->aud_key);
    long long now = m365id__clock_now_s(f->ctx);
    long long exp = 0;
    long long nbf = 0;
    double exp_real = 0;
    char t_now[40];
    char t_claim[40];
    char span[40];
    size_t aud_count;
    int found = 0;
    int got;
    int rc = 0;

    m365id__format_rfc3339(t_now, sizeof(t_now), now);

    /* RFC 7519 allows a fraction in a NumericDate, so a real number is a date too. */
    got = m365id__json_get_int(&exp, claims, "exp");
    if (got == M365ID__JSON_BADTYPE &&
        m365id__json_get_number(&exp_real, claims, "exp") == M365ID__JSON_OK) {
        if (!(exp_real >= 0 && exp_real <= (double)EXP_MAX_S)) {
            rc = m365id__fail(f->ctx, M365ID_ETOKENFILE, HINT_EXP_RANGE,
                              "%s '%s' (from %s) holds a JWT whose 'exp' "
                              "claim %g is out of range (0 to %lld Unix seconds)",
                              f->noun, f->qpath.text, f->source, exp_real, EXP_MAX_S);
            goto out;
        }
        exp = (long long)exp_real;
        got = M365ID__JSON_OK;
    }
    if (got != M365ID__JSON_OK) {
        rc = m365id__fail(f->ctx, M365ID_ETOKENFILE, HINT_NOT_JWT,
                          "%s '%s' (from %s) holds a JWT without a numeric "
                          "'exp' claim",
                          f->noun, f->qpath.text, f->source);
        goto out;
    }
    if (exp < 0 || exp > EXP_MAX_S) {
        rc = m365id__fail(f->ctx, M365ID_ETOKENFILE, HINT_EXP_RANGE,
                          "%s '%s' (from %s) holds a JWT whose 'exp' claim "
                          "%lld is out of range (0 to %lld Unix seconds)",
                          f->noun, f->qpath.text, f->source, exp, EXP_MAX_S);
        goto out;
    }
    if (exp <= now) {
        m365id__format_rfc3339(t_claim, sizeof(t_claim), exp);
        m365id__format_duration(span, sizeof(span), now - exp);
        rc = m365id__fail(f->ctx, M365ID_ETOKENFILE, HINT_EXPIRED,
                          "%s '%s' (from %s) holds a token that expired at "
                          "%s, %s ago (now %s)",
                          f->noun, f->qpath.text, f->source, t_claim, span, t_now);
        goto out;
    }
    if (m365id__json_get_int(&nbf, claims, "nbf") == M365ID__JSON_OK && nbf > now + NBF_SKEW_S) {
        m365id__format_rfc3339(t_claim, sizeof(t_claim), nbf);
        m365id__format_duration(span, sizeof(span), nbf - now);
        rc = m365id__fail(f->ctx, M365ID_ETOKENFILE,
                          "synchronise this host's clock with the cluster's (NTP): they differ "
                          "by more than the 60 s that Entra ID tolerates",
                          "%s '%s' (from %s) holds a token that is not valid "
                          "before %s, %s from now (now %s): clock skew between this host and "
                          "the token's issuer",
                          f->noun, f->qpath.text, f->source, t_claim, span, t_now);
        goto out;
    }

    aud_count = m365id__jwt_audiences(aud, AUD_SHOWN_MAX, claims);
    if (want == NULL || want[0] == '\0')
        goto out;
    for (size_t i = 0; i < aud_count; i++) {
        if (strcmp(aud[i], want) == 0)
            found = 1;
    }
    if (!found) {
        struct m365id__quoted qwant;
        char hint[1024];

        m365id__quote(&qwant, want);
        format_audiences(&auds, aud, aud_count);
        snprintf(hint, sizeof(hint),
                 "project the token with audience '%s' (serviceAccountToken.audience in the "
                 "pod's projected volume) or, if your federated credential uses a custom "
                 "audience, set federated_token_audience (M365_FEDERATED_TOKEN_AUDIENCE) to it",
                 qwant.text);
        rc = m365id__fail(f->ctx, M365ID_ETOKENFILE, hint,
                          "%s '%s' (from %s) holds a token for audience %s, "
                          "but the expected audience is '%s' (from %s)",
                          f->noun, f->qpath.text, f->source, m365id__buf_cstr(&auds),
                          qwant.text, m365id__cfg_source(f->ctx, f->aud_key));
        goto out;
    }

out:
    m365id__buf_clear(&auds);
    return rc;
}

/* Log what was read at DEBUG: fingerprint and public claims, never the token. */
static void log_assertion(struct file_ref *f, const struct m365id__assertion *a)
{
    const struct m365id__logger *lg = &f->ctx->logger;
    struct m365id__buf auds = M365ID__BUF_INIT(4096);
    const char *aud[AUD_SHOWN_MAX];
    struct m365id__quoted qiss;
    struct m365id__quoted qsub;
    long long exp = 0;
    char t_exp[40];
    size_t n;

    if (!m365id__log_enabled(lg, M365ID_LOG_DEBUG))
        return;
    m365id__quote(&qiss, m365id__assertion_claim(a, "iss"));
    m365id__quote(&qsub, m365id__assertion_claim(a, "sub"));
    n = m365id__assertion_audiences(a, aud, AUD_SHOWN_MAX);
    format_audiences(&auds, aud, n);
    (void)m365id__json_get_int(&exp, a->claims, "exp");
    m365id__format_rfc3339(t_exp, sizeof(t_exp), exp);
    mlog_debug(lg, "cred", "read federated token %s (%zu bytes) from '%s': iss '%s' sub '%s' "
               "aud %s exp '%s'",
               a->fingerprint, a->jwt->len, f->qpath.text, qiss.text, qsub.text,
               m365id__buf_cstr(&auds), t_exp);
    m365id__buf_clear(&auds);
}

int m365id__token_file_read(struct m365id__assertion *out, m365id_ctx *ctx)
{
    return m365id__token_file_read_from(out, ctx, M365ID__KEY_TOKEN_FILE,
                                        M365ID__KEY_TOKEN_AUDIENCE, "federated token file");
}

int m365id__token_file_read_from(struct m365id__assertion *out, m365id_ctx *ctx, int path_key,
                                 int aud_key, const char *noun)
{
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    struct m365id__secret *raw = NULL;
    enum m365id__jwt_fault fault = M365ID__JWT_OK;
    struct file_ref f;
    const char *tok;
    size_t tok_len;
    int rc;

    f.ctx = ctx;
    f.noun = noun;
    f.aud_key = (enum m365id__key)aud_key;
    f.path = m365id__cfg(ctx, (enum m365id__key)path_key);
    f.source = m365id__cfg_source(ctx, (enum m365id__key)path_key);
    if (f.path == NULL || f.path[0] == '\0') {
        rc = m365id__fail(ctx, M365ID_ETOKENFILE, HINT_PATH_UNSET,
                          "%s path is %s (from %s)", f.noun,
                          f.path == NULL ? "not set" : "empty", f.source);
        goto out;
    }
    m365id__quote(&f.qpath, f.path);

    if ((rc = read_file(&raw, &f)) < 0)
        goto out;

    /* Upstream sends the file verbatim, trailing newline included; m365id trims it. */
    if (raw->len == 0) {
        rc = m365id__fail(ctx, M365ID_ETOKENFILE, HINT_NOT_WRITTEN,
                          "%s '%s' (from %s) is empty (0 bytes)", f.noun, f.qpath.text,
                          f.source);
        goto out;
    }
    tok = m365id__trim(raw->data, raw->len, &tok_len);
    if (tok_len == 0) {
        rc = m365id__fail(ctx, M365ID_ETOKENFILE, HINT_NOT_WRITTEN,
                          "%s '%s' (from %s) contains only whitespace (%zu "
                          "byte%s)",
                          f.noun, f.qpath.text, f.source, raw->len, raw->len == 1 ? "" : "s");
        goto out;
    }
    for (size_t i = 0; i < tok_len; i++) {
        unsigned char c = (unsigned char)tok[i];

        if (isspace(c) || iscntrl(c)) {
            rc = m365id__fail(ctx, M365ID_ETOKENFILE, HINT_NOT_JWT,
                              "%s '%s' (from %s) contains whitespace or "
                              "control characters inside the token (%zu bytes)",
                              f.noun, f.qpath.text, f.source, raw->len);
            goto out;
        }
    }

    if (m365id__jwt_parse(&jwt, tok, tok_len, &fault) < 0) {
        rc = m365id__fail(ctx, M365ID_ETOKENFILE, HINT_NOT_JWT,
                          "%s '%s' (from %s) is not a JWT: %s (%zu bytes)",
                          f.noun, f.qpath.text, f.source, m365id__jwt_fault_text(fault),
                          raw->len);
        goto out;
    }
    if ((rc = check_claims(&f, jwt.payload)) < 0)
        goto out;

    if (m365id__secret_new(&a.jwt, tok, tok_len) < 0) {
        rc = m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory reading the token file");
        goto out;
    }
    a.claims = json_incref(jwt.payload);
    a.header = json_incref(jwt.header);
    m365id_fingerprint(a.fingerprint, sizeof(a.fingerprint), a.jwt->data, a.jwt->len);
    log_assertion(&f, &a);

    *out = a;
    memset(&a, 0, sizeof(a));
    rc = 0;

out:
    m365id__assertion_clear(&a);
    m365id__jwt_clear(&jwt);
    m365id__secret_free(raw);
    return rc;
}
