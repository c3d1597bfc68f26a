"""Fixtures: `start_server(**settings)` starts a `sigv4-authz serve` for the test and stops it at the
end; when a test fails, the tail of its log is attached to the report."""

from __future__ import annotations

import shutil

import pytest

import abuse


@pytest.fixture
def start_server(request):
    servers: list[abuse.Server] = []

    def start(**kwargs) -> abuse.Server:
        server = abuse.Server(**kwargs).start()
        servers.append(server)
        return server

    yield start
    failed = getattr(request.node, "failed", False)
    for server in servers:
        alive = server.alive
        server.stop()
        if failed:
            print(f"\n--- sigv4-authz log ({server.log}) ---\n{server.tail()}")
        else:
            shutil.rmtree(server.workdir, ignore_errors=True)
        assert alive, f"sigv4-authz died during the test:\n{server.tail()}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        item.failed = True
