#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# A token given where a file path is expected, and a file path given where a token is expected.
# Each fails in configuration (exit 2) before any request, names the setting and where the
# value came from, states which of the two was given, never prints the token, and never falls
# back to another auth method or another variable.
. "$(dirname "$0")/common.sh" "$@"

t_scenario '.ci_issuers = [{"name": "github", "kind": "github"}]'
t_start
t_pod_env
export M365_RETRY_DELAY_SECONDS=0
projected_file=$AZURE_FEDERATED_TOKEN_FILE
jwt=$(cat "$projected_file")
request_url=$(t_info 'ci_issuers.github.token_request_url')

# reset_env: back to the pod's environment, without the variables a step added.
reset_env() {
    local var
    for var in $(compgen -e | grep -E '^(M365|AZURE|ACTIONS|IDENTITY)_' || true); do
        unset "$var"
    done
    t_pod_env
    export M365_RETRY_DELAY_SECONDS=0
}

# Nothing may reach any endpoint in this test.
no_requests() {
    local field
    for field in token_requests msi_requests graph_requests; do
        [ "$(t_stats ".$field")" -eq 0 ] || t_fail "$1: the emulator counted $field"
    done
}
no_stdout() { [ ! -s "$T_DIR/out" ] || t_fail "$1: something was printed on stdout"; }

# 1. AZURE_FEDERATED_TOKEN_FILE contains the JWT itself.
AZURE_FEDERATED_TOKEN_FILE=$jwt t_run token
t_expect_rc 2 "AZURE_FEDERATED_TOKEN_FILE holding a JWT"
t_expect_err "m365id: error: federated token file path (env AZURE_FEDERATED_TOKEN_FILE) is a token of ${#jwt} bytes, not a path" \
    "m365id: hint: write the token to a file and set entra_id_options.federated_token_file_path, AZURE_FEDERATED_TOKEN_FILE or M365_FEDERATED_TOKEN_FILE to that file's path"
no_stdout "AZURE_FEDERATED_TOKEN_FILE holding a JWT"

# The same through the flag, and through the second variable while the first is unset.
t_run token --token-file "$jwt"
t_expect_rc 2 "--token-file holding a JWT"
t_expect_err "federated token file path (--token-file) is a token of ${#jwt} bytes, not a path"
unset AZURE_FEDERATED_TOKEN_FILE
M365_FEDERATED_TOKEN_FILE=$jwt t_run graph GET /v1.0/organization
t_expect_rc 2 "M365_FEDERATED_TOKEN_FILE holding a JWT"
t_expect_err "federated token file path (env M365_FEDERATED_TOKEN_FILE) is a token of ${#jwt} bytes, not a path"
reset_env

# A correct second variable does not rescue a token in the first: the first set one is the
# setting, and it is reported rather than skipped.
M365_FEDERATED_TOKEN_FILE=$projected_file AZURE_FEDERATED_TOKEN_FILE=$jwt t_run token
t_expect_rc 2 "a JWT in AZURE_FEDERATED_TOKEN_FILE beside a valid M365_FEDERATED_TOKEN_FILE"
t_expect_err "(env AZURE_FEDERATED_TOKEN_FILE) is a token of ${#jwt} bytes, not a path"

# No silent fallback: a client secret and managed-identity variables in the environment are
# not used instead of the broken workload identity setup, with or without M365_AUTH_METHOD.
unset M365_AUTH_METHOD
export M365_CLIENT_SECRET=fallback-secret-value-0123456789
export IDENTITY_ENDPOINT=$T_BASE/msi/token IDENTITY_HEADER=fallback-header-0123456789
export AZURE_FEDERATED_TOKEN_FILE=$jwt
t_secret "$M365_CLIENT_SECRET"
t_secret "$IDENTITY_HEADER"
t_run token
t_expect_rc 2 "a JWT as the token file with other credentials in the environment"
t_expect_err "federated token file path (env AZURE_FEDERATED_TOKEN_FILE) is a token"
t_expect_no_err "client_secret" "managed_identity"
no_stdout "no fallback"
reset_env
no_requests "a token given as the federated token file path"

# 2. M365_OIDC_TOKEN_FILE_PATH contains a JWT (auth method oidc).
export M365_AUTH_METHOD=oidc M365_TENANT_ID=$T_TENANT M365_CLIENT_ID=$T_CLIENT
export M365_OIDC_TOKEN_FILE_PATH=$jwt
t_run token
t_expect_rc 2 "M365_OIDC_TOKEN_FILE_PATH holding a JWT"
t_expect_err "m365id: error: entra_id_options.oidc_token_file_path (env M365_OIDC_TOKEN_FILE_PATH) is a token of ${#jwt} bytes, not a path" \
    "m365id: hint: write the token to a file and set entra_id_options.oidc_token_file_path or M365_OIDC_TOKEN_FILE_PATH to that file's path"
no_stdout "M365_OIDC_TOKEN_FILE_PATH holding a JWT"

# A request URL and token beside it are not used in its place.
export M365_OIDC_REQUEST_URL=$request_url
export M365_OIDC_REQUEST_TOKEN=$(t_info 'ci_issuers.github.request_token')
t_secret "$M365_OIDC_REQUEST_TOKEN"
t_run token
t_expect_rc 2 "a JWT as the OIDC token file beside a request URL and token"
t_expect_err "entra_id_options.oidc_token_file_path (env M365_OIDC_TOKEN_FILE_PATH) is a token"
reset_env

# 3. The OIDC request token is the path of an existing file (the token file meant instead).
export M365_AUTH_METHOD=oidc M365_TENANT_ID=$T_TENANT M365_CLIENT_ID=$T_CLIENT
export M365_OIDC_REQUEST_URL=$request_url M365_OIDC_REQUEST_TOKEN=$projected_file
t_run token
t_expect_rc 2 "M365_OIDC_REQUEST_TOKEN naming a file"
t_expect_err "m365id: error: entra_id_options.oidc_request_token (env M365_OIDC_REQUEST_TOKEN) names an existing file, not a token" \
    "set auth_method = \"oidc\" and entra_id_options.oidc_token_file_path or M365_OIDC_TOKEN_FILE_PATH to it"
# The value of a secret setting is not quoted, even when it is a path.
t_expect_no_err "$projected_file"
no_stdout "M365_OIDC_REQUEST_TOKEN naming a file"

# The GitHub runner's variable, with auth method oidc_github.
unset M365_OIDC_REQUEST_URL M365_OIDC_REQUEST_TOKEN
export M365_AUTH_METHOD=oidc_github ACTIONS_ID_TOKEN_REQUEST_URL=$request_url
export ACTIONS_ID_TOKEN_REQUEST_TOKEN=$projected_file
t_run token
t_expect_rc 2 "ACTIONS_ID_TOKEN_REQUEST_TOKEN naming a file"
t_expect_err "entra_id_options.oidc_request_token (env ACTIONS_ID_TOKEN_REQUEST_TOKEN) names an existing file, not a token"
t_expect_no_err "$projected_file"

# The Azure DevOps federation token variable.
unset ACTIONS_ID_TOKEN_REQUEST_URL ACTIONS_ID_TOKEN_REQUEST_TOKEN
export M365_AUTH_METHOD=oidc_azure_devops AZURE_DEVOPS_FEDERATION_TOKEN=$projected_file
t_run token
t_expect_rc 2 "AZURE_DEVOPS_FEDERATION_TOKEN naming a file"
t_expect_err "AZURE_DEVOPS_FEDERATION_TOKEN names an existing file (a ${#projected_file}-byte value), not a token"
t_expect_no_err "$projected_file"
reset_env

# 4. A token in a setting that is neither a token nor a path: the tenant id.
M365_TENANT_ID=$jwt t_run token
t_expect_rc 2 "M365_TENANT_ID holding a JWT"
t_expect_err "tenant_id (env M365_TENANT_ID) holds a token of ${#jwt} bytes"

[ "$(t_stats .token_requests)" -eq 0 ] || t_fail "a misplaced token or path reached the token endpoint"
[ "$(t_stats .msi_requests)" -eq 0 ] || t_fail "a managed identity endpoint was asked"

# A request token that merely looks like a path but names no file is a token like any other:
# it reaches the OIDC endpoint, which rejects it (exit 4), and it is not shown. This is the one
# step that sends a request.
export M365_AUTH_METHOD=oidc M365_TENANT_ID=$T_TENANT M365_CLIENT_ID=$T_CLIENT
export M365_OIDC_REQUEST_URL=$request_url M365_OIDC_REQUEST_TOKEN=$T_DIR/no-such-file
t_run token
t_expect_rc 4 "a path-shaped request token that names no file"
t_expect_no_err "names an existing file" "$T_DIR/no-such-file"
reset_env

# The projected token appears in no output, only its length.
t_no_assertion_in_stdout "$jwt"
t_pass
