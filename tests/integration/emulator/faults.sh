#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Fault injection over real HTTPS: rules from the scenario and from POST /_emulator/faults,
# listed with their remaining counts and cleared with DELETE; status replies with Retry-After in
# each family's error shape, AADSTS replies (propagation delay), dropped connections, damaged
# bodies, delays, and the per-endpoint counters and token arrival times in the stats.
# Usage: faults.sh PATH_TO_M365ID_EMULATOR
set -euo pipefail
EMU_BIN=$1
source "$(dirname "$0")/../lib/emulator.sh"

tenant=11111111-1111-1111-1111-111111111111
client=22222222-2222-2222-2222-222222222222
mi=33333333-3333-3333-3333-333333333333
scope=https://graph.microsoft.com/.default
secret=fault-test-secret-value

emu_workdir
cat >"$EMU_WORK/scenario.json" <<JSON
{
  "clusters": [{"name": "demo"}],
  "ci_issuers": [{"name": "github", "kind": "github", "request_token": "gh-token"}],
  "tenants": [{"id": "$tenant",
    "users": [{"displayName": "Adele Vance", "userPrincipalName": "adele@contoso.onmicrosoft.com"}],
    "applications": [{"app_id": "$client", "display_name": "app", "roles": ["User.Read.All"],
      "client_secrets": [{"value": "$secret"}],
      "federated_credentials": [{"name": "k8s", "issuer": "\${cluster:demo}",
        "subject": "system:serviceaccount:team-a:reader", "audiences": ["api://AzureADTokenExchange"]}]}]}],
  "managed_identities": [{"name": "mi", "tenant_id": "$tenant", "client_id": "$mi"}],
  "faults": [{"endpoint": "token", "count": 1, "status": 503, "retry_after": 2}]
}
JSON
emu_start "$EMU_WORK/scenario.json"

add_faults() {
    emu_request -X POST -H 'Content-Type: application/json' --data "$1" "$EMU_BASE/_emulator/faults"
}
token() { emu_secret_token "$tenant" "$client" "$scope" "$secret"; }

# The scenario's rule is listed and applies to the first token request.
emu_get "$EMU_BASE/_emulator/faults"
assert_eq "scenario rule listed" '[{"id":1,"endpoint":"token","after":0,"count":1,"status":503,"retry_after":"2"}]' \
    "$(jq -c .faults <<<"$EMU_BODY")"
token
assert_eq "scenario rule: status" "503" "$EMU_STATUS"
assert_eq "scenario rule: error" "temporarily_unavailable" "$(jq -r .error <<<"$EMU_BODY")"
assert_contains "scenario rule: Retry-After" "Retry-After: 2" "$EMU_HEADERS"
assert_eq "scenario rule: no error_codes" "null" "$(jq -c .error_codes <<<"$EMU_BODY")"
[[ "$(jq -r .trace_id <<<"$EMU_BODY")" =~ ^[0-9a-f-]{36}$ ]] || fail "fault reply has no trace_id"
token
assert_eq "after the rule is used up: status" "200" "$EMU_STATUS"
emu_get "$EMU_BASE/_emulator/faults"
assert_eq "used-up rule has count 0" "0" "$(jq -r '.faults[0].count' <<<"$EMU_BODY")"

# Control API: validation errors name the field and never add anything.
for bad in '{"endpoint":"nope","status":503}' '{"endpoint":"token"}' '{"endpoint":"token","status":200}' \
    '{"endpoint":"graph","aadsts":700213}' '{"endpoint":"token","drop":true,"status":503}' \
    '{"endpoint":"token","retry_after":"1"}' '{"endpoint":"token","status":503,"delay_ms":30001}' \
    '{"endpoint":"token","status":503,"count":0}' '{"endpoint":"token","status":503,"colour":1}' \
    '{"endpoint":"token","status":503,"body":"xml"}' '{"endpoint":"token","status":503,"retry_after":"a\nb"}' \
    '{"endpoint":"token","status":503,"percent":0}' '{"endpoint":"token","status":503,"percent":101}' \
    '[]' 'not json' '[{"endpoint":"token","status":503},{"endpoint":"x"}]'; do
    add_faults "$bad"
    assert_eq "rejected rule $bad: status" "400" "$EMU_STATUS"
    assert_eq "rejected rule: code" "BadRequest" "$(jq -r .error.code <<<"$EMU_BODY")"
done
add_faults '{"endpoint":"nope","status":503}'
assert_contains "unknown endpoint text" "faults[0].endpoint: unknown endpoint 'nope'" "$(jq -r .error.message <<<"$EMU_BODY")"
emu_get "$EMU_BASE/_emulator/faults"
assert_eq "nothing added by rejected requests" "1" "$(jq '.faults|length' <<<"$EMU_BODY")"
emu_request -X PUT "$EMU_BASE/_emulator/faults"
assert_eq "PUT faults: status" "405" "$EMU_STATUS"
assert_contains "PUT faults: Allow" "Allow: GET, POST, DELETE" "$EMU_HEADERS"
emu_request -X DELETE "$EMU_BASE/_emulator/faults"
assert_eq "DELETE: status" "200" "$EMU_STATUS"
assert_eq "DELETE: removed" "1" "$(jq -r .removed <<<"$EMU_BODY")"

# FC-23: two 700213 replies for a correct setup, then success; "after" skips requests first.
add_faults '[{"endpoint":"token","after":1,"count":2,"aadsts":700213},{"endpoint":"token","status":429,"retry_after":"Wed, 21 Oct 2026 07:28:00 GMT","after":4}]'
assert_eq "POST array: status" "201" "$EMU_STATUS"
assert_eq "POST array: ids" "[2,3]" "$(jq -c .ids <<<"$EMU_BODY")"
token
assert_eq "first request passes (after 1)" "200" "$EMU_STATUS"
token
assert_aadsts 401 invalid_client 700213
assert_contains "700213 fault text" "fault rule 2" "$(jq -r .error_description <<<"$EMU_BODY")"
emu_get "$EMU_BASE/_emulator/faults"
assert_eq "remaining counts" '[{"id":2,"after":0,"count":1},{"id":3,"after":2,"count":1}]' \
    "$(jq -c '[.faults[] | {id, after, count}]' <<<"$EMU_BODY")"
token
assert_aadsts 401 invalid_client 700213
token
assert_eq "after two 700213: status" "200" "$EMU_STATUS"
token
assert_eq "HTTP-date Retry-After: status" "429" "$EMU_STATUS"
assert_contains "HTTP-date Retry-After" "Retry-After: Wed, 21 Oct 2026 07:28:00 GMT" "$EMU_HEADERS"
emu_request -X DELETE "$EMU_BASE/_emulator/faults"

# Dropped connection: curl sees no reply at all.
add_faults '{"endpoint":"token","drop":true}'
token_request_rc() {
    emu_request "$EMU_BASE/$tenant/oauth2/v2.0/token" --data-urlencode grant_type=client_credentials \
        --data-urlencode "client_id=$client" --data-urlencode "scope=$scope" \
        --data-urlencode "client_secret=$secret"
}
token_request_rc
assert_eq "dropped: curl exit status (empty reply)" "52" "$EMU_CURL_RC"
token
assert_eq "after the drop: status" "200" "$EMU_STATUS"

# Damaged bodies on the real reply: the status stays 200.
add_faults '[{"endpoint":"token","body":"truncated"},{"endpoint":"token","body":"empty"},{"endpoint":"token","body":"non_json"}]'
token
assert_eq "truncated: status" "200" "$EMU_STATUS"
if jq -e . <<<"$EMU_BODY" >/dev/null 2>&1; then
    fail "the truncated body still parses as JSON"
fi
assert_contains "truncated: starts like the real body" '{"token_type":"Bearer"' "$EMU_BODY"
token
assert_eq "empty: status" "200" "$EMU_STATUS"
assert_eq "empty: body" "" "$EMU_BODY"
token
assert_eq "non_json: status" "200" "$EMU_STATUS"
assert_contains "non_json: content type" "Content-Type: text/html" "$EMU_HEADERS"
assert_contains "non_json: body" "<html>" "$EMU_BODY"
# A synthetic status with a damaged body.
add_faults '{"endpoint":"token","status":502,"body":"non_json"}'
token
assert_eq "502 non_json: status" "502" "$EMU_STATUS"
assert_contains "502 non_json: body" "<html>" "$EMU_BODY"
token
access=$(jq -r .access_token <<<"$EMU_BODY")

# Graph: Graph's error shape, with Retry-After.
add_faults '{"endpoint":"graph","status":429,"retry_after":"1","count":2}'
emu_get "$EMU_BASE/v1.0/users" "$access"
assert_eq "Graph 429: status" "429" "$EMU_STATUS"
assert_eq "Graph 429: code" "TooManyRequests" "$(jq -r .error.code <<<"$EMU_BODY")"
[[ -n "$(jq -r '.error.innerError["request-id"]' <<<"$EMU_BODY")" ]] || fail "Graph fault reply has no request-id"
emu_request -H "Authorization: Bearer $access" "$EMU_BASE/v1.0/users"
assert_contains "Graph 429: Retry-After" "Retry-After: 1" "$EMU_HEADERS"
emu_get "$EMU_BASE/v1.0/users" "$access"
assert_eq "Graph after the rule: status" "200" "$EMU_STATUS"

# Managed identity: the IMDS and App Service shapes.
add_faults '[{"endpoint":"msi","status":503},{"endpoint":"msi","status":500}]'
emu_request -H 'Metadata: true' "$(emu_json msi.imds_endpoint)?api-version=2018-02-01&resource=https://graph.microsoft.com"
assert_eq "IMDS 503: status" "503" "$EMU_STATUS"
[[ -n "$(jq -r .error_description <<<"$EMU_BODY")" ]] || fail "IMDS fault reply has no error_description"
emu_request -H "X-IDENTITY-HEADER: $(emu_json msi.identity_header)" \
    "$(emu_json msi.app_service_endpoint)?api-version=2019-08-01&resource=https://graph.microsoft.com"
assert_eq "App Service 500: status" "500" "$EMU_STATUS"
assert_eq "App Service 500: statusCode" "500" "$(jq -r .statusCode <<<"$EMU_BODY")"

# Discovery and JWKS: the emulator's own fetch of the cluster JWKS fails too (AADSTS90061).
add_faults '{"endpoint":"discovery","status":500}'
emu_get "$EMU_BASE/$tenant/v2.0/.well-known/openid-configuration"
assert_eq "tenant discovery 500: status" "500" "$EMU_STATUS"
add_faults '{"endpoint":"jwks","status":503}'
assertion=$(emu_mint demo team-a reader api://AzureADTokenExchange 3600)
emu_token "$tenant" "$client" "$scope" "$assertion"
assert_aadsts 400 invalid_request 90061
emu_token "$tenant" "$client" "$scope" "$assertion"
assert_eq "exchange after the JWKS rule: status" "200" "$EMU_STATUS"

# CI token requests, and a delayed reply that still arrives.
add_faults '{"endpoint":"ci_token","status":503,"delay_ms":300}'
emu_request -H "Authorization: Bearer gh-token" "$EMU_BASE/ci/github/token"
assert_eq "CI token 503 after a delay: status" "503" "$EMU_STATUS"
add_faults '{"endpoint":"token","delay_ms":200}'
token
assert_eq "delayed token request: status" "200" "$EMU_STATUS"

# Stats: faults per endpoint and the token arrival times, oldest first.
emu_get "$EMU_BASE/_emulator/stats"
assert_eq "faults_applied" '{"token":10,"graph":2,"msi":2,"discovery":1,"jwks":1,"ci_token":1}' \
    "$(jq -c .faults_applied <<<"$EMU_BODY")"
assert_eq "one arrival time per token request" "$(jq -r .token_requests <<<"$EMU_BODY")" \
    "$(jq -r '.token_request_times_ms|length' <<<"$EMU_BODY")"
assert_eq "arrival times are non-decreasing" "true" \
    "$(jq '.token_request_times_ms as $t | [range(1; $t|length) | $t[.] >= $t[. - 1]] | all' <<<"$EMU_BODY")"

# The ring keeps the newest 256 arrival times.
for ((i = 0; i < 250; i++)); do
    curl "${EMU_CURL_OPTS[@]}" --cacert "$EMU_CA" -o /dev/null -X POST "$EMU_BASE/$tenant/oauth2/v2.0/token"
done
emu_get "$EMU_BASE/_emulator/stats"
assert_eq "arrival times bounded" "256" "$(jq -r '.token_request_times_ms|length' <<<"$EMU_BODY")"

# A rule with a percent hits about that share of its matching requests, at random. Entra ID
# does the same when about 2 % of requests for a credential untouched for weeks fail with
# 700213. With 25 % of 200 requests the count is 50 on average; 20 to 80 is about five
# standard deviations.
emu_request -X DELETE "$EMU_BASE/_emulator/faults"
add_faults '{"endpoint":"token","percent":25,"count":1000000,"status":503}'
assert_eq "percent rule added" "201" "$EMU_STATUS"
assert_eq "percent rule listed" "25" "$(jq -r '.faults[0].percent' <<<"$EMU_BODY")"
emu_get "$EMU_BASE/_emulator/stats"
before=$(jq -r .faults_applied.token <<<"$EMU_BODY")
for ((i = 0; i < 200; i++)); do
    curl "${EMU_CURL_OPTS[@]}" --cacert "$EMU_CA" -o /dev/null -X POST "$EMU_BASE/$tenant/oauth2/v2.0/token"
done
emu_get "$EMU_BASE/_emulator/stats"
hits=$(( $(jq -r .faults_applied.token <<<"$EMU_BODY") - before ))
(( hits >= 20 && hits <= 80 )) || fail "a 25 % rule hit $hits of 200 requests"
echo "ok: a 25 % rule hit $hits of 200 requests"
emu_request -X DELETE "$EMU_BASE/_emulator/faults"

if grep -qF -e "$secret" -e gh-token -e eyJ "$EMU_LOG"; then
    fail "the emulator log contains a secret or a token"
fi
echo "ok: no secret or token in the log"
emu_stop_clean
echo "PASS faults"
