#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Authority host, tenant and Graph scope from different clouds. An explicit cloud beats the
# webhook's AZURE_AUTHORITY_HOST; an explicit M365_AUTHORITY_HOST of another known cloud is a
# configuration error (exit 2, no request). At the emulator, a China-only tenant asked at the
# public authority gets AADSTS90002, and the public Graph scope at the China authority 500011.
. "$(dirname "$0")/common.sh" "$@"

t_scenario '.tenants[0].cloud = "china"'
t_start
t_pod_env terraform-apply public
export M365_RETRY_DELAY_SECONDS=0
missing_ca="$T_DIR/no-such-ca.pem"

# The webhook's AZURE_AUTHORITY_HOST gives way to --cloud china, with a warning. The missing CA
# bundle stops the command after the authority is resolved and before any request.
AZURE_AUTHORITY_HOST=https://login.microsoftonline.com/ M365_CA_BUNDLE="$missing_ca" \
    t_run -vv --cloud china token
t_expect_rc 2 "cloud wins over AZURE_AUTHORITY_HOST"
t_expect_err "ignoring env AZURE_AUTHORITY_HOST 'https://login.microsoftonline.com/'" \
    "cloud 'china' (--cloud)" \
    "authority_host = 'https://login.chinacloudapi.cn/' (default for cloud 'china')" \
    "m365id: error: ca bundle '$missing_ca' (env M365_CA_BUNDLE) cannot be read"

# M365_AUTHORITY_HOST is an explicit choice: a public authority with cloud china is an error.
M365_AUTHORITY_HOST=https://login.microsoftonline.com/ t_run --cloud china token
t_expect_rc 2 "public M365_AUTHORITY_HOST with cloud china"
t_expect_err "authority host 'https://login.microsoftonline.com/' (env M365_AUTHORITY_HOST)" \
    "'https://microsoftgraph.chinacloudapi.cn/.default' (default for cloud 'china')" \
    "m365id: hint: set cloud or M365_CLOUD to the tenant's cloud"
[ "$(t_stats .token_requests)" -eq 0 ] || t_fail "a configuration error sent a token request"

# The China-only tenant at the emulator's public authority: 90002.
t_run token
t_expect_rc 4 "china tenant at the public authority"
t_expect_err "AADSTS90002" "m365id: entra: AADSTS90002 invalid_tenant" \
    "tenant '$T_TENANT', authority host '$(t_info clouds.public.authority_host)'"

# The China authority with the public Graph scope: 500011.
t_run --authority-host "$(t_info clouds.china.authority_host)" token
t_expect_rc 4 "public scope at the china authority"
t_expect_err "AADSTS500011" "the scope was 'https://graph.microsoft.com/.default'"

[ "$(t_stats .token_requests)" -eq 2 ] || t_fail "expected exactly 2 token requests"
[ "$(t_stats .tokens_issued)" -eq 0 ] || t_fail "the emulator issued a token"
t_pass
