#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Auth method client_certificate against the emulator: a password-protected PKCS#12 file and a
# PEM file (key and certificate) both get a token and read Graph; an unregistered certificate
# fails with AADSTS700027 and exit status 4; a wrong PKCS#12 password fails at exit status 2
# without printing the password; an expired certificate is reported before it is sent.
. "$(dirname "$0")/common.sh" "$@"
. "$(dirname "$0")/../lib/certs.sh"

password='p12-Secret-Pa55word-for-tests'
certs_make "$T_DIR/certs" app "$password" || t_fail "cannot make the test certificate"
certs_make "$T_DIR/certs" other "$password" || t_fail "cannot make the second certificate"
certs_make "$T_DIR/certs" old "$password" /CN=old expired || t_fail "cannot make the expired one"
t_scenario '.tenants[0].applications[0].certificates = [{"pem_file": "certs/app.crt"},
    {"pem_file": "certs/old.crt"}]'
t_start
t_secret "$password"
t_secret "$(grep -v -- ----- "$T_DIR/certs/app.key" | tr -d '\n')"

export M365_AUTH_METHOD=client_certificate M365_TENANT_ID=$T_TENANT M365_CLIENT_ID=$T_CLIENT
AZURE_AUTHORITY_HOST=$(t_info clouds.public.authority_host)
M365_GRAPH_ENDPOINT=$(t_info clouds.public.graph_endpoint)
export AZURE_AUTHORITY_HOST M365_GRAPH_ENDPOINT M365_CA_BUNDLE=$T_CA

# PKCS#12 with its password.
export M365_CLIENT_CERTIFICATE_FILE_PATH=$T_DIR/certs/app.p12
export M365_CLIENT_CERTIFICATE_PASSWORD=$password
t_run token -o json
t_expect_rc 0 "token with the PKCS#12 file"
[ "$(jq -r .claims.appid "$T_DIR/out")" = "$T_CLIENT" ] || t_fail "token is not for the client"
t_secret "$(jq -r .access_token "$T_DIR/out")"
t_run graph GET /v1.0/organization
t_expect_rc 0 "graph with the PKCS#12 file"
[ "$(jq -r '.value[0].id' "$T_DIR/out")" = "$T_TENANT" ] || t_fail "organization is not the tenant"

# PEM: key then certificate in one file, no password; and with the chain sent in x5c.
export M365_CLIENT_CERTIFICATE_FILE_PATH=$T_DIR/certs/app.pem
unset M365_CLIENT_CERTIFICATE_PASSWORD
t_run token
t_expect_rc 0 "token with the PEM file"
M365_SEND_CERTIFICATE_CHAIN=true t_run token
t_expect_rc 0 "token with the PEM file and x5c"

# A certificate the application does not have.
export M365_CLIENT_CERTIFICATE_FILE_PATH=$T_DIR/certs/other.p12
export M365_CLIENT_CERTIFICATE_PASSWORD=$password
t_run token
t_expect_rc 4 "token with an unregistered certificate"
t_expect_err "AADSTS700027" "upload the certificate"

# The wrong password: a configuration error that names the file, never the password.
export M365_CLIENT_CERTIFICATE_FILE_PATH=$T_DIR/certs/app.p12
export M365_CLIENT_CERTIFICATE_PASSWORD=not-the-password
t_secret not-the-password
t_run token
t_expect_rc 2 "token with the wrong PKCS#12 password"
t_expect_err "does not open the PKCS#12 file" "$T_DIR/certs/app.p12" \
    "M365_CLIENT_CERTIFICATE_PASSWORD"
t_expect_no_err "not-the-password"

# A FIFO at the path is rejected at once instead of blocking on open, and a directory is
# named as one.
mkfifo "$T_DIR/cert.fifo"
export M365_CLIENT_CERTIFICATE_FILE_PATH=$T_DIR/cert.fifo
t_run token
t_expect_rc 2 "token with a FIFO as the certificate"
t_expect_err "cert.fifo" "is not a regular file"
export M365_CLIENT_CERTIFICATE_FILE_PATH=$T_DIR/certs
t_run token
t_expect_rc 2 "token with a directory as the certificate"
t_expect_err "is a directory"

# A registered but expired certificate is reported locally.
export M365_CLIENT_CERTIFICATE_FILE_PATH=$T_DIR/certs/old.p12
export M365_CLIENT_CERTIFICATE_PASSWORD=$password
t_run token
t_expect_rc 2 "token with an expired certificate"
t_expect_err "CN=old" "expired at"

t_pass
