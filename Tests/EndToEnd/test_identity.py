"""IAM as the identity provider of internal services end to end: callers send
`Authorization: Bearer k8s-aws-v1.<token>` — made by `aws eks get-token`, by boto3 the way
aws-iam-authenticator's Python clients presign, by `sigv4-authz token`, or forged here — through real
Envoy (ext_authz gRPC, envoy/identity.yaml) and nginx (auth_request, nginx/identity.conf) to an
internal service (echo_service.py) that answers with the headers it received; sigv4-authz serves
identity.yaml and verifies tokens with an STS stand-in (sts_standin.py), which recomputes every
presigned signature with botocore and counts its calls.

What is checked: the principal headers the service gets are STS's answer (client-sent copies replaced)
and the token never reaches it; statements on principals_arn / paths / methods decide (an assumed-role
session matched by its role's ARN); every offline rule refuses a hostile token with invalid_token
before any STS call; a foreign account is denied without an STS call; one STS call per token however
many checks (sequential, both proxies, a concurrent burst); a token stops working when it expires; STS
down, throttling or hanging is identity_unavailable and not cached; STS's refusals are invalid_token;
the audit record names the principal and never holds the token.

Run: SIGV4_AUTHZ_BIN=$(swift build --show-bin-path)/sigv4-authz Tests/EndToEnd/run.sh test_identity.py
"""

from __future__ import annotations

import base64
import concurrent.futures
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from unittest import mock

import pytest

import harness as h
import sts_standin as sts

AUDIENCE = "orders"
HOST = "orders.internal"
PROXY_NAMES = ["envoy-identity", "nginx-identity"]
PRINCIPAL_HEADERS = ("x-sigv4-authz-principal-arn", "x-sigv4-authz-principal-account",
                     "x-sigv4-authz-principal-user-id")


# ---------------------------------------------------------------------------------------------
# The world: STS stand-in, echo service, sigv4-authz with identity.yaml, the two proxies


def _printed_port(proc: h.Proc) -> int | None:
    """The port a helper printed ({"port": N}) into its log, once it listens."""
    for line in reversed(proc.log.read_text(errors="replace").splitlines()):
        if line.startswith('{"port"'):
            return int(json.loads(line)["port"])
    return None


def _start_script(name: str, script: str, workdir, *args: str) -> tuple[h.Proc, int]:
    proc = h.Proc(name, [sys.executable, str(h.HERE / script), *args], workdir / "logs" / f"{name}.log").start()
    proc.wait_ready(lambda: _printed_port(proc) is not None and h.tcp_open("127.0.0.1", _printed_port(proc)),
                    timeout=30)
    return proc, _printed_port(proc)


def _open(url: str, timeout: float = 5.0) -> bytes:
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=timeout) as r:
        return r.read()


class StandIn:
    """The STS stand-in process and its controls."""

    def __init__(self, workdir) -> None:
        self.workdir = workdir
        self.proc, self.port = _start_script("sts-standin", "sts_standin.py", workdir)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def state(self) -> dict:
        return json.loads(_open(f"{self.url}/_calls"))

    def calls(self) -> int:
        return self.state()["calls"]

    def mode(self, mode: str) -> None:
        _open(f"{self.url}/_mode/{mode}")

    def stop(self) -> None:
        self.proc.stop()

    def restart(self) -> None:
        """On the same port: sigv4-authz's sts_endpoint names it."""
        self.proc = h.Proc("sts-standin", [sys.executable, str(h.HERE / "sts_standin.py"), "--port", str(self.port)],
                           self.workdir / "logs" / "sts-standin.log").start()
        h.PROCS.append(self.proc)
        self.proc.wait_ready(lambda: h.tcp_open("127.0.0.1", self.port), timeout=30)


@dataclass
class IdentityAuthz(h.Authz):
    """sigv4-authz serve with identity.yaml: ports, audit file and the stand-in's address substituted."""

    sts_url: str = ""
    identity_options: str = ""     # more `identity:` keys (YAML lines indented by two spaces)

    def __post_init__(self) -> None:
        """As Authz's, in a file named after this server (two may share the work dir: sigv4-authz
        reloads its file when it changes)."""
        self.audit = self.audit_file or self.workdir / "audit.jsonl"
        self.config = self.workdir / f"{self.name}.yaml"
        self.config_text = self.render_config()
        self.config.write_text(self.config_text)
        self.config.chmod(0o644)

    def render_config(self) -> str:
        return h.render(h.HERE / "identity.yaml", self.workdir / f".{self.name}.rendered.yaml", {
            '"127.0.0.1:8080"': f'"127.0.0.1:{self.http_port}"',
            '"127.0.0.1:9001"': f'"127.0.0.1:{self.grpc_port}"',
            '"127.0.0.1:9090"': f'"127.0.0.1:{self.admin_port}"',
            "/var/log/sigv4-authz/audit.log": str(self.audit),
            '"http://127.0.0.1:8443"': f'"{self.sts_url}"',
            "identity:\n": "identity:\n" + self.identity_options,
        }).read_text()


@dataclass
class Front:
    """A proxy in front of the echo service: clients send plain HTTP to 127.0.0.1:port, Host: HOST."""

    name: str
    proc: h.Proc
    port: int


class IdentityWorld:
    def __init__(self) -> None:
        self.workdir = h.make_workdir("sigv4-authz-e2e-identity-")
        (self.workdir / "logs").mkdir()
        (self.workdir / "logs").chmod(0o777)
        self.fronts: dict[str, Front] = {}
        self.failed: dict[str, Exception] = {}
        self.procs: list[h.Proc] = []
        try:
            self.standin = StandIn(self.workdir)
            self._track(self.standin.proc)
            self.echo, self.echo_port = _start_script("echo-service", "echo_service.py", self.workdir)
            self._track(self.echo)
            self.authz = IdentityAuthz(self.workdir, sts_url=self.standin.url)
            self.authz.start()
            self._track(self.authz.proc)
        except BaseException:
            self.close()
            raise

    def _track(self, proc: h.Proc) -> None:
        self.procs.append(proc)
        if proc not in h.PROCS:
            h.PROCS.append(proc)  # conftest attaches their logs to a failed test's report

    def front(self, name: str) -> Front:
        if name in self.fronts:
            return self.fronts[name]
        if name in self.failed:
            raise RuntimeError(f"{name} failed to start: {self.failed[name]}")
        try:
            front = self._start_envoy() if name == "envoy-identity" else self._start_nginx()
        except Exception as error:
            self.failed[name] = error
            raise
        self._track(front.proc)
        self.fronts[name] = front
        return front

    def _start_envoy(self, authz: IdentityAuthz | None = None, name: str = "envoy-identity") -> Front:
        admin, listen = h.free_port(), h.free_port()
        config = h.render(h.REPO / "envoy" / "identity.yaml", self.workdir / f"{name}.yaml", {
            "port_value: 9901": f"port_value: {admin}",
            "address: 0.0.0.0, port_value: 10000": f"address: 127.0.0.1, port_value: {listen}",
            "port_value: 9001": f"port_value: {(authz or self.authz).grpc_port}",
            "port_value: 8081": f"port_value: {self.echo_port}",
        })
        h.validate_envoy(config)
        proc = h.Proc(name, h.envoy_argv(config, self.workdir, name), self.workdir / "logs" / f"{name}.log").start()
        proc.wait_ready(lambda: h.http_ok(f"http://127.0.0.1:{admin}/ready") and h.tcp_open("127.0.0.1", listen),
                        timeout=60)
        return Front(name, proc, listen)

    def token_header_front(self) -> Front:
        """A second sigv4-authz whose callers send the token raw in x-iam-token and whose token goes on
        to the service (forward_token), behind its own Envoy; started on first use."""
        if "envoy-token-header" not in self.fronts:
            authz = IdentityAuthz(self.workdir, sts_url=self.standin.url, name="sigv4-authz-token-header",
                                  audit_file=self.workdir / "audit-token-header.jsonl",
                                  identity_options="  token_header: x-iam-token\n  forward_token: true\n")
            authz.start()
            self._track(authz.proc)
            front = self._start_envoy(authz, "envoy-token-header")
            self._track(front.proc)
            self.fronts["envoy-token-header"] = front
        return self.fronts["envoy-token-header"]

    def _start_nginx(self) -> Front:
        listen = h.free_port()
        config = h.render(h.REPO / "nginx" / "identity.conf", self.workdir / "nginx-identity.conf", {
            "127.0.0.1:8080": f"127.0.0.1:{self.authz.http_port}",
            "127.0.0.1:8081": f"127.0.0.1:{self.echo_port}",
            "listen 8000": f"listen 127.0.0.1:{listen}",
            "/var/log/nginx/": str(self.workdir / "logs" / "nginx-identity") + "-",
        })
        nginx = h.tool("nginx", "/usr/sbin/nginx")
        extra = (f"daemon off; pid {self.workdir / 'nginx-identity.pid'}; "
                 f"error_log {self.workdir / 'logs' / 'nginx-identity.error.log'} info;")
        test = subprocess.run([nginx, "-t", "-c", str(config), "-g", extra], capture_output=True, text=True, timeout=30)
        if test.returncode != 0:
            raise AssertionError(f"nginx -t {config} failed:\n{test.stderr}")
        proc = h.Proc("nginx-identity", [nginx, "-c", str(config), "-g", extra],
                      self.workdir / "logs" / "nginx-identity.log").start()
        proc.wait_ready(lambda: h.tcp_open("127.0.0.1", listen), timeout=30)
        return Front("nginx-identity", proc, listen)

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        if hasattr(self, "standin"):
            self.standin.stop()   # the one running now, whichever start it was


@pytest.fixture(scope="module")
def identity(request):
    failed_before = request.session.testsfailed
    w = IdentityWorld()
    try:
        yield w
    finally:
        w.close()
        if request.session.testsfailed == failed_before:
            shutil.rmtree(w.workdir, ignore_errors=True)
        else:
            print(f"\nidentity logs kept in {w.workdir}")


@pytest.fixture(autouse=True)
def standin_ready(identity):
    """Each test starts with the stand-in running and answering normally."""
    if not identity.standin.proc.running:
        identity.standin.restart()
    identity.standin.mode("ok")
    yield


@pytest.fixture(params=PROXY_NAMES)
def front(request, identity) -> Front:
    return identity.front(request.param)


# ---------------------------------------------------------------------------------------------
# Tokens


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)


_USED_SECONDS: set[datetime.datetime] = set()


def unique_now() -> datetime.datetime:
    """Now, or the latest earlier second no other token of this run was signed at: two tokens of one
    key signed in the same second are the same token (one cache entry), which would hide STS calls
    from the counts."""
    when = utcnow()
    while when in _USED_SECONDS:
        when -= datetime.timedelta(seconds=1)
    _USED_SECONDS.add(when)
    return when


def unseen(make) -> str:
    """A token from `make` (a client reading the real clock) signed at a second no other token used."""
    for _ in range(5):
        token = make()
        signed = datetime.datetime.strptime(re.search(r"X-Amz-Date=(\d{8}T\d{6}Z)", url_of(token)).group(1),
                                            "%Y%m%dT%H%M%SZ")
        if signed not in _USED_SECONDS:
            _USED_SECONDS.add(signed)
            return token
        time.sleep(1.05 - (time.time() % 1))   # the next second makes another token
    raise AssertionError("the client made tokens at used seconds five times")


def presigned_url(key: sts.TestKey, *, audience: str | None = AUDIENCE, host: str = "sts.us-east-1.amazonaws.com",
                  region: str = "us-east-1", when: datetime.datetime | None = None, expires: int = 60,
                  params: dict | None = None, secret: str | None = None) -> str:
    """A presigned GetCallerIdentity URL made by botocore's SigV4QueryAuth (the signer boto3 presigns
    with) at a chosen time, for hostile variants and tokens of a given age. audience=None signs no
    audience header."""
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="GET", url=f"https://{host}/",
                         params=dict(params or {"Action": "GetCallerIdentity", "Version": "2011-06-15"}),
                         headers={"x-k8s-aws-id": audience} if audience is not None else {})
    signer = SigV4QueryAuth(Credentials(key.key_id, secret or key.secret, key.session_token), "sts", region,
                            expires=expires)
    with mock.patch("botocore.auth.get_current_datetime", return_value=when or unique_now()):
        signer.add_auth(request)
    return request.url


def token_of(url: str) -> str:
    return "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def url_of(token: str) -> str:
    body = token.removeprefix("k8s-aws-v1.")
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()


def boto3_token(key: sts.TestKey, audience: str = AUDIENCE) -> str:
    """As aws-iam-authenticator's Python clients (and kubernetes' EKS examples) make it: boto3's
    generate_presigned_url for get_caller_identity, the audience header added to the signed request
    by handlers on provide-client-params and before-sign. Only the clock is the test's (unique_now)."""
    import boto3

    session = boto3.session.Session(aws_access_key_id=key.key_id, aws_secret_access_key=key.secret,
                                    aws_session_token=key.session_token, region_name="us-east-1")
    client = session.client("sts", region_name="us-east-1")

    def take_audience(params, context, **kwargs):
        if "x-k8s-aws-id" in params:
            context["x-k8s-aws-id"] = params.pop("x-k8s-aws-id")

    def sign_audience(request, **kwargs):
        if "x-k8s-aws-id" in request.context:
            request.headers["x-k8s-aws-id"] = request.context["x-k8s-aws-id"]

    client.meta.events.register("provide-client-params.sts.GetCallerIdentity", take_audience)
    client.meta.events.register("before-sign.sts.GetCallerIdentity", sign_audience)
    with mock.patch("botocore.auth.get_current_datetime", return_value=unique_now()):
        url = client.generate_presigned_url("get_caller_identity", Params={"x-k8s-aws-id": audience}, ExpiresIn=60,
                                            HttpMethod="GET")
    return token_of(url)


def _credential_env(key: sts.TestKey) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": key.key_id, "AWS_SECRET_ACCESS_KEY": key.secret,
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true"})
    if key.session_token:
        env["AWS_SESSION_TOKEN"] = key.session_token
    return env


def cli_token(key: sts.TestKey, audience: str = AUDIENCE) -> str:
    """`aws eks get-token --cluster-name AUDIENCE` (no network: the CLI only presigns)."""
    aws = shutil.which("aws")
    assert aws, "the aws CLI is not installed (Tests/EndToEnd/run.sh installs it into the venv)"

    def make() -> str:
        result = subprocess.run([aws, "eks", "get-token", "--cluster-name", audience, "--output", "json"],
                                capture_output=True, text=True, timeout=60, env=_credential_env(key))
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["status"]["token"]

    return unseen(make)


def authz_token(key: sts.TestKey, audience: str = AUDIENCE) -> str:
    """`sigv4-authz token --audience AUDIENCE`, with the key in the SDK environment variables."""
    def make() -> str:
        result = subprocess.run([str(h.authz_binary()), "token", "--audience", audience], capture_output=True,
                                text=True, timeout=30, env=_credential_env(key))
        assert result.returncode == 0, f"sigv4-authz token failed ({result.returncode}): {result.stderr}"
        found = re.findall(r"k8s-aws-v1\.[A-Za-z0-9_-]+", result.stdout)
        assert len(found) == 1, f"sigv4-authz token printed no single token:\n{result.stdout}"
        return found[0]

    return unseen(make)


# ---------------------------------------------------------------------------------------------
# Requests


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str
    upstream: dict[str, list[str]] = field(default_factory=dict)   # what the echo service received

    def reason(self) -> str | None:
        return self.headers.get("x-sigv4-authz-reason")


def call(front: Front, path: str = "/v1/orders", token: str | None = None, method: str = "GET",
         headers: dict[str, str] | None = None, host: str = HOST) -> Answer:
    import requests

    sent = {"Host": host, **(headers or {})}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    with requests.Session() as session:
        session.trust_env = False
        response = session.request(method, f"http://127.0.0.1:{front.port}{path}", headers=sent, timeout=20)
    answer = Answer(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.text)
    if (response.status_code == 200 and method != "HEAD"
            and response.headers.get("content-type", "").startswith("application/json")):
        for name, value in response.json().get("headers", []):
            answer.upstream.setdefault(name.lower(), []).append(value)
    return answer


def assert_allowed_as(answer: Answer, key: sts.TestKey) -> None:
    assert answer.status == 200, (answer.status, answer.headers, answer.body)
    assert answer.upstream.get("x-sigv4-authz-principal-arn") == [key.arn], answer.upstream
    assert answer.upstream.get("x-sigv4-authz-principal-account") == [key.account], answer.upstream
    assert answer.upstream.get("x-sigv4-authz-principal-user-id") == [key.user_id], answer.upstream
    assert "authorization" not in answer.upstream, "the token reached the service"


def assert_denied(answer: Answer, reason: str) -> None:
    assert answer.status == 403, (answer.status, answer.headers, answer.body)
    assert answer.reason() == reason, (answer.headers, answer.body)
    assert not any(name in answer.upstream for name in PRINCIPAL_HEADERS)


# ---------------------------------------------------------------------------------------------
# The keys


def test_standin_keys_derive_to_their_accounts():
    """The stand-in's key ids derive offline to the accounts STS answers for (sigv4-authz account-id),
    and the one unknown to STS (key_id_for) too: otherwise the account gate would test nothing."""
    unknown = sts.key_id_for(sts.ORDERS_ACCOUNT, tail=b"nobo")
    for key_id, account in [*((k.key_id, k.account) for k in sts.KEYS.values()), (unknown, sts.ORDERS_ACCOUNT)]:
        result = subprocess.run([str(h.authz_binary()), "account-id", key_id], capture_output=True, text=True,
                                timeout=30)
        assert (result.returncode, result.stdout.strip()) == (0, account), (key_id, result.stderr)
        assert sts.account_of(key_id) == account


# ---------------------------------------------------------------------------------------------
# Allowed callers: what the service sees


@pytest.mark.parametrize("maker", ["aws-cli", "boto3", "sigv4-authz-token"])
def test_real_tokens_allowed_with_principal_upstream(identity, front, maker):
    """A token from each client reaches the service with the principal STS named, and without itself;
    client-sent principal headers are replaced, never passed beside sigv4-authz's."""
    make = {"aws-cli": cli_token, "boto3": boto3_token, "sigv4-authz-token": authz_token}[maker]
    token = make(sts.ALICE)
    forged = {"X-Sigv4-Authz-Principal-Arn": "arn:aws:iam::111111111111:user/root",
              "X-Sigv4-Authz-Principal-Account": "111111111111",
              "X-Sigv4-Authz-Principal-User-Id": "AIDAFORGEDFORGEDFORG"}
    if front.name.startswith("envoy"):
        forged["X-Sigv4-Authz-Principal-Groups"] = "admins"   # Envoy drops every client x-sigv4-authz-* name
    answer = call(front, "/v1/orders/7", token, headers=forged)
    assert_allowed_as(answer, sts.ALICE)
    assert not [name for name in answer.upstream if name.startswith("x-sigv4-authz-principal-")
                and name not in PRINCIPAL_HEADERS], answer.upstream
    assert token.removeprefix("k8s-aws-v1.") not in json.dumps(answer.upstream)


@pytest.mark.parametrize("maker", ["aws-cli", "boto3"])
def test_assumed_role_session_matched_by_its_role(identity, front, maker):
    """A pod's session (ASIA key + session token, signed into the URL) is allowed by the statement naming
    its role's ARN; the service gets the session's own ARN."""
    token = (cli_token if maker == "aws-cli" else boto3_token)(sts.POD)
    assert "X-Amz-Security-Token=" in url_of(token)
    assert_allowed_as(call(front, "/v1/orders/42", token), sts.POD)


# The statements of identity.yaml: (caller, method, path) → status, reason, rule.
DECISIONS = [
    ("alice", "GET", "/v1/orders", 200, None, None),
    ("alice", "POST", "/v1/orders", 200, None, None),
    ("alice", "GET", "/admin/users", 403, "no_matching_rule", None),
    ("alice", "DELETE", "/v1/orders/7", 403, "denied_by_rule", "no-deletes"),
    ("pod", "GET", "/v1/orders", 200, None, None),
    ("pod", "HEAD", "/v1/orders/9", 200, None, None),
    ("pod", "POST", "/v1/orders", 403, "no_matching_rule", None),
    ("pod", "GET", "/v2/orders", 403, "no_matching_rule", None),
    ("pod", "GET", "/v1/ordersx", 403, "no_matching_rule", None),
    ("bob", "GET", "/v1/orders", 403, "no_matching_rule", None),
]


def test_statements_decide(identity, front):
    """principals_arn, paths and methods decide, one token per caller (each verified once)."""
    keys = {"alice": sts.ALICE, "pod": sts.POD, "bob": sts.BOB}
    tokens = {name: boto3_token(key) for name, key in keys.items()}
    before = identity.standin.calls()
    for caller, method, path, status, reason, rule in DECISIONS:
        answer = call(front, path, tokens[caller], method=method)
        row = (caller, method, path)
        if status == 200:
            assert answer.status == 200, (row, answer.status, answer.headers, answer.body)
            if method != "HEAD":
                assert_allowed_as(answer, keys[caller])
        else:
            assert answer.status == 403, (row, answer.status, answer.headers, answer.body)
            assert answer.reason() == reason, (row, answer.headers)
            if rule:
                assert answer.headers.get("x-sigv4-authz-rule") == rule, (row, answer.headers)
    assert identity.standin.calls() - before == len(tokens), identity.standin.state()["requests"][before:]


def test_no_token_or_other_scheme(identity, front):
    """No token: no_credentials; another Authorization scheme (SigV4, Basic): invalid_token; no STS call."""
    before = identity.standin.calls()
    assert_denied(call(front), "no_credentials")
    assert_denied(call(front, headers={"Authorization": "Basic YWxpY2U6cGFzc3dvcmQ="}), "invalid_token")
    sigv4 = ("AWS4-HMAC-SHA256 Credential=AKIASP2TPHJSQH3FJRUX/20261130/us-east-1/execute-api/aws4_request, "
             "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64)
    assert_denied(call(front, headers={"Authorization": sigv4, "X-Amz-Date": "20261130T000000Z"}), "invalid_token")
    assert identity.standin.calls() == before


def test_token_header_and_forward_token(identity):
    """identity.token_header: x-iam-token holds the token raw (a bearer Authorization is not read), and
    with forward_token: true the service gets it beside the principal headers."""
    front = identity.token_header_front()
    token = boto3_token(sts.ALICE)
    answer = call(front, "/v1/orders", headers={"X-Iam-Token": token})
    assert answer.status == 200, (answer.status, answer.headers, answer.body)
    assert answer.upstream.get("x-sigv4-authz-principal-arn") == [sts.ALICE.arn], answer.upstream
    assert answer.upstream.get("x-iam-token") == [token]
    assert_denied(call(front, "/v1/orders", token), "no_credentials")


@pytest.mark.parametrize("host", ["orders.default.svc.cluster.local", "orders.internal:8000", "ORDERS.Internal"])
def test_every_identity_host_name(identity, front, host):
    """Every name in identity.hosts, with a port or in capitals, is the same service."""
    assert_allowed_as(call(front, "/v1/orders", boto3_token(sts.ALICE), host=host), sts.ALICE)


def test_other_hosts_never_reach_the_service(identity, front):
    """A host that is not the service's is refused by the proxy itself (Envoy 404, nginx 421)."""
    answer = call(front, "/v1/orders", boto3_token(sts.ALICE), host="payments.internal")
    assert answer.status == (404 if front.name.startswith("envoy") else 421), (answer.status, answer.body)
    assert not answer.upstream


# ---------------------------------------------------------------------------------------------
# Offline rules: hostile tokens never reach STS


def _sigv2_url() -> str:
    return ("https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&AWSAccessKeyId="
            f"{sts.ALICE.key_id}&SignatureVersion=2&SignatureMethod=HmacSHA256&Timestamp="
            f"{utcnow().strftime('%Y-%m-%dT%H%%3A%M%%3A%SZ')}&Signature=c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlMTIz")


def _hostile_url(key: sts.TestKey = sts.ALICE, **options) -> str:
    """A presigned URL made now (refused offline: no cache entry, so no unique second needed)."""
    return presigned_url(key, when=options.pop("when", utcnow()), **options)


def _good() -> str:
    return _hostile_url()


def _aged(delta: datetime.timedelta) -> str:
    return _hostile_url(when=utcnow() + delta)


# what → (a fragment of the sentence naming the broken rule, the hostile token): each breaks one
# offline rule (and nothing else where it can).
HOSTILE = {
    "oversized": ("4096", lambda: token_of(_good() + "&" + "A" * 5000)),
    "other prefix": ("k8s-aws-v1.", lambda: "k8s-aws-v2." + token_of(_good()).removeprefix("k8s-aws-v1.")),
    "not base64url": ("base64url", lambda: "k8s-aws-v1.!!!!" + token_of(_good())[15:]),
    "not a URL": ("URL", lambda: token_of("this is not a url")),
    "http": ("https", lambda: token_of(_good().replace("https://", "http://", 1))),
    "userinfo": ("userinfo", lambda: token_of(_good().replace("https://", "https://alice@", 1))),
    "port": ("port", lambda: token_of(_good().replace("amazonaws.com/", "amazonaws.com:8443/", 1))),
    "fragment": ("fragment", lambda: token_of(_good() + "#top")),
    "path": ("path", lambda: token_of(_good().replace("amazonaws.com/?", "amazonaws.com/x?", 1))),
    "s3 host": ("host", lambda: token_of(_hostile_url(host="s3.us-east-1.amazonaws.com"))),
    "look-alike suffix": ("host", lambda: token_of(_hostile_url(host="sts.us-east-1.amazonaws.com.evil.example"))),
    "look-alike label": ("host", lambda: token_of(_hostile_url(host="evilsts.us-east-1.amazonaws.com"))),
    "unknown region": ("host", lambda: token_of(_hostile_url(host="sts.xx-evil-1.amazonaws.com", region="xx-evil-1"))),
    "duplicated Action": ("Action more than once", lambda: token_of(_good() + "&Action=GetCallerIdentity")),
    "case-variant Action": ("Action more than once", lambda: token_of(_good() + "&action=GetCallerIdentity")),
    "case-variant signature": ("X-Amz-Signature more than once",
                               lambda: token_of(_good() + "&x-amz-signature=" + "0" * 64)),
    "extra parameter": ("query parameter", lambda: token_of(_good() + "&X-Amz-Foo=1")),
    "audience as a parameter": ("query parameter",
                                lambda: token_of(_hostile_url(audience=None) + "&x-k8s-aws-id=orders")),
    "audience not signed": ("x-k8s-aws-id", lambda: token_of(_hostile_url(audience=None))),
    "another action": ("Action", lambda: token_of(_hostile_url(params={"Action": "GetSessionToken",
                                                                       "Version": "2011-06-15"}))),
    "another version": ("Version", lambda: token_of(_hostile_url(params={"Action": "GetCallerIdentity",
                                                                         "Version": "2012-01-01"}))),
    "region not the host's": ("region", lambda: token_of(_hostile_url(region="us-west-2"))),
    "expired": ("ago", lambda: token_of(_aged(-datetime.timedelta(minutes=16)))),
    "future": ("future", lambda: token_of(_aged(datetime.timedelta(minutes=10)))),
    "expires too long": ("X-Amz-Expires", lambda: token_of(_hostile_url(expires=3600))),
    "legacy key": ("old generation", lambda: token_of(_hostile_url(
        sts.TestKey("AKIAIOSFODNN7EXAMPLE", "x", "arn:aws:iam::111122223333:user/x", "AIDAX")))),
    "SigV2": ("SigV2", lambda: token_of(_sigv2_url())),
}


@pytest.mark.parametrize("what", list(HOSTILE))
def test_hostile_token_refused_offline(identity, front, what):
    """Every offline rule: 403 invalid_token with a sentence, and the stand-in never called."""
    fragment, make = HOSTILE[what]
    token = make()
    before = identity.standin.calls()
    answer = call(front, token=token)
    assert_denied(answer, "invalid_token")
    message = answer.headers.get("x-sigv4-authz-message", "")
    assert fragment.lower() in message.lower(), (what, message)
    assert token.removeprefix("k8s-aws-v1.")[:24] not in message
    assert identity.standin.calls() == before, identity.standin.state()["requests"][before:]


def test_other_audience_refused_by_sts(identity, front):
    """A token minted for another audience passes the offline rules (the audience header is signed, its
    value is not in the token), but sigv4-authz sends STS the configured audience, so STS's signature
    check refuses it: invalid_token after exactly one call, which carried audience `orders`."""
    token = boto3_token(sts.ALICE, audience="payments")
    before = identity.standin.calls()
    answer = call(front, token=token)
    assert_denied(answer, "invalid_token")
    assert "SignatureDoesNotMatch" in answer.headers.get("x-sigv4-authz-message", ""), answer.headers
    requests_made = identity.standin.state()["requests"][before:]
    assert [(r["audience"], r["outcome"]) for r in requests_made] == [(AUDIENCE, "SignatureDoesNotMatch")]
    assert_denied(call(front, token=token), "invalid_token")    # the refusal is cached
    assert identity.standin.calls() == before + 1


def test_foreign_account_denied_without_sts_call(identity, front):
    """A caller of an account no statement names: account_not_allowed before any STS call."""
    before = identity.standin.calls()
    answer = call(front, token=boto3_token(sts.MALLORY))
    assert_denied(answer, "account_not_allowed")
    assert sts.FOREIGN_ACCOUNT in answer.headers.get("x-sigv4-authz-message", ""), answer.headers
    assert identity.standin.calls() == before


# ---------------------------------------------------------------------------------------------
# The cache: one STS call per token

VERIFIED = 'sigv4authz_identity_sts_calls_total{outcome="verified"}'
MISS, HIT, JOINED = (f'sigv4authz_identity_cache_total{{result="{r}"}}' for r in ("miss", "hit", "joined"))


def metric_changes(identity: IdentityWorld, before: dict[str, float]) -> dict[str, float]:
    """The identity series of /metrics that changed since `before`, by how much."""
    after = identity.authz.metrics()
    return {name: value - before.get(name, 0.0) for name, value in after.items()
            if name.startswith("sigv4authz_identity_") and "_seconds" not in name and value != before.get(name, 0.0)}



def test_one_sts_call_per_token_across_checks_and_proxies(identity):
    """Three checks through Envoy and three through nginx with one token: one STS call, which sent the
    token's own host, the audience and Accept: application/json."""
    token = boto3_token(sts.ALICE)
    before, metrics = identity.standin.calls(), identity.authz.metrics()
    for name in PROXY_NAMES * 3:
        assert_allowed_as(call(identity.front(name), "/v1/orders", token), sts.ALICE)
    assert metric_changes(identity, metrics) == {VERIFIED: 1, MISS: 1, HIT: 5}
    made = identity.standin.state()["requests"][before:]
    assert len(made) == 1, made
    assert made[0]["host"] == "sts.us-east-1.amazonaws.com"
    assert made[0]["audience"] == AUDIENCE
    assert made[0]["accept"] == "application/json"
    assert made[0]["outcome"] == "verified"


def test_concurrent_burst_one_sts_call(identity, front):
    """20 parallel checks of a fresh token while STS holds its answer: all wait on one call, all allowed."""
    token = boto3_token(sts.POD)
    before, metrics = identity.standin.calls(), identity.authz.metrics()
    identity.standin.mode("hang")
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        futures = [pool.submit(call, front, f"/v1/orders/{n}", token) for n in range(20)]
        assert h.wait_for(lambda: identity.standin.calls() > before, timeout=5), "no STS call"
        time.sleep(0.7)          # the other checks reach sigv4-authz and join the call in flight
        identity.standin.mode("ok")
        answers = [f.result(timeout=20) for f in futures]
    for answer in answers:
        assert_allowed_as(answer, sts.POD)
    assert identity.standin.calls() == before + 1, identity.standin.state()["requests"][before:]
    changes = metric_changes(identity, metrics)
    waited = changes.get(JOINED, 0) + changes.get(HIT, 0)
    assert (changes.get(VERIFIED), changes.get(MISS), waited) == (1, 1, 19), changes


def test_token_stops_working_when_it_expires(identity):
    """A token 4 s short of identity.max_token_age (15 min): allowed (verified once), then refused
    offline once it is older, although its verification was cached: no second call."""
    envoy = identity.front("envoy-identity")
    signed = utcnow() - datetime.timedelta(seconds=900 - 4)
    token = token_of(presigned_url(sts.ALICE, when=signed))
    before = identity.standin.calls()
    assert_allowed_as(call(envoy, token=token), sts.ALICE)
    time.sleep(max(0.0, (signed + datetime.timedelta(seconds=901) - utcnow()).total_seconds()) + 1.2)
    assert_denied(call(envoy, token=token), "invalid_token")
    assert identity.standin.calls() == before + 1


# ---------------------------------------------------------------------------------------------
# STS failing or refusing


@pytest.mark.parametrize("mode", ["unavailable", "throttle"])
def test_sts_failing_is_unavailable_and_not_cached(identity, front, mode):
    """STS answering 503 or Throttling: identity_unavailable, retried on the next check (not cached),
    and allowed once STS answers."""
    token = boto3_token(sts.ALICE)
    before = identity.standin.calls()
    identity.standin.mode(mode)
    assert_denied(call(front, token=token), "identity_unavailable")
    assert_denied(call(front, token=token), "identity_unavailable")
    assert identity.standin.calls() == before + 2
    identity.standin.mode("ok")
    assert_allowed_as(call(front, token=token), sts.ALICE)
    assert identity.standin.calls() == before + 3


def test_sts_hanging_times_out(identity):
    """STS accepting the connection and never answering: identity_unavailable after sts_timeout (2 s),
    well before the proxies' own limits."""
    envoy = identity.front("envoy-identity")
    token = boto3_token(sts.ALICE)
    identity.standin.mode("hang")
    started = time.monotonic()
    answer = call(envoy, token=token)
    elapsed = time.monotonic() - started
    identity.standin.mode("ok")
    assert_denied(answer, "identity_unavailable")
    assert 1.5 < elapsed < 5.5, elapsed


def test_sts_xml_answer(identity, front):
    """STS answering XML (as it does to a request without Accept: application/json) is read as well."""
    identity.standin.mode("xml")
    assert_allowed_as(call(front, "/v1/orders", boto3_token(sts.POD)), sts.POD)


def test_sts_stopped(identity, front):
    """STS unreachable (connection refused): identity_unavailable; allowed again once it is back."""
    token = boto3_token(sts.ALICE)
    identity.standin.stop()
    try:
        assert_denied(call(front, token=token), "identity_unavailable")
    finally:
        identity.standin.restart()
    assert_allowed_as(call(front, token=token), sts.ALICE)


@pytest.mark.parametrize("case", ["wrong secret", "unknown key"])
def test_sts_refusal_is_invalid_token(identity, front, case):
    """STS refusing (SignatureDoesNotMatch for a wrong secret, InvalidClientTokenId for a key it does not
    know): invalid_token, and the refusal is cached (one call for two checks)."""
    if case == "wrong secret":
        token, code = token_of(presigned_url(sts.ALICE, secret="not-alices-secret")), "SignatureDoesNotMatch"
    else:
        stranger = sts.TestKey(sts.key_id_for(sts.ORDERS_ACCOUNT, tail=b"nobo"), "whatever", sts.ALICE.arn,
                               sts.ALICE.user_id)
        token, code = token_of(presigned_url(stranger)), "InvalidClientTokenId"
    before = identity.standin.calls()
    answer = call(front, token=token)
    assert_denied(answer, "invalid_token")
    assert code in answer.headers.get("x-sigv4-authz-message", ""), answer.headers
    assert_denied(call(front, token=token), "invalid_token")
    made = identity.standin.state()["requests"][before:]
    assert [r["outcome"] for r in made] == [code], made


# ---------------------------------------------------------------------------------------------
# Audit


def test_audit_names_the_principal_and_never_the_token(identity, front):
    """The allow's audit record names STS's caller; neither the audit file nor sigv4-authz's log holds
    this token, its signature or session token — nor any token of the run (every token's base64url
    starts with the encoding of "https://sts", and the hostile ones are in there too)."""
    token = boto3_token(sts.POD)
    signature = re.search(r"X-Amz-Signature=([0-9a-f]{64})", url_of(token)).group(1)
    path = f"/v1/orders/audit-{front.name}-{time.time_ns()}"
    assert_allowed_as(call(front, path, token), sts.POD)

    def record():
        return next((r for r in identity.authz.audit_records() if r["request"]["path"] == path), None)

    found = h.wait_for(record, timeout=5)
    assert found, f"no audit record of {path}"
    assert found["caller"] == {"arn": sts.POD.arn, "account": sts.POD.account, "user_id": sts.POD.user_id}, found
    assert (found["decision"], found["rule"]) == ("allow", "orders-readers"), found
    assert (found["aws"]["auth"], found["aws"]["signature"]) == ("identity_token", "verified"), found
    every_token = base64.urlsafe_b64encode(b"https://sts").decode()[:14]
    for name, text in (("audit file", identity.authz.audit.read_text()),
                       ("sigv4-authz log", identity.authz.proc.log.read_text(errors="replace"))):
        for secret in (token.removeprefix("k8s-aws-v1.")[:32], signature, sts.POD.session_token[:32], sts.POD.secret,
                       every_token):
            assert secret not in text, f"the {name} holds {secret[:12]}…"
