/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Cloud table: which Graph hosts and token-exchange audience belong to each Entra cloud.
 */
#include "cloud.h"

#include <string.h>

const struct emu_cloud emu_clouds[] = {
    {"public", "", {"https://graph.microsoft.com", NULL, NULL}, "api://AzureADTokenExchange"},
    {"usgov", "/clouds/usgov",
     {"https://graph.microsoft.us", "https://dod-graph.microsoft.us", NULL},
     "api://AzureADTokenExchangeUSGov"},
    {"china", "/clouds/china", {"https://microsoftgraph.chinacloudapi.cn", NULL, NULL},
     "api://AzureADTokenExchangeChina"},
    {"usnat", "/clouds/usnat", {"https://graph.eaglex.ic.gov", NULL, NULL},
     "api://AzureADTokenExchangeUSNat"},
    {"ussec", "/clouds/ussec", {"https://graph.microsoft.scloud", NULL, NULL},
     "api://AzureADTokenExchangeUSSec"},
};

const size_t emu_cloud_count = sizeof(emu_clouds) / sizeof(emu_clouds[0]);

const struct emu_cloud *emu_cloud_find_len(const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < emu_cloud_count; i++) {
        if (strlen(emu_clouds[i].name) == len && memcmp(emu_clouds[i].name, name, len) == 0)
            return &emu_clouds[i];
    }
    return NULL;
}

const struct emu_cloud *emu_cloud_find(const char *name)
{
    return name != NULL ? emu_cloud_find_len(name, strlen(name)) : NULL;
}

int emu_cloud_is_graph_resource(const struct emu_cloud *cloud, const char *resource)
{
    size_t i;

    if (strcmp(resource, EMU_GRAPH_APP_ID) == 0)
        return 1;
    for (i = 0; cloud->graph_resources[i] != NULL; i++) {
        if (strcmp(cloud->graph_resources[i], resource) == 0)
            return 1;
    }
    return 0;
}

int emu_cloud_accepts_graph_resource(const struct emu_cloud *cloud, const char *base_url,
                                     const char *resource)
{
    size_t base_len = strlen(base_url);

    if (emu_cloud_is_graph_resource(cloud, resource))
        return 1;
    return strncmp(resource, base_url, base_len) == 0 &&
           strcmp(resource + base_len, cloud->prefix) == 0;
}
