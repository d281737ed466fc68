/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * microsoft365_graph_resource: any Graph object addressed by its collection. Create is POST,
 * read is GET (404 removes it from state), update is PATCH of the changed body keys, delete
 * is DELETE, import takes "collection/id". Drift is detected on the body keys the
 * configuration sets and on nothing else, because Graph adds many properties of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "m365id/m365id.h"
#include "tfprovider/resource.h"
#include "tfprovider/schema.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/strutil.h"

#define DEFAULT_API_VERSION "v1.0"

/* The five attributes of a state written in schema order. */
struct state_out {
    const msgpack_object *url;
    const char *api_version;
    const msgpack_object *api_version_raw; /* used instead of api_version when not NULL */
    const msgpack_object *body_raw;        /* echoed unchanged, refinements included */
    const json_t *body_json;               /* used when body_raw is NULL (drift found) */
    int body_as_string;                    /* body_json goes out as a JSON string */
    const msgpack_object *id_raw;
    const char *id;     /* used when id_raw is NULL; NULL means unknown */
    const json_t *output; /* NULL means unknown */
    const msgpack_object *output_raw;
};

char *tfp_graph_path(const char *api_version, const char *url, const char *id)
{
    struct m365id__buf path = M365ID__BUF_INIT(8192);

    while (*url == '/')
        url++;
    (void)m365id__buf_printf(&path, "/%s/%s", api_version, url);
    if (path.len > 0 && path.ptr[path.len - 1] == '/')
        path.ptr[--path.len] = '\0';
    if (id != NULL)
        (void)m365id__buf_printf(&path, "/%s", id);
    return m365id__buf_detach(&path);
}

void tfp_graph_check_api_version(struct tfp_diags *diags, const char *version)
{
    if (version != NULL && strcmp(version, "v1.0") != 0 && strcmp(version, "beta") != 0)
        tfp_diag_add(diags, TFP_ERROR, "api_version", "Invalid Attribute Value Match",
                     "Attribute api_version value must be one of: [\"v1.0\", \"beta\"], got: "
                     "\"%s\"",
                     version);
}

static void state_write(struct tfp_enc *enc, const struct state_out *s)
{
    json_t *dyn = json_string("dynamic");
    char why[128];

    msgpack_pack_map(&enc->pk, 5);
    tfp_enc_str(enc, "url");
    tfp_enc_object(enc, s->url);
    tfp_enc_str(enc, "api_version");
    if (s->api_version_raw != NULL)
        tfp_enc_object(enc, s->api_version_raw);
    else
        tfp_enc_str(enc, s->api_version);
    tfp_enc_str(enc, "body");
    if (s->body_raw != NULL) {
        tfp_enc_object(enc, s->body_raw);
    } else if (s->body_as_string) {
        char *text = json_dumps(s->body_json, JSON_COMPACT | JSON_SORT_KEYS);
        json_t *str = json_string(text != NULL ? text : "{}");

        (void)tfp_enc_json(enc, str, dyn, 0, why, sizeof(why));
        json_decref(str);
        free(text);
    } else {
        (void)tfp_enc_json(enc, s->body_json, dyn, 0, why, sizeof(why));
    }
    tfp_enc_str(enc, "id");
    if (s->id_raw != NULL)
        tfp_enc_object(enc, s->id_raw);
    else if (s->id != NULL)
        tfp_enc_str(enc, s->id);
    else
        tfp_enc_unknown(enc);
    tfp_enc_str(enc, "output");
    if (s->output_raw != NULL)
        tfp_enc_object(enc, s->output_raw);
    else if (s->output != NULL)
        (void)tfp_enc_json(enc, s->output, dyn, 0, why, sizeof(why));
    else
        tfp_enc_unknown(enc);
    json_decref(dyn);
}

/* The body as a JSON object: an object value as it is, a string parsed as JSON. Returns a new
 * reference; NULL when the body is null, unknown or not an object. *is_string is 1 for the
 * string form, 0 for an object and -1 for a wholly unknown body. */
static json_t *body_object(const msgpack_object *body, int *is_string, char *why,
                           size_t why_size)
{
    json_t *dyn = json_string("dynamic");
    json_t *v = tfp_mp_to_json(body, dyn, why, why_size);
    json_t *obj = NULL;

    json_decref(dyn);
    *is_string = 0;
    if (v == NULL)
        return NULL;
    if (tfp_json_is_unknown(v)) {
        *is_string = -1; /* known only at apply time */
        snprintf(why, why_size, "the body is not known yet");
    } else if (json_is_string(v)) {
        *is_string = 1;
        if (m365id__json_parse(&obj, json_string_value(v), json_string_length(v), why,
                               why_size) < 0)
            obj = NULL;
    } else if (json_is_object(v) && !tfp_json_is_unknown(v)) {
        obj = json_incref(v);
    } else {
        snprintf(why, why_size, "the body is not an object");
    }
    json_decref(v);
    if (obj != NULL && !json_is_object(obj)) {
        snprintf(why, why_size, "the JSON string does not hold an object");
        json_decref(obj);
        obj = NULL;
    }
    return obj;
}

static char *api_version_of(const msgpack_object *obj)
{
    char *v = tfp_mp_strdup(tfp_mp_attr(obj, "api_version"));

    return v != NULL ? v : m365id__strdup(DEFAULT_API_VERSION);
}

void tfp_graph_resource_validate(struct tfp_result *res, const msgpack_object *config)
{
    const msgpack_object *body = tfp_mp_attr(config, "body");
    char *url = tfp_mp_strdup(tfp_mp_attr(config, "url"));
    char *version = tfp_mp_strdup(tfp_mp_attr(config, "api_version"));
    json_t *obj = NULL;
    char why[200];
    int is_string;

    if (url != NULL && (url[0] == '\0' || strchr(url, '?') != NULL || strchr(url, '#') != NULL ||
                        strstr(url, "://") != NULL))
        tfp_diag_add(&res->diags, TFP_ERROR, "url", "Invalid collection URL",
                     "url must be a collection path under the API version, such as 'groups' or "
                     "'deviceManagement/configurationPolicies', without a query; got '%s'",
                     url);
    tfp_graph_check_api_version(&res->diags, version);
    if (!tfp_mp_is_null(body) && !tfp_mp_is_unknown(body)) {
        obj = body_object(body, &is_string, why, sizeof(why));
        /* A body with unknown parts is checked again at apply time. */
        if (obj == NULL && is_string != -1)
            tfp_diag_add(&res->diags, TFP_ERROR, "body", "Invalid body",
                         "body must be an object, such as { displayName = \"x\" }, or a JSON "
                         "object string from jsonencode(): %s",
                         why);
    }
    json_decref(obj);
    free(url);
    free(version);
}

static int mp_str_equal(const msgpack_object *a, const msgpack_object *b)
{
    char *x = tfp_mp_strdup(a);
    char *y = tfp_mp_strdup(b);
    int same = x != NULL && y != NULL && strcmp(x, y) == 0;

    free(x);
    free(y);
    return same;
}

/* 1 when two bodies hold the same JSON object; unknown parts never compare equal. */
static int body_equal(const msgpack_object *a, const msgpack_object *b)
{
    char why[128];
    int s1, s2;
    json_t *x = body_object(a, &s1, why, sizeof(why));
    json_t *y = body_object(b, &s2, why, sizeof(why));
    int same = x != NULL && y != NULL && !tfp_json_has_unknown(x) && json_equal(x, y);

    json_decref(x);
    json_decref(y);
    return same;
}

void tfp_graph_resource_plan(struct tfp_result *res, const msgpack_object *prior,
                             const msgpack_object *proposed, const msgpack_object *config)
{
    struct state_out s;
    const msgpack_object *cfg_version;
    int replace = 0;

    memset(&s, 0, sizeof(s));
    if (tfp_mp_is_null(proposed)) {
        res->has_value = 0; /* destroy */
        return;
    }
    res->has_value = 1;
    cfg_version = tfp_mp_attr(config, "api_version");
    s.url = tfp_mp_attr(config, "url");
    s.body_raw = tfp_mp_attr(config, "body");
    if (tfp_mp_is_null(cfg_version))
        s.api_version = DEFAULT_API_VERSION;
    else
        s.api_version_raw = cfg_version;

    if (tfp_mp_is_null(prior)) {
        /* create: id and output come from Graph */
        state_write(&res->value, &s);
        return;
    }

    if (!mp_str_equal(s.url, tfp_mp_attr(prior, "url"))) {
        res->replace[res->n_replace++] = "url";
        replace = 1;
    }
    {
        char *old_version = api_version_of(prior);
        char *new_version = tfp_mp_is_null(cfg_version) ? m365id__strdup(DEFAULT_API_VERSION)
                                                       : tfp_mp_strdup(cfg_version);

        if (new_version == NULL || old_version == NULL || strcmp(old_version, new_version) != 0) {
            res->replace[res->n_replace++] = "api_version";
            replace = 1;
        }
        free(old_version);
        free(new_version);
    }
    if (!replace) {
        s.id_raw = tfp_mp_attr(prior, "id");
        if (body_equal(s.body_raw, tfp_mp_attr(prior, "body")))
            s.output_raw = tfp_mp_attr(prior, "output");
    }
    state_write(&res->value, &s);
}

/* GET the object for the output attribute; NULL (with a diagnostic) when that fails. */
static json_t *object_get(struct tfp_result *res, const char *path, int *status)
{
    json_t *out = NULL;

    if (tfp_graph(&out, status, &res->diags, "Failed to read the Graph object", "GET", path,
                  NULL, 0) < 0)
        return NULL;
    return out != NULL ? out : json_object();
}

static void apply_delete(struct tfp_result *res, const msgpack_object *prior)
{
    char *version = api_version_of(prior);
    char *url = tfp_mp_strdup(tfp_mp_attr(prior, "url"));
    char *id = tfp_mp_strdup(tfp_mp_attr(prior, "id"));
    char *path = NULL;
    json_t *reply = NULL;
    int status;

    res->has_value = 0;
    if (url == NULL || id == NULL)
        goto out; /* never created */
    path = tfp_graph_path(version, url, id);
    /* 404: already gone, which is what delete wants. */
    (void)tfp_graph(&reply, &status, &res->diags, "Failed to delete the Graph object", "DELETE",
                    path, NULL, 0);

out:
    json_decref(reply);
    free(path);
    free(id);
    free(url);
    free(version);
}

/* Keys of @p planned whose values differ from @p prior: the PATCH body. Keys dropped from the
 * configuration are left as they are in Graph. */
static json_t *changed_keys(const json_t *planned, const json_t *prior)
{
    json_t *patch = json_object();
    const char *key;
    json_t *value;

    json_object_foreach((json_t *)planned, key, value) {
        const json_t *old = prior != NULL ? json_object_get(prior, key) : NULL;

        if (old == NULL || !json_equal(old, value))
            json_object_set(patch, key, value);
    }
    return patch;
}

void tfp_graph_resource_apply(struct tfp_result *res, const msgpack_object *prior,
                              const msgpack_object *planned)
{
    struct state_out s;
    char *version = NULL;
    char *url = NULL;
    char *path = NULL;
    char *entity = NULL;
    char *text = NULL;
    char *id = NULL;
    json_t *body = NULL;
    json_t *old_body = NULL;
    json_t *reply = NULL;
    json_t *output = NULL;
    char why[200];
    int is_string;
    int status;

    if (tfp_mp_is_null(planned)) {
        apply_delete(res, prior);
        return;
    }
    memset(&s, 0, sizeof(s));
    version = api_version_of(planned);
    url = tfp_mp_strdup(tfp_mp_attr(planned, "url"));
    body = body_object(tfp_mp_attr(planned, "body"), &is_string, why, sizeof(why));
    if (url == NULL || body == NULL || tfp_json_has_unknown(body)) {
        tfp_diag_add(&res->diags, TFP_ERROR, body == NULL ? "body" : "url", "Invalid body",
                     "body must be a known object or JSON object string at apply time%s%s",
                     body == NULL ? ": " : "", body == NULL ? why : "");
        goto out;
    }
    path = tfp_graph_path(version, url, NULL);

    if (tfp_mp_is_null(prior)) {
        const char *new_id = NULL;

        text = json_dumps(body, JSON_COMPACT);
        if (tfp_graph(&reply, &status, &res->diags, "Failed to create the Graph object", "POST",
                      path, text, 0) < 0)
            goto out;
        if (m365id__json_get_str(&new_id, reply, "id") != M365ID__JSON_OK) {
            tfp_diag_add(&res->diags, TFP_ERROR, NULL, "Failed to create the Graph object",
                         "POST %s returned no \"id\"; the object may exist without being "
                         "tracked in state",
                         path);
            goto out;
        }
        id = m365id__strdup(new_id);
    } else {
        json_t *patch;

        id = tfp_mp_strdup(tfp_mp_attr(prior, "id"));
        old_body = body_object(tfp_mp_attr(prior, "body"), &is_string, why, sizeof(why));
        patch = changed_keys(body, old_body);
        if (id != NULL && json_object_size(patch) > 0) {
            entity = tfp_graph_path(version, url, id);
            text = json_dumps(patch, JSON_COMPACT);
            if (tfp_graph(&reply, &status, &res->diags, "Failed to update the Graph object",
                          "PATCH", entity, text, 0) < 0) {
                json_decref(patch);
                goto out;
            }
        }
        json_decref(patch);
    }
    if (id == NULL)
        goto out;

    free(entity);
    entity = tfp_graph_path(version, url, id);
    output = object_get(res, entity, &status);
    if (output == NULL) {
        /* The object exists: keep it in state with the create reply, and let the error show. */
        output = reply != NULL ? json_incref(reply) : json_object();
    }
    s.url = tfp_mp_attr(planned, "url");
    s.api_version_raw = tfp_mp_attr(planned, "api_version");
    s.body_raw = tfp_mp_attr(planned, "body");
    s.id = id;
    s.output = output;
    res->has_value = 1;
    state_write(&res->value, &s);

out:
    /* A failed create or update leaves the prior object as it was. */
    if (!res->has_value && !tfp_mp_is_null(prior)) {
        tfp_enc_object(&res->value, prior);
        res->has_value = 1;
    }
    json_decref(output);
    json_decref(reply);
    json_decref(old_body);
    json_decref(body);
    free(text);
    free(id);
    free(entity);
    free(path);
    free(url);
    free(version);
}

/* The body with Graph's values for the keys it sets; NULL when nothing drifted. */
static json_t *drifted_body(const json_t *body, const json_t *remote)
{
    json_t *updated = NULL;
    const char *key;
    json_t *value;

    json_object_foreach((json_t *)body, key, value) {
        json_t *actual = json_object_get(remote, key);

        /* Properties Graph never returns (passwords, for example) cannot drift. */
        if (actual == NULL || json_equal(actual, value))
            continue;
        if (updated == NULL)
            updated = json_deep_copy(body);
        json_object_set(updated, key, actual);
    }
    return updated;
}

void tfp_graph_resource_read(struct tfp_result *res, const msgpack_object *current)
{
    struct state_out s;
    char *version = api_version_of(current);
    char *url = tfp_mp_strdup(tfp_mp_attr(current, "url"));
    char *id = tfp_mp_strdup(tfp_mp_attr(current, "id"));
    char *path = NULL;
    json_t *remote = NULL;
    json_t *body = NULL;
    json_t *updated = NULL;
    char why[200];
    int is_string = 0;
    int status;

    memset(&s, 0, sizeof(s));
    if (tfp_mp_is_null(current) || url == NULL || id == NULL) {
        res->has_value = 0;
        goto out;
    }
    path = tfp_graph_path(version, url, id);
    if (tfp_graph(&remote, &status, &res->diags, "Failed to read the Graph object", "GET", path,
                  NULL, 0) < 0) {
        if (status == 404) {
            res->has_value = 0; /* deleted outside: the next plan creates it again */
        } else {
            tfp_enc_object(&res->value, current);
            res->has_value = 1;
        }
        goto out;
    }
    if (remote == NULL)
        remote = json_object();

    s.url = tfp_mp_attr(current, "url");
    s.api_version_raw = tfp_mp_attr(current, "api_version");
    s.api_version = version;
    if (tfp_mp_is_null(s.api_version_raw))
        s.api_version_raw = NULL;
    s.id_raw = tfp_mp_attr(current, "id");
    s.output = remote;
    s.body_raw = tfp_mp_attr(current, "body");
    if (!tfp_mp_is_null(s.body_raw)) {
        body = body_object(s.body_raw, &is_string, why, sizeof(why));
        if (body != NULL && (updated = drifted_body(body, remote)) != NULL) {
            s.body_raw = NULL;
            s.body_json = updated;
            s.body_as_string = is_string;
        }
    }
    res->has_value = 1;
    state_write(&res->value, &s);

out:
    json_decref(updated);
    json_decref(body);
    json_decref(remote);
    free(path);
    free(id);
    free(url);
    free(version);
}

void tfp_graph_resource_import(struct tfp_result *res, const char *import_id)
{
    struct state_out s;
    msgpack_object url_obj;
    const char *version = DEFAULT_API_VERSION;
    const char *rest = import_id;
    const char *slash;
    char *url = NULL;

    memset(&s, 0, sizeof(s));
    if (strncmp(rest, "/", 1) == 0)
        rest++;
    if (strncmp(rest, "v1.0/", 5) == 0) {
        rest += 5;
    } else if (strncmp(rest, "beta/", 5) == 0) {
        version = "beta";
        rest += 5;
    }
    slash = strrchr(rest, '/');
    if (slash == NULL || slash == rest || slash[1] == '\0') {
        tfp_diag_add(&res->diags, TFP_ERROR, NULL, "Invalid import id",
                     "the import id must be COLLECTION/ID, optionally after the API version, "
                     "such as 'groups/0b8f3a52-...' or 'beta/deviceManagement/"
                     "configurationPolicies/ID'; got '%s'",
                     import_id);
        return;
    }
    url = malloc((size_t)(slash - rest) + 1);
    if (url == NULL)
        return;
    memcpy(url, rest, (size_t)(slash - rest));
    url[slash - rest] = '\0';

    url_obj.type = MSGPACK_OBJECT_STR;
    url_obj.via.str.ptr = url;
    url_obj.via.str.size = (uint32_t)strlen(url);
    s.url = &url_obj;
    s.api_version = version;
    s.id = slash + 1;
    s.output = json_null();
    /* body stays null: ReadResource cannot tell which keys the configuration will manage. */
    s.body_json = json_null();
    res->has_value = 1;
    state_write(&res->value, &s);
    free(url);
}
