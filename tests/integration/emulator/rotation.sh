#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Workload token files are replaced before they expire, like the kubelet does: with a
# 10-second lifetime the file must change within 20 s, stay mode 0600, and keep working.
# Usage: rotation.sh PATH_TO_M365ID_EMULATOR
set -euo pipefail
EMU_BIN=$1
here=$(dirname "$0")
source "$here/../lib/emulator.sh"

EMU_EXTRA_ARGS=-v emu_start "$here/scenarios/rotation.json"
assert_contains "warning for a short lifetime" "below the Kubernetes minimum" "$(cat "$EMU_LOG")"
file=$(emu_json workloads.rotating.token_file)
first=$(cat "$file")
iat_of() { cut -d. -f2 <<<"$1" | tr '_-' '/+' | base64 -d 2>/dev/null | jq -r .iat || true; }

second=$first
for ((i = 0; i < 200; i++)); do
    second=$(cat "$file")
    [[ "$second" != "$first" ]] && break
    sleep 0.1
done
[[ "$second" != "$first" ]] || fail "token file unchanged after 20 s"
assert_eq "rotated file mode" "600" "$(stat -c %a "$file")"
assert_contains "debug line for the rotation" "DEBUG issuer: workload 'rotating': rotating its token file" \
    "$(cat "$EMU_LOG")"
(($(iat_of "$second") > $(iat_of "$first"))) || fail "rotated token is not newer"

emu_token 11111111-1111-1111-1111-111111111111 22222222-2222-2222-2222-222222222222 \
    https://graph.microsoft.com/.default "$second"
assert_eq "rotated token exchange" "200" "$EMU_STATUS"
emu_stop_clean
echo "PASS"
