/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Scenario sections beyond federation: application client secrets and certificates, CI
 * issuers (GitHub Actions and Azure DevOps style) and managed identities. The core sections
 * and the shared getters live in scenario.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "m365id/error.h"
#include "scenario.h"
#include "scenario_parse.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/strutil.h"

#define SECRET_VALUE_MAX 512u        /* Entra's secrets are 40 characters; room for odd tests */
#define CERT_FILE_MAX (256u * 1024u) /* a certificate PEM is a few KiB */
#define CI_TOKEN_LIFETIME_MIN 60LL
#define CI_TOKEN_LIFETIME_MAX 86400LL
#define REQUEST_TOKEN_MAX 4096u

/* --- values --- */

/*
 * Parse an RFC 3339 date-time such as "2026-01-01T00:00:00Z" or "...T01:00:00.5+01:00" into
 * Unix seconds (fractions dropped). Returns 0 or -1.
 */
static int parse_rfc3339(long long *out, const char *s)
{
    struct tm tm;
    const char *p;
    long long t;
    int sign;
    int oh;
    int om;
    int used = 0;

    memset(&tm, 0, sizeof(tm));
    if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':' ||
        sscanf(s, "%4d-%2d-%2d%*c%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &used) != 6 ||
        used != 19)
        return -1;
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
        tm.tm_min > 59 || tm.tm_sec > 60)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    p = s + 19;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        while (isdigit((unsigned char)*p))
            p++;
    }
    t = (long long)timegm(&tm);
    if (strcmp(p, "Z") == 0 || strcmp(p, "z") == 0) {
        *out = t;
        return 0;
    }
    if ((p[0] != '+' && p[0] != '-') || !isdigit((unsigned char)p[1]) ||
        !isdigit((unsigned char)p[2]) || p[3] != ':' || !isdigit((unsigned char)p[4]) ||
        !isdigit((unsigned char)p[5]) || p[6] != '\0')
        return -1;
    sign = p[0] == '+' ? 1 : -1;
    oh = (p[1] - '0') * 10 + (p[2] - '0');
    om = (p[4] - '0') * 10 + (p[5] - '0');
    if (oh > 23 || om > 59)
        return -1;
    *out = t - sign * (oh * 3600LL + om * 60LL);
    return 0;
}

static char *random_token(void)
{
    unsigned char raw[24];
    char *s;

    if (m365id__random(raw, sizeof(raw)) < 0)
        return NULL;
    s = m365id__b64url_encode(raw, sizeof(raw));
    m365id__wipe(raw, sizeof(raw));
    return s;
}

/* Read a whole small file relative to @p base_dir; NULL with errno set on failure. */
static char *read_small_file(const char *base_dir, const char *name, size_t *len)
{
    struct m365id__buf buf = M365ID__BUF_INIT(CERT_FILE_MAX);
    char path[4096];
    char chunk[4096];
    char *text;
    FILE *f;
    size_t n;

    if (name[0] == '/')
        snprintf(path, sizeof(path), "%s", name);
    else
        snprintf(path, sizeof(path), "%s/%s", base_dir, name);
    f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (m365id__buf_put(&buf, chunk, n) < 0) {
            fclose(f);
            m365id__buf_clear(&buf);
            errno = EFBIG;
            return NULL;
        }
    }
    fclose(f);
    *len = buf.len;
    text = m365id__buf_detach(&buf);
    return text != NULL ? text : strdup("");
}

/* --- applications --- */

static int parse_secrets(struct emu_app *app, const json_t *obj, const char *app_path,
                         struct emu_error *err)
{
    static const char *const keys[] = {"id", "hint", "value", "expires", NULL};
    json_t *arr = NULL;
    size_t i;
    int rc;

    if ((rc = emu_scn_get_array(&arr, obj, app_path, "client_secrets", err)) < 0)
        return rc;
    if (arr == NULL || json_array_size(arr) == 0)
        return 0;
    app->secrets = calloc(json_array_size(arr), sizeof(*app->secrets));
    if (app->secrets == NULL)
        return emu_scn_nomem(err);
    for (i = 0; i < json_array_size(arr); i++) {
        struct emu_secret *sec = &app->secrets[i];
        char path[EMU_SCN_PATH_MAX];
        char *expires = NULL;
        const json_t *sobj;

        emu_scn_element_path(path, sizeof(path), app_path, "client_secrets", i);
        if ((rc = emu_scn_obj_at(&sobj, arr, i, path, err)) < 0)
            return rc;
        app->secret_count++;
        if ((rc = emu_scn_check_keys(sobj, path, keys, err)) < 0 ||
            (rc = emu_scn_get_str(&sec->value, sobj, path, "value", NULL, err)) < 0 ||
            (rc = emu_scn_get_opt_str(&sec->id, sobj, path, "id", err)) < 0 ||
            (rc = emu_scn_get_opt_str(&sec->hint, sobj, path, "hint", err)) < 0 ||
            (rc = emu_scn_get_opt_str(&expires, sobj, path, "expires", err)) < 0)
            return rc;
        sec->value_len = strlen(sec->value);
        if (sec->value_len > SECRET_VALUE_MAX)
            return emu_scn_fail(err, "use a shorter secret, such as 40 characters",
                                "%s.value: longer than %u characters", path, SECRET_VALUE_MAX);
        if (sec->id == NULL) {
            char index[32];

            snprintf(index, sizeof(index), "%zu", i);
            sec->id = emu_scn_derived_guid("client-secret", app->app_id, index);
            if (sec->id == NULL)
                return emu_scn_nomem(err);
        } else if (!m365id__is_guid(sec->id)) {
            return emu_scn_fail(err, "use the secret's keyId, a GUID, or leave the key out",
                                "%s.id: not a GUID", path);
        }
        /* Entra's hint is the first three characters of the value. */
        if (sec->hint == NULL) {
            sec->hint = strndup(sec->value, 3);
            if (sec->hint == NULL)
                return emu_scn_nomem(err);
        } else if (strncmp(sec->hint, sec->value, 3) != 0 || strlen(sec->hint) != 3 ||
                   sec->value_len < 3) {
            return emu_scn_fail(err,
                                "write the first three characters of the value, or leave "
                                "the key out",
                                "%s.hint: not the first three characters of "
                                "the value",
                                path);
        }
        if (expires != NULL) {
            int bad = parse_rfc3339(&sec->expires, expires) < 0 || sec->expires <= 0;
            struct m365id__quoted q;

            m365id__quote(&q, expires);
            free(expires);
            if (bad)
                return emu_scn_fail(err,
                                    "write an RFC 3339 time such as "
                                    "\"2030-01-01T00:00:00Z\"",
                                    "%s.expires: '%s' is not an RFC 3339 date-time", path, q.text);
        }
    }
    return 0;
}

static int parse_certificates(struct emu_app *app, const json_t *obj,
                              const struct emu_scenario *scn, const char *app_path,
                              struct emu_error *err)
{
    static const char *const keys[] = {"pem", "pem_file", NULL};
    json_t *arr = NULL;
    size_t i;
    size_t j;
    int rc;

    if ((rc = emu_scn_get_array(&arr, obj, app_path, "certificates", err)) < 0)
        return rc;
    if (arr == NULL || json_array_size(arr) == 0)
        return 0;
    app->certs = calloc(json_array_size(arr), sizeof(*app->certs));
    if (app->certs == NULL)
        return emu_scn_nomem(err);
    for (i = 0; i < json_array_size(arr); i++) {
        struct emu_cert *cert = &app->certs[i];
        char path[EMU_SCN_PATH_MAX];
        char *pem = NULL;
        char *file = NULL;
        char *text = NULL;
        size_t len = 0;
        const json_t *cobj;

        emu_scn_element_path(path, sizeof(path), app_path, "certificates", i);
        if ((rc = emu_scn_obj_at(&cobj, arr, i, path, err)) < 0)
            return rc;
        app->cert_count++;
        if ((rc = emu_scn_check_keys(cobj, path, keys, err)) < 0 ||
            (rc = emu_scn_get_opt_str(&pem, cobj, path, "pem", err)) < 0 ||
            (rc = emu_scn_get_opt_str(&file, cobj, path, "pem_file", err)) < 0) {
            free(pem);
            return rc;
        }
        if ((pem == NULL) == (file == NULL)) {
            free(pem);
            free(file);
            return emu_scn_fail(err,
                                "write either \"pem\" (the certificate text) or "
                                "\"pem_file\" (a path relative to the scenario file)",
                                "%s: needs exactly one of \"pem\" and \"pem_file\"", path);
        }
        if (file != NULL) {
            struct m365id__quoted q;

            text = read_small_file(scn->base_dir, file, &len);
            m365id__quote(&q, file);
            free(file);
            if (text == NULL)
                return emu_scn_fail(err,
                                    "point pem_file at a readable PEM certificate, "
                                    "relative to the scenario file",
                                    "%s.pem_file: cannot read '%s': %s", path, q.text,
                                    strerror(errno));
        } else {
            text = pem;
            len = strlen(pem);
        }
        rc = m365id__x509_info_from_pem(&cert->info, text, len);
        free(text);
        if (rc == M365ID_ENOMEM)
            return emu_scn_nomem(err);
        if (rc < 0)
            return emu_scn_fail(err,
                                "give a PEM block that starts with -----BEGIN "
                                "CERTIFICATE-----",
                                "%s: no readable X.509 certificate", path);
        if (cert->info.key == NULL)
            return emu_scn_fail(err,
                                "register a certificate with an RSA key of 2048 bits or "
                                "more, as Entra requires for client assertions",
                                "%s: the certificate's key is not RSA of 2048 bits or more", path);
        for (j = 0; j < sizeof(cert->info.sha1); j++)
            snprintf(cert->thumbprint_hex + 2 * j, 3, "%02X", cert->info.sha1[j]);
        for (j = 0; j < i; j++) {
            if (memcmp(app->certs[j].info.sha256, cert->info.sha256, M365ID_SHA256_LEN) == 0)
                return emu_scn_fail(err, "remove the duplicate",
                                    "%s: the same certificate as certificates[%zu]", path, j);
        }
    }
    return 0;
}

int emu_scn_parse_app_credentials(struct emu_app *app, const json_t *obj,
                                  const struct emu_scenario *scn, const char *app_path,
                                  struct emu_error *err)
{
    int rc;

    if ((rc = parse_secrets(app, obj, app_path, err)) < 0 ||
        (rc = parse_certificates(app, obj, scn, app_path, err)) < 0 ||
        (rc = emu_scn_get_opt_str(&app->trusted_subject, obj, app_path, "trusted_subject", err)) <
            0)
        return rc;
    if (app->trusted_subject != NULL && strchr(app->trusted_subject, '=') == NULL)
        return emu_scn_fail(err, "write an RFC 2253 subject such as \"CN=app.contoso.com\"",
                            "%s.trusted_subject: not a distinguished name", app_path);
    return 0;
}

void emu_scn_free_app_credentials(struct emu_app *app)
{
    size_t i;

    for (i = 0; i < app->secret_count; i++) {
        free(app->secrets[i].id);
        free(app->secrets[i].hint);
        m365id__free_secret_str(app->secrets[i].value);
    }
    free(app->secrets);
    for (i = 0; i < app->cert_count; i++)
        m365id__x509_info_clear(&app->certs[i].info);
    free(app->certs);
    free(app->trusted_subject);
}

/* --- CI issuers --- */

/* GitHub's defaults: repository contoso/infra, subject of its main branch. */
static int ci_github_defaults(struct emu_ci_issuer *ci, const json_t *obj, const char *path,
                              struct emu_error *err)
{
    char buf[1024];
    const char *slash;
    int rc;

    if ((rc = emu_scn_get_str(&ci->repository, obj, path, "repository", "contoso/infra", err)) < 0)
        return rc;
    slash = strchr(ci->repository, '/');
    if (slash == NULL || slash == ci->repository || slash[1] == '\0' ||
        strchr(slash + 1, '/') != NULL || strpbrk(ci->repository, ": ") != NULL)
        return emu_scn_fail(err, "write OWNER/REPO, such as \"contoso/infra\"",
                            "%s.repository: not of the form OWNER/REPO", path);
    snprintf(buf, sizeof(buf), "repo:%s:ref:refs/heads/main", ci->repository);
    if ((rc = emu_scn_get_str(&ci->subject, obj, path, "subject", buf, err)) < 0)
        return rc;
    snprintf(buf, sizeof(buf), "https://github.com/%.*s", (int)(slash - ci->repository),
             ci->repository);
    return emu_scn_get_str(&ci->default_audience, obj, path, "audience", buf, err);
}

static int ci_ado_defaults(struct emu_ci_issuer *ci, const json_t *obj, const char *path,
                           struct emu_error *err)
{
    int rc;

    if (json_object_get(obj, "repository") != NULL)
        return emu_scn_fail(err, "remove \"repository\": it applies to kind github only",
                            "%s.repository: not used by kind azure_devops", path);
    if ((rc = emu_scn_get_opt_str(&ci->organization_id, obj, path, "organization_id", err)) < 0)
        return rc;
    if (ci->organization_id == NULL) {
        ci->organization_id = emu_scn_derived_guid("ado-organization", ci->name, "");
        if (ci->organization_id == NULL)
            return emu_scn_nomem(err);
    } else if (!m365id__is_guid(ci->organization_id)) {
        return emu_scn_fail(err, "use the organization's id, a GUID, or leave the key out",
                            "%s.organization_id: not a GUID", path);
    }
    emu_scn_lower(ci->organization_id);
    if ((rc = emu_scn_get_str(&ci->subject, obj, path, "subject", "sc://contoso/infra/m365", err)) <
            0 ||
        (rc = emu_scn_get_str(&ci->default_audience, obj, path, "audience",
                              "api://AzureADTokenExchange", err)) < 0)
        return rc;
    if (strncmp(ci->subject, "sc://", 5) != 0)
        return emu_scn_fail(err, "write sc://ORGANIZATION/PROJECT/SERVICE-CONNECTION",
                            "%s.subject: Azure DevOps subjects start with sc://", path);
    return 0;
}

int emu_scn_parse_ci_issuers(struct emu_scenario *scn, const json_t *root, struct emu_error *err)
{
    static const char *const keys[] = {
        "name",     "kind",       "request_token",   "subject",
        "audience", "repository", "organization_id", "expiration_seconds",
        NULL};
    json_t *arr = NULL;
    size_t i;
    int rc;

    if ((rc = emu_scn_get_array(&arr, root, "scenario", "ci_issuers", err)) < 0)
        return rc;
    if (arr == NULL || json_array_size(arr) == 0)
        return 0;
    scn->ci_issuers = calloc(json_array_size(arr), sizeof(*scn->ci_issuers));
    if (scn->ci_issuers == NULL)
        return emu_scn_nomem(err);
    for (i = 0; i < json_array_size(arr); i++) {
        struct emu_ci_issuer *ci = &scn->ci_issuers[i];
        char path[EMU_SCN_PATH_MAX];
        char *kind = NULL;
        const json_t *cobj;
        size_t need;

        snprintf(path, sizeof(path), "ci_issuers[%zu]", i);
        if ((rc = emu_scn_obj_at(&cobj, arr, i, path, err)) < 0)
            return rc;
        scn->ci_issuer_count++;
        if ((rc = emu_scn_check_keys(cobj, path, keys, err)) < 0 ||
            (rc = emu_scn_get_str(&ci->name, cobj, path, "name", NULL, err)) < 0 ||
            (rc = emu_scn_get_str(&kind, cobj, path, "kind", NULL, err)) < 0)
            return rc;
        if (!emu_is_dns_label(ci->name)) {
            struct m365id__quoted q;

            free(kind);
            m365id__quote(&q, ci->name);
            return emu_scn_fail(err,
                                "use lower-case letters, digits and '-', such as "
                                "\"github\"",
                                "%s.name: '%s' is not a valid issuer name", path, q.text);
        }
        if (emu_scenario_ci_issuer(scn, ci->name, strlen(ci->name)) != ci) {
            free(kind);
            return emu_scn_fail(err, "give each CI issuer its own name",
                                "%s.name: duplicate CI issuer '%s'", path, ci->name);
        }
        if (strcmp(kind, "github") == 0) {
            ci->kind = EMU_CI_GITHUB;
        } else if (strcmp(kind, "azure_devops") == 0) {
            ci->kind = EMU_CI_AZURE_DEVOPS;
        } else {
            struct m365id__quoted q;

            m365id__quote(&q, kind);
            free(kind);
            return emu_scn_fail(err, "use github or azure_devops", "%s.kind: unknown kind '%s'",
                                path, q.text);
        }
        free(kind);
        if ((rc = (ci->kind == EMU_CI_GITHUB ? ci_github_defaults(ci, cobj, path, err)
                                             : ci_ado_defaults(ci, cobj, path, err))) < 0 ||
            (rc = emu_scn_get_int(&ci->expiration_s, cobj, path, "expiration_seconds",
                                  ci->kind == EMU_CI_GITHUB ? 300 : 3600, CI_TOKEN_LIFETIME_MIN,
                                  CI_TOKEN_LIFETIME_MAX, err)) < 0 ||
            (rc = emu_scn_get_opt_str(&ci->request_token, cobj, path, "request_token", err)) < 0)
            return rc;
        if (ci->request_token == NULL) {
            ci->request_token = random_token();
            if (ci->request_token == NULL)
                return emu_scn_nomem(err);
        } else if (strlen(ci->request_token) > REQUEST_TOKEN_MAX ||
                   strpbrk(ci->request_token, " \t\r\n") != NULL) {
            return emu_scn_fail(err, "write a token without spaces or line breaks",
                                "%s.request_token: must be 1 to %u characters without "
                                "whitespace",
                                path, REQUEST_TOKEN_MAX);
        }
        /* GitHub's issuer has no trailing slash; Azure DevOps' ends in the organization id. */
        need = strlen(scn->base_url) + strlen(ci->name) + 64;
        ci->issuer = malloc(need);
        if (ci->issuer == NULL)
            return emu_scn_nomem(err);
        if (ci->kind == EMU_CI_GITHUB)
            snprintf(ci->issuer, need, "%s/ci/%s", scn->base_url, ci->name);
        else
            snprintf(ci->issuer, need, "%s/ci/%s/%s", scn->base_url, ci->name, ci->organization_id);
    }
    return 0;
}

/* --- managed identities --- */

/* Nonzero when @p s looks like an Azure Resource Manager id. */
static int is_arm_id(const char *s)
{
    return strncasecmp(s, "/subscriptions/", 15) == 0 && strchr(s + 15, '/') != NULL &&
           strpbrk(s, " \t\r\n?#") == NULL;
}

int emu_scn_parse_managed_identities(struct emu_scenario *scn, const json_t *root,
                                     struct emu_error *err)
{
    static const char *const keys[] = {"name",        "tenant_id", "client_id",       "object_id",
                                       "resource_id", "roles",     "system_assigned", NULL};
    json_t *arr = NULL;
    size_t system_count = 0;
    size_t i;
    size_t j;
    int rc;

    if ((rc = emu_scn_get_array(&arr, root, "scenario", "managed_identities", err)) < 0)
        return rc;
    if (arr == NULL || json_array_size(arr) == 0)
        return 0;
    scn->managed_identities = calloc(json_array_size(arr), sizeof(*scn->managed_identities));
    if (scn->managed_identities == NULL)
        return emu_scn_nomem(err);
    for (i = 0; i < json_array_size(arr); i++) {
        struct emu_managed_identity *mi = &scn->managed_identities[i];
        char path[EMU_SCN_PATH_MAX];
        char default_rid[512];
        char *tenant_id = NULL;
        const json_t *mobj;

        snprintf(path, sizeof(path), "managed_identities[%zu]", i);
        if ((rc = emu_scn_obj_at(&mobj, arr, i, path, err)) < 0)
            return rc;
        scn->managed_identity_count++;
        if ((rc = emu_scn_check_keys(mobj, path, keys, err)) < 0 ||
            (rc = emu_scn_get_str(&mi->name, mobj, path, "name", NULL, err)) < 0 ||
            (rc = emu_scn_get_str(&tenant_id, mobj, path, "tenant_id", NULL, err)) < 0)
            return rc;
        for (j = 0; j < scn->tenant_count && mi->tenant == NULL; j++) {
            if (strcasecmp(scn->tenants[j].id, tenant_id) == 0)
                mi->tenant = &scn->tenants[j];
        }
        if (mi->tenant == NULL) {
            struct m365id__quoted q;

            m365id__quote(&q, tenant_id);
            free(tenant_id);
            return emu_scn_fail(err, "name a tenant listed under \"tenants\"",
                                "%s.tenant_id: unknown tenant '%s'", path, q.text);
        }
        free(tenant_id);
        if ((rc = emu_scn_get_str(&mi->client_id, mobj, path, "client_id", NULL, err)) < 0 ||
            (rc = emu_scn_get_opt_str(&mi->object_id, mobj, path, "object_id", err)) < 0 ||
            (rc = emu_scn_get_bool(&mi->system_assigned, mobj, path, "system_assigned", 0, err)) <
                0 ||
            (rc = emu_scn_get_str_list(&mi->roles, &mi->role_count, mobj, path, "roles", err)) < 0)
            return rc;
        if (!m365id__is_guid(mi->client_id))
            return emu_scn_fail(err, "use the identity's client id, a GUID",
                                "%s.client_id: not a GUID", path);
        emu_scn_lower(mi->client_id);
        if (mi->object_id == NULL) {
            mi->object_id = emu_scn_derived_guid("managed-identity", mi->tenant->id, mi->client_id);
            if (mi->object_id == NULL)
                return emu_scn_nomem(err);
        } else if (!m365id__is_guid(mi->object_id)) {
            return emu_scn_fail(err,
                                "use the identity's object (principal) id, a GUID, or "
                                "leave the key out",
                                "%s.object_id: not a GUID", path);
        }
        emu_scn_lower(mi->object_id);
        snprintf(default_rid, sizeof(default_rid),
                 "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/emulator/"
                 "providers/Microsoft.ManagedIdentity/userAssignedIdentities/%s",
                 mi->name);
        if ((rc = emu_scn_get_str(&mi->resource_id, mobj, path, "resource_id", default_rid, err)) <
            0)
            return rc;
        if (!is_arm_id(mi->resource_id))
            return emu_scn_fail(err,
                                "write an id such as \"/subscriptions/SUB/resourceGroups/"
                                "RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"
                                "NAME\"",
                                "%s.resource_id: not an Azure Resource Manager id", path);
        if (mi->system_assigned)
            system_count++;
        if (system_count > 1)
            return emu_scn_fail(err, "mark one identity as system_assigned",
                                "%s.system_assigned: a host has at most one system-assigned "
                                "identity",
                                path);
        for (j = 0; j < i; j++) {
            const struct emu_managed_identity *o = &scn->managed_identities[j];

            if (strcmp(o->client_id, mi->client_id) == 0 ||
                strcmp(o->object_id, mi->object_id) == 0 ||
                strcasecmp(o->resource_id, mi->resource_id) == 0)
                return emu_scn_fail(err,
                                    "give each identity its own client_id, object_id and "
                                    "resource_id",
                                    "%s: an id repeats managed_identities[%zu]", path, j);
        }
    }
    return 0;
}

void emu_scn_free_extras(struct emu_scenario *scn)
{
    size_t i;
    size_t j;

    for (i = 0; i < scn->managed_identity_count; i++) {
        struct emu_managed_identity *mi = &scn->managed_identities[i];

        free(mi->name);
        free(mi->client_id);
        free(mi->object_id);
        free(mi->resource_id);
        for (j = 0; j < mi->role_count; j++)
            free(mi->roles[j]);
        free(mi->roles);
    }
    free(scn->managed_identities);
    for (i = 0; i < scn->ci_issuer_count; i++) {
        struct emu_ci_issuer *ci = &scn->ci_issuers[i];

        free(ci->name);
        free(ci->issuer);
        m365id__free_secret_str(ci->request_token);
        free(ci->subject);
        free(ci->default_audience);
        free(ci->repository);
        free(ci->organization_id);
    }
    free(scn->ci_issuers);
    m365id__free_secret_str(scn->identity_header);
    free(scn->faults);
}
