#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Other spellings of loopback, private and internal issuers: a trailing dot, short and mapped
# IP forms, the unspecified address. None passes as a public host name. An issuer with user
# information, a query or a fragment fails, and no discovery document is fetched for it.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env

# issuer_is ISS STATUS TEXT: the issuer check of an offline run has a STATUS finding with TEXT.
issuer_is() {
    d_token_with_iss "$1"
    d_run --offline --token-file "$T_DIR/token"
    d_expect issuer "$2"
    d_expect_finding issuer "$2" "$3"
}

issuer_is https://localhost./cluster warn "loopback"
issuer_is https://127.1/ warn "loopback"
issuer_is https://0x7f.0.0.1/ warn "loopback"
issuer_is "https://[::ffff:127.0.0.1]/" warn "loopback"
issuer_is https://172.16.0.1./ fail "private IP address"
issuer_is "https://[::ffff:10.0.0.1]/" fail "private IP address"
issuer_is https://0.0.0.0/ fail "unspecified"
issuer_is "https://[::]/" fail "unspecified"
issuer_is https://100.64.1.1/ fail "private IP address"
issuer_is https://a.cluster.local./ fail "cluster-internal name"
issuer_is https://user@oidc.example.test/ fail "user information"
# Public names and addresses still pass or warn as before.
issuer_is https://oidc.example.test./cluster-a/ pass "public host name"
issuer_is https://203.0.113.7/ warn "is an IP address"

# A query, a fragment or user information: no discovery request is sent (the run is online).
for iss in "https://oidc.example.test/?x=1" "https://oidc.example.test/#frag" \
           "https://user@oidc.example.test/"; do
    d_token_with_iss "$iss"
    d_run --token-file "$T_DIR/token"
    t_expect_rc 8 "issuer $iss"
    d_expect issuer fail
    ! d_text issuer | grep -q "well-known" || t_fail "a discovery document was fetched for $iss"
    ! d_text issuer | grep -q "^url: " || t_fail "a URL was fetched for $iss"
done
d_no_jwt_anywhere
t_pass
