/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Certificate client assertions. The certificate file is read and opened on every exchange,
 * so a renewed file is picked up without a restart, and the token cache keeps exchanges rare.
 * The file bytes, the password and the signed assertion are secrets and are wiped.
 */
#include "lib/cred/client_certificate.h"

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
#include "util/crypto.h"
#include "util/json.h"
#include "util/jwt.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/timeutil.h"

/* Largest certificate file read: a PKCS#12 or PEM file with a long chain is a few KiB. */
#define CERT_FILE_MAX (1024u * 1024u)

#define HINT_PATH                                                                              \
    "set entra_id_options.client_certificate or M365_CLIENT_CERTIFICATE_FILE_PATH to a "      \
    "readable PKCS#12 (.pfx) file, or a PEM file, holding the certificate registered on the " \
    "application and its private key"
#define HINT_PASSWORD                                                                          \
    "set entra_id_options.client_certificate_password or M365_CLIENT_CERTIFICATE_PASSWORD to " \
    "the password the file was exported with"
#define HINT_CONTENT                                                                           \
    "export the certificate together with its private key, for example `openssl pkcs12 "      \
    "-export -inkey app.key -in app.crt -out app.p12`, or concatenate the unencrypted key and " \
    "the certificate into one PEM file"
#define HINT_LEGACY                                                                            \
    "export the file again with current algorithms, for example `openssl pkcs12 -export` of " \
    "OpenSSL 3, or convert it: `openssl pkcs12 -legacy -in old.pfx -nodes | openssl pkcs12 "  \
    "-export -out new.pfx`"
#define HINT_RSA                                                                               \
    "use an RSA certificate of 2048 bits or more: Entra ID signs and checks certificate "      \
    "assertions with RSA"
#define HINT_EXPIRED                                                                           \
    "create a new certificate, upload it to the application's certificates, and point "       \
    "entra_id_options.client_certificate at it"

/*
 * Read the whole file into a secret of at most CERT_FILE_MAX bytes. The file is opened without
 * blocking and must be a regular file, so that a FIFO or device at the path cannot stall the
 * caller.
 */
static int read_cert_file(struct m365id__secret **out, m365id_ctx *ctx, const char *path,
                          const struct m365id__quoted *qpath, const char *source)
{
    unsigned char *data = NULL;
    size_t len = 0;
    struct stat st;
    int fd = -1;
    int rc;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) < 0) {
        rc = m365id__fail(ctx, M365ID_ECONFIG, HINT_PATH,
                          "client certificate file '%s' (from %s) cannot be opened: %s",
                          qpath->text, source, strerror(errno));
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        rc = m365id__fail(ctx, M365ID_ECONFIG, HINT_PATH,
                          "client certificate file '%s' (from %s) is a directory, not a file",
                          qpath->text, source);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = m365id__fail(ctx, M365ID_ECONFIG, HINT_PATH,
                          "client certificate file '%s' (from %s) is not a regular file",
                          qpath->text, source);
        goto out;
    }
    data = malloc(CERT_FILE_MAX + 1);
    if (data == NULL) {
        rc = m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory reading the certificate");
        goto out;
    }

    /* One byte more than the limit shows whether the file is too large. */
    while (len < CERT_FILE_MAX + 1) {
        ssize_t n = read(fd, data + len, CERT_FILE_MAX + 1 - len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = m365id__fail(ctx, M365ID_ECONFIG, HINT_PATH,
                              "client certificate file '%s' (from %s) could not be read: %s",
                              qpath->text, source, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > CERT_FILE_MAX) {
        rc = m365id__fail(ctx, M365ID_ECONFIG, HINT_PATH,
                          "client certificate file '%s' (from %s) is more than the %u bytes "
                          "allowed",
                          qpath->text, source, CERT_FILE_MAX);
        goto out;
    }
    if (len == 0) {
        rc = m365id__fail(ctx, M365ID_ECONFIG, HINT_PATH,
                          "client certificate file '%s' (from %s) is empty", qpath->text,
                          source);
        goto out;
    }
    if (m365id__secret_new(out, data, len) < 0) {
        rc = m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory reading the certificate");
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

/* Record why the file's contents cannot be used. The password is never shown. */
static int fail_fault(m365id_ctx *ctx, enum m365id__cert_fault fault,
                      const struct m365id__quoted *qpath, const char *source, int is_pem)
{
    const char *pw = m365id__cfg(ctx, M365ID__KEY_CLIENT_CERTIFICATE_PASSWORD);
    const char *pw_source = m365id__cfg_source(ctx, M365ID__KEY_CLIENT_CERTIFICATE_PASSWORD);
    const char *hint = HINT_CONTENT;

    if (fault == M365ID__CERT_PASSWORD) {
        if (pw == NULL) {
            return m365id__fail(ctx, M365ID_ECONFIG, HINT_PASSWORD,
                                "client certificate file '%s' (from %s) is protected by a "
                                "password, but client_certificate_password is not set",
                                qpath->text, source);
        }
        return m365id__fail(ctx, M365ID_ECONFIG, HINT_PASSWORD,
                            "the client certificate password (from %s) does not open the %s "
                            "'%s' (from %s)",
                            pw_source, is_pem ? "encrypted private key in PEM file" :
                            "PKCS#12 file", qpath->text, source);
    }
    if (fault == M365ID__CERT_UNSUPPORTED)
        hint = HINT_LEGACY;
    else if (fault == M365ID__CERT_NOT_RSA)
        hint = HINT_RSA;
    return m365id__fail(ctx, M365ID_ECONFIG, hint,
                        "client certificate file '%s' (from %s) cannot be used: %s",
                        qpath->text, source, m365id__cert_fault_text(fault));
}

/* "b64url(header).b64url(payload)" of two JSON objects, appended to @p out. */
static int put_part(struct m365id__buf *out, const json_t *obj)
{
    char *json = m365id__json_dump(obj);
    char *b64 = NULL;
    int rc = M365ID_ENOMEM;

    if (json == NULL)
        goto out;
    b64 = m365id__b64url_encode(json, strlen(json));
    if (b64 == NULL)
        goto out;
    rc = m365id__buf_puts(out, b64);

out:
    free(json);
    free(b64);
    return rc;
}

/* Build the JOSE header: alg, typ, x5t#S256 and, when asked, the chain in x5c. */
static json_t *make_header(const struct m365id__client_cert *cert, int send_chain)
{
    unsigned char sha[M365ID_SHA256_LEN];
    json_t *hdr = NULL;
    json_t *x5c = NULL;
    char *x5t = NULL;

    if (m365id__client_cert_sha256(sha, cert, 0) < 0)
        return NULL;
    x5t = m365id__b64url_encode(sha, sizeof(sha));
    if (x5t == NULL)
        return NULL;
    hdr = json_pack("{s:s, s:s, s:s}", "alg", "PS256", "typ", "JWT", "x5t#S256", x5t);
    free(x5t);
    if (hdr == NULL || !send_chain)
        return hdr;

    x5c = json_array();
    if (x5c == NULL)
        goto fail;
    for (size_t i = 0; i < m365id__client_cert_count(cert); i++) {
        char *b64 = m365id__client_cert_b64(cert, i);

        if (b64 == NULL || json_array_append_new(x5c, json_string(b64)) != 0) {
            free(b64);
            goto fail;
        }
        free(b64);
    }
    if (json_object_set_new(hdr, "x5c", x5c) != 0) {
        x5c = NULL; /* json_object_set_new() released it */
        goto fail;
    }
    return hdr;

fail:
    json_decref(x5c);
    json_decref(hdr);
    return NULL;
}

int m365id__client_cert_assertion(struct m365id__assertion *out, m365id_ctx *ctx)
{
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    struct m365id__buf jws = M365ID__SECRET_BUF_INIT(64u * 1024u);
    struct m365id__client_cert *cert = NULL;
    struct m365id__secret *file = NULL;
    enum m365id__cert_fault fault = M365ID__CERT_OK;
    const char *path = m365id__cfg(ctx, M365ID__KEY_CLIENT_CERTIFICATE);
    const char *source = m365id__cfg_source(ctx, M365ID__KEY_CLIENT_CERTIFICATE);
    const char *client_id = m365id__cfg(ctx, M365ID__KEY_CLIENT_ID);
    long long now = m365id__clock_now_s(ctx);
    struct m365id__quoted qpath;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    char *sig_b64 = NULL;
    char jti[37];
    long long not_after;
    int rc;

    if (path == NULL || path[0] == '\0') {
        rc = m365id__fail(ctx, M365ID_ECONFIG, HINT_PATH, "client certificate path is not set");
        goto out;
    }
    m365id__quote(&qpath, path);
    if ((rc = read_cert_file(&file, ctx, path, &qpath, source)) < 0)
        goto out;
    rc = m365id__client_cert_load(&cert, &fault, file->data, file->len,
                                  m365id__cfg(ctx, M365ID__KEY_CLIENT_CERTIFICATE_PASSWORD));
    if (rc == M365ID_ENOMEM) {
        rc = m365id__fail(ctx, rc, NULL, "out of memory loading the client certificate");
        goto out;
    }
    if (rc < 0) {
        rc = fail_fault(ctx, fault, &qpath, source, file->data[0] != 0x30);
        goto out;
    }

    /* Entra ID rejects an expired certificate with AADSTS700027, so report it before sending. */
    not_after = m365id__client_cert_not_after(cert);
    if (not_after != 0 && not_after <= now) {
        struct m365id__quoted qsubject;
        char t_exp[40];
        char subject[256];

        m365id__format_rfc3339(t_exp, sizeof(t_exp), not_after);
        (void)m365id__client_cert_subject(subject, sizeof(subject), cert);
        m365id__quote(&qsubject, subject);
        rc = m365id__fail(ctx, M365ID_ECONFIG, HINT_EXPIRED,
                          "the certificate '%s' in client certificate file '%s' (from %s) "
                          "expired at %s",
                          qsubject.text, qpath.text, source, t_exp);
        goto out;
    }

    if (m365id__guid_v4(jti) < 0) {
        rc = m365id__fail(ctx, M365ID_EIO, NULL, "no random bytes for the assertion's jti");
        goto out;
    }
    a.header = make_header(cert, ctx->cfg.send_certificate_chain);
    a.claims = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "aud",
                         ctx->cfg.token_endpoint, "iss", client_id, "sub", client_id, "jti",
                         jti, "nbf", (json_int_t)now, "iat", (json_int_t)now, "exp",
                         (json_int_t)(now + M365ID__CERT_ASSERTION_LIFETIME_S));
    if (a.header == NULL || a.claims == NULL) {
        rc = m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory building the assertion");
        goto out;
    }

    /* RFC 7515 section 7.1: sign "b64url(header).b64url(payload)". */
    if ((rc = put_part(&jws, a.header)) < 0 || (rc = m365id__buf_puts(&jws, ".")) < 0 ||
        (rc = put_part(&jws, a.claims)) < 0) {
        rc = m365id__fail(ctx, rc, NULL, "cannot build the certificate assertion");
        goto out;
    }
    if ((rc = m365id__client_cert_sign_ps256(&sig, &sig_len, cert, m365id__buf_cstr(&jws),
                                             jws.len)) < 0) {
        rc = m365id__fail(ctx, rc, HINT_CONTENT,
                          "cannot sign the assertion with the key of client certificate file "
                          "'%s' (from %s)",
                          qpath.text, source);
        goto out;
    }
    sig_b64 = m365id__b64url_encode(sig, sig_len);
    if (sig_b64 == NULL || (rc = m365id__buf_puts(&jws, ".")) < 0 ||
        (rc = m365id__buf_puts(&jws, sig_b64)) < 0) {
        rc = m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory building the assertion");
        goto out;
    }
    if (m365id__secret_new(&a.jwt, m365id__buf_cstr(&jws), jws.len) < 0) {
        rc = m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory building the assertion");
        goto out;
    }
    m365id_fingerprint(a.fingerprint, sizeof(a.fingerprint), a.jwt->data, a.jwt->len);
    mlog_debug(&ctx->logger, "cred",
               "signed certificate assertion %s (%zu bytes) with '%s', %zu certificate%s in "
               "x5c",
               a.fingerprint, a.jwt->len, qpath.text,
               ctx->cfg.send_certificate_chain ? m365id__client_cert_count(cert) : 0,
               ctx->cfg.send_certificate_chain && m365id__client_cert_count(cert) == 1 ? ""
                                                                                       : "s");

    *out = a;
    memset(&a, 0, sizeof(a));
    rc = 0;

out:
    free(sig);
    free(sig_b64);
    m365id__buf_clear(&jws);
    m365id__assertion_clear(&a);
    m365id__client_cert_free(cert);
    m365id__secret_free(file);
    return rc;
}
