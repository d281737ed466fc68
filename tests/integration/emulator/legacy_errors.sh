#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# With "legacy_fic_errors": true every credential mismatch is AADSTS70021 (HTTP 400
# invalid_request) naming issuer, subject and audience, as older Entra replies did.
# Usage: legacy_errors.sh PATH_TO_M365ID_EMULATOR
set -euo pipefail
EMU_BIN=$1
here=$(dirname "$0")
source "$here/../lib/emulator.sh"

emu_start "$here/scenarios/legacy.json"
T=11111111-1111-1111-1111-111111111111
SCOPE=https://graph.microsoft.com/.default
keda=$(emu_mint demo keda keda-operator api://AzureADTokenExchange 3600)

emu_token "$T" 22222222-2222-2222-2222-222222222222 "$SCOPE" "$keda"
assert_aadsts 400 invalid_request 70021
text=$(jq -r .error_description <<<"$EMU_BODY")
assert_contains "70021 names the issuer" "Assertion Issuer: '$(emu_json clusters.demo.issuer)'" "$text"
assert_contains "70021 names the subject" "Assertion Subject: 'system:serviceaccount:keda:keda-operator'" "$text"
assert_contains "70021 names the audience" "Assertion Audience: 'api://AzureADTokenExchange'" "$text"

good=$(emu_mint demo team-a graph-reader api://AzureADTokenExchange 3600)
emu_token "$T" 33333333-3333-3333-3333-333333333333 "$SCOPE" "$good"
assert_aadsts 400 invalid_request 70021
emu_token "$T" 22222222-2222-2222-2222-222222222222 "$SCOPE" "$good"
assert_eq "matching credential still works" "200" "$EMU_STATUS"
emu_stop_clean
echo "PASS"
