#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# A cloud set explicitly (M365_CLOUD=public, as the rendered Job sets it) makes the library
# ignore the AZURE_AUTHORITY_HOST the webhook injected. The config check warns with the
# ignored value and the host used instead, and the exchange check's network failure names
# the override and M365_AUTHORITY_HOST as the way to keep the injected host.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env
export M365_MAX_RETRIES=0 M365_RETRY_DELAY_SECONDS=0
injected=$AZURE_AUTHORITY_HOST

# The cloud wins: requests go to login.microsoftonline.com (here the closed proxy port).
M365_CLOUD=public d_run
t_expect_rc 8 "cloud overrides the injected authority"
d_expect config warn
d_expect_finding config warn "AZURE_AUTHORITY_HOST is ignored: cloud 'public' (env M365_CLOUD) is set"
d_expect_text config "AZURE_AUTHORITY_HOST: $injected (ignored)" \
    "used instead: https://login.microsoftonline.com/ (default for cloud 'public')" \
    "set M365_AUTHORITY_HOST (or --authority-host) to it, which wins over the cloud"
d_expect exchange fail
d_expect_text exchange "AZURE_AUTHORITY_HOST '$injected', which the cloud setting overrides" \
    "set M365_AUTHORITY_HOST to '$injected' to use it" \
    "authority: https://login.microsoftonline.com/"
[ "$(t_stats .token_requests)" -eq 0 ] || t_fail "a token request reached the emulator"

# With M365_AUTHORITY_HOST the injected host is used again: no warning, the exchange works.
M365_CLOUD=public M365_AUTHORITY_HOST=$injected d_run
t_expect_rc 0 "explicit authority host"
d_expect config pass
d_expect exchange pass

# Without a cloud setting AZURE_AUTHORITY_HOST applies, as before.
d_run
t_expect_rc 0 "no cloud set"
d_expect config pass
t_no_secrets
t_pass
