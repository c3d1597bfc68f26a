#!/usr/bin/env python3
"""Generate request-classification test vectors from botocore's own serializers.

What it does
------------
Builds real boto3/botocore clients (dummy credentials, explicit region, no
network), calls real operations with valid parameters so that botocore
validates, serializes, resolves the endpoint (endpoint rulesets) and signs
them exactly as it would for AWS, and intercepts every request in the
``before-send`` event just before it would go on the wire.  For each request
it records the *wire form*:

  * method, host (with port when not the default), raw path and raw query
    string (everything after ``?``, verbatim) split from the final URL,
  * the header list in botocore's order (names and values as sent, including
    ``host`` and ``Authorization``), the body (base64),

and botocore's *truth* for that request:

  * ``model``           botocore service model name (``service_model.service_name``),
  * ``signing_name``    ``service_model.signing_name``,
  * ``endpoint_prefix`` ``service_model.endpoint_prefix``,
  * ``protocol``        the protocol whose serializer botocore used for the
                        request (``service_model.resolved_protocol``, checked
                        against the serializer class),
  * ``operation``       the operation name (stashed from ``before-call``),
  * ``region``          the region of the credential scope in the
                        Authorization header ("" for SigV4a, whose scope has
                        no region),
  * ``signing_algorithm`` and ``scope_service`` (the service of the
                        credential scope, which differs from
                        ``signing_name`` e.g. for S3 Object Lambda, Outposts
                        and S3 Express),
  * ``expected_resource`` / ``expected_resource_name``: the resource the
    request targets where that is derivable from the request (S3 ARNs,
    SQS queue ARNs, SNS topic ARNs, KMS key ARNs, Lambda function ARNs;
    ``expected_resource_name`` for names whose ARN needs the account id,
    e.g. ``table/<TableName>``), else null.

The result is written to ``Tests/AWSClassifierTests/Vectors/requests.json``.
Nothing is hand-written: every request comes out of botocore.  Besides the
keys above each vector has ``protocol_forced`` (see below); the top level
also carries the dummy ``access_key_id`` / ``secret_access_key`` and the
``signing_time`` so that SigV4 signatures can be verified.

Wire-form notes
---------------
  * The ``host`` header is botocore's own (lower-case name, in botocore's
    order); ``host`` equals it (port kept when not the default one).
  * S3 uploads (PutObject, UploadPart, ...) go out as ``aws-chunked`` with a
    trailing CRC32 checksum and ``Transfer-Encoding: chunked`` (no
    Content-Length); ``body_base64`` is the aws-chunked payload, i.e. the
    body after HTTP de-chunking.
  * botocore's S3 model has no ``x-id`` query parameters (other SDKs send
    ``?x-id=GetObject`` etc.), and it adds ``encoding-type=url`` to the list
    operations itself.

Protocol note (botocore 1.43.11)
--------------------------------
Several models advertise ``smithy-rpc-v2-cbor`` first in their ``protocols``
list (cloudwatch, arc-region-switch, compute-optimizer, gamelift, snowball,
marketplace-entitlement, comprehendmedical, ...), but botocore's priority
order (``botocore.utils.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS``) puts ``json``
first, so botocore actually speaks awsJson for all of them; the default
vectors record ``"protocol": "json"``.  Because other SDKs do send CBOR (and
old ones send awsQuery to CloudWatch), the section "forced protocols" also
builds requests for protocols the model advertises with botocore's own
serializer for that protocol (``botocore.serialize.create_serializer``
installed on the client); those vectors carry ``"protocol_forced": true``.
All others carry ``"protocol_forced": false``.

Determinism
-----------
The signing clock is frozen at 2026-01-15T12:34:56Z, ``uuid.uuid4`` is
replaced by a generator seeded from the vector name (idempotency tokens and
``amz-sdk-invocation-id``), and the unsigned, machine-dependent
``User-Agent`` header is overwritten with a constant.  SigV4 signatures are
therefore real and stable.  SigV4a (``AWS4-ECDSA-P256-SHA256``, used for the
S3 Multi-Region Access Point, S3 on Outposts and EventBridge global
endpoints when ``awscrt`` is installed) signatures are randomized ECDSA:
their ``Signature=`` value is replaced by the constant ``SIGV4A_SIGNATURE``
below so the file is identical on every run (those signatures do not
verify; everything else in those requests is as botocore signed it).

Skipped (cannot be captured offline): Timestream write/query (endpoint
discovery is required, which first calls DescribeEndpoints over the
network); S3 Express One Zone object operations (botocore first calls
CreateSession to get session credentials, so CreateSession itself is
captured instead).

Regenerate
----------
From the repository root::

    python3 scripts/generate-classifier-vectors.py

Needs botocore==1.43.11 and boto3==1.43.11 (``pip install botocore==1.43.11
boto3==1.43.11``) and ``awscrt`` (botocore uses it for SigV4a; without it the
Outposts/MRAP/global-endpoint requests would be signed differently or fail).
AWS_* environment variables and config files are ignored.
"""

import base64
import datetime
import hashlib
import io
import json
import os
import re
import sys
import uuid
from collections import Counter
from unittest import mock
from urllib.parse import urlsplit

# Isolate from the user's AWS configuration before botocore is imported.
for _k in list(os.environ):
    if _k.startswith("AWS_") or _k.startswith("BOTO"):
        del os.environ[_k]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

import boto3  # noqa: E402
import botocore  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.compat  # noqa: E402
import botocore.serialize  # noqa: E402
import botocore.signers  # noqa: E402
from botocore import xform_name  # noqa: E402
from botocore.config import Config  # noqa: E402

BOTOCORE_VERSION = "1.43.11"
BOTO3_VERSION = "1.43.11"
GENERATOR = "scripts/generate-classifier-vectors.py"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(REPO_ROOT, "Tests", "AWSClassifierTests", "Vectors", "requests.json")

if botocore.__version__ != BOTOCORE_VERSION or boto3.__version__ != BOTO3_VERSION:
    sys.exit(
        f"expected botocore/boto3 {BOTOCORE_VERSION}/{BOTO3_VERSION}, found "
        f"{botocore.__version__}/{boto3.__version__}; install the pinned versions "
        "(or update BOTOCORE_VERSION deliberately and review the diff)"
    )
try:
    import botocore.crt.auth as crt_auth  # noqa: E402
    import awscrt  # noqa: E402,F401
except ImportError:
    sys.exit("awscrt is required (pip install awscrt): botocore signs SigV4a requests with it")

# ---------------------------------------------------------------------------
# Fixed inputs
# ---------------------------------------------------------------------------

SIGNING_TIME = datetime.datetime(2026, 1, 15, 12, 34, 56, tzinfo=datetime.timezone.utc)
ACCESS_KEY_ID = "AKIASP2TPHJSQH3FJRUX"
SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
FIXED_USER_AGENT = "Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 lang/python Botocore/1.43.11"
SIGV4A_SIGNATURE = "3045022100" + "00" * 32 + "0220" + "00" * 32  # placeholder, see docstring

ACCOUNT = "123456789012"
PATH = Config(s3={"addressing_style": "path"})
VIRTUAL = Config(s3={"addressing_style": "virtual"})
FIPS = Config(use_fips_endpoint=True)
DUALSTACK = Config(use_dualstack_endpoint=True)


def _frozen_get_current_datetime(remove_tzinfo=True):
    return SIGNING_TIME.replace(tzinfo=None) if remove_tzinfo else SIGNING_TIME


class _Uuid4:
    """uuid.uuid4 replacement: a stream of version-4 UUIDs seeded per vector."""

    def __init__(self):
        self.seed = ""
        self.n = 0

    def reset(self, seed):
        self.seed, self.n = seed, 0

    def __call__(self):
        self.n += 1
        digest = hashlib.sha256(f"{self.seed}#{self.n}".encode()).digest()
        return uuid.UUID(bytes=digest[:16], version=4)


_uuid4 = _Uuid4()

# ---------------------------------------------------------------------------
# Capture machinery
# ---------------------------------------------------------------------------


class _Captured(Exception):
    """Raised from before-send so that nothing is sent."""


_SERIALIZER_PROTOCOL = {cls: name for name, cls in botocore.serialize.SERIALIZERS.items()}

_sessions = {}


def _session(legacy_sts=False):
    if legacy_sts not in _sessions:
        s = boto3.session.Session(
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )
        if legacy_sts:
            s._session.set_config_variable("sts_regional_endpoints", "legacy")
        _sessions[legacy_sts] = s
    return _sessions[legacy_sts]


VECTORS = []
_names = set()


def _s(v):
    return v.decode("utf-8") if isinstance(v, (bytes, bytearray)) else str(v)


def _body_bytes(body):
    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):  # file-like, e.g. AwsChunkedWrapper for aws-chunked uploads
        if hasattr(body, "seek"):
            body.seek(0)
        data = body.read()
        if hasattr(body, "seek"):
            body.seek(0)
        return data
    raise TypeError(f"unexpected body type {type(body)}")


_AUTH_RE = re.compile(r"^(AWS4-HMAC-SHA256|AWS4-ECDSA-P256-SHA256) Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]+)$")


def vec(name, model, region, operation, params, *, config=None, endpoint_url=None,
        legacy_sts=False, resource=None, resource_name=None, force_protocol=None):
    """Call `operation` on a real client and record the request botocore built."""
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), name
    assert name not in _names, f"duplicate vector name {name}"
    _names.add(name)

    cfg = Config(retries={"total_max_attempts": 1})
    if config is not None:
        cfg = cfg.merge(config)
    client = _session(legacy_sts).client(model, region_name=region, config=cfg, endpoint_url=endpoint_url)
    if force_protocol is not None:
        advertised = client.meta.service_model.metadata.get("protocols") or [client.meta.service_model.protocol]
        assert force_protocol in advertised, (model, force_protocol, advertised)
        client._serializer = botocore.serialize.create_serializer(force_protocol, include_validation=True)
    used_protocol = _SERIALIZER_PROTOCOL[type(client._serializer._serializer)]
    if force_protocol is None:
        assert used_protocol == client.meta.service_model.resolved_protocol, (model, used_protocol)

    seen_ops, sent = [], []

    def before_call(model, **kwargs):
        seen_ops.append(model.name)

    def before_send(request, **kwargs):
        sent.append(request)
        raise _Captured()

    client.meta.events.register("before-call", before_call)
    client.meta.events.register("before-send", before_send)
    _uuid4.reset(name)
    try:
        getattr(client, xform_name(operation))(**params)
    except _Captured:
        pass
    else:
        raise AssertionError(f"{name}: request was not captured")
    assert seen_ops == [operation] and len(sent) == 1, (name, seen_ops, len(sent))
    req = sent[0]

    parts = urlsplit(req.url)
    host = parts.netloc
    headers = []
    for k, v in req.headers.items():
        v = _s(v)
        if k.lower() == "user-agent":
            v = FIXED_USER_AGENT
        headers.append([k, v])
    lower = {k.lower(): v for k, v in headers}
    assert lower.get("host") == host, (name, lower.get("host"), host)
    m = _AUTH_RE.match(lower.get("authorization", ""))
    assert m, (name, lower.get("authorization"))
    algorithm, credential = m.group(1), m.group(2)
    scope = credential.split("/")
    if algorithm == "AWS4-HMAC-SHA256":
        assert len(scope) == 5 and scope[4] == "aws4_request", credential
        scope_region, scope_service = scope[2], scope[3]
    else:  # SigV4a: AKID/date/service/aws4_request, the region set is in X-Amz-Region-Set
        assert len(scope) == 4 and scope[3] == "aws4_request", credential
        scope_region, scope_service = "", scope[2]
        for h in headers:
            if h[0].lower() == "authorization":
                h[1] = h[1][: h[1].rindex("Signature=") + len("Signature=")] + SIGV4A_SIGNATURE
    assert scope[0] == ACCESS_KEY_ID and scope[1] == SIGNING_TIME.strftime("%Y%m%d"), credential

    sm = client.meta.service_model
    VECTORS.append({
        "name": name,
        "model": sm.service_name,
        "signing_name": sm.signing_name,
        "endpoint_prefix": sm.endpoint_prefix,
        "protocol": used_protocol,
        "protocol_forced": force_protocol is not None,
        "operation": operation,
        "region": scope_region,
        "scope_service": scope_service,
        "signing_algorithm": algorithm,
        "method": req.method,
        "host": host,
        "path": parts.path,
        "query": parts.query,
        "headers": headers,
        "body_base64": base64.b64encode(_body_bytes(req.body)).decode("ascii"),
        "expected_resource": resource,
        "expected_resource_name": resource_name,
    })


# ---------------------------------------------------------------------------
# Vectors
# ---------------------------------------------------------------------------

def s3_arn(bucket, key=None, partition="aws"):
    return f"arn:{partition}:s3:::{bucket}" + ("" if key is None else f"/{key}")


def s3_vectors():
    b, r = "my-bucket", "us-west-2"
    key = "photos/a b.jpg"
    obj = s3_arn(b, key)
    bkt = s3_arn(b)
    uid = "VXBsb2FkIElEIGZvciBlbHZpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA"
    for style, cfg in (("virtual", VIRTUAL), ("path", PATH)):
        vec(f"s3-get-object-{style}", "s3", r, "GetObject", {"Bucket": b, "Key": key}, config=cfg, resource=obj)
        vec(f"s3-put-object-{style}", "s3", r, "PutObject",
            {"Bucket": b, "Key": key, "Body": b"hello world", "ContentType": "image/jpeg"}, config=cfg, resource=obj)
        vec(f"s3-list-objects-v2-{style}", "s3", r, "ListObjectsV2",
            {"Bucket": b, "Prefix": "photos/", "Delimiter": "/", "MaxKeys": 100}, config=cfg, resource=bkt)
        vec(f"s3-odd-key-{style}", "s3", r, "GetObject", {"Bucket": b, "Key": "a b/c%2Fd+e~"},
            config=cfg, resource=s3_arn(b, "a b/c%2Fd+e~"))
        vec(f"s3-unicode-key-{style}", "s3", r, "HeadObject", {"Bucket": b, "Key": "résumé/日本語 ☃.txt"},
            config=cfg, resource=s3_arn(b, "résumé/日本語 ☃.txt"))
        vec(f"s3-delete-objects-{style}", "s3", r, "DeleteObjects",
            {"Bucket": b, "Delete": {"Objects": [{"Key": "a.txt"}, {"Key": "b/c.txt", "VersionId": "v1"}], "Quiet": True}},
            config=cfg, resource=f"{bkt}/a.txt")  # s3:DeleteObject on each key; the first is the primary pair
        vec(f"s3-get-bucket-acl-{style}", "s3", r, "GetBucketAcl", {"Bucket": b}, config=cfg, resource=bkt)
    vec("s3-get-object-query-params", "s3", r, "GetObject",
        {"Bucket": b, "Key": "docs/report.pdf", "VersionId": "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY",
         "ResponseContentType": "application/pdf", "ResponseContentDisposition": "attachment; filename=\"r.pdf\"",
         "Range": "bytes=0-99"},
        resource=s3_arn(b, "docs/report.pdf"))
    vec("s3-put-object-stream", "s3", r, "PutObject",
        {"Bucket": b, "Key": "uploads/data.bin", "Body": io.BytesIO(b"0123456789" * 10), "Metadata": {"owner": "me"}},
        resource=s3_arn(b, "uploads/data.bin"))
    vec("s3-head-object", "s3", r, "HeadObject", {"Bucket": b, "Key": key}, resource=obj)
    vec("s3-delete-object", "s3", r, "DeleteObject", {"Bucket": b, "Key": key, "VersionId": "v2"}, resource=obj)
    vec("s3-copy-object", "s3", r, "CopyObject",
        {"Bucket": b, "Key": "copies/b.jpg", "CopySource": {"Bucket": "src-bucket", "Key": "src dir/a.jpg"}},
        resource=s3_arn(b, "copies/b.jpg"))
    vec("s3-list-objects-v1", "s3", r, "ListObjects", {"Bucket": b, "Prefix": "logs/", "Marker": "logs/2025"}, resource=bkt)
    vec("s3-list-buckets", "s3", r, "ListBuckets", {})
    vec("s3-list-buckets-us-east-1", "s3", "us-east-1", "ListBuckets", {})
    vec("s3-create-bucket-eu-west-1", "s3", "eu-west-1", "CreateBucket",
        {"Bucket": "my-eu-bucket", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}},
        resource=s3_arn("my-eu-bucket"))
    vec("s3-create-bucket-us-east-1", "s3", "us-east-1", "CreateBucket", {"Bucket": "my-new-bucket"},
        resource=s3_arn("my-new-bucket"))
    vec("s3-delete-bucket", "s3", r, "DeleteBucket", {"Bucket": b}, resource=bkt)
    vec("s3-put-bucket-policy", "s3", r, "PutBucketPolicy",
        {"Bucket": b, "Policy": json.dumps({"Version": "2012-10-17", "Statement": []})}, resource=bkt)
    vec("s3-get-bucket-policy", "s3", r, "GetBucketPolicy", {"Bucket": b}, resource=bkt)
    vec("s3-create-multipart-upload", "s3", r, "CreateMultipartUpload", {"Bucket": b, "Key": "big/file.bin"},
        resource=s3_arn(b, "big/file.bin"))
    vec("s3-upload-part", "s3", r, "UploadPart",
        {"Bucket": b, "Key": "big/file.bin", "UploadId": uid, "PartNumber": 1, "Body": b"x" * 64},
        resource=s3_arn(b, "big/file.bin"))
    vec("s3-upload-part-copy", "s3", r, "UploadPartCopy",
        {"Bucket": b, "Key": "big/file.bin", "UploadId": uid, "PartNumber": 2,
         "CopySource": "src-bucket/src/part.bin", "CopySourceRange": "bytes=0-1048575"},
        resource=s3_arn(b, "big/file.bin"))
    vec("s3-complete-multipart-upload", "s3", r, "CompleteMultipartUpload",
        {"Bucket": b, "Key": "big/file.bin", "UploadId": uid,
         "MultipartUpload": {"Parts": [{"ETag": '"etag1"', "PartNumber": 1}, {"ETag": '"etag2"', "PartNumber": 2}]}},
        resource=s3_arn(b, "big/file.bin"))
    vec("s3-abort-multipart-upload", "s3", r, "AbortMultipartUpload",
        {"Bucket": b, "Key": "big/file.bin", "UploadId": uid}, resource=s3_arn(b, "big/file.bin"))
    vec("s3-list-multipart-uploads", "s3", r, "ListMultipartUploads", {"Bucket": b}, resource=bkt)
    vec("s3-list-parts", "s3", r, "ListParts", {"Bucket": b, "Key": "big/file.bin", "UploadId": uid},
        resource=s3_arn(b, "big/file.bin"))
    vec("s3-put-object-tagging", "s3", r, "PutObjectTagging",
        {"Bucket": b, "Key": key, "Tagging": {"TagSet": [{"Key": "team", "Value": "photo"}]}}, resource=obj)
    vec("s3-get-object-tagging", "s3", r, "GetObjectTagging", {"Bucket": b, "Key": key}, resource=obj)
    vec("s3-get-bucket-location", "s3", r, "GetBucketLocation", {"Bucket": b}, resource=bkt)
    vec("s3-get-object-attributes", "s3", r, "GetObjectAttributes",
        {"Bucket": b, "Key": key, "ObjectAttributes": ["ETag", "ObjectSize"]}, resource=obj)
    vec("s3-head-bucket", "s3", r, "HeadBucket", {"Bucket": b}, resource=bkt)
    vec("s3-restore-object", "s3", r, "RestoreObject",
        {"Bucket": b, "Key": "archive/old.tar", "RestoreRequest": {"Days": 2, "GlacierJobParameters": {"Tier": "Standard"}}},
        resource=s3_arn(b, "archive/old.tar"))
    vec("s3-select-object-content", "s3", r, "SelectObjectContent",
        {"Bucket": b, "Key": "data/table.csv", "Expression": "SELECT * FROM S3Object s", "ExpressionType": "SQL",
         "InputSerialization": {"CSV": {"FileHeaderInfo": "USE"}}, "OutputSerialization": {"JSON": {}}},
        resource=s3_arn(b, "data/table.csv"))
    vec("s3-list-object-versions", "s3", r, "ListObjectVersions", {"Bucket": b, "Prefix": "a"}, resource=bkt)
    vec("s3-put-bucket-tagging", "s3", r, "PutBucketTagging",
        {"Bucket": b, "Tagging": {"TagSet": [{"Key": "env", "Value": "prod"}]}}, resource=bkt)
    vec("s3-get-bucket-versioning", "s3", r, "GetBucketVersioning", {"Bucket": b}, resource=bkt)

    # Regions and partitions.
    vec("s3-get-object-us-east-1-global", "s3", "us-east-1", "GetObject", {"Bucket": b, "Key": key}, resource=obj)
    vec("s3-get-object-us-east-1-global-path", "s3", "us-east-1", "GetObject", {"Bucket": b, "Key": key},
        config=PATH, resource=obj)
    vec("s3-get-object-us-east-1-regional", "s3", "us-east-1", "GetObject", {"Bucket": b, "Key": key},
        config=Config(s3={"us_east_1_regional_endpoint": "regional"}), resource=obj)
    vec("s3-get-object-eu-west-1", "s3", "eu-west-1", "GetObject", {"Bucket": "eu-bucket", "Key": key},
        resource=s3_arn("eu-bucket", key))
    vec("s3-get-object-eu-west-1-path", "s3", "eu-west-1", "GetObject", {"Bucket": "eu-bucket", "Key": key},
        config=PATH, resource=s3_arn("eu-bucket", key))
    vec("s3-get-object-cn-north-1", "s3", "cn-north-1", "GetObject", {"Bucket": "cn-bucket", "Key": key},
        resource=s3_arn("cn-bucket", key, "aws-cn"))
    vec("s3-list-objects-v2-cn-north-1-path", "s3", "cn-north-1", "ListObjectsV2", {"Bucket": "cn-bucket"},
        config=PATH, resource=s3_arn("cn-bucket", partition="aws-cn"))
    vec("s3-get-object-us-gov-west-1", "s3", "us-gov-west-1", "GetObject", {"Bucket": "gov-bucket", "Key": key},
        resource=s3_arn("gov-bucket", key, "aws-us-gov"))
    vec("s3-put-object-ap-southeast-2", "s3", "ap-southeast-2", "PutObject",
        {"Bucket": "syd-bucket", "Key": "k.txt", "Body": b"g'day"}, resource=s3_arn("syd-bucket", "k.txt"))
    vec("s3-get-object-dotted-bucket", "s3", r, "GetObject", {"Bucket": "my.dotted.bucket", "Key": "k.txt"},
        resource=s3_arn("my.dotted.bucket", "k.txt"))
    vec("s3-get-object-dualstack", "s3", r, "GetObject", {"Bucket": b, "Key": key}, config=DUALSTACK, resource=obj)
    vec("s3-get-object-dualstack-path", "s3", r, "GetObject", {"Bucket": b, "Key": key},
        config=DUALSTACK.merge(PATH), resource=obj)
    vec("s3-get-object-fips", "s3", r, "GetObject", {"Bucket": b, "Key": key}, config=FIPS, resource=obj)
    vec("s3-get-object-fips-dualstack", "s3", "us-east-1", "GetObject", {"Bucket": b, "Key": key},
        config=FIPS.merge(DUALSTACK), resource=obj)
    vec("s3-get-object-accelerate", "s3", r, "GetObject", {"Bucket": b, "Key": key},
        config=Config(s3={"use_accelerate_endpoint": True}), resource=obj)
    vec("s3-put-object-accelerate-dualstack", "s3", r, "PutObject", {"Bucket": b, "Key": key, "Body": b"x"},
        config=Config(s3={"use_accelerate_endpoint": True}, use_dualstack_endpoint=True), resource=obj)
    vec("s3-custom-endpoint-port", "s3", "us-east-1", "GetObject", {"Bucket": b, "Key": key},
        config=PATH, endpoint_url="http://127.0.0.1:9000", resource=obj)

    # Access points, Object Lambda, Outposts, Multi-Region Access Points.
    ap = f"arn:aws:s3:us-west-2:{ACCOUNT}:accesspoint/my-ap"
    vec("s3-access-point-get-object", "s3", r, "GetObject", {"Bucket": ap, "Key": key}, resource=f"{ap}/object/{key}")
    vec("s3-access-point-list-objects-v2", "s3", r, "ListObjectsV2", {"Bucket": ap, "Prefix": "p/"}, resource=ap)
    vec("s3-access-point-put-object-dualstack", "s3", r, "PutObject", {"Bucket": ap, "Key": "x.txt", "Body": b"x"},
        config=DUALSTACK, resource=f"{ap}/object/x.txt")
    vec("s3-access-point-alias-get-object", "s3", r, "GetObject",
        {"Bucket": "my-ap-hrzrlukc5m36ft7okagglf3gmwluquse1b-s3alias", "Key": key},
        resource=s3_arn("my-ap-hrzrlukc5m36ft7okagglf3gmwluquse1b-s3alias", key))
    olap = f"arn:aws:s3-object-lambda:us-west-2:{ACCOUNT}:accesspoint/my-olap"
    vec("s3-object-lambda-get-object", "s3", r, "GetObject", {"Bucket": olap, "Key": key},
        resource=f"{olap}/object/{key}")
    vec("s3-object-lambda-write-get-object-response", "s3", r, "WriteGetObjectResponse",
        {"RequestRoute": "io-abc123", "RequestToken": "token-xyz", "Body": b"transformed"})
    outpost = f"arn:aws:s3-outposts:us-west-2:{ACCOUNT}:outpost/op-01234567890123456/accesspoint/my-ap"
    vec("s3-outposts-get-object", "s3", r, "GetObject", {"Bucket": outpost, "Key": key},
        resource=f"{outpost}/object/{key}")
    mrap = f"arn:aws:s3::{ACCOUNT}:accesspoint/mfzwi23gnjvgw.mrap"
    vec("s3-mrap-get-object-sigv4a", "s3", r, "GetObject", {"Bucket": mrap, "Key": key},
        resource=f"{mrap}/object/{key}")

    # S3 Express One Zone: object calls need CreateSession first (network); CreateSession is captured.
    # Directory bucket ARNs (arn:aws:s3express:<region>:<account>:bucket/<name>) need the account id.
    vec("s3express-create-session", "s3", r, "CreateSession", {"Bucket": "my-bucket--usw2-az1--x-s3"},
        resource_name="bucket/my-bucket--usw2-az1--x-s3")
    vec("s3express-list-directory-buckets", "s3", r, "ListDirectoryBuckets", {})

    # S3 Control (account id in the host).
    vec("s3control-list-access-points", "s3control", r, "ListAccessPoints", {"AccountId": ACCOUNT, "Bucket": b})
    vec("s3control-get-public-access-block", "s3control", r, "GetPublicAccessBlock", {"AccountId": ACCOUNT})


def dynamodb_vectors():
    item = {"pk": {"S": "user#1"}, "sk": {"N": "42"}}
    for region in ("us-east-1", "eu-central-1"):
        sfx = "" if region == "us-east-1" else f"-{region}"
        vec(f"dynamodb-put-item{sfx}", "dynamodb", region, "PutItem", {"TableName": "Users", "Item": item},
            resource_name="table/Users")
        vec(f"dynamodb-get-item{sfx}", "dynamodb", region, "GetItem",
            {"TableName": "Users", "Key": item, "ConsistentRead": True}, resource_name="table/Users")
    vec("dynamodb-query", "dynamodb", "us-east-1", "Query",
        {"TableName": "Orders", "IndexName": "byCustomer", "KeyConditionExpression": "customer = :c",
         "ExpressionAttributeValues": {":c": {"S": "c-1"}}}, resource_name="table/Orders")
    vec("dynamodb-scan", "dynamodb", "us-east-1", "Scan", {"TableName": "Orders", "Limit": 10},
        resource_name="table/Orders")
    vec("dynamodb-batch-write-item", "dynamodb", "us-east-1", "BatchWriteItem",
        {"RequestItems": {"Users": [{"PutRequest": {"Item": item}}, {"DeleteRequest": {"Key": item}}]}},
        resource_name="table/Users")
    vec("dynamodb-describe-table", "dynamodb", "us-east-1", "DescribeTable", {"TableName": "Users"},
        resource_name="table/Users")
    vec("dynamodb-list-tables", "dynamodb", "us-east-1", "ListTables", {})
    vec("dynamodb-update-item", "dynamodb", "us-west-2", "UpdateItem",
        {"TableName": "Users", "Key": item, "UpdateExpression": "SET age = :a",
         "ExpressionAttributeValues": {":a": {"N": "43"}}}, resource_name="table/Users")
    vec("dynamodb-get-item-cn-north-1", "dynamodb", "cn-north-1", "GetItem", {"TableName": "Users", "Key": item},
        resource_name="table/Users")
    vec("dynamodb-get-item-us-gov-west-1", "dynamodb", "us-gov-west-1", "GetItem",
        {"TableName": "Users", "Key": item}, resource_name="table/Users")
    vec("dynamodb-get-item-fips", "dynamodb", "us-east-1", "GetItem", {"TableName": "Users", "Key": item},
        config=FIPS, resource_name="table/Users")
    vec("dynamodb-get-item-dualstack", "dynamodb", "us-east-1", "GetItem", {"TableName": "Users", "Key": item},
        config=DUALSTACK, resource_name="table/Users")
    vec("dynamodb-get-item-ap-southeast-2", "dynamodb", "ap-southeast-2", "GetItem",
        {"TableName": "Users", "Key": item}, resource_name="table/Users")
    vec("dynamodbstreams-list-streams", "dynamodbstreams", "us-east-1", "ListStreams", {"TableName": "Users"},
        resource_name="table/Users")


def sts_vectors():
    role = f"arn:aws:iam::{ACCOUNT}:role/Deploy"
    vec("sts-get-caller-identity-us-east-1", "sts", "us-east-1", "GetCallerIdentity", {})
    vec("sts-get-caller-identity-legacy-global", "sts", "us-east-1", "GetCallerIdentity", {}, legacy_sts=True)
    vec("sts-assume-role-us-east-1", "sts", "us-east-1", "AssumeRole",
        {"RoleArn": role, "RoleSessionName": "deploy-session", "DurationSeconds": 3600})
    vec("sts-assume-role-legacy-global", "sts", "us-east-1", "AssumeRole",
        {"RoleArn": role, "RoleSessionName": "deploy-session"}, legacy_sts=True)
    vec("sts-assume-role-legacy-eu-central-1", "sts", "eu-central-1", "AssumeRole",
        {"RoleArn": role, "RoleSessionName": "eu-session"}, legacy_sts=True)
    vec("sts-get-caller-identity-eu-central-1", "sts", "eu-central-1", "GetCallerIdentity", {})
    vec("sts-get-caller-identity-ap-southeast-2", "sts", "ap-southeast-2", "GetCallerIdentity", {})
    vec("sts-get-caller-identity-cn-north-1", "sts", "cn-north-1", "GetCallerIdentity", {})
    vec("sts-get-caller-identity-us-gov-west-1", "sts", "us-gov-west-1", "GetCallerIdentity", {})
    vec("sts-get-caller-identity-fips", "sts", "us-east-1", "GetCallerIdentity", {}, config=FIPS)
    vec("sts-get-caller-identity-dualstack", "sts", "us-east-1", "GetCallerIdentity", {}, config=DUALSTACK)
    vec("sts-get-session-token", "sts", "us-west-2", "GetSessionToken", {"DurationSeconds": 900})


def ec2_vectors():
    vec("ec2-describe-instances", "ec2", "us-east-1", "DescribeInstances",
        {"InstanceIds": ["i-0123456789abcdef0"], "Filters": [{"Name": "instance-state-name", "Values": ["running"]}]})
    vec("ec2-run-instances", "ec2", "us-east-1", "RunInstances",
        {"ImageId": "ami-0abcdef1234567890", "InstanceType": "t3.micro", "MinCount": 1, "MaxCount": 1,
         "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web 1"}]}]})
    vec("ec2-terminate-instances", "ec2", "us-east-1", "TerminateInstances", {"InstanceIds": ["i-0123456789abcdef0"]})
    vec("ec2-describe-vpcs", "ec2", "us-east-1", "DescribeVpcs", {})
    vec("ec2-describe-instances-eu-central-1", "ec2", "eu-central-1", "DescribeInstances", {})
    vec("ec2-describe-vpcs-ap-southeast-2", "ec2", "ap-southeast-2", "DescribeVpcs", {"VpcIds": ["vpc-0a1b2c3d"]})
    vec("ec2-describe-instances-cn-north-1", "ec2", "cn-north-1", "DescribeInstances", {})
    vec("ec2-describe-instances-us-gov-west-1", "ec2", "us-gov-west-1", "DescribeInstances", {})
    vec("ec2-describe-instances-fips", "ec2", "us-east-1", "DescribeInstances", {}, config=FIPS)
    vec("ec2-describe-instances-dualstack", "ec2", "us-east-1", "DescribeInstances", {}, config=DUALSTACK)
    vec("ec2-create-tags", "ec2", "us-west-2", "CreateTags",
        {"Resources": ["i-0123456789abcdef0"], "Tags": [{"Key": "env", "Value": "prod"}]})


def sqs_vectors():
    q = f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/orders"
    arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders"
    vec("sqs-send-message", "sqs", "us-east-1", "SendMessage",
        {"QueueUrl": q, "MessageBody": "hello", "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}},
        resource=arn)
    vec("sqs-send-message-batch", "sqs", "us-east-1", "SendMessageBatch",
        {"QueueUrl": q, "Entries": [{"Id": "1", "MessageBody": "a"}, {"Id": "2", "MessageBody": "b"}]}, resource=arn)
    vec("sqs-receive-message", "sqs", "us-east-1", "ReceiveMessage",
        {"QueueUrl": q, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 20}, resource=arn)
    vec("sqs-delete-message-batch", "sqs", "us-east-1", "DeleteMessageBatch",
        {"QueueUrl": q, "Entries": [{"Id": "1", "ReceiptHandle": "AQEB+abc=="}]}, resource=arn)
    vec("sqs-get-queue-url", "sqs", "us-east-1", "GetQueueUrl", {"QueueName": "orders"}, resource_name="orders")
    fifo = f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/jobs.fifo"
    vec("sqs-send-message-fifo-eu-west-1", "sqs", "eu-west-1", "SendMessage",
        {"QueueUrl": fifo, "MessageBody": "x", "MessageGroupId": "g", "MessageDeduplicationId": "d"},
        resource=f"arn:aws:sqs:eu-west-1:{ACCOUNT}:jobs.fifo")
    vec("sqs-delete-message", "sqs", "us-east-1", "DeleteMessage", {"QueueUrl": q, "ReceiptHandle": "AQEB+abc=="},
        resource=arn)


def sns_vectors():
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"
    vec("sns-publish", "sns", "us-east-1", "Publish",
        {"TopicArn": topic, "Message": "disk full", "Subject": "alert",
         "MessageAttributes": {"sev": {"DataType": "String", "StringValue": "high"}}}, resource=topic)
    vec("sns-create-topic", "sns", "us-east-1", "CreateTopic", {"Name": "alerts"}, resource_name="alerts")
    vec("sns-subscribe", "sns", "us-east-1", "Subscribe",
        {"TopicArn": topic, "Protocol": "sqs", "Endpoint": f"arn:aws:sqs:us-east-1:{ACCOUNT}:orders"}, resource=topic)
    t2 = f"arn:aws:sns:eu-west-1:{ACCOUNT}:events.fifo"
    vec("sns-publish-fifo-eu-west-1", "sns", "eu-west-1", "Publish",
        {"TopicArn": t2, "Message": "m", "MessageGroupId": "g"}, resource=t2)


def kms_vectors():
    key_arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    vec("kms-encrypt-alias", "kms", "us-east-1", "Encrypt", {"KeyId": "alias/app-key", "Plaintext": b"secret"},
        resource_name="alias/app-key")
    vec("kms-encrypt-key-arn", "kms", "us-east-1", "Encrypt", {"KeyId": key_arn, "Plaintext": b"secret"},
        resource=key_arn)
    vec("kms-decrypt", "kms", "us-east-1", "Decrypt", {"CiphertextBlob": b"\x01\x02\x03", "KeyId": key_arn},
        resource=key_arn)
    vec("kms-generate-data-key", "kms", "us-east-1", "GenerateDataKey", {"KeyId": key_arn, "KeySpec": "AES_256"},
        resource=key_arn)
    vec("kms-describe-key-id", "kms", "us-east-1", "DescribeKey", {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"},
        resource_name="1234abcd-12ab-34cd-56ef-1234567890ab")
    vec("kms-generate-data-key-fips", "kms", "us-west-2", "GenerateDataKey",
        {"KeyId": "alias/app-key", "NumberOfBytes": 32}, config=FIPS, resource_name="alias/app-key")


def lambda_vectors():
    fn_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:my-function"
    vec("lambda-invoke-name", "lambda", "us-east-1", "Invoke",
        {"FunctionName": "my-function", "Payload": b'{"k": "v"}'}, resource_name="function:my-function")
    vec("lambda-invoke-qualified-name", "lambda", "us-east-1", "Invoke",
        {"FunctionName": "my-function:prod", "Payload": b"{}", "InvocationType": "Event"},
        resource_name="function:my-function:prod")
    vec("lambda-invoke-arn", "lambda", "us-east-1", "Invoke", {"FunctionName": fn_arn, "Payload": b"{}"},
        resource=fn_arn)
    vec("lambda-invoke-qualifier-param", "lambda", "us-east-1", "Invoke",
        {"FunctionName": "my-function", "Qualifier": "$LATEST", "LogType": "Tail"},
        resource_name="function:my-function")
    vec("lambda-invoke-eu-central-1", "lambda", "eu-central-1", "Invoke",
        {"FunctionName": f"arn:aws:lambda:eu-central-1:{ACCOUNT}:function:fn-eu", "Payload": b"[]"},
        resource=f"arn:aws:lambda:eu-central-1:{ACCOUNT}:function:fn-eu")
    vec("lambda-get-function", "lambda", "us-east-1", "GetFunction", {"FunctionName": "my-function"},
        resource_name="function:my-function")
    vec("lambda-get-function-arn", "lambda", "us-west-2", "GetFunction",
        {"FunctionName": f"arn:aws:lambda:us-west-2:{ACCOUNT}:function:other"},
        resource=f"arn:aws:lambda:us-west-2:{ACCOUNT}:function:other")
    vec("lambda-list-functions", "lambda", "us-east-1", "ListFunctions", {"MaxItems": 50})
    vec("lambda-create-function", "lambda", "us-east-1", "CreateFunction",
        {"FunctionName": "new-function", "Runtime": "python3.12", "Handler": "app.handler",
         "Role": f"arn:aws:iam::{ACCOUNT}:role/lambda-exec",
         "Code": {"ZipFile": b"PK\x05\x06" + b"\x00" * 18}},
        resource_name="function:new-function")
    vec("lambda-invoke-with-response-stream", "lambda", "us-east-1", "InvokeWithResponseStream",
        {"FunctionName": "streamer", "Payload": b"{}"}, resource_name="function:streamer")


def global_services_vectors():
    vec("iam-list-users", "iam", "us-east-1", "ListUsers", {"MaxItems": 100})
    vec("iam-create-role", "iam", "us-east-1", "CreateRole",
        {"RoleName": "app-role", "AssumeRolePolicyDocument": json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]})})
    vec("iam-get-role-eu-west-1-client", "iam", "eu-west-1", "GetRole", {"RoleName": "app-role"})
    vec("iam-list-users-cn-north-1", "iam", "cn-north-1", "ListUsers", {})
    vec("iam-list-users-us-gov-west-1", "iam", "us-gov-west-1", "ListUsers", {})
    vec("route53-list-hosted-zones", "route53", "us-east-1", "ListHostedZones", {})
    vec("route53-change-resource-record-sets", "route53", "us-east-1", "ChangeResourceRecordSets",
        {"HostedZoneId": "Z1D633PJN98FT9", "ChangeBatch": {"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
            "Name": "www.example.com", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "192.0.2.1"}]}}]}})
    vec("route53-get-hosted-zone", "route53", "eu-west-1", "GetHostedZone", {"Id": "/hostedzone/Z1D633PJN98FT9"})
    vec("cloudfront-list-distributions", "cloudfront", "us-east-1", "ListDistributions", {})
    vec("cloudfront-create-invalidation", "cloudfront", "us-east-1", "CreateInvalidation",
        {"DistributionId": "EDFDVBD6EXAMPLE", "InvalidationBatch": {
            "Paths": {"Quantity": 1, "Items": ["/images/*"]}, "CallerReference": "ref-2026-01-15"}})
    vec("organizations-list-accounts", "organizations", "us-east-1", "ListAccounts", {})
    vec("organizations-describe-organization", "organizations", "us-east-1", "DescribeOrganization", {})
    vec("wafv2-list-web-acls-cloudfront", "wafv2", "us-east-1", "ListWebACLs", {"Scope": "CLOUDFRONT"})
    vec("ce-get-cost-and-usage", "ce", "us-east-1", "GetCostAndUsage",
        {"TimePeriod": {"Start": "2026-01-01", "End": "2026-01-15"}, "Granularity": "DAILY", "Metrics": ["BlendedCost"]})
    vec("pricing-get-products", "pricing", "us-east-1", "GetProducts", {"ServiceCode": "AmazonEC2", "MaxResults": 1})
    vec("health-describe-events", "health", "us-east-1", "DescribeEvents", {})
    vec("budgets-describe-budgets", "budgets", "us-east-1", "DescribeBudgets", {"AccountId": ACCOUNT})


def json_services_vectors():
    t0 = datetime.datetime(2026, 1, 15, 12, 0, 0, tzinfo=datetime.timezone.utc)
    t1 = datetime.datetime(2026, 1, 15, 12, 30, 0, tzinfo=datetime.timezone.utc)
    vec("secretsmanager-get-secret-value", "secretsmanager", "us-east-1", "GetSecretValue", {"SecretId": "prod/db"})
    vec("secretsmanager-get-secret-value-arn", "secretsmanager", "eu-west-1", "GetSecretValue",
        {"SecretId": f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:prod/db-AbCdEf", "VersionStage": "AWSCURRENT"})
    vec("ssm-get-parameter", "ssm", "us-east-1", "GetParameter", {"Name": "/app/prod/db-url", "WithDecryption": True})
    vec("ssm-get-parameters-by-path", "ssm", "us-east-1", "GetParametersByPath", {"Path": "/app/prod", "Recursive": True})
    vec("logs-put-log-events", "logs", "us-east-1", "PutLogEvents",
        {"logGroupName": "/aws/app", "logStreamName": "stream-1",
         "logEvents": [{"timestamp": 1768480496000, "message": "started"}]})
    vec("logs-filter-log-events", "logs", "eu-central-1", "FilterLogEvents",
        {"logGroupName": "/aws/app", "filterPattern": "ERROR"})
    vec("ecr-get-authorization-token", "ecr", "us-east-1", "GetAuthorizationToken", {})
    vec("ecr-describe-repositories", "ecr", "eu-west-1", "DescribeRepositories", {"repositoryNames": ["app"]})
    vec("ecs-list-clusters", "ecs", "us-east-1", "ListClusters", {})
    vec("ecs-run-task", "ecs", "us-east-1", "RunTask", {"cluster": "prod", "taskDefinition": "web:3", "count": 1,
                                                       "clientToken": "token-1"})
    vec("kinesis-put-record", "kinesis", "us-east-1", "PutRecord",
        {"StreamName": "clicks", "Data": b"click", "PartitionKey": "user-1"})
    vec("kinesis-put-record-stream-arn", "kinesis", "us-east-1", "PutRecord",
        {"StreamARN": f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/clicks", "Data": b"click", "PartitionKey": "u"})
    vec("kinesis-list-streams", "kinesis", "us-east-1", "ListStreams", {})
    vec("firehose-put-record", "firehose", "us-east-1", "PutRecord",
        {"DeliveryStreamName": "to-s3", "Record": {"Data": b"line\n"}})
    vec("stepfunctions-start-execution", "stepfunctions", "us-east-1", "StartExecution",
        {"stateMachineArn": f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:flow", "name": "run-1", "input": "{}"})
    vec("stepfunctions-start-sync-execution", "stepfunctions", "us-east-1", "StartSyncExecution",
        {"stateMachineArn": f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:express", "input": "{}"})
    vec("events-put-events", "events", "us-east-1", "PutEvents",
        {"Entries": [{"Source": "app.orders", "DetailType": "OrderPlaced", "Detail": "{\"id\": 1}",
                      "EventBusName": "default"}]})
    vec("events-put-events-global-endpoint-sigv4a", "events", "us-east-1", "PutEvents",
        {"EndpointId": "abcde.veo", "Entries": [{"Source": "app", "DetailType": "t", "Detail": "{}"}]})
    vec("athena-start-query-execution", "athena", "us-east-1", "StartQueryExecution",
        {"QueryString": "SELECT 1", "WorkGroup": "primary", "ClientRequestToken": "a" * 32})
    vec("glue-get-tables", "glue", "us-east-1", "GetTables", {"DatabaseName": "analytics"})
    vec("redshift-data-execute-statement", "redshift-data", "us-east-1", "ExecuteStatement",
        {"Sql": "select 1", "Database": "dev", "WorkgroupName": "default", "ClientToken": "c-1"})
    vec("cognito-idp-list-user-pools", "cognito-idp", "us-east-1", "ListUserPools", {"MaxResults": 10})
    vec("cognito-idp-admin-get-user", "cognito-idp", "eu-west-1", "AdminGetUser",
        {"UserPoolId": "eu-west-1_AbCdEfGhI", "Username": "alice"})
    vec("cognito-identity-describe-identity-pool", "cognito-identity", "us-east-1", "DescribeIdentityPool",
        {"IdentityPoolId": "us-east-1:11111111-2222-3333-4444-555555555555"})
    vec("codebuild-start-build", "codebuild", "us-east-1", "StartBuild", {"projectName": "app"})
    vec("codecommit-get-repository", "codecommit", "us-east-1", "GetRepository", {"repositoryName": "app"})
    vec("config-describe-config-rules", "config", "us-east-1", "DescribeConfigRules", {})
    vec("acm-list-certificates", "acm", "us-east-1", "ListCertificates", {})
    vec("textract-detect-document-text", "textract", "us-east-1", "DetectDocumentText",
        {"Document": {"S3Object": {"Bucket": "docs", "Name": "scan.png"}}})
    vec("rekognition-detect-labels", "rekognition", "us-east-1", "DetectLabels",
        {"Image": {"S3Object": {"Bucket": "pics", "Name": "cat.jpg"}}, "MaxLabels": 5})
    vec("translate-translate-text", "translate", "us-east-1", "TranslateText",
        {"Text": "hello", "SourceLanguageCode": "en", "TargetLanguageCode": "de"})
    vec("comprehend-detect-sentiment", "comprehend", "us-east-1", "DetectSentiment",
        {"Text": "I love it", "LanguageCode": "en"})
    vec("transcribe-start-transcription-job", "transcribe", "us-east-1", "StartTranscriptionJob",
        {"TranscriptionJobName": "job-1", "LanguageCode": "en-US", "Media": {"MediaFileUri": "s3://media/a.mp3"}})
    vec("emr-list-clusters", "emr", "us-east-1", "ListClusters", {"ClusterStates": ["RUNNING"]})
    vec("sagemaker-list-endpoints", "sagemaker", "us-east-1", "ListEndpoints", {})
    vec("cloudtrail-lookup-events", "cloudtrail", "us-east-1", "LookupEvents",
        {"StartTime": t0, "EndTime": t1, "MaxResults": 5})
    vec("ecr-public-describe-repositories", "ecr-public", "us-east-1", "DescribeRepositories", {})
    vec("servicecatalog-list-portfolios", "servicecatalog", "us-east-1", "ListPortfolios", {})
    vec("sso-admin-list-instances", "sso-admin", "us-east-1", "ListInstances", {})
    vec("application-autoscaling-describe-scalable-targets", "application-autoscaling", "us-east-1",
        "DescribeScalableTargets", {"ServiceNamespace": "ecs"})


def query_services_vectors():
    vec("ses-send-email", "ses", "us-east-1", "SendEmail",
        {"Source": "a@example.com", "Destination": {"ToAddresses": ["b@example.com"]},
         "Message": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}})
    vec("elbv2-describe-load-balancers", "elbv2", "us-east-1", "DescribeLoadBalancers", {"Names": ["web"]})
    vec("elb-describe-load-balancers", "elb", "us-east-1", "DescribeLoadBalancers", {})
    vec("autoscaling-describe-auto-scaling-groups", "autoscaling", "us-east-1", "DescribeAutoScalingGroups",
        {"AutoScalingGroupNames": ["web-asg"]})
    vec("cloudformation-describe-stacks", "cloudformation", "us-east-1", "DescribeStacks", {"StackName": "app"})
    vec("cloudformation-create-stack", "cloudformation", "eu-central-1", "CreateStack",
        {"StackName": "app", "TemplateURL": "https://s3.amazonaws.com/templates/app.yaml",
         "Parameters": [{"ParameterKey": "Env", "ParameterValue": "prod"}], "Capabilities": ["CAPABILITY_IAM"]})
    vec("rds-describe-db-instances", "rds", "us-east-1", "DescribeDBInstances", {"DBInstanceIdentifier": "db-1"})
    vec("rds-describe-db-instances-cn-north-1", "rds", "cn-north-1", "DescribeDBInstances", {})
    vec("neptune-describe-db-clusters", "neptune", "us-east-1", "DescribeDBClusters", {})
    vec("docdb-describe-db-clusters", "docdb", "us-east-1", "DescribeDBClusters", {})
    vec("elasticache-describe-cache-clusters", "elasticache", "us-east-1", "DescribeCacheClusters", {})
    vec("elasticbeanstalk-describe-environments", "elasticbeanstalk", "us-east-1", "DescribeEnvironments", {})
    vec("redshift-describe-clusters", "redshift", "us-east-1", "DescribeClusters", {})
    vec("sts-get-caller-identity-us-west-2", "sts", "us-west-2", "GetCallerIdentity", {})


def rest_json_services_vectors():
    vec("sesv2-send-email", "sesv2", "us-east-1", "SendEmail",
        {"FromEmailAddress": "a@example.com", "Destination": {"ToAddresses": ["b@example.com"]},
         "Content": {"Simple": {"Subject": {"Data": "Hi"}, "Body": {"Text": {"Data": "Hello"}}}}})
    vec("eks-list-clusters", "eks", "us-east-1", "ListClusters", {})
    vec("eks-describe-cluster", "eks", "us-west-2", "DescribeCluster", {"name": "prod cluster"})
    vec("apigateway-get-rest-apis", "apigateway", "us-east-1", "GetRestApis", {"limit": 25})
    vec("apigatewaymanagementapi-post-to-connection", "apigatewaymanagementapi", "us-east-1", "PostToConnection",
        {"ConnectionId": "L0SM9cOFvHcCIhw=", "Data": b'{"msg": "hi"}'},
        endpoint_url="https://abc123.execute-api.us-east-1.amazonaws.com/prod")
    vec("sagemaker-runtime-invoke-endpoint", "sagemaker-runtime", "us-east-1", "InvokeEndpoint",
        {"EndpointName": "my-model", "Body": b'{"inputs": [1,2,3]}', "ContentType": "application/json"})
    vec("bedrock-runtime-invoke-model", "bedrock-runtime", "us-east-1", "InvokeModel",
        {"modelId": "anthropic.claude-3-haiku-20240307-v1:0", "body": b'{"prompt": "hi"}',
         "contentType": "application/json", "accept": "application/json"})
    vec("bedrock-runtime-converse", "bedrock-runtime", "us-west-2", "Converse",
        {"modelId": f"arn:aws:bedrock:us-west-2:{ACCOUNT}:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0",
         "messages": [{"role": "user", "content": [{"text": "hi"}]}]})
    vec("bedrock-list-foundation-models", "bedrock", "us-east-1", "ListFoundationModels", {})
    vec("appsync-list-graphql-apis", "appsync", "us-east-1", "ListGraphqlApis", {})
    vec("backup-list-backup-vaults", "backup", "us-east-1", "ListBackupVaults", {})
    vec("guardduty-list-detectors", "guardduty", "us-east-1", "ListDetectors", {})
    vec("securityhub-get-findings", "securityhub", "us-east-1", "GetFindings", {"MaxResults": 10})
    vec("polly-synthesize-speech", "polly", "us-east-1", "SynthesizeSpeech",
        {"Text": "Hello", "OutputFormat": "mp3", "VoiceId": "Joanna"})
    vec("polly-describe-voices", "polly", "us-east-1", "DescribeVoices", {"LanguageCode": "en-US"})
    vec("efs-describe-file-systems", "efs", "us-east-1", "DescribeFileSystems", {})
    vec("batch-submit-job", "batch", "us-east-1", "SubmitJob",
        {"jobName": "job-1", "jobQueue": "default", "jobDefinition": "render:1"})
    vec("xray-put-trace-segments", "xray", "us-east-1", "PutTraceSegments",
        {"TraceSegmentDocuments": ['{"name":"app","id":"70de5b6f19ff9a0a","trace_id":"1-581cf771-a006649127e371903a2de979","start_time":1.478293361271E9,"end_time":1.478293361449E9}']})
    vec("iot-data-publish", "iot-data", "us-east-1", "Publish",
        {"topic": "devices/thermo 1/temp", "qos": 1, "payload": b"21.5"})
    vec("iot-list-things", "iot", "us-east-1", "ListThings", {})
    vec("opensearch-list-domain-names", "opensearch", "us-east-1", "ListDomainNames", {})
    vec("glacier-list-vaults", "glacier", "us-east-1", "ListVaults", {"accountId": "-"})
    vec("lambda-list-functions-cn-north-1", "lambda", "cn-north-1", "ListFunctions", {})
    vec("apigatewayv2-get-apis", "apigatewayv2", "us-east-1", "GetApis", {})
    vec("mediastore-data-get-object", "mediastore-data", "us-east-1", "GetObject", {"Path": "videos/clip 1.mp4"},
        endpoint_url="https://abcdefghij.data.mediastore.us-east-1.amazonaws.com")


def cbor_capable_vectors():
    t0 = datetime.datetime(2026, 1, 15, 12, 0, 0, tzinfo=datetime.timezone.utc)
    t1 = datetime.datetime(2026, 1, 15, 12, 30, 0, tzinfo=datetime.timezone.utc)
    metric_data = {"Namespace": "App", "MetricData": [
        {"MetricName": "Latency", "Dimensions": [{"Name": "Route", "Value": "/home"}], "Timestamp": t0,
         "Value": 12.5, "Unit": "Milliseconds"}]}
    get_metric_data = {"StartTime": t0, "EndTime": t1, "MetricDataQueries": [
        {"Id": "q1", "MetricStat": {"Metric": {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization"},
                                    "Period": 300, "Stat": "Average"}}]}
    # What botocore 1.43.11 actually speaks (json, see docstring).
    vec("cloudwatch-put-metric-data", "cloudwatch", "us-east-1", "PutMetricData", metric_data)
    vec("cloudwatch-get-metric-data", "cloudwatch", "us-east-1", "GetMetricData", get_metric_data)
    vec("cloudwatch-describe-alarms", "cloudwatch", "eu-west-1", "DescribeAlarms", {"AlarmNames": ["high-cpu"]})
    vec("arc-region-switch-list-plans", "arc-region-switch", "us-east-1", "ListPlans", {})
    vec("compute-optimizer-get-enrollment-status", "compute-optimizer", "us-east-1", "GetEnrollmentStatus", {})
    vec("gamelift-list-fleets", "gamelift", "us-east-1", "ListFleets", {})
    vec("snowball-list-jobs", "snowball", "us-east-1", "ListJobs", {})
    vec("marketplace-entitlement-get-entitlements", "marketplace-entitlement", "us-east-1", "GetEntitlements",
        {"ProductCode": "abc123xyz"})
    vec("comprehendmedical-detect-entities-v2", "comprehendmedical", "us-east-1", "DetectEntitiesV2",
        {"Text": "aspirin 81 mg"})

    # Forced protocols: botocore's own serializer for another protocol the model advertises.
    cbor = "smithy-rpc-v2-cbor"
    vec("cloudwatch-put-metric-data-cbor", "cloudwatch", "us-east-1", "PutMetricData", metric_data, force_protocol=cbor)
    vec("cloudwatch-get-metric-data-cbor", "cloudwatch", "us-east-1", "GetMetricData", get_metric_data,
        force_protocol=cbor)
    vec("cloudwatch-list-metrics-cbor", "cloudwatch", "eu-central-1", "ListMetrics", {"Namespace": "AWS/EC2"},
        force_protocol=cbor)
    vec("arc-region-switch-list-plans-cbor", "arc-region-switch", "us-east-1", "ListPlans", {}, force_protocol=cbor)
    vec("compute-optimizer-get-enrollment-status-cbor", "compute-optimizer", "us-east-1", "GetEnrollmentStatus", {},
        force_protocol=cbor)
    vec("gamelift-list-fleets-cbor", "gamelift", "us-west-2", "ListFleets", {"Limit": 5}, force_protocol=cbor)
    vec("snowball-list-jobs-cbor", "snowball", "us-east-1", "ListJobs", {}, force_protocol=cbor)
    vec("marketplace-entitlement-get-entitlements-cbor", "marketplace-entitlement", "us-east-1", "GetEntitlements",
        {"ProductCode": "abc123xyz"}, force_protocol=cbor)
    vec("cloudwatch-put-metric-data-query", "cloudwatch", "us-east-1", "PutMetricData", metric_data,
        force_protocol="query")
    vec("cloudwatch-get-metric-data-query", "cloudwatch", "us-east-1", "GetMetricData", get_metric_data,
        force_protocol="query")


# Not generated: timestream-write / timestream-query. Every operation requires endpoint
# discovery (botocore calls DescribeEndpoints over the network before the real request).


def main():
    patches = [
        mock.patch.object(botocore.auth, "get_current_datetime", _frozen_get_current_datetime),
        mock.patch.object(botocore.compat, "get_current_datetime", _frozen_get_current_datetime),
        mock.patch.object(botocore.signers, "get_current_datetime", _frozen_get_current_datetime),
        mock.patch.object(crt_auth, "get_current_datetime", _frozen_get_current_datetime),
        mock.patch("uuid.uuid4", _uuid4),
    ]
    for p in patches:
        p.start()
    try:
        s3_vectors()
        dynamodb_vectors()
        sts_vectors()
        ec2_vectors()
        sqs_vectors()
        sns_vectors()
        kms_vectors()
        lambda_vectors()
        global_services_vectors()
        json_services_vectors()
        query_services_vectors()
        rest_json_services_vectors()
        cbor_capable_vectors()
    finally:
        for p in reversed(patches):
            p.stop()

    models = Counter(v["model"] for v in VECTORS)
    protocols = Counter(v["protocol"] for v in VECTORS)
    assert len(VECTORS) >= 170, len(VECTORS)
    assert len(models) >= 45, len(models)
    assert sum(1 for v in VECTORS if v["model"] == "s3") >= 30
    assert set(protocols) == set(botocore.serialize.SERIALIZERS), protocols

    doc = {
        "generator": GENERATOR,
        "botocore_version": BOTOCORE_VERSION,
        "access_key_id": ACCESS_KEY_ID,
        "secret_access_key": SECRET_ACCESS_KEY,
        "signing_time": SIGNING_TIME.strftime("%Y%m%dT%H%M%SZ"),
        "vectors": VECTORS,
    }
    os.makedirs(os.path.dirname(OUTPUT), exist_ok=True)
    with open(OUTPUT, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(VECTORS)} vectors, {len(models)} models -> {os.path.relpath(OUTPUT, REPO_ROOT)}")
    print("protocols:", dict(sorted(protocols.items())))


if __name__ == "__main__":
    main()
