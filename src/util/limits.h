/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Size limits for every buffer that holds external input, each with the reason for its size.
 */
#ifndef M365ID_UTIL_LIMITS_H
#define M365ID_UTIL_LIMITS_H

/*
 * The maximum access token lifetime taken from a reply, in seconds (366 days); a longer
 * expires_in is cut to it. Entra ID tokens live at most about a day, and the cut keeps the
 * issue time plus the lifetime far from overflowing.
 */
#define M365ID_TOKEN_LIFETIME_MAX_S (366LL * 24 * 3600)

/* Projected service-account tokens are 1 to 2 KiB; 64 KiB leaves room for large claim sets
 * while keeping a wrongly mounted file (a binary, a log) from being read whole. */
#define M365ID_TOKEN_FILE_MAX (64u * 1024u)

/* Entra token replies are a few KiB; 256 KiB bounds a misbehaving proxy or endpoint. */
#define M365ID_STS_REPLY_MAX (256u * 1024u)

/* One Graph page is at most a few MiB; 32 MiB bounds a merged multi-page reply. */
#define M365ID_GRAPH_REPLY_MAX (32u * 1024u * 1024u)

/* Discovery documents and JWKS sets are small; 256 KiB allows a few hundred keys. */
#define M365ID_OIDC_DOC_MAX (256u * 1024u)

/* Reply headers of one HTTP response, all lines together. Entra and Graph send 1 to 3 KiB;
 * 64 KiB bounds a hostile server or proxy, below libcurl's own 100 KiB cap per line. */
#define M365ID_HTTP_HEADERS_MAX (64u * 1024u)

/* Requests to the emulator: a token form or a Graph write body. */
#define M365ID_REQUEST_BODY_MAX (1024u * 1024u)

/* External strings quoted in messages and logs are cut after this many bytes. */
#define M365ID_QUOTE_MAX 128u

/* Nesting depth accepted in any JSON document. */
#define M365ID_JSON_DEPTH_MAX 32u

/* Pages followed by one Graph request with paging on. */
#define M365ID_GRAPH_PAGES_MAX 1000u

#endif /* M365ID_UTIL_LIMITS_H */
