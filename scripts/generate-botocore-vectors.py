#!/usr/bin/env python3
"""Generate SigV4 test vectors with botocore as an independent oracle.

What it does
------------
Signs a broad set of AWS requests with botocore (``SigV4Auth``,
``S3SigV4Auth``, ``SigV4QueryAuth``, ``S3SigV4QueryAuth``, boto3 clients and
boto3 ``generate_presigned_url``) under a FROZEN clock, records the canonical
request, string to sign and signature exactly as botocore computed them while
signing (by wrapping the signer methods), and writes the *wire form* of each
signed request (method, raw path, raw query, ordered header list including
``Host``, body) to ``Tests/OracleVectors/Vectors/botocore.json``.  The Swift
tests rebuild the canonical request, string to sign and signature from the
wire form and must match botocore byte for byte.

Each vector also carries "negatives": copies of the wire request with exactly
one byte changed in one place (path, query, a signed header, the payload or
its hash, the timestamp, the region in the credential scope) while the
signature stays botocore's original, so a verifier must reject them.

Before writing, the script checks every vector itself:
  * HMAC-SHA256 over expected.string_to_sign with the SigV4 key chain
    (hmac/hashlib) equals expected.signature and the signature on the wire;
  * sha256(canonical_request) is the last line of the string to sign;
  * an independent, spec-based re-implementation in this file rebuilds the
    canonical request / string to sign / signature from the wire form alone
    and gets exactly botocore's values, and gets a different signature for
    every negative.

Output is deterministic (frozen clocks, fixed keys, no randomness, sorted
keys): running it twice gives an identical file.

Regenerate
----------
From the repository root::

    python3 scripts/generate-botocore-vectors.py

It needs botocore and boto3 (pinned: 1.43.11, see BOTOCORE_VERSION below;
``pip install botocore==1.43.11 boto3==1.43.11``).  No network access is used:
client calls are intercepted in the ``before-send`` event.  AWS_* environment
variables and config files are ignored so the result does not depend on the
machine.
"""

import base64
import datetime
import email.utils
import hashlib
import hmac
import json
import os
import re
import sys
from contextlib import contextmanager
from unittest import mock
from urllib.parse import unquote_to_bytes, urlsplit

from sigv4_spec import spec_canonical_uri, uri_encode

# Isolate from the user's AWS configuration before botocore is imported.
for _k in list(os.environ):
    if _k.startswith("AWS_") or _k.startswith("BOTO"):
        del os.environ[_k]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
# botocore's own Python signers are the oracle: with awscrt installed (the SigV4a generator installs
# it) botocore would sign SigV4 with the CRT instead and the recording hooks below would see nothing.
os.environ["BOTO_DISABLE_CRT"] = "true"

import boto3  # noqa: E402
import botocore  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.compat  # noqa: E402
import botocore.signers  # noqa: E402
from botocore.auth import (  # noqa: E402
    S3SigV4Auth,
    S3SigV4QueryAuth,
    SigV4Auth,
    SigV4QueryAuth,
)
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.utils import percent_encode, percent_encode_sequence  # noqa: E402

BOTOCORE_VERSION = "1.43.11"
BOTO3_VERSION = "1.43.11"
GENERATOR = "scripts/generate-botocore-vectors.py"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(REPO_ROOT, "Tests", "OracleVectors", "Vectors", "botocore.json")

if botocore.__version__ != BOTOCORE_VERSION or boto3.__version__ != BOTO3_VERSION:
    sys.exit(
        f"expected botocore/boto3 {BOTOCORE_VERSION}/{BOTO3_VERSION}, found "
        f"{botocore.__version__}/{boto3.__version__}; install the pinned versions "
        "(or update BOTOCORE_VERSION deliberately and review the diff)"
    )

# ---------------------------------------------------------------------------
# Fixed inputs
# ---------------------------------------------------------------------------

T_MAIN = datetime.datetime(2026, 1, 15, 12, 34, 56)
T_NEW_YEAR = datetime.datetime(2025, 12, 31, 23, 59, 59)  # date negative must go -1 s
T_LEAP = datetime.datetime(2024, 2, 29, 0, 0, 0)

# New-generation key ids (account id derivable) and arbitrary fixed secrets.
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

FIXED_USER_AGENT = "Boto3/1.43.11 md/Botocore#1.43.11 ua/2.1 lang/python Botocore/1.43.11"
FIXED_INVOCATION_ID = "00000000-0000-4000-8000-000000000000"

# ---------------------------------------------------------------------------
# Frozen clock and recording of what botocore signed
# ---------------------------------------------------------------------------

_clock = {"now": T_MAIN}


def _frozen_get_current_datetime(remove_tzinfo=True):
    now = _clock["now"].replace(tzinfo=datetime.timezone.utc)
    return now.replace(tzinfo=None) if remove_tzinfo else now


_records = []
_orig = {
    "add_auth": SigV4Auth.add_auth,
    "canonical_request": SigV4Auth.canonical_request,
    "string_to_sign": SigV4Auth.string_to_sign,
    "signature": SigV4Auth.signature,
}


def _rec_add_auth(self, request):
    rec = {"signer_obj": self, "request": request, "calls": []}
    _records.append(rec)
    _orig["add_auth"](self, request)
    rec["timestamp"] = request.context["timestamp"]
    # Snapshot the header lines as signed (botocore may touch the request later).
    rec["headers"] = [(k, v) for k, v in request.headers.items()]
    return None


def _rec_canonical_request(self, request):
    out = _orig["canonical_request"](self, request)
    _records[-1]["calls"].append("canonical_request")
    _records[-1]["canonical_request"] = out
    return out


def _rec_string_to_sign(self, request, canonical_request):
    out = _orig["string_to_sign"](self, request, canonical_request)
    _records[-1]["calls"].append("string_to_sign")
    _records[-1]["string_to_sign"] = out
    return out


def _rec_signature(self, string_to_sign, request):
    out = _orig["signature"](self, string_to_sign, request)
    _records[-1]["calls"].append("signature")
    _records[-1]["signature"] = out
    return out


@contextmanager
def patched_botocore():
    patches = [
        mock.patch.object(botocore.auth, "get_current_datetime", _frozen_get_current_datetime),
        mock.patch.object(botocore.compat, "get_current_datetime", _frozen_get_current_datetime),
        mock.patch.object(botocore.signers, "get_current_datetime", _frozen_get_current_datetime),
        mock.patch.object(SigV4Auth, "add_auth", _rec_add_auth),
        mock.patch.object(SigV4Auth, "canonical_request", _rec_canonical_request),
        mock.patch.object(SigV4Auth, "string_to_sign", _rec_string_to_sign),
        mock.patch.object(SigV4Auth, "signature", _rec_signature),
    ]
    for p in patches:
        p.start()
    try:
        yield
    finally:
        for p in reversed(patches):
            p.stop()


@contextmanager
def signing_at(when):
    """Freeze the clock at `when` and expect exactly one botocore signing."""
    _clock["now"] = when
    del _records[:]
    yield
    assert len(_records) == 1, f"expected one signing, got {len(_records)}"
    rec = _records[0]
    assert rec["calls"] == ["canonical_request", "string_to_sign", "signature"], rec["calls"]
    assert rec["timestamp"] == when.strftime("%Y%m%dT%H%M%SZ"), rec["timestamp"]


def the_record():
    return _records[0]


# ---------------------------------------------------------------------------
# Wire form
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
        pos = body.tell() if hasattr(body, "tell") else None
        data = body.read()
        if pos is not None and hasattr(body, "seek"):
            body.seek(pos)
        return data if isinstance(data, bytes) else data.encode("utf-8")
    raise TypeError(type(body))


def wire_from_request(request, prepared=None, header_lines=None):
    """The request as a proxy sees it: raw path/query, ordered headers + Host, body.

    `request` is the AWSRequest botocore signed; `prepared` (optional) is the
    AWSPreparedRequest actually handed to the HTTP layer (client vectors).
    Header lines come from request.headers (which keeps repeated names) plus
    anything the preparation step added (Content-Length, client headers added
    after signing).
    """
    if prepared is None:
        prepared = request.prepare()
    parts = urlsplit(prepared.url)
    assert parts.path, prepared.url
    host = botocore.auth._host_from_url(prepared.url)
    headers = [["Host", host]]
    seen = set()
    if header_lines is None:
        header_lines = list(request.headers.items())
    for k, v in header_lines:
        headers.append([k, _s(v)])
        seen.add(k.lower())
    for k, v in prepared.headers.items():
        if k.lower() not in seen:
            headers.append([k, _s(v)])
            seen.add(k.lower())
    for h in headers:  # machine-dependent, unsigned headers of real clients
        if h[0].lower() == "user-agent":
            h[1] = FIXED_USER_AGENT
        elif h[0].lower() == "amz-sdk-invocation-id":
            h[1] = FIXED_INVOCATION_ID
    body = _body_bytes(prepared.body)
    return {
        "method": prepared.method,
        "path": parts.path,
        "query": parts.query,
        "headers": headers,
        "body_base64": base64.b64encode(body).decode("ascii"),
    }


# ---------------------------------------------------------------------------
# Independent spec-based verifier (no botocore) used to check the vectors
# ---------------------------------------------------------------------------

S3_SIGNERS = {"S3SigV4Auth", "S3SigV4QueryAuth"}





def spec_query_pairs(query):
    pairs = []
    if query == "":
        return pairs
    for piece in query.split("&"):
        k, _, v = piece.partition("=")
        pairs.append((unquote_to_bytes(k), unquote_to_bytes(v)))
    return pairs


def spec_canonical_query(query, presigned):
    enc = []
    for k, v in spec_query_pairs(query):
        if presigned and k == b"X-Amz-Signature":
            continue
        enc.append((uri_encode(k), uri_encode(v)))
    return "&".join(f"{k}={v}" for k, v in sorted(enc))


def spec_signing_key(secret, date, region, service):
    k = hmac.new(("AWS4" + secret).encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return k


def spec_signature(secret, date, region, service, sts):
    key = spec_signing_key(secret, date, region, service)
    return hmac.new(key, sts.encode("utf-8"), hashlib.sha256).hexdigest()


AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$"
)


def parse_auth(wire):
    """Return (credential, signed_headers, signature, presigned) from the wire."""
    for k, v in wire["headers"]:
        if k.lower() == "authorization":
            m = AUTH_RE.match(v)
            assert m, v
            return m.group(1), m.group(2), m.group(3), False
    q = {k.decode(): v.decode() for k, v in spec_query_pairs(wire["query"])}
    assert q["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    return q["X-Amz-Credential"], q["X-Amz-SignedHeaders"], q["X-Amz-Signature"], True


def spec_verify(wire, secret, s3_family):
    """Rebuild canonical request / string to sign / signature from the wire alone."""
    credential, signed_headers, wire_sig, presigned = parse_auth(wire)
    _akid, date, region, service, term = credential.split("/")
    assert term == "aws4_request"
    hdrs = {}
    for k, v in wire["headers"]:
        hdrs.setdefault(k.lower(), []).append(v)
    if presigned:
        q = {k.decode(): v.decode() for k, v in spec_query_pairs(wire["query"])}
        timestamp = q["X-Amz-Date"]
    elif "x-amz-date" in hdrs:
        timestamp = hdrs["x-amz-date"][0]
    else:
        dt = email.utils.parsedate_to_datetime(hdrs["date"][0])
        timestamp = dt.strftime("%Y%m%dT%H%M%SZ")
    canon_headers = ""
    for name in signed_headers.split(";"):
        vals = hdrs[name]
        canon_headers += name + ":" + ",".join(" ".join(v.split()) for v in vals) + "\n"
    body = base64.b64decode(wire["body_base64"])
    if s3_family:
        if "x-amz-content-sha256" in hdrs:
            payload = hdrs["x-amz-content-sha256"][0]
        else:
            assert presigned
            payload = "UNSIGNED-PAYLOAD"
    else:
        payload = hashlib.sha256(body).hexdigest()
    cr = "\n".join(
        [
            wire["method"],
            spec_canonical_uri(wire["path"], s3_family),
            spec_canonical_query(wire["query"], presigned),
            canon_headers,
            signed_headers,
            payload,
        ]
    )
    scope = f"{date}/{region}/{service}/aws4_request"
    sts = "\n".join(
        ["AWS4-HMAC-SHA256", timestamp, scope, hashlib.sha256(cr.encode()).hexdigest()]
    )
    return {
        "canonical_request": cr,
        "string_to_sign": sts,
        "signature": spec_signature(secret, date, region, service, sts),
        "wire_signature": wire_sig,
        "signed_headers": signed_headers,
    }


# ---------------------------------------------------------------------------
# Negatives: exactly one byte changed
# ---------------------------------------------------------------------------


def _bump(c, hexonly=False):
    if c.isdigit():
        return "8" if c == "9" else chr(ord(c) + 1)
    if hexonly:
        assert c in "abcdef", c
        return "e" if c == "f" else chr(ord(c) + 1)
    if c in "zZ":
        return chr(ord(c) - 1)
    return chr(ord(c) + 1)


def _alnum_positions(s):
    """Positions of ASCII letters/digits that are not part of a %XX escape, last first."""
    pos = []
    for i, c in enumerate(s):
        if not (c.isascii() and c.isalnum()):
            continue
        if (i >= 1 and s[i - 1] == "%") or (i >= 2 and s[i - 2] == "%"):
            continue
        pos.append(i)
    return list(reversed(pos))


def _change_at(s, i, hexonly=False):
    return s[:i] + _bump(s[i], hexonly) + s[i + 1 :]


def _copy(wire):
    w = json.loads(json.dumps(wire))
    return w


def _header_index(wire, lname):
    for i, (k, _v) in enumerate(wire["headers"]):
        if k.lower() == lname:
            return i
    return None


def _effective(neg, v, secret):
    """The negative must change what a correct verifier computes."""
    got = spec_verify(neg, secret, v["s3_family"])
    return got["signature"] != got["wire_signature"]


HEADER_PREFERENCE = [
    "x-amz-target",
    "content-type",
    "range",
    "content-md5",
    "x-k8s-aws-id",
    "x-amz-meta-tag",
    "x-amz-meta-note",
    "x-amz-invocation-type",
    "x-amz-decoded-content-length",
    "x-amz-security-token",
]


def _shift_timestamp(ts, fmt):
    dt = datetime.datetime.strptime(ts, fmt)
    new = dt + datetime.timedelta(seconds=1)
    if new.date() != dt.date():
        new = dt - datetime.timedelta(seconds=1)
    return new


def make_negatives(v, wire, secret):
    negs = []
    credential, signed_headers, _sig, presigned = parse_auth(wire)
    signed = signed_headers.split(";")

    def add(name, field, neg):
        assert neg != wire
        assert _effective(neg, v, secret), (v["name"], name)
        d = {"name": name, "field": field}
        d.update(neg)
        negs.append(d)

    # path
    for i in _alnum_positions(wire["path"]):
        neg = _copy(wire)
        neg["path"] = _change_at(wire["path"], i)
        if _effective(neg, v, secret):
            add("path-byte", "path", neg)
            break

    # query
    pieces = wire["query"].split("&") if wire["query"] else []
    order = []
    if presigned:
        order = [j for j, p in enumerate(pieces) if not p.lower().startswith("x-amz-")]
        order += [j for j, p in enumerate(pieces) if p.startswith("X-Amz-Expires=")]
    else:
        order = list(range(len(pieces)))
    for j in order:
        k, eq, val = pieces[j].partition("=")
        cand = [(len(k) + 1 + i) for i in _alnum_positions(val)] + _alnum_positions(k)
        if not cand:
            continue
        neg = _copy(wire)
        newp = list(pieces)
        newp[j] = _change_at(pieces[j], cand[0])
        neg["query"] = "&".join(newp)
        add("query-byte", "query", neg)
        break

    # header
    hex_sha = None
    i_sha = _header_index(wire, "x-amz-content-sha256")
    if i_sha is not None and re.fullmatch(r"[0-9a-f]{64}", wire["headers"][i_sha][1]):
        hex_sha = i_sha
    target = None
    for name in HEADER_PREFERENCE:
        if name in signed:
            target = name
            break
    if target is None:
        others = [
            h
            for h in signed
            if h not in ("host", "x-amz-date", "date")
            and not (h == "x-amz-content-sha256" and hex_sha is not None)
        ]
        target = others[0] if others else "host"
    idx = _header_index(wire, target)
    val = wire["headers"][idx][1]
    if target == "host":
        pos = _alnum_positions(val.split(".")[0])[0]
    else:
        pos = _alnum_positions(val)[0]
    neg = _copy(wire)
    neg["headers"][idx][1] = _change_at(val, pos)
    add(f"header-{target}", "header", neg)

    # payload
    if v["s3_family"]:
        if hex_sha is not None:
            neg = _copy(wire)
            val = wire["headers"][hex_sha][1]
            neg["headers"][hex_sha][1] = _change_at(val, 63, hexonly=True)
            add("payload-hash-digit", "payload", neg)
    else:
        body = base64.b64decode(wire["body_base64"])
        if body:
            text = body.decode("latin-1")
            pos = _alnum_positions(text)[0]
            neg = _copy(wire)
            neg["body_base64"] = base64.b64encode(_change_at(text, pos).encode("latin-1")).decode()
            add("payload-body-byte", "payload", neg)

    # date
    neg = _copy(wire)
    if presigned:
        q = wire["query"].split("&")
        j = [n for n, p in enumerate(q) if p.startswith("X-Amz-Date=")][0]
        ts = q[j].split("=", 1)[1]
        q[j] = "X-Amz-Date=" + _shift_timestamp(ts, "%Y%m%dT%H%M%SZ").strftime("%Y%m%dT%H%M%SZ")
        neg["query"] = "&".join(q)
        add("date-x-amz-date-query-1s", "date", neg)
    elif _header_index(wire, "x-amz-date") is not None:
        idx = _header_index(wire, "x-amz-date")
        ts = wire["headers"][idx][1]
        neg["headers"][idx][1] = _shift_timestamp(ts, "%Y%m%dT%H%M%SZ").strftime("%Y%m%dT%H%M%SZ")
        add("date-x-amz-date-1s", "date", neg)
    else:
        idx = _header_index(wire, "date")
        val = wire["headers"][idx][1]
        assert val.endswith(" -0000"), val
        new = _shift_timestamp(val[:-6], "%a, %d %b %Y %H:%M:%S")
        neg["headers"][idx][1] = new.strftime("%a, %d %b %Y %H:%M:%S") + " -0000"
        add("date-date-header-1s", "date", neg)

    # scope: region's trailing digit 1 <-> 2 (us-east-1 -> us-east-2, us-west-2 -> us-west-1, ...)
    region = v["region"]
    other = region[:-1] + ("2" if region[-1] == "1" else "1")
    neg = _copy(wire)
    if presigned:
        old = percent_encode(credential)
        new = percent_encode(credential.replace(f"/{region}/", f"/{other}/"))
        assert neg["query"].count(old) == 1
        neg["query"] = neg["query"].replace(old, new)
    else:
        idx = _header_index(wire, "authorization")
        a = wire["headers"][idx][1]
        neg["headers"][idx][1] = a.replace(credential, credential.replace(f"/{region}/", f"/{other}/"))
    add("scope-region", "scope", neg)

    for n in negs:
        changed = sum(
            1
            for f in ("method", "path", "query", "body_base64")
            if n[f] != wire[f]
        ) + sum(1 for a, b in zip(n["headers"], wire["headers"]) if a != b)
        assert changed == 1, (v["name"], n["name"])
    return negs


# ---------------------------------------------------------------------------
# Assembling a vector
# ---------------------------------------------------------------------------

VECTORS = []
NAMES = set()


def emit(name, description, wire):
    rec = the_record()
    signer = rec["signer_obj"]
    signer_name = type(signer).__name__
    assert signer_name in ("SigV4Auth", "S3SigV4Auth", "SigV4QueryAuth", "S3SigV4QueryAuth")
    creds = signer.credentials
    presigned = signer_name.endswith("QueryAuth")
    v = {
        "name": name,
        "description": description,
        "signer": signer_name,
        "auth": "presigned" if presigned else "header",
        "service": signer._service_name,
        "region": signer._region_name,
        "s3_family": signer_name in S3_SIGNERS,
        "access_key_id": creds.access_key,
        "secret_access_key": creds.secret_key,
        "session_token": creds.token,
        "signing_time": rec["timestamp"],
        "expires": int(signer._expires) if presigned else None,
    }
    v.update(wire)
    cr, sts, sig = rec["canonical_request"], rec["string_to_sign"], rec["signature"]
    signed_headers = cr.split("\n")[-2]
    v["expected"] = {
        "canonical_request": cr,
        "string_to_sign": sts,
        "signature": sig,
        "signed_headers": signed_headers,
    }

    # --- self checks -----------------------------------------------------
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), name
    assert name not in NAMES, name
    NAMES.add(name)
    assert re.fullmatch(r"[0-9a-f]{64}", sig)
    date = rec["timestamp"][:8]
    assert spec_signature(creds.secret_key, date, v["region"], v["service"], sts) == sig
    assert sts.split("\n")[-1] == hashlib.sha256(cr.encode("utf-8")).hexdigest()
    assert sts.split("\n")[1] == rec["timestamp"]
    credential, wire_signed, wire_sig, wire_presigned = parse_auth(wire)
    assert wire_presigned == presigned
    assert wire_sig == sig, (name, wire_sig, sig)
    assert wire_signed == signed_headers
    assert credential == f"{creds.access_key}/{date}/{v['region']}/{v['service']}/aws4_request"
    if creds.token:
        if presigned:
            assert f"X-Amz-Security-Token={percent_encode(creds.token)}" in wire["query"]
        else:
            assert _header_index(wire, "x-amz-security-token") is not None
    spec = spec_verify(wire, creds.secret_key, v["s3_family"])
    for key in ("canonical_request", "string_to_sign", "signature"):
        assert spec[key] == v["expected"][key], (name, key, spec[key], v["expected"][key])
    # Host header is present exactly once and first.
    assert wire["headers"][0][0] == "Host"
    assert [h[0].lower() for h in wire["headers"]].count("host") == 1

    v["negatives"] = make_negatives(v, wire, creds.secret_key)
    VECTORS.append(v)


def manual(
    name,
    description,
    signer_cls,
    creds,
    service,
    region,
    method,
    url,
    headers=(),
    body=None,
    context=None,
    expires=None,
    when=T_MAIN,
):
    req = AWSRequest(method=method, url=url, data=body)
    for k, val in headers:
        req.headers[k] = val  # HTTPMessage appends: repeated names are kept
    if context:
        req.context.update(context)
    if expires is not None:
        signer = signer_cls(creds, service, region, expires=expires)
    else:
        signer = signer_cls(creds, service, region)
    with signing_at(when):
        signer.add_auth(req)
    assert the_record()["request"] is req
    emit(name, description, wire_from_request(req, header_lines=the_record()["headers"]))


class _Captured(Exception):
    pass


def _session(creds):
    return boto3.session.Session(
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
        aws_session_token=creds.token,
    )


def via_client(name, description, service, region, creds, call, config=None, when=T_MAIN):
    """Run a real boto3 client call; capture the request in before-send (no network)."""
    cfg = Config(retries={"total_max_attempts": 1}, signature_version="v4")
    if service == "s3":
        cfg = Config(retries={"total_max_attempts": 1}, signature_version="s3v4")
    if config is not None:
        cfg = cfg.merge(config)
    client = _session(creds).client(service, region_name=region, config=cfg)
    sent = []

    def before_send(request, **kwargs):
        sent.append(request)
        raise _Captured()

    client.meta.events.register("before-send", before_send)
    with signing_at(when):
        try:
            call(client)
        except _Captured:
            pass
        else:
            raise AssertionError("request was not captured")
    assert len(sent) == 1
    emit(name, description, wire_from_request(the_record()["request"], sent[0], the_record()["headers"]))


def presigned_url(name, description, service, region, creds, method, params=None,
                  expires=3600, http_method=None, config=None, handlers=(), when=T_MAIN):
    cfg = Config(signature_version="s3v4" if service == "s3" else "v4")
    if config is not None:
        cfg = cfg.merge(config)
    client = _session(creds).client(service, region_name=region, config=cfg)
    for event, fn in handlers:
        client.meta.events.register(event, fn)
    with signing_at(when):
        url = client.generate_presigned_url(
            method, Params=params or {}, ExpiresIn=expires, HttpMethod=http_method
        )
    req = the_record()["request"]
    assert req.url == url, (req.url, url)
    emit(name, description, wire_from_request(req))


def s3_key_path(key):
    # How botocore's rest-xml serializer renders a greedy {Key+} label.
    return percent_encode(key, safe="/~")


# ---------------------------------------------------------------------------
# The vectors
# ---------------------------------------------------------------------------


def build():
    # 1. S3 path style PUT with an odd key.
    body = b"hello, sigv4!\n"
    manual(
        "s3-path-style-odd-key",
        "S3 path-style PUT of key 'a b/c%2Fd+e~' (space, slash, literal %2F, plus, tilde) with a signed body hash.",
        S3SigV4Auth, CREDS, "s3", "us-east-1", "PUT",
        "https://s3.us-east-1.amazonaws.com/bucket/" + s3_key_path("a b/c%2Fd+e~"),
        headers=[("Content-Type", "application/octet-stream"), ("Content-MD5", base64.b64encode(hashlib.md5(body).digest()).decode())],
        body=body,
    )
    # 1b. Non-ASCII key.
    manual(
        "s3-path-style-utf8-key",
        "S3 path-style PUT of a key with UTF-8 characters and reserved punctuation, percent-encoded once on the wire.",
        S3SigV4Auth, CREDS, "s3", "eu-central-1", "PUT",
        "https://s3.eu-central-1.amazonaws.com/my-bucket/" + s3_key_path("docs/r\u00e9sum\u00e9 \u2603 (v2)!$&'*,;=@.txt"),
        headers=[("Content-Type", "text/plain; charset=utf-8")],
        body="na\u00efve caf\u00e9\n".encode("utf-8"),
    )
    # 2. Virtual-hosted GET with query and Range.
    manual(
        "s3-virtual-hosted-get-range",
        "S3 virtual-hosted GET of 'photos/2024/cat (1).jpg' with versionId and response-* overrides and a Range header.",
        S3SigV4Auth, CREDS, "s3", "eu-west-1", "GET",
        "https://my-bucket.s3.eu-west-1.amazonaws.com/" + s3_key_path("photos/2024/cat (1).jpg") + "?"
        + percent_encode_sequence([
            ("versionId", "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"),
            ("response-content-type", "image/jpeg"),
            ("response-content-disposition", 'attachment; filename="cat (1).jpg"'),
        ]),
        headers=[("Range", "bytes=0-1023")],
    )
    # 3. Session token, ListObjectsV2.
    manual(
        "s3-session-token-list-objects-v2",
        "S3 ListObjectsV2 (virtual-hosted, ?list-type=2&prefix=a%2Fb&max-keys=10) signed with temporary credentials (X-Amz-Security-Token header signed).",
        S3SigV4Auth, SESSION_CREDS, "s3", "us-east-1", "GET",
        "https://my-bucket.s3.us-east-1.amazonaws.com/?" + percent_encode_sequence([("list-type", "2"), ("prefix", "a/b"), ("max-keys", "10")]),
    )
    # 4. UNSIGNED-PAYLOAD PUT (streaming input over https with Content-MD5, as botocore decides).
    body = b"0123456789" * 10
    manual(
        "s3-unsigned-payload-put",
        "S3 PUT with x-amz-content-sha256 UNSIGNED-PAYLOAD (https, Content-MD5 present, streaming input); body not covered by the signature.",
        S3SigV4Auth, CREDS, "s3", "us-west-2", "PUT",
        "https://my-bucket.s3.us-west-2.amazonaws.com/uploads/data.bin",
        headers=[("Content-MD5", base64.b64encode(hashlib.md5(body).digest()).decode()), ("Content-Type", "application/octet-stream")],
        body=body,
        context={"has_streaming_input": True},
    )
    # 5. Empty-valued subresources.
    manual(
        "s3-get-acl-subresource",
        "S3 path-style GET ?acl: the wire has a bare 'acl', the canonical query has 'acl='.",
        S3SigV4Auth, CREDS, "s3", "us-east-1", "GET",
        "https://s3.us-east-1.amazonaws.com/bucket?acl",
    )
    manual(
        "s3-get-lifecycle-subresource-virtual",
        "S3 virtual-hosted GET /?lifecycle (bare subresource, empty value).",
        S3SigV4Auth, SESSION_CREDS, "s3", "ap-southeast-2", "GET",
        "https://my-bucket.s3.ap-southeast-2.amazonaws.com/?lifecycle",
    )
    manual(
        "s3-get-object-attributes-mixed-query",
        "S3 GET with a bare subresource mixed with valued parameters (?attributes&versionId=...).",
        S3SigV4Auth, CREDS, "s3", "us-east-1", "GET",
        "https://my-bucket.s3.us-east-1.amazonaws.com/k?attributes&versionId=v1",
        headers=[("X-Amz-Object-Attributes", "ETag,ObjectSize")],
    )
    # 6. DynamoDB PutItem.
    manual(
        "dynamodb-put-item",
        "DynamoDB PutItem: POST / with X-Amz-Target and application/x-amz-json-1.0 JSON body (body hashed).",
        SigV4Auth, CREDS, "dynamodb", "us-west-2", "POST",
        "https://dynamodb.us-west-2.amazonaws.com/",
        headers=[("X-Amz-Target", "DynamoDB_20120810.PutItem"), ("Content-Type", "application/x-amz-json-1.0")],
        body=json.dumps({"TableName": "Music", "Item": {"Artist": {"S": "No One You Know"}, "SongTitle": {"S": "Call Me Today"}}}).encode(),
    )
    via_client(
        "dynamodb-client-put-item",
        "DynamoDB PutItem produced by a real boto3 client (unsigned User-Agent and amz-sdk-* headers present, fixed values).",
        "dynamodb", "us-west-2", SESSION_CREDS,
        lambda c: c.put_item(TableName="Music", Item={"Artist": {"S": "Acme Band"}, "Plays": {"N": "42"}}),
    )
    # 7. STS GetCallerIdentity (query protocol, form body).
    manual(
        "sts-get-caller-identity-post",
        "STS GetCallerIdentity as a query-protocol POST with a form-urlencoded body.",
        SigV4Auth, CREDS, "sts", "us-east-1", "POST",
        "https://sts.us-east-1.amazonaws.com/",
        headers=[("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
        body={"Action": "GetCallerIdentity", "Version": "2011-06-15"},
    )
    via_client(
        "sts-client-get-caller-identity",
        "STS GetCallerIdentity produced by a real boto3 client with temporary credentials.",
        "sts", "eu-west-1", SESSION_CREDS,
        lambda c: c.get_caller_identity(),
    )
    manual(
        "sts-get-global-endpoint-query-string",
        "STS GetCallerIdentity as a GET with Action/Version in the URL query on the global endpoint (signs for us-east-1).",
        SigV4Auth, CREDS, "sts", "us-east-1", "GET",
        "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
    )
    # 8. EC2 DescribeInstances with filters.
    manual(
        "ec2-describe-instances-filters",
        "EC2 DescribeInstances query POST with Filter.N parameters in the form body.",
        SigV4Auth, CREDS, "ec2", "eu-central-1", "POST",
        "https://ec2.eu-central-1.amazonaws.com/",
        headers=[("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
        body={
            "Action": "DescribeInstances",
            "Version": "2016-11-15",
            "Filter.1.Name": "instance-state-name",
            "Filter.1.Value.1": "running",
            "Filter.2.Name": "tag:Name",
            "Filter.2.Value.1": "web server*",
        },
    )
    # 9. Lambda Invoke.
    manual(
        "lambda-invoke",
        "Lambda Invoke (rest-json): POST /2015-03-31/functions/my-function/invocations with a JSON payload.",
        SigV4Auth, CREDS, "lambda", "us-east-1", "POST",
        "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/my-function/invocations",
        headers=[("X-Amz-Invocation-Type", "RequestResponse"), ("X-Amz-Log-Type", "Tail")],
        body=b'{"key1": "value1", "key2": [1, 2, 3]}',
    )
    manual(
        "lambda-invoke-qualified-name",
        "Lambda Invoke of 'my-function:prod': the wire has %3A, the non-S3 canonical URI double-encodes it to %253A.",
        SigV4Auth, SESSION_CREDS, "lambda", "us-east-1", "POST",
        "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/" + percent_encode("my-function:prod", safe="") + "/invocations",
        headers=[("X-Amz-Invocation-Type", "Event")],
        body=b'{"hello": "world"}',
    )
    manual(
        "lambda-invoke-arn-qualifier",
        "Lambda Invoke by function ARN with a qualifier query parameter.",
        SigV4Auth, CREDS, "lambda", "eu-west-1", "POST",
        "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/"
        + percent_encode("arn:aws:lambda:eu-west-1:171436882533:function:my-function", safe="")
        + "/invocations?Qualifier=%24LATEST",
        body=b'{"source": "aws.events"}',
    )
    # 10. Non-S3 path normalization.
    manual(
        "execute-api-dot-segments",
        "API Gateway execute-api GET on /prod/a/./b/../c//d%20e: botocore removes dot segments, collapses // and double-encodes.",
        SigV4Auth, CREDS, "execute-api", "us-east-1", "GET",
        "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/a/./b/../c//d%20e?q=x%20y&a=1",
    )
    manual(
        "execute-api-trailing-slash-encoded",
        "API Gateway GET with encoded reserved characters and a trailing slash (kept after normalization).",
        SigV4Auth, SESSION_CREDS, "execute-api", "eu-west-2", "GET",
        "https://abc123def4.execute-api.eu-west-2.amazonaws.com/stage/items/" + percent_encode("caf\u00e9 & cr\u00e8me", safe="") + "/",
        headers=[("Accept", "application/json")],
    )
    # 11. Presigned S3 GET via generate_presigned_url.
    presigned_url(
        "s3-presigned-get-path-style",
        "boto3 generate_presigned_url('get_object') with path addressing, ExpiresIn 900 (UNSIGNED-PAYLOAD, only host signed).",
        "s3", "us-east-1", CREDS, "get_object",
        params={"Bucket": "my-bucket", "Key": "reports/2026/q1 summary+final.pdf"},
        expires=900, config=Config(s3={"addressing_style": "path"}),
    )
    presigned_url(
        "s3-presigned-get-virtual-hosted",
        "boto3 generate_presigned_url('get_object') with virtual addressing, ExpiresIn 900 and response-content-disposition.",
        "s3", "us-east-1", CREDS, "get_object",
        params={"Bucket": "my-bucket", "Key": "photos/cat (1).jpg", "ResponseContentDisposition": "attachment; filename=cat.jpg"},
        expires=900, config=Config(s3={"addressing_style": "virtual"}),
    )
    presigned_url(
        "s3-presigned-get-session-token-eu",
        "Presigned S3 GET with temporary credentials (X-Amz-Security-Token in the query) in eu-west-1.",
        "s3", "eu-west-1", SESSION_CREDS, "get_object",
        params={"Bucket": "my-bucket", "Key": "a b/c%2Fd+e~"},
        expires=3600, config=Config(s3={"addressing_style": "virtual"}),
    )
    presigned_url(
        "s3-presigned-put-content-type",
        "Presigned S3 PUT with ContentType: content-type becomes a signed header that must be sent.",
        "s3", "us-west-2", CREDS, "put_object",
        params={"Bucket": "my-bucket", "Key": "uploads/photo.png", "ContentType": "image/png"},
        expires=600, config=Config(s3={"addressing_style": "virtual"}),
    )
    manual(
        "s3-presigned-get-query-auth-direct",
        "S3SigV4QueryAuth used directly on a path-style URL with a versionId parameter.",
        S3SigV4QueryAuth, CREDS, "s3", "us-east-2", "GET",
        "https://s3.us-east-2.amazonaws.com/bucket/" + s3_key_path("dir/file name.txt") + "?versionId=abc123",
        expires=604800,
    )

    # 12. Presigned STS GetCallerIdentity (EKS token pattern).
    def add_cluster_id(request, **kwargs):
        request.headers["x-k8s-aws-id"] = "my-cluster"

    presigned_url(
        "sts-presigned-eks-token",
        "EKS token pattern: presigned STS GetCallerIdentity GET, ExpiresIn 60, with the x-k8s-aws-id header signed (added in before-sign).",
        "sts", "us-east-1", SESSION_CREDS, "get_caller_identity",
        expires=60, http_method="GET",
        handlers=[("before-sign.sts.GetCallerIdentity", add_cluster_id)],
    )
    presigned_url(
        "sts-presigned-get-caller-identity",
        "Presigned STS GetCallerIdentity GET without extra headers (regional endpoint, ExpiresIn 60).",
        "sts", "us-west-2", CREDS, "get_caller_identity",
        expires=60, http_method="GET",
    )
    # 13. Date header instead of X-Amz-Date.
    manual(
        "sts-date-header",
        "SigV4Auth on a request carrying a Date header: botocore signs 'date' (RFC 1123, '-0000') and sends no X-Amz-Date.",
        SigV4Auth, CREDS, "sts", "us-east-1", "POST",
        "https://sts.us-east-1.amazonaws.com/",
        headers=[("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), ("Date", "Mon, 01 Jan 2001 00:00:00 GMT")],
        body={"Action": "GetCallerIdentity", "Version": "2011-06-15"},
    )
    manual(
        "sqs-date-header-new-year",
        "SQS query-protocol request signed with a Date header at 2025-12-31T23:59:59Z.",
        SigV4Auth, SESSION_CREDS, "sqs", "us-east-1", "POST",
        "https://sqs.us-east-1.amazonaws.com/",
        headers=[("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), ("Date", "x")],
        body={"Action": "ListQueues", "Version": "2012-11-05", "QueueNamePrefix": "orders"},
        when=T_NEW_YEAR,
    )
    # 14. Non-default ports.
    manual(
        "s3-non-default-port",
        "S3 path-style GET on port 8443: Host and the signed host include ':8443'.",
        S3SigV4Auth, CREDS, "s3", "us-east-1", "GET",
        "https://s3.us-east-1.amazonaws.com:8443/bucket/key.txt",
    )
    manual(
        "dynamodb-localhost-port",
        "DynamoDB GetItem to http://localhost:4566 (LocalStack style): host 'localhost:4566' signed, payload always hashed over http.",
        SigV4Auth, CREDS, "dynamodb", "us-east-1", "POST",
        "http://localhost:4566/",
        headers=[("X-Amz-Target", "DynamoDB_20120810.GetItem"), ("Content-Type", "application/x-amz-json-1.0")],
        body=b'{"TableName": "t", "Key": {"pk": {"S": "1"}}}',
    )
    manual(
        "s3-http-default-port-explicit",
        "S3 over http with an explicit :80 in the URL: botocore signs host without the default port.",
        S3SigV4Auth, CREDS, "s3", "us-east-1", "GET",
        "http://s3.us-east-1.amazonaws.com:80/bucket/key.txt",
    )
    # 15. SQS SendMessage JSON protocol.
    manual(
        "sqs-send-message-json",
        "SQS SendMessage over the JSON protocol (X-Amz-Target AmazonSQS.SendMessage, application/x-amz-json-1.0).",
        SigV4Auth, SESSION_CREDS, "sqs", "us-east-1", "POST",
        "https://sqs.us-east-1.amazonaws.com/",
        headers=[("X-Amz-Target", "AmazonSQS.SendMessage"), ("Content-Type", "application/x-amz-json-1.0")],
        body=json.dumps({"QueueUrl": "https://sqs.us-east-1.amazonaws.com/171436882533/orders", "MessageBody": "hello world"}).encode(),
    )
    # 16. Repeated header and whitespace folding.
    body = b"tagged"
    manual(
        "s3-repeated-meta-header",
        "S3 PUT with X-Amz-Meta-Tag sent twice (canonical value joined with ',') and a header with inner whitespace runs.",
        S3SigV4Auth, CREDS, "s3", "us-east-1", "PUT",
        "https://my-bucket.s3.us-east-1.amazonaws.com/tagged.txt",
        headers=[
            ("X-Amz-Meta-Tag", "alpha"),
            ("X-Amz-Meta-Note", "hello   big    world"),
            ("X-Amz-Meta-Tag", "beta  gamma"),
        ],
        body=body,
    )
    # Real client S3 requests.
    via_client(
        "s3-client-get-bucket-acl",
        "S3 GetBucketAcl produced by a real boto3 client (path style, us-east-1 global endpoint, wire query 'acl').",
        "s3", "us-east-1", CREDS,
        lambda c: c.get_bucket_acl(Bucket="bucket"),
        config=Config(s3={"addressing_style": "path"}),
    )
    via_client(
        "s3-client-put-object-streaming-trailer",
        "S3 PutObject from a real boto3 client: aws-chunked body with CRC32 trailer, x-amz-content-sha256 STREAMING-UNSIGNED-PAYLOAD-TRAILER.",
        "s3", "eu-west-1", SESSION_CREDS,
        lambda c: c.put_object(Bucket="my-bucket", Key="a b/c.txt", Body=b"hello world"),
        config=Config(s3={"addressing_style": "virtual"}),
    )
    via_client(
        "s3-client-put-object-when-required",
        "S3 PutObject from a real boto3 client with request_checksum_calculation=when_required (plain body, hex x-amz-content-sha256).",
        "s3", "us-east-1", CREDS,
        lambda c: c.put_object(Bucket="my-bucket", Key="notes/today.txt", Body=b"plain body", ContentType="text/plain"),
        config=Config(request_checksum_calculation="when_required", s3={"addressing_style": "virtual"}),
        when=T_LEAP,
    )


def main():
    with patched_botocore():
        build()
    out = {
        "generator": GENERATOR,
        "botocore_version": botocore.__version__,
        "vectors": VECTORS,
    }
    text = json.dumps(out, indent=1, sort_keys=True) + "\n"
    os.makedirs(os.path.dirname(OUTPUT), exist_ok=True)
    with open(OUTPUT, "w", encoding="utf-8") as f:
        f.write(text)
    nneg = sum(len(v["negatives"]) for v in VECTORS)
    print(f"wrote {os.path.relpath(OUTPUT, REPO_ROOT)}: {len(VECTORS)} vectors, {nneg} negatives (botocore {botocore.__version__})")
    for v in VECTORS:
        kinds = ",".join(n["field"] for n in v["negatives"])
        print(f"  {v['name']:42s} {v['signer']:17s} {v['auth']:9s} negatives: {kinds}")


if __name__ == "__main__":
    main()
