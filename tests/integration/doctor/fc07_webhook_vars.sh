#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The AZURE_* variables the workload identity webhook injects are missing or empty: the config
# check lists each one and says that a missing set usually means the pod was not mutated.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env

# AZURE_AUTHORITY_HOST unset, the rest as injected: a warning, and the cloud's authority.
authority=$AZURE_AUTHORITY_HOST
unset AZURE_AUTHORITY_HOST
d_run --offline
t_expect_rc 0 "authority host unset"
d_expect config warn
d_expect_finding config warn "AZURE_AUTHORITY_HOST missing or empty"
d_expect_text config "AZURE_AUTHORITY_HOST: missing" "AZURE_CLIENT_ID: set" \
    "a missing set usually means the webhook did not mutate the pod" \
    "authority: https://login.microsoftonline.com/ (default for cloud 'public')" \
    "azure.workload.identity/use"

# Set but empty.
AZURE_AUTHORITY_HOST= d_run --offline
d_expect_text config "AZURE_AUTHORITY_HOST: set but empty"

# None of the four: the configuration comes from M365_* variables instead.
export M365_TENANT_ID=$AZURE_TENANT_ID M365_CLIENT_ID=$AZURE_CLIENT_ID
export M365_FEDERATED_TOKEN_FILE=$AZURE_FEDERATED_TOKEN_FILE M365_AUTHORITY_HOST=$authority
unset AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_FEDERATED_TOKEN_FILE
d_run
t_expect_rc 0 "no AZURE_* variables, M365_* instead"
d_expect_finding config warn "none of the four variables the workload identity webhook injects is set"
d_expect exchange pass

# Another auth method does not need the webhook's variables.
M365_AUTH_METHOD=client_secret M365_CLIENT_SECRET=not-a-real-secret-0123456789 d_run --offline
t_secret not-a-real-secret-0123456789
! d_text config | grep -qF "webhook" || t_fail "the webhook warning appears for client_secret"
d_expect token-file skip
t_pass
