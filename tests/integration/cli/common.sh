# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Shared steps of the CLI integration tests, sourced by each test as
#   . "$(dirname "$0")/common.sh" M365ID_BINARY EMULATOR_BINARY
# It gives the test a private temp dir, a scenario writer, pod-style environments, a runner that
# captures the CLI's exit status and output, and the check that no secret was ever printed.

set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 M365ID_BINARY EMULATOR_BINARY" >&2; exit 2; }
M365ID=$(realpath "$1")
EMULATOR=$(realpath "$2")
T_NAME=$(basename "$0" .sh)
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/m365id-cli-$T_NAME.XXXXXX")
T_RC=0
T_SECRETS=()
T_RUNS=0

# The emulator side: emu_start, emu_json, emu_mint, emu_token and emu_stop.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/emulator.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../lib/demo_scenario.sh"
EMU_BIN=$EMULATOR

# The test uses only the settings it sets itself, and its requests reach only loopback.
. "$(dirname "${BASH_SOURCE[0]}")/../lib/sandbox.sh"
sandbox_env

t_cleanup() {
    local rc=$?

    if declare -F _emu_cleanup >/dev/null; then
        _emu_cleanup >/dev/null 2>&1 || true
    fi
    if [ "$rc" -ne 0 ]; then
        echo "--- $T_NAME failed; files kept in $T_DIR" >&2
    else
        rm -rf "$T_DIR"
    fi
}
trap t_cleanup EXIT

t_log() { printf '%s: %s\n' "$T_NAME" "$*"; }

# Print what the last run wrote, then stop the test.
t_fail() {
    printf '%s: FAIL: %s\n' "$T_NAME" "$*" >&2
    if [ -f "$T_DIR/err" ]; then
        printf -- '--- exit status %s; stderr of the last run:\n' "$T_RC" >&2
        head -c 4000 "$T_DIR/err" >&2
        printf -- '--- stdout of the last run:\n' >&2
        head -c 2000 "$T_DIR/out" >&2
    fi
    if [ -n "${EMU_LOG:-}" ] && [ -f "$EMU_LOG" ]; then
        printf -- '--- last emulator log lines:\n' >&2
        tail -n 15 "$EMU_LOG" >&2
    fi
    exit 1
}

# t_scenario JQ_FILTER: write the base scenario changed by JQ_FILTER to $T_DIR/scenario.json.
# The base is the emulator's built-in scenario: tenant 1111..., app 2222... federated with the
# service account terraform-m365/terraform-m365-sa of cluster "demo", five users.
T_TENANT=11111111-1111-1111-1111-111111111111
T_CLIENT=22222222-2222-2222-2222-222222222222
t_scenario() {
    demo_scenario "$T_TENANT" "$T_CLIENT" '["Organization.Read.All", "User.Read.All"]' '[
      {"displayName": "Adele Vance", "userPrincipalName": "adele@contoso.onmicrosoft.com"},
      {"displayName": "Alex Wilber", "userPrincipalName": "alex@contoso.onmicrosoft.com"},
      {"displayName": "Diego Siciliani", "userPrincipalName": "diego@contoso.onmicrosoft.com"},
      {"displayName": "Grady Archie", "userPrincipalName": "grady@contoso.onmicrosoft.com"},
      {"displayName": "Megan Bowen", "userPrincipalName": "megan@contoso.onmicrosoft.com"}
    ]' | jq "${1:-.}" >"$T_DIR/scenario.json"
    T_SCENARIO="$T_DIR/scenario.json"
}

# t_start: start the emulator on the scenario written by t_scenario (the built-in one without).
t_start() {
    emu_start "${T_SCENARIO:-}"
    # emu_start installs its own EXIT trap; t_cleanup runs it and keeps the files of a failure.
    trap t_cleanup EXIT
    T_CA=$EMU_CA
    T_BASE=$EMU_BASE
}

# t_info KEY: one value of emulator.json (a jq path without the leading dot).
t_info() {
    emu_json "$1" || t_fail "emulator.json has no '$1'"
}

# t_pod_env [WORKLOAD] [CLOUD]: export the environment the workload identity webhook injects
# into a pod, pointed at the emulator's CLOUD (default public), plus what m365id needs locally.
t_pod_env() {
    local workload=${1:-terraform-apply} cloud=${2:-public}

    AZURE_CLIENT_ID=$(t_info "workloads[\"$workload\"].client_id")
    AZURE_TENANT_ID=$(t_info "workloads[\"$workload\"].tenant_id")
    AZURE_FEDERATED_TOKEN_FILE=$(t_info "workloads[\"$workload\"].token_file")
    AZURE_AUTHORITY_HOST=$(t_info "clouds.$cloud.authority_host")
    M365_AUTH_METHOD=workload_identity
    M365_GRAPH_ENDPOINT=$(t_info "clouds.$cloud.graph_endpoint")
    M365_CA_BUNDLE=$T_CA
    export AZURE_CLIENT_ID AZURE_TENANT_ID AZURE_FEDERATED_TOKEN_FILE AZURE_AUTHORITY_HOST
    export M365_AUTH_METHOD M365_GRAPH_ENDPOINT M365_CA_BUNDLE
    [ -s "$AZURE_FEDERATED_TOKEN_FILE" ] || t_fail "no projected token at '$AZURE_FEDERATED_TOKEN_FILE'"
    t_secret "$(cat "$AZURE_FEDERATED_TOKEN_FILE")"
}

# t_secret VALUE: remember a secret that must never appear in the CLI's stderr (nor in stdout,
# except for the access token that `token` prints on purpose: see t_no_secrets).
t_secret() {
    [ -n "$1" ] && T_SECRETS+=("$1")
    return 0
}

# t_run ARGS...: run m365id with ARGS; stdout in $T_DIR/out, stderr in $T_DIR/err, status in
# $T_RC. Every run's output is also kept for t_no_secrets.
t_run() {
    T_RUNS=$((T_RUNS + 1))
    set +e
    timeout 50 "$M365ID" "$@" >"$T_DIR/out" 2>"$T_DIR/err"
    T_RC=$?
    set -e
    cp "$T_DIR/out" "$T_DIR/run$T_RUNS.out"
    cp "$T_DIR/err" "$T_DIR/run$T_RUNS.err"
    [ "$T_RC" -ne 124 ] || t_fail "m365id $* did not finish within 50 s"
}

t_expect_rc() {
    [ "$T_RC" -eq "$1" ] || t_fail "${2:-last run}: exit status $T_RC, expected $1"
}

# t_expect_err TEXT...: each TEXT appears literally in the last run's stderr.
t_expect_err() {
    local text
    for text in "$@"; do
        grep -qF -- "$text" "$T_DIR/err" || t_fail "stderr lacks: $text"
    done
}

t_expect_no_err() {
    local text
    for text in "$@"; do
        ! grep -qF -- "$text" "$T_DIR/err" || t_fail "stderr unexpectedly contains: $text"
    done
}

t_expect_out() {
    local text
    for text in "$@"; do
        grep -qF -- "$text" "$T_DIR/out" || t_fail "stdout lacks: $text"
    done
}

# t_stats JQ_FILTER: one value from the emulator's counters.
t_stats() {
    curl -fsS --max-time 10 --cacert "$T_CA" "$T_BASE/_emulator/stats" | jq -r "$1"
}

# t_no_secrets: no secret remembered with t_secret, and nothing shaped like a JWT, appears in
# any run's stderr. Each secret is also checked by its signature part, so a cut copy is caught.
t_no_secrets() {
    local secret part file
    for file in "$T_DIR"/run*.err; do
        [ -e "$file" ] || continue
        ! grep -qE 'eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.' "$file" \
            || t_fail "a JWT-shaped string appears in $file"
    done
    for secret in "${T_SECRETS[@]}"; do
        for part in "$secret" "${secret##*.}"; do
            [ ${#part} -ge 16 ] || continue
            for file in "$T_DIR"/run*.err; do
                [ -e "$file" ] || continue
                ! grep -qF -- "$part" "$file" || t_fail "a secret appears in $file"
            done
        done
    done
}

# t_no_assertion_in_stdout: the projected token never reaches stdout.
t_no_assertion_in_stdout() {
    local token=$1 file
    for file in "$T_DIR"/run*.out; do
        ! grep -qF -- "${token##*.}" "$file" || t_fail "the projected token appears in $file"
    done
}

t_pass() {
    t_no_secrets
    t_log "ok ($T_RUNS runs)"
}
