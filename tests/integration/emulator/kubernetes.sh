#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The emulated kube-apiserver over real HTTPS: objects stored through the control API, a pod's
# service-account folder written as the kubelet would, bearer authentication (missing, bad,
# expired, wrong audience and foreign-signed tokens get 401), the namespace-bound authorization
# (403 with Kubernetes' message), 404 for unknown objects, the owner chain, label selectors,
# webhook configurations, and the issuer documents served at the API root.
# Usage: kubernetes.sh PATH_TO_M365ID_EMULATOR
set -euo pipefail
EMU_BIN=$1
source "$(dirname "$0")/../lib/emulator.sh"
source "$(dirname "$0")/../lib/certs.sh"

emu_workdir
cat >"$EMU_WORK/scenario.json" <<'JSON'
{
  "clusters": [{"name": "demo", "issuer_trailing_slash": true},
               {"name": "edge", "issuer_trailing_slash": false, "publish_discovery": false}],
  "tenants": [{"id": "11111111-1111-1111-1111-111111111111"}]
}
JSON
EMU_EXTRA_ARGS=-v # the DEBUG log states why each 401 was given
emu_start "$EMU_WORK/scenario.json"

demo_issuer=$(emu_json clusters.demo.issuer)
edge_issuer=$(emu_json clusters.edge.issuer)
assert_eq "demo issuer ends with '/'" "/" "${demo_issuer: -1}"
[[ "${edge_issuer: -1}" != / ]] || fail "edge issuer '$edge_issuer' should have no trailing slash"
unauthorized='{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}'
user='system:serviceaccount:team-a:doctor'

# put CLUSTER JSON: store one object; sets EMU_STATUS and EMU_BODY.
put() {
    emu_request -X PUT -H 'Content-Type: application/json' --data-binary "$2" \
        "$EMU_BASE/_emulator/kubernetes/$1/objects"
}

# kget TOKEN PATH [CURL_ARGS...]: an API request with a bearer token.
kget() {
    local token=$1 path=$2
    shift 2
    emu_request -H "Authorization: Bearer $token" "$@" "$EMU_BASE$path"
}

# --- the store ---

put demo '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"doctor","namespace":"team-a",
  "annotations":{"azure.workload.identity/client-id":"22222222-2222-2222-2222-222222222222"}}}'
assert_eq "PUT ServiceAccount: status" "201" "$EMU_STATUS"
assert_eq "PUT fills metadata.uid" "36" "$(jq -r '.metadata.uid | length' <<<"$EMU_BODY")"
jq -e '.metadata.creationTimestamp | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")' \
    <<<"$EMU_BODY" >/dev/null || fail "no RFC 3339 creationTimestamp in $EMU_BODY"
jq -e '.metadata.resourceVersion | test("^[0-9]+$")' <<<"$EMU_BODY" >/dev/null ||
    fail "no resourceVersion in $EMU_BODY"
put demo '{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"doctor","namespace":"team-a",
  "uid":"0d9e5d3c-0000-4000-8000-000000000001","annotations":{"azure.workload.identity/client-id":"22222222-2222-2222-2222-222222222222"}}}'
assert_eq "PUT again replaces: status" "200" "$EMU_STATUS"
assert_eq "PUT keeps a given uid" "0d9e5d3c-0000-4000-8000-000000000001" "$(jq -r .metadata.uid <<<"$EMU_BODY")"

put demo '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-7d9c5-x2x4p","namespace":"team-a",
  "labels":{"app":"web","azure.workload.identity/use":"true"},
  "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9c5","uid":"r1","controller":true}]},
  "spec":{"serviceAccountName":"doctor","containers":[{"name":"app","image":"app:1"}]}}'
assert_eq "PUT Pod: status" "201" "$EMU_STATUS"
put demo '{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web-7d9c5","namespace":"team-a",
  "ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"d1","controller":true}]}}'
assert_eq "PUT ReplicaSet: status" "201" "$EMU_STATUS"
put demo '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"team-a"}}'
assert_eq "PUT Deployment: status" "201" "$EMU_STATUS"
put demo '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"nightly-29000-abcde","namespace":"team-a",
  "labels":{"job-name":"nightly-29000"},
  "ownerReferences":[{"apiVersion":"batch/v1","kind":"Job","name":"nightly-29000","uid":"j1","controller":true}]}}'
assert_eq "PUT second Pod: status" "201" "$EMU_STATUS"
put demo '{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"nightly-29000","namespace":"team-a",
  "ownerReferences":[{"apiVersion":"batch/v1","kind":"CronJob","name":"nightly","uid":"c1","controller":true}]}}'
assert_eq "PUT Job: status" "201" "$EMU_STATUS"
put demo '{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly","namespace":"team-a"}}'
assert_eq "PUT CronJob: status" "201" "$EMU_STATUS"
put demo '{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"team-a"}}'
assert_eq "PUT Service: status" "201" "$EMU_STATUS"
put demo '{"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingWebhookConfiguration",
  "metadata":{"name":"azure-wi-webhook-mutating-webhook-configuration"},
  "webhooks":[{"name":"mutation.azure-workload-identity.io"}]}'
assert_eq "PUT MutatingWebhookConfiguration: status" "201" "$EMU_STATUS"
put demo '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"other","namespace":"team-b"}}'
assert_eq "PUT Pod in team-b: status" "201" "$EMU_STATUS"
put edge '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"edge-pod","namespace":"team-a"}}'
assert_eq "PUT Pod on edge: status" "201" "$EMU_STATUS"

# Invalid objects name the bad field.
check_rejected() {
    local what=$1 json=$2 needle=$3
    put demo "$json"
    assert_eq "$what: status" "400" "$EMU_STATUS"
    assert_contains "$what: message" "$needle" "$(jq -r .error.message <<<"$EMU_BODY")"
}
check_rejected "no kind" '{"apiVersion":"v1","metadata":{"name":"a","namespace":"b"}}' '"kind"'
check_rejected "unserved kind" '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"a","namespace":"b"}}' \
    "'Secret' is not served"
check_rejected "wrong apiVersion" '{"apiVersion":"v1","kind":"Deployment","metadata":{"name":"a","namespace":"b"}}' \
    '"apiVersion" '"'"'v1'"'"' is not served for kind Deployment; use "apps/v1"'
check_rejected "no metadata" '{"apiVersion":"v1","kind":"Pod"}' '"metadata"'
check_rejected "bad name" '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"Web_1","namespace":"b"}}' \
    "\"metadata.name\" 'Web_1'"
check_rejected "no namespace" '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}}' \
    '"metadata.namespace"'
check_rejected "cluster-scoped with namespace" \
    '{"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingWebhookConfiguration","metadata":{"name":"a","namespace":"b"}}' \
    'cluster-scoped'
check_rejected "label not a string" '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"b","labels":{"x":1}}}' \
    '"metadata.labels"'
check_rejected "not JSON" 'nope' 'not one Kubernetes object'
put nowhere '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"b"}}'
assert_eq "PUT to an unknown cluster: status" "404" "$EMU_STATUS"

# --- the service-account folder ---

emu_request -H 'Content-Type: application/json' \
    --data '{"namespace":"team-a","service_account":"doctor","pod":"web-7d9c5-x2x4p"}' \
    "$EMU_BASE/_emulator/kubernetes/demo/serviceaccount-folder"
assert_eq "folder: status" "200" "$EMU_STATUS"
folder=$(jq -r .path <<<"$EMU_BODY")
assert_eq "folder: path" "$EMU_STATE/kube/demo/team-a/doctor" "$folder"
[[ "$EMU_BODY" != *eyJ* ]] || fail "the folder reply contains a token"
assert_eq "folder: token mode" "600" "$(stat -c %a "$folder/token")"
assert_eq "folder: ca.crt mode" "644" "$(stat -c %a "$folder/ca.crt")"
assert_eq "folder: namespace mode" "644" "$(stat -c %a "$folder/namespace")"
assert_eq "folder: namespace content" "team-a" "$(cat "$folder/namespace")"
cmp -s "$folder/ca.crt" "$EMU_CA" || fail "ca.crt differs from the emulator's CA $EMU_CA"
token=$(cat "$folder/token")
claims=$(emu_jwt_claims "$token")
assert_eq "folder token: aud" "[\"$demo_issuer\"]" "$(jq -c .aud <<<"$claims")"
assert_eq "folder token: sub" "$user" "$(jq -r .sub <<<"$claims")"
assert_eq "folder token: pod" "web-7d9c5-x2x4p" "$(jq -r '."kubernetes.io".pod.name' <<<"$claims")"
assert_eq "folder token: lifetime" "3607" "$(jq '.exp - .iat' <<<"$claims")"
emu_request -H 'Content-Type: application/json' --data '{"namespace":"team-a","service_account":"doctor","expiration_seconds":60}' \
    "$EMU_BASE/_emulator/kubernetes/demo/serviceaccount-folder"
assert_eq "folder with expiration_seconds 60: status" "400" "$EMU_STATUS"
emu_request -H 'Content-Type: application/json' --data '{"namespace":"team-a","service_account":"doctor","token":"x"}' \
    "$EMU_BASE/_emulator/kubernetes/demo/serviceaccount-folder"
assert_eq "folder with an unknown key: status" "400" "$EMU_STATUS"

# --- reads with the folder's token, trusting the folder's ca.crt as a pod does ---

EMU_CA=$folder/ca.crt
kget "$token" /api/v1/namespaces/team-a/pods/web-7d9c5-x2x4p
assert_eq "GET own pod: status" "200" "$EMU_STATUS"
assert_contains "GET own pod: content type" "Content-Type: application/json" "$EMU_HEADERS"
pod=$EMU_BODY
assert_eq "GET own pod: kind" "Pod" "$(jq -r .kind <<<"$pod")"
assert_eq "GET own pod: service account" "doctor" "$(jq -r .spec.serviceAccountName <<<"$pod")"
assert_eq "pod uid matches the token's pod claim" "$(jq -r '."kubernetes.io".pod.uid' <<<"$claims")" \
    "$(jq -r .metadata.uid <<<"$pod")"
kget "$token" /api/v1/namespaces/team-a/serviceaccounts/doctor
assert_eq "GET own service account: status" "200" "$EMU_STATUS"
assert_eq "GET own service account: annotation" "22222222-2222-2222-2222-222222222222" \
    "$(jq -r '.metadata.annotations."azure.workload.identity/client-id"' <<<"$EMU_BODY")"
kget "$token" /api/v1/namespaces/team-a/services/web
assert_eq "GET service: status" "200" "$EMU_STATUS"

# Owner chain: Pod -> ReplicaSet -> Deployment, Pod -> Job -> CronJob.
rs=$(jq -r '.metadata.ownerReferences[0].name' <<<"$pod")
kget "$token" "/apis/apps/v1/namespaces/team-a/replicasets/$rs"
assert_eq "GET ReplicaSet: status" "200" "$EMU_STATUS"
deploy=$(jq -r '.metadata.ownerReferences[0].name' <<<"$EMU_BODY")
kget "$token" "/apis/apps/v1/namespaces/team-a/deployments/$deploy"
assert_eq "GET Deployment: status" "200" "$EMU_STATUS"
assert_eq "GET Deployment: apiVersion" "apps/v1" "$(jq -r .apiVersion <<<"$EMU_BODY")"
kget "$token" /api/v1/namespaces/team-a/pods/nightly-29000-abcde
job=$(jq -r '.metadata.ownerReferences[0].name' <<<"$EMU_BODY")
kget "$token" "/apis/batch/v1/namespaces/team-a/jobs/$job"
assert_eq "GET Job: status" "200" "$EMU_STATUS"
cron=$(jq -r '.metadata.ownerReferences[0].name' <<<"$EMU_BODY")
kget "$token" "/apis/batch/v1/namespaces/team-a/cronjobs/$cron"
assert_eq "GET CronJob: status" "200" "$EMU_STATUS"
assert_eq "GET CronJob: name" "nightly" "$(jq -r .metadata.name <<<"$EMU_BODY")"

# Lists and label selectors.
kget "$token" /api/v1/namespaces/team-a/pods
assert_eq "list pods: status" "200" "$EMU_STATUS"
assert_eq "list pods: kind" "PodList" "$(jq -r .kind <<<"$EMU_BODY")"
assert_eq "list pods: own namespace only" "web-7d9c5-x2x4p nightly-29000-abcde" \
    "$(jq -r '[.items[].metadata.name] | join(" ")' <<<"$EMU_BODY")"
assert_eq "list items carry no kind" "null" "$(jq -c '.items[0].kind' <<<"$EMU_BODY")"
kget "$token" /api/v1/namespaces/team-a/pods -G --data-urlencode 'labelSelector=app=web'
assert_eq "labelSelector app=web" "web-7d9c5-x2x4p" "$(jq -r '[.items[].metadata.name] | join(" ")' <<<"$EMU_BODY")"
kget "$token" /api/v1/namespaces/team-a/pods -G --data-urlencode 'labelSelector=app!=web'
assert_eq "labelSelector app!=web" "nightly-29000-abcde" "$(jq -r '[.items[].metadata.name] | join(" ")' <<<"$EMU_BODY")"
kget "$token" /api/v1/namespaces/team-a/pods -G --data-urlencode 'labelSelector=azure.workload.identity/use==true,app'
assert_eq "labelSelector k==v,k" "web-7d9c5-x2x4p" "$(jq -r '[.items[].metadata.name] | join(" ")' <<<"$EMU_BODY")"
kget "$token" /api/v1/namespaces/team-a/pods -G --data-urlencode 'labelSelector=!app'
assert_eq "labelSelector !app" "nightly-29000-abcde" "$(jq -r '[.items[].metadata.name] | join(" ")' <<<"$EMU_BODY")"
kget "$token" /api/v1/namespaces/team-a/pods -G --data-urlencode 'labelSelector=app in (web)'
assert_eq "set-based labelSelector: status" "400" "$EMU_STATUS"
assert_eq "set-based labelSelector: reason" "BadRequest" "$(jq -r .reason <<<"$EMU_BODY")"

# Webhook configurations are cluster-scoped and readable by every service account.
kget "$token" /apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations
assert_eq "list webhook configurations: status" "200" "$EMU_STATUS"
assert_eq "list webhook configurations: kind" "MutatingWebhookConfigurationList" "$(jq -r .kind <<<"$EMU_BODY")"
assert_eq "list webhook configurations: webhook" "mutation.azure-workload-identity.io" \
    "$(jq -r '.items[0].webhooks[0].name' <<<"$EMU_BODY")"
kget "$token" /apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/azure-wi-webhook-mutating-webhook-configuration
assert_eq "GET webhook configuration: status" "200" "$EMU_STATUS"
kget "$token" /apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/absent
assert_eq "GET unknown webhook configuration: status" "404" "$EMU_STATUS"
assert_eq "GET unknown webhook configuration: message" \
    'mutatingwebhookconfigurations.admissionregistration.k8s.io "absent" not found' \
    "$(jq -r .message <<<"$EMU_BODY")"

# --- 404 ---

kget "$token" /api/v1/namespaces/team-a/pods/nope
assert_eq "unknown pod: status" "404" "$EMU_STATUS"
assert_eq "unknown pod: Status" \
    '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"nope\" not found","reason":"NotFound","details":{"name":"nope","kind":"pods"},"code":404}' \
    "$(jq -c . <<<"$EMU_BODY")"
kget "$token" /apis/apps/v1/namespaces/team-a/deployments/nope
assert_eq "unknown deployment: message" 'deployments.apps "nope" not found' "$(jq -r .message <<<"$EMU_BODY")"
kget "$token" /api/v1/namespaces/team-a/pods/edge-pod
assert_eq "another cluster's pod: status" "404" "$EMU_STATUS"
kget "$token" /api/v1/namespaces/team-a/pods/web-7d9c5-x2x4p/log
assert_eq "subresource: status" "403" "$EMU_STATUS"

# --- 403 ---

kget "$token" /api/v1/namespaces/team-b/pods/other
assert_eq "pod in another namespace: status" "403" "$EMU_STATUS"
assert_eq "pod in another namespace: Status" \
    "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"pods \\\"other\\\" is forbidden: User \\\"$user\\\" cannot get resource \\\"pods\\\" in API group \\\"\\\" in the namespace \\\"team-b\\\"\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"other\",\"kind\":\"pods\"},\"code\":403}" \
    "$(jq -c . <<<"$EMU_BODY")"
kget "$token" /apis/apps/v1/namespaces/team-b/deployments
assert_eq "list deployments in another namespace" \
    "deployments.apps is forbidden: User \"$user\" cannot list resource \"deployments\" in API group \"apps\" in the namespace \"team-b\"" \
    "$(jq -r .message <<<"$EMU_BODY")"
kget "$token" /api/v1/pods
assert_eq "list pods at the cluster scope" \
    "pods is forbidden: User \"$user\" cannot list resource \"pods\" in API group \"\" at the cluster scope" \
    "$(jq -r .message <<<"$EMU_BODY")"
kget "$token" /api/v1/namespaces/team-a/secrets/db
assert_eq "secret in own namespace: status" "403" "$EMU_STATUS"
kget "$token" /api/v1/namespaces/team-a/pods -X POST -H 'Content-Type: application/json' --data '{}'
assert_eq "create a pod: status" "403" "$EMU_STATUS"
assert_contains "create a pod: verb" "cannot create resource \"pods\"" "$(jq -r .message <<<"$EMU_BODY")"

# --- 405: watch is not served, on lists and on single objects alike ---

watch_status='{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"watch is not supported on resources of kind \"pods\"","reason":"MethodNotAllowed","details":{"kind":"pods"},"code":405}'
for value in true 1 True; do
    kget "$token" /api/v1/namespaces/team-a/pods -G --data-urlencode "watch=$value"
    assert_eq "watch=$value on a pod list: status" "405" "$EMU_STATUS"
    assert_eq "watch=$value on a pod list: Status" "$watch_status" "$(jq -c . <<<"$EMU_BODY")"
done
kget "$token" /api/v1/namespaces/team-a/pods/web-7d9c5-x2x4p -G --data-urlencode watch=1
assert_eq "watch=1 on one pod: status" "405" "$EMU_STATUS"
assert_eq "watch=1 on one pod: Status" "$watch_status" "$(jq -c . <<<"$EMU_BODY")"
kget "$token" /apis/apps/v1/namespaces/team-b/deployments -G --data-urlencode watch=true
assert_eq "watch of deployments in another namespace" \
    'watch is not supported on resources of kind "deployments.apps"' "$(jq -r .message <<<"$EMU_BODY")"
assert_eq "watch of deployments: details" '{"group":"apps","kind":"deployments"}' \
    "$(jq -c .details <<<"$EMU_BODY")"
kget "$token" /api/v1/namespaces/team-a/pods/web-7d9c5-x2x4p -G --data-urlencode watch=false
assert_eq "watch=false is a get" "200" "$EMU_STATUS"
kget "$token" /api/v1/namespaces/team-a/pods -G --data-urlencode watch=0
assert_eq "watch=0 is a list" "PodList" "$(jq -r .kind <<<"$EMU_BODY")"
kget "" /api/v1/namespaces/team-a/pods -G --data-urlencode watch=true
assert_eq "watch without a token: status" "401" "$EMU_STATUS"

# --- 401 ---

# check_unauthorized WHAT REASON CURL_ARGS...: 401 with the exact Status, for REASON (logged).
check_unauthorized() {
    local what=$1 reason=$2
    shift 2
    emu_request "$@" "$EMU_BASE/api/v1/namespaces/team-a/pods/web-7d9c5-x2x4p"
    assert_eq "$what: status" "401" "$EMU_STATUS"
    assert_eq "$what: Status" "$unauthorized" "$(jq -c . <<<"$EMU_BODY")"
    assert_contains "$what: logged reason" "$reason" "$(grep '401 for token' "$EMU_LOG" | tail -n 1)"
}
check_unauthorized "no token" "no bearer token"
check_unauthorized "not a JWT" "not a compact JWT" -H 'Authorization: Bearer not-a-jwt'
check_unauthorized "Basic credentials" "no bearer token" -H 'Authorization: Basic ZG9jdG9yOng='
check_unauthorized "tampered payload" "no cluster key verifies" \
    -H "Authorization: Bearer ${token%%.*}.$(jq -c '.sub = "system:serviceaccount:team-b:doctor"' <<<"$claims" | certs_b64url).${token##*.}"
now=$(date +%s)
expired=$(emu_mint demo team-a doctor "$demo_issuer" 600 $((now - 7200)))
check_unauthorized "expired token" "has expired" -H "Authorization: Bearer $expired"
future=$(emu_mint demo team-a doctor "$demo_issuer" 3600 $((now + 3600)))
check_unauthorized "token issued in an hour" "not valid yet" -H "Authorization: Bearer $future"
workload=$(emu_mint demo team-a doctor api://AzureADTokenExchange 3600)
check_unauthorized "token exchange audience" "API audiences" -H "Authorization: Bearer $workload"
cross=$(emu_mint edge team-a doctor "$demo_issuer" 3600)
check_unauthorized "edge token with demo's audience" "API audiences" -H "Authorization: Bearer $cross"
# A key no cluster holds, with claims and kid copied from a valid token.
certs_make "$EMU_WORK" foreign >/dev/null
foreign=$(certs_assertion "$EMU_WORK/foreign.key" RS256 "$(emu_jwt_header "$token")" "$claims")
check_unauthorized "foreign-signed token" "no cluster key verifies" -H "Authorization: Bearer $foreign"

# --- audiences: the issuer as spelled, without its '/', or the in-cluster default ---

for aud in "${demo_issuer%/}" https://kubernetes.default.svc.cluster.local; do
    t=$(emu_mint demo team-a doctor "$aud" 3600)
    kget "$t" /api/v1/namespaces/team-a/pods/web-7d9c5-x2x4p
    assert_eq "audience '$aud': status" "200" "$EMU_STATUS"
done
edge_token=$(emu_mint edge team-a doctor "$edge_issuer/" 3600)
kget "$edge_token" /api/v1/namespaces/team-a/pods/edge-pod
assert_eq "edge token, issuer with '/' added: status" "200" "$EMU_STATUS"
kget "$edge_token" /api/v1/namespaces/team-a/pods/web-7d9c5-x2x4p
assert_eq "edge token cannot see demo's pod" "404" "$EMU_STATUS"

# --- issuer documents at the API root ---

EMU_CA=$(emu_json ca_file)
emu_get "$demo_issuer.well-known/openid-configuration"
public_doc=$EMU_BODY
kget "$token" /.well-known/openid-configuration
assert_eq "API discovery: status" "200" "$EMU_STATUS"
assert_eq "API discovery: issuer byte-identical" "$demo_issuer" "$(jq -r .issuer <<<"$EMU_BODY")"
assert_eq "API discovery equals the public one" "$public_doc" "$EMU_BODY"
emu_get "${demo_issuer}openid/v1/jwks"
public_jwks=$EMU_BODY
kget "$token" /openid/v1/jwks
assert_eq "API JWKS: status" "200" "$EMU_STATUS"
assert_eq "API JWKS equals the public one" "$public_jwks" "$EMU_BODY"
assert_eq "API JWKS kid is the token's kid" "$(emu_jwt_header "$token" | jq -r .kid)" \
    "$(jq -r '.keys[0].kid' <<<"$EMU_BODY")"
kget "$edge_token" /.well-known/openid-configuration
assert_eq "edge API discovery despite publish_discovery false: status" "200" "$EMU_STATUS"
assert_eq "edge API discovery: issuer" "$edge_issuer" "$(jq -r .issuer <<<"$EMU_BODY")"
emu_request "$EMU_BASE/.well-known/openid-configuration"
assert_eq "API discovery without a token: status" "401" "$EMU_STATUS"
kget "$token" /.well-known/openid-configuration -X POST --data x
assert_eq "API discovery POST: status" "403" "$EMU_STATUS"

# --- deletion through the control API ---

emu_request -X DELETE "$EMU_BASE/_emulator/kubernetes/demo/objects/Pod/team-a/web-7d9c5-x2x4p"
assert_eq "DELETE pod: status" "200" "$EMU_STATUS"
kget "$token" /api/v1/namespaces/team-a/pods/web-7d9c5-x2x4p
assert_eq "deleted pod: status" "404" "$EMU_STATUS"
emu_request -X DELETE "$EMU_BASE/_emulator/kubernetes/demo/objects/pods/team-a/web-7d9c5-x2x4p"
assert_eq "DELETE it again: status" "404" "$EMU_STATUS"
emu_request -X DELETE "$EMU_BASE/_emulator/kubernetes/demo/objects/mutatingwebhookconfigurations/azure-wi-webhook-mutating-webhook-configuration"
assert_eq "DELETE webhook configuration: status" "200" "$EMU_STATUS"
kget "$token" /apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations
assert_eq "no webhook configuration left" "0" "$(jq '.items | length' <<<"$EMU_BODY")"
emu_request -X DELETE "$EMU_BASE/_emulator/kubernetes/demo/objects"
assert_eq "DELETE all of demo: status" "200" "$EMU_STATUS"
assert_eq "DELETE all of demo: count" "8" "$(jq .removed <<<"$EMU_BODY")"

if grep -F -e "$token" -e "$edge_token" "$EMU_LOG" >/dev/null; then
    fail "the emulator log contains a bearer token"
fi
emu_stop_clean
echo "PASS kubernetes"
