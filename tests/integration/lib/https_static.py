#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# A static HTTPS file server for tests, bound to 127.0.0.1 on a free port: it plays an
# external OIDC issuer whose discovery document and JWKS the test writes as files. It writes
# its port to --port-file and exits by itself after --lifetime seconds.
#   https_static.py --root DIR --cert PEM --key PEM --port-file F [--lifetime S]
import argparse
import functools
import http.server
import os
import ssl
import threading


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--lifetime", type=float, default=120.0)
    args = ap.parse_args()

    handler = functools.partial(QuietHandler, directory=args.root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    # Renamed into place so that the reader never sees a partial port number.
    os.rename(args.port_file + ".tmp", args.port_file)
    threading.Timer(args.lifetime, server.shutdown).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
