#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The exchange works but the token carries no application permissions, or not the required
# one: the permissions check reports an authorization problem and gives the commands.
. "$(dirname "$0")/common.sh" "$@"

t_scenario '.tenants[0].applications[0].roles = []'
t_start
t_pod_env

d_run
t_expect_rc 8 "no roles"
d_expect exchange pass
d_expect permissions fail
d_expect_finding permissions fail "no application permissions"
d_expect_text permissions "an authorization problem, not federation" "roles: (none)" \
    "az ad app permission admin-consent --id $T_CLIENT"

# A second emulator where the app has roles, but not the required one.
emu_stop
t_scenario
t_start
t_pod_env
d_run --require-role DeviceManagementConfiguration.ReadWrite.All --require-role User.Read.All
t_expect_rc 8 "required role missing"
d_expect_finding permissions pass "carries 2 application permission(s)"
d_expect_finding permissions fail "the required permission 'DeviceManagementConfiguration.ReadWrite.All' is not in the token's roles"
d_expect_text permissions "permission id: 9241abd9-d0e6-425a-bd4f-47ba86e767a4" \
    "--api-permissions 9241abd9-d0e6-425a-bd4f-47ba86e767a4=Role" \
    "az ad app permission admin-consent --id $T_CLIENT"
! d_text permissions | grep -qF "required permission 'User.Read.All'" \
    || t_fail "a granted role was reported missing"
t_pass
