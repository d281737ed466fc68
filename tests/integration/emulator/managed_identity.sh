#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Managed-identity endpoints over HTTPS (/_msi) and over the plain-HTTP listener of
# --msi-http-port: IMDS (2018-02-01) and App Service (2019-08-01) success bodies, identity
# selection by every selector, and each error in the endpoint's own shape. The tokens are
# accepted by the emulator's Graph.
# Usage: managed_identity.sh PATH_TO_M365ID_EMULATOR
set -euo pipefail
EMU_BIN=$1
source "$(dirname "$0")/../lib/emulator.sh"

tenant=11111111-1111-1111-1111-111111111111
gov_tenant=55555555-5555-5555-5555-555555555555
mi_a=33333333-3333-3333-3333-333333333333
mi_b=44444444-4444-4444-4444-444444444444
mi_gov=66666666-6666-6666-6666-666666666666
rid_b=/subscriptions/77777777-7777-7777-7777-777777777777/resourceGroups/rg-a/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-b
graph=https://graph.microsoft.com

emu_workdir
cat >"$EMU_WORK/two.json" <<JSON
{
  "tenants": [{"id": "$tenant", "users": [{"displayName": "Adele Vance", "userPrincipalName": "adele@contoso.onmicrosoft.com"}]},
              {"id": "$gov_tenant", "cloud": "usgov"}],
  "managed_identities": [
    {"name": "mi-a", "tenant_id": "$tenant", "client_id": "$mi_a", "roles": ["User.Read.All"]},
    {"name": "mi-b", "tenant_id": "$tenant", "client_id": "$mi_b",
     "object_id": "88888888-8888-8888-8888-888888888888", "resource_id": "$rid_b"},
    {"name": "mi-gov", "tenant_id": "$gov_tenant", "client_id": "$mi_gov"}],
  "identity_header": "identity-header-secret"
}
JSON
EMU_EXTRA_ARGS="--msi-http-port 0 -vv" emu_start "$EMU_WORK/two.json"
https_imds=$(emu_json msi.imds_endpoint)
https_app=$(emu_json msi.app_service_endpoint)
http_imds=$(emu_json msi.http_imds_endpoint)
http_app=$(emu_json msi.http_app_service_endpoint)
header=$(emu_json msi.identity_header)
assert_eq "emulator.json identity header" "identity-header-secret" "$header"
assert_eq "HTTPS IMDS endpoint" "$EMU_BASE/_msi/metadata/identity/oauth2/token" "$https_imds"
assert_contains "plain-HTTP IMDS endpoint" "http://127.0.0.1:" "$http_imds"
assert_eq "emulator.json identity object id" "88888888-8888-8888-8888-888888888888" \
    "$(emu_json msi.identities.\"mi-b\".object_id)"

# IMDS success, over both listeners, selected by client_id.
for url in "$https_imds" "$http_imds"; do
    emu_request -H 'Metadata: true' "$url?api-version=2018-02-01&resource=$graph&client_id=$mi_a"
    assert_eq "IMDS $url: status" "200" "$EMU_STATUS"
    assert_eq "IMDS: every value is a string" "true" \
        "$(jq '[.[] | type == "string"] | all' <<<"$EMU_BODY")"
    assert_eq "IMDS: keys" '["access_token","client_id","expires_in","expires_on","ext_expires_in","not_before","refresh_token","resource","token_type"]' \
        "$(jq -c 'keys' <<<"$EMU_BODY")"
    assert_eq "IMDS: refresh_token" "" "$(jq -r .refresh_token <<<"$EMU_BODY")"
    assert_eq "IMDS: token_type" "Bearer" "$(jq -r .token_type <<<"$EMU_BODY")"
    assert_eq "IMDS: resource" "$graph" "$(jq -r .resource <<<"$EMU_BODY")"
    assert_eq "IMDS: client_id" "$mi_a" "$(jq -r .client_id <<<"$EMU_BODY")"
    assert_eq "IMDS: expires_in" "3599" "$(jq -r .expires_in <<<"$EMU_BODY")"
    on=$(jq -r .expires_on <<<"$EMU_BODY")
    nb=$(jq -r .not_before <<<"$EMU_BODY")
    assert_eq "IMDS: expires_on - not_before" "3599" "$((on - nb))"
    assert_contains "IMDS: JSON content type" "Content-Type: application/json" "$EMU_HEADERS"
done
access=$(jq -r .access_token <<<"$EMU_BODY")
claims=$(emu_jwt_claims "$access")
assert_eq "MI token aud" "$graph" "$(jq -r .aud <<<"$claims")"
assert_eq "MI token appid" "$mi_a" "$(jq -r .appid <<<"$claims")"
assert_eq "MI token idtyp" "app" "$(jq -r .idtyp <<<"$claims")"
assert_eq "MI token tid" "$tenant" "$(jq -r .tid <<<"$claims")"
assert_eq "MI token roles" '["User.Read.All"]' "$(jq -c .roles <<<"$claims")"
assert_contains "MI token xms_mirid" "/userAssignedIdentities/mi-a" "$(jq -r .xms_mirid <<<"$claims")"
emu_get "$EMU_BASE/v1.0/users" "$access"
assert_eq "Graph accepts the managed-identity token" "200" "$EMU_STATUS"

# Selectors: object_id and msi_res_id (any case); a trailing slash on the resource.
emu_request -H 'Metadata: true' "$https_imds?api-version=2018-02-01&resource=$graph/&object_id=88888888-8888-8888-8888-888888888888"
assert_eq "IMDS object_id: status" "200" "$EMU_STATUS"
assert_eq "IMDS object_id: client_id" "$mi_b" "$(jq -r .client_id <<<"$EMU_BODY")"
assert_eq "IMDS resource echoed as sent" "$graph/" "$(jq -r .resource <<<"$EMU_BODY")"
assert_eq "MI token aud without the slash" "$graph" \
    "$(emu_jwt_claims "$(jq -r .access_token <<<"$EMU_BODY")" | jq -r .aud)"
emu_request -H 'Metadata: true' --get "$https_imds" --data-urlencode api-version=2018-02-01 \
    --data-urlencode "resource=$graph" --data-urlencode "msi_res_id=${rid_b,,}"
assert_eq "IMDS msi_res_id: client_id" "$mi_b" "$(jq -r .client_id <<<"$EMU_BODY")"
# The US Government identity gets its own cloud's Graph only.
emu_request -H 'Metadata: true' "$https_imds?api-version=2018-02-01&resource=https://graph.microsoft.us&client_id=$mi_gov"
assert_eq "IMDS usgov identity: status" "200" "$EMU_STATUS"

# IMDS errors: {"error","error_description"} with status 400.
imds_error() { # STATUS ERROR
    assert_eq "IMDS error status" "$1" "$EMU_STATUS"
    assert_eq "IMDS error" "$2" "$(jq -r .error <<<"$EMU_BODY")"
    [[ -n "$(jq -r .error_description <<<"$EMU_BODY")" ]] || fail "IMDS error without description"
}
emu_request "$http_imds?api-version=2018-02-01&resource=$graph&client_id=$mi_a"
imds_error 400 bad_request_102
assert_eq "missing Metadata text" "Required metadata header not specified" \
    "$(jq -r .error_description <<<"$EMU_BODY")"
emu_request -H 'Metadata: false' "$http_imds?api-version=2018-02-01&resource=$graph"
imds_error 400 bad_request_102
emu_request -H 'Metadata: true' "$http_imds?api-version=2018-02-01&resource=$graph"
imds_error 400 invalid_request
assert_contains "several identities text" "Multiple user assigned identities exist" \
    "$(jq -r .error_description <<<"$EMU_BODY")"
emu_request -H 'Metadata: true' "$http_imds?api-version=2018-02-01&resource=https://vault.azure.net&client_id=$mi_a"
imds_error 400 invalid_resource
assert_contains "invalid_resource text" "AADSTS500011" "$(jq -r .error_description <<<"$EMU_BODY")"
emu_request -H 'Metadata: true' "$http_imds?api-version=2018-02-01&resource=https://graph.microsoft.us&client_id=$mi_a"
imds_error 400 invalid_resource
emu_request -H 'Metadata: true' "$http_imds?api-version=2018-02-01&resource=$graph&client_id=99999999-9999-9999-9999-999999999999"
imds_error 400 invalid_request
assert_contains "unknown identity text" "Identity not found" "$(jq -r .error_description <<<"$EMU_BODY")"
emu_request -H 'Metadata: true' "$http_imds?api-version=2018-02-01&resource=$graph&client_id=$mi_a&object_id=88888888-8888-8888-8888-888888888888"
imds_error 400 invalid_request
emu_request -H 'Metadata: true' "$http_imds?resource=$graph&client_id=$mi_a"
imds_error 400 invalid_request
emu_request -H 'Metadata: true' "$http_imds?api-version=2019-08-01&resource=$graph&client_id=$mi_a"
imds_error 400 invalid_request
emu_request -H 'Metadata: true' "$http_imds?api-version=2018-02-01&client_id=$mi_a"
imds_error 400 invalid_request
emu_request -H 'Metadata: true' -X POST "$http_imds?api-version=2018-02-01&resource=$graph"
imds_error 405 method_not_allowed
# Other IMDS paths: a local JSON 404, never a forward.
emu_request -H 'Metadata: true' "$(emu_json msi.http_base)/metadata/instance?api-version=2021-02-01"
imds_error 404 not_found
emu_request "$(emu_json msi.http_base)/unknown"
imds_error 404 not_found

# App Service success: five string fields, over both listeners; selectors.
for url in "$https_app" "$http_app"; do
    emu_request -H "X-IDENTITY-HEADER: $header" "$url?api-version=2019-08-01&resource=$graph&client_id=$mi_a"
    assert_eq "App Service $url: status" "200" "$EMU_STATUS"
    assert_eq "App Service: keys" '["access_token","client_id","expires_on","resource","token_type"]' \
        "$(jq -c 'keys' <<<"$EMU_BODY")"
    assert_eq "App Service: expires_on is a string" "string" "$(jq -r '.expires_on|type' <<<"$EMU_BODY")"
    assert_eq "App Service: token_type" "Bearer" "$(jq -r .token_type <<<"$EMU_BODY")"
done
for sel in "principal_id=88888888-8888-8888-8888-888888888888" "object_id=88888888-8888-8888-8888-888888888888" "mi_res_id=$rid_b" "client_id=$mi_b"; do
    emu_request -H "X-IDENTITY-HEADER: $header" "$https_app?api-version=2019-08-01&resource=$graph&$sel"
    assert_eq "App Service ${sel%%=*}: client_id" "$mi_b" "$(jq -r .client_id <<<"$EMU_BODY")"
done

# App Service errors: {"statusCode","message"}.
app_error() { # STATUS
    assert_eq "App Service error status" "$1" "$EMU_STATUS"
    assert_eq "App Service statusCode" "$1" "$(jq -r .statusCode <<<"$EMU_BODY")"
    [[ -n "$(jq -r .message <<<"$EMU_BODY")" ]] || fail "App Service error without message"
}
emu_request "$https_app?api-version=2019-08-01&resource=$graph&client_id=$mi_a"
app_error 401
emu_request -H "X-IDENTITY-HEADER: wrong" "$https_app?api-version=2019-08-01&resource=$graph&client_id=$mi_a"
app_error 401
emu_request -H "X-IDENTITY-HEADER: $header" "$https_app?api-version=2017-09-01&resource=$graph&client_id=$mi_a"
app_error 400
emu_request -H "X-IDENTITY-HEADER: $header" "$https_app?api-version=2019-08-01&client_id=$mi_a"
app_error 400
emu_request -H "X-IDENTITY-HEADER: $header" "$https_app?api-version=2019-08-01&resource=$graph"
app_error 400
emu_request -H "X-IDENTITY-HEADER: $header" "$https_app?api-version=2019-08-01&resource=$graph&msi_res_id=$rid_b"
app_error 400
emu_request -H "X-IDENTITY-HEADER: $header" "$https_app?api-version=2019-08-01&resource=https://vault.azure.net&client_id=$mi_a"
app_error 500
assert_contains "App Service unknown resource text" "unexpected error" "$(jq -r .message <<<"$EMU_BODY")"

emu_get "$EMU_BASE/_emulator/stats"
assert_eq "stats msi_tokens_issued" "11" "$(jq -r .msi_tokens_issued <<<"$EMU_BODY")"
assert_eq "stats msi_request_times_ms recorded" "$(jq -r .msi_requests <<<"$EMU_BODY")" \
    "$(jq -r '.msi_request_times_ms|length' <<<"$EMU_BODY")"
if grep -qF -e identity-header-secret -e eyJ "$EMU_LOG"; then
    fail "the emulator log contains the identity header or a token"
fi
echo "ok: no identity header or token in the log"
emu_stop_clean

# One user-assigned identity needs no selector; a system-assigned one is the default.
cat >"$EMU_WORK/one.json" <<JSON
{"tenants": [{"id": "$tenant"}],
 "managed_identities": [{"name": "only", "tenant_id": "$tenant", "client_id": "$mi_a"}]}
JSON
emu_start "$EMU_WORK/one.json"
emu_request -H 'Metadata: true' "$(emu_json msi.imds_endpoint)?api-version=2018-02-01&resource=$graph"
assert_eq "single identity without selector: client_id" "$mi_a" "$(jq -r .client_id <<<"$EMU_BODY")"
[[ "$(emu_json msi.identity_header)" =~ ^[A-Za-z0-9_-]{20,}$ ]] ||
    fail "the generated identity header is not a random token"
echo "ok: generated identity header"
emu_stop_clean

cat >"$EMU_WORK/system.json" <<JSON
{"tenants": [{"id": "$tenant"}],
 "managed_identities": [{"name": "user", "tenant_id": "$tenant", "client_id": "$mi_a"},
                        {"name": "system", "tenant_id": "$tenant", "client_id": "$mi_b", "system_assigned": true}]}
JSON
emu_start "$EMU_WORK/system.json"
emu_request -H 'Metadata: true' "$(emu_json msi.imds_endpoint)?api-version=2018-02-01&resource=$graph"
assert_eq "system-assigned is the default" "$mi_b" "$(jq -r .client_id <<<"$EMU_BODY")"
emu_stop_clean

cat >"$EMU_WORK/none.json" <<JSON
{"tenants": [{"id": "$tenant"}]}
JSON
emu_start "$EMU_WORK/none.json"
emu_request -H 'Metadata: true' "$(emu_json msi.imds_endpoint)?api-version=2018-02-01&resource=$graph"
imds_error 400 invalid_request
assert_contains "no identity text" "Identity not found" "$(jq -r .error_description <<<"$EMU_BODY")"
emu_stop_clean
echo "PASS managed_identity"
