#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Token value and token-file path confused: the token itself in AZURE_FEDERATED_TOKEN_FILE,
# and a file path in the OIDC request token setting. The config check reports the library's
# message with the source, and the token is never printed.
. "$(dirname "$0")/common.sh" "$@"

t_scenario '.ci_issuers = [{"name": "github", "kind": "github"}]'
t_start
t_pod_env
jwt=$(cat "$AZURE_FEDERATED_TOKEN_FILE")
projected=$AZURE_FEDERATED_TOKEN_FILE

AZURE_FEDERATED_TOKEN_FILE=$jwt d_run
t_expect_rc 8 "token in the token file variable"
d_expect config fail
d_expect_finding config fail "(env AZURE_FEDERATED_TOKEN_FILE) is a token of ${#jwt} bytes, not a path"
d_expect_text config "write the token to a file"
d_expect token-file fail
d_expect_finding token-file fail "the token file setting holds a token of ${#jwt} bytes, not a path"
d_expect exchange skip

# The text report shows each setting with its source when the configuration resolves.
t_run doctor --offline
t_expect_out "token file:     $projected (env AZURE_FEDERATED_TOKEN_FILE)"

# A path where the OIDC request token belongs.
M365_AUTH_METHOD=oidc M365_TENANT_ID=$T_TENANT M365_CLIENT_ID=$T_CLIENT \
    M365_OIDC_REQUEST_URL=$(t_info 'ci_issuers.github.token_request_url') \
    M365_OIDC_REQUEST_TOKEN=$projected d_run
t_expect_rc 8 "file path as the OIDC request token"
d_expect_finding config fail "(env M365_OIDC_REQUEST_TOKEN) names an existing file, not a token"
d_expect token-file skip

[ "$(t_stats .token_requests)" -eq 0 ] || t_fail "a token request was sent"
d_no_jwt_anywhere
t_pass
