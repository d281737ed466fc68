#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The provider benchmark behind bench/provider/run. Part 1 starts the provider BENCH_HANDSHAKES
# times as the go-plugin host does and times the handshake line and the mutual TLS session with
# ALPN h2. Part 2 runs tofu 1.6.2 apply, plan and destroy cycles on 1, 10 and 100 groups against
# the emulator. It splits CPU time between the provider (the line it writes to stderr at
# exit), tofu (the rest of the CPU time of tofu's process tree) and the emulator (/proc).
#
# usage: bench.py PROVIDER EMULATOR TOFU
import base64
import json
import os
import platform
import resource
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
TENANT = "11111111-1111-1111-1111-111111111111"
CLIENT = "22222222-2222-2222-2222-222222222222"
TARGET_HANDSHAKE_MS = 10.0
TARGET_RSS_KIB = 15 * 1024
TARGET_SHARE = 0.05
EXIT_LINE = "terraform-provider-microsoft365: exiting after "

PROVIDER, EMULATOR, TOFU = (os.path.realpath(p) for p in sys.argv[1:4])
HANDSHAKES = int(os.environ.get("BENCH_HANDSHAKES", "30"))
CYCLES = int(os.environ.get("BENCH_CYCLES", "3"))
COUNTS = [int(n) for n in os.environ.get("BENCH_COUNTS", "1 10 100").split()]
WORK = tempfile.mkdtemp(prefix="m365id-bench-provider.")
TICK_MS = 1000.0 / os.sysconf("SC_CLK_TCK")


def die(message, hint=None):
    print(f"bench: error: {message}", file=sys.stderr)
    if hint:
        print(f"bench: hint: {hint}", file=sys.stderr)
    sys.exit(1)


def p90(values):
    """Nearest-rank 90th percentile."""
    ordered = sorted(values)
    return ordered[max(0, -(-9 * len(ordered) // 10) - 1)]


# --- part 1: handshake ---------------------------------------------------------------------


def make_client_cert():
    key, cert = os.path.join(WORK, "client.key"), os.path.join(WORK, "client.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-521", "-nodes", "-subj", "/O=HashiCorp/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost", "-addext",
                    "basicConstraints=critical,CA:TRUE", "-addext",
                    "extendedKeyUsage=clientAuth,serverAuth", "-days", "1", "-keyout", key,
                    "-out", cert], check=True, capture_output=True)
    return key, cert


def handshake_once(key, cert):
    """Start the provider; return (ms to the handshake line, ms to an h2 TLS session)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TMPDIR": WORK,
           "TF_PLUGIN_MAGIC_COOKIE": COOKIE, "PLUGIN_PROTOCOL_VERSIONS": "5,6",
           "PLUGIN_MIN_PORT": "10000", "PLUGIN_MAX_PORT": "25000"}
    if cert is not None:
        with open(cert) as f:
            env["PLUGIN_CLIENT_CERT"] = f.read()
    start = time.perf_counter()
    proc = subprocess.Popen([PROVIDER], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    try:
        line = proc.stdout.readline().decode()
        line_ms = (time.perf_counter() - start) * 1000
        fields = line.rstrip("\n").split("|")
        if len(fields) != 6 or fields[:3] != ["1", "6", "unix"]:
            die(f"unexpected handshake line {line!r}")
        tls_ms = None
        if cert is not None:
            der = base64.b64decode(fields[5] + "=" * (-len(fields[5]) % 4))
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.load_verify_locations(cadata=der)
            ctx.load_cert_chain(cert, key)
            ctx.set_alpn_protocols(["h2"])
            with socket.socket(socket.AF_UNIX) as raw:
                raw.connect(fields[3])
                with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                    tls_ms = (time.perf_counter() - start) * 1000
                    if tls.selected_alpn_protocol() != "h2":
                        die("the provider did not select ALPN h2")
        return line_ms, tls_ms
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            die("the provider did not exit within 5 s of SIGTERM")


def bench_handshake():
    key, cert = make_client_cert()
    handshake_once(key, cert)  # warm-up: page cache and dynamic loader
    mtls_line, mtls_session, plain_line = [], [], []
    for _ in range(HANDSHAKES):
        line_ms, tls_ms = handshake_once(key, cert)
        mtls_line.append(line_ms)
        mtls_session.append(tls_ms)
        plain_line.append(handshake_once(None, None)[0])
    return {"mtls_line": mtls_line, "mtls_session": mtls_session, "plain_line": plain_line}


# --- part 2: tofu against the emulator ------------------------------------------------------


class Emulator:
    def __init__(self):
        scenario = {
            "clusters": [{"name": "demo", "issuer_trailing_slash": True,
                          "publish_discovery": True}],
            "tenants": [{
                "id": TENANT, "cloud": "public", "display_name": "Contoso",
                "domains": ["contoso.onmicrosoft.com"],
                "applications": [{
                    "app_id": CLIENT, "display_name": "terraform-m365-provider",
                    "roles": ["Group.ReadWrite.All", "Organization.Read.All"],
                    "federated_credentials": [{
                        "name": "kubernetes-federated-credential",
                        "issuer": "${cluster:demo}",
                        "subject": "system:serviceaccount:terraform-m365:terraform-m365-sa",
                        "audiences": ["api://AzureADTokenExchange"]}]}]}],
            "workloads": [{"name": "terraform-apply", "cluster": "demo",
                           "namespace": "terraform-m365", "service_account": "terraform-m365-sa",
                           "audience": "api://AzureADTokenExchange", "expiration_seconds": 3600,
                           "tenant_id": TENANT, "client_id": CLIENT}],
            "access_token_lifetime_seconds": 3599, "clock_skew_seconds": 60,
            "legacy_fic_errors": False,
        }
        path = os.path.join(WORK, "scenario.json")
        with open(path, "w") as f:
            json.dump(scenario, f)
        state = os.path.join(WORK, "state")
        self.log = open(os.path.join(WORK, "emulator.log"), "w")
        self.proc = subprocess.Popen([EMULATOR, "--config", path, "--state-dir", state,
                                      "--port", "0"], stderr=self.log)
        info_path = os.path.join(state, "emulator.json")
        for _ in range(100):
            if os.path.exists(info_path) and os.path.getsize(info_path) > 0:
                break
            if self.proc.poll() is not None:
                die("the emulator exited during start-up", f"see {self.log.name}")
            time.sleep(0.1)
        else:
            die("the emulator wrote no emulator.json within 10 s")
        with open(info_path) as f:
            self.info = json.load(f)
        self.ssl = ssl.create_default_context(cafile=self.info["ca_file"])

    def cpu_ms(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * TICK_MS

    def group_count(self):
        url = (f"{self.info['base_url']}/_emulator/directory?tenant={TENANT}"
               "&collection=groups")
        with urllib.request.urlopen(url, context=self.ssl, timeout=10) as reply:
            return len(json.load(reply)["value"])

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()


def job_env(emu):
    """Build the guide's Job environment, with the emulator's endpoints and tofu's settings."""
    workload = emu.info["workloads"]["terraform-apply"]
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": WORK, "TMPDIR": WORK,
        "TF_CLI_CONFIG_FILE": os.path.join(WORK, "tofurc"), "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
        "M365_TENANT_ID": TENANT, "M365_AUTH_METHOD": "workload_identity",
        "M365_CLIENT_ID": CLIENT, "AZURE_FEDERATED_TOKEN_FILE": workload["token_file"],
        "AZURE_AUTHORITY_HOST": emu.info["clouds"]["public"]["authority_host"],
        "M365_GRAPH_ENDPOINT": emu.info["clouds"]["public"]["graph_endpoint"],
        "M365_CA_BUNDLE": emu.info["ca_file"],
    }


def install_provider():
    mirror = os.path.join(WORK, "mirror")
    target = os.path.join(mirror, "registry.opentofu.org/m365id/microsoft365/0.1.0/linux_amd64")
    os.makedirs(target)
    shutil.copy(PROVIDER, os.path.join(target, "terraform-provider-microsoft365"))
    with open(os.path.join(WORK, "tofurc"), "w") as f:
        f.write('provider_installation {\n  filesystem_mirror {\n'
                f'    path    = "{mirror}"\n'
                '    include = ["registry.opentofu.org/m365id/microsoft365"]\n  }\n}\n')


def write_workspace(count):
    workdir = os.path.join(WORK, f"groups-{count}")
    os.makedirs(workdir)
    with open(os.path.join(workdir, "main.tf"), "w") as f:
        f.write('terraform {\n  required_providers {\n    microsoft365 = {\n'
                '      source = "m365id/microsoft365"\n    }\n  }\n}\n\n'
                'provider "microsoft365" {\n  auth_method = "workload_identity"\n}\n\n'
                'resource "microsoft365_graph_resource" "group" {\n'
                f'  count = {count}\n  url   = "groups"\n  body = {{\n'
                '    displayName     = "Bench ${count.index}"\n'
                '    mailEnabled     = false\n'
                '    mailNickname    = "bench-${count.index}"\n'
                '    securityEnabled = true\n  }\n}\n')
    return workdir


def provider_usage(log_path):
    """CPU ms, peak RSS KiB and instance count from the provider's exit lines in the log."""
    cpu_us, rss_kib, instances = 0, 0, 0
    with open(log_path, errors="replace") as f:
        for line in f:
            at = line.find(EXIT_LINE)
            if at < 0:
                continue
            words = line[at + len(EXIT_LINE):].replace(",", "").split()
            # "<ms> ms: CPU user <us> us system <us> us max RSS <kib> KiB"
            cpu_us += int(words[4]) + int(words[7])
            rss_kib = max(rss_kib, int(words[11]))
            instances += 1
    return cpu_us / 1000.0, rss_kib, instances


def run_tofu(emu, env, workdir, args, expect_rc, label):
    log_path = os.path.join(workdir, f"tofu-{label}.log")
    env = dict(env, TF_LOG_PROVIDER="debug", TF_LOG_PATH=log_path)
    emu_before = emu.cpu_ms()
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run([TOFU, *args, "-input=false", "-no-color"], cwd=workdir, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
    wall_ms = (time.perf_counter() - start) * 1000
    usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    emu_ms = emu.cpu_ms() - emu_before
    if result.returncode != expect_rc:
        sys.stderr.write(result.stdout.decode(errors="replace")[-4000:])
        die(f"tofu {' '.join(args)} exited {result.returncode}, expected {expect_rc}")
    # The provider processes are tofu's children, reaped by tofu, so their CPU time is inside
    # tofu's RUSAGE_CHILDREN share as well.
    tree_ms = ((usage_after.ru_utime - usage_before.ru_utime) +
               (usage_after.ru_stime - usage_before.ru_stime)) * 1000
    provider_ms, rss_kib, instances = provider_usage(log_path)
    if instances == 0:
        die(f"no provider exit line in {log_path}",
            "the provider writes one to stderr at exit; check TF_LOG_PROVIDER")
    return {"wall_ms": wall_ms, "tofu_ms": tree_ms - provider_ms, "provider_ms": provider_ms,
            "emulator_ms": emu_ms, "rss_kib": rss_kib, "instances": instances}


def bench_tofu():
    install_provider()
    emu = Emulator()
    results = {}
    try:
        env = job_env(emu)
        for count in COUNTS:
            workdir = write_workspace(count)
            subprocess.run([TOFU, "init", "-input=false", "-no-color"], cwd=workdir, env=env,
                           check=True, capture_output=True, timeout=300)
            runs = {"apply": [], "plan": [], "destroy": []}
            for cycle in range(CYCLES):
                runs["apply"].append(run_tofu(emu, env, workdir,
                                              ["apply", "-auto-approve"], 0, f"apply-{cycle}"))
                if emu.group_count() != count:
                    die(f"after apply the emulator holds {emu.group_count()} groups, not {count}")
                runs["plan"].append(run_tofu(emu, env, workdir, ["plan", "-detailed-exitcode"],
                                             0, f"plan-{cycle}"))
                runs["destroy"].append(run_tofu(emu, env, workdir, ["destroy", "-auto-approve"],
                                                0, f"destroy-{cycle}"))
                if emu.group_count() != 0:
                    die(f"after destroy the emulator holds {emu.group_count()} groups")
            results[count] = runs
    finally:
        emu.stop()
    return results


# --- report -----------------------------------------------------------------------------------


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    tofu = subprocess.run([TOFU, "version"], capture_output=True, text=True).stdout.split("\n")[0]
    return (f"{os.cpu_count()} cores, {model}, {mem_kib // 1024} MiB, Linux "
            f"{platform.release()}, {tofu}")


def main():
    print(f"machine: {machine()}")
    print(f"settings: BENCH_HANDSHAKES={HANDSHAKES} BENCH_CYCLES={CYCLES} "
          f"BENCH_COUNTS=\"{' '.join(map(str, COUNTS))}\"")

    hs = bench_handshake()
    print(f"\nhandshake, {HANDSHAKES} provider starts each (median / p90 ms)")
    rows = [("AutoMTLS: start to handshake line", hs["mtls_line"]),
            ("AutoMTLS: start to TLS session with ALPN h2", hs["mtls_session"]),
            ("plaintext: start to handshake line", hs["plain_line"])]
    for name, values in rows:
        print(f"  {name:<46} {statistics.median(values):7.2f} / {p90(values):7.2f}")

    results = bench_tofu()
    print(f"\ntofu 1.6.2 against the emulator, median of {CYCLES} cycles; CPU in ms")
    print(f"  {'groups':>6} {'command':<8} {'wall ms':>9} {'tofu':>8} {'provider':>9} "
          f"{'emulator':>9} {'instances':>9} {'provider share':>15} {'peak RSS KiB':>13}")
    peak_rss = 0
    apply_shares = []
    for count, runs in results.items():
        for command, samples in runs.items():
            med = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
            share = med["provider_ms"] / med["wall_ms"]
            rss = max(s["rss_kib"] for s in samples)
            peak_rss = max(peak_rss, rss)
            if command == "apply":
                apply_shares.append((count, share))
            print(f"  {count:>6} {command:<8} {med['wall_ms']:>9.0f} {med['tofu_ms']:>8.0f} "
                  f"{med['provider_ms']:>9.1f} {med['emulator_ms']:>9.0f} "
                  f"{med['instances']:>9.0f} {100 * share:>14.2f}% {rss:>13}")

    handshake_ms = statistics.median(hs["mtls_line"])
    print("\nratios against the targets (below 1.00 meets the target)")
    print(f"  handshake (AutoMTLS, median to the line) {handshake_ms:6.2f} ms / "
          f"{TARGET_HANDSHAKE_MS:.0f} ms = {handshake_ms / TARGET_HANDSHAKE_MS:.2f}")
    print(f"  provider peak RSS                        {peak_rss / 1024:6.2f} MiB / "
          f"{TARGET_RSS_KIB // 1024} MiB = {peak_rss / TARGET_RSS_KIB:.2f}")
    for count, share in apply_shares:
        print(f"  provider share of apply, {count:>3} groups      {100 * share:6.2f} % / "
              f"{100 * TARGET_SHARE:.0f} % = {share / TARGET_SHARE:.2f}")


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
