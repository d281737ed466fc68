#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The token file setting is unset, empty, names a missing file, a directory or an unreadable
# file: each is its own finding with the path and its source, with the mounted tokens listed
# and the existing path suggested.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env
token_file=$AZURE_FEDERATED_TOKEN_FILE

# Unset: the library rejects the configuration and the token-file check reports the reason.
unset AZURE_FEDERATED_TOKEN_FILE
d_run --offline
t_expect_rc 8 "token file unset"
d_expect config fail
d_expect_finding config fail "federated token file is not set"
d_expect token-file fail
d_expect_finding token-file fail "no token file is set"
d_expect exchange skip

# Set but empty.
AZURE_FEDERATED_TOKEN_FILE= d_run --offline
t_expect_rc 8 "token file empty"
d_expect_finding token-file fail "the token file variable is set but empty"
d_expect_text token-file "AZURE_FEDERATED_TOKEN_FILE: set but empty"

# A missing file beside the mounted token: the real one is suggested.
missing=$(dirname "$token_file")/missing-token
AZURE_FEDERATED_TOKEN_FILE=$missing d_run --offline
t_expect_rc 8 "token file missing"
d_expect config pass
d_expect_finding token-file fail "the token file does not exist"
d_expect_text token-file "path: $missing" "source: env AZURE_FEDERATED_TOKEN_FILE" \
    "mounted token 1: $token_file (aud api://AzureADTokenExchange)" \
    "set AZURE_FEDERATED_TOKEN_FILE to the mounted token '$token_file'"

# The flag names itself as the source; nothing mounted nearby gives the projection to add.
d_run --offline --token-file "$T_DIR/nowhere/token"
t_expect_rc 8 "token file missing, flag"
d_expect_text token-file "source: --token-file" "mount a projected service-account token" \
    "audience: api://AzureADTokenExchange"

# The mounted directory instead of the file in it.
AZURE_FEDERATED_TOKEN_FILE=$(dirname "$token_file") d_run --offline
t_expect_rc 8 "token file is a directory"
d_expect_finding token-file fail "is a directory, not a file"
d_expect_text token-file "mounted token 1: $token_file"

# An empty file and a file that is not a JWT.
: >"$T_DIR/empty"
d_run --offline --token-file "$T_DIR/empty"
d_expect_finding token-file fail "the token file is empty (0 bytes"
echo not-a-jwt >"$T_DIR/garbage"
d_run --offline --token-file "$T_DIR/garbage"
d_expect_finding token-file fail "the token file is not a JWT"

# Permission denied cannot be staged for root, who reads any file.
if [ "$(id -u)" -ne 0 ]; then
    cp "$token_file" "$T_DIR/unreadable"
    chmod 000 "$T_DIR/unreadable"
    d_run --offline --token-file "$T_DIR/unreadable"
    t_expect_rc 8 "token file unreadable"
    d_expect_finding token-file fail "the token file cannot be read: Permission denied"
    d_expect_text token-file "mode: 0000" "this process: uid $(id -u)" "fsGroup"
else
    t_log "running as root: the permission-denied case (mode 000) is not staged"
fi

# A loop of symbolic links: the message has its verb, and the fix is about the link, not
# about mounting a projected volume.
ln -s "$T_DIR/loop-b" "$T_DIR/loop-a"
ln -s "$T_DIR/loop-a" "$T_DIR/loop-b"
d_run --offline --token-file "$T_DIR/loop-a"
t_expect_rc 8 "symlink loop"
d_expect_finding token-file fail \
    "the token file cannot be opened: Too many levels of symbolic links; the path is a loop"
d_expect_text token-file "point the symbolic link at the token file" "path: $T_DIR/loop-a"
! d_text token-file | grep -q "projected" || t_fail "the symlink loop fix suggests a volume"

for run in "$T_DIR"/run*.out; do
    ! grep -q "open :" "$run" || t_fail "$run shows an empty path ('open :')"
done
[ "$(t_stats .token_requests)" -eq 0 ] || t_fail "a token request was sent"
t_pass
