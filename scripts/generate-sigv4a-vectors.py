#!/usr/bin/env python3
"""Generate SigV4a (AWS4-ECDSA-P256-SHA256) test vectors signed by AWS's CRT signer.

What it does
------------
Signs a set of requests with the AWS Common Runtime signer (``awscrt``), the
signer AWS SDKs use for SigV4a: partly through botocore's CRT signer classes
(``CrtS3SigV4AsymAuth``, ``CrtSigV4AsymAuth``, ``CrtS3SigV4AsymQueryAuth``,
``CrtSigV4AsymQueryAuth``) and real boto3 clients (Multi-Region Access Point
ARN, EventBridge global endpoint), partly through ``awscrt.auth.aws_sign_request``
directly (for the ``signed_body_header_type=X_AMZ_CONTENT_SHA_256`` option).
The signing clock is frozen at 2026-01-15T12:34:56Z.

For every signed request it records the *wire form* (method, raw path, raw
query, ordered header list including ``Host`` and ``Authorization``, body)
and writes ``Tests/OracleVectors/Vectors/sigv4a.json``.  SigV4a signatures are
randomized ECDSA, so the file holds ONE signature per vector; verifiers must
check it with the public key derived from the secret, never compare it.  The
signature is therefore different on every run (the rest of the file is not).

Each vector carries "negatives": copies of the wire request with one small
change (one byte of the path, of a query parameter, of a signed header value,
of the body, X-Amz-Date one second later, a different region set) that keep
CRT's original signature, so a verifier must reject them.

Self-check (the script refuses to write the file if any of this fails):
  * derive the P-256 key pair from the secret exactly as AWS does (NIST SP
    800-108 counter-mode HMAC-SHA256 KDF keyed by "AWS4A"+secret, private key
    = k0 + 1), with hmac/hashlib only;
  * rebuild the canonical request and string to sign from the wire form
    alone, with the plain SigV4 rules implemented in this file (no botocore,
    no awscrt), and verify CRT's DER signature with the ``cryptography``
    package.  Only then are ``canonical_request`` / ``string_to_sign`` stored
    in ``expected`` (a verifying signature proves they are what CRT signed);
  * every negative parses but does NOT verify.

Note: with S3 rules (use_double_uri_encode=False) CRT signs the wire path
VERBATIM, without decoding and re-encoding it (``/test$file.text`` is signed
as is, where the SigV4 spec and botocore use ``/test%24file.text``; ``%7e``
stays lower-case).  For paths already in canonical encoding, which is what
the SDKs send, both agree; the vectors here only use such paths.

Regenerate
----------
From the repository root::

    python3 scripts/generate-sigv4a-vectors.py

Needs botocore/boto3 (1.43.11 was used), ``cryptography`` and ``awscrt``.  If
``awscrt`` is missing the script runs ``pip install awscrt`` itself (set
SIGV4A_NO_PIP=1 to forbid that).  No network access is used otherwise:
client calls are intercepted in the ``before-send`` event.  AWS_* environment
variables and config files are ignored.
"""

import base64
import datetime
import hashlib
import hmac
import io
import json
import os
import subprocess
import sys
from unittest import mock
from urllib.parse import quote, unquote, unquote_to_bytes, urlsplit

from sigv4_spec import spec_canonical_uri, uri_encode

# Isolate from the user's AWS configuration before botocore is imported.
for _k in list(os.environ):
    if _k.startswith("AWS_") or _k.startswith("BOTO"):
        del os.environ[_k]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

try:
    import awscrt  # noqa: F401
except ImportError:
    if os.environ.get("SIGV4A_NO_PIP"):
        sys.exit("awscrt is not installed: run `pip install awscrt` first")
    print("awscrt not installed; running `pip install awscrt` ...", file=sys.stderr)
    subprocess.check_call([sys.executable, "-m", "pip", "install", "awscrt"])
    import awscrt  # noqa: F401

import awscrt.auth  # noqa: E402
import awscrt.http  # noqa: E402
from awscrt.auth import (  # noqa: E402
    AwsCredentialsProvider,
    AwsSignatureType,
    AwsSignedBodyHeaderType,
    AwsSigningAlgorithm,
    AwsSigningConfig,
)

import boto3  # noqa: E402
import botocore  # noqa: E402
import botocore.auth  # noqa: E402  (import order: botocore.auth before botocore.crt.auth)
import botocore.crt.auth as crt_auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402

from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

try:
    from importlib.metadata import version as _pkg_version
except ImportError:  # pragma: no cover
    _pkg_version = None

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_PATH = os.path.join(REPO_ROOT, "Tests", "OracleVectors", "Vectors", "sigv4a.json")
GENERATOR = "scripts/generate-sigv4a-vectors.py"

ALGORITHM = "AWS4-ECDSA-P256-SHA256"
SIGNING_TIME = datetime.datetime(2026, 1, 15, 12, 34, 56, tzinfo=datetime.timezone.utc)
AMZ_DATE = SIGNING_TIME.strftime("%Y%m%dT%H%M%SZ")

# Same fixed keys as scripts/generate-botocore-vectors.py.
AKID = "AKIASP2TPHJSQH3FJRUX"
AKID_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
ASID = "ASIAY34FZKBOKMUTVV7A"
ASID_SECRET = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
SESSION_TOKEN = (
    "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDexample+token/"
    "AiBsZXNzaW9uLXRva2VuLWZvci10ZXN0cw==EXAMPLE"
)
CREDS = Credentials(AKID, AKID_SECRET)
SESSION_CREDS = Credentials(ASID, ASID_SECRET, SESSION_TOKEN)

MRAP_ALIAS = "mfzwi23gnjvgw.mrap"
MRAP_HOST = MRAP_ALIAS + ".accesspoint.s3-global.amazonaws.com"
MRAP_ARN = "arn:aws:s3::171436882533:accesspoint/" + MRAP_ALIAS

# Real boto3 clients send machine-dependent, UNSIGNED headers; pin them (the
# self-check asserts they are not signed, so this cannot change the signature).
FIXED_USER_AGENT = "Boto3/1.43.11 md/Botocore#1.43.11 md/awscrt ua/2.1 lang/python Botocore/1.43.11"
FIXED_INVOCATION_ID = "00000000-0000-4000-8000-000000000000"


def _frozen_get_current_datetime(remove_tzinfo=True):
    return SIGNING_TIME.replace(tzinfo=None) if remove_tzinfo else SIGNING_TIME


def frozen_clock():
    return mock.patch.object(crt_auth, "get_current_datetime", _frozen_get_current_datetime)


# ---------------------------------------------------------------------------
# Wire form helpers
# ---------------------------------------------------------------------------


def _s(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


def _body_bytes(body):
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if hasattr(body, "read"):
        pos = body.tell()
        data = body.read()
        body.seek(pos)
        return data if isinstance(data, bytes) else data.encode("utf-8")
    raise TypeError(type(body))


def _pin_client_headers(headers):
    for h in headers:
        if h[0].lower() == "user-agent":
            h[1] = FIXED_USER_AGENT
        elif h[0].lower() == "amz-sdk-invocation-id":
            h[1] = FIXED_INVOCATION_ID
    return headers


def wire_from_prepared(prepared):
    """Wire form of an AWSPreparedRequest (after signing, as handed to HTTP)."""
    parts = urlsplit(prepared.url)
    headers = [[k, _s(v)] for k, v in prepared.headers.items()]
    if not any(k.lower() == "host" for k, _ in headers):
        headers.insert(0, ["Host", parts.netloc])
    return {
        "method": prepared.method,
        "path": parts.path or "/",
        "query": parts.query,
        "headers": _pin_client_headers(headers),
        "body_base64": base64.b64encode(_body_bytes(prepared.body)).decode("ascii"),
    }


def sign_with_botocore_class(cls, creds, service, region_set, method, url, headers, body=b"",
                             context=None, **cls_kwargs):
    """Sign an AWSRequest with one of botocore's CRT SigV4a signer classes."""
    req = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
    if context:
        req.context.update(context)
    signer = cls(creds, service, region_set, **cls_kwargs)
    with frozen_clock():
        signer.add_auth(req)
    return wire_from_prepared(req.prepare())


class _Captured(Exception):
    pass


def sign_with_client(service, call, region="us-east-1", creds=CREDS, config=None):
    """Run a real boto3 client call and capture the request in before-send."""
    session = boto3.session.Session(
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
        aws_session_token=creds.token,
        region_name=region,
    )
    client = session.client(service, config=config)
    seen = []

    def grab(request, **kwargs):
        seen.append(wire_from_prepared(request))
        raise _Captured()

    client.meta.events.register("before-send", grab)
    with frozen_clock():
        try:
            call(client)
        except _Captured:
            pass
    assert len(seen) == 1, seen
    return seen[0]


def presign_with_client(service, method, params, expires, region="us-east-1", creds=CREDS):
    session = boto3.session.Session(
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
        aws_session_token=creds.token,
        region_name=region,
    )
    client = session.client(service)
    with frozen_clock():
        url = client.generate_presigned_url(method, Params=params, ExpiresIn=expires)
    parts = urlsplit(url)
    return {
        "method": "GET",
        "path": parts.path,
        "query": parts.query,
        "headers": [["Host", parts.netloc]],
        "body_base64": "",
    }


def sign_with_crt(creds, service, region_set, method, path, query, headers, body=b"",
                  signature_type=AwsSignatureType.HTTP_REQUEST_HEADERS, s3_rules=False,
                  signed_body_value=None,
                  signed_body_header_type=AwsSignedBodyHeaderType.NONE,
                  expiration_in_seconds=None):
    """Sign directly with awscrt.auth.aws_sign_request (no botocore involved)."""
    crt_path = path + ("?" + query if query else "")
    req = awscrt.http.HttpRequest(
        method=method,
        path=crt_path,
        headers=awscrt.http.HttpHeaders(list(headers)),
        body_stream=io.BytesIO(body) if body else None,
    )
    config = AwsSigningConfig(
        algorithm=AwsSigningAlgorithm.V4_ASYMMETRIC,
        signature_type=signature_type,
        credentials_provider=AwsCredentialsProvider.new_static(
            creds.access_key, creds.secret_key, creds.token),
        region=region_set,
        service=service,
        date=SIGNING_TIME,
        use_double_uri_encode=not s3_rules,
        should_normalize_uri_path=not s3_rules,
        signed_body_value=signed_body_value,
        signed_body_header_type=signed_body_header_type,
        expiration_in_seconds=expiration_in_seconds,
    )
    awscrt.auth.aws_sign_request(req, config).result()
    wire_path, _, wire_query = req.path.partition("?")
    return {
        "method": req.method,
        "path": wire_path,
        "query": wire_query,
        "headers": [[k, v] for k, v in req.headers],
        "body_base64": base64.b64encode(body).decode("ascii"),
    }


# ---------------------------------------------------------------------------
# Independent verifier: AWS key derivation + spec-based canonical request
# (hashlib/hmac/cryptography only; no botocore, no awscrt)
# ---------------------------------------------------------------------------

P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def derive_sigv4a_private_key(access_key_id, secret):
    """AWS SigV4a key derivation (NIST SP 800-108 counter mode, HMAC-SHA256)."""
    key = ("AWS4A" + secret).encode("utf-8")
    for counter in range(1, 255):
        msg = (b"\x00\x00\x00\x01" + ALGORITHM.encode() + b"\x00" + access_key_id.encode("utf-8")
               + bytes([counter]) + b"\x00\x00\x01\x00")
        k0 = int.from_bytes(hmac.new(key, msg, hashlib.sha256).digest(), "big")
        if k0 <= P256_N - 2:
            return ec.derive_private_key(k0 + 1, ec.SECP256R1())
    raise ValueError("key derivation did not converge")


def public_key_hex(private_key):
    return private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint).hex()


_UNRESERVED = "-_.~"


def is_s3_family(service):
    return service in ("s3", "s3-object-lambda", "s3-outposts", "s3express")




def query_params(query):
    """[(decoded name, decoded value)] in wire order."""
    out = []
    for part in query.split("&"):
        if not part:
            continue
        k, _, v = part.partition("=")
        out.append((unquote(k), unquote(v)))
    return out


def spec_canonical_query(query, presigned):
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        k, _, v = part.partition("=")
        if presigned and unquote(k) == "X-Amz-Signature":
            continue
        pairs.append((uri_encode(unquote_to_bytes(k)), uri_encode(unquote_to_bytes(v))))
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def _norm_value(v):
    return " ".join(v.strip().split())


def header_values(headers, name):
    return [v for k, v in headers if k.lower() == name]


class VerifyError(Exception):
    pass


def analyse(wire, secret):
    """Rebuild CR/STS from the wire form alone and verify the ECDSA signature.

    Returns a dict with the parsed parts and `verified` (bool).  Raises
    VerifyError when the request cannot even be parsed as SigV4a.
    """
    headers = wire["headers"]
    body = base64.b64decode(wire["body_base64"])
    qp = query_params(wire["query"])
    qd = {}
    for k, v in qp:
        qd.setdefault(k, []).append(v)
    auth_vals = header_values(headers, "authorization")
    if auth_vals:
        auth = "header"
        if len(auth_vals) != 1 or not auth_vals[0].startswith(ALGORITHM + " "):
            raise VerifyError("bad Authorization header")
        fields = {}
        for item in auth_vals[0][len(ALGORITHM) + 1:].split(","):
            k, _, v = item.strip().partition("=")
            fields[k] = v
        credential = fields["Credential"]
        signed_headers = fields["SignedHeaders"]
        signature = fields["Signature"]
        dates = header_values(headers, "x-amz-date")
        region_sets = header_values(headers, "x-amz-region-set")
    else:
        auth = "presigned"
        if qd.get("X-Amz-Algorithm") != [ALGORITHM]:
            raise VerifyError("not a SigV4a presigned request")
        credential = qd["X-Amz-Credential"][0]
        signed_headers = qd["X-Amz-SignedHeaders"][0]
        signature = qd["X-Amz-Signature"][0]
        dates = qd.get("X-Amz-Date", [])
        region_sets = qd.get("X-Amz-Region-Set", [])
        if not qd.get("X-Amz-Expires"):
            raise VerifyError("presigned request without X-Amz-Expires")
    if len(dates) != 1 or len(region_sets) != 1:
        raise VerifyError("need exactly one X-Amz-Date and one X-Amz-Region-Set")
    timestamp, region_set = dates[0], region_sets[0]
    akid, scope_date, service, terminator = credential.split("/")
    if terminator != "aws4_request" or scope_date != timestamp[:8]:
        raise VerifyError("bad credential scope")
    signed_list = signed_headers.split(";")
    if signed_list != sorted(signed_list) or "host" not in signed_list:
        raise VerifyError("SignedHeaders not sorted or without host")
    if auth == "header" and "x-amz-region-set" not in signed_list:
        raise VerifyError("X-Amz-Region-Set not signed")
    canon_headers = ""
    for name in signed_list:
        vals = header_values(headers, name)
        if not vals:
            raise VerifyError(f"signed header {name} absent")
        canon_headers += name + ":" + ",".join(_norm_value(v) for v in vals) + "\n"
    s3 = is_s3_family(service)
    sha_hdr = header_values(headers, "x-amz-content-sha256")
    if sha_hdr:
        payload_hash = sha_hdr[0]
    elif auth == "presigned" and s3:
        payload_hash = "UNSIGNED-PAYLOAD"
    else:
        payload_hash = hashlib.sha256(body).hexdigest()
    canonical_request = "\n".join([
        wire["method"],
        spec_canonical_uri(wire["path"], s3),
        spec_canonical_query(wire["query"], auth == "presigned"),
        canon_headers,
        signed_headers,
        payload_hash,
    ])
    scope = f"{scope_date}/{service}/aws4_request"
    string_to_sign = "\n".join([
        ALGORITHM, timestamp, scope,
        hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
    ])
    key = derive_sigv4a_private_key(akid, secret)
    try:
        key.public_key().verify(bytes.fromhex(signature), string_to_sign.encode("utf-8"),
                                ec.ECDSA(hashes.SHA256()))
        verified = True
    except InvalidSignature:
        verified = False
    return {
        "auth": auth, "akid": akid, "service": service, "region_set": region_set,
        "timestamp": timestamp, "signed_headers": signed_headers, "signature": signature,
        "canonical_request": canonical_request, "string_to_sign": string_to_sign,
        "public_key": public_key_hex(key), "verified": verified,
    }


# ---------------------------------------------------------------------------
# Negatives
# ---------------------------------------------------------------------------


def _bump_char(c):
    if c.isdigit():
        return str((int(c) + 1) % 10)
    if "a" <= c <= "y" or "A" <= c <= "Y":
        return chr(ord(c) + 1)
    if c in "zZ":
        return chr(ord(c) - 25)
    raise ValueError(c)


def bump_last_alnum(s):
    """Change the last ASCII letter/digit of s that is not part of a %XX escape."""
    escaped = set()
    for i, c in enumerate(s):
        if c == "%":
            escaped.update((i + 1, i + 2))
    for i in range(len(s) - 1, -1, -1):
        if i not in escaped and s[i].isascii() and s[i].isalnum():
            return s[:i] + _bump_char(s[i]) + s[i + 1:]
    return None


def _copy(wire):
    return json.loads(json.dumps(wire))


def _set_header(wire, name, fn):
    w = _copy(wire)
    hits = [h for h in w["headers"] if h[0].lower() == name]
    assert len(hits) == 1, (name, hits)
    hits[0][1] = fn(hits[0][1])
    return w


def _set_query_param(wire, name, fn):
    w = _copy(wire)
    parts = w["query"].split("&")
    hits = [i for i, p in enumerate(parts) if unquote(p.partition("=")[0]) == name]
    assert len(hits) == 1, (name, w["query"])
    k, _, v = parts[hits[0]].partition("=")
    parts[hits[0]] = k + "=" + fn(v)
    w["query"] = "&".join(parts)
    return w


def next_second(ts):
    t = datetime.datetime.strptime(ts, "%Y%m%dT%H%M%SZ") + datetime.timedelta(seconds=1)
    out = t.strftime("%Y%m%dT%H%M%SZ")
    assert out[:8] == ts[:8]
    return out


def other_region_set(rs):
    return "us-east-1" if rs != "us-east-1" else "*"


SKIP_HEADER_NEGATIVES = {"host", "x-amz-date", "x-amz-region-set"}
SKIP_QUERY_NEGATIVES = {"X-Amz-Signature", "X-Amz-Algorithm", "X-Amz-Credential",
                        "X-Amz-SignedHeaders", "X-Amz-Date", "X-Amz-Region-Set"}


def make_negatives(wire, info):
    negs = []

    def add(name, field, w):
        negs.append({"name": name, "field": field, "method": w["method"], "path": w["path"],
                     "query": w["query"], "headers": w["headers"], "body_base64": w["body_base64"]})

    # path
    new_path = bump_last_alnum(wire["path"])
    if new_path is not None:
        w = _copy(wire)
        w["path"] = new_path
        add("path-byte", "path", w)
    # query
    user_params = [k for k, _ in query_params(wire["query"]) if k not in SKIP_QUERY_NEGATIVES]
    for k in user_params:
        w = _set_query_param(wire, k, lambda v: bump_last_alnum(v) if bump_last_alnum(v) else v + "x")
        add("query-" + k.lower(), "query", w)
    if not user_params:
        w = _copy(wire)
        w["query"] = w["query"] + ("&x" if w["query"] else "x")
        add("query-added-param", "query", w)
    # signed header values (not host/date/region set)
    for name in info["signed_headers"].split(";"):
        if name in SKIP_HEADER_NEGATIVES:
            continue
        field = "payload" if name == "x-amz-content-sha256" else "header"
        w = _set_header(wire, name, lambda v: bump_last_alnum(v) if bump_last_alnum(v) else v + "x")
        add("header-" + name, field, w)
    if info["auth"] == "presigned":  # host is the only signed header
        w = _set_header(wire, "host", lambda v: v.replace("mrap", "mrar", 1) if "mrap" in v
                        else bump_last_alnum(v.split(".")[0]) + v[len(v.split(".")[0]):])
        add("header-host", "header", w)
    # body, when the payload hash is the body's hash (no x-amz-content-sha256)
    body = base64.b64decode(wire["body_base64"])
    if body and not header_values(wire["headers"], "x-amz-content-sha256") \
            and info["auth"] == "header":
        nb = bytearray(body)
        idx = max(i for i, c in enumerate(nb) if chr(c).isalnum())
        nb[idx:idx + 1] = _bump_char(chr(nb[idx])).encode()
        w = _copy(wire)
        w["body_base64"] = base64.b64encode(bytes(nb)).decode("ascii")
        add("payload-body-byte", "payload", w)
    # date +1 s, region set
    if info["auth"] == "header":
        add("date-x-amz-date-1s", "date", _set_header(wire, "x-amz-date", next_second))
        add("region-set-changed", "region-set",
            _set_header(wire, "x-amz-region-set", other_region_set))
    else:
        add("date-x-amz-date-1s", "date", _set_query_param(wire, "X-Amz-Date", next_second))
        add("region-set-changed", "region-set",
            _set_query_param(wire, "X-Amz-Region-Set",
                             lambda v: quote(other_region_set(unquote(v)), safe=_UNRESERVED)))
    return negs


# ---------------------------------------------------------------------------
# The vectors
# ---------------------------------------------------------------------------

EXECUTE_API_HOST = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"


def build_specs():
    specs = []

    def spec(name, description, creds, region_set, wire, expect_service):
        specs.append({"name": name, "description": description, "creds": creds,
                      "region_set": region_set, "wire": wire, "service": expect_service})

    # (1) S3 GET through a Multi-Region Access Point, header form, region set *.
    spec("s3-mrap-get-object",
         "S3 GetObject through a Multi-Region Access Point host, header form, region set '*', "
         "signed by botocore's CrtS3SigV4AsymAuth (CRT adds x-amz-content-sha256 = sha256 of the empty body).",
         CREDS, "*",
         sign_with_botocore_class(
             crt_auth.CrtS3SigV4AsymAuth, CREDS, "s3", "*", "GET",
             f"https://{MRAP_HOST}/photos/2026/cat.jpg",
             [("Host", MRAP_HOST), ("Range", "bytes=0-1023")]),
         "s3")

    spec("s3-mrap-client-get-object",
         "Real boto3 S3 client GetObject on a Multi-Region Access Point ARN (key with a space); "
         "unsigned User-Agent/amz-sdk-* headers are present and pinned to fixed values.",
         CREDS, "*",
         sign_with_client("s3", lambda c: c.get_object(Bucket=MRAP_ARN, Key="photos/a b~(1).jpg")),
         "s3")

    # (2) S3 PUT with a body and its hex sha256, region set list.
    spec("s3-mrap-put-object-region-list",
         "S3 PutObject with a body through a Multi-Region Access Point, region set "
         "'us-east-1,us-west-2', x-amz-content-sha256 = hex sha256 of the body.",
         CREDS, "us-east-1,us-west-2",
         sign_with_botocore_class(
             crt_auth.CrtS3SigV4AsymAuth, CREDS, "s3", "us-east-1,us-west-2", "PUT",
             f"https://{MRAP_HOST}/reports/2026-01/summary.txt",
             [("Host", MRAP_HOST), ("Content-Type", "text/plain; charset=utf-8"),
              ("x-amz-meta-owner", "  team   blue  ")],
             body=b"hello from a multi-region access point\n"),
         "s3")

    spec("s3-mrap-put-object-unsigned-payload",
         "S3 PutObject with payload signing disabled: x-amz-content-sha256 is UNSIGNED-PAYLOAD "
         "and the body is not covered by the signature.",
         CREDS, "*",
         sign_with_botocore_class(
             crt_auth.CrtS3SigV4AsymAuth, CREDS, "s3", "*", "PUT",
             f"https://{MRAP_HOST}/uploads/blob.bin",
             [("Host", MRAP_HOST), ("Content-Type", "application/octet-stream")],
             body=b"\x00\x01binary\xffpayload",
             context={"client_config": Config(s3={"payload_signing_enabled": False})}),
         "s3")

    # (3) non-S3 with X-Amz-Content-SHA256 added by CRT (signed_body_header option).
    exec_body = b'{"orderId":"o-1","items":[{"sku":"A-1","qty":2}]}'
    spec("execute-api-post-content-sha256-header",
         "API Gateway POST (non-S3: normalized, double-encoded path) signed directly with "
         "awscrt using signed_body_header_type=X_AMZ_CONTENT_SHA_256, so the body hash travels "
         "in a signed X-Amz-Content-SHA256 header.",
         CREDS, "*",
         sign_with_crt(
             CREDS, "execute-api", "*", "POST", "/prod/orders/new%20order", "",
             [("Host", EXECUTE_API_HOST), ("Content-Type", "application/json"),
              ("Content-Length", str(len(exec_body)))],
             body=exec_body,
             signed_body_header_type=AwsSignedBodyHeaderType.X_AMZ_CONTENT_SHA_256),
         "execute-api")

    spec("events-client-put-events-global-endpoint",
         "Real boto3 EventBridge PutEvents on a global endpoint (SigV4a, region set '*'): no "
         "X-Amz-Content-SHA256 header, the payload hash is sha256 of the JSON body.",
         CREDS, "*",
         sign_with_client("events", lambda c: c.put_events(
             EndpointId="abcde.veo",
             Entries=[{"Source": "com.example.orders", "DetailType": "OrderCreated",
                       "Detail": '{"orderId": "o-1"}'}])),
         "events")

    # (5) session token, non-S3 header form with a form body.
    spec("sts-post-session-token",
         "STS GetCallerIdentity form POST signed by botocore's CrtSigV4AsymAuth with temporary "
         "credentials: X-Amz-Security-Token is a signed header, payload hash is sha256(body).",
         SESSION_CREDS, "*",
         sign_with_botocore_class(
             crt_auth.CrtSigV4AsymAuth, SESSION_CREDS, "sts", "*", "POST",
             "https://sts.amazonaws.com/",
             [("Host", "sts.amazonaws.com"),
              ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
             body=b"Action=GetCallerIdentity&Version=2011-06-15"),
         "sts")

    spec("s3-mrap-get-object-version-session-token",
         "S3 GetObject of a specific version (query versionId) with temporary credentials, "
         "header form, region set 'eu-west-1,us-east-1'.",
         SESSION_CREDS, "eu-west-1,us-east-1",
         sign_with_botocore_class(
             crt_auth.CrtS3SigV4AsymAuth, SESSION_CREDS, "s3", "eu-west-1,us-east-1", "GET",
             f"https://{MRAP_HOST}/data/2026/01/15/events.json?versionId=3HL4kqtJlcpXroDTDmJ%2BrmSpXd3dIbrHY",
             [("Host", MRAP_HOST)]),
         "s3")

    # (4) presigned S3 GET.
    spec("s3-mrap-presigned-get",
         "Presigned S3 GET (X-Amz-Expires=900, region set '*') with a response-content-disposition "
         "parameter, signed by botocore's CrtS3SigV4AsymQueryAuth (payload hash UNSIGNED-PAYLOAD).",
         CREDS, "*",
         sign_with_botocore_class(
             crt_auth.CrtS3SigV4AsymQueryAuth, CREDS, "s3", "*", "GET",
             f"https://{MRAP_HOST}/photos/2026/cat.jpg"
             "?response-content-disposition=attachment%3B%20filename%3D%22cat.jpg%22",
             [("Host", MRAP_HOST)], expires=900),
         "s3")

    spec("s3-mrap-client-presigned-get",
         "boto3 generate_presigned_url('get_object') on a Multi-Region Access Point ARN, "
         "ExpiresIn=900: exactly the URL the SDK hands out.",
         CREDS, "*",
         presign_with_client("s3", "get_object", {"Bucket": MRAP_ARN, "Key": "photos/a b~(1).jpg"},
                             900),
         "s3")

    spec("s3-mrap-presigned-get-session-token",
         "Presigned S3 GET with temporary credentials (X-Amz-Security-Token in the query), "
         "X-Amz-Expires=900, region set 'us-east-1,us-west-2'.",
         SESSION_CREDS, "us-east-1,us-west-2",
         sign_with_botocore_class(
             crt_auth.CrtS3SigV4AsymQueryAuth, SESSION_CREDS, "s3", "us-east-1,us-west-2", "GET",
             f"https://{MRAP_HOST}/private/report.pdf", [("Host", MRAP_HOST)], expires=900),
         "s3")

    spec("sts-presigned-get-caller-identity",
         "Non-S3 presigned URL (STS GetCallerIdentity, X-Amz-Expires=900) signed by botocore's "
         "CrtSigV4AsymQueryAuth: the payload hash is sha256 of the empty body, not UNSIGNED-PAYLOAD.",
         CREDS, "*",
         sign_with_botocore_class(
             crt_auth.CrtSigV4AsymQueryAuth, CREDS, "sts", "*", "GET",
             "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
             [("Host", "sts.amazonaws.com")], expires=900),
         "sts")
    return specs


def main():
    crt_version = _pkg_version("awscrt") if _pkg_version else "unknown"
    secrets = {AKID: AKID_SECRET, ASID: ASID_SECRET}
    vectors = []
    failures = []
    for s in build_specs():
        wire = s["wire"]
        creds = s["creds"]
        secret = secrets[creds.access_key]
        info = analyse(wire, secret)
        checks = {
            "verified": info["verified"],
            "akid": info["akid"] == creds.access_key,
            "service": info["service"] == s["service"],
            "region_set": info["region_set"] == s["region_set"],
            "timestamp": info["timestamp"] == AMZ_DATE,
            "host": len(header_values(wire["headers"], "host")) == 1,
        }
        if info["auth"] == "presigned":
            qd = dict(query_params(wire["query"]))
            checks["expires"] = qd.get("X-Amz-Expires") == "900"
        # Pinned client headers must not be signed.
        pinned = {"user-agent", "amz-sdk-invocation-id"}
        checks["pinned-unsigned"] = not (pinned & set(info["signed_headers"].split(";")))
        bad = [k for k, ok in checks.items() if not ok]
        if bad:
            failures.append(f"{s['name']}: {bad}")
            print(f"FAIL {s['name']}: {bad}\n{info['canonical_request']}\n", file=sys.stderr)
            continue
        negatives = make_negatives(wire, info)
        for n in negatives:
            try:
                ninfo = analyse(n, secret)
            except (VerifyError, KeyError, ValueError) as e:
                failures.append(f"{s['name']}/{n['name']}: negative does not parse ({e})")
                continue
            if ninfo["verified"]:
                failures.append(f"{s['name']}/{n['name']}: negative VERIFIES")
        vectors.append({
            "name": s["name"],
            "description": s["description"],
            "auth": info["auth"],
            "service": info["service"],
            "region_set": info["region_set"],
            "access_key_id": creds.access_key,
            "secret_access_key": creds.secret_key,
            "session_token": creds.token,
            "signing_time": AMZ_DATE,
            "method": wire["method"],
            "path": wire["path"],
            "query": wire["query"],
            "headers": wire["headers"],
            "body_base64": wire["body_base64"],
            "expected": {
                "signature": info["signature"],
                "signed_headers": info["signed_headers"],
                "canonical_request": info["canonical_request"],
                "string_to_sign": info["string_to_sign"],
                "public_key": info["public_key"],
            },
            "negatives": negatives,
        })
        print(f"ok   {s['name']}: {info['auth']}, signed {info['signed_headers']}, "
              f"{len(negatives)} negatives")
    names = [v["name"] for v in vectors]
    assert len(names) == len(set(names)), names
    if failures:
        print("\nSELF-CHECK FAILED, file not written:\n  " + "\n  ".join(failures), file=sys.stderr)
        sys.exit(1)
    out = {"generator": GENERATOR, "awscrt_version": crt_version, "vectors": vectors}
    os.makedirs(os.path.dirname(OUT_PATH), exist_ok=True)
    with open(OUT_PATH, "w", encoding="utf-8") as f:
        f.write(json.dumps(out, indent=1, sort_keys=True) + "\n")
    total = sum(len(v["negatives"]) for v in vectors)
    print(f"\nwrote {os.path.relpath(OUT_PATH, REPO_ROOT)}: {len(vectors)} vectors, "
          f"{total} negatives; every signature verified, every negative rejected")


if __name__ == "__main__":
    main()
