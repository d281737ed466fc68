/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Entra routes of one cloud: tenant discovery, signing keys, instance discovery, and the
 * dispatch of token requests to sts.c.
 */
#include <stdio.h>
#include <string.h>

#include "aadsts.h"
#include "emu.h"
#include "util/quote.h"
#include "util/strutil.h"

#define TENANT_MAX 256

/* Nonzero for the multi-tenant aliases, which have a discovery document but no tenant. */
static int is_alias_tenant(const char *t)
{
    return strcmp(t, "common") == 0 || strcmp(t, "organizations") == 0 ||
           strcmp(t, "consumers") == 0;
}

static void reply_tenant_discovery(struct httpd_reply *reply, const struct httpd_request *req,
                                   struct emu *e, const struct emu_cloud *cloud,
                                   const char *tenant_key)
{
    const struct emu_tenant *t = NULL;
    const char *tid;
    char path[TENANT_MAX + 64];
    json_t *doc;

    if (is_alias_tenant(tenant_key)) {
        tid = "{tenantid}"; /* Entra's multi-tenant documents carry this literal */
    } else {
        t = emu_scenario_tenant(e->scn, cloud, tenant_key);
        if (t == NULL) {
            struct m365id__quoted q;

            m365id__quote(&q, tenant_key);
            emu_aadsts_reply(reply, req, e, 90002, "invalid_tenant",
                             "Tenant '%s' not found. Check to make sure you have the correct "
                             "tenant ID and are signing into the correct cloud (this authority "
                             "serves cloud '%s').", q.text, cloud->name);
            return;
        }
        tid = t->id;
    }

    doc = json_object();
    if (doc == NULL) {
        emu_reply_json(reply, 500, NULL);
        return;
    }
    snprintf(path, sizeof(path), "/%s/oauth2/v2.0/token", tenant_key);
    json_object_set_new(doc, "token_endpoint", emu_url(e, cloud, path));
    json_object_set_new(doc, "token_endpoint_auth_methods_supported",
                        json_pack("[s,s,s]", "client_secret_post", "private_key_jwt",
                                  "client_secret_basic"));
    snprintf(path, sizeof(path), "/%s/discovery/v2.0/keys", tenant_key);
    json_object_set_new(doc, "jwks_uri", emu_url(e, cloud, path));
    json_object_set_new(doc, "response_modes_supported", json_pack("[s,s,s]", "query",
                                                                   "fragment", "form_post"));
    json_object_set_new(doc, "subject_types_supported", json_pack("[s]", "pairwise"));
    json_object_set_new(doc, "id_token_signing_alg_values_supported", json_pack("[s]", "RS256"));
    json_object_set_new(doc, "response_types_supported",
                        json_pack("[s,s,s,s]", "code", "id_token", "code id_token",
                                  "id_token token"));
    json_object_set_new(doc, "scopes_supported",
                        json_pack("[s,s,s,s]", "openid", "profile", "email", "offline_access"));
    snprintf(path, sizeof(path), "/%s/v2.0", tid);
    json_object_set_new(doc, "issuer", emu_url(e, cloud, path));
    json_object_set_new(doc, "request_uri_parameter_supported", json_false());
    snprintf(path, sizeof(path), "/%s/oauth2/v2.0/authorize", tenant_key);
    json_object_set_new(doc, "authorization_endpoint", emu_url(e, cloud, path));
    snprintf(path, sizeof(path), "/%s/oauth2/v2.0/devicecode", tenant_key);
    json_object_set_new(doc, "device_authorization_endpoint", emu_url(e, cloud, path));
    json_object_set_new(doc, "http_logout_supported", json_true());
    json_object_set_new(doc, "frontchannel_logout_supported", json_true());
    snprintf(path, sizeof(path), "/%s/oauth2/v2.0/logout", tenant_key);
    json_object_set_new(doc, "end_session_endpoint", emu_url(e, cloud, path));
    json_object_set_new(doc, "claims_supported",
                        json_pack("[s,s,s,s,s,s,s]", "sub", "iss", "aud", "exp", "iat", "tid",
                                  "oid"));
    json_object_set_new(doc, "tenant_region_scope", json_string("NA"));
    json_object_set_new(doc, "cloud_instance_name", json_string("m365id-emulator"));
    json_object_set_new(doc, "cloud_graph_host_name", json_string(e->base_url + 8));
    json_object_set_new(doc, "msgraph_host", json_string(e->base_url + 8));
    emu_reply_json(reply, 200, doc);
    httpd_reply_outcome(reply, "tenant discovery");
}

static void reply_keys(struct httpd_reply *reply, struct emu *e)
{
    emu_reply_json(reply, 200,
                   json_pack("{s:[{s:s,s:s,s:s,s:s,s:s,s:s}]}", "keys", "kty", "RSA", "use",
                             "sig", "kid", e->entra_kid, "x5t", e->entra_kid, "n", e->entra_n,
                             "e", e->entra_e));
    httpd_reply_outcome(reply, "entra keys");
}

/*
 * Instance discovery as MSAL calls it: the reply points back at this cloud's tenant
 * discovery document and lists the emulator's host as the only alias.
 */
static void reply_instance_discovery(struct httpd_reply *reply, const struct httpd_request *req,
                                     struct emu *e, const struct emu_cloud *cloud)
{
    const char *endpoint = httpd_query(req, "authorization_endpoint");
    const char *host = e->base_url + 8; /* after "https://" */
    char tenant[TENANT_MAX] = "common";
    char path[TENANT_MAX + 64];

    /* The tenant is the path segment before "/oauth2/" in authorization_endpoint. */
    if (endpoint != NULL) {
        const char *o = strstr(endpoint, "/oauth2/");

        if (o != NULL) {
            const char *start = o;
            size_t n;

            while (start > endpoint && start[-1] != '/')
                start--;
            n = (size_t)(o - start);
            if (n > 0 && n < sizeof(tenant)) {
                memcpy(tenant, start, n);
                tenant[n] = '\0';
            }
        }
    }
    if (!is_alias_tenant(tenant) && !m365id__is_guid(tenant) && !m365id__is_domain(tenant))
        snprintf(tenant, sizeof(tenant), "common");
    snprintf(path, sizeof(path), "/%s/v2.0/.well-known/openid-configuration", tenant);
    emu_reply_json(reply, 200,
                   json_pack("{s:o,s:s,s:[{s:s,s:s,s:[s]}]}", "tenant_discovery_endpoint",
                             emu_url(e, cloud, path), "api-version", "1.1", "metadata",
                             "preferred_network", host, "preferred_cache", host, "aliases",
                             host));
    httpd_reply_outcome(reply, "instance discovery");
}

void emu_entra_handle(struct httpd_reply *reply, const struct httpd_request *req, struct emu *e,
                      const struct emu_cloud *cloud, const char *rest)
{
    /* rest may be "" (an empty request target), so never step past its NUL. */
    const char *seg = rest[0] != '\0' ? rest + 1 : rest;
    const char *slash = strchr(seg, '/');
    char tenant[TENANT_MAX];
    size_t n;
    struct m365id__quoted q;
    enum {
        ROUTE_NONE,
        ROUTE_TENANT_DISCOVERY,
        ROUTE_KEYS,
        ROUTE_INSTANCE_DISCOVERY
    } route = ROUTE_NONE;

    if (rest[0] != '/' || slash == NULL || slash == seg ||
        (n = (size_t)(slash - seg)) >= sizeof(tenant)) {
        m365id__quote(&q, req->path);
        emu_reply_plain_error(reply, 404, "NotFound", "no Entra route at '%s'", q.text);
        return;
    }
    memcpy(tenant, seg, n);
    tenant[n] = '\0';

    if (strcmp(slash, "/oauth2/v2.0/token") == 0) {
        emu_sts_handle(reply, req, e, cloud, tenant);
        return;
    }
    if (strcmp(slash, "/oauth2/v2.0/devicecode") == 0) {
        emu_device_code_handle(reply, req, e, cloud, tenant);
        return;
    }

    /* The other Entra routes are documents: 404 for an unknown path whatever the method, 405
     * only for a known path with a method other than GET. */
    if (strcmp(slash, "/v2.0/.well-known/openid-configuration") == 0)
        route = ROUTE_TENANT_DISCOVERY;
    else if (strcmp(slash, "/discovery/v2.0/keys") == 0 || strcmp(slash, "/discovery/keys") == 0)
        route = ROUTE_KEYS;
    else if (strcmp(tenant, "common") == 0 && strcmp(slash, "/discovery/instance") == 0)
        route = ROUTE_INSTANCE_DISCOVERY;
    if (route == ROUTE_NONE) {
        m365id__quote(&q, req->path);
        emu_reply_plain_error(reply, 404, "NotFound", "no Entra route at '%s'", q.text);
        return;
    }
    if (strcmp(req->method, "GET") != 0) {
        m365id__quote(&q, req->method);
        emu_reply_plain_error(reply, 405, "MethodNotAllowed",
                              "this route supports GET only, not '%s'", q.text);
        httpd_reply_add_header(reply, "Allow", "GET");
        return;
    }
    switch (route) {
    case ROUTE_TENANT_DISCOVERY:
        reply_tenant_discovery(reply, req, e, cloud, tenant);
        break;
    case ROUTE_KEYS:
        reply_keys(reply, e);
        break;
    default:
        reply_instance_discovery(reply, req, e, cloud);
        break;
    }
}
