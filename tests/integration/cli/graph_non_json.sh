#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# A Graph success reply that is not JSON (a proxy's HTML page, half a document, an empty 200)
# exits with status 7 after a GET's retries; one broken reply is retried away; -o raw prints
# the body as received and still exits with status 7.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env
export M365_RETRY_DELAY_SECONDS=0 M365_MAX_RETRIES=2

fault() { # fault JSON: add one fault rule
    curl -fsS --max-time 10 --cacert "$T_CA" -H 'Content-Type: application/json' \
        -d "$1" "$T_BASE/_emulator/faults" >/dev/null || t_fail "cannot add fault $1"
}
clear_faults() {
    curl -fsS --max-time 10 --cacert "$T_CA" -X DELETE "$T_BASE/_emulator/faults" >/dev/null \
        || t_fail "cannot remove the fault rules"
}
count() { t_stats .graph_requests; }

# Every attempt broken: 1 + M365_MAX_RETRIES requests, then status 7 naming the reply.
for body in non_json truncated empty; do
    fault "{\"endpoint\": \"graph\", \"body\": \"$body\", \"count\": 3}"
    before=$(count)
    t_run graph GET /v1.0/organization
    t_expect_rc 7 "graph -o json with a $body 200"
    if [ "$body" = empty ]; then
        t_expect_err "Graph returned HTTP 200 with an empty body (0 bytes" "proxy"
    else
        t_expect_err "Graph returned HTTP 200 with a body that is not JSON" "proxy"
    fi
    [ "$(count)" = "$((before + 3))" ] || t_fail "the $body 200 was not tried 3 times"
    [ ! -s "$T_DIR/out" ] || t_fail "graph -o json printed a $body reply"
    clear_faults
done
t_expect_err "content type 'application/json"

fault '{"endpoint": "graph", "body": "non_json", "count": 3}'
t_run graph GET /v1.0/organization
t_expect_err "content type 'text/html"

# One broken reply: the retry gets the real one.
clear_faults
fault '{"endpoint": "graph", "body": "non_json", "count": 1}'
before=$(count)
t_run graph GET /v1.0/organization
t_expect_rc 0 "graph after one non-JSON 200"
[ "$(count)" = "$((before + 2))" ] || t_fail "one non-JSON 200 was not retried once"
jq -e '.value | length > 0' "$T_DIR/out" >/dev/null || t_fail "stdout is not the organization"

# -o raw: the page as received, then status 7; no retry, because the body is the point.
fault '{"endpoint": "graph", "body": "non_json", "count": 1}'
before=$(count)
t_run graph GET /v1.0/organization -o raw
t_expect_rc 7 "graph -o raw with a non-JSON 200"
grep -qi '<html' "$T_DIR/out" || t_fail "-o raw did not print the HTML page"
t_expect_err "Graph returned HTTP 200 with a body that is not JSON"
[ "$(count)" = "$((before + 1))" ] || t_fail "-o raw retried the non-JSON reply"

fault '{"endpoint": "graph", "body": "truncated", "count": 1}'
t_run graph GET /v1.0/organization -o raw
t_expect_rc 7 "graph -o raw with a truncated 200"
[ -s "$T_DIR/out" ] || t_fail "-o raw printed nothing for a truncated reply"

fault '{"endpoint": "graph", "body": "empty", "count": 1}'
t_run graph GET /v1.0/organization -o raw
t_expect_rc 7 "graph -o raw with an empty 200"

# -o raw with a healthy reply exits 0 with the JSON.
t_run graph GET /v1.0/organization -o raw
t_expect_rc 0 "graph -o raw"
jq -e '.value' "$T_DIR/out" >/dev/null || t_fail "-o raw printed no JSON"

t_no_secrets
t_pass
