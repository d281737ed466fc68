#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Built-in scenario end to end: the workload token file is exchanged for a Graph token, which
# reads /organization and pages through /users; Graph refuses missing and foreign tokens.
# Runs with -vv and checks the debug and trace lines, which never carry a token.
# Usage: happy_path.sh PATH_TO_M365ID_EMULATOR
set -euo pipefail
EMU_BIN=$1
source "$(dirname "$0")/../lib/emulator.sh"

EMU_EXTRA_ARGS=-vv emu_start ""
tenant=$(emu_json workloads.\"terraform-apply\".tenant_id)
client=$(emu_json workloads.\"terraform-apply\".client_id)
token_file=$(emu_json workloads.\"terraform-apply\".token_file)

assert_eq "token file mode" "600" "$(stat -c %a "$token_file")"
assertion=$(cat "$token_file")
claims=$(cut -d. -f2 <<<"$assertion" | tr '_-' '/+' | base64 -d 2>/dev/null || true)
assert_eq "assertion iss" "$(emu_json clusters.demo.issuer)" "$(jq -r .iss <<<"$claims")"
assert_eq "assertion sub" "system:serviceaccount:terraform-m365:terraform-m365-sa" \
    "$(jq -r .sub <<<"$claims")"
assert_eq "assertion aud is an array" '["api://AzureADTokenExchange"]' "$(jq -c .aud <<<"$claims")"
assert_eq "assertion namespace claim" "terraform-m365" \
    "$(jq -r '."kubernetes.io".namespace' <<<"$claims")"

emu_token "$tenant" "$client" "https://graph.microsoft.com/.default" "$assertion"
assert_eq "token status" "200" "$EMU_STATUS"
assert_eq "token_type" "Bearer" "$(jq -r .token_type <<<"$EMU_BODY")"
assert_eq "expires_in" "3599" "$(jq -r .expires_in <<<"$EMU_BODY")"
access=$(jq -r .access_token <<<"$EMU_BODY")

# A second exchange within 60 s reads the issuer documents from the cache.
emu_token "$tenant" "$client" "https://graph.microsoft.com/.default" "$assertion"
assert_eq "second token status" "200" "$EMU_STATUS"
access2=$(jq -r .access_token <<<"$EMU_BODY")

emu_get "$EMU_BASE/v1.0/organization" "$access"
assert_eq "organization status" "200" "$EMU_STATUS"
assert_eq "organization id" "$tenant" "$(jq -r '.value[0].id' <<<"$EMU_BODY")"
assert_eq "organization name" "Contoso" "$(jq -r '.value[0].displayName' <<<"$EMU_BODY")"

# Paging: five users, two per page, following @odata.nextLink unchanged.
url="$EMU_BASE/v1.0/users?\$top=2"
names=()
pages=0
while [[ -n "$url" && $pages -lt 10 ]]; do
    emu_get "$url" "$access"
    assert_eq "users page status" "200" "$EMU_STATUS"
    mapfile -t page < <(jq -r '.value[].userPrincipalName' <<<"$EMU_BODY")
    names+=("${page[@]}")
    url=$(jq -r '."@odata.nextLink" // empty' <<<"$EMU_BODY")
    pages=$((pages + 1))
done
assert_eq "user pages" "3" "$pages"
assert_eq "users in total" "5" "${#names[@]}"
assert_eq "first user" "adele@contoso.onmicrosoft.com" "${names[0]}"

# Graph authentication failures.
emu_get "$EMU_BASE/v1.0/organization"
assert_eq "no bearer status" "401" "$EMU_STATUS"
assert_eq "no bearer code" "InvalidAuthenticationToken" "$(jq -r .error.code <<<"$EMU_BODY")"

emu_get "$EMU_BASE/clouds/usgov/v1.0/organization" "$access"
assert_eq "foreign audience status" "401" "$EMU_STATUS"
assert_eq "foreign audience code" "InvalidAuthenticationToken" "$(jq -r .error.code <<<"$EMU_BODY")"
assert_contains "foreign audience message" "Invalid audience" "$(jq -r .error.message <<<"$EMU_BODY")"
assert_eq "innerError request-id" "true" "$(jq '.error.innerError."request-id" | length > 0' <<<"$EMU_BODY")"

emu_get "$EMU_BASE/v1.0/organization" "${assertion}"
assert_eq "assertion used as bearer" "401" "$EMU_STATUS"

emu_get "$EMU_BASE/v1.0/nosuchthing" "$access"
assert_eq "unknown segment status" "400" "$EMU_STATUS"
assert_eq "unknown segment code" "BadRequest" "$(jq -r .error.code <<<"$EMU_BODY")"

# Discovery documents.
emu_get "$EMU_BASE/$tenant/v2.0/.well-known/openid-configuration"
assert_eq "tenant discovery status" "200" "$EMU_STATUS"
assert_eq "tenant discovery token_endpoint" "$EMU_BASE/$tenant/oauth2/v2.0/token" \
    "$(jq -r .token_endpoint <<<"$EMU_BODY")"
emu_get "$EMU_BASE/clusters/demo/.well-known/openid-configuration"
assert_eq "issuer discovery issuer" "$(emu_json clusters.demo.issuer)" "$(jq -r .issuer <<<"$EMU_BODY")"
emu_get "$EMU_BASE/clusters/demo/openid/v1/jwks"
assert_eq "jwks alg" "RS256" "$(jq -r '.keys[0].alg' <<<"$EMU_BODY")"

emu_get "$EMU_BASE/_emulator/stats"
assert_eq "stats tokens_issued" "2" "$(jq -r .tokens_issued <<<"$EMU_BODY")"
assert_eq "stats expired_assertions_seen" "0" "$(jq -r .expired_assertions_seen <<<"$EMU_BODY")"
emu_stop_clean

# -vv: decisions at DEBUG, wire detail at TRACE, all in the emulator's own line format.
log=$(cat "$EMU_LOG")
issuer=$(emu_json clusters.demo.issuer)
assert_contains "placeholder expansion" \
    "DEBUG scenario: tenants[0].applications[0].federated_credentials[0].issuer: expanded '\${cluster:demo}' to '$issuer'" \
    "$log"
assert_contains "rotation schedule" "DEBUG issuer: workload 'terraform-apply': next rotation at" "$log"
assert_contains "assertion summary" "iss '$issuer', sub 'system:serviceaccount:terraform-m365:terraform-m365-sa'" "$log"
assert_contains "FIC candidate" "federated credential 'kubernetes-federated-credential' of application $client" "$log"
assert_contains "FIC candidate result" "): matches" "$log"
assert_contains "issuer document cache miss" \
    "DEBUG oidc: cache miss for the discovery document '${issuer}.well-known/openid-configuration'" "$log"
assert_contains "issuer document fetch" "DEBUG oidc: fetched the JWKS '${issuer}openid/v1/jwks': HTTP 200" "$log"
assert_contains "issuer document cache hit" "DEBUG oidc: cache hit for the JWKS" "$log"
assert_contains "trace of a header name and size" "TRACE http: " "$log"
grep -Eq "TRACE http: [0-9a-f-]{36} header 'Authorization' \([0-9]+ bytes\)" <<<"$log" ||
    fail "no trace line with the Authorization header's name and size"
grep -Eq "TRACE http: [0-9a-f-]{36} reply: status 200, body [0-9]+ bytes" <<<"$log" ||
    fail "no trace line with a reply size"
bad_lines=$(grep -Evc '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z m365id-emulator (ERROR|WARN|INFO|DEBUG|TRACE) [a-z]+: ' \
    <<<"$log" || true)
assert_eq "log lines outside the emulator's format" "0" "$bad_lines"
[[ "$log" != *"is not the first option"* ]] || fail "libmicrohttpd warned about the option order"
for secret in "$assertion" "$access" "$access2"; do
    [[ "$log" != *"$secret"* ]] || fail "a token appears in the log"
    [[ "$log" != *"$(cut -d. -f3 <<<"$secret")"* ]] || fail "a token signature appears in the log"
done
echo "PASS"
