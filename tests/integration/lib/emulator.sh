# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Shell helpers for integration tests that run against m365id-emulator. Source this file from
# bash; it needs curl(1) and jq(1).
#
#   EMU_BIN=/path/to/m365id-emulator      set before emu_start (or pass it as $1 to the test)
#   emu_start SCENARIO_FILE_OR_EMPTY      start the emulator with --port 0 and a fresh state
#                                         directory; waits up to 10 s for emulator.json and
#                                         exports EMU_BASE (https://127.0.0.1:PORT), EMU_CA
#                                         (CA file for curl --cacert), EMU_STATE (state dir),
#                                         EMU_PID and EMU_LOG (the emulator's stderr). The
#                                         emulator is stopped, and the directory removed, on EXIT.
#                                         An empty argument uses the built-in scenario.
#                                         Words of EMU_EXTRA_ARGS (e.g. "-vv") are added to
#                                         the emulator's command line.
#   emu_workdir                           make a private directory for the test's own files
#                                         (scenarios, certificates), export it as EMU_WORK, and
#                                         remove it on EXIT; call it before emu_start
#   emu_json KEY                          print a value of emulator.json; KEY is a jq path
#                                         without the leading dot, e.g. clusters.demo.issuer
#   emu_mint CLUSTER NS SA AUD EXP [ISSUED_AT]
#                                         print a projected token minted through the control
#                                         API; AUD is a string, or a JSON array when it starts
#                                         with '['; EXP is the lifetime in seconds
#   emu_token TENANT CLIENT SCOPE ASSERTION [AUTHORITY]
#                                         POST a client-credentials request; sets EMU_STATUS
#                                         and EMU_BODY (AUTHORITY defaults to EMU_BASE/)
#   emu_post_form URL BODY                POST BODY as an already encoded form, byte for byte;
#                                         sets EMU_STATUS and EMU_BODY
#   emu_get URL [BEARER]                  GET with the emulator's CA; sets EMU_STATUS, EMU_BODY
#   emu_request CURL_ARGS...              run curl with the emulator's CA, a 20 s limit and
#                                         CURL_ARGS; sets EMU_STATUS, EMU_BODY, EMU_HEADERS
#                                         (reply headers, CR removed) and EMU_CURL_RC (curl's
#                                         exit status: 52 for a connection closed without a
#                                         reply); never fails by itself
#   emu_secret_token TENANT CLIENT SCOPE SECRET
#                                         POST a client-credentials request with client_secret
#                                         in the form; sets EMU_STATUS and EMU_BODY
#   emu_jwt_claims JWT                    print the decoded payload of JWT (no verification)
#   emu_jwt_header JWT                    print the decoded header of JWT
#   emu_stop                              stop the emulator now (the EXIT trap also does it);
#                                         sets EMU_EXIT to its exit status
#   emu_stop_clean                        emu_stop, then fail unless it exited 0 and its log
#                                         has no sanitizer report
#   fail MESSAGE / assert_eq WHAT EXPECTED ACTUAL / assert_contains WHAT NEEDLE HAYSTACK
#                                         test assertions: print and exit 1 on mismatch
#   assert_aadsts STATUS ERROR CODE       check EMU_STATUS, .error and .error_codes == [CODE]
#                                         of the last emu_token reply
#
# Traffic goes to 127.0.0.1 only, and every curl call has a 20 s limit.

EMU_CURL_OPTS=(--silent --show-error --max-time 20)

fail() {
    echo "FAIL: $*" >&2
    if [[ -n "${EMU_LOG:-}" && -f "$EMU_LOG" ]]; then
        echo "--- last emulator log lines ---" >&2
        tail -n 20 "$EMU_LOG" >&2
    fi
    exit 1
}

assert_eq() {
    local what=$1 expected=$2 actual=$3
    if [[ "$expected" != "$actual" ]]; then
        fail "$what: expected '$expected', got '$actual'"
    fi
    echo "ok: $what = $actual"
}

assert_contains() {
    local what=$1 needle=$2 haystack=$3
    if [[ "$haystack" != *"$needle"* ]]; then
        fail "$what: '$needle' not found in '$haystack'"
    fi
    echo "ok: $what contains '$needle'"
}

assert_aadsts() {
    local status=$1 error=$2 code=$3
    assert_eq "HTTP status" "$status" "$EMU_STATUS"
    assert_eq "error" "$error" "$(jq -r .error <<<"$EMU_BODY")"
    assert_eq "error_codes" "[$code]" "$(jq -c .error_codes <<<"$EMU_BODY")"
    assert_contains "error_description" "AADSTS$code: " "$(jq -r .error_description <<<"$EMU_BODY")"
}

emu_stop() {
    EMU_EXIT=
    if [[ -n "${EMU_PID:-}" ]] && kill -0 "$EMU_PID" 2>/dev/null; then
        kill -TERM "$EMU_PID" 2>/dev/null
        EMU_EXIT=0
        wait "$EMU_PID" 2>/dev/null || EMU_EXIT=$?
    fi
    EMU_PID=
}

emu_stop_clean() {
    emu_stop
    assert_eq "emulator exit status after SIGTERM" "0" "$EMU_EXIT"
    if grep -E 'Sanitizer|runtime error' "$EMU_LOG" >&2; then
        fail "the emulator log reports a sanitizer finding"
    fi
}

emu_workdir() {
    EMU_WORK=$(mktemp -d "${TMPDIR:-/tmp}/m365id-emu-work.XXXXXX")
    export EMU_WORK
    trap _emu_cleanup EXIT
}

_emu_cleanup() {
    emu_stop
    if [[ -n "${EMU_WORK:-}" && -d "$EMU_WORK" ]]; then
        rm -rf "$EMU_WORK"
    fi
    if [[ -n "${_EMU_TMP:-}" && -d "$_EMU_TMP" ]]; then
        rm -rf "$_EMU_TMP"
    fi
}

emu_start() {
    local scenario=${1:-}
    local bin=${EMU_BIN:-}
    local extra=()
    local i

    [[ -x "$bin" ]] || fail "EMU_BIN '$bin' is not an executable emulator binary"
    command -v jq >/dev/null || fail "jq is required (apt-get install jq)"
    _EMU_TMP=$(mktemp -d "${TMPDIR:-/tmp}/m365id-emu.XXXXXX")
    EMU_STATE=$_EMU_TMP/state
    EMU_LOG=$_EMU_TMP/emulator.log
    trap _emu_cleanup EXIT
    read -r -a extra <<<"${EMU_EXTRA_ARGS:-}"
    if [[ -n "$scenario" ]]; then
        "$bin" --config "$scenario" --state-dir "$EMU_STATE" --port 0 "${extra[@]}" 2>"$EMU_LOG" &
    else
        "$bin" --state-dir "$EMU_STATE" --port 0 "${extra[@]}" 2>"$EMU_LOG" &
    fi
    EMU_PID=$!
    for ((i = 0; i < 100; i++)); do
        [[ -f "$EMU_STATE/emulator.json" ]] && break
        if ! kill -0 "$EMU_PID" 2>/dev/null; then
            EMU_PID=
            fail "the emulator exited during start: $(cat "$EMU_LOG")"
        fi
        sleep 0.1
    done
    [[ -f "$EMU_STATE/emulator.json" ]] || fail "no emulator.json after 10 s"
    EMU_BASE=$(emu_json base_url)
    EMU_CA=$(emu_json ca_file)
    export EMU_BASE EMU_CA EMU_STATE EMU_PID EMU_LOG
}

emu_json() {
    jq -er ".$1" "$EMU_STATE/emulator.json" || fail "emulator.json has no '$1'"
}

emu_mint() {
    local cluster=$1 ns=$2 sa=$3 aud=$4 exp=$5 iat=${6:-}
    local body reply

    if [[ "$aud" == \[* ]]; then
        body=$(jq -nc --arg ns "$ns" --arg sa "$sa" --argjson aud "$aud" --argjson exp "$exp" \
            '{namespace:$ns, service_account:$sa, audience:$aud, expiration_seconds:$exp}')
    else
        body=$(jq -nc --arg ns "$ns" --arg sa "$sa" --arg aud "$aud" --argjson exp "$exp" \
            '{namespace:$ns, service_account:$sa, audience:$aud, expiration_seconds:$exp}')
    fi
    if [[ -n "$iat" ]]; then
        body=$(jq -c --argjson iat "$iat" '. + {issued_at:$iat}' <<<"$body")
    fi
    reply=$(curl "${EMU_CURL_OPTS[@]}" --fail --cacert "$EMU_CA" -H 'Content-Type: application/json' \
        --data "$body" "$EMU_BASE/_emulator/clusters/$cluster/token") ||
        fail "minting a token on cluster '$cluster' failed"
    jq -er .token <<<"$reply"
}

emu_token() {
    local tenant=$1 client=$2 scope=$3 assertion=$4 authority=${5:-$EMU_BASE/}
    local out

    out=$(curl "${EMU_CURL_OPTS[@]}" --cacert "$EMU_CA" -w '\n%{http_code}' \
        "${authority}${tenant}/oauth2/v2.0/token" \
        --data-urlencode grant_type=client_credentials \
        --data-urlencode "client_id=$client" \
        --data-urlencode "scope=$scope" \
        --data-urlencode client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \
        --data-urlencode "client_assertion=$assertion") || fail "token request did not complete"
    EMU_STATUS=${out##*$'\n'}
    EMU_BODY=${out%$'\n'*}
}

emu_post_form() {
    local url=$1 body=$2
    local out

    out=$(curl "${EMU_CURL_OPTS[@]}" --cacert "$EMU_CA" -w '\n%{http_code}' \
        -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "$body" "$url") ||
        fail "POST $url did not complete"
    EMU_STATUS=${out##*$'\n'}
    EMU_BODY=${out%$'\n'*}
}

emu_get() {
    local url=$1 bearer=${2:-}
    local out
    local auth=()

    if [[ -n "$bearer" ]]; then
        auth=(-H "Authorization: Bearer $bearer")
    fi
    out=$(curl "${EMU_CURL_OPTS[@]}" --cacert "$EMU_CA" -w '\n%{http_code}' "${auth[@]}" "$url") ||
        fail "GET $url did not complete"
    EMU_STATUS=${out##*$'\n'}
    EMU_BODY=${out%$'\n'*}
}

emu_request() {
    local hdr out

    hdr=$(mktemp "${_EMU_TMP:-${TMPDIR:-/tmp}}/headers.XXXXXX")
    EMU_CURL_RC=0
    out=$(curl "${EMU_CURL_OPTS[@]}" --cacert "$EMU_CA" -D "$hdr" -w '\n%{http_code}' "$@" \
        2>/dev/null) || EMU_CURL_RC=$?
    EMU_STATUS=${out##*$'\n'}
    EMU_BODY=${out%$'\n'*}
    [[ "$out" == *$'\n'* ]] || EMU_BODY=
    EMU_HEADERS=$(tr -d '\r' <"$hdr")
    rm -f "$hdr"
}

emu_secret_token() {
    local tenant=$1 client=$2 scope=$3 secret=$4

    emu_request "$EMU_BASE/${tenant}/oauth2/v2.0/token" \
        --data-urlencode grant_type=client_credentials \
        --data-urlencode "client_id=$client" \
        --data-urlencode "scope=$scope" \
        --data-urlencode "client_secret=$secret"
    [[ $EMU_CURL_RC -eq 0 ]] || fail "token request did not complete (curl exit $EMU_CURL_RC)"
}

_emu_b64url_decode() {
    local s=$1
    s=${s//-/+}
    s=${s//_//}
    while (( ${#s} % 4 )); do s+='='; done
    base64 -d <<<"$s"
}

emu_jwt_claims() {
    local jwt=$1 part
    part=${jwt#*.}
    _emu_b64url_decode "${part%%.*}"
}

emu_jwt_header() {
    _emu_b64url_decode "${1%%.*}"
}
