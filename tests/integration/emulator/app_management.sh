#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The setup flow by hand over real HTTPS: an admin application with a client secret creates an
# application, its service principal, the Intune permission in requiredResourceAccess, the
# admin consent as an appRoleAssignment and a federated credential; a cluster-minted workload
# token then federates as the new application and carries the role. Also: Entra's federated
# credential rules, the limit of 20, credential changes taking effect on the next exchange
# (70025 once none is left), and the permissions app role assignments need.
# Usage: app_management.sh PATH_TO_M365ID_EMULATOR
set -euo pipefail
EMU_BIN=$1
source "$(dirname "$0")/../lib/emulator.sh"

T=11111111-1111-1111-1111-111111111111
ADMIN=22222222-2222-2222-2222-222222222222
APP_ONLY=33333333-3333-3333-3333-333333333333
GRANT_ONLY=44444444-4444-4444-4444-444444444444
GRAPH_APP=00000003-0000-0000-c000-000000000000
INTUNE_ROLE=9241abd9-d0e6-425a-bd4f-47ba86e767a4
SCOPE=https://graph.microsoft.com/.default
AUD=api://AzureADTokenExchange
SUBJECT=system:serviceaccount:intune:config-writer
SECRET='Adm8Q~app-management-secret'

emu_workdir
cat >"$EMU_WORK/scenario.json" <<JSON
{
  "clusters": [{"name": "demo"}],
  "tenants": [{"id": "$T", "display_name": "Contoso", "domains": ["contoso.onmicrosoft.com"],
    "applications": [
      {"app_id": "$ADMIN", "display_name": "setup-admin",
       "roles": ["Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All"],
       "client_secrets": [{"value": "$SECRET"}]},
      {"app_id": "$APP_ONLY", "display_name": "application-writer",
       "roles": ["Application.ReadWrite.All"],
       "client_secrets": [{"value": "app-only-secret"}]},
      {"app_id": "$GRANT_ONLY", "display_name": "grant-without-read",
       "roles": ["AppRoleAssignment.ReadWrite.All"],
       "client_secrets": [{"value": "grant-only-secret"}]}]}]
}
JSON
emu_start "$EMU_WORK/scenario.json"
ISSUER=$(emu_json clusters.demo.issuer)

token_for() {
    emu_secret_token "$T" "$1" "$SCOPE" "$2"
    [[ "$EMU_STATUS" == 200 ]] || fail "no token for $1: $EMU_BODY"
    jq -r .access_token <<<"$EMU_BODY"
}
admin=$(token_for "$ADMIN" "$SECRET")
app_only=$(token_for "$APP_ONLY" app-only-secret)
grant_only=$(token_for "$GRANT_ONLY" grant-only-secret)

graph() {
    local method=$1 path=$2 token=$3 body=${4:-}
    local args=(-X "$method" -H "Authorization: Bearer $token")
    if [[ -n "$body" ]]; then
        args+=(-H 'Content-Type: application/json' --data-binary "$body")
    fi
    emu_request "${args[@]}" "$EMU_BASE$path"
    [[ $EMU_CURL_RC -eq 0 ]] || fail "$method $path did not complete (curl exit $EMU_CURL_RC)"
}

assert_graph_error() {
    local what=$1 status=$2 code=$3
    assert_eq "$what: status" "$status" "$EMU_STATUS"
    assert_eq "$what: code" "$code" "$(jq -r .error.code <<<"$EMU_BODY")"
    assert_eq "$what: innerError request-id" "true" \
        "$(jq '.error.innerError."request-id" | length > 0' <<<"$EMU_BODY")"
}

# fic_body NAME ISSUER SUBJECT AUDIENCES_JSON
fic_body() {
    jq -nc --arg n "$1" --arg i "$2" --arg s "$3" --argjson a "$4" \
        '{name:$n, issuer:$i, subject:$s, audiences:$a}'
}

# --- 1. the application ---
graph POST /v1.0/applications "$admin" '{"displayName":"m365id-intune","signInAudience":"AzureADMyOrg"}'
assert_eq "create application" "201" "$EMU_STATUS"
app_object=$(jq -r .id <<<"$EMU_BODY")
app_id=$(jq -r .appId <<<"$EMU_BODY")
workload=$(emu_mint demo intune config-writer "$AUD" 3600)

# The new application is known to the token endpoint at once, but has no credentials yet.
emu_token "$T" "$app_id" "$SCOPE" "$workload"
assert_aadsts 401 invalid_client 70025
emu_secret_token "$T" "$app_id" "$SCOPE" "$SECRET"
assert_aadsts 401 invalid_client 7000215

# --- 2. the service principal ---
graph POST /v1.0/servicePrincipals "$admin" "{\"appId\":\"$app_id\"}"
assert_eq "create service principal" "201" "$EMU_STATUS"
sp=$(jq -r .id <<<"$EMU_BODY")
graph GET "/v1.0/servicePrincipals(appId='$GRAPH_APP')" "$admin"
assert_eq "Graph service principal" "200" "$EMU_STATUS"
graph_sp=$(jq -r .id <<<"$EMU_BODY")

# --- 3. requiredResourceAccess ---
# GUIDs sent in upper case are accepted and returned in lower case, as Graph returns them.
rra="{\"requiredResourceAccess\":[{\"resourceAppId\":\"${GRAPH_APP^^}\",\"resourceAccess\":[{\"id\":\"${INTUNE_ROLE^^}\",\"type\":\"Role\"}]}]}"
graph PATCH "/v1.0/applications/${app_object^^}" "$admin" "$rra"
assert_eq "PATCH requiredResourceAccess" "204" "$EMU_STATUS"
graph GET "/v1.0/applications/$app_object" "$admin"
assert_eq "stored requiredResourceAccess" "$INTUNE_ROLE" \
    "$(jq -r '.requiredResourceAccess[0].resourceAccess[0].id' <<<"$EMU_BODY")"
assert_eq "stored resourceAppId in lower case" "$GRAPH_APP" \
    "$(jq -r '.requiredResourceAccess[0].resourceAppId' <<<"$EMU_BODY")"
assert_eq "PATCH kept displayName" "m365id-intune" "$(jq -r .displayName <<<"$EMU_BODY")"
graph POST /v1.0/applications "$admin" \
    "{\"displayName\":\"upper-case-role\",\"appRoles\":[{\"id\":\"AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE\",\"value\":\"Data.Read\",\"allowedMemberTypes\":[\"Application\"],\"displayName\":\"Read\",\"description\":\"Read\",\"isEnabled\":true}],$(sed 's/^{//; s/}$//' <<<"$rra")}"
assert_eq "create with upper-case GUIDs" "201" "$EMU_STATUS"
assert_eq "created appRoles id in lower case" "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee" \
    "$(jq -r '.appRoles[0].id' <<<"$EMU_BODY")"
assert_eq "created requiredResourceAccess in lower case" "$GRAPH_APP $INTUNE_ROLE" \
    "$(jq -r '.requiredResourceAccess[0] | "\(.resourceAppId) \(.resourceAccess[0].id)"' <<<"$EMU_BODY")"
graph DELETE "/v1.0/applications/$(jq -r .id <<<"$EMU_BODY")" "$admin"
assert_eq "delete the upper-case test application" "204" "$EMU_STATUS"

# --- 4. admin consent: the app role assignment ---
grant="{\"principalId\":\"$sp\",\"resourceId\":\"$graph_sp\",\"appRoleId\":\"$INTUNE_ROLE\"}"
graph POST "/v1.0/servicePrincipals/$sp/appRoleAssignments" "$app_only" "$grant"
assert_graph_error "grant with Application.ReadWrite.All only" 403 Authorization_RequestDenied
graph POST "/v1.0/servicePrincipals/$sp/appRoleAssignments" "$grant_only" "$grant"
assert_graph_error "grant without an Application or Directory read permission" 403 \
    Authorization_RequestDenied
graph POST "/v1.0/servicePrincipals/$sp/appRoleAssignments" "$admin" \
    "{\"principalId\":\"$sp\",\"resourceId\":\"$graph_sp\",\"appRoleId\":\"11111111-2222-3333-4444-555555555555\"}"
assert_graph_error "role the resource does not define" 400 Request_BadRequest
assert_contains "unknown role text" "was not found on application '$GRAPH_APP'" "$(jq -r .error.message <<<"$EMU_BODY")"
graph POST "/v1.0/servicePrincipals/$sp/appRoleAssignments" "$admin" \
    "{\"principalId\":\"$sp\",\"resourceId\":\"99999999-0000-0000-0000-000000000000\",\"appRoleId\":\"$INTUNE_ROLE\"}"
assert_graph_error "unknown resource" 404 Request_ResourceNotFound
graph POST "/v1.0/servicePrincipals/$graph_sp/appRoleAssignments" "$admin" "$grant"
assert_graph_error "principalId other than the URL's" 400 Request_BadRequest
graph POST "/v1.0/servicePrincipals/$sp/appRoleAssignments" "$admin" '{"principalId":"x"}'
assert_graph_error "assignment body with a bad GUID" 400 Request_BadRequest
grant_upper="{\"principalId\":\"${sp^^}\",\"resourceId\":\"${graph_sp^^}\",\"appRoleId\":\"${INTUNE_ROLE^^}\"}"
graph POST "/v1.0/servicePrincipals/${sp^^}/appRoleAssignments" "$admin" "$grant_upper"
assert_eq "grant status" "201" "$EMU_STATUS"
assignment=$(jq -r .id <<<"$EMU_BODY")
assert_eq "grant ids in lower case" "$sp $graph_sp $INTUNE_ROLE" \
    "$(jq -r '"\(.principalId) \(.resourceId) \(.appRoleId)"' <<<"$EMU_BODY")"
assert_eq "grant principalType" "ServicePrincipal" "$(jq -r .principalType <<<"$EMU_BODY")"
assert_eq "grant resourceDisplayName" "Microsoft Graph" "$(jq -r .resourceDisplayName <<<"$EMU_BODY")"
assert_eq "grant principalDisplayName" "m365id-intune" "$(jq -r .principalDisplayName <<<"$EMU_BODY")"
graph POST "/v1.0/servicePrincipals/$sp/appRoleAssignments" "$admin" "$grant"
assert_graph_error "duplicate grant" 400 Request_BadRequest
assert_contains "duplicate grant text" "already exists" "$(jq -r .error.message <<<"$EMU_BODY")"
graph GET "/v1.0/servicePrincipals/$graph_sp/appRoleAssignedTo" "$admin"
assert_eq "appRoleAssignedTo lists the grant" "1" \
    "$(jq --arg id "$assignment" '[.value[] | select(.id == $id)] | length' <<<"$EMU_BODY")"

# --- 5. the federated credential ---
fic=$(fic_body config-writer "$ISSUER" "$SUBJECT" "[\"$AUD\"]")
graph POST "/v1.0/applications/$app_object/federatedIdentityCredentials" "$grant_only" "$fic"
assert_graph_error "credential without Application.ReadWrite.All" 403 Authorization_RequestDenied
graph POST "/v1.0/applications/$app_object/federatedIdentityCredentials" "$admin" "$fic"
assert_eq "create credential" "201" "$EMU_STATUS"
fic_id=$(jq -r .id <<<"$EMU_BODY")
assert_eq "credential audiences" "[\"$AUD\"]" "$(jq -c .audiences <<<"$EMU_BODY")"
assert_eq "credential @odata.context" \
    "$EMU_BASE/v1.0/\$metadata#applications('$app_object')/federatedIdentityCredentials/\$entity" \
    "$(jq -r '."@odata.context"' <<<"$EMU_BODY")"

# --- 6. the exchange as the new application ---
emu_token "$T" "$app_id" "$SCOPE" "$workload"
assert_eq "exchange for the new application" "200" "$EMU_STATUS"
claims=$(emu_jwt_claims "$(jq -r .access_token <<<"$EMU_BODY")")
assert_eq "token appid" "$app_id" "$(jq -r .appid <<<"$claims")"
assert_eq "token oid is the new service principal" "$sp" "$(jq -r .oid <<<"$claims")"
assert_eq "token roles" '["DeviceManagementConfiguration.ReadWrite.All"]' "$(jq -c .roles <<<"$claims")"
intune=$(jq -r .access_token <<<"$EMU_BODY")
graph POST /beta/deviceManagement/configurationPolicies "$intune" \
    '{"name":"From the workload","platforms":"windows10","technologies":"mdm","settings":[]}'
assert_eq "the workload's token writes a policy" "201" "$EMU_STATUS"

# --- 7. Entra's credential rules ---
base="/v1.0/applications/$app_object/federatedIdentityCredentials"
bad_fic() {
    local what=$1 body=$2 status=${3:-400} code=${4:-Request_BadRequest}
    graph POST "$base" "$admin" "$body"
    assert_graph_error "$what" "$status" "$code"
}
long121=$(printf 'a%.0s' {1..121})
long601=$(printf 's%.0s' {1..601})
bad_fic "name with a space" "$(fic_body 'bad name' "$ISSUER" sub-1 "[\"$AUD\"]")"
assert_contains "name error names the property" "'name'" "$(jq -r .error.message <<<"$EMU_BODY")"
bad_fic "name of 121 characters" "$(fic_body "$long121" "$ISSUER" sub-1 "[\"$AUD\"]")"
bad_fic "name starting with '-'" "$(fic_body -abc "$ISSUER" sub-1 "[\"$AUD\"]")"
bad_fic "name of 2 characters" "$(fic_body ab "$ISSUER" sub-1 "[\"$AUD\"]")"
bad_fic "issuer that is no URL" "$(fic_body ok-1 not-a-url sub-1 "[\"$AUD\"]")"
assert_contains "issuer error names the property" "'issuer'" "$(jq -r .error.message <<<"$EMU_BODY")"
bad_fic "empty subject" "$(fic_body ok-1 "$ISSUER" '' "[\"$AUD\"]")"
bad_fic "subject of 601 characters" "$(fic_body ok-1 "$ISSUER" "$long601" "[\"$AUD\"]")"
bad_fic "two audiences" "$(fic_body ok-1 "$ISSUER" sub-1 "[\"$AUD\",\"other\"]")"
assert_contains "audience error says one" "exactly one audience" "$(jq -r .error.message <<<"$EMU_BODY")"
bad_fic "no audience" "$(fic_body ok-1 "$ISSUER" sub-1 '[]')"
bad_fic "audience of 601 characters" "$(fic_body ok-1 "$ISSUER" sub-1 "[\"$long601\"]")"
bad_fic "audiences as a string" "{\"name\":\"ok-1\",\"issuer\":\"$ISSUER\",\"subject\":\"s\",\"audiences\":\"$AUD\"}"
bad_fic "missing subject" "{\"name\":\"ok-1\",\"issuer\":\"$ISSUER\",\"audiences\":[\"$AUD\"]}"
bad_fic "undeclared property" "{\"name\":\"ok-1\",\"issuer\":\"$ISSUER\",\"subject\":\"s\",\"audiences\":[\"$AUD\"],\"colour\":\"red\"}"
bad_fic "same name" "$(fic_body Config-Writer "$ISSUER" other-subject "[\"$AUD\"]")" 409 \
    Request_MultipleObjectsWithSameKeyValue
bad_fic "same issuer and subject" "$(fic_body other-name "$ISSUER" "$SUBJECT" "[\"$AUD\"]")" 409 \
    Request_MultipleObjectsWithSameKeyValue
bad_fic "not JSON" '{"name":' 400 BadRequest

# By id, by name, and with the name key; PATCH takes effect on the next exchange.
graph GET "$base/$fic_id" "$admin"
assert_eq "credential by id" "config-writer" "$(jq -r .name <<<"$EMU_BODY")"
graph GET "$base/config-writer" "$admin"
assert_eq "credential by name" "$fic_id" "$(jq -r .id <<<"$EMU_BODY")"
graph GET "$base(name='config-writer')" "$admin"
assert_eq "credential by name key" "$fic_id" "$(jq -r .id <<<"$EMU_BODY")"
graph PATCH "$base/config-writer" "$admin" '{"name":"renamed"}'
assert_graph_error "renaming a credential" 400 Request_BadRequest
graph PATCH "$base/config-writer" "$admin" '{"audiences":["a","b"]}'
assert_graph_error "PATCH to two audiences" 400 Request_BadRequest
graph PATCH "$base/config-writer" "$admin" '{"subject":"system:serviceaccount:intune:other"}'
assert_eq "PATCH subject" "204" "$EMU_STATUS"
emu_token "$T" "$app_id" "$SCOPE" "$workload"
assert_aadsts 401 invalid_client 700213
graph PATCH "$base/$fic_id" "$admin" "{\"subject\":\"$SUBJECT\"}"
assert_eq "PATCH subject back" "204" "$EMU_STATUS"
emu_token "$T" "$app_id" "$SCOPE" "$workload"
assert_eq "exchange after PATCH back" "200" "$EMU_STATUS"

# --- 8. at most 20 credentials ---
for i in $(seq 2 20); do
    graph POST "$base" "$admin" "$(fic_body "extra-$i" "$ISSUER" "system:serviceaccount:extra:sa-$i" "[\"$AUD\"]")"
    assert_eq "credential $i of 20" "201" "$EMU_STATUS"
done
bad_fic "21st credential" "$(fic_body extra-21 "$ISSUER" system:serviceaccount:extra:sa-21 "[\"$AUD\"]")"
assert_contains "limit text" "maximum of 20" "$(jq -r .error.message <<<"$EMU_BODY")"
graph GET "$base" "$admin"
assert_eq "credentials listed" "20" "$(jq '.value | length' <<<"$EMU_BODY")"
emu_get "$EMU_BASE/_emulator/directory?tenant=$T&collection=applications/$app_object/federatedIdentityCredentials"
assert_eq "directory view of the credentials" "20" "$(jq '.value | length' <<<"$EMU_BODY")"

# --- 9. deleting credentials ---
graph DELETE "$base/config-writer" "$admin"
assert_eq "delete the matching credential" "204" "$EMU_STATUS"
emu_token "$T" "$app_id" "$SCOPE" "$workload"
assert_aadsts 401 invalid_client 700213
for i in $(seq 2 20); do
    graph DELETE "$base/extra-$i" "$admin"
    assert_eq "delete credential extra-$i" "204" "$EMU_STATUS"
done
graph DELETE "$base/extra-2" "$admin"
assert_graph_error "delete a deleted credential" 404 Request_ResourceNotFound
emu_token "$T" "$app_id" "$SCOPE" "$workload"
assert_aadsts 401 invalid_client 70025

# --- 10. revoking the grant, then the service principal ---
graph POST "$base" "$admin" "$fic"
assert_eq "credential again" "201" "$EMU_STATUS"
graph DELETE "/v1.0/servicePrincipals/$sp/appRoleAssignments/$assignment" "$app_only"
assert_graph_error "revoke without AppRoleAssignment.ReadWrite.All" 403 Authorization_RequestDenied
graph DELETE "/v1.0/servicePrincipals/$sp/appRoleAssignments/$assignment" "$admin"
assert_eq "revoke the grant" "204" "$EMU_STATUS"
emu_token "$T" "$app_id" "$SCOPE" "$workload"
assert_eq "exchange without the grant" "200" "$EMU_STATUS"
assert_eq "token without roles" "null" \
    "$(emu_jwt_claims "$(jq -r .access_token <<<"$EMU_BODY")" | jq -c .roles)"
graph DELETE "/v1.0/servicePrincipals/$sp" "$admin"
assert_eq "delete the service principal" "204" "$EMU_STATUS"
emu_token "$T" "$app_id" "$SCOPE" "$workload"
assert_aadsts 401 invalid_client 7000229
graph DELETE "/v1.0/applications/$app_object" "$admin"
assert_eq "delete the application" "204" "$EMU_STATUS"
emu_token "$T" "$app_id" "$SCOPE" "$workload"
assert_aadsts 400 unauthorized_client 700016

emu_stop_clean
echo "PASS: app_management"
