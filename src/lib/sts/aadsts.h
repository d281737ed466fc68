/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * The catalogue of AADSTS codes that a client-credentials exchange with a federated assertion
 * can return: cause and fix per code, and the hint built from them. Parsing the error reply
 * lives in reply.c.
 */
#ifndef M365ID_LIB_STS_AADSTS_H
#define M365ID_LIB_STS_AADSTS_H

#include <stddef.h>

#include "util/buf.h"

/* One catalogue row. */
struct m365id__aadsts_entry {
    long long code;
    const char *error; /* OAuth "error" Entra ID usually sends with it, or NULL */
    const char *cause; /* one sentence */
    const char *fix;   /* one imperative sentence */
};

/* Values the hints may name; any member may be NULL (aud_count 0) when unknown. */
struct m365id__aadsts_facts {
    const char *iss;                /* the assertion's claims */
    const char *sub;
    const char *const *aud;
    size_t aud_count;
    const char *client_id;
    const char *tenant_id;
    const char *cloud;              /* cloud name, e.g. "public" */
    const char *cloud_audience;     /* the cloud's default federated-credential audience */
    const char *cloud_scope;        /* the cloud's app-only Graph scope */
    const char *scope;              /* the scope requested */
    const char *authority_host;
    const char *kid;                /* the "kid" of the assertion's header */
    const char *auth_method;        /* e.g. "oidc_github"; NULL counts as workload_identity */
    const char *tenant_source;      /* where tenant_id came from, e.g. "env M365_TENANT_ID" */
    const char *client_source;      /* where client_id came from */
    const char *oidc_request_url;   /* plain oidc's request URL when that source was used */
};

#define M365ID__AADSTS_FACTS_INIT                                                              \
    {NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,    \
     NULL}

/** Catalogue row for @p code, or NULL when the code is not in the catalogue. */
const struct m365id__aadsts_entry *m365id__aadsts_find(long long code);

/** Every catalogue row, ending with a row whose code is 0. */
const struct m365id__aadsts_entry *m365id__aadsts_all(void);

/**
 * Append the hint for @p code to @p out: the catalogue's cause and fix, completed with the
 * values in @p facts where they help, such as the presented issuer, subject or audience, the
 * client id and the tenant. An unknown code gets a pointer to Microsoft's lookup page. External
 * values are quoted. Returns 0, M365ID_ENOMEM or M365ID_ETOOBIG.
 */
int m365id__aadsts_hint(struct m365id__buf *out, long long code,
                        const struct m365id__aadsts_facts *facts);

/**
 * Append @p len bytes of @p s escaped like m365id__quote(), but cut only after @p max bytes
 * (then "..." follows). This is for values that must be shown whole, because an issuer may be
 * up to 600 bytes long and differ from the federated credential in its last byte.
 */
int m365id__put_quoted_long(struct m365id__buf *out, const char *s, size_t len, size_t max);

#endif /* M365ID_LIB_STS_AADSTS_H */
