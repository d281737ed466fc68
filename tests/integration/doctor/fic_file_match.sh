#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Check "federated-credential" with --federated-credential FILE: a matching credential passes;
# an issuer that differs only by a trailing '/' (either side), another namespace and service
# account in the subject, a subject that differs only in case, and an audience of another
# cloud each fail, name the nearest credential, show both values and the exact value to set.
. "$(dirname "$0")/../cli/common.sh" "$@"
. "$(dirname "$0")/lib/report.sh"

t_scenario '.clusters += [{name: "noslash", issuer_trailing_slash: false, publish_discovery: true}]'
t_start
t_pod_env
ISS=$(t_info clusters.demo.issuer)
ISS_NOSLASH=$(t_info clusters.noslash.issuer)
SUB=system:serviceaccount:terraform-m365:terraform-m365-sa
AUD=api://AzureADTokenExchange
[[ "$ISS" == */ ]] || t_fail "cluster demo's issuer '$ISS' has no trailing '/'"

# fic NAME ISSUER SUBJECT AUDIENCE: one credential as `az ad app federated-credential list`
# prints it.
fic() {
    jq -n --arg n "$1" --arg i "$2" --arg s "$3" --arg a "$4" \
        '{id: "44444444-4444-4444-4444-444444444444", name: $n, issuer: $i, subject: $s,
          audiences: [$a], description: null}'
}
doctor_fic() {
    t_run doctor --offline -o json --federated-credential "$1"
}

# A matching credential, in the list form and as a Graph reply.
fic good "$ISS" "$SUB" "$AUD" | jq -s . >"$T_DIR/good.json"
doctor_fic "$T_DIR/good.json"
t_expect_rc 0 "matching credential"
d_expect_status federated-credential pass
d_expect federated-credential "federated credential 'good' matches the token's issuer, subject and audience" \
    "issuer: $ISS" "subject: $SUB" "audience: $AUD"
jq '{value: .}' "$T_DIR/good.json" >"$T_DIR/graph.json"
doctor_fic "$T_DIR/graph.json"
t_expect_rc 0 "Graph list reply"
d_expect_status federated-credential pass

# FC-01 A: the token's issuer ends in '/', the credential's does not. A second, unrelated
# credential must not be taken as the nearest.
{ fic other https://token.actions.githubusercontent.com repo:contoso/infra:ref:refs/heads/main "$AUD"
  fic slashless "${ISS%/}" "$SUB" "$AUD"; } | jq -s . >"$T_DIR/fc01a.json"
doctor_fic "$T_DIR/fc01a.json"
t_expect_rc 8 "slash on the token side"
d_expect_status federated-credential fail
d_expect federated-credential "no federated credential matches the token; the nearest is 'slashless', with 2 of issuer, subject and audience equal" \
    "issuer differs only by a trailing '/': the token's issuer has it, the federated credential's issuer does not" \
    "token iss: $ISS" "credential issuer: ${ISS%/}" \
    "set the federated credential's issuer to exactly '$ISS'"
t_run doctor --offline --federated-credential "$T_DIR/fc01a.json"
t_expect_out "[FAIL] federated-credential:" "token iss:         $ISS" "credential issuer: ${ISS%/}"

# FC-01 B: the token comes from the slash-less issuer, the credential has the '/'.
emu_mint noslash terraform-m365 terraform-m365-sa "$AUD" 3600 >"$T_DIR/noslash.jwt"
t_secret "$(cat "$T_DIR/noslash.jwt")"
fic slashed "$ISS_NOSLASH/" "$SUB" "$AUD" | jq -s . >"$T_DIR/fc01b.json"
AZURE_FEDERATED_TOKEN_FILE=$T_DIR/noslash.jwt doctor_fic "$T_DIR/fc01b.json"
t_expect_rc 8 "slash on the credential side"
d_expect federated-credential \
    "issuer differs only by a trailing '/': the federated credential's issuer has it, the token's issuer does not" \
    "set the federated credential's issuer to exactly '$ISS_NOSLASH'"

# FC-02: an operator's own account presents the token.
emu_mint demo keda keda-operator "$AUD" 3600 >"$T_DIR/keda.jwt"
t_secret "$(cat "$T_DIR/keda.jwt")"
fic graph-reader "$ISS" system:serviceaccount:team-a:graph-reader "$AUD" | jq -s . >"$T_DIR/fc02.json"
AZURE_FEDERATED_TOKEN_FILE=$T_DIR/keda.jwt doctor_fic "$T_DIR/fc02.json"
t_expect_rc 8 "subject of another account"
d_expect federated-credential \
    "subject differs (token != credential): namespace: keda != team-a; service account: keda-operator != graph-reader" \
    "set the federated credential's subject to exactly 'system:serviceaccount:keda:keda-operator'" \
    "run the workload as service account graph-reader in namespace team-a"
d_expect_not federated-credential "issuer differs" "audience differs"

# Only the account differs: the namespace is not mentioned.
fic sa-only "$ISS" system:serviceaccount:terraform-m365:other-sa "$AUD" | jq -s . >"$T_DIR/sa.json"
doctor_fic "$T_DIR/sa.json"
t_expect_rc 8 "account only"
d_expect federated-credential "subject differs (token != credential): service account: terraform-m365-sa != other-sa"
d_expect_not federated-credential "namespace:"

# A subject that differs only in case.
fic cased "$ISS" system:serviceaccount:Terraform-M365:terraform-m365-sa "$AUD" | jq -s . >"$T_DIR/case.json"
doctor_fic "$T_DIR/case.json"
t_expect_rc 8 "case-only subject"
d_expect federated-credential "subject differs only in case; Entra ID compares subjects case-sensitively" \
    "credential subject: system:serviceaccount:Terraform-M365:terraform-m365-sa"

# FC-05: cloud gcchigh (US Government) expects api://AzureADTokenExchangeUSGov; the token has the public one.
fic usgov "$ISS" "$SUB" api://AzureADTokenExchangeUSGov | jq '.' >"$T_DIR/fc05.json"
M365_CLOUD=gcchigh AZURE_AUTHORITY_HOST=$(t_info clouds.usgov.authority_host) \
    M365_GRAPH_ENDPOINT=$(t_info clouds.usgov.graph_endpoint) doctor_fic "$T_DIR/fc05.json"
t_expect_rc 8 "usgov audience"
d_expect federated-credential "audience differs: the credential uses the gcchigh cloud's audience, the token does not" \
    "token aud: $AUD" "credential audience: api://AzureADTokenExchangeUSGov" \
    "expected: api://AzureADTokenExchangeUSGov (cloud gcchigh)" \
    "project the token with audience 'api://AzureADTokenExchangeUSGov'"

# The other way round: public cloud, the credential carries the usgov audience.
doctor_fic "$T_DIR/fc05.json"
t_expect_rc 8 "public token, usgov credential"
d_expect federated-credential "audience differs: the token has the public cloud's audience, the credential does not" \
    "set the federated credential's audiences to [\"$AUD\"]"

# Not JSON at all.
echo 'name: not-json' >"$T_DIR/bad.json"
doctor_fic "$T_DIR/bad.json"
t_expect_rc 8 "not JSON"
d_expect federated-credential "is not JSON"
t_pass
