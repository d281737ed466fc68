#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Check "pod" on Job and CronJob manifests: the opt-in label or serviceAccountName at a level
# that never reaches the pod fails and names the exact path where it belongs
# (spec.jobTemplate.spec.template... for a CronJob, spec.template... for a Job).
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
  annotations: {azure.workload.identity/client-id: "$T_CLIENT"}
YAML

# CronJob: label on the CronJob, account under jobTemplate.spec, the pod runs as "default".
cat >"$T_DIR/cronjob.yaml" <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: team-a, labels: {azure.workload.identity/use: "true"}}
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      serviceAccountName: graph-reader
      template:
        metadata: {labels: {}}
        spec:
          restartPolicy: Never
          containers: [{name: job, image: registry.example.com/job:1}]
YAML
t_run doctor --offline -o json --pod "$T_DIR/cronjob.yaml" --service-account "$T_DIR/sa.yaml"
t_expect_rc 8 "CronJob"
d_expect_status pod fail
d_expect pod "label azure.workload.identity/use found on CronJob team-a/nightly but not on its pod template" \
    "needed at: spec.jobTemplate.spec.template.metadata.labels" \
    "serviceAccountName 'graph-reader' at spec.jobTemplate.spec.serviceAccountName of CronJob team-a/nightly is ignored; the pod runs as 'default'" \
    "move serviceAccountName: graph-reader to spec.jobTemplate.spec.template.spec.serviceAccountName" \
    "the pod of CronJob team-a/nightly runs as ServiceAccount 'default', but the annotated account is 'graph-reader'" \
    "set spec.jobTemplate.spec.template.spec.serviceAccountName: graph-reader"
# Selectors do not apply to CronJobs, so the fix does not mention them.
d_expect_not pod "spec.selector"

# Job: label on the Job and serviceAccountName under Job.spec.
cat >"$T_DIR/job.yaml" <<'YAML'
apiVersion: batch/v1
kind: Job
metadata:
  name: terraform-apply
  namespace: team-a
  labels: {azure.workload.identity/use: "true"}
spec:
  serviceAccountName: graph-reader
  template:
    spec:
      restartPolicy: Never
      containers: [{name: terraform, image: registry.example.com/terraform:1}]
YAML
t_run doctor --offline -o json --pod "$T_DIR/job.yaml" --service-account "$T_DIR/sa.yaml"
t_expect_rc 8 "Job"
d_expect_status pod fail
d_expect pod "label azure.workload.identity/use found on Job team-a/terraform-apply but not on its pod template" \
    "found at: metadata.labels" "needed at: spec.template.metadata.labels" \
    "serviceAccountName 'graph-reader' at spec.serviceAccountName of Job team-a/terraform-apply is ignored; the pod runs as 'default'" \
    "move serviceAccountName: graph-reader to spec.template.spec.serviceAccountName"

# The same CronJob written correctly passes.
cat >"$T_DIR/good.yaml" <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: team-a}
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {azure.workload.identity/use: "true"}}
        spec:
          serviceAccountName: graph-reader
          restartPolicy: Never
          containers: [{name: job, image: registry.example.com/job:1}]
YAML
t_run doctor --offline -o json --pod "$T_DIR/good.yaml" --service-account "$T_DIR/sa.yaml"
t_expect_rc 0 "good CronJob"
d_expect_status pod pass
t_pass
