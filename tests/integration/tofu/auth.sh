#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Authentication through the provider block under tofu 1.6.2: both provider blocks of
# docs/provider/guides/workload-identity.md work unchanged, and the common mistakes give
# diagnostics that name the attribute or the fix: a tenant id that is no GUID, a missing token
# file, a federated credential whose subject does not match, an unsupported auth method. A
# client secret planted as a canary never reaches tofu's output, its trace log or the state.
. "$(dirname "$0")/common.sh" "$@"

canary='Qx8~m365id.provider-canary.0123456789abcdef'
p_start ".tenants[0].applications[0].client_secrets = [{\"value\": \"$canary\"}]"
p_pod_env

# write_config PROVIDER_BLOCK_FILE: main.tf with that provider block and one data source.
write_config() {
    {
        p_required_providers
        cat "$1"
        cat <<'EOF_TF'
data "microsoft365_graph_request" "org" {
  url = "organization"
}
output "tenant" {
  value = data.microsoft365_graph_request.org.response.value[0].id
}
EOF_TF
    } >"$P_DIR/work/main.tf"
}

# 1. The short block: everything else from the Job's environment.
p_doc_block guides/workload-identity.md 1 >"$P_DIR/short.tf"
write_config "$P_DIR/short.tf"
p_tofu apply -auto-approve -input=false
p_expect_rc 0 "apply with the short provider block"
p_expect_out "tenant = \"$P_TENANT\""
# The same without TLS: the host's plaintext mode.
TF_DISABLE_PLUGIN_TLS=1 p_tofu apply -auto-approve -input=false
p_expect_rc 0 "apply in plaintext mode"
p_expect_out "tenant = \"$P_TENANT\""

# 2. The spelled-out block, with the guide's placeholders replaced by this tenant's values.
#    The environment lacks the three values, so they must come from the block.
p_doc_block guides/workload-identity.md 2 |
    sed -e "s|tenant_id   = \"00000000-0000-0000-0000-000000000000\"|tenant_id   = \"$P_TENANT\"|" \
        -e "s|client_id                 = \"00000000-0000-0000-0000-000000000000\"|client_id                 = \"$P_CLIENT\"|" \
        -e "s|/var/run/secrets/azure/tokens/azure-identity-token|$AZURE_FEDERATED_TOKEN_FILE|" \
        >"$P_DIR/full.tf"
grep -qF "$P_TENANT" "$P_DIR/full.tf" && grep -qF "$P_CLIENT" "$P_DIR/full.tf" ||
    p_fail "the guide's spelled-out block no longer has the expected placeholders"
write_config "$P_DIR/full.tf"
token_file=$AZURE_FEDERATED_TOKEN_FILE
unset M365_TENANT_ID M365_CLIENT_ID AZURE_FEDERATED_TOKEN_FILE
p_tofu apply -auto-approve -input=false
p_expect_rc 0 "apply with the spelled-out provider block"
p_expect_out "tenant = \"$P_TENANT\""

# 3. A tenant id that is no GUID: a plan-time diagnostic on the attribute.
sed "s|\"$P_TENANT\"|\"contoso.onmicrosoft\"|" "$P_DIR/full.tf" >"$P_DIR/bad_tenant.tf"
write_config "$P_DIR/bad_tenant.tf"
p_tofu plan -input=false
p_expect_rc 1 "plan with a malformed tenant id"
p_expect_out "Invalid Attribute Value" "Attribute tenant_id must be a GUID" "tenant_id   ="
! grep -qF "contoso.onmicrosoft\"" <(grep -v 'tenant_id   =' "$P_DIR/out") ||
    p_fail "the diagnostic repeats the sensitive tenant id"

# 4. A missing token file: the Graph call fails with libm365id's message and hint.
sed "s|$token_file|$P_DIR/no-such-token|" "$P_DIR/full.tf" >"$P_DIR/no_token.tf"
write_config "$P_DIR/no_token.tf"
p_tofu apply -auto-approve -input=false
p_expect_rc 1 "apply with a missing token file"
p_expect_out "Graph request failed" "$P_DIR/no-such-token" "Hint:"

# 5. A federated credential whose subject differs from the token's: Entra ID's AADSTS code,
#    and the token's issuer and subject named with the fix. The mismatch is retried twice, in
#    case the credential is still propagating; without a base delay the retries are at once.
export AZURE_FEDERATED_TOKEN_FILE=$P_DIR/other-sa.jwt
emu_mint demo terraform-m365 other-sa api://AzureADTokenExchange 3600 >"$AZURE_FEDERATED_TOKEN_FILE"
export M365_TENANT_ID=$P_TENANT M365_CLIENT_ID=$P_CLIENT
write_config "$P_DIR/short.tf"
token_requests() { curl -fsS --max-time 10 --cacert "$EMU_CA" "$EMU_BASE/_emulator/stats" | jq -r .token_requests; }
before=$(token_requests)
M365_RETRY_DELAY_SECONDS=0 p_tofu apply -auto-approve -input=false
p_expect_rc 1 "apply with a subject that no federated credential matches"
p_expect_out "AADSTS" "system:serviceaccount:terraform-m365:other-sa" "Hint:"
[ "$(($(token_requests) - before))" -eq 3 ] ||
    p_fail "the mismatch was not sent once and retried twice"
p_log "FIC mismatch diagnostic: $(grep -m1 -F 'AADSTS' "$P_DIR/out")"

# 6. A method libm365id does not support: named, with the supported ones.
export AZURE_FEDERATED_TOKEN_FILE=$token_file
sed 's/"workload_identity"/"azure_cli"/' "$P_DIR/short.tf" >"$P_DIR/cli.tf"
write_config "$P_DIR/cli.tf"
p_tofu plan -input=false
p_expect_rc 1 "plan with auth_method azure_cli"
p_expect_out "azure_cli" "workload_identity"

# 7. A method outside the upstream list: a one-of diagnostic on the attribute.
sed 's/"workload_identity"/"kerberos"/' "$P_DIR/short.tf" >"$P_DIR/kerberos.tf"
write_config "$P_DIR/kerberos.tf"
p_tofu plan -input=false
p_expect_rc 1 "plan with an unknown auth_method"
p_expect_out "Invalid Attribute Value Match" "auth_method"

# 8. A client secret from the environment, with the host logging at trace level: the apply
#    works, and the secret is in no output, host log line or state file.
cat >"$P_DIR/secret.tf" <<'EOF_TF'
provider "microsoft365" {
  auth_method = "client_secret"
}
EOF_TF
write_config "$P_DIR/secret.tf"
M365_CLIENT_SECRET=$canary TF_LOG=trace p_tofu apply -auto-approve -input=false
p_expect_rc 0 "apply with a client secret from M365_CLIENT_SECRET"
p_expect_out "tenant = \"$P_TENANT\""
[ -s "$P_DIR/work/terraform.tfstate" ] || p_fail "the apply wrote no state file"
for f in "$P_DIR/all.log" "$P_DIR/tofu.log" "$P_DIR/work/terraform.tfstate"; do
    ! grep -qF -- "$canary" "$f" || p_fail "the client secret appears in $f"
done

p_no_secrets
p_log "ok"
