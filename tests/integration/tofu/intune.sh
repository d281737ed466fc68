#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The Intune settings catalog policy of docs/provider/resources/graph_resource.md (second
# example, beta API, body written with jsonencode) under tofu 1.6.2 in the pod environment:
# create, a clean second plan, an in-place change of the JSON body, destroy. The emulator's
# store of beta deviceManagement/configurationPolicies confirms every step.
. "$(dirname "$0")/common.sh" "$@"

p_start
p_pod_env
{
    p_required_providers
    p_doc_block index.md 1 | awk '/^provider/ { found = 1 } found { print }'
    p_doc_block resources/graph_resource.md 2
} >"$P_DIR/work/main.tf"
grep -qF 'api_version = "beta"' "$P_DIR/work/main.tf" ||
    p_fail "the second example of graph_resource.md is no longer the beta policy"

policies() {
    p_directory deviceManagement/configurationPolicies
}

# 1. Create: POST to the beta collection.
p_tofu apply -auto-approve -input=false
p_expect_rc 0 "first apply"
p_expect_out "Apply complete! Resources: 1 added, 0 changed, 0 destroyed."
id=$(p_state_attr microsoft365_graph_resource.policy .values.id)
[ -n "$id" ] && [ "$id" != null ] || p_fail "no id in state"
[ "$(policies | jq length)" = 1 ] || p_fail "the emulator does not hold exactly one policy"
stored=$(policies | jq -c --arg id "$id" '.[] | select(.id == $id) | [.name, .platforms, .technologies, (.settings | length)]')
[ "$stored" = '["Baseline","windows10","mdm",0]' ] ||
    p_fail "the stored policy differs from the example: $stored"
[ "$(p_state_attr microsoft365_graph_resource.policy .values.api_version)" = beta ] ||
    p_fail "api_version in state is not beta"
[ "$(p_state_attr microsoft365_graph_resource.policy .values.output.settingCount)" = 0 ] ||
    p_fail "output lacks the policy's settingCount"
p_log "created policy $id"

# 2. A second plan has nothing to do: the jsonencode body matches what Graph returns.
p_tofu plan -detailed-exitcode -input=false
p_expect_rc 0 "second plan"
p_expect_out "No changes."

# 3. A change inside the JSON body is a PATCH that keeps the id.
sed -i 's/"Baseline"/"Baseline v2"/' "$P_DIR/work/main.tf"
p_tofu apply -auto-approve -input=false
p_expect_rc 0 "apply after the body change"
p_expect_out "Resources: 0 added, 1 changed, 0 destroyed."
[ "$(policies | jq -r --arg id "$id" '.[] | select(.id == $id) | .name')" = "Baseline v2" ] ||
    p_fail "the policy's name did not change in the emulator"
[ "$(p_state_attr microsoft365_graph_resource.policy .values.id)" = "$id" ] ||
    p_fail "the update replaced the policy"
p_tofu plan -detailed-exitcode -input=false
p_expect_rc 0 "plan after the update"

# 4. Destroy.
p_tofu destroy -auto-approve -input=false
p_expect_rc 0 "destroy"
p_expect_out "Resources: 1 destroyed."
[ "$(policies | jq length)" = 0 ] || p_fail "the policy remains after destroy"

p_no_secrets
p_log "ok"
