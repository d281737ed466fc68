/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Test helper for fc28_several_identities.sh: two contexts with different client ids share one
 * m365id_cache and the same federated token file. It prints one line per acquisition with the
 * client id, the token's appid claim, whether it came from the cache and its fingerprint. The
 * token itself is never printed. The settings other than the client id come from the
 * environment.
 *
 * Usage: fc28_two_clients CLIENT_ID CLIENT_ID_B
 */
#include <stdio.h>
#include <string.h>

#include "m365id/m365id.h"
#include "util/jwt.h"

/* Acquire once on @p ctx and print "client=... appid=... cached=N fp=sha256:..."; return 0. */
static int acquire_and_print(m365id_ctx *ctx, const char *client_id)
{
    struct m365id__jwt jwt = M365ID__JWT_INIT;
    char fp[M365ID_FINGERPRINT_SIZE];
    m365id_token *token = NULL;
    const char *value;
    const char *appid = NULL;
    int rc;

    if ((rc = m365id_token_acquire(&token, ctx, NULL)) < 0) {
        fprintf(stderr, "fc28_two_clients: acquiring for '%s' failed: %s\n", client_id,
                m365id_last_error(ctx)->message);
        return 1;
    }
    value = m365id_token_value(token);
    m365id_fingerprint(fp, sizeof(fp), value, strlen(value));
    if (m365id__jwt_parse(&jwt, value, strlen(value), NULL) == 0)
        appid = json_string_value(json_object_get(jwt.payload, "appid"));
    printf("client=%s appid=%s cached=%d fp=%s\n", client_id, appid != NULL ? appid : "none",
           m365id_token_is_cached(token) ? 1 : 0, fp);
    m365id__jwt_clear(&jwt);
    m365id_token_free(token);
    return 0;
}

/* Create a context for @p client_id that stores its tokens in @p cache. */
static m365id_ctx *context_for(const char *client_id, m365id_cache *cache)
{
    m365id_ctx *ctx = m365id_ctx_new();

    if (ctx == NULL)
        return NULL;
    m365id_ctx_set_cache(ctx, cache);
    if (m365id_ctx_set(ctx, "entra_id_options.client_id", client_id, "test argument") < 0 ||
        m365id_ctx_configure(ctx) < 0) {
        fprintf(stderr, "fc28_two_clients: configuring '%s' failed: %s\n", client_id,
                m365id_last_error(ctx)->message);
        m365id_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

int main(int argc, char **argv)
{
    m365id_cache *cache = NULL;
    m365id_ctx *a = NULL;
    m365id_ctx *b = NULL;
    int status = 1;

    if (argc != 3) {
        fprintf(stderr, "usage: fc28_two_clients CLIENT_ID CLIENT_ID_B\n");
        return 2;
    }
    cache = m365id_cache_new();
    if (cache == NULL)
        goto out;
    if ((a = context_for(argv[1], cache)) == NULL || (b = context_for(argv[2], cache)) == NULL)
        goto out;

    /* Each client twice, interleaved: the second round must come from the shared cache. */
    if (acquire_and_print(a, argv[1]) != 0 || acquire_and_print(b, argv[2]) != 0 ||
        acquire_and_print(a, argv[1]) != 0 || acquire_and_print(b, argv[2]) != 0)
        goto out;
    status = 0;

out:
    /* The contexts borrow the cache, so they go first. */
    m365id_ctx_free(a);
    m365id_ctx_free(b);
    m365id_cache_free(cache);
    return status;
}
