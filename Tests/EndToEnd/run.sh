#!/usr/bin/env bash
# Tests/EndToEnd/run.sh — the end-to-end tests: real Envoy, nginx and Squid in front of sigv4-authz,
# with moto as AWS and the real boto3 / aws CLI as clients, all on 127.0.0.0/8.
#
# On a fresh Debian machine it installs what it needs (apt: nginx, squid-openssl, openssl,
# util-linux, python3-venv; pip: requirements.txt into .cache/e2e-venv), then runs pytest -v.
# Exits non-zero on any failure; a missing tool is a failure, never a skip. Needs root (the fake
# AWS binds ports 53/80/443 on a private loopback address, proxies run in a private mount
# namespace with their own /etc/resolv.conf).
#
# The sigv4-authz binary: $SIGV4_AUTHZ_BIN, default .build/debug/sigv4-authz (build it first).
# Extra arguments go to pytest (e.g. -k nginx, -x).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
export SIGV4_AUTHZ_BIN=${SIGV4_AUTHZ_BIN:-$repo/.build/debug/sigv4-authz}

if [ "$(id -u)" -ne 0 ]; then
  echo "run.sh: needs root (ports 53/80/443 on a loopback address, mount namespaces)" >&2
  exit 1
fi
if [ ! -x "$SIGV4_AUTHZ_BIN" ]; then
  echo "run.sh: sigv4-authz binary not found at $SIGV4_AUTHZ_BIN (build it, or set SIGV4_AUTHZ_BIN)" >&2
  exit 1
fi

# --- system packages -------------------------------------------------------------------------
missing=()
[ -x /usr/sbin/nginx ] || missing+=(nginx)   # Debian builds auth_request into every flavour
# squid-openssl (ssl_bump, for squid/squid-icap.conf) replaces the GnuTLS flavour `squid`.
{ [ -x /usr/sbin/squid ] && /usr/sbin/squid -v | grep -q -- '--with-openssl'; } || missing+=(squid-openssl)
command -v openssl >/dev/null || missing+=(openssl)
command -v unshare >/dev/null || missing+=(util-linux)
command -v python3 >/dev/null || missing+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "run.sh: apt-get install ${missing[*]}"
  # Keep apt from starting nginx/squid as services (they would take ports 80 and 3128).
  created_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -z "$created_policy" ] || rm -f /usr/sbin/policy-rc.d
fi

# --- Python packages ---------------------------------------------------------------------------
venv=$repo/.cache/e2e-venv
stamp=$venv/.requirements.sha256
want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "run.sh: creating $venv from requirements.txt"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  echo "$want" > "$stamp"
fi
export PATH="$venv/bin:$PATH"   # aws, envoy and the interpreter the harness starts processes with

cd "$here"
exec "$venv/bin/python" -m pytest -v -p no:cacheprovider "$@"
