"""Squid over ICAP end to end: real Squid (Debian squid-openssl, the shipped squid/squid-icap.conf)
asking sigv4-authz (`serve` with icap.yaml, listen.icap) about each request over ICAP, in front of
moto, with boto3 and the aws CLI as clients, over HTTPS through ssl_bump (the test CA in the client's
trust store, Squid's TLS to moto verified against the same CA) and as a plain HTTP proxy.

Squid reaches sigv4-authz through icap_world.IcapRelay, which counts the bytes Squid sends: how much
of a body went to the ICAP service is read there, not guessed from timing."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import time
import uuid
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

import harness as h
import icap_world
from harness import ALLOWED, DENIED, SESSION

TRANSPORTS = ["https", "http"]  # through ssl_bump, and as a plain HTTP proxy
ENDPOINTS = {"s3": "s3.us-east-1.amazonaws.com", "sts": "sts.us-east-1.amazonaws.com",
             "ec2": "ec2.us-east-1.amazonaws.com", "iam": "iam.amazonaws.com"}
MAX_BODY_BYTES = 65536  # icap.yaml's server.max_body_bytes


@pytest.fixture(scope="module")
def icap(world):
    """sigv4-authz with an ICAP listener, the relay, and Squid: started once for this module."""
    workdir = h.make_workdir("sigv4-authz-icap-")
    (workdir / "logs").mkdir()
    (workdir / "logs").chmod(0o777)
    authz = icap_world.IcapAuthz(workdir)
    h.PROCS.append(authz.start().proc)
    relay = icap_world.IcapRelay(authz.icap_port)
    squid = icap_world.start_squid_icap(workdir, relay.port, world.aws, world.certs, authz.audit)
    h.PROCS.append(squid.proc)
    yield SimpleNamespace(authz=authz, relay=relay, squid=squid, workdir=workdir)
    squid.proc.stop()
    authz.stop()
    relay.close()


def client(icap, transport: str, service: str, creds: h.Creds = ALLOWED):
    """boto3 through Squid: https:// endpoints with Squid as HTTPS proxy (CONNECT, bumped; the test
    CA trusted), or http:// endpoints with Squid as HTTP proxy. AWS names never resolve here.

    One retry, standard mode (SDKs retry by default): under load Squid now and then closes a new
    client connection before answering its CONNECT (about 1 run in 5 on a busy 2-core machine;
    seen with the external ACL helper's squid.conf too), before any check. Standard mode never
    retries a 403, and a request checked twice would break the exact audit counts below."""
    import boto3
    from botocore.config import Config

    config = Config(region_name="us-east-1", retries={"total_max_attempts": 2, "mode": "standard"}, connect_timeout=5,
                    read_timeout=30, proxies={transport: icap.squid.forward_proxy},
                    s3={"addressing_style": "path"} if service == "s3" else None,
                    signature_version="s3v4" if service == "s3" else None)
    session = boto3.session.Session(aws_access_key_id=creds.key, aws_secret_access_key=creds.secret,
                                    aws_session_token=creds.token, region_name="us-east-1")
    if transport == "https":
        return session.client(service, config=config, verify=icap.squid.ca_bundle)
    return session.client(service, config=config, endpoint_url=f"http://{ENDPOINTS[service]}")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def audit_mark(icap) -> int:
    """The number of audit records once the asynchronous writer has been quiet for 0.3 s."""
    count, since = len(icap.authz.audit_records()), time.monotonic()
    deadline = since + 5
    while time.monotonic() - since < 0.3 and time.monotonic() < deadline:
        time.sleep(0.05)
        now = len(icap.authz.audit_records())
        if now != count:
            count, since = now, time.monotonic()
    return count


def new_records(icap, mark: int, expected: int) -> list[dict]:
    h.wait_for(lambda: len(icap.authz.audit_records()) >= mark + expected, timeout=5)
    time.sleep(0.2)  # a record too many would have been written by now
    return icap.authz.audit_records()[mark:]


def assert_denied(caught, code: str = "AccessDenied", fragment: str = "sigv4-authz: "):
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403, error
    assert error["Error"]["Code"] == code, error
    assert error["Error"]["Message"].startswith("sigv4-authz: "), error
    assert fragment in error["Error"]["Message"], error


# ---------------------------------------------------------------------------------------------
# Allowed calls


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_allowed_calls_reach_aws_checked_once_each(world, icap, transport):
    """S3 and STS with the known key (verified) and with session credentials: each request is one
    ICAP check, audited with mode icap and the client's address (X-Client-IP); the CONNECT of the
    bumped tunnel is not a check. moto receives the requests over the client's scheme."""
    before_aws, mark = world.aws.count(), audit_mark(icap)
    s3 = client(icap, transport, "s3", ALLOWED)
    bucket = unique(f"e2e-icap-{transport}")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="dir/hello.txt", Body=b"hello through squid and icap")
    assert s3.get_object(Bucket=bucket, Key="dir/hello.txt")["Body"].read() == b"hello through squid and icap"
    assert client(icap, transport, "sts", SESSION).get_caller_identity()["Arn"].startswith("arn:aws:")
    seen = world.aws.requests()[before_aws:]
    assert [(r["method"], r["scheme"]) for r in seen] == [
        ("PUT", transport), ("PUT", transport), ("GET", transport), ("POST", transport)], seen
    assert all(r["headers"]["authorization"].startswith("AWS4-HMAC-SHA256 Credential=") for r in seen)
    records = new_records(icap, mark, 4)
    assert [(r["mode"], r["decision"], r["aws"]["action"]) for r in records] == [
        ("icap", "allow", "s3:CreateBucket"), ("icap", "allow", "s3:PutObject"),
        ("icap", "allow", "s3:GetObject"), ("icap", "allow", "sts:GetCallerIdentity")], records
    assert all(r["source"]["address"] == "127.0.0.1" for r in records), records
    # The known key's signatures were checked; the session key is not known.
    assert [r["aws"]["signature"] for r in records] == ["verified", "verified", "verified", "not_checked"]


# ---------------------------------------------------------------------------------------------
# Query-protocol actions: read from the body


def sts_allowed(c):
    return c.get_caller_identity()


def sts_denied(c):
    return c.assume_role(RoleArn="arn:aws:iam::171436882533:role/e2e", RoleSessionName="e2e")


def ec2_allowed(c):
    return c.describe_instances()


def ec2_denied(c):
    return c.terminate_instances(InstanceIds=["i-0123456789abcdef0"])


def iam_allowed(c):
    return c.list_users()


def iam_denied(c):
    return c.create_user(UserName=unique("e2e-user"))


QUERY_ACTIONS = {  # case: (service, call, action, rule that denies it or None)
    "sts-GetCallerIdentity": ("sts", sts_allowed, "sts:GetCallerIdentity", None),
    "sts-AssumeRole": ("sts", sts_denied, "sts:AssumeRole", "no-role-assumption"),
    "ec2-DescribeInstances": ("ec2", ec2_allowed, "ec2:DescribeInstances", None),
    "ec2-TerminateInstances": ("ec2", ec2_denied, "ec2:TerminateInstances", "no-instance-termination"),
    "iam-ListUsers": ("iam", iam_allowed, "iam:ListUsers", None),
    "iam-CreateUser": ("iam", iam_denied, "iam:CreateUser", "no-user-creation"),
}


@pytest.mark.parametrize("case", list(QUERY_ACTIONS))
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_query_protocol_action_read_from_the_body(world, icap, transport, case):
    """Action= is in the POST body: sigv4-authz reads it there, so a rule on the action decides
    (the external ACL helper never sees it, and an unknown action meets every deny rule). The
    known key's signature covers the body and is verified over it."""
    service, call, action, rule = QUERY_ACTIONS[case]
    before_aws, mark = world.aws.count(), audit_mark(icap)
    if rule is None:
        call(client(icap, transport, service, ALLOWED))
        assert len(world.aws.requests()[before_aws:]) == 1
    else:
        with pytest.raises(ClientError) as caught:
            call(client(icap, transport, service, ALLOWED))
        assert_denied(caught, fragment=rule)
        time.sleep(0.2)  # anything forwarded by mistake would have arrived by now
        assert world.aws.requests()[before_aws:] == []
    [record] = new_records(icap, mark, 1)
    assert (record["mode"], record["aws"]["action"], record["aws"]["signature"]) == ("icap", action, "verified")
    if rule is None:
        assert record["decision"] == "allow", record
    else:
        assert (record["decision"], record["reason"], record["rule"]) == ("deny", "denied_by_rule", rule), record


def test_query_action_beyond_the_preview_reads_the_whole_body(world, icap):
    """A DescribeInstances body larger than the preview: sigv4-authz asks Squid for the rest
    (100 Continue) to verify the known key's signature over it, then allows."""
    values = [f"e2e-instance-name-{i:05d}" for i in range(400)]
    mark_bytes, mark = icap.relay.mark(), audit_mark(icap)
    reply = client(icap, "http", "ec2", ALLOWED).describe_instances(Filters=[{"Name": "tag:Name", "Values": values}])
    assert reply["Reservations"] == []
    sent = icap.relay.mark() - mark_bytes
    assert sent > 400 * 25, sent  # the whole body crossed to sigv4-authz
    records = new_records(icap, mark, 1)
    assert len(records) == 1, json.dumps(records, indent=None)
    [record] = records
    assert (record["decision"], record["aws"]["action"], record["aws"]["signature"]) == (
        "allow", "ec2:DescribeInstances", "verified"), record


def test_query_body_over_max_body_bytes_is_denied(world, icap):
    """A DescribeInstances body over server.max_body_bytes with session credentials: the action
    cannot be read from the preview, an unknown action meets the deny rules, so sigv4-authz reads
    on, finds the body too large and denies (body_too_large): it never allows what it did not
    read."""
    values = [f"e2e-instance-name-{i:05d}" for i in range(3000)]  # about 130 KB encoded
    before_aws, mark = world.aws.count(), audit_mark(icap)
    with pytest.raises(ClientError) as caught:
        client(icap, "http", "ec2", SESSION).describe_instances(Filters=[{"Name": "tag:Name", "Values": values}])
    # A body_too_large denial names no service, so its body is not EC2's error shape: botocore
    # finds Code and Message at the top of the parsed response instead of under "Error".
    error = caught.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403, error
    assert error["ResponseMetadata"]["HTTPHeaders"]["x-sigv4-authz-reason"] == "body_too_large", error
    assert error.get("Error", error)["Message"].startswith("sigv4-authz: "), error
    records = new_records(icap, mark, 1)
    assert [(r["decision"], r["reason"]) for r in records] == [("deny", "body_too_large")], records
    time.sleep(0.2)
    assert world.aws.requests()[before_aws:] == []


# ---------------------------------------------------------------------------------------------
# Denials


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_denied_account_and_wrong_secret_never_reach_aws(world, icap, transport):
    """An account outside the policy, and the known key signed with a wrong secret (the signature
    is checked: signature_mismatch), both for a header-signed S3 GET and a body-signed STS POST."""
    wrong = h.Creds("wrong-secret", h.ALLOWED_KEY, "wrongSecret000000000000000000000000000000", None,
                    h.ALLOWED_ACCOUNT)
    before_aws, mark = world.aws.count(), audit_mark(icap)
    for creds, reason, fragment in ((DENIED, "account_not_allowed", h.DENIED_ACCOUNT),
                                    (wrong, "signature_mismatch", "signature")):
        with pytest.raises(ClientError) as caught:
            client(icap, transport, "s3", creds).get_object(Bucket="e2e-icap-denied", Key="k")
        assert_denied(caught, fragment=fragment)
        with pytest.raises(ClientError) as caught:
            client(icap, transport, "sts", creds).get_caller_identity()
        assert_denied(caught, fragment=fragment)
    records = new_records(icap, mark, 4)
    assert [(r["mode"], r["decision"], r["reason"]) for r in records] == [
        ("icap", "deny", "account_not_allowed")] * 2 + [("icap", "deny", "signature_mismatch")] * 2, records
    assert [r["aws"]["signature"] for r in records[2:]] == ["mismatch", "mismatch"], records
    time.sleep(0.2)
    assert world.aws.requests()[before_aws:] == []


FORGED = {"x-sigv4-authz-decision": "allow", "x-sigv4-authz-reason": "forged", "x-sigv4-authz-account": "000000000000"}


def test_forged_decision_headers_never_reach_aws(world, icap):
    """Client-made copies of sigv4-authz's headers on an allowed request: sigv4-authz answers with
    the request without them and with its own decision headers (never a 204 that would let them
    through)."""
    s3 = client(icap, "http", "s3", SESSION)
    def forge(request, **_):
        for name, value in FORGED.items():
            request.headers[name] = value

    s3.meta.events.register("before-sign.s3.*", forge)
    bucket = unique("e2e-icap-forged")
    before_aws = world.aws.count()
    s3.create_bucket(Bucket=bucket)
    [request] = world.aws.requests()[before_aws:]
    headers = request["headers"]
    assert (headers.get("x-sigv4-authz-decision"), headers.get("x-sigv4-authz-reason"),
            headers.get("x-sigv4-authz-account")) == ("allow", "allowed", h.SESSION_ACCOUNT), headers
    assert "forged" not in json.dumps(headers) and "000000000000" not in json.dumps(headers), headers
    # Without forged headers the allow is a 204: the request goes on as sent, no decision headers.
    before_aws = world.aws.count()
    client(icap, "http", "s3", SESSION).head_bucket(Bucket=bucket)
    [request] = world.aws.requests()[before_aws:]
    assert not [k for k in request["headers"] if k.startswith("x-sigv4-authz-")], request["headers"]


# ---------------------------------------------------------------------------------------------
# Bodies: decided on the preview


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_large_upload_decided_on_the_preview(world, icap, transport):
    """A 256 KiB S3 PutObject (session credentials: no signature to verify): the action is in the
    method and path, so sigv4-authz answers after Squid's preview and the body streams to AWS
    without crossing to sigv4-authz. Two facts show it: Squid sent sigv4-authz a small fraction of
    the body (counted by the relay), and the body is four times server.max_body_bytes, which
    sigv4-authz would have denied (body_too_large) had it read it."""
    s3 = client(icap, transport, "s3", SESSION)
    bucket = unique(f"e2e-icap-big-{transport}")
    s3.create_bucket(Bucket=bucket)
    body = os.urandom(4 * MAX_BODY_BYTES)
    mark_bytes, mark, before_aws = icap.relay.mark(), audit_mark(icap), world.aws.count()
    s3.put_object(Bucket=bucket, Key="big.bin", Body=body)
    sent = icap.relay.mark() - mark_bytes
    assert sent < 16384, f"Squid sent {sent} bytes to sigv4-authz for a {len(body)}-byte upload"
    assert b"Preview: " in icap.relay.since(mark_bytes)
    [record] = new_records(icap, mark, 1)
    assert (record["mode"], record["decision"], record["aws"]["action"]) == ("icap", "allow", "s3:PutObject"), record
    assert [r["method"] for r in world.aws.requests()[before_aws:]] == ["PUT"]
    assert s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read() == body


# ---------------------------------------------------------------------------------------------
# The aws CLI


def aws_cli(icap, transport: str, creds: h.Creds, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k.lower() not in ("http_proxy", "https_proxy", "no_proxy", "all_proxy")}
    env.update({"AWS_ACCESS_KEY_ID": creds.key, "AWS_SECRET_ACCESS_KEY": creds.secret,
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_MAX_ATTEMPTS": "2", "AWS_RETRY_MODE": "standard",  # as client() above
                # AWS names do not resolve in the CLI (no E2E_AWS_ADDRESS): only Squid reaches them.
                "PYTHONPATH": str(h.HERE / "dns_override")})
    if creds.token:
        env["AWS_SESSION_TOKEN"] = creds.token
    endpoint = []
    if transport == "https":
        env.update({"HTTPS_PROXY": icap.squid.forward_proxy, "AWS_CA_BUNDLE": icap.squid.ca_bundle})
    else:
        env["HTTP_PROXY"] = icap.squid.forward_proxy
        endpoint = ["--endpoint-url", f"http://{ENDPOINTS[args[0]]}"]
    return subprocess.run([h.tool("aws"), *args, *endpoint, "--output", "json"], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_aws_cli(world, icap, transport):
    who = aws_cli(icap, transport, SESSION, "sts", "get-caller-identity")
    assert who.returncode == 0 and '"Arn"' in who.stdout, who.stderr
    users = aws_cli(icap, transport, ALLOWED, "iam", "list-users")
    assert users.returncode == 0 and '"Users"' in users.stdout, users.stderr
    before_aws = world.aws.count()
    denied = aws_cli(icap, transport, ALLOWED, "iam", "create-user", "--user-name", unique("e2e-cli"))
    assert denied.returncode != 0
    assert "AccessDenied" in denied.stderr and "sigv4-authz: " in denied.stderr, denied.stderr
    assert "no-user-creation" in denied.stderr, denied.stderr
    denied = aws_cli(icap, transport, DENIED, "sts", "get-caller-identity")
    assert denied.returncode != 0
    assert "AccessDenied" in denied.stderr and h.DENIED_ACCOUNT in denied.stderr, denied.stderr
    time.sleep(0.2)
    assert world.aws.requests()[before_aws:] == []


# ---------------------------------------------------------------------------------------------
# No tunnel escapes the check


def proxy_socket(icap) -> socket.socket:
    host, port = icap.squid.forward_proxy.removeprefix("http://").rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=10)


def connect(sock: socket.socket, authority: str) -> int:
    sock.sendall(f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    return int(head.split()[1])


def test_tunnels_are_bumped_or_refused(world, icap):
    """CONNECT elsewhere than an AWS name on port 443 is refused; inside an accepted CONNECT,
    plain HTTP is not forwarded, and a client that does not trust the CA gets no session. A bumped
    unsigned request is checked like any other (no_credentials)."""
    before_aws, mark = world.aws.count(), audit_mark(icap)
    for authority in ("www.example.com:443", "s3.us-east-1.amazonaws.com:22"):
        with proxy_socket(icap) as sock:
            status = connect(sock, authority)
            if status == 200:
                # Squid bumps a refused CONNECT to say so over TLS (its own error, 403).
                context = ssl.create_default_context(cafile=icap.squid.ca_bundle)
                with context.wrap_socket(sock, server_hostname=authority.split(":")[0]) as tls:
                    tls.sendall(b"GET / HTTP/1.1\r\nHost: " + authority.encode() + b"\r\nConnection: close\r\n\r\n")
                    reply = tls.recv(65536)
                assert reply.startswith(b"HTTP/1.1 403"), (authority, reply[:300])
            else:
                assert status == 403, (authority, status)
    with proxy_socket(icap) as sock:
        assert connect(sock, "s3.us-east-1.amazonaws.com:443") == 200
        sock.sendall(b"GET /e2e-icap-tunnel/k HTTP/1.1\r\nHost: s3.us-east-1.amazonaws.com\r\n\r\n")
        sock.settimeout(10)
        try:
            reply = sock.recv(4096)
        except OSError:
            reply = b""
        assert not reply.startswith(b"HTTP/1.1 200"), reply[:200]
    with proxy_socket(icap) as sock:
        assert connect(sock, "s3.us-east-1.amazonaws.com:443") == 200
        with pytest.raises(ssl.SSLError):
            ssl.create_default_context().wrap_socket(sock, server_hostname="s3.us-east-1.amazonaws.com")
    with proxy_socket(icap) as sock:
        assert connect(sock, "s3.us-east-1.amazonaws.com:443") == 200
        context = ssl.create_default_context(cafile=icap.squid.ca_bundle)
        with context.wrap_socket(sock, server_hostname="s3.us-east-1.amazonaws.com") as tls:
            tls.sendall(b"GET /e2e-icap-tunnel/k HTTP/1.1\r\nHost: s3.us-east-1.amazonaws.com\r\n"
                        b"Connection: close\r\n\r\n")
            reply = b""
            while chunk := tls.recv(65536):
                reply += chunk
        assert reply.startswith(b"HTTP/1.1 403"), reply[:300]
        assert b"<Code>AccessDenied</Code>" in reply and b"sigv4-authz: " in reply, reply[:600]
    [record] = new_records(icap, mark, 1)
    assert (record["mode"], record["reason"], record["aws"]["auth"]) == ("icap", "no_credentials", "none"), record
    time.sleep(0.2)
    assert world.aws.requests()[before_aws:] == []


# ---------------------------------------------------------------------------------------------
# Logs


def test_logs_hold_no_secrets(world, icap):
    """After everything above crossed Squid (signatures, session tokens, a wrong secret's attempt),
    neither the audit records nor the logs of sigv4-authz and Squid hold a secret, the session
    token or a signature; Squid's access log has no query strings."""
    import requests

    client(icap, "https", "sts", SESSION).get_caller_identity()
    # A presigned URL: its signature and session token are in the query.
    url = client(icap, "http", "s3", SESSION).generate_presigned_url(
        "get_object", Params={"Bucket": "e2e-icap-presigned", "Key": "k"}, ExpiresIn=300)
    assert "X-Amz-Signature=" in url and "X-Amz-Security-Token=" in url
    requests.get(url, proxies={"http": icap.squid.forward_proxy}, timeout=30)
    audit_mark(icap)
    texts = {path.name: path.read_text(errors="replace")
             for path in [icap.authz.audit, *sorted((icap.workdir / "logs").iterdir())]}
    assert any('"mode":"icap"' in text for text in texts.values())
    for name, text in texts.items():
        for secret in (h.ALLOWED_SECRET, h.SESSION_SECRET, h.DENIED_SECRET, h.SESSION_TOKEN[:40],
                       "Signature=", "X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Credential"):
            assert secret not in text, (name, secret[:12])
    assert "GET http://s3.us-east-1.amazonaws.com/e2e-icap-presigned/k" in texts["squid-icap-sigv4-authz-access.log"]


# ---------------------------------------------------------------------------------------------
# Fail closed (last: it stops sigv4-authz)


def get_caller_identity(icap, transport: str) -> int:
    """A GetCallerIdentity signed by botocore with the session credentials, sent with `requests`
    through Squid: the HTTP status (Squid's own error pages are not AWS XML, which boto3 cannot
    parse)."""
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    import requests

    url = f"{transport}://{ENDPOINTS['sts']}/"
    request = botocore.awsrequest.AWSRequest(
        method="POST", url=url, data="Action=GetCallerIdentity&Version=2011-06-15",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    credentials = botocore.credentials.Credentials(SESSION.key, SESSION.secret, SESSION.token)
    botocore.auth.SigV4Auth(credentials, "sts", "us-east-1").add_auth(request)
    response = requests.post(url, data=request.body, headers=dict(request.headers), timeout=30,
                             proxies={transport: icap.squid.forward_proxy}, verify=icap.squid.ca_bundle)
    return response.status_code


def test_fail_closed_with_sigv4_authz_stopped(world, icap):
    """bypass=off: with sigv4-authz stopped, Squid answers an error (500/503) over both transports
    and forwards nothing; after a restart on the same port, the same Squid lets traffic through
    (within Squid's revival delay)."""
    assert [get_caller_identity(icap, t) for t in TRANSPORTS] == [200, 200]
    squid_pid = icap.squid.proc.popen.pid
    icap.authz.stop()
    before_aws = world.aws.count()
    try:
        statuses = [get_caller_identity(icap, t) for t in TRANSPORTS * 2]
        assert all(status in (500, 503) for status in statuses), statuses
        time.sleep(0.2)
        assert world.aws.requests()[before_aws:] == []
    finally:
        h.PROCS.append(icap.authz.start().proc)
    # A service Squid found down (an OPTIONS fetch failed while sigv4-authz was stopped) is asked
    # again after icap_service_revival_delay, 30 s: Squid's minimum.
    assert h.wait_for(lambda: get_caller_identity(icap, "http") == 200, timeout=45, interval=1.0), \
        "no recovery after sigv4-authz restarted"
    assert icap.squid.proc.running and icap.squid.proc.popen.pid == squid_pid
