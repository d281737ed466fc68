#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# A small HTTP CONNECT proxy for tests, bound to 127.0.0.1: tunnels only to loopback targets,
# optionally demands Basic credentials (407 otherwise), logs one line per request, and exits
# by itself after --lifetime seconds.
#   connect_proxy.py --port-file F --log L [--user U --password P] [--lifetime S]
import argparse
import base64
import select
import socket
import socketserver
import threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--lifetime", type=float, default=60.0)
    args = ap.parse_args()
    expected = None
    if args.user is not None:
        pair = f"{args.user}:{args.password or ''}".encode()
        expected = "Basic " + base64.b64encode(pair).decode()
    log_lock = threading.Lock()

    def log(line):
        with log_lock, open(args.log, "a", encoding="utf-8") as f:
            f.write(line + "\n")

    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            self.connection.settimeout(20)
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = self.connection.recv(4096)
                if not chunk:
                    return
                head += chunk
            lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            method, target = (parts + ["", ""])[:2]
            auth = None
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "proxy-authorization":
                    auth = value.strip()
            state = "none" if auth is None else ("ok" if auth == expected else "bad")
            if expected is None:
                state = "open"
            log(f"{method} {target} auth={state}")
            if expected is not None and auth != expected:
                self.wfile.write(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                                 b"Proxy-Authenticate: Basic realm=\"m365id-test\"\r\n"
                                 b"Content-Length: 0\r\nConnection: close\r\n\r\n")
                return
            host, _, port = target.rpartition(":")
            if method != "CONNECT" or host.strip("[]") not in ("127.0.0.1", "::1", "localhost"):
                self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n"
                                 b"Connection: close\r\n\r\n")
                return
            try:
                upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
            except OSError:
                self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                return
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            socks = [self.connection, upstream]
            try:
                while True:
                    ready, _, _ = select.select(socks, [], [], 20)
                    if not ready:
                        break
                    for s in ready:
                        data = s.recv(65536)
                        if not data:
                            return
                        (upstream if s is self.connection else self.connection).sendall(data)
            finally:
                upstream.close()

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    with Server(("127.0.0.1", 0), Handler) as srv:
        with open(args.port_file + ".tmp", "w", encoding="utf-8") as f:
            f.write(str(srv.server_address[1]))
        import os
        os.rename(args.port_file + ".tmp", args.port_file)
        threading.Timer(args.lifetime, srv.shutdown).start()
        srv.serve_forever()


if __name__ == "__main__":
    main()
