#!/usr/bin/env python3
"""A working demo of sigv4-authz behind a real proxy on this machine, in the foreground.

    python3 Tests/EndToEnd/demo.py envoy-grpc | envoy-http | envoy-egress | nginx | nginx-tls | squid

Starts moto as AWS (behind a DNS override, on a private loopback address), sigv4-authz with the
end-to-end policy (Tests/EndToEnd/authz.yaml) and the proxy with its shipped configuration (only
ports and paths substituted), prints commands to try, and runs until Ctrl-C, then stops them all.
`--smoke` sends one allowed and one denied request itself and exits (0 when both behave).
Needs root (see run.sh) and the tools run.sh installs; SIGV4_AUTHZ_BIN names the binary.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("proxy", choices=list(CHOICES))
    parser.add_argument("--smoke", action="store_true", help="send an allowed and a denied request, then exit")
    args = parser.parse_args()

    world = h.World(prefix=f"sigv4-authz-demo-{args.proxy}-")
    try:
        proxy = world.proxy(CHOICES[args.proxy])
        if args.smoke:
            return 0 if smoke(proxy) else 1
        print(instructions(args.proxy, proxy, world), flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        while all(p.running for p in h.PROCS[-1:]) and world.authz.proc.running:
            time.sleep(0.5)
        print("a process exited:\n" + "\n".join(p.tail(20) for p in h.PROCS if not p.running), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        world.close()


if __name__ == "__main__":
    sys.exit(main())
