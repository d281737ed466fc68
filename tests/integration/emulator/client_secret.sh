#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Client secrets over real HTTPS: client_secret_post and client_secret_basic give a token with
# appidacr "1" that Graph accepts; a wrong secret gets AADSTS7000215, an expired one 7000222,
# and two credentials in one request 900144. The secrets never reach the log, even at -vv.
# Usage: client_secret.sh PATH_TO_M365ID_EMULATOR
set -euo pipefail
EMU_BIN=$1
source "$(dirname "$0")/../lib/emulator.sh"

tenant=11111111-1111-1111-1111-111111111111
client=22222222-2222-2222-2222-222222222222
scope=https://graph.microsoft.com/.default
good='Gx8Q~w+7&=:%/secret'   # characters that need form encoding
expired_secret='Old8Q~expired-secret'

emu_workdir
cat >"$EMU_WORK/scenario.json" <<JSON
{
  "tenants": [{"id": "$tenant", "domains": ["contoso.onmicrosoft.com"],
    "users": [{"displayName": "Adele Vance", "userPrincipalName": "adele@contoso.onmicrosoft.com"}],
    "applications": [{"app_id": "$client", "display_name": "secret-app",
      "roles": ["User.Read.All"],
      "client_secrets": [
        {"id": "aaaaaaaa-0000-0000-0000-000000000001", "hint": "Gx8", "value": $(jq -Rn --arg v "$good" '$v')},
        {"value": "$expired_secret", "expires": "2020-01-01T00:00:00Z"},
        {"value": "future-secret-value", "expires": "2999-01-01T00:00:00+01:00"}]},
      {"app_id": "33333333-3333-3333-3333-333333333333", "display_name": "no-secrets"}]}]
}
JSON
EMU_EXTRA_ARGS=-vv emu_start "$EMU_WORK/scenario.json"

# client_secret_post
emu_secret_token "$tenant" "$client" "$scope" "$good"
assert_eq "post: status" "200" "$EMU_STATUS"
assert_eq "post: token_type" "Bearer" "$(jq -r .token_type <<<"$EMU_BODY")"
access=$(jq -r .access_token <<<"$EMU_BODY")
claims=$(emu_jwt_claims "$access")
assert_eq "post: appidacr" "1" "$(jq -r .appidacr <<<"$claims")"
assert_eq "post: appid" "$client" "$(jq -r .appid <<<"$claims")"
assert_eq "post: aud" "https://graph.microsoft.com" "$(jq -r .aud <<<"$claims")"
assert_eq "post: idtyp" "app" "$(jq -r .idtyp <<<"$claims")"
assert_eq "post: roles" '["User.Read.All"]' "$(jq -c .roles <<<"$claims")"
emu_get "$EMU_BASE/v1.0/users" "$access"
assert_eq "Graph accepts the secret-based token" "200" "$EMU_STATUS"

# A tenant domain works as well as the id, and a secret that expires later is valid.
emu_secret_token contoso.onmicrosoft.com "$client" "$scope" future-secret-value
assert_eq "secret with a future expiry: status" "200" "$EMU_STATUS"

# client_secret_basic: base64 of form-encoded id ':' form-encoded secret.
enc_secret=$(jq -rn --arg v "$good" '$v|@uri')
basic=$(printf '%s:%s' "$client" "$enc_secret" | base64 -w0)
emu_request "$EMU_BASE/$tenant/oauth2/v2.0/token" -H "Authorization: Basic $basic" \
    --data-urlencode grant_type=client_credentials --data-urlencode "scope=$scope"
assert_eq "basic: status" "200" "$EMU_STATUS"
assert_eq "basic: appidacr" "1" "$(emu_jwt_claims "$(jq -r .access_token <<<"$EMU_BODY")" | jq -r .appidacr)"

# Basic with client_id also in the form: allowed when equal, rejected when different.
emu_request "$EMU_BASE/$tenant/oauth2/v2.0/token" -H "Authorization: Basic $basic" \
    --data-urlencode grant_type=client_credentials --data-urlencode "client_id=$client" \
    --data-urlencode "scope=$scope"
assert_eq "basic plus equal client_id: status" "200" "$EMU_STATUS"
emu_request "$EMU_BASE/$tenant/oauth2/v2.0/token" -H "Authorization: Basic $basic" \
    --data-urlencode grant_type=client_credentials \
    --data-urlencode "client_id=33333333-3333-3333-3333-333333333333" --data-urlencode "scope=$scope"
assert_aadsts 400 invalid_request 900144
assert_contains "mismatch text" "differs from the client id" "$(jq -r .error_description <<<"$EMU_BODY")"

# A Basic header that is not base64 of id:secret.
emu_request "$EMU_BASE/$tenant/oauth2/v2.0/token" -H "Authorization: Basic !!!notbase64" \
    --data-urlencode grant_type=client_credentials --data-urlencode "scope=$scope"
assert_aadsts 400 invalid_request 900144
assert_contains "malformed Basic text" "Basic Authorization header" "$(jq -r .error_description <<<"$EMU_BODY")"
emu_request "$EMU_BASE/$tenant/oauth2/v2.0/token" -H "Authorization: Basic $(printf 'no-colon' | base64)" \
    --data-urlencode grant_type=client_credentials --data-urlencode "scope=$scope"
assert_aadsts 400 invalid_request 900144

# Wrong, empty and the secret's id instead of its value: 7000215.
for wrong in "not-the-secret" "" "aaaaaaaa-0000-0000-0000-000000000001" "${good}x" "${good%?}"; do
    emu_secret_token "$tenant" "$client" "$scope" "$wrong"
    assert_aadsts 401 invalid_client 7000215
done
assert_contains "7000215 text" "not the client secret ID" "$(jq -r .error_description <<<"$EMU_BODY")"
emu_request "$EMU_BASE/$tenant/oauth2/v2.0/token" \
    -H "Authorization: Basic $(printf '%s:wrong' "$client" | base64 -w0)" \
    --data-urlencode grant_type=client_credentials --data-urlencode "scope=$scope"
assert_aadsts 401 invalid_client 7000215

# An application without secrets.
emu_secret_token "$tenant" 33333333-3333-3333-3333-333333333333 "$scope" "$good"
assert_aadsts 401 invalid_client 7000215

# Expired secret.
emu_secret_token "$tenant" "$client" "$scope" "$expired_secret"
assert_aadsts 401 invalid_client 7000222
assert_contains "7000222 text" "are expired" "$(jq -r .error_description <<<"$EMU_BODY")"

# Two credentials at once: secret plus assertion, or form secret plus Basic.
emu_request "$EMU_BASE/$tenant/oauth2/v2.0/token" \
    --data-urlencode grant_type=client_credentials --data-urlencode "client_id=$client" \
    --data-urlencode "scope=$scope" --data-urlencode "client_secret=$good" \
    --data-urlencode client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \
    --data-urlencode client_assertion=a.b.c
assert_aadsts 400 invalid_request 900144
assert_contains "two credentials text" "more than one client credential" "$(jq -r .error_description <<<"$EMU_BODY")"
emu_request "$EMU_BASE/$tenant/oauth2/v2.0/token" -H "Authorization: Basic $basic" \
    --data-urlencode grant_type=client_credentials --data-urlencode "scope=$scope" \
    --data-urlencode "client_secret=$good"
assert_aadsts 400 invalid_request 900144

# Neither credential: 7000216, unchanged.
emu_request "$EMU_BASE/$tenant/oauth2/v2.0/token" \
    --data-urlencode grant_type=client_credentials --data-urlencode "client_id=$client" \
    --data-urlencode "scope=$scope"
assert_aadsts 401 invalid_client 7000216

# Stats count the codes; the log never shows a secret, not even at -vv.
emu_get "$EMU_BASE/_emulator/stats"
assert_eq "stats 7000222" "1" "$(jq -r '.errors["7000222"]' <<<"$EMU_BODY")"
assert_eq "stats 7000215" "7" "$(jq -r '.errors["7000215"]' <<<"$EMU_BODY")"
for s in "$good" "$enc_secret" "$expired_secret" future-secret-value "$basic"; do
    if grep -qF -- "$s" "$EMU_LOG"; then
        fail "the emulator log contains a client secret or Basic credential"
    fi
done
echo "ok: no secret in the log"
assert_contains "debug line names the matching secret id" \
    "client secret aaaaaaaa-0000-0000-0000-000000000001 of application $client matches" \
    "$(cat "$EMU_LOG")"

emu_stop_clean
echo "PASS client_secret"
