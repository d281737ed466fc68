#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The client id is a managed identity's resource id, not a GUID, or an unknown GUID. The first
# two fail in configuration (exit 2) naming the value and its source, before any request; the
# unknown GUID reaches the emulator, which returns AADSTS700016 (exit 4).
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env
export M365_RETRY_DELAY_SECONDS=0
resource_id=/subscriptions/55555555-5555-5555-5555-555555555555/resourceGroups/rg-a/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-graph-reader

AZURE_CLIENT_ID=$resource_id t_run token
t_expect_rc 2 "resource id in AZURE_CLIENT_ID"
# The quoted value is cut at 128 bytes, so the message names the identity on its own.
t_expect_err "m365id: error: client id '${resource_id:0:100}" \
    "(env AZURE_CLIENT_ID) is the Azure resource id of identity 'mi-graph-reader', not a client id" \
    "m365id: hint: use the identity's client id (GUID) instead"

t_run --client-id "$resource_id" graph GET /v1.0/organization
t_expect_rc 2 "resource id in --client-id"
t_expect_err "client id '${resource_id:0:100}" "(--client-id) is the Azure resource id of identity 'mi-graph-reader'"

t_run token --client-id terraform-m365-provider
t_expect_rc 2 "display name as client id"
t_expect_err "client id 'terraform-m365-provider' (--client-id) is not a GUID"
[ "$(t_stats .token_requests)" -eq 0 ] || t_fail "an invalid client id reached the token endpoint"

unknown=44444444-4444-4444-4444-444444444444
t_run token --client-id "$unknown"
t_expect_rc 4 "unknown client id"
t_expect_err "Entra ID rejected the token request for client '$unknown' in tenant '$T_TENANT'" \
    "AADSTS700016" "m365id: entra: AADSTS700016 unauthorized_client" \
    "client id '$unknown', tenant '$T_TENANT', cloud 'public'"
[ "$(t_stats '.errors["700016"]')" -eq 1 ] || t_fail "the emulator did not count one 700016"
t_pass
