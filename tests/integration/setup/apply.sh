#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# `m365id setup --apply` against the emulator's Graph store, run by an administration app with a
# client secret and Application.ReadWrite.All + AppRoleAssignment.ReadWrite.All. The new app then
# gets a token with a workload token of NS/SA, and its roles contain the permissions. A second
# run creates nothing, and a differing credential needs --force. An identity without the admin
# roles fails, and the message names the permission it lacks, which other Graph errors do not.
# Setup never picks one of two applications with the same name, and concurrent runs that each
# create one are reported.
. "$(dirname "$0")/../cli/common.sh" "$@"

ADMIN=33333333-3333-4333-8333-333333333333
READER=44444444-4444-4444-8444-444444444444
HALF=77777777-7777-4777-8777-777777777777
admin_secret='Adm~setup-admin-secret.0123456789abcdef'
reader_secret='Rdr~setup-reader-secret.0123456789abcdef'
half_secret='Hlf~setup-half-admin-secret.0123456789ab'
NS=team-a
SA=graph.writer
APP="m365id setup test's app"
t_scenario ".tenants[0].applications += [
    {\"app_id\": \"$ADMIN\", \"display_name\": \"m365id-admin\",
     \"roles\": [\"Application.ReadWrite.All\", \"AppRoleAssignment.ReadWrite.All\"],
     \"client_secrets\": [{\"value\": \"$admin_secret\"}]},
    {\"app_id\": \"$READER\", \"display_name\": \"m365id-reader\",
     \"roles\": [\"User.Read.All\"], \"client_secrets\": [{\"value\": \"$reader_secret\"}]},
    {\"app_id\": \"$HALF\", \"display_name\": \"m365id-half-admin\",
     \"roles\": [\"Application.ReadWrite.All\"], \"client_secrets\": [{\"value\": \"$half_secret\"}]},
    {\"app_id\": \"55555555-5555-4555-8555-555555555555\", \"display_name\": \"twin\"},
    {\"app_id\": \"66666666-6666-4666-8666-666666666666\", \"display_name\": \"twin\"}]"
t_start
t_secret "$admin_secret"
t_secret "$reader_secret"
t_secret "$half_secret"
ISSUER=$(t_info clusters.demo.issuer)

# as IDENTITY SECRET: the environment of the identity that runs --apply.
as() {
    export M365_AUTH_METHOD=client_secret M365_TENANT_ID=$T_TENANT M365_CLIENT_ID=$1
    export M365_CLIENT_SECRET=$2 M365_CA_BUNDLE=$T_CA
    AZURE_AUTHORITY_HOST=$(t_info clouds.public.authority_host)
    M365_GRAPH_ENDPOINT=$(t_info clouds.public.graph_endpoint)
    export AZURE_AUTHORITY_HOST M365_GRAPH_ENDPOINT
}

# count PATH JQ: the number of objects a Graph GET (as the admin) lists, filtered by JQ.
count() {
    t_run graph GET "$1" --all
    t_expect_rc 0 "graph GET $1"
    jq "[.value[] | $2] | length" "$T_DIR/out"
}

APPLY=(setup --apply --app-name "$APP" --namespace "$NS" --service-account "$SA"
       --issuer "$ISSUER" --permission DeviceManagementConfiguration.ReadWrite.All
       --permission User.Read.All)

# An identity without the admin roles: Graph refuses, and the message names the permission.
as "$READER" "$reader_secret"
t_run "${APPLY[@]}"
t_expect_rc 5 "apply as a reader"
t_expect_err "Authorization_RequestDenied" "Application.ReadWrite.All"
[ ! -s "$T_DIR/out" ] || t_fail "a failed apply printed files"

# Application.ReadWrite.All without AppRoleAssignment.ReadWrite.All: the consent step fails.
as "$HALF" "$half_secret"
t_run setup --apply --app-name half-done --issuer "$ISSUER"
t_expect_rc 5 "apply without AppRoleAssignment.ReadWrite.All"
t_expect_err "application 'half-done': created" "could not grant admin consent" \
    "needs the Microsoft Graph application permission AppRoleAssignment.ReadWrite.All"

# First run as the admin: everything is created.
as "$ADMIN" "$admin_secret"
out="$T_DIR/files"
mkdir "$out"
t_run "${APPLY[@]}" --output-dir "$out"
t_expect_rc 0 "first apply"
cp "$T_DIR/err" "$T_DIR/apply1.err"
t_expect_err "application 'm365id setup test's app': created" "service principal: created" \
    "permission DeviceManagementConfiguration.ReadWrite.All: added to requiredResourceAccess" \
    "admin consent for DeviceManagementConfiguration.ReadWrite.All: granted" \
    "admin consent for User.Read.All: granted" \
    "federated credential 'kubernetes-federated-credential': created"
NEW=$(python3 -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["metadata"]["annotations"]["azure.workload.identity/client-id"])' "$out/serviceaccount.yaml")
grep -qF "client id $NEW," "$T_DIR/apply1.err" || t_fail "the reported client id is not the rendered one"
[ "$(jq -r .issuer "$out/federated-credential.json")" = "$ISSUER" ] || t_fail "rendered issuer"
grep -qF "EXPECTED_CLIENT_ID='$NEW'" "$out/entra-setup.sh" || t_fail "script client id"

# The store contains one object of each kind.
filter_app=$(python3 -c 'import sys, urllib.parse; n = sys.argv[1].replace("\x27", "\x27\x27"); print(urllib.parse.quote("displayName eq \x27%s\x27" % n, safe=""))' "$APP")
check_store() {
    local app_obj sp
    [ "$(count "/v1.0/applications?\$filter=$filter_app" .)" -eq 1 ] || t_fail "$1: applications named '$APP'"
    app_obj=$(jq -r '.value[0].id' "$T_DIR/out")
    [ "$(jq '[.value[0].requiredResourceAccess[] | select(.resourceAppId == "00000003-0000-0000-c000-000000000000") | .resourceAccess[]] | length' "$T_DIR/out")" -eq 2 ] \
        || t_fail "$1: requiredResourceAccess should hold 2 Graph roles"
    [ "$(count "/v1.0/servicePrincipals?\$filter=appId%20eq%20'$NEW'" .)" -eq 1 ] \
        || t_fail "$1: service principals of the new app"
    sp=$(jq -r '.value[0].id' "$T_DIR/out")
    [ "$(count "/v1.0/servicePrincipals/$sp/appRoleAssignments" 'select(.appRoleId == "9241abd9-d0e6-425a-bd4f-47ba86e767a4")')" -eq 1 ] \
        || t_fail "$1: assignments of DeviceManagementConfiguration.ReadWrite.All"
    [ "$(count "/v1.0/servicePrincipals/$sp/appRoleAssignments" .)" -eq 2 ] \
        || t_fail "$1: the new app should hold exactly 2 assignments"
    [ "$(count "/v1.0/applications/$app_obj/federatedIdentityCredentials" .)" -eq 1 ] \
        || t_fail "$1: federated credentials"
    jq -e --arg i "$ISSUER" --arg s "system:serviceaccount:$NS:$SA" \
        '.value[0] | .issuer == $i and .subject == $s and .audiences == ["api://AzureADTokenExchange"]' \
        "$T_DIR/out" >/dev/null || t_fail "$1: the federated credential has other values"
}
check_store "after the first apply"

# The new app signs in with a token the cluster minted for NS/SA, and its token has the roles.
workload_token="$T_DIR/workload-token"
emu_mint demo "$NS" "$SA" api://AzureADTokenExchange 3600 >"$workload_token"
t_secret "$(cat "$workload_token")"
(
    unset M365_CLIENT_SECRET
    export M365_AUTH_METHOD=workload_identity AZURE_CLIENT_ID=$NEW AZURE_TENANT_ID=$T_TENANT
    export AZURE_FEDERATED_TOKEN_FILE=$workload_token
    unset M365_CLIENT_ID M365_TENANT_ID
    t_run token -o json
    t_expect_rc 0 "token as the new app"
    [ "$(jq -r .claims.appid "$T_DIR/out")" = "$NEW" ] || t_fail "token is not for the new app"
    jq -e '.claims.roles | index("DeviceManagementConfiguration.ReadWrite.All") != null' \
        "$T_DIR/out" >/dev/null || t_fail "roles lack DeviceManagementConfiguration.ReadWrite.All: $(jq -c .claims.roles "$T_DIR/out")"
    jq -e '.claims.roles | index("User.Read.All") != null' "$T_DIR/out" >/dev/null \
        || t_fail "roles lack User.Read.All"
    t_secret "$(jq -r .access_token "$T_DIR/out")"
    t_no_secrets
) || exit 1

# Second run: nothing is created, the files are unchanged.
t_run "${APPLY[@]}" --output-dir "$out"
t_expect_rc 0 "second apply"
t_expect_err "application 'm365id setup test's app': already present" \
    "service principal: already present" \
    "permission User.Read.All: already requested" \
    "admin consent for DeviceManagementConfiguration.ReadWrite.All: already granted" \
    "federated credential 'kubernetes-federated-credential': already present"
t_expect_no_err ": created" ": granted" "added to requiredResourceAccess"
[ "$(grep -c '^unchanged ' "$T_DIR/out")" -eq 6 ] || t_fail "the second apply changed files"
check_store "after the second apply"

# --client-id selects the application by id; the report and the script name its real
# display name, not --app-name.
t_run setup --apply --client-id "$NEW" --app-name ignored-name --namespace "$NS" \
    --service-account "$SA" --issuer "$ISSUER"
t_expect_rc 0 "apply with --client-id"
t_expect_err "application 'm365id setup test's app': already present"
t_expect_no_err "ignored-name"
grep -qxF "APP_NAME='m365id setup test'\''s app'" "$T_DIR/out" \
    || t_fail "the script's APP_NAME is not the application's display name"

# Another credential of this application with the same issuer and subject: the error names
# both values.
t_run "${APPLY[@]}" --fic-name second-credential
t_expect_rc 2 "second credential for the same issuer and subject"
t_expect_err "federated credential 'kubernetes-federated-credential' of this application already trusts issuer '$ISSUER' and subject 'system:serviceaccount:$NS:$SA'"

# A credential of the same name with another issuer: reported, and changed only with --force.
other_issuer=${ISSUER%/}
t_run "${APPLY[@]}" --issuer "$other_issuer"
t_expect_rc 2 "differing credential without --force"
t_expect_err "differs from the wanted values" "in Entra ID '$ISSUER'" "wanted     '$other_issuer'" \
    "--force"
t_run "${APPLY[@]}" --issuer "$other_issuer" --force
t_expect_rc 0 "differing credential with --force"
t_expect_err "federated credential 'kubernetes-federated-credential': updated"
app_obj=$(count "/v1.0/applications?\$filter=$filter_app" . >/dev/null; jq -r '.value[0].id' "$T_DIR/out")
[ "$(count "/v1.0/applications/$app_obj/federatedIdentityCredentials" ".issuer == \"$other_issuer\"")" -eq 1 ] \
    || t_fail "the credential was not updated"

# Two applications of one name: setup lists them and requests --client-id.
t_run setup --apply --app-name twin --issuer "$ISSUER"
t_expect_rc 2 "two applications named twin"
t_expect_err "2 applications are named 'twin'" 55555555-5555-4555-8555-555555555555 \
    66666666-6666-4666-8666-666666666666 "--client-id"

fault() { # fault JSON: add fault rules to the emulator
    curl -fsS --max-time 10 --cacert "$T_CA" -H 'Content-Type: application/json' \
        -d "$1" "$T_BASE/_emulator/faults" >/dev/null || t_fail "cannot add fault $1"
}
clear_faults() {
    curl -fsS --max-time 10 --cacert "$T_CA" -X DELETE "$T_BASE/_emulator/faults" >/dev/null \
        || t_fail "cannot remove the fault rules"
}

# A Graph error other than 403 is not blamed on a missing permission.
fault '{"endpoint": "graph", "status": 400}'
t_run setup --apply --app-name any-name --issuer "$ISSUER"
t_expect_rc 5 "Graph replies 400"
t_expect_err "HTTP 400" "could not find the Microsoft Graph service principal"
t_expect_no_err "needs the Microsoft Graph application permission"
clear_faults

# Entra ID rejects the identity running --apply (AADSTS90002, unknown tenant): exit 4, and no
# Graph step is blamed, because none was reached.
t_run setup --apply --tenant-id 99999999-9999-4999-8999-999999999999 --app-name any-name \
    --issuer "$ISSUER"
t_expect_rc 4 "unknown tenant of the admin"
t_expect_err "AADSTS90002"
t_expect_no_err "could not find the Microsoft Graph service principal" "m365id: setup: could not"

# Four runs at once for one new name. Fault rules line them up: each run's first Graph request
# (the Graph service principal) waits 3 s, so that the four runs continue together. The next
# eight requests, the four lists by name and then the four creations, wait 1.5 s each, so that
# every list is read before any application is created. All four create an application; each
# must then see the ones created before it, so at most one run succeeds and the others exit 2
# naming the duplicates.
fault '[{"endpoint": "graph", "count": 4, "delay_ms": 3000},
        {"endpoint": "graph", "after": 4, "count": 8, "delay_ms": 1500}]'
pids=()
for i in 1 2 3 4; do
    timeout 60 "$M365ID" setup --apply --app-name race-app --issuer "$ISSUER" \
        >"$T_DIR/race$i.out" 2>"$T_DIR/race$i.err" &
    pids+=($!)
done
failed=0
for i in 1 2 3 4; do
    rc=0
    wait "${pids[$((i - 1))]}" || rc=$?
    case $rc in
    0) ;;
    2) grep -qF "applications have that name" "$T_DIR/race$i.err" \
           || { cat "$T_DIR/race$i.err" >&2; t_fail "race run $i exited 2 for another reason"; }
       failed=$((failed + 1)) ;;
    *) cat "$T_DIR/race$i.err" >&2; t_fail "race run $i exited $rc" ;;
    esac
done
clear_faults
apps=$(count "/v1.0/applications?\$filter=displayName%20eq%20'race-app'" .)
[ "$apps" -ge 2 ] || t_fail "the fault rules did not make the runs race ($apps application)"
[ "$failed" -ge $((apps - 1)) ] \
    || t_fail "$apps applications are named race-app, but only $failed runs reported it"

t_pass
