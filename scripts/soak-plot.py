#!/usr/bin/env python3
"""Helper of scripts/soak.sh: one minute's latency figures, then the CSV, the plot, the summary and
the verdict of a soak run.

    soak-plot.py minute LOG
        LOG: h2load --log-file (start time µs, HTTP status, µs to the end of the response).
        Prints "requests p50_us p99_us max_us non200".
    soak-plot.py report RUN_DIR [--csv CSV] [--plot PNG] [--count-mismatch]
        Reads RUN_DIR/minutes.tsv and RUN_DIR/meta; writes RUN_DIR/soak.csv, RUN_DIR/soak.png and
        RUN_DIR/summary.txt (copies to CSV, PNG and CSV's name with -summary.txt); prints the summary;
        exits 1 if a check failed or sigv4-authz's resident memory or descriptors grew.

Growth: the median of the last 5 minutes against the median of minutes 3-8 (the first two minutes
warm the allocator, caches and connection pools): RSS more than 10% above, or descriptors more than 8
above, is growth. A run shorter than 13 minutes compares its last minute with minute 2 instead. p99
is reported (first/last/max, slope) but not judged: on a shared machine it follows the machine's
load (the CSV's loadavg1 column), not the server.

Runs in .cache/soak-venv (matplotlib, pinned by the shell script).
"""

import argparse
import math
import pathlib
import shutil
import statistics
import sys

RSS_GROWTH = 0.10  # fraction over the baseline
FD_GROWTH = 8  # descriptors over the baseline
LONG_RUN = 13  # minutes: enough for minutes 3-8 and a separate last 5


def percentile(sorted_values: list[int], q: float) -> int:
    """Nearest rank."""
    index = max(0, math.ceil(q * len(sorted_values)) - 1)
    return sorted_values[min(index, len(sorted_values) - 1)]


def minute(log: pathlib.Path) -> None:
    latencies = []
    non200 = 0
    with log.open() as f:
        for line in f:
            fields = line.split("\t")
            if len(fields) < 3:
                continue
            if fields[1] != "200":
                non200 += 1
            latencies.append(int(fields[2]))
    if not latencies:
        sys.exit(f"{log}: no request logged")
    latencies.sort()
    print(len(latencies), percentile(latencies, 0.50), percentile(latencies, 0.99), latencies[-1], non200)


def read_rows(path: pathlib.Path) -> list[dict[str, float]]:
    lines = [line.rstrip("\n").split("\t") for line in path.read_text().splitlines() if line.strip()]
    header, rows = lines[0], lines[1:]
    return [{key: float(value) for key, value in zip(header, row)} for row in rows]


def slope(xs: list[float], ys: list[float]) -> float:
    """Least squares, per minute."""
    if len(xs) < 2:
        return 0.0
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0


def report(run_dir: pathlib.Path, csv: pathlib.Path | None, plot: pathlib.Path | None, count_mismatch: bool) -> int:
    meta = {k: v for k, v in (line.split("=", 1) for line in (run_dir / "meta").read_text().splitlines())}
    rows = read_rows(run_dir / "minutes.tsv")
    if not rows:
        sys.exit("no minute was sampled")
    for row in rows:
        row["rss_mib"] = row["rss_kib"] / 1024
        row["envoy_rss_mib"] = row["envoy_rss_kib"] / 1024
        row["p50_ms"] = row["p50_us"] / 1000
        row["p99_ms"] = row["p99_us"] / 1000
        row["max_ms"] = row["max_us"] / 1000
        row["req_per_s"] = row["requests"] / 60
        # The same failures seen from each side (a failed check is a 403 or 503 to the client): the
        # largest of the counts, not their sum.
        row["errors"] = max(row["non200"], row["h2load_failed"], row["envoy_non2xx"],
                            row["ext_authz_denied"] + row["ext_authz_error"], row["denies"])

    columns = ["minute", "rss_mib", "fds", "threads", "p50_ms", "p99_ms", "max_ms", "requests", "req_per_s",
               "checks", "errors", "envoy_rss_mib", "loadavg1"]
    formats = {"rss_mib": ".1f", "envoy_rss_mib": ".1f", "p50_ms": ".2f", "p99_ms": ".2f", "max_ms": ".2f",
               "req_per_s": ".0f", "loadavg1": ".2f"}
    out_csv = run_dir / "soak.csv"
    with out_csv.open("w") as f:
        f.write(",".join(columns) + "\n")
        for row in rows:
            f.write(",".join(format(row[c], formats.get(c, ".0f")) for c in columns) + "\n")

    n = len(rows)
    minutes = [row["minute"] for row in rows]
    if n >= LONG_RUN:
        base_rows = [row for row in rows if 3 <= row["minute"] <= 8]
        last_rows = rows[-5:]
        window = f"median of minutes {int(last_rows[0]['minute'])}-{int(last_rows[-1]['minute'])} against minutes 3-8"
    else:
        base_rows = [rows[min(1, n - 1)]]
        last_rows = [rows[-1]]
        window = (f"short run ({n} min): minute {int(last_rows[0]['minute'])} against minute "
                  f"{int(base_rows[0]['minute'])}")
    # Slopes after the warm-up (minute 3 on) when there are enough minutes.
    trend_rows = [row for row in rows if row["minute"] >= 3] if n >= 5 else rows

    def median(rs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rs)

    lines = []
    lines.append(f"Soak: sigv4-authz ({meta['mode']} ext_authz) behind Envoy {meta['envoy_version']} (one worker), "
                 f"{meta['cpus']} CPUs; peak {int(meta['peak_rps']):,} req/s (wrk, {meta['peak_seconds']} s), "
                 f"soak at {int(meta['rate']):,} req/s over {meta['connections']} HTTP/1.1 connections for "
                 f"{n} min ({meta['started']} to {meta.get('finished', '?')}); load average before "
                 f"{meta['loadavg_before']}, after {meta.get('loadavg_after', '?')}.")
    lines.append("")
    lines.append(f"{'':22} {'first':>9} {'last':>9} {'max':>9} {'slope/min':>10}  (slope from minute "
                 f"{int(trend_rows[0]['minute'])})")
    for key, label in (("rss_mib", "RSS (MiB)"), ("fds", "open fds"), ("threads", "threads"),
                       ("p99_ms", "p99 (ms)"), ("p50_ms", "p50 (ms)"), ("envoy_rss_mib", "Envoy RSS (MiB)"),
                       ("req_per_s", "req/s")):
        values = [row[key] for row in rows]
        s = slope([r["minute"] for r in trend_rows], [r[key] for r in trend_rows])
        lines.append(f"{label:22} {values[0]:9.2f} {values[-1]:9.2f} {max(values):9.2f} {s:+10.3f}")
    total_requests = sum(row["requests"] for row in rows)
    total_checks = sum(row["checks"] for row in rows)
    total_errors = sum(row["errors"] for row in rows)
    lines.append("")
    lines.append(f"requests {int(total_requests):,}, checks counted by sigv4-authz {int(total_checks):,}, "
                 f"failed {int(total_errors)} (non-200 {int(sum(r['non200'] for r in rows))}, h2load failed "
                 f"{int(sum(r['h2load_failed'] for r in rows))}, denies {int(sum(r['denies'] for r in rows))}, "
                 f"ext_authz denied {int(sum(r['ext_authz_denied'] for r in rows))}, ext_authz error "
                 f"{int(sum(r['ext_authz_error'] for r in rows))}, Envoy non-2xx "
                 f"{int(sum(r['envoy_non2xx'] for r in rows))})")
    checks_line = (run_dir / "checks.txt").read_text().strip() if (run_dir / "checks.txt").exists() else ""
    if checks_line:
        lines.append(checks_line)

    failures = []
    rss_base, rss_last = median(base_rows, "rss_mib"), median(last_rows, "rss_mib")
    fd_base, fd_last = median(base_rows, "fds"), median(last_rows, "fds")
    lines.append("")
    lines.append(f"growth ({window}): RSS {rss_base:.1f} -> {rss_last:.1f} MiB "
                 f"({(rss_last / rss_base - 1) * 100:+.1f}%, limit +{RSS_GROWTH * 100:.0f}%); "
                 f"fds {fd_base:.0f} -> {fd_last:.0f} (limit +{FD_GROWTH}); p99 "
                 f"{median(base_rows, 'p99_ms'):.2f} -> {median(last_rows, 'p99_ms'):.2f} ms (not judged)")
    if rss_last > rss_base * (1 + RSS_GROWTH):
        failures.append(f"resident memory grew {(rss_last / rss_base - 1) * 100:.1f}%")
    if fd_last > fd_base + FD_GROWTH:
        failures.append(f"open descriptors grew by {fd_last - fd_base:.0f}")
    if total_errors:
        failures.append(f"{int(total_errors)} requests or checks failed")
    if count_mismatch:
        failures.append("sigv4-authz's count of checks does not match Envoy's")
    lines.append("verdict: " + ("FAIL: " + "; ".join(failures) if failures else "PASS (no growth, no failed check)"))
    text = "\n".join(lines) + "\n"
    (run_dir / "summary.txt").write_text(text)
    print(text, end="")

    png = run_dir / "soak.png"
    draw(rows, meta, png)
    if csv is not None:
        csv.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out_csv, csv)
        shutil.copyfile(run_dir / "summary.txt", csv.with_name(csv.stem + "-summary.txt"))
    if plot is not None:
        plot.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, plot)
    print(f"csv: {csv or out_csv}\nplot: {plot or png}")
    return 1 if failures else 0


def draw(rows: list[dict[str, float]], meta: dict[str, str], png: pathlib.Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minutes = [row["minute"] for row in rows]
    fig, axes = plt.subplots(3, 1, figsize=(9, 8), dpi=110, sharex=True)
    panels = [("rss_mib", "resident memory (MiB)", "#1f77b4"), ("fds", "open file descriptors", "#2ca02c"),
              ("p99_ms", "p99 latency of the minute (ms)", "#d62728")]
    for ax, (key, label, color) in zip(axes, panels):
        values = [row[key] for row in rows]
        ax.plot(minutes, values, marker="o", markersize=3, color=color, linewidth=1.5)
        ax.set_ylabel(label, fontsize=9)
        top = max(values)
        ax.set_ylim(0, top * 1.25 if top > 0 else 1)
        ax.grid(True, alpha=0.4)
    # The machine's load beside the latency: on a shared machine p99 follows it.
    load = axes[-1].twinx()
    load.plot(minutes, [row["loadavg1"] for row in rows], color="#7f7f7f", linestyle=":", linewidth=1.2)
    load.set_ylabel("load average, 1 min (dotted)", fontsize=8, color="#7f7f7f")
    load.set_ylim(0, max(max(row["loadavg1"] for row in rows) * 1.25, 1))
    load.tick_params(axis="y", labelsize=8, colors="#7f7f7f")
    axes[-1].xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axes[-1].set_xlabel("minute")
    axes[-1].set_xlim(0.5, max(minutes) + 0.5)
    fig.suptitle(f"sigv4-authz soak: {int(meta['rate']):,} req/s (half of peak) through Envoy "
                 f"{meta['envoy_version']}, ext_authz {meta['mode']}, {len(rows)} min", fontsize=11)
    fig.tight_layout()
    fig.savefig(png)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("minute")
    p.add_argument("log", type=pathlib.Path)
    p = sub.add_parser("report")
    p.add_argument("run_dir", type=pathlib.Path)
    p.add_argument("--csv", type=pathlib.Path)
    p.add_argument("--plot", type=pathlib.Path)
    p.add_argument("--count-mismatch", action="store_true")
    args = parser.parse_args()
    if args.command == "minute":
        minute(args.log)
    else:
        sys.exit(report(args.run_dir, args.csv, args.plot, args.count_mismatch))


if __name__ == "__main__":
    main()
