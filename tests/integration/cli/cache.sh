#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# The --cache token file. Consecutive runs share one token request, the directory is 0700 and
# the file 0600, and every client id and scope gets its own entry. Entries due for refresh are
# not served, and damaged or unsafe files are replaced with a warning. An unsafe directory is an
# error, and no run without --cache writes anything.
. "$(dirname "$0")/common.sh" "$@"

T_CLIENT_B=33333333-3333-3333-3333-333333333333
GRAPH_APP_SCOPE=00000003-0000-0000-c000-000000000000/.default

# A second app federated with the same service account, so that two client ids both succeed.
t_scenario '.tenants[0].applications += [.tenants[0].applications[0]
    | .app_id = "'"$T_CLIENT_B"'" | .display_name = "second-app"]'
t_start
t_pod_env
export M365_RETRY_DELAY_SECONDS=0
export XDG_RUNTIME_DIR=$T_DIR/xdg
mkdir -m 700 "$XDG_RUNTIME_DIR"
cache_dir=$XDG_RUNTIME_DIR/m365id
cache_file=$cache_dir/tokens.json

requests() { t_stats .token_requests; }
expect_requests() {
    local got
    got=$(requests)
    [ "$got" -eq "$1" ] || t_fail "$2: the emulator counted $got token requests, expected $1"
}
entries() { jq '.entries | length' "$cache_file"; }
mode_of() { stat -c %a "$1"; }
# rewrite_file JQ_FILTER: change the cache file in place, keeping its inode and mode.
rewrite_file() {
    jq "$1" "$cache_file" >"$T_DIR/edited.json" || t_fail "jq could not edit the cache file"
    cat "$T_DIR/edited.json" >"$cache_file"
}

# Without --cache nothing is written.
t_run token
t_expect_rc 0 "token without --cache"
t_run graph GET /v1.0/organization
t_expect_rc 0 "graph without --cache"
[ ! -e "$cache_dir" ] || t_fail "a run without --cache created '$cache_dir'"
expect_requests 2 "two runs without --cache"

# Two runs with --cache: one token request, the same token, the second marked cached.
t_run token --cache
t_expect_rc 0 "first token --cache"
first=$(cat "$T_DIR/out")
t_run -vvv token --cache -o json
t_expect_rc 0 "second token --cache"
expect_requests 3 "two consecutive token --cache runs"
[ "$(jq -r .access_token "$T_DIR/out")" = "$first" ] || t_fail "the second run printed another token"
[ "$(jq -r .cached "$T_DIR/out")" = true ] || t_fail "the cached token is not marked cached"
t_expect_err "debug cache: hit in '$cache_file'"
grep -qF -- "${first##*.}" "$T_DIR/err" && t_fail "the access token appears in stderr with -vvv"
t_secret "$first"

[ "$(mode_of "$cache_dir")" = 700 ] || t_fail "cache directory mode $(mode_of "$cache_dir"), want 700"
[ "$(mode_of "$cache_file")" = 600 ] || t_fail "cache file mode $(mode_of "$cache_file"), want 600"
[ "$(stat -c %u "$cache_file")" = "$(id -u)" ] || t_fail "cache file not owned by the user"
[ "$(entries)" -eq 1 ] || t_fail "one token, but $(entries) cache entries"
[ "$(jq -r '.entries[0].key.client_id' "$cache_file")" = "$T_CLIENT" ] \
    || t_fail "the entry is not keyed by the client id"
[ "$(jq -r '.entries[0].key.auth_method' "$cache_file")" = workload_identity ] \
    || t_fail "the entry is not keyed by the auth method"

# graph --cache sends the cached token without a new token request.
t_run -vvv graph --cache GET /v1.0/organization
t_expect_rc 0 "graph --cache"
t_expect_out '"displayName": "Contoso"'
expect_requests 3 "graph --cache with a cached token"

# Another client id gets its own entry and its own token.
t_run --client-id "$T_CLIENT_B" token --cache -o json
t_expect_rc 0 "token --cache for the second client"
expect_requests 4 "a second client id"
[ "$(jq -r .claims.appid "$T_DIR/out")" = "$T_CLIENT_B" ] || t_fail "second client got another app's token"
[ "$(jq -r .cached "$T_DIR/out")" = false ] || t_fail "the second client's first token is marked cached"
t_secret "$(jq -r .access_token "$T_DIR/out")"
[ "$(entries)" -eq 2 ] || t_fail "two client ids, but $(entries) cache entries"
t_run token --cache -o json
[ "$(jq -r .claims.appid "$T_DIR/out")" = "$T_CLIENT" ] || t_fail "first client served the second's token"
t_run --client-id "$T_CLIENT_B" token --cache -o json
[ "$(jq -r .claims.appid "$T_DIR/out")" = "$T_CLIENT_B" ] || t_fail "second client served the first's token"
expect_requests 4 "both clients served from the cache"

# Another scope gets its own entry.
t_run token --cache --scope "$GRAPH_APP_SCOPE"
t_expect_rc 0 "token --cache with the Graph app id scope"
t_secret "$(cat "$T_DIR/out")"
expect_requests 5 "another scope"
[ "$(entries)" -eq 3 ] || t_fail "three keys, but $(entries) cache entries"

# An entry due for refresh is not served, although it has not expired. An entry of another key
# that is due for refresh is pruned at the next write.
now=$(date +%s)
rewrite_file "(.entries[] | select(.key.client_id == \"$T_CLIENT\" and .key.scope != \"$GRAPH_APP_SCOPE\")
    | .refresh_on) = $((now - 1))
  | (.entries[] | select(.key.client_id == \"$T_CLIENT_B\") | .refresh_on) = $((now - 1))"
t_run -vv token --cache -o json
t_expect_rc 0 "token --cache with an entry due for refresh"
expect_requests 6 "an entry past its refresh time"
[ "$(jq -r .cached "$T_DIR/out")" = false ] || t_fail "an entry past its refresh time was served"
t_expect_err "debug cache: entry due for refresh"
t_secret "$(jq -r .access_token "$T_DIR/out")"
[ "$(entries)" -eq 2 ] || t_fail "the stale entry of the second client was not pruned ($(entries) entries)"
jq -e --argjson now "$now" 'all(.entries[]; .refresh_on > $now)' "$cache_file" >/dev/null \
    || t_fail "an entry past its refresh time is still in the file"

# A corrupt file is ignored with a warning and replaced.
printf 'not json {' >"$cache_file"
t_run token --cache
t_expect_rc 0 "token --cache with a corrupt file"
t_expect_err "m365id: warn cache: ignoring the token cache file '$cache_file': it is not valid JSON"
expect_requests 7 "a corrupt cache file"
jq -e '.version == 1 and (.entries | length) == 1' "$cache_file" >/dev/null \
    || t_fail "the corrupt file was not replaced by a valid one"
[ "$(mode_of "$cache_file")" = 600 ] || t_fail "the replaced file has mode $(mode_of "$cache_file")"
t_secret "$(cat "$T_DIR/out")"

# A file others can read is not trusted: ignored and replaced with mode 0600.
chmod 644 "$cache_file"
t_run token --cache
t_expect_rc 0 "token --cache with a 0644 file"
t_expect_err "its mode 0644 lets other users read or write it"
expect_requests 8 "a 0644 cache file"
[ "$(mode_of "$cache_file")" = 600 ] || t_fail "the 0644 file was not replaced by a 0600 one"
t_secret "$(cat "$T_DIR/out")"

# A symbolic link in place of the file is not followed: its target stays untouched.
rm "$cache_file"
printf 'target\n' >"$T_DIR/link-target"
ln -s "$T_DIR/link-target" "$cache_file"
t_run token --cache
t_expect_rc 0 "token --cache with a symbolic link as the file"
t_expect_err "ignoring the token cache file '$cache_file': it is a symbolic link"
[ "$(cat "$T_DIR/link-target")" = target ] || t_fail "the link's target was written"
[ -f "$cache_file" ] && [ ! -L "$cache_file" ] || t_fail "the link was not replaced by a file"
t_secret "$(cat "$T_DIR/out")"
expect_requests 9 "a symbolic link as the cache file"

# A file of another user is ignored and replaced (needs root to create one).
if [ "$(id -u)" -eq 0 ]; then
    chown 65534 "$cache_file"
    t_run token --cache
    t_expect_rc 0 "token --cache with another user's file"
    t_expect_err "it is owned by uid 65534, not by the current user (uid 0)"
    [ "$(stat -c %u "$cache_file")" = 0 ] || t_fail "another user's file was not replaced"
    t_secret "$(cat "$T_DIR/out")"
    expect_requests 10 "another user's cache file"
else
    t_log "not root: the check of a file owned by another user is left out"
fi
before=$(requests)

# An unsafe directory is refused before any request: mode 0755.
chmod 755 "$cache_dir"
t_run token --cache
t_expect_rc 7 "token --cache with a 0755 directory"
t_expect_err "m365id: error: the token cache directory '$cache_dir' has mode 0755, not 0700" \
    "m365id: hint: make it private with 'chmod 700 $cache_dir'"
t_run graph --cache GET /v1.0/organization
t_expect_rc 7 "graph --cache with a 0755 directory"
expect_requests "$before" "an unsafe cache directory"
chmod 700 "$cache_dir"

# A symbolic link as the directory, even to a private directory of the user, is refused.
export XDG_RUNTIME_DIR=$T_DIR/xdg-link
mkdir -m 700 "$XDG_RUNTIME_DIR" "$T_DIR/elsewhere"
chmod 700 "$T_DIR/elsewhere"
ln -s "$T_DIR/elsewhere" "$XDG_RUNTIME_DIR/m365id"
t_run token --cache
t_expect_rc 7 "token --cache with a linked directory"
t_expect_err "the token cache directory '$XDG_RUNTIME_DIR/m365id' is a symbolic link, not a directory"
[ -z "$(ls -A "$T_DIR/elsewhere")" ] || t_fail "something was written through the linked directory"
expect_requests "$before" "a linked cache directory"

# A directory of another user is refused (needs root to create one).
if [ "$(id -u)" -eq 0 ]; then
    export XDG_RUNTIME_DIR=$T_DIR/xdg-other
    mkdir -m 700 "$XDG_RUNTIME_DIR" "$XDG_RUNTIME_DIR/m365id"
    chmod 700 "$XDG_RUNTIME_DIR/m365id"
    chown 65534 "$XDG_RUNTIME_DIR/m365id"
    t_run token --cache
    t_expect_rc 7 "token --cache with another user's directory"
    t_expect_err "is owned by uid 65534, not by the current user (uid 0)"
    expect_requests "$before" "another user's cache directory"
fi

# A missing runtime directory is an error that names it, not a silent fallback.
export XDG_RUNTIME_DIR=$T_DIR/no-such-dir
t_run token --cache
t_expect_rc 7 "token --cache with a missing XDG_RUNTIME_DIR"
t_expect_err "cannot create the token cache directory '$T_DIR/no-such-dir/m365id': No such file or directory"

# The help of both commands names the option.
t_run token --help
t_expect_out "--cache" "\$XDG_RUNTIME_DIR/m365id/tokens.json"
t_run graph --help
t_expect_out "--cache"
t_pass
