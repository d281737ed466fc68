#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The token-file setting unset, set but empty, naming a missing path, or naming a directory:
# each is its own error with the path and where it came from, never "open :", and no request
# is sent. Unset and empty are configuration errors (exit 2), the others token file errors (3).
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env
token_file=$AZURE_FEDERATED_TOKEN_FILE

# Unset.
unset AZURE_FEDERATED_TOKEN_FILE
t_run token
t_expect_rc 2 "token file unset"
t_expect_err "m365id: error: federated token file is not set" \
    "m365id: hint: set entra_id_options.federated_token_file_path, AZURE_FEDERATED_TOKEN_FILE" \
    "azure.workload.identity/use"

# Set but empty, as an unmutated pod templated from an empty value has it.
AZURE_FEDERATED_TOKEN_FILE= t_run token
t_expect_rc 2 "token file empty"
t_expect_err "m365id: error: AZURE_FEDERATED_TOKEN_FILE is set but empty"

# The path does not exist.
missing=/var/run/secrets/azure/tokens/missing-$$
AZURE_FEDERATED_TOKEN_FILE=$missing t_run token
t_expect_rc 3 "token file missing"
t_expect_err "m365id: error: federated token file '$missing' (from env AZURE_FEDERATED_TOKEN_FILE) does not exist" \
    "/var/run/secrets/azure/tokens/azure-identity-token"

# The flag names itself as the source.
t_run token --token-file "$T_DIR/nope"
t_expect_rc 3 "token file missing, flag"
t_expect_err "federated token file '$T_DIR/nope' (from --token-file) does not exist"

# The path is the mounted directory instead of the file in it.
AZURE_FEDERATED_TOKEN_FILE=$(dirname "$token_file") t_run token
t_expect_rc 3 "token file is a directory"
t_expect_err "is a directory, not a file" "<dir>/azure-identity-token"

# Permission denied cannot be staged for root, who reads any file.
if [ "$(id -u)" -ne 0 ]; then
    cp "$token_file" "$T_DIR/unreadable"
    chmod 000 "$T_DIR/unreadable"
    AZURE_FEDERATED_TOKEN_FILE="$T_DIR/unreadable" t_run token
    t_expect_rc 3 "token file unreadable"
    t_expect_err "cannot be read: permission denied"
else
    t_log "running as root: the permission-denied case is not staged"
fi

for run in "$T_DIR"/run*.err; do
    ! grep -q "open :" "$run" || t_fail "$run shows an empty path ('open :')"
done
[ "$(t_stats .token_requests)" -eq 0 ] || t_fail "a token request was sent"
t_pass
