#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Failures that no retry can fix fail at once. A CA bundle without certificates is a
# configuration error before any request. A server certificate from another CA is reported
# with the CA bundle setting after one attempt. A Graph path with a space is rejected before
# anything is sent.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
t_pod_env

# A file that is not PEM, and a PEM file with a key but no certificate.
echo junk >"$T_DIR/junk.pem"
t_run token --ca-bundle "$T_DIR/junk.pem"
t_expect_rc 2 "junk CA bundle"
t_expect_err "m365id: error: ca bundle '$T_DIR/junk.pem' (--ca-bundle) holds no PEM certificate" \
    "m365id: hint: set ca_bundle or M365_CA_BUNDLE to a readable PEM file of CA certificates"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T_DIR/key.pem" 2>/dev/null
M365_CA_BUNDLE="$T_DIR/key.pem" t_run graph GET /v1.0/organization
t_expect_rc 2 "CA bundle with a key only"
t_expect_err "ca bundle '$T_DIR/key.pem' (env M365_CA_BUNDLE) holds no PEM certificate"
[ "$(t_stats .token_requests)" -eq 0 ] || t_fail "a CA bundle error sent a token request"

# A CA that did not sign the emulator's certificate: one attempt, then the CA bundle hint.
openssl req -x509 -new -key "$T_DIR/key.pem" -subj /CN=other-ca -days 1 \
    -out "$T_DIR/other-ca.pem" 2>/dev/null
t_run token --ca-bundle "$T_DIR/other-ca.pem" --retries 3
t_expect_rc 6 "CA that did not sign the server certificate"
t_expect_err "m365id: error: token request to '$T_BASE/$T_TENANT/oauth2/v2.0/token' failed: the server's TLS certificate could not be verified" \
    "m365id: hint: set ca_bundle (M365_CA_BUNDLE, or --ca-bundle of the m365id command)" \
    "it is now '$T_DIR/other-ca.pem' (--ca-bundle)"
t_expect_no_err "retry" "attempts"

# A space in a Graph path is rejected before the token request.
t_run graph GET "/v1.0/users/a b"
t_expect_rc 2 "Graph path with a space"
t_expect_err "m365id: error: graph path '/v1.0/users/a b' contains a space or control character" \
    "m365id: hint: percent-encode the path"
[ "$(t_stats .token_requests)" -eq 0 ] || t_fail "a rejected request reached the token endpoint"
[ "$(t_stats .graph_requests)" -eq 0 ] || t_fail "a rejected request reached Graph"

# The percent-encoded form is sent; no such user exists.
t_run graph GET "/v1.0/users/a%20b"
t_expect_rc 5 "percent-encoded Graph path"
[ "$(t_stats .graph_requests)" -eq 1 ] || t_fail "the encoded path was not sent"
t_pass
