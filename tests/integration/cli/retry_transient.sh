#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Every transient failure of the token endpoint is retried once and then succeeds: the
# statuses 408, 500, 502, 503 and 504, a connection closed without a reply, a reply slower
# than the per-attempt timeout, and a truncated body. A 400 without an AADSTS code is a definite
# client error and is not retried.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env
export M365_RETRY_DELAY_SECONDS=0 M365_MAX_RETRIES=2

fault() { # fault JSON: add one fault rule
    curl -fsS --max-time 10 --cacert "$T_CA" -H 'Content-Type: application/json' \
        -d "$1" "$T_BASE/_emulator/faults" >/dev/null || t_fail "cannot add fault $1"
}
count() { t_stats ".token_requests"; }

# expect_one_retry WHAT: the last command succeeded after exactly one retry.
expect_one_retry() {
    t_expect_rc 0 "token after $1"
    [ "$(count)" = "$((before + 2))" ] || t_fail "$1: expected exactly one retry"
}

for status in 408 500 502 503 504; do
    before=$(count)
    fault "{\"endpoint\": \"token\", \"status\": $status, \"count\": 1}"
    t_run token
    expect_one_retry "HTTP $status"
done

before=$(count)
fault '{"endpoint": "token", "drop": true, "count": 1}'
t_run token
expect_one_retry "a dropped connection"

# The first reply takes 3 s; the attempt gives up after 1 s and the retry gets a token.
before=$(count)
fault '{"endpoint": "token", "delay_ms": 3000, "count": 1}'
t_run --timeout 1 token
expect_one_retry "a timed-out attempt"

before=$(count)
fault '{"endpoint": "token", "body": "truncated", "count": 1}'
t_run token
expect_one_retry "a truncated body"

# A 400 that is not an Entra error is a client error: reported once, not retried.
before=$(count)
fault '{"endpoint": "token", "status": 400, "body": "non_json", "count": 1}'
t_run token
[ "$T_RC" -ne 0 ] || t_fail "a 400 reply was treated as success"
[ "$(count)" = "$((before + 1))" ] || t_fail "a 400 reply was retried"
t_no_secrets
t_pass
