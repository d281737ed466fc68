#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Compatibility test with a real peer client: @azure/identity 4.12.0 (tools/npm) obtains a Graph
# token from the emulator with the environment a pod has, and the token works on the emulator's
# Graph. A federated-credential mismatch must reach the client as AADSTS700213.
#
# Usage: azure_identity.sh EMULATOR_BINARY
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
node_modules="$repo/tools/npm/node_modules"
# shellcheck source=tests/integration/lib/emulator.sh
source "$here/../lib/emulator.sh"

export EMU_BIN=${1:?usage: azure_identity.sh EMULATOR_BINARY}

if [[ ! -f "$node_modules/@azure/identity/package.json" ]]; then
    fail "@azure/identity is not installed in '$node_modules'; run scripts/install-deps"
fi
assert_eq "@azure/identity version" "4.12.0" \
    "$(jq -r .version "$node_modules/@azure/identity/package.json")"
[ -x "$repo/scripts/node" ] || fail "scripts/node is missing"

# The scenario fixes the app's roles, so the test can expect them exactly.
emu_start "$here/scenario.json"

tenant=$(emu_json 'workloads["terraform-apply"].tenant_id')
client=$(emu_json 'workloads["terraform-apply"].client_id')
token_file=$(emu_json 'workloads["terraform-apply"].token_file')

# Runs the peer client with a pod's environment and only that, plus the emulator's CA.
run_client() {
    local file=$1
    env -i PATH="$PATH" HOME="${HOME:-/tmp}" \
        AZURE_CLIENT_ID="$client" AZURE_TENANT_ID="$tenant" \
        AZURE_FEDERATED_TOKEN_FILE="$file" AZURE_AUTHORITY_HOST="$EMU_BASE/" \
        NODE_EXTRA_CA_CERTS="$EMU_CA" \
        "$repo/scripts/node" "$here/azure_identity.mjs" "$node_modules" "$EMU_BASE"
}

# --- case 1: the workload's projected token is exchanged and the Graph token works ---

echo "case: WorkloadIdentityCredential gets a working Graph token"
out=$(run_client "$token_file") || fail "the Node client exited with status $?: $out"
if [[ "$(jq -r .ok <<<"$out")" != "true" ]]; then
    fail "WorkloadIdentityCredential.getToken failed: $(jq -r '.error_name + ": " + .error' <<<"$out")"
fi
assert_eq "claim aud" "https://graph.microsoft.com" "$(jq -r .claims.aud <<<"$out")"
assert_eq "claim appid" "$client" "$(jq -r .claims.appid <<<"$out")"
assert_eq "claim tid" "$tenant" "$(jq -r .claims.tid <<<"$out")"
assert_eq "claim roles" '["DeviceManagementConfiguration.ReadWrite.All","Organization.Read.All"]' \
    "$(jq -c '.claims.roles | sort' <<<"$out")"
assert_eq "claim iss" "https://sts.windows.net/$tenant/" "$(jq -r .claims.iss <<<"$out")"
assert_eq "claim idtyp" "app" "$(jq -r .claims.idtyp <<<"$out")"
assert_eq "GET /v1.0/organization status" "200" "$(jq -r .graph_status <<<"$out")"
assert_eq "organizations returned" "1" "$(jq -r .graph_org_count <<<"$out")"
assert_eq "organization id" "$tenant" "$(jq -r .graph_org_tenant <<<"$out")"

# --- case 2: a subject that matches no federated credential fails with AADSTS700213 ---

echo "case: a federated-credential subject mismatch reaches the client as AADSTS700213"
wrong_file="$_EMU_TMP/wrong-subject-token"
(umask 077 && emu_mint demo terraform-m365 other-sa api://AzureADTokenExchange 3600 >"$wrong_file")
out=$(run_client "$wrong_file") || fail "the Node client exited with status $?: $out"
assert_eq "getToken succeeded" "false" "$(jq -r .ok <<<"$out")"
error_text=$(jq -r .error <<<"$out")
assert_contains "client error text" "AADSTS700213" "$error_text"
assert_contains "client error text" "system:serviceaccount:terraform-m365:other-sa" "$error_text"

emu_get "$EMU_BASE/_emulator/stats"
assert_eq "emulator's AADSTS700213 count" "1" "$(jq -r '.errors["700213"]' <<<"$EMU_BODY")"

echo "2 passed, 0 failed"
