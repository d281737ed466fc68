#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# An expired token in the file (AADSTS700024), and one the kubelet should have rotated: the
# token-file check prints iat, exp and the rotation time in UTC and relative to now.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env
export M365_MAX_RETRIES=0

now=$(date +%s)
emu_mint demo terraform-m365 terraform-m365-sa api://AzureADTokenExchange 3600 \
    $((now - 7200)) >"$T_DIR/expired"
t_secret "$(cat "$T_DIR/expired")"
d_run --token-file "$T_DIR/expired"
t_expect_rc 8 "expired token"
d_expect token-file fail
d_expect_finding token-file fail "the token expired 1h"
d_expect_text token-file "AADSTS700024" "exp: " "expired 1h" "lifetime: 3600s (1h)" \
    "use the projected volume itself"
d_expect exchange fail
d_expect_text exchange "holds a token that expired at"

# 50 minutes into a one-hour token: past the kubelet's 80 % rotation point.
emu_mint demo terraform-m365 terraform-m365-sa api://AzureADTokenExchange 3600 \
    $((now - 3000)) >"$T_DIR/stale"
t_secret "$(cat "$T_DIR/stale")"
d_run --offline --token-file "$T_DIR/stale"
t_expect_rc 0 "stale but valid token"
d_expect token-file warn
d_expect_finding token-file warn "the kubelet should have replaced this token"
d_expect_text token-file "kubelet rotates: " "at 80% of the lifetime"

# A lifetime above 90000 s.
emu_mint demo terraform-m365 terraform-m365-sa api://AzureADTokenExchange 172800 \
    >"$T_DIR/long"
t_secret "$(cat "$T_DIR/long")"
d_run --offline --token-file "$T_DIR/long"
t_expect_rc 8 "two-day token"
d_expect_finding token-file fail "longer than the 90000 s Entra ID accepts"
t_pass
