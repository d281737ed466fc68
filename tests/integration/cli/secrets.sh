#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Secret canary: every command, on success and on failure paths, at the most verbose log level
# (-vvv). Neither the projected token (the assertion) nor an access token appears in any
# stderr, and the assertion never appears in stdout either.
. "$(dirname "$0")/common.sh" "$@"

t_scenario '
  .tenants[0].applications += [.tenants[0].applications[0]
      | .app_id = "33333333-3333-3333-3333-333333333333" | .display_name = "no-roles"
      | .roles = []]
  | .workloads += [(.workloads[0] | .name = "no-roles"
                    | .client_id = "33333333-3333-3333-3333-333333333333"),
                   (.workloads[0] | .name = "wrong-subject" | .service_account = "other")]'
t_start
t_pod_env
export M365_RETRY_DELAY_SECONDS=0 M365_MAX_RETRIES=1
assertion=$(cat "$AZURE_FEDERATED_TOKEN_FILE")

# The access token, from a call of its own.
t_run token -o raw
t_expect_rc 0 "token -o raw"
t_secret "$(cat "$T_DIR/out")"

t_run -vvv token -o raw
t_expect_rc 0 "token -o raw -vvv"
t_secret "$(cat "$T_DIR/out")"
t_expect_err "m365id: trace " "m365id: debug "

t_run -vvv token -o json
t_expect_rc 0 "token -o json -vvv"
t_secret "$(jq -r .access_token "$T_DIR/out")"

t_run -vvv graph GET /v1.0/organization
t_expect_rc 0 "graph -vvv"
t_run graph -vvv GET '/v1.0/users?$top=2' --all
t_expect_rc 0 "graph --all -vvv"

# A token from another cloud's Graph: 401 InvalidAuthenticationToken.
t_run -vvv --graph-endpoint "$(t_info clouds.usgov.graph_endpoint)" graph GET /v1.0/organization
t_expect_rc 5 "graph 401 -vvv"
t_expect_err "InvalidAuthenticationToken"

# Failure paths: Graph 403, Entra ID refusal, an audience mismatch, a malformed token file.
t_pod_env no-roles
t_run -vvv graph GET /v1.0/organization
t_expect_rc 5 "graph 403 -vvv"
t_pod_env wrong-subject
t_run -vvv token
t_expect_rc 4 "token 700213 -vvv"
t_run -vvv --cloud gcchigh --authority-host "$AZURE_AUTHORITY_HOST" token
t_expect_rc 3 "audience mismatch -vvv"
printf '%s' "${assertion%.*}" >"$T_DIR/two-parts"
t_run -vvv --token-file "$T_DIR/two-parts" token
t_expect_rc 3 "two-part token file -vvv"
t_run -vvv help token
t_expect_rc 0 "help"
t_run -vvv version
t_expect_rc 0 "version"

t_secret "$assertion"
t_no_assertion_in_stdout "$assertion"
t_pass
