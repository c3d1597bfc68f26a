"""End to end through every proxy: real AWS SDKs and the aws CLI → proxy (shipped config) →
sigv4-authz → moto. Every test is parametrized by `proxy` (conftest.PROXIES)."""

from __future__ import annotations

import concurrent.futures
import io
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import time
import uuid

import pytest
from botocore.exceptions import ClientError

import harness as h
from harness import ALLOWED, DENIED, SESSION

# The audit record's `mode` for each way through.
MODE = {"envoy-grpc": "grpc", "envoy-http": "envoy-http", "envoy-egress-tls": "grpc",
        "envoy-egress-http": "grpc", "nginx": "nginx", "nginx-tls": "nginx", "squid": "squid"}

AUDIT_KEYS = {"time", "decision", "reason", "rule", "evaluation", "request_id", "mode", "source", "request", "aws",
              "latency_us"}
AUDIT_AWS_KEYS = {"access_key_id", "account", "account_name", "region", "service", "action", "resource",
                  "resource_account", "authorizations", "auth", "signature"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def new_upstream_requests(world, before: int) -> list[dict]:
    return world.aws.requests()[before:]


def audit_records(proxy: h.Proxy) -> list[dict]:
    with open(proxy.audit, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def audit_mark(proxy: h.Proxy) -> int:
    """The number of audit records once the (asynchronous) writer has gone quiet for 0.3 s, so
    records of earlier requests are not taken for those of the next one."""
    count, since = len(audit_records(proxy)), time.monotonic()
    deadline = since + 5
    while time.monotonic() - since < 0.3 and time.monotonic() < deadline:
        time.sleep(0.05)
        now = len(audit_records(proxy))
        if now != count:
            count, since = now, time.monotonic()
    return count


def settled_audit(proxy: h.Proxy, at_least: int) -> list[dict]:
    """The audit writer is asynchronous: wait (bounded) until at least `at_least` records exist."""
    h.wait_for(lambda: len(audit_records(proxy)) >= at_least, timeout=5)
    return audit_records(proxy)


# ---------------------------------------------------------------------------------------------
# Allowed operations


def op_s3(style):
    def run(proxy, creds):
        s3 = h.client(proxy, "s3", creds, addressing_style=style)
        bucket = unique(f"e2e-{style}")
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="dir/hello world.txt", Body=b"hello through the proxy")
        got = s3.get_object(Bucket=bucket, Key="dir/hello world.txt")["Body"].read()
        assert got == b"hello through the proxy"
        listed = s3.list_objects_v2(Bucket=bucket)
        assert [o["Key"] for o in listed["Contents"]] == ["dir/hello world.txt"]
        return bucket
    return run


def op_s3_multipart(proxy, creds):
    """11 MiB through boto3's transfer manager: a multipart upload (CreateMultipartUpload, three
    UploadPart bodies larger than Envoy's 256 KiB check buffer, CompleteMultipartUpload) and a
    ranged parallel download."""
    from boto3.s3.transfer import TransferConfig

    s3 = h.client(proxy, "s3", creds, addressing_style="path")
    bucket = unique("e2e-multipart")
    s3.create_bucket(Bucket=bucket)
    data = os.urandom(11 * 1024 * 1024)
    config = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024, max_concurrency=3)
    s3.upload_fileobj(io.BytesIO(data), bucket, "large.bin", Config=config)
    out = io.BytesIO()
    s3.download_fileobj(bucket, "large.bin", out, Config=config)
    assert out.getvalue() == data
    return bucket


def op_dynamodb(proxy, creds):
    ddb = h.client(proxy, "dynamodb", creds)
    table = unique("e2e-table")
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName=table, Item={"id": {"S": "k1"}, "v": {"S": "value"}})
    item = ddb.get_item(TableName=table, Key={"id": {"S": "k1"}})["Item"]
    assert item["v"]["S"] == "value"
    return table


def op_sts(proxy, creds):
    identity = h.client(proxy, "sts", creds).get_caller_identity()
    assert identity["Arn"].startswith("arn:aws:")
    return "sts"


def op_sqs(proxy, creds):
    sqs = h.client(proxy, "sqs", creds)
    name = unique("e2e-queue")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello queue")
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=0)["Messages"]
    assert [m["Body"] for m in messages] == ["hello queue"]
    return name


def op_ec2(proxy, creds):
    reply = h.client(proxy, "ec2", creds).describe_instances()
    assert "Reservations" in reply
    return "ec2"


ALLOWED_OPS = {"s3-path": op_s3("path"), "s3-virtual": op_s3("virtual"), "s3-multipart": op_s3_multipart,
               "dynamodb": op_dynamodb,
               "sts": op_sts, "sqs": op_sqs, "ec2": op_ec2}


@pytest.mark.parametrize("creds", [ALLOWED, SESSION], ids=lambda c: c.name)
@pytest.mark.parametrize("operation", list(ALLOWED_OPS))
def test_allowed_operation_reaches_aws_with_decision_headers(world, proxy, operation, creds):
    before = world.aws.count()
    ALLOWED_OPS[operation](proxy, creds)
    seen = new_upstream_requests(world, before)
    assert seen, "moto saw nothing"
    for request in seen:
        headers = request["headers"]
        # The decision reached the upstream, once, from sigv4-authz.
        assert headers.get("x-sigv4-authz-decision") == "allow", request
        assert headers.get("x-sigv4-authz-reason") == "allowed", request
        assert headers.get("x-sigv4-authz-account") == creds.account, request
        assert re.fullmatch(r"[0-9A-Za-z-]{8,}", headers.get("x-sigv4-authz-request-id", "")), request
        # Host is the AWS name the client signed, unchanged; the signature and token arrived.
        assert request["host"].endswith(".amazonaws.com"), request
        assert headers["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={creds.key}/"), request
        if creds.token:
            assert headers.get("x-amz-security-token") == creds.token
    if operation == "s3-virtual":
        assert all(r["host"].startswith("e2e-virtual-") for r in seen), [r["host"] for r in seen]  # bucket in Host
    if operation == "s3-path":
        # The regional name, or s3.amazonaws.com where botocore picks it (us-east-1, default endpoint).
        assert all(r["host"] in ("s3.us-east-1.amazonaws.com", "s3.amazonaws.com") for r in seen)
    # Envoy and nginx re-originate TLS toward AWS; Squid forwards http:// as it came.
    assert {r["scheme"] for r in seen} == {"http" if proxy.name == "squid" else "https"}


@pytest.mark.parametrize("service,call,action", [
    ("ec2", lambda c: c.describe_instances(), "ec2:DescribeInstances"),
    ("sts", lambda c: c.get_caller_identity(), "sts:GetCallerIdentity"),
], ids=["ec2", "sts"])
def test_query_protocol_action_comes_from_the_body(world, proxy, service, call, action):
    """EC2 and STS put Action= in the POST body: Envoy sends the body (with_request_body), so the
    action is known; nginx's auth_request and Squid's helper never see a body, so it is unknown
    (null in the audit record) and only action-free statements (the accounts: allowlist) allow."""
    before = audit_mark(proxy)
    call(h.client(proxy, service, SESSION))
    [record] = settled_audit(proxy, before + 1)[before:]
    expected = action if proxy.name.startswith("envoy") else None
    assert (record["decision"], record["aws"]["action"]) == ("allow", expected), record


# ---------------------------------------------------------------------------------------------
# Denials


def deny_s3_account(proxy):
    h.client(proxy, "s3", DENIED, addressing_style="path").list_objects_v2(Bucket="e2e-denied")


def deny_dynamodb_account(proxy):
    h.client(proxy, "dynamodb", DENIED).get_item(TableName="t", Key={"id": {"S": "k"}})


def deny_sts_account(proxy):
    h.client(proxy, "sts", DENIED).get_caller_identity()


def deny_ec2_account(proxy):
    h.client(proxy, "ec2", DENIED).describe_instances()


def deny_sqs_region(proxy):
    h.client(proxy, "sqs", ALLOWED, region="us-west-2").list_queues()


def deny_s3_region(proxy):
    h.client(proxy, "s3", SESSION, region="us-west-2", addressing_style="path").list_objects_v2(Bucket="e2e-west")


def deny_s3_rule(proxy):
    h.client(proxy, "s3", ALLOWED, addressing_style="virtual").delete_object(Bucket="e2e-rule", Key="k")


DENIALS = {
    "account-s3": (deny_s3_account, "AccessDenied", "account_not_allowed"),
    "account-dynamodb": (deny_dynamodb_account, "AccessDeniedException", "account_not_allowed"),
    "account-sts": (deny_sts_account, "AccessDenied", "account_not_allowed"),
    "account-ec2": (deny_ec2_account, "AccessDenied", "account_not_allowed"),
    "region-sqs": (deny_sqs_region, "AccessDeniedException", "region_not_allowed"),
    "region-s3": (deny_s3_region, "AccessDenied", "region_not_allowed"),
    "rule-s3-delete": (deny_s3_rule, "AccessDenied", "denied_by_rule"),
}


@pytest.mark.parametrize("case", list(DENIALS))
def test_denied_in_the_sdk_and_never_reaches_aws(world, proxy, case):
    call, code, reason = DENIALS[case]
    before_upstream = world.aws.count()
    before_audit = audit_mark(proxy)
    with pytest.raises(ClientError) as caught:
        call(proxy)
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403, error
    assert error["Error"]["Code"] == code, error
    assert error["Error"]["Message"].startswith("sigv4-authz: "), error
    records = settled_audit(proxy, before_audit + 1)[before_audit:]
    assert [(r["decision"], r["reason"]) for r in records] == [("deny", reason)], records
    if reason == "denied_by_rule":
        assert records[0]["rule"] == "no-object-deletes"
    if proxy.client_sees_decision_headers:
        headers = {k.lower(): v for k, v in error["ResponseMetadata"]["HTTPHeaders"].items()}
        assert headers.get("x-sigv4-authz-decision") == "deny", headers
        assert headers.get("x-sigv4-authz-reason") == reason, headers
    time.sleep(0.2)  # anything forwarded by mistake would have arrived by now
    assert new_upstream_requests(world, before_upstream) == []


# ---------------------------------------------------------------------------------------------
# Presigned URLs, unsigned requests, forged decision headers


def presigned(proxy, creds, bucket, key):
    s3 = h.client(proxy, "s3", creds, addressing_style="path")
    return s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300)


@pytest.fixture
def object_in_s3(world, proxy):
    s3 = h.client(proxy, "s3", ALLOWED, addressing_style="path")
    bucket = unique("e2e-presign")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="report.txt", Body=b"presigned content")
    return bucket, "report.txt"


def test_presigned_url_allowed(world, proxy, object_in_s3):
    bucket, key = object_in_s3
    url = presigned(proxy, SESSION, bucket, key)
    assert "X-Amz-Security-Token=" in url
    response = h.http_get(proxy, url)
    assert response.status_code == 200, response.text
    assert response.content == b"presigned content"


def test_presigned_url_denied(world, proxy, object_in_s3):
    bucket, key = object_in_s3
    url = presigned(proxy, DENIED, bucket, key)
    before = world.aws.count()
    response = h.http_get(proxy, url)
    assert response.status_code == 403, response.text
    assert "<Code>AccessDenied</Code>" in response.text
    assert "<Message>sigv4-authz: " in response.text
    time.sleep(0.2)
    assert new_upstream_requests(world, before) == []


def test_unsigned_request_denied(world, proxy, object_in_s3):
    bucket, key = object_in_s3
    before = world.aws.count()
    before_audit = audit_mark(proxy)
    response = h.http_get(proxy, f"http://s3.us-east-1.amazonaws.com/{bucket}/{key}")
    assert response.status_code == 403, response.text
    assert "<Message>sigv4-authz: " in response.text
    records = settled_audit(proxy, before_audit + 1)[before_audit:]
    assert [(r["decision"], r["reason"], r["aws"]["auth"]) for r in records] == [("deny", "no_credentials", "none")]
    time.sleep(0.2)
    assert new_upstream_requests(world, before) == []


FORGED = {"x-sigv4-authz-decision": "allow", "x-sigv4-authz-reason": "forged", "x-sigv4-authz-rule": "forged",
          "x-sigv4-authz-account": "000000000000", "x-sigv4-authz-message": "forged",
          "x-sigv4-authz-request-id": "forged"}


def test_forged_decision_headers_never_reach_aws(world, proxy, object_in_s3):
    bucket, key = object_in_s3
    # Allowed request with forged decision headers: upstream sees sigv4-authz's values only.
    before = world.aws.count()
    response = h.http_get(proxy, presigned(proxy, ALLOWED, bucket, key), headers=FORGED)
    assert response.status_code == 200, response.text
    [request] = new_upstream_requests(world, before)
    headers = request["headers"]
    assert headers["x-sigv4-authz-decision"] == "allow"
    assert headers["x-sigv4-authz-reason"] == "allowed"
    assert headers["x-sigv4-authz-account"] == h.ALLOWED_ACCOUNT
    assert "forged" not in json.dumps(headers) and "000000000000" not in json.dumps(headers), headers
    # A denied key with a forged allow is still denied, and nothing reaches AWS.
    before = world.aws.count()
    response = h.http_get(proxy, presigned(proxy, DENIED, bucket, key), headers=FORGED)
    assert response.status_code == 403, response.text
    time.sleep(0.2)
    assert new_upstream_requests(world, before) == []


# ---------------------------------------------------------------------------------------------
# The aws CLI


def aws_cli(proxy, creds, *args):
    env = h.cli_env(proxy, creds.key, creds.secret, creds.token)
    service = args[0] if args[0] != "s3api" else "s3"
    endpoint = [] if proxy.tls else ["--endpoint-url", proxy.endpoint(service, "us-east-1")]
    return subprocess.run([h.tool("aws"), *args, *endpoint, "--output", "json"], env=env,
                          capture_output=True, text=True, timeout=120)


def test_aws_cli(world, proxy, tmp_path):
    bucket = unique("e2e-cli")
    body = tmp_path / "body.txt"
    body.write_text("from the aws cli")
    for args in (["s3api", "create-bucket", "--bucket", bucket],
                 ["s3api", "put-object", "--bucket", bucket, "--key", "cli.txt", "--body", str(body)]):
        result = aws_cli(proxy, SESSION, *args)
        assert result.returncode == 0, result.stderr
    listed = aws_cli(proxy, SESSION, "s3", "ls", f"s3://{bucket}/")
    assert listed.returncode == 0 and "cli.txt" in listed.stdout, listed.stderr
    who = aws_cli(proxy, ALLOWED, "sts", "get-caller-identity")
    assert who.returncode == 0 and '"Arn"' in who.stdout, who.stderr
    before = world.aws.count()
    denied = aws_cli(proxy, DENIED, "s3", "ls", f"s3://{bucket}/")
    assert denied.returncode != 0
    assert "AccessDenied" in denied.stderr and "sigv4-authz: " in denied.stderr, denied.stderr
    denied = aws_cli(proxy, DENIED, "dynamodb", "list-tables")
    assert denied.returncode != 0
    assert "AccessDeniedException" in denied.stderr and "sigv4-authz: " in denied.stderr, denied.stderr
    assert new_upstream_requests(world, before) == []


# ---------------------------------------------------------------------------------------------
# Audit: one record per check, the contract's fields, no secrets


def test_audit_one_record_per_check_and_no_secrets(world, proxy, object_in_s3):
    bucket, key = object_in_s3
    s3 = h.client(proxy, "s3", SESSION, addressing_style="path")
    marker = unique("audit")
    before_upstream = world.aws.count()
    before = audit_mark(proxy)
    s3.put_object(Bucket=bucket, Key=f"{marker}-put", Body=b"x")                      # allow
    s3.get_object(Bucket=bucket, Key=f"{marker}-put")["Body"].read()                   # allow
    with pytest.raises(ClientError):
        s3.delete_object(Bucket=bucket, Key=f"{marker}-put")                           # deny (rule)
    with pytest.raises(ClientError):
        h.client(proxy, "s3", DENIED, addressing_style="path").get_object(Bucket=bucket, Key=f"{marker}-denied")
    url = presigned(proxy, SESSION, bucket, f"{marker}-put")
    assert h.http_get(proxy, url).status_code == 200                                   # allow (presigned)
    assert h.http_get(proxy, f"http://s3.us-east-1.amazonaws.com/{bucket}/{marker}-unsigned").status_code == 403

    records = settled_audit(proxy, before + 6)[before:]
    time.sleep(0.5)
    records = audit_records(proxy)[before:]
    # Exactly one record per check, in order.
    summary = [(r["decision"], r["reason"], r["request"]["method"], r["request"]["path"].rsplit("/", 1)[-1])
               for r in records]
    assert summary == [
        ("allow", "allowed", "PUT", f"{marker}-put"),
        ("allow", "allowed", "GET", f"{marker}-put"),
        ("deny", "denied_by_rule", "DELETE", f"{marker}-put"),
        ("deny", "account_not_allowed", "GET", f"{marker}-denied"),
        ("allow", "allowed", "GET", f"{marker}-put"),
        ("deny", "no_credentials", "GET", f"{marker}-unsigned"),
    ], summary
    # The IAM policy simulator's words: a deny statement and a built-in check are explicit, a request
    # nothing allows is implicit; every fact was established (no "missing").
    assert [r["evaluation"] for r in records] == [
        "allowed", "allowed", "explicit_deny", "implicit_deny", "allowed", "explicit_deny"], records
    for record in records:
        assert set(record) == AUDIT_KEYS, record
        assert set(record["aws"]) == AUDIT_AWS_KEYS, record
        assert set(record["request"]) == {"method", "host", "path"}, record
        assert set(record["source"]) == {"address", "principal"}, record
        assert record["mode"] == MODE[proxy.name], record
        assert record["source"]["address"] == "127.0.0.1", record
        assert record["request"]["host"] in ("s3.us-east-1.amazonaws.com", "s3.amazonaws.com"), record
        assert "?" not in record["request"]["path"], record
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["time"]), record
    assert [r["aws"]["auth"] for r in records] == ["header", "header", "header", "header", "presigned", "none"]
    assert records[0]["aws"]["access_key_id"] == h.SESSION_KEY
    assert records[0]["aws"]["action"] == "s3:PutObject"
    assert records[0]["aws"]["resource"] == f"arn:aws:s3:::{bucket}/{marker}-put"
    # Every (action, resource) pair AWS authorizes; a plain PutObject needs only its own.
    assert records[0]["aws"]["authorizations"] == [
        {"action": "s3:PutObject", "resource": f"arn:aws:s3:::{bucket}/{marker}-put"}], records[0]
    # The allowed requests reached AWS with the request id of their audit record.
    upstream_ids = {r["headers"].get("x-sigv4-authz-request-id") for r in new_upstream_requests(world, before_upstream)}
    assert {records[i]["request_id"] for i in (0, 1, 4)} <= upstream_ids

    # No secret anywhere in the audit log or in the logs of sigv4-authz and the proxies: not the
    # secret keys, not the session token, not one signature that crossed the proxy.
    signatures = set()
    for request in world.aws.requests():
        signatures.update(re.findall(r"Signature=([0-9a-f]{64})", request["headers"].get("authorization", "")))
        signatures.update(re.findall(r"X-Amz-Signature=([0-9a-f]{64})", request["path"]))
    signatures.update(re.findall(r"X-Amz-Signature=([0-9a-f]{64})", url))
    assert len(signatures) > 3
    secrets = {h.ALLOWED_SECRET, h.SESSION_SECRET, h.DENIED_SECRET, h.SESSION_TOKEN, *signatures}
    files = [proxy.audit, world.authz.proc.log, proxy.proc.log,
             *(world.workdir / "logs").glob("*access*"), *(world.workdir / "logs").glob("*.envoy.log")]
    for path in files:
        text = path.read_text(errors="replace")
        leaked = [s[:12] + "…" for s in secrets if s in text]
        assert not leaked, f"{path} contains secrets: {leaked}"


# ---------------------------------------------------------------------------------------------
# Fail closed


def squid_helpers(proxy) -> list[int]:
    """PIDs of the sigv4-authz helpers Squid started (its children running squid-helper)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = open(f"/proc/{entry}/stat").read()
            cmdline = open(f"/proc/{entry}/cmdline", "rb").read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == proxy.proc.popen.pid and b"squid-helper" in cmdline:
            pids.append(int(entry))
    return pids


def test_fail_closed_and_recovers_without_proxy_restart(world, proxy, object_in_s3):
    bucket, key = object_in_s3
    url = presigned(proxy, ALLOWED, bucket, key)
    assert h.http_get(proxy, url).status_code == 200
    proxy_pid = proxy.proc.popen.pid
    before = world.aws.count()
    if proxy.name == "squid":
        # Squid's authorizer is its helper process: stop every helper, let a request wait on one,
        # then kill them all. The waiting request must be refused; Squid starts new helpers.
        helpers = squid_helpers(proxy)
        assert helpers, "no sigv4-authz helper running under squid"
        for pid in helpers:
            os.kill(pid, signal.SIGSTOP)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pending = pool.submit(h.http_get, proxy, url)
            time.sleep(1.0)
            assert not pending.done(), "answered while every helper was stopped"
            for pid in helpers:
                os.kill(pid, signal.SIGKILL)
            response = pending.result(timeout=20)
        assert response.status_code == proxy.fail_closed_status, (response.status_code, response.text)
    else:
        world.authz.stop()
        try:
            for _ in range(3):
                response = h.http_get(proxy, url)
                assert response.status_code == proxy.fail_closed_status, (response.status_code, response.text)
        finally:
            world.restart_authz()
    assert new_upstream_requests(world, before) == []
    # Same proxy process (and ports): traffic flows again after a bounded wait for reconnection.
    assert h.wait_for(lambda: h.http_get(proxy, url).status_code == 200, timeout=15), "no recovery"
    assert proxy.proc.running and proxy.proc.popen.pid == proxy_pid


# ---------------------------------------------------------------------------------------------
# Not an open proxy, no tunnels


def raw_status(proxy, request: bytes) -> int:
    host, port = proxy.forward_proxy.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(request)
        status_line = s.makefile("rb").readline().decode()
    return int(status_line.split()[1])


def test_only_aws_hosts_and_no_connect_tunnels(world, proxy):
    before = world.aws.count()
    if proxy.tls:
        # A TLS client asking for another name gets no certificate and no connection.
        address = proxy.gateway_address
        context = ssl.create_default_context(cafile=proxy.ca_bundle)
        with pytest.raises((ssl.SSLError, ConnectionError)):
            with socket.create_connection((address, 443), timeout=10) as raw:
                with context.wrap_socket(raw, server_hostname="www.example.com") as tls:
                    tls.sendall(b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
                    tls.recv(1)
    else:
        status = raw_status(proxy, b"GET http://www.example.com/ HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
        assert status in (403, 404, 421), status
        # A CONNECT tunnel would hide the signed request: refused even to an AWS name.
        status = raw_status(proxy, b"CONNECT s3.us-east-1.amazonaws.com:443 HTTP/1.1\r\n"
                                   b"Host: s3.us-east-1.amazonaws.com:443\r\n\r\n")
        assert status >= 400, status
    assert new_upstream_requests(world, before) == []
