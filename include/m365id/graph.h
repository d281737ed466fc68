/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * m365id/graph.h: Microsoft Graph requests authenticated with the context's access token.
 */
#ifndef M365ID_GRAPH_H
#define M365ID_GRAPH_H

#include <stddef.h>

#include "common.h"
#include "ctx.h"

M365ID_BEGIN_DECL

/** A Graph reply: status and JSON body. */
typedef struct m365id_graph_response m365id_graph_response;

/** Follow "@odata.nextLink" and merge every page's "value" array into one reply. */
#define M365ID_GRAPH_ALL_PAGES 0x1u

/**
 * Accept a success reply whose body is not JSON, and return it as received. Without this flag a
 * 2xx reply must carry JSON, or no body with 202, 204 or 205: anything else, such as a proxy's
 * HTML page or a cut-off document, fails with M365ID_EPROTO after the retries a GET gets.
 */
#define M365ID_GRAPH_ANY_BODY 0x2u

/**
 * Send one Graph request with a bearer token from m365id_token_acquire().
 *
 * @param[out] out   reply owned by the caller, freed with m365id_graph_response_free();
 *                   NULL on error
 * @param ctx        configured context
 * @param method     "GET", "POST", "PATCH", "PUT" or "DELETE"
 * @param path       "/v1.0/organization" or "/beta/..." relative to the Graph endpoint, or an
 *                   absolute URL on that endpoint
 * @param body       JSON request body, or NULL; copied, not kept
 * @param body_len   bytes in @p body
 * @param flags      0, or M365ID_GRAPH_ALL_PAGES and M365ID_GRAPH_ANY_BODY combined with |
 * @return M365ID_OK; M365ID_EGRAPH when Graph returns an error status, the message then
 *         naming its code and text; M365ID_EAUTH when no token could be obtained;
 *         M365ID_EPROTO for a success reply that is not JSON; another negative code otherwise
 */
M365ID_EXTERN int m365id_graph_request(m365id_graph_response **out, m365id_ctx *ctx,
                                       const char *method, const char *path, const char *body,
                                       size_t body_len, unsigned int flags);

/**
 * Same as m365id_graph_request(), but send @p access_token instead of acquiring one, for a
 * caller that keeps tokens itself, such as a cache shared between processes. The context's
 * own token cache is neither read nor filled.
 *
 * @param[out] out       reply owned by the caller, freed with m365id_graph_response_free();
 *                       NULL on error
 * @param ctx            configured context
 * @param access_token   bearer token for the configured Graph endpoint; borrowed for the call,
 *                       never logged, sent to no other host
 * @param method         as for m365id_graph_request()
 * @param path           as for m365id_graph_request()
 * @param body           as for m365id_graph_request()
 * @param body_len       bytes in @p body
 * @param flags          as for m365id_graph_request()
 * @return M365ID_OK; M365ID_EGRAPH when Graph replies with an error status (401 when it does
 *         not accept the token); M365ID_EINVAL when @p access_token is empty or contains a
 *         space or control character; another negative code otherwise
 */
M365ID_EXTERN int m365id_graph_request_with_token(m365id_graph_response **out, m365id_ctx *ctx,
                                                  const char *access_token, const char *method,
                                                  const char *path, const char *body,
                                                  size_t body_len, unsigned int flags);

/** HTTP status of the reply. */
M365ID_EXTERN int m365id_graph_response_status(const m365id_graph_response *resp);

/**
 * HTTP status of the last reply that Graph sent to the last m365id_graph_request() or
 * m365id_graph_request_with_token() on @p ctx, so that a caller can act on an error status
 * (404: the object is gone) without reading the error message. After retries it is the final
 * attempt's status; with M365ID_GRAPH_ALL_PAGES, that of the last page fetched.
 *
 * @param ctx  context; the value stays valid until the next Graph request on it
 * @return 100 to 599, on success and on M365ID_EGRAPH alike; 0 when that call got no reply
 *         (no token, a transfer failure, invalid arguments), when no Graph request has been
 *         sent on @p ctx, or when @p ctx is NULL
 */
M365ID_EXTERN int m365id_graph_last_status(const m365id_ctx *ctx);

/** JSON body, NUL-terminated; borrowed from @p resp. Empty for 204 replies. */
M365ID_EXTERN const char *m365id_graph_response_body(const m365id_graph_response *resp);

/** Bytes in the body. */
M365ID_EXTERN size_t m365id_graph_response_body_len(const m365id_graph_response *resp);

/** Free @p resp; NULL is a no-op. */
M365ID_EXTERN void m365id_graph_response_free(m365id_graph_response *resp);

/** The application id of Microsoft Graph itself: the resource its app roles belong to. */
#define M365ID_GRAPH_APP_ID "00000003-0000-0000-c000-000000000000"

/**
 * The id of the Microsoft Graph application permission (app role) @p name, for example
 * "9241abd9-d0e6-425a-bd4f-47ba86e767a4" for "DeviceManagementConfiguration.ReadWrite.All".
 * Names match exactly, case included, as Graph's "value" does.
 * @return a static string, or NULL when the name is not in the table
 */
M365ID_EXTERN const char *m365id_graph_app_role_id(const char *name);

/** The name of the Graph app role with id @p id (lower-case GUID), or NULL. */
M365ID_EXTERN const char *m365id_graph_app_role_name(const char *id);

/**
 * Entry @p index of the app role table, for listing and for seeding the emulator.
 * @param[out] name, id  static strings
 * @return 1 while @p index is in the table, 0 past its end
 */
M365ID_EXTERN int m365id_graph_app_role_at(size_t index, const char **name, const char **id);

M365ID_END_DECL

#endif /* M365ID_GRAPH_H */
