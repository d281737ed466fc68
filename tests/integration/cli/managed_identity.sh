#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# auth_method managed_identity against the emulator's IMDS-style and App Service-style
# endpoints: system-assigned, client id and resource id selectors, the token accepted by Graph,
# plain http only on loopback, error messages that name the identity, and proxies bypassed.
. "$(dirname "$0")/common.sh" "$@"

MI_SYS=33333333-3333-3333-3333-333333333333
MI_USER=44444444-4444-4444-4444-444444444444
RID=/subscriptions/77777777-7777-7777-7777-777777777777/resourceGroups/rg-a/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-b
t_scenario ".managed_identities = [
    {\"name\": \"mi-sys\", \"tenant_id\": \"$T_TENANT\", \"client_id\": \"$MI_SYS\",
     \"system_assigned\": true, \"roles\": [\"Organization.Read.All\"]},
    {\"name\": \"mi-b\", \"tenant_id\": \"$T_TENANT\", \"client_id\": \"$MI_USER\",
     \"resource_id\": \"$RID\", \"roles\": [\"User.Read.All\"]}]
  | .identity_header = \"identity-header-secret-value\""
EMU_EXTRA_ARGS="--msi-http-port 0" t_start
t_secret identity-header-secret-value

export M365_AUTH_METHOD=managed_identity M365_CA_BUNDLE=$T_CA
M365_GRAPH_ENDPOINT=$(t_info clouds.public.graph_endpoint)
export M365_GRAPH_ENDPOINT
# Only loopback is exempt from the dead proxy: the managed-identity endpoint must bypass it
# even without NO_PROXY (FC-24).
export no_proxy= NO_PROXY=

# appid of the token `token -o json` printed.
appid() { jq -r .claims.appid "$T_DIR/out"; }

# IMDS over plain http on loopback, then over https with the emulator's CA.
for base in "$(t_info msi.http_base)" "$(t_info msi.base)"; do
    export AZURE_POD_IDENTITY_AUTHORITY_HOST=$base/
    unset M365_MANAGED_IDENTITY_ID
    t_run token -o json
    t_expect_rc 0 "IMDS system-assigned at $base"
    [ "$(appid)" = "$MI_SYS" ] || t_fail "IMDS system-assigned: appid $(appid)"
    t_secret "$(jq -r .access_token "$T_DIR/out")"

    export M365_MANAGED_IDENTITY_ID=$MI_USER
    t_run token -o json
    t_expect_rc 0 "IMDS client id"
    [ "$(appid)" = "$MI_USER" ] || t_fail "IMDS client id: appid $(appid)"

    export M365_MANAGED_IDENTITY_ID=$RID
    t_run token -o json
    t_expect_rc 0 "IMDS resource id"
    [ "$(appid)" = "$MI_USER" ] || t_fail "IMDS resource id: appid $(appid)"
done

# The token works against Graph (reached through NO_PROXY, as Graph may use a proxy).
export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1
unset M365_MANAGED_IDENTITY_ID
t_run graph GET /v1.0/organization
t_expect_rc 0 "graph with the system-assigned identity"
[ "$(jq -r '.value[0].id' "$T_DIR/out")" = "$T_TENANT" ] || t_fail "organization is not the tenant"

# An unknown identity: the message names the selector and the hint the setting.
export M365_MANAGED_IDENTITY_ID=99999999-9999-9999-9999-999999999999
t_run token
[ "$T_RC" -ne 0 ] || t_fail "an unknown identity succeeded"
t_expect_err "client_id '99999999-9999-9999-9999-999999999999'" "HTTP 400" \
    "M365_MANAGED_IDENTITY_ID"

# A client id alone is not used by managed_identity: configure fails instead of asking for the
# system-assigned identity; the flag --managed-identity-id selects the identity.
unset M365_MANAGED_IDENTITY_ID
export M365_CLIENT_ID=$MI_USER
t_run token -o json
t_expect_rc 2 "M365_CLIENT_ID with managed_identity"
t_expect_err "client id '$MI_USER' (env M365_CLIENT_ID) is not used by managed_identity" \
    "M365_MANAGED_IDENTITY_ID"
t_run token -o json --managed-identity-id "$MI_USER"
t_expect_rc 0 "--managed-identity-id"
[ "$(appid)" = "$MI_USER" ] || t_fail "--managed-identity-id: appid $(appid)"
unset M365_CLIENT_ID

# IDENTITY_ENDPOINT without IDENTITY_HEADER: IMDS is used, with a WARN naming the missing
# variable.
export AZURE_POD_IDENTITY_AUTHORITY_HOST
AZURE_POD_IDENTITY_AUTHORITY_HOST=$(t_info msi.http_base)
IDENTITY_ENDPOINT=$(t_info msi.http_app_service_endpoint) t_run token -o json
t_expect_rc 0 "IDENTITY_ENDPOINT without IDENTITY_HEADER"
t_expect_err "IDENTITY_ENDPOINT is set but IDENTITY_HEADER is not"
[ "$(appid)" = "$MI_SYS" ] || t_fail "IMDS fallback: appid $(appid)"

# An IMDS host without a scheme is named as such.
AZURE_POD_IDENTITY_AUTHORITY_HOST=127.0.0.1:1 t_run token
t_expect_rc 2 "AZURE_POD_IDENTITY_AUTHORITY_HOST without a scheme"
t_expect_err "AZURE_POD_IDENTITY_AUTHORITY_HOST '127.0.0.1:1' has no scheme"

# App Service 2019-08-01, selected by IDENTITY_ENDPOINT + IDENTITY_HEADER over IMDS.
export IDENTITY_ENDPOINT
IDENTITY_ENDPOINT=$(t_info msi.http_app_service_endpoint)
export IDENTITY_HEADER=identity-header-secret-value
export AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:9
unset M365_MANAGED_IDENTITY_ID
t_run token -o json
t_expect_rc 0 "App Service system-assigned"
[ "$(appid)" = "$MI_SYS" ] || t_fail "App Service system-assigned: appid $(appid)"
t_secret "$(jq -r .access_token "$T_DIR/out")"
now=$(date +%s)
exp=$(jq -r .expires_on "$T_DIR/out")
[ "$exp" -gt "$((now + 3000))" ] && [ "$exp" -le "$((now + 3700))" ] \
    || t_fail "App Service expires_on $exp is not about an hour from $now"

export M365_MANAGED_IDENTITY_ID=$RID
t_run token -o json
t_expect_rc 0 "App Service resource id (mi_res_id)"
[ "$(appid)" = "$MI_USER" ] || t_fail "App Service resource id: appid $(appid)"

export M365_MANAGED_IDENTITY_ID=$MI_USER
IDENTITY_ENDPOINT=$(t_info msi.app_service_endpoint)
t_run token -o json
t_expect_rc 0 "App Service over https, client id"
[ "$(appid)" = "$MI_USER" ] || t_fail "App Service client id: appid $(appid)"

# A wrong identity header: 401 in App Service's shape, reported without the header's value.
export IDENTITY_HEADER=wrong-identity-header-value
t_run token
[ "$T_RC" -ne 0 ] || t_fail "a wrong IDENTITY_HEADER succeeded"
t_expect_err "HTTP 401" "IDENTITY_HEADER"
t_expect_no_err wrong-identity-header-value

# Plain http is refused for an endpoint that is not loopback or link-local; nothing is sent.
export IDENTITY_ENDPOINT=http://identity.invalid:8081/msi/token IDENTITY_HEADER=x
t_run token
[ "$T_RC" -ne 0 ] || t_fail "plain http to a remote endpoint succeeded"
t_expect_err "is not https"

t_pass
