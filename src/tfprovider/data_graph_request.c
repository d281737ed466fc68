/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Data source microsoft365_graph_request: one Graph GET with URL-encoded query parameters,
 * optionally following @odata.nextLink (libm365id merges the pages), returning the reply as a
 * value and as JSON text.
 */
#include <stdlib.h>
#include <string.h>

#include "m365id/m365id.h"
#include "tfprovider/resource.h"
#include "tfprovider/schema.h"
#include "util/buf.h"
#include "util/strutil.h"

void tfp_graph_request_validate(struct tfp_result *res, const msgpack_object *config)
{
    char *url = tfp_mp_strdup(tfp_mp_attr(config, "url"));
    char *version = tfp_mp_strdup(tfp_mp_attr(config, "api_version"));

    if (url != NULL && (url[0] == '\0' || strchr(url, '?') != NULL || strstr(url, "://") != NULL))
        tfp_diag_add(&res->diags, TFP_ERROR, "url", "Invalid request URL",
                     "url must be a path under the API version, such as 'groups', with query "
                     "parameters in query_parameters; got '%s'",
                     url);
    tfp_graph_check_api_version(&res->diags, version);
    free(url);
    free(version);
}

/* Append "?k=v&..." for the known entries of map @p params. */
static int query_append(struct m365id__buf *path, const msgpack_object *params)
{
    if (tfp_mp_is_null(params) || params->type != MSGPACK_OBJECT_MAP)
        return 0;
    for (uint32_t i = 0; i < params->via.map.size; i++) {
        char *key = tfp_mp_strdup(&params->via.map.ptr[i].key);
        char *value = tfp_mp_strdup(&params->via.map.ptr[i].val);
        int rc = 0;

        if (key != NULL && value != NULL) {
            /* OData system options keep their '$': Graph reads "$filter", not "%24filter". */
            if (m365id__buf_puts(path, path->len > 0 && strchr(path->ptr, '?') ? "&" : "?") < 0 ||
                (key[0] == '$' && m365id__buf_puts(path, "$") < 0) ||
                m365id__buf_put_urlencoded(path, key[0] == '$' ? key + 1 : key) < 0 ||
                m365id__buf_puts(path, "=") < 0 || m365id__buf_put_urlencoded(path, value) < 0)
                rc = -1;
        }
        free(key);
        free(value);
        if (rc < 0)
            return -1;
    }
    return 0;
}

void tfp_graph_request_read(struct tfp_result *res, const msgpack_object *config)
{
    struct m365id__buf path = M365ID__BUF_INIT(64u * 1024u);
    char *version = tfp_mp_strdup(tfp_mp_attr(config, "api_version"));
    char *url = tfp_mp_strdup(tfp_mp_attr(config, "url"));
    char *base = NULL;
    char *text = NULL;
    json_t *reply = NULL;
    json_t *dyn = json_string("dynamic");
    json_t *str = NULL;
    char why[128];
    int status;
    unsigned int flags = tfp_mp_is_true(tfp_mp_attr(config, "all_pages")) ? M365ID_GRAPH_ALL_PAGES
                                                                          : 0;

    if (url == NULL) {
        tfp_diag_add(&res->diags, TFP_ERROR, "url", "Missing url", "url must be a known string");
        goto out;
    }
    base = tfp_graph_path(version != NULL ? version : "v1.0", url, NULL);
    if (base == NULL || m365id__buf_puts(&path, base) < 0 ||
        query_append(&path, tfp_mp_attr(config, "query_parameters")) < 0) {
        tfp_diag_add(&res->diags, TFP_ERROR, "query_parameters", "Request URL too long",
                     "the request URL with its query parameters exceeds 64 KiB");
        goto out;
    }
    if (tfp_graph(&reply, &status, &res->diags, "Graph request failed", "GET",
                  m365id__buf_cstr(&path), NULL, flags) < 0) {
        if (status == 404)
            tfp_diag_add(&res->diags, TFP_ERROR, "url", "Graph request failed",
                         "GET %s returned 404: the path names no Graph object",
                         m365id__buf_cstr(&path));
        goto out;
    }
    if (reply == NULL)
        reply = json_object();
    text = json_dumps(reply, JSON_COMPACT);
    str = json_string(text != NULL ? text : "{}");

    msgpack_pack_map(&res->value.pk, 6);
    tfp_enc_str(&res->value, "url");
    tfp_enc_object(&res->value, tfp_mp_attr(config, "url"));
    tfp_enc_str(&res->value, "api_version");
    tfp_enc_object(&res->value, tfp_mp_attr(config, "api_version"));
    tfp_enc_str(&res->value, "query_parameters");
    tfp_enc_object(&res->value, tfp_mp_attr(config, "query_parameters"));
    tfp_enc_str(&res->value, "all_pages");
    tfp_enc_object(&res->value, tfp_mp_attr(config, "all_pages"));
    tfp_enc_str(&res->value, "response");
    (void)tfp_enc_json(&res->value, reply, dyn, 0, why, sizeof(why));
    tfp_enc_str(&res->value, "response_json");
    tfp_enc_str(&res->value, json_string_value(str));
    res->has_value = 1;

out:
    json_decref(str);
    json_decref(dyn);
    json_decref(reply);
    free(text);
    free(base);
    free(url);
    free(version);
    m365id__buf_clear(&path);
}
