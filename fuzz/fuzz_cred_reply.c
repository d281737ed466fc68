/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * libFuzzer target: credential replies other than the token endpoint's. The first byte picks
 * the peer (IMDS, App Service, device code endpoint, OIDC token endpoint), the HTTP status and
 * the identity. The rest of the input is the reply body.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_ctx.h"
#include "lib/cred/device_code_internal.h"
#include "lib/cred/managed_identity_internal.h"
#include "lib/cred/oidc_request_internal.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/limits.h"

/*
 * Only secret values that contain this marker are checked for leaks, because a short or common
 * value may occur in the library's fixed text or in a field that messages quote on purpose.
 * No message text of the library contains it.
 */
#define CANARY_MARK "CANARY"
/* Bytes of a secret around the marker that a leak must contain, so that a value cut short by
 * quoting (128 bytes) is still found. */
#define CANARY_BEFORE 8u
#define CANARY_LEN 40u
#define CANARY_MAX 8

/* The endpoints appear only in messages: nothing here sends a request. */
#define IMDS_ENDPOINT "fuzz://imds.invalid/metadata/identity/oauth2/token"
#define APP_SERVICE_ENDPOINT "fuzz://127.0.0.1:41000/msi/token"
#define DEVICE_CODE_URL "fuzz://login.invalid/" FUZZ_TENANT "/oauth2/v2.0/devicecode"
#define OIDC_URL "fuzz://ci.invalid/oidc/token"
#define SCOPE "https://graph.microsoft.com/.default"
#define RESOURCE "https://graph.microsoft.com"
#define MI_RESOURCE_ID                                                                          \
    "/subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/fuzz/providers/"      \
    "Microsoft.ManagedIdentity/userAssignedIdentities/fuzz"
/* IDENTITY_HEADER is a secret too: it must not appear in any message either. */
#define IDENTITY_HEADER "fuzz-identity-header-CANARY-7f3a9c"

enum reply_kind { KIND_IMDS, KIND_APP_SERVICE, KIND_DEVICE_CODE, KIND_OIDC, KIND_COUNT };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The secret values of the current input that no message may contain. */
static struct {
    char needles[CANARY_MAX][CANARY_LEN + 1];
    size_t count;
} canaries;

/* Abort when @p text contains a secret of the current input. */
static void check_no_canary(const char *text, const char *where)
{
    if (text == NULL)
        return;
    for (size_t i = 0; i < canaries.count; i++) {
        if (strstr(text, canaries.needles[i]) != NULL) {
            fprintf(stderr, "fuzz: secret '%s' appears in %s '%s'\n", canaries.needles[i], where,
                    text);
            abort();
        }
    }
}

static void check_log(int level, const char *component, const char *message, void *payload)
{
    (void)level;
    (void)component;
    (void)payload;
    check_no_canary(message, "log line");
}

/* Nonzero when @p needle occurs in a key or string of @p node other than @p skip. */
static int occurs_elsewhere(const json_t *node, const json_t *skip, const char *needle)
{
    const char *key;
    json_t *child;
    size_t i;

    if (node == skip)
        return 0;
    if (json_is_string(node))
        return strstr(json_string_value(node), needle) != NULL;
    if (json_is_object(node)) {
        json_object_foreach((json_t *)node, key, child) {
            if (strstr(key, needle) != NULL || occurs_elsewhere(child, skip, needle))
                return 1;
        }
    }
    if (json_is_array(node)) {
        json_array_foreach(node, i, child) {
            if (occurs_elsewhere(child, skip, needle))
                return 1;
        }
    }
    return 0;
}

/*
 * Record the secret members of the body (tokens, the device code, the OIDC "value") that
 * contain CANARY_MARK, and the identity header. A value that also occurs in another member is
 * skipped, because messages quote error codes and descriptions on purpose.
 */
static void collect_canaries(const uint8_t *body, size_t len)
{
    static const char *const secret_keys[] = {"access_token", "refresh_token", "id_token",
                                              "device_code", "value"};
    json_t *root = NULL;

    canaries.count = 0;
    if (m365id__json_parse(&root, (const char *)body, len, NULL, 0) < 0)
        root = NULL;

    /* The identity header is checked only when no member of the body contains it. */
    if (root == NULL || !occurs_elsewhere(root, NULL, IDENTITY_HEADER)) {
        snprintf(canaries.needles[0], sizeof(canaries.needles[0]), "%s", IDENTITY_HEADER);
        canaries.count = 1;
    }
    if (root == NULL)
        return;
    for (size_t k = 0; k < sizeof(secret_keys) / sizeof(secret_keys[0]); k++) {
        json_t *member = json_is_object(root) ? json_object_get(root, secret_keys[k]) : NULL;
        const char *value;
        const char *mark;
        size_t start;
        size_t n;
        char *needle;

        if (!json_is_string(member) || canaries.count == CANARY_MAX)
            continue;
        value = json_string_value(member);
        if ((mark = strstr(value, CANARY_MARK)) == NULL)
            continue;
        start = (size_t)(mark - value) > CANARY_BEFORE ? (size_t)(mark - value) - CANARY_BEFORE
                                                       : 0;
        n = strnlen(value + start, CANARY_LEN);
        needle = canaries.needles[canaries.count];
        memcpy(needle, value + start, n);
        needle[n] = '\0';
        if (!occurs_elsewhere(root, member, needle))
            canaries.count++;
    }
    json_decref(root);
}

/* Abort unless a failure left its code and a message, and no secret in either. */
static void check_failure(const m365id_ctx *ctx, int rc)
{
    const m365id_error *err = m365id_last_error(ctx);

    if (rc >= 0)
        return;
    if (err == NULL || err->code != rc || err->message == NULL || err->message[0] == '\0' ||
        strcmp(err->message, "no error") == 0) {
        fprintf(stderr, "fuzz: failure %d left no error message\n", rc);
        abort();
    }
    check_no_canary(err->message, "error message");
    check_no_canary(err->hint, "error hint");
    check_no_canary(err->upstream, "error upstream");
}

/* A context for a user-assigned managed identity named by its resource id. */
static m365id_ctx *user_assigned_ctx(void)
{
    m365id_ctx *ctx = m365id_ctx_new();

    if (ctx == NULL)
        abort();
    m365id_ctx_set_getenv(ctx, fuzz_getenv, NULL);
    if (m365id_ctx_set(ctx, "auth_method", "managed_identity", NULL) < 0 ||
        m365id_ctx_set(ctx, "tenant_id", FUZZ_TENANT, NULL) < 0 ||
        m365id_ctx_set(ctx, "entra_id_options.client_id", FUZZ_CLIENT, NULL) < 0 ||
        m365id_ctx_set(ctx, "entra_id_options.managed_identity_id", MI_RESOURCE_ID, NULL) < 0 ||
        m365id_ctx_set(ctx, "client_options.max_retries", "0", NULL) < 0 ||
        m365id_ctx_configure(ctx) < 0) {
        fprintf(stderr, "fuzz: cannot configure the context: %s\n",
                m365id_last_error(ctx)->message);
        abort();
    }
    ctx->now_s = fuzz_clock;
    return ctx;
}

/* The managed-identity reply as m365id__mi_fetch() reads it on its last attempt. */
static void read_mi(m365id_ctx *ctx, const struct mi_source *src,
                    const struct m365id__http_response *resp)
{
    struct m365id__sts_token tok = M365ID__STS_TOKEN_INIT;
    int rc;

    tok.issued_at_s = FUZZ_NOW_S;
    if (resp->status == 200) {
        rc = m365id__mi_token_parse(&tok, ctx, src, resp);
        if (rc == 0 && (tok.access_token == NULL || tok.access_token->len == 0 ||
                        tok.expires_in_s <= 0))
            abort();
        if (rc < 0)
            (void)m365id__mi_body_is_not_json(resp);
    } else {
        rc = m365id__mi_fail_reply(ctx, src, resp, RESOURCE,
                                   m365id__mi_status_is_transient(src, resp->status));
        if (rc >= 0)
            abort();
    }
    check_failure(ctx, rc);
    m365id__sts_token_clear(&tok);
}

static void read_device_code(m365id_ctx *ctx, const struct m365id__http_response *resp)
{
    struct dc_grant g = DC_GRANT_INIT;
    int rc = m365id__device_code_read_grant(&g, ctx, resp, DEVICE_CODE_URL, SCOPE);

    if (rc == 0) {
        /* The contract in device_code_internal.h: codes present, lifetimes within bounds. */
        if (resp->status != 200 || g.device_code == NULL || g.device_code->len == 0 ||
            g.user_code == NULL || g.user_code[0] == '\0' || g.verification_uri == NULL ||
            g.expires_in_s < 1 || g.expires_in_s > 3600 || g.interval_s < 1 ||
            g.interval_s > 60)
            abort();
    }
    check_failure(ctx, rc);
    m365id__device_grant_clear(&g);
}

static void read_oidc(m365id_ctx *ctx, const struct m365id__http_response *resp, int retried)
{
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    int rc = m365id__oidc_reply_read(&a, ctx, resp, OIDC_URL, retried ? " after 3 attempts" : "",
                                     retried ? 120 : 0);

    if (rc == 0 && (a.jwt == NULL || a.jwt->len == 0 || a.claims == NULL))
        abort();
    check_failure(ctx, rc);
    m365id__assertion_clear(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long statuses[] = {200, 400, 401, 404, 429, 500, 503};
    static m365id_ctx *system_ctx;
    static m365id_ctx *user_ctx;
    static struct mi_source imds;
    static struct mi_source app_service;
    struct m365id__http_response resp = M365ID__HTTP_RESPONSE_INIT;
    m365id_ctx *ctx;
    enum reply_kind kind;
    int variant;

    if (system_ctx == NULL) {
        if ((system_ctx = fuzz_ctx_new("/nonexistent/token")) == NULL)
            abort();
        user_ctx = user_assigned_ctx();
        m365id_ctx_set_log(system_ctx, M365ID_LOG_TRACE, check_log, NULL);
        m365id_ctx_set_log(user_ctx, M365ID_LOG_TRACE, check_log, NULL);

        imds.name = "IMDS";
        imds.from = "AZURE_POD_IDENTITY_AUTHORITY_HOST";
        snprintf(imds.endpoint, sizeof(imds.endpoint), "%s", IMDS_ENDPOINT);
        app_service.app_service = 1;
        app_service.name = "App Service";
        app_service.from = "IDENTITY_ENDPOINT";
        app_service.header = IDENTITY_HEADER;
        snprintf(app_service.endpoint, sizeof(app_service.endpoint), "%s",
                 APP_SERVICE_ENDPOINT);
    }
    if (size == 0)
        return 0;

    /* Bits 0-1 pick the peer and bits 2-6 the status. Bit 7 selects the user-assigned
     * identity and a reply without a content type, and for OIDC a reply after retries. */
    kind = (enum reply_kind)(data[0] % KIND_COUNT);
    resp.status = statuses[((data[0] >> 2) & 0x1f) % (sizeof(statuses) / sizeof(statuses[0]))];
    variant = (data[0] & 0x80) != 0;
    ctx = variant ? user_ctx : system_ctx;
    data++;
    size--;

    resp.body.max = M365ID_STS_REPLY_MAX;
    if (m365id__buf_put(&resp.body, data, size) < 0)
        goto out;
    if (!variant && (resp.content_type = strdup("application/json; charset=utf-8")) == NULL)
        abort();

    collect_canaries(data, size);
    m365id__error_reset(ctx);

    switch (kind) {
    case KIND_IMDS:
        read_mi(ctx, &imds, &resp);
        break;
    case KIND_APP_SERVICE:
        read_mi(ctx, &app_service, &resp);
        break;
    case KIND_DEVICE_CODE:
        read_device_code(ctx, &resp);
        break;
    default:
        read_oidc(ctx, &resp, variant);
        break;
    }

out:
    canaries.count = 0;
    m365id__http_response_clear(&resp);
    return 0;
}
