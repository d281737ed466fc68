/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The national-cloud table behind the `cloud` setting, and lookups by authority host and by
 * scope. Choosing and validating the setting happens in resolve.c and validate.c.
 */
#include "lib/config/cloud.h"

#include "m365id/cloud.h"
#include "m365id/error.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

/*
 * The `cloud` names are the provider's. Endpoints follow Microsoft's national-cloud table, which
 * diverges from the provider's own table in two rows:
 * - gcc: GCC (moderate) tenants live in the global Entra ID and call the global Graph, so the row
 *   uses https://graph.microsoft.com. The provider pairs the commercial authority with
 *   graph.microsoft.us, which such tenants cannot use.
 * - dod: the DoD Graph endpoint is https://dod-graph.microsoft.us, and the scope names the same
 *   resource. The provider requests a graph.microsoft.us token and then calls dod-graph.
 * The FIC audiences for ex (USNat) and rx (USSec) come from Microsoft pages on the air-gapped
 * clouds. The dod audience is inferred from the Entra cloud that DoD shares with GCC High.
 */
static const struct m365id__cloud clouds[] = {
    {"public", "https://login.microsoftonline.com/", "https://graph.microsoft.com",
     "https://graph.microsoft.com/.default", "api://AzureADTokenExchange"},
    {"dod", "https://login.microsoftonline.us/", "https://dod-graph.microsoft.us",
     "https://dod-graph.microsoft.us/.default", "api://AzureADTokenExchangeUSGov"},
    {"gcc", "https://login.microsoftonline.com/", "https://graph.microsoft.com",
     "https://graph.microsoft.com/.default", "api://AzureADTokenExchange"},
    {"gcchigh", "https://login.microsoftonline.us/", "https://graph.microsoft.us",
     "https://graph.microsoft.us/.default", "api://AzureADTokenExchangeUSGov"},
    {"china", "https://login.chinacloudapi.cn/", "https://microsoftgraph.chinacloudapi.cn",
     "https://microsoftgraph.chinacloudapi.cn/.default", "api://AzureADTokenExchangeChina"},
    {"ex", "https://login.microsoftonline.eaglex.ic.gov/", "https://graph.eaglex.ic.gov",
     "https://graph.eaglex.ic.gov/.default", "api://AzureADTokenExchangeUSNat"},
    {"rx", "https://login.microsoftonline.microsoft.scloud/", "https://graph.microsoft.scloud",
     "https://graph.microsoft.scloud/.default", "api://AzureADTokenExchangeUSSec"},
};

#define CLOUD_COUNT (sizeof(clouds) / sizeof(clouds[0]))

/* Other authority hosts of the same Entra clouds. MSAL prefers the China alias. */
static const struct {
    const char *alias;
    const char *authority_host; /* as written in the table above */
} authority_aliases[] = {
    {"https://login.partner.microsoftonline.cn/", "https://login.chinacloudapi.cn/"},
    {"https://login.microsoft.com/", "https://login.microsoftonline.com/"},
    {"https://login.windows.net/", "https://login.microsoftonline.com/"},
};

/* Length of @p s without its trailing '/' characters. */
static size_t len_without_slashes(const char *s)
{
    size_t len = strlen(s);

    while (len > 0 && s[len - 1] == '/')
        len--;
    return len;
}

/* Nonzero when URLs @p a and @p b are equal apart from case and trailing slashes. */
static int same_url(const char *a, const char *b)
{
    size_t a_len = len_without_slashes(a);

    return a_len == len_without_slashes(b) && strncasecmp(a, b, a_len) == 0;
}

/* Length of the "scheme://host[:port]" prefix of @p url, or 0 when it has no "://". */
static size_t origin_len(const char *url)
{
    const char *sep = strstr(url, "://");
    const char *host_end;

    if (sep == NULL)
        return 0;
    host_end = strchr(sep + 3, '/');
    return host_end != NULL ? (size_t)(host_end - url) : strlen(url);
}

const struct m365id__cloud *m365id__cloud_find(const char *name)
{
    size_t i;

    if (name == NULL)
        return NULL;
    for (i = 0; i < CLOUD_COUNT; i++) {
        if (strcmp(clouds[i].name, name) == 0)
            return &clouds[i];
    }
    return NULL;
}

int m365id__cloud_has_authority(const struct m365id__cloud *cloud, const char *host)
{
    size_t i;

    if (cloud == NULL || host == NULL)
        return 0;
    if (same_url(cloud->authority_host, host))
        return 1;
    for (i = 0; i < sizeof(authority_aliases) / sizeof(authority_aliases[0]); i++) {
        if (same_url(authority_aliases[i].alias, host) &&
            strcmp(authority_aliases[i].authority_host, cloud->authority_host) == 0)
            return 1;
    }
    return 0;
}

const struct m365id__cloud *m365id__cloud_by_authority(const char *host)
{
    size_t i;

    for (i = 0; i < CLOUD_COUNT; i++) {
        if (m365id__cloud_has_authority(&clouds[i], host))
            return &clouds[i];
    }
    return NULL;
}

int m365id__cloud_has_scope(const struct m365id__cloud *cloud, const char *scope)
{
    size_t len;

    if (cloud == NULL || scope == NULL)
        return 0;
    len = origin_len(scope);
    return len > 0 && len == strlen(cloud->graph_endpoint) &&
           strncasecmp(scope, cloud->graph_endpoint, len) == 0;
}

const struct m365id__cloud *m365id__cloud_by_scope(const char *scope)
{
    size_t i;

    for (i = 0; i < CLOUD_COUNT; i++) {
        if (m365id__cloud_has_scope(&clouds[i], scope))
            return &clouds[i];
    }
    return NULL;
}

const char *m365id__cloud_names(void)
{
    return "public, dod, gcc, gcchigh, china, ex, rx";
}

unsigned int m365id__cloud_count(void)
{
    return (unsigned int)CLOUD_COUNT;
}

const struct m365id__cloud *m365id__cloud_at(unsigned int i)
{
    return i < CLOUD_COUNT ? &clouds[i] : NULL;
}

/* --- public API (m365id/cloud.h) --- */

static int fill(m365id_cloud_info *out, const struct m365id__cloud *row)
{
    if (row == NULL)
        return M365ID_EINVAL;
    if (out != NULL) {
        out->name = row->name;
        out->authority_host = row->authority_host;
        out->graph_endpoint = row->graph_endpoint;
        out->scope = row->scope;
        out->fic_audience = row->fic_audience;
    }
    return M365ID_OK;
}

int m365id_cloud_lookup(m365id_cloud_info *out, const char *name)
{
    return fill(out, m365id__cloud_find(name));
}

int m365id_cloud_at(m365id_cloud_info *out, size_t index)
{
    return index < CLOUD_COUNT && fill(out, &clouds[index]) == M365ID_OK;
}

int m365id_cloud_by_authority(m365id_cloud_info *out, const char *url)
{
    return url != NULL ? fill(out, m365id__cloud_by_authority(url)) : M365ID_EINVAL;
}

int m365id_cloud_by_graph(m365id_cloud_info *out, const char *url)
{
    return url != NULL ? fill(out, m365id__cloud_by_scope(url)) : M365ID_EINVAL;
}

const char *m365id_cloud_names(void)
{
    return m365id__cloud_names();
}
