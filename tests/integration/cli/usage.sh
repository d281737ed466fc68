#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Command-line handling without an emulator: help on every command (options, environment,
# exit codes), usage errors exit 1 with a pointer to the help, and no flag takes a token.
. "$(dirname "$0")/common.sh" "$@"

for args in "--help" "help" "token --help" "help token" "graph --help" "help graph"; do
    # shellcheck disable=SC2086
    t_run $args
    t_expect_rc 0 "m365id $args"
    t_expect_out "Exit status:" "  4  authentication failed"
done
for args in "--help" "token --help" "graph --help"; do
    # shellcheck disable=SC2086
    t_run $args
    t_expect_out "--tenant-id ID" "--timeout SECONDS" "in seconds" "AZURE_FEDERATED_TOKEN_FILE" \
        "M365_RETRY_DELAY_SECONDS" "M365_FEDERATED_TOKEN_AUDIENCE" "a flag wins over the environment"
done
t_run token --help
t_expect_out "--output FORMAT" "WITHOUT verifying its signature"
t_run graph --help
t_expect_out "--body FILE" "--all" "Authorization_RequestDenied"
t_run help version
t_expect_rc 0 "help version"

t_run version
t_expect_rc 0 "version"
grep -qE '^m365id [0-9]+\.[0-9]+\.[0-9]+$' "$T_DIR/out" || t_fail "version output: $(cat "$T_DIR/out")"

# No option takes a secret: the help lists no token, secret or password flag.
t_run --help
! grep -qiE -- '--(access-)?token[ =]|--secret|--password|--assertion' "$T_DIR/out" \
    || t_fail "the help lists a flag that takes a secret"

expect_usage() { # expect_usage "STDERR TEXT" ARGS...
    local text=$1
    shift
    t_run "$@"
    t_expect_rc 1 "m365id $*"
    t_expect_err "m365id: error: $text" "m365id: hint: "
    [ ! -s "$T_DIR/out" ] || t_fail "m365id $* printed to stdout"
}
expect_usage "missing COMMAND"
expect_usage "unknown command 'login'" login
expect_usage "unknown command 'login'" help login
expect_usage "unknown option '--token' (write option names in full)" token --token abc
expect_usage "unknown option '--tenant=x'" --tenant=x token
expect_usage "unknown option '-x'" -x token
expect_usage "option '--tenant-id' needs a value" token --tenant-id
expect_usage "unknown output format 'yaml'" token -o yaml
t_expect_err "m365id: hint: run 'm365id token --help' for the options"
expect_usage "unexpected argument 'extra'" token extra
expect_usage "missing METHOD and PATH" graph
expect_usage "missing PATH" graph GET
expect_usage "unknown method 'FETCH'" graph FETCH /v1.0/organization
expect_usage "--body is not used with GET" graph get /v1.0/organization --body /dev/null
expect_usage "--all pages through GET replies only" graph POST /v1.0/users --all
printf '{"displayName": ' >"$T_DIR/bad.json"
expect_usage "body file '$T_DIR/bad.json' is not JSON" graph POST /v1.0/users --body "$T_DIR/bad.json"
expect_usage "cannot open body file '$T_DIR/none.json'" graph PATCH /v1.0/users/x --body "$T_DIR/none.json"
expect_usage "cannot read body file '$T_DIR': it is a directory" graph POST /v1.0/users --body "$T_DIR"
t_expect_err "m365id: hint: pass a file to --body"

# Configuration errors exit 2; every missing required setting is named at once, and one missing
# setting gets its own message. The command defaults the method to workload_identity, but
# M365_AUTH_METHOD still wins over that default.
t_run token
t_expect_rc 2 "nothing configured"
t_expect_err "m365id: error: tenant id, client id and federated token file are not set" \
    "m365id: hint: set tenant_id (M365_TENANT_ID or AZURE_TENANT_ID), entra_id_options.client_id (M365_CLIENT_ID or AZURE_CLIENT_ID) and entra_id_options.federated_token_file_path (AZURE_FEDERATED_TOKEN_FILE or M365_FEDERATED_TOKEN_FILE)"
t_run --client-id "$T_CLIENT" token
t_expect_rc 2 "only the client id"
t_expect_err "m365id: error: tenant id and federated token file are not set"
t_run --client-id "$T_CLIENT" --token-file /dev/null token
t_expect_rc 2 "no tenant id"
t_expect_err "m365id: error: tenant id is not set" "AZURE_TENANT_ID"
M365_AUTH_METHOD=azure_cli t_run token
t_expect_rc 2 "method from the environment"
t_expect_err "auth method 'azure_cli'" "workload_identity"
t_run --auth-method workload_identity --tenant-id "$T_TENANT" --token-file /dev/null token
t_expect_rc 2 "no client id"
t_expect_err "m365id: error: client id is not set" "AZURE_CLIENT_ID"
t_run --auth-method workload_identity --tenant-id "$T_TENANT" --client-id "$T_CLIENT" \
    --token-file /dev/null --timeout 0 token
t_expect_rc 2 "timeout 0"
t_expect_err "client_options.timeout_seconds '0' (--timeout)"
t_pass
