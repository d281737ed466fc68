#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Auth method device_code against the emulator. The command prints the verification URI and
# user code on stderr and waits. Once the code is approved through the control API, it prints a
# delegated token that Graph accepts. A declined code exits with status 4, and an application
# that does not allow public client flows gets AADSTS7000218 with a hint naming the setting.
. "$(dirname "$0")/common.sh" "$@"

public_client=33333333-3333-3333-3333-333333333333
t_scenario ".tenants[0].applications += [{
    \"app_id\": \"$public_client\", \"display_name\": \"m365id-cli\",
    \"allow_public_client\": true,
    \"delegated_permissions\": [\"User.Read\", \"Organization.Read.All\"]}]"
t_start

AZURE_AUTHORITY_HOST=$(t_info clouds.public.authority_host)
M365_GRAPH_ENDPOINT=$(t_info clouds.public.graph_endpoint)
export AZURE_AUTHORITY_HOST M365_GRAPH_ENDPOINT M365_CA_BUNDLE=$T_CA

# t_run_bg ARGS...: start m365id in the background, stdout and stderr as t_run keeps them.
t_run_bg() {
    T_RUNS=$((T_RUNS + 1))
    # Empty the files first: the background shell opens them later, and until then
    # t_user_code would read the previous run's prompt.
    : >"$T_DIR/out"
    : >"$T_DIR/err"
    timeout 50 "$M365ID" "$@" >"$T_DIR/out" 2>"$T_DIR/err" &
    T_BG=$!
}

# t_wait_bg: wait for the background run and keep its output like t_run.
t_wait_bg() {
    set +e
    wait "$T_BG"
    T_RC=$?
    set -e
    cp "$T_DIR/out" "$T_DIR/run$T_RUNS.out"
    cp "$T_DIR/err" "$T_DIR/run$T_RUNS.err"
    [ "$T_RC" -ne 124 ] || t_fail "m365id did not finish within 50 s"
}

# t_user_code: wait up to 10 s for the prompt on stderr and print the user code.
t_user_code() {
    local i line
    for ((i = 0; i < 100; i++)); do
        line=$(grep -m1 'm365id: to sign in, open ' "$T_DIR/err" || true)
        if [ -n "$line" ]; then
            printf '%s\n' "${line##* enter the code }"
            return 0
        fi
        kill -0 "$T_BG" 2>/dev/null || break
        sleep 0.1
    done
    t_fail "no sign-in prompt on stderr"
}

# t_device ACTION CODE USER: approve or decline CODE as USER; prints the HTTP status.
t_device() {
    curl -sS --max-time 10 --cacert "$T_CA" -o "$T_DIR/device.json" -w '%{http_code}' \
        -H 'Content-Type: application/json' \
        --data "$(jq -nc --arg c "$2" --arg u "$3" '{user_code:$c, user:$u}')" \
        "$T_BASE/_emulator/device/$1"
}

# Approved: a delegated token for Adele, which reads Graph.
t_run_bg --auth-method device_code --tenant-id "$T_TENANT" --client-id "$public_client" \
    token -o json
code=$(t_user_code)
[[ "$code" =~ ^[A-Z0-9]{9}$ ]] || t_fail "user code '$code' is not 9 letters and digits"
t_expect_err "m365id: to sign in, open $T_BASE/devicelogin and enter the code $code"
[ "$(t_device approve "$code" adele@contoso.onmicrosoft.com)" = 200 ] \
    || t_fail "approve: $(cat "$T_DIR/device.json")"
t_wait_bg
t_expect_rc 0 "token after approval"
token=$(jq -r .access_token "$T_DIR/out")
t_secret "$token"
claims=$(emu_jwt_claims "$token")
[ "$(jq -r .idtyp <<<"$claims")" = user ] || t_fail "token is not delegated: $claims"
[ "$(jq -r .upn <<<"$claims")" = adele@contoso.onmicrosoft.com ] || t_fail "upn is not Adele"
[ "$(jq -r .scp <<<"$claims")" = "User.Read Organization.Read.All" ] \
    || t_fail "scp is not the delegated permissions: $claims"
[ "$(jq -r .appid <<<"$claims")" = "$public_client" ] || t_fail "appid is not the client"
[ "$(jq -r .roles <<<"$claims")" = null ] || t_fail "a delegated token has roles: $claims"

# The token works with Graph: /me and /organization accept its scp.
emu_get "$T_BASE/v1.0/me" "$token"
[ "$EMU_STATUS" = 200 ] || t_fail "/me with the delegated token: HTTP $EMU_STATUS $EMU_BODY"
[ "$(jq -r .userPrincipalName <<<"$EMU_BODY")" = adele@contoso.onmicrosoft.com ] \
    || t_fail "/me is not Adele: $EMU_BODY"
emu_get "$T_BASE/v1.0/organization" "$token"
[ "$EMU_STATUS" = 200 ] || t_fail "/organization with the delegated token: HTTP $EMU_STATUS"
# User.Read does not allow listing users.
emu_get "$T_BASE/v1.0/users" "$token"
[ "$EMU_STATUS" = 403 ] || t_fail "/users with scp User.Read: HTTP $EMU_STATUS, expected 403"

# A redeemed code cannot be approved again.
[ "$(t_device approve "$code" adele@contoso.onmicrosoft.com)" = 404 ] \
    || t_fail "approving a redeemed code: $(cat "$T_DIR/device.json")"

# Declined: exit status 4 and a message naming the decline.
t_run_bg --auth-method device_code --tenant-id "$T_TENANT" --client-id "$public_client" token
code=$(t_user_code)
[ "$(t_device decline "$code" alex@contoso.onmicrosoft.com)" = 200 ] \
    || t_fail "decline: $(cat "$T_DIR/device.json")"
t_wait_bg
t_expect_rc 4 "declined sign-in"
t_expect_err "m365id: error: the sign-in at '$T_BASE/devicelogin' with user code '$code' was declined" \
    "m365id: hint: run the command again and approve the sign-in request"
[ ! -s "$T_DIR/out" ] || t_fail "a declined sign-in printed something on stdout"

# An application without public client flows: AADSTS7000218 and the setting to change.
t_run_bg --auth-method device_code --tenant-id "$T_TENANT" --client-id "$T_CLIENT" token
t_user_code >/dev/null
t_wait_bg
t_expect_rc 4 "application without public client flows"
t_expect_err "AADSTS7000218" "enable 'Allow public client flows' on the app registration"

t_pass
