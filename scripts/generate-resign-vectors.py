#!/usr/bin/env python3
"""Generate re-signing vectors with botocore as the oracle: Tests/OracleVectors/Vectors/resign.json.

Each vector is a request as a client sends it — signed by a real boto3 client with a virtual key
under a frozen clock, captured before it is sent (no network) — and the headers botocore's own signer
(SigV4Auth / S3SigV4Auth) produces when it signs that request again, later, with a role's temporary
credentials, over the headers sigv4-authz signs again (host, content-type, content-md5, every x-amz-*
header but the client's date and session token) plus `x-amz-expected-bucket-owner` when the vector asks
for one. The payload hash is the client's `x-amz-content-sha256` where it sent one, else the SHA-256 of
the body (botocore's rule). The Swift test (Tests/AuthzCoreTests/UpstreamSignerTests.swift) runs
UpstreamSigner on the client request and must produce exactly these headers.

Regenerate from the repository root (botocore and boto3 1.43.11, as the e2e venv has them):

    .cache/e2e-venv/bin/python scripts/generate-resign-vectors.py

Deterministic: frozen clocks, fixed keys, no randomness, sorted keys.
"""

import base64
import datetime
import hashlib
import json
import os
import sys
from contextlib import contextmanager
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

import boto3
import botocore
import botocore.auth
import botocore.compat
import botocore.signers
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "OracleVectors", "Vectors", "resign.json")
CLIENT_TIME = datetime.datetime(2026, 3, 14, 9, 26, 53)
RESIGN_TIME = datetime.datetime(2026, 3, 14, 9, 27, 5)
# A virtual key (derives to 123456789012) and the role's temporary credentials.
CLIENT = Credentials("AKIARZPUZDIKGWNFC7AD", "vIrTuAlSeCrEt/K7MDENG/bPxRfiCYEXAMPLEKEY")
ROLE = Credentials(
    "ASIAR5FOWOULMEXAMPLE",
    "rOlEsEcReT/K7MDENG/bPxRfiCYEXAMPLEKEY00",
    "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+session/token=",
)
ROLE_ARN = "arn:aws:iam::123456789012:role/egress"
OWNER = "123456789012"
FIXED_USER_AGENT = "Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 lang/python Botocore/1.43.11"
FIXED_INVOCATION_ID = "00000000-0000-4000-8000-000000000000"

_clock = {"now": CLIENT_TIME}


def _frozen(remove_tzinfo=True):
    now = _clock["now"].replace(tzinfo=datetime.timezone.utc)
    return now.replace(tzinfo=None) if remove_tzinfo else now


@contextmanager
def frozen_at(when):
    _clock["now"] = when
    patches = [
        mock.patch.object(botocore.auth, "get_current_datetime", _frozen),
        mock.patch.object(botocore.compat, "get_current_datetime", _frozen),
        mock.patch.object(botocore.signers, "get_current_datetime", _frozen),
    ]
    for p in patches:
        p.start()
    try:
        yield
    finally:
        for p in reversed(patches):
            p.stop()


class _Captured(Exception):
    pass


def _s(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def _body(body):
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    data = body.read()
    return data if isinstance(data, bytes) else data.encode()


def capture(service, region, call, config=None):
    """A real boto3 client call signed with the virtual key, as the proxy sees it."""
    cfg = Config(retries={"total_max_attempts": 1}, signature_version="s3v4" if service == "s3" else "v4")
    if config is not None:
        cfg = cfg.merge(config)
    session = boto3.session.Session(aws_access_key_id=CLIENT.access_key, aws_secret_access_key=CLIENT.secret_key)
    client = session.client(service, region_name=region, config=cfg)
    sent = []

    def before_send(request, **kwargs):
        sent.append(request)
        raise _Captured()

    client.meta.events.register("before-send", before_send)
    with frozen_at(CLIENT_TIME):
        try:
            call(client)
        except _Captured:
            pass
    assert len(sent) == 1
    prepared = sent[0]
    parts = urlsplit(prepared.url)
    headers = [["Host", parts.netloc]]
    for k, v in prepared.headers.items():
        value = _s(v)
        if k.lower() == "user-agent":
            value = FIXED_USER_AGENT
        elif k.lower() == "amz-sdk-invocation-id":
            value = FIXED_INVOCATION_ID
        headers.append([k, value])
    return {
        "method": prepared.method,
        "path": parts.path,
        "query": parts.query,
        "headers": headers,
        "body": _body(prepared.body),
    }


def unsigned(method, host, path, query="", headers=(), body=b""):
    """A request a caller sends without signing (brokering's sign_unsigned)."""
    lines = [["Host", host]] + [list(h) for h in headers]
    if body:
        lines.append(["Content-Length", str(len(body))])
    return {"method": method, "path": path, "query": query, "headers": lines, "body": body}


def is_signed_again(name):
    lname = name.lower()
    return lname in ("host", "content-type", "content-md5") or (
        lname.startswith("x-amz-") and lname not in ("x-amz-date", "x-amz-security-token")
    )


def oracle(wire, service, region, owner, body_passed):
    """botocore signs the upstream request again with the role's credentials."""
    headers = [(k, v) for k, v in wire["headers"] if is_signed_again(k) and k.lower() != "host"]
    if owner and not any(k.lower() == "x-amz-expected-bucket-owner" for k, _ in headers):
        headers.append(("x-amz-expected-bucket-owner", owner))
    host = next(v for k, v in wire["headers"] if k.lower() == "host")
    url = f"https://{host}{wire['path']}" + (f"?{wire['query']}" if wire["query"] else "")
    client_hash = next((v for k, v in headers if k.lower() == "x-amz-content-sha256"), None)
    request = AWSRequest(method=wire["method"], url=url, data=wire["body"] if body_passed else b"")
    for k, v in headers:
        request.headers.add_header(k, v) if k in request.headers else request.headers.__setitem__(k, v)
    if service == "s3":
        fixed = client_hash or ("UNSIGNED-PAYLOAD" if not body_passed else hashlib.sha256(wire["body"]).hexdigest())

        class Resign(S3SigV4Auth):
            def payload(self, request):
                return fixed

        signer = Resign(ROLE, service, region)
    else:
        signer = SigV4Auth(ROLE, service, region)
    before = {k.lower() for k in request.headers.keys()}
    with frozen_at(RESIGN_TIME):
        signer.add_auth(request)
    out = []
    for k, v in request.headers.items():
        lname = k.lower()
        if lname in ("authorization", "x-amz-date", "x-amz-security-token") or (
            lname == "x-amz-content-sha256" and service == "s3"
        ):
            out.append([lname, _s(v)])
    if owner and "x-amz-expected-bucket-owner" not in {k.lower() for k, _ in wire["headers"]}:
        out.append(["x-amz-expected-bucket-owner", owner])
    assert "authorization" not in before
    return sorted(out)


VECTORS = []


def record(name, description, wire, service, region, owner, **fields):
    """One vector: the request as the proxy sees it, and what is expected of signing it again."""
    VECTORS.append(
        {
            "name": name,
            "description": description,
            "method": wire["method"],
            "path": wire["path"],
            "query": wire["query"],
            "headers": wire["headers"],
            "service": service,
            "region": region,
            "expected_bucket_owner": owner,
            **fields,
        }
    )


def vector(name, description, wire, service, region, owner=None, body_passed=True, client_signed=True):
    record(
        name, description, wire, service, region, owner,
        body_base64=base64.b64encode(wire["body"]).decode() if body_passed else None,
        client_signed=client_signed,
        expected=oracle(wire, service, region, owner, body_passed),
    )

AUTH_PARAMETERS = {
    "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
    "X-Amz-Security-Token", "X-Amz-Signature",
}


def presigned_capture(service, region, method, params, expires, config=None, http_method="GET"):
    """A presigned URL made by boto3 with the virtual key, as the proxy sees the request."""
    cfg = Config(signature_version="s3v4" if service == "s3" else "v4")
    if config is not None:
        cfg = cfg.merge(config)
    session = boto3.session.Session(aws_access_key_id=CLIENT.access_key, aws_secret_access_key=CLIENT.secret_key)
    client = session.client(service, region_name=region, config=cfg)
    with frozen_at(CLIENT_TIME):
        url = client.generate_presigned_url(method, Params=params, ExpiresIn=expires)
    parts = urlsplit(url)
    return {"method": http_method, "path": parts.path, "query": parts.query, "headers": [["Host", parts.netloc]],
            "body": b"", "expires": expires}


def presigned_oracle(wire, service, region, owner):
    """botocore's query signer signs the URL again with the role's credentials; the new X-Amz-* parameters
    as they appear in its URL (percent-encoded)."""
    kept = [piece for piece in wire["query"].split("&") if piece and piece.split("=", 1)[0] not in AUTH_PARAMETERS]
    host = wire["headers"][0][1]
    url = f"https://{host}{wire['path']}" + ("?" + "&".join(kept) if kept else "")
    client_date = datetime.datetime.strptime(dict(parse_qsl(wire["query"]))["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    expires = int((client_date - RESIGN_TIME).total_seconds()) + wire["expires"]
    signer_class = S3SigV4QueryAuth if service == "s3" else SigV4QueryAuth
    signer = signer_class(ROLE, service, region, expires=expires)
    request = AWSRequest(method=wire["method"], url=url, data=b"")
    if owner:
        request.headers["x-amz-expected-bucket-owner"] = owner
    with frozen_at(RESIGN_TIME):
        signer.add_auth(request)
    out = []
    for piece in urlsplit(request.url).query.split("&"):
        name, _, value = piece.partition("=")
        if name in AUTH_PARAMETERS:
            out.append([name, value])
    return sorted(out)


def presigned_vector(name, description, wire, service, region, owner=None):
    record(
        name, description, wire, service, region, owner,
        body_base64="",
        client_signed=True,
        expected=[["x-amz-expected-bucket-owner", owner]] if owner else [],
        expected_query=presigned_oracle(wire, service, region, owner),
    )

def build():
    s3_https = Config(s3={"addressing_style": "virtual"})
    vector(
        "s3-get-object",
        "S3 GetObject, virtual-hosted; the bucket owner is added.",
        capture("s3", "eu-west-1", lambda c: c.get_object(Bucket="prod-data", Key="reports/2026 q1.csv"), s3_https),
        "s3", "eu-west-1", owner=OWNER,
    )
    vector(
        "s3-put-object-metadata-acl",
        "S3 PutObject with metadata, an ACL header, Content-MD5 and a body; the bucket owner is added.",
        capture(
            "s3", "eu-west-1",
            lambda c: c.put_object(
                Bucket="prod-data", Key="a b/c+d~e.txt", Body=b"hello, brokered world\n",
                Metadata={"team": "orders"}, ACL="bucket-owner-full-control", ContentType="text/plain",
                ContentMD5=base64.b64encode(hashlib.md5(b"hello, brokered world\n").digest()).decode(),
            ),
            s3_https,
        ),
        "s3", "eu-west-1", owner=OWNER,
    )
    vector(
        "s3-put-object-body-not-passed",
        "S3 PutObject whose body the proxy did not pass: the client's x-amz-content-sha256 is kept.",
        capture("s3", "us-east-1", lambda c: c.put_object(Bucket="logs-archive", Key="k", Body=b"0123456789"), s3_https),
        "s3", "us-east-1", owner=OWNER, body_passed=False,
    )
    when_required = Config(
        s3={"addressing_style": "virtual", "payload_signing_enabled": False}, request_checksum_calculation="when_required"
    )
    vector(
        "s3-put-object-unsigned-payload",
        "S3 PutObject with x-amz-content-sha256: UNSIGNED-PAYLOAD (no checksum trailer): the marker is signed again.",
        capture("s3", "eu-west-1", lambda c: c.put_object(Bucket="prod-data", Key="u.bin", Body=b"unsigned body"),
                when_required),
        "s3", "eu-west-1", owner=OWNER,
    )
    vector(
        "s3-put-object-signed-body-hash",
        "S3 PutObject whose x-amz-content-sha256 is the body's SHA-256 (payload signing on).",
        capture(
            "s3", "eu-west-1", lambda c: c.put_object(Bucket="prod-data", Key="h.bin", Body=b"hashed body"),
            Config(s3={"addressing_style": "virtual", "payload_signing_enabled": True},
                   request_checksum_calculation="when_required"),
        ),
        "s3", "eu-west-1", owner=OWNER,
    )
    vector(
        "s3-put-object-signed-body-hash-not-passed",
        "The same PutObject when the proxy does not pass the body: the client's hash is kept.",
        capture(
            "s3", "eu-west-1", lambda c: c.put_object(Bucket="prod-data", Key="h.bin", Body=b"hashed body"),
            Config(s3={"addressing_style": "virtual", "payload_signing_enabled": True},
                   request_checksum_calculation="when_required"),
        ),
        "s3", "eu-west-1", owner=OWNER, body_passed=False,
    )
    vector(
        "s3-client-named-owner",
        "S3 GetObject whose client names another bucket owner: the client's header is kept, none added.",
        capture(
            "s3", "eu-west-1",
            lambda c: c.get_object(Bucket="partner-drop", Key="in/x", ExpectedBucketOwner="444455556666"),
            s3_https,
        ),
        "s3", "eu-west-1", owner=OWNER,
    )
    vector(
        "s3-copy-object",
        "S3 CopyObject (x-amz-copy-source signed again).",
        capture(
            "s3", "eu-west-1",
            lambda c: c.copy_object(Bucket="prod-data", Key="copy/of it", CopySource={"Bucket": "prod-data", "Key": "src/ü.bin"}),
            s3_https,
        ),
        "s3", "eu-west-1", owner=OWNER,
    )
    vector(
        "s3-list-objects-query",
        "S3 ListObjectsV2 with query parameters that need encoding.",
        capture(
            "s3", "eu-west-1",
            lambda c: c.list_objects_v2(Bucket="prod-data", Prefix="a b/c=d&e", MaxKeys=7),
            s3_https,
        ),
        "s3", "eu-west-1", owner=OWNER,
    )
    vector(
        "s3-list-buckets-no-owner",
        "S3 ListBuckets addresses no bucket: no owner header.",
        capture("s3", "us-east-1", lambda c: c.list_buckets(), s3_https),
        "s3", "us-east-1",
    )
    vector(
        "dynamodb-get-item",
        "DynamoDB GetItem: the body's SHA-256.",
        capture(
            "dynamodb", "eu-west-1",
            lambda c: c.get_item(TableName="orders", Key={"id": {"S": "42"}}),
        ),
        "dynamodb", "eu-west-1",
    )
    vector(
        "sts-get-caller-identity",
        "STS GetCallerIdentity (form body).",
        capture("sts", "eu-west-1", lambda c: c.get_caller_identity()),
        "sts", "eu-west-1",
    )
    vector(
        "sqs-send-message",
        "SQS SendMessage (JSON protocol body).",
        capture(
            "sqs", "eu-west-1",
            lambda c: c.send_message(QueueUrl="https://sqs.eu-west-1.amazonaws.com/123456789012/jobs", MessageBody="hi"),
        ),
        "sqs", "eu-west-1",
    )
    vector(
        "opensearch-unsigned-search",
        "An unsigned OpenSearch request (sign_unsigned): signed for es.",
        unsigned(
            "POST", "search-logs-abc123.eu-west-1.es.amazonaws.com", "/logs-2026.03/_search",
            query="size=5&q=level%3Aerror",
            headers=[("Content-Type", "application/json"), ("User-Agent", "curl/8.5.0"), ("Accept", "*/*")],
            body=b'{"query":{"match_all":{}}}',
        ),
        "es", "eu-west-1", client_signed=False,
    )
    vector(
        "apigateway-unsigned-get",
        "An unsigned GET to an IAM-authorized API Gateway API: the empty body's hash.",
        unsigned(
            "GET", "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com", "/prod/orders/42",
            headers=[("Accept", "application/json"), ("X-Amz-Meta-Trace", "abc")],
        ),
        "execute-api", "eu-west-1", client_signed=False,
    )


def build_presigned():
    s3_virtual = Config(s3={"addressing_style": "virtual"})
    presigned_vector(
        "s3-presigned-get",
        "A presigned S3 GetObject URL with a response override, signed again in its query.",
        presigned_capture(
            "s3", "eu-west-1", "get_object",
            {"Bucket": "prod-data", "Key": "reports/2026 q1.csv", "ResponseContentDisposition": "attachment; filename=q1.csv"},
            900, s3_virtual,
        ),
        "s3", "eu-west-1", owner=OWNER,
    )
    presigned_vector(
        "s3-presigned-put",
        "A presigned S3 PutObject URL, signed again in its query.",
        presigned_capture(
            "s3", "eu-west-1", "put_object", {"Bucket": "prod-data", "Key": "in/x.bin"}, 3600, s3_virtual,
            http_method="PUT",
        ),
        "s3", "eu-west-1", owner=OWNER,
    )


def main():
    build()
    build_presigned()
    text = json.dumps(
        {"generator": "scripts/generate-resign-vectors.py", "botocore_version": botocore.__version__,
         "client_time": CLIENT_TIME.strftime("%Y%m%dT%H%M%SZ"), "resign_time": RESIGN_TIME.strftime("%Y%m%dT%H%M%SZ"),
         "client": {"access_key_id": CLIENT.access_key, "secret_access_key": CLIENT.secret_key},
         "role": {"access_key_id": ROLE.access_key, "secret_access_key": ROLE.secret_key,
                  "session_token": ROLE.token, "arn": ROLE_ARN},
         "vectors": VECTORS},
        indent=1, sort_keys=True, ensure_ascii=False,
    )
    with open(OUT, "w") as f:
        f.write(text + "\n")
    print(f"{len(VECTORS)} vectors -> {os.path.relpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
