/*
 * SPDX-License-Identifier: Apache-2.0
 * Copyright (c) the m365id contributors
 *
 * Access tokens as Entra issues them (v1 claims, RS256 with the emulator's Entra key): app-only
 * tokens for applications and managed identities, and delegated tokens for a signed-in user.
 * Graph validation lives in graph.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu.h"
#include "m365id/error.h"
#include "util/crypto.h"
#include "util/json.h"
#include "util/timeutil.h"

/* Sign an access token with header {typ, alg, kid, x5t}, as Entra's v1 tokens carry. */
static int sign_access_token(char **out, const struct emu *e, const json_t *claims)
{
    json_t *header = json_pack("{s:s,s:s,s:s,s:s}", "typ", "JWT", "alg", "RS256", "x5t",
                               e->entra_kid, "kid", e->entra_kid);
    char *header_json = NULL;
    char *claims_json = NULL;
    char *h64 = NULL;
    char *p64 = NULL;
    char *s64 = NULL;
    char *input = NULL;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    size_t need;
    int rc = M365ID_ENOMEM;

    *out = NULL;
    if (header == NULL)
        goto out;
    header_json = m365id__json_dump(header);
    claims_json = m365id__json_dump(claims);
    if (header_json == NULL || claims_json == NULL)
        goto out;
    h64 = m365id__b64url_encode(header_json, strlen(header_json));
    p64 = m365id__b64url_encode(claims_json, strlen(claims_json));
    if (h64 == NULL || p64 == NULL)
        goto out;
    need = strlen(h64) + strlen(p64) + 2;
    input = malloc(need);
    if (input == NULL)
        goto out;
    snprintf(input, need, "%s.%s", h64, p64);
    if ((rc = m365id__rsa_sign_rs256(&sig, &sig_len, e->entra_key, input, strlen(input))) < 0)
        goto out;
    s64 = m365id__b64url_encode(sig, sig_len);
    if (s64 == NULL) {
        rc = M365ID_ENOMEM;
        goto out;
    }
    need = strlen(input) + strlen(s64) + 2;
    *out = malloc(need);
    if (*out == NULL) {
        rc = M365ID_ENOMEM;
        goto out;
    }
    snprintf(*out, need, "%s.%s", input, s64);
    rc = 0;

out:
    json_decref(header);
    free(header_json);
    free(claims_json);
    free(h64);
    free(p64);
    free(s64);
    free(input);
    free(sig);
    return rc;
}

int emu_access_token_sign(char **out, long long *exp_out, const struct emu *e,
                          const struct emu_token_subject *subject, const char *resource,
                          long long lifetime_s)
{
    long long now = m365id__now_s();
    char sts_iss[128];
    unsigned char uti_raw[16];
    char *uti = NULL;
    json_t *claims = NULL;
    json_t *roles = NULL;
    size_t i;
    int rc = M365ID_ENOMEM;

    *out = NULL;
    snprintf(sts_iss, sizeof(sts_iss), "https://sts.windows.net/%s/", subject->tenant->id);
    if (m365id__random(uti_raw, sizeof(uti_raw)) < 0 ||
        (uti = m365id__b64url_encode(uti_raw, sizeof(uti_raw))) == NULL)
        goto out;
    claims = json_pack("{s:s,s:s,s:I,s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "aud", resource, "iss",
                       sts_iss, "iat", (json_int_t)now, "nbf", (json_int_t)now, "exp",
                       (json_int_t)(now + lifetime_s), "app_displayname", subject->display_name,
                       "appid", subject->app_id, "appidacr", subject->appidacr, "idp", sts_iss,
                       "idtyp", subject->user != NULL ? "user" : "app", "oid",
                       subject->user != NULL ? subject->user->id : subject->object_id);
    if (claims == NULL)
        goto out;
    if (subject->user != NULL) {
        json_object_set_new(claims, "upn", json_string(subject->user->upn));
        json_object_set_new(claims, "unique_name", json_string(subject->user->upn));
        json_object_set_new(claims, "name", json_string(subject->user->display_name));
        json_object_set_new(claims, "amr", json_pack("[s]", "pwd"));
    }
    if (subject->scp != NULL)
        json_object_set_new(claims, "scp", json_string(subject->scp));
    /* Entra leaves "roles" out when the application has no permission. */
    if (subject->role_count > 0) {
        roles = json_array();
        if (roles == NULL)
            goto out;
        for (i = 0; i < subject->role_count; i++)
            json_array_append_new(roles, json_string(subject->roles[i]));
        json_object_set(claims, "roles", roles);
    }
    json_object_set_new(claims, "sub", json_string(subject->user != NULL ? subject->user->id
                                                                         : subject->object_id));
    json_object_set_new(claims, "tid", json_string(subject->tenant->id));
    json_object_set_new(claims, "uti", json_string(uti));
    json_object_set_new(claims, "ver", json_string("1.0"));
    if (subject->mirid != NULL)
        json_object_set_new(claims, "xms_mirid", json_string(subject->mirid));
    if ((rc = sign_access_token(out, e, claims)) < 0)
        goto out;
    if (exp_out != NULL)
        *exp_out = now + lifetime_s;

out:
    free(uti);
    json_decref(claims);
    json_decref(roles);
    return rc;
}
