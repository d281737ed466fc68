#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The token's issuer is the cluster-internal default (or a private address): the issuer check
# fails before any request and tells the user to enable and publish the cluster's OIDC issuer. A loopback
# issuer only warns, because the local emulator serves one.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env

for iss in https://kubernetes.default.svc.cluster.local https://kubernetes.default.svc \
           https://oidc-issuer; do
    d_token_with_iss "$iss"
    before=$(t_stats .token_requests)
    d_run --offline --token-file "$T_DIR/token"
    t_expect_rc 8 "issuer $iss"
    d_expect issuer fail
    d_expect_finding issuer fail "cluster-internal name"
    d_expect_text issuer "iss: $iss" "enable and publish the cluster's OIDC issuer" \
        "name that issuer in the federated credential"
    [ "$(t_stats .token_requests)" -eq "$before" ] || t_fail "a request was sent for $iss"
done

d_token_with_iss https://10.0.0.12/issuer
d_run --offline --token-file "$T_DIR/token"
t_expect_rc 8 "private address"
d_expect_finding issuer fail "private IP address"

d_token_with_iss http://oidc.example.test/cluster
d_run --offline --token-file "$T_DIR/token"
t_expect_rc 8 "http issuer"
d_expect_finding issuer fail "not an https URL"

d_token_with_iss https://localhost:8443/cluster
d_run --offline --token-file "$T_DIR/token"
t_expect_rc 0 "loopback issuer, offline"
d_expect issuer warn
d_expect_finding issuer warn "Entra ID cannot reach a loopback issuer"

d_token_with_iss https://oidc.example.test/cluster-a/
d_run --offline --token-file "$T_DIR/token"
t_expect_rc 0 "public issuer, offline"
d_expect issuer pass
d_expect_finding issuer skip "not fetched: --offline"
d_no_jwt_anywhere
t_pass
