#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# A federated credential that Entra ID does not match yet. AADSTS 70021 and 700211 to 700213
# are retried federated_credential_retries times (within max_retries, none without
# enable_retry) and then reported with the number of attempts. Other rejections are not
# retried. A credential created through Graph while the emulator imitates propagation delay is
# rejected at first, and `m365id token` with the default delays outlasts the delay.
. "$(dirname "$0")/common.sh" "$@"

ADMIN=44444444-4444-4444-4444-444444444444
ADMIN_SECRET=fc23-admin-secret-value
SUBJECT=system:serviceaccount:terraform-m365:terraform-m365-sa

# The workload's application trusts another service account of the same cluster, so a token
# of terraform-m365-sa gets 700213 until a credential for it is added and has propagated.
t_scenario "
  .fic_propagation_seconds = 4
  | .tenants[0].applications[0].federated_credentials[0].subject = \"system:serviceaccount:other:sa\"
  | .tenants[0].applications += [{\"app_id\": \"$ADMIN\", \"display_name\": \"admin\",
      \"roles\": [\"Application.ReadWrite.All\"], \"client_secrets\": [{\"value\": \"$ADMIN_SECRET\"}]}]"
t_start
t_pod_env
t_secret "$ADMIN_SECRET"

fault() { # fault JSON: add one fault rule
    curl -fsS --max-time 10 --cacert "$T_CA" -H 'Content-Type: application/json' \
        -d "$1" "$T_BASE/_emulator/faults" >/dev/null || t_fail "cannot add fault $1"
}
requests() { t_stats .token_requests; }
# expect_requests N WHAT: the last run sent N token requests.
expect_requests() {
    local now
    now=$(requests)
    [ "$((now - before))" -eq "$1" ] || t_fail "$2: $((now - before)) token requests, expected $1"
}

# No backoff: the retries of the first part follow each other at once.
export M365_RETRY_DELAY_SECONDS=0

# The emulator returns the credential's real mismatch: one request, two retries, the last
# rejection with the attempts, and a WARN line per retry.
before=$(requests)
t_run token
t_expect_rc 4 "subject not trusted"
expect_requests 3 "subject not trusted"
t_expect_err "AADSTS700213" "(a federated credential mismatch on all 3 attempts over 0 s)" \
    "may not match yet; mismatch retry 1 of 2 in 0ms" \
    "may not match yet; mismatch retry 2 of 2 in 0ms"

# The setting lowers the retries, max_retries caps them, and enable_retry=false turns them off.
before=$(requests)
M365_FEDERATED_CREDENTIAL_RETRIES=1 t_run token
t_expect_rc 4 "one retry"
expect_requests 2 "federated_credential_retries=1"
t_expect_err "(a federated credential mismatch on all 2 attempts"
before=$(requests)
M365_MAX_RETRIES=1 M365_FEDERATED_CREDENTIAL_RETRIES=5 t_run token
expect_requests 2 "max_retries=1 caps federated_credential_retries=5"
before=$(requests)
M365_ENABLE_RETRY=false t_run token
t_expect_rc 4 "retries off"
expect_requests 1 "enable_retry=false"
t_expect_no_err "a federated credential mismatch on all" "retry 1 of"
# A first delay (12 s to 18 s) longer than the time budget (3 s x 4 attempts) stops the
# retries, and a WARN line reports it.
before=$(requests)
M365_RETRY_DELAY_SECONDS=1 M365_TIMEOUT_SECONDS=3 t_run token
t_expect_rc 4 "time budget too short"
expect_requests 1 "a time budget shorter than the first delay"
t_expect_err "no mismatch retry of AADSTS700213 after attempt 1: waiting" \
    "would pass the time budget of timeout_seconds x 4 attempts"
t_expect_no_err "retry 1 of"
before=$(requests)
M365_FEDERATED_CREDENTIAL_RETRIES=6 t_run token
t_expect_rc 2 "federated_credential_retries out of range"
t_expect_err "client_options.federated_credential_retries '6' (env M365_FEDERATED_CREDENTIAL_RETRIES) is outside the range 0 to 5"
expect_requests 0 "an invalid setting"

# A subject that differs only in letter case is a configuration error: not retried.
before=$(requests)
fault '{"endpoint": "token", "aadsts": 7002138, "count": 1}'
t_run token
t_expect_rc 4 "7002138"
expect_requests 1 "7002138"
t_expect_err "AADSTS7002138"
t_expect_no_err "retry 1 of"

# A transient failure between mismatches is retried on its own count, and the message counts
# only the mismatches.
before=$(requests)
fault '[{"endpoint": "token", "aadsts": 700213, "count": 1},
        {"endpoint": "token", "status": 503, "count": 1},
        {"endpoint": "token", "aadsts": 700212, "count": 2}]'
t_run token
t_expect_rc 4 "mismatch, 503, mismatch, mismatch"
expect_requests 4 "mismatch, 503, mismatch, mismatch"
t_expect_err "AADSTS700212" "(a federated credential mismatch on 3 of 4 attempts over 0 s)"

# Propagation: add the credential through Graph. Within fic_propagation_seconds the exchange
# still gets 700213; `m365id token` with the default delays waits about 15 s and succeeds.
emu_secret_token "$T_TENANT" "$ADMIN" https://graph.microsoft.com/.default "$ADMIN_SECRET"
[ "$EMU_STATUS" = 200 ] || t_fail "no admin token: $EMU_BODY"
admin=$(jq -r .access_token <<<"$EMU_BODY")
graph=$(t_info clouds.public.graph_endpoint)
emu_get "$graph/v1.0/applications?\$filter=appId%20eq%20'$T_CLIENT'" "$admin"
app_object=$(jq -r '.value[0].id' <<<"$EMU_BODY")
[ -n "$app_object" ] && [ "$app_object" != null ] || t_fail "the application was not found: $EMU_BODY"
emu_request -X POST -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    --data "{\"name\": \"terraform\", \"issuer\": \"$(t_info clusters.demo.issuer)\",
             \"subject\": \"$SUBJECT\", \"audiences\": [\"api://AzureADTokenExchange\"]}" \
    "$graph/v1.0/applications/$app_object/federatedIdentityCredentials"
[ "$EMU_STATUS" = 201 ] || t_fail "credential not created: $EMU_STATUS $EMU_BODY"

before=$(requests)
M365_ENABLE_RETRY=false t_run token
t_expect_rc 4 "right after the credential was created"
t_expect_err "AADSTS700213"

unset M365_RETRY_DELAY_SECONDS
before=$(requests)
t_run token -o json
t_expect_rc 0 "after propagation"
expect_requests 2 "one retry outlasts the propagation delay"
t_expect_err "AADSTS700213 from" "may not match yet; mismatch retry 1 of 2 in "
[ "$(jq -r .claims.appid "$T_DIR/out")" = "$T_CLIENT" ] || t_fail "the token is not for $T_CLIENT"
t_pass
