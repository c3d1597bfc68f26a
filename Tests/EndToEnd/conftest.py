"""Fixtures: one fake AWS (moto) and one sigv4-authz for the session; each proxy started once, on
first use, from its shipped configuration. Every process is stopped at the end; when a test fails,
the tail of every process log is attached to its report."""

from __future__ import annotations

import os
import shutil

import pytest

import harness as h

# Clients choose their proxy explicitly: proxy variables from the environment must not reroute
# (or bypass) them.
# Nor may a developer's AWS settings (profiles, AWS_ENDPOINT_URL, credentials) leak into them.
for _name in list(os.environ):
    if _name.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy") or _name.startswith("AWS_"):
        del os.environ[_name]
os.environ.update({"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
                   "AWS_EC2_METADATA_DISABLED": "true"})

# Every way through, in the order the tests run. envoy-egress-* share one Envoy process.
PROXIES = ["envoy-grpc", "envoy-http", "envoy-egress-tls", "envoy-egress-http", "nginx", "nginx-tls", "squid"]


@pytest.fixture(scope="session")
def world():
    w = h.World()
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
def processes_alive(request):
    """Every test starts with sigv4-authz and fake AWS running. One found dead (killed from
    outside, or crashed during an earlier test) fails this test loudly with its exit code and log;
    sigv4-authz is restarted so that the following tests still say something."""
    if "world" not in request.fixturenames:
        yield
        return
    world = request.getfixturevalue("world")
    if not world.aws.proc.running:
        pytest.fail(f"fake AWS exited unexpectedly (code {world.aws.proc.popen.returncode})\n{world.aws.proc.tail(20)}")
    if not world.authz.proc.running:
        code, tail = world.authz.proc.popen.returncode, world.authz.proc.tail(20)
        world.restart_authz()
        pytest.fail(f"sigv4-authz exited unexpectedly (code {code}) before this test; restarted\n{tail}")
    yield


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
        for proc in h.PROCS:
            report.sections.append((f"log of {proc.name}", proc.tail(40)))
