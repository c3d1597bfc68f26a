#!/usr/bin/env bash
# The release binary the Dockerfile ships, built without Docker, and shown to work:
#
#   1. `swift build -c release --static-swift-stdlib --product sigv4-authz` in the repository's
#      own .build (the same command as the Dockerfile's builder stage);
#   2. the binary alone is copied to a fresh directory, exactly as the Dockerfile's runtime stage
#      lays it out, so nothing below can lean on the build tree (the AWS model and the example
#      configuration are compiled in; there are no resource bundles to ship);
#   3. `--help` runs;
#   4. `ldd` lists only libc-level libraries (glibc's libc/libm/ld-linux and the compat stubs,
#      libstdc++, libgcc_s, zlib): the Swift runtime and Foundation are linked in, so the image
#      needs no Swift toolchain;
#   5. `serve` on free 127.0.0.1 ports answers /readyz, allows one SigV4-signed-looking S3 request
#      (200, x-sigv4-authz-decision: allow), denies one from an account outside the policy (403),
#      writes both audit records, and exits 0 on SIGTERM.
#
# Usage: Tests/Deploy/static-binary.sh            (from anywhere; needs swift, curl, python3, ldd)
# Exit status: 0 when every check passed, 1 otherwise.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }
die() { echo "static-binary: $*" >&2; exit 1; }

for tool in swift curl python3 ldd; do
    command -v "$tool" >/dev/null || die "$tool is required but not installed"
done

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# --- 1. build -------------------------------------------------------------------------------------
build_flags=(-c release --static-swift-stdlib --product sigv4-authz)
echo "# swift build ${build_flags[*]}"
start=$(date +%s)
swift build "${build_flags[@]}"
echo "# built in $(($(date +%s) - start)) s"
bin_dir=$(swift build -c release --static-swift-stdlib --show-bin-path)
[[ -x "$bin_dir/sigv4-authz" ]] || die "no executable at $bin_dir/sigv4-authz after the build"

# --- 2. install as the image does -----------------------------------------------------------------
# One file: the AWS model and the example configuration are compiled in (the package declares no
# resources for the executable's modules, so there is no Bundle.module lookup to fall back on).
install_dir="$work/install"
mkdir -p "$install_dir"
cp "$bin_dir/sigv4-authz" "$install_dir/"
bin="$install_dir/sigv4-authz"
echo "# installed $(du -sh "$install_dir" | cut -f1) into $install_dir: $(cd "$install_dir" && echo *)"

# --- 3. --help ------------------------------------------------------------------------------------
if help=$("$bin" --help 2>&1) && grep -q 'serve' <<<"$help"; then
    pass "--help exits 0 and lists the serve command"
else
    fail "--help failed or does not mention serve: $help"
fi

# --- 4. ldd ---------------------------------------------------------------------------------------
ldd_out=$(ldd "$bin" 2>&1 || true)
echo "# ldd $bin"
sed 's/^/#   /' <<<"$ldd_out"
# A library name is the first field of each line ("libc.so.6 => /lib/... (0x...)", "linux-vdso.so.1
# (0x...)", "/lib64/ld-linux-x86-64.so.2 (0x...)"); compare basenames against glibc-level ones.
allowed='^(linux-vdso\.so\.1|linux-gate\.so\.1|ld-linux[-a-z0-9_.]*\.so\.[0-9]+|libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|libutil\.so\.1|libstdc\+\+\.so\.6|libgcc_s\.so\.1|libz\.so\.1)$'
if grep -qE 'not a dynamic executable|statically linked' <<<"$ldd_out"; then
    pass "ldd: fully static executable"
else
    unexpected=()
    count=0
    while read -r first _; do
        [[ -n "$first" ]] || continue
        name=$(basename "$first")
        count=$((count + 1))
        [[ "$name" =~ $allowed ]] || unexpected+=("$name")
    done <<<"$ldd_out"
    if grep -q 'not found' <<<"$ldd_out"; then
        fail "ldd: a library is not found"
    elif ((count == 0)); then
        fail "ldd printed no libraries (could not read its output)"
    elif ((${#unexpected[@]} > 0)); then
        fail "ldd: libraries beyond libc level: ${unexpected[*]}"
    else
        pass "ldd: only libc-level libraries ($count entries)"
    fi
fi

# --- 5. serve one allowed and one denied check ------------------------------------------------------
read -r http_port grpc_port admin_port < <(python3 - <<'EOF'
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks:
    s.close()
EOF
)
cat >"$work/config.yaml" <<EOF
listen:
  http: "127.0.0.1:$http_port"
  grpc: "127.0.0.1:$grpc_port"
  admin: "127.0.0.1:$admin_port"
credentials:
  require_signature: true
  max_clock_skew: 15m
  legacy_access_keys: deny
accounts:
  "171436882533":              # AKIASP2TPHJSQH3FJRUX's account
    name: prod
    regions:
      us-east-1: { services: [s3] }
default: deny
audit: { allow: all, deny: all }
EOF
"$bin" serve --config "$work/config.yaml" >"$work/audit.log" 2>"$work/server.log" &
server_pid=$!

ready=false
for _ in $(seq 1 100); do   # up to 20 s
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin_port/readyz")" == 200 ]]; then
        ready=true
        break
    fi
    sleep 0.2
done
if $ready; then
    pass "serve: /readyz answers 200"
else
    fail "serve: not ready within 20 s"
    echo "# server log:"; sed 's/^/#   /' "$work/server.log"
    echo "static-binary: $passed passed, $failed failed"
    exit 1
fi

amz_date=$(date -u +%Y%m%dT%H%M%SZ)
signature=$(printf '%064d' 0 | tr 0 a)
# $1: access key id. Prints the status line and headers of the check.
check() {
    curl -s -o "$work/body" -D - \
        -H "Host: s3.us-east-1.amazonaws.com" \
        -H "X-Amz-Date: $amz_date" \
        -H "X-Amz-Content-Sha256: UNSIGNED-PAYLOAD" \
        -H "Authorization: AWS4-HMAC-SHA256 Credential=$1/${amz_date:0:8}/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=$signature" \
        "http://127.0.0.1:$http_port/envoy/example-bucket/key.txt" | tr -d '\r'
}

allow=$(check AKIASP2TPHJSQH3FJRUX)
if grep -q '^HTTP/1.1 200' <<<"$allow" && grep -qi '^x-sigv4-authz-decision: allow$' <<<"$allow"; then
    pass "serve: account 171436882533 reading S3 in us-east-1 → 200, decision allow"
else
    fail "serve: expected 200 + allow, got: $allow"
fi

deny=$(check AKIAV7S32T2OSBFJQOIY)
if grep -q '^HTTP/1.1 403' <<<"$deny" && grep -qi '^x-sigv4-authz-decision: deny$' <<<"$deny" \
    && grep -qi '^x-sigv4-authz-reason: account_not_allowed$' <<<"$deny" && grep -q '<Code>AccessDenied</Code>' "$work/body"; then
    pass "serve: account 411435703965 (not in the policy) → 403, account_not_allowed, S3 error body"
else
    fail "serve: expected 403 + deny/account_not_allowed, got: $deny $(cat "$work/body")"
fi

kill -TERM "$server_pid"
status=0
for _ in $(seq 1 150); do   # up to 30 s: shutdown_grace defaults to 10 s
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
done
if kill -0 "$server_pid" 2>/dev/null; then
    fail "serve: still running 30 s after SIGTERM"
else
    wait "$server_pid" || status=$?
    if ((status == 0)); then pass "serve: exits 0 on SIGTERM"; else fail "serve: exit status $status after SIGTERM"; fi
fi
server_pid=""

if grep -q '"decision":"allow"' "$work/audit.log" && grep -q '"decision":"deny"' "$work/audit.log"; then
    pass "serve: both decisions in the audit log"
else
    fail "serve: audit log lacks a decision: $(cat "$work/audit.log")"
fi

echo "static-binary: $passed passed, $failed failed"
((failed == 0))
