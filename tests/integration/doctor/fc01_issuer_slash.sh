#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Issuer differs only by a trailing '/', in both directions. Against the federated credential:
# the exchange check fails with AADSTS700211 and the library's hint. Against the published
# discovery document: the issuer check names both values and the trailing '/'.
. "$(dirname "$0")/common.sh" "$@"

t_scenario '
  .clusters = [{name: "slash", issuer_trailing_slash: true, publish_discovery: true},
               {name: "noslash", issuer_trailing_slash: false, publish_discovery: true}]
  | .tenants[0].applications[0].federated_credentials[0].issuer = "${base_url}/clusters/slash"
  | .tenants[0].applications += [.tenants[0].applications[0]
      | .app_id = "33333333-3333-3333-3333-333333333333" | .display_name = "second"
      | .federated_credentials[0].issuer = "${base_url}/clusters/noslash/"]
  | .workloads = [(.workloads[0] | .name = "w-slash" | .cluster = "slash"),
                  (.workloads[0] | .name = "w-noslash" | .cluster = "noslash"
                   | .client_id = "33333333-3333-3333-3333-333333333333")]'
t_start
export M365_RETRY_DELAY_SECONDS=0 M365_MAX_RETRIES=0

# A: the token's issuer has the '/', the federated credential does not.
t_pod_env w-slash
slash=$(t_info clusters.slash.issuer)
d_run
t_expect_rc 8 "slash in the token only"
d_expect issuer warn
d_expect exchange fail
d_expect_text exchange "AADSTS700211" "trailing '/' included: '$slash'"

# B: the federated credential has the '/', the token's issuer does not.
t_pod_env w-noslash
noslash=$(t_info clusters.noslash.issuer)
d_run
t_expect_rc 8 "slash in the credential only"
d_expect exchange fail
d_expect_text exchange "AADSTS700211" "'$noslash'"

# The discovery document against the token: a token whose iss has a '/' that the published
# issuer lacks, and the other way round. Doctor decodes without verifying, so an unsigned
# token with the claims suffices.
now=$(date +%s)
claims() {
    jq -nc --arg iss "$1" --argjson now "$now" '{iss: $iss,
        sub: "system:serviceaccount:terraform-m365:terraform-m365-sa",
        aud: ["api://AzureADTokenExchange"], iat: $now, nbf: $now, exp: ($now + 3600)}'
}
d_craft_jwt "$(claims "$noslash/")" >"$T_DIR/extra-slash"
t_secret "$(cat "$T_DIR/extra-slash")"
d_run --token-file "$T_DIR/extra-slash"
t_expect_rc 8 "token iss with a '/' the discovery issuer lacks"
d_expect issuer fail
d_expect_finding issuer fail "differ only by a trailing '/'"
d_expect_text issuer "token iss: $noslash/" "discovery issuer: $noslash" \
    "trailing '/' included; Entra ID compares exactly"

d_craft_jwt "$(claims "${slash%/}")" >"$T_DIR/missing-slash"
t_secret "$(cat "$T_DIR/missing-slash")"
d_run --token-file "$T_DIR/missing-slash"
t_expect_rc 8 "token iss without the '/' of the discovery issuer"
d_expect_finding issuer fail "differ only by a trailing '/'"
d_expect_text issuer "token iss: ${slash%/}" "discovery issuer: $slash"

# The text report shows the two values one above the other.
t_run doctor --token-file "$T_DIR/missing-slash"
t_expect_rc 8 "text report"
grep -A1 -F "token iss:        ${slash%/}" "$T_DIR/out" | grep -qF "discovery issuer: $slash" \
    || t_fail "the two issuers are not printed one above the other"
d_no_jwt_anywhere
t_pass
