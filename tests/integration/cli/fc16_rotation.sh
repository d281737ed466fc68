#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The projected token rotates every ~10 s (12 s lifetime, replaced at 80 %) and access tokens
# live 5 s, so the client must exchange again and again. Calls over ~25 s span at least two
# rotations: every call succeeds, each presents the file's current token, and the emulator
# never sees an expired assertion.
. "$(dirname "$0")/common.sh" "$@"

t_scenario '.workloads[0].expiration_seconds = 12 | .access_token_lifetime_seconds = 5'
t_start
t_pod_env

calls=0
exchanges=0
: >"$T_DIR/exps"
end=$(($(date +%s) + 25))
while [ "$(date +%s)" -lt "$end" ]; do
    t_run token -o json
    t_expect_rc 0 "token call $((calls + 1))"
    calls=$((calls + 1))
    t_secret "$(jq -r .access_token "$T_DIR/out")"
    [ "$(jq -r .cached "$T_DIR/out")" = true ] || exchanges=$((exchanges + 1))
    jq -r .assertion.exp "$T_DIR/out" >>"$T_DIR/exps"
    [ "$(jq -r '.assertion.expires_in_s > 0' "$T_DIR/out")" = true ] \
        || t_fail "call $calls: the token file held an expired token"
    sleep 1
done

rotations=$(sort -u "$T_DIR/exps" | wc -l)
t_log "$calls calls, $exchanges exchanges, $rotations distinct projected tokens"
[ "$calls" -ge 10 ] || t_fail "only $calls calls in 25 s"
[ "$rotations" -ge 3 ] || t_fail "the calls saw $rotations projected tokens, fewer than 2 rotations"
[ "$(t_stats .expired_assertions_seen)" -eq 0 ] || t_fail "the emulator saw an expired assertion"
[ "$(t_stats .tokens_issued)" -ge "$exchanges" ] || t_fail "fewer tokens issued than exchanges"
[ "$(t_stats '.errors | length')" -eq 0 ] || t_fail "the emulator reported errors: $(t_stats ".errors | tostring")"
t_no_assertion_in_stdout "$(cat "$AZURE_FEDERATED_TOKEN_FILE")"
t_pass
