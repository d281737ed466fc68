#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# AZURE_AUTHORITY_HOST unset or empty: the cloud's authority is used and logged, never an
# empty host glued to the tenant. An http:// authority, or one that contains the tenant, is a
# configuration error naming the value. M365_AUTHORITY_HOST wins over AZURE_AUTHORITY_HOST.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env
missing_ca="$T_DIR/no-such-ca.pem"

# Unset: the public cloud's authority, logged at debug level. The missing CA bundle stops the
# command after the authority is resolved and before any request.
good=$AZURE_AUTHORITY_HOST
unset AZURE_AUTHORITY_HOST
M365_CA_BUNDLE="$missing_ca" t_run -vv token
export AZURE_AUTHORITY_HOST=$good
t_expect_rc 2 "AZURE_AUTHORITY_HOST unset"
t_expect_err "authority_host = 'https://login.microsoftonline.com/' (default for cloud 'public')"
t_expect_no_err "/oauth2/token" "'$T_TENANT/oauth2"

# Set but empty: ignored, with a debug line saying so.
AZURE_AUTHORITY_HOST= M365_CA_BUNDLE="$missing_ca" t_run -vv token
t_expect_rc 2 "AZURE_AUTHORITY_HOST empty"
t_expect_err "ignoring env AZURE_AUTHORITY_HOST because it is empty" \
    "authority_host = 'https://login.microsoftonline.com/' (default for cloud 'public')"

# http:// is rejected, naming the value and where it came from.
plain=${AZURE_AUTHORITY_HOST/https:/http:}
AZURE_AUTHORITY_HOST=$plain t_run token
t_expect_rc 2 "http authority"
t_expect_err "m365id: error: authority host '$plain' (env AZURE_AUTHORITY_HOST) is not an https URL" \
    "m365id: hint: set authority_host, M365_AUTHORITY_HOST or AZURE_AUTHORITY_HOST to an https URL"

# The same value as a flag names the flag.
t_run --authority-host "$plain" token
t_expect_rc 2 "http authority flag"
t_expect_err "authority host '$plain' (--authority-host) is not an https URL"
[ "$(t_stats .token_requests)" -eq 0 ] || t_fail "a configuration error sent a token request"

# An authority that already contains the tenant or the token path would double them in the
# token endpoint, so it is rejected, naming the segment. A prefix such as /clouds/china/ stays allowed, so the
# missing CA bundle is what stops that run.
t_run --authority-host "$T_BASE/$T_TENANT/" token
t_expect_rc 2 "authority with the tenant"
t_expect_err "m365id: error: authority host '$T_BASE/$T_TENANT/' (--authority-host) contains the path segment '$T_TENANT', but m365id appends the tenant and the token path (/oauth2/v2.0/token) itself" \
    "m365id: hint: set authority_host, M365_AUTHORITY_HOST or AZURE_AUTHORITY_HOST to the host alone, such as \"https://login.microsoftonline.com/\""
M365_AUTHORITY_HOST="$T_BASE/common/oauth2/v2.0" t_run token
t_expect_rc 2 "authority with /common"
t_expect_err "(env M365_AUTHORITY_HOST) contains the path segment 'common'"
M365_CA_BUNDLE="$missing_ca" t_run --authority-host "$T_BASE/clouds/china/" token
t_expect_rc 2 "authority with a path prefix"
t_expect_err "ca bundle '$missing_ca'"
t_expect_no_err "path segment"
[ "$(t_stats .token_requests)" -eq 0 ] || t_fail "a rejected authority sent a token request"

# M365_AUTHORITY_HOST wins over a bad AZURE_AUTHORITY_HOST.
AZURE_AUTHORITY_HOST=$plain M365_AUTHORITY_HOST=$good t_run -vv token
t_expect_rc 0 "M365_AUTHORITY_HOST over AZURE_AUTHORITY_HOST"
t_expect_err "authority_host = '$good' (env M365_AUTHORITY_HOST)"
t_secret "$(cat "$T_DIR/out")"
[ "$(t_stats .tokens_issued)" -eq 1 ] || t_fail "expected exactly one token"
t_pass
