#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# App-only tokens need a '/.default' scope. The client rejects delegated permission names and
# other shapes before sending (exit 2, hint with the .default scope); the emulator, asked
# directly with scope User.Read, returns AADSTS1002012 as Entra ID does.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env

t_run token --scope User.Read
t_expect_rc 2 "--scope User.Read"
t_expect_err "m365id: error: scope 'User.Read' (--scope) is a delegated permission name" \
    "'/.default'" "https://graph.microsoft.com/.default"

M365_SCOPE=User.Read t_run graph GET /v1.0/organization
t_expect_rc 2 "M365_SCOPE=User.Read"
t_expect_err "scope 'User.Read' (env M365_SCOPE) is a delegated permission name"

t_run token --scope https://graph.microsoft.com/User.Read.All
t_expect_rc 2 "resource permission URL"
t_expect_err "scope 'https://graph.microsoft.com/User.Read.All' (--scope) does not end with '/.default'"

t_run token --scope "openid profile"
t_expect_rc 2 "two scopes"
t_expect_err "scope 'openid profile' (--scope) holds more than one value"
[ "$(t_stats .token_requests)" -eq 0 ] || t_fail "a bad scope reached the token endpoint"

# The emulator itself, asked with the delegated name, replies as Entra ID does.
emu_token "$T_TENANT" "$T_CLIENT" User.Read "$(cat "$AZURE_FEDERATED_TOKEN_FILE")" \
    "$AZURE_AUTHORITY_HOST" >/dev/null
assert_aadsts 400 invalid_scope 1002012 >/dev/null

# The flag with the right shape works, and it wins over a bad M365_SCOPE.
M365_SCOPE=User.Read t_run token --scope https://graph.microsoft.com/.default -o json
t_expect_rc 0 "--scope .default over a bad M365_SCOPE"
[ "$(jq -r .scope "$T_DIR/out")" = https://graph.microsoft.com/.default ] || t_fail "wrong scope"
t_secret "$(jq -r .access_token "$T_DIR/out")"
t_pass
