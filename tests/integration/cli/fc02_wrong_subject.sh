#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The projected token's subject names another service account than the federated credential
# (an operator exchanging its own token): AADSTS700213, exit 4, the presented subject named.
# A credential whose subject differs only in case gets AADSTS7002138.
. "$(dirname "$0")/common.sh" "$@"

t_scenario '
  .tenants[0].applications += [.tenants[0].applications[0]
      | .app_id = "33333333-3333-3333-3333-333333333333" | .display_name = "case"
      | .federated_credentials[0].subject = "system:serviceaccount:terraform-m365:Terraform-M365-SA"]
  | .workloads = [(.workloads[0] | .name = "operator" | .namespace = "keda"
                   | .service_account = "keda-operator"),
                  (.workloads[0] | .name = "case"
                   | .client_id = "33333333-3333-3333-3333-333333333333")]'
t_start
export M365_RETRY_DELAY_SECONDS=0

t_pod_env operator
t_run token
t_expect_rc 4 "operator subject"
t_expect_err "AADSTS700213" \
    "the token's sub is 'system:serviceaccount:keda:keda-operator'" \
    "system:serviceaccount:<namespace>:<name>" \
    "m365id: entra: AADSTS700213 invalid_client"
[ ! -s "$T_DIR/out" ] || t_fail "a failed token command printed to stdout"

t_pod_env case
t_run graph GET /v1.0/organization
t_expect_rc 4 "subject differing in case"
t_expect_err "AADSTS7002138" "the token's sub is 'system:serviceaccount:terraform-m365:terraform-m365-sa'" \
    "case-sensitively"

[ "$(t_stats '.tokens_issued')" -eq 0 ] || t_fail "the emulator issued a token"
[ "$(t_stats '.graph_requests')" -eq 0 ] || t_fail "graph was called without a token"
t_pass
