#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# A managed identity's Azure Resource Manager id given as the client id (AADSTS700016 at
# Entra ID): the config check recognises the shape, names its source and gives the command
# that prints the identity's client id.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env

rid=/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/rg-a/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-a
AZURE_CLIENT_ID=$rid d_run
t_expect_rc 8 "resource id as client id"
d_expect config fail
d_expect_finding config fail "the client id is an Azure Resource Manager id, not the identity's client id"
d_expect_text config "client id: $rid" "source: env AZURE_CLIENT_ID" \
    "kind: user-assigned managed identity (resource id)" \
    "az identity show --ids '$rid' --query clientId -o tsv" "AADSTS700016"
d_expect exchange skip

# The flag is named as the source.
d_run --client-id "$rid"
t_expect_rc 8 "resource id as --client-id"
d_expect_text config "source: --client-id" "set --client-id"

# AZURE_CLIENT_ID comes from the ServiceAccount annotation: the fix names the annotation.
AZURE_CLIENT_ID=$rid d_run
d_expect_text config "set the ServiceAccount annotation azure.workload.identity/client-id (which the webhook copies into AZURE_CLIENT_ID)"

# An all-lower-case id, as some tools print it, through M365_CLIENT_ID: the library and the
# doctor recognise it, and the fix does not send the user to the annotation, which
# M365_CLIENT_ID overrides.
lower=$(tr '[:upper:]' '[:lower:]' <<<"$rid")
M365_CLIENT_ID=$lower d_run
t_expect_rc 8 "lower-case resource id"
d_expect_text config "kind: user-assigned managed identity (resource id)" \
    "is the Azure resource id of identity 'mi-a', not a client id" \
    "set M365_CLIENT_ID to the identity's client id" \
    "M365_CLIENT_ID overrides the AZURE_CLIENT_ID that the webhook sets"
! d_text config | grep -qF "(or the ServiceAccount annotation" \
    || t_fail "the fix for M365_CLIENT_ID points at the annotation"
[ "$(t_stats .token_requests)" -eq 0 ] || t_fail "a token request was sent"
t_pass
