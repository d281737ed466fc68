#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# `m365id setup --issuer-from-cluster` reads the issuer from a stand-in API server on 127.0.0.1
# with the pod's token and CA from --kube-dir, and uses it byte for byte, trailing slash
# included. A rejected token, a forbidden read, a FIFO and a missing token file give clear
# errors.
. "$(dirname "$0")/../cli/common.sh" "$@"
. "$(dirname "$0")/../lib/certs.sh"

TENANT=3f0a1b2c-4d5e-4f60-8a7b-9c0d1e2f3a4b
CLIENT=7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918
ISSUER="https://oidc.prod-aks.azure.test/$TENANT/0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9/"
KUBE="$T_DIR/kube"
POD_TOKEN="eyJhbGciOiJSUzI1NiJ9.pod-token-for-the-stand-in-api-server.c2lnbmF0dXJl"

# The API server's certificate, for 127.0.0.1, and the pod's mounted credentials.
mkdir -p "$KUBE"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T_DIR/api.key" -out "$KUBE/ca.crt" \
    -days 1 -subj /CN=kubernetes -addext subjectAltName=IP:127.0.0.1 2>/dev/null \
    || t_fail "openssl could not make the API server certificate"
printf '%s\n' "$POD_TOKEN" >"$KUBE/token"
t_secret "$POD_TOKEN"

# A stand-in API server: /.well-known/openid-configuration for the pod's token only.
cat >"$T_DIR/apiserver.py" <<'PY'
import http.server, json, ssl, sys
cert, key, token, issuer, port_file = sys.argv[1:6]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.headers.get("Authorization") == "Bearer forbidden-token":
            self.send_response(403); self.end_headers(); return
        if self.headers.get("Authorization") != "Bearer " + token:
            self.send_response(401); self.end_headers(); return
        if self.path != "/.well-known/openid-configuration":
            self.send_response(404); self.end_headers(); return
        body = json.dumps({"issuer": issuer, "jwks_uri": issuer + "openid/v1/jwks",
                           "response_types_supported": ["id_token"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
server.timeout = 60
open(port_file, "w").write(str(server.server_address[1]))
for _ in range(20):
    server.handle_request()
PY
python3 "$T_DIR/apiserver.py" "$KUBE/ca.crt" "$T_DIR/api.key" "$POD_TOKEN" "$ISSUER" \
    "$T_DIR/port" &
API_PID=$!
trap 'rc=$?; kill $API_PID 2>/dev/null; (exit $rc); t_cleanup' EXIT
for _ in $(seq 50); do [ -s "$T_DIR/port" ] && break; sleep 0.1; done
[ -s "$T_DIR/port" ] || t_fail "the stand-in API server did not start"
export KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT
KUBERNETES_SERVICE_PORT=$(cat "$T_DIR/port")

t_run setup --tenant-id "$TENANT" --client-id "$CLIENT" --issuer-from-cluster --kube-dir "$KUBE" \
    --output-dir "$T_DIR"
t_expect_rc 0 "--issuer-from-cluster"
[ "$(jq -r .issuer "$T_DIR/federated-credential.json")" = "$ISSUER" ] \
    || t_fail "FIC issuer is '$(jq -r .issuer "$T_DIR/federated-credential.json")', expected '$ISSUER'"

# A token the API server does not accept (401): the error names the token file and says the
# token itself was rejected; RBAC advice would not help.
URL="https://127.0.0.1:$KUBERNETES_SERVICE_PORT/.well-known/openid-configuration"
printf 'some-other-token\n' >"$KUBE/token"
t_run setup --tenant-id "$TENANT" --client-id "$CLIENT" --issuer-from-cluster --kube-dir "$KUBE"
t_expect_rc 4 "rejected token"
t_expect_err "the API server rejected the token '$KUBE/token' for $URL with HTTP 401" \
    "expired or not meant for the API server"
t_expect_no_err "system:service-account-issuer-discovery"

# A token accepted but not allowed to read (403): the error names the RBAC role that allows it.
printf 'forbidden-token\n' >"$KUBE/token"
t_run setup --tenant-id "$TENANT" --client-id "$CLIENT" --issuer-from-cluster --kube-dir "$KUBE"
t_expect_rc 4 "forbidden read"
t_expect_err "the API server refused $URL with HTTP 403" "system:service-account-issuer-discovery"

# A FIFO in place of the token file is rejected at once instead of blocking.
rm "$KUBE/token"
mkfifo "$KUBE/token"
t_run setup --tenant-id "$TENANT" --client-id "$CLIENT" --issuer-from-cluster --kube-dir "$KUBE"
t_expect_rc 1 "FIFO as the token"
t_expect_err "the service account token '$KUBE/token' is not a regular file"

# No token file at all.
rm "$KUBE/token"
t_run setup --tenant-id "$TENANT" --client-id "$CLIENT" --issuer-from-cluster --kube-dir "$KUBE"
t_expect_rc 1 "missing token file"
t_expect_err "cannot read the service account token '$KUBE/token'"

t_pass
