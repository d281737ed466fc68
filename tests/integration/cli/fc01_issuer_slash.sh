#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Issuer differs from the federated credential only by a trailing '/', in both directions:
# Entra ID (the emulator) compares exactly and returns AADSTS700211; the CLI exits 4 and names
# the presented issuer.
. "$(dirname "$0")/common.sh" "$@"

# Cluster "slash" issues ".../clusters/slash/" and app 2222 trusts it without the '/'. Cluster
# "noslash" issues ".../clusters/noslash" and app 3333 trusts it with a '/'.
t_scenario '
  .clusters = [{name: "slash", issuer_trailing_slash: true, publish_discovery: true},
               {name: "noslash", issuer_trailing_slash: false, publish_discovery: true}]
  | .tenants[0].applications[0].federated_credentials[0].issuer = "${base_url}/clusters/slash"
  | .tenants[0].applications += [.tenants[0].applications[0]
      | .app_id = "33333333-3333-3333-3333-333333333333" | .display_name = "second"
      | .federated_credentials[0].issuer = "${base_url}/clusters/noslash/"]
  | .workloads = [(.workloads[0] | .name = "w-slash" | .cluster = "slash"),
                  (.workloads[0] | .name = "w-noslash" | .cluster = "noslash"
                   | .client_id = "33333333-3333-3333-3333-333333333333")]'
t_start
export M365_RETRY_DELAY_SECONDS=0

# A: the token's issuer has the '/', the credential does not.
t_pod_env w-slash
presented=$(t_info clusters.slash.issuer)
[[ "$presented" == */ ]] || t_fail "cluster 'slash' issuer '$presented' has no trailing '/'"
t_run token
t_expect_rc 4 "slash in token only"
t_expect_err "m365id: error: Entra ID rejected the token request" "AADSTS700211" \
    "trailing '/' included: '$presented'" "m365id: entra: AADSTS700211 invalid_client trace=" \
    "presented assertion issuer '$presented'"
[ ! -s "$T_DIR/out" ] || t_fail "a failed token command printed to stdout"

# B: the credential has the '/', the token's issuer does not.
t_pod_env w-noslash
presented=$(t_info clusters.noslash.issuer)
[[ "$presented" != */ ]] || t_fail "cluster 'noslash' issuer '$presented' ends in '/'"
t_run token -o json
t_expect_rc 4 "slash in credential only"
t_expect_err "AADSTS700211" "trailing '/' included: '$presented'" "correlation=" \
    "presented assertion issuer '$presented'"
[ ! -s "$T_DIR/out" ] || t_fail "a failed token command printed to stdout"

[ "$(t_stats '.tokens_issued')" -eq 0 ] || t_fail "the emulator issued a token"
[ "$(t_stats '.errors["700211"]')" -ge 2 ] || t_fail "the emulator counted fewer than two 700211"
t_pass
