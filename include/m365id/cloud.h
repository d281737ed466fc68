/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * m365id/cloud.h: the national clouds behind the `cloud` setting, for tools that render or
 * check configuration (authority host, Graph endpoint, scope and federated credential audience).
 */
#ifndef M365ID_CLOUD_H
#define M365ID_CLOUD_H

#include <stddef.h>

#include "common.h"

M365ID_BEGIN_DECL

/** One row of the cloud table; every string is static. */
typedef struct m365id_cloud_info {
    const char *name;           /**< the `cloud` value: public, dod, gcc, gcchigh, china, ex, rx */
    const char *authority_host; /**< e.g. "https://login.microsoftonline.com/", trailing '/' */
    const char *graph_endpoint; /**< e.g. "https://graph.microsoft.com", no version */
    const char *scope;          /**< the app-only Graph scope, "{graph endpoint}/.default" */
    const char *fic_audience;   /**< default audience of a federated identity credential */
} m365id_cloud_info;

/**
 * Fill @p out with the cloud named @p name (exact case).
 * @return M365ID_OK, or M365ID_EINVAL for an unknown name
 */
M365ID_EXTERN int m365id_cloud_lookup(m365id_cloud_info *out, const char *name);

/** Fill @p out with row @p index; returns 1 while @p index is in the table, 0 past its end. */
M365ID_EXTERN int m365id_cloud_at(m365id_cloud_info *out, size_t index);

/**
 * Fill @p out with the first cloud whose authority host, or a known alias of it such as
 * login.partner.microsoftonline.cn, is @p url (case and trailing '/' ignored).
 * @return M365ID_OK, or M365ID_EINVAL when no cloud uses that host
 */
M365ID_EXTERN int m365id_cloud_by_authority(m365id_cloud_info *out, const char *url);

/**
 * Fill @p out with the first cloud whose Graph endpoint is the scheme and host of @p url (a
 * Graph endpoint, a request URL or a scope).
 * @return M365ID_OK, or M365ID_EINVAL when no cloud uses that host
 */
M365ID_EXTERN int m365id_cloud_by_graph(m365id_cloud_info *out, const char *url);

/** "public, dod, gcc, gcchigh, china, ex, rx", for messages. */
M365ID_EXTERN const char *m365id_cloud_names(void);

M365ID_END_DECL

#endif /* M365ID_CLOUD_H */
