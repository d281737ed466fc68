# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Turns the token benchmark's raw results into Markdown tables. They give the median and p90 per
# client with the ratio to curl, the recovery from HTTP 429 with the wait each client took, and
# cached lookups per second with one and two threads or loops. The last lines check the targets.
#
# Usage: report.py --times HYPERFINE_JSON --fault-runs JSONL --c-loop JSON --c-loop2 JSON
#                  --node-loop JSON --node-loop2 JSON --token-requests N --load L --load-end L
import argparse
import json
import math

# The Retry-After the fault rule sends, in milliseconds: the least any client can wait.
RETRY_AFTER_MS = 1000


def median(values):
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def p90(values):
    """Nearest-rank 90th percentile."""
    s = sorted(values)
    return s[max(0, math.ceil(0.9 * len(s)) - 1)]


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def print_exchange(ms):
    floor = median(ms["curl"])
    print("| client | runs | median ms | p90 ms | median / curl |")
    print("|---|---:|---:|---:|---:|")
    for name, times in ms.items():
        print("| %s | %d | %.1f | %.1f | %.2f |"
              % (name, len(times), median(times), p90(times), median(times) / floor))
    print()


def print_recovery(fault_runs, curl_median):
    """Table of the 429 runs. Runs without a token count as failures, never as recoveries."""
    floor = RETRY_AFTER_MS + curl_median
    clients = list(dict.fromkeys(r["client"] for r in fault_runs))
    notes = []

    print("Recovery from one HTTP 429 with `Retry-After: 1`, process start to exit; floor = "
          "1000 ms + curl median (%.1f ms) = %.1f ms:" % (curl_median, floor))
    print()
    print("| client | runs | token printed | median ms | p90 ms | median / floor "
          "| token requests per run | wait 429 to retry, min / max ms |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for client in clients:
        runs = [r for r in fault_runs if r["client"] == client]
        ok = [r for r in runs if r["token_printed"]]
        times = [r["ms"] for r in runs]
        gaps = [r["arrivals_ms"][1] - r["arrivals_ms"][0] for r in runs
                if len(r["arrivals_ms"]) >= 2]
        requests = sorted({r["requests"] for r in runs})
        if gaps:
            early = sum(1 for g in gaps if g < RETRY_AFTER_MS)
            wait = "%d / %d" % (min(gaps), max(gaps))
            if early:
                wait += " (%d retries sooner than 1000 ms)" % early
        else:
            wait = "no retry"
        ratio = "%.2f" % (median(times) / floor) if len(ok) == len(runs) else "no token"
        print("| %s | %d | %d | %.1f | %.1f | %s | %s | %s |"
              % (client, len(runs), len(ok), median(times), p90(times), ratio,
                 ", ".join(str(n) for n in requests), wait))
        failed = [r for r in runs if not r["token_printed"]]
        if failed:
            notes.append("%s: no token in %d of %d runs (exit status %s); the times are the "
                         "time to exit. First error line: `%s`"
                         % (client, len(failed), len(runs),
                            ", ".join(str(s) for s in sorted({r["status"] for r in failed})),
                            failed[0]["error"] or "(none)"))
    print()
    for note in notes:
        print("- " + note)
    if notes:
        print()


def print_lookups(c_loop, c_loop2, node_loop, node_loop2):
    def rate(n, result):
        return n / result["seconds"]

    print("| cached lookups, one process | threads or loops | lookups per second "
          "| per thread or loop |")
    print("|---|---:|---:|---|")
    rows = [
        ("libm365id `m365id_token_acquire`, context's own cache", "1 thread",
         c_loop, c_loop["per_thread"]),
        ("libm365id `m365id_token_acquire`, one context per thread, one shared cache",
         "2 threads", c_loop2, c_loop2["per_thread"]),
        ("@azure/identity `getToken`", "1 loop", node_loop, node_loop["per_loop"]),
        ("@azure/identity `getToken`, one credential, concurrent async loops",
         "2 loops, 1 thread", node_loop2, node_loop2["per_loop"]),
    ]
    for label, width, result, parts in rows:
        print("| %s | %s | %.0f | %s |"
              % (label, width, rate(result["lookups"], result),
                 " + ".join("%.0f" % rate(n, result) for n in parts)))
    print()


def main():
    parser = argparse.ArgumentParser(description="Summarise bench/token/run results.")
    for name in ("times", "fault-runs", "c-loop", "c-loop2", "node-loop", "node-loop2",
                 "token-requests", "load", "load-end"):
        parser.add_argument("--" + name, required=True)
    args = parser.parse_args()

    results = {r["command"]: r["times"] for r in load_json(args.times)["results"]}
    ms = {name: [t * 1000 for t in times] for name, times in results.items()}
    with open(args.fault_runs, encoding="utf-8") as f:
        fault_runs = [json.loads(line) for line in f if line.strip()]
    c_loop, c_loop2 = load_json(args.c_loop), load_json(args.c_loop2)
    node_loop, node_loop2 = load_json(args.node_loop), load_json(args.node_loop2)

    print("Load average (1, 5, 15 min): %s at the start, %s at the end" % (args.load,
                                                                            args.load_end))
    print()
    print_exchange(ms)
    print_recovery(fault_runs, median(ms["curl"]))
    print_lookups(c_loop, c_loop2, node_loop, node_loop2)

    floor = median(ms["curl"])
    m365id = median(ms["m365id"])
    node = median(ms["azure-identity"])
    c_rate = c_loop["lookups"] / c_loop["seconds"]
    c_rate2 = c_loop2["lookups"] / c_loop2["seconds"]
    node_rate = node_loop["lookups"] / node_loop["seconds"]
    node_rate2 = node_loop2["lookups"] / node_loop2["seconds"]
    print("token requests served by the emulator: %s" % args.token_requests)
    print("m365id / curl: %.2fx (target <= 1.5x: %s)"
          % (m365id / floor, "met" if m365id / floor <= 1.5 else "NOT met"))
    print("azure-identity / m365id per process: %.1fx (target >= 10x: %s)"
          % (node / m365id, "met" if node / m365id >= 10 else "NOT met"))
    print("libm365id / azure-identity cached lookups: %.1fx" % (c_rate / node_rate))
    print("libm365id 2 threads / 1 thread: %.2fx; azure-identity 2 loops / 1 loop: %.2fx"
          % (c_rate2 / c_rate, node_rate2 / node_rate))


if __name__ == "__main__":
    main()
