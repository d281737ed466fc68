# SPDX-License-Identifier: Apache-2.0
# Copyright (c) the m365id contributors
#
# Shell helpers that make test certificates with openssl(1) and sign client assertions with
# them. Source this file from bash. Keys are RSA 2048 and are made fresh for every test run.
#
#   certs_make DIR NAME [PASSWORD] [SUBJECT] [DAYS]
#                     write into DIR: NAME.key (unencrypted PKCS#8 key, mode 0600), NAME.crt
#                     (self-signed certificate, PEM), NAME.pem (key then certificate, mode
#                     0600) and NAME.p12 (PKCS#12 with key and certificate, protected by
#                     PASSWORD, default "test-password", mode 0600). SUBJECT defaults to
#                     "/CN=NAME"; DAYS (default 30) may be "expired" for a certificate
#                     whose notAfter is a day before its notBefore (now), so it is expired
#   certs_x5t FILE    print the "x5t" of a PEM certificate: base64url SHA-1 of its DER
#   certs_x5t_s256 FILE
#                     print the "x5t#S256": base64url SHA-256 of its DER
#   certs_x5c FILE    print the standard base64 DER of a PEM certificate, an "x5c" entry
#   certs_b64url      read stdin, print it base64url-encoded without padding
#   certs_assertion KEY ALG HEADER_JSON CLAIMS_JSON
#                     print a compact JWS over the two JSON objects; ALG is RS256 or PS256
#                     (RSASSA-PSS with SHA-256 and a 32-byte salt) and is written into the
#                     header; KEY is a PEM private key
#   certs_client_assertion KEY CERT ALG CLIENT_ID AUDIENCE [LIFETIME_S]
#                     print a certificate client assertion as Entra expects it: header alg,
#                     typ JWT and x5t#S256 of CERT; claims aud, iss = sub = CLIENT_ID, jti,
#                     nbf = iat = now, exp = now + LIFETIME_S (default 600)

certs_b64url() {
    openssl base64 -A | tr '+/' '-_' | tr -d '='
}

certs_make() {
    local dir=$1 name=$2 password=${3:-test-password} subject=${4:-/CN=$2} days=${5:-30}

    mkdir -p "$dir" || return 1
    (umask 077 && openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
        -out "$dir/$name.key") || return 1
    if [[ "$days" == expired ]]; then
        # OpenSSL 3.0 cannot back-date notBefore; "-days -1" puts notAfter a day before it.
        openssl req -new -key "$dir/$name.key" -subj "$subject" -out "$dir/$name.csr" ||
            return 1
        openssl x509 -req -in "$dir/$name.csr" -signkey "$dir/$name.key" -days -1 -sha256 \
            -out "$dir/$name.crt" 2>/dev/null || return 1
        rm -f "$dir/$name.csr"
    else
        openssl req -x509 -new -key "$dir/$name.key" -subj "$subject" -days "$days" -sha256 \
            -out "$dir/$name.crt" 2>/dev/null || return 1
    fi
    (umask 077 && cat "$dir/$name.key" "$dir/$name.crt" >"$dir/$name.pem") || return 1
    (umask 077 && openssl pkcs12 -export -inkey "$dir/$name.key" -in "$dir/$name.crt" \
        -name "$name" -passout "pass:$password" -out "$dir/$name.p12") || return 1
}

certs_x5t() {
    openssl x509 -in "$1" -outform DER | openssl dgst -sha1 -binary | certs_b64url
}

certs_x5t_s256() {
    openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -binary | certs_b64url
}

certs_x5c() {
    openssl x509 -in "$1" -outform DER | openssl base64 -A
}

certs_assertion() {
    local key=$1 alg=$2 header=$3 claims=$4
    local input sig
    local sigopts=()

    header=$(jq -c --arg alg "$alg" '. + {alg: $alg}' <<<"$header") || return 1
    input="$(printf '%s' "$header" | certs_b64url).$(printf '%s' "$claims" | certs_b64url)"
    if [[ "$alg" == PS256 ]]; then
        sigopts=(-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256)
    fi
    sig=$(printf '%s' "$input" | openssl dgst -sha256 -sign "$key" "${sigopts[@]}" -binary |
        certs_b64url) || return 1
    printf '%s.%s\n' "$input" "$sig"
}

certs_client_assertion() {
    local key=$1 cert=$2 alg=$3 client=$4 aud=$5 lifetime=${6:-600}
    local now header claims

    now=$(date +%s)
    header=$(jq -nc --arg t "$(certs_x5t_s256 "$cert")" '{typ: "JWT", "x5t#S256": $t}')
    claims=$(jq -nc --arg c "$client" --arg a "$aud" --arg j "$(cat /proc/sys/kernel/random/uuid)" \
        --argjson now "$now" --argjson life "$lifetime" \
        '{aud: $a, iss: $c, sub: $c, jti: $j, nbf: $now, iat: $now, exp: ($now + $life)}')
    certs_assertion "$key" "$alg" "$header" "$claims"
}
