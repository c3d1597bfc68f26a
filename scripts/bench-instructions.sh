#!/usr/bin/env bash
# Instructions per check of the whole server: user-space instructions sigv4-authz serve executes per
# check (full decision, audit record to /dev/null, metrics), counted by callgrind (valgrind), beside
# nginx answering `return 200` with the same ten decision headers (the cheapest possible authorizer),
# over HTTP/1.1 (Envoy HTTP mode and nginx auth_request, `h2load --h1`), h2c (Envoy HTTP mode over
# HTTP/2) and gRPC (ext_authz Check; nginx has no counterpart). gRPC is sent twice: as Envoy sends it
# with the shipped envoy/grpc.yaml (`encode_raw_headers`: the headers in `header_map` with
# `raw_value`), and with the headers in the `headers` map (Envoy's default). Every check is the same
# SigV4-signed S3 GetObject, allowed, with the same headers on every transport.
#
#   make bench-instructions     sigv4-authz beside nginx
#   make bench-transport        the same plus each transport alone (CEILING=1):
#                               Benchmarks/TransportCeiling, serve's check listeners answering every
#                               check with the first check's result (translation in, response
#                               rendering out; no decision, no audit record, no metrics)
#
# Method: each (binary, transport) is run twice under callgrind, once with N and once with 2N checks
# sent by h2load over one connection, one request at a time (-c1 -m1: every check pays its own reads
# and writes, as at low load); the server is stopped after the run and callgrind's total is read.
# (total(2N) - total(N)) / N is the cost of one check with start-up, shutdown, the connection and the
# first check taken out. Hashing is made deterministic (SWIFT_DETERMINISTIC_HASHING) so both runs do
# the same start-up work. Instruction counts do not depend on what else the machine runs, unlike
# wall time; they count user space only (no kernel time, no syscall cost beyond the instructions
# around it). nginx runs as one process (`daemon off; master_process off`).
#
#   N=20000 M=1 scripts/bench-instructions.sh                 (M: concurrent streams of the h2c and
#                                                             gRPC runs)
#   BIN_DIR=/other/checkout/.build/release SKIP_BUILD=1 ...   measure binaries built elsewhere
#   TRANSPORTS="h1 grpc" ...                                  a subset (h1 h2c grpc grpc-map)
#   KEEP=DIR ...                                              keep callgrind's profiles in DIR
#                                                             (callgrind.BINARY.TRANSPORT.COUNT) for
#                                                             callgrind_annotate --inclusive=yes
#
# Load stays on 127.0.0.1 and is bounded (3N checks per binary and transport). With the default N it
# takes about 10 minutes on a 2-core machine (20 with CEILING=1).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
N="${N:-20000}"
M="${M:-1}"
TRANSPORTS="${TRANSPORTS:-h1 h2c grpc grpc-map}"
HTTP_PORT="${HTTP_PORT:-18180}"
GRPC_PORT="${GRPC_PORT:-19101}"
ADMIN_PORT="${ADMIN_PORT:-19190}"
NGINX_H1_PORT="${NGINX_H1_PORT:-18181}"
NGINX_H2C_PORT="${NGINX_H2C_PORT:-18182}"
CEILING="${CEILING:-}"

need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need valgrind valgrind
need h2load nghttp2-client
need protoc protobuf-compiler
# CheckResponse.dynamic_metadata's google/protobuf/struct.proto (protobuf-compiler only recommends it).
[ -f /usr/include/google/protobuf/struct.proto ] || { apt-get update -qq && apt-get install -y -qq libprotobuf-dev >/dev/null; }
need strip binutils
need curl curl
need nginx nginx-light

if [ -z "${BIN_DIR:-}" ]; then
    if [ -z "${SKIP_BUILD:-}" ]; then # one product per invocation: swift build honours the last --product only
        swift build -c release --product sigv4-authz >/dev/null
        [ -z "$CEILING" ] || swift build -c release --product TransportCeiling >/dev/null
    fi
    BIN_DIR="$(swift build -c release --show-bin-path)"
fi
work="$(mktemp -d)"
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# valgrind 3.19 cannot read the DWARF 5 of Swift 6.3 binaries: count on copies without debug info.
binaries=(sigv4-authz)
[ -z "$CEILING" ] || binaries+=(TransportCeiling)
for name in "${binaries[@]}"; do
    strip --strip-debug -o "$work/$name" "$BIN_DIR/$name"
done

cat >"$work/config.yaml" <<YAML
listen: { http: "127.0.0.1:$HTTP_PORT", grpc: "127.0.0.1:$GRPC_PORT", admin: "127.0.0.1:$ADMIN_PORT" }
accounts:
  "171436882533": { name: prod, regions: { eu-west-1: { services: [s3] } } }
default: deny
audit: { allow: all, deny: all, file: /dev/null }
YAML

# nginx: the same decision headers, no work; one process, so that callgrind sees all of it.
decision_headers=""
for h in decision reason rule account account-name region service action request-id; do
    decision_headers+="add_header x-sigv4-authz-$h value always; "
done
cat >"$work/nginx.conf" <<NGINX
daemon off;
master_process off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx.error.log;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    server { listen 127.0.0.1:$NGINX_H1_PORT; location / { $decision_headers return 200; } }
    server { listen 127.0.0.1:$NGINX_H2C_PORT http2; location / { $decision_headers return 200; } }
}
NGINX

# The check, signed now (SigV4, S3 GetObject for account 171436882533 in eu-west-1; the access key
# id encodes the account, no secret is configured so the signature is not recomputed), written as
# HTTP headers and as two CheckRequests: header_map with raw_value (encode_raw_headers) and the
# headers map, with the attributes Envoy fills in (peers, time, stream id, scheme, protocol).
sign() {
    python3 - "$work" <<'PY'
import datetime, hashlib, hmac, struct, sys
work = sys.argv[1]
host, path, region = "prod-data.s3.eu-west-1.amazonaws.com", "/reports/q1.csv", "eu-west-1"
now = datetime.datetime.now(datetime.timezone.utc)
amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
payload = hashlib.sha256(b"").hexdigest()
signed = "host;x-amz-content-sha256;x-amz-date"
canonical = f"GET\n{path}\n\nhost:{host}\nx-amz-content-sha256:{payload}\nx-amz-date:{amz_date}\n\n{signed}\n{payload}"
scope = f"{day}/{region}/s3/aws4_request"
to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
key = ("AWS4" + "benchmark-secret").encode()
for part in (day, region, "s3", "aws4_request"):
    key = hmac.new(key, part.encode(), hashlib.sha256).digest()
signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
headers = [
    ("user-agent", "Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux lang/python#3.12 cfg/retry-mode#legacy"),
    ("accept-encoding", "identity"),
    ("x-amz-date", amz_date),
    ("x-amz-content-sha256", payload),
    ("authorization", f"AWS4-HMAC-SHA256 Credential=AKIASP2TPHJSQH3FJRUX/{scope}, SignedHeaders={signed}, Signature={signature}"),
    ("x-forwarded-proto", "http"),
    ("x-request-id", "5f0c7a5e-3b1d-4c55-9a8e-2f6d1c0b9e47"),
]
# h2load: the authority as :authority (it sends it as Host over HTTP/1.1), every other header as is.
with open(f"{work}/h2load.headers", "w") as f:
    f.write(f":authority: {host}\n")
    for k, v in headers:
        f.write(f"{k}: {v}\n")
pseudo = [(":authority", host), (":path", path), (":method", "GET"), (":scheme", "http")]
def check(field):
    out = ['attributes {',
           '  source { address { socket_address { address: "10.0.0.1" port_value: 51234 } } }',
           '  destination { address { socket_address { address: "10.0.0.2" port_value: 10000 } } }',
           '  request {',
           f'    time {{ seconds: {int(now.timestamp())} nanos: 123456000 }}',
           '    http {',
           '      id: "14641253474245936371"',
           '      method: "GET"']
    if field == "header_map":
        out.append('      header_map {')
        out += [f'        headers {{ key: "{k}" raw_value: "{v}" }}' for k, v in pseudo + headers]
        out.append('      }')
    else:
        out += [f'      headers {{ key: "{k}" value: "{v}" }}' for k, v in pseudo + headers]
    out += [f'      path: "{path}"', f'      host: "{host}"', '      scheme: "http"', '      protocol: "HTTP/1.1"',
            '    }', '  }', '}']
    return "\n".join(out) + "\n"
for name, field in (("grpc", "header_map"), ("grpc-map", "headers")):
    open(f"{work}/{name}.txtpb", "w").write(check(field))
PY
    for name in grpc grpc-map; do
        protoc -I Protos --encode=envoy.service.auth.v3.CheckRequest envoy/service/auth/v3/external_auth.proto \
            <"$work/$name.txtpb" >"$work/$name.bin"
        python3 -c 'import struct, sys; d = open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(b"\0" + struct.pack(">I", len(d)) + d)' \
            "$work/$name.bin" "$work/$name.body"
    done
    h2_headers=()
    while IFS= read -r line; do h2_headers+=(-H "$line"); done <"$work/h2load.headers"
}

# h2load's arguments for a transport: the original request's headers over HTTP; over gRPC the headers
# of Envoy's gRPC client (the original request is in the message).
load_args() { # transport binary
    local h1_port=$HTTP_PORT h2c_port=$HTTP_PORT
    [ "$2" = nginx ] && h1_port=$NGINX_H1_PORT h2c_port=$NGINX_H2C_PORT
    case $1 in
    h1) load=(--h1 "${h2_headers[@]}" "http://127.0.0.1:$h1_port/envoy/reports/q1.csv") ;;
    h2c) load=("${h2_headers[@]}" "http://127.0.0.1:$h2c_port/envoy/reports/q1.csv") ;;
    grpc | grpc-map)
        load=(-d "$work/$1.body" -H ":authority: sigv4_authz" -H "content-type: application/grpc" -H "te: trailers"
            -H "grpc-timeout: 500m" -H "user-agent: envoy/1.40.0" -H "x-envoy-internal: true"
            "http://127.0.0.1:$GRPC_PORT/envoy.service.auth.v3.Authorization/Check") ;;
    esac
}

listening() { # port: in LISTEN state (state 0A), seen from /proc without connecting
    local hex
    hex=$(printf '%04X' "$1")
    awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" {found = 1} END {exit !found}' /proc/net/tcp
}

start() { # binary [valgrind options...]: starts it, waits until its check ports listen
    local binary=$1
    shift
    local program="$work/$binary" args=(--config "$work/config.yaml") ports=("$HTTP_PORT" "$GRPC_PORT")
    [ "$binary" = TransportCeiling ] && args=("$work/config.yaml")
    [ "$binary" = sigv4-authz ] && args=(serve "${args[@]}")
    [ "$binary" = nginx ] && program=$(command -v nginx) args=(-c "$work/nginx.conf") \
        ports=("$NGINX_H1_PORT" "$NGINX_H2C_PORT")
    SWIFT_DETERMINISTIC_HASHING=1 "$@" "$program" "${args[@]}" >"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1200); do
        listening "${ports[0]}" && listening "${ports[1]}" && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "$binary did not start:" >&2
    cat "$work/server.log" >&2
    exit 1
}

stop() {
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=
}

# Before counting: every transport's check is allowed by serve (HTTP status, gRPC status and the
# decision header), so the counts measure the allow path.
sanity() {
    start sigv4-authz
    local transport status
    for transport in $TRANSPORTS; do
        case $transport in
        h1 | h2c)
            local curl_headers=() version=--http1.1
            [ "$transport" = h2c ] && version=--http2-prior-knowledge
            while IFS= read -r line; do
                case "$line" in :authority:*) curl_headers+=(-H "host:${line#:authority:}") ;; *) curl_headers+=(-H "$line") ;; esac
            done <"$work/h2load.headers"
            status=$(curl -s -o /dev/null -D "$work/answer.headers" -w '%{http_code}' $version "${curl_headers[@]}" \
                "http://127.0.0.1:$HTTP_PORT/envoy/reports/q1.csv")
            [ "$status" = 200 ] && grep -qi '^x-sigv4-authz-decision: allow' "$work/answer.headers" || {
                echo "$transport: the benchmark check is not allowed (HTTP $status)" >&2
                exit 1
            }
            ;;
        grpc | grpc-map)
            curl -s --http2-prior-knowledge -H 'content-type: application/grpc' -H 'te: trailers' \
                --data-binary "@$work/$transport.body" -o "$work/answer.grpc" \
                "http://127.0.0.1:$GRPC_PORT/envoy.service.auth.v3.Authorization/Check"
            tail -c +6 "$work/answer.grpc" | protoc -I Protos --decode=envoy.service.auth.v3.CheckResponse \
                envoy/service/auth/v3/external_auth.proto >"$work/answer.txt"
            grep -q 'ok_response' "$work/answer.txt" && grep -A1 'x-sigv4-authz-decision' "$work/answer.txt" | grep -q '"allow"' || {
                echo "$transport: the benchmark check is not allowed:" >&2
                cat "$work/answer.txt" >&2
                exit 1
            }
            ;;
        esac
    done
    stop
}

total_instructions() { # binary transport count: callgrind's total for a run of `count` checks
    local binary=$1 transport=$2 count=$3 out="$work/callgrind.out"
    rm -f "$out"
    start "$binary" valgrind --tool=callgrind --callgrind-out-file="$out" --dump-line=no
    load_args "$transport" "$binary"
    local streams=$M
    [ "$transport" = h1 ] && streams=1 # over HTTP/1.1 -m would pipeline, which Envoy does not do
    h2load -n "$count" -c1 -m"$streams" "${load[@]}" >"$work/h2load.out" 2>&1 || true
    stop
    grep -q "status codes: $count 2xx" "$work/h2load.out" || {
        echo "$binary $transport: not every check was answered 200:" >&2
        cat "$work/h2load.out" >&2
        exit 1
    }
    [ -z "${KEEP:-}" ] || cp "$out" "$KEEP/callgrind.$binary.$transport.$count"
    awk '/^(summary|totals):/ {print $2; exit}' "$out"
}

per_check() { # binary transport: (total(2N) - total(N)) / N
    local once twice
    sign # fresh for each pair (the clock-skew check), identical within it
    once=$(total_instructions "$1" "$2" "$N")
    twice=$(total_instructions "$1" "$2" $((2 * N)))
    echo $(((twice - once) / N))
}

sign
sanity

label() {
    case $1 in
    h1) echo "HTTP/1.1" ;;
    h2c) echo "h2c" ;;
    grpc) echo "gRPC (header_map)" ;;
    grpc-map) echo "gRPC (headers map)" ;;
    esac
}
declare -A alone full reference
for transport in $TRANSPORTS; do
    case $transport in h1 | h2c) reference[$transport]=$(per_check nginx "$transport") ;; esac
    [ -z "$CEILING" ] || alone[$transport]=$(per_check TransportCeiling "$transport")
    full[$transport]=$(per_check sigv4-authz "$transport")
    echo "measured $(label "$transport"): nginx ${reference[$transport]:--}, transport alone ${alone[$transport]:--}," \
        "sigv4-authz ${full[$transport]}" >&2
done

ratio() { [ -n "${2:-}" ] && python3 -c "print(f'{$1 / $2:.2f}')" || echo "-"; }
echo "Instructions per check (user space, callgrind; (2N - N checks) / N, N=$N, h2load -c1 -m$M)"
if [ -z "$CEILING" ]; then
    printf "| %-20s | %17s | %15s | %15s |\n" transport "nginx return 200" "sigv4-authz" "vs nginx"
    printf "|%s|%s:|%s:|%s:|\n" "----------------------" "------------------" "----------------" "----------------"
    for transport in $TRANSPORTS; do
        printf "| %-20s | %17s | %15s | %15s |\n" "$(label "$transport")" "${reference[$transport]:--}" \
            "${full[$transport]}" "$(ratio "${full[$transport]}" "${reference[$transport]:-}")"
    done
else
    printf "| %-20s | %17s | %15s | %15s | %15s | %17s | %25s |\n" transport "nginx return 200" \
        "transport alone" "with decision" "decision adds" "alone vs HTTP/1.1" "with decision vs HTTP/1.1"
    printf "|%s|%s:|%s:|%s:|%s:|%s:|%s:|\n" "----------------------" "------------------" "----------------" \
        "----------------" "----------------" "------------------" "--------------------------"
    for transport in $TRANSPORTS; do
        printf "| %-20s | %17s | %15s | %15s | %15s | %17s | %25s |\n" "$(label "$transport")" \
            "${reference[$transport]:--}" "${alone[$transport]}" "${full[$transport]}" \
            "$((full[$transport] - alone[$transport]))" "$(ratio "${alone[$transport]}" "${alone[h1]:-}")" \
            "$(ratio "${full[$transport]}" "${full[h1]:-}")"
    done
fi
