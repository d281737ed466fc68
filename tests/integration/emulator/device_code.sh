#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The device authorization grant over real HTTPS. Covered: devicecode replies,
# authorization_pending, slow_down for a poll inside the interval, and approval and decline
# through the control API. Then the delegated token (scp, upn, oid, idtyp user) and Graph's
# checks on it, a redeemed or expired code, an application without public client flows
# (7000218), and bad devicecode requests.
# Usage: device_code.sh PATH_TO_M365ID_EMULATOR
set -euo pipefail
EMU_BIN=$1
source "$(dirname "$0")/../lib/emulator.sh"

tenant=11111111-1111-1111-1111-111111111111
public=33333333-3333-3333-3333-333333333333
confidential=22222222-2222-2222-2222-222222222222
grant=urn:ietf:params:oauth:grant-type:device_code

emu_workdir
write_scenario() {
    cat >"$EMU_WORK/scenario.json" <<JSON
{
  "tenants": [{"id": "$tenant", "domains": ["contoso.onmicrosoft.com"],
    "users": [{"displayName": "Adele Vance", "userPrincipalName": "adele@contoso.onmicrosoft.com",
               "id": "aaaaaaaa-1111-4111-8111-000000000001"},
              {"displayName": "Alex Wilber", "userPrincipalName": "alex@contoso.onmicrosoft.com"}],
    "applications": [
      {"app_id": "$public", "display_name": "cli", "allow_public_client": true,
       "delegated_permissions": ["User.Read"]},
      {"app_id": "$confidential", "display_name": "daemon", "roles": ["User.Read.All"]}]}],
  "device_code_lifetime_seconds": $1
}
JSON
}

# devicecode CLIENT SCOPE: request a device code; sets EMU_STATUS, EMU_BODY.
devicecode() {
    emu_request "$EMU_BASE/$tenant/oauth2/v2.0/devicecode" --data-urlencode "client_id=$1" \
        --data-urlencode "scope=$2"
}

# poll CLIENT DEVICE_CODE: one device_code grant request.
poll() {
    emu_request "$EMU_BASE/$tenant/oauth2/v2.0/token" --data-urlencode "grant_type=$grant" \
        --data-urlencode "client_id=$1" --data-urlencode "device_code=$2"
}

# control ACTION USER_CODE USER: approve or decline through the control API.
control() {
    emu_request "$EMU_BASE/_emulator/device/$1" -H 'Content-Type: application/json' \
        --data "$(jq -nc --arg c "$2" --arg u "$3" '{user_code:$c, user:$u}')"
}

write_scenario 900
EMU_EXTRA_ARGS=-vv emu_start "$EMU_WORK/scenario.json"

# The device authorization reply.
devicecode "$public" "https://graph.microsoft.com/.default offline_access"
assert_eq "devicecode: status" "200" "$EMU_STATUS"
device_code=$(jq -r .device_code <<<"$EMU_BODY")
user_code=$(jq -r .user_code <<<"$EMU_BODY")
[[ "$user_code" =~ ^[A-Z2-9]{9}$ ]] || fail "user code '$user_code' is not 9 letters and digits"
[[ ${#device_code} -ge 40 ]] || fail "device code is only ${#device_code} characters"
assert_eq "verification_uri" "$EMU_BASE/devicelogin" "$(jq -r .verification_uri <<<"$EMU_BODY")"
assert_eq "expires_in" "900" "$(jq -r .expires_in <<<"$EMU_BODY")"
assert_eq "interval" "1" "$(jq -r .interval <<<"$EMU_BODY")"
assert_contains "message" "enter the code $user_code" "$(jq -r .message <<<"$EMU_BODY")"

# Pending, then slow_down for a poll sent at once.
poll "$public" "$device_code"
assert_aadsts 400 authorization_pending 70016
poll "$public" "$device_code"
assert_aadsts 400 slow_down 70016

# The control API checks the user and the code.
control approve "$user_code" nobody@contoso.onmicrosoft.com
assert_eq "approve as an unknown user" "400" "$EMU_STATUS"
control approve NOSUCHCOD adele@contoso.onmicrosoft.com
assert_eq "approve an unknown code" "404" "$EMU_STATUS"
emu_request "$EMU_BASE/_emulator/device/approve"
assert_eq "GET on the control route" "405" "$EMU_STATUS"
control approve "${user_code,,}" adele@contoso.onmicrosoft.com
assert_eq "approve in lower case" "200" "$EMU_STATUS"
assert_eq "approve: state" "approved" "$(jq -r .state <<<"$EMU_BODY")"
control decline "$user_code" adele@contoso.onmicrosoft.com
assert_eq "decline after approval" "409" "$EMU_STATUS"

# The delegated token. The slow_down raised the interval to 6 s; approval ends the wait.
poll "$public" "$device_code"
assert_eq "approved: status" "200" "$EMU_STATUS"
assert_eq "approved: scope" "User.Read" "$(jq -r .scope <<<"$EMU_BODY")"
access=$(jq -r .access_token <<<"$EMU_BODY")
claims=$(emu_jwt_claims "$access")
assert_eq "idtyp" "user" "$(jq -r .idtyp <<<"$claims")"
assert_eq "upn" "adele@contoso.onmicrosoft.com" "$(jq -r .upn <<<"$claims")"
assert_eq "oid" "aaaaaaaa-1111-4111-8111-000000000001" "$(jq -r .oid <<<"$claims")"
assert_eq "scp" "User.Read" "$(jq -r .scp <<<"$claims")"
assert_eq "appid" "$public" "$(jq -r .appid <<<"$claims")"
assert_eq "no roles" "null" "$(jq -r .roles <<<"$claims")"
assert_eq "aud" "https://graph.microsoft.com" "$(jq -r .aud <<<"$claims")"

# Graph checks scp for delegated tokens.
emu_get "$EMU_BASE/v1.0/me" "$access"
assert_eq "/me: status" "200" "$EMU_STATUS"
assert_eq "/me: user" "adele@contoso.onmicrosoft.com" "$(jq -r .userPrincipalName <<<"$EMU_BODY")"
emu_get "$EMU_BASE/v1.0/organization" "$access"
assert_eq "/organization with User.Read" "200" "$EMU_STATUS"
emu_get "$EMU_BASE/v1.0/users" "$access"
assert_eq "/users with User.Read" "403" "$EMU_STATUS"

# A device code is redeemed once.
poll "$public" "$device_code"
assert_aadsts 400 invalid_grant 70000

# Explicit permissions become scp; openid is added, offline_access is not.
devicecode "$public" "User.Read.All openid offline_access"
assert_eq "explicit scopes: status" "200" "$EMU_STATUS"
device_code=$(jq -r .device_code <<<"$EMU_BODY")
control approve "$(jq -r .user_code <<<"$EMU_BODY")" alex@contoso.onmicrosoft.com
poll "$public" "$device_code"
assert_eq "explicit scopes: token" "200" "$EMU_STATUS"
access=$(jq -r .access_token <<<"$EMU_BODY")
assert_eq "explicit scp" "User.Read.All openid" "$(emu_jwt_claims "$access" | jq -r .scp)"
emu_get "$EMU_BASE/v1.0/users" "$access"
assert_eq "/users with User.Read.All" "200" "$EMU_STATUS"

# Declined.
devicecode "$public" "https://graph.microsoft.com/.default"
device_code=$(jq -r .device_code <<<"$EMU_BODY")
control decline "$(jq -r .user_code <<<"$EMU_BODY")" alex@contoso.onmicrosoft.com
assert_eq "decline: status" "200" "$EMU_STATUS"
poll "$public" "$device_code"
assert_aadsts 400 authorization_declined 70019

# An application without public client flows gets a code but cannot redeem it.
devicecode "$confidential" "https://graph.microsoft.com/.default"
assert_eq "confidential app: devicecode" "200" "$EMU_STATUS"
poll "$confidential" "$(jq -r .device_code <<<"$EMU_BODY")"
assert_aadsts 401 invalid_client 7000218

# Bad devicecode requests.
devicecode 44444444-4444-4444-4444-444444444444 "https://graph.microsoft.com/.default"
assert_aadsts 400 unauthorized_client 700016
emu_request "$EMU_BASE/$tenant/oauth2/v2.0/devicecode" --data-urlencode "client_id=$public"
assert_aadsts 400 invalid_request 900144
devicecode "$public" "https://graph.microsoft.us/.default"
assert_aadsts 400 invalid_resource 500011
devicecode "$public" "https://graph.microsoft.com/.default https://graph.microsoft.com/User.Read"
assert_aadsts 400 invalid_scope 70011
emu_request -X GET "$EMU_BASE/$tenant/oauth2/v2.0/devicecode"
assert_aadsts 400 invalid_request 900561

# The device codes never reach the log, even at -vv.
if grep -qF -- "$device_code" "$EMU_LOG"; then
    fail "a device code appears in the emulator log"
fi
emu_stop_clean
rm -rf "$_EMU_TMP"

# An expired code.
write_scenario 1
emu_start "$EMU_WORK/scenario.json"
devicecode "$public" "https://graph.microsoft.com/.default"
assert_eq "short-lived code: expires_in" "1" "$(jq -r .expires_in <<<"$EMU_BODY")"
device_code=$(jq -r .device_code <<<"$EMU_BODY")
sleep 2
poll "$public" "$device_code"
assert_aadsts 400 expired_token 70020
emu_stop_clean
echo "device_code: ok"
