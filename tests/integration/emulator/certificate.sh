#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Certificate client assertions over real HTTPS, with certificates made by openssl(1): PS256
# and RS256, every thumbprint form (x5t#S256 base64url and standard base64, x5t, x5c), every
# accepted audience form, and each rejection with its AADSTS code (700021, 700023, 700027,
# 700024, 50027). A PKCS#12 file is made too, for the clients that read one.
# Usage: certificate.sh PATH_TO_M365ID_EMULATOR
set -euo pipefail
EMU_BIN=$1
source "$(dirname "$0")/../lib/emulator.sh"
source "$(dirname "$0")/../lib/certs.sh"

tenant=11111111-1111-1111-1111-111111111111
client=22222222-2222-2222-2222-222222222222
scope=https://graph.microsoft.com/.default
jwt_bearer=urn:ietf:params:oauth:client-assertion-type:jwt-bearer

emu_workdir
certs_make "$EMU_WORK/certs" app p12-pass
certs_make "$EMU_WORK/certs" other
certs_make "$EMU_WORK/certs" old p12-pass /CN=old expired
certs_make "$EMU_WORK/certs" sni p12-pass "/O=Contoso/CN=app.contoso.com"
certs_make "$EMU_WORK/certs" sni-other p12-pass "/O=Contoso/CN=evil.contoso.com"
openssl pkcs12 -in "$EMU_WORK/certs/app.p12" -passin pass:p12-pass -noout ||
    fail "the PKCS#12 file does not open with its password"
echo "ok: PKCS#12 file opens with its password"

cat >"$EMU_WORK/scenario.json" <<JSON
{
  "tenants": [{"id": "$tenant", "domains": ["contoso.onmicrosoft.com"],
    "users": [{"displayName": "Adele Vance", "userPrincipalName": "adele@contoso.onmicrosoft.com"}],
    "applications": [{"app_id": "$client", "display_name": "cert-app", "roles": ["User.Read.All"],
      "certificates": [{"pem_file": "certs/app.crt"}, {"pem": $(jq -Rs . <"$EMU_WORK/certs/old.crt")}],
      "trusted_subject": "CN=app.contoso.com,O=Contoso"}]}]
}
JSON
emu_start "$EMU_WORK/scenario.json"
token_url="$EMU_BASE/$tenant/oauth2/v2.0/token"
key=$EMU_WORK/certs/app.key
crt=$EMU_WORK/certs/app.crt

post_assertion() {
    emu_request "${2:-$token_url}" --data-urlencode grant_type=client_credentials \
        --data-urlencode "client_id=$client" --data-urlencode "scope=$scope" \
        --data-urlencode "client_assertion_type=$jwt_bearer" --data-urlencode "client_assertion=$1"
    [[ $EMU_CURL_RC -eq 0 ]] || fail "token request did not complete (curl exit $EMU_CURL_RC)"
}

claims_for() { # AUD [LIFETIME] [NBF_OFFSET]
    local now
    now=$(date +%s)
    jq -nc --arg c "$client" --arg a "$1" --arg j "$(cat /proc/sys/kernel/random/uuid)" \
        --argjson now "$now" --argjson life "${2:-600}" --argjson off "${3:-0}" \
        '{aud: $a, iss: $c, sub: $c, jti: $j, nbf: ($now + $off), iat: $now, exp: ($now + $life)}'
}

# PS256 and RS256 with x5t#S256.
for alg in PS256 RS256; do
    post_assertion "$(certs_client_assertion "$key" "$crt" "$alg" "$client" "$token_url")"
    assert_eq "$alg: status" "200" "$EMU_STATUS"
    access=$(jq -r .access_token <<<"$EMU_BODY")
    assert_eq "$alg: appidacr" "2" "$(emu_jwt_claims "$access" | jq -r .appidacr)"
done
emu_get "$EMU_BASE/v1.0/users" "$access"
assert_eq "Graph accepts the certificate-based token" "200" "$EMU_STATUS"

# Thumbprint forms: x5t (SHA-1), x5t#S256 in standard base64 with padding (MSAL Go).
hdr=$(jq -nc --arg t "$(certs_x5t "$crt")" '{typ: "JWT", x5t: $t}')
post_assertion "$(certs_assertion "$key" RS256 "$hdr" "$(claims_for "$token_url")")"
assert_eq "x5t (SHA-1): status" "200" "$EMU_STATUS"
std=$(openssl x509 -in "$crt" -outform DER | openssl dgst -sha256 -binary | openssl base64 -A)
hdr=$(jq -nc --arg t "$std" '{typ: "JWT", "x5t#S256": $t}')
post_assertion "$(certs_assertion "$key" PS256 "$hdr" "$(claims_for "$token_url")")"
assert_eq "x5t#S256 in standard base64: status" "200" "$EMU_STATUS"

# x5c: a registered leaf alone, and with a matching thumbprint.
hdr=$(jq -nc --arg c "$(certs_x5c "$crt")" '{typ: "JWT", x5c: [$c]}')
post_assertion "$(certs_assertion "$key" PS256 "$hdr" "$(claims_for "$token_url")")"
assert_eq "x5c registered leaf: status" "200" "$EMU_STATUS"
hdr=$(jq -nc --arg c "$(certs_x5c "$crt")" --arg t "$(certs_x5t_s256 "$crt")" \
    '{typ: "JWT", x5c: [$c], "x5t#S256": $t}')
post_assertion "$(certs_assertion "$key" PS256 "$hdr" "$(claims_for "$token_url")")"
assert_eq "x5c plus thumbprint: status" "200" "$EMU_STATUS"

# x5c with the trusted subject: accepted unregistered; another subject is not.
sni_crt=$EMU_WORK/certs/sni.crt
hdr=$(jq -nc --arg c "$(certs_x5c "$sni_crt")" '{typ: "JWT", x5c: [$c]}')
post_assertion "$(certs_assertion "$EMU_WORK/certs/sni.key" PS256 "$hdr" "$(claims_for "$token_url")")"
assert_eq "x5c with trusted subject: status" "200" "$EMU_STATUS"
hdr=$(jq -nc --arg c "$(certs_x5c "$EMU_WORK/certs/sni-other.crt")" '{typ: "JWT", x5c: [$c]}')
post_assertion "$(certs_assertion "$EMU_WORK/certs/sni-other.key" PS256 "$hdr" "$(claims_for "$token_url")")"
assert_aadsts 401 invalid_client 700027
assert_contains "other subject: key not found" "The key was not found." \
    "$(jq -r .error_description <<<"$EMU_BODY")"
# x5c leaf that differs from the thumbprint header.
hdr=$(jq -nc --arg c "$(certs_x5c "$sni_crt")" --arg t "$(certs_x5t_s256 "$crt")" \
    '{typ: "JWT", x5c: [$c], "x5t#S256": $t}')
post_assertion "$(certs_assertion "$EMU_WORK/certs/sni.key" PS256 "$hdr" "$(claims_for "$token_url")")"
assert_aadsts 401 invalid_client 700027
assert_contains "x5c mismatch text" "does not match the thumbprint" "$(jq -r .error_description <<<"$EMU_BODY")"

# Accepted audiences: the tenant domain and the v1 token endpoint.
domain_url="$EMU_BASE/contoso.onmicrosoft.com/oauth2/v2.0/token"
post_assertion "$(certs_client_assertion "$key" "$crt" PS256 "$client" "$domain_url")" "$domain_url"
assert_eq "audience with the domain, sent to the domain: status" "200" "$EMU_STATUS"
post_assertion "$(certs_client_assertion "$key" "$crt" PS256 "$client" "$token_url")" "$domain_url"
assert_eq "audience with the tenant id, sent to the domain: status" "200" "$EMU_STATUS"
post_assertion "$(certs_client_assertion "$key" "$crt" PS256 "$client" "$EMU_BASE/$tenant/oauth2/token")"
assert_eq "v1 audience: status" "200" "$EMU_STATUS"

# Wrong audiences: 700023.
for aud in "$EMU_BASE/$tenant/oauth2/v2.0/token/" "https://login.microsoftonline.com/$tenant/oauth2/v2.0/token" \
    "$EMU_BASE/clouds/usgov/$tenant/oauth2/v2.0/token" "$EMU_BASE/$tenant/v2.0"; do
    post_assertion "$(certs_client_assertion "$key" "$crt" PS256 "$client" "$aud")"
    assert_aadsts 401 invalid_client 700023
done
assert_contains "700023 text" "does not match Realm issuer" "$(jq -r .error_description <<<"$EMU_BODY")"

# iss or sub other than the client id: 700021.
c=$(claims_for "$token_url" | jq -c '.sub = "33333333-3333-3333-3333-333333333333"')
post_assertion "$(certs_assertion "$key" PS256 '{"typ":"JWT"}' "$c")"
assert_aadsts 401 invalid_client 700021
c=$(claims_for "$token_url" | jq -c '.iss = "https://example.com"')
post_assertion "$(certs_assertion "$key" PS256 '{"typ":"JWT"}' "$c")"
assert_aadsts 401 invalid_client 700021

# Unknown thumbprint: 700027 naming it.
other=$EMU_WORK/certs/other.crt
post_assertion "$(certs_client_assertion "$EMU_WORK/certs/other.key" "$other" PS256 "$client" "$token_url")"
assert_aadsts 401 invalid_client 700027
want_tp=$(openssl x509 -in "$other" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g')
assert_contains "thumbprint in the text" "Thumbprint of key used by client: '$want_tp'" \
    "$(jq -r .error_description <<<"$EMU_BODY")"

# A registered thumbprint but the wrong key's signature: 700027.
hdr=$(jq -nc --arg t "$(certs_x5t_s256 "$crt")" '{typ: "JWT", "x5t#S256": $t}')
post_assertion "$(certs_assertion "$EMU_WORK/certs/other.key" PS256 "$hdr" "$(claims_for "$token_url")")"
assert_aadsts 401 invalid_client 700027
assert_contains "bad signature text" "did not validate" "$(jq -r .error_description <<<"$EMU_BODY")"

# PS256 with OpenSSL's maximum salt instead of the 32 bytes RFC 7518 requires: 700027.
input="$(printf '%s' '{"typ":"JWT","alg":"PS256","x5t#S256":"'"$(certs_x5t_s256 "$crt")"'"}' | certs_b64url).$(claims_for "$token_url" | tr -d '\n' | certs_b64url)"
sig=$(printf '%s' "$input" | openssl dgst -sha256 -sign "$key" -sigopt rsa_padding_mode:pss \
    -sigopt rsa_pss_saltlen:max -binary | certs_b64url)
post_assertion "$input.$sig"
assert_aadsts 401 invalid_client 700027

# No thumbprint header at all: 700027.
post_assertion "$(certs_assertion "$key" PS256 '{"typ":"JWT"}' "$(claims_for "$token_url")")"
assert_aadsts 401 invalid_client 700027

# Expired certificate, correctly signed: 700027 "The key used is expired."
post_assertion "$(certs_client_assertion "$EMU_WORK/certs/old.key" "$EMU_WORK/certs/old.crt" PS256 "$client" "$token_url")"
assert_aadsts 401 invalid_client 700027
assert_contains "expired key text" "The key used is expired." "$(jq -r .error_description <<<"$EMU_BODY")"

# Expired assertion and one not yet valid: 700024. A long lifetime is accepted (no cap).
hdr=$(jq -nc --arg t "$(certs_x5t_s256 "$crt")" '{typ: "JWT", "x5t#S256": $t}')
post_assertion "$(certs_assertion "$key" PS256 "$hdr" "$(claims_for "$token_url" -3600 -4000)")"
assert_aadsts 401 invalid_client 700024
post_assertion "$(certs_assertion "$key" PS256 "$hdr" "$(claims_for "$token_url" 7200 3600)")"
assert_aadsts 401 invalid_client 700024
post_assertion "$(certs_assertion "$key" PS256 "$hdr" "$(claims_for "$token_url" 172800)")"
assert_eq "two-day assertion lifetime: status" "200" "$EMU_STATUS"

# Malformed: missing jti, unsupported alg, bad thumbprint length, x5c not a certificate.
post_assertion "$(certs_assertion "$key" PS256 "$hdr" "$(claims_for "$token_url" | jq -c 'del(.jti)')")"
assert_aadsts 400 invalid_request 50027
assert_contains "missing jti text" "'jti' claim" "$(jq -r .error_description <<<"$EMU_BODY")"
post_assertion "$(certs_assertion "$key" ES256 "$hdr" "$(claims_for "$token_url")")"
assert_aadsts 400 invalid_request 50027
post_assertion "$(certs_assertion "$key" PS256 '{"x5t#S256":"AAAA"}' "$(claims_for "$token_url")")"
assert_aadsts 400 invalid_request 50027
post_assertion "$(certs_assertion "$key" PS256 '{"x5c":["bm90IGEgY2VydA=="]}' "$(claims_for "$token_url")")"
assert_aadsts 400 invalid_request 50027

# Assertions never reach the log.
if grep -q 'eyJ' "$EMU_LOG"; then
    fail "the emulator log contains a JWT"
fi
echo "ok: no JWT in the log"

emu_stop_clean
echo "PASS certificate"
