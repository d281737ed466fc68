#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Check "pod" inside a cluster: the doctor reads its own pod, the pod's owners, its
# ServiceAccount and the webhook configurations from the emulator's Kubernetes API, with the
# service-account folder the emulator writes. Cases: label on the Deployment only (found by
# walking Pod -> ReplicaSet -> Deployment), a pod created before the webhook could mutate it
# (with and without a webhook configuration), a CronJob's misplaced serviceAccountName, a
# missing ServiceAccount, a correct mutated pod, and no cluster at all.
. "$(dirname "$0")/../cli/common.sh" "$@"
. "$(dirname "$0")/lib/report.sh"

t_start
t_pod_env
PORT=$(t_info port)
POD=graph-app-7d9f8-x2x4z

# put JSON: store one object in cluster demo.
put() {
    emu_request -X PUT -H 'Content-Type: application/json' --data "$1" \
        "$T_BASE/_emulator/kubernetes/demo/objects"
    [[ "$EMU_STATUS" == 20[01] ]] || t_fail "PUT object: HTTP $EMU_STATUS $EMU_BODY"
}
delete() {
    emu_request -X DELETE "$T_BASE/_emulator/kubernetes/demo/objects/$1"
    [[ "$EMU_STATUS" == 200 ]] || t_fail "DELETE $1: HTTP $EMU_STATUS $EMU_BODY"
}

# pod LABELS_JSON [SPEC_EXTRA_JSON] [OWNER_KIND OWNER_NAME]: store the doctor's own pod.
pod() {
    local owner='[]'
    [ -z "${3:-}" ] || owner=$(jq -nc --arg k "$3" --arg n "$4" \
        '[{apiVersion: "apps/v1", kind: $k, name: $n, uid: "u-1", controller: true}]')
    put "$(jq -nc --arg name "$POD" --argjson labels "$1" --argjson extra "${2:-{\}}" \
        --argjson owner "$owner" \
        '{apiVersion: "v1", kind: "Pod",
          metadata: {name: $name, namespace: "team-a", labels: $labels, ownerReferences: $owner},
          spec: ({serviceAccountName: "graph-reader",
                  containers: [{name: "app", image: "registry.example.com/app:1"}]} + $extra)}')"
}

deployment() {
    put "$(jq -nc --argjson meta "$1" --argjson tpl "$2" \
        '{apiVersion: "apps/v1", kind: "Deployment",
          metadata: ({name: "graph-app", namespace: "team-a"} + $meta),
          spec: {selector: {matchLabels: {app: "graph-app"}},
                 template: {metadata: {labels: $tpl},
                            spec: {serviceAccountName: "graph-reader",
                                   containers: [{name: "app", image: "registry.example.com/app:1"}]}}}}')"
}

put "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\",\"metadata\":{\"name\":\"graph-reader\",
      \"namespace\":\"team-a\",\"annotations\":{\"azure.workload.identity/client-id\":\"$T_CLIENT\"}}}"
put '{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"graph-app-7d9f8",
      "namespace":"team-a","ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment",
      "name":"graph-app","uid":"u-2","controller":true}]},
      "spec":{"selector":{"matchLabels":{"app":"graph-app"}},"template":{"metadata":{"labels":
      {"app":"graph-app"}},"spec":{"serviceAccountName":"graph-reader","containers":[]}}}}'
put '{"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingWebhookConfiguration",
      "metadata":{"name":"azure-wi-webhook-mutating-webhook-configuration"},
      "webhooks":[{"name":"mutation.azure-workload-identity.io",
      "objectSelector":{"matchLabels":{"azure.workload.identity/use":"true"}}}]}'

emu_request -H 'Content-Type: application/json' \
    --data "{\"namespace\":\"team-a\",\"service_account\":\"graph-reader\",\"pod\":\"$POD\"}" \
    "$T_BASE/_emulator/kubernetes/demo/serviceaccount-folder"
[ "$EMU_STATUS" = 200 ] || t_fail "serviceaccount-folder: HTTP $EMU_STATUS $EMU_BODY"
KUBE_DIR=$(jq -r .path <<<"$EMU_BODY")
[ -s "$KUBE_DIR/token" ] && [ -s "$KUBE_DIR/ca.crt" ] || t_fail "no token or ca.crt in '$KUBE_DIR'"
t_secret "$(cat "$KUBE_DIR/token")"

doctor_in_cluster() {
    KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$PORT HOSTNAME=$POD \
        t_run doctor -o json --kube-dir "$KUBE_DIR" "$@"
}

# 1. The label is on the Deployment only; the pod lacks it.
deployment '{"labels": {"azure.workload.identity/use": "true"}}' '{"app": "graph-app"}'
pod '{"app": "graph-app"}' '{}' ReplicaSet graph-app-7d9f8
doctor_in_cluster
t_expect_rc 8 "label on the Deployment, in cluster"
d_expect_status pod fail
d_expect pod "running in a cluster: reading pod team-a/$POD from https://127.0.0.1:$PORT" \
    "owned by: ReplicaSet team-a/graph-app-7d9f8" "owned by: Deployment team-a/graph-app" \
    "label azure.workload.identity/use found on Deployment team-a/graph-app but not on its pod template" \
    "needed at: spec.template.metadata.labels" \
    "under spec.template.metadata.labels of Deployment team-a/graph-app"
[ "$(d_status exchange)" = pass ] || t_fail "the exchange did not pass: $(d_text exchange)"

# 2. The template and the pod have the label, but the pod was never mutated.
deployment '{}' '{"app": "graph-app", "azure.workload.identity/use": "true"}'
pod '{"app": "graph-app", "azure.workload.identity/use": "true"}' '{}' ReplicaSet graph-app-7d9f8
doctor_in_cluster
t_expect_rc 8 "pod not mutated"
d_expect pod "Pod team-a/$POD has no AZURE_FEDERATED_TOKEN_FILE variable and no azure-identity-token volume" \
    "recreate the pod (kubectl rollout restart on Deployment team-a/graph-app" \
    "webhook: MutatingWebhookConfiguration azure-wi-webhook-mutating-webhook-configuration exists"

# ... and without any webhook configuration.
delete MutatingWebhookConfiguration/azure-wi-webhook-mutating-webhook-configuration
doctor_in_cluster
t_expect_rc 8 "pod not mutated, no webhook"
d_expect pod "webhook: no MutatingWebhookConfiguration selects azure.workload.identity/use: install the workload identity webhook"

# 3. A pod the webhook mutated passes.
pod '{"app": "graph-app", "azure.workload.identity/use": "true"}' \
    '{"containers": [{"name": "app", "image": "registry.example.com/app:1",
       "env": [{"name": "AZURE_FEDERATED_TOKEN_FILE", "value": "/var/run/secrets/azure/tokens/azure-identity-token"}]}],
      "volumes": [{"name": "azure-identity-token", "projected": {"sources": []}}]}' \
    ReplicaSet graph-app-7d9f8
doctor_in_cluster
t_expect_rc 0 "mutated pod"
d_expect_status pod pass
d_expect pod "ServiceAccount team-a/graph-reader has azure.workload.identity/client-id $T_CLIENT, the client id in use"

# 4. A CronJob's pod: serviceAccountName at the Job template's spec level is ignored.
put '{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly","namespace":"team-a"},
      "spec":{"schedule":"0 2 * * *","jobTemplate":{"spec":{"serviceAccountName":"graph-reader",
      "template":{"metadata":{"labels":{"azure.workload.identity/use":"true"}},
      "spec":{"restartPolicy":"Never","containers":[]}}}}}}'
put '{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"nightly-29000000","namespace":"team-a",
      "ownerReferences":[{"apiVersion":"batch/v1","kind":"CronJob","name":"nightly","uid":"u-3",
      "controller":true}]},"spec":{"template":{"metadata":{"labels":{"azure.workload.identity/use":"true"}},
      "spec":{"restartPolicy":"Never","containers":[]}}}}'
put "$(jq -nc --arg name "$POD" '{apiVersion: "v1", kind: "Pod",
      metadata: {name: $name, namespace: "team-a", labels: {"azure.workload.identity/use": "true"},
                 ownerReferences: [{apiVersion: "batch/v1", kind: "Job", name: "nightly-29000000",
                                    uid: "u-4", controller: true}]},
      spec: {serviceAccountName: "default", containers: [{name: "job", image: "registry.example.com/job:1"}]}}')"
doctor_in_cluster
t_expect_rc 8 "CronJob pod"
d_expect pod "owned by: Job team-a/nightly-29000000" "owned by: CronJob team-a/nightly" \
    "serviceAccountName 'graph-reader' at spec.jobTemplate.spec.serviceAccountName of CronJob team-a/nightly is ignored; the pod runs as 'default'" \
    "move serviceAccountName: graph-reader to spec.jobTemplate.spec.template.spec.serviceAccountName" \
    "ServiceAccount team-a/default was not found"

# 5. No cluster: the check skips with the reason.
t_run doctor --offline -o json
d_expect_status pod skip
d_expect pod "no --pod or --service-account file given"
t_run doctor -o json
d_expect_status pod skip
d_expect pod "not running in a cluster (KUBERNETES_SERVICE_HOST or KUBERNETES_SERVICE_PORT is not set)"
KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$PORT t_run doctor -o json --kube-dir "$T_DIR/none"
d_expect_status pod skip
d_expect pod "the service account folder is not usable (cannot open '$T_DIR/none/token'"
t_pass
