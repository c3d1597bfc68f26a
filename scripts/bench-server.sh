#!/usr/bin/env bash
# Server benchmark: sigv4-authz (release build) side by side with nginx answering `return 200` with
# the same ten decision headers — the fastest possible HTTP authorizer — in one run, on 127.0.0.1.
#
#   HTTP/1.1   wrk     sigv4-authz /envoy (Envoy HTTP mode)    vs nginx HTTP/1.1
#   h2c        h2load  sigv4-authz /envoy over h2c              vs nginx h2c
#   gRPC       h2load  POST Authorization/Check (framed proto)  vs nginx h2c (the issue's baseline)
#
# Beside each sigv4-authz figure, "transport alone": the same listeners answering every check with the
# first check's response (Benchmarks/TransportCeiling), the most serve could reach if deciding were
# free. Then p99 latency at half of each sigv4-authz peak (h2load --rps), and resident memory at peak
# and after 1,000,000 checks. Every request is a real SigV4-signed S3 GetObject that is allowed.
# Load is bounded (fixed durations and request counts) and stays on loopback.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-32}"

need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need h2load nghttp2-client
need nginx nginx-light
need protoc protobuf-compiler
# CheckResponse.dynamic_metadata's google/protobuf/struct.proto (protobuf-compiler only recommends it).
[ -f /usr/include/google/protobuf/struct.proto ] || { apt-get update -qq && apt-get install -y -qq libprotobuf-dev >/dev/null; }
need perf linux-perf

swift build -c release --product sigv4-authz --product TransportCeiling >/dev/null
bin="$(swift build -c release --show-bin-path)/sigv4-authz"
ceiling_bin="$(swift build -c release --show-bin-path)/TransportCeiling"
work="$(mktemp -d)"
cleanup() {
    [ -n "${authz_pid:-}" ] && kill "$authz_pid" 2>/dev/null || true
    [ -n "${ceiling_pid:-}" ] && kill "$ceiling_pid" 2>/dev/null || true
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# A signed request, now: S3 GetObject for account 171436882533 in eu-west-1.
python3 - "$work" <<'PY'
import sys, datetime, botocore.auth, botocore.awsrequest, botocore.credentials
work = sys.argv[1]
creds = botocore.credentials.Credentials("AKIASP2TPHJSQH3FJRUX", "benchmark-secret")
req = botocore.awsrequest.AWSRequest(method="GET", url="https://prod-data.s3.eu-west-1.amazonaws.com/reports/q1.csv")
botocore.auth.S3SigV4Auth(creds, "s3", "eu-west-1").add_auth(req)
headers = dict(req.headers)
headers["Host"] = "prod-data.s3.eu-west-1.amazonaws.com"  # capitalized: wrk adds its own Host otherwise
with open(f"{work}/headers", "w") as f:
    for k, v in headers.items():
        f.write(f"{k}: {v}\n")
with open(f"{work}/check.txtpb", "w") as f:
    f.write('attributes { request { http { method: "GET" path: "/reports/q1.csv" host: "prod-data.s3.eu-west-1.amazonaws.com"\n')
    for k, v in headers.items():
        f.write(f'  headers {{ key: "{k.lower()}" value: "{v}" }}\n')
    f.write('} } source { address { socket_address { address: "10.0.0.1" } } } }\n')
PY

cat > "$work/config.yaml" <<YAML
listen: { http: "127.0.0.1:18080", grpc: "127.0.0.1:19001", admin: "127.0.0.1:19090" }
accounts:
  "171436882533": { name: prod, regions: { eu-west-1: { services: [s3] } } }
default: deny
audit: { allow: all, deny: all, file: /dev/null }
YAML

# nginx: the same answer, no work.
headers_nginx=""
for h in decision reason rule account account-name region service action request-id; do
    headers_nginx+="add_header x-sigv4-authz-$h value always; "
done
cat > "$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx.error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    server { listen 127.0.0.1:18081; location / { $headers_nginx return 200; } }
    server { listen 127.0.0.1:18082 http2; http2_max_requests 1000000; location / { $headers_nginx return 200; } }
}
NGINX
nginx -c "$work/nginx.conf"

"$bin" serve --config "$work/config.yaml" 2>"$work/authz.log" &
authz_pid=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:19090/readyz >/dev/null 2>&1 && break; sleep 0.2; done
kill -0 "$authz_pid" 2>/dev/null || { echo "sigv4-authz did not start:" >&2; cat "$work/authz.log" >&2; exit 1; }

# The transports' ceiling: the same listeners answering every check with the first check's response
# (Benchmarks/TransportCeiling), i.e. what serve could reach if deciding were free.
sed 's/18080/18090/; s/19001/19011/' "$work/config.yaml" >"$work/ceiling.yaml"
"$ceiling_bin" "$work/ceiling.yaml" 2>"$work/ceiling.log" &
ceiling_pid=$!
for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:18090/ 2>/dev/null && break; sleep 0.2; done
kill -0 "$ceiling_pid" 2>/dev/null || { echo "TransportCeiling did not start:" >&2; cat "$work/ceiling.log" >&2; exit 1; }

# gRPC request body: length-prefixed CheckRequest.
protoc -I Protos --encode=envoy.service.auth.v3.CheckRequest envoy/service/auth/v3/external_auth.proto <"$work/check.txtpb" >"$work/check.bin"
python3 - "$work" <<'PY'
import sys, struct
work = sys.argv[1]
data = open(f"{work}/check.bin", "rb").read()
open(f"{work}/check.grpc", "wb").write(b"\x00" + struct.pack(">I", len(data)) + data)
PY

wrk_headers=()
h2_headers=()
# h2load takes the host as `:authority`; given `Host:` in HTTP/1.1 mode it sends a second Host header,
# which sigv4-authz rightly denies as ambiguous_request.
while IFS= read -r line; do
    wrk_headers+=(-H "$line")
    case "$line" in Host:*) h2_headers+=(-H ":authority:${line#Host:}") ;; *) h2_headers+=(-H "$line") ;; esac
done <"$work/headers"

rss() { awk '/VmRSS/ {print $2 / 1024 " MiB"}' "/proc/$authz_pid/status"; }
wrk_rps() { wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" | awk '/Requests\/sec/ {print $2}'; }
h2_rps() { h2load -c"$CONNECTIONS" -m10 -D"$DURATION" "$@" 2>/dev/null | awk '/finished in/ {gsub(",", "", $4); print $4}'; }

# Sanity: the request is allowed over each transport.
curl -s -o /dev/null -w "%{http_code}" "${wrk_headers[@]}" http://127.0.0.1:18080/envoy/reports/q1.csv | grep -q 200 || { echo "not allowed: check the benchmark request" >&2; exit 1; }
# The ceiling's first check (the one whose answer it repeats) is this allowed request.
curl -s -o /dev/null -w "%{http_code}" "${wrk_headers[@]}" http://127.0.0.1:18090/envoy/reports/q1.csv | grep -q 200 || { echo "TransportCeiling: first check not allowed" >&2; exit 1; }

echo "== throughput (requests/s, ${DURATION}s each, $CONNECTIONS connections) =="
authz_h1=$(wrk_rps "${wrk_headers[@]}" http://127.0.0.1:18080/envoy/reports/q1.csv)
nginx_h1=$(wrk_rps "${wrk_headers[@]}" http://127.0.0.1:18081/envoy/reports/q1.csv)
peak_rss=$(rss)
authz_h2=$(h2_rps "${h2_headers[@]}" http://127.0.0.1:18080/envoy/reports/q1.csv)
nginx_h2=$(h2_rps "${h2_headers[@]}" http://127.0.0.1:18082/envoy/reports/q1.csv)
authz_grpc=$(h2_rps -d "$work/check.grpc" -H "content-type: application/grpc" -H "te: trailers" \
    http://127.0.0.1:19001/envoy.service.auth.v3.Authorization/Check)
ceiling_h1=$(wrk_rps "${wrk_headers[@]}" http://127.0.0.1:18090/envoy/reports/q1.csv)
ceiling_h2=$(h2_rps "${h2_headers[@]}" http://127.0.0.1:18090/envoy/reports/q1.csv)
ceiling_grpc=$(h2_rps -d "$work/check.grpc" -H "content-type: application/grpc" -H "te: trailers" \
    http://127.0.0.1:19011/envoy.service.auth.v3.Authorization/Check)
ratio() { python3 -c "print(f'{float($1)/float($2):.2f}')"; }
# Every benchmark request must have been allowed: a deny measures another code path.
decisions() { curl -s http://127.0.0.1:19090/metrics | awk '/^sigv4authz_decisions_total/ {split($0, a, "decision=\""); split(a[2], b, "\""); n[b[1]] += $NF} END {printf "allow=%d deny=%d", n["allow"], n["deny"]}'; }
echo "decisions during the runs: $(decisions)"
row() { printf "%-22s %12s %12s %8s %16s %8s\n" "$@"; }
row "transport" "sigv4-authz" "nginx" "ratio" "transport alone" "ratio"
row "HTTP/1.1 (wrk)" "$authz_h1" "$nginx_h1" "$(ratio "$authz_h1" "$nginx_h1")" "$ceiling_h1" "$(ratio "$ceiling_h1" "$nginx_h1")"
row "h2c (h2load)" "$authz_h2" "$nginx_h2" "$(ratio "$authz_h2" "$nginx_h2")" "$ceiling_h2" "$(ratio "$ceiling_h2" "$nginx_h2")"
row "gRPC vs nginx h2c" "$authz_grpc" "$nginx_h2" "$(ratio "$authz_grpc" "$nginx_h2")" "$ceiling_grpc" "$(ratio "$ceiling_grpc" "$nginx_h2")"

echo "== CPU instructions per check (perf stat, user + kernel, 100,000 checks; repeatable where req/s is not) =="
# Instructions retired by the server process while h2load sends a fixed number of checks: unlike
# requests per second, this barely moves with what else the shared machine is doing.
instructions_per_check() { # pid url [h2load options...]
    local pid=$1 url=$2 stat="$work/perf.stat"
    shift 2
    perf stat -e instructions -x, -o "$stat" -p "$pid" &
    local perf_pid=$!
    sleep 0.5
    h2load -n 100000 -c"$CONNECTIONS" "$@" "$url" >/dev/null 2>&1
    kill -INT "$perf_pid"
    wait "$perf_pid" 2>/dev/null || true
    awk -F, '/instructions/ && $1 ~ /^[0-9]+$/ {printf "%.0f", $1 / 100000; found = 1} END {if (!found) printf "n/a"}' "$stat"
}
if perf stat -e instructions true >/dev/null 2>&1; then
    nginx_workers=$(pgrep -d, -P "$(cat "$work/nginx.pid")")
    printf "%-22s %12s %16s %11s %10s\n" "transport" "sigv4-authz" "transport alone" "difference" "nginx"
    for transport in h1 h2c grpc; do
        case $transport in
        h1) label="HTTP/1.1"; port_a=18080; port_c=18090; port_n=18081; path=/envoy/reports/q1.csv
            opts=(--h1 -m1 "${h2_headers[@]}") ;;
        h2c) label="h2c"; port_a=18080; port_c=18090; port_n=18082; path=/envoy/reports/q1.csv
            opts=(-m10 "${h2_headers[@]}") ;;
        grpc) label="gRPC (nginx: h2c)"; port_a=19001; port_c=19011; port_n=18082
            path=/envoy.service.auth.v3.Authorization/Check
            opts=(-m10 -d "$work/check.grpc" -H "content-type: application/grpc" -H "te: trailers") ;;
        esac
        full=$(instructions_per_check "$authz_pid" "http://127.0.0.1:$port_a$path" "${opts[@]}")
        alone=$(instructions_per_check "$ceiling_pid" "http://127.0.0.1:$port_c$path" "${opts[@]}")
        baseline=$(instructions_per_check "$nginx_workers" "http://127.0.0.1:$port_n$path" "${opts[@]}")
        printf "%-22s %12s %16s %11s %10s\n" "$label" "$full" "$alone" \
            "$(python3 -c "print(int('$full') - int('$alone'))" 2>/dev/null || echo n/a)" "$baseline"
    done
else
    echo "perf cannot count instructions on this machine: skipped"
fi

echo "== latency at half of peak (h2load --rps, 10 clients; per-request times from --log-file) =="
# h2load paces each of 10 clients at (peak / 2 / 10) requests/s and logs every request's time; the
# percentiles come from that log, and every logged request must have answered 200.
half_peak() { # label peak url [h2load options...]
    local label=$1 peak=$2 url=$3
    shift 3
    local per_client log="$work/latency.log"
    per_client=$(python3 -c "print(max(1, int(float($peak) / 2 / 10)))")
    rm -f "$log"
    h2load -c10 -m1 --rps="$per_client" -D"$DURATION" --log-file="$log" "$@" "$url" >/dev/null 2>&1
    python3 - "$log" "$label" "$DURATION" <<'PY'
import sys
rows = [line.split("\t") for line in open(sys.argv[1]) if line.strip()]
times = sorted(int(r[2]) for r in rows)
bad = sum(1 for r in rows if r[1] != "200")
if not times or bad:
    sys.exit(f"{sys.argv[2]}: {len(times)} requests logged, {bad} not answered 200")
pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] / 1000
print(f"{sys.argv[2]:<26} {len(times) / float(sys.argv[3]):>9.0f} req/s  "
      f"p50 {pick(0.50):.3f} ms  p99 {pick(0.99):.3f} ms  max {times[-1] / 1000:.3f} ms")
PY
}
half_peak "h1   sigv4-authz" "$authz_h1" http://127.0.0.1:18080/envoy/reports/q1.csv --h1 "${h2_headers[@]}"
half_peak "h1   nginx (same rate)" "$authz_h1" http://127.0.0.1:18081/envoy/reports/q1.csv --h1 "${h2_headers[@]}"
half_peak "h2c  sigv4-authz" "$authz_h2" http://127.0.0.1:18080/envoy/reports/q1.csv "${h2_headers[@]}"
half_peak "h2c  nginx (same rate)" "$authz_h2" http://127.0.0.1:18082/envoy/reports/q1.csv "${h2_headers[@]}"
half_peak "gRPC sigv4-authz" "$authz_grpc" http://127.0.0.1:19001/envoy.service.auth.v3.Authorization/Check \
    -d "$work/check.grpc" -H "content-type: application/grpc" -H "te: trailers"
half_peak "gRPC transport alone" "$authz_grpc" http://127.0.0.1:19011/envoy.service.auth.v3.Authorization/Check \
    -d "$work/check.grpc" -H "content-type: application/grpc" -H "te: trailers"
kill "$ceiling_pid" && wait "$ceiling_pid" 2>/dev/null || true
ceiling_pid=
wrk -t2 -c10 -d"${DURATION}s" --latency "${wrk_headers[@]}" http://127.0.0.1:18080/envoy/reports/q1.csv | awk '/ 99% / {print "wrk at peak, 10 connections: p99", $2}'

echo "== memory =="
echo "resident at peak (HTTP/1.1): $peak_rss"
before=$(rss)
h2load -n 1000000 -c"$CONNECTIONS" -m10 "${h2_headers[@]}" http://127.0.0.1:18080/envoy/reports/q1.csv >/dev/null 2>&1
echo "resident before / after 1,000,000 more checks: $before / $(rss)"
