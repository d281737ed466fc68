#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Token requests that Entra rejects before or after credential matching: unreachable issuer
# documents, wrong cloud, empty or malformed assertions, expired or too long-lived tokens, bad
# scopes, a compressed body and a forged signature. Also an unknown kid, missing or mistyped
# claims, and form parameters with an encoded NUL.
# Usage: request_errors.sh PATH_TO_M365ID_EMULATOR
set -euo pipefail
EMU_BIN=$1
here=$(dirname "$0")
source "$here/../lib/emulator.sh"

emu_start "$here/scenarios/mismatch.json"
T=11111111-1111-1111-1111-111111111111
APP=22222222-2222-2222-2222-222222222222
SCOPE=https://graph.microsoft.com/.default
AUD=api://AzureADTokenExchange
good=$(emu_mint demo team-a graph-reader "$AUD" 3600)

# FC-04: the issuer does not publish its discovery document, or its JWKS.
private=$(emu_mint private team-a graph-reader "$AUD" 3600)
emu_token "$T" 77777777-7777-7777-7777-777777777777 "$SCOPE" "$private"
assert_aadsts 400 invalid_request 90061
text=$(jq -r .error_description <<<"$EMU_BODY")
assert_contains "90061 names the step" "discovery document" "$text"
assert_contains "90061 names the status" "HTTP 404" "$text"
nojwks=$(emu_mint nojwks team-a graph-reader "$AUD" 3600)
emu_token "$T" 77777777-7777-7777-7777-777777777777 "$SCOPE" "$nojwks"
assert_aadsts 400 invalid_request 90061
assert_contains "90061 names the JWKS step" "JWKS" "$(jq -r .error_description <<<"$EMU_BODY")"

# FC-06: the tenant lives only in the China cloud.
emu_token 99999999-9999-9999-9999-999999999999 "$APP" "$SCOPE" "$good"
assert_aadsts 400 invalid_tenant 90002
china=$(emu_json clouds.china.authority_host)
emu_token 99999999-9999-9999-9999-999999999999 "$APP" "$SCOPE" "$good" "$china"
assert_aadsts 400 invalid_resource 500011
emu_token "not_a_tenant!" "$APP" "$SCOPE" "$good"
assert_aadsts 400 invalid_request 900023

# FC-15: empty assertion, then one that is not a JWT.
emu_token "$T" "$APP" "$SCOPE" ""
assert_aadsts 401 invalid_client 7000216
emu_token "$T" "$APP" "$SCOPE" "not-a-jwt"
assert_aadsts 400 invalid_request 50027

# FC-16: an assertion that expired an hour ago.
now=$(date +%s)
old=$(emu_mint demo team-a graph-reader "$AUD" 3600 $((now - 7200)))
emu_token "$T" "$APP" "$SCOPE" "$old"
assert_aadsts 401 invalid_client 700024
text=$(jq -r .error_description <<<"$EMU_BODY")
assert_contains "700024 current time" "Current time: " "$text"
assert_contains "700024 valid from" "assertion valid from $(date -u -d @$((now - 7200)) +%Y-%m-%dT%H:%M:%SZ)" "$text"
assert_contains "700024 expiry" "expiry time of assertion $(date -u -d @$((now - 3600)) +%Y-%m-%dT%H:%M:%SZ)" "$text"
emu_get "$EMU_BASE/_emulator/stats"
assert_eq "expired assertions counted" "1" "$(jq -r .expired_assertions_seen <<<"$EMU_BODY")"

# A lifetime above 1 day 1 hour.
long=$(emu_mint demo team-a graph-reader "$AUD" 172800)
emu_token "$T" "$APP" "$SCOPE" "$long"
assert_aadsts 401 invalid_client 70023

# FC-20: delegated permission names and multiple scopes.
emu_token "$T" "$APP" "User.Read" "$good"
assert_aadsts 400 invalid_scope 1002012
emu_token "$T" "$APP" "https://graph.microsoft.com/User.Read.All" "$good"
assert_aadsts 400 invalid_scope 70011
emu_token "$T" "$APP" "openid profile" "$good"
assert_aadsts 400 invalid_scope 70011

# A gzip-compressed body reads as missing parameters.
form="grant_type=client_credentials&client_id=$APP&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
out=$(printf '%s' "$form" | gzip -c | curl "${EMU_CURL_OPTS[@]}" --cacert "$EMU_CA" -w '\n%{http_code}' \
    -H 'Content-Type: application/x-www-form-urlencoded' -H 'Content-Encoding: gzip' \
    --data-binary @- "$EMU_BASE/$T/oauth2/v2.0/token")
EMU_STATUS=${out##*$'\n'}
EMU_BODY=${out%$'\n'*}
assert_aadsts 400 invalid_request 900144

# A forged signature: the payload of one token with the signature of another.
other=$(emu_mint demo team-a other "$AUD" 3600)
forged="$(cut -d. -f1,2 <<<"$good").$(cut -d. -f3 <<<"$other")"
emu_token "$T" "$APP" "$SCOPE" "$forged"
assert_aadsts 401 invalid_client 700027
b64url_decode() {
    local s
    s=$(tr '_-' '/+' <<<"$1")
    while ((${#s} % 4)); do s+="="; done
    base64 -d <<<"$s"
}
kid=$(b64url_decode "$(cut -d. -f1 <<<"$good")" | jq -r .kid)
assert_contains "700027 says the signature failed with that key" \
    "the signature did not validate with key '$kid'" "$(jq -r .error_description <<<"$EMU_BODY")"

# A kid that the issuer's JWKS does not list: another 700027 text.
b64url() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
now=$(date +%s)
ISS=$(emu_json clusters.demo.issuer)
SUB=system:serviceaccount:team-a:graph-reader
claims_ok=$(jq -nc --arg iss "$ISS" --arg sub "$SUB" --arg aud "$AUD" --argjson now "$now" \
    '{iss:$iss, sub:$sub, aud:[$aud], iat:$now, nbf:$now, exp:($now + 3600)}')
# jwt HEADER_JSON CLAIMS_JSON: a compact JWT with a signature that cannot verify.
jwt() { printf '%s.%s.%s' "$(b64url "$1")" "$(b64url "$2")" "c2lnbmF0dXJl"; }
emu_token "$T" "$APP" "$SCOPE" "$(jwt '{"alg":"RS256","kid":"no-such-kid"}' "$claims_ok")"
assert_aadsts 401 invalid_client 700027
assert_contains "700027 names the unknown kid" "the issuer's JWKS has no key with kid 'no-such-kid'" \
    "$(jq -r .error_description <<<"$EMU_BODY")"

# Claims missing or of the wrong type: a malformed JWT naming the claim, never "(null)".
claim_case() {
    local what=$1 filter=$2 needle=$3 text
    emu_token "$T" "$APP" "$SCOPE" "$(jwt '{"alg":"RS256","kid":"k"}' "$(jq -c "$filter" <<<"$claims_ok")")"
    assert_aadsts 400 invalid_request 50027
    text=$(jq -r .error_description <<<"$EMU_BODY")
    assert_contains "50027 for $what" "$needle" "$text"
    [[ "$text" != *"(null)"* ]] || fail "50027 for $what names '(null)': $text"
}
claim_case "no sub" 'del(.sub)' "the 'sub' claim is missing"
claim_case "no iss" 'del(.iss)' "the 'iss' claim is missing"
claim_case "null iss" '.iss = null' "the 'iss' claim is missing"
claim_case "numeric sub" '.sub = 42' "the 'sub' claim is not a string"
claim_case "array iss" '.iss = [.iss]' "the 'iss' claim is not a string"
claim_case "no aud" 'del(.aud)' "the 'aud' claim is missing"
claim_case "numeric aud" '.aud = 5' "the 'aud' claim is not a string or a non-empty array of strings"
claim_case "empty aud" '.aud = []' "the 'aud' claim is not a string or a non-empty array of strings"
claim_case "aud with a number" '.aud = [.aud[0], 7]' "the 'aud' claim is not a string"
claim_case "no exp" 'del(.exp)' "the 'exp' claim is missing"
claim_case "string exp" '.exp = "soon"' "the 'exp' claim is not a whole number of seconds"
claim_case "fractional exp" '.exp = 1.5' "the 'exp' claim is not a whole number of seconds"
claim_case "string nbf" '.nbf = "now"' "the 'nbf' claim is not a whole number of seconds"
claim_case "boolean iat" '.iat = true' "the 'iat' claim is not a whole number of seconds"

# A parameter with an encoded NUL is malformed (900144 naming it), never cut short at the NUL.
TOKEN_URL="$EMU_BASE/$T/oauth2/v2.0/token"
enc() { jq -rn --arg v "$1" '$v | @uri'; }
GT=client_credentials
CAT=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
good_form() {
    printf 'grant_type=%s&client_id=%s&scope=%s&client_assertion_type=%s&client_assertion=%s' \
        "${1:-$GT}" "${2:-$APP}" "${3:-$(enc "$SCOPE")}" "${4:-$(enc "$CAT")}" "${5:-$good}"
}
emu_post_form "$TOKEN_URL" "$(good_form)"
assert_eq "form baseline status" "200" "$EMU_STATUS"
nul_case() {
    local name=$1 body=$2
    emu_post_form "$TOKEN_URL" "$body"
    assert_aadsts 400 invalid_request 900144
    assert_contains "900144 names $name" "parameter: '$name'." "$(jq -r .error_description <<<"$EMU_BODY")"
    assert_contains "900144 says why" "NUL byte (%00)" "$(jq -r .error_description <<<"$EMU_BODY")"
}
nul_case grant_type "$(good_form "$GT%00evil")"
nul_case client_id "$(good_form "" "$APP%00evil")"
nul_case scope "$(good_form "" "" "$(enc "$SCOPE")%00%20x")"
nul_case client_assertion_type "$(good_form "" "" "" "$(enc "$CAT")%00zz")"
nul_case client_assertion "$(good_form "" "" "" "" "$good%00x")"
nul_case 'client_id\x00x' "$(good_form | sed "s/client_id=/client_id%00x=/")"
nul_case unused "$(good_form)&unused=a%00b"

# An Entra-issued token presented as the assertion.
emu_token "$T" "$APP" "$SCOPE" "$good"
assert_eq "exchange status" "200" "$EMU_STATUS"
access=$(jq -r .access_token <<<"$EMU_BODY")
emu_token "$T" "$APP" "$SCOPE" "$access"
assert_aadsts 401 invalid_client 700222
emu_stop_clean
echo "PASS"
