#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# A configuration flag given an empty value, as `--tenant-id "$UNSET_VAR"` produces, is a usage
# error that names the flag, instead of being ignored in favour of the environment.
. "$(dirname "$0")/common.sh" "$@"

# Complete settings in the environment: without the check, each run below would use them.
export M365_AUTH_METHOD=workload_identity AZURE_TENANT_ID=$T_TENANT AZURE_CLIENT_ID=$T_CLIENT
export AZURE_FEDERATED_TOKEN_FILE=$T_DIR/token AZURE_AUTHORITY_HOST=https://127.0.0.1:9/
export M365_GRAPH_ENDPOINT=https://127.0.0.1:9 M365_MAX_RETRIES=0 M365_TIMEOUT_SECONDS=2

expect_empty() { # expect_empty FLAG ENV_TEXT ARGS...
    local flag=$1 env_text=$2
    shift 2
    t_run "$@"
    t_expect_rc 1 "m365id $*"
    t_expect_err "m365id: error: option '$flag' has an empty value" \
        "m365id: hint: give $flag a value, or leave the flag out so that $env_text applies"
    [ ! -s "$T_DIR/out" ] || t_fail "m365id $* printed to stdout"
}

expect_empty --token-file "AZURE_FEDERATED_TOKEN_FILE or M365_FEDERATED_TOKEN_FILE" \
    token --token-file ""
expect_empty --tenant-id "M365_TENANT_ID or AZURE_TENANT_ID" token --tenant-id ""
expect_empty --client-id "M365_CLIENT_ID or AZURE_CLIENT_ID" --client-id "" token
expect_empty --authority-host "M365_AUTHORITY_HOST, AZURE_AUTHORITY_HOST or the cloud's authority" \
    graph GET /v1.0/organization --authority-host ""
expect_empty --scope "M365_SCOPE or the cloud's default scope" token --scope=
expect_empty --cloud "M365_CLOUD, AZURE_CLOUD or the default public" --cloud= token
expect_empty --auth-method "M365_AUTH_METHOD or the default workload_identity" \
    token --auth-method ""
t_expect_no_err "auth method is not set"
expect_empty --graph-endpoint "M365_GRAPH_ENDPOINT or the cloud's endpoint" \
    graph GET /v1.0/organization --graph-endpoint ""
expect_empty --ca-bundle "M365_CA_BUNDLE or the system's CA store" token --ca-bundle ""
expect_empty --timeout "M365_TIMEOUT_SECONDS or the default 30" token --timeout ""
expect_empty --retries "M365_MAX_RETRIES or the default 3" --retries "" token

# A value that is only a space is not empty: the library rejects it as a bad tenant id.
t_run token --tenant-id " "
t_expect_rc 2 "tenant id of one space"
t_expect_err "tenant id ' ' (--tenant-id) is not a GUID or a domain name"
t_pass
