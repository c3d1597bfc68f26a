#!/usr/bin/env bash
# bench-squid-icap.sh — Squid's two ways of asking sigv4-authz, side by side in one run: the external
# ACL helper (squid/squid.conf, `sigv4-authz squid-helper` processes under Squid) and ICAP
# (squid/squid-icap.conf, `sigv4-authz serve` with listen.icap). Squid is a plain HTTP proxy here
# (no TLS: ssl_bump's cost is not measured) in front of a trivial upstream (nginx `return 200`, as
# Squid's cache_peer parent, so nothing resolves an AWS name). wrk sends the same N signed requests
# (S3 GetObject with session credentials, allowed; cycled) with CONNECTIONS connections for DURATION
# seconds to each. Reported: checks per second, CPU per check (Squid's processes — its helpers
# included — plus sigv4-authz serve for ICAP, from /proc utime+stime), wrk's p50/p99 latency.
# Each check is audited; the audit records are counted to prove every request was checked.
#
#   DURATION (10)  CONNECTIONS (16)  N (64 distinct signed requests)
#   SIGV4_AUTHZ_BIN (default: a release build made here)
# Bounded: two warm-ups of 2 s and two runs of DURATION; everything on 127.0.0.1; needs root (Squid
# drops to its own user). Installs squid-openssl, wrk and nginx with apt when missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export DURATION="${DURATION:-10}" CONNECTIONS="${CONNECTIONS:-16}" N="${N:-64}"

die() { echo "bench-squid-icap: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (Squid starts as root and drops to its user)"
missing=()
{ [ -x /usr/sbin/squid ] && /usr/sbin/squid -v | grep -q -- '--with-openssl'; } || missing+=(squid-openssl)
command -v wrk >/dev/null || missing+=(wrk)
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v openssl >/dev/null || missing+=(openssl)
python3 -c 'import botocore' 2>/dev/null || missing+=(python3-botocore)
if [ ${#missing[@]} -gt 0 ]; then
    echo "bench-squid-icap: apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -z "${SIGV4_AUTHZ_BIN:-}" ]; then
    swift build -c release --product sigv4-authz >/dev/null
    SIGV4_AUTHZ_BIN="$(swift build -c release --show-bin-path)/sigv4-authz"
fi
export SIGV4_AUTHZ_BIN

exec python3 - <<'PY'
import json, os, re, subprocess, sys, time, types
from pathlib import Path

sys.path.insert(0, "Tests/EndToEnd")
import harness as h
import icap_world

DURATION, CONNECTIONS, N = int(os.environ["DURATION"]), int(os.environ["CONNECTIONS"]), int(os.environ["N"])
work = h.make_workdir("sigv4-authz-bench-squid-")
(work / "logs").mkdir()
(work / "logs").chmod(0o777)
procs = []

def stop_all():
    for proc in reversed(procs):
        proc.stop()

def clock_seconds(pids):
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])   # utime, stime
    return total / ticks

def session_pids(leader):
    """Every process in the leader's session: Squid, its helpers and its certificate generators."""
    sid = os.getsid(leader)
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == sid:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids

try:
    # The upstream: nginx answering 200 to everything (proxy requests included).
    upstream = h.free_port()
    (work / "nginx.conf").write_text(f"""worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/logs/nginx.error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; keepalive_requests 1000000;
  server {{ listen 127.0.0.1:{upstream}; location / {{ return 200 "ok"; }} }} }}
""")
    nginx = h.Proc("nginx", ["/usr/sbin/nginx", "-c", str(work / "nginx.conf"), "-g", "daemon off;"],
                   work / "logs" / "nginx.log").start()
    procs.append(nginx)
    nginx.wait_ready(lambda: h.tcp_open("127.0.0.1", upstream))
    peer = (f"cache_peer 127.0.0.1 parent {upstream} 0 no-query no-digest originserver name=upstream\n"
            "never_direct allow all\n")

    # One policy for both: the session account may use S3 in us-east-1; each check audited.
    http_port, grpc_port, admin_port, icap_port = (h.free_port() for _ in range(4))
    def policy(name):
        audit = work / f"audit-{name}.jsonl"
        audit.touch()
        audit.chmod(0o666)
        path = work / f"policy-{name}.yaml"
        path.write_text(f"""listen:
  http: "127.0.0.1:{http_port}"
  grpc: "127.0.0.1:{grpc_port}"
  admin: "127.0.0.1:{admin_port}"
  icap: "127.0.0.1:{icap_port}"
accounts:
  "{h.SESSION_ACCOUNT}": {{ name: bench, regions: {{ us-east-1: {{ services: [s3] }} }} }}
default: deny
audit: {{ allow: all, deny: all, file: {audit} }}
""")
        path.chmod(0o644)
        return path, audit

    # The N signed requests, as raw HTTP proxy requests for wrk's Lua script.
    import botocore.auth, botocore.awsrequest, botocore.credentials
    creds = botocore.credentials.Credentials(h.SESSION_KEY, h.SESSION_SECRET, h.SESSION_TOKEN)
    raw = []
    for i in range(N):
        url = f"http://s3.us-east-1.amazonaws.com/bench-bucket/object-{i:04d}.txt"
        request = botocore.awsrequest.AWSRequest(method="GET", url=url)
        botocore.auth.S3SigV4Auth(creds, "s3", "us-east-1").add_auth(request)
        lines = [f"GET {url} HTTP/1.1", "Host: s3.us-east-1.amazonaws.com"]
        lines += [f"{k}: {v}" for k, v in request.headers.items() if k.lower() != "host"]
        raw.append("\r\n".join(lines) + "\r\n\r\n")
    lua = work / "requests.lua"
    lua.write_text("local requests = {" + ",\n".join(json.dumps(r) for r in raw) + "}\n"
                   "local i = 0\nrequest = function()\n  i = i % #requests + 1\n  return requests[i]\nend\n")

    def wrk(port, seconds):
        out = subprocess.run(["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(lua),
                              f"http://127.0.0.1:{port}/"], capture_output=True, text=True, check=True,
                             timeout=seconds + 60).stdout
        requests = int(re.search(r"(\d+) requests in", out).group(1))
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        errors = re.search(r"Socket errors: (.*)", out)
        latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
        return requests, int(bad.group(1)) if bad else 0, errors.group(1) if errors else "", latency, out

    resolv = work / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\n")  # nothing is resolved (never_direct to the parent)
    nowhere = types.SimpleNamespace(resolv_conf=resolv)
    results = []

    # --- the external ACL helper (squid/squid.conf) ---------------------------------------------
    helper_policy, helper_audit = policy("helper")
    subprocess.run(["bash", "squid/install-error-pages.sh", str(work / "squid-errors")], check=True,
                   capture_output=True, timeout=30)
    listen = h.free_port()
    config = h.render(h.REPO / "squid" / "squid.conf", work / "squid-helper.conf", {
        "http_port 3128": f"http_port 127.0.0.1:{listen}",
        "/usr/local/bin/sigv4-authz": os.environ["SIGV4_AUTHZ_BIN"],
        "/etc/sigv4-authz/config.yaml": str(helper_policy),
        "/var/log/squid/": str(work / "logs" / "squid-helper") + "-",
        "/run/squid.pid": str(work / "squid-helper.pid"),
        "/etc/squid/sigv4-authz-errors": str(work / "squid-errors"),
    })
    config.write_text(config.read_text() + "\n" + peer)
    squid = h.Proc("squid-helper", [icap_world.squid_openssl(), "-N", "-f", str(config)],
                   work / "logs" / "squid-helper.log").start()
    procs.append(squid)
    squid.wait_ready(lambda: h.tcp_open("127.0.0.1", listen))
    wrk(listen, 2)
    time.sleep(0.5)
    pids = session_pids(squid.popen.pid)
    audited = len(helper_audit.read_text().splitlines())
    cpu = clock_seconds(pids)
    requests, bad, errors, latency, out = wrk(listen, DURATION)
    cpu = clock_seconds(session_pids(squid.popen.pid)) - cpu
    time.sleep(1)
    checks = len(helper_audit.read_text().splitlines()) - audited
    results.append(("external ACL helper", requests, bad, errors, latency, cpu, checks, {"squid + helpers": cpu}))
    print(f"external ACL helper: {requests} requests in {DURATION}s, {checks} audited, CPU {cpu:.2f}s", flush=True)
    squid.stop()

    # --- ICAP (squid/squid-icap.conf) ------------------------------------------------------------
    icap_policy, icap_audit = policy("icap")
    authz = h.Proc("sigv4-authz", [os.environ["SIGV4_AUTHZ_BIN"], "serve", "--config", str(icap_policy)],
                   work / "logs" / "sigv4-authz.log").start()
    procs.append(authz)
    authz.wait_ready(lambda: h.http_ok(f"http://127.0.0.1:{admin_port}/readyz") and h.tcp_open("127.0.0.1", icap_port))
    certs = h.make_certs(work)
    proxy = icap_world.start_squid_icap(work, icap_port, nowhere, certs, icap_audit, name="squid-icap", extra=peer)
    procs.append(proxy.proc)
    listen = int(proxy.forward_proxy.rsplit(":", 1)[1])
    wrk(listen, 2)
    time.sleep(0.5)
    audited = len(icap_audit.read_text().splitlines())
    squid_cpu, authz_cpu = clock_seconds(session_pids(proxy.proc.popen.pid)), clock_seconds([authz.popen.pid])
    requests, bad, errors, latency, out = wrk(listen, DURATION)
    squid_cpu = clock_seconds(session_pids(proxy.proc.popen.pid)) - squid_cpu
    authz_cpu = clock_seconds([authz.popen.pid]) - authz_cpu
    time.sleep(1)
    checks = len(icap_audit.read_text().splitlines()) - audited
    results.append(("ICAP", requests, bad, errors, latency, squid_cpu + authz_cpu, checks,
                    {"squid": squid_cpu, "sigv4-authz serve": authz_cpu}))

    version = subprocess.run([icap_world.squid_openssl(), "-v"], capture_output=True, text=True).stdout.split()[3]
    print(f"\nSquid {version}, "
          f"plain HTTP proxy -> nginx parent; wrk -t1 -c{CONNECTIONS} -d{DURATION}s, {N} distinct signed S3 GetObject; "
          f"{os.cpu_count()} CPUs; sigv4-authz {os.environ['SIGV4_AUTHZ_BIN']}\n")
    print("| way | checks/s | CPU per check (µs) | of which | p50 | p99 | non-2xx | audited/requests |")
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    failed = False
    for name, requests, bad, errors, latency, cpu, checks, parts in results:
        split = ", ".join(f"{k} {v / max(requests, 1) * 1e6:.0f}" for k, v in parts.items())
        print(f"| {name} | {requests / DURATION:,.0f} | {cpu / max(requests, 1) * 1e6:,.0f} | {split} | "
              f"{latency.get('50', '?')} | {latency.get('99', '?')} | {bad} | {checks}/{requests} |")
        if bad or errors or checks < requests or requests == 0:
            failed = True
            print(f"  {name}: every request must be allowed and audited (non-2xx {bad}, socket errors '{errors}')")
    print(f"\nlogs: {work}/logs")
    sys.exit(1 if failed else 0)
finally:
    stop_all()
PY
