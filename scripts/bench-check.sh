#!/usr/bin/env bash
# Checks the micro-benchmarks (the Benchmarks/ package) against the committed thresholds, and fails
# on a regression:
#
#   scripts/bench-check.sh             (make bench-check)
#   scripts/bench-check.sh --update    (make bench-thresholds: write the thresholds after an intended change)
#
# Two guards, both independent of how loaded the machine is:
#   1. allocations per benchmark (`mallocCountTotal`, ordo-one/benchmark's malloc interposer), exactly,
#      against Benchmarks/Thresholds/AuthzBenchmarks.<benchmark>.p90.json (`swift package benchmark
#      thresholds check`); and CPU instructions within 2% where the machine has hardware counters
#      (perf_event_open) and the thresholds were written on such a machine;
#   2. CPU instructions per operation counted by callgrind (valgrind: no hardware counters needed) for
#      the operations of Benchmarks/Sources/authz-profile, within INSTRUCTIONS_TOLERANCE percent (2)
#      of Benchmarks/Thresholds/callgrind-instructions.json.
# Wall-clock time is printed by `make bench` but never checked: this machine is shared.
#
# Swift's hashing is made deterministic (SWIFT_DETERMINISTIC_HASHING=1) so that both counts are the
# same on every run. Installs valgrind (Debian) when it is missing; jemalloc is not needed (the
# benchmark library's "MallocInterposer" trait counts allocations itself).
# Exit status: 0 when nothing is worse than its threshold (an improvement is reported, and passes:
# run --update to keep it), 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/../Benchmarks"

SWIFT=${SWIFT:-swift}
TOLERANCE=${INSTRUCTIONS_TOLERANCE:-2}
N=${N:-1000}
OPERATIONS="parse verify classify-host classify-s3 classify-dynamodb evaluate decide decide-audit decide-batch decide-brokered"
SKIP='baseline\..*' # the baselines measure the standard library and Foundation, not this project
CALLGRIND_THRESHOLDS=Thresholds/callgrind-instructions.json
export SWIFT_DETERMINISTIC_HASHING=1

update=0
[[ "${1:-}" == "--update" ]] && update=1

command -v valgrind >/dev/null || { apt-get update && apt-get install -y --no-install-recommends valgrind; }
command -v python3 >/dev/null || { apt-get update && apt-get install -y --no-install-recommends python3; }

metrics=(--metric mallocCountTotal)
if [[ -e /sys/bus/event_source/devices/cpu || -e /sys/bus/event_source/devices/cpu_core ]]; then
    metrics+=(--metric instructions)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

# 1. ordo-one/benchmark: allocations (and hardware instructions where there are counters).
if ((update)); then
    "$SWIFT" package --allow-writing-to-package-directory benchmark thresholds update --skip "$SKIP" \
        "${metrics[@]}" --no-progress
else
    set +e
    "$SWIFT" package benchmark thresholds check --skip "$SKIP" --no-progress 2>&1 | tee "$work/check.log"
    status=${PIPESTATUS[0]}
    set -e
    if ((status == 0)); then
        echo "bench-check: allocations equal to the thresholds."
    elif grep -q "benchmarkThresholdImprovement" "$work/check.log" \
        && ! grep -q "benchmarkThresholdRegression\|WORSE than" "$work/check.log"; then
        echo "bench-check: allocations BETTER than the thresholds (above); 'make bench-thresholds' keeps the gain."
    else
        echo "bench-check: FAILED: allocations worse than the thresholds, or the benchmarks did not run (above)." >&2
        failed=1
    fi
fi

# 2. callgrind: instructions per operation, only inside authz_profile_measured (the measured loop).
"$SWIFT" build -c release --product authz-profile
# valgrind cannot read the toolchain's debug information: a copy without it.
strip --strip-debug -o "$work/authz-profile" "$("$SWIFT" build -c release --show-bin-path)/authz-profile"
export work N
# shellcheck disable=SC2016
printf '%s\n' $OPERATIONS | xargs -P 2 -I{} sh -c '
    valgrind --tool=callgrind --collect-atstart=no "--toggle-collect=*authz_profile_measured*" \
        --callgrind-out-file=/dev/null "$work/authz-profile" {} "$N" 2>"$work/{}.valgrind" \
        || { cat "$work/{}.valgrind" >&2; exit 1; }'
python3 - "$work" "$N" "$TOLERANCE" "$CALLGRIND_THRESHOLDS" "$update" $OPERATIONS <<'EOF' || failed=1
import json, re, sys

work, n, tolerance, path, update, operations = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5] == "1", sys.argv[6:]
measured = {}
for operation in operations:
    text = open(f"{work}/{operation}.valgrind").read()
    found = re.findall(r"Collected : (\d+)", text)
    if not found:
        sys.exit(f"bench-check: no callgrind count for {operation}:\n{text}")
    measured[operation] = round(int(found[-1]) / n)
if update:
    with open(path, "w") as file:
        json.dump(measured, file, indent=2)
        file.write("\n")
    print(f"bench-check: wrote {path}")
    sys.exit(0)
thresholds = json.load(open(path))
worse = []
print(f"\ninstructions per operation (callgrind, {n} operations; tolerance {tolerance:g}%)")
print(f"{'operation':20} {'threshold':>12} {'measured':>12} {'change':>9}")
for operation in operations:
    value, threshold = measured[operation], thresholds.get(operation)
    if threshold is None:
        print(f"{operation:20} {'-':>12} {value:>12,}   (no threshold)")
        worse.append(operation)
        continue
    change = 100.0 * (value - threshold) / threshold
    verdict = "WORSE" if change > tolerance else "better" if change < -tolerance else ""
    print(f"{operation:20} {threshold:>12,} {value:>12,} {change:>+8.2f}%  {verdict}")
    if change > tolerance:
        worse.append(operation)
if worse:
    sys.exit(f"bench-check: FAILED: instructions above the thresholds (or none committed): {', '.join(worse)}")
print("bench-check: instructions within the thresholds.")
EOF

if ((failed)); then
    exit 1
fi
((update)) && echo "bench-check: thresholds written; review and commit Benchmarks/Thresholds/." || echo "bench-check: passed."
