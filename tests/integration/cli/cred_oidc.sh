#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Auth methods oidc, oidc_github and oidc_azure_devops against the emulator's CI issuers: each
# gets a token and reads Graph; a wrong GitHub request token is a clear error that does not
# show the token; an empty OIDC token file fails with exit status 3.
. "$(dirname "$0")/common.sh" "$@"

t_scenario '.ci_issuers = [{"name": "github", "kind": "github"},
                           {"name": "ado", "kind": "azure_devops"}]
  | .tenants[0].applications[0].federated_credentials += [
      {"name": "github-main", "issuer": "${ci:github}",
       "subject": "repo:contoso/infra:ref:refs/heads/main",
       "audiences": ["api://AzureADTokenExchange"]},
      {"name": "ado-connection", "issuer": "${ci:ado}", "subject": "sc://contoso/infra/m365",
       "audiences": ["api://AzureADTokenExchange"]}]'
t_start

export M365_TENANT_ID=$T_TENANT M365_CLIENT_ID=$T_CLIENT
AZURE_AUTHORITY_HOST=$(t_info clouds.public.authority_host)
M365_GRAPH_ENDPOINT=$(t_info clouds.public.graph_endpoint)
export AZURE_AUTHORITY_HOST M365_GRAPH_ENDPOINT M365_CA_BUNDLE=$T_CA
request_url=$(t_info 'ci_issuers.github.token_request_url')
request_token=$(t_info 'ci_issuers.github.request_token')
t_secret "$request_token"

# oidc_github: the runner's variables; m365id adds audience=api://AzureADTokenExchange.
export M365_AUTH_METHOD=oidc_github
export ACTIONS_ID_TOKEN_REQUEST_URL=$request_url ACTIONS_ID_TOKEN_REQUEST_TOKEN=$request_token
t_run token -o json
t_expect_rc 0 "oidc_github token"
[ "$(jq -r .claims.appid "$T_DIR/out")" = "$T_CLIENT" ] || t_fail "token is not for the client"
t_secret "$(jq -r .access_token "$T_DIR/out")"
t_run graph GET /v1.0/organization
t_expect_rc 0 "oidc_github graph"
[ "$(jq -r '.value[0].id' "$T_DIR/out")" = "$T_TENANT" ] || t_fail "organization is not the tenant"

wrong_token=wrong-request-token-0123456789abcdef
t_secret "$wrong_token"
ACTIONS_ID_TOKEN_REQUEST_TOKEN=$wrong_token t_run token
t_expect_rc 4 "oidc_github with a wrong request token"
t_expect_err "returned HTTP 401" "did not accept the request token" "id-token: write"
unset ACTIONS_ID_TOKEN_REQUEST_URL ACTIONS_ID_TOKEN_REQUEST_TOKEN

# oidc with a token file that a CI step wrote.
curl -fsS --max-time 10 --cacert "$T_CA" -H "Authorization: Bearer $request_token" \
    "$request_url?audience=api://AzureADTokenExchange" | jq -r .value >"$T_DIR/oidc-token" \
    || t_fail "cannot fetch a GitHub token from the emulator"
t_secret "$(cat "$T_DIR/oidc-token")"
export M365_AUTH_METHOD=oidc M365_OIDC_TOKEN_FILE_PATH=$T_DIR/oidc-token
t_run token
t_expect_rc 0 "oidc token from a file"
t_secret "$(cat "$T_DIR/out")"

: >"$T_DIR/oidc-token"
t_run token
t_expect_rc 3 "oidc with an empty token file"
t_expect_err "OIDC token file" "is empty" "M365_OIDC_TOKEN_FILE_PATH"

# oidc with a request URL and token (no audience is added: the issuer's default is not
# api://AzureADTokenExchange, so ask for it in the URL).
unset M365_OIDC_TOKEN_FILE_PATH
export M365_OIDC_REQUEST_URL="$request_url?audience=api://AzureADTokenExchange"
export M365_OIDC_REQUEST_TOKEN=$request_token
t_run token
t_expect_rc 0 "oidc token from the request URL"
t_secret "$(cat "$T_DIR/out")"

# The OIDC token request is retried like the token request: a 503, then a 429 with
# Retry-After, then the token.
ci_fault() {
    curl -fsS --max-time 10 --cacert "$T_CA" -H 'Content-Type: application/json' \
        -d "$1" "$T_BASE/_emulator/faults" >/dev/null || t_fail "cannot add fault $1"
}
export M365_RETRY_DELAY_SECONDS=0 M365_MAX_RETRIES=2
ci_fault '{"endpoint": "ci_token", "status": 503, "count": 1}'
ci_fault '{"endpoint": "ci_token", "status": 429, "retry_after": 1, "count": 1}'
t_run token
t_expect_rc 0 "oidc token after a 503 and a 429 from the OIDC token endpoint"
t_secret "$(cat "$T_DIR/out")"
t_expect_err "HTTP 503 from OIDC token endpoint" "HTTP 429 from OIDC token endpoint"

# An outage longer than the retries: exit 6, with the attempts and the status.
ci_fault '{"endpoint": "ci_token", "status": 503, "count": 3}'
t_run token
t_expect_rc 6 "oidc during an OIDC token endpoint outage"
t_expect_err "returned HTTP 503" "after 3 attempts" "M365_MAX_RETRIES"
unset M365_RETRY_DELAY_SECONDS M365_MAX_RETRIES

# Plain http to a loopback OIDC token endpoint is accepted, as documented.
curl -fsS --max-time 10 --cacert "$T_CA" -H "Authorization: Bearer $request_token" \
    "$request_url?audience=api://AzureADTokenExchange" >"$T_DIR/ci-reply.json" \
    || t_fail "cannot fetch a GitHub token from the emulator"
t_secret "$(jq -r .value "$T_DIR/ci-reply.json")"
mkdir -p "$T_DIR/www" && cp "$T_DIR/ci-reply.json" "$T_DIR/www/ci-token"
python3 -m http.server --bind 127.0.0.1 --directory "$T_DIR/www" 0 >"$T_DIR/www.log" 2>&1 &
www_pid=$!
port=
for _ in $(seq 50); do
    port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T_DIR/www.log" | head -n 1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { kill "$www_pid"; t_fail "the loopback http server did not start"; }
export M365_OIDC_REQUEST_URL="http://127.0.0.1:$port/ci-token"
t_run token
kill "$www_pid"
wait "$www_pid" 2>/dev/null || true
t_expect_rc 0 "oidc token from a plain http loopback request URL"
t_secret "$(cat "$T_DIR/out")"
unset M365_OIDC_REQUEST_URL M365_OIDC_REQUEST_TOKEN

# oidc_azure_devops: the pipeline's token in AZURE_DEVOPS_FEDERATION_TOKEN.
export M365_AUTH_METHOD=oidc_azure_devops
AZURE_DEVOPS_FEDERATION_TOKEN=$(cat "$(t_info ci_issuers.ado.token_file)")
export AZURE_DEVOPS_FEDERATION_TOKEN
t_secret "$AZURE_DEVOPS_FEDERATION_TOKEN"
t_run graph GET /v1.0/organization
t_expect_rc 0 "oidc_azure_devops graph"
[ "$(jq -r '.value[0].id' "$T_DIR/out")" = "$T_TENANT" ] || t_fail "organization is not the tenant"

t_pass
