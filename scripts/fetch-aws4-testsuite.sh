#!/usr/bin/env bash
# Fetches the official AWS SigV4 test suite (34 cases, Apache-2.0) from botocore's *source*
# distribution on PyPI — the wheel does not ship tests — and unpacks it into
# .cache/aws4_testsuite, where Tests/SigV4Tests/AWSTestSuiteTests.swift reads it.
# Idempotent: does nothing when the pinned version is already there.
set -euo pipefail

BOTOCORE_VERSION="${BOTOCORE_VERSION:-1.43.11}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.cache/aws4_testsuite"

if [ -f "$dest/.version" ] && [ "$(cat "$dest/.version")" = "$BOTOCORE_VERSION" ] &&
    [ "$(find "$dest" -name '*.req' | wc -l)" -eq 34 ]; then
    exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
    "botocore==$BOTOCORE_VERSION" -d "$tmp"
suite="botocore-$BOTOCORE_VERSION/tests/unit/auth/aws4_testsuite"
tar -xzf "$tmp/botocore-$BOTOCORE_VERSION.tar.gz" -C "$tmp" "$suite"
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$tmp/$suite" "$dest"
echo "$BOTOCORE_VERSION" >"$dest/.version"
echo "fetched the AWS SigV4 test suite from botocore $BOTOCORE_VERSION: $(find "$dest" -name '*.req' | wc -l) cases"
