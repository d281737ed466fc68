#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The token file exists but is empty, contains only a newline, something that is not a JWT, or
# a JWT whose exp is no date: the client never sends such an assertion. It exits 3 naming the path and byte count,
# and the emulator's counters show that no token request arrived.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env
file="$T_DIR/azure-identity-token"
export AZURE_FEDERATED_TOKEN_FILE=$file

: >"$file"
t_run token
t_expect_rc 3 "empty file"
t_expect_err "m365id: error: federated token file '$file' (from env AZURE_FEDERATED_TOKEN_FILE) is empty (0 bytes)" \
    "m365id: hint: the kubelet may not have written the token yet"

printf '\n' >"$file"
t_run graph GET /v1.0/organization
t_expect_rc 3 "newline only"
t_expect_err "federated token file '$file' (from env AZURE_FEDERATED_TOKEN_FILE) contains only whitespace (1 byte"

printf 'not-a-jwt' >"$file"
t_run token -o json
t_expect_rc 3 "not a JWT"
t_expect_err "federated token file '$file' (from env AZURE_FEDERATED_TOKEN_FILE) is not a JWT" \
    "(9 bytes)" "three base64url parts"
t_expect_no_err "not-a-jwt"

# A JWT whose exp is a number but no date is reported as out of range.
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
header=$(printf '{"alg":"RS256","kid":"k1","typ":"JWT"}' | b64url)
payload=$(printf '{"iss":"https://issuer.test/","sub":"system:serviceaccount:a:b","aud":["api://AzureADTokenExchange"],"exp":1e30}' | b64url)
printf '%s.%s.c2ln' "$header" "$payload" >"$file"
t_run token
t_expect_rc 3 "exp 1e30"
t_expect_err "federated token file '$file' (from env AZURE_FEDERATED_TOKEN_FILE) holds a JWT whose 'exp' claim 1e+30 is out of range"
t_expect_no_err "without a numeric 'exp'"

[ "$(t_stats .token_requests)" -eq 0 ] || t_fail "a malformed assertion reached the token endpoint"
[ "$(t_stats .graph_requests)" -eq 0 ] || t_fail "graph was called without a token"
t_pass
