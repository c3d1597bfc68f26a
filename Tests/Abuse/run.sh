#!/usr/bin/env bash
# Tests/Abuse/run.sh — HTTP/2 and connection abuse against the real server: rapid reset, CONTINUATION
# floods, HPACK bombs, SETTINGS/PING/WINDOW_UPDATE floods, slowloris, too many connections, garbage
# before the preface, stalled TLS handshakes. Each test starts `sigv4-authz serve` on 127.0.0.1 with
# a configuration of its own and checks that the attacked connection is closed within a bound, that
# another client's signed check is answered during and after the attack, and that the server frees
# the connection (its open file descriptors, /proc/PID/fd).
#
# On a fresh Debian machine it installs what it needs (apt: openssl, python3-venv; pip:
# requirements.txt into .cache/abuse-venv), then runs pytest -v. A missing tool is a failure,
# never a skip. Linux only (/proc).
#
# The sigv4-authz binary: $SIGV4_AUTHZ_BIN, default .build/debug/sigv4-authz (build it first).
# Extra arguments go to pytest (e.g. -k rapid_reset, -x).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
export SIGV4_AUTHZ_BIN=${SIGV4_AUTHZ_BIN:-$repo/.build/debug/sigv4-authz}

if [ ! -x "$SIGV4_AUTHZ_BIN" ]; then
  echo "run.sh: sigv4-authz binary not found at $SIGV4_AUTHZ_BIN (build it, or set SIGV4_AUTHZ_BIN)" >&2
  exit 1
fi

# --- system packages -------------------------------------------------------------------------
missing=()
command -v openssl >/dev/null || missing+=(openssl)
command -v python3 >/dev/null || missing+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "run.sh: missing ${missing[*]}; install them (apt-get install) or run as root" >&2
    exit 1
  fi
  echo "run.sh: apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Python packages ---------------------------------------------------------------------------
venv=$repo/.cache/abuse-venv
stamp=$venv/.requirements.sha256
want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "run.sh: creating $venv from requirements.txt"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  echo "$want" > "$stamp"
fi

cd "$here"
exec "$venv/bin/python" -m pytest -v -p no:cacheprovider "$@"
