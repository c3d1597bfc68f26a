#!/usr/bin/env python3
"""Helper of scripts/bench-envoy.sh: signs the benchmark requests, renders the Envoy configurations
from the shipped envoy/grpc.yaml and envoy/http.yaml, and turns a run's measurements into the
Markdown tables and the latency plot.

    bench-envoy-report.py sign RUN_DIR [--virtual-key FILE]
    bench-envoy-report.py render KIND OUT --listen P --admin P --app P [--authz P] [--authz-protocol h1|h2c]
        [--domain HOST]...
    bench-envoy-report.py report RUN_DIR [--plot PNG]

Runs in .cache/bench-venv (botocore, PyYAML, matplotlib, pinned by the shell script).
"""

import argparse
import math
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

# The request every benchmark client sends: S3 GetObject for account 171436882533 in eu-west-1,
# which the benchmark policy allows; and the same call on a bucket the policy's rule denies (used
# once, before the runs, to show that the policy really decides). The brokered configurations send
# the same two calls signed with a virtual key (FILE: its id and secret, one line, as written by
# scripts/bench-envoy.sh from `sigv4-authz broker new-key`).
ALLOWED_URL = "https://prod-data.s3.eu-west-1.amazonaws.com/reports/q1.csv"
DENIED_URL = "https://other-data.s3.eu-west-1.amazonaws.com/reports/q1.csv"


def sign(run_dir: pathlib.Path, virtual_key: pathlib.Path | None) -> None:
    import botocore.credentials

    write_signed(run_dir, "", botocore.credentials.Credentials("AKIASP2TPHJSQH3FJRUX", "benchmark-secret"))
    if virtual_key is not None:
        key_id, secret = virtual_key.read_text().split()
        write_signed(run_dir, "-brokered", botocore.credentials.Credentials(key_id, secret))


def write_signed(run_dir: pathlib.Path, suffix: str, creds) -> None:
    """headers{suffix} and headers{suffix}-denied: the allowed and the denied call signed with creds."""
    import botocore.auth
    import botocore.awsrequest

    for name, url in ((f"headers{suffix}", ALLOWED_URL), (f"headers{suffix}-denied", DENIED_URL)):
        request = botocore.awsrequest.AWSRequest(method="GET", url=url)
        botocore.auth.S3SigV4Auth(creds, "s3", "eu-west-1").add_auth(request)
        headers = dict(request.headers)
        # Capitalized, so that wrk sends this Host instead of adding its own.
        headers["Host"] = url.split("/")[2]
        with open(run_dir / name, "w") as f:
            for key, value in headers.items():
                f.write(f"{key}: {value}\n")


# --- Envoy configurations ------------------------------------------------------------------------


def render(kind: str, out: pathlib.Path, listen: int, admin: int, app: int, authz: int | None,
           authz_protocol: str | None, domains: list[str] | None = None) -> None:
    """One of the configurations, taken from the shipped file so that the ext_authz filter
    (body, headers, timeouts, failure mode) stays exactly as shipped. Only what points elsewhere
    changes: the listener and admin ports, the route's cluster (the nginx "app" instead of the
    dynamic forward proxy, whose filter and cluster are dropped, or instead of identity.yaml's
    internal service) and the authorizer's address; with --domain, the virtual host's domains (the
    identity configurations send requests to the identity host through envoy/http.yaml, whose
    domains are AWS's)."""
    import yaml

    shipped = {"none": "http.yaml", "ideal": "http.yaml", "http": "http.yaml", "grpc": "grpc.yaml",
               "grpc-identity": "identity.yaml", "http-identity": "http.yaml"}[kind]
    # The brokered configurations use the same Envoy configurations (another authorizer port).
    config = yaml.safe_load((ROOT / "envoy" / shipped).read_text())
    mode = kind.removesuffix("-identity")

    def fail(what: str) -> None:
        sys.exit(f"render {kind}: envoy/{shipped} no longer has {what}; update scripts/bench-envoy-report.py")

    config["admin"]["address"]["socket_address"] = {"address": "127.0.0.1", "port_value": admin}
    resources = config["static_resources"]
    if len(resources.get("listeners", [])) != 1:
        fail("exactly one listener")
    listener = resources["listeners"][0]
    listener["address"]["socket_address"] = {"address": "127.0.0.1", "port_value": listen}
    hcm = listener["filter_chains"][0]["filters"][0]["typed_config"]
    if "route_config" not in hcm or "http_filters" not in hcm:
        fail("an http_connection_manager with route_config and http_filters")
    for host in hcm["route_config"]["virtual_hosts"]:
        if domains:
            host["domains"] = list(domains)
        for route in host["routes"]:
            route["route"]["cluster"] = "app"
    names = [f["name"] for f in hcm["http_filters"]]
    needed_filters = ["envoy.filters.http.ext_authz", "envoy.filters.http.router"]
    if shipped != "identity.yaml":
        needed_filters.append("envoy.filters.http.dynamic_forward_proxy")
    for needed in needed_filters:
        if needed not in names:
            fail(f"the {needed} filter")
    dropped = {"envoy.filters.http.dynamic_forward_proxy"}
    if kind == "none":
        dropped.add("envoy.filters.http.ext_authz")
    hcm["http_filters"] = [f for f in hcm["http_filters"] if f["name"] not in dropped]

    clusters = []
    if kind != "none":
        authz_clusters = [c for c in resources["clusters"] if c["name"] == "sigv4_authz"]
        if len(authz_clusters) != 1:
            fail("a sigv4_authz cluster")
        cluster = authz_clusters[0]
        endpoint = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]
        endpoint["address"]["socket_address"] = {"address": "127.0.0.1", "port_value": authz}
        if mode in ("ideal", "http"):
            options = cluster["typed_extension_protocol_options"][
                "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]["explicit_http_config"]
            if authz_protocol == "h1":
                options.clear()
                options["http_protocol_options"] = {}
            elif authz_protocol == "h2c":
                options.clear()
                options["http2_protocol_options"] = {}
            ext_authz = next(f for f in hcm["http_filters"] if f["name"] == "envoy.filters.http.ext_authz")
            ext_authz["typed_config"]["http_service"]["server_uri"]["uri"] = f"http://127.0.0.1:{authz}"
        clusters.append(cluster)
    clusters.append({
        "name": "app",
        "type": "STATIC",
        "connect_timeout": "0.25s",
        "load_assignment": {"cluster_name": "app", "endpoints": [{"lb_endpoints": [{"endpoint": {
            "address": {"socket_address": {"address": "127.0.0.1", "port_value": app}}}}]}]},
    })
    resources["clusters"] = clusters
    out.write_text(f"# Rendered by scripts/bench-envoy-report.py from envoy/{shipped} ({kind}).\n"
                   + yaml.safe_dump(config, sort_keys=False))


def authz_protocol_of_shipped_http() -> str:
    """h2c or h1: what envoy/http.yaml's sigv4_authz cluster speaks."""
    import yaml

    config = yaml.safe_load((ROOT / "envoy" / "http.yaml").read_text())
    cluster = next(c for c in config["static_resources"]["clusters"] if c["name"] == "sigv4_authz")
    options = cluster.get("typed_extension_protocol_options", {}).get(
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions", {}).get("explicit_http_config", {})
    return "h2c" if "http2_protocol_options" in options else "h1"


# --- Report --------------------------------------------------------------------------------------

# Rows of the throughput table and lines of the latency table/plot, in order.
THROUGHPUT = [
    ("none", "none (Envoy alone)"),
    ("ideal", "nginx `return 200` over ext_authz HTTP (the ideal authorizer)"),
    ("grpc", "sigv4-authz, ext_authz gRPC"),
    ("http", "sigv4-authz, ext_authz HTTP"),
    ("grpc-brokered", "sigv4-authz brokered (virtual key verified, signed again), ext_authz gRPC"),
    ("http-brokered", "sigv4-authz brokered (virtual key verified, signed again), ext_authz HTTP"),
    ("grpc-identity", "sigv4-authz identity token (cached), ext_authz gRPC (envoy/identity.yaml)"),
    ("http-identity", "sigv4-authz identity token (cached), ext_authz HTTP"),
]
# Each brokered and identity configuration beside its plain one.
BROKERED = [("grpc", "grpc-brokered", "gRPC"), ("http", "http-brokered", "HTTP")]
IDENTITY = [("grpc", "grpc-identity", "gRPC"), ("http", "http-identity", "HTTP")]
LATENCY = [
    ("app", "app (nginx alone)"),
    ("none", "app + Envoy"),
    ("ideal", "app + Envoy + nginx authorizer"),
    ("grpc", "app + Envoy + sigv4-authz gRPC"),
    ("http", "app + Envoy + sigv4-authz HTTP"),
    ("grpc-brokered", "app + Envoy + sigv4-authz gRPC, brokered"),
    ("http-brokered", "app + Envoy + sigv4-authz HTTP, brokered"),
    ("grpc-identity", "app + Envoy + sigv4-authz gRPC, identity token"),
    ("http-identity", "app + Envoy + sigv4-authz HTTP, identity token"),
]


def read_tsv(path: pathlib.Path) -> dict[str, dict[str, str]]:
    lines = [line.rstrip("\n").split("\t") for line in path.read_text().splitlines() if line.strip()]
    header, rows = lines[0], lines[1:]
    return {row[0]: dict(zip(header, row)) for row in rows}


def latencies_us(log: pathlib.Path, label: str) -> list[int]:
    """h2load --log-file: start time, HTTP status, microseconds to the end of the response."""
    rows = [line.split("\t") for line in log.read_text().splitlines() if line.strip()]
    bad = sum(1 for r in rows if r[1] != "200")
    if not rows or bad:
        sys.exit(f"{label}: {len(rows)} requests logged, {bad} not answered 200")
    return sorted(int(r[2]) for r in rows)


def percentile(sorted_values: list[int], q: float) -> float:
    """Nearest rank."""
    index = max(0, math.ceil(q * len(sorted_values)) - 1)
    return sorted_values[min(index, len(sorted_values) - 1)]


def thousands(value: float) -> str:
    return f"{value / 1000:.1f}k" if value >= 1000 else f"{value:.0f}"


def report(run_dir: pathlib.Path, plot: pathlib.Path | None) -> None:
    meta = {k: v for k, v in (line.split("=", 1) for line in (run_dir / "meta").read_text().splitlines())}
    throughput = read_tsv(run_dir / "throughput.tsv")
    ideal_rps = float(throughput["ideal"]["rps"])
    out = []
    out.append(f"Envoy {meta['envoy_version']}, one worker (`--concurrency 1`), in front of an nginx upstream, "
               f"on 127.0.0.1; `wrk -t1 -c{meta['connections']} -d{meta['duration']}s`; "
               f"{meta['cpus']} CPUs. sigv4-authz HTTP mode over {meta['authz_http_protocol']} "
               f"(the ideal authorizer too).")
    out.append("")
    out.append("| authorizer | Envoy req/s | ratio to the ideal | authorizer CPU per check | "
               "Envoy CPU per request |")
    out.append("|---|---:|---:|---:|---:|")
    for key, label in THROUGHPUT:
        row = throughput[key]
        rps = float(row["rps"])
        authz_cpu = f"{float(row['authz_cpu_us']):.0f} µs" if row["authz_cpu_us"] != "-" else "—"
        out.append(f"| {label} | {thousands(rps)} | {rps / ideal_rps:.2f}× | {authz_cpu} | "
                   f"{float(row['envoy_cpu_us']):.0f} µs |")
    out.append("")

    latency_meta = read_tsv(run_dir / "latency.tsv")
    distributions = {}
    for key, label in LATENCY:
        distributions[key] = latencies_us(run_dir / f"latency-{key}.log", label)
    rate = float(latency_meta["app"]["rate"])
    duration = float(meta["duration"])
    why = ("set by LATENCY_RATE" if meta.get("latency_rate_why") == "LATENCY_RATE"
           else "half the ideal authorizer's throughput")
    out.append(f"Latency at a fixed {rate:,.0f} req/s ({why}; "
               f"h2load, {meta['latency_clients']} HTTP/1.1 connections, {meta['duration']}s, every request "
               "timed):")
    out.append("")
    out.append("| setup | req/s sent | p50 | p99 | p99.9 | added to app + Envoy, p50 / p99 |")
    out.append("|---|---:|---:|---:|---:|---:|")
    base = distributions["none"]
    short = False
    for key, label in LATENCY:
        values = distributions[key]
        p50, p99, p999 = (percentile(values, q) / 1000 for q in (0.50, 0.99, 0.999))
        if key not in ("app", "none"):
            added = (f"{p50 - percentile(base, 0.50) / 1000:+.2f} / "
                     f"{p99 - percentile(base, 0.99) / 1000:+.2f} ms")
        else:
            added = "—"
        sent = len(values) / duration
        mark = ""
        if sent < 0.95 * rate:
            mark = " †"
            short = True
        out.append(f"| {label} | {sent:,.0f}{mark} | {p50:.2f} ms | {p99:.2f} ms | "
                   f"{p999:.2f} ms | {added} |")
    if short:
        out.append("")
        out.append("† Below the target rate: responses came too slowly for the connections to send at the "
                   "target rate (h2load waits for each response), so this setup was near saturation.")
    out.extend(ratios(BROKERED, throughput, distributions,
                      "Brokered beside plain, this run (brokered ÷ plain; the role's credentials a cache hit, "
                      f"from a local fake STS answering {meta.get('sts_calls', '?')} AssumeRole for the "
                      "whole run):"))
    out.extend(ratios(IDENTITY, throughput, distributions,
                      "Identity token beside plain SigV4, this run (identity ÷ plain; `Authorization: Bearer "
                      "k8s-aws-v1.…` to an `identity.hosts` host, every measured check a cache hit of the "
                      "token's verification; the STS stand-in (Tests/EndToEnd/sts_standin.py) got "
                      f"{meta.get('identity_sts_calls', '?')} GetCallerIdentity calls for "
                      f"{meta.get('identity_tokens', '?')} tokens, one per token, each verified). Envoy: gRPC "
                      "identity is envoy/identity.yaml as shipped (its ext_authz filter buffers no body), "
                      "HTTP identity envoy/http.yaml with the identity host as its domain:"))
    text = "\n".join(out) + "\n"
    (run_dir / "results.md").write_text(text)
    print(text, end="")

    png = plot or run_dir / "bench-envoy-latency.png"
    draw(distributions, rate, meta, png)
    if png != run_dir / "bench-envoy-latency.png":
        (run_dir / "bench-envoy-latency.png").write_bytes(png.read_bytes())
    print(f"plot: {png}")


def ratios(pairs: list[tuple[str, str, str]], throughput: dict[str, dict[str, str]],
           distributions: dict[str, list[int]], title: str) -> list[str]:
    """Configurations beside the plain ones, as ratios within this run."""
    out = ["", title, "",
           "| ext_authz | req/s | authorizer CPU per check | Envoy CPU per request | p50 | p99 |",
           "|---|---:|---:|---:|---:|---:|"]
    for plain, other, label in pairs:
        a, b = throughput[plain], throughput[other]
        cells = [f"{thousands(float(b['rps']))} ÷ {thousands(float(a['rps']))} = "
                 f"{float(b['rps']) / float(a['rps']):.2f}×"]
        for field in ("authz_cpu_us", "envoy_cpu_us"):
            x, y = float(a[field]), float(b[field])
            cells.append(f"{y:.0f} ÷ {x:.0f} µs = {y / x:.2f}× ({y - x:+.0f} µs)")
        for q in (0.50, 0.99):
            x, y = percentile(distributions[plain], q) / 1000, percentile(distributions[other], q) / 1000
            cells.append(f"{y:.2f} ÷ {x:.2f} ms = {y / x:.2f}×")
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return out


def draw(distributions: dict[str, list[int]], rate: float, meta: dict[str, str], png: pathlib.Path) -> None:
    """Latency by percentile, HdrHistogram style: x = 1 / (1 - percentile) on a log scale, so the
    tail (99%, 99.9%) gets as much room as the median."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5.5), dpi=110)
    styles = {"app": ("#7f7f7f", ":"), "none": ("#1f77b4", "--"), "ideal": ("#2ca02c", "-"),
              "grpc": ("#d62728", "-"), "http": ("#ff7f0e", "-"),
              "grpc-brokered": ("#d62728", "-."), "http-brokered": ("#ff7f0e", "-."),
              "grpc-identity": ("#9467bd", "-"), "http-identity": ("#8c564b", "-")}
    for key, label in LATENCY:
        values = distributions[key]
        n = len(values)
        xs, ys = [], []
        for i, value in enumerate(values):
            q = i / n  # fraction of requests faster than this one
            xs.append(1 / (1 - q))
            ys.append(value / 1000)
        color, line = styles[key]
        ax.plot(xs, ys, label=label, color=color, linestyle=line, linewidth=1.6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ticks = [1, 2, 10, 100, 1000, 10000]
    ax.set_xticks(ticks)
    ax.set_xticklabels(["0%", "50%", "90%", "99%", "99.9%", "99.99%"])
    ax.set_xlim(1, max(10000, max(len(v) for v in distributions.values())))
    ax.set_xlabel("percentile")
    ax.set_ylabel("latency (ms, log scale)")
    ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1, 2, 5)))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.grid(True, which="major", alpha=0.4)
    ax.grid(True, which="minor", axis="y", alpha=0.15)
    ax.set_title(f"Latency at {rate:,.0f} req/s through Envoy {meta['envoy_version']} (one worker), "
                 "loopback", fontsize=11)
    ax.legend(loc="upper left", fontsize=9)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sign")
    p.add_argument("run_dir", type=pathlib.Path)
    p.add_argument("--virtual-key", type=pathlib.Path)
    p = sub.add_parser("render")
    p.add_argument("kind", choices=["none", "ideal", "grpc", "http", "grpc-identity", "http-identity"])
    p.add_argument("out", type=pathlib.Path)
    p.add_argument("--listen", type=int, required=True)
    p.add_argument("--admin", type=int, required=True)
    p.add_argument("--app", type=int, required=True)
    p.add_argument("--authz", type=int)
    p.add_argument("--authz-protocol", choices=["h1", "h2c"])
    p.add_argument("--domain", action="append", help="the virtual host's domains instead of the shipped ones")
    sub.add_parser("shipped-http-protocol")
    p = sub.add_parser("report")
    p.add_argument("run_dir", type=pathlib.Path)
    p.add_argument("--plot", type=pathlib.Path)
    args = parser.parse_args()
    if args.command == "sign":
        sign(args.run_dir, args.virtual_key)
    elif args.command == "render":
        if args.kind != "none" and args.authz is None:
            parser.error("--authz is needed for an authorizer")
        render(args.kind, args.out, args.listen, args.admin, args.app, args.authz, args.authz_protocol,
               args.domain)
    elif args.command == "shipped-http-protocol":
        print(authz_protocol_of_shipped_http())
    else:
        report(args.run_dir, args.plot)


if __name__ == "__main__":
    main()
