#!/usr/bin/env bash
# Builds the fuzz targets of Fuzz/ (debug, libFuzzer + AddressSanitizer) and runs one:
#
#   scripts/fuzz.sh TARGET [libFuzzer options…]
#   scripts/fuzz.sh FuzzCredentialParser -runs=10000000
#   scripts/fuzz.sh FuzzHostClassifier -max_total_time=30
#
# The seed corpus is Fuzz/Corpus/TARGET (read only); new inputs go to .cache/fuzz/TARGET/corpus and
# crashes to .cache/fuzz/TARGET/ (a crash exits non-zero, with the input's path). Without options it
# runs for 30 seconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:?usage: scripts/fuzz.sh TARGET [libFuzzer options...]}
shift
options=("$@")
((${#options[@]})) || options=(-max_total_time=30)
SWIFT=${SWIFT:-swift}

cd "$root/Fuzz"
"$SWIFT" build --product "$target" -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld >&2
binary="$("$SWIFT" build --show-bin-path)/$target"
work="$root/.cache/fuzz/$target"
mkdir -p "$work/corpus"
cd "$work"
exec "$binary" -artifact_prefix="$work/" -print_final_stats=1 "${options[@]}" "$work/corpus" "$root/Fuzz/Corpus/$target"
