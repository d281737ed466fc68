/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Schemas. The provider block copies the authentication surface of the public microsoft365
 * provider (names, nesting as single nested attributes, sensitivity); how each value resolves
 * is libm365id's business. Resource and data source schemas follow docs/provider/.
 */
#include <stdlib.h>
#include <string.h>

#include "tfprovider/schema.h"
#include "util/strutil.h"

#define S "\"string\""
#define B "\"bool\""
#define N "\"number\""
#define LS "[\"list\",\"string\"]"
#define DYN "\"dynamic\""
#define OPT TFP_OPTIONAL
#define SENS (TFP_OPTIONAL | TFP_SENSITIVE)

static const struct tfp_attr entra_id_options[] = {
    {"client_id", S, SENS, NULL, "Application (client) id, a GUID. Env: `M365_CLIENT_ID`, `AZURE_CLIENT_ID`."},
    {"client_secret", S, SENS, NULL, "Client secret for `client_secret`. Env: `M365_CLIENT_SECRET`."},
    {"client_certificate", S, SENS, NULL, "Path of a PKCS#12 file for `client_certificate`. Env: `M365_CLIENT_CERTIFICATE_FILE_PATH`."},
    {"client_certificate_password", S, SENS, NULL, "Password of the PKCS#12 file. Env: `M365_CLIENT_CERTIFICATE_PASSWORD`."},
    {"send_certificate_chain", B, OPT, NULL, "Send the `x5c` chain for subject name and issuer authentication. Env: `M365_SEND_CERTIFICATE_CHAIN`."},
    {"username", S, OPT, NULL, "User name (unsupported methods only). Env: `M365_USERNAME`."},
    {"password", S, SENS, NULL, "User password (unsupported methods only). Env: `M365_PASSWORD`."},
    {"disable_instance_discovery", B, OPT, NULL, "Skip authority validation. Env: `M365_DISABLE_INSTANCE_DISCOVERY`."},
    {"additionally_allowed_tenants", LS, OPT, NULL, "Further tenants a token may be requested for. Env: `M365_ADDITIONALLY_ALLOWED_TENANTS` (comma list)."},
    {"redirect_url", S, OPT, NULL, "Redirect URL (unsupported methods only). Env: `M365_REDIRECT_URI`."},
    {"federated_token_file_path", S, OPT, NULL, "Projected service account token for `workload_identity`. Env: `AZURE_FEDERATED_TOKEN_FILE`."},
    {"managed_identity_id", S, OPT, NULL, "Client id or resource id of a user-assigned managed identity. Env: `M365_MANAGED_IDENTITY_ID`, `AZURE_CLIENT_ID`."},
    {"oidc_token_file_path", S, OPT, NULL, "OIDC token file for `oidc`. Env: `M365_OIDC_TOKEN_FILE_PATH`."},
    {"oidc_request_token", S, SENS, NULL, "Bearer token of the OIDC token request URL. Env: `M365_OIDC_REQUEST_TOKEN`, `ACTIONS_ID_TOKEN_REQUEST_TOKEN`."},
    {"oidc_request_url", S, OPT, NULL, "OIDC token request URL. Env: `M365_OIDC_REQUEST_URL`, `ACTIONS_ID_TOKEN_REQUEST_URL`."},
    {"ado_service_connection_id", S, OPT, NULL, "Azure DevOps service connection id. Env: `ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID`."},
    {NULL, NULL, 0, NULL, NULL},
};

static const struct tfp_attr client_options[] = {
    {"enable_headers_inspection", B, OPT, NULL, "Env: `M365_ENABLE_HEADERS_INSPECTION`."},
    {"enable_retry", B, OPT, NULL, "Retry 429 and 5xx replies. Env: `M365_ENABLE_RETRY`."},
    {"max_retries", N, OPT, NULL, "Retries per request. Env: `M365_MAX_RETRIES`."},
    {"retry_delay_seconds", N, OPT, NULL, "Base delay between retries. Env: `M365_RETRY_DELAY_SECONDS`."},
    {"enable_redirect", B, OPT, NULL, "Env: `M365_ENABLE_REDIRECT`."},
    {"max_redirects", N, OPT, NULL, "Env: `M365_MAX_REDIRECTS`."},
    {"enable_compression", B, OPT, NULL, "Env: `M365_ENABLE_COMPRESSION`."},
    {"custom_user_agent", S, OPT, NULL, "User-Agent product. Env: `M365_CUSTOM_USER_AGENT`."},
    {"use_proxy", B, OPT, NULL, "Send requests through `proxy_url`. Env: `M365_USE_PROXY`."},
    {"proxy_url", S, OPT, NULL, "HTTP proxy URL. Env: `M365_PROXY_URL`."},
    {"proxy_username", S, OPT, NULL, "Env: `M365_PROXY_USERNAME`."},
    {"proxy_password", S, SENS, NULL, "Env: `M365_PROXY_PASSWORD`."},
    {"timeout_seconds", N, OPT, NULL, "Timeout of one HTTP request. Env: `M365_TIMEOUT_SECONDS`."},
    {"enable_chaos", B, OPT, NULL, "Env: `M365_ENABLE_CHAOS`."},
    {"chaos_percentage", N, OPT, NULL, "Env: `M365_CHAOS_PERCENTAGE`."},
    {"chaos_status_code", N, OPT, NULL, "Env: `M365_CHAOS_STATUS_CODE`."},
    {"chaos_status_message", S, OPT, NULL, "Env: `M365_CHAOS_STATUS_MESSAGE`."},
    {NULL, NULL, 0, NULL, NULL},
};

const struct tfp_attr tfp_provider_attrs[] = {
    {"cloud", S, OPT, NULL, "Microsoft cloud: `public` (default), `dod`, `gcc`, `gcchigh`, `china`, `ex` or `rx`. Env: `M365_CLOUD`, `AZURE_CLOUD`."},
    {"tenant_id", S, SENS, NULL, "Entra ID tenant id, a GUID. Env: `M365_TENANT_ID`, `AZURE_TENANT_ID`."},
    {"auth_method", S, OPT, NULL, "Authentication method, e.g. `workload_identity`. Env: `M365_AUTH_METHOD`."},
    {"entra_id_options", NULL, OPT, entra_id_options, "Credentials and Entra ID settings."},
    {"client_options", NULL, OPT, client_options, "HTTP settings for token and Graph requests."},
    {"telemetry_optout", B, OPT, NULL, "Env: `M365_TELEMETRY_OPTOUT`."},
    {"debug_mode", B, OPT, NULL, "Log libm365id decisions at debug level to the host's log. Env: `M365_DEBUG_MODE`."},
    {NULL, NULL, 0, NULL, NULL},
};

const struct tfp_attr tfp_graph_resource_attrs[] = {
    {"url", S, TFP_REQUIRED, NULL, "Collection path under the API version, e.g. `groups` or `deviceManagement/configurationPolicies`. Changing it replaces the object."},
    {"api_version", S, TFP_OPTIONAL | TFP_COMPUTED, NULL, "`v1.0` (default) or `beta`. Changing it replaces the object."},
    {"body", DYN, TFP_REQUIRED, NULL, "The object's properties: an object value, or a JSON string from `jsonencode`. Only these keys are compared with Graph."},
    {"id", S, TFP_COMPUTED, NULL, "The object id that Graph assigned."},
    {"output", DYN, TFP_COMPUTED, NULL, "The object as Graph last returned it."},
    {NULL, NULL, 0, NULL, NULL},
};

const struct tfp_attr tfp_graph_request_attrs[] = {
    {"url", S, TFP_REQUIRED, NULL, "Path under the API version, e.g. `groups` or `organization`."},
    {"api_version", S, OPT, NULL, "`v1.0` (default) or `beta`."},
    {"query_parameters", "[\"map\",\"string\"]", OPT, NULL, "Query parameters such as `$filter` and `$top`, URL-encoded by the provider."},
    {"all_pages", B, OPT, NULL, "Follow `@odata.nextLink` and merge every page's `value`."},
    {"response", DYN, TFP_COMPUTED, NULL, "The reply as a value."},
    {"response_json", S, TFP_COMPUTED, NULL, "The reply as a JSON string."},
    {NULL, NULL, 0, NULL, NULL},
};

json_t *tfp_schema_type(const struct tfp_attr *attrs)
{
    json_t *types = json_object();

    if (types == NULL)
        return NULL;
    for (size_t i = 0; attrs[i].name != NULL; i++) {
        json_t *t = attrs[i].nested != NULL
                        ? tfp_schema_type(attrs[i].nested)
                        : json_loads(attrs[i].type, JSON_DECODE_ANY, NULL);

        if (t == NULL || json_object_set_new(types, attrs[i].name, t) != 0) {
            json_decref(types);
            return NULL;
        }
    }
    return json_pack("[s,o]", "object", types);
}

static void attrs_free(Tfplugin6__Schema__Attribute **list, size_t n);

static Tfplugin6__Schema__Attribute **attrs_new(const struct tfp_attr *attrs, size_t *n_out)
{
    Tfplugin6__Schema__Attribute **list;
    size_t n = 0;

    while (attrs[n].name != NULL)
        n++;
    *n_out = 0;
    list = calloc(n, sizeof(*list));
    if (list == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        Tfplugin6__Schema__Attribute *a = calloc(1, sizeof(*a));

        if (a == NULL)
            break;
        tfplugin6__schema__attribute__init(a);
        a->name = (char *)attrs[i].name;
        a->description = (char *)attrs[i].description;
        a->description_kind = TFPLUGIN6__STRING_KIND__MARKDOWN;
        a->required = (attrs[i].flags & TFP_REQUIRED) != 0;
        a->optional = (attrs[i].flags & TFP_OPTIONAL) != 0;
        a->computed = (attrs[i].flags & TFP_COMPUTED) != 0;
        a->sensitive = (attrs[i].flags & TFP_SENSITIVE) != 0;
        if (attrs[i].nested != NULL) {
            Tfplugin6__Schema__Object *obj = calloc(1, sizeof(*obj));

            if (obj != NULL) {
                tfplugin6__schema__object__init(obj);
                obj->nesting = TFPLUGIN6__SCHEMA__OBJECT__NESTING_MODE__SINGLE;
                obj->attributes = attrs_new(attrs[i].nested, &obj->n_attributes);
            }
            a->nested_type = obj;
        } else {
            a->type.data = (uint8_t *)attrs[i].type;
            a->type.len = strlen(attrs[i].type);
        }
        list[(*n_out)++] = a;
    }
    return list;
}

static void attrs_free(Tfplugin6__Schema__Attribute **list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (list[i]->nested_type != NULL) {
            attrs_free(list[i]->nested_type->attributes, list[i]->nested_type->n_attributes);
            free(list[i]->nested_type);
        }
        free(list[i]);
    }
    free(list);
}

Tfplugin6__Schema *tfp_schema_new(const struct tfp_attr *attrs, const char *description)
{
    Tfplugin6__Schema *schema = calloc(1, sizeof(*schema));
    Tfplugin6__Schema__Block *block = calloc(1, sizeof(*block));

    if (schema == NULL || block == NULL) {
        free(schema);
        free(block);
        return NULL;
    }
    tfplugin6__schema__init(schema);
    tfplugin6__schema__block__init(block);
    block->description = (char *)description;
    block->description_kind = TFPLUGIN6__STRING_KIND__MARKDOWN;
    block->attributes = attrs_new(attrs, &block->n_attributes);
    schema->block = block;
    return schema;
}

void tfp_schema_free(Tfplugin6__Schema *schema)
{
    if (schema == NULL)
        return;
    if (schema->block != NULL) {
        attrs_free(schema->block->attributes, schema->block->n_attributes);
        free(schema->block);
    }
    free(schema);
}
