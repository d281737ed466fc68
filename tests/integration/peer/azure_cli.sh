#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Compatibility test with a real peer client: the Azure CLI (Debian's azure-cli 2.45, unpatched)
# runs the workload identity guide's setup against the emulator, registered as a custom cloud.
# An admin app signs in with a client secret. It then runs the guide's commands with only the
# variables changed: az ad app create and show, az ad sp create, az ad app permission add and
# admin-consent, and az ad app federated-credential create. Then the workload signs in with a token
# the emulator's cluster minted (az login --federated-token), reads Graph with az rest, and
# m365id token works for the same app. Each step's JSON output is checked, so a change of shape
# fails the test.
#
# Two requests of az cannot be pointed at the emulator, and the test pins both:
# - MSAL Python 1.21 asks https://login.microsoftonline.com/common/discovery/instance about every
#   authority it does not know, and az 2.45 has no switch to turn that off. A local proxy
#   (lib/discovery_proxy.py) answers that one request from the emulator's own instance discovery
#   route, over TLS with a certificate this test makes.
# - az ad app permission admin-consent refuses every cloud but AzureCloud before sending any
#   request (on AzureCloud it calls the Azure portal's private API, not Graph). The consent, an
#   app role assignment, is made with m365id graph instead.
# No request leaves 127.0.0.1: the proxy rejects every other host and logs each attempt.
#
# Usage: azure_cli.sh EMULATOR_BINARY M365ID_BINARY
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/integration/lib/emulator.sh
source "$here/../lib/emulator.sh"

export EMU_BIN=${1:?usage: azure_cli.sh EMULATOR_BINARY M365ID_BINARY}
m365id=${2:?usage: azure_cli.sh EMULATOR_BINARY M365ID_BINARY}

command -v az >/dev/null || fail "az is not installed; run scripts/install-deps (Debian package azure-cli)"
command -v openssl >/dev/null || fail "openssl is required"
command -v python3 >/dev/null || fail "python3 is required"

# The test must see only the settings it makes itself.
for var in $(compgen -e | grep -E '^(M365|AZURE|MSAL)_' || true); do
    unset "$var"
done

tenant=11111111-1111-1111-1111-111111111111
admin_id=33333333-3333-3333-3333-333333333333
admin_secret=azure-cli-admin-secret-$RANDOM$RANDOM
graph_app_id=00000003-0000-0000-c000-000000000000
role_id=9241abd9-d0e6-425a-bd4f-47ba86e767a4 # DeviceManagementConfiguration.ReadWrite.All
guid_re='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'

emu_workdir
jq -n --arg t "$tenant" --arg a "$admin_id" --arg s "$admin_secret" '{
  clusters: [{name: "demo"}],
  tenants: [{id: $t, cloud: "public", display_name: "Contoso",
             domains: ["contoso.onmicrosoft.com"],
             applications: [{app_id: $a, display_name: "workload-setup-admin",
                             roles: ["Application.ReadWrite.All",
                                     "AppRoleAssignment.ReadWrite.All"],
                             client_secrets: [{value: $s}]}]}]}' >"$EMU_WORK/scenario.json"
emu_start "$EMU_WORK/scenario.json"

az_version=$(az version -o json 2>/dev/null | jq -r '."azure-cli"') || fail "az version failed"
echo "az $az_version"
[[ "$az_version" == 2.45.* ]] ||
    fail "this test pins the behaviour of azure-cli 2.45 (Debian 12), found '$az_version'"

# --- the discovery proxy and the environment of every az run ---

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=login.microsoftonline.com \
    -addext subjectAltName=DNS:login.microsoftonline.com \
    -keyout "$EMU_WORK/discovery.key" -out "$EMU_WORK/discovery.crt" 2>/dev/null ||
    fail "openssl could not make the proxy's certificate"
cat "$EMU_CA" "$EMU_WORK/discovery.crt" >"$EMU_WORK/ca-bundle.pem"
proxy_log=$EMU_WORK/proxy.log
: >"$proxy_log"
python3 "$here/../lib/discovery_proxy.py" --port-file "$EMU_WORK/proxy.port" --log "$proxy_log" \
    --cert "$EMU_WORK/discovery.crt" --key "$EMU_WORK/discovery.key" \
    --emulator "$EMU_BASE" --emulator-ca "$EMU_CA" --lifetime 280 &
proxy_pid=$!
trap 'kill "$proxy_pid" 2>/dev/null || true; _emu_cleanup' EXIT
for ((i = 0; i < 100; i++)); do
    [[ -f "$EMU_WORK/proxy.port" ]] && break
    sleep 0.1
done
[[ -f "$EMU_WORK/proxy.port" ]] || fail "the discovery proxy did not start"
proxy=http://127.0.0.1:$(cat "$EMU_WORK/proxy.port")

export AZURE_CORE_COLLECT_TELEMETRY=0 AZURE_CORE_NO_COLOR=1
export REQUESTS_CA_BUNDLE=$EMU_WORK/ca-bundle.pem SSL_CERT_FILE=$EMU_WORK/ca-bundle.pem
export HTTPS_PROXY=$proxy https_proxy=$proxy HTTP_PROXY=$proxy http_proxy=$proxy
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

# az_run NAME ARGS...: run az, keeping stdout in $out and stderr in $EMU_WORK/NAME.err;
# sets az_rc and never fails by itself.
az_run() {
    local name=$1
    shift
    az_rc=0
    out=$(timeout 60 az "$@" 2>"$EMU_WORK/$name.err") || az_rc=$?
}

az_ok() {
    az_run "$@"
    [[ $az_rc -eq 0 ]] || fail "az ${*:2} exited with status $az_rc: $(head -c 2000 "$EMU_WORK/$1.err")"
}

# A private az configuration folder registered with the emulator as cloud M365idEmulator. Every
# resource id is the emulator's base URL, because az calls Graph at microsoftGraphResourceId and
# requests its token for that same value. The emulator accepts its own Graph URL as a resource.
az_config_dir() {
    export AZURE_CONFIG_DIR=$EMU_WORK/$1
    mkdir -p "$AZURE_CONFIG_DIR"
    jq -n --arg b "$EMU_BASE" '{endpoints: {activeDirectory: $b, activeDirectoryResourceId: $b,
        activeDirectoryGraphResourceId: $b, microsoftGraphResourceId: $b,
        resourceManager: ($b + "/"), management: $b}}' >"$EMU_WORK/cloud.json"
    az_ok "$1-config" config set core.collect_telemetry=false
    az_ok "$1-register" cloud register -n M365idEmulator --cloud-config "@$EMU_WORK/cloud.json"
    az_ok "$1-cloud-set" cloud set -n M365idEmulator
}

# Checks the JSON that az login prints: one tenant-level account of service principal $1.
check_login() {
    assert_eq "login accounts" "1" "$(jq length <<<"$out")"
    assert_eq "login cloudName" "M365idEmulator" "$(jq -r '.[0].cloudName' <<<"$out")"
    assert_eq "login tenantId" "$tenant" "$(jq -r '.[0].tenantId' <<<"$out")"
    assert_eq "login id (no subscription)" "$tenant" "$(jq -r '.[0].id' <<<"$out")"
    assert_eq "login name" "N/A(tenant level account)" "$(jq -r '.[0].name' <<<"$out")"
    assert_eq "login user" "{\"name\":\"$1\",\"type\":\"servicePrincipal\"}" \
        "$(jq -c '.[0].user' <<<"$out")"
}

# --- case 1: without the proxy, az stops at MSAL's instance discovery on the fixed host ---

echo "case: az login reaches for login.microsoftonline.com before any emulator request"
az_config_dir az-closed
HTTPS_PROXY=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 \
    az_run closed-login login --service-principal -u "$admin_id" -p "$admin_secret" \
    --tenant "$tenant" --allow-no-subscriptions
[[ $az_rc -ne 0 ]] || fail "az login succeeded although login.microsoftonline.com was unreachable"
err=$(cat "$EMU_WORK/closed-login.err")
assert_contains "az login error" "host='login.microsoftonline.com'" "$err"
assert_contains "az login error" "/common/discovery/instance?authorization_endpoint=" "$err"
emu_get "$EMU_BASE/_emulator/stats"
assert_eq "token requests before discovery succeeded" "0" "$(jq -r .token_requests <<<"$EMU_BODY")"

# --- case 2: the emulator's Graph URL is a resource, spelled exactly ---

echo "case: the emulator's Graph URL is a Graph resource, other spellings are not"
emu_secret_token "$tenant" "$admin_id" "$EMU_BASE/.default" "$admin_secret"
assert_eq "token for '$EMU_BASE/.default'" "200" "$EMU_STATUS"
assert_eq "access token aud" "$EMU_BASE" \
    "$(emu_jwt_claims "$(jq -r .access_token <<<"$EMU_BODY")" | jq -r .aud)"
for scope in "$EMU_BASE//.default" "$EMU_BASE/clouds/usgov/.default" "$EMU_BASE/v1.0/.default" \
    "${EMU_BASE/127.0.0.1/localhost}/.default"; do
    emu_secret_token "$tenant" "$admin_id" "$scope" "$admin_secret"
    assert_aadsts 400 invalid_resource 500011
done

# --- case 3: the admin signs in with its client secret ---

echo "case: az login --service-principal with a client secret"
az_config_dir az-admin
az_ok admin-login login --service-principal -u "$admin_id" -p "$admin_secret" \
    --tenant "$tenant" --allow-no-subscriptions -o json
check_login "$admin_id"

# --- case 4: the guide's Azure CLI commands, as written, with the variables changed ---

TENANT_ID=$tenant
APP_NAME="terraform-m365-provider"

echo "case: az ad app create"
az_ok app-create ad app create --display-name $APP_NAME --query appId -o tsv
APP_ID=$out
[[ "$APP_ID" =~ $guid_re ]] || fail "az ad app create printed '$APP_ID', not an appId"
echo "ok: APP_ID = $APP_ID"

echo "case: az ad app show"
az_ok app-show ad app show --id $APP_ID --query id -o tsv
APP_OBJECT_ID=$out
[[ "$APP_OBJECT_ID" =~ $guid_re ]] || fail "az ad app show printed '$APP_OBJECT_ID', not an id"
[[ "$APP_OBJECT_ID" != "$APP_ID" ]] || fail "the application's id equals its appId"
az_ok app-show-json ad app show --id $APP_ID -o json
assert_eq "application appId" "$APP_ID" "$(jq -r .appId <<<"$out")"
assert_eq "application displayName" "$APP_NAME" "$(jq -r .displayName <<<"$out")"
assert_eq "application signInAudience" "AzureADMyOrg" "$(jq -r .signInAudience <<<"$out")"
assert_eq "application requiredResourceAccess" "[]" "$(jq -c .requiredResourceAccess <<<"$out")"
assert_eq "application passwordCredentials" "[]" "$(jq -c .passwordCredentials <<<"$out")"
assert_eq "application @odata.context" "$EMU_BASE/v1.0/\$metadata#applications/\$entity" \
    "$(jq -r '."@odata.context"' <<<"$out")"

echo "case: az ad sp create"
az_ok sp-create ad sp create --id $APP_ID -o json
SP_ID=$(jq -r .id <<<"$out")
[[ "$SP_ID" =~ $guid_re ]] || fail "az ad sp create printed no service principal id: $out"
assert_eq "service principal appId" "$APP_ID" "$(jq -r .appId <<<"$out")"
assert_eq "service principal displayName" "$APP_NAME" "$(jq -r .displayName <<<"$out")"
assert_eq "service principal servicePrincipalType" "Application" \
    "$(jq -r .servicePrincipalType <<<"$out")"
assert_eq "service principal servicePrincipalNames" "[\"$APP_ID\"]" \
    "$(jq -c .servicePrincipalNames <<<"$out")"
assert_eq "service principal accountEnabled" "true" "$(jq -r .accountEnabled <<<"$out")"

echo "case: az ad app permission add"
az_ok permission-add ad app permission add \
    --id $APP_ID \
    --api 00000003-0000-0000-c000-000000000000 \
    --api-permissions 9241abd9-d0e6-425a-bd4f-47ba86e767a4=Role
assert_contains "permission add warning" "az ad app permission grant --id $APP_ID" \
    "$(cat "$EMU_WORK/permission-add.err")"
az_ok permission-list ad app permission list --id $APP_ID -o json
assert_eq "requiredResourceAccess after permission add" \
    "[{\"resourceAccess\":[{\"id\":\"$role_id\",\"type\":\"Role\"}],\"resourceAppId\":\"$graph_app_id\"}]" \
    "$(jq -c 'map({resourceAccess, resourceAppId})' <<<"$out")"

echo "case: az ad app permission admin-consent is refused outside AzureCloud"
requests_before=$(wc -l <"$EMU_LOG")
az_run admin-consent ad app permission admin-consent --id $APP_ID
[[ $az_rc -ne 0 ]] || fail "az ad app permission admin-consent succeeded on a custom cloud"
assert_contains "admin-consent error" "This command is not yet supported on sovereign clouds" \
    "$(cat "$EMU_WORK/admin-consent.err")"
# Its only requests are the ones that resolve the application (GET /v1.0/applications).
if tail -n +"$((requests_before + 1))" "$EMU_LOG" | grep ' INFO http: ' |
    grep -v "GET '/v1.0/applications" >&2; then
    fail "admin-consent sent a request other than reading the application"
fi

echo "case: the consent is an app role assignment, made with m365id graph"
m365id_admin() {
    env AZURE_AUTHORITY_HOST="$EMU_BASE/" M365_GRAPH_ENDPOINT="$EMU_BASE" M365_CA_BUNDLE="$EMU_CA" \
        M365_AUTH_METHOD=client_secret M365_TENANT_ID="$tenant" M365_CLIENT_ID="$admin_id" \
        M365_CLIENT_SECRET="$admin_secret" "$m365id" "$@"
}
graph_sp=$(m365id_admin graph GET "/v1.0/servicePrincipals(appId='$graph_app_id')" | jq -r .id) ||
    fail "m365id graph could not read Microsoft Graph's service principal"
[[ "$graph_sp" =~ $guid_re ]] || fail "Microsoft Graph's service principal has no id: '$graph_sp'"
assignment=$(jq -n --arg p "$SP_ID" --arg r "$graph_sp" --arg a "$role_id" \
    '{principalId: $p, resourceId: $r, appRoleId: $a}' |
    m365id_admin graph POST "/v1.0/servicePrincipals/$SP_ID/appRoleAssignments" --body -) ||
    fail "m365id graph could not assign the app role"
assert_eq "assignment appRoleId" "$role_id" "$(jq -r .appRoleId <<<"$assignment")"
assert_eq "assignment principalId" "$SP_ID" "$(jq -r .principalId <<<"$assignment")"
assert_eq "assignment resourceId" "$graph_sp" "$(jq -r .resourceId <<<"$assignment")"
assert_eq "assignment principalType" "ServicePrincipal" "$(jq -r .principalType <<<"$assignment")"
assert_eq "assignment resourceDisplayName" "Microsoft Graph" \
    "$(jq -r .resourceDisplayName <<<"$assignment")"

echo "case: az ad app federated-credential create"
SERVICE_ACCOUNT_ISSUER=$(emu_json clusters.demo.issuer)
az_ok fic-create ad app federated-credential create \
    --id $APP_OBJECT_ID \
    --parameters "{\"name\":\"kubernetes-federated-credential\",\"issuer\":\"$SERVICE_ACCOUNT_ISSUER\",\"subject\":\"system:serviceaccount:terraform-m365:terraform-m365-sa\",\"audiences\":[\"api://AzureADTokenExchange\"]}" \
    -o json
[[ "$(jq -r .id <<<"$out")" =~ $guid_re ]] || fail "the federated credential has no id: $out"
assert_eq "credential name" "kubernetes-federated-credential" "$(jq -r .name <<<"$out")"
assert_eq "credential issuer" "$SERVICE_ACCOUNT_ISSUER" "$(jq -r .issuer <<<"$out")"
assert_eq "credential subject" "system:serviceaccount:terraform-m365:terraform-m365-sa" \
    "$(jq -r .subject <<<"$out")"
assert_eq "credential audiences" '["api://AzureADTokenExchange"]' "$(jq -c .audiences <<<"$out")"

echo "case: the directory store holds what the commands made"
emu_get "$EMU_BASE/_emulator/directory?tenant=$tenant&collection=applications"
app=$(jq -c --arg a "$APP_ID" '.value[] | select(.appId == $a)' <<<"$EMU_BODY")
assert_eq "stored application id" "$APP_OBJECT_ID" "$(jq -r .id <<<"$app")"
assert_eq "stored requiredResourceAccess" \
    "[{\"resourceAppId\":\"$graph_app_id\",\"resourceAccess\":[{\"id\":\"$role_id\",\"type\":\"Role\"}]}]" \
    "$(jq -c '.requiredResourceAccess | map({resourceAppId, resourceAccess})' <<<"$app")"
emu_get "$EMU_BASE/_emulator/directory?tenant=$tenant&collection=servicePrincipals/$SP_ID/appRoleAssignments"
assert_eq "stored assignments" "[\"$role_id\"]" "$(jq -c '[.value[].appRoleId]' <<<"$EMU_BODY")"
emu_get "$EMU_BASE/_emulator/directory?tenant=$tenant&collection=applications/$APP_OBJECT_ID/federatedIdentityCredentials"
assert_eq "stored credentials" \
    "[[\"kubernetes-federated-credential\",\"$SERVICE_ACCOUNT_ISSUER\",\"system:serviceaccount:terraform-m365:terraform-m365-sa\"]]" \
    "$(jq -c '[.value[] | [.name, .issuer, .subject]]' <<<"$EMU_BODY")"

# --- case 5: the pod signs in with its projected token ---

echo "case: az login --federated-token with a token the cluster minted"
token_file=$EMU_WORK/azure-identity-token
(umask 077 && emu_mint demo terraform-m365 terraform-m365-sa api://AzureADTokenExchange 3600 \
    >"$token_file")
az_config_dir az-workload
az_ok workload-login login --service-principal -u $APP_ID --tenant $TENANT_ID \
    --federated-token "$(cat "$token_file")" --allow-no-subscriptions -o json
check_login "$APP_ID"

echo "case: az rest reads Graph with the workload's token"
az_ok rest-policies rest --method GET --uri "$EMU_BASE/beta/deviceManagement/configurationPolicies" \
    -o json
assert_eq "configurationPolicies value" "[]" "$(jq -c .value <<<"$out")"
assert_eq "configurationPolicies @odata.context" \
    "$EMU_BASE/beta/\$metadata#deviceManagement/configurationPolicies" \
    "$(jq -r '."@odata.context"' <<<"$out")"
# The token carries only the consented role, so reading users is denied.
az_run rest-users rest --method GET --uri "$EMU_BASE/v1.0/users"
[[ $az_rc -ne 0 ]] || fail "az rest read /v1.0/users without User.Read.All"
assert_contains "az rest /users error" "Authorization_RequestDenied" "$(cat "$EMU_WORK/rest-users.err")"

echo "case: m365id token works for the same app"
reply=$(env AZURE_AUTHORITY_HOST="$EMU_BASE/" M365_GRAPH_ENDPOINT="$EMU_BASE" M365_CA_BUNDLE="$EMU_CA" \
    AZURE_TENANT_ID="$TENANT_ID" AZURE_CLIENT_ID="$APP_ID" AZURE_FEDERATED_TOKEN_FILE="$token_file" \
    "$m365id" token -o json | jq -c 'del(.access_token)') || fail "m365id token failed"
assert_eq "m365id token appid" "$APP_ID" "$(jq -r .claims.appid <<<"$reply")"
assert_eq "m365id token roles" '["DeviceManagementConfiguration.ReadWrite.All"]' \
    "$(jq -c .claims.roles <<<"$reply")"
assert_eq "m365id token assertion subject" "system:serviceaccount:terraform-m365:terraform-m365-sa" \
    "$(jq -r .assertion.sub <<<"$reply")"

# --- case 6: nothing but instance discovery and az's update check tried to leave 127.0.0.1 ---

echo "case: requests to other hosts"
cat "$proxy_log"
others=$(grep -v -x -e 'CONNECT login.microsoftonline.com:443' \
    -e 'GET https://login.microsoftonline.com/common/discovery/instance' \
    -e 'CONNECT azure.microsoft.com:443' "$proxy_log" || true)
assert_eq "other proxied requests" "" "$others"
assert_eq "instance discovery requests (one per configuration folder)" "2" \
    "$(grep -c -x 'GET https://login.microsoftonline.com/common/discovery/instance' "$proxy_log")"
if grep -qF "$admin_secret" "$proxy_log" "$EMU_LOG"; then
    fail "a client secret appears in a log"
fi

emu_stop_clean
echo "14 passed, 0 failed"
