#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The ServiceAccount a pod runs as (namespace and name) against the token's subject and the
# federated credentials: a pod whose account no credential trusts fails before it is deployed,
# and the fix for a pod that disagrees with the --service-account file follows the credential
# instead of moving the pod to an account Entra ID does not trust. Namespaces are named.
. "$(dirname "$0")/../cli/common.sh" "$@"
. "$(dirname "$0")/lib/report.sh"

t_start
t_pod_env
issuer=$(t_info clusters.demo.issuer)
trusted=system:serviceaccount:terraform-m365:terraform-m365-sa

# sa_file NAME NAMESPACE: an annotated ServiceAccount manifest.
sa_file() {
    cat >"$T_DIR/sa.yaml" <<YAML
apiVersion: v1
kind: ServiceAccount
metadata: {name: $1, namespace: $2, annotations: {azure.workload.identity/client-id: "$T_CLIENT"}}
YAML
}
# job_file ACCOUNT NAMESPACE: a labelled Job running as ACCOUNT.
job_file() {
    cat >"$T_DIR/job.yaml" <<YAML
apiVersion: batch/v1
kind: Job
metadata: {name: terraform-apply, namespace: $2}
spec:
  template:
    metadata: {labels: {azure.workload.identity/use: "true"}}
    spec:
      serviceAccountName: $1
      restartPolicy: Never
      containers: [{name: apply, image: registry.example.com/tf:1}]
YAML
}
jq -n --arg iss "$issuer" --arg sub "$trusted" '[{name: "kubernetes-federated-credential",
    issuer: $iss, subject: $sub, audiences: ["api://AzureADTokenExchange"]}]' >"$T_DIR/fic.json"

# Pod, ServiceAccount file and token agree with the credential: every check passes.
job_file terraform-m365-sa terraform-m365
sa_file terraform-m365-sa terraform-m365
t_run doctor --offline -o json --pod "$T_DIR/job.yaml" --service-account "$T_DIR/sa.yaml" \
    --federated-credential "$T_DIR/fic.json"
t_expect_rc 0 "consistent"
d_expect_status federated-credential pass
d_expect federated-credential \
    "federated credential 'kubernetes-federated-credential' trusts the ServiceAccount that Job terraform-m365/terraform-apply runs as"

# The pod and its annotated account are both 'other-sa', the credential trusts
# terraform-m365-sa: the deployed pod would get AADSTS700213.
job_file other-sa terraform-m365
sa_file other-sa terraform-m365
t_run doctor --offline -o json --pod "$T_DIR/job.yaml" --service-account "$T_DIR/sa.yaml" \
    --federated-credential "$T_DIR/fic.json"
t_expect_rc 8 "pod account not federated"
d_expect_status federated-credential fail
d_expect federated-credential \
    "no federated credential trusts the ServiceAccount that Job terraform-m365/terraform-apply runs as: the pod's tokens carry subject 'system:serviceaccount:terraform-m365:other-sa'" \
    "AADSTS700213" "pod subject: system:serviceaccount:terraform-m365:other-sa" \
    "credential subject: $trusted (kubernetes-federated-credential)" \
    "run the pod as ServiceAccount terraform-m365-sa in namespace terraform-m365" \
    "or add a federated credential with subject 'system:serviceaccount:terraform-m365:other-sa'"
# The token file was issued for terraform-m365-sa, not for the pod's account.
[ "$(d_finding_status federated-credential "the token file was issued for ServiceAccount terraform-m365/terraform-m365-sa")" = warn ] \
    || t_fail "no warning that the token file belongs to another account"$'\n'"$(d_text federated-credential)"

# The same without a credential file, offline: the token's subject is still compared.
t_run doctor --offline -o json --pod "$T_DIR/job.yaml" --service-account "$T_DIR/sa.yaml"
d_expect_status federated-credential warn
d_expect federated-credential "but Job terraform-m365/terraform-apply runs as terraform-m365/other-sa" \
    "kubectl create token other-sa -n terraform-m365 --audience api://AzureADTokenExchange"

# The pod runs as the trusted account, but the ServiceAccount file describes 'other-sa': the
# fix annotates the pod's account and never moves the pod to 'other-sa'.
job_file terraform-m365-sa terraform-m365
sa_file other-sa terraform-m365
t_run doctor --offline -o json --pod "$T_DIR/job.yaml" --service-account "$T_DIR/sa.yaml" \
    --federated-credential "$T_DIR/fic.json"
t_expect_rc 8 "pod and file disagree, pod trusted"
d_expect pod "the pod of Job terraform-m365/terraform-apply runs as ServiceAccount 'terraform-m365-sa', but the annotated account is 'other-sa'" \
    "keep serviceAccountName, which the federated credential trusts: annotate ServiceAccount terraform-m365/terraform-m365-sa" \
    "credentials trust: terraform-m365/terraform-m365-sa: yes; terraform-m365/other-sa: no"
d_expect_not pod "serviceAccountName: other-sa"
d_expect_status federated-credential pass

# The other way round: the file's account is the trusted one, so the pod moves to it.
job_file other-sa terraform-m365
sa_file terraform-m365-sa terraform-m365
t_run doctor --offline -o json --pod "$T_DIR/job.yaml" --service-account "$T_DIR/sa.yaml" \
    --federated-credential "$T_DIR/fic.json"
t_expect_rc 8 "pod and file disagree, file trusted"
d_expect pod "set spec.template.spec.serviceAccountName: terraform-m365-sa"

# Same account name in two namespaces: both namespaces are named, and the fix is not a no-op.
job_file terraform-m365-sa terraform-m365
sa_file terraform-m365-sa elsewhere
t_run doctor --offline -o json --pod "$T_DIR/job.yaml" --service-account "$T_DIR/sa.yaml"
t_expect_rc 8 "namespace mismatch"
d_expect pod "the pod of Job terraform-m365/terraform-apply runs in namespace 'terraform-m365', but the annotated ServiceAccount 'terraform-m365-sa' is in namespace 'elsewhere'" \
    "pod runs as: terraform-m365/terraform-m365-sa" "annotated: elsewhere/terraform-m365-sa" \
    "create and annotate ServiceAccount terraform-m365-sa in the pod's namespace terraform-m365, or deploy the pod to namespace elsewhere"
d_expect_not pod "set spec.template.spec.serviceAccountName: terraform-m365-sa"
# With the credential, which trusts the pod's namespace, the fix keeps the pod where it is.
t_run doctor --offline -o json --pod "$T_DIR/job.yaml" --service-account "$T_DIR/sa.yaml" \
    --federated-credential "$T_DIR/fic.json"
d_expect pod "annotate ServiceAccount terraform-m365/terraform-m365-sa with azure.workload.identity/client-id"
t_pass
