#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# doctor -vvv, on a good setup and on broken ones, never prints the projected token, the
# access token or a client secret on stdout or stderr: only fingerprints and lengths.
. "$(dirname "$0")/common.sh" "$@"

t_scenario '.tenants[0].applications[0].client_secrets = [{"value": "doctor-client-secret-value-0123"}]'
t_start
t_pod_env
assertion=$(cat "$AZURE_FEDERATED_TOKEN_FILE")

# The access token the emulator would issue for this assertion, to look for in the output.
emu_token "$T_TENANT" "$T_CLIENT" https://graph.microsoft.com/.default "$assertion"
[ "$EMU_STATUS" = 200 ] || t_fail "the emulator did not issue a token"
t_secret "$(jq -r .access_token <<<"$EMU_BODY")"

t_run -vvv doctor
t_expect_rc 0 "good setup, -vvv"
t_expect_out "fingerprint: sha256:"
t_run -vvv doctor -o json --require-role User.Read.All
t_expect_rc 0 "good setup, -vvv, json"

# Broken setups: a JWT in the path variable, an expired token, no roles for the client secret.
AZURE_FEDERATED_TOKEN_FILE=$assertion t_run -vvv doctor
t_expect_rc 8 "token in the path variable"
emu_mint demo terraform-m365 terraform-m365-sa api://AzureADTokenExchange 3600 \
    $(($(date +%s) - 7200)) >"$T_DIR/expired"
t_secret "$(cat "$T_DIR/expired")"
t_run -vvv doctor --token-file "$T_DIR/expired"
t_expect_rc 8 "expired token"
t_secret doctor-client-secret-value-0123
M365_AUTH_METHOD=client_secret M365_CLIENT_SECRET=doctor-client-secret-value-0123 \
    t_run -vvv doctor -o json
t_expect_rc 0 "client secret"

# Neither stream of any run contains a secret or anything shaped like a JWT.
for secret in "${T_SECRETS[@]}"; do
    for part in "$secret" "${secret##*.}"; do
        [ ${#part} -ge 16 ] || continue
        for file in "$T_DIR"/run*.out "$T_DIR"/run*.err; do
            ! grep -qF -- "$part" "$file" || t_fail "a secret appears in $file"
        done
    done
done
d_no_jwt_anywhere
t_pass
