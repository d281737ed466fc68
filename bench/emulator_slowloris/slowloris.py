#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Hold many slow or half-open connections to an HTTPS server on 127.0.0.1 while probing it
# with ordinary requests, and print a JSON summary. Half of the connections only open TCP and
# send nothing, not even a TLS handshake. The other half finish the handshake and send a
# request head one header line every --trickle seconds, never ending it. A connection that the
# server closes is opened again, so the count stays at --connections.
#   slowloris.py --port P --ca CA_FILE [--connections N] [--seconds S] [--trickle S]
import argparse
import asyncio
import json
import resource
import ssl
import statistics
import time

HOST = "127.0.0.1"


class Counters:
    def __init__(self):
        self.opened = 0
        self.closed_by_server = 0
        self.open_now = 0
        self.max_open = 0
        self.connect_failures = 0

    def up(self):
        self.opened += 1
        self.open_now += 1
        self.max_open = max(self.max_open, self.open_now)

    def down(self):
        self.open_now -= 1


async def half_open(port, stop, c):
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(HOST, port)
        except OSError:
            c.connect_failures += 1
            await asyncio.sleep(0.5)
            continue
        c.up()
        try:
            # Nothing is sent; wait until the server gives up or the run ends.
            read = asyncio.ensure_future(reader.read(1))
            done, _ = await asyncio.wait([read, asyncio.ensure_future(stop.wait())],
                                         return_when=asyncio.FIRST_COMPLETED)
            if read in done:
                c.closed_by_server += 1
            else:
                read.cancel()
        except OSError:
            c.closed_by_server += 1
        finally:
            c.down()
            writer.close()


async def slow_head(port, ctx, stop, trickle, c):
    while not stop.is_set():
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(HOST, port, ssl=ctx, server_hostname=HOST), 30)
        except (OSError, asyncio.TimeoutError, ssl.SSLError):
            c.connect_failures += 1
            await asyncio.sleep(0.5)
            continue
        c.up()
        try:
            writer.write(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            await writer.drain()
            n = 0
            while not stop.is_set():
                try:
                    await asyncio.wait_for(stop.wait(), trickle)
                except asyncio.TimeoutError:
                    pass
                if stop.is_set():
                    break
                writer.write(b"X-Slow-%d: x\r\n" % n)
                await writer.drain()
                n += 1
                if reader.at_eof():
                    c.closed_by_server += 1
                    break
        except (OSError, ssl.SSLError):
            c.closed_by_server += 1
        finally:
            c.down()
            writer.close()


async def probe(port, ctx):
    """Send one ordinary request on a new connection; return (status or None, seconds)."""
    start = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(HOST, port, ssl=ctx, server_hostname=HOST), 10)
        writer.write(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Connection: close\r\n\r\n")
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), 10)
        writer.close()
        status = int(line.split()[1]) if line.startswith(b"HTTP/1.") else None
    except (OSError, asyncio.TimeoutError, ssl.SSLError, ValueError, IndexError):
        status = None
    return status, time.monotonic() - start


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--trickle", type=float, default=10.0)
    ap.add_argument("--probe-interval", type=float, default=0.5)
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.connections + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))

    ctx = ssl.create_default_context(cafile=args.ca)
    stop = asyncio.Event()
    c = Counters()
    half = args.connections // 2
    tasks = [asyncio.ensure_future(half_open(args.port, stop, c)) for _ in range(half)]
    for i in range(args.connections - half):
        tasks.append(asyncio.ensure_future(slow_head(args.port, ctx, stop, args.trickle, c)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # spread the handshakes a little

    results = []
    deadline = time.monotonic() + args.seconds
    open_at_probe = []
    while time.monotonic() < deadline:
        status, secs = await probe(args.port, ctx)
        results.append((status, secs))
        open_at_probe.append(c.open_now)
        await asyncio.sleep(args.probe_interval)
    stop.set()
    await asyncio.wait(tasks, timeout=15)

    ok = [s for st, s in results if st == 200]
    summary = {
        "connections_requested": args.connections,
        "seconds": args.seconds,
        "max_slow_connections_open": c.max_open,
        "median_slow_connections_open_during_probes":
            statistics.median(open_at_probe) if open_at_probe else 0,
        "slow_connections_opened": c.opened,
        "slow_connections_closed_by_server": c.closed_by_server,
        "slow_connect_failures": c.connect_failures,
        "probes": len(results),
        "probes_answered_200": len(ok),
        "probe_latency_median_ms": round(statistics.median(ok) * 1000, 1) if ok else None,
        "probe_latency_max_ms": round(max(ok) * 1000, 1) if ok else None,
    }
    print(json.dumps(summary, indent=2))
    return 0 if results and len(ok) == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
