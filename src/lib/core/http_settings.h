/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * client_options turned into HTTP request settings, shared by token, managed-identity and Graph
 * requests, plus the retry time budget and the report of a proxy that wants credentials.
 */
#ifndef M365ID_LIB_CORE_HTTP_SETTINGS_H
#define M365ID_LIB_CORE_HTTP_SETTINGS_H

#include "lib/core/ctx_internal.h"
#include "util/http_client.h"

/**
 * Reset @p req and fill in what client_options decide: CA bundle, timeout, user agent product,
 * proxy and its credentials, redirects, and the context's connection pool. An explicit proxy
 * also overrides NO_PROXY; without one, libcurl applies HTTPS_PROXY, HTTP_PROXY and NO_PROXY.
 * The caller sets method, URL, headers, body and limits afterwards. Pointers in @p req borrow from @p ctx.
 */
void m365id__http_request_from_cfg(struct m365id__http_request *req, const m365id_ctx *ctx);

/**
 * Record that the proxy used for @p url answered 407 and return M365ID_ENET. The message
 * names the proxy without user info and where it came from (proxy_url or a variable); the
 * hint names the credential settings. The password is never shown.
 */
int m365id__http_fail_proxy_auth(m365id_ctx *ctx, const char *url);

/* The time a request and its retries may take, from the first attempt. */
struct m365id__retry_budget {
    long long deadline_ms; /* monotonic milliseconds */
};

/**
 * Start the budget: timeout_seconds times the number of attempts (1 + max_retries). A retry
 * that cannot start before the deadline is not made.
 */
void m365id__retry_budget_start(struct m365id__retry_budget *budget, const m365id_ctx *ctx);

/** Nonzero when waiting @p delay_ms and then starting another attempt stays within budget. */
int m365id__retry_budget_allows(const struct m365id__retry_budget *budget, long long delay_ms);

#endif /* M365ID_LIB_CORE_HTTP_SETTINGS_H */
