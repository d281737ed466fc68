/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The table of national clouds: authority host, Graph endpoint, scope and the default audience
 * of federated credentials for each `cloud` value the provider accepts.
 */
#ifndef M365ID_LIB_CONFIG_CLOUD_H
#define M365ID_LIB_CONFIG_CLOUD_H

struct m365id__cloud {
    const char *name;           /* provider value: public dod gcc gcchigh china ex rx */
    const char *authority_host; /* with a trailing '/', as the provider's table writes it */
    const char *graph_endpoint; /* without version or trailing '/' */
    const char *scope;          /* app-only Graph scope, "{graph resource}/.default" */
    const char *fic_audience;   /* default audience of a federated identity credential */
};

/** Row for @p name (case-sensitive), or NULL. */
const struct m365id__cloud *m365id__cloud_find(const char *name);

/** Row whose authority host is @p host (trailing '/' optional), or NULL when unknown. */
const struct m365id__cloud *m365id__cloud_by_authority(const char *host);

/** Row whose Graph resource is the resource part of @p scope, or NULL when unknown. */
const struct m365id__cloud *m365id__cloud_by_scope(const char *scope);

/** "public, dod, gcc, gcchigh, china, ex, rx" for messages. */
const char *m365id__cloud_names(void);

/**
 * Nonzero when @p host is the authority host of @p cloud or a known alias of it. A trailing '/'
 * is optional and the comparison ignores case.
 */
int m365id__cloud_has_authority(const struct m365id__cloud *cloud, const char *host);

/** Nonzero when the resource part of @p scope (scheme and host) is @p cloud's Graph endpoint. */
int m365id__cloud_has_scope(const struct m365id__cloud *cloud, const char *scope);

/** Number of rows, and row @p i (NULL past the end), in the order of m365id__cloud_names(). */
unsigned int m365id__cloud_count(void);
const struct m365id__cloud *m365id__cloud_at(unsigned int i);

#endif /* M365ID_LIB_CONFIG_CLOUD_H */
