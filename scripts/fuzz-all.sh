#!/usr/bin/env bash
# Runs every fuzz target of Fuzz/ for a set time, one after another, after one build of them all:
#
#   scripts/fuzz-all.sh SECONDS          (make fuzz: FUZZ_SECONDS, 300 by default; make fuzz-smoke: 30)
#
# Exits non-zero when a target crashed or broke a property (its input is in .cache/fuzz/TARGET/);
# every target runs either way. Each run's log is .cache/fuzz/TARGET/last.log; the summary lists
# executions, exec/s and the last coverage line per target. FUZZ_CONFIG as in scripts/fuzz.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:?usage: scripts/fuzz-all.sh SECONDS}
"$root/scripts/fuzz.sh" --build
failed=()
summary=()
for target in $("$root/scripts/fuzz.sh" --list); do
    mkdir -p "$root/.cache/fuzz/$target"
    log="$root/.cache/fuzz/$target/last.log"
    echo "== $target: $seconds s" >&2
    if FUZZ_BUILD=0 "$root/scripts/fuzz.sh" "$target" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
        >"$log" 2>&1; then
        status=ok
    else
        status=FAILED
        failed+=("$target")
        grep -E 'ERROR|Fatal error|precondition|Test unit written|SUMMARY' "$log" | head -20 >&2 || true
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    coverage=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [^ ]+' || true)
    summary+=("$(printf '%-24s %-6s %10s runs %7s exec/s  %s' "$target" "$status" "${runs:-?}" "${speed:-?}" "$coverage")")
done
printf '%s\n' "${summary[@]}"
if ((${#failed[@]})); then
    echo "fuzzing failed: ${failed[*]} (inputs in .cache/fuzz/<target>/)" >&2
    exit 1
fi
