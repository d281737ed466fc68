#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# `m365id setup` input checks: every invalid value exits 1 with a message naming it, missing
# options are named, and --output-dir never overwrites a file that differs without --force,
# nor anything that is not a regular file.
. "$(dirname "$0")/../cli/common.sh" "$@"

TENANT=3f0a1b2c-4d5e-4f60-8a7b-9c0d1e2f3a4b
CLIENT=7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918
ISSUER=https://oidc.example.test/cluster/
BASE=(--tenant-id "$TENANT" --client-id "$CLIENT" --issuer "$ISSUER")

# reject EXPECTED_TEXT ARGS...: setup with the valid base plus ARGS exits 1 naming the value.
reject() {
    local text=$1
    shift
    t_run setup "${BASE[@]}" "$@"
    t_expect_rc 1 "setup $*"
    t_expect_err "$text"
    [ ! -s "$T_DIR/out" ] || t_fail "setup $* printed files although it failed"
}

reject "--tenant-id 'contoso.onmicrosoft.com' is not a GUID" --tenant-id contoso.onmicrosoft.com
reject "--client-id '2222-not-a-guid' is not a GUID" --client-id 2222-not-a-guid
reject "--namespace 'Team_A' is not a valid Kubernetes namespace name" --namespace Team_A
reject "--namespace '-team' is not" --namespace -team
reject "--namespace '$(printf 'a%.0s' {1..64})' is not" --namespace "$(printf 'a%.0s' {1..64})"
reject "--service-account 'Reader' is not a valid Kubernetes service account name" \
    --service-account Reader
reject "--service-account 'a..b' is not" --service-account a..b
reject "--service-account 'sa:x' is not" --service-account sa:x
reject "--job-name '$(printf 'j%.0s' {1..64})' is not a valid Kubernetes Job name" \
    --job-name "$(printf 'j%.0s' {1..64})"
reject "--issuer 'http://oidc.example.test/' uses http on a host other than loopback" \
    --issuer http://oidc.example.test/
reject "--issuer 'ftp://oidc.example.test/' is not an https URL" --issuer ftp://oidc.example.test/
reject "--issuer 'https://oidc.example.test/?x=1' has a query or fragment" \
    --issuer 'https://oidc.example.test/?x=1'
reject "--issuer 'https://oidc.example.test/ a' contains whitespace" \
    --issuer 'https://oidc.example.test/ a'
reject "--issuer 'https://' has no host" --issuer https://
reject "--fic-name 'ab' is not a valid federated credential name" --fic-name ab
reject "--fic-name '-credential' is not" --fic-name -credential
reject "--fic-name 'my credential' is not" --fic-name 'my credential'
reject "--image 'hashicorp/terraform latest' is not a container image reference" \
    --image 'hashicorp/terraform latest'
reject "--app-name 'two\\nlines' is not a usable application display name" \
    --app-name $'two\nlines'
reject "--app-name ' padded' is not" --app-name ' padded'
reject "option '--app-name' has an empty value" --app-name ''
reject "unknown --cloud 'mars' (want one of public, dod, gcc, gcchigh, china, ex, rx)" \
    --cloud mars
# usgov is the Azure CLI's name; the provider has two US Government clouds.
reject "unknown --cloud 'usgov' (want one of public, dod," --cloud usgov
t_expect_err "US Government (GCC High) is 'gcchigh', DoD is 'dod'"
# Display names must be UTF-8 (Graph takes JSON), and the limit counts characters, not bytes.
reject "--app-name 'bad\\xffutf' is not valid UTF-8" --app-name $'bad\xffutf'
reject "is not valid UTF-8" --app-name $'overlong \xc0\xaf slash'
reject "is not valid UTF-8" --app-name $'surrogate \xed\xa0\x80'
reject "is not valid UTF-8" --app-name $'cut \xe2\x82'
reject "has 257 characters, more than the 256 Entra ID accepts" \
    --app-name "$(printf '\xc3\xa9%.0s' {1..257})"
# Userinfo and impossible ports in the issuer.
reject "--issuer 'https://user:pass@oidc.example.test/' contains user information" \
    --issuer https://user:pass@oidc.example.test/
reject "--issuer 'https://oidc.example.test:99999/' has a port above 65535" \
    --issuer https://oidc.example.test:99999/
reject "--issuer 'https://oidc.example.test:0/' has port 0" --issuer https://oidc.example.test:0/
reject "--issuer 'https://oidc.example.test:/' has an empty port" --issuer https://oidc.example.test:/
reject "--issuer 'https://oidc.example.test:44x/' has a port that is not a number" \
    --issuer https://oidc.example.test:44x/
reject "--issuer 'https://[::1/' has an IPv6 host without a closing ']'" --issuer 'https://[::1/'
reject "--issuer 'http://127.0.0.1@evil.example.test/' uses http on a host other than loopback" \
    --issuer http://127.0.0.1@evil.example.test/
reject "unknown Graph application permission 'DeviceManagementConfiguration.ReadWrite.Al'; close names: DeviceManagementConfiguration.Read.All, DeviceManagementConfiguration.ReadWrite.All" \
    --permission DeviceManagementConfiguration.ReadWrite.Al
reject "unknown Graph application permission 'user.read.all'; close names: " --permission user.read.all
t_expect_err "User.Read.All"
reject "unknown Graph application permission 'Zzzzzz.Qqqqqq'" --permission Zzzzzz.Qqqqqq
t_expect_err "--list-permissions"
reject "--issuer and --issuer-from-cluster exclude each other" --issuer-from-cluster

# 200 two-byte characters fit the limit of 256 characters although they are 400 bytes.
t_run setup "${BASE[@]}" --app-name "$(printf '\xc3\xa9%.0s' {1..200})"
t_expect_rc 0 "200 x e-acute as --app-name"
# Issuers with a port, on a name and on an IPv6 address.
t_run setup "${BASE[@]}" --issuer https://oidc.example.test:8443/cluster/
t_expect_rc 0 "issuer with port 8443"
t_run setup "${BASE[@]}" --issuer 'https://[2001:db8::1]:443/'
t_expect_rc 0 "issuer on an IPv6 address with a port"

# Loopback issuers may use http, as a local test cluster does.
t_run setup "${BASE[@]}" --issuer http://127.0.0.1:8443/issuer
t_expect_rc 0 "http issuer on 127.0.0.1"
t_run setup "${BASE[@]}" --issuer 'http://[::1]:8443/'
t_expect_rc 0 "http issuer on ::1"

# Missing options are named with what they are for.
t_run setup --tenant-id "$TENANT" --issuer "$ISSUER"
t_expect_rc 1 "no --client-id"
t_expect_err "missing --client-id GUID" "--apply"
t_run setup --client-id "$CLIENT" --issuer "$ISSUER"
t_expect_rc 1 "no --tenant-id"
t_expect_err "missing --tenant-id GUID"
t_run setup --tenant-id "$TENANT" --client-id "$CLIENT"
t_expect_rc 1 "no issuer"
t_expect_err "missing --issuer URL"
t_run setup "${BASE[@]}" extra
t_expect_rc 1 "positional argument"
t_expect_err "unexpected argument 'extra'"
env -u KUBERNETES_SERVICE_HOST "$M365ID" setup --tenant-id "$TENANT" --client-id "$CLIENT" \
    --issuer-from-cluster >"$T_DIR/out" 2>"$T_DIR/err" && t_fail "--issuer-from-cluster outside a pod succeeded"
t_expect_err "--issuer-from-cluster needs KUBERNETES_SERVICE_HOST"

# --list-permissions prints the table.
t_run setup --list-permissions
t_expect_rc 0 "--list-permissions"
grep -qE '^Application\.ReadWrite\.All +1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9$' "$T_DIR/out" \
    || t_fail "--list-permissions lacks Application.ReadWrite.All"

# --output-dir: a missing directory, then created, unchanged, refused and replaced files.
t_run setup "${BASE[@]}" --output-dir "$T_DIR/missing"
t_expect_rc 1 "missing output dir"
t_expect_err "--output-dir '$T_DIR/missing' is not a directory"
out="$T_DIR/files"
mkdir "$out"
t_run setup "${BASE[@]}" --output-dir "$out"
t_expect_rc 0 "first write"
[ "$(grep -c '^created ' "$T_DIR/out")" -eq 6 ] || t_fail "first write should create 6 files"
t_run setup "${BASE[@]}" --output-dir "$out"
t_expect_rc 0 "same content again"
[ "$(grep -c '^unchanged ' "$T_DIR/out")" -eq 6 ] || t_fail "second write should leave 6 files unchanged"
cp -p "$out/job.yaml" "$T_DIR/job.before"
echo "# edited by hand" >>"$out/serviceaccount.yaml"
cp -p "$out/serviceaccount.yaml" "$T_DIR/sa.before"
# Another client id changes several files; the refusal must write none of them.
t_run setup --tenant-id "$TENANT" --client-id 11111111-2222-4333-8444-555555555555 \
    --issuer "$ISSUER" --output-dir "$out"
t_expect_rc 1 "overwrite without --force"
t_expect_err "exists with different content; nothing was written" "--force"
cmp -s "$out/job.yaml" "$T_DIR/job.before" || t_fail "job.yaml changed although setup refused"
cmp -s "$out/serviceaccount.yaml" "$T_DIR/sa.before" || t_fail "serviceaccount.yaml changed"
t_expect_err "'$out/entra-setup.sh' exists with different content"
ls -A "$out" | grep -q '^\.m365id-setup' && t_fail "a temporary file was left behind"
t_run setup --tenant-id "$TENANT" --client-id 11111111-2222-4333-8444-555555555555 \
    --issuer "$ISSUER" --output-dir "$out" --force
t_expect_rc 0 "overwrite with --force"
grep -q "^replaced $out/serviceaccount.yaml$" "$T_DIR/out" || t_fail "serviceaccount.yaml not replaced"
grep -q 11111111-2222-4333-8444-555555555555 "$out/job.yaml" || t_fail "job.yaml has the old client id"
[ "$(stat -c %a "$out/job.yaml")" = 644 ] || t_fail "a replaced file lost mode 0644"
[ "$(ls -A "$out" | wc -l)" -eq 6 ] || t_fail "the directory holds other files than the 6: $(ls -A "$out")"

# A FIFO or a directory in place of a file: rejected at once, even with --force, and nothing
# is written (reading the FIFO would block, and rename(2) cannot replace a directory).
for kind in fifo dir; do
    for force in "" --force; do
        odd="$T_DIR/odd-$kind$force"
        mkdir "$odd"
        if [ "$kind" = fifo ]; then mkfifo "$odd/job.yaml"; else mkdir "$odd/job.yaml"; fi
        set +e
        timeout 10 "$M365ID" setup "${BASE[@]}" --output-dir "$odd" $force \
            >"$T_DIR/out" 2>"$T_DIR/err"
        T_RC=$?
        set -e
        [ "$T_RC" -ne 124 ] || t_fail "setup --output-dir with a $kind as job.yaml hangs"
        t_expect_rc 1 "$kind as job.yaml $force"
        [ "$kind" = fifo ] && t_expect_err "'$odd/job.yaml' exists and is a FIFO, not a regular file; nothing was written"
        [ "$kind" = dir ] && t_expect_err "'$odd/job.yaml' exists and is a directory, not a regular file"
        [ "$(ls -A "$odd")" = job.yaml ] || t_fail "files were written next to the $kind: $(ls -A "$odd")"
    done
done

t_pass
