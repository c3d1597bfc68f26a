"""The decision in Envoy's access log: sigv4-authz's CheckResponse dynamic_metadata (gRPC mode) and
the decision headers turned into dynamic metadata by dynamic_metadata_from_headers (HTTP mode) reach
the access log lines of the shipped envoy/grpc.yaml and envoy/http.yaml, whose access log path is
pointed at a file here (everything else as shipped, as harness.start_envoy substitutes it).

Each line must carry the decision of its request and the request id of its audit record, with the
reason, rule, account, region, service and action that record gives."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

import harness as h

KEYS = ("decision", "reason", "rule", "account", "region", "service", "action", "request_id")


def start_logged_envoy(kind: str, world: h.World, access_log) -> h.Proxy:
    """Envoy from envoy/<kind>.yaml with its access log in `access_log` instead of stdout."""
    for attempt in range(3):
        admin, listen = h.free_port(), h.free_port()
        authz_port = world.authz.grpc_port if kind == "grpc" else world.authz.http_port
        repl = {
            "port_value: 9901": f"port_value: {admin}",
            "/etc/ssl/certs/ca-certificates.crt": str(world.certs / "ca.crt"),
            "address: 0.0.0.0, port_value: 10000": f"address: 127.0.0.1, port_value: {listen}",
            {"grpc": "port_value: 9001", "http": "port_value: 8080"}[kind]: f"port_value: {authz_port}",
            "path: /dev/stdout": f"path: {access_log}",
        }
        name = f"envoy-{kind}-logged"
        config = h.render(h.REPO / "envoy" / f"{kind}.yaml", world.workdir / f"{name}.yaml", repl)
        h.validate_envoy(config)
        proc = h.Proc(name, h.in_dns_namespace(h.envoy_argv(config, world.workdir, name), world.aws.resolv_conf),
                      world.workdir / "logs" / f"{name}.log").start()
        h.PROCS.append(proc)
        try:
            proc.wait_ready(lambda: h.http_ok(f"http://127.0.0.1:{admin}/ready") and h.tcp_open("127.0.0.1", listen),
                            timeout=60)
        except RuntimeError as error:
            if attempt < 2 and "Address already in use" in str(error):
                continue
            raise
        return h.Proxy(name, proc, forward_proxy=f"http://127.0.0.1:{listen}", ca_bundle=str(world.certs / "ca.crt"),
                       fail_closed_status=503, audit=world.authz.audit)
    raise AssertionError("unreachable: the last attempt returns or raises")


def log_lines(path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("kind", ["grpc", "http"])
def test_access_log_carries_the_decision(world, kind):
    access_log = world.workdir / f"envoy-{kind}-access.jsonl"
    proxy = start_logged_envoy(kind, world, access_log)
    with h.dns_override(None):
        s3 = h.client(proxy, "s3", h.ALLOWED, addressing_style="path")
        bucket = f"metadata-{kind}"
        s3.create_bucket(Bucket=bucket)                                   # allowed
        s3.put_object(Bucket=bucket, Key="report.csv", Body=b"a,b\n")     # allowed
        with pytest.raises(ClientError) as deleted:                       # denied: no-object-deletes
            s3.delete_object(Bucket=bucket, Key="report.csv")
        assert deleted.value.response["Error"]["Code"] == "AccessDenied"
        with pytest.raises(ClientError) as other:                         # denied: account_not_allowed
            h.client(proxy, "s3", h.DENIED, addressing_style="path").list_buckets()
        assert other.value.response["Error"]["Code"] == "AccessDenied"

    # Envoy writes its file access log asynchronously (flushed about once a second).
    lines = h.wait_for(lambda: (lambda got: got if len(got) >= 4 else None)(log_lines(access_log)), timeout=20)
    assert lines, f"fewer than 4 access log lines in {access_log}: {log_lines(access_log)}"
    assert len(lines) == 4, lines
    assert [line["decision"] for line in lines] == ["allow", "allow", "deny", "deny"], lines
    assert [line["status"] for line in lines] == [200, 200, 403, 403], lines

    audit = {record["request_id"]: record for record in world.authz.audit_records()}
    for line in lines:
        assert set(KEYS) <= set(line), line
        assert line["request_id"], f"no request id in the access log line: {line}"
        record = audit.get(line["request_id"])
        assert record is not None, f"no audit record with request id {line['request_id']}: {line}"
        aws = record.get("aws") or {}
        assert line["decision"] == record["decision"], (line, record)
        assert line["reason"] == record["reason"], (line, record)
        assert line["rule"] == (record.get("rule") or ""), (line, record)
        for key in ("account", "region", "service", "action"):
            assert line[key] == (aws.get(key) or ""), (key, line, record)
    assert [line["reason"] for line in lines[2:]] == ["denied_by_rule", "account_not_allowed"], lines
    assert lines[2]["rule"] == "no-object-deletes", lines[2]
    assert lines[0]["account"] == h.ALLOWED_ACCOUNT and lines[3]["account"] == h.DENIED_ACCOUNT, lines
    assert lines[1]["action"] == "s3:PutObject" and lines[2]["action"] == "s3:DeleteObject", lines
