#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# A US Government or China setup presenting the public audience api://AzureADTokenExchange
# (AADSTS700212): the token-file check compares the token's aud with the cloud's audience,
# one above the other, and says how to project the right one.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env

for pair in gcchigh:api://AzureADTokenExchangeUSGov china:api://AzureADTokenExchangeChina; do
    cloud=${pair%%:*} expected=${pair#*:}
    M365_CLOUD=$cloud d_run --offline
    t_expect_rc 8 "cloud $cloud with the public audience"
    d_expect token-file fail
    d_expect_finding token-file fail "not the one expected for cloud '$cloud'"
    d_expect_text token-file "AADSTS700212" "token aud: api://AzureADTokenExchange" \
        "expected: $expected (default for cloud '$cloud')" \
        "serviceAccountToken.audience to $expected"
done

# The text report puts the two audiences one above the other.
M365_CLOUD=gcchigh t_run doctor --offline
t_expect_rc 8 "text report"
grep -A1 -F "token aud: api://AzureADTokenExchange" "$T_DIR/out" \
    | grep -qF "expected:  api://AzureADTokenExchangeUSGov" \
    || t_fail "the audiences are not printed one above the other"

# A token projected with the US Government audience passes.
emu_mint demo terraform-m365 terraform-m365-sa api://AzureADTokenExchangeUSGov 3600 \
    >"$T_DIR/usgov-token"
t_secret "$(cat "$T_DIR/usgov-token")"
M365_CLOUD=gcchigh d_run --offline --token-file "$T_DIR/usgov-token"
d_expect token-file pass
d_expect_finding token-file pass "the token's audience is the one expected for cloud 'gcchigh'"

# An explicit audience setting is the expectation instead of the cloud's.
M365_FEDERATED_TOKEN_AUDIENCE=api://custom-audience d_run --offline
t_expect_rc 8 "explicit audience"
d_expect_text token-file "expected: api://custom-audience (env M365_FEDERATED_TOKEN_AUDIENCE)"
d_no_jwt_anywhere
t_pass
