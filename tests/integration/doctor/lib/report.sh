# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Assertions on the report of `m365id doctor -o json`, sourced after ../cli/common.sh by the
# doctor tests of the pod and federated-credential checks. Each reads $T_DIR/out of the last
# t_run.
#
#   d_status ID                 print the status of check ID
#   d_expect_status ID STATUS   fail unless check ID has STATUS
#   d_text ID                   print every message, fix and "name: value" evidence of check ID
#   d_expect ID TEXT...         fail unless each TEXT appears in d_text ID
#   d_expect_not ID TEXT...     fail if any TEXT appears in d_text ID
#   d_finding_status ID TEXT    print the status of the first finding of ID whose message
#                               contains TEXT

d_status() {
    jq -er --arg id "$1" '.checks[] | select(.id == $id) | .status' "$T_DIR/out" \
        || t_fail "the JSON report has no check '$1'"
}

d_expect_status() {
    local got
    got=$(d_status "$1")
    [ "$got" = "$2" ] || t_fail "check $1: status '$got', expected '$2'"$'\n'"$(d_text "$1")"
}

d_text() {
    jq -r --arg id "$1" '.checks[] | select(.id == $id) | .findings[]
        | "\(.status): \(.message)", ("fix: " + (.fix // "")),
          (.evidence[] | "\(.name): \(.value)")' "$T_DIR/out"
}

d_expect() {
    local id=$1 text all
    shift
    all=$(d_text "$id")
    for text in "$@"; do
        grep -qF -- "$text" <<<"$all" || t_fail "check $id lacks: $text"$'\n'"$all"
    done
}

d_expect_not() {
    local id=$1 text all
    shift
    all=$(d_text "$id")
    for text in "$@"; do
        ! grep -qF -- "$text" <<<"$all" || t_fail "check $id unexpectedly has: $text"$'\n'"$all"
    done
}

d_finding_status() {
    jq -r --arg id "$1" --arg text "$2" '[.checks[] | select(.id == $id) | .findings[]
        | select(.message | contains($text)) | .status][0] // "none"' "$T_DIR/out"
}
