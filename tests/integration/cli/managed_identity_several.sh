#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# auth_method managed_identity on a host with two user-assigned identities and no
# system-assigned one: without managed_identity_id the endpoint refuses, and the hint asks to
# select an identity instead of suggesting to leave the setting unset, which it already is.
. "$(dirname "$0")/common.sh" "$@"

MI_A=44444444-4444-4444-4444-444444444444
MI_B=55555555-5555-5555-5555-555555555555
t_scenario ".managed_identities = [
    {\"name\": \"mi-a\", \"tenant_id\": \"$T_TENANT\", \"client_id\": \"$MI_A\"},
    {\"name\": \"mi-b\", \"tenant_id\": \"$T_TENANT\", \"client_id\": \"$MI_B\"}]"
EMU_EXTRA_ARGS="--msi-http-port 0" t_start

export M365_AUTH_METHOD=managed_identity M365_CA_BUNDLE=$T_CA no_proxy= NO_PROXY=
AZURE_POD_IDENTITY_AUTHORITY_HOST=$(t_info msi.http_base)
export AZURE_POD_IDENTITY_AUTHORITY_HOST
unset AZURE_CLIENT_ID M365_CLIENT_ID M365_MANAGED_IDENTITY_ID

t_run token
[ "$T_RC" -ne 0 ] || t_fail "a token came without a selected identity"
t_expect_err "Multiple user assigned identities" "M365_MANAGED_IDENTITY_ID" \
    "--managed-identity-id"
grep -q "leave it unset" "$T_DIR/err" && t_fail "the hint suggests leaving an unset id unset"

t_run token -o json --managed-identity-id "$MI_B"
t_expect_rc 0 "token with --managed-identity-id"
[ "$(jq -r .claims.appid "$T_DIR/out")" = "$MI_B" ] || t_fail "wrong identity selected"
t_secret "$(jq -r .access_token "$T_DIR/out")"

t_pass
