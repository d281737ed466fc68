#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Malformed requests: an oversized body, a huge declared length, bad JSON to the control API,
# invalid Kubernetes names, invalid UTF-8, missing headers and hostile paths. Then paths with an
# encoded NUL, unknown paths, wrong methods, and plain HTTP on the TLS port. Each gets an error
# reply (or a closed connection), and the emulator still serves /_emulator/health.
# Last, bad --bind and --state-dir values, and the mode of an existing state directory.
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

# Names that Kubernetes rejects would give an ambiguous subject such as
# system:serviceaccount:a:b:c, so minting rejects them and names the field.
mint_name_case() {
    local body=$1 field=$2
    assert_eq "mint $body" "400" \
        "$(status POST "$MINT_URL" -H 'Content-Type: application/json' --data-binary "$body")"
    assert_contains "mint error names the field" "\"$field\"" "$(jq -r .error.message "$work/body")"
}
mint_name_case '{"namespace":"a:b","service_account":"c"}' namespace
mint_name_case '{"namespace":"Team-A","service_account":"c"}' namespace
mint_name_case "{\"namespace\":\"$(printf 'a%.0s' $(seq 1 64))\",\"service_account\":\"c\"}" namespace
mint_name_case '{"namespace":"a","service_account":"b:c"}' service_account
mint_name_case '{"namespace":"a","service_account":"b..c"}' service_account
assert_eq "mint with a 63-character namespace" "200" \
    "$(status POST "$MINT_URL" -H 'Content-Type: application/json' \
        --data-binary "{\"namespace\":\"$(printf 'a%.0s' $(seq 1 63))\",\"service_account\":\"b.c\"}")"
health "invalid Kubernetes names"

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

# An encoded NUL in the path or query: 400, never a lookup of the part before the NUL.
access=$(curl "${EMU_CURL_OPTS[@]}" --cacert "$EMU_CA" "$TOKEN_URL" \
    --data-urlencode grant_type=client_credentials \
    --data-urlencode client_id=22222222-2222-2222-2222-222222222222 \
    --data-urlencode scope=https://graph.microsoft.com/.default \
    --data-urlencode client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \
    --data-urlencode "client_assertion=$(cat "$(emu_json workloads.\"terraform-apply\".token_file)")" |
    jq -r .access_token)
[[ -n "$access" && "$access" != null ]] || fail "no access token for the Graph checks"
graph_nul_case() {
    local what=$1 url=$2
    assert_eq "$what" "400" "$(status GET "$url" -H "Authorization: Bearer $access")"
    assert_eq "$what: Graph error code" "BadRequest" "$(jq -r .error.code "$work/body")"
    assert_contains "$what: message" "NUL" "$(jq -r .error.message "$work/body")"
    assert_eq "$what: Graph innerError" "true" \
        "$(jq '.error.innerError."request-id" | length > 0' "$work/body")"
}
graph_nul_case "NUL in a Graph user path" "$EMU_BASE/v1.0/users/adele%40contoso.onmicrosoft.com%00x"
graph_nul_case "NUL in a Graph path, no bearer" "$EMU_BASE/v1.0/users/%C3%A9%00x"
graph_nul_case "NUL in a Graph query" "$EMU_BASE/v1.0/users?\$top=2%00x"
graph_nul_case "NUL in a sovereign Graph path" "$EMU_BASE/clouds/usgov/v1.0/organization%00x"
plain_nul_case() {
    local what=$1 method=$2 url=$3
    assert_eq "$what" "400" "$(status "$method" "$url")"
    assert_eq "$what: error code" "BadRequest" "$(jq -r .error.code "$work/body")"
}
plain_nul_case "NUL in an issuer path" GET "$EMU_BASE/clusters/demo/openid/v1/jwks%00x"
plain_nul_case "NUL in a tenant discovery path" GET \
    "$EMU_BASE/$T/v2.0/.well-known/openid-configuration%00x"
plain_nul_case "NUL in the token path" POST "$TOKEN_URL%00x"
plain_nul_case "NUL in a cloud name" GET "$EMU_BASE/clouds/usgov%00x/v1.0/organization"
plain_nul_case "NUL in a control path" GET "$EMU_BASE/_emulator/health%00x"
health "encoded NUL"

# Unknown paths are 404 (400 for Graph) whatever the method; 405 with Allow only for a known
# route and another method.
not_found_case() {
    local what=$1 method=$2 url=$3 expected=${4:-404}
    assert_eq "$what" "$expected" \
        "$(status "$method" "$url" -H 'Content-Type: application/x-www-form-urlencoded' \
            -H "Authorization: Bearer $access" --data-binary 'grant_type=client_credentials')"
}
not_found_case "POST to a doubled tenant path" POST "$EMU_BASE/$T/$T/oauth2/v2.0/token"
assert_eq "doubled tenant path code" "NotFound" "$(jq -r .error.code "$work/body")"
not_found_case "POST to an unknown Entra path" POST "$EMU_BASE/$T/oauth2/v2.0/authorize"
not_found_case "POST to an unknown issuer document" POST "$EMU_BASE/clusters/demo/nope"
not_found_case "POST to an unknown control path" POST "$EMU_BASE/_emulator/nope"
not_found_case "POST to an unknown Graph segment" POST "$EMU_BASE/v1.0/nosuchthing" 400
assert_eq "unknown Graph segment code" "BadRequest" "$(jq -r .error.code "$work/body")"
method_case() {
    local what=$1 method=$2 url=$3 allow=$4
    assert_eq "$what" "405" "$(status "$method" "$url" -D "$work/headers" \
        -H "Authorization: Bearer $access" --data-binary 'x=1')"
    assert_eq "$what: Allow" "$allow" \
        "$(tr -d '\r' <"$work/headers" | sed -n 's/^[Aa]llow: //p')"
}
method_case "POST stats" POST "$EMU_BASE/_emulator/stats" GET
method_case "DELETE health" DELETE "$EMU_BASE/_emulator/health" GET
method_case "PUT stats" PUT "$EMU_BASE/_emulator/stats" GET
method_case "GET mint" GET "$MINT_URL" POST
method_case "POST tenant discovery" POST "$EMU_BASE/$T/v2.0/.well-known/openid-configuration" GET
method_case "POST Entra keys" POST "$EMU_BASE/$T/discovery/v2.0/keys" GET
method_case "POST cluster JWKS" POST "$EMU_BASE/clusters/demo/openid/v1/jwks" "GET, HEAD"
method_case "POST Graph organization" POST "$EMU_BASE/v1.0/organization" GET
assert_eq "stats still answers GET" "200" "$(status GET "$EMU_BASE/_emulator/stats")"
health "unknown paths and methods"

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

# start_fails WHAT ARGS...: the emulator must exit 2 at start; its stderr goes to $work/err.
start_fails() {
    local what=$1 rc=0
    shift
    timeout 20 "$EMU_BIN" --port 0 "$@" 2>"$work/err" || rc=$?
    assert_eq "$what: exit status" "2" "$rc"
}
start_fails "--bind with a host name" --bind localhost --state-dir "$work/bind-state"
assert_contains "--bind error" "error: --bind 'localhost' is not a numeric IPv4 or IPv6 address" \
    "$(cat "$work/err")"
assert_contains "--bind hint" "hint: pass a numeric address to --bind, such as 127.0.0.1 or ::1" \
    "$(cat "$work/err")"
[[ "$(cat "$work/err")" != *"--port"* ]] || fail "the --bind error suggests another --port"
touch "$work/plain-file"
start_fails "--state-dir naming a file" --state-dir "$work/plain-file"
assert_contains "--state-dir error" "error: --state-dir '$work/plain-file' is not a directory" \
    "$(cat "$work/err")"

# run_until_ready DIR: start an emulator on DIR, wait for emulator.json, stop it.
run_until_ready() {
    local dir=$1 pid i
    rm -f "$dir/emulator.json" # a file left by an earlier run would read as ready
    "$EMU_BIN" --port 0 --state-dir "$dir" 2>"$work/err" &
    pid=$!
    for ((i = 0; i < 100; i++)); do
        [[ -f "$dir/emulator.json" ]] && break
        sleep 0.1
    done
    kill -TERM "$pid"
    wait "$pid" || fail "the emulator on '$dir' did not exit cleanly: $(cat "$work/err")"
    [[ -f "$dir/emulator.json" ]] || fail "the emulator on '$dir' did not start: $(cat "$work/err")"
}
mkdir -m 0755 "$work/open-state"
run_until_ready "$work/open-state"
assert_eq "own state directory made private" "700" "$(stat -c %a "$work/open-state")"
assert_contains "mode change logged" "had mode 0755; set it to 0700" "$(cat "$work/err")"
chmod 0755 "$work/open-state"
run_until_ready "$work/open-state"
assert_eq "state directory of an earlier run made private" "700" "$(stat -c %a "$work/open-state")"
mkdir -m 0755 "$work/shared-dir"
touch "$work/shared-dir/notes.txt"
run_until_ready "$work/shared-dir"
assert_eq "foreign directory keeps its mode" "755" "$(stat -c %a "$work/shared-dir")"
assert_contains "foreign directory warning" \
    "WARN emulator: state directory '$work/shared-dir' keeps mode 0755 because it holds files the emulator did not write" \
    "$(cat "$work/err")"
echo "PASS"
