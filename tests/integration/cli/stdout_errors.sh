#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Output that cannot be written is a failure: with stdout on a full device or closed, every
# command exits 7 and names the reason, instead of exiting 0 with nothing printed.
. "$(dirname "$0")/common.sh" "$@"

[ -w /dev/full ] || t_fail "this test needs /dev/full"

# run_to DEST ARGS...: like t_run, with stdout sent to DEST, or closed when DEST is "closed".
run_to() {
    local dest=$1
    shift
    T_RUNS=$((T_RUNS + 1))
    set +e
    if [ "$dest" = closed ]; then
        timeout 50 "$M365ID" "$@" 2>"$T_DIR/err" >&-
    else
        timeout 50 "$M365ID" "$@" 2>"$T_DIR/err" >"$dest"
    fi
    T_RC=$?
    set -e
    : >"$T_DIR/out"
    cp "$T_DIR/err" "$T_DIR/run$T_RUNS.err"
    [ "$T_RC" -ne 124 ] || t_fail "m365id $* did not finish within 50 s"
}

full="cannot write to standard output: No space left on device"
closed="cannot write to standard output: Bad file descriptor"

# Commands that need no server.
run_to /dev/full version
t_expect_rc 7 "version to /dev/full"
t_expect_err "m365id: error: $full"
run_to closed --help
t_expect_rc 7 "--help with stdout closed"
t_expect_err "m365id: error: $closed"
run_to /dev/full help graph
t_expect_rc 7 "help graph to /dev/full"
t_expect_err "m365id: error: $full"

t_scenario
t_start
t_pod_env

run_to /dev/full token
t_expect_rc 7 "token to /dev/full"
t_expect_err "m365id: error: $full"
[ "$(grep -c 'cannot write' "$T_DIR/err")" -eq 1 ] || t_fail "the write failure is reported more than once"
run_to closed token -o json
t_expect_rc 7 "token -o json with stdout closed"
t_expect_err "m365id: error: $closed"
run_to /dev/full graph GET /v1.0/organization
t_expect_rc 7 "graph to /dev/full"
t_expect_err "m365id: error: $full"
run_to /dev/full graph GET /v1.0/users --all -o raw
t_expect_rc 7 "graph -o raw to /dev/full"
t_expect_err "m365id: error: $full"

# The same commands succeed when stdout can be written.
t_run token
t_expect_rc 0 "token to a file"
t_secret "$(cat "$T_DIR/out")"
t_run graph GET /v1.0/organization
t_expect_rc 0 "graph to a file"
t_expect_out '"Contoso"'
t_pass
