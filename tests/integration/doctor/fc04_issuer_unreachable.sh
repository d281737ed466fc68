#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The issuer's discovery document or JWKS cannot be fetched (AADSTS90061): the issuer check
# reports each URL with its HTTP status, and the exchange check shows Entra ID's answer. A JWKS
# without the token's key is reported with both key ids.
. "$(dirname "$0")/common.sh" "$@"

t_scenario '
  .clusters = [{name: "demo", issuer_trailing_slash: true, publish_discovery: false},
               {name: "nokeys", issuer_trailing_slash: true, publish_discovery: true,
                publish_jwks: false},
               {name: "good", issuer_trailing_slash: true, publish_discovery: true}]
  | .tenants[0].applications[0].federated_credentials += [
      (.tenants[0].applications[0].federated_credentials[0]
       | .name = "nokeys" | .issuer = "${cluster:nokeys}")]
  | .workloads += [(.workloads[0] | .name = "nokeys" | .cluster = "nokeys")]'
t_start
export M365_MAX_RETRIES=0 M365_RETRY_DELAY_SECONDS=0

# Discovery document missing.
t_pod_env
issuer=$(t_info clusters.demo.issuer)
d_run
t_expect_rc 8 "discovery document missing"
d_expect issuer fail
d_expect_finding issuer fail "the discovery document returned HTTP 404"
d_expect_text issuer "url: ${issuer%/}/.well-known/openid-configuration" "status: 404" \
    "AADSTS90061" "enable and publish the cluster's OIDC issuer"
d_expect exchange fail
d_expect_text exchange "AADSTS90061" "reachable from the pod does not mean reachable from Entra ID"

# JWKS missing.
t_pod_env nokeys
d_run
t_expect_rc 8 "jwks missing"
d_expect_finding issuer pass "the discovery document was fetched"
d_expect_finding issuer fail "the JWKS returned HTTP 404"
d_expect_text issuer "url: $(t_info clusters.nokeys.jwks_uri)"

# A token whose kid is not in the (published) JWKS of the good cluster.
now=$(date +%s)
good=$(t_info clusters.good.issuer)
d_craft_jwt "$(jq -nc --arg iss "$good" --argjson now "$now" '{iss: $iss,
    sub: "system:serviceaccount:terraform-m365:terraform-m365-sa",
    aud: ["api://AzureADTokenExchange"], iat: $now, nbf: $now, exp: ($now + 3600)}')" \
    '{"alg":"RS256","kid":"rotated-away-key"}' >"$T_DIR/token"
t_secret "$(cat "$T_DIR/token")"
d_run --offline --token-file "$T_DIR/token"
d_expect_finding issuer skip "not fetched: --offline"
d_run --token-file "$T_DIR/token"
t_expect_rc 8 "kid not in the JWKS"
d_expect_finding issuer fail "the JWKS has no key with the token's kid"
d_expect_text issuer "token kid: rotated-away-key" "JWKS kid: " "AADSTS700027"
d_no_jwt_anywhere
t_pass
