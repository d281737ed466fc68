#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# --require-role names. A name that differs from a role of the token only in letter case gets
# the right spelling. A name outside m365id's permission table gets close names, not a grant
# command with a placeholder id.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env

# The scenario's token carries Organization.Read.All and User.Read.All.
d_run --require-role user.read.all
t_expect_rc 0 "required role in another case"
d_expect permissions warn
d_expect_finding permissions warn \
    "the required permission 'user.read.all' differs only in letter case from 'User.Read.All'"
d_expect_text permissions "did you mean 'User.Read.All'?" "pass --require-role User.Read.All"
! d_text permissions | grep -qF "PERMISSION_ID" || t_fail "a placeholder id is shown"

d_run --require-role Bogus.Perm
t_expect_rc 8 "unknown permission"
d_expect_finding permissions fail \
    "is not a Microsoft Graph application permission in m365id's table"
! d_text permissions | grep -qF "PERMISSION_ID" || t_fail "a placeholder id is shown"

d_run --require-role Device.Raed.All
t_expect_rc 8 "misspelt permission"
d_expect_text permissions "did you mean one of: " "Device.Read.All"

# A known permission the token lacks still gets the grant command with its id.
d_run --require-role Device.Read.All
t_expect_rc 8 "missing permission"
d_expect_text permissions "az ad app permission add" "--api-permissions 7438b122-aefc-4978-80ed-43db9fcc7715=Role"
t_no_secrets
t_pass
