#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Malformed requests: an oversized body, a huge declared length, bad JSON to the control API,
# invalid UTF-8, missing headers, hostile paths and plain HTTP on the TLS port. Each gets an
# error reply (or a closed connection), and the emulator still serves /_emulator/health.
# Usage: robustness.sh PATH_TO_M365ID_EMULATOR
set -euo pipefail
EMU_BIN=$1
source "$(dirname "$0")/../lib/emulator.sh"

emu_start ""
T=11111111-1111-1111-1111-111111111111
TOKEN_URL="$EMU_BASE/$T/oauth2/v2.0/token"
MINT_URL="$EMU_BASE/_emulator/clusters/demo/token"
work=$(mktemp -d)
trap '_emu_cleanup; rm -rf "$work"' EXIT

# status METHOD URL [curl options...]: print only the HTTP status (000 when no reply).
status() {
    local method=$1 url=$2
    shift 2
    curl "${EMU_CURL_OPTS[@]}" --cacert "$EMU_CA" -o "$work/body" -w '%{http_code}' -X "$method" \
        "$@" "$url" 2>/dev/null || true
}

health() {
    assert_eq "health after $1" "200" "$(status GET "$EMU_BASE/_emulator/health")"
}

# A body over the 1 MiB limit, sent in full and with a declared length only.
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$work/big"
assert_eq "oversized body" "413" \
    "$(status POST "$TOKEN_URL" -H 'Content-Type: application/x-www-form-urlencoded' \
        --data-binary @"$work/big")"
health "oversized body"
assert_eq "huge Content-Length" "413" \
    "$(status POST "$TOKEN_URL" -H 'Content-Length: 99999999999' --data-binary 'x')"
health "huge Content-Length"

# Bad JSON to the control API.
for body in '{' '[]' '"text"' '{"namespace":1}' '{"namespace":"a","service_account":"b","x":1}' \
    '{"namespace":"a","service_account":"b","expiration_seconds":"soon"}' \
    '{"namespace":"a","service_account":"b","audience":[]}'; do
    assert_eq "control API body $body" "400" \
        "$(status POST "$MINT_URL" -H 'Content-Type: application/json' --data-binary "$body")"
    assert_eq "control API error is JSON" "BadRequest" "$(jq -r .error.code "$work/body")"
done
printf '%*s' 5000 '' | tr ' ' '[' >"$work/deep"
assert_eq "deeply nested JSON" "400" "$(status POST "$MINT_URL" --data-binary @"$work/deep")"
health "bad JSON"

# Invalid UTF-8 in a form value, a JSON body and the path.
assert_eq "invalid UTF-8 client_id" "400" \
    "$(status POST "$TOKEN_URL" -H 'Content-Type: application/x-www-form-urlencoded' \
        --data-binary 'grant_type=client_credentials&client_id=%FF%FE%80')"
assert_eq "invalid UTF-8 reply is JSON" "[700016]" "$(jq -c .error_codes "$work/body")"
printf '{"namespace":"\xff\xfe","service_account":"sa"}' >"$work/utf8"
assert_eq "invalid UTF-8 JSON" "400" "$(status POST "$MINT_URL" --data-binary @"$work/utf8")"
assert_eq "invalid UTF-8 path" "404" "$(status GET "$EMU_BASE/%FF%FE/v2.0/x")"
jq -e . "$work/body" >/dev/null || fail "404 body for an invalid UTF-8 path is not JSON"
health "invalid UTF-8"

# Missing headers and hostile values.
assert_eq "token POST without Content-Type" "400" \
    "$(status POST "$TOKEN_URL" -H 'Content-Type:' --data-binary 'grant_type=client_credentials')"
assert_eq "missing Content-Type code" "[900144]" "$(jq -c .error_codes "$work/body")"
assert_eq "Graph without Authorization" "401" "$(status GET "$EMU_BASE/v1.0/organization")"
assert_eq "Graph with an empty bearer" "401" \
    "$(status GET "$EMU_BASE/v1.0/organization" -H 'Authorization: Bearer ')"
assert_eq "Graph with a Basic header" "401" \
    "$(status GET "$EMU_BASE/v1.0/organization" -H 'Authorization: Basic dXNlcjpwYXNz')"
assert_eq "format string path" "404" "$(status GET "$EMU_BASE/clusters/%25s%25n%25x/openid/v1/jwks")"
assert_eq "token GET" "400" "$(status GET "$TOKEN_URL")"
fields=$(for i in $(seq 1 300); do printf 'f%d=v&' "$i"; done)
assert_eq "300 form fields" "400" \
    "$(status POST "$TOKEN_URL" -H 'Content-Type: application/x-www-form-urlencoded' \
        --data-binary "$fields")"
health "missing headers"

# Plain HTTP and garbage bytes on the TLS port; neither gets an HTTP reply.
port=$(emu_json port)
curl --silent --max-time 5 -o /dev/null "http://127.0.0.1:$port/_emulator/health" || true
if command -v python3 >/dev/null; then
    python3 - "$port" <<'PY' || true
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"\x16\x03\x01\xff\xff" + b"\x00" * 4096)
try:
    s.recv(100)
except OSError:
    pass
s.close()
PY
fi
health "plain HTTP and garbage"

kill -0 "$EMU_PID" || fail "the emulator process is gone"
emu_stop_clean
echo "PASS"
