#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Federated credential mismatches: issuer trailing slash in both directions, another subject,
# a subject differing only in case, a sovereign-cloud audience, and apps without credentials
# or roles. Each reply is checked for status, error and error_codes.
# Usage: fic_mismatch.sh PATH_TO_M365ID_EMULATOR
set -euo pipefail
EMU_BIN=$1
here=$(dirname "$0")
source "$here/../lib/emulator.sh"

EMU_EXTRA_ARGS=-v emu_start "$here/scenarios/mismatch.json"
T=11111111-1111-1111-1111-111111111111
SCOPE=https://graph.microsoft.com/.default
AUD=api://AzureADTokenExchange
good=$(emu_mint demo team-a graph-reader "$AUD" 3600)

# Baseline: the matching credential works.
emu_token "$T" 22222222-2222-2222-2222-222222222222 "$SCOPE" "$good"
assert_eq "baseline status" "200" "$EMU_STATUS"

# FC-01 A: token iss ends in '/', the credential's issuer does not.
emu_token "$T" 33333333-3333-3333-3333-333333333333 "$SCOPE" "$good"
assert_aadsts 401 invalid_client 700211
assert_contains "700211 names the presented issuer" "'$(emu_json clusters.demo.issuer)'" \
    "$(jq -r .error_description <<<"$EMU_BODY")"

# FC-01 B: token iss has no '/', the credential's issuer has one.
noslash=$(emu_mint noslash team-a graph-reader "$AUD" 3600)
emu_token "$T" 44444444-4444-4444-4444-444444444444 "$SCOPE" "$noslash"
assert_aadsts 401 invalid_client 700211
assert_contains "700211 names the slash-less issuer" "'$EMU_BASE/clusters/noslash'" \
    "$(jq -r .error_description <<<"$EMU_BODY")"

# FC-02: another namespace and service account; the subject is echoed.
keda=$(emu_mint demo keda keda-operator "$AUD" 3600)
emu_token "$T" 22222222-2222-2222-2222-222222222222 "$SCOPE" "$keda"
assert_aadsts 401 invalid_client 700213
assert_contains "700213 echoes the subject" "'system:serviceaccount:keda:keda-operator'" \
    "$(jq -r .error_description <<<"$EMU_BODY")"
assert_contains "debug line says why the credential did not match" \
    "federated credential 'demo-graph-reader' of application 22222222-2222-2222-2222-222222222222 (issuer '$(emu_json clusters.demo.issuer)', subject 'system:serviceaccount:team-a:graph-reader', audience 'api://AzureADTokenExchange'): subject differs" \
    "$(cat "$EMU_LOG")"

# Subject equal except for case: the credential was typed with "Team-A", while Kubernetes
# namespaces, and so the subjects it issues, are lower case.
emu_token "$T" aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa "$SCOPE" "$good"
assert_aadsts 401 invalid_client 7002138

# FC-05: the usgov credential expects api://AzureADTokenExchangeUSGov.
gov_authority=$(emu_json clouds.usgov.authority_host)
emu_token 88888888-8888-8888-8888-888888888888 22222222-2222-2222-2222-222222222222 \
    https://graph.microsoft.us/.default "$good" "$gov_authority"
assert_aadsts 401 invalid_client 700212
assert_contains "700212 echoes the audience" "'api://AzureADTokenExchange'" \
    "$(jq -r .error_description <<<"$EMU_BODY")"
gov=$(emu_mint demo team-a graph-reader api://AzureADTokenExchangeUSGov 3600)
emu_token 88888888-8888-8888-8888-888888888888 22222222-2222-2222-2222-222222222222 \
    https://graph.microsoft.us/.default "$gov" "$gov_authority"
assert_eq "usgov audience status" "200" "$EMU_STATUS"
gov_access=$(jq -r .access_token <<<"$EMU_BODY")
emu_get "$(emu_json clouds.usgov.graph_endpoint)/v1.0/organization" "$gov_access"
assert_eq "usgov graph status" "200" "$EMU_STATUS"
emu_get "$EMU_BASE/v1.0/organization" "$gov_access"
assert_eq "usgov token at public graph" "401" "$EMU_STATUS"

# FC-22: unknown client, and an application without federated credentials.
emu_token "$T" 12345678-1234-1234-1234-123456789012 "$SCOPE" "$good"
assert_aadsts 400 unauthorized_client 700016
emu_token "$T" 55555555-5555-5555-5555-555555555555 "$SCOPE" "$good"
assert_aadsts 401 invalid_client 70025

# FC-21: the exchange works, Graph refuses an application without roles.
emu_token "$T" 66666666-6666-6666-6666-666666666666 "$SCOPE" "$good"
assert_eq "no-roles token status" "200" "$EMU_STATUS"
no_roles=$(jq -r .access_token <<<"$EMU_BODY")
no_roles_claims=$(cut -d. -f2 <<<"$no_roles" | tr '_-' '/+' | base64 -d 2>/dev/null || true)
assert_eq "no roles claim" "null" "$(jq -c .roles <<<"$no_roles_claims")"
emu_get "$EMU_BASE/v1.0/users" "$no_roles"
assert_eq "no-roles graph status" "403" "$EMU_STATUS"
assert_eq "no-roles graph code" "Authorization_RequestDenied" "$(jq -r .error.code <<<"$EMU_BODY")"
assert_eq "no-roles graph message" "Insufficient privileges to complete the operation." \
    "$(jq -r .error.message <<<"$EMU_BODY")"

emu_get "$EMU_BASE/_emulator/stats"
assert_eq "stats count of 700211" "2" "$(jq -r '.errors."700211"' <<<"$EMU_BODY")"
emu_stop_clean
echo "PASS"
