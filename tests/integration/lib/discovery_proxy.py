#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# An HTTP proxy for tests, bound to 127.0.0.1, that serves one request of clients whose
# instance discovery host is fixed. MSAL Python calls
# https://login.microsoftonline.com/common/discovery/instance for any authority it does not know.
# The proxy terminates that TLS connection with a test certificate and relays the request to the
# emulator's own instance discovery route. It rejects every other target with 403 and logs one
# line per request, so a test can list every request that tried to leave the machine.
#   discovery_proxy.py --port-file F --log L --cert C --key K --emulator URL --emulator-ca CA
#                      [--lifetime S]
import argparse
import os
import socket
import socketserver
import ssl
import threading
import urllib.error
import urllib.request

# The only host and path served. Every other target gets 403.
DISCOVERY_HOST = "login.microsoftonline.com:443"
DISCOVERY_PATH = "/common/discovery/instance"


def read_head(conn):
    """Read an HTTP request head (up to 64 KiB); return its lines, or None on EOF."""
    head = b""
    while b"\r\n\r\n" not in head:
        if len(head) > 65536:
            return None
        chunk = conn.recv(4096)
        if not chunk:
            return None
        head += chunk
    return head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")


def reply(conn, status, reason, body=b"", content_type="text/plain"):
    conn.sendall(f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--emulator", required=True)
    ap.add_argument("--emulator-ca", required=True)
    ap.add_argument("--lifetime", type=float, default=120.0)
    args = ap.parse_args()

    log_lock = threading.Lock()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(args.cert, args.key)
    upstream_tls = ssl.create_default_context(cafile=args.emulator_ca)
    # The emulator is on loopback: never route the relayed request through a proxy.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=upstream_tls))

    def log(line):
        with log_lock, open(args.log, "a", encoding="utf-8") as f:
            f.write(line + "\n")

    def relay_discovery(conn):
        lines = read_head(conn)
        if lines is None:
            return
        method, target = (lines[0].split(" ") + ["", ""])[:2]
        log(f"{method} https://{DISCOVERY_HOST.split(':')[0]}{target.split('?')[0]}")
        if method != "GET" or target.split("?")[0] != DISCOVERY_PATH:
            reply(conn, 403, "Forbidden")
            return
        query = target[len(DISCOVERY_PATH):]
        try:
            with opener.open(args.emulator + DISCOVERY_PATH + query, timeout=10) as r:
                reply(conn, r.status, r.reason, r.read(), "application/json")
        except urllib.error.HTTPError as err:
            reply(conn, err.code, err.reason, err.read(), "application/json")
        except OSError:
            reply(conn, 502, "Bad Gateway")

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            self.connection.settimeout(20)
            lines = read_head(self.connection)
            if lines is None:
                return
            method, target = (lines[0].split(" ") + ["", ""])[:2]
            log(f"{method} {target}")
            if method != "CONNECT" or target != DISCOVERY_HOST:
                reply(self.connection, 403, "Forbidden")
                return
            self.connection.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            try:
                with tls.wrap_socket(self.connection, server_side=True) as conn:
                    relay_discovery(conn)
            except (ssl.SSLError, OSError) as err:
                log(f"TLS with the client failed: {err}")

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    with Server(("127.0.0.1", 0), Handler) as srv:
        with open(args.port_file + ".tmp", "w", encoding="utf-8") as f:
            f.write(str(srv.server_address[1]))
        os.rename(args.port_file + ".tmp", args.port_file)
        threading.Timer(args.lifetime, srv.shutdown).start()
        srv.serve_forever()


if __name__ == "__main__":
    socket.setdefaulttimeout(20)
    main()
