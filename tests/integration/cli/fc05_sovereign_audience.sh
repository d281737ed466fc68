#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# A US Government tenant whose federated credential expects api://AzureADTokenExchangeUSGov,
# while the pod's token carries the public audience. With cloud gcchigh the client notices
# before sending (exit 3); when M365_FEDERATED_TOKEN_AUDIENCE forces the public audience, the
# emulator returns AADSTS700212 (exit 4). A token with the cloud's audience works.
. "$(dirname "$0")/common.sh" "$@"

t_scenario '
  .tenants[0].cloud = "usgov"
  | .tenants[0].applications[0].federated_credentials[0].audiences = ["api://AzureADTokenExchangeUSGov"]
  | .workloads += [.workloads[0] | .name = "usgov-audience"
                   | .audience = "api://AzureADTokenExchangeUSGov"]'
t_start
t_pod_env terraform-apply usgov
export M365_RETRY_DELAY_SECONDS=0
usgov_authority=$(t_info clouds.usgov.authority_host)
usgov_graph=$(t_info clouds.usgov.graph_endpoint)
gov=(--cloud gcchigh --authority-host "$usgov_authority" --graph-endpoint "$usgov_graph")

# The client compares the token's aud with the cloud's audience before any request.
t_run "${gov[@]}" token
t_expect_rc 3 "public audience in a gcchigh token file"
t_expect_err "holds a token for audience 'api://AzureADTokenExchange', but the expected audience is 'api://AzureADTokenExchangeUSGov' (from default for cloud 'gcchigh')" \
    "M365_FEDERATED_TOKEN_AUDIENCE"
[ "$(t_stats .token_requests)" -eq 0 ] || t_fail "a token request was sent despite the mismatch"

# Forcing the public audience sends the token, and the emulator rejects it with 700212.
M365_FEDERATED_TOKEN_AUDIENCE=api://AzureADTokenExchange t_run "${gov[@]}" token
t_expect_rc 4 "public audience sent to a usgov credential"
t_expect_err "AADSTS700212" "m365id: entra: AADSTS700212 invalid_client" \
    "the token's aud is 'api://AzureADTokenExchange'" \
    "cloud 'gcchigh'" "'api://AzureADTokenExchangeUSGov'" \
    "presented assertion audience 'api://AzureADTokenExchange'"
# One request and two retries, because a mismatch may be a credential still propagating.
[ "$(t_stats '.errors["700212"]')" -eq 3 ] || t_fail "the emulator did not count three 700212"

# The token projected with the cloud's audience is accepted, and Graph replies in that cloud.
t_pod_env usgov-audience usgov
t_run "${gov[@]}" token -o json
t_expect_rc 0 "usgov audience"
[ "$(jq -r .claims.aud "$T_DIR/out")" = https://graph.microsoft.us ] || t_fail "claims.aud is not graph.microsoft.us"
[ "$(jq -r .scope "$T_DIR/out")" = https://graph.microsoft.us/.default ] || t_fail "scope is not the gcchigh default"
t_run "${gov[@]}" graph GET /v1.0/organization
t_expect_rc 0 "usgov graph"
[ "$(jq -r '.value[0].displayName' "$T_DIR/out")" = Contoso ] || t_fail "organization is not Contoso"
t_pass
