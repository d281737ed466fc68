#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Entra ID cannot fetch the cluster issuer's discovery document (or its JWKS): AADSTS90061.
# The client retries it as possibly transient, then exits 4 with a hint that the issuer must be
# reachable from Entra ID. --retries on the command line wins over M365_MAX_RETRIES.
. "$(dirname "$0")/common.sh" "$@"

t_scenario '
  .clusters = [{name: "demo", issuer_trailing_slash: true, publish_discovery: false},
               {name: "nokeys", issuer_trailing_slash: true, publish_discovery: true,
                publish_jwks: false}]
  | .tenants[0].applications[0].federated_credentials += [
      .tenants[0].applications[0].federated_credentials[0]
      | .name = "nokeys" | .issuer = "${cluster:nokeys}"]
  | .workloads += [.workloads[0] | .name = "nokeys" | .cluster = "nokeys"]'
t_start
t_pod_env
export M365_MAX_RETRIES=1 M365_RETRY_DELAY_SECONDS=0
issuer=$(t_info clusters.demo.issuer)

# Discovery document missing: one attempt plus one retry.
t_run token
t_expect_rc 4 "discovery document missing"
t_expect_err "AADSTS90061" "m365id: entra: AADSTS90061 invalid_request" \
    "reachable from the pod does not mean reachable from Entra ID" \
    "the token's issuer is '$issuer'" "retry 1 of 1"
[ "$(t_stats .token_requests)" -eq 2 ] || t_fail "expected 2 token requests (1 retry)"

# --retries 0 beats M365_MAX_RETRIES=1: a single request.
t_run --retries 0 token
t_expect_rc 4 "discovery document missing, --retries 0"
t_expect_err "AADSTS90061"
t_expect_no_err "retry 1 of"
[ "$(t_stats .token_requests)" -eq 3 ] || t_fail "--retries 0 still retried"

# Discovery present but the JWKS missing: the same code.
t_pod_env nokeys
t_run token
t_expect_rc 4 "jwks missing"
t_expect_err "AADSTS90061" "the token's issuer is '$(t_info clusters.nokeys.issuer)'"

[ "$(t_stats .tokens_issued)" -eq 0 ] || t_fail "the emulator issued a token"
t_pass
