#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Two app registrations, CLIENT and CLIENT_B, both trust the same service account (issuer,
# subject and audience). With the pod's AZURE_CLIENT_ID=CLIENT, --client-id CLIENT_B or
# M365_CLIENT_ID=CLIENT_B must obtain a token for CLIENT_B from the same projected token file,
# and a client id without such a trust must fail rather than fall back to CLIENT. In one
# process, two contexts sharing one cache keep one token per client id.
#
# The C helper comes from CTest in M365ID_TEST_TWO_CLIENTS (tests/integration/CMakeLists.txt).
. "$(dirname "$0")/common.sh" "$@"

helper=${M365ID_TEST_TWO_CLIENTS:-}
[ -x "$helper" ] || t_fail "M365ID_TEST_TWO_CLIENTS does not name the built fc28_two_clients helper"

T_CLIENT_B=33333333-3333-3333-3333-333333333333
T_CLIENT_C=44444444-4444-4444-4444-444444444444

# CLIENT_B copies CLIENT's federated credential; CLIENT_C exists but trusts another subject.
t_scenario '.tenants[0].applications += [
    (.tenants[0].applications[0] | .app_id = "'"$T_CLIENT_B"'" | .display_name = "dns-resolver-b"
        | .federated_credentials[0].name = "same-service-account"),
    (.tenants[0].applications[0] | .app_id = "'"$T_CLIENT_C"'" | .display_name = "unrelated"
        | .federated_credentials[0].subject = "system:serviceaccount:other:other-sa")]'
t_start
t_pod_env
export M365_RETRY_DELAY_SECONDS=0
token_file=$AZURE_FEDERATED_TOKEN_FILE
[ "$AZURE_CLIENT_ID" = "$T_CLIENT" ] || t_fail "the pod's AZURE_CLIENT_ID is not CLIENT"

issued() { t_stats .tokens_issued; }
requests() { t_stats .token_requests; }
expect_counts() {
    [ "$(requests)" -eq "$1" ] || t_fail "$3: $(requests) token requests, expected $1"
    [ "$(issued)" -eq "$2" ] || t_fail "$3: $(issued) tokens issued, expected $2"
}
# expect_token APPID WHAT: the last run printed a token for APPID from the pod's token file.
expect_token() {
    t_expect_rc 0 "$2"
    [ "$(jq -r .claims.appid "$T_DIR/out")" = "$1" ] \
        || t_fail "$2: appid '$(jq -r .claims.appid "$T_DIR/out")', expected '$1'"
    [ "$(jq -r .assertion.file "$T_DIR/out")" = "$token_file" ] \
        || t_fail "$2: the assertion did not come from the pod's token file"
    [ "$(jq -r .assertion.sub "$T_DIR/out")" = system:serviceaccount:terraform-m365:terraform-m365-sa ] \
        || t_fail "$2: the assertion is not the service account's"
    t_secret "$(jq -r .access_token "$T_DIR/out")"
}

# The default identity: AZURE_CLIENT_ID.
t_run -v token -o json
expect_token "$T_CLIENT" "default client"
t_expect_err "for client '$T_CLIENT'"
expect_counts 1 1 "default client"

# --client-id selects CLIENT_B with the same assertion.
t_run -v --client-id "$T_CLIENT_B" token -o json
expect_token "$T_CLIENT_B" "--client-id CLIENT_B"
t_expect_err "for client '$T_CLIENT_B'"
t_expect_no_err "for client '$T_CLIENT'"
expect_counts 2 2 "--client-id CLIENT_B"

# M365_CLIENT_ID comes before AZURE_CLIENT_ID.
M365_CLIENT_ID=$T_CLIENT_B t_run -vv token -o json
expect_token "$T_CLIENT_B" "M365_CLIENT_ID=CLIENT_B beside AZURE_CLIENT_ID=CLIENT"
t_expect_err "entra_id_options.client_id = '$T_CLIENT_B' (env M365_CLIENT_ID)"
expect_counts 3 3 "M365_CLIENT_ID=CLIENT_B"

# The flag comes before both variables.
M365_CLIENT_ID=$T_CLIENT_C t_run token -o json --client-id "$T_CLIENT_B"
expect_token "$T_CLIENT_B" "--client-id CLIENT_B beside M365_CLIENT_ID=CLIENT_C"
expect_counts 4 4 "--client-id over M365_CLIENT_ID"

# Graph is called with CLIENT_B's token.
t_run graph GET /v1.0/organization --client-id "$T_CLIENT_B"
t_expect_rc 0 "graph as CLIENT_B"
[ "$(jq -r '.value[0].id' "$T_DIR/out")" = "$T_TENANT" ] || t_fail "graph as CLIENT_B: wrong organization"
expect_counts 5 5 "graph as CLIENT_B"

# A client id whose app does not trust this service account fails; nothing falls back to the
# pod's AZURE_CLIENT_ID.
t_run --client-id "$T_CLIENT_C" token -o json
t_expect_rc 4 "CLIENT_C without a matching federated credential"
t_expect_err "for client '$T_CLIENT_C'" "AADSTS70021"
[ ! -s "$T_DIR/out" ] || t_fail "CLIENT_C: a token was printed"
expect_counts 8 5 "CLIENT_C (one request, two retries)"

# The file cache keys by client id across processes, too.
export XDG_RUNTIME_DIR=$T_DIR/xdg
mkdir -m 700 "$XDG_RUNTIME_DIR"
t_run token --cache -o json
expect_token "$T_CLIENT" "token --cache as CLIENT"
t_run token --cache -o json --client-id "$T_CLIENT_B"
expect_token "$T_CLIENT_B" "token --cache as CLIENT_B"
[ "$(jq -r .cached "$T_DIR/out")" = false ] || t_fail "CLIENT_B was served CLIENT's cached token"
t_run token --cache -o json --client-id "$T_CLIENT_B"
expect_token "$T_CLIENT_B" "cached token as CLIENT_B"
[ "$(jq -r .cached "$T_DIR/out")" = true ] || t_fail "CLIENT_B's second run did not use the cache"
expect_counts 10 7 "token --cache for both clients"

# In one process: two contexts, one shared m365id_cache.
set +e
timeout 50 "$helper" "$T_CLIENT" "$T_CLIENT_B" >"$T_DIR/helper.out" 2>"$T_DIR/helper.err"
rc=$?
set -e
cp "$T_DIR/helper.err" "$T_DIR/run-helper.err"
[ "$rc" -eq 0 ] || t_fail "fc28_two_clients exited $rc: $(head -c 2000 "$T_DIR/helper.err")"
mapfile -t lines <"$T_DIR/helper.out"
[ "${#lines[@]}" -eq 4 ] || t_fail "fc28_two_clients printed ${#lines[@]} lines, expected 4"
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$2"; }
[ "$(field appid "${lines[0]}")" = "$T_CLIENT" ] || t_fail "shared cache, CLIENT: ${lines[0]}"
[ "$(field appid "${lines[1]}")" = "$T_CLIENT_B" ] || t_fail "shared cache, CLIENT_B: ${lines[1]}"
[ "$(field appid "${lines[2]}")" = "$T_CLIENT" ] || t_fail "shared cache, CLIENT again: ${lines[2]}"
[ "$(field appid "${lines[3]}")" = "$T_CLIENT_B" ] || t_fail "shared cache, CLIENT_B again: ${lines[3]}"
[ "$(field cached "${lines[0]}")$(field cached "${lines[1]}")" = 00 ] \
    || t_fail "the first token of each client came from the cache"
[ "$(field cached "${lines[2]}")$(field cached "${lines[3]}")" = 11 ] \
    || t_fail "the second token of each client did not come from the cache"
[ "$(field fp "${lines[0]}")" != "$(field fp "${lines[1]}")" ] \
    || t_fail "both clients got the same token from the shared cache"
[ "$(field fp "${lines[0]}")" = "$(field fp "${lines[2]}")" ] || t_fail "CLIENT's cached token changed"
[ "$(field fp "${lines[1]}")" = "$(field fp "${lines[3]}")" ] || t_fail "CLIENT_B's cached token changed"
expect_counts 12 9 "two contexts sharing one cache"
t_pass
