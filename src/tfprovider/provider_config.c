/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The provider block: upstream's validators with attribute paths, then every known value
 * handed to libm365id with m365id_ctx_set() under its attribute name. Resolution (explicit
 * values first, then the environment, cloud "public" by default) is libm365id's; this file adds
 * none of its own. Graph calls go through the one configured context, serialised by a lock.
 */
#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "m365id/m365id.h"
#include "tfprovider/provider.h"
#include "tfprovider/schema.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/strutil.h"

/* Longest text form of one provider setting handed to libm365id (lists are joined). */
#define SETTING_TEXT_MAX (64u * 1024u)

static const char *const clouds[] = {"public", "dod", "gcc", "gcchigh", "china", "ex", "rx",
                                     NULL};
static const char *const auth_methods[] = {
    "azure_developer_cli", "azure_cli", "client_secret", "client_certificate",
    "interactive_browser", "device_code", "workload_identity", "managed_identity",
    "username_password", "oidc", "oidc_github", "oidc_azure_devops", NULL};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static m365id_ctx *ctx; /* guarded by lock; NULL until ConfigureProvider succeeds */

void tfp_result_init(struct tfp_result *res)
{
    memset(res, 0, sizeof(*res));
    tfp_enc_init(&res->value);
}

void tfp_result_clear(struct tfp_result *res)
{
    tfp_enc_clear(&res->value);
    msgpack_sbuffer_destroy(&res->value.sbuf);
    tfp_diags_clear(&res->diags);
}

void tfp_provider_init(void)
{
}

void tfp_provider_stop(void)
{
    /* NOTE: a Graph call in flight finishes within libm365id's own timeouts and retries; it
     * is not interrupted. */
}

static void log_to_stderr(int level, const char *component, const char *message, void *payload)
{
    static const char *const names[] = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE"};

    (void)payload;
    /* The host copies the plugin's stderr into its own log (TF_LOG). */
    fprintf(stderr, "[%s] m365id: %s: %s\n", level >= 0 && level <= 4 ? names[level] : "INFO",
            component, message);
}

/* --- validation --- */

static int in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i] != NULL; i++) {
        if (strcmp(s, list[i]) == 0)
            return 1;
    }
    return 0;
}

static void join_list(struct m365id__buf *buf, const char *const *list)
{
    for (size_t i = 0; list[i] != NULL; i++)
        (void)m365id__buf_printf(buf, "%s\"%s\"", i > 0 ? ", " : "", list[i]);
}

static int url_chars_ok(const char *s)
{
    for (; *s != '\0'; s++) {
        char c = *s;

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              strchr("-._~%/:?=", c) != NULL))
            return 0;
    }
    return 1;
}

static void check_one_of(struct tfp_diags *diags, const char *path, const char *value,
                         const char *const *list)
{
    struct m365id__buf names = M365ID__BUF_INIT(1024);

    if (in_list(value, list))
        return;
    join_list(&names, list);
    tfp_diag_add(diags, TFP_ERROR, path, "Invalid Attribute Value Match",
                 "Attribute %s value must be one of: [%s], got: \"%s\"", path,
                 m365id__buf_cstr(&names), value);
    m365id__buf_clear(&names);
}

static void check_guid(struct tfp_diags *diags, const char *path, const char *value)
{
    if (m365id__is_guid(value))
        return;
    /* The value may be a tenant or client id, which the upstream schema marks sensitive, so
     * the message gives its length only. */
    tfp_diag_add(diags, TFP_ERROR, path, "Invalid Attribute Value",
                 "Attribute %s must be a GUID shaped like 00000000-0000-0000-0000-000000000000 "
                 "(36 characters: hexadecimal digits and dashes); the value given has %zu "
                 "characters",
                 path, strlen(value));
}

static void check_url(struct tfp_diags *diags, const char *path, const char *value,
                      int need_host, const char *label)
{
    const char *sep = strstr(value, "://");

    if (value[0] == '\0')
        return;
    if (need_host && (sep == NULL || sep == value || sep[3] == '\0' || sep[3] == '/')) {
        tfp_diag_add(diags, TFP_ERROR, path, "Invalid URL",
                     "Attribute %s must be an absolute URL with a scheme and a host, such as "
                     "'http://localhost:8080/callback'; got '%s'",
                     path, value);
        return;
    }
    if (!url_chars_ok(value)) {
        tfp_diag_add(diags, TFP_ERROR, path, "Invalid URL Format",
                     "Attribute %s (%s) may contain only letters, digits and the characters "
                     "- . _ ~ %% / : ? =; got '%s'",
                     path, label, value);
    }
}

static void check_managed_identity_id(struct tfp_diags *diags, const char *path,
                                      const char *value)
{
    if (m365id__is_guid(value))
        return;
    static const char marker[] = "/providers/microsoft.managedidentity/userassignedidentities/";
    char lower[1024];
    size_t i;

    for (i = 0; value[i] != '\0' && i + 1 < sizeof(lower); i++)
        lower[i] = (char)tolower((unsigned char)value[i]);
    lower[i] = '\0';
    if (strncmp(lower, "/subscriptions/", 15) == 0 && strstr(lower, marker) != NULL)
        return;
    tfp_diag_add(diags, TFP_ERROR, path, "Invalid Attribute Value",
                 "Attribute %s must be a client id GUID or a user-assigned identity resource id "
                 "such as '/subscriptions/<sub>/resourceGroups/<rg>/providers/"
                 "Microsoft.ManagedIdentity/userAssignedIdentities/<name>'; got '%s'",
                 path, value);
}

/* The known string at @p name of map @p obj, or NULL when it is null, unknown or absent. */
static char *known_str(const msgpack_object *obj, const char *name)
{
    return tfp_mp_strdup(tfp_mp_attr(obj, name));
}

void tfp_provider_validate(struct tfp_diags *diags, const msgpack_object *config)
{
    const msgpack_object *entra = tfp_mp_attr(config, "entra_id_options");
    const msgpack_object *client = tfp_mp_attr(config, "client_options");
    char *s;

    if ((s = known_str(config, "cloud")) != NULL)
        check_one_of(diags, "cloud", s, clouds);
    free(s);
    if ((s = known_str(config, "auth_method")) != NULL)
        check_one_of(diags, "auth_method", s, auth_methods);
    free(s);
    if ((s = known_str(config, "tenant_id")) != NULL)
        check_guid(diags, "tenant_id", s);
    free(s);
    if ((s = known_str(entra, "client_id")) != NULL)
        check_guid(diags, "entra_id_options.client_id", s);
    free(s);
    if ((s = known_str(entra, "managed_identity_id")) != NULL)
        check_managed_identity_id(diags, "entra_id_options.managed_identity_id", s);
    free(s);
    if ((s = known_str(entra, "redirect_url")) != NULL)
        check_url(diags, "entra_id_options.redirect_url", s, 1, "redirect URL");
    free(s);
    if ((s = known_str(client, "proxy_url")) != NULL)
        check_url(diags, "client_options.proxy_url", s, 0, "proxy URL");
    free(s);
}

/* --- configuration --- */

/* The text form libm365id takes for a known value: strings as they are, bools as
 * true/false, numbers in base 10, lists joined with commas. Returns 0, 1 when the value is
 * null or unknown (nothing to set), or -1 when it has another shape. */
static int setting_text(struct m365id__buf *out, const msgpack_object *o)
{
    if (tfp_mp_is_null(o) || tfp_mp_is_unknown(o))
        return 1;
    switch (o->type) {
    case MSGPACK_OBJECT_STR:
        return m365id__buf_put(out, tfp_mp_bytes(o), o->via.str.size) < 0 ? -1 : 0;
    case MSGPACK_OBJECT_BOOLEAN:
        return m365id__buf_puts(out, o->via.boolean ? "true" : "false") < 0 ? -1 : 0;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        return m365id__buf_printf(out, "%" PRIu64, o->via.u64) < 0 ? -1 : 0;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return m365id__buf_printf(out, "%" PRId64, o->via.i64) < 0 ? -1 : 0;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return m365id__buf_printf(out, "%.0f", o->via.f64) < 0 ? -1 : 0;
    case MSGPACK_OBJECT_ARRAY:
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            const msgpack_object *item = &o->via.array.ptr[i];

            if (item->type != MSGPACK_OBJECT_STR)
                continue;
            if ((i > 0 && m365id__buf_puts(out, ",") < 0) ||
                m365id__buf_put(out, tfp_mp_bytes(item), item->via.str.size) < 0)
                return -1;
        }
        return 0;
    default:
        return -1;
    }
}

static int set_attrs(struct tfp_diags *diags, m365id_ctx *c, const msgpack_object *obj,
                     const struct tfp_attr *attrs, const char *prefix)
{
    for (size_t i = 0; attrs[i].name != NULL; i++) {
        const msgpack_object *v = tfp_mp_attr(obj, attrs[i].name);
        struct m365id__buf text = M365ID__SECRET_BUF_INIT(SETTING_TEXT_MAX);
        char key[128];
        int rc;

        snprintf(key, sizeof(key), "%s%s", prefix, attrs[i].name);
        if (attrs[i].nested != NULL) {
            char nested_prefix[sizeof(key) + 2];

            if (tfp_mp_is_null(v) || tfp_mp_is_unknown(v))
                continue;
            snprintf(nested_prefix, sizeof(nested_prefix), "%s.", key);
            if (set_attrs(diags, c, v, attrs[i].nested, nested_prefix) < 0)
                return -1;
            continue;
        }
        if (tfp_mp_is_unknown(v)) {
            tfp_diag_add(diags, TFP_WARNING, key, "Provider setting not yet known",
                         "The value of %s depends on a value known only after apply, so the "
                         "provider resolves this setting from the environment alone.",
                         key);
            continue;
        }
        rc = setting_text(&text, v);
        if (rc == 0 && m365id_ctx_set(c, key, m365id__buf_cstr(&text) != NULL
                                                  ? m365id__buf_cstr(&text)
                                                  : "",
                                      "provider block") < 0) {
            tfp_diag_m365id(diags, key, "Invalid provider configuration", m365id_last_error(c));
            m365id__buf_clear(&text);
            return -1;
        }
        m365id__buf_clear(&text);
    }
    return 0;
}

void tfp_provider_configure(struct tfp_diags *diags, const msgpack_object *config)
{
    m365id_ctx *fresh = m365id_ctx_new();
    const char *debug = NULL;

    if (fresh == NULL) {
        tfp_diag_add(diags, TFP_ERROR, NULL, "Out of memory", "creating the m365id context "
                                                              "failed");
        return;
    }
    m365id_ctx_set_log(fresh, M365ID_LOG_INFO, log_to_stderr, NULL);
    if (set_attrs(diags, fresh, config, tfp_provider_attrs, "") < 0)
        goto fail;
    if (m365id_ctx_configure(fresh) < 0) {
        tfp_diag_m365id(diags, NULL, "Invalid provider configuration", m365id_last_error(fresh));
        goto fail;
    }
    if (m365id_ctx_setting(&debug, NULL, fresh, "debug_mode") == M365ID_OK && debug != NULL &&
        strcmp(debug, "true") == 0)
        m365id_ctx_set_log(fresh, M365ID_LOG_DEBUG, log_to_stderr, NULL);

    pthread_mutex_lock(&lock);
    m365id_ctx_free(ctx);
    ctx = fresh;
    pthread_mutex_unlock(&lock);
    return;

fail:
    m365id_ctx_free(fresh);
}

int tfp_graph(json_t **out, int *http_status, struct tfp_diags *diags, const char *summary,
              const char *method, const char *path, const char *body, unsigned int flags)
{
    m365id_graph_response *resp = NULL;
    json_t *json = NULL;
    char why[200];
    int rc = -1;

    *out = NULL;
    *http_status = 0;
    pthread_mutex_lock(&lock);
    if (ctx == NULL) {
        tfp_diag_add(diags, TFP_ERROR, NULL, summary,
                     "the provider is not configured: ConfigureProvider did not succeed");
        goto out;
    }
    if (m365id_graph_request(&resp, ctx, method, path, body, body != NULL ? strlen(body) : 0,
                             flags) < 0) {
        *http_status = m365id_graph_last_status(ctx);
        if (*http_status != 404)
            tfp_diag_m365id(diags, NULL, summary, m365id_last_error(ctx));
        goto out;
    }
    *http_status = m365id_graph_response_status(resp);
    if (m365id_graph_response_body_len(resp) > 0 &&
        m365id__json_parse(&json, m365id_graph_response_body(resp),
                           m365id_graph_response_body_len(resp), why, sizeof(why)) < 0) {
        tfp_diag_add(diags, TFP_ERROR, NULL, summary, "Graph replied to %s %s with invalid JSON: %s",
                     method, path, why);
        goto out;
    }
    *out = json;
    json = NULL;
    rc = 0;

out:
    pthread_mutex_unlock(&lock);
    json_decref(json);
    m365id_graph_response_free(resp);
    return rc;
}
