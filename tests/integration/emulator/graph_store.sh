#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The Graph directory store over real HTTPS: the objects seeded from the scenario, create,
# read, update and delete on users, groups, applications, servicePrincipals and beta's
# configurationPolicies, paging with $top and @odata.nextLink, $filter, Graph-shaped 400, 403,
# 404, 405 and 409 errors, and the /_emulator/directory view, which never shows a secret.
# Usage: graph_store.sh PATH_TO_M365ID_EMULATOR
set -euo pipefail
EMU_BIN=$1
source "$(dirname "$0")/../lib/emulator.sh"

T=11111111-1111-1111-1111-111111111111
ADMIN=22222222-2222-2222-2222-222222222222
ADMIN_SP=22222222-0000-0000-0000-00000000000a
READER=33333333-3333-3333-3333-333333333333
NOROLES=44444444-4444-4444-4444-444444444444
CUSTOM=55555555-5555-5555-5555-555555555555
GRAPH_APP=00000003-0000-0000-c000-000000000000
SCOPE=https://graph.microsoft.com/.default
SECRET='Adm8Q~store-test-secret-value'
GUID_RE='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'

emu_workdir
cat >"$EMU_WORK/scenario.json" <<JSON
{
  "clusters": [{"name": "demo"}],
  "tenants": [{"id": "$T", "display_name": "Contoso", "domains": ["contoso.onmicrosoft.com"],
    "users": [
      {"displayName": "Adele Vance", "userPrincipalName": "adele@contoso.onmicrosoft.com"},
      {"displayName": "Alex Wilber", "userPrincipalName": "alex@contoso.onmicrosoft.com"},
      {"displayName": "Diego Siciliani", "userPrincipalName": "diego@contoso.onmicrosoft.com"}],
    "applications": [
      {"app_id": "$ADMIN", "display_name": "directory-admin", "service_principal_id": "$ADMIN_SP",
       "roles": ["Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All",
                 "User.ReadWrite.All", "Group.ReadWrite.All",
                 "DeviceManagementConfiguration.ReadWrite.All"],
       "client_secrets": [{"id": "aaaaaaaa-0000-0000-0000-000000000001", "hint": "Adm",
                           "value": "$SECRET"}]},
      {"app_id": "$READER", "display_name": "directory-reader",
       "roles": ["Application.Read.All", "User.Read.All", "Group.Read.All"],
       "client_secrets": [{"value": "reader-secret-value"}]},
      {"app_id": "$NOROLES", "display_name": "no-roles",
       "client_secrets": [{"value": "noroles-secret-value"}]},
      {"app_id": "$CUSTOM", "display_name": "custom-role", "roles": ["Custom.Emulator.Role"],
       "client_secrets": [{"value": "custom-secret-value"}]}]}]
}
JSON
emu_start "$EMU_WORK/scenario.json"

token_for() {
    emu_secret_token "$T" "$1" "$SCOPE" "$2"
    [[ "$EMU_STATUS" == 200 ]] || fail "no token for $1: $EMU_BODY"
    jq -r .access_token <<<"$EMU_BODY"
}
admin=$(token_for "$ADMIN" "$SECRET")
reader=$(token_for "$READER" reader-secret-value)
noroles=$(token_for "$NOROLES" noroles-secret-value)
custom=$(token_for "$CUSTOM" custom-secret-value)

# graph METHOD PATH TOKEN [BODY]: one Graph request; sets EMU_STATUS, EMU_BODY, EMU_HEADERS.
graph() {
    local method=$1 path=$2 token=$3 body=${4:-}
    local args=(-X "$method" -H "Authorization: Bearer $token")
    if [[ -n "$body" ]]; then
        args+=(-H 'Content-Type: application/json' --data-binary "$body")
    fi
    emu_request "${args[@]}" "$EMU_BASE$path"
    [[ $EMU_CURL_RC -eq 0 ]] || fail "$method $path did not complete (curl exit $EMU_CURL_RC)"
}

# assert_graph_error WHAT STATUS CODE: Graph's error shape with innerError.
assert_graph_error() {
    local what=$1 status=$2 code=$3
    assert_eq "$what: status" "$status" "$EMU_STATUS"
    assert_eq "$what: code" "$code" "$(jq -r .error.code <<<"$EMU_BODY")"
    assert_eq "$what: message present" "true" "$(jq '.error.message | length > 0' <<<"$EMU_BODY")"
    assert_eq "$what: innerError" "true" \
        "$(jq '.error.innerError | has("date") and has("request-id") and has("client-request-id")' \
            <<<"$EMU_BODY")"
}

# --- seeded content ---
graph GET "/v1.0/applications?\$filter=appId%20eq%20'$ADMIN'" "$admin"
assert_eq "filter by appId: status" "200" "$EMU_STATUS"
assert_eq "filter by appId: count" "1" "$(jq '.value | length' <<<"$EMU_BODY")"
assert_eq "seeded application displayName" "directory-admin" "$(jq -r '.value[0].displayName' <<<"$EMU_BODY")"
assert_eq "seeded application signInAudience" "AzureADMyOrg" "$(jq -r '.value[0].signInAudience' <<<"$EMU_BODY")"
assert_eq "seeded secret hint" "Adm" "$(jq -r '.value[0].passwordCredentials[0].hint' <<<"$EMU_BODY")"
assert_eq "seeded secret keyId" "aaaaaaaa-0000-0000-0000-000000000001" \
    "$(jq -r '.value[0].passwordCredentials[0].keyId' <<<"$EMU_BODY")"
assert_eq "seeded secretText is null" "null" "$(jq -r '.value[0].passwordCredentials[0].secretText' <<<"$EMU_BODY")"
assert_eq "seeded requiredResourceAccess resource" "$GRAPH_APP" \
    "$(jq -r '.value[0].requiredResourceAccess[0].resourceAppId' <<<"$EMU_BODY")"
assert_eq "seeded requiredResourceAccess has the Intune role" "true" \
    "$(jq '[.value[0].requiredResourceAccess[0].resourceAccess[] | select(.id == "9241abd9-d0e6-425a-bd4f-47ba86e767a4" and .type == "Role")] | length == 1' <<<"$EMU_BODY")"
assert_eq "list @odata.context" "$EMU_BASE/v1.0/\$metadata#applications" \
    "$(jq -r '."@odata.context"' <<<"$EMU_BODY")"
admin_app_id=$(jq -r '.value[0].id' <<<"$EMU_BODY")
[[ "$admin_app_id" =~ $GUID_RE ]] || fail "seeded application id '$admin_app_id' is not a GUID"

graph GET "/v1.0/servicePrincipals(appId='$ADMIN')" "$admin"
assert_eq "servicePrincipals(appId=) status" "200" "$EMU_STATUS"
assert_eq "seeded service principal id" "$ADMIN_SP" "$(jq -r .id <<<"$EMU_BODY")"
assert_eq "seeded servicePrincipalType" "Application" "$(jq -r .servicePrincipalType <<<"$EMU_BODY")"
assert_eq "entity @odata.context" "$EMU_BASE/v1.0/\$metadata#servicePrincipals/\$entity" \
    "$(jq -r '."@odata.context"' <<<"$EMU_BODY")"

graph GET "/v1.0/applications(appId='$ADMIN')" "$reader"
assert_eq "applications(appId=) by a reader" "$admin_app_id" "$(jq -r .id <<<"$EMU_BODY")"

graph GET "/v1.0/servicePrincipals?\$filter=appId%20eq%20'$GRAPH_APP'" "$admin"
graph_sp=$(jq -r '.value[0].id' <<<"$EMU_BODY")
assert_eq "Microsoft Graph service principal name" "Microsoft Graph" "$(jq -r '.value[0].displayName' <<<"$EMU_BODY")"
assert_eq "Graph app role DeviceManagementConfiguration.ReadWrite.All" \
    "9241abd9-d0e6-425a-bd4f-47ba86e767a4" \
    "$(jq -r '.value[0].appRoles[] | select(.value == "DeviceManagementConfiguration.ReadWrite.All") | .id' <<<"$EMU_BODY")"
custom_role=$(jq -r '.value[0].appRoles[] | select(.value == "Custom.Emulator.Role") | .id' <<<"$EMU_BODY")
[[ "$custom_role" =~ $GUID_RE ]] || fail "the scenario's custom role has no generated id: '$custom_role'"
graph GET "/v1.0/servicePrincipals?\$filter=servicePrincipalNames/any(c:c%20eq%20'$GRAPH_APP')" "$admin"
assert_eq "any() filter finds Graph" "$graph_sp" "$(jq -r '.value[0].id' <<<"$EMU_BODY")"

graph GET "/v1.0/servicePrincipals/$ADMIN_SP/appRoleAssignments" "$admin"
assert_eq "seeded assignments" "5" "$(jq '.value | length' <<<"$EMU_BODY")"
assert_eq "seeded assignments point at Graph" "true" \
    "$(jq --arg g "$graph_sp" '[.value[] | .resourceId == $g] | all' <<<"$EMU_BODY")"
assert_eq "assignment id is 43 base64url characters" "true" \
    "$(jq '[.value[].id | test("^[A-Za-z0-9_-]{43}$")] | all' <<<"$EMU_BODY")"
assert_eq "nested @odata.context" "$EMU_BASE/v1.0/\$metadata#servicePrincipals('$ADMIN_SP')/appRoleAssignments" \
    "$(jq -r '."@odata.context"' <<<"$EMU_BODY")"

# A scenario role outside the public table still reaches the token.
assert_eq "custom role in the token" '["Custom.Emulator.Role"]' \
    "$(emu_jwt_claims "$custom" | jq -c .roles)"

# --- Microsoft Graph's service principal is Microsoft's: roles, names and the object stay ---
graph GET "/v1.0/servicePrincipals/$graph_sp" "$admin"
graph_roles=$(jq -c .appRoles <<<"$EMU_BODY")
graph PATCH "/v1.0/servicePrincipals/$graph_sp" "$admin" '{"appRoles":[]}'
assert_graph_error "PATCH of Graph's appRoles" 400 Request_BadRequest
assert_contains "Graph appRoles error names the property" "'appRoles'" "$(jq -r .error.message <<<"$EMU_BODY")"
graph PATCH "/v1.0/servicePrincipals(appId='$GRAPH_APP')" "$admin" '{"displayName":"Not Graph"}'
assert_graph_error "PATCH of Graph's displayName by appId" 400 Request_BadRequest
graph PATCH "/v1.0/servicePrincipals/$graph_sp" "$admin" '{"servicePrincipalNames":["x"]}'
assert_graph_error "PATCH of Graph's servicePrincipalNames" 400 Request_BadRequest
graph PATCH "/v1.0/servicePrincipals/$graph_sp" "$admin" "{\"appRoles\":$graph_roles,\"tags\":[\"reviewed\"]}"
assert_eq "PATCH of Graph's tags, appRoles sent back unchanged" "204" "$EMU_STATUS"
graph DELETE "/v1.0/servicePrincipals/$graph_sp" "$admin"
assert_graph_error "DELETE of Graph's service principal" 400 Request_BadRequest
graph DELETE "/v1.0/servicePrincipals/${graph_sp^^}" "$admin"
assert_graph_error "DELETE of Graph's service principal, id in upper case" 400 Request_BadRequest
graph POST /v1.0/servicePrincipals "$admin" "{\"appId\":\"$GRAPH_APP\"}"
assert_graph_error "a second Graph service principal" 409 Request_MultipleObjectsWithSameKeyValue
graph GET "/v1.0/servicePrincipals/$graph_sp" "$admin"
assert_eq "Graph's appRoles unchanged" "$graph_roles" "$(jq -c .appRoles <<<"$EMU_BODY")"
assert_eq "Graph's tags changed" '["reviewed"]' "$(jq -c .tags <<<"$EMU_BODY")"
assert_eq "a new admin token still has its roles" "5" \
    "$(emu_jwt_claims "$(token_for "$ADMIN" "$SECRET")" | jq '.roles | length')"

# --- GUIDs in any case find the object, which comes back in lower case ---
graph GET "/v1.0/servicePrincipals/${ADMIN_SP^^}" "$admin"
assert_eq "service principal by upper-case id" "$ADMIN_SP" "$(jq -r .id <<<"$EMU_BODY")"
graph GET "/v1.0/applications(appId='${ADMIN^^}')" "$reader"
assert_eq "application by upper-case appId" "$ADMIN" "$(jq -r .appId <<<"$EMU_BODY")"
graph GET "/v1.0/servicePrincipals?\$filter=appId%20eq%20'${GRAPH_APP^^}'" "$admin"
assert_eq "filter on an upper-case appId" "$graph_sp $GRAPH_APP" \
    "$(jq -r '.value[0] | "\(.id) \(.appId)"' <<<"$EMU_BODY")"
graph GET "/v1.0/servicePrincipals/${ADMIN_SP^^}/appRoleAssignments" "$admin"
assert_eq "assignments under an upper-case id" "5" "$(jq '.value | length' <<<"$EMU_BODY")"

# --- users: the scenario's users, paging, create, update, delete ---
url="$EMU_BASE/v1.0/users?\$top=2"
pages=0
count=0
while [[ -n "$url" && $pages -lt 10 ]]; do
    emu_get "$url" "$reader"
    assert_eq "users page status" "200" "$EMU_STATUS"
    count=$((count + $(jq '.value | length' <<<"$EMU_BODY")))
    url=$(jq -r '."@odata.nextLink" // empty' <<<"$EMU_BODY")
    pages=$((pages + 1))
done
assert_eq "user pages" "2" "$pages"
assert_eq "users in total" "3" "$count"

graph GET "/v1.0/users/alex@contoso.onmicrosoft.com" "$reader"
assert_eq "user by UPN" "Alex Wilber" "$(jq -r .displayName <<<"$EMU_BODY")"

new_user='{"accountEnabled":true,"displayName":"Megan Bowen","mailNickname":"megan",
  "userPrincipalName":"megan@contoso.onmicrosoft.com",
  "passwordProfile":{"forceChangePasswordNextSignIn":true,"password":"Pa55-never-stored"}}'
graph POST /v1.0/users "$reader" "$new_user"
assert_graph_error "user create with User.Read.All" 403 Authorization_RequestDenied
graph POST /v1.0/users "$admin" "$new_user"
assert_eq "user create status" "201" "$EMU_STATUS"
user_id=$(jq -r .id <<<"$EMU_BODY")
[[ "$user_id" =~ $GUID_RE ]] || fail "created user id '$user_id' is not a GUID"
assert_eq "created user has no passwordProfile" "false" "$(jq 'has("passwordProfile")' <<<"$EMU_BODY")"
graph POST /v1.0/users "$admin" "$new_user"
assert_graph_error "duplicate userPrincipalName" 400 Request_BadRequest
graph POST /v1.0/users "$admin" '{"displayName":"No UPN"}'
assert_graph_error "user without required properties" 400 Request_BadRequest
assert_contains "missing property named" "of resource 'User'" "$(jq -r .error.message <<<"$EMU_BODY")"
graph PATCH "/v1.0/users/$user_id" "$admin" '{"jobTitle":"Marketing Manager"}'
assert_eq "user patch status" "204" "$EMU_STATUS"
assert_eq "user patch has no body" "" "$EMU_BODY"
graph GET "/v1.0/users/$user_id" "$admin"
assert_eq "patched jobTitle" "Marketing Manager" "$(jq -r .jobTitle <<<"$EMU_BODY")"
assert_eq "patch kept displayName" "Megan Bowen" "$(jq -r .displayName <<<"$EMU_BODY")"
graph PATCH "/v1.0/users/$user_id" "$admin" '{"id":"00000000-0000-0000-0000-000000000000"}'
assert_graph_error "patch of the read-only id" 400 Request_BadRequest
graph DELETE "/v1.0/users/$user_id" "$admin"
assert_eq "user delete status" "204" "$EMU_STATUS"
graph GET "/v1.0/users/$user_id" "$admin"
assert_graph_error "deleted user" 404 Request_ResourceNotFound
assert_contains "404 names the id" "'$user_id'" "$(jq -r .error.message <<<"$EMU_BODY")"
graph DELETE "/v1.0/users/$user_id" "$admin"
assert_graph_error "second delete" 404 Request_ResourceNotFound

# --- groups ---
graph POST /v1.0/groups "$admin" '{"displayName":"Intune Admins","mailEnabled":false,"mailNickname":"intune-admins","securityEnabled":true}'
assert_eq "group create status" "201" "$EMU_STATUS"
group_id=$(jq -r .id <<<"$EMU_BODY")
graph POST /v1.0/groups "$admin" '{"displayName":"Bad","mailEnabled":"no","mailNickname":"bad","securityEnabled":true}'
assert_graph_error "group with a string for a boolean" 400 Request_BadRequest
assert_contains "bad type names the property" "'mailEnabled'" "$(jq -r .error.message <<<"$EMU_BODY")"
graph GET "/v1.0/groups?\$filter=displayName%20eq%20'intune%20admins'" "$reader"
assert_eq "group filter ignores case" "$group_id" "$(jq -r '.value[0].id' <<<"$EMU_BODY")"
graph PATCH "/v1.0/groups/$group_id" "$reader" '{"description":"x"}'
assert_graph_error "group patch with Group.Read.All" 403 Authorization_RequestDenied
graph PATCH "/v1.0/groups/$group_id" "$admin" '{"displayName":""}'
assert_graph_error "group patch to an empty displayName" 400 Request_BadRequest
graph PATCH "/v1.0/groups/$group_id" "$admin" '{"mailNickname":"  "}'
assert_graph_error "group patch to a blank mailNickname" 400 Request_BadRequest
graph DELETE "/v1.0/groups/$group_id" "$admin"
assert_eq "group delete status" "204" "$EMU_STATUS"

# --- applications: create, bad bodies, paging with a filter ---
graph POST /v1.0/applications "$admin" '{"displayName":"paged-app"}'
assert_eq "application create status" "201" "$EMU_STATUS"
assert_eq "create @odata.context" "$EMU_BASE/v1.0/\$metadata#applications/\$entity" \
    "$(jq -r '."@odata.context"' <<<"$EMU_BODY")"
first_app=$(jq -r .id <<<"$EMU_BODY")
[[ "$(jq -r .appId <<<"$EMU_BODY")" =~ $GUID_RE ]] || fail "created application has no appId GUID"
assert_eq "created application's signInAudience" "AzureADMyOrg" "$(jq -r .signInAudience <<<"$EMU_BODY")"
assert_eq "id and appId differ" "false" "$(jq '.id == .appId' <<<"$EMU_BODY")"
graph POST /v1.0/applications "$admin" '{"displayName":"paged-app"}'
graph POST /v1.0/applications "$admin" '{"displayName":"paged-app"}'
assert_eq "third application status" "201" "$EMU_STATUS"

url="$EMU_BASE/v1.0/applications?\$filter=displayName%20eq%20'paged-app'&\$top=2"
emu_get "$url" "$reader"
assert_eq "filtered first page" "2" "$(jq '.value | length' <<<"$EMU_BODY")"
next=$(jq -r '."@odata.nextLink" // empty' <<<"$EMU_BODY")
assert_contains "nextLink keeps the filter" "filter=displayName" "$next"
emu_get "$next" "$reader"
assert_eq "filtered second page" "1" "$(jq '.value | length' <<<"$EMU_BODY")"
assert_eq "filtered last page has no nextLink" "null" "$(jq -r '."@odata.nextLink"' <<<"$EMU_BODY")"

graph GET "/v1.0/applications?\$filter=startswith(displayName,'PAGED-')" "$reader"
assert_eq "startswith filter status" "200" "$EMU_STATUS"
assert_eq "startswith filter matches without case" '["paged-app","paged-app","paged-app"]' \
    "$(jq -c '[.value[].displayName]' <<<"$EMU_BODY")"
graph GET "/v1.0/applications?\$filter=endswith(displayName,'app')" "$reader"
assert_graph_error "unsupported filter" 400 Request_UnsupportedQuery
assert_contains "filter error names the supported form" "PROPERTY eq 'text'" "$(jq -r .error.message <<<"$EMU_BODY")"
graph GET "/v1.0/applications?\$top=0" "$reader"
assert_graph_error "top of 0" 400 BadRequest
graph GET "/v1.0/applications?\$skiptoken=bm90LWEtdG9rZW4" "$reader"
assert_graph_error "forged skiptoken" 400 BadRequest

graph POST /v1.0/applications "$admin" '{"displayName":'
assert_graph_error "truncated JSON" 400 BadRequest
graph POST /v1.0/applications "$admin" '["displayName"]'
assert_graph_error "JSON array body" 400 BadRequest
graph POST /v1.0/applications "$admin" '{"displayName":5}'
assert_graph_error "number displayName" 400 Request_BadRequest
graph POST /v1.0/applications "$admin" '{"displayName":"x","signInAudience":"Everyone"}'
assert_graph_error "unknown signInAudience" 400 Request_BadRequest
graph POST /v1.0/applications "$admin" '{"displayName":"x","requiredResourceAccess":[{"resourceAppId":"graph"}]}'
assert_graph_error "malformed requiredResourceAccess" 400 Request_BadRequest
graph POST /v1.0/applications "$admin" '{"displayName":"x","passwordCredentials":[{"displayName":"s"}]}'
assert_graph_error "secrets through Graph" 400 Request_BadRequest
graph PATCH "/v1.0/applications/$first_app" "$admin" '{"appId":"99999999-9999-9999-9999-999999999999"}'
assert_graph_error "patch of the read-only appId" 400 Request_BadRequest

# PATCH bodies get the checks of POST; read-only and reserved keys are never stored.
graph POST /v1.0/applications "$admin" '{"displayName":""}'
assert_graph_error "create with an empty displayName" 400 Request_BadRequest
graph PATCH "/v1.0/applications/$first_app" "$admin" '{"displayName":""}'
assert_graph_error "patch to an empty displayName" 400 Request_BadRequest
assert_contains "empty displayName error names the property" "'displayName'" "$(jq -r .error.message <<<"$EMU_BODY")"
graph PATCH "/v1.0/applications/$first_app" "$admin" '{"displayName":" \t "}'
assert_graph_error "patch to a blank displayName" 400 Request_BadRequest
graph PATCH "/v1.0/applications/$first_app" "$admin" '{"displayName":null}'
assert_graph_error "patch to a null displayName" 400 Request_BadRequest
graph PATCH "/v1.0/applications/$first_app" "$admin" '{"ID":"99999999-9999-9999-9999-999999999999"}'
assert_graph_error "patch of ID in upper case" 400 Request_BadRequest
assert_contains "ID error names the declared property" "'id'" "$(jq -r .error.message <<<"$EMU_BODY")"
graph PATCH "/v1.0/applications/$first_app" "$admin" '{"AppId":"99999999-9999-9999-9999-999999999999"}'
assert_graph_error "patch of AppId" 400 Request_BadRequest
graph PATCH "/v1.0/applications/$first_app" "$admin" '{"createdDateTime":"2001-01-01T00:00:00Z"}'
assert_graph_error "patch of createdDateTime" 400 Request_BadRequest
assert_contains "read-only text" "is read-only and cannot be set" "$(jq -r .error.message <<<"$EMU_BODY")"
graph POST /v1.0/applications "$admin" '{"displayName":"x","appId":"99999999-9999-9999-9999-999999999999"}'
assert_graph_error "create with an appId" 400 Request_BadRequest
graph POST /v1.0/applications "$admin" '{"displayName":"x","createdDateTime":"2001-01-01T00:00:00Z"}'
assert_graph_error "create with a createdDateTime" 400 Request_BadRequest
graph PATCH "/v1.0/applications/$first_app" "$admin" '{"@odata.type":"#microsoft.graph.user"}'
assert_graph_error "patch with another entity's @odata.type" 400 BadRequest
graph PATCH "/v1.0/applications/$first_app" "$admin" '{"owners@odata.bind":["https://graph.microsoft.com/v1.0/directoryObjects/x"]}'
assert_graph_error "patch with a reference binding" 400 BadRequest
graph PATCH "/v1.0/applications/$first_app" "$admin" \
    '{"@odata.type":"#microsoft.graph.application","@odata.etag":"W/1","notes":"checked"}'
assert_eq "patch with the entity's own @odata.type" "204" "$EMU_STATUS"
graph GET "/v1.0/applications/$first_app" "$admin"
assert_eq "patched notes" "checked" "$(jq -r .notes <<<"$EMU_BODY")"
assert_eq "no annotation, ID or AppId stored" "[]" \
    "$(jq -c '[keys[] | select(test("@odata.type|@odata.etag|^ID$|^AppId$"))]' <<<"$EMU_BODY")"
assert_eq "displayName kept" "paged-app" "$(jq -r .displayName <<<"$EMU_BODY")"
graph GET /v1.0/applications/99999999-0000-0000-0000-000000000000 "$reader"
assert_graph_error "unknown application" 404 Request_ResourceNotFound
graph GET "/v1.0/applications(appId='99999999-0000-0000-0000-000000000000')" "$reader"
assert_graph_error "unknown appId" 404 Request_ResourceNotFound

# --- permissions and routing ---
graph POST /v1.0/applications "$reader" '{"displayName":"nope"}'
assert_graph_error "application create with Application.Read.All" 403 Authorization_RequestDenied
graph GET /v1.0/applications "$noroles"
assert_graph_error "application list without roles" 403 Authorization_RequestDenied
graph GET /v1.0/groups "$noroles"
assert_graph_error "group list without roles" 403 Authorization_RequestDenied
graph GET /v1.0/widgets "$admin"
assert_graph_error "unknown collection" 400 BadRequest
assert_contains "unknown collection names the segment" "'widgets'" "$(jq -r .error.message <<<"$EMU_BODY")"
graph GET "/v1.0/applications/$first_app/owners" "$admin"
assert_graph_error "unknown nested segment" 400 BadRequest
graph PUT /v1.0/applications "$admin" '{"displayName":"x"}'
assert_eq "PUT on a collection" "405" "$EMU_STATUS"
assert_contains "Allow of a collection" "Allow: GET, POST" "$EMU_HEADERS"
graph POST "/v1.0/applications/$first_app" "$admin" '{"displayName":"x"}'
assert_eq "POST on an entity" "405" "$EMU_STATUS"
assert_contains "Allow of an entity" "Allow: GET, PATCH, DELETE" "$EMU_HEADERS"
graph GET /v1.0/applications ""
assert_graph_error "no bearer" 401 InvalidAuthenticationToken

# --- service principals ---
graph POST /v1.0/servicePrincipals "$admin" '{"appId":"99999999-0000-0000-0000-000000000000"}'
assert_graph_error "service principal for an unknown appId" 400 Request_BadRequest
assert_contains "unknown appId text" "does not reference a valid application object" "$(jq -r .error.message <<<"$EMU_BODY")"
first_app_id=$(curl -s --cacert "$EMU_CA" -H "Authorization: Bearer $admin" \
    "$EMU_BASE/v1.0/applications/$first_app" | jq -r .appId)
graph POST /v1.0/servicePrincipals "$admin" "{\"appId\":\"$first_app_id\"}"
assert_eq "service principal create status" "201" "$EMU_STATUS"
sp_id=$(jq -r .id <<<"$EMU_BODY")
assert_eq "service principal displayName from the application" "paged-app" "$(jq -r .displayName <<<"$EMU_BODY")"
assert_eq "service principal names" "[\"$first_app_id\"]" "$(jq -c .servicePrincipalNames <<<"$EMU_BODY")"
graph POST /v1.0/servicePrincipals "$admin" "{\"appId\":\"$first_app_id\"}"
assert_graph_error "second service principal" 409 Request_MultipleObjectsWithSameKeyValue
graph POST /v1.0/servicePrincipals "$admin" '{"appId":"not-a-guid"}'
assert_graph_error "appId that is no GUID" 400 Request_BadRequest
graph PATCH "/v1.0/servicePrincipals/$sp_id" "$admin" '{"displayName":""}'
assert_graph_error "service principal patch to an empty displayName" 400 Request_BadRequest
graph PATCH "/v1.0/servicePrincipals/$sp_id" "$admin" '{"appOwnerOrganizationId":"99999999-9999-9999-9999-999999999999"}'
assert_graph_error "service principal patch of appOwnerOrganizationId" 400 Request_BadRequest

# Deleting the application deletes its service principal too.
graph DELETE "/v1.0/applications/$first_app" "$admin"
assert_eq "application delete status" "204" "$EMU_STATUS"
graph GET "/v1.0/servicePrincipals/$sp_id" "$admin"
assert_graph_error "service principal of a deleted application" 404 Request_ResourceNotFound

# --- beta: device configuration policies ---
policy='{"name":"Baseline","description":"Emulator test","platforms":"windows10","technologies":"mdm","settings":[{"@odata.type":"#microsoft.graph.deviceManagementConfigurationSetting"}]}'
graph POST /v1.0/deviceManagement/configurationPolicies "$admin" "$policy"
assert_graph_error "configurationPolicies in v1.0" 400 BadRequest
graph POST /beta/deviceManagement/configurationPolicies "$reader" "$policy"
assert_graph_error "policy create without DeviceManagementConfiguration" 403 Authorization_RequestDenied
graph POST /beta/deviceManagement/configurationPolicies "$admin" "$policy"
assert_eq "policy create status" "201" "$EMU_STATUS"
assert_eq "policy settingCount" "1" "$(jq -r .settingCount <<<"$EMU_BODY")"
assert_eq "policy @odata.context" "$EMU_BASE/beta/\$metadata#deviceManagement/configurationPolicies/\$entity" \
    "$(jq -r '."@odata.context"' <<<"$EMU_BODY")"
policy_id=$(jq -r .id <<<"$EMU_BODY")
graph PATCH "/beta/deviceManagement/configurationPolicies/$policy_id" "$admin" '{"description":"changed"}'
assert_eq "policy patch status" "204" "$EMU_STATUS"
graph GET "/beta/deviceManagement/configurationPolicies?\$filter=name%20eq%20'baseline'" "$admin"
assert_eq "policy filter" "changed" "$(jq -r '.value[0].description' <<<"$EMU_BODY")"
graph DELETE "/beta/deviceManagement/configurationPolicies/$policy_id" "$admin"
assert_eq "policy delete status" "204" "$EMU_STATUS"

# --- the control API's view of the store ---
emu_get "$EMU_BASE/_emulator/directory?tenant=$T&collection=applications"
assert_eq "directory view status" "200" "$EMU_STATUS"
assert_eq "directory view: paged-app left" "2" \
    "$(jq '[.value[] | select(.displayName == "paged-app")] | length' <<<"$EMU_BODY")"
emu_get "$EMU_BASE/_emulator/directory?tenant=contoso.onmicrosoft.com&collection=users"
assert_eq "directory view by domain: deleted user is gone" "0" \
    "$(jq --arg id "$user_id" '[.value[] | select(.id == $id)] | length' <<<"$EMU_BODY")"
emu_get "$EMU_BASE/_emulator/directory?tenant=$T&collection=servicePrincipals/$ADMIN_SP/appRoleAssignments"
assert_eq "directory view of assignments" "5" "$(jq '.value | length' <<<"$EMU_BODY")"
emu_get "$EMU_BASE/_emulator/directory?tenant=$T&collection=nothing"
assert_eq "directory view of an unknown collection" "404" "$EMU_STATUS"
emu_get "$EMU_BASE/_emulator/directory?collection=users"
assert_eq "directory view without a tenant" "400" "$EMU_STATUS"

# No secret value anywhere in the store: client secrets or the user's password.
for c in users applications servicePrincipals groups appRoleAssignments; do
    emu_get "$EMU_BASE/_emulator/directory?tenant=$T&collection=$c"
    for s in "$SECRET" reader-secret-value Pa55-never-stored; do
        [[ "$EMU_BODY" != *"$s"* ]] || fail "collection $c shows a secret value"
    done
done
echo "ok: no secret value in the directory"

emu_stop_clean
echo "PASS: graph_store"
