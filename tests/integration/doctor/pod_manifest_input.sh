#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The manifest reader behind --pod and --service-account: an unquoted `true` label value is a
# YAML boolean and is flagged; a malformed file fails check "pod" (exit status 8) with the
# file, line and column; an alias bomb is rejected; JSON and kind List are read.
. "$(dirname "$0")/../cli/common.sh" "$@"
. "$(dirname "$0")/lib/report.sh"

t_start
t_pod_env

cat >"$T_DIR/sa.yaml" <<YAML
apiVersion: v1
kind: ServiceAccount
metadata: {name: graph-reader, namespace: team-a, annotations: {azure.workload.identity/client-id: "$T_CLIENT"}}
YAML

# Unquoted true: Kubernetes rejects a label value that is not a string.
cat >"$T_DIR/unquoted.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: graph-app
  namespace: team-a
  labels:
    azure.workload.identity/use: true
spec: {serviceAccountName: graph-reader, containers: [{name: app, image: registry.example.com/app:1}]}
YAML
t_run doctor --offline -o json --pod "$T_DIR/unquoted.yaml" --service-account "$T_DIR/sa.yaml"
t_expect_rc 8 "unquoted true"
d_expect_status pod fail
d_expect pod "label azure.workload.identity/use on Pod team-a/graph-app is the YAML boolean true, not the string \"true\"" \
    "path: metadata.labels" "quote the value: azure.workload.identity/use: \"true\""

# The same label quoted in single quotes is a string and passes.
sed -i "s/use: true/use: 'true'/" "$T_DIR/unquoted.yaml"
t_run doctor --offline -o json --pod "$T_DIR/unquoted.yaml" --service-account "$T_DIR/sa.yaml"
t_expect_rc 0 "single-quoted true"
d_expect_status pod pass

# Malformed YAML: an unclosed flow sequence, reported at line 5, column 1.
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: broken}\nspec: {containers: [{name: app}\n' \
    >"$T_DIR/broken.yaml"
t_run doctor --offline -o json --pod "$T_DIR/broken.yaml"
t_expect_rc 8 "malformed YAML"
d_expect_status pod fail
d_expect pod "cannot read --pod: $T_DIR/broken.yaml:5:1: " "correct the file given to --pod"
t_run doctor --offline --pod "$T_DIR/broken.yaml"
t_expect_rc 8 "malformed YAML, text"
t_expect_out "[FAIL] pod:" "broken.yaml:5:1: did not find expected ',' or ']'"

# A duplicate key names its line and column.
printf 'kind: Pod\nmetadata: {name: a}\nmetadata: {name: b}\n' >"$T_DIR/dup.yaml"
t_run doctor --offline -o json --pod "$T_DIR/dup.yaml"
t_expect_rc 8 "duplicate key"
d_expect pod "dup.yaml:3:1: duplicate key 'metadata' in one mapping"

# "Billion laughs": nine levels of nine aliases would expand to 9^9 values.
{
    echo 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'
    for i in 1 2 3 4 5 6 7 8 9; do
        p="*a$((i - 1))"
        echo "a$i: &a$i [$p,$p,$p,$p,$p,$p,$p,$p,$p]"
    done
} >"$T_DIR/bomb.yaml"
t_run doctor --offline -o json --pod "$T_DIR/bomb.yaml"
t_expect_rc 8 "alias bomb"
d_expect pod "bomb.yaml:" "more than 262144 values once aliases are expanded"

# JSON, as `kubectl get pod -o json` prints it, inside a List.
cat >"$T_DIR/list.json" <<'JSON'
{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}},
  {"apiVersion": "apps/v1", "kind": "Deployment",
   "metadata": {"name": "graph-app", "namespace": "team-a"},
   "spec": {"selector": {"matchLabels": {"app": "graph-app"}},
            "template": {"metadata": {"labels": {"app": "graph-app"}},
                         "spec": {"serviceAccountName": "graph-reader",
                                  "containers": [{"name": "app", "image": "registry.example.com/app:1"}]}}}}]}
JSON
t_run doctor --offline -o json --pod "$T_DIR/list.json" --service-account "$T_DIR/sa.yaml"
t_expect_rc 8 "List without the label"
d_expect pod "the pod of Deployment team-a/graph-app has no label azure.workload.identity/use" \
    "needed at: items[1].spec.template.metadata.labels"

# A file without any workload, and a missing file.
t_run doctor --offline -o json --pod "$T_DIR/sa.yaml"
t_expect_rc 8 "no workload"
d_expect pod "holds no workload object"
t_run doctor --offline -o json --pod "$T_DIR/missing.yaml"
t_expect_rc 8 "missing file"
d_expect pod "cannot open '$T_DIR/missing.yaml': No such file or directory"
t_pass
