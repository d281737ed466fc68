#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Issuers outside the emulator: refused by default (90061 without any request), fetched with
# --allow-external-issuers. A second emulator on another port plays the outside cluster, and
# SSL_CERT_FILE makes the first one trust it; without that the TLS check fails and reports it.
# Usage: external_issuer.sh PATH_TO_M365ID_EMULATOR
set -euo pipefail
EMU_BIN=$1
here=$(dirname "$0")
source "$here/../lib/emulator.sh"

# The outside cluster: an emulator whose built-in scenario has the cluster "demo".
emu_start ""
outside_issuer=$(emu_json clusters.demo.issuer)
outside_ca=$EMU_CA
token=$(emu_mint demo team-a graph-reader api://AzureADTokenExchange 3600)

T=11111111-1111-1111-1111-111111111111
C=22222222-2222-2222-2222-222222222222
work=$(mktemp -d "${TMPDIR:-/tmp}/m365id-ext.XXXXXX")
inside_pid=
cleanup() {
    [[ -n "$inside_pid" ]] && kill "$inside_pid" 2>/dev/null && wait "$inside_pid" 2>/dev/null
    rm -rf "$work"
}
trap 'cleanup; _emu_cleanup' EXIT

cat >"$work/scenario.json" <<JSON
{"clusters": [{"name": "local"}],
 "tenants": [{"id": "$T", "cloud": "public", "display_name": "Contoso",
   "domains": ["contoso.onmicrosoft.com"],
   "applications": [{"app_id": "$C", "display_name": "outside-cluster-app",
     "roles": ["Organization.Read.All"],
     "federated_credentials": [{"name": "outside", "issuer": "$outside_issuer",
       "subject": "system:serviceaccount:team-a:graph-reader",
       "audiences": ["api://AzureADTokenExchange"]}]}]}]}
JSON

# Start the emulator under test by hand, since emu_start runs the outside one.
# Usage: start_inside CA_FILE_FOR_SSL_CERT_FILE [EMULATOR_FLAGS...]
start_inside() {
    local bundle=$1
    shift
    rm -rf "$work/state"
    SSL_CERT_FILE=$bundle "$EMU_BIN" --config "$work/scenario.json" --state-dir "$work/state" \
        --port 0 "$@" 2>"$work/inside.log" &
    inside_pid=$!
    for _ in $(seq 100); do
        [[ -f "$work/state/emulator.json" ]] && break
        sleep 0.1
    done
    [[ -f "$work/state/emulator.json" ]] || fail "the emulator under test did not start"
    inside_base=$(jq -r .base_url "$work/state/emulator.json")
}
stop_inside() {
    kill "$inside_pid"
    wait "$inside_pid" || fail "the emulator under test exited with status $?"
    inside_pid=
}
exchange() {
    EMU_CA=$work/state/ca.pem emu_token "$T" "$C" https://graph.microsoft.com/.default \
        "$token" "$inside_base/"
}
describe() { jq -r .error_description <<<"$EMU_BODY"; }

# Default: another host is never contacted, even with its CA trusted.
start_inside "$outside_ca"
exchange
assert_aadsts 400 invalid_request 90061
assert_contains "refusal names the switch" "--allow-external-issuers" "$(describe)"
stop_inside

# Allowed, but the outside CA is not trusted: the TLS failure is reported.
: >"$work/empty.pem"
start_inside "$work/empty.pem" --allow-external-issuers
exchange
assert_aadsts 400 invalid_request 90061
assert_contains "names the outside discovery URL" "${outside_issuer%/}/.well-known" "$(describe)"
stop_inside

# Allowed and trusted: the outside issuer's documents validate the token.
start_inside "$outside_ca" --allow-external-issuers
exchange
assert_eq "exchange with an outside issuer" "200" "$EMU_STATUS"
stop_inside
echo "PASS"
