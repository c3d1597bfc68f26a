#!/usr/bin/env bash
# Instructions per check of an identity-token check whose verification is cached, beside a
# plain SigV4 check, both over ext_authz gRPC as Envoy sends them (envoy/identity.yaml and
# envoy/grpc.yaml both set encode_raw_headers: the headers in `header_map` with `raw_value`), counted
# by callgrind the way scripts/bench-instructions.sh counts (same method, same plain check):
#
#   plain     S3 GetObject signed with SigV4 for account 171436882533, allowed by the accounts
#             allowlist (full decision, audit record to /dev/null, metrics)
#   identity  GET http://orders.internal/v1/orders/q1 with `Authorization: Bearer k8s-aws-v1.…`, one
#             token (`sigv4-authz token`, the STS stand-in's test key alice) verified by
#             Tests/EndToEnd/sts_standin.py on 127.0.0.1 at the first check of each run; every other
#             check parses the token offline, finds its verification in the cache and is allowed
#             by a principals_arn/paths statement (principal headers set, token header removed)
#
# One sigv4-authz configuration serves both (the accounts allowlist decides SigV4 requests, the
# principals_arn statements identity requests). Each (check) is run twice under callgrind, with N and
# 2N checks sent by h2load over one connection, one at a time (-c1 -m1); (total(2N) - total(N)) / N
# is one check's cost with start-up, the connection, the first check (and its STS call) taken out.
# The run fails unless every check of every run is answered with an allow (ok_response), and the
# stand-in got exactly one GetCallerIdentity per identity run, each verified.
#
#   N=5000 scripts/bench-identity-instructions.sh
#   SIGV4_AUTHZ_BIN=/path/to/release/sigv4-authz ...   measure that binary (default: build release)
#   KEEP=DIR ...                                        keep callgrind's profiles (callgrind.KIND.COUNT)
#
# valgrind 3.19 cannot read Swift 6.3's DWARF 5: callgrind runs a `strip --strip-debug` copy (the
# symbol table stays, so callgrind_annotate still names functions). Load stays on 127.0.0.1 and is
# bounded (3N checks per kind). With N=5000 it takes about 5 minutes on a 2-core machine.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
N="${N:-5000}"
PORT_BASE="${BENCH_PORT_BASE:-28200}"
http_port=$PORT_BASE grpc_port=$((PORT_BASE + 1)) admin_port=$((PORT_BASE + 2)) standin_port=$((PORT_BASE + 3))

die() { echo "bench-identity-instructions: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need valgrind valgrind
need h2load nghttp2-client
need protoc protobuf-compiler
# CheckResponse.dynamic_metadata's google/protobuf/struct.proto (protobuf-compiler only recommends it).
[ -f /usr/include/google/protobuf/struct.proto ] || { apt-get update -qq && apt-get install -y -qq libprotobuf-dev >/dev/null; }
need strip binutils
need curl curl
[[ $N =~ ^[1-9][0-9]*$ ]] && [ "$N" -le 100000 ] || die "N must be 1…100000"
[ -z "${KEEP:-}" ] || mkdir -p "$KEEP"

# botocore for the stand-in's signature check: bench-envoy's venv when there is one, else a small one.
py="$root/.cache/bench-venv/bin/python"
if ! "$py" -c 'import botocore' 2>/dev/null; then
    venv="$root/.cache/bench-identity-venv"
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv" ||
        { apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && python3 -m venv "$venv"; }
    "$venv/bin/python" -c 'import botocore' 2>/dev/null ||
        "$venv/bin/pip" install -q --disable-pip-version-check botocore==1.43.11
    py="$venv/bin/python"
fi

if [ -z "${SIGV4_AUTHZ_BIN:-}" ]; then
    swift build -c release --product sigv4-authz >/dev/null
    SIGV4_AUTHZ_BIN="$(swift build -c release --show-bin-path)/sigv4-authz"
fi
work="$(mktemp -d)"
server_pid=
standin_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    [ -n "$standin_pid" ] && kill "$standin_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
strip --strip-debug -o "$work/sigv4-authz" "$SIGV4_AUTHZ_BIN"

"$py" "$root/Tests/EndToEnd/sts_standin.py" --port "$standin_port" >"$work/standin.log" 2>&1 &
standin_pid=$!
standin_calls() { curl -sf "http://127.0.0.1:$standin_port/_calls"; }
for _ in $(seq 100); do standin_calls >/dev/null 2>&1 && break; sleep 0.2; done
standin_calls >/dev/null || { cat "$work/standin.log" >&2; die "the STS stand-in did not start"; }
read -r alice_key_id alice_secret alice_arn < <("$py" - "$root/Tests/EndToEnd" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import sts_standin
print(sts_standin.ALICE.key_id, sts_standin.ALICE.secret, sts_standin.ALICE.arn)
PY
)
[ -n "$alice_arn" ] || die "could not read the stand-in's test key"

# sts_timeout: the first check's STS call runs under callgrind, many times slower than natively.
cat >"$work/config.yaml" <<YAML
listen: { http: "127.0.0.1:$http_port", grpc: "127.0.0.1:$grpc_port", admin: "127.0.0.1:$admin_port" }
accounts:
  "171436882533": { name: prod, regions: { eu-west-1: { services: [s3] } } }
identity:
  audience: bench
  hosts: ["orders.internal"]
  sts_endpoint: "http://127.0.0.1:$standin_port"
  sts_timeout: 60s
rules:
  - { name: orders-api-only, effect: deny, principals_arn: ["*"], not_paths: ["/v1/orders", "/v1/orders/*"] }
  - { name: alice-reads-orders, effect: allow, principals_arn: ["$alice_arn"], methods: [GET, HEAD],
      paths: ["/v1/orders", "/v1/orders/*"] }
default: deny
audit: { allow: all, deny: all, file: /dev/null }
YAML

# The two CheckRequests (as Envoy 1.40 sends them with encode_raw_headers), each as one gRPC message:
# plain signed now with SigV4 (the key id encodes the account; no secret is configured, so the
# signature is not recomputed: as in bench-instructions.sh), identity with a token minted now.
requests() {
    local token
    token=$(env -i PATH="$PATH" AWS_ACCESS_KEY_ID="$alice_key_id" AWS_SECRET_ACCESS_KEY="$alice_secret" \
        AWS_REGION=eu-west-1 "$SIGV4_AUTHZ_BIN" token --audience bench) || die "sigv4-authz token failed"
    [[ $token == k8s-aws-v1.* ]] || die "sigv4-authz token printed no token"
    (umask 077 && echo "$token" >"$work/token")
    python3 - "$work" <<'PY'
import datetime, hashlib, hmac, sys
work = sys.argv[1]
token = open(f"{work}/token").read().strip()
now = datetime.datetime.now(datetime.timezone.utc)
common = [("user-agent", "Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 os/linux lang/python#3.12 cfg/retry-mode#legacy"),
          ("accept-encoding", "identity")]
tail = [("x-forwarded-proto", "http"), ("x-request-id", "5f0c7a5e-3b1d-4c55-9a8e-2f6d1c0b9e47")]

host, path, region = "prod-data.s3.eu-west-1.amazonaws.com", "/reports/q1.csv", "eu-west-1"
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
plain = (host, path, common + [
    ("x-amz-date", amz_date), ("x-amz-content-sha256", payload),
    ("authorization", f"AWS4-HMAC-SHA256 Credential=AKIASP2TPHJSQH3FJRUX/{scope}, SignedHeaders={signed}, "
                      f"Signature={signature}")] + tail)
identity = ("orders.internal", "/v1/orders/q1", common + [("authorization", f"Bearer {token}")] + tail)


def check(host, path, headers):
    pseudo = [(":authority", host), (":path", path), (":method", "GET"), (":scheme", "http")]
    out = ['attributes {',
           '  source { address { socket_address { address: "10.0.0.1" port_value: 51234 } } }',
           '  destination { address { socket_address { address: "10.0.0.2" port_value: 10000 } } }',
           '  request {',
           f'    time {{ seconds: {int(now.timestamp())} nanos: 123456000 }}',
           '    http {',
           '      id: "14641253474245936371"',
           '      method: "GET"',
           '      header_map {']
    out += [f'        headers {{ key: "{k}" raw_value: "{v}" }}' for k, v in pseudo + headers]
    out += ['      }', f'      path: "{path}"', f'      host: "{host}"', '      scheme: "http"',
            '      protocol: "HTTP/1.1"', '    }', '  }', '}']
    return "\n".join(out) + "\n"


for name, request in (("plain", plain), ("identity", identity)):
    open(f"{work}/{name}.txtpb", "w").write(check(*request))
PY
    local name
    for name in plain identity; do
        protoc -I Protos --encode=envoy.service.auth.v3.CheckRequest envoy/service/auth/v3/external_auth.proto \
            <"$work/$name.txtpb" >"$work/$name.bin"
        python3 -c 'import struct, sys; d = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(b"\0" + struct.pack(">I", len(d)) + d)' \
            "$work/$name.bin" "$work/$name.body"
    done
    rm -f "$work/token" "$work/identity.txtpb"
}

listening() { # port: in LISTEN state (state 0A), seen from /proc without connecting
    local hex
    hex=$(printf '%04X' "$1")
    awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" {found = 1} END {exit !found}' /proc/net/tcp
}
start() { # [valgrind options...]: starts sigv4-authz serve, waits until its gRPC port listens
    SWIFT_DETERMINISTIC_HASHING=1 "$@" "$work/sigv4-authz" serve --config "$work/config.yaml" >"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1200); do
        listening "$grpc_port" && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$work/server.log" >&2
    die "sigv4-authz did not start"
}
stop() {
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    server_pid=
}
grpc_check() { # kind: one check by curl, decoded
    curl -s --http2-prior-knowledge -H 'content-type: application/grpc' -H 'te: trailers' \
        --data-binary "@$work/$1.body" -o "$work/answer.grpc" \
        "http://127.0.0.1:$grpc_port/envoy.service.auth.v3.Authorization/Check"
    tail -c +6 "$work/answer.grpc" | protoc -I Protos --decode=envoy.service.auth.v3.CheckResponse \
        envoy/service/auth/v3/external_auth.proto
}
allowed() { # kind: the decision of one check is an allow (the identity one naming alice)
    local answer
    answer=$(grpc_check "$1")
    grep -q 'ok_response' <<<"$answer" && grep -A1 'x-sigv4-authz-decision' <<<"$answer" | grep -q '"allow"' ||
        { echo "$answer" >&2; die "$1: the benchmark check is not allowed"; }
    [ "$1" = plain ] || grep -A1 'x-sigv4-authz-principal-arn' <<<"$answer" | grep -qF "\"$alice_arn\"" ||
        { echo "$answer" >&2; die "$1: the allow does not name alice"; }
}

total_instructions() { # kind count: callgrind's total for a run of `count` checks
    local kind=$1 count=$2 out="$work/callgrind.out" calls_before calls_after
    rm -f "$out"
    calls_before=$(standin_calls | "$py" -c 'import json, sys; print(json.load(sys.stdin)["calls"])')
    start valgrind --tool=callgrind --callgrind-out-file="$out" --dump-line=no
    h2load -n "$count" -c1 -m1 -d "$work/$kind.body" -H ":authority: sigv4_authz" -H "content-type: application/grpc" \
        -H "te: trailers" -H "grpc-timeout: 60S" -H "user-agent: envoy/1.40.0" -H "x-envoy-internal: true" \
        "http://127.0.0.1:$grpc_port/envoy.service.auth.v3.Authorization/Check" >"$work/h2load.out" 2>&1 || true
    # Every check of the run was an allow: sigv4-authz's own count, read before it stops.
    local allows
    allows=$(curl -sf "http://127.0.0.1:$admin_port/metrics" |
        awk '/^sigv4authz_decisions_total\{/ && /decision="allow"/ {n += $NF; next}
             /^sigv4authz_decisions_total\{/ {d += $NF}
             END {print n + 0, d + 0}')
    stop
    grep -q "status codes: $count 2xx" "$work/h2load.out" ||
        { cat "$work/h2load.out" >&2; die "$kind: not every check was answered"; }
    [ "$allows" = "$count 0" ] || die "$kind: $count checks, sigv4-authz counted (allow, other) $allows"
    calls_after=$(standin_calls | "$py" -c 'import json, sys; print(json.load(sys.stdin)["calls"])')
    local expected=0
    [ "$kind" = identity ] && expected=1
    [ $((calls_after - calls_before)) = "$expected" ] ||
        die "$kind: the stand-in got $((calls_after - calls_before)) STS calls in $count checks (expected $expected)"
    [ -z "${KEEP:-}" ] || cp "$out" "$KEEP/callgrind.$kind.$count"
    awk '/^(summary|totals):/ {print $2; exit}' "$out"
}
per_check() { # kind: (total(2N) - total(N)) / N
    local once twice
    requests # fresh for each pair (clock skew, token age), identical within it
    once=$(total_instructions "$1" "$N")
    twice=$(total_instructions "$1" $((2 * N)))
    echo $(((twice - once) / N))
}

requests
start
allowed plain
allowed identity
stop
plain=$(per_check plain)
echo "measured plain SigV4: $plain" >&2
identity=$(per_check identity)
echo "measured identity (cached token): $identity" >&2
standin_calls | "$py" -c '
import json, sys
calls = json.load(sys.stdin)["requests"]
bad = [c for c in calls if c.get("outcome") != "verified" or c.get("audience") != "bench"]
sys.exit(f"STS calls not verified: {bad}" if bad else 0)' || die "the stand-in's calls were not all verified"
echo "Instructions per check, ext_authz gRPC (user space, callgrind; (2N - N checks) / N, N=$N, h2load -c1 -m1)"
echo "| check | instructions | ratio to plain SigV4 |"
echo "|---|---:|---:|"
echo "| plain SigV4 (S3 GetObject, accounts allowlist) | $plain | 1.00 |"
ratio=$(python3 -c "print(f'{$identity / $plain:.2f}')")
echo "| identity token, verification cached (principals_arn statement) | $identity | $ratio |"
