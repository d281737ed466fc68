#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Secret canaries. Known secret values are planted: a projected token (the assertion), a
# forged assertion, a client secret, a wrong client secret, a PKCS#12 password, the
# certificate's private key, and the access tokens the emulator issues. The CLI (token, graph,
# doctor, setup --apply, inspect) runs through success and failure paths at -vvv against an
# emulator at -vv. No canary may appear in any stdout or stderr (except the access token that
# `token` prints on purpose), in the emulator log, or in any file but those that hold it by
# design. No process started here has a secret in its argv, and the files that hold secrets
# are mode 0600.
# Usage: canaries.sh PATH_TO_M365ID PATH_TO_M365ID_EMULATOR
. "$(dirname "$0")/../cli/common.sh" "$@"
. "$(dirname "$0")/../lib/certs.sh"

SECRET_APP=33333333-3333-4333-8333-333333333333
CERT_APP=44444444-4444-4444-8444-444444444444
client_secret='Cnry~client-secret.7f3a9c2e5b8d1046'
wrong_secret='Cnry~wrong-secret.0d4e8b2a6c9f1357'
p12_password='Cnry-p12-password-5e1b7d3f9a2c'
certs_make "$T_DIR/certs" app "$p12_password" || t_fail "cannot make the test certificate"
chmod 0600 "$T_DIR/certs/app.p12"
private_key=$(grep -v -- ----- "$T_DIR/certs/app.key" | tr -d '\n')

t_scenario ".tenants[0].applications[0].roles += [\"Application.ReadWrite.All\",
        \"AppRoleAssignment.ReadWrite.All\"]
    | .tenants[0].applications += [
    {\"app_id\": \"$SECRET_APP\", \"display_name\": \"canary-secret-app\",
     \"roles\": [\"Application.ReadWrite.All\", \"AppRoleAssignment.ReadWrite.All\",
                 \"User.Read.All\", \"Organization.Read.All\"],
     \"client_secrets\": [{\"value\": \"$client_secret\"}]},
    {\"app_id\": \"$CERT_APP\", \"display_name\": \"canary-cert-app\",
     \"roles\": [\"User.Read.All\"], \"certificates\": [{\"pem_file\": \"certs/app.crt\"}]}]"
EMU_EXTRA_ARGS=-vv t_start
t_pod_env
assertion=$(cat "$AZURE_FEDERATED_TOKEN_FILE")
# A forged assertion: the real header and payload with a signature that is itself a canary.
forged="${assertion%.*}.Q25yeUZvcmdlZFNpZ25hdHVyZS1jYW5hcnktNWQ4ZTJhMWY"
printf '%s' "$forged" >"$T_DIR/forged.jwt"
for s in "$client_secret" "$wrong_secret" "$p12_password" "$private_key" "$forged"; do
    t_secret "$s"
done
export M365_RETRY_DELAY_SECONDS=0 M365_MAX_RETRIES=1
export XDG_RUNTIME_DIR=$T_DIR/runtime
mkdir -m 0700 "$XDG_RUNTIME_DIR"

# --- workload identity: token, graph, doctor, inspect; with and without the cache ---
t_run -vvv token -o raw --cache
t_expect_rc 0 "token --cache"
access_wi=$(cat "$T_DIR/out")
t_secret "$access_wi"
t_run -vvv token -o json --cache
t_expect_rc 0 "token from the cache"
t_run -vvv graph GET '/v1.0/users?$top=2' --all
t_expect_rc 0 "graph --all"
t_run -vvv doctor
t_expect_rc 0 "doctor"
t_run -vvv inspect "$AZURE_FEDERATED_TOKEN_FILE"
t_expect_rc 0 "inspect"
t_run -vvv inspect -o json "$AZURE_FEDERATED_TOKEN_FILE"
t_expect_rc 0 "inspect -o json"
t_run -vvv --token-file "$T_DIR/forged.jwt" token
t_expect_rc 4 "forged assertion"
t_expect_err "700027"
t_run -vvv --token-file "$T_DIR/forged.jwt" doctor
[ "$T_RC" -ne 0 ] || t_fail "doctor accepted the forged assertion"

# --- client secret: success, wrong secret, setup --apply ---
as_secret() {
    export M365_AUTH_METHOD=client_secret M365_TENANT_ID=$T_TENANT M365_CLIENT_ID=$SECRET_APP
    export M365_CLIENT_SECRET=$1
}
(
    as_secret "$client_secret"
    t_run -vvv token -o raw
    t_expect_rc 0 "client secret token"
    printf '%s' "$(cat "$T_DIR/out")" >"$T_DIR/access_secret"
    t_run -vvv graph GET /v1.0/organization
    t_expect_rc 0 "client secret graph"
    t_run -vvv doctor
    t_expect_rc 0 "client secret doctor"
    mkdir -p "$T_DIR/setup-out"
    t_run -vvv setup --apply --app-name canary-setup-app --namespace team-a \
        --service-account canary --issuer "$(t_info clusters.demo.issuer)" \
        --permission User.Read.All --output-dir "$T_DIR/setup-out"
    t_expect_rc 0 "setup --apply"
    as_secret "$wrong_secret"
    t_run -vvv token
    t_expect_rc 4 "wrong client secret"
    t_expect_err "7000215"
    t_run -vvv doctor
    [ "$T_RC" -ne 0 ] || t_fail "doctor accepted the wrong secret"
)
t_secret "$(cat "$T_DIR/access_secret")"
T_RUNS=$(find "$T_DIR" -maxdepth 1 -name 'run*.out' | wc -l)

# --- certificate: PKCS#12 with its password, a wrong password ---
(
    export M365_AUTH_METHOD=client_certificate M365_TENANT_ID=$T_TENANT M365_CLIENT_ID=$CERT_APP
    export M365_CLIENT_CERTIFICATE_FILE_PATH=$T_DIR/certs/app.p12
    export M365_CLIENT_CERTIFICATE_PASSWORD=$p12_password
    T_RUNS=$(find "$T_DIR" -maxdepth 1 -name 'run*.out' | wc -l)
    t_run -vvv token -o raw
    t_expect_rc 0 "certificate token"
    printf '%s' "$(cat "$T_DIR/out")" >"$T_DIR/access_cert"
    t_run -vvv doctor
    t_expect_rc 0 "certificate doctor"
    export M365_CLIENT_CERTIFICATE_PASSWORD=$wrong_secret
    t_run -vvv token
    t_expect_rc 2 "wrong PKCS#12 password"
)
t_secret "$(cat "$T_DIR/access_cert")"
T_RUNS=$(find "$T_DIR" -maxdepth 1 -name 'run*.out' | wc -l)

# --- a secret passed as a flag is rejected, and not echoed ---
t_run --client-secret "$wrong_secret" token
[ "$T_RC" -ne 0 ] || t_fail "a --client-secret flag was accepted"
t_run token --password "$p12_password"
[ "$T_RC" -ne 0 ] || t_fail "a --password flag was accepted"

# --- argv: the emulator's and a running CLI's command line hold no secret ---
# cmdline_clean PID WHAT: fail when the argv of PID or of one of its children contains a canary.
cmdline_clean() {
    local pid=$1 what=$2 p s args
    for p in "$pid" $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
        args=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
        for s in "${T_SECRETS[@]}"; do
            [[ "$args" != *"$s"* ]] || t_fail "the argv of $what (pid $p) holds a secret"
        done
    done
}
cmdline_clean "$EMU_PID" "the emulator"
# A Graph delay keeps the CLI running while its argv is read.
emu_request -X POST -H 'Content-Type: application/json' \
    --data '{"endpoint":"graph","delay_ms":3000,"count":1}' "$EMU_BASE/_emulator/faults"
[ "$EMU_STATUS" = 200 ] || [ "$EMU_STATUS" = 201 ] || t_fail "cannot add the delay rule: $EMU_BODY"
(
    export M365_AUTH_METHOD=client_secret M365_TENANT_ID=$T_TENANT M365_CLIENT_ID=$SECRET_APP
    export M365_CLIENT_SECRET=$client_secret
    exec "$M365ID" -vvv graph GET /v1.0/organization >"$T_DIR/slow.out" 2>"$T_DIR/slow.err"
) &
cli_pid=$!
seen=0
for _ in $(seq 50); do
    if [ -r "/proc/$cli_pid/cmdline" ] && grep -q graph "/proc/$cli_pid/cmdline" 2>/dev/null; then
        cmdline_clean "$cli_pid" "m365id"
        seen=1
        break
    fi
    sleep 0.05
done
wait "$cli_pid" || t_fail "the delayed graph run failed: $(cat "$T_DIR/slow.err")"
[ "$seen" = 1 ] || t_fail "the running CLI's argv could not be read"
cp "$T_DIR/slow.out" "$T_DIR/run_slow.out"
cp "$T_DIR/slow.err" "$T_DIR/run_slow.err"

# --- file modes ---
mode() { stat -c %a "$1"; }
cache_file=$XDG_RUNTIME_DIR/m365id/tokens.json
[ -f "$cache_file" ] || t_fail "no cache file at '$cache_file'"
[ "$(mode "$cache_file")" = 600 ] || t_fail "the cache file is mode $(mode "$cache_file")"
[ "$(mode "$AZURE_FEDERATED_TOKEN_FILE")" = 600 ] ||
    t_fail "the emulator's workload token file is mode $(mode "$AZURE_FEDERATED_TOKEN_FILE")"
# Every file the emulator writes that contains a JWT (workload, CI and kube folder tokens).
while IFS= read -r f; do
    [ "$(mode "$f")" = 600 ] || t_fail "'$f' holds a token and is mode $(mode "$f")"
done < <(grep -rlE 'eyJ[A-Za-z0-9_-]{8,}\.' "$EMU_STATE" || true)

# --- where each canary may be ---
emu_stop_clean
# allowed FILE: files that hold a canary by design.
allowed() {
    case "$1" in
    "$T_DIR/scenario.json" | "$T_DIR"/certs/* | "$T_DIR/forged.jwt" | "$cache_file" | \
        "$T_DIR/access_secret" | "$T_DIR/access_cert" | "$T_DIR/out" | "$T_DIR/slow.out" | \
        "$T_DIR"/run*.out | "$EMU_STATE"/workloads/*/azure-identity-token) return 0 ;;
    esac
    return 1
}
for s in "${T_SECRETS[@]}"; do
    for part in "$s" "${s##*.}"; do
        [ ${#part} -ge 16 ] || continue
        ! grep -qF -- "$part" "$EMU_LOG" || t_fail "the emulator log holds a secret"
        while IFS= read -r f; do
            allowed "$f" || t_fail "a secret is in '$f'"
        done < <(grep -rlF -- "$part" "$T_DIR" "$EMU_STATE" || true)
    done
done
# Only `token -o raw|json` prints an access token, and never an assertion or other secret.
for f in "$T_DIR"/run*.out; do
    for s in "$assertion" "$forged" "$client_secret" "$wrong_secret" "$p12_password" \
        "$private_key"; do
        ! grep -qF -- "${s##*.}" "$f" || t_fail "stdout file $f holds a secret"
    done
done
t_log "emulator log: $(wc -l <"$EMU_LOG") lines checked"
t_pass
