"""Fixtures: one fake AWS (moto) and one sigv4-authz for the session; each proxy started once, on
first use, from its shipped configuration. Every process is stopped at the end; when a test fails,
the tail of every process log is attached to its report."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

import harness as h

# Every way through, in the order the tests run. envoy-egress-* share one Envoy process.
PROXIES = ["envoy-grpc", "envoy-http", "envoy-egress-tls", "envoy-egress-http", "nginx", "nginx-tls", "squid"]

_procs: list[h.Proc] = []


class World:
    def __init__(self) -> None:
        self.workdir = h.make_workdir("sigv4-authz-e2e-")
        (self.workdir / "logs").mkdir()
        (self.workdir / "logs").chmod(0o777)
        self.certs = h.make_certs(self.workdir)
        self.aws = h.start_fake_aws(self.workdir, self.certs)
        _procs.append(self.aws.proc)
        self.authz = h.Authz(self.workdir).start()
        _procs.append(self.authz.proc)
        self.proxies: dict[str, h.Proxy] = {}
        self.failed: dict[str, Exception] = {}

    def proxy(self, name: str) -> h.Proxy:
        if name in self.proxies:
            return self.proxies[name]
        if name in self.failed:  # started once; a proxy that failed to start fails every test
            raise RuntimeError(f"{name} failed to start: {self.failed[name]}")
        try:
            return self._start(name)
        except Exception as error:
            self.failed[name] = error
            raise

    def _start(self, name: str) -> h.Proxy:
        if name.startswith("envoy-egress"):
            gateway = h.start_envoy("egress", self.workdir, self.authz, self.aws, self.certs)
            _procs.append(gateway.proc)
            self.proxies["envoy-egress-tls"] = dataclasses.replace(gateway, name="envoy-egress-tls", forward_proxy=None)
            self.proxies["envoy-egress-http"] = dataclasses.replace(gateway, name="envoy-egress-http", gateway_address=None)
        elif name.startswith("envoy-"):
            proxy = h.start_envoy(name.removeprefix("envoy-"), self.workdir, self.authz, self.aws, self.certs)
            _procs.append(proxy.proc)
            self.proxies[name] = proxy
        elif name.startswith("nginx"):
            proxy = h.start_nginx(name == "nginx-tls", self.workdir, self.authz, self.aws, self.certs)
            _procs.append(proxy.proc)
            self.proxies[name] = proxy
        elif name == "squid":
            proxy = h.start_squid(self.workdir, self.authz, self.aws)
            _procs.append(proxy.proc)
            self.proxies[name] = proxy
        else:
            raise ValueError(name)
        return self.proxies[name]

    def restart_authz(self) -> None:
        self.authz.start()

    def close(self) -> None:
        for proc in reversed(_procs):
            proc.stop()


@pytest.fixture(scope="session")
def world():
    w = World()
    try:
        yield w
    finally:
        w.close()
        if not _failed["any"]:
            shutil.rmtree(w.workdir, ignore_errors=True)
        else:
            print(f"\nlogs kept in {w.workdir}/logs")


@pytest.fixture(scope="session", params=PROXIES)
def proxy(request, world) -> h.Proxy:
    return world.proxy(request.param)


@pytest.fixture(autouse=True)
def client_dns(request):
    """In-process clients: AWS names resolve to the TLS gateway under test, or not at all."""
    proxy = request.getfixturevalue("proxy") if "proxy" in request.fixturenames else None
    with h.dns_override(proxy.gateway_address if proxy is not None and proxy.tls else None):
        yield


_failed = {"any": False}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        _failed["any"] = True
        for proc in _procs:
            report.sections.append((f"log of {proc.name}", proc.tail(40)))
