#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# CI issuers over real HTTPS: GitHub Actions style (bearer-protected token request, {count,
# value} reply, default audience https://github.com/OWNER) and Azure DevOps style (token file in
# the state directory); their discovery documents and JWKS; and token exchange through
# federated credentials written with ${ci:NAME}.
# Usage: ci_issuers.sh PATH_TO_M365ID_EMULATOR
set -euo pipefail
EMU_BIN=$1
source "$(dirname "$0")/../lib/emulator.sh"

tenant=11111111-1111-1111-1111-111111111111
client=22222222-2222-2222-2222-222222222222
scope=https://graph.microsoft.com/.default
org=abcdefab-1234-4321-8888-abcdefabcdef

emu_workdir
cat >"$EMU_WORK/scenario.json" <<JSON
{
  "ci_issuers": [
    {"name": "github", "kind": "github", "request_token": "gh-request-token", "repository": "contoso/infra"},
    {"name": "ado", "kind": "azure_devops", "organization_id": "$org",
     "subject": "sc://contoso/infra/m365-connection"}],
  "tenants": [{"id": "$tenant",
    "users": [{"displayName": "Adele Vance", "userPrincipalName": "adele@contoso.onmicrosoft.com"}],
    "applications": [{"app_id": "$client", "display_name": "ci-app", "roles": ["User.Read.All"],
      "federated_credentials": [
        {"name": "github-main", "issuer": "\${ci:github}",
         "subject": "repo:contoso/infra:ref:refs/heads/main", "audiences": ["api://AzureADTokenExchange"]},
        {"name": "ado-connection", "issuer": "\${ci:ado}",
         "subject": "sc://contoso/infra/m365-connection", "audiences": ["api://AzureADTokenExchange"]}]}]}]
}
JSON
emu_start "$EMU_WORK/scenario.json"

gh_issuer=$(emu_json ci_issuers.github.issuer)
assert_eq "GitHub issuer has no trailing slash" "$EMU_BASE/ci/github" "$gh_issuer"
assert_eq "GitHub token URL" "$EMU_BASE/ci/github/token" "$(emu_json ci_issuers.github.token_request_url)"
assert_eq "GitHub request token" "gh-request-token" "$(emu_json ci_issuers.github.request_token)"
assert_eq "ADO issuer" "$EMU_BASE/ci/ado/$org" "$(emu_json ci_issuers.ado.issuer)"

# Discovery documents and key sets, as Entra fetches them.
for name in github ado; do
    issuer=$(emu_json ci_issuers.$name.issuer)
    emu_get "$issuer/.well-known/openid-configuration"
    assert_eq "$name discovery: status" "200" "$EMU_STATUS"
    assert_eq "$name discovery: issuer" "$issuer" "$(jq -r .issuer <<<"$EMU_BODY")"
    assert_eq "$name discovery: jwks_uri" "$issuer/.well-known/jwks" "$(jq -r .jwks_uri <<<"$EMU_BODY")"
    emu_get "$issuer/.well-known/jwks"
    assert_eq "$name JWKS: status" "200" "$EMU_STATUS"
    assert_eq "$name JWKS: one RSA key" "RSA" "$(jq -r '.keys[0].kty' <<<"$EMU_BODY")"
done

# The token request: bearer required.
emu_request "$EMU_BASE/ci/github/token?audience=api://AzureADTokenExchange"
assert_eq "no bearer: status" "401" "$EMU_STATUS"
assert_contains "no bearer: WWW-Authenticate" "WWW-Authenticate: Bearer" "$EMU_HEADERS"
emu_request -H "Authorization: Bearer wrong" "$EMU_BASE/ci/github/token?audience=api://AzureADTokenExchange"
assert_eq "wrong bearer: status" "401" "$EMU_STATUS"
emu_request -H "Authorization: Bearer gh-request-token" -X POST "$EMU_BASE/ci/github/token"
assert_eq "POST: status" "405" "$EMU_STATUS"
emu_request -H "Authorization: Bearer gh-request-token" "$EMU_BASE/ci/nope/token"
assert_eq "unknown issuer: status" "404" "$EMU_STATUS"

emu_request -H "Authorization: Bearer gh-request-token" -H "Accept: application/json" \
    "$EMU_BASE/ci/github/token?audience=api://AzureADTokenExchange"
assert_eq "token request: status" "200" "$EMU_STATUS"
assert_eq "token request: count" "1" "$(jq -r .count <<<"$EMU_BODY")"
gh_jwt=$(jq -r .value <<<"$EMU_BODY")
claims=$(emu_jwt_claims "$gh_jwt")
assert_eq "GitHub token iss" "$gh_issuer" "$(jq -r .iss <<<"$claims")"
assert_eq "GitHub token sub" "repo:contoso/infra:ref:refs/heads/main" "$(jq -r .sub <<<"$claims")"
assert_eq "GitHub token aud" "api://AzureADTokenExchange" "$(jq -r .aud <<<"$claims")"
assert_eq "GitHub token lifetime" "300" "$(jq -r '.exp - .iat' <<<"$claims")"
assert_eq "GitHub token repository" "contoso/infra" "$(jq -r .repository <<<"$claims")"
[[ "$(jq -r .jti <<<"$claims")" =~ ^[0-9a-f-]{36}$ ]] || fail "GitHub token jti is not a GUID"
assert_eq "GitHub token header alg" "RS256" "$(emu_jwt_header "$gh_jwt" | jq -r .alg)"

# Without an audience: GitHub's default, the owner URL.
emu_request -H "Authorization: Bearer gh-request-token" "$EMU_BASE/ci/github/token"
assert_eq "default audience" "https://github.com/contoso" \
    "$(emu_jwt_claims "$(jq -r .value <<<"$EMU_BODY")" | jq -r .aud)"

# Exchange: the GitHub token matches the federated credential.
emu_token "$tenant" "$client" "$scope" "$gh_jwt"
assert_eq "GitHub exchange: status" "200" "$EMU_STATUS"
emu_get "$EMU_BASE/v1.0/users" "$(jq -r .access_token <<<"$EMU_BODY")"
assert_eq "Graph accepts the exchanged token" "200" "$EMU_STATUS"
# A token with the default audience does not.
emu_request -H "Authorization: Bearer gh-request-token" "$EMU_BASE/ci/github/token"
emu_token "$tenant" "$client" "$scope" "$(jq -r .value <<<"$EMU_BODY")"
assert_aadsts 401 invalid_client 700212

# Azure DevOps: the token file.
ado_file=$(emu_json ci_issuers.ado.token_file)
assert_eq "ADO token file path" "$EMU_STATE/ci/ado/federation-token" "$ado_file"
assert_eq "ADO token file mode" "600" "$(stat -c %a "$ado_file")"
ado_jwt=$(cat "$ado_file")
claims=$(emu_jwt_claims "$ado_jwt")
assert_eq "ADO token iss" "$EMU_BASE/ci/ado/$org" "$(jq -r .iss <<<"$claims")"
assert_eq "ADO token sub" "sc://contoso/infra/m365-connection" "$(jq -r .sub <<<"$claims")"
assert_eq "ADO token aud" "api://AzureADTokenExchange" "$(jq -r .aud <<<"$claims")"
AZURE_DEVOPS_FEDERATION_TOKEN=$ado_jwt
emu_token "$tenant" "$client" "$scope" "$AZURE_DEVOPS_FEDERATION_TOKEN"
assert_eq "ADO exchange: status" "200" "$EMU_STATUS"
# The ADO issuer's token endpoint works the same way.
emu_request -H "Authorization: Bearer $(emu_json ci_issuers.ado.request_token)" "$EMU_BASE/ci/ado/token"
assert_eq "ADO token request: status" "200" "$EMU_STATUS"
assert_eq "ADO token request: default audience" "api://AzureADTokenExchange" \
    "$(emu_jwt_claims "$(jq -r .value <<<"$EMU_BODY")" | jq -r .aud)"

emu_get "$EMU_BASE/_emulator/stats"
assert_eq "stats ci_tokens_issued" "4" "$(jq -r .ci_tokens_issued <<<"$EMU_BODY")"
if grep -qF -e gh-request-token -e eyJ "$EMU_LOG"; then
    fail "the emulator log contains a request token or a JWT"
fi
echo "ok: no request token or JWT in the log"
emu_stop_clean
echo "PASS ci_issuers"
