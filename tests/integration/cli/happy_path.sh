#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# A correctly federated workload: `token -o json` reports the token, its decoded claims and the
# projected token's claims; `graph` reads the organization and pages through five users.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env
issuer=$(t_info clusters.demo.issuer)

t_run token -o json
t_expect_rc 0 "token -o json"
json="$T_DIR/token.json"
cp "$T_DIR/out" "$json"
check() { # check WHAT JQ_EXPR EXPECTED
    local actual
    actual=$(jq -r "$2" "$json") || t_fail "$1: stdout is not JSON"
    [ "$actual" = "$3" ] || t_fail "$1: '$actual', expected '$3'"
}
check "token_type" .token_type Bearer
check "access_token is a JWT" '.access_token | split(".") | length' 3
check "expires_on in the future" ".expires_on > $(date +%s)" true
check "expires_on_utc matches expires_on" '.expires_on_utc == (.expires_on | todate)' true
check "refresh_on before expires_on" '.refresh_on < .expires_on' true
check "scope" .scope https://graph.microsoft.com/.default
check "cached" .cached false
check "claims.aud" .claims.aud https://graph.microsoft.com
check "claims.iss" .claims.iss "https://sts.windows.net/$T_TENANT/"
check "claims.tid" .claims.tid "$T_TENANT"
check "claims.appid" .claims.appid "$T_CLIENT"
check "claims.idtyp" .claims.idtyp app
check "claims.roles" '.claims.roles | index("Organization.Read.All") != null' true
check "claims.exp" '.claims.exp == .expires_on or (.claims.exp - .expires_on | fabs) < 5' true
check "assertion.file" .assertion.file "$AZURE_FEDERATED_TOKEN_FILE"
check "assertion.iss" .assertion.iss "$issuer"
check "assertion.sub" .assertion.sub system:serviceaccount:terraform-m365:terraform-m365-sa
check "assertion.aud" '.assertion.aud | tostring' '["api://AzureADTokenExchange"]'
check "assertion.expires_in_s" '.assertion.expires_in_s > 0 and .assertion.expires_in_s <= 3600' true
check "assertion has no token" '.assertion | keys | sort | join(",")' "aud,exp,expires_in_s,file,iss,sub"
t_secret "$(jq -r .access_token "$json")"
t_no_assertion_in_stdout "$(cat "$AZURE_FEDERATED_TOKEN_FILE")"

t_run token -o raw
t_expect_rc 0 "token -o raw"
[ "$(wc -l <"$T_DIR/out")" -eq 1 ] || t_fail "token -o raw printed more than one line"
raw=$(cat "$T_DIR/out")
[ "$(tr -cd . <<<"$raw")" = ".." ] || t_fail "token -o raw did not print a JWT"
t_secret "$raw"

t_run graph GET /v1.0/organization
t_expect_rc 0 "graph GET /v1.0/organization"
[ "$(jq -r '.value[0].displayName' "$T_DIR/out")" = Contoso ] || t_fail "organization is not Contoso"
[ "$(jq -r '.value[0].id' "$T_DIR/out")" = "$T_TENANT" ] || t_fail "organization id is not the tenant"

# The method is case-insensitive, and -o raw prints the reply as received.
t_run graph get /v1.0/organization -o raw
t_expect_rc 0 "graph get -o raw"
[ "$(jq -r '.value[0].displayName' "$T_DIR/out")" = Contoso ] || t_fail "raw reply is not the organization"

t_run graph GET '/v1.0/users?$top=2'
t_expect_rc 0 "graph GET users with \$top=2"
[ "$(jq '.value | length' "$T_DIR/out")" -eq 2 ] || t_fail "one page should hold 2 users"
jq -e '."@odata.nextLink" | contains("skiptoken")' "$T_DIR/out" >/dev/null \
    || t_fail "the first page has no @odata.nextLink"

t_run graph GET '/v1.0/users?$top=2' --all
t_expect_rc 0 "graph GET users --all"
[ "$(jq '.value | length' "$T_DIR/out")" -eq 5 ] || t_fail "--all should merge 5 users"
[ "$(jq -r '[.value[].displayName] | sort | join(",")' "$T_DIR/out")" = \
    "Adele Vance,Alex Wilber,Diego Siciliani,Grady Archie,Megan Bowen" ] \
    || t_fail "--all merged the wrong users"
jq -e 'has("@odata.nextLink") | not' "$T_DIR/out" >/dev/null \
    || t_fail "the merged reply still has an @odata.nextLink"

t_run graph FETCH /v1.0/organization
t_expect_rc 1 "unknown method"
t_expect_err "unknown method 'FETCH'"

t_pass
