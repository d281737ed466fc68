#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# A working setup against the emulator: every check passes, except the issuer check, which
# warns because the emulator's issuer is on a loopback host. Exit status 0, in text and JSON.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env

d_run --require-role User.Read.All
t_expect_rc 0 "good setup"
jq -e '.ok == true and .summary.fail == 0' "$T_DIR/out" >/dev/null || t_fail "ok is not true"
d_expect config pass
d_expect token-file pass
d_expect issuer warn
d_expect_finding issuer warn "Entra ID cannot reach a loopback issuer; fine only with a local emulator"
d_expect_finding issuer pass "the discovery document's issuer equals the token's iss"
d_expect_finding issuer pass "the JWKS holds the token's signing key"
d_expect_text issuer "reachable from here does not mean reachable from Entra ID"
d_expect exchange pass
d_expect permissions pass
d_expect network pass
jq -e '.checks[] | select(.id == "network") | .required == false' "$T_DIR/out" >/dev/null \
    || t_fail "the network check is marked required"
d_expect_text config "client id: $T_CLIENT (env AZURE_CLIENT_ID)" \
    "token audience: api://AzureADTokenExchange (default for cloud 'public')"
d_expect_text token-file "sub: system:serviceaccount:terraform-m365:terraform-m365-sa" \
    "aud: api://AzureADTokenExchange" "kubelet rotates: " "lifetime: 3600s (1h)"
d_expect_text permissions "roles: Organization.Read.All, User.Read.All"
[ "$(t_stats .tokens_issued)" -ge 1 ] || t_fail "no token was issued"

# The text report: one line per check and a summary.
t_run doctor
t_expect_rc 0 "good setup, text"
t_expect_out "[PASS] config: " "[PASS] token-file: " "[WARN] issuer: " "[PASS] exchange: " \
    "summary: " "every required check passed or warned"

# --offline sends nothing: the exchange and permissions are skipped, the exit status is 0.
before=$(t_stats .token_requests)
d_run --offline
t_expect_rc 0 "good setup, offline"
d_expect exchange skip
d_expect permissions skip
[ "$(t_stats .token_requests)" -eq "$before" ] || t_fail "--offline sent a token request"

# Usage errors exit 1.
t_run doctor --output yaml
t_expect_rc 1 "unknown output format"
t_run doctor extra-argument
t_expect_rc 1 "unexpected argument"
d_no_jwt_anywhere
t_pass
