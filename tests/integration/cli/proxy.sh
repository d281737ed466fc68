#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Proxies (FC-24): client_options.proxy_url with and without credentials against a loopback
# CONNECT proxy that demands them (407 reported as such, not retried, password never shown),
# an explicit proxy winning over NO_PROXY, HTTPS_PROXY from the environment, and NO_PROXY.
. "$(dirname "$0")/common.sh" "$@"

PROXY_PY=$(dirname "$0")/../lib/connect_proxy.py
PROXY_USER=proxy-user
PROXY_PASSWORD=proxy-password-never-printed
t_secret "$PROXY_PASSWORD"

t_scenario
t_start
t_pod_env
port=$(t_info port)

python3 "$PROXY_PY" --port-file "$T_DIR/proxy.port" --log "$T_DIR/proxy.log" \
    --user "$PROXY_USER" --password "$PROXY_PASSWORD" --lifetime 50 &
proxy_pid=$!
trap 'kill "$proxy_pid" 2>/dev/null || true; t_cleanup' EXIT
for _ in $(seq 50); do [ -s "$T_DIR/proxy.port" ] && break; sleep 0.1; done
[ -s "$T_DIR/proxy.port" ] || t_fail "the test proxy did not start"
proxy=http://127.0.0.1:$(cat "$T_DIR/proxy.port")
touch "$T_DIR/proxy.log"
seen() { grep -c "CONNECT 127.0.0.1:$port auth=$1" "$T_DIR/proxy.log" || true; }

# Explicit proxy without credentials: a 407, reported once, without retries. NO_PROXY from
# common.sh names 127.0.0.1, but the configured proxy wins over it.
export M365_USE_PROXY=true M365_PROXY_URL=$proxy
t_run token
[ "$T_RC" -ne 0 ] || t_fail "a token came through a proxy that wants credentials"
t_expect_err "the proxy '$proxy' requires authentication (HTTP 407)" \
    "M365_PROXY_USERNAME" "M365_PROXY_PASSWORD" "client_options.proxy_url"
t_expect_no_err "retry"
[ "$(seen none)" = 1 ] || t_fail "expected one CONNECT without credentials, log: $(cat "$T_DIR/proxy.log")"

# Wrong password: still a 407, and the wrong value is not shown either.
export M365_PROXY_USERNAME=$PROXY_USER M365_PROXY_PASSWORD=wrong-proxy-password-value
t_run token
[ "$T_RC" -ne 0 ] || t_fail "a wrong proxy password was accepted"
t_expect_err "requires authentication (HTTP 407)" "credentials sent"
t_expect_no_err wrong-proxy-password-value
[ "$(seen bad)" = 1 ] || t_fail "expected one CONNECT with bad credentials"

# With the credentials: token and Graph requests both go through the proxy.
export M365_PROXY_PASSWORD=$PROXY_PASSWORD
t_run token -o json
t_expect_rc 0 "token through the authenticating proxy"
t_secret "$(jq -r .access_token "$T_DIR/out")"
[ "$(seen ok)" = 1 ] || t_fail "the token request did not pass the proxy"
t_run graph GET /v1.0/organization
t_expect_rc 0 "graph through the authenticating proxy"
[ "$(seen ok)" -ge 2 ] || t_fail "the Graph request did not pass the proxy"
! grep -qF "$PROXY_PASSWORD" "$T_DIR/out" || t_fail "the proxy password reached stdout"

# HTTPS_PROXY from the environment (credentials in its URL, as libcurl reads them) is used
# when no proxy is configured and NO_PROXY does not name the host...
unset M365_USE_PROXY M365_PROXY_URL M365_PROXY_USERNAME M365_PROXY_PASSWORD
before=$(seen ok)
export https_proxy=http://$PROXY_USER:$PROXY_PASSWORD@127.0.0.1:$(cat "$T_DIR/proxy.port")
export HTTPS_PROXY=$https_proxy no_proxy=example.invalid NO_PROXY=example.invalid
t_run token
t_expect_rc 0 "token through HTTPS_PROXY"
[ "$(seen ok)" -gt "$before" ] || t_fail "HTTPS_PROXY was not used"

# ... and NO_PROXY naming the host bypasses it.
before=$(wc -l <"$T_DIR/proxy.log")
export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1
t_run token
t_expect_rc 0 "token with NO_PROXY"
[ "$(wc -l <"$T_DIR/proxy.log")" = "$before" ] || t_fail "NO_PROXY did not bypass the proxy"

# Wrong credentials inside https_proxy: curl sends them, so the 407 says they were rejected,
# naming the variable and showing neither the user info nor the password.
bad_userinfo_password=wrong-password-in-https-proxy
export https_proxy=http://$PROXY_USER:$bad_userinfo_password@127.0.0.1:$(cat "$T_DIR/proxy.port")
export HTTPS_PROXY=$https_proxy no_proxy= NO_PROXY=
before=$(seen bad)
t_run token
[ "$T_RC" -ne 0 ] || t_fail "wrong credentials in https_proxy succeeded"
t_expect_err "the proxy '$proxy' rejected the credentials in https_proxy (HTTP 407)"
t_expect_err "percent-encoding '@', ':' and '%' in them"
t_expect_no_err "not set" "$bad_userinfo_password" "$PROXY_USER:"
[ "$(seen bad)" = "$((before + 1))" ] || t_fail "curl did not send the credentials in https_proxy"

# HTTPS_PROXY without credentials: the 407 names the variable, without user info.
export https_proxy=$proxy HTTPS_PROXY=$proxy no_proxy= NO_PROXY=
t_run token
[ "$T_RC" -ne 0 ] || t_fail "HTTPS_PROXY without credentials succeeded"
t_expect_err "the proxy '$proxy' requires authentication (HTTP 407)" "proxy from https_proxy"

t_pass
