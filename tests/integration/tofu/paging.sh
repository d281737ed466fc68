#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The data source example of docs/provider/data-sources/graph_request.md under tofu 1.6.2:
# `$filter` and `$top = 2` against the emulator's paged group list. With all_pages the provider
# follows @odata.nextLink through every page; without it only the first page comes back.
. "$(dirname "$0")/common.sh" "$@"

p_start
p_pod_env

# Five security groups (three pages of two) and one group that the filter leaves out.
for name in Alpha Bravo Charlie Delta Echo; do
    "$P_M365ID" graph POST /v1.0/groups --body - >/dev/null <<EOF_GROUP ||
{"displayName": "$name", "mailEnabled": false, "mailNickname": "$name", "securityEnabled": true}
EOF_GROUP
        p_fail "creating group $name failed"
done
"$P_M365ID" graph POST /v1.0/groups --body - >/dev/null <<'EOF_GROUP' ||
{"displayName": "Mail only", "mailEnabled": true, "mailNickname": "mail-only", "securityEnabled": false}
EOF_GROUP
    p_fail "creating the group that is not security-enabled failed"
[ "$(p_directory groups | jq length)" = 6 ] || p_fail "the emulator does not hold six groups"

{
    p_required_providers
    p_doc_block index.md 1 | awk '/^provider/ { found = 1 } found { print }'
    p_doc_block data-sources/graph_request.md 1
} >"$P_DIR/work/main.tf"
grep -qF 'all_pages = true' "$P_DIR/work/main.tf" && grep -qF '"$top"    = "2"' "$P_DIR/work/main.tf" ||
    p_fail "the example of graph_request.md no longer pages with \$top = 2"

# group_requests: how many group list requests the emulator has logged so far.
group_requests() {
    grep -cF "GET '/v1.0/groups' -> 200" "$EMU_LOG" || true
}

# 1. all_pages = true: three pages, five names, in the emulator's order.
before=$(group_requests)
p_tofu apply -auto-approve -input=false
p_expect_rc 0 "apply with all_pages"
names=$(cd "$P_DIR/work" && "$TOFU" output -json security_group_names | jq -c 'sort')
[ "$names" = '["Alpha","Bravo","Charlie","Delta","Echo"]' ] ||
    p_fail "all_pages returned $names, expected the five security groups"
after=$(group_requests)
[ $((after - before)) -ge 3 ] ||
    p_fail "the emulator logged $((after - before)) group list requests, expected at least 3 pages"
p_log "all_pages: $names from $((after - before)) requests"

# The merged reply has no nextLink left, and response_json holds the same five objects.
json_count=$(cd "$P_DIR/work" && "$TOFU" show -json |
    jq -r '.values.root_module.resources[] | select(.address == "data.microsoft365_graph_request.security_groups")
           | .values.response_json | fromjson | [(.value | length), has("@odata.nextLink")] | @text')
[ "$json_count" = '[5,false]' ] || p_fail "response_json has [count, nextLink] = $json_count"

# 2. all_pages = false: the first page only, with the link to the next one.
sed -i 's/all_pages = true/all_pages = false/' "$P_DIR/work/main.tf"
cat >>"$P_DIR/work/main.tf" <<'EOF_TF'

output "next_link" {
  value = data.microsoft365_graph_request.security_groups.response["@odata.nextLink"]
}
EOF_TF
p_tofu apply -auto-approve -input=false
p_expect_rc 0 "apply without all_pages"
count=$(cd "$P_DIR/work" && "$TOFU" output -json security_group_names | jq length)
[ "$count" = 2 ] || p_fail "without all_pages the data source returned $count groups, expected 2"
link=$(cd "$P_DIR/work" && "$TOFU" output -raw next_link)
[[ "$link" == "$(emu_json clouds.public.graph_endpoint)"*'$skiptoken='* ]] ||
    p_fail "the first page's nextLink is '$link', expected a \$skiptoken link on the emulator"

p_no_secrets
p_log "ok"
