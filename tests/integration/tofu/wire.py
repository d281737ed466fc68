#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Wire-level checks of terraform-provider-microsoft365 that tofu cannot make, acting as the
# go-plugin host with the Python standard library and the openssl command only: the magic
# cookie, protocol negotiation, stdout cleanliness, the handshake line and its unpadded
# certificate, mutual TLS with ALPN h2 over the unix socket, plaintext mode, signals, and
# GRPCController.Shutdown ending the process well within the host's 2 s wait.
#
# usage: wire.py PROVIDER_BINARY
import base64
import os
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time

COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
PROVIDER = os.path.realpath(sys.argv[1])
WORK = tempfile.mkdtemp(prefix="m365id-wire.")


def fail(msg):
    print(f"wire: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def ok(msg):
    print(f"wire: ok: {msg}")


def run_openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_cert(name):
    key, cert = os.path.join(WORK, name + ".key"), os.path.join(WORK, name + ".pem")
    run_openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-nodes", "-subj", "/O=HashiCorp/CN=localhost", "-addext",
                "subjectAltName=DNS:localhost", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "extendedKeyUsage=clientAuth,serverAuth", "-days", "1",
                "-keyout", key, "-out", cert)
    return key, cert


def spawn(env_extra, cookie=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLUGIN_", "TF_"))}
    env["PLUGIN_PROTOCOL_VERSIONS"] = "5,6"
    env["PLUGIN_MIN_PORT"], env["PLUGIN_MAX_PORT"] = "10000", "25000"
    env["TMPDIR"] = WORK
    if cookie:
        env["TF_PLUGIN_MAGIC_COOKIE"] = COOKIE
    env.update(env_extra)
    return subprocess.Popen([PROVIDER], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def handshake(proc):
    line = proc.stdout.readline().decode()
    if not line.endswith("\n"):
        fail(f"no complete handshake line: {line!r}")
    fields = line.rstrip("\n").split("|")
    if len(fields) != 6 or fields[0] != "1" or fields[1] != "6" or fields[2] != "unix" \
            or fields[4] != "grpc":
        fail(f"handshake line has the wrong shape: {line!r}")
    return fields


def end(proc):
    if proc.poll() is None:
        proc.kill()
    proc.wait()


# 1. Started by hand (no cookie): a message on stderr, nothing on stdout, status 1.
proc = spawn({}, cookie=False)
out, err = proc.communicate(timeout=10)
if proc.returncode != 1 or out != b"" or b"plugin" not in err:
    fail(f"without the cookie: status {proc.returncode}, stdout {out!r}, stderr {err!r}")
ok("a missing magic cookie exits 1 with stderr only")
proc = spawn({"TF_PLUGIN_MAGIC_COOKIE": "wrong"}, cookie=False)
out, err = proc.communicate(timeout=10)
if proc.returncode != 1 or out != b"":
    fail(f"with a wrong cookie: status {proc.returncode}, stdout {out!r}")
ok("a wrong magic cookie exits 1 with empty stdout")

# 2. No common protocol version.
proc = spawn({"PLUGIN_PROTOCOL_VERSIONS": "4,5"})
out, err = proc.communicate(timeout=10)
if proc.returncode != 1 or out != b"" or b"version 6" not in err:
    fail(f"protocol 4,5: status {proc.returncode}, stdout {out!r}, stderr {err!r}")
ok("no protocol 6 offered exits 1 and says why")

# 3. AutoMTLS: the handshake line, the certificate, TLS with ALPN h2 over the socket.
client_key, client_cert = make_cert("host")
proc = spawn({"PLUGIN_CLIENT_CERT": open(client_cert).read(), "PLUGIN_PROTOCOL_VERSIONS": "6,5"})
fields = handshake(proc)
sock_path, cert_field = fields[3], fields[5]
if len(cert_field) <= 50 or "=" in cert_field:
    fail(f"certificate field is short or padded: {cert_field[:60]!r}")
der = base64.b64decode(cert_field + "=" * (-len(cert_field) % 4))
der_file = os.path.join(WORK, "server.der")
open(der_file, "wb").write(der)
text = subprocess.run(["openssl", "x509", "-inform", "DER", "-in", der_file, "-noout", "-text"],
                      check=True, capture_output=True).stdout.decode()
if "DNS:localhost" not in text or "TLS Web Server Authentication" not in text:
    fail("the server certificate lacks SAN localhost or EKU serverAuth")
ok("handshake line 1|6|unix|...|grpc|<unpadded base64 DER with SAN localhost, serverAuth>")
if not os.path.dirname(sock_path).startswith(WORK):
    fail(f"socket {sock_path} is not in a private directory under TMPDIR")
if os.stat(os.path.dirname(sock_path)).st_mode & 0o077:
    fail("the socket directory is readable by others")


def tls_connect(with_client_cert):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cadata=der)
    ctx.check_hostname = True
    ctx.set_alpn_protocols(["h2"])
    if with_client_cert:
        ctx.load_cert_chain(client_cert, client_key)
    raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    raw.settimeout(10)
    raw.connect(sock_path)
    return ctx.wrap_socket(raw, server_hostname="localhost")


conn = tls_connect(True)
if conn.selected_alpn_protocol() != "h2":
    fail(f"ALPN selected {conn.selected_alpn_protocol()!r}, expected h2")
if conn.getpeercert(binary_form=True) != der:
    fail("the served certificate differs from the advertised one")
ok("TLS over the unix socket: ALPN h2, served certificate equals the advertised one")


def h2_frame(kind, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + \
        struct.pack(">I", stream) + payload


def hpack_literal(name, value):
    # Literal header field without indexing, new name, no Huffman coding (RFC 7541 6.2.2).
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def grpc_call(conn, path):
    headers = b"".join(hpack_literal(n, v) for n, v in [
        (b":method", b"POST"), (b":scheme", b"https"), (b":path", path),
        (b":authority", b"localhost"), (b"content-type", b"application/grpc"), (b"te", b"trailers")])
    conn.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + h2_frame(4, 0, 0, b"") +
                 h2_frame(1, 4, 1, headers) + h2_frame(0, 1, 1, b"\x00\x00\x00\x00\x00"))


# A second connection without a client certificate must not get a working channel.
try:
    bad = tls_connect(False)
    bad.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
    data = bad.recv(100)
    if data:
        fail("a connection without a client certificate was served")
except (ssl.SSLError, ConnectionError, OSError):
    pass
ok("a client without a certificate is rejected")

# 4. SIGINT is ignored.
proc.send_signal(signal.SIGINT)
time.sleep(0.5)
if proc.poll() is not None:
    fail(f"SIGINT ended the provider (status {proc.returncode})")
ok("SIGINT is ignored")

# 5. GRPCController.Shutdown ends the process at once.
start = time.monotonic()
grpc_call(conn, b"/plugin.GRPCController/Shutdown")
try:
    proc.wait(timeout=2)
except subprocess.TimeoutExpired:
    fail("Shutdown did not end the provider within 2 s")
elapsed = time.monotonic() - start
if proc.returncode != 0:
    fail(f"Shutdown: exit status {proc.returncode}")
if os.path.exists(sock_path) or os.path.exists(os.path.dirname(sock_path)):
    fail("the socket or its directory remains after Shutdown")
rest = proc.stdout.read()
if rest != b"":
    fail(f"stdout after the handshake line: {rest[:200]!r}")
ok(f"Shutdown ends the process (exit 0) and removes the socket; stdout held one line only "
   f"({elapsed * 1000:.0f} ms)")

# 6. Plaintext mode: an empty certificate field, a working plaintext socket; SIGTERM exits 0.
proc = spawn({"PLUGIN_CLIENT_CERT": ""})
fields = handshake(proc)
if fields[5] != "":
    fail(f"plaintext mode sent a certificate field: {fields[5][:40]!r}")
raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
raw.settimeout(10)
raw.connect(fields[3])
grpc_call(raw, b"/tfplugin6.Provider/NoSuchMethod")
reply = raw.recv(4096)
if not reply:
    fail("the plaintext server sent nothing")
raw.close()
proc.send_signal(signal.SIGTERM)
try:
    proc.wait(timeout=5)
except subprocess.TimeoutExpired:
    end(proc)
    fail("SIGTERM did not end the provider")
if proc.returncode != 0 or os.path.exists(fields[3]):
    fail(f"SIGTERM: status {proc.returncode}, socket left: {os.path.exists(fields[3])}")
if proc.stdout.read() != b"":
    fail("plaintext mode wrote to stdout after the handshake line")
ok("plaintext mode: empty certificate field, HTTP/2 served, SIGTERM exits 0 and cleans up")

subprocess.run(["rm", "-rf", WORK], check=False)
print("wire: all checks passed")
