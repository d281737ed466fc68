#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# `inspect` decodes tokens minted by the emulator, with no setting in the environment. A
# service-account token shows its federated credential and times, and the access token is
# app-only. Expired and over-long tokens get warnings. Bad input fails with status 2, and no
# signature part ever reaches the output.
. "$(dirname "$0")/common.sh" "$@"

t_scenario
t_start
issuer=$(t_info clusters.demo.issuer)
subject=system:serviceaccount:terraform-m365:terraform-m365-sa
now=$(date +%s)

# jq_check WHAT JQ_EXPR EXPECTED: one value of the last run's JSON output.
jq_check() {
    local actual
    actual=$(jq -r "$2" "$T_DIR/out") || t_fail "$1: stdout is not JSON"
    [ "$actual" = "$3" ] || t_fail "$1: '$actual', expected '$3'"
}

# no_signature TOKEN: the signature part of TOKEN appears in no run's stdout or stderr.
no_signature() {
    local sig=${1##*.} file
    [ ${#sig} -ge 16 ] || t_fail "token has no signature part to look for"
    for file in "$T_DIR"/run*.out "$T_DIR"/run*.err; do
        ! grep -qF -- "$sig" "$file" || t_fail "the signature part appears in $file"
    done
}

# A projected service-account token, followed by two newlines to check that surrounding
# whitespace is trimmed.
sa=$(emu_mint demo terraform-m365 terraform-m365-sa api://AzureADTokenExchange 3600)
t_secret "$sa"
printf '%s\n\n' "$sa" >"$T_DIR/sa.jwt"

t_run inspect "$T_DIR/sa.jwt"
t_expect_rc 0 "inspect FILE"
t_expect_out "signature not verified" "kind: Kubernetes service-account token" \
    "  issuer:   $issuer" "  subject:  $subject" "  audience: api://AzureADTokenExchange" \
    "lifetime: 3600s (1h, exp - iat)"
case $issuer in
*/) t_expect_out "(the trailing '/' is part of the issuer)" ;;
*) t_fail "the scenario's issuer '$issuer' should end with '/'" ;;
esac
grep -qE '^  exp: [0-9]+ \([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z, in [0-9]+[dhms]([0-9]+[hms])?\)$' "$T_DIR/out" \
    || t_fail "exp line lacks the RFC 3339 time and 'in ...'"
grep -qE '^  iat: [0-9]+ \([0-9-]{10}T[0-9:]{8}Z, ' "$T_DIR/out" || t_fail "iat line lacks the time"
grep -qE '^  alg: RS256$' "$T_DIR/out" || t_fail "header alg not shown"
grep -qE '^  kid: .+' "$T_DIR/out" || t_fail "header kid not shown"
grep -qE '^  "?kubernetes.io"?: \{' "$T_DIR/out" || t_fail "kubernetes.io claim not shown"
! grep -q '^warning:' "$T_DIR/out" || t_fail "a valid service-account token got a warning"

t_run inspect -o json "$T_DIR/sa.jwt"
t_expect_rc 0 "inspect -o json FILE"
jq_check "verified" .verified false
jq_check "kind" .kind kubernetes-service-account
jq_check "fic issuer" .federated_credential.issuer "$issuer"
jq_check "fic trailing slash" .federated_credential.issuer_trailing_slash true
jq_check "fic subject" .federated_credential.subject "$subject"
jq_check "fic audiences" '.federated_credential.audiences | tostring' '["api://AzureADTokenExchange"]'
jq_check "header alg" .header.alg RS256
jq_check "claims sub" .claims.sub "$subject"
jq_check "lifetime" .lifetime_s 3600
jq_check "exp utc" '.times.exp.utc == (.times.exp.unix | todate)' true
jq_check "exp in future" ".times.exp.unix > $now" true
jq_check "exp relative" '.times.exp.relative | startswith("in ")' true
jq_check "size counts the newlines" .size $((${#sa} + 2))
jq_check "no warnings" '.warnings | length' 0
jq_check "only known keys" 'keys | sort | join(",")' \
    "claims,federated_credential,header,kind,kind_text,lifetime_s,size,source,times,verified,warnings"

# Standard input, both without an argument and with '-'.
set +e
timeout 20 "$M365ID" inspect <"$T_DIR/sa.jwt" >"$T_DIR/run_stdin1.out" 2>"$T_DIR/run_stdin1.err"
rc1=$?
timeout 20 "$M365ID" inspect -o json - <"$T_DIR/sa.jwt" >"$T_DIR/run_stdin2.out" 2>"$T_DIR/run_stdin2.err"
rc2=$?
set -e
[ "$rc1" -eq 0 ] || t_fail "inspect < FILE: exit status $rc1"
[ "$rc2" -eq 0 ] || t_fail "inspect - < FILE: exit status $rc2"
grep -qF "m365id inspect: standard input," "$T_DIR/run_stdin1.out" || t_fail "stdin source not named"
grep -qF "  subject:  $subject" "$T_DIR/run_stdin1.out" || t_fail "stdin: subject not shown"
[ "$(jq -r .federated_credential.subject "$T_DIR/run_stdin2.out")" = "$subject" ] \
    || t_fail "inspect - : subject not decoded"

# An expired token that lived 2 days: both the expiry and the lifetime are flagged.
old=$(emu_mint demo terraform-m365 terraform-m365-sa api://AzureADTokenExchange 172800 $((now - 3 * 86400)))
t_secret "$old"
printf '%s' "$old" >"$T_DIR/old.jwt"
t_run inspect "$T_DIR/old.jwt"
t_expect_rc 0 "inspect expired token"
grep -qE '^  exp: [0-9]+ \([0-9-]{10}T[0-9:]{8}Z, expired 1d' "$T_DIR/out" \
    || t_fail "exp line does not say 'expired 1d...'"
t_expect_out "warning: the token expired 1d" "AADSTS70023" "lifetime 172800s (exp - iat) exceeds 90000s"
t_run inspect -o json "$T_DIR/old.jwt"
jq_check "expired relative" '.times.exp.relative | startswith("expired ")' true
jq_check "expired seconds" '.times.exp.seconds_from_now < 0' true
jq_check "two warnings" '.warnings | length' 2

# A wrong audience is flagged.
other=$(emu_mint demo terraform-m365 terraform-m365-sa '["api://AzureADTokenExchange","https://kubernetes.default.svc"]' 3600)
t_secret "$other"
printf '%s' "$other" >"$T_DIR/aud.jwt"
t_run inspect "$T_DIR/aud.jwt"
t_expect_rc 0 "inspect two audiences"
t_expect_out "  audience: api://AzureADTokenExchange" "  audience: https://kubernetes.default.svc" \
    "warning: audience 'https://kubernetes.default.svc' is not an api://AzureADTokenExchange value"

# The access token from `token` is an app-only Entra ID token with its roles.
t_pod_env
t_run token
t_expect_rc 0 "token"
access=$(cat "$T_DIR/out")
rm -f "$T_DIR/run$T_RUNS.out" # `token` prints the access token on purpose
t_secret "$access"
printf '%s\n' "$access" >"$T_DIR/access.jwt"
t_run inspect "$T_DIR/access.jwt"
t_expect_rc 0 "inspect access token"
t_expect_out "kind: Entra ID access token, app-only (idtyp is 'app')" "Organization.Read.All" \
    "User.Read.All" "(AADSTS700222)"
! grep -q "^federated identity credential" "$T_DIR/out" || t_fail "access token got a credential section"
t_run inspect -o json "$T_DIR/access.jwt"
jq_check "access kind" .kind entra-access-token
jq_check "access app-only" .access app-only
jq_check "access roles" '.claims.roles | index("Organization.Read.All") != null' true
jq_check "access tid" .claims.tid "$T_TENANT"
jq_check "access no credential" .federated_credential null

# Bad input: status 2, the file and byte count named, nothing of the content echoed.
canary=CANARYnotajwtCANARYnotajwtCANARY
printf '%s' "$canary" >"$T_DIR/bad.txt"
t_run inspect "$T_DIR/bad.txt"
t_expect_rc 2 "inspect not-a-JWT"
t_expect_err "'$T_DIR/bad.txt' (${#canary} bytes) is not a JWT: not three dot-separated parts"
! grep -qF CANARY "$T_DIR/out" "$T_DIR/err" || t_fail "not-a-JWT content was echoed"
printf 'eyJhbGciOiJSUzI1NiJ9.%s.c2ln' "$canary" >"$T_DIR/bad2.txt"
t_run inspect "$T_DIR/bad2.txt"
t_expect_rc 2 "inspect bad payload"
t_expect_err "is not a JWT:"
! grep -qF CANARY "$T_DIR/out" "$T_DIR/err" || t_fail "bad payload content was echoed"
head -c 65537 /dev/zero | tr '\0' a >"$T_DIR/big.txt"
t_run inspect "$T_DIR/big.txt"
t_expect_rc 2 "inspect oversize"
t_expect_err "is larger than 65536 bytes"
t_run inspect "$T_DIR/missing.jwt"
t_expect_rc 2 "inspect missing file"
t_run inspect a b
t_expect_rc 1 "inspect two arguments"
t_run inspect -o yaml "$T_DIR/sa.jwt"
t_expect_rc 1 "inspect unknown format"

# A terminal on standard input is a usage error (only checked when `script` can make one).
if command -v script >/dev/null 2>&1; then
    set +e
    M365ID="$M365ID" timeout 20 script -qec '"$M365ID" inspect' /dev/null </dev/null \
        >"$T_DIR/run_tty.out" 2>&1
    set -e
    grep -qF "standard input is a terminal" "$T_DIR/run_tty.out" \
        || t_fail "terminal stdin was not rejected"
fi

for token in "$sa" "$old" "$other" "$access"; do
    no_signature "$token"
done
t_pass
