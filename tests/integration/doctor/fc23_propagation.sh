#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# A federated credential that matches the token on paper, while Entra ID still returns
# AADSTS700213 as it does while a new credential propagates: the exchange check shows the
# AADSTS diagnosis and mentions propagation delay at once, without the library's retries of a
# mismatch. A federated_credential_retries out of range still fails the config check.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env
export M365_RETRY_DELAY_SECONDS=0
issuer=$(t_info clusters.demo.issuer)

# The credential as 'az ad app federated-credential list' prints it: it matches the token.
jq -n --arg iss "$issuer" '[{name: "kubernetes-federated-credential", issuer: $iss,
    subject: "system:serviceaccount:terraform-m365:terraform-m365-sa",
    audiences: ["api://AzureADTokenExchange"]}]' >"$T_DIR/fic.json"

curl -fsS --max-time 10 --cacert "$T_CA" -H 'Content-Type: application/json' \
    --data '{"endpoint": "token", "aadsts": 700213, "count": 20}' \
    "$T_BASE/_emulator/faults" >/dev/null || t_fail "adding the fault rule failed"

before=$(t_stats .token_requests)
d_run --federated-credential "$T_DIR/fic.json"
t_expect_rc 8 "credential not propagated"
d_expect exchange fail
[ "$(($(t_stats .token_requests) - before))" -eq 1 ] ||
    t_fail "doctor retried the mismatch instead of explaining it"
d_expect_text exchange "AADSTS700213" "propagation delay"
# The credential already matches, so no fix asks to change its subject.
jq -e '[.checks[] | select(.id == "exchange") | .findings[] | .fix // ""
        | select(contains("subject to") or contains("exactly that subject"))] | length == 0' \
    "$T_DIR/out" >/dev/null \
    || t_fail "a fix asks to set the subject the credential already has"

# Without the credential file the delay is still mentioned, as a possibility.
d_run
t_expect_rc 8 "credential not propagated, no file"
d_expect_text exchange "AADSTS700213" "propagation delay"

# Once the credential has propagated (the rule removed), the next run passes.
curl -fsS --max-time 10 --cacert "$T_CA" -X DELETE "$T_BASE/_emulator/faults" >/dev/null \
    || t_fail "removing the fault rule failed"
d_run
t_expect_rc 0 "after propagation"
d_expect exchange pass

# doctor's own setting does not hide a value that m365id token rejects.
M365_FEDERATED_CREDENTIAL_RETRIES=9 d_run
t_expect_rc 8 "federated_credential_retries out of range"
d_expect config fail
d_expect_text config "client_options.federated_credential_retries '9'"
t_pass
