"""A stand-in for AWS STS answering presigned sts:GetCallerIdentity URLs: what sigv4-authz's identity
verification talks to in the end-to-end tests (test_identity.py).

It answers GET /?Action=GetCallerIdentity&...&X-Amz-Signature=... as STS does, for its own test keys
(`KEYS`): the signature is recomputed with botocore's SigV4 signer (canonical request of the URL it
received, the `Host` header it received and every header named in X-Amz-SignedHeaders, the key's
secret, the X-Amz-Date timestamp) and compared in constant time; a session key (ASIA...) must carry
its session token as X-Amz-Security-Token. Time rules as STS applies them to this call (and as
aws-iam-authenticator documents): X-Amz-Expires must be an integer 1...604800 but does not shorten the
URL's life: a presigned GetCallerIdentity is accepted for 15 minutes after its X-Amz-Date, and not
when X-Amz-Date is more than 15 minutes in the future. The answer is JSON when the request accepts
application/json, else XML; errors are STS's XML ErrorResponse (403 SignatureDoesNotMatch,
InvalidClientTokenId, ExpiredToken; 400 for a malformed request).

Controls (GET, never counted as STS calls): /_calls (the number of STS calls and what each carried:
host, audience header value, Accept, key id, outcome; never a signature or token), /_mode/ok,
/_mode/unavailable (503 ServiceUnavailable), /_mode/throttle (400 Throttling), /_mode/hang (no answer
until the mode changes or 30 s pass), /_mode/xml (answers in XML even to Accept: application/json),
/_reset (count 0, mode ok).

Run: python sts_standin.py [--port 0] [--audience-header x-k8s-aws-id]; it prints one JSON line,
{"port": N}, once it listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import calendar
import hmac
import json
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
LIFETIME_SECONDS = 900       # STS accepts a presigned GetCallerIdentity for 15 minutes
FUTURE_SECONDS = 900         # and refuses one dated more than 15 minutes ahead


def key_id_for(account: str, prefix: str = "AKIA", tail: bytes = b"e2e0") -> str:
    """A new-generation access key id that derives offline to `account` (AWSAccountID's inverse:
    bytes 0-5 are z = 1<<47 | account<<7 | 7 free bits, bytes 6-9 anything)."""
    z = (1 << 47) | (int(account) << 7) | 0x55
    return prefix + base64.b32encode(z.to_bytes(6, "big") + tail[:4].ljust(4, b"\0")).decode()


def account_of(key_id: str) -> str:
    """The account a new-generation key id encodes (the derivation sigv4-authz applies)."""
    z = int.from_bytes(base64.b32decode(key_id[4:20])[:6], "big")
    return f"{(z & 0x7FFFFFFFFF80) >> 7:012d}"


@dataclass(frozen=True)
class TestKey:
    """A key STS knows, and who it says the caller is."""

    key_id: str
    secret: str
    arn: str
    user_id: str
    session_token: str | None = None

    @property
    def account(self) -> str:
        return self.arn.split(":")[4]


ORDERS_ACCOUNT = "171436882533"   # AKIASP2TPHJSQH3FJRUX's account (docs/reference/sigv4-and-aws.md)
PODS_ACCOUNT = "609629065308"     # ASIAY34FZKBOKMUTVV7A's
FOREIGN_ACCOUNT = "411435703965"  # AKIAV7S32T2OSBFJQOIY's: not in the identity policy
ROLE_SESSION_TOKEN = "IQoJb3JpZ2luX2VjE2e2eIdentitySessionToken" + "c3RzLXNlc3Npb24" * 24

# An IAM user allowed by the tests' policy.
ALICE = TestKey("AKIASP2TPHJSQH3FJRUX", "e2eIdentityAlice000wJalrXUtnFEMIK7MDENG",
                f"arn:aws:iam::{ORDERS_ACCOUNT}:user/alice", "AIDASP2TPHJSQALICE001")
# Another IAM user of the same account whom no statement names.
BOB = TestKey(key_id_for(ORDERS_ACCOUNT, tail=b"bob1"), "e2eIdentityBob00000wJalrXUtnFEMIK7MDENG",
              f"arn:aws:iam::{ORDERS_ACCOUNT}:user/bob", "AIDASP2TPHJSQBOB00001")
# A pod's assumed-role session (IRSA / EKS Pod Identity): ASIA key + session token.
POD = TestKey("ASIAY34FZKBOKMUTVV7A", "e2eIdentityPod00000wJalrXUtnFEMIK7MDENG",
              f"arn:aws:sts::{PODS_ACCOUNT}:assumed-role/orders-reader/pod-7f9c4",
              "AROAY34FZKBOKORDERS01:pod-7f9c4", ROLE_SESSION_TOKEN)
# A user of an account the policy does not list (STS would vouch for it).
MALLORY = TestKey("AKIAV7S32T2OSBFJQOIY", "e2eIdentityMallory0wJalrXUtnFEMIK7MDENG",
                  f"arn:aws:iam::{FOREIGN_ACCOUNT}:user/mallory", "AIDAV7S32T2OSMALLORY1")
KEYS = {k.key_id: k for k in (ALICE, BOB, POD, MALLORY)}

ALLOWED_PARAMS = {"action", "version", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-expires",
                  "x-amz-signedheaders", "x-amz-signature", "x-amz-security-token"}


class StsError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


def _region_of_host(host: str) -> str | None:
    """The region an STS host name serves (sts.amazonaws.com: us-east-1)."""
    labels = host.lower().rstrip(".").split(".")
    if labels[1:] == ["amazonaws", "com"] and labels[0] == "sts":
        return "us-east-1"
    if len(labels) >= 4 and labels[0] in ("sts", "sts-fips"):
        return labels[1]
    return None


def _epoch(amz_date: str) -> int:
    return calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))


def verify(host: str, path: str, query: str, headers: dict[str, list[str]], now: float) -> TestKey:
    """STS's checks of one presigned GetCallerIdentity; the key it authenticates, or StsError."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from botocore.compat import HTTPHeaders

    if path != "/":
        raise StsError(404, "UnknownOperation", "Unknown operation")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise StsError(400, "MalformedQueryString", "The query string is malformed") from None
    names = [k.lower() for k, _ in pairs]
    if len(set(names)) != len(names):
        raise StsError(400, "MalformedQueryString", "A query parameter is repeated")
    params = dict(pairs)
    if params.get("Action") != "GetCallerIdentity":
        raise StsError(400, "InvalidAction", f"Could not find operation {params.get('Action')} for version 2011-06-15")
    if params.get("Version") != "2011-06-15":
        raise StsError(400, "InvalidParameterValue", "Version must be 2011-06-15")
    for name in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
                 "X-Amz-Signature"):
        if name not in params:
            raise StsError(400, "AuthorizationQueryParametersError", f"{name} is missing")
    unknown = [k for k in names if k not in ALLOWED_PARAMS]
    if unknown:
        # STS would sign over them; the stand-in refuses them so that a token sigv4-authz should have
        # refused offline cannot pass here by accident.
        raise StsError(400, "MalformedQueryString", f"Unexpected parameter {unknown[0]}")
    if params["X-Amz-Algorithm"] != "AWS4-HMAC-SHA256":
        raise StsError(400, "IncompleteSignature", "Unsupported algorithm")
    try:
        expires = int(params["X-Amz-Expires"])
        signed_at = _epoch(params["X-Amz-Date"])
    except ValueError:
        raise StsError(400, "AuthorizationQueryParametersError", "X-Amz-Date or X-Amz-Expires is malformed") from None
    if not 1 <= expires <= 604800:
        raise StsError(400, "AuthorizationQueryParametersError", "X-Amz-Expires must be between 1 and 604800")
    scope = params["X-Amz-Credential"].split("/")
    if len(scope) != 5 or scope[3] != "sts" or scope[4] != "aws4_request":
        raise StsError(400, "IncompleteSignature", "Credential is malformed")
    key_id, date, region = scope[0], scope[1], scope[2]
    host_region = _region_of_host(host)
    if host_region is None or region != host_region:
        raise StsError(403, "SignatureDoesNotMatch", f"Credential should be scoped to a valid region, not '{region}'")
    key = KEYS.get(key_id)
    if key is None:
        raise StsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
    token = params.get("X-Amz-Security-Token")
    if key.session_token is None and token is not None:
        raise StsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
    if key.session_token is not None and (
            token is None or not hmac.compare_digest(token.encode(), key.session_token.encode())):
        raise StsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
    if signed_at > now + FUTURE_SECONDS:
        raise StsError(403, "SignatureDoesNotMatch", "Signature not yet current")
    if now > signed_at + LIFETIME_SECONDS:
        raise StsError(403, "ExpiredToken", "The security token included in the request is expired")

    signed = params["X-Amz-SignedHeaders"].split(";")
    header_map = HTTPHeaders()
    for name in signed:
        values = headers.get(name.lower())
        if not values:
            raise StsError(403, "SignatureDoesNotMatch", f"Header {name} is signed but was not sent")
        for value in values:
            header_map[name.lower()] = value

    class _Recompute(SigV4Auth):
        def headers_to_sign(self, request):  # exactly the headers the URL says it signed
            return header_map

    request = AWSRequest(method="GET", url=f"https://{host}/",
                         params=[(k, v) for k, v in pairs if k != "X-Amz-Signature"])
    request.context["timestamp"] = params["X-Amz-Date"]
    signer = _Recompute(Credentials(key.key_id, key.secret, key.session_token), "sts", region)
    if date != params["X-Amz-Date"][:8]:
        raise StsError(403, "SignatureDoesNotMatch", "Credential date does not match X-Amz-Date")
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    if not hmac.compare_digest(expected.encode(), params["X-Amz-Signature"].encode()):
        raise StsError(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the "
                       "signature you provided. Check your AWS Secret Access Key and signing method.")
    return key


class StandIn:
    """The state the handler threads share: the mode and the record of STS calls."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.mode = "ok"
        self.calls: list[dict] = []

    def set_mode(self, mode: str) -> None:
        with self.changed:
            self.mode = mode
            self.changed.notify_all()

    def reset(self) -> None:
        with self.changed:
            self.mode = "ok"
            self.calls = []
            self.changed.notify_all()


def _xml_error(code: str, message: str, request_id: str) -> bytes:
    return (f'<ErrorResponse xmlns="{STS_NAMESPACE}">\n  <Error>\n    <Type>Sender</Type>\n'
            f"    <Code>{escape(code)}</Code>\n    <Message>{escape(message)}</Message>\n  </Error>\n"
            f"  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n").encode()


def _answer(key: TestKey, as_json: bool, request_id: str) -> tuple[bytes, str]:
    if as_json:
        return json.dumps({"GetCallerIdentityResponse": {
            "GetCallerIdentityResult": {"Account": key.account, "Arn": key.arn, "UserId": key.user_id},
            "ResponseMetadata": {"RequestId": request_id}}}).encode(), "application/json"
    return (f'<GetCallerIdentityResponse xmlns="{STS_NAMESPACE}">\n  <GetCallerIdentityResult>\n'
            f"    <Arn>{escape(key.arn)}</Arn>\n    <UserId>{escape(key.user_id)}</UserId>\n"
            f"    <Account>{key.account}</Account>\n  </GetCallerIdentityResult>\n"
            f"  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n"
            "</GetCallerIdentityResponse>\n").encode(), "text/xml"


def make_handler(state: StandIn, audience_header: str):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "sts-standin"
        sys_version = ""

        def log_message(self, format, *args):  # noqa: A002 — never log the URL (it is a credential)
            pass

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            if parts.path.startswith("/_"):
                self._control(parts.path)
                return
            request_id = str(uuid.uuid4())
            headers: dict[str, list[str]] = {}
            for name, value in self.headers.items():
                headers.setdefault(name.lower(), []).append(value)
            host = (headers.get("host") or [""])[0]
            key_id = dict(parse_qsl(parts.query, keep_blank_values=True)).get("X-Amz-Credential", "").split("/")[0]
            record = {"host": host, "key_id": key_id, "accept": (headers.get("accept") or [""])[0],
                      "audience": (headers.get(audience_header) or [None])[0]}
            with state.changed:
                state.calls.append(record)
                mode = state.mode
                if mode == "hang":
                    state.changed.wait_for(lambda: state.mode != "hang", timeout=30)
                    mode = state.mode
            if mode == "hang":
                record["outcome"] = "hung"
                self.close_connection = True
                return
            if mode == "unavailable":
                record["outcome"] = "ServiceUnavailable"
                self._send(503, _xml_error("ServiceUnavailable", "Service is unavailable", request_id), "text/xml")
                return
            if mode == "throttle":
                record["outcome"] = "Throttling"
                self._send(400, _xml_error("Throttling", "Rate exceeded", request_id), "text/xml")
                return
            try:
                key = verify(host, parts.path, parts.query, headers, time.time())
            except StsError as error:
                record["outcome"] = error.code
                self._send(error.status, _xml_error(error.code, error.message, request_id), "text/xml")
                return
            record["outcome"] = "verified"
            body, content_type = _answer(key, mode != "xml" and "application/json" in record["accept"], request_id)
            self._send(200, body, content_type)

        def do_POST(self) -> None:  # noqa: N802 — STS accepts POST too; the tokens never use it
            self._send(400, _xml_error("InvalidRequest", "The stand-in answers presigned GETs only", "0"), "text/xml")

        def _control(self, path: str) -> None:
            if path == "/_calls":
                with state.lock:
                    body = json.dumps({"calls": len(state.calls), "requests": list(state.calls), "mode": state.mode})
                self._send(200, body.encode(), "application/json")
            elif path == "/_reset":
                state.reset()
                self._send(200, b"{}", "application/json")
            elif path.startswith("/_mode/") and path[7:] in ("ok", "unavailable", "throttle", "hang", "xml"):
                state.set_mode(path[7:])
                self._send(200, b"{}", "application/json")
            else:
                self._send(404, b"{}", "application/json")

    return Handler


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--audience-header", default="x-k8s-aws-id")
    args = parser.parse_args()
    state = StandIn()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(state, args.audience_header.lower()))
    server.daemon_threads = True
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
