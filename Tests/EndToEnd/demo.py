#!/usr/bin/env python3
"""A working demo of sigv4-authz behind a real proxy on this machine, in the foreground.

    python3 Tests/EndToEnd/demo.py envoy-grpc | envoy-http | envoy-egress | nginx | nginx-tls | squid

Starts moto as AWS (behind a DNS override, on a private loopback address), sigv4-authz with the
end-to-end policy (Tests/EndToEnd/authz.yaml) and the proxy with its shipped configuration (only
ports and paths substituted), prints commands to try, and runs until Ctrl-C, then stops them all.
`--smoke` sends one allowed and one denied request itself and exits (0 when both behave).
`--session` (what `make demo` runs, with envoy-grpc) first runs a short aws CLI session printed as
typed — an allowed call, a denied one, the audit record of each — then leaves everything running;
with DEMO_EXIT=1 it exits after the session (0 when every call behaved).
Needs root (see run.sh) and the tools run.sh installs; SIGV4_AUTHZ_BIN names the binary.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import harness as h

CHOICES = {"envoy-grpc": "envoy-grpc", "envoy-http": "envoy-http", "envoy-egress": "envoy-egress-tls",
           "nginx": "nginx", "nginx-tls": "nginx-tls", "squid": "squid"}


def instructions(name: str, proxy: h.Proxy, world: h.World) -> str:
    allowed = f"AWS_ACCESS_KEY_ID={h.ALLOWED_KEY} AWS_SECRET_ACCESS_KEY=demo AWS_DEFAULT_REGION=us-east-1"
    denied = f"AWS_ACCESS_KEY_ID={h.DENIED_KEY} AWS_SECRET_ACCESS_KEY=demo AWS_DEFAULT_REGION=us-east-1"
    lines = [f"sigv4-authz demo: {name}",
             f"  fake AWS (moto):  {world.aws.address} (ports 53/80/443; proxies resolve AWS names there)",
             f"  sigv4-authz:      grpc 127.0.0.1:{world.authz.grpc_port}, http 127.0.0.1:{world.authz.http_port},"
             f" admin http://127.0.0.1:{world.authz.admin_port}/metrics",
             f"  audit log:        {proxy.audit}",
             f"  proxy output:     {proxy.proc.log}"
             + (" (Envoy's access log: a JSON line per request with the decision, written every 10 s)"
                if name in ("envoy-grpc", "envoy-http") else ""),
             f"  logs:             {world.workdir / 'logs'}"]
    if proxy.tls:
        env = (f"PYTHONPATH={h.HERE / 'dns_override'} E2E_AWS_ADDRESS={proxy.gateway_address} "
               f"AWS_CA_BUNDLE={proxy.ca_bundle}")
        lines += [f"  {name} listens on {proxy.gateway_address}:443 (TLS for *.amazonaws.com, private CA {proxy.ca_bundle})",
                  "", "Try (the PYTHONPATH/E2E_AWS_ADDRESS part is the DNS override for the aws CLI):",
                  f"  {env} {allowed} aws s3api create-bucket --bucket demo-bucket",
                  f"  {env} {allowed} aws s3 ls",
                  f"  {env} {denied} aws s3 ls                      # AccessDenied: account 411435703965",
                  f"  curl -si --resolve s3.us-east-1.amazonaws.com:443:{proxy.gateway_address} "
                  f"--cacert {proxy.ca_bundle} https://s3.us-east-1.amazonaws.com/demo-bucket   # unsigned: denied"]
        if name == "envoy-egress":
            lines.append(f"  plain-HTTP listener too: HTTP_PROXY={world.proxies['envoy-egress-http'].forward_proxy}")
    else:
        env = f"HTTP_PROXY={proxy.forward_proxy} NO_PROXY="
        lines += [f"  {name} listens on {proxy.forward_proxy} (HTTP forward proxy; http:// AWS endpoints)",
                  "", "Try:",
                  f"  {env} {allowed} aws s3api create-bucket --bucket demo-bucket --endpoint-url http://s3.us-east-1.amazonaws.com",
                  f"  {env} {allowed} aws sts get-caller-identity --endpoint-url http://sts.us-east-1.amazonaws.com",
                  f"  {env} {denied} aws s3 ls --endpoint-url http://s3.us-east-1.amazonaws.com   # AccessDenied",
                  f"  curl -si -x {proxy.forward_proxy} http://s3.us-east-1.amazonaws.com/demo-bucket   # unsigned: denied"]
    aws = shutil.which("aws")
    if aws and Path(aws).parent == Path(sys.prefix) / "bin":  # the demo's venv: maybe not on the user's PATH
        lines += ["", f"(aws above is {aws}: export PATH={Path(aws).parent}:$PATH)"]
    lines += ["", "Ctrl-C stops everything."]
    return "\n".join(lines)


def smoke(proxy: h.Proxy) -> bool:
    from botocore.exceptions import ClientError

    with h.dns_override(proxy.gateway_address if proxy.tls else None):
        s3 = h.client(proxy, "s3", h.ALLOWED, addressing_style="path")
        s3.create_bucket(Bucket="demo-smoke")
        ok = "demo-smoke" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
        try:
            h.client(proxy, "s3", h.DENIED, addressing_style="path").list_buckets()
            denied = False
        except ClientError as error:
            denied = error.response["Error"]["Message"].startswith("sigv4-authz: ")
    print(f"smoke: allowed call {'ok' if ok else 'FAILED'}, denied call {'ok' if denied else 'FAILED'}")
    return ok and denied


ENDPOINT = "http://s3.us-east-1.amazonaws.com"


def session(proxy: h.Proxy, world: h.World) -> bool:
    """The scripted aws CLI session of `make demo`, printed as a user would type it (forward-proxy
    proxies: HTTP_PROXY and http:// endpoints). True when the allowed calls succeed, the denied one
    is refused with AWS's AccessDenied, and each has its audit record."""
    aws = h.tool("aws")
    base = h.cli_env(proxy, h.ALLOWED_KEY, "demo")
    for name in ("AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"):  # the CLI's defaults, as the user runs it
        base.pop(name, None)
    exports = {"HTTP_PROXY": proxy.forward_proxy, "AWS_ACCESS_KEY_ID": h.ALLOWED_KEY,
               "AWS_SECRET_ACCESS_KEY": "demo", "AWS_DEFAULT_REGION": "us-east-1"}
    print("\n# Envoy forwards to AWS (moto here) what sigv4-authz allows. As a user of account "
          f"{h.ALLOWED_ACCOUNT}:")
    print("$ export " + " ".join(f"{k}={v}" for k, v in exports.items()))

    def run(argv: list[str], env_prefix: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        prefix = " ".join(f"{k}={v}" for k, v in (env_prefix or {}).items())
        print(f"$ {prefix + ' ' if prefix else ''}{shlex.join(['aws', *argv])}", flush=True)
        env = dict(base, **(env_prefix or {}))
        result = subprocess.run([aws, *argv], env=env, capture_output=True, text=True, timeout=60)
        out = (result.stdout + result.stderr).strip("\n")
        if out:
            print(out)
        return result

    before = len(world.authz.audit_records())
    created = run(["s3api", "create-bucket", "--bucket", "demo-bucket", "--endpoint-url", ENDPOINT])
    listed = run(["s3", "ls", "--endpoint-url", ENDPOINT])
    print(f"\n# Account {h.DENIED_ACCOUNT} is not in the policy (Tests/EndToEnd/authz.yaml): "
          "its call never reaches AWS.")
    denied = run(["s3", "ls", "--endpoint-url", ENDPOINT],
                 {"AWS_ACCESS_KEY_ID": h.DENIED_KEY})
    allowed_ok = created.returncode == 0 and listed.returncode == 0 and "demo-bucket" in listed.stdout
    denied_ok = denied.returncode != 0 and "(AccessDenied)" in denied.stderr

    records = h.wait_for(lambda: (lambda got: got if len(got) >= 3 else None)(world.authz.audit_records()[before:]),
                         timeout=10) or []
    print("\n# sigv4-authz's audit records of these three calls:")
    print(f"$ tail -n 3 {proxy.audit} | python3 -m json.tool --json-lines")
    for record in records:
        print(json.dumps(record, indent=4))
    audited = [r.get("decision") for r in records] == ["allow", "allow", "deny"]

    ok = allowed_ok and denied_ok and audited
    print(f"\nsession: allowed calls {'ok' if allowed_ok else 'FAILED'}, denied call "
          f"{'ok' if denied_ok else 'FAILED'}, audit records {'ok' if audited else 'FAILED'}", flush=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("proxy", choices=list(CHOICES))
    parser.add_argument("--smoke", action="store_true", help="send an allowed and a denied request, then exit")
    parser.add_argument("--session", action="store_true",
                        help="run the aws CLI session of make demo first (DEMO_EXIT=1: then exit)")
    args = parser.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a stop by kill: stop everything, as Ctrl-C
    world = h.World(prefix=f"sigv4-authz-demo-{args.proxy}-")
    try:
        proxy = world.proxy(CHOICES[args.proxy])
        if args.smoke:
            return 0 if smoke(proxy) else 1
        if args.session:
            ok = session(proxy, world)
            if os.environ.get("DEMO_EXIT") == "1":
                return 0 if ok else 1
            print()
        print(instructions(args.proxy, proxy, world), flush=True)
        while all(p.running for p in h.PROCS[-1:]) and world.authz.proc.running:
            time.sleep(0.5)
        print("a process exited:\n" + "\n".join(p.tail(20) for p in h.PROCS if not p.running), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nCtrl-C: stopping Envoy, sigv4-authz and moto", flush=True)
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the stopping short
        world.close()
        if args.session:
            print("demo: every process it started is stopped", flush=True)


if __name__ == "__main__":
    sys.exit(main())
