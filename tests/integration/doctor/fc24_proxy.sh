#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Proxy variables with and without a matching NO_PROXY entry: the network check reports for each
# endpoint whether a proxy applies and which variable decided, probes it once, hides proxy
# credentials, and never changes the exit status by itself. Proxies are a closed loopback port
# and the loopback CONNECT proxy of the test library; nothing leaves the machine.
. "$(dirname "$0")/common.sh" "$@"

PROXY_PY=$(dirname "$0")/../lib/connect_proxy.py
t_scenario
t_start
t_pod_env
export M365_MAX_RETRIES=0

# common.sh: HTTPS_PROXY is the closed port 127.0.0.1:9 and NO_PROXY names 127.0.0.1.
d_run
t_expect_rc 0 "NO_PROXY matches the emulator"
d_expect network pass
d_expect_text network "decided by: no_proxy entry '127.0.0.1' matches" "proxy: none (direct)" \
    "https_proxy: http://127.0.0.1:9" "NO_PROXY: 127.0.0.1,localhost,::1"

# No NO_PROXY entry matches: every endpoint goes to the closed port and fails there.
export no_proxy=example.invalid NO_PROXY=example.invalid
d_run
t_expect_rc 8 "proxy without a matching NO_PROXY"
d_expect network fail
jq -e '.checks[] | select(.id == "network") | .required == false' "$T_DIR/out" >/dev/null \
    || t_fail "the network check is marked required"
d_expect_finding network fail "authority: 127.0.0.1 cannot be reached through the proxy"
d_expect_text network "proxy: http://127.0.0.1:9" \
    "decided by: from https_proxy; no NO_PROXY entry matches" \
    "add '127.0.0.1' to NO_PROXY and no_proxy"
d_expect exchange fail

# Suffix and CIDR entries of NO_PROXY, and --offline, which decides without probing.
export no_proxy=10.0.0.0/8,127.0.0.0/8 NO_PROXY=10.0.0.0/8,127.0.0.0/8
d_run --offline
t_expect_rc 0 "CIDR entry, offline"
d_expect_text network "decided by: no_proxy entry '127.0.0.0/8' matches" \
    "reachable: not tried: --offline"

# Upper-case variables only, through the loopback CONNECT proxy with credentials in the URL:
# the endpoints reply through it, and the password is never shown.
python3 "$PROXY_PY" --port-file "$T_DIR/proxy.port" --log "$T_DIR/proxy.log" \
    --user doctor-user --password doctor-proxy-password --lifetime 40 &
proxy_pid=$!
trap 'kill "$proxy_pid" 2>/dev/null || true; t_cleanup' EXIT
for _ in $(seq 50); do [ -s "$T_DIR/proxy.port" ] && break; sleep 0.1; done
[ -s "$T_DIR/proxy.port" ] || t_fail "the test proxy did not start"
port=$(cat "$T_DIR/proxy.port")
t_secret doctor-proxy-password
unset https_proxy http_proxy no_proxy
export HTTPS_PROXY=http://doctor-user:doctor-proxy-password@127.0.0.1:$port NO_PROXY=
d_run
t_expect_rc 0 "through the CONNECT proxy"
d_expect network pass
d_expect_text network "proxy: http://***@127.0.0.1:$port" "decided by: from HTTPS_PROXY"
grep -q "CONNECT 127.0.0.1:" "$T_DIR/proxy.log" || t_fail "nothing went through the proxy"
for file in "$T_DIR"/run*.out "$T_DIR"/run*.err; do
    ! grep -qF doctor-proxy-password "$file" || t_fail "the proxy password appears in $file"
done

# Both spellings with different values: libcurl uses the lower-case one, and doctor warns about it.
export https_proxy=http://127.0.0.1:9 NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
d_run --offline
d_expect_finding network warn "https_proxy and HTTPS_PROXY differ: libcurl uses https_proxy"
t_pass
