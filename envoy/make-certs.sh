#!/usr/bin/env bash
# make-certs.sh DIR [REGION ...] — a private CA and the certificate an inspecting egress gateway
# (envoy/egress-gateway.yaml, nginx/nginx-tls.conf) presents for the AWS host names.
#
#   DIR/ca.crt, DIR/ca.key         the private CA (kept if it exists). Clients must trust ca.crt
#                                  (AWS_CA_BUNDLE, the OS trust store, the JVM trust store, ...).
#   DIR/gateway.crt, gateway.key   a certificate for *.amazonaws.com and, per region,
#                                  *.REGION.amazonaws.com and *.s3.REGION.amazonaws.com.
#
# A TLS wildcard covers exactly one label, so each shape clients use needs its own name:
# sts.amazonaws.com ← *.amazonaws.com; dynamodb.us-east-1.amazonaws.com ← *.us-east-1.amazonaws.com;
# a virtual-hosted S3 bucket, BUCKET.s3.us-east-1.amazonaws.com ← *.s3.us-east-1.amazonaws.com
# (bucket names with dots cannot match any wildcard: use path-style addressing for those).
# Default regions: us-east-1. In production keep ca.key offline (or use your PKI) and renew
# gateway.crt before it expires (397 days here).
set -euo pipefail

dir=${1:?usage: make-certs.sh DIR [REGION ...]}
shift
regions=("$@")
[ ${#regions[@]} -gt 0 ] || regions=(us-east-1)
mkdir -p "$dir"

if [ ! -s "$dir/ca.key" ] || [ ! -s "$dir/ca.crt" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 3650 \
    -subj "/CN=sigv4-authz egress private CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    2>/dev/null
fi

sans="DNS:*.amazonaws.com,DNS:*.s3.amazonaws.com"
for r in "${regions[@]}"; do
  sans="$sans,DNS:*.$r.amazonaws.com,DNS:*.s3.$r.amazonaws.com,DNS:*.s3.dualstack.$r.amazonaws.com"
done

openssl req -newkey rsa:2048 -nodes -keyout "$dir/gateway.key" -out "$dir/gateway.csr" \
  -subj "/CN=amazonaws.com egress gateway" 2>/dev/null
openssl x509 -req -in "$dir/gateway.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
  -out "$dir/gateway.crt" -days 397 \
  -extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\nbasicConstraints=CA:FALSE\n' "$sans") \
  2>/dev/null
rm -f "$dir/gateway.csr"
chmod 600 "$dir/ca.key" "$dir/gateway.key"
echo "wrote $dir/ca.crt (trust this on clients) and $dir/gateway.crt, $dir/gateway.key for: $sans"
