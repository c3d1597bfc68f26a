"""Credential brokering end to end: boto3 and the aws CLI holding ONLY a virtual key, through
real Envoy (gRPC and HTTP mode) and nginx from their shipped configurations, sigv4-authz serving
brokering.yaml, and moto as AWS with IAM authentication enforced (broker_world.py).

moto recomputes every signature with the secret it issued, so every request that reaches moto's data
was signed again by sigv4-authz, correctly, with the assumed role's credentials; moto's request record
shows what AWS received (the role's key id, its session token, the signed headers) and that the
virtual key id never left the proxy. nginx passes no body to sigv4-authz, so there a request whose
payload hash needs the body (DynamoDB, SQS and STS POSTs) is denied `not_resignable`: the documented
limit, asserted with its sentence. A presigned URL is signed again in its query through Envoy's gRPC
mode only (query_parameters_to_set); moto cannot authenticate query signatures, so that signature is
checked here against an independent SigV4 computation with the role's secret.

Run: SIGV4_AUTHZ_BIN=$(swift build --show-bin-path)/sigv4-authz Tests/EndToEnd/run.sh -k brokering
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import hmac
import json
import shutil
import signal
import subprocess
import time
import uuid
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import pytest
from botocore.exceptions import ClientError

import broker_world as bw
import harness as h

# The Error.Code each service's SDK raises for sigv4-authz's deny.
DENY_CODE = {"s3": "AccessDenied", "sts": "AccessDenied", "dynamodb": "AccessDeniedException",
             "sqs": "AccessDeniedException"}
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
# docs/brokering.md: a virtual key's request this proxy cannot verify (nginx never passes the body)
# is denied not_resignable with the reason.
NEEDS_BODY = ("the request of virtual key {key} cannot be verified through this proxy, so it cannot be signed "
              "again: the payload hash of a {service} request needs the body, which is not available "
              "(Envoy: ext_authz with_request_body, gRPC)")


@pytest.fixture(scope="module")
def broker(request):
    failed_before = request.session.testsfailed
    world = bw.BrokerWorld()
    try:
        yield world
    finally:
        world.close()
        if request.session.testsfailed == failed_before:
            shutil.rmtree(world.workdir, ignore_errors=True)
        else:
            print(f"\nbrokering logs kept in {world.workdir}")


@pytest.fixture(params=bw.PROXY_NAMES)
def via(request, broker) -> h.Proxy:
    return broker.proxy(request.param)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def audit_records(broker: bw.BrokerWorld) -> list[dict]:
    return broker.authz.audit_records()


def audit_mark(broker: bw.BrokerWorld) -> int:
    """The number of audit records once the (asynchronous) writer has been quiet for 0.3 s."""
    count, since = len(audit_records(broker)), time.monotonic()
    deadline = since + 5
    while time.monotonic() - since < 0.3 and time.monotonic() < deadline:
        time.sleep(0.05)
        now = len(audit_records(broker))
        if now != count:
            count, since = now, time.monotonic()
    return count


def settled_audit(broker: bw.BrokerWorld, at_least: int) -> list[dict]:
    h.wait_for(lambda: len(audit_records(broker)) >= at_least, timeout=5)
    return audit_records(broker)


def capture_signatures(client) -> list[str]:
    """The Authorization header of every request the client sends (its own, virtual-key signature)."""
    seen: list[str] = []
    client.meta.events.register("before-send",
                                lambda request, **_: seen.append(request.headers["Authorization"].decode()))
    return seen


def aws_cli(broker: bw.BrokerWorld, proxy: h.Proxy, creds: h.Creds, *args: str) -> subprocess.CompletedProcess:
    env = h.cli_env(proxy, creds.key, creds.secret, creds.token)
    service = args[0] if args[0] != "s3api" else "s3"
    return subprocess.run([h.tool("aws"), *args, "--endpoint-url", proxy.endpoint(service, bw.REGION),
                           "--output", "json"], env=env, capture_output=True, text=True, timeout=120)


def assert_re_signed(broker: bw.BrokerWorld, records: list[dict], *, s3: bool) -> None:
    """Every request moto received carries the role's key id and session token, never the virtual key;
    S3 requests addressing a bucket carry x-amz-expected-bucket-owner, signed."""
    role = broker.role
    assert records, "nothing reached moto"
    for record in records:
        headers = record["headers"]
        authorization = headers.get("authorization", "")
        assert bw.key_id_of(authorization) == role.access_key_id, record
        assert role.access_key_id.startswith("ASIA")
        assert headers.get("x-amz-security-token") == role.session_token, record
        signed = bw.signed_headers_of(authorization)
        assert "x-amz-security-token" in signed and "x-amz-date" in signed, signed
        if s3:
            assert "x-amz-content-sha256" in signed, signed
            assert headers.get("x-amz-expected-bucket-owner") == bw.ACCOUNT, record
            assert "x-amz-expected-bucket-owner" in signed, signed
        assert broker.key_id not in json.dumps(record), record


def assert_denied(broker: bw.BrokerWorld, call, service: str, reason: str, message: str | None = None,
                  brokered: bool = False) -> dict:
    """`call` raises the SDK's AccessDenied with sigv4-authz's sentence; the audit says `reason` (and,
    `brokered`, the role); nothing reaches moto. Returns the audit record."""
    before_upstream = broker.aws.count()
    before_audit = audit_mark(broker)
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403, error
    assert error["Error"]["Code"] == DENY_CODE[service], error
    assert error["Error"]["Message"].startswith("sigv4-authz: "), error
    if message is not None:
        assert message in error["Error"]["Message"], error
    records = settled_audit(broker, before_audit + 1)[before_audit:]
    assert [(r["decision"], r["reason"]) for r in records] == [("deny", reason)], records
    if brokered:
        assert (records[0]["aws"].get("brokered"), records[0]["aws"].get("role")) == (True, bw.ROLE_ARN), records
    time.sleep(0.2)  # anything forwarded by mistake would have arrived by now
    assert broker.records_since(before_upstream) == []
    return records[0]


# ---------------------------------------------------------------------------------------------
# Tests that start sigv4-authz again come first: each start makes a new AssumeRole, whose credentials
# BrokerWorld.learn_role reads from moto's /moto-api/data.json, and moto 5.2.1 answers that with a 500
# once any multipart upload has had parts (the S3 test below makes one).


# ---------------------------------------------------------------------------------------------
# STS down: fail closed, then recover without a restart


def test_sts_down_fails_closed_broker_unavailable_then_recovers(broker):
    """A second sigv4-authz, on the main one's ports (the proxies reach it unchanged), whose STS
    endpoint is a closed port: every brokered request is denied broker_unavailable, nothing reaches
    moto, and the failed calls are counted `unreachable`. Then STS comes back (a relay to moto opens on
    that port): the retry (1, 2, 4 … s) gets the role's credentials and the same requests go through,
    without a restart. The main sigv4-authz is started again after."""
    proxies = [broker.proxy(name) for name in bw.PROXY_NAMES]
    relay = bw.TcpRelay(h.free_port(), (broker.aws.address, 80))
    down_dir = broker.workdir / "sts-down"
    (down_dir / "logs").mkdir(parents=True)
    down = bw.BrokerAuthz(down_dir, http_port=broker.authz.http_port, grpc_port=broker.authz.grpc_port,
                          admin_port=broker.authz.admin_port, key_id=broker.key_id, name="sigv4-authz-sts-down",
                          env=broker.authz_env(sts_endpoint=f"http://127.0.0.1:{relay.port}"))
    key = f"{unique('sts-down')}.txt"
    h.client(proxies[0], "s3", broker.virtual, addressing_style="path").put_object(
        Bucket=bw.BUCKET, Key=key, Body=b"after the outage")
    broker.authz.stop()
    try:
        down.start()
        broker._track(down.proc)
        assert h.wait_for(lambda: down.sts_calls().get("unreachable", 0) >= 1, timeout=15), down.metrics()
        before_upstream = broker.aws.count()
        for proxy in proxies:
            s3 = h.client(proxy, "s3", broker.virtual, addressing_style="path")
            with pytest.raises(ClientError) as caught:
                s3.get_object(Bucket=bw.BUCKET, Key=key)
            error = caught.value.response
            assert error["ResponseMetadata"]["HTTPStatusCode"] == 403, (proxy.name, error)
            assert error["Error"]["Code"] == "AccessDenied", (proxy.name, error)
            assert error["Error"]["Message"] == (
                f"sigv4-authz: the credentials of {bw.ROLE_ARN} are not available (sts:AssumeRole has not "
                "answered or has failed); the request is not forwarded"), (proxy.name, error)
        h.wait_for(lambda: len(down.audit_records()) >= len(proxies), timeout=5)
        records = down.audit_records()
        assert [(r["decision"], r["reason"], r["aws"].get("brokered"), r["aws"].get("role")) for r in records] == \
            [("deny", "broker_unavailable", True, bw.ROLE_ARN)] * len(proxies), records
        time.sleep(0.2)
        assert broker.records_since(before_upstream) == []
        calls = down.sts_calls()
        assert calls.get("unreachable", 0) >= 1 and "ok" not in calls, calls

        # STS is back: the next retry succeeds; nothing restarted.
        relay.open()
        started = time.monotonic()
        assert h.wait_for(lambda: down.sts_calls().get("ok", 0) >= 1, timeout=40), down.sts_calls()
        print(f"\nfigure: brokering recovered {time.monotonic() - started:.1f}s after STS came back "
              f"(sts calls {down.sts_calls()})")
        for proxy in proxies:
            got = h.client(proxy, "s3", broker.virtual, addressing_style="path").get_object(Bucket=bw.BUCKET, Key=key)
            assert got["Body"].read() == b"after the outage", proxy.name
    finally:
        down.stop()
        relay.close()
        broker.start_authz()


# ---------------------------------------------------------------------------------------------
# Concurrency right after start


def test_concurrent_requests_right_after_start_share_one_assume_role(broker):
    proxies = [broker.proxy(name) for name in bw.PROXY_NAMES]
    clients = [h.client(p, "s3", broker.virtual, addressing_style="path",
                        max_pool_connections=20) for p in proxies]
    key = f"{unique('concurrent')}.txt"
    clients[0].put_object(Bucket=bw.BUCKET, Key=key, Body=b"fifty")
    audit_before = audit_mark(broker)
    broker.authz.stop()
    mark = broker.aws.count()
    broker.authz.start()                # returns at /readyz: the requests go at once
    ready_at = time.monotonic()

    def get(index: int) -> str:
        try:
            return clients[index % len(clients)].get_object(Bucket=bw.BUCKET, Key=key)["Body"].read().decode()
        except ClientError as error:
            return f"{error.response['Error']['Code']}: {error.response['Error']['Message']}"

    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(get, range(50)))
    elapsed = time.monotonic() - ready_at
    broker.learn_role()
    print(f"\nfigure: 50 concurrent brokered GETs right after /readyz took {elapsed:.2f}s; "
          f"outcomes {sorted(set(results))}")
    assert results == ["fifty"] * 50, results
    audited = settled_audit(broker, audit_before + 50)[audit_before:]
    assert [(r["decision"], r["aws"].get("role")) for r in audited] == [("allow", bw.ROLE_ARN)] * 50
    latencies = sorted(r["latency_us"] for r in audited)
    print(f"figure: sigv4-authz latency of those 50 brokered checks (audit latency_us): "
          f"p50 {latencies[24]} us, max {latencies[-1]} us")
    calls = broker.assume_role_calls_since(mark)
    assert len(calls) == 1, calls
    assert broker.authz.sts_calls() == {"ok": 1.0}
    assert {bw.key_id_of(r["headers"]["authorization"]) for r in broker.records_since(mark)
            if r["host"].startswith("s3.")} == {broker.role.access_key_id}


# ---------------------------------------------------------------------------------------------
# Reload: a virtual key added and removed without a restart


def test_reload_adds_and_removes_a_virtual_key_and_its_role(broker):
    """SIGHUP with a second virtual key (another role) appended: sigv4-authz assumes the new role at
    once and the key works through every proxy, signed as that role; the first role's credentials are
    kept (no new AssumeRole for it). SIGHUP with the entry removed: the key is no longer brokered."""
    proxies = [broker.proxy(name) for name in bw.PROXY_NAMES]
    authz = broker.authz
    original = authz.config.read_text()
    entry = (f"    - access_key_id: {broker.second.key}\n"
             f"      secret_env: {bw.SECOND_SECRET_ENV}\n"
             f"      role: \"arn:aws:iam::{{account}}:role/{bw.SECOND_ROLE_NAME}\"\n")
    anchor = "      session_name: e2e-brokered-session\n"
    assert anchor in original
    mark = broker.aws.count()
    try:
        authz.config.write_text(original.replace(anchor, anchor + entry))
        authz.proc.popen.send_signal(signal.SIGHUP)
        assert h.wait_for(lambda: authz.sts_calls().get("ok", 0) >= 2, timeout=15), authz.sts_calls()
        calls = broker.assume_role_calls_since(mark)
        assert len(calls) == 1, calls   # the new role's only
        identity = h.client(proxies[0], "sts", broker.second).get_caller_identity()
        assert identity["Arn"] == f"arn:aws:sts::{bw.ACCOUNT}:assumed-role/{bw.SECOND_ROLE_NAME}/" \
                                  f"sigv4-authz-{broker.second.key}", identity
        for proxy in proxies:
            before = broker.aws.count()
            s3 = h.client(proxy, "s3", broker.second, addressing_style="path")
            s3.put_object(Bucket=bw.BUCKET, Key=f"{unique(proxy.name)}-second.txt", Body=b"second role")
            [record] = broker.records_since(before)
            second_key = bw.key_id_of(record["headers"]["authorization"])
            assert second_key.startswith("ASIA") and second_key != broker.role.access_key_id, record
            assert broker.second.key not in json.dumps(record), record
        # The first key is unaffected by the reload: still signed with the same role credentials.
        before = broker.aws.count()
        h.client(proxies[0], "s3", broker.virtual, addressing_style="path").list_objects_v2(Bucket=bw.BUCKET)
        assert_re_signed(broker, broker.records_since(before), s3=True)

        authz.config.write_text(original)
        authz.proc.popen.send_signal(signal.SIGHUP)
        sts = h.client(proxies[0], "sts", broker.second)

        def still_brokered() -> bool:
            before = audit_mark(broker)
            try:
                sts.get_caller_identity()
            except ClientError:
                pass
            return settled_audit(broker, before + 1)[before]["aws"].get("brokered", False)

        assert h.wait_for(lambda: not still_brokered(), timeout=10)
    finally:
        authz.config.write_text(original)
        authz.proc.popen.send_signal(signal.SIGHUP)


def test_a_role_sts_refuses_is_denied_broker_unavailable_and_other_roles_keep_working(broker):
    """A reload adds a virtual key whose role sigv4-authz's identity may not assume: STS (moto) refuses
    the AssumeRole (counted `refused`), that key's requests are denied broker_unavailable naming its
    role, and the first key, whose role is fine, goes on being signed with its credentials."""
    via = broker.proxy("envoy-grpc")
    authz = broker.authz
    original = authz.config.read_text()
    forbidden = f"arn:aws:iam::{bw.ACCOUNT}:role/e2e-not-assumable"
    anchor = "      session_name: e2e-brokered-session\n"
    entry = (f"    - access_key_id: {broker.second.key}\n"
             f"      secret_env: {bw.SECOND_SECRET_ENV}\n"
             f"      role: \"arn:aws:iam::{{account}}:role/e2e-not-assumable\"\n")
    refused_before = authz.sts_calls().get("refused", 0)
    try:
        authz.config.write_text(original.replace(anchor, anchor + entry))
        authz.proc.popen.send_signal(signal.SIGHUP)
        assert h.wait_for(lambda: authz.sts_calls().get("refused", 0) > refused_before, timeout=15), \
            authz.sts_calls()
        s3 = h.client(via, "s3", broker.second, addressing_style="path")
        record = assert_denied(broker, lambda: s3.get_object(Bucket=bw.BUCKET, Key="anything"), "s3",
                               "broker_unavailable", f"the credentials of {forbidden} are not available")
        assert record["aws"].get("role") == forbidden, record
        mark = broker.aws.count()
        h.client(via, "s3", broker.virtual, addressing_style="path").list_objects_v2(Bucket=bw.BUCKET)
        assert_re_signed(broker, broker.records_since(mark), s3=True)
        assert "ok" in authz.sts_calls()
    finally:
        authz.config.write_text(original)
        authz.proc.popen.send_signal(signal.SIGHUP)


# ---------------------------------------------------------------------------------------------
# S3


def test_s3_operations_are_re_signed_as_the_role_and_accepted_by_moto(broker, via):
    s3 = h.client(via, "s3", broker.virtual, addressing_style="path")
    prefix = unique(via.name)
    mark = broker.aws.count()
    before_audit = audit_mark(broker)

    s3.put_object(Bucket=bw.BUCKET, Key=f"{prefix}/put.txt", Body=b"brokered put")
    assert s3.get_object(Bucket=bw.BUCKET, Key=f"{prefix}/put.txt")["Body"].read() == b"brokered put"
    # A multipart upload: two parts (the first at S3's 5 MiB minimum), larger than Envoy's 256 KiB
    # check buffer; S3's payload hash is the client's, so the body is not needed.
    part1, part2 = b"a" * (5 * 1024 * 1024), b"tail of the upload"
    upload = s3.create_multipart_upload(Bucket=bw.BUCKET, Key=f"{prefix}/multipart.bin")["UploadId"]
    etags = [s3.upload_part(Bucket=bw.BUCKET, Key=f"{prefix}/multipart.bin", UploadId=upload, PartNumber=n,
                            Body=body)["ETag"] for n, body in ((1, part1), (2, part2))]
    s3.complete_multipart_upload(Bucket=bw.BUCKET, Key=f"{prefix}/multipart.bin", UploadId=upload,
                                 MultipartUpload={"Parts": [{"ETag": e, "PartNumber": n + 1}
                                                            for n, e in enumerate(etags)]})
    s3.copy_object(Bucket=bw.BUCKET, Key=f"{prefix}/copy.txt", CopySource={"Bucket": bw.BUCKET, "Key": f"{prefix}/put.txt"})
    # The prefix has no "/": moto 5.2.1's server decodes %2F in the query before it recomputes the
    # signature, and refuses such a ListObjectsV2 even from boto3 directly (its limit, not ours).
    listed = s3.list_objects_v2(Bucket=bw.BUCKET, Prefix=prefix)
    assert sorted(o["Key"] for o in listed["Contents"]) == [f"{prefix}/copy.txt", f"{prefix}/multipart.bin",
                                                           f"{prefix}/put.txt"]
    records = broker.records_since(mark)
    assert [(r["method"]) for r in records] == ["PUT", "GET", "POST", "PUT", "PUT", "POST", "PUT", "GET"], records
    assert_re_signed(broker, records, s3=True)
    # moto's own state, read directly with the admin user: the objects are there as uploaded.
    admin = broker.direct("s3", broker.admin_key, broker.admin_secret)
    assert admin.get_object(Bucket=bw.BUCKET, Key=f"{prefix}/multipart.bin")["Body"].read() == part1 + part2
    assert admin.get_object(Bucket=bw.BUCKET, Key=f"{prefix}/copy.txt")["Body"].read() == b"brokered put"

    audited = settled_audit(broker, before_audit + 8)[before_audit:]
    assert [(r["decision"], r["reason"], r["aws"].get("brokered"), r["aws"].get("role")) for r in audited] == \
        [("allow", "allowed", True, bw.ROLE_ARN)] * 8, audited
    assert {r["aws"]["access_key_id"] for r in audited} == {broker.key_id}
    assert {r["aws"]["account"] for r in audited} == {bw.ACCOUNT}


def test_s3_virtual_hosted_create_bucket_and_list_buckets(broker, via):
    """The bucket in the Host (virtual-hosted style) is pinned to the role's account too; CreateBucket
    and ListBuckets address no existing bucket and carry no x-amz-expected-bucket-owner."""
    s3 = h.client(via, "s3", broker.virtual, addressing_style="virtual")
    bucket = unique(f"e2e-{via.name}")
    mark = broker.aws.count()
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="hosted.txt", Body=b"virtual-hosted, brokered")
    assert s3.get_object(Bucket=bucket, Key="hosted.txt")["Body"].read() == b"virtual-hosted, brokered"
    assert bucket in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    records = broker.records_since(mark)
    assert [(r["method"], r["host"].split(".")[0] == bucket) for r in records] == \
        [("PUT", True), ("PUT", True), ("GET", True), ("GET", False)], records
    assert_re_signed(broker, records[1:3], s3=True)
    for record in (records[0], records[3]):  # CreateBucket, ListBuckets
        assert bw.key_id_of(record["headers"]["authorization"]) == broker.role.access_key_id, record
        assert "x-amz-expected-bucket-owner" not in record["headers"], record


@pytest.mark.parametrize("gateway", ["envoy-egress-tls", "nginx-tls"])
def test_s3_over_https_through_the_tls_gateways(broker, gateway, tmp_path):
    """Over HTTPS the SDKs send S3 uploads as aws-chunked with an unsigned payload and a checksum
    trailer (x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER): the marker is signed again as
    it is, the body goes through untouched, and moto accepts it. Through the TLS egress gateways
    (Envoy gRPC, nginx-tls), the AWS names resolving to the gateway."""
    proxy = broker.proxy(gateway)
    key = f"{unique(gateway)}/https.bin"
    data = b"over https, brokered " * 1000
    body = tmp_path / "body.bin"
    body.write_bytes(data)
    mark = broker.aws.count()
    with h.dns_override(proxy.gateway_address):
        s3 = h.client(proxy, "s3", broker.virtual, addressing_style="path")
        s3.put_object(Bucket=bw.BUCKET, Key=key, Body=data)
        assert s3.get_object(Bucket=bw.BUCKET, Key=key)["Body"].read() == data
    cli = subprocess.run([h.tool("aws"), "s3", "cp", str(body), f"s3://{bw.BUCKET}/{key}.cli"],
                         env=h.cli_env(proxy, broker.virtual.key, broker.virtual.secret),
                         capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    records = broker.records_since(mark)
    assert [r["method"] for r in records] == ["PUT", "GET", "PUT"], records
    assert [r["headers"].get("x-amz-content-sha256") for r in records] == \
        ["STREAMING-UNSIGNED-PAYLOAD-TRAILER", EMPTY_SHA256, "STREAMING-UNSIGNED-PAYLOAD-TRAILER"], records
    assert_re_signed(broker, records, s3=True)
    admin = broker.direct("s3", broker.admin_key, broker.admin_secret)
    assert admin.get_object(Bucket=bw.BUCKET, Key=f"{key}.cli")["Body"].read() == data


def test_s3_through_the_aws_cli(broker, via, tmp_path):
    key = f"{unique(via.name)}/cli.txt"
    body = tmp_path / "body.txt"
    body.write_text("from the aws cli, brokered")
    mark = broker.aws.count()
    put = aws_cli(broker, via, broker.virtual, "s3api", "put-object", "--bucket", bw.BUCKET, "--key", key,
                  "--body", str(body))
    assert put.returncode == 0, put.stderr
    out = tmp_path / "out.txt"
    got = aws_cli(broker, via, broker.virtual, "s3", "cp", f"s3://{bw.BUCKET}/{key}", str(out))
    assert got.returncode == 0, got.stderr
    assert out.read_text() == "from the aws cli, brokered"
    assert_re_signed(broker, broker.records_since(mark), s3=True)


# ---------------------------------------------------------------------------------------------
# STS, DynamoDB, SQS: bodies Envoy passes and nginx does not


def test_sts_get_caller_identity_is_the_assumed_role(broker, via):
    sts = h.client(via, "sts", broker.virtual)
    if via.name == "nginx":
        assert_denied(broker, sts.get_caller_identity, "sts", "not_resignable", NEEDS_BODY.format(key=broker.key_id, service="sts"),
                      brokered=True)
        return
    mark = broker.aws.count()
    identity = sts.get_caller_identity()
    assert identity["Arn"] == bw.ASSUMED_ARN, identity
    assert identity["Account"] == bw.ACCOUNT
    assert_re_signed(broker, broker.records_since(mark), s3=False)
    who = aws_cli(broker, via, broker.virtual, "sts", "get-caller-identity")
    assert who.returncode == 0, who.stderr
    assert json.loads(who.stdout)["Arn"] == bw.ASSUMED_ARN


def test_dynamodb_put_and_get_item(broker, via):
    ddb = h.client(via, "dynamodb", broker.virtual)
    item_id = unique(via.name)
    put = lambda: ddb.put_item(TableName=bw.TABLE, Item={"id": {"S": item_id}, "v": {"S": "brokered"}})  # noqa: E731
    if via.name == "nginx":
        assert_denied(broker, put, "dynamodb", "not_resignable", NEEDS_BODY.format(key=broker.key_id, service="dynamodb"),
                      brokered=True)
        return
    mark = broker.aws.count()
    put()
    item = ddb.get_item(TableName=bw.TABLE, Key={"id": {"S": item_id}})["Item"]
    assert item["v"]["S"] == "brokered"
    records = broker.records_since(mark)
    assert len(records) == 2, records
    assert_re_signed(broker, records, s3=False)
    admin = broker.direct("dynamodb", broker.admin_key, broker.admin_secret)
    assert admin.get_item(TableName=bw.TABLE, Key={"id": {"S": item_id}})["Item"]["v"]["S"] == "brokered"


def test_sqs_send_message(broker, via):
    sqs = h.client(via, "sqs", broker.virtual)
    url = f"{via.endpoint('sqs', bw.REGION)}/{bw.ACCOUNT}/{bw.QUEUE}"
    body = unique(via.name)
    send = lambda: sqs.send_message(QueueUrl=url, MessageBody=body)  # noqa: E731
    if via.name == "nginx":
        assert_denied(broker, send, "sqs", "not_resignable", NEEDS_BODY.format(key=broker.key_id, service="sqs"),
                      brokered=True)
        return
    mark = broker.aws.count()
    send()
    assert_re_signed(broker, broker.records_since(mark), s3=False)
    admin = broker.direct("sqs", broker.admin_key, broker.admin_secret)
    received = admin.receive_message(QueueUrl=broker.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    assert body in [m["Body"] for m in received.get("Messages", [])], received


def test_sqs_send_message_in_the_query_protocol(broker, via):
    """Older SDKs send SQS as the query protocol: Action=SendMessage in a form body (boto3 1.43 sends
    JSON). Signed here with botocore's SigV4Auth; through Envoy the form body is hashed and signed again
    and moto (which still speaks the query protocol) verifies it; nginx: not_resignable."""
    import requests
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    message = unique(via.name)
    body = urlencode({"Action": "SendMessage", "Version": "2012-11-05", "MessageBody": message,
                      "QueueUrl": f"https://sqs.us-east-1.amazonaws.com/{bw.ACCOUNT}/{bw.QUEUE}"})
    url = f"{via.endpoint('sqs', bw.REGION)}/"
    request = AWSRequest(method="POST", url=url, data=body, headers={
        "content-type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(broker.key_id, broker.secret), "sqs", bw.REGION).add_auth(request)
    before_upstream = broker.aws.count()
    before_audit = audit_mark(broker)
    response = requests.post(url, data=body, headers=dict(request.headers.items()), timeout=30,
                             proxies={"http": via.forward_proxy, "https": None})
    records = settled_audit(broker, before_audit + 1)[before_audit:]
    if via.name == "nginx":
        assert response.status_code == 403, response.text
        assert [(r["decision"], r["reason"]) for r in records] == [("deny", "not_resignable")], records
        time.sleep(0.2)
        assert broker.records_since(before_upstream) == []
        return
    assert response.status_code == 200, response.text
    assert [(r["decision"], r["aws"]["action"], r["aws"].get("role")) for r in records] == \
        [("allow", "sqs:SendMessage", bw.ROLE_ARN)], records
    assert_re_signed(broker, broker.records_since(before_upstream), s3=False)
    admin = broker.direct("sqs", broker.admin_key, broker.admin_secret)
    received = admin.receive_message(QueueUrl=broker.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    assert message in [m["Body"] for m in received.get("Messages", [])], received


@pytest.mark.parametrize("envoy", ["envoy-grpc", "envoy-http"])   # nginx passes no body at all (above)
def test_dynamodb_body_larger_than_the_check_buffer_fails_closed(broker, envoy):
    """Envoy passes at most 256 KiB of the body (with_request_body, allow_partial_message): a 300 KB
    PutItem reaches sigv4-authz cut short, so neither the virtual key's signature nor a new one can be
    computed. Denied not_resignable (the request cannot be brokered through this proxy, as through
    nginx), with a sentence about the body; nothing reaches moto."""
    via = broker.proxy(envoy)
    ddb = h.client(via, "dynamodb", broker.virtual)
    item = {"id": {"S": unique(via.name)}, "blob": {"S": "x" * 300_000}}
    record = assert_denied(broker, lambda: ddb.put_item(TableName=bw.TABLE, Item=item), "dynamodb",
                           "not_resignable", NEEDS_BODY.format(key=broker.key_id, service="dynamodb"),
                           brokered=True)
    assert record["aws"]["service"] == "dynamodb", record


def test_put_whose_signature_covers_content_length(broker, via):
    """The Go (v2), JavaScript (v3) and Java SDKs sign Content-Length on requests with a body (botocore
    does not). Such a PutObject of a virtual key must be verified and signed again through every proxy,
    as boto3's is. Signed here with botocore's SigV4Auth over a request that has Content-Length."""
    import requests
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = b"content-length signed, as the Go, JavaScript and Java SDKs do"
    url = f"{via.endpoint('s3', bw.REGION)}/{bw.BUCKET}/{unique(via.name)}-length.txt"
    request = AWSRequest(method="PUT", url=url, data=body, headers={
        "x-amz-content-sha256": hashlib.sha256(body).hexdigest(), "content-length": str(len(body))})
    SigV4Auth(Credentials(broker.key_id, broker.secret), "s3", bw.REGION).add_auth(request)
    assert "content-length" in bw.signed_headers_of(request.headers["Authorization"])
    mark = broker.aws.count()
    response = requests.put(url, data=body, headers=dict(request.headers.items()), timeout=30,
                            proxies={"http": via.forward_proxy, "https": None})
    assert response.status_code == 200, response.text
    assert_re_signed(broker, broker.records_since(mark), s3=True)


def test_signed_aws_chunked_upload_is_not_resignable(broker, via):
    """A signed aws-chunked upload (x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD, what the
    AWS SDK for Java sends by default over HTTP) carries chunk signatures chained to the client's
    signature: denied not_resignable with the sentence naming the SDK setting; nothing reaches moto.
    botocore never sends one, so the request is signed here (SigV4Auth keeps the header's payload
    marker) and sent with requests through the proxy."""
    import requests
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    payload = b"chunked and signed"
    zeros = "0" * 64
    body = (f"{len(payload):x};chunk-signature={zeros}\r\n".encode() + payload
            + f"\r\n0;chunk-signature={zeros}\r\n\r\n".encode())
    url = f"{via.endpoint('s3', bw.REGION)}/{bw.BUCKET}/{unique(via.name)}-chunked.bin"
    request = AWSRequest(method="PUT", url=url, data=body, headers={
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": str(len(payload))})   # content-length unsigned: requests sets it
    SigV4Auth(Credentials(broker.key_id, broker.secret), "s3", bw.REGION).add_auth(request)
    before_upstream = broker.aws.count()
    before_audit = audit_mark(broker)
    response = requests.put(url, data=body, headers=dict(request.headers.items()), timeout=30,
                            proxies={"http": via.forward_proxy, "https": None})
    assert response.status_code == 403, response.text
    assert ("a signed aws-chunked upload (x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD) carries "
            "chunk signatures chained to the client") in response.text.replace("&apos;", "'"), response.text
    assert "chunkedEncodingEnabled(false)" in response.text, response.text
    records = settled_audit(broker, before_audit + 1)[before_audit:]
    assert [(r["decision"], r["reason"], r["aws"]["signature"], r["aws"].get("role")) for r in records] == \
        [("deny", "not_resignable", "verified", bw.ROLE_ARN)], records
    time.sleep(0.2)
    assert broker.records_since(before_upstream) == []


def test_client_session_token_is_replaced_not_added(broker, via):
    """A client that sends a session token of its own with the virtual key (an ASIA-style profile):
    AWS must receive exactly one X-Amz-Security-Token, the role's (moto refuses any other)."""
    creds = h.Creds("virtual-with-token", broker.key_id, broker.secret, "client-session-token-" + "t" * 40,
                    bw.ACCOUNT)
    s3 = h.client(via, "s3", creds, addressing_style="path")
    key = f"{unique(via.name)}-token.txt"
    mark = broker.aws.count()
    s3.put_object(Bucket=bw.BUCKET, Key=key, Body=b"token replaced")
    assert s3.get_object(Bucket=bw.BUCKET, Key=key)["Body"].read() == b"token replaced"
    records = broker.records_since(mark)
    assert_re_signed(broker, records, s3=True)
    assert all("client-session-token" not in json.dumps(r) for r in records), records


# ---------------------------------------------------------------------------------------------
# A wrong virtual secret


def test_wrong_virtual_secret_denied_before_any_aws_call(broker, via):
    wrong = h.Creds("virtual-wrong", broker.key_id, "x" * 40, None, bw.ACCOUNT)
    s3 = h.client(via, "s3", wrong, addressing_style="path")
    sts_calls = broker.authz.sts_calls()
    record = assert_denied(broker, lambda: s3.get_object(Bucket=bw.BUCKET, Key="anything"), "s3",
                           "signature_mismatch")
    assert record["aws"]["signature"] == "mismatch", record
    assert "brokered" not in record["aws"], record
    assert broker.authz.sts_calls() == sts_calls


# ---------------------------------------------------------------------------------------------
# The audit record and the logs: brokered, the role, and no secret


def test_audit_and_log_hold_no_secret_token_or_signature(broker, via):
    s3 = h.client(via, "s3", broker.virtual, addressing_style="path")
    client_auth = capture_signatures(s3)
    key = f"{unique(via.name)}/audited.txt"
    mark = broker.aws.count()
    before_audit = audit_mark(broker)
    put = s3.put_object(Bucket=bw.BUCKET, Key=key, Body=b"audited")
    got = s3.get_object(Bucket=bw.BUCKET, Key=key)
    assert got["Body"].read() == b"audited"
    with pytest.raises(ClientError) as caught:
        s3.delete_object(Bucket=bw.BUCKET, Key=key)                      # denied by rule, still brokered
    client_saw = [r["ResponseMetadata"]["HTTPHeaders"] for r in (put, got, caught.value.response)]
    records = settled_audit(broker, before_audit + 3)[before_audit:]
    assert [(r["decision"], r["reason"], r["aws"].get("brokered"), r["aws"].get("role")) for r in records] == [
        ("allow", "allowed", True, bw.ROLE_ARN), ("allow", "allowed", True, bw.ROLE_ARN),
        ("deny", "denied_by_rule", True, bw.ROLE_ARN)], records

    role = broker.role
    upstream = broker.records_since(mark)
    assert len(upstream) == 2 and len(client_auth) == 3, (upstream, client_auth)
    secrets = {
        "the role's secret": role.secret_access_key,
        "the role's session token": role.session_token,
        "the virtual key's secret": broker.secret,
        **{f"the client's signature {n}": bw.signature_of(a) for n, a in enumerate(client_auth)},
        **{f"the upstream signature {n}": bw.signature_of(r["headers"]["authorization"])
           for n, r in enumerate(upstream)},
    }
    audit = bw.read_text(broker.authz.audit)
    log = bw.read_text(broker.authz.proc.log)
    for what, value in secrets.items():
        assert value not in audit, f"{what} is in the audit file"
        assert value not in log, f"{what} is in sigv4-authz's log"
    # The client never sees the new signature's headers (they go upstream only).
    for headers in client_saw:
        assert not {"authorization", "x-amz-security-token"} & set(headers), headers
        for what, value in secrets.items():
            assert value not in json.dumps(headers), f"{what} is in a response to the client"
    # The proxies' own logs, with the shipped log formats: the new headers are not logged either.
    for path in (broker.workdir / "logs").glob("*"):
        text = bw.read_text(path) if path.is_file() else ""
        for what, value in secrets.items():
            if what.startswith("the client's signature"):
                continue  # the client's own header as the client sent it; not ours to judge here
            assert value not in text, f"{what} is in {path.name}"


# ---------------------------------------------------------------------------------------------
# Presigned URLs


def sigv4_query_signature(record: dict, secret: str) -> str:
    """The oracle: the SigV4 query signature of the request moto received (without its
    X-Amz-Signature), computed here from the SigV4 specification with `secret`."""
    path, _, query = record["path"].partition("?")
    params = [tuple(unquote(part) for part in pair.partition("=")[::2]) for pair in query.split("&")]
    values = dict(params)
    canonical_query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
                               for k, v in sorted(params) if k != "X-Amz-Signature")
    signed = values["X-Amz-SignedHeaders"].split(";")
    canonical_headers = "".join(f"{name}:{record['headers'][name].strip()}\n" for name in signed)
    canonical = "\n".join([record["method"], path, canonical_query, canonical_headers, ";".join(signed),
                           "UNSIGNED-PAYLOAD"])
    key_id, date, region, service, terminator = values["X-Amz-Credential"].split("/")
    scope = f"{date}/{region}/{service}/{terminator}"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", values["X-Amz-Date"], scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    signing_key = ("AWS4" + secret).encode()
    for part in (date, region, service, terminator):
        signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
    return hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()


def test_presigned_get_with_a_virtual_key(broker, via):
    """Envoy gRPC rewrites the query (the new signature in query_parameters_to_set): the URL reaches
    moto signed as the role. Envoy HTTP mode and nginx cannot rewrite a query: not_resignable."""
    s3 = h.client(via, "s3", broker.virtual, addressing_style="path")
    key = f"{unique(via.name)}-presigned.txt"
    s3.put_object(Bucket=bw.BUCKET, Key=key, Body=b"presigned, brokered")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bw.BUCKET, "Key": key}, ExpiresIn=300)
    assert f"X-Amz-Credential={broker.key_id}%2F" in url
    client_signature = parse_qs(urlsplit(url).query)["X-Amz-Signature"][0]
    before_upstream = broker.aws.count()
    before_audit = audit_mark(broker)
    if via.name != "envoy-grpc":
        response = h.http_get(via, url)
        assert response.status_code == 403, response.text
        assert "<Code>AccessDenied</Code>" in response.text
        assert ("a presigned URL&apos;s signature is in its query, which only Envoy&apos;s gRPC mode can rewrite"
                in response.text or
                "a presigned URL's signature is in its query, which only Envoy's gRPC mode can rewrite"
                in response.text), response.text
        records = settled_audit(broker, before_audit + 1)[before_audit:]
        assert [(r["decision"], r["reason"], r["aws"]["auth"], r["aws"].get("role")) for r in records] == \
            [("deny", "not_resignable", "presigned", bw.ROLE_ARN)], records
        time.sleep(0.2)
        assert broker.records_since(before_upstream) == []
        return

    # moto 5.2.1 authenticates only requests with an Authorization header (a query-signed one gets a
    # 500 while authentication is on): it is suspended for this request, and the signature moto
    # received is checked here instead, against the SigV4 oracle with the role's secret.
    broker.set_auth("inf")
    try:
        response = h.http_get(via, url)
    finally:
        broker.set_auth("0")
    assert response.status_code == 200, response.text
    assert response.content == b"presigned, brokered"
    records = broker.records_since(before_upstream)
    assert len(records) == 1, records
    record = records[0]
    query = parse_qs(record["path"].partition("?")[2])
    assert query["X-Amz-Credential"][0].startswith(f"{broker.role.access_key_id}/"), record
    assert query["X-Amz-Security-Token"] == [broker.role.session_token], record
    assert "authorization" not in record["headers"], record
    assert broker.key_id not in json.dumps(record), record
    assert query["X-Amz-Signature"][0] != client_signature
    assert query["X-Amz-Signature"][0] == sigv4_query_signature(record, broker.role.secret_access_key), record
    audited = settled_audit(broker, before_audit + 1)[before_audit:]
    assert [(r["decision"], r["reason"], r["aws"]["auth"], r["aws"].get("brokered"), r["aws"].get("role"))
            for r in audited] == [("allow", "allowed", "presigned", True, bw.ROLE_ARN)], audited


def test_presigned_url_re_signed_keeps_the_bucket_owner_perimeter(broker):
    """docs/brokering.md: every S3 request sigv4-authz signs again that addresses a bucket carries
    x-amz-expected-bucket-owner, signed, so S3 refuses a bucket of another account. A presigned URL
    re-signed in its query (Envoy gRPC) must carry it too: as a header Envoy sets and the new
    signature covers (X-Amz-SignedHeaders), or in the signed query."""
    via = broker.proxy("envoy-grpc")
    s3 = h.client(via, "s3", broker.virtual, addressing_style="path")
    key = f"{unique('perimeter')}-presigned.txt"
    s3.put_object(Bucket=bw.BUCKET, Key=key, Body=b"perimeter")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bw.BUCKET, "Key": key}, ExpiresIn=300)
    before_upstream = broker.aws.count()
    broker.set_auth("inf")  # moto cannot authenticate a query-signed request (see above)
    try:
        response = h.http_get(via, url)
    finally:
        broker.set_auth("0")
    assert response.status_code == 200, response.text
    [record] = broker.records_since(before_upstream)
    query = parse_qs(record["path"].partition("?")[2])
    signed = query["X-Amz-SignedHeaders"][0].split(";")
    in_header = (record["headers"].get("x-amz-expected-bucket-owner") == bw.ACCOUNT
                 and "x-amz-expected-bucket-owner" in signed)
    in_query = query.get("x-amz-expected-bucket-owner") == [bw.ACCOUNT]
    assert in_header or in_query, record


# ---------------------------------------------------------------------------------------------
# The bucket-owner perimeter and the virtual key outside the proxy


def test_a_client_naming_another_bucket_owner_cannot_leave_the_perimeter(broker, via):
    """docs/brokering.md: a request that names an owner itself keeps it only because the policy judged
    it (s3.expected_bucket_owner / s3.bucket_owners allow a partner's bucket). brokering.yaml allows no
    other owner, so a virtual key naming another account's bucket must not reach S3 signed as the role
    (else any client leaves the perimeter by sending one header)."""
    s3 = h.client(via, "s3", broker.virtual, addressing_style="path")
    before_upstream = broker.aws.count()
    outcome = "forwarded"
    try:
        s3.put_object(Bucket=bw.BUCKET, Key=f"{unique(via.name)}-exfiltrated.txt", Body=b"x",
                      ExpectedBucketOwner="999999999999")
    except ClientError as error:
        outcome = f"{error.response['Error']['Code']}: {error.response['Error']['Message']}"
    time.sleep(0.2)
    forwarded = broker.records_since(before_upstream)
    owners = [r["headers"].get("x-amz-expected-bucket-owner") for r in forwarded]
    assert forwarded == [], f"forwarded as the role with x-amz-expected-bucket-owner {owners} ({outcome})"
    assert outcome.startswith("AccessDenied: sigv4-authz: "), outcome
    assert outcome.startswith("AccessDenied: sigv4-authz: the bucket owner 999999999999"), outcome
    records = audit_records(broker)
    assert (records[-1]["decision"], records[-1]["reason"]) == ("deny", "resource_owner_not_allowed"), records[-1]


def test_a_copy_from_another_owner_s_bucket_is_refused_and_from_the_role_s_own_allowed(broker, via):
    """The copy source's owner (x-amz-source-expected-bucket-owner) is held to the perimeter too."""
    s3 = h.client(via, "s3", broker.virtual, addressing_style="path")
    source = f"{unique(via.name)}-source.txt"
    s3.put_object(Bucket=bw.BUCKET, Key=source, Body=b"copy me")
    copy = {"Bucket": bw.BUCKET, "Key": f"{source}.copy", "CopySource": {"Bucket": bw.BUCKET, "Key": source}}
    assert_denied(broker, lambda: s3.copy_object(**copy, ExpectedSourceBucketOwner="999999999999"), "s3",
                  "resource_owner_not_allowed", brokered=True)
    mark = broker.aws.count()
    s3.copy_object(**copy, ExpectedSourceBucketOwner=bw.ACCOUNT)
    [record] = broker.records_since(mark)
    assert record["headers"].get("x-amz-source-expected-bucket-owner") == bw.ACCOUNT, record
    assert "x-amz-source-expected-bucket-owner" in bw.signed_headers_of(record["headers"]["authorization"])
    assert_re_signed(broker, [record], s3=True)


def test_a_partner_listed_in_s3_bucket_owners_is_reachable(broker):
    """docs/brokering.md: list a partner's account in s3.bucket_owners to let brokered requests reach its
    buckets; the client then names it. After a reload with the partner listed, the same request the
    perimeter refused goes through, signed as the role with the partner's owner header (the role's own
    account is still added when the client names none)."""
    via = broker.proxy("envoy-grpc")
    authz = broker.authz
    original = authz.config.read_text()
    s3 = h.client(via, "s3", broker.virtual, addressing_style="path")
    key = f"{unique('partner')}.txt"

    def put_to_partner() -> bool:
        try:
            s3.put_object(Bucket=bw.BUCKET, Key=key, Body=b"partner", ExpectedBucketOwner="999999999999")
            return True
        except ClientError as error:
            assert error.response["Error"]["Message"].startswith("sigv4-authz: the bucket owner 999999999999")
            return False

    try:
        authz.config.write_text(original.replace("default: deny\n",
                                                 "default: deny\n\ns3:\n  bucket_owners: [\"999999999999\"]\n", 1))
        authz.proc.popen.send_signal(signal.SIGHUP)
        mark = broker.aws.count()
        assert h.wait_for(put_to_partner, timeout=10, interval=0.3)
        [record] = broker.records_since(mark)
        assert record["headers"]["x-amz-expected-bucket-owner"] == "999999999999", record
        assert "x-amz-expected-bucket-owner" in bw.signed_headers_of(record["headers"]["authorization"])
        assert bw.key_id_of(record["headers"]["authorization"]) == broker.role.access_key_id
        mark = broker.aws.count()
        s3.put_object(Bucket=bw.BUCKET, Key=key, Body=b"own")
        assert_re_signed(broker, broker.records_since(mark), s3=True)
    finally:
        authz.config.write_text(original)
        authz.proc.popen.send_signal(signal.SIGHUP)
    assert h.wait_for(lambda: not put_to_partner(), timeout=10, interval=0.3)


def test_squid_never_brokers_a_virtual_key(broker):
    """docs/brokering.md: Squid's helper sees only some headers, so a virtual key's signature is never
    verified: denied not_resignable, never forwarded (neither as the client signed it nor as the role)."""
    squid = broker.proxy("squid")
    s3 = h.client(squid, "s3", broker.virtual, addressing_style="path")
    before_upstream = broker.aws.count()
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket=bw.BUCKET, Key="anything")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403, caught.value.response
    records = [json.loads(line) for line in squid.audit.read_text().splitlines() if line.strip()]
    assert [(r["decision"], r["reason"], r["aws"]["signature"]) for r in records] == \
        [("deny", "not_resignable", "not_checked")], records
    time.sleep(0.2)
    assert broker.records_since(before_upstream) == []


def test_the_virtual_key_alone_is_refused_by_aws(broker):
    """Without the proxy a virtual key is nothing to AWS: moto (IAM enforced) does not know it."""
    s3 = broker.direct("s3", broker.key_id, broker.secret)
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket=bw.BUCKET, Key="anything")
    assert caught.value.response["Error"]["Code"] == "InvalidAccessKeyId", caught.value.response
