# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Turns the token benchmark's raw results into Markdown tables: median and p90 per client with
# the ratio to curl, cached lookups per second, and whether the stated targets are met.
#
# Usage: report.py HYPERFINE_JSON C_LOOP_JSON NODE_LOOP_JSON TOKEN_REQUESTS
import json
import math
import sys


def median(values):
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def p90(values):
    """Nearest-rank 90th percentile."""
    s = sorted(values)
    return s[max(0, math.ceil(0.9 * len(s)) - 1)]


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        results = {r["command"]: r["times"] for r in json.load(f)["results"]}
    with open(sys.argv[2], encoding="utf-8") as f:
        c_loop = json.load(f)
    with open(sys.argv[3], encoding="utf-8") as f:
        node_loop = json.load(f)
    token_requests = sys.argv[4]

    ms = {name: [t * 1000 for t in times] for name, times in results.items()}
    floor = median(ms["curl"])
    print("| client | runs | median ms | p90 ms | median / curl |")
    print("|---|---:|---:|---:|---:|")
    for name, times in ms.items():
        print("| %s | %d | %.1f | %.1f | %.2f |"
              % (name, len(times), median(times), p90(times), median(times) / floor))
    print()

    c_rate = c_loop["lookups"] / c_loop["seconds"]
    node_rate = node_loop["lookups"] / node_loop["seconds"]
    print("| cached lookups, one process | lookups per second |")
    print("|---|---:|")
    print("| libm365id `m365id_token_acquire` | %.0f |" % c_rate)
    print("| @azure/identity `getToken` | %.0f |" % node_rate)
    print()

    m365id = median(ms["m365id"])
    node = median(ms["azure-identity"])
    print("token requests served by the emulator: %s" % token_requests)
    print("m365id / curl: %.2fx (target <= 1.5x: %s)"
          % (m365id / floor, "met" if m365id / floor <= 1.5 else "NOT met"))
    print("azure-identity / m365id per process: %.1fx (target >= 10x: %s)"
          % (node / m365id, "met" if node / m365id >= 10 else "NOT met"))
    print("libm365id / azure-identity cached lookups: %.1fx" % (c_rate / node_rate))


if __name__ == "__main__":
    main()
