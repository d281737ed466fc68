#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Check "pod" on Deployment manifests: the opt-in label on the Deployment's own metadata but
# not on its pod template fails and names spec.template.metadata.labels; the label in
# spec.selector warns; a correct Deployment with its annotated ServiceAccount passes.
. "$(dirname "$0")/../cli/common.sh" "$@"
. "$(dirname "$0")/lib/report.sh"

t_start
t_pod_env

cat >"$T_DIR/sa.yaml" <<YAML
apiVersion: v1
kind: ServiceAccount
metadata:
  name: graph-reader
  namespace: team-a
  annotations:
    azure.workload.identity/client-id: "$T_CLIENT"
YAML

# The label sits on the Deployment only.
cat >"$T_DIR/deployment.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: graph-app, namespace: team-a, labels: {azure.workload.identity/use: "true"}}
spec:
  selector: {matchLabels: {app: graph-app}}
  template:
    metadata: {labels: {app: graph-app}}
    spec: {serviceAccountName: graph-reader, containers: [{name: app, image: registry.example.com/app:1}]}
YAML
t_run doctor --offline -o json --pod "$T_DIR/deployment.yaml" --service-account "$T_DIR/sa.yaml"
t_expect_rc 8 "label on the Deployment only"
d_expect_status pod fail
d_expect pod "label azure.workload.identity/use found on Deployment team-a/graph-app but not on its pod template" \
    "found at: metadata.labels" "needed at: spec.template.metadata.labels" \
    "under spec.template.metadata.labels of Deployment team-a/graph-app" "not under spec.selector"
[ "$(d_finding_status pod 'has azure.workload.identity/client-id')" = pass ] \
    || t_fail "the annotated ServiceAccount did not pass"
t_run doctor --offline --pod "$T_DIR/deployment.yaml" --service-account "$T_DIR/sa.yaml"
t_expect_rc 8 "text report"
t_expect_out "[FAIL] pod: pod and ServiceAccount" "found at:  metadata.labels" \
    "needed at: spec.template.metadata.labels"

# The label is in the template and also in the selector: a warning about immutable selectors.
cat >"$T_DIR/selector.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: graph-app, namespace: team-a}
spec:
  selector: {matchLabels: {app: graph-app, azure.workload.identity/use: "true"}}
  template:
    metadata: {labels: {app: graph-app, azure.workload.identity/use: "true"}}
    spec: {serviceAccountName: graph-reader, containers: [{name: app, image: registry.example.com/app:1}]}
YAML
t_run doctor --offline -o json --pod "$T_DIR/selector.yaml" --service-account "$T_DIR/sa.yaml"
t_expect_rc 0 "label in the selector"
d_expect_status pod warn
d_expect pod "is part of the selector of Deployment team-a/graph-app" \
    "path: spec.selector.matchLabels" "remove the label from spec.selector"

# The correct setup: label on the template, the annotated account in use.
cat >"$T_DIR/good.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: graph-app, namespace: team-a}
spec:
  selector: {matchLabels: {app: graph-app}}
  template:
    metadata:
      labels:
        app: graph-app
        azure.workload.identity/use: "true"
    spec:
      serviceAccountName: graph-reader
      containers: [{name: app, image: registry.example.com/app:1}]
YAML
t_run doctor --offline -o json --pod "$T_DIR/good.yaml" --service-account "$T_DIR/sa.yaml"
t_expect_rc 0 "good Deployment"
d_expect_status pod pass
d_expect pod "ServiceAccount team-a/graph-reader has azure.workload.identity/client-id $T_CLIENT, the client id in use"
d_expect_not pod "FAIL" "warn:"

# Both objects in one file, as `kubectl get deploy,sa -o yaml` or a Helm chart gives them.
{ cat "$T_DIR/good.yaml"; echo '---'; cat "$T_DIR/sa.yaml"; } >"$T_DIR/both.yaml"
t_run doctor --offline -o json --pod "$T_DIR/both.yaml"
t_expect_rc 0 "good Deployment and ServiceAccount in one file"
d_expect_status pod pass
t_pass
