/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Choosing the client credential for the configured auth method, the client secret and the
 * Azure DevOps token themselves, and the checks every assertion passes before it is sent.
 * Token files, certificates and OIDC endpoints have their own files in this folder.
 */
#include "lib/cred/credential.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lib/core/ctx_internal.h"
#include "lib/cred/client_certificate.h"
#include "lib/cred/oidc_request.h"
#include "lib/token/clock.h"
#include "util/json.h"
#include "util/jwt.h"
#include "util/limits.h"
#include "util/quote.h"
#include "util/strutil.h"
#include "util/timeutil.h"

#define ENV_ADO_TOKEN "AZURE_DEVOPS_FEDERATION_TOKEN"

#define HINT_FEDERATED                                                                          \
    "the kubelet renews the projected token long before it expires: check that the token file " \
    "is the pod's projected service-account token volume and not a copy"
#define HINT_OIDC_FILE                                                                          \
    "point entra_id_options.oidc_token_file_path (M365_OIDC_TOKEN_FILE_PATH) at a file that "  \
    "contains the CI system's current OIDC token, a JWT, and renew the file before the token "    \
    "expires"
#define HINT_ADO                                                                                \
    "the token in " ENV_ADO_TOKEN " lives as long as the pipeline job's token; run m365id "    \
    "earlier in the job, or request a fresh token (for example in a new AzureCLI@2 task with " \
    "addSpnToEnvironment: true) and set " ENV_ADO_TOKEN " again"

/*
 * Limit of the claim times the lifetime check works with: about 285 million years either side
 * of 1970. A claim beyond it is cut to it, so that the differences below cannot overflow and
 * gmtime_r() can still format the date in the message.
 */
#define CLAIM_TIME_LIMIT_S 9000000000000000LL

static long long claim_time_clamp(long long t)
{
    if (t > CLAIM_TIME_LIMIT_S)
        return CLAIM_TIME_LIMIT_S;
    if (t < -CLAIM_TIME_LIMIT_S)
        return -CLAIM_TIME_LIMIT_S;
    return t;
}

void m365id__credential_clear(struct m365id__credential *c)
{
    if (c == NULL)
        return;
    m365id__secret_free(c->client_secret);
    m365id__assertion_clear(&c->assertion);
    memset(c, 0, sizeof(*c));
}

int m365id__assertion_check_lifetime(m365id_ctx *ctx, const struct m365id__assertion *a,
                                     const char *what, const char *hint)
{
    long long now = m365id__clock_now_s(ctx);
    long long min_s = M365ID__ASSERTION_MIN_LIFETIME_S;
    long long exp = 0;
    long long iat = 0;
    int has_iat;
    double exp_real = 0;
    char t_exp[40];
    char t_now[40];

    if (m365id__json_get_int(&exp, a->claims, "exp") != M365ID__JSON_OK) {
        if (m365id__json_get_number(&exp_real, a->claims, "exp") != M365ID__JSON_OK) {
            return m365id__fail(ctx, M365ID_ETOKENFILE, hint,
                                "%s has no numeric 'exp' claim", what);
        }
        /* A double beyond the range of long long must not reach the cast. */
        if (exp_real > (double)CLAIM_TIME_LIMIT_S)
            exp = CLAIM_TIME_LIMIT_S;
        else if (exp_real < -(double)CLAIM_TIME_LIMIT_S)
            exp = -CLAIM_TIME_LIMIT_S;
        else
            exp = (long long)exp_real;
    }
    exp = claim_time_clamp(exp);
    /* A token that lives under 100 s (test setups; Kubernetes' minimum is 600 s) is replaced
     * late in its life, so only its last tenth counts as too short. */
    has_iat = m365id__json_get_int(&iat, a->claims, "iat") == M365ID__JSON_OK;
    iat = claim_time_clamp(iat);
    if (has_iat && exp > iat && exp - iat < 10 * min_s)
        min_s = (exp - iat) / 10;
    if (exp - now >= min_s && exp > now)
        return 0;

    m365id__format_rfc3339(t_exp, sizeof(t_exp), exp);
    m365id__format_rfc3339(t_now, sizeof(t_now), now);
    if (exp <= now) {
        return m365id__fail(ctx, M365ID_ETOKENFILE, hint,
                            "%s expired at %s (now %s); Entra ID would reject it with "
                            "AADSTS700024",
                            what, t_exp, t_now);
    }
    return m365id__fail(ctx, M365ID_ETOKENFILE, hint,
                        "%s expires at %s, in %lld s (now %s): too soon to be sent, since "
                        "Entra ID would likely receive it expired (AADSTS700024)",
                        what, t_exp, exp - now, t_now);
}

int m365id__assertion_from_jwt(struct m365id__assertion *out, m365id_ctx *ctx, const char *jwt,
                               size_t len, const char *what, const char *hint)
{
    struct m365id__assertion a = M365ID__ASSERTION_INIT;
    struct m365id__jwt parsed = M365ID__JWT_INIT;
    enum m365id__jwt_fault fault = M365ID__JWT_OK;
    const char *tok;
    size_t tok_len;
    int rc;

    tok = m365id__trim(jwt, len, &tok_len);
    if (tok_len == 0) {
        rc = m365id__fail(ctx, M365ID_ETOKENFILE, hint, "%s is empty", what);
        goto out;
    }
    if (tok_len > M365ID_TOKEN_FILE_MAX) {
        rc = m365id__fail(ctx, M365ID_ETOKENFILE, hint,
                          "%s is %zu bytes, more than the %u allowed", what, tok_len,
                          M365ID_TOKEN_FILE_MAX);
        goto out;
    }
    for (size_t i = 0; i < tok_len; i++) {
        if (isspace((unsigned char)tok[i]) || iscntrl((unsigned char)tok[i])) {
            rc = m365id__fail(ctx, M365ID_ETOKENFILE, hint,
                              "%s contains whitespace or control characters (%zu bytes)", what,
                              tok_len);
            goto out;
        }
    }
    if (m365id__jwt_parse(&parsed, tok, tok_len, &fault) < 0) {
        rc = m365id__fail(ctx, fault == M365ID__JWT_OK ? M365ID_ENOMEM : M365ID_ETOKENFILE,
                          hint, "%s is not a JWT: %s (%zu bytes)", what,
                          m365id__jwt_fault_text(fault), tok_len);
        goto out;
    }
    if (m365id__secret_new(&a.jwt, tok, tok_len) < 0) {
        rc = m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory keeping the assertion");
        goto out;
    }
    a.claims = json_incref(parsed.payload);
    a.header = json_incref(parsed.header);
    m365id_fingerprint(a.fingerprint, sizeof(a.fingerprint), a.jwt->data, a.jwt->len);
    if ((rc = m365id__assertion_check_lifetime(ctx, &a, what, hint)) < 0)
        goto out;

    *out = a;
    memset(&a, 0, sizeof(a));
    rc = 0;

out:
    m365id__jwt_clear(&parsed);
    m365id__assertion_clear(&a);
    return rc;
}

/* The federated or OIDC token file, with the lifetime check the file reader leaves out. */
static int from_token_file(struct m365id__credential *c, m365id_ctx *ctx, int oidc)
{
    struct m365id__quoted qpath;
    char what[640];
    int rc;

    if (!oidc) {
        rc = m365id__token_file_read(&c->assertion, ctx);
    } else {
        rc = m365id__token_file_read_from(&c->assertion, ctx, M365ID__KEY_OIDC_TOKEN_FILE,
                                          M365ID__KEY_OIDC_AUDIENCE, "OIDC token file");
        /* The reader's hints name the Kubernetes settings; give the OIDC ones instead. */
        if (rc < 0 && rc != M365ID_ENOMEM)
            rc = m365id__fail(ctx, rc, HINT_OIDC_FILE, "%s", ctx->err.message);
    }
    if (rc < 0)
        return rc;

    m365id__quote(&qpath, m365id__cfg(ctx, oidc ? M365ID__KEY_OIDC_TOKEN_FILE
                                                : M365ID__KEY_TOKEN_FILE));
    snprintf(what, sizeof(what), "the token in %s '%s'",
             oidc ? "OIDC token file" : "federated token file", qpath.text);
    return m365id__assertion_check_lifetime(ctx, &c->assertion, what,
                                            oidc ? HINT_OIDC_FILE : HINT_FEDERATED);
}

/*
 * The Azure DevOps federation token from the environment. NOTE: the variable is read when a
 * token is needed, as often as the cache requests, so a process that renews it is followed; the
 * provider reads it once at configure time, and the CLI sees the same value either way.
 */
static int from_azure_devops(struct m365id__credential *c, m365id_ctx *ctx)
{
    const char *token = m365id__getenv(ctx, ENV_ADO_TOKEN);

    if (token == NULL || token[0] == '\0') {
        return m365id__fail(ctx, M365ID_ECONFIG,
                            "set " ENV_ADO_TOKEN " to the pipeline's OIDC token for the "
                            "service connection",
                            "auth method 'oidc_azure_devops' needs " ENV_ADO_TOKEN
                            ", which is %s",
                            token == NULL ? "not set" : "set but empty");
    }
    return m365id__assertion_from_jwt(&c->assertion, ctx, token, strlen(token),
                                      "the token in " ENV_ADO_TOKEN, HINT_ADO);
}

/*
 * NOTE: additionally_allowed_tenants is not consulted here: every request goes to the tenant
 * of tenant_id, and no API requests a token in another tenant, so there is nothing to allow.
 */
int m365id__credential_get(struct m365id__credential *out, m365id_ctx *ctx)
{
    struct m365id__credential c = M365ID__CREDENTIAL_INIT;
    const char *secret;
    int rc;

    switch (ctx->cfg.auth_method) {
    case M365ID__AUTH_CLIENT_SECRET:
        c.source = "client secret";
        secret = m365id__cfg(ctx, M365ID__KEY_CLIENT_SECRET);
        if (secret == NULL || secret[0] == '\0') {
            rc = m365id__fail(ctx, M365ID_ECONFIG,
                              "set entra_id_options.client_secret or M365_CLIENT_SECRET",
                              "client secret is not set");
            goto out;
        }
        if (m365id__secret_new(&c.client_secret, secret, strlen(secret)) < 0) {
            rc = m365id__fail(ctx, M365ID_ENOMEM, NULL, "out of memory copying the secret");
            goto out;
        }
        /* Low-entropy secrets get no fingerprint: only the length is logged. */
        mlog_debug(&ctx->logger, "cred", "using the client secret (%zu bytes) from %s",
                   c.client_secret->len, m365id__cfg_source(ctx, M365ID__KEY_CLIENT_SECRET));
        break;
    case M365ID__AUTH_CLIENT_CERTIFICATE:
        c.source = "certificate";
        if ((rc = m365id__client_cert_assertion(&c.assertion, ctx)) < 0)
            goto out;
        break;
    case M365ID__AUTH_OIDC:
        c.source = "OIDC token";
        if (m365id__cfg(ctx, M365ID__KEY_OIDC_TOKEN_FILE) != NULL)
            rc = from_token_file(&c, ctx, 1);
        else
            rc = m365id__oidc_request(&c.assertion, ctx, 0);
        if (rc < 0)
            goto out;
        break;
    case M365ID__AUTH_OIDC_GITHUB:
        c.source = "GitHub Actions OIDC token";
        if ((rc = m365id__oidc_request(&c.assertion, ctx, 1)) < 0)
            goto out;
        break;
    case M365ID__AUTH_OIDC_AZURE_DEVOPS:
        c.source = "Azure DevOps federation token";
        if ((rc = from_azure_devops(&c, ctx)) < 0)
            goto out;
        break;
    case M365ID__AUTH_WORKLOAD_IDENTITY:
        c.source = "federated token file";
        if ((rc = from_token_file(&c, ctx, 0)) < 0)
            goto out;
        break;
    default:
        rc = m365id__fail(ctx, M365ID_ECONFIG, NULL,
                          "auth method %d has no client credential for the token endpoint",
                          (int)ctx->cfg.auth_method);
        goto out;
    }

    *out = c;
    memset(&c, 0, sizeof(c));
    rc = 0;

out:
    m365id__credential_clear(&c);
    return rc;
}
