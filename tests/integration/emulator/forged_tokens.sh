#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Forged and hostile client assertions. The test plays an external OIDC issuer (a static
# HTTPS server on 127.0.0.1 serving a discovery document and a JWKS), so it has the issuer's
# private key and can sign any header and claims. Each case sends one assertion that Entra
# rejects and checks the exact AADSTS code; two valid controls prove the set-up accepts a good
# token. Then the emulator log (at -vv) must name a reason for every rejection and contain no
# assertion, not even one part of one.
# Usage: forged_tokens.sh PATH_TO_M365ID_EMULATOR
set -euo pipefail
EMU_BIN=$1
here=$(dirname "$0")
source "$here/../lib/emulator.sh"
source "$here/../lib/certs.sh"
command -v python3 >/dev/null || fail "python3 is required for the test issuer"

emu_workdir
W=$EMU_WORK
T=11111111-1111-1111-1111-111111111111
C=33333333-3333-3333-3333-333333333333
SUB=system:serviceaccount:team-a:graph-reader
AUD=api://AzureADTokenExchange
SCOPE=https://graph.microsoft.com/.default

# --- the test issuer: TLS certificate for 127.0.0.1, signing key, rogue key ---
(umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/tls.key" -out "$W/tls.crt" \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -days 2 2>/dev/null) ||
    fail "cannot make the test issuer's TLS certificate"
certs_make "$W" issuer >/dev/null
certs_make "$W" rogue >/dev/null
mkdir -p "$W/www/issuer/.well-known" "$W/www/rogue"
python3 "$here/../lib/https_static.py" --root "$W/www" --cert "$W/tls.crt" --key "$W/tls.key" \
    --port-file "$W/port" --lifetime 110 >"$W/issuer.log" 2>&1 &
py_pid=$!
trap 'kill "$py_pid" 2>/dev/null; _emu_cleanup' EXIT
for _ in $(seq 100); do
    [[ -s "$W/port" ]] && break
    sleep 0.1
done
[[ -s "$W/port" ]] || fail "the test issuer did not start"
ISS="https://127.0.0.1:$(cat "$W/port")/issuer"

# jwk KEY KID: the public RSA key of KEY as a JWK.
jwk() {
    local n
    n=$(openssl rsa -in "$1" -noout -modulus 2>/dev/null | cut -d= -f2 |
        python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read()))' |
        certs_b64url)
    jq -nc --arg n "$n" --arg kid "$2" '{kty:"RSA", use:"sig", alg:"RS256", kid:$kid, n:$n, e:"AQAB"}'
}
KID=issuer-key-1
jq -nc --arg iss "$ISS" '{issuer:$iss, jwks_uri:($iss + "/jwks"),
    response_types_supported:["id_token"], subject_types_supported:["public"],
    id_token_signing_alg_values_supported:["RS256"]}' >"$W/www/issuer/.well-known/openid-configuration"
jq -nc --argjson k "$(jwk "$W/issuer.key" "$KID")" '{keys:[$k]}' >"$W/www/issuer/jwks"
# A JWKS with the rogue key, which a "jku" header points at; the emulator must never use it.
jq -nc --argjson k "$(jwk "$W/rogue.key" rogue-key)" '{keys:[$k]}' >"$W/www/rogue/jwks"

cat >"$W/scenario.json" <<JSON
{"tenants": [{"id": "$T", "cloud": "public", "display_name": "Contoso",
   "domains": ["contoso.onmicrosoft.com"],
   "applications": [{"app_id": "$C", "display_name": "forged-token-target",
     "roles": ["Organization.Read.All"],
     "federated_credentials": [{"name": "external", "issuer": "$ISS", "subject": "$SUB",
       "audiences": ["$AUD"]}]}]}],
 "clock_skew_seconds": 60}
JSON
export SSL_CERT_FILE=$W/tls.crt
EMU_EXTRA_ARGS="-vv --allow-external-issuers" emu_start "$W/scenario.json"
trap 'kill "$py_pid" 2>/dev/null; _emu_cleanup' EXIT

# --- token crafting ---
b64() { printf '%s' "$1" | certs_b64url; }
# sign KEY INPUT: the RS256 signature of INPUT, base64url.
sign() { printf '%s' "$2" | openssl dgst -sha256 -sign "$1" -binary | certs_b64url; }
# rs256 KEY HEADER_JSON CLAIMS_TEXT: a compact JWS; the claims are used byte for byte, so a
# case can send JSON that jq would rewrite (duplicate names).
rs256() {
    local input
    input="$(b64 "$2").$(b64 "$3")"
    printf '%s.%s' "$input" "$(sign "$1" "$input")"
}
now=$(date +%s)
# claims JQ_FILTER: the good claims changed by a jq filter.
claims() {
    jq -nc --arg iss "$ISS" --arg sub "$SUB" --arg aud "$AUD" --argjson now "$now" \
        '{iss:$iss, sub:$sub, aud:[$aud], iat:$now, nbf:$now, exp:($now + 3600)}' | jq -c "$@"
}
HDR=$(jq -nc --arg kid "$KID" '{alg:"RS256", kid:$kid, typ:"JWT"}')
good=$(rs256 "$W/issuer.key" "$HDR" "$(claims .)")
IFS=. read -r good_h good_p good_s <<<"$good"

: >"$W/sent"
cases=0
# expect NAME STATUS ERROR CODE ASSERTION: one table row.
expect() {
    local name=$1 status=$2 error=$3 code=$4 assertion=$5
    printf '%s\n' "$assertion" >>"$W/sent"
    emu_token "$T" "$C" "$SCOPE" "$assertion"
    echo "case: $name"
    assert_aadsts "$status" "$error" "$code"
    cases=$((cases + 1))
}
accepted() {
    local name=$1 assertion=$2
    printf '%s\n' "$assertion" >>"$W/sent"
    emu_token "$T" "$C" "$SCOPE" "$assertion"
    assert_eq "$name is accepted" 200 "$EMU_STATUS"
    assert_eq "$name gets a bearer token" Bearer "$(jq -r .token_type <<<"$EMU_BODY")"
}

# --- controls: the set-up accepts a good token ---
accepted "valid assertion" "$good"
# Entra matches a federated credential when any aud value equals its audience, as
# kube-apiserver tokens may carry several audiences.
accepted "aud list with the audience second" \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims '.aud = ["https://kubernetes.default.svc", .aud[0]]')")"

# --- algorithm and key confusion ---
expect "alg none, empty signature" 400 invalid_request 50027 \
    "$(b64 '{"alg":"none","typ":"JWT"}').$good_p."
expect "alg none, signature kept" 400 invalid_request 50027 \
    "$(b64 '{"alg":"none","kid":"'$KID'"}').$good_p.$good_s"
pubpem=$(openssl rsa -in "$W/issuer.key" -pubout 2>/dev/null)
hs_input="$(b64 '{"alg":"HS256","kid":"'$KID'"}').$good_p"
hs_sig=$(printf '%s' "$hs_input" | openssl dgst -sha256 -mac HMAC -macopt "key:$pubpem" -binary |
    certs_b64url)
expect "HS256 keyed with the RSA public key" 400 invalid_request 50027 "$hs_input.$hs_sig"
expect "alg in lower case" 400 invalid_request 50027 \
    "$(rs256 "$W/issuer.key" '{"alg":"rs256","kid":"'$KID'"}' "$(claims .)")"
expect "alg missing" 400 invalid_request 50027 \
    "$(rs256 "$W/issuer.key" '{"kid":"'$KID'"}' "$(claims .)")"
expect "PS256 is not accepted from an external issuer" 400 invalid_request 50027 \
    "$(certs_assertion "$W/issuer.key" PS256 '{"kid":"'$KID'"}' "$(claims .)")"

# --- signatures ---
expect "key not in the JWKS" 401 invalid_client 700027 \
    "$(rs256 "$W/rogue.key" '{"alg":"RS256","kid":"rogue-key"}' "$(claims .)")"
expect "existing kid, another key's signature" 401 invalid_client 700027 \
    "$(rs256 "$W/rogue.key" "$HDR" "$(claims .)")"
expect "jku header pointing at the rogue JWKS" 401 invalid_client 700027 \
    "$(rs256 "$W/rogue.key" "$(jq -nc --arg u "${ISS%/issuer}/rogue/jwks" \
        '{alg:"RS256", kid:"rogue-key", jku:$u}')" "$(claims .)")"
expect "embedded jwk header with the rogue key" 401 invalid_client 700027 \
    "$(rs256 "$W/rogue.key" "$(jq -nc --argjson k "$(jwk "$W/rogue.key" rogue-key)" \
        '{alg:"RS256", kid:"rogue-key", jwk:$k}')" "$(claims .)")"
expect "no kid" 401 invalid_client 700027 \
    "$(rs256 "$W/issuer.key" '{"alg":"RS256"}' "$(claims .)")"
expect "kid differing in case" 401 invalid_client 700027 \
    "$(rs256 "$W/issuer.key" '{"alg":"RS256","kid":"ISSUER-KEY-1"}' "$(claims .)")"
expect "tampered payload, original signature" 401 invalid_client 700027 \
    "$good_h.$(b64 "$(claims '.exp = .exp + 60')").$good_s"
expect "tampered header, original signature" 401 invalid_client 700027 \
    "$(b64 '{"alg":"RS256","kid":"'$KID'","typ":"at+jwt"}').$good_p.$good_s"
expect "signature cut short" 401 invalid_client 700027 "$good_h.$good_p.${good_s:0:${#good_s}-4}"
expect "empty signature" 401 invalid_client 700027 "$good_h.$good_p."
expect "signature of another token" 401 invalid_client 700027 \
    "$good_h.$good_p.$(cut -d. -f3 <<<"$(rs256 "$W/issuer.key" "$HDR" "$(claims '.exp = .exp + 1')")")"

# An assertion naming the application as iss and sub takes the certificate path, and the
# application has no certificate: whatever the header names, no registered key applies.
self_claims=$(claims --arg c "$C" --arg a "$EMU_BASE/$T/oauth2/v2.0/token" \
    '.iss = $c | .sub = $c | .aud = $a | .jti = "forged-1"')
expect "self-signed assertion without a thumbprint" 401 invalid_client 700027 \
    "$(rs256 "$W/rogue.key" '{"alg":"RS256"}' "$self_claims")"
expect "self-signed assertion with the rogue certificate's x5t#S256" 401 invalid_client 700027 \
    "$(rs256 "$W/rogue.key" "$(jq -nc --arg t "$(certs_x5t_s256 "$W/rogue.crt")" \
        '{alg:"RS256", "x5t#S256":$t}')" "$self_claims")"
expect "self-signed assertion with the rogue certificate in x5c" 401 invalid_client 700027 \
    "$(rs256 "$W/rogue.key" "$(jq -nc --arg c "$(certs_x5c "$W/rogue.crt")" \
        '{alg:"RS256", x5c:[$c]}')" "$self_claims")"

# --- validity window ---
expect "expired" 401 invalid_client 700024 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims '.iat -= 7200 | .nbf -= 7200 | .exp -= 7200')")"
expect "nbf in the future" 401 invalid_client 700024 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims '.nbf += 3600 | .exp += 3600')")"
expect "iat far in the future, no nbf" 401 invalid_client 700024 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims 'del(.nbf) | .iat += 31536000')")"
expect "iat far in the future, nbf now" 401 invalid_client 700024 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims '.iat += 31536000')")"
expect "lifetime over 1 day 1 hour" 401 invalid_client 70023 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims '.exp = .iat + 172800')")"

# --- issuer, subject and audience ---
expect "wrong iss" 401 invalid_client 700211 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims '.iss = "https://127.0.0.1:1/other"')")"
expect "iss differing in case" 401 invalid_client 700211 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims '.iss |= sub("/issuer$"; "/Issuer")')")"
expect "iss with a trailing slash" 401 invalid_client 700211 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims '.iss += "/"')")"
expect "missing iss" 400 invalid_request 50027 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims 'del(.iss)')")"
expect "Entra as iss" 401 invalid_client 700222 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims --arg t "$T" '.iss = "https://login.microsoftonline.com/'$T'/v2.0"')")"
expect "wrong sub" 401 invalid_client 700213 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims '.sub = "system:serviceaccount:team-a:other"')")"
expect "sub differing in case" 401 invalid_client 7002138 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims '.sub |= ascii_upcase')")"
expect "missing sub" 400 invalid_request 50027 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims 'del(.sub)')")"
expect "wrong aud" 401 invalid_client 700212 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims '.aud = ["api://Other"]')")"
expect "aud differing in case" 401 invalid_client 700212 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims '.aud = ["api://azureadtokenexchange"]')")"
expect "missing aud" 400 invalid_request 50027 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims 'del(.aud)')")"

# --- JSON shape ---
good_claims=$(claims .)
expect "duplicate sub claim" 400 invalid_request 50027 \
    "$(rs256 "$W/issuer.key" "$HDR" "{\"sub\":\"system:serviceaccount:evil:sa\",${good_claims:1}")"
expect "duplicate alg header" 400 invalid_request 50027 \
    "$(rs256 "$W/issuer.key" '{"alg":"none","alg":"RS256","kid":"'$KID'"}' "$good_claims")"
expect "numeric sub" 400 invalid_request 50027 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims '.sub = 42')")"
expect "object iss" 400 invalid_request 50027 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims '.iss = {"value": .iss}')")"
expect "aud with a number" 400 invalid_request 50027 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims '.aud = [.aud[0], 7]')")"
expect "exp as a string" 400 invalid_request 50027 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims '.exp |= tostring')")"
expect "exp as a fraction" 400 invalid_request 50027 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims '.exp += 0.5')")"
expect "nbf as a boolean" 400 invalid_request 50027 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims '.nbf = true')")"
expect "payload is an array" 400 invalid_request 50027 \
    "$(rs256 "$W/issuer.key" "$HDR" "[$good_claims]")"
expect "header is not JSON" 400 invalid_request 50027 \
    "$(b64 'RS256').$good_p.$good_s"

# --- size ---
big=$(head -c 70000 /dev/zero | tr '\0' 'x')
expect "oversize claim" 400 invalid_request 50027 \
    "$(rs256 "$W/issuer.key" "$HDR" "$(claims --arg big "$big" '.pad = $big')")"
expect "oversize JOSE header" 400 invalid_request 50027 \
    "$(rs256 "$W/issuer.key" "$(jq -nc --arg kid "$KID" --arg big "$big" \
        '{alg:"RS256", kid:$kid, x:$big}')" "$good_claims")"

# --- encoding ---
# The header {"alg":"RS256","kid":"issuer-key-1","typ":"JWT"} is 48 bytes: base64 of it
# needs no padding, so pad the payload, whose length the filter picks.
padded_claims=$(claims '.x = "ab"')
for extra in "" "a" "aa"; do
    padded_claims=$(claims --arg x "ab$extra" '.x = $x')
    (($(printf '%s' "$padded_claims" | wc -c) % 3 != 0)) && break
done
padded_p=$(printf '%s' "$padded_claims" | openssl base64 -A | tr '+/' '-_')
[[ "$padded_p" == *= ]] || fail "the padded payload has no '=': $padded_p"
expect "base64 padding in the payload" 400 invalid_request 50027 \
    "$good_h.$padded_p.$(sign "$W/issuer.key" "$good_h.$padded_p")"
expect "base64 padding after the signature" 400 invalid_request 50027 "$good.="
std_sig=$(tr -- '-_' '+/' <<<"$good_s")
[[ "$std_sig" == "$good_s" ]] && std_sig="+${good_s:1}"
expect "standard base64 in the signature" 400 invalid_request 50027 "$good_h.$good_p.$std_sig"
expect "percent sign in the payload" 400 invalid_request 50027 "$good_h.%${good_p:1}.$good_s"

# --- trailing garbage ---
expect "fourth part" 400 invalid_request 50027 "$good.ZXh0cmE"
expect "second token appended" 400 invalid_request 50027 "$good.$good"
expect "trailing space" 400 invalid_request 50027 "$good "
expect "trailing newline" 400 invalid_request 50027 "$good"$'\n'
expect "trailing dot" 400 invalid_request 50027 "$good."

# --- HTTP framing ---
head -c $((1024 * 1024 + 10)) /dev/zero | tr '\0' 'a' >"$W/huge"
emu_request -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
    --data-binary @"$W/huge" "$EMU_BASE/$T/oauth2/v2.0/token"
assert_eq "body over 1 MiB" 413 "$EMU_STATUS"
head -c 65536 /dev/zero | tr '\0' 'h' >"$W/hdr"
emu_request -X POST -H "X-Padding: $(cat "$W/hdr")" --data-urlencode "client_assertion=$good" \
    "$EMU_BASE/$T/oauth2/v2.0/token"
[[ "$EMU_STATUS" == 431 || "$EMU_STATUS" == 413 || "$EMU_CURL_RC" != 0 ]] ||
    fail "a 64 KiB request header got HTTP $EMU_STATUS"
echo "ok: a 64 KiB request header is rejected (HTTP $EMU_STATUS, curl status $EMU_CURL_RC)"
emu_get "$EMU_BASE/_emulator/health"
assert_eq "health after the hostile requests" 200 "$EMU_STATUS"

echo "forged assertions rejected with the expected code: $cases"

# --- the log: a reason for every rejection, no assertion ---
emu_stop_clean
rejected=$(grep -c ' -> 40[01] AADSTS[0-9]' "$EMU_LOG" || true)
((rejected >= cases)) ||
    fail "the log names an AADSTS code for $rejected requests, expected at least $cases"
reasons=$(grep -cE ' DEBUG sts: [0-9a-f-]{36} AADSTS[0-9]+: .{20,}' "$EMU_LOG" || true)
((reasons >= cases)) ||
    fail "the log gives the reason for $reasons rejections, expected at least $cases"
echo "ok: the log names the code of $rejected rejections and the reason of $reasons"
while IFS= read -r sent; do
    IFS=. read -r h p s _ <<<"$sent"
    for part in "$sent" "$p" "$s"; do
        [[ ${#part} -ge 24 ]] || continue
        if grep -qF -- "$part" "$EMU_LOG"; then
            fail "the emulator log contains part of a sent assertion (${#part} characters)"
        fi
    done
done <"$W/sent"
echo "ok: the emulator log holds none of the $(wc -l <"$W/sent") assertions"
