"""Checks of the Grafana dashboard (deploy/grafana/sigv4-authz.json) against a running server.

Run through Tests/Deploy/run.sh (with the binary it builds, or SIGV4_AUTHZ_BIN); standalone:
`SIGV4_AUTHZ_BIN=… pytest Tests/Deploy/test_grafana_dashboard.py`.

- the JSON's shape: every panel has a title, the `${datasource}` data source and targets; ids are
  unique; the grid is 24 wide without overlaps; the `datasource`, `job` and `instance` variables
  exist and every selector is filtered by `$job` and `$instance`;
- every PromQL expression (panels and variables) is tokenized, and every metric name it uses must be
  exported by a real `sigv4-authz serve` (started on 127.0.0.1 with brokering, identity and ICAP
  configured so every family is registered, and one check sent so the per-decision families exist),
  every label in a `{label=…}` selector or `by (…)` clause must exist on those series, and every
  literal `label="value"` must be a value the server writes;
- every metric family the server exports is shown somewhere on the dashboard, and the alerts and
  metric names of deploy/grafana/README.md are exported too;
- the checker itself reports a metric, label or value the server does not have;
- a real Prometheus (Debian's package, unpacked into .cache/prometheus) scraping that server on
  127.0.0.1 parses every query, with Grafana's variables filled in, and returns a series for each.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DASHBOARD = REPO / "deploy" / "grafana" / "sigv4-authz.json"

# Labels Prometheus adds at scrape time (the server never writes them).
TARGET_LABELS = {"job", "instance"}

# PromQL functions, aggregations and keywords: identifiers that are not metric names.
AGGREGATIONS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
    "quantile", "limitk", "limit_ratio",
}
FUNCTIONS = AGGREGATIONS | {
    "abs", "absent", "absent_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min",
    "day_of_month", "day_of_week", "day_of_year", "days_in_month", "delta", "deriv", "exp", "floor",
    "histogram_quantile", "histogram_count", "histogram_sum", "histogram_fraction", "histogram_avg",
    "holt_winters", "hour", "idelta", "increase", "irate", "label_join", "label_replace", "ln", "log2",
    "log10", "minute", "month", "predict_linear", "rate", "resets", "round", "scalar", "sgn", "sort",
    "sort_desc", "sqrt", "time", "timestamp", "vector", "year", "avg_over_time", "min_over_time",
    "max_over_time", "sum_over_time", "count_over_time", "quantile_over_time", "stddev_over_time",
    "stdvar_over_time", "last_over_time", "present_over_time",
    # Grafana's template-variable query functions.
    "label_values", "label_names", "metrics", "query_result",
}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset"}

TOKEN = re.compile(
    r"""\s+|(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)"""
    r"""|(?P<range>\[[^\]]*\])"""
    r"""|(?P<var>\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*)"""
    r"""|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"""
    r"""|(?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)"""
    r"""|(?P<op>=~|!~|!=|==|>=|<=|[-+*/%^<>=(){},@])"""
)


def tokenize(expr: str) -> list[tuple[str, str]]:
    tokens, at = [], 0
    while at < len(expr):
        match = TOKEN.match(expr, at)
        if not match:
            raise ValueError(f"cannot tokenize {expr!r} at {at}: {expr[at:at + 20]!r}")
        at = match.end()
        if match.lastgroup:
            tokens.append((match.lastgroup, match.group()))
    return tokens


def matching(tokens: list[tuple[str, str]], start: int) -> int:
    """The index of the `)` closing the `(` at `start`."""
    depth = 0
    for index in range(start, len(tokens)):
        if tokens[index] == ("op", "("):
            depth += 1
        elif tokens[index] == ("op", ")"):
            depth -= 1
            if depth == 0:
                return index
    raise ValueError("unbalanced parentheses")


def label_list(tokens: list[tuple[str, str]], start: int) -> tuple[list[str], int]:
    """The labels of `( a, b )` at `start`, and the index after it."""
    end = matching(tokens, start)
    labels = [value for kind, value in tokens[start + 1:end] if kind == "ident"]
    return labels, end + 1


class Query:
    """What one PromQL expression uses: metric names, selector matchers and grouping labels."""

    def __init__(self, expr: str):
        self.expr = expr
        self.metrics: set[str] = set()
        # (metric, label, operator, value or None when the value is not a literal)
        self.matchers: list[tuple[str, str, str, str | None]] = []
        # (labels of a by/without/on/ignoring clause, the metrics it groups)
        self.groupings: list[tuple[list[str], set[str]]] = []
        self.unknown_functions: set[str] = set()
        self.selectors: list[dict[str, str]] = []  # every {…}, label -> raw value, for the variable check
        tokens = tokenize(expr)
        self._parse(tokens)

    @staticmethod
    def _metrics_in(tokens: list[tuple[str, str]]) -> set[str]:
        return Query(" ".join(value for _, value in tokens)).metrics if tokens else set()

    def _parse(self, tokens: list[tuple[str, str]]) -> None:
        index = 0
        while index < len(tokens):
            kind, value = tokens[index]
            following = tokens[index + 1] if index + 1 < len(tokens) else ("", "")
            if kind == "ident" and value in ("by", "without", "on", "ignoring", "group_left", "group_right"):
                if following != ("op", "("):
                    index += 1
                    continue  # group_left without labels
                labels, after = label_list(tokens, index + 1)
                if value in ("by", "without"):
                    # `sum by (x) (body)` or `sum (body) by (x)`.
                    if after < len(tokens) and tokens[after] == ("op", "("):
                        body = tokens[after:matching(tokens, after) + 1]
                    else:
                        close = index - 1
                        depth, open_ = 0, close
                        for back in range(close, -1, -1):
                            if tokens[back] == ("op", ")"):
                                depth += 1
                            elif tokens[back] == ("op", "("):
                                depth -= 1
                                if depth == 0:
                                    open_ = back
                                    break
                        body = tokens[open_:close + 1]
                    self.groupings.append((labels, self._metrics_in(body)))
                index = after
                continue
            if kind == "ident" and following == ("op", "("):
                if value not in FUNCTIONS:
                    self.unknown_functions.add(value)
                index += 1
                continue
            if kind == "ident" and (value in KEYWORDS or value in AGGREGATIONS):  # `sum by (x) (…)`
                index += 1
                continue
            if kind == "ident" or (kind == "op" and value == "{" and (index == 0 or tokens[index - 1][0] != "ident")):
                metric = value if kind == "ident" else None
                if metric:
                    self.metrics.add(metric)
                    index += 1
                if index < len(tokens) and tokens[index] == ("op", "{"):
                    end = next(i for i in range(index, len(tokens)) if tokens[i] == ("op", "}"))
                    inner = tokens[index + 1:end]
                    selector: dict[str, str] = {}
                    for at in range(0, len(inner), 4):  # label op value [,]
                        label, op, raw = inner[at][1], inner[at + 1][1], inner[at + 2]
                        selector[label] = raw[1]
                        literal = raw[1][1:-1] if raw[0] == "string" and "$" not in raw[1] else None
                        if label == "__name__" and op == "=" and literal:
                            metric = literal
                            self.metrics.add(metric)
                        else:
                            self.matchers.append((metric or "", label, op, literal))
                    self.matchers = [(m or metric or "", l, o, v) for m, l, o, v in self.matchers]
                    self.selectors.append(selector)
                    index = end + 1
                continue
            index += 1


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def all_panels(board: dict) -> list[dict]:
    panels = []
    for panel in board["panels"]:
        panels.append(panel)
        panels.extend(panel.get("panels", []))  # a collapsed row holds its panels
    return panels


def data_panels(board: dict) -> list[dict]:
    return [p for p in all_panels(board) if p["type"] != "row"]


def expressions(board: dict) -> list[tuple[str, str]]:
    """(where, PromQL) for every panel target and every query variable."""
    found = [(f"panel {p['title']!r}", t["expr"]) for p in data_panels(board) for t in p["targets"]]
    for variable in board["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
            # label_values(SELECTOR, LABEL) asks for what `group by (LABEL) (SELECTOR)` returns.
            values = re.fullmatch(r"\s*label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*", query)
            found.append((f"variable {variable['name']}", f"group by ({values[2]}) ({values[1]})" if values else query))
    return found


# ---- the server ------------------------------------------------------------------------------------


def sigv4_authz_bin() -> str:
    path = Path(os.environ.get("SIGV4_AUTHZ_BIN", REPO / ".build" / "debug" / "sigv4-authz"))
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"sigv4-authz binary not found at {path}: build it (swift build) or set SIGV4_AUTHZ_BIN")
    return str(path)


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


Series = dict[str, dict[str, set[str]]]  # metric name -> label -> values seen


class Server:
    """A running `sigv4-authz serve`: its ports and the series of its first scrape."""

    def __init__(self, http: int, admin: int, series: Series):
        self.http, self.admin, self.series = http, admin, series

    def check(self) -> None:
        """One unsigned check over HTTP (denied), and one would_deny."""
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.http}/envoy/", timeout=2).close()
            pytest.fail("an unsigned request was allowed")
        except urllib.error.HTTPError as error:
            assert error.code == 403, error.code
        would_deny_check(self.http)


def would_deny_check(http: int) -> None:
    """One SigV4 check of account 171436882533 (a key whose secret the server does not know, so the
    signature is not recomputed) that the enforce: false statement matches and the allowlist allows:
    answered 200 and counted decision="would_deny", so the dry-run panel's series exist."""
    now = time.gmtime()
    amz_date, day = time.strftime("%Y%m%dT%H%M%SZ", now), time.strftime("%Y%m%d", now)
    request = urllib.request.Request(f"http://127.0.0.1:{http}/envoy/k", headers={
        "Host": "grafana-test.s3.us-east-1.amazonaws.com",
        "x-amz-date": amz_date,
        "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
        "Authorization": f"AWS4-HMAC-SHA256 Credential=AKIASP2TPHJSQH3FAAAA/{day}/us-east-1/s3/aws4_request, "
                         "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + "0" * 64,
    })
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200, answer.status
        assert answer.headers["x-sigv4-authz-decision"] == "would_deny", dict(answer.headers)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`sigv4-authz serve` with every optional section configured, for the module's tests.

    Nothing leaves 127.0.0.1: brokering gets fake environment credentials and an STS endpoint on a
    closed loopback port (its start-up call fails `unreachable`), identity's STS endpoint is the same
    closed port, and the environment is only PATH plus those variables (no instance metadata: the
    environment credentials come first in the chain)."""
    tmp = tmp_path_factory.mktemp("grafana")
    http, grpc, admin, icap, closed = free_ports(5)
    config = tmp / "config.yaml"
    config.write_text(
        f'listen: {{ http: "127.0.0.1:{http}", grpc: "127.0.0.1:{grpc}", admin: "127.0.0.1:{admin}",'
        f' icap: "127.0.0.1:{icap}" }}\n'
        'accounts: { "171436882533": { regions: { "*": { services: ["*"] } } } }\n'
        "identity:\n"
        "  audience: orders\n"
        '  hosts: ["orders.internal"]\n'
        f'  sts_endpoint: "http://127.0.0.1:{closed}"\n'
        "rules:\n"
        "  - name: try-no-s3\n"           # enforce: false: the signed check below is a would_deny
        "    effect: deny\n"
        "    enforce: false\n"
        "    services: [s3]\n"
        "  - name: alice\n"
        "    effect: allow\n"
        '    principals_arn: ["arn:aws:iam::171436882533:user/alice"]\n'
        "default: deny\n"
        "brokering:\n"
        "  sts_region: us-east-1\n"
        "  virtual_keys:\n"
        "    - access_key_id: AKIASP2TPHJSQH3FJRUX\n"
        "      secret_env: GRAFANA_TEST_VIRTUAL_KEY\n"
        '      role: "arn:aws:iam::{account}:role/grafana-test"\n'
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GRAFANA_TEST_VIRTUAL_KEY": "grafana-test-virtual-key-secret-not-real-0000",
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_STS": f"http://127.0.0.1:{closed}",
    }
    log = (tmp / "serve.log").open("w")
    server = subprocess.Popen(
        [sigv4_authz_bin(), "serve", "--config", str(config)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                # One check, so that the families registered at the first decision exist too.
                urllib.request.urlopen(f"http://127.0.0.1:{http}/envoy/", timeout=2).close()
                pytest.fail("an unsigned request was allowed")
            except urllib.error.HTTPError as error:
                assert error.code == 403, error.code
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"sigv4-authz serve did not start: {(tmp / 'serve.log').read_text()[-2000:]}")
                time.sleep(0.2)
                continue
            break
        would_deny_check(http)
        text = urllib.request.urlopen(f"http://127.0.0.1:{admin}/metrics", timeout=5).read().decode()
        yield Server(http, admin, parse_exposition(text))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    output = (tmp / "serve.log").read_text()
    # Its own credentials came from the environment and STS was the closed loopback port: nothing left
    # the machine; and no secret was printed.
    assert '"source":"environment"' in output and f'"sts":"http://127.0.0.1:{closed}/"' in output, output
    assert env["GRAFANA_TEST_VIRTUAL_KEY"] not in output and env["AWS_SECRET_ACCESS_KEY"] not in output


@pytest.fixture(scope="module")
def exported(server) -> Series:
    """The series of the server's first scrape (after one check)."""
    return server.series


def parse_exposition(text: str) -> Series:
    series: Series = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            series.setdefault(name, {})
            if kind == "histogram":
                for suffix in ("_bucket", "_sum", "_count"):
                    series.setdefault(name + suffix, {})
            continue
        if not line or line.startswith("#"):
            continue
        match = re.match(r"([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s", line)
        assert match, f"unreadable exposition line: {line!r}"
        labels = series.setdefault(match.group(1), {})
        for label, value in re.findall(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"', match.group(2) or ""):
            labels.setdefault(label, set()).add(value)
    return series


def problems(expr: str, series: Series) -> list[str]:
    """What `expr` uses that the server does not export."""
    query = Query(expr)
    found = [f"unknown function {name}" for name in sorted(query.unknown_functions)]
    if not query.metrics:
        found.append("no metric")
    for metric in sorted(query.metrics):
        if metric not in series:
            found.append(f"metric {metric} is not exported")
    for metric, label, op, value in query.matchers:
        if metric not in series or label in TARGET_LABELS:
            continue
        if label not in series[metric]:
            found.append(f"{metric} has no label {label}")
        elif op == "=" and value is not None and value not in series[metric][label]:
            found.append(f'{metric}{{{label}="{value}"}}: the server writes {sorted(series[metric][label])}')
    for labels, metrics in query.groupings:
        for label in labels:
            if label in TARGET_LABELS:
                continue
            for metric in sorted(metrics & series.keys()):
                if label not in series[metric]:
                    found.append(f"grouping by {label}: {metric} has no such label")
    return found


# ---- tests -----------------------------------------------------------------------------------------


def test_every_panel_has_a_title_a_datasource_and_targets():
    board = dashboard()
    assert 36 <= board["schemaVersion"] <= 41, board["schemaVersion"]
    panels = data_panels(board)
    assert len(panels) >= 20, len(panels)
    for panel in panels:
        assert panel.get("title"), panel
        assert panel.get("description"), panel["title"]
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["expr"].strip() and target["refId"], panel["title"]
            assert target["datasource"] == panel["datasource"], panel["title"]
        assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"]), panel["title"]
    rows = [p for p in all_panels(board) if p["type"] == "row"]
    assert rows and all(p.get("title") for p in rows)
    ids = [p["id"] for p in all_panels(board)]
    assert len(ids) == len(set(ids)), ids


def test_the_grid_is_24_wide_without_overlaps():
    cells: dict[tuple[int, int], str] = {}
    for panel in all_panels(dashboard()):
        grid = panel["gridPos"]
        assert grid["w"] > 0 and grid["h"] > 0 and grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"{panel['title']!r} overlaps {cells[(x, y)]!r}"
                cells[(x, y)] = panel["title"]


def test_variables_select_the_datasource_job_and_instance():
    board = dashboard()
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    for name in ("job", "instance"):
        assert variables[name]["type"] == "query", name
        assert variables[name]["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, name
    # Every selector of every panel is narrowed by both variables, so the dashboard shows what they pick.
    for where, expr in expressions(board):
        if where.startswith("variable"):
            continue
        for selector in Query(expr).selectors:
            assert selector.get("job") == '"$job"' and selector.get("instance") == '"$instance"', (where, expr)


def test_every_query_uses_metrics_and_labels_the_server_exports(exported):
    assert "sigv4authz_decisions_total" in exported, sorted(exported)
    found = []
    for where, expr in expressions(dashboard()):
        found += [f"{where}: {problem}  ({expr})" for problem in problems(expr, exported)]
    assert not found, "\n".join(found)


def test_every_exported_family_is_on_the_dashboard(exported):
    used = {metric for _, expr in expressions(dashboard()) for metric in Query(expr).metrics}
    families = {name for name in exported if name.startswith("sigv4authz_")}
    shown = {name for name in families if any(u == name or u.startswith(name + "_") for u in used)}
    histograms = {name for name in families if name + "_bucket" in exported}
    missing = families - shown - {f"{h}{s}" for h in histograms for s in ("_bucket", "_sum", "_count")}
    assert not missing, f"exported but not on the dashboard: {sorted(missing)}"


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("sum(rate(sigv4authz_decisions_totl[5m]))", "metric sigv4authz_decisions_totl is not exported"),
        ('sum(rate(sigv4authz_decisions_total{verdict="deny"}[5m]))', "sigv4authz_decisions_total has no label verdict"),
        ('sum(rate(sigv4authz_decisions_total{decision="maybe"}[5m]))', 'sigv4authz_decisions_total{decision="maybe"}'),
        ("sum by (outcome) (rate(sigv4authz_decisions_total[5m]))", "grouping by outcome: sigv4authz_decisions_total"),
        ("sum(rate(sigv4authz_decisions_total[5m])) by (outcome)", "grouping by outcome: sigv4authz_decisions_total"),
        ("histogram_quantile(0.99, sum by (le) (rate(sigv4authz_check_duration_bucket[5m])))",
         "metric sigv4authz_check_duration_bucket is not exported"),
        ("sigv4authz_checks_in_flight / sigv4authz_build_inf", "metric sigv4authz_build_inf is not exported"),
        ('{__name__="sigv4authz_nothing"}', "metric sigv4authz_nothing is not exported"),
        ("rates(sigv4authz_decisions_total[5m])", "unknown function rates"),
    ],
)
def test_the_checker_reports_what_the_server_lacks(exported, expr, expected):
    assert any(expected in problem for problem in problems(expr, exported)), problems(expr, exported)


def test_the_checker_accepts_a_correct_query(exported):
    expr = (
        'histogram_quantile(0.99, sum by (le, job) (rate(sigv4authz_check_duration_seconds_bucket{job=~"$job"}[$__rate_interval])))'
        ' + on (job) group_left sum by (job) (sigv4authz_config_generation)'
    )
    assert problems(expr, exported) == []
    assert Query(expr).metrics == {"sigv4authz_check_duration_seconds_bucket", "sigv4authz_config_generation"}


def test_the_readme_alerts_use_what_the_server_exports(exported):
    readme = (REPO / "deploy" / "grafana" / "README.md").read_text()
    exprs = re.findall(r"^\s*expr: (.+)$", readme, flags=re.MULTILINE)
    assert exprs, "no alert expressions in deploy/grafana/README.md"
    found = [f"{problem}  ({expr})" for expr in exprs for problem in problems(expr.split(" > ")[0], exported)]
    assert not found, "\n".join(found)
    named = set(re.findall(r"\bsigv4authz_[a-z_]+", readme))
    assert named <= exported.keys(), f"deploy/grafana/README.md names unknown metrics: {sorted(named - exported.keys())}"


# ---- a real Prometheus -----------------------------------------------------------------------------

PROMETHEUS_DIR = REPO / ".cache" / "prometheus"  # Debian's prometheus package, unpacked (no service)


def prometheus_bin() -> str:
    """Prometheus from Debian's package, unpacked into .cache/prometheus (never installed as a service):
    fetched with `apt-get download` (after `apt-get update` if the lists lack it). Never skipped."""
    binary = PROMETHEUS_DIR / "usr" / "bin" / "prometheus"
    if binary.is_file():
        return str(binary)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o777)  # apt-get download runs as _apt where it can
        got = subprocess.run(["apt-get", "download", "-qq", "prometheus"], cwd=tmp, capture_output=True, text=True)
        if got.returncode != 0:
            subprocess.run([*sudo, "apt-get", "update", "-qq"], capture_output=True, text=True, timeout=300)
            got = subprocess.run(["apt-get", "download", "-qq", "prometheus"], cwd=tmp, capture_output=True, text=True)
        debs = list(Path(tmp).glob("prometheus_*.deb"))
        if got.returncode != 0 or len(debs) != 1:
            pytest.fail(f"could not fetch Debian's prometheus package: {got.stdout}{got.stderr}")
        PROMETHEUS_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(PROMETHEUS_DIR)], check=True, timeout=120)
    if not binary.is_file():
        pytest.fail(f"{binary} missing after unpacking the prometheus package")
    return str(binary)


def promql_regex(value: str) -> str:
    """`value` as a regular expression matching only itself, inside a PromQL double-quoted string
    (what Grafana puts in place of a variable with one value picked)."""
    return re.escape(value).replace("\\", "\\\\")


def test_every_query_returns_series_from_a_real_prometheus(server, tmp_path):
    """Prometheus (Debian's 2.42) scrapes the running server every second on 127.0.0.1; after a few
    checks every dashboard query and variable query, with Grafana's variables as Grafana would fill
    them (the scrape job and instance picked, `$__rate_interval` 10 s, `$__range` 1 m), parses and
    returns at least one series. A query that does not parse is refused (the test can fail)."""
    web = free_ports(1)[0]
    job, instance = "sigv4-authz", f"127.0.0.1:{server.admin}"
    (tmp_path / "prometheus.yml").write_text(
        "global: { scrape_interval: 1s, evaluation_interval: 1s }\n"
        f'scrape_configs: [{{ job_name: "{job}", static_configs: [{{ targets: ["{instance}"] }}] }}]\n'
    )
    log = (tmp_path / "prometheus.log").open("w")
    prometheus = subprocess.Popen(
        [
            prometheus_bin(), f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{web}",
        ],
        stdout=log, stderr=subprocess.STDOUT,
    )

    def query(expr: str) -> dict:
        url = f"http://127.0.0.1:{web}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            return json.load(error)

    try:
        deadline = time.monotonic() + 25
        while True:  # checks until two scrapes have seen decisions change
            server.check()
            try:
                ready = query("sum(rate(sigv4authz_decisions_total[10s])) > 0")["data"]["result"]
            except OSError:
                ready = []
            if ready:
                break
            if time.monotonic() > deadline or prometheus.poll() is not None:
                pytest.fail(f"Prometheus saw no decisions: {(tmp_path / 'prometheus.log').read_text()[-2000:]}")
            time.sleep(0.5)
        empty = []
        for where, expr in expressions(dashboard()):
            filled = (
                expr.replace("$__rate_interval", "10s").replace("$__range", "1m")
                .replace("$job", promql_regex(job)).replace("$instance", promql_regex(instance))
            )
            answer = query(filled)
            assert answer["status"] == "success", (where, filled, answer)
            if not answer["data"]["result"]:
                empty.append(f"{where}: {filled}")
        assert not empty, "queries without a series:\n" + "\n".join(empty)
        broken = query("sum by (le (rate(sigv4authz_check_duration_seconds_bucket[10s]))")
        assert broken["status"] == "error" and broken["errorType"] == "bad_data", broken
    finally:
        prometheus.send_signal(signal.SIGTERM)
        try:
            prometheus.wait(timeout=20)
        except subprocess.TimeoutExpired:
            prometheus.kill()
            prometheus.wait()
        log.close()
