#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The --cache key includes a fingerprint of the credential: a wrong client secret does not get
# the token obtained with the right one, a changed federated token file path gets its own
# token, and the cache file contains the fingerprint, never the secret.
. "$(dirname "$0")/common.sh" "$@"

secret='Qx8~m365id.cache-key-secret.value.0123456'
t_scenario ".tenants[0].applications[0].client_secrets = [{\"value\": \"$secret\"}]"
t_start
t_secret "$secret"

export XDG_RUNTIME_DIR=$T_DIR/xdg
mkdir -m 700 "$XDG_RUNTIME_DIR"
cache_file=$XDG_RUNTIME_DIR/m365id/tokens.json

export M365_AUTH_METHOD=client_secret M365_TENANT_ID=$T_TENANT M365_CLIENT_ID=$T_CLIENT
AZURE_AUTHORITY_HOST=$(t_info clouds.public.authority_host)
M365_GRAPH_ENDPOINT=$(t_info clouds.public.graph_endpoint)
export AZURE_AUTHORITY_HOST M365_GRAPH_ENDPOINT M365_CA_BUNDLE=$T_CA

export M365_CLIENT_SECRET=$secret
t_run token --cache -o json
t_expect_rc 0 "token --cache with the right secret"
t_secret "$(jq -r .access_token "$T_DIR/out")"
[ "$(jq -r .assertion "$T_DIR/out")" = null ] || t_fail "client_secret shows an assertion"
t_run token --cache -o json
t_expect_rc 0 "second token --cache"
[ "$(jq -r .cached "$T_DIR/out")" = true ] || t_fail "the same secret did not reuse the token"

grep -qF "$secret" "$cache_file" && t_fail "the cache file contains the client secret"
jq -e '.entries[0].key.credential | test("^sha256:[0-9a-f]{16}$")' "$cache_file" >/dev/null \
    || t_fail "the cache key has no credential fingerprint"

# A wrong secret is sent to Entra ID, which rejects it, instead of reusing the cached token.
before=$(t_stats .token_requests)
M365_CLIENT_SECRET='Wr0ng~m365id.cache-key-secret.value.000' t_run token --cache
t_expect_rc 4 "token --cache with a wrong secret"
t_expect_err "AADSTS7000215"
[ "$(t_stats .token_requests)" = "$((before + 1))" ] || t_fail "the wrong secret sent no request"
[ ! -s "$T_DIR/out" ] || t_fail "a wrong secret printed a token"

# The right secret still finds its entry.
t_run token --cache -o json
t_expect_rc 0 "token --cache with the right secret again"
[ "$(jq -r .cached "$T_DIR/out")" = true ] || t_fail "the right secret lost its cached token"

# Workload identity: another token file path is another credential.
t_pod_env
export M365_AUTH_METHOD=workload_identity
unset M365_CLIENT_SECRET
t_run token --cache -o json
t_expect_rc 0 "workload identity token --cache"
t_secret "$(jq -r .access_token "$T_DIR/out")"
copy=$T_DIR/token-copy
cp "$AZURE_FEDERATED_TOKEN_FILE" "$copy"
AZURE_FEDERATED_TOKEN_FILE=$copy t_run token --cache -o json
t_expect_rc 0 "token --cache with another token file"
[ "$(jq -r .cached "$T_DIR/out")" = false ] || t_fail "another token file reused the token"

t_no_secrets
t_pass
