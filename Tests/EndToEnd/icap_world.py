"""Squid over ICAP for the end-to-end tests (test_squid_icap.py) and the benchmark.

The shipped squid/squid-icap.conf (Debian's squid-openssl: ssl_bump) with only ports, addresses and
paths substituted, asking a sigv4-authz of its own (`serve` with icap.yaml: listen.icap, a known key,
deny rules on query-protocol actions) through `IcapRelay`, a byte-counting TCP relay in this
process: the tests read from it how much of each request Squid sent to sigv4-authz. Squid's
bumping CA is the test CA of harness.make_certs, which also signed fake AWS's certificate, so
Squid's own TLS to moto verifies against it (tls_outgoing_options cafile=).
"""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import threading
from pathlib import Path

import harness as h


@dataclasses.dataclass
class IcapAuthz(h.Authz):
    """sigv4-authz serving icap.yaml: an ICAP listener beside the usual ones, the long-term e2e key
    known (its secret in a file), audit to its own file."""

    icap_port: int = dataclasses.field(default_factory=h.free_port)
    name: str = "sigv4-authz-icap"

    def render_config(self) -> str:
        secret = self.workdir / "e2e-allowed.secret"
        secret.write_text(h.ALLOWED_SECRET)
        secret.chmod(0o600)
        self.audit = self.audit_file or self.workdir / "icap-audit.jsonl"
        self.config = self.workdir / "icap-authz.yaml"
        return h.render(h.HERE / "icap.yaml", self.workdir / ".icap.rendered.yaml", {
            '"127.0.0.1:8080"': f'"127.0.0.1:{self.http_port}"',
            '"127.0.0.1:9001"': f'"127.0.0.1:{self.grpc_port}"',
            '"127.0.0.1:9090"': f'"127.0.0.1:{self.admin_port}"',
            '"127.0.0.1:1344"': f'"127.0.0.1:{self.icap_port}"',
            "/run/secrets/e2e-allowed": str(secret),
            "/var/log/sigv4-authz/audit.log": str(self.audit),
        }).read_text()

    def start(self) -> "IcapAuthz":
        super().start()
        self.proc.wait_ready(lambda: h.tcp_open("127.0.0.1", self.icap_port), timeout=10)
        return self


class IcapRelay:
    """127.0.0.1:port → 127.0.0.1:target, counting the bytes Squid sends (`sent`) and copying
    them (`transcript`, bounded) so a test can see what crossed. A connection it cannot pass on
    (sigv4-authz stopped) is closed at once, as a refused connection would be."""

    LIMIT = 4 << 20

    def __init__(self, target: int) -> None:
        self.target = target
        self.lock = threading.Lock()
        self.sent = 0
        self.transcript = bytearray()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def mark(self) -> int:
        with self.lock:
            return self.sent

    def since(self, mark: int) -> bytes:
        with self.lock:
            return bytes(self.transcript[mark:]) if self.sent <= self.LIMIT else b""

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()
        self._pipe(client, upstream, True)

    def _pipe(self, source: socket.socket, dest: socket.socket, count: bool) -> None:
        try:
            while data := source.recv(65536):
                if count:
                    with self.lock:
                        self.sent += len(data)
                        if len(self.transcript) < self.LIMIT:
                            self.transcript += data
                dest.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, dest):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self) -> None:
        self.listener.close()


def squid_openssl() -> str:
    """Squid built with OpenSSL (ssl_bump): Debian's squid-openssl, which run.sh installs."""
    squid = h.tool("squid", "/usr/sbin/squid")
    version = subprocess.run([squid, "-v"], capture_output=True, text=True, timeout=30).stdout
    if "--with-openssl" not in version or "--enable-icap-client" not in version:
        raise RuntimeError(f"{squid} lacks OpenSSL or ICAP (apt-get install squid-openssl; run.sh does)")
    return squid


def start_squid_icap(workdir: Path, icap_port: int, aws: h.FakeAWS, certs: Path, audit: Path,
                     name: str = "squid-icap", extra: str = "") -> h.Proxy:
    """squid/squid-icap.conf on a free port, bumping with the test CA, ICAP to 127.0.0.1:icap_port.
    `extra` lines are appended (the benchmark's cache_peer)."""
    listen = h.free_port()
    squid = squid_openssl()
    ssl_db = workdir / f"{name}-ssl_db"
    subprocess.run(["/usr/lib/squid/security_file_certgen", "-c", "-s", str(ssl_db), "-M", "4MB"],
                   check=True, capture_output=True, timeout=30)
    subprocess.run(["chown", "-R", "proxy:proxy", str(ssl_db)], check=True, timeout=30)
    logs = workdir / "logs"
    logs.chmod(0o777)  # Squid writes its logs as its unprivileged user
    config = h.render(h.REPO / "squid" / "squid-icap.conf", workdir / f"{name}.conf", {
        "http_port 3128": f"http_port 127.0.0.1:{listen}",
        "/etc/squid/sigv4-authz-ca.pem": str(certs / "ca.crt"),
        "/etc/squid/sigv4-authz-ca.key": str(certs / "ca.key"),
        "/var/lib/squid/ssl_db": str(ssl_db),
        "/etc/ssl/certs/ca-certificates.crt": str(certs / "ca.crt"),
        "icap://127.0.0.1:1344/": f"icap://127.0.0.1:{icap_port}/",
        "/var/log/squid/": str(logs / name) + "-",
        "/run/squid.pid": str(workdir / f"{name}.pid"),
    })
    if extra:
        config.write_text(config.read_text() + "\n" + extra + "\n")
    parse = subprocess.run([squid, "-k", "parse", "-f", str(config)], capture_output=True, text=True, timeout=30)
    if parse.returncode != 0:
        raise AssertionError(f"squid -k parse {config} failed:\n{parse.stdout}\n{parse.stderr}")
    proc = h.Proc(name, h.in_dns_namespace([squid, "-N", "-f", str(config)], aws.resolv_conf),
                  logs / f"{name}.log").start()
    proc.wait_ready(lambda: h.tcp_open("127.0.0.1", listen), timeout=30)
    return h.Proxy(name, proc, forward_proxy=f"http://127.0.0.1:{listen}", ca_bundle=str(certs / "ca.crt"),
                   fail_closed_status=500, audit=audit, client_sees_decision_headers=False)
