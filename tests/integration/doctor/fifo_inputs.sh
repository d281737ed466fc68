#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# A FIFO given as --token-file, --pod, --service-account or --federated-credential, inside
# --kube-dir, or to `m365id inspect` is rejected at once as "not a regular file" instead of
# blocking the reader, while a pipe from process substitution (<(cat FILE)) is still read.
. "$(dirname "$0")/../cli/common.sh" "$@"
. "$(dirname "$0")/lib/report.sh"

t_start
t_pod_env

# Every run is bounded: without the check, opening a FIFO that has no writer never returns.
f_run() {
    T_RUNS=$((T_RUNS + 1))
    set +e
    timeout 20 "$M365ID" "$@" >"$T_DIR/out" 2>"$T_DIR/err" </dev/null
    T_RC=$?
    set -e
    cp "$T_DIR/out" "$T_DIR/run$T_RUNS.out"
    cp "$T_DIR/err" "$T_DIR/run$T_RUNS.err"
    [ "$T_RC" -ne 124 ] || t_fail "m365id $* blocked on a FIFO"
}

mkfifo "$T_DIR/fifo"
cat >"$T_DIR/sa.yaml" <<YAML
apiVersion: v1
kind: ServiceAccount
metadata: {name: terraform-m365-sa, namespace: terraform-m365, annotations: {azure.workload.identity/client-id: "$T_CLIENT"}}
YAML
cat >"$T_DIR/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: terraform-m365, labels: {azure.workload.identity/use: "true"}}
spec: {serviceAccountName: terraform-m365-sa, containers: [{name: app, image: registry.example.com/app:1}]}
YAML
jq -n --arg iss "$(t_info clusters.demo.issuer)" '[{name: "fc", issuer: $iss,
    subject: "system:serviceaccount:terraform-m365:terraform-m365-sa",
    audiences: ["api://AzureADTokenExchange"]}]' >"$T_DIR/fic.json"

# The token file: rejected as m365id token rejects it (exit status 3 there).
f_run token --token-file "$T_DIR/fifo"
t_expect_rc 3 "token with a FIFO"
t_expect_err "is not a regular file"
f_run doctor --offline -o json --token-file "$T_DIR/fifo"
t_expect_rc 8 "doctor with a FIFO token file"
d_expect_status token-file fail
d_expect token-file "the token file is not a regular file: it is a FIFO" \
    "point --token-file at the projected token file itself"

# Each manifest option and the credential file.
for opt in --pod --service-account; do
    f_run doctor --offline -o json "$opt" "$T_DIR/fifo"
    t_expect_rc 8 "$opt FIFO"
    d_expect_status pod fail
    d_expect pod "cannot read $opt: '$T_DIR/fifo' is not a regular file: it is a FIFO"
done
f_run doctor --offline -o json --federated-credential "$T_DIR/fifo"
t_expect_rc 8 "--federated-credential FIFO"
d_expect_status federated-credential fail
d_expect federated-credential "'$T_DIR/fifo' is not a regular file: it is a FIFO"

# Process substitution still works for every manifest and credential option.
f_run doctor --offline -o json --pod <(cat "$T_DIR/pod.yaml") \
    --service-account <(cat "$T_DIR/sa.yaml") --federated-credential <(cat "$T_DIR/fic.json")
t_expect_rc 0 "process substitution"
d_expect_status pod pass
d_expect_status federated-credential pass

# FIFOs in the service-account folder, in a cluster: the folder is reported as unusable.
mkdir "$T_DIR/kube"
mkfifo "$T_DIR/kube/token" "$T_DIR/kube/namespace" "$T_DIR/kube/ca.crt"
KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=9 \
    f_run doctor -o json --kube-dir "$T_DIR/kube"
d_expect_status pod skip
d_expect pod "'$T_DIR/kube/token' is not a regular file: it is a FIFO"
# The same folder is searched for mounted tokens when the token file is missing.
AZURE_FEDERATED_TOKEN_FILE=$T_DIR/missing f_run doctor --offline -o json --kube-dir "$T_DIR/kube"
t_expect_rc 8 "missing token, FIFOs in --kube-dir"
d_expect token-file "the token file does not exist"

# m365id inspect: a FIFO is rejected with exit status 2, a pipe from <(...) is decoded.
f_run inspect "$T_DIR/fifo"
t_expect_rc 2 "inspect FIFO"
t_expect_err "is not a regular file: it is a FIFO"
f_run inspect <(cat "$AZURE_FEDERATED_TOKEN_FILE")
t_expect_rc 0 "inspect process substitution"
t_expect_out "system:serviceaccount:terraform-m365:terraform-m365-sa"
t_no_secrets
t_pass
