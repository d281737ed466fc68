#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Throttling and recovery with the emulator's fault injection: Retry-After in seconds and as
# an HTTP date is waited for (measured from the emulator's arrival times), an empty or
# non-JSON 200 is retried, a managed-identity 503 recovers, and an outage ends in a clear
# failure after max_retries.
. "$(dirname "$0")/common.sh" "$@"

MI=33333333-3333-3333-3333-333333333333
t_scenario ".managed_identities = [{\"name\": \"mi\", \"tenant_id\": \"$T_TENANT\",
    \"client_id\": \"$MI\", \"system_assigned\": true}]"
t_start
t_pod_env
# No backoff of our own: any wait seen comes from Retry-After.
export M365_RETRY_DELAY_SECONDS=0 M365_MAX_RETRIES=2

fault() { # fault JSON: add one fault rule
    curl -fsS --max-time 10 --cacert "$T_CA" -H 'Content-Type: application/json' \
        -d "$1" "$T_BASE/_emulator/faults" >/dev/null || t_fail "cannot add fault $1"
}
# gap FAMILY: milliseconds between the last two arrivals of FAMILY (token or msi).
gap() { t_stats ".${1}_request_times_ms | .[-1] - .[-2]"; }
count() { t_stats ".${1}_requests"; }

# Retry-After: 1 (seconds).
before=$(count token)
fault '{"endpoint": "token", "status": 429, "retry_after": 1, "count": 1}'
t_run token
t_expect_rc 0 "token after a 429 with Retry-After: 1"
[ "$(count token)" = "$((before + 2))" ] || t_fail "expected exactly one retry"
g=$(gap token)
[ "$g" -ge 900 ] || t_fail "the retry came ${g}ms after the 429, before Retry-After: 1"
t_expect_err "HTTP 429"

# Retry-After as an HTTP date two seconds ahead: a wait of more than one second.
fault "{\"endpoint\": \"token\", \"status\": 503, \"count\": 1,
        \"retry_after\": \"$(LC_ALL=C date -u -d '+2 seconds' '+%a, %d %b %Y %H:%M:%S GMT')\"}"
t_run token
t_expect_rc 0 "token after a 503 with an HTTP-date Retry-After"
g=$(gap token)
[ "$g" -ge 900 ] || t_fail "the retry came ${g}ms after the 503, before the Retry-After date"

# A 200 whose body is not JSON (a proxy's page) and an empty one are retried.
for body in non_json empty; do
    before=$(count token)
    fault "{\"endpoint\": \"token\", \"body\": \"$body\", \"count\": 1}"
    t_run token
    t_expect_rc 0 "token after a 200 with a $body body"
    [ "$(count token)" = "$((before + 2))" ] || t_fail "the $body 200 was not retried once"
done

# A Retry-After longer than the cap fails at once, naming the wait.
before=$(count token)
fault '{"endpoint": "token", "status": 429, "retry_after": 3600, "count": 1}'
t_run token
[ "$T_RC" -ne 0 ] || t_fail "a 3600 s Retry-After was waited for"
t_expect_err "retry after 3600 s"
[ "$(count token)" = "$((before + 1))" ] || t_fail "a 3600 s Retry-After was retried"

# An outage longer than the retries: three attempts, then a failure naming the status.
before=$(count token)
fault '{"endpoint": "token", "status": 503, "count": 3}'
t_run token
[ "$T_RC" -ne 0 ] || t_fail "a token came during the outage"
[ "$(count token)" = "$((before + 3))" ] || t_fail "expected 3 attempts in the outage"
t_expect_rc 6 "token during an outage"
t_expect_err "after 3 attempts (last: HTTP 503)"
grep -q "error: Entra ID rejected" "$T_DIR/err" && t_fail "a 503 outage reads as a rejection"

# Managed identity: a 503 with Retry-After: 1, then the token.
unset AZURE_CLIENT_ID  # the pod environment names the app, not the identity
export M365_AUTH_METHOD=managed_identity AZURE_POD_IDENTITY_AUTHORITY_HOST
AZURE_POD_IDENTITY_AUTHORITY_HOST=$(t_info msi.base)
before=$(count msi)
fault '{"endpoint": "msi", "status": 503, "retry_after": 1, "count": 1}'
t_run token -o json
t_expect_rc 0 "managed identity token after a 503"
[ "$(jq -r .claims.appid "$T_DIR/out")" = "$MI" ] || t_fail "wrong managed identity"
t_secret "$(jq -r .access_token "$T_DIR/out")"
[ "$(count msi)" = "$((before + 2))" ] || t_fail "expected one managed-identity retry"
g=$(gap msi)
[ "$g" -ge 900 ] || t_fail "the managed-identity retry came ${g}ms after the 503"

t_pass
