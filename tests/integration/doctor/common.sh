# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Shared steps of the doctor integration tests, sourced by each test as
#   . "$(dirname "$0")/common.sh" M365ID_BINARY EMULATOR_BINARY
# It adds to the CLI tests' common.sh: a doctor run with JSON output, lookups of one check's
# status and text, and hand-made unsigned tokens (doctor decodes tokens without verifying).

. "$(dirname "${BASH_SOURCE[0]}")/../cli/common.sh" "$@"

# d_run ARGS...: run `m365id doctor -o json ARGS`; the report must parse with jq.
d_run() {
    t_run doctor -o json "$@"
    jq -e . "$T_DIR/out" >/dev/null || t_fail "doctor -o json printed no valid JSON"
}

# d_status ID: the status of check ID in the last report.
d_status() {
    jq -r --arg id "$1" '.checks[] | select(.id == $id) | .status' "$T_DIR/out"
}

# d_expect ID STATUS: check ID has STATUS in the last report.
d_expect() {
    local got
    got=$(d_status "$1")
    [ "$got" = "$2" ] || t_fail "check '$1' is '$got', expected '$2'"
}

# d_text ID: every message, fix and "name: value" evidence line of check ID.
d_text() {
    jq -r --arg id "$1" '.checks[] | select(.id == $id) | .findings[]
        | .message, (.fix // empty), (.evidence[] | .name + ": " + .value)' "$T_DIR/out"
}

# d_expect_text ID TEXT...: each TEXT appears literally in check ID's findings.
d_expect_text() {
    local id=$1 text
    shift
    for text in "$@"; do
        d_text "$id" | grep -qF -- "$text" || t_fail "check '$id' lacks: $text"
    done
}

# d_expect_finding ID STATUS TEXT: a finding of check ID with STATUS has TEXT in its message.
d_expect_finding() {
    jq -e --arg id "$1" --arg st "$2" --arg t "$3" \
        '[.checks[] | select(.id == $id) | .findings[]
          | select(.status == $st and (.message | contains($t)))] | length > 0' \
        "$T_DIR/out" >/dev/null || t_fail "check '$1' has no '$2' finding with: $3"
}

# d_b64url: base64url of stdin, without padding.
d_b64url() {
    base64 -w0 | tr '+/' '-_' | tr -d '='
}

# d_craft_jwt PAYLOAD_JSON [HEADER_JSON]: an unsigned token with these parts, for the steps
# that doctor checks without a signature.
d_craft_jwt() {
    local header=${2:-'{"alg":"RS256","kid":"test-kid"}'}
    printf '%s.%s.%s' "$(printf '%s' "$header" | d_b64url)" \
        "$(printf '%s' "$1" | d_b64url)" "c2lnbmF0dXJlLW5vdC1jaGVja2Vk"
}

# d_token_with_iss ISS: write to $T_DIR/token an unsigned token of the demo workload's service
# account with issuer ISS, valid for an hour from now, and remember it as a secret.
d_token_with_iss() {
    local now
    now=$(date +%s)
    d_craft_jwt "$(jq -nc --arg iss "$1" --argjson now "$now" '{iss: $iss,
        sub: "system:serviceaccount:terraform-m365:terraform-m365-sa",
        aud: ["api://AzureADTokenExchange"], iat: $now, nbf: $now, exp: ($now + 3600)}')" \
        >"$T_DIR/token"
    t_secret "$(cat "$T_DIR/token")"
}

# d_no_jwt_anywhere: nothing shaped like a JWT appears in any run's stdout or stderr.
d_no_jwt_anywhere() {
    local file
    for file in "$T_DIR"/run*.out "$T_DIR"/run*.err; do
        [ -e "$file" ] || continue
        ! grep -qE 'eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.' "$file" \
            || t_fail "a JWT-shaped string appears in $file"
    done
}
