#!/usr/bin/env bash
# Regenerates the TLS test fixtures in this directory: test-only keys, valid for 100 years, never used
# anywhere but the tests. Run from anywhere: bash src/test/resources/tls/regenerate.sh
#
#   ca.pem / ca.key                  the test CA (RSA 2048): trusted by the tests' dispatcher and receiver
#   server.pem / server.key          signed by ca: CN=localhost, SAN DNS:localhost, IP:127.0.0.1 (RSA)
#   client.pem / client.key          signed by ca: CN=crm-sync-client (EC P-256): the configured client cert
#   client-chain.pem                 client.pem followed by ca.pem (a chain file as cert-manager writes it)
#   wrong-host.pem / wrong-host.key  signed by ca, for SAN DNS:wrong-host.invalid only (hostname verification)
#   other-ca.pem / other-ca.key      a second CA that nobody trusts
#   untrusted-client.pem / .key      signed by other-ca: CN=untrusted-client (EC P-256)
#   server-pkcs1.key                 server.key in PKCS#1 form ("BEGIN RSA PRIVATE KEY"), which the loader rejects
# Keys are PKCS#8 ("BEGIN PRIVATE KEY"), the one form the dispatcher reads.
set -euo pipefail
cd "$(dirname "$0")"
DAYS=36500
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ca() { # name subject
  openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -days "$DAYS" -subj "$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

leaf() { # name keyspec subject issuer extensions
  if [[ "$2" == ec ]]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"
  else
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null
  fi
  openssl req -new -key "$1.key" -subj "$3" -out "$tmp/$1.csr"
  printf '%s\n' "$5" >"$tmp/$1.ext"
  openssl x509 -req -in "$tmp/$1.csr" -CA "$4.pem" -CAkey "$4.key" -CAcreateserial -CAserial "$tmp/$4.srl" \
    -days "$DAYS" -extfile "$tmp/$1.ext" -out "$1.pem" 2>/dev/null
}

ca ca "/CN=webhook-dispatcher test CA"
ca other-ca "/CN=webhook-dispatcher untrusted test CA"
leaf server rsa "/CN=localhost" ca \
  "subjectAltName=DNS:localhost,IP:127.0.0.1
extendedKeyUsage=serverAuth
basicConstraints=CA:FALSE"
leaf client ec "/CN=crm-sync-client/O=webhook-dispatcher tests" ca \
  "extendedKeyUsage=clientAuth
basicConstraints=CA:FALSE"
leaf wrong-host rsa "/CN=wrong-host.invalid" ca \
  "subjectAltName=DNS:wrong-host.invalid
extendedKeyUsage=serverAuth
basicConstraints=CA:FALSE"
leaf untrusted-client ec "/CN=untrusted-client" other-ca \
  "extendedKeyUsage=clientAuth
basicConstraints=CA:FALSE"
cat client.pem ca.pem >client-chain.pem
openssl rsa -in server.key -traditional -out server-pkcs1.key 2>/dev/null
echo "regenerated $(ls *.pem *.key | wc -l) files in $(pwd)"
