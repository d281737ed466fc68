/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Scenario parsing and validation. Every rejection names the JSON path and the value, and a
 * hint suggests what to write instead. The built-in default scenario lives at the end.
 */
#include "scenario.h"
#include "faults.h"
#include "scenario_parse.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "faults.h"
#include "m365id/error.h"
#include "scenario_parse.h"
#include "util/crypto.h"
#include "util/json.h"
#include "util/quote.h"
#include "util/secret.h"
#include "util/strutil.h"

#define PATH_MAX_LEN EMU_SCN_PATH_MAX
#define FIC_FIELD_MAX 600u   /* Entra's limit for issuer, subject and audience */
#define FICS_PER_APP_MAX 20u /* Entra's limit per application */
#define EXPIRATION_MAX 4294967296LL /* Kubernetes accepts expirationSeconds up to 2^32 */

/* --- errors --- */

int emu_scn_fail(struct emu_error *err, const char *hint, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    snprintf(err->hint, sizeof(err->hint), "%s", hint != NULL ? hint : "");
    return M365ID_ECONFIG;
}

/* Replace the hint of the last emu_scn_fail() with a formatted one; returns M365ID_ECONFIG. */
int emu_scn_hint(struct emu_error *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
    va_end(ap);
    return M365ID_ECONFIG;
}

int emu_scn_nomem(struct emu_error *err)
{
    emu_scn_fail(err, NULL, "out of memory while reading the scenario");
    return M365ID_ENOMEM;
}

/* Name element @p index of array @p member under @p parent, e.g. "tenants[0].users[2]". Paths
 * are at most a few levels deep, so a cut one means a bug rather than bad input. */
void emu_scn_element_path(char *out, size_t size, const char *parent, const char *member,
                          size_t index)
{
    int n = snprintf(out, size, "%s.%s[%zu]", parent, member, index);

    if (n < 0 || (size_t)n >= size)
        snprintf(out, size, "%s[%zu]", member, index);
}

/* --- checked getters that name the JSON path --- */

int emu_scn_check_keys(const json_t *obj, const char *path, const char *const *allowed,
                       struct emu_error *err)
{
    const char *key;
    json_t *value;

    json_object_foreach((json_t *)obj, key, value) {
        size_t i;
        int known = 0;

        (void)value;
        for (i = 0; allowed[i] != NULL; i++) {
            if (strcmp(allowed[i], key) == 0)
                known = 1;
        }
        if (!known) {
            struct m365id__quoted q;
            char list[256] = "";
            size_t used = 0;

            for (i = 0; allowed[i] != NULL && used < sizeof(list); i++) {
                int n = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
                                 allowed[i]);

                if (n < 0)
                    break;
                used += (size_t)n;
            }
            m365id__quote(&q, key);
            emu_scn_fail(err, NULL, "%s: unknown key '%s'", path, q.text);
            return emu_scn_hint(err, "use one of the keys valid here: %s", list);
        }
    }
    return 0;
}

int emu_scn_get_str(char **out, const json_t *obj, const char *path, const char *key,
                    const char *fallback, struct emu_error *err)
{
    const char *s = NULL;
    int r = m365id__json_get_str(&s, obj, key);

    *out = NULL;
    if (r == M365ID__JSON_BADTYPE)
        return emu_scn_fail(err, "write the value as a string in double quotes",
                            "%s.%s: must be a string", path, key);
    if (r == M365ID__JSON_ABSENT) {
        if (fallback == NULL) {
            emu_scn_fail(err, NULL, "%s.%s: required key is missing", path, key);
            return emu_scn_hint(err, "add \"%s\" to %s", key, path);
        }
        s = fallback;
    }
    if (s[0] == '\0') {
        return emu_scn_fail(err,
                            fallback != NULL ? "write a value or leave the key out for the default"
                                             : "write a non-empty value",
                            "%s.%s: must not be empty", path, key);
    }
    *out = strdup(s);
    return *out != NULL ? 0 : emu_scn_nomem(err);
}

int emu_scn_get_opt_str(char **out, const json_t *obj, const char *path, const char *key,
                        struct emu_error *err)
{
    const char *s = NULL;
    int r = m365id__json_get_str(&s, obj, key);

    *out = NULL;
    if (r == M365ID__JSON_ABSENT)
        return 0;
    if (r == M365ID__JSON_BADTYPE)
        return emu_scn_fail(err,
                            "write the value as a string in double quotes, or leave the key out",
                            "%s.%s: must be a string", path, key);
    *out = strdup(s);
    return *out != NULL ? 0 : emu_scn_nomem(err);
}

int emu_scn_get_bool(int *out, const json_t *obj, const char *path, const char *key, int fallback,
                     struct emu_error *err)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v)) {
        *out = fallback;
        return 0;
    }
    if (!json_is_boolean(v))
        return emu_scn_fail(err, "write true or false without quotes",
                            "%s.%s: must be true or false", path, key);
    *out = json_is_true(v);
    return 0;
}

int emu_scn_get_int(long long *out, const json_t *obj, const char *path, const char *key,
                    long long fallback, long long min, long long max, struct emu_error *err)
{
    long long v = 0;
    int r = m365id__json_get_int(&v, obj, key);

    if (r == M365ID__JSON_ABSENT) {
        *out = fallback;
        return 0;
    }
    if (r == M365ID__JSON_BADTYPE) {
        emu_scn_fail(err, NULL, "%s.%s: must be a whole number of seconds", path, key);
        return emu_scn_hint(err, "write a number from %lld to %lld without quotes", min, max);
    }
    if (v < min || v > max) {
        emu_scn_fail(err, NULL, "%s.%s: value %lld is outside the range %lld to %lld", path, key, v,
                     min, max);
        return emu_scn_hint(err, "use a value from %lld to %lld", min, max);
    }
    *out = v;
    return 0;
}

/* Array member; absent gives an empty array (*out NULL, count 0). */
int emu_scn_get_array(json_t **out, const json_t *obj, const char *path, const char *key,
                      struct emu_error *err)
{
    int r = m365id__json_get_array(out, obj, key);

    if (r == M365ID__JSON_ABSENT) {
        *out = NULL;
        return 0;
    }
    if (r == M365ID__JSON_BADTYPE)
        return emu_scn_fail(err, "write a JSON array in square brackets, or leave the key out",
                            "%s.%s: must be an array", path, key);
    return 0;
}

int emu_scn_get_str_list(char ***out, size_t *count, const json_t *obj, const char *path,
                         const char *key, struct emu_error *err)
{
    json_t *arr = NULL;
    size_t i;
    int rc;

    *out = NULL;
    *count = 0;
    if ((rc = emu_scn_get_array(&arr, obj, path, key, err)) < 0)
        return rc;
    if (arr == NULL || json_array_size(arr) == 0)
        return 0;
    *out = calloc(json_array_size(arr), sizeof(char *));
    if (*out == NULL)
        return emu_scn_nomem(err);
    for (i = 0; i < json_array_size(arr); i++) {
        const char *s = json_string_value(json_array_get(arr, i));

        if (s == NULL || s[0] == '\0')
            return emu_scn_fail(err, "remove the entry or write it as a non-empty string",
                                "%s.%s[%zu]: must be a non-empty string", path, key, i);
        (*out)[i] = strdup(s);
        if ((*out)[i] == NULL)
            return emu_scn_nomem(err);
        (*count)++;
    }
    return 0;
}

int emu_scn_obj_at(const json_t **out, const json_t *arr, size_t i, const char *path,
                   struct emu_error *err)
{
    *out = json_array_get(arr, i);
    if (!json_is_object(*out))
        return emu_scn_fail(err, "write the entry as a JSON object in curly braces",
                            "%s: must be an object", path);
    return 0;
}

/* --- value shapes --- */

int emu_is_dns_label(const char *s)
{
    size_t n = strlen(s);
    size_t i;

    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (i = 0; i < n; i++) {
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
            return 0;
    }
    return 1;
}

int emu_is_dns_subdomain(const char *s)
{
    size_t n = strlen(s);
    size_t i;

    if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.' || s[0] == '-' || s[n - 1] == '-')
        return 0;
    for (i = 0; i < n; i++) {
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-' ||
              s[i] == '.'))
            return 0;
        if (s[i] == '.' && (s[i + 1] == '.' || s[i + 1] == '-' || s[i - 1] == '-'))
            return 0;
    }
    return 1;
}

/* Entra's federated credential name: 3 to 120 of [A-Za-z0-9_-], first alphanumeric. */
static int is_fic_name(const char *s)
{
    size_t n = strlen(s);
    size_t i;

    if (n < 3 || n > 120 || !isalnum((unsigned char)s[0]))
        return 0;
    for (i = 0; i < n; i++) {
        if (!(isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_'))
            return 0;
    }
    return 1;
}

/* A workload name becomes a directory name: no '/', no leading '.', printable ASCII. */
static int is_file_name(const char *s)
{
    size_t n = strlen(s);
    size_t i;

    if (n == 0 || n > 100 || s[0] == '.')
        return 0;
    for (i = 0; i < n; i++) {
        if (!(isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.'))
            return 0;
    }
    return 1;
}

void emu_scn_lower(char *s)
{
    for (; *s != '\0'; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* A stable GUID-shaped id derived from @p seed, so ids survive restarts. */
char *emu_scn_derived_guid(const char *kind, const char *a, const char *b)
{
    unsigned char h[M365ID_SHA256_LEN];
    char seed[512];
    char out[37];

    snprintf(seed, sizeof(seed), "%s\n%s\n%s", kind, a, b);
    m365id__sha256(h, seed, strlen(seed));
    h[6] = (unsigned char)((h[6] & 0x0f) | 0x40);
    h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
    snprintf(out, sizeof(out),
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", h[0], h[1],
             h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14],
             h[15]);
    return strdup(out);
}

/* --- placeholders --- */

/*
 * Expand "${base_url}", "${cluster:NAME}" and "${ci:NAME}" in @p in. Clusters and CI issuers
 * are parsed before anything that may name them, so their issuers are known here.
 */
int emu_scn_expand(char **out, const char *in, const struct emu_scenario *scn, const char *path,
                   struct emu_error *err)
{
    char buf[2048];
    size_t used = 0;
    const char *p = in;

    *out = NULL;
    while (*p != '\0') {
        const char *piece = p;
        size_t piece_len = 1;
        char name[128];

        if (p[0] == '$' && p[1] == '{') {
            const char *close = strchr(p, '}');
            size_t n;

            if (close == NULL) {
                struct m365id__quoted q;

                m365id__quote(&q, in);
                return emu_scn_fail(err, "write ${base_url}, ${cluster:NAME} or ${ci:NAME}",
                                    "%s: unterminated placeholder in '%s'", path, q.text);
            }
            n = (size_t)(close - (p + 2));
            if (n >= sizeof(name))
                n = sizeof(name) - 1;
            memcpy(name, p + 2, n);
            name[n] = '\0';
            if (strcmp(name, "base_url") == 0) {
                piece = scn->base_url;
                piece_len = strlen(piece);
            } else if (strncmp(name, "cluster:", 8) == 0) {
                const struct emu_cluster *c = emu_scenario_cluster(scn, name + 8, strlen(name + 8));

                if (c == NULL) {
                    struct m365id__quoted q;

                    m365id__quote(&q, name + 8);
                    return emu_scn_fail(err, "add the cluster to \"clusters\" or fix the name",
                                        "%s: placeholder names unknown cluster '%s'", path, q.text);
                }
                piece = c->issuer;
                piece_len = strlen(piece);
            } else if (strncmp(name, "ci:", 3) == 0) {
                const struct emu_ci_issuer *ci =
                    emu_scenario_ci_issuer(scn, name + 3, strlen(name + 3));

                if (ci == NULL) {
                    struct m365id__quoted q;

                    m365id__quote(&q, name + 3);
                    return emu_scn_fail(err, "add the issuer to \"ci_issuers\" or fix the name",
                                        "%s: placeholder names unknown CI issuer '%s'", path,
                                        q.text);
                }
                piece = ci->issuer;
                piece_len = strlen(piece);
            } else {
                struct m365id__quoted q;

                m365id__quote(&q, name);
                return emu_scn_fail(err, "write ${base_url}, ${cluster:NAME} or ${ci:NAME}",
                                    "%s: unknown placeholder '${%s}'", path, q.text);
            }
            p = close + 1;
        } else {
            p++;
        }
        if (piece_len >= sizeof(buf) - used)
            return emu_scn_fail(err, "shorten the value",
                                "%s: value is longer than %zu bytes after "
                                "expansion",
                                path, sizeof(buf) - 1);
        memcpy(buf + used, piece, piece_len);
        used += piece_len;
    }
    buf[used] = '\0';
    if (scn->logger != NULL && strstr(in, "${") != NULL) {
        struct m365id__quoted qin;
        struct m365id__quoted qout;

        m365id__quote(&qin, in);
        m365id__quote(&qout, buf);
        mlog_debug(scn->logger, "scenario", "%s: expanded '%s' to '%s'", path, qin.text,
                   qout.text);
    }
    *out = strdup(buf);
    return *out != NULL ? 0 : emu_scn_nomem(err);
}

/* --- sections --- */

static int parse_clusters(struct emu_scenario *scn, const json_t *root, struct emu_error *err)
{
    static const char *const keys[] = {"name", "issuer_trailing_slash", "publish_discovery",
                                       "publish_jwks", NULL};
    json_t *arr = NULL;
    size_t i;
    int rc;

    if ((rc = emu_scn_get_array(&arr, root, "scenario", "clusters", err)) < 0)
        return rc;
    if (arr == NULL || json_array_size(arr) == 0)
        return 0;
    scn->clusters = calloc(json_array_size(arr), sizeof(*scn->clusters));
    if (scn->clusters == NULL)
        return emu_scn_nomem(err);
    for (i = 0; i < json_array_size(arr); i++) {
        struct emu_cluster *c = &scn->clusters[i];
        const json_t *obj;
        char path[PATH_MAX_LEN];
        size_t need;

        snprintf(path, sizeof(path), "clusters[%zu]", i);
        if ((rc = emu_scn_obj_at(&obj, arr, i, path, err)) < 0)
            return rc;
        scn->cluster_count++;
        if ((rc = emu_scn_check_keys(obj, path, keys, err)) < 0 ||
            (rc = emu_scn_get_str(&c->name, obj, path, "name", NULL, err)) < 0 ||
            (rc = emu_scn_get_bool(&c->trailing_slash, obj, path, "issuer_trailing_slash", 1,
                                   err)) < 0 ||
            (rc = emu_scn_get_bool(&c->publish_discovery, obj, path, "publish_discovery", 1, err)) <
                0 ||
            (rc = emu_scn_get_bool(&c->publish_jwks, obj, path, "publish_jwks", 1, err)) < 0)
            return rc;
        if (!emu_is_dns_label(c->name)) {
            struct m365id__quoted q;

            m365id__quote(&q, c->name);
            return emu_scn_fail(err, "use lower-case letters, digits and '-', such as \"demo\"",
                                "%s.name: '%s' is not a valid cluster name", path, q.text);
        }
        if (emu_scenario_cluster(scn, c->name, strlen(c->name)) != c) {
            return emu_scn_fail(err, "give each cluster its own name",
                                "%s.name: duplicate cluster name '%s'", path, c->name);
        }
        need = strlen(scn->base_url) + strlen(c->name) + 16;
        c->issuer = malloc(need);
        if (c->issuer == NULL)
            return emu_scn_nomem(err);
        snprintf(c->issuer, need, "%s/clusters/%s%s", scn->base_url, c->name,
                 c->trailing_slash ? "/" : "");
    }
    return 0;
}

static int parse_fics(struct emu_app *app, const json_t *obj, const struct emu_scenario *scn,
                      const char *app_path, struct emu_error *err)
{
    static const char *const keys[] = {"name", "issuer", "subject", "audiences", "description",
                                       NULL};
    json_t *arr = NULL;
    size_t i;
    size_t j;
    int rc;

    if ((rc = emu_scn_get_array(&arr, obj, app_path, "federated_credentials", err)) < 0)
        return rc;
    if (arr == NULL || json_array_size(arr) == 0)
        return 0;
    if (json_array_size(arr) > FICS_PER_APP_MAX) {
        return emu_scn_fail(err, "remove credentials: Entra allows 20 per application",
                            "%s.federated_credentials: %zu entries, more than %u", app_path,
                            json_array_size(arr), FICS_PER_APP_MAX);
    }
    app->fics = calloc(json_array_size(arr), sizeof(*app->fics));
    if (app->fics == NULL)
        return emu_scn_nomem(err);
    for (i = 0; i < json_array_size(arr); i++) {
        struct emu_fic *f = &app->fics[i];
        char path[PATH_MAX_LEN];
        char field[PATH_MAX_LEN + 16];
        char *raw = NULL;
        json_t *auds = NULL;
        const json_t *fobj;

        emu_scn_element_path(path, sizeof(path), app_path, "federated_credentials", i);
        if ((rc = emu_scn_obj_at(&fobj, arr, i, path, err)) < 0)
            return rc;
        app->fic_count++;
        if ((rc = emu_scn_check_keys(fobj, path, keys, err)) < 0 ||
            (rc = emu_scn_get_str(&f->name, fobj, path, "name", NULL, err)) < 0)
            return rc;
        if (!is_fic_name(f->name)) {
            struct m365id__quoted q;

            m365id__quote(&q, f->name);
            return emu_scn_fail(
                err, "use 3 to 120 letters, digits, '-' or '_', starting alphanumeric",
                "%s.name: '%s' is not a valid federated credential name", path, q.text);
        }

        if ((rc = emu_scn_get_str(&raw, fobj, path, "issuer", NULL, err)) < 0)
            return rc;
        snprintf(field, sizeof(field), "%s.issuer", path);
        rc = emu_scn_expand(&f->issuer, raw, scn, field, err);
        free(raw);
        if (rc < 0)
            return rc;

        if ((rc = emu_scn_get_str(&raw, fobj, path, "subject", NULL, err)) < 0)
            return rc;
        snprintf(field, sizeof(field), "%s.subject", path);
        rc = emu_scn_expand(&f->subject, raw, scn, field, err);
        free(raw);
        if (rc < 0)
            return rc;

        if ((rc = emu_scn_get_array(&auds, fobj, path, "audiences", err)) < 0)
            return rc;
        if (auds == NULL || json_array_size(auds) != 1 ||
            !json_is_string(json_array_get(auds, 0)) ||
            json_string_length(json_array_get(auds, 0)) == 0) {
            return emu_scn_fail(err, "write one audience, such as [\"api://AzureADTokenExchange\"]",
                                "%s.audiences: must hold exactly one non-empty string, as in Entra",
                                path);
        }
        snprintf(field, sizeof(field), "%s.audiences[0]", path);
        if ((rc = emu_scn_expand(&f->audience, json_string_value(json_array_get(auds, 0)), scn,
                                 field, err)) < 0)
            return rc;

        if (strlen(f->issuer) > FIC_FIELD_MAX || strlen(f->subject) > FIC_FIELD_MAX ||
            strlen(f->audience) > FIC_FIELD_MAX) {
            return emu_scn_fail(err, "shorten the value",
                                "%s: issuer, subject and audience are limited "
                                "to %u characters",
                                path, FIC_FIELD_MAX);
        }
        for (j = 0; j < i; j++) {
            if (strcmp(app->fics[j].name, f->name) == 0) {
                return emu_scn_fail(err,
                                    "give each federated credential of an application its own name",
                                    "%s.name: duplicate name '%s'", path, f->name);
            }
            if (strcmp(app->fics[j].issuer, f->issuer) == 0 &&
                strcmp(app->fics[j].subject, f->subject) == 0) {
                return emu_scn_fail(
                    err, "merge the two credentials",
                    "%s: issuer and subject repeat federated_credentials[%zu], which "
                    "Entra forbids",
                    path, j);
            }
        }
    }
    return 0;
}

static int parse_apps(struct emu_tenant *t, const json_t *obj, const struct emu_scenario *scn,
                      const char *tenant_path, struct emu_error *err)
{
    static const char *const keys[] = {
        "app_id",         "display_name", "service_principal_id", "roles", "federated_credentials",
        "client_secrets", "certificates", "trusted_subject",      "allow_public_client",
        "delegated_permissions", NULL};
    json_t *arr = NULL;
    size_t i;
    int rc;

    if ((rc = emu_scn_get_array(&arr, obj, tenant_path, "applications", err)) < 0)
        return rc;
    if (arr == NULL || json_array_size(arr) == 0)
        return 0;
    t->apps = calloc(json_array_size(arr), sizeof(*t->apps));
    if (t->apps == NULL)
        return emu_scn_nomem(err);
    for (i = 0; i < json_array_size(arr); i++) {
        struct emu_app *a = &t->apps[i];
        char path[PATH_MAX_LEN];
        const json_t *aobj;

        emu_scn_element_path(path, sizeof(path), tenant_path, "applications", i);
        if ((rc = emu_scn_obj_at(&aobj, arr, i, path, err)) < 0)
            return rc;
        t->app_count++;
        if ((rc = emu_scn_check_keys(aobj, path, keys, err)) < 0 ||
            (rc = emu_scn_get_str(&a->app_id, aobj, path, "app_id", NULL, err)) < 0 ||
            (rc = emu_scn_get_str(&a->display_name, aobj, path, "display_name", "application",
                                  err)) < 0 ||
            (rc = emu_scn_get_opt_str(&a->sp_id, aobj, path, "service_principal_id", err)) < 0 ||
            (rc = emu_scn_get_str_list(&a->roles, &a->role_count, aobj, path, "roles", err)) < 0 ||
            (rc = emu_scn_get_bool(&a->allow_public_client, aobj, path, "allow_public_client", 0,
                                   err)) < 0 ||
            (rc = emu_scn_get_str_list(&a->delegated_permissions, &a->delegated_permission_count,
                                       aobj, path, "delegated_permissions", err)) < 0)
            return rc;
        if (!m365id__is_guid(a->app_id)) {
            struct m365id__quoted q;

            m365id__quote(&q, a->app_id);
            return emu_scn_fail(err, "use the application (client) id, a GUID",
                                "%s.app_id: '%s' is not a GUID", path, q.text);
        }
        emu_scn_lower(a->app_id);
        if (emu_tenant_app(t, a->app_id) != a) {
            return emu_scn_fail(err, "give each application its own app_id",
                                "%s.app_id: duplicate '%s' in this tenant", path, a->app_id);
        }
        if (a->sp_id == NULL) {
            a->sp_id = emu_scn_derived_guid("service-principal", t->id, a->app_id);
            if (a->sp_id == NULL)
                return emu_scn_nomem(err);
        } else if (!m365id__is_guid(a->sp_id)) {
            return emu_scn_fail(err, "use a GUID or leave the key out",
                                "%s.service_principal_id: not a GUID", path);
        }
        if ((rc = parse_fics(a, aobj, scn, path, err)) < 0 ||
            (rc = emu_scn_parse_app_credentials(a, aobj, scn, path, err)) < 0)
            return rc;
    }
    return 0;
}

static int parse_users(struct emu_tenant *t, const json_t *obj, const char *tenant_path,
                       struct emu_error *err)
{
    static const char *const keys[] = {"id", "displayName", "userPrincipalName", "mail",
                                       "jobTitle", NULL};
    json_t *arr = NULL;
    size_t i;
    int rc;

    if ((rc = emu_scn_get_array(&arr, obj, tenant_path, "users", err)) < 0)
        return rc;
    if (arr == NULL || json_array_size(arr) == 0)
        return 0;
    t->users = calloc(json_array_size(arr), sizeof(*t->users));
    if (t->users == NULL)
        return emu_scn_nomem(err);
    for (i = 0; i < json_array_size(arr); i++) {
        struct emu_user *u = &t->users[i];
        char path[PATH_MAX_LEN];
        const json_t *uobj;

        emu_scn_element_path(path, sizeof(path), tenant_path, "users", i);
        if ((rc = emu_scn_obj_at(&uobj, arr, i, path, err)) < 0)
            return rc;
        t->user_count++;
        if ((rc = emu_scn_check_keys(uobj, path, keys, err)) < 0 ||
            (rc = emu_scn_get_str(&u->display_name, uobj, path, "displayName", NULL, err)) < 0 ||
            (rc = emu_scn_get_str(&u->upn, uobj, path, "userPrincipalName", NULL, err)) < 0 ||
            (rc = emu_scn_get_opt_str(&u->mail, uobj, path, "mail", err)) < 0 ||
            (rc = emu_scn_get_opt_str(&u->job_title, uobj, path, "jobTitle", err)) < 0 ||
            (rc = emu_scn_get_opt_str(&u->id, uobj, path, "id", err)) < 0)
            return rc;
        if (strchr(u->upn, '@') == NULL) {
            struct m365id__quoted q;

            m365id__quote(&q, u->upn);
            return emu_scn_fail(err, "write name@domain", "%s.userPrincipalName: '%s' has no '@'",
                                path, q.text);
        }
        if (u->id == NULL) {
            u->id = emu_scn_derived_guid("user", t->id, u->upn);
            if (u->id == NULL)
                return emu_scn_nomem(err);
        } else if (!m365id__is_guid(u->id)) {
            return emu_scn_fail(err, "use a GUID or leave the key out", "%s.id: not a GUID", path);
        }
    }
    return 0;
}

static int parse_tenants(struct emu_scenario *scn, const json_t *root, struct emu_error *err)
{
    static const char *const keys[] = {"id", "cloud", "display_name", "domains", "users",
                                       "applications", NULL};
    json_t *arr = NULL;
    size_t i;
    size_t j;
    int rc;

    if ((rc = emu_scn_get_array(&arr, root, "scenario", "tenants", err)) < 0)
        return rc;
    if (arr == NULL || json_array_size(arr) == 0)
        return 0;
    scn->tenants = calloc(json_array_size(arr), sizeof(*scn->tenants));
    if (scn->tenants == NULL)
        return emu_scn_nomem(err);
    for (i = 0; i < json_array_size(arr); i++) {
        struct emu_tenant *t = &scn->tenants[i];
        char path[PATH_MAX_LEN];
        char *cloud = NULL;
        const json_t *tobj;

        snprintf(path, sizeof(path), "tenants[%zu]", i);
        if ((rc = emu_scn_obj_at(&tobj, arr, i, path, err)) < 0)
            return rc;
        scn->tenant_count++;
        if ((rc = emu_scn_check_keys(tobj, path, keys, err)) < 0 ||
            (rc = emu_scn_get_str(&t->id, tobj, path, "id", NULL, err)) < 0)
            return rc;
        if (!m365id__is_guid(t->id)) {
            struct m365id__quoted q;

            m365id__quote(&q, t->id);
            return emu_scn_fail(err, "use the directory (tenant) id, a GUID",
                                "%s.id: '%s' is not a GUID", path, q.text);
        }
        emu_scn_lower(t->id);
        if ((rc = emu_scn_get_str(&cloud, tobj, path, "cloud", "public", err)) < 0)
            return rc;
        t->cloud = emu_cloud_find(cloud);
        if (t->cloud == NULL) {
            struct m365id__quoted q;

            m365id__quote(&q, cloud);
            free(cloud);
            return emu_scn_fail(err, "use one of public, usgov, china, usnat, ussec",
                                "%s.cloud: unknown cloud '%s'", path, q.text);
        }
        free(cloud);
        for (j = 0; j < i; j++) {
            if (scn->tenants[j].cloud == t->cloud && strcmp(scn->tenants[j].id, t->id) == 0) {
                return emu_scn_fail(err, "give each tenant of a cloud its own id",
                                    "%s.id: duplicate tenant '%s' in cloud '%s'", path, t->id,
                                    t->cloud->name);
            }
        }
        if ((rc = emu_scn_get_str(&t->display_name, tobj, path, "display_name", "Contoso", err)) <
                0 ||
            (rc = emu_scn_get_str_list(&t->domains, &t->domain_count, tobj, path, "domains", err)) <
                0)
            return rc;
        for (j = 0; j < t->domain_count; j++) {
            if (!m365id__is_domain(t->domains[j]) || m365id__is_guid(t->domains[j])) {
                struct m365id__quoted q;

                m365id__quote(&q, t->domains[j]);
                return emu_scn_fail(err, "write a DNS name such as \"contoso.onmicrosoft.com\"",
                                    "%s.domains[%zu]: '%s' is not a domain name", path, j, q.text);
            }
        }
        if ((rc = parse_users(t, tobj, path, err)) < 0 ||
            (rc = parse_apps(t, tobj, scn, path, err)) < 0)
            return rc;
    }
    return 0;
}

static int parse_workloads(struct emu_scenario *scn, const json_t *root, struct emu_error *err)
{
    static const char *const keys[] = {"name", "cluster", "namespace", "service_account",
                                       "audience", "expiration_seconds", "tenant_id",
                                       "client_id", "pod", NULL};
    json_t *arr = NULL;
    size_t i;
    size_t j;
    int rc;

    if ((rc = emu_scn_get_array(&arr, root, "scenario", "workloads", err)) < 0)
        return rc;
    if (arr == NULL || json_array_size(arr) == 0)
        return 0;
    scn->workloads = calloc(json_array_size(arr), sizeof(*scn->workloads));
    if (scn->workloads == NULL)
        return emu_scn_nomem(err);
    for (i = 0; i < json_array_size(arr); i++) {
        struct emu_workload *w = &scn->workloads[i];
        const struct emu_tenant *tenant = NULL;
        char path[PATH_MAX_LEN];
        char *cluster = NULL;
        char *raw = NULL;
        char field[PATH_MAX_LEN + 16];
        const json_t *wobj;

        snprintf(path, sizeof(path), "workloads[%zu]", i);
        if ((rc = emu_scn_obj_at(&wobj, arr, i, path, err)) < 0)
            return rc;
        scn->workload_count++;
        if ((rc = emu_scn_check_keys(wobj, path, keys, err)) < 0 ||
            (rc = emu_scn_get_str(&w->name, wobj, path, "name", NULL, err)) < 0)
            return rc;
        if (!is_file_name(w->name)) {
            struct m365id__quoted q;

            m365id__quote(&q, w->name);
            return emu_scn_fail(
                err, "use letters, digits, '.', '-' and '_', such as \"terraform-apply\"",
                "%s.name: '%s' is not a valid workload name", path, q.text);
        }
        for (j = 0; j < i; j++) {
            if (strcmp(scn->workloads[j].name, w->name) == 0) {
                return emu_scn_fail(err, "give each workload its own name",
                                    "%s.name: duplicate workload '%s'", path, w->name);
            }
        }
        if ((rc = emu_scn_get_str(&cluster, wobj, path, "cluster", NULL, err)) < 0)
            return rc;
        w->cluster = emu_scenario_cluster(scn, cluster, strlen(cluster));
        if (w->cluster == NULL) {
            struct m365id__quoted q;

            m365id__quote(&q, cluster);
            free(cluster);
            return emu_scn_fail(err, "name a cluster listed under \"clusters\"",
                                "%s.cluster: unknown cluster '%s'", path, q.text);
        }
        free(cluster);
        if ((rc = emu_scn_get_str(&w->ns, wobj, path, "namespace", NULL, err)) < 0 ||
            (rc = emu_scn_get_str(&w->service_account, wobj, path, "service_account", NULL, err)) <
                0)
            return rc;
        if (!emu_is_dns_label(w->ns)) {
            struct m365id__quoted q;

            m365id__quote(&q, w->ns);
            return emu_scn_fail(err, "use a lower-case DNS label such as \"team-a\"",
                                "%s.namespace: '%s' is not a valid Kubernetes namespace", path,
                                q.text);
        }
        if (!emu_is_dns_subdomain(w->service_account)) {
            struct m365id__quoted q;

            m365id__quote(&q, w->service_account);
            return emu_scn_fail(err, "use a lower-case DNS name such as \"graph-reader\"",
                                "%s.service_account: '%s' is not a valid service account name",
                                path, q.text);
        }
        if ((rc = emu_scn_get_str(&raw, wobj, path, "audience", "api://AzureADTokenExchange",
                                  err)) < 0)
            return rc;
        snprintf(field, sizeof(field), "%s.audience", path);
        rc = emu_scn_expand(&w->audience, raw, scn, field, err);
        free(raw);
        if (rc < 0)
            return rc;
        if ((rc = emu_scn_get_int(&w->expiration_s, wobj, path, "expiration_seconds", 3600, 10,
                                  EXPIRATION_MAX, err)) < 0 ||
            (rc = emu_scn_get_str(&w->tenant_id, wobj, path, "tenant_id", NULL, err)) < 0 ||
            (rc = emu_scn_get_str(&w->client_id, wobj, path, "client_id", NULL, err)) < 0 ||
            (rc = emu_scn_get_opt_str(&w->pod, wobj, path, "pod", err)) < 0)
            return rc;
        if (w->pod == NULL) {
            size_t need = strlen(w->name) + 8;

            w->pod = malloc(need);
            if (w->pod == NULL)
                return emu_scn_nomem(err);
            snprintf(w->pod, need, "%s-0", w->name);
        }
        for (j = 0; j < scn->tenant_count && tenant == NULL; j++) {
            if (strcasecmp(scn->tenants[j].id, w->tenant_id) == 0)
                tenant = &scn->tenants[j];
        }
        w->cloud = tenant != NULL ? tenant->cloud : &emu_clouds[0];
    }
    return 0;
}

/* --- public --- */

int emu_scenario_parse(struct emu_scenario **out, const char *json, size_t len,
                       const char *base_url, struct emu_error *err)
{
    return emu_scenario_parse_logged(out, json, len, base_url, NULL, err);
}

int emu_scenario_parse_logged(struct emu_scenario **out, const char *json, size_t len,
                              const char *base_url, const struct m365id__logger *logger,
                              struct emu_error *err)
{
    return emu_scenario_parse_in(out, json, len, base_url, NULL, logger, err);
}

/* The initial fault rules, in the shape the control API takes. */
static int parse_faults(struct emu_scenario *scn, const json_t *root, struct emu_error *err)
{
    json_t *arr = NULL;
    size_t i;
    int rc;

    if ((rc = emu_scn_get_array(&arr, root, "scenario", "faults", err)) < 0)
        return rc;
    if (arr == NULL || json_array_size(arr) == 0)
        return 0;
    if (json_array_size(arr) > EMU_FAULTS_MAX) {
        return emu_scn_fail(err, "merge or remove rules",
                            "scenario.faults: %zu rules, more than "
                            "%u",
                            json_array_size(arr), EMU_FAULTS_MAX);
    }
    scn->faults = calloc(json_array_size(arr), sizeof(*scn->faults));
    if (scn->faults == NULL)
        return emu_scn_nomem(err);
    for (i = 0; i < json_array_size(arr); i++) {
        char path[EMU_SCN_PATH_MAX];

        snprintf(path, sizeof(path), "faults[%zu]", i);
        if ((rc = emu_fault_parse(&scn->faults[i], json_array_get(arr, i), path, err)) < 0)
            return rc;
        scn->fault_count++;
    }
    return 0;
}

/* The App Service identity header: the scenario's, or a random one for this run. */
static int parse_identity_header(struct emu_scenario *scn, const json_t *root,
                                 struct emu_error *err)
{
    unsigned char raw[18];
    int rc;

    if ((rc = emu_scn_get_opt_str(&scn->identity_header, root, "scenario", "identity_header",
                                  err)) < 0)
        return rc;
    if (scn->identity_header != NULL) {
        if (scn->identity_header[0] == '\0' || strlen(scn->identity_header) > 256 ||
            strpbrk(scn->identity_header, "\r\n") != NULL)
            return emu_scn_fail(err, "write 1 to 256 characters on one line",
                                "scenario.identity_header: must be 1 to 256 characters without "
                                "line breaks");
        return 0;
    }
    if (m365id__random(raw, sizeof(raw)) < 0)
        return emu_scn_fail(err, NULL, "no random bytes for the identity header");
    scn->identity_header = m365id__b64url_encode(raw, sizeof(raw));
    m365id__wipe(raw, sizeof(raw));
    return scn->identity_header != NULL ? 0 : emu_scn_nomem(err);
}

int emu_scenario_parse_in(struct emu_scenario **out, const char *json, size_t len,
                          const char *base_url, const char *base_dir,
                          const struct m365id__logger *logger, struct emu_error *err)
{
    static const char *const keys[] = {
        "clusters",           "tenants",           "workloads",   "access_token_lifetime_seconds",
        "clock_skew_seconds", "legacy_fic_errors", "description", "managed_identities",
        "identity_header",    "ci_issuers",        "faults",      "device_code_interval_seconds",
        "device_code_lifetime_seconds", "fic_propagation_seconds", NULL};
    struct emu_scenario *scn = NULL;
    json_t *root = NULL;
    char why[256];
    int rc;

    *out = NULL;
    memset(err, 0, sizeof(*err));
    if ((rc = m365id__json_parse(&root, json, len, why, sizeof(why))) < 0) {
        rc = emu_scn_fail(err, "fix the JSON syntax", "not valid JSON: %s", why);
        goto out;
    }
    if (!json_is_object(root)) {
        rc = emu_scn_fail(err, "write a JSON object with clusters, tenants and workloads",
                          "the scenario must be a JSON object");
        goto out;
    }
    scn = calloc(1, sizeof(*scn));
    if (scn == NULL) {
        rc = emu_scn_nomem(err);
        goto out;
    }
    scn->logger = logger;
    scn->base_url = strdup(base_url);
    scn->base_dir = strdup(base_dir != NULL ? base_dir : ".");
    if (scn->base_url == NULL || scn->base_dir == NULL) {
        rc = emu_scn_nomem(err);
        goto out;
    }
    if ((rc = emu_scn_check_keys(root, "scenario", keys, err)) < 0 ||
        (rc = emu_scn_get_int(&scn->access_token_lifetime_s, root, "scenario",
                              "access_token_lifetime_seconds", 3599, 1, 172800, err)) < 0 ||
        (rc = emu_scn_get_int(&scn->clock_skew_s, root, "scenario", "clock_skew_seconds", 60, 0,
                              3600, err)) < 0 ||
        (rc = emu_scn_get_bool(&scn->legacy_fic_errors, root, "scenario", "legacy_fic_errors", 0,
                               err)) < 0 ||
        (rc = emu_scn_get_int(&scn->fic_propagation_s, root, "scenario",
                              "fic_propagation_seconds", 0, 0, 3600, err)) < 0 ||
        (rc = emu_scn_get_int(&scn->device_code_interval_s, root, "scenario",
                              "device_code_interval_seconds", 1, 0, 60, err)) < 0 ||
        (rc = emu_scn_get_int(&scn->device_code_lifetime_s, root, "scenario",
                              "device_code_lifetime_seconds", 900, 1, 3600, err)) < 0)
        goto out;
    if ((rc = parse_clusters(scn, root, err)) < 0 ||
        (rc = emu_scn_parse_ci_issuers(scn, root, err)) < 0 ||
        (rc = parse_tenants(scn, root, err)) < 0 || (rc = parse_workloads(scn, root, err)) < 0 ||
        (rc = emu_scn_parse_managed_identities(scn, root, err)) < 0 ||
        (rc = parse_identity_header(scn, root, err)) < 0 || (rc = parse_faults(scn, root, err)) < 0)
        goto out;

    scn->logger = NULL;
    *out = scn;
    scn = NULL;

out:
    emu_scenario_free(scn);
    json_decref(root);
    return rc;
}

static void free_list(char **list, size_t count)
{
    size_t i;

    for (i = 0; list != NULL && i < count; i++)
        free(list[i]);
    free(list);
}

void emu_scenario_free(struct emu_scenario *scn)
{
    size_t i;
    size_t j;
    size_t k;

    if (scn == NULL)
        return;
    for (i = 0; i < scn->cluster_count; i++) {
        free(scn->clusters[i].name);
        free(scn->clusters[i].issuer);
    }
    free(scn->clusters);
    for (i = 0; i < scn->tenant_count; i++) {
        struct emu_tenant *t = &scn->tenants[i];

        free(t->id);
        free(t->display_name);
        free_list(t->domains, t->domain_count);
        for (j = 0; j < t->user_count; j++) {
            free(t->users[j].id);
            free(t->users[j].display_name);
            free(t->users[j].upn);
            free(t->users[j].mail);
            free(t->users[j].job_title);
        }
        free(t->users);
        for (j = 0; j < t->app_count; j++) {
            struct emu_app *a = &t->apps[j];

            free(a->app_id);
            free(a->display_name);
            free(a->sp_id);
            free_list(a->roles, a->role_count);
            free_list(a->delegated_permissions, a->delegated_permission_count);
            for (k = 0; k < a->fic_count; k++) {
                free(a->fics[k].name);
                free(a->fics[k].issuer);
                free(a->fics[k].subject);
                free(a->fics[k].audience);
            }
            free(a->fics);
            emu_scn_free_app_credentials(a);
        }
        free(t->apps);
    }
    free(scn->tenants);
    for (i = 0; i < scn->workload_count; i++) {
        struct emu_workload *w = &scn->workloads[i];

        free(w->name);
        free(w->ns);
        free(w->service_account);
        free(w->audience);
        free(w->tenant_id);
        free(w->client_id);
        free(w->pod);
    }
    free(scn->workloads);
    emu_scn_free_extras(scn);
    free(scn->base_url);
    free(scn->base_dir);
    free(scn);
}

const struct emu_cluster *emu_scenario_cluster(const struct emu_scenario *scn, const char *name,
                                               size_t len)
{
    size_t i;

    for (i = 0; i < scn->cluster_count; i++) {
        const char *n = scn->clusters[i].name;

        if (n != NULL && strlen(n) == len && memcmp(n, name, len) == 0)
            return &scn->clusters[i];
    }
    return NULL;
}

const struct emu_ci_issuer *emu_scenario_ci_issuer(const struct emu_scenario *scn, const char *name,
                                                   size_t len)
{
    size_t i;

    for (i = 0; i < scn->ci_issuer_count; i++) {
        const char *n = scn->ci_issuers[i].name;

        if (n != NULL && strlen(n) == len && memcmp(n, name, len) == 0)
            return &scn->ci_issuers[i];
    }
    return NULL;
}

const struct emu_tenant *emu_scenario_tenant(const struct emu_scenario *scn,
                                             const struct emu_cloud *cloud, const char *key)
{
    size_t i;
    size_t j;

    for (i = 0; i < scn->tenant_count; i++) {
        const struct emu_tenant *t = &scn->tenants[i];

        if (cloud != NULL && t->cloud != cloud)
            continue;
        if (strcasecmp(t->id, key) == 0)
            return t;
        for (j = 0; j < t->domain_count; j++) {
            if (strcasecmp(t->domains[j], key) == 0)
                return t;
        }
    }
    return NULL;
}

const struct emu_app *emu_tenant_app(const struct emu_tenant *tenant, const char *app_id)
{
    size_t i;

    for (i = 0; i < tenant->app_count; i++) {
        if (tenant->apps[i].app_id != NULL && strcasecmp(tenant->apps[i].app_id, app_id) == 0)
            return &tenant->apps[i];
    }
    return NULL;
}

/* The scenario used without --config: one cluster, one tenant with a federated application
 * and a five-user directory (enough to page with $top=2), one workload. The application is also
 * granted User.Read.All so that the user directory can be read. */
static const char default_scenario[] =
    "{\n"
    "  \"clusters\": [{\"name\": \"demo\", \"issuer_trailing_slash\": true,"
    " \"publish_discovery\": true}],\n"
    "  \"tenants\": [{\n"
    "    \"id\": \"11111111-1111-1111-1111-111111111111\", \"cloud\": \"public\",\n"
    "    \"display_name\": \"Contoso\", \"domains\": [\"contoso.onmicrosoft.com\"],\n"
    "    \"users\": [\n"
    "      {\"displayName\": \"Adele Vance\", \"userPrincipalName\": "
    "\"adele@contoso.onmicrosoft.com\"},\n"
    "      {\"displayName\": \"Alex Wilber\", \"userPrincipalName\": "
    "\"alex@contoso.onmicrosoft.com\"},\n"
    "      {\"displayName\": \"Diego Siciliani\", \"userPrincipalName\": "
    "\"diego@contoso.onmicrosoft.com\"},\n"
    "      {\"displayName\": \"Grady Archie\", \"userPrincipalName\": "
    "\"grady@contoso.onmicrosoft.com\"},\n"
    "      {\"displayName\": \"Megan Bowen\", \"userPrincipalName\": "
    "\"megan@contoso.onmicrosoft.com\"}\n"
    "    ],\n"
    "    \"applications\": [{\n"
    "      \"app_id\": \"22222222-2222-2222-2222-222222222222\",\n"
    "      \"display_name\": \"terraform-m365-provider\",\n"
    "      \"roles\": [\"Organization.Read.All\", "
    "\"DeviceManagementConfiguration.ReadWrite.All\", \"User.Read.All\"],\n"
    "      \"federated_credentials\": [{\"name\": \"kubernetes-federated-credential\",\n"
    "        \"issuer\": \"${cluster:demo}\",\n"
    "        \"subject\": \"system:serviceaccount:terraform-m365:terraform-m365-sa\",\n"
    "        \"audiences\": [\"api://AzureADTokenExchange\"]}]\n"
    "    }]\n"
    "  }],\n"
    "  \"workloads\": [{\"name\": \"terraform-apply\", \"cluster\": \"demo\",\n"
    "    \"namespace\": \"terraform-m365\", \"service_account\": \"terraform-m365-sa\",\n"
    "    \"audience\": \"api://AzureADTokenExchange\", \"expiration_seconds\": 3600,\n"
    "    \"tenant_id\": \"11111111-1111-1111-1111-111111111111\",\n"
    "    \"client_id\": \"22222222-2222-2222-2222-222222222222\"}],\n"
    "  \"access_token_lifetime_seconds\": 3599, \"clock_skew_seconds\": 60,"
    " \"legacy_fic_errors\": false\n"
    "}\n";

const char *emu_scenario_default_json(void)
{
    return default_scenario;
}
