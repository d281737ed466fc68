#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The whole life of a Graph group under tofu 1.6.2, in the pod environment of the workload
# identity guide: create, a clean second plan, an in-place body change, deletion outside tofu
# and re-creation, import, destroy. The emulator's directory store confirms every step. The
# configuration is the example of docs/provider/resources/graph_resource.md.
. "$(dirname "$0")/common.sh" "$@"

p_start
p_pod_env
{
    p_required_providers
    p_doc_block index.md 1 | awk '/^provider/ { found = 1 } found { print }'
    p_doc_block resources/graph_resource.md 1
} >"$P_DIR/work/main.tf"

groups_named() {
    p_directory groups | jq -r --arg n "$1" '[.[] | select(.displayName == $n)] | length'
}

# 1. Create.
p_tofu apply -auto-approve -input=false
p_expect_rc 0 "first apply"
p_expect_out "Apply complete! Resources: 1 added, 0 changed, 0 destroyed."
id=$(p_state_attr microsoft365_graph_resource.group .values.id)
[ -n "$id" ] && [ "$id" != null ] || p_fail "no id in state"
[ "$(groups_named 'Finance team')" = 1 ] || p_fail "the emulator does not hold the group"
[ "$(p_directory groups | jq -r --arg id "$id" '.[] | select(.id == $id) | .mailNickname')" = finance-team ] ||
    p_fail "the stored group has another id or mailNickname"
[ "$(p_state_attr microsoft365_graph_resource.group .values.output.createdDateTime)" != null ] ||
    p_fail "output lacks Graph's createdDateTime"
p_log "created group $id"

# 2. A second plan has nothing to do.
p_tofu plan -detailed-exitcode -input=false
p_expect_rc 0 "second plan"
p_expect_out "No changes."

# 3. A body change updates in place and keeps the id.
sed -i 's/"Finance team"/"Finance and Accounting"/' "$P_DIR/work/main.tf"
p_tofu apply -auto-approve -input=false
p_expect_rc 0 "apply after the body change"
p_expect_out "Resources: 0 added, 1 changed, 0 destroyed."
[ "$(groups_named 'Finance and Accounting')" = 1 ] || p_fail "the display name did not change"
[ "$(p_state_attr microsoft365_graph_resource.group .values.id)" = "$id" ] ||
    p_fail "the update replaced the group"
p_tofu plan -detailed-exitcode -input=false
p_expect_rc 0 "plan after the update"

# 4. Drift on a managed key is detected and reverted in place.
"$P_M365ID" graph PATCH "/v1.0/groups/$id" --body - <<<'{"mailNickname":"changed-outside"}' \
    >/dev/null || p_fail "PATCH outside tofu failed"
p_tofu plan -detailed-exitcode -input=false
p_expect_rc 2 "plan after drift"
p_expect_out "1 to change" '"changed-outside" -> "finance-team"'

# 5. Deleted outside tofu: the next plan creates it again.
"$P_M365ID" graph DELETE "/v1.0/groups/$id" >/dev/null || p_fail "DELETE outside tofu failed"
[ "$(groups_named 'Finance and Accounting')" = 0 ] || p_fail "the group was not deleted"
p_tofu plan -detailed-exitcode -input=false
p_expect_rc 2 "plan after the deletion"
p_expect_out "will be created" "1 to add, 0 to change, 0 to destroy"
p_tofu apply -auto-approve -input=false
p_expect_rc 0 "apply after the deletion"
new_id=$(p_state_attr microsoft365_graph_resource.group .values.id)
[ "$new_id" != "$id" ] || p_fail "the recreated group kept the old id"
[ "$(groups_named 'Finance and Accounting')" = 1 ] || p_fail "the group was not recreated"

# 6. Import by collection/id, then one in-place update writes the body into state.
p_tofu state rm microsoft365_graph_resource.group
p_expect_rc 0 "state rm"
p_tofu import -input=false microsoft365_graph_resource.group "groups/$new_id"
p_expect_rc 0 "import"
p_expect_out "Import successful!"
[ "$(p_state_attr microsoft365_graph_resource.group .values.id)" = "$new_id" ] ||
    p_fail "the imported state has another id"
p_tofu plan -detailed-exitcode -input=false
p_expect_rc 2 "plan after import"
p_expect_out "0 to add, 1 to change, 0 to destroy"
p_tofu apply -auto-approve -input=false
p_expect_rc 0 "apply after import"
p_tofu plan -detailed-exitcode -input=false
p_expect_rc 0 "plan after the import was applied"
[ "$(groups_named 'Finance and Accounting')" = 1 ] || p_fail "import duplicated the group"

# 7. Destroy removes everything.
p_tofu destroy -auto-approve -input=false
p_expect_rc 0 "destroy"
p_expect_out "Resources: 1 destroyed."
[ "$(p_directory groups | jq length)" = 0 ] || p_fail "groups remain after destroy"

p_no_secrets
p_log "ok"
