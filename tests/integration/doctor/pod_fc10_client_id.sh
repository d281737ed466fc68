#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Check "pod" on the ServiceAccount's client-id annotation: a misspelled key, an empty value,
# the annotation on a Service of the same name, a client id other than the one in use, a
# Resource Manager id, and no annotation at all. Each fails and says where the key belongs.
. "$(dirname "$0")/../cli/common.sh" "$@"
. "$(dirname "$0")/lib/report.sh"

t_start
t_pod_env

cat >"$T_DIR/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: graph-app, namespace: team-a, labels: {azure.workload.identity/use: "true"}}
spec: {serviceAccountName: graph-reader, containers: [{name: app, image: registry.example.com/app:1}]}
YAML

# sa_with ANNOTATIONS_FLOW_MAPPING [EXTRA_DOCUMENT]: write $T_DIR/sa.yaml.
sa_with() {
    cat >"$T_DIR/sa.yaml" <<YAML
apiVersion: v1
kind: ServiceAccount
metadata: {name: graph-reader, namespace: team-a, annotations: $1}
YAML
    if [ -n "${2:-}" ]; then
        printf -- '---\n%s\n' "$2" >>"$T_DIR/sa.yaml"
    fi
}

doctor_pod() {
    t_run doctor --offline -o json --pod "$T_DIR/pod.yaml" --service-account "$T_DIR/sa.yaml"
}

# The key written with an underscore.
sa_with "{azure.workload.identity/client_id: \"$T_CLIENT\"}"
doctor_pod
t_expect_rc 8 "client_id key"
d_expect_status pod fail
d_expect pod "ServiceAccount team-a/graph-reader has the key 'azure.workload.identity/client_id' (metadata.annotations), a misspelling of azure.workload.identity/client-id" \
    "found: azure.workload.identity/client_id: $T_CLIENT" \
    "put azure.workload.identity/client-id: \"$T_CLIENT\" under metadata.annotations of ServiceAccount team-a/graph-reader"

# camelCase without the prefix.
sa_with "{clientId: \"$T_CLIENT\"}"
doctor_pod
t_expect_rc 8 "clientId key"
d_expect pod "has the key 'clientId' (metadata.annotations), a misspelling of azure.workload.identity/client-id"

# The right key with an empty value.
sa_with '{azure.workload.identity/client-id: ""}'
doctor_pod
t_expect_rc 8 "empty value"
d_expect pod "ServiceAccount team-a/graph-reader annotation azure.workload.identity/client-id is empty" \
    "set azure.workload.identity/client-id to \"$T_CLIENT\" on ServiceAccount team-a/graph-reader"

# The annotation on a Service of the same name; the account has none.
sa_with '{}' "apiVersion: v1
kind: Service
metadata: {name: graph-reader, namespace: team-a, annotations: {azure.workload.identity/client-id: \"$T_CLIENT\"}}
spec: {selector: {app: graph-app}, ports: [{port: 80}]}"
doctor_pod
t_expect_rc 8 "annotation on a Service"
d_expect pod "azure.workload.identity/client-id is set on Service team-a/graph-reader (metadata.annotations), where the webhook never reads it" \
    "under metadata.annotations of ServiceAccount team-a/graph-reader; the webhook reads that exact key there and nowhere else"

# Another identity's client id: both values side by side.
sa_with '{azure.workload.identity/client-id: "33333333-3333-3333-3333-333333333333"}'
doctor_pod
t_expect_rc 8 "wrong client id"
d_expect pod "ServiceAccount team-a/graph-reader annotation azure.workload.identity/client-id differs from the client id in use" \
    "annotation: 33333333-3333-3333-3333-333333333333" "in use: $T_CLIENT (env AZURE_CLIENT_ID)"

# A managed identity's Resource Manager id instead of its client id.
sa_with '{azure.workload.identity/client-id: "/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/rg-a/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-a"}'
doctor_pod
t_expect_rc 8 "resource id"
d_expect pod "is a Resource Manager resource id; it needs the identity's client id (a GUID)"

# No annotation anywhere: explain which identities can federate.
sa_with '{}'
doctor_pod
t_expect_rc 8 "no annotation"
d_expect pod "ServiceAccount team-a/graph-reader has no azure.workload.identity/client-id annotation" \
    "a system-assigned identity cannot have a federated credential"

# The key on the pod instead of the account.
sed -i 's/labels: {azure.workload.identity\/use: "true"}/labels: {azure.workload.identity\/use: "true"}, annotations: {azure.workload.identity\/client-id: "'"$T_CLIENT"'"}/' "$T_DIR/pod.yaml"
grep -q 'annotations: {azure.workload.identity/client-id' "$T_DIR/pod.yaml" || t_fail "sed did not edit pod.yaml"
doctor_pod
t_expect_rc 8 "annotation on the pod"
d_expect pod "azure.workload.identity/client-id is set on Pod team-a/graph-app (metadata.annotations), where the webhook never reads it"
t_pass
