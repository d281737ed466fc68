#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Ctrl-C during a slow apply under tofu 1.6.2. The emulator delays every Graph reply, tofu and
# the provider get SIGINT as a terminal would send it (to the whole process group) while the
# first of three groups is being created, and tofu stops gracefully. The state file left behind
# must be valid JSON that records every group the emulator created, and a new apply must
# converge without duplicates.
. "$(dirname "$0")/common.sh" "$@"

p_start
p_pod_env
{
    p_required_providers
    p_doc_block index.md 1 | awk '/^provider/ { found = 1 } found { print }'
    cat <<'EOF_TF'
resource "microsoft365_graph_resource" "team" {
  count = 3
  url   = "groups"
  body = {
    displayName     = "Team ${count.index}"
    mailEnabled     = false
    mailNickname    = "team-${count.index}"
    securityEnabled = true
  }
}
EOF_TF
} >"$P_DIR/work/main.tf"

# Every Graph reply waits 2 s; the token endpoint is not slowed.
curl -fsS --max-time 10 --cacert "$EMU_CA" -H 'Content-Type: application/json' \
    --data '{"endpoint": "graph", "delay_ms": 2000, "count": 1000}' \
    "$EMU_BASE/_emulator/faults" >/dev/null || p_fail "adding the delay fault failed"

# 1. Start the apply in its own session, so that SIGINT can go to tofu and its provider
#    together without reaching this script. One resource at a time keeps the others unstarted.
(
    cd "$P_DIR/work"
    exec setsid "$TOFU" apply -auto-approve -input=false -no-color -parallelism=1
) >"$P_DIR/out" 2>&1 &
tofu_pid=$!
for _ in $(seq 1 300); do
    grep -qF "Creating..." "$P_DIR/out" && break
    kill -0 "$tofu_pid" 2>/dev/null || break
    sleep 0.1
done
grep -qF "Creating..." "$P_DIR/out" || p_fail "the apply did not start creating within 30 s"
pgid=$(ps -o pgid= -p "$tofu_pid" | tr -d ' ')
[ "$pgid" = "$tofu_pid" ] || p_fail "tofu does not lead its own process group ($pgid)"
kill -INT -- "-$pgid"

set +e
for _ in $(seq 1 600); do
    kill -0 "$tofu_pid" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$tofu_pid" 2>/dev/null; then
    kill -KILL -- "-$pgid"
    p_fail "tofu did not exit within 60 s of SIGINT"
fi
wait "$tofu_pid"
P_RC=$?
set -e
cat "$P_DIR/out" >>"$P_DIR/all.log"
[ "$P_RC" -ne 0 ] || p_fail "the interrupted apply exited 0"
p_expect_out "Interrupt received"
pgrep -g "$pgid" >/dev/null && p_fail "a process of the interrupted apply is still running"

# 2. The state is valid JSON and records exactly the groups that exist.
state=$P_DIR/work/terraform.tfstate
[ -s "$state" ] || p_fail "no state file after the interrupt"
jq -e '.version == 4 and (.resources | type == "array")' "$state" >/dev/null ||
    p_fail "the state file is not a valid version 4 state"
in_state=$(jq -c '[.resources[] | select(.type == "microsoft365_graph_resource") | .instances[]
                   | .attributes.id] | sort' "$state")
in_graph=$(p_directory groups | jq -c '[.[].id] | sort')
[ "$in_state" = "$in_graph" ] ||
    p_fail "after the interrupt the state holds $in_state but Graph holds $in_graph"
[ "$(jq length <<<"$in_graph")" -lt 3 ] ||
    p_fail "all three groups were created although the apply was interrupted"
p_log "interrupted with $(jq length <<<"$in_graph") of 3 groups created"

# 3. Without the delay, a new apply creates the rest and a plan is clean.
curl -fsS --max-time 10 --cacert "$EMU_CA" -X DELETE "$EMU_BASE/_emulator/faults" >/dev/null ||
    p_fail "removing the delay fault failed"
p_tofu apply -auto-approve -input=false
p_expect_rc 0 "apply after the interrupt"
[ "$(p_directory groups | jq length)" = 3 ] || p_fail "Graph does not hold exactly three groups"
[ "$(p_directory groups | jq -r '[.[].displayName] | sort | join(",")')" = "Team 0,Team 1,Team 2" ] ||
    p_fail "the groups in Graph are not Team 0 to Team 2"
p_tofu plan -detailed-exitcode -input=false
p_expect_rc 0 "plan after the converging apply"
p_expect_out "No changes."

p_tofu destroy -auto-approve -input=false
p_expect_rc 0 "destroy"
[ "$(p_directory groups | jq length)" = 0 ] || p_fail "groups remain after destroy"

p_no_secrets
p_log "ok"
