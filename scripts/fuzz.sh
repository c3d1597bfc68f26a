#!/usr/bin/env bash
# Builds the fuzz targets of Fuzz/ (libFuzzer + AddressSanitizer, linked with lld) and runs one:
#
#   scripts/fuzz.sh TARGET [libFuzzer options…]
#   scripts/fuzz.sh FuzzCredentialParser -runs=10000000
#   scripts/fuzz.sh FuzzHostClassifier -max_total_time=30
#   scripts/fuzz.sh --build                      build every target, run none
#   scripts/fuzz.sh --list                       the targets' names
#   scripts/fuzz.sh --seeds TARGET               rewrite Fuzz/Corpus/TARGET from the seeds the target
#                                                builds from the committed vectors (FuzzDriver.run(seeds:))
#
# FUZZ_CONFIG=release builds with -c release -enable-testing (the targets' @testable imports need it):
# several times faster, what the 10,000,000-execution runs use. FUZZ_BUILD=0 runs what is built
# (scripts/fuzz-all.sh builds every target once first).
#
# The seed corpus is Fuzz/Corpus/TARGET (read only); new inputs go to .cache/fuzz/TARGET/corpus and
# crashes to .cache/fuzz/TARGET/ (a crash exits non-zero, with the input's path). Without options it
# runs for 30 seconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:?usage: scripts/fuzz.sh TARGET|--build|--list [libFuzzer options...]}
shift
SWIFT=${SWIFT:-swift}
config=${FUZZ_CONFIG:-debug}
flags=(-c "$config" -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld)
[[ $config == debug ]] || flags+=(-Xswiftc -enable-testing)

cd "$root/Fuzz"
if [[ $target == --list ]]; then
    ls Sources | grep '^Fuzz' | grep -v '^FuzzDriver$'
    exit 0
fi
if [[ $target == --build ]]; then
    "$SWIFT" build "${flags[@]}" >&2
    exit 0
fi
if [[ $target == --seeds ]]; then
    target=${1:?usage: scripts/fuzz.sh --seeds TARGET}
    "$SWIFT" build --product "$target" "${flags[@]}" >&2
    rm -f "Corpus/$target"/seed-*
    mkdir -p "Corpus/$target"
    FUZZ_WRITE_SEEDS="$root/Fuzz/Corpus/$target" "$("$SWIFT" build "${flags[@]}" --show-bin-path)/$target"
    exit 0
fi
options=("$@")
((${#options[@]})) || options=(-max_total_time=30)
[[ ${FUZZ_BUILD:-1} == 0 ]] || "$SWIFT" build --product "$target" "${flags[@]}" >&2
binary="$("$SWIFT" build "${flags[@]}" --show-bin-path)/$target"
work="$root/.cache/fuzz/$target"
mkdir -p "$work/corpus"
cd "$work"
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}
exec "$binary" -artifact_prefix="$work/" -print_final_stats=1 "${options[@]}" "$work/corpus" "$root/Fuzz/Corpus/$target"
