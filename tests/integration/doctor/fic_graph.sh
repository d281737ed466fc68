#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Check "federated-credential" without a file: the doctor reads the application's own
# federated credentials from Graph (emulator) when the identity may read applications, and
# skips with the reason when it may not.
. "$(dirname "$0")/../cli/common.sh" "$@"
. "$(dirname "$0")/lib/report.sh"

# The application may read itself (Application.Read.All) and trusts the token exactly.
t_scenario '.tenants[0].applications[0].roles += ["Application.Read.All"]'
t_start
t_pod_env
ISS=$(t_info clusters.demo.issuer)
t_run doctor -o json
t_expect_rc 0 "credential read from Graph"
d_expect_status federated-credential pass
d_expect federated-credential "federated credential 'kubernetes-federated-credential' matches the token's issuer, subject and audience" \
    "issuer: $ISS"
emu_stop

# Without Application.Read.All Graph returns 403, so the check skips and names the file option.
t_scenario '.'
t_start
t_pod_env
t_run doctor -o json
t_expect_rc 0 "no permission to read the application"
d_expect_status federated-credential skip
d_expect federated-credential "the application could not be read from Graph" "HTTP 403" \
    "Authorization_RequestDenied" "needs the application permission Application.Read.All" \
    "az ad app federated-credential list --id $T_CLIENT"
t_pass
