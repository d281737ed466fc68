#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Federation works but the app has no Graph application permissions: the token is issued
# without roles, and Graph returns 403 Authorization_RequestDenied. The CLI reports a Graph
# error (exit 5), not an authentication failure, with a hint naming the roles and admin consent.
. "$(dirname "$0")/common.sh" "$@"

t_scenario '
  .tenants[0].applications[0].roles = []
  | .tenants[0].applications += [.tenants[0].applications[0]
      | .app_id = "33333333-3333-3333-3333-333333333333" | .display_name = "org-reader"
      | .roles = ["Organization.Read.All"]]
  | .workloads += [.workloads[0] | .name = "org-reader"
                   | .client_id = "33333333-3333-3333-3333-333333333333"]'
t_start
t_pod_env

t_run token -o json
t_expect_rc 0 "token without roles"
[ "$(jq -c .claims.roles "$T_DIR/out")" = "[]" ] || t_fail "claims.roles is not []"
t_secret "$(jq -r .access_token "$T_DIR/out")"

t_run graph GET /v1.0/organization
t_expect_rc 5 "graph without roles"
t_expect_err "m365id: error: graph request GET /v1.0/organization failed with HTTP 403: Authorization_RequestDenied" \
    "m365id: hint: the access token carries no application roles; grant the app the Microsoft Graph application permission this call needs (for /organization: Organization.Read.All) and admin consent" \
    "m365id: graph: request-id="
t_expect_no_err "AADSTS"

# An app with Organization.Read.All may read the organization but not the users.
t_pod_env org-reader
t_run graph GET /v1.0/organization
t_expect_rc 0 "organization with Organization.Read.All"
t_run graph GET /v1.0/users --all
t_expect_rc 5 "users with Organization.Read.All only"
t_expect_err "Authorization_RequestDenied" \
    "carries the roles 'Organization.Read.All', which do not allow this call" \
    "(for /users: User.Read.All)"
[ ! -s "$T_DIR/out" ] || t_fail "a failed graph command printed to stdout"
t_pass
