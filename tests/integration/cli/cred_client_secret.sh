#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Auth method client_secret against the emulator: the secret's value gets a token and reads
# Graph; the secret's id instead of its value fails with AADSTS7000215 and exit status 4; an
# expired secret fails with AADSTS7000222. No run prints the secret.
. "$(dirname "$0")/common.sh" "$@"

secret='Qx8~m365id.client-secret.value.0123456789'
old_secret='Zy3~m365id.expired-secret.value.98765432'
secret_id=aaaaaaaa-0000-4000-8000-000000000001
t_scenario ".tenants[0].applications[0].client_secrets = [
    {\"id\": \"$secret_id\", \"value\": \"$secret\"},
    {\"value\": \"$old_secret\", \"expires\": \"2020-01-01T00:00:00Z\"}]"
t_start
t_secret "$secret"
t_secret "$old_secret"

export M365_AUTH_METHOD=client_secret M365_TENANT_ID=$T_TENANT M365_CLIENT_ID=$T_CLIENT
AZURE_AUTHORITY_HOST=$(t_info clouds.public.authority_host)
M365_GRAPH_ENDPOINT=$(t_info clouds.public.graph_endpoint)
export AZURE_AUTHORITY_HOST M365_GRAPH_ENDPOINT M365_CA_BUNDLE=$T_CA

export M365_CLIENT_SECRET=$secret
t_run token -o json
t_expect_rc 0 "token with the secret's value"
[ "$(jq -r .claims.appid "$T_DIR/out")" = "$T_CLIENT" ] || t_fail "token is not for the client"
t_secret "$(jq -r .access_token "$T_DIR/out")"

t_run graph GET /v1.0/organization
t_expect_rc 0 "graph with the client secret"
[ "$(jq -r '.value[0].id' "$T_DIR/out")" = "$T_TENANT" ] || t_fail "organization is not the tenant"

# The portal's "Secret ID" column is not the secret.
export M365_CLIENT_SECRET=$secret_id
t_run token
t_expect_rc 4 "token with the secret's id"
t_expect_err "AADSTS7000215" "not its id"
t_expect_err "has the shape of a GUID" "secret's id rather than its value"
t_expect_no_err "$secret_id"

# Surrounding whitespace is kept and reported by its size, never with the secret.
export M365_CLIENT_SECRET=" $secret
"
t_run token
[ "$T_RC" -ne 0 ] || t_fail "a secret with surrounding whitespace was trimmed silently"
t_expect_err "has 2 bytes of surrounding whitespace (1 leading, 1 trailing)"
t_expect_no_err "$secret"

export M365_CLIENT_SECRET=$old_secret
t_run token
t_expect_rc 4 "token with an expired secret"
t_expect_err "AADSTS7000222" "create a new client secret"

t_pass
