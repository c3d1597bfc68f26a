"""sigv4-authz's own AWS credentials, end to end: `sigv4-authz broker credentials`
resolves the AWS SDKs' chain and assumes a role with what it found, against moto as AWS.

moto runs with IAM authentication enforced (its `reset-auth` to 0, the runtime form of
INITIAL_NO_AUTH_ACTION_COUNT=0, set once the test user and roles exist): every signed request must carry
a SigV4 signature moto recomputes with the secret it issued, so an AssumeRole is accepted only when
sigv4-authz's signer signed it correctly, and a wrong secret is refused by moto itself.

Sources: environment variables; web identity through moto's AssumeRoleWithWebIdentity; IMDSv2 and
container credentials through small local endpoints (below) that enforce their protocols (the IMDSv2
token, the Authorization token) and hand out credentials moto issued (an instance role's session, the
user's keys), which moto then checks on AssumeRole. moto's own instance metadata is not used: it
answers the token path with any method, never checks the token, and its credentials lack `Code`.
Each test reads moto's request record (or the local endpoint's) to prove what sigv4-authz sent.

The fake AWS is this module's own (harness.start_fake_aws, the shared world's start-up): switching
moto's authentication on is process-wide and must not reach the other tests' fake AWS.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

import harness as h

ACCOUNT = "123456789012"   # moto's default account
REGION = "us-east-1"
TARGET_ROLE = f"arn:aws:iam::{ACCOUNT}:role/e2e-broker-target"
FORBIDDEN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/e2e-broker-forbidden"
WEB_ROLE = f"arn:aws:iam::{ACCOUNT}:role/e2e-web-identity"
INSTANCE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/e2e-instance-role"
INSTANCE_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/e2e-instance-role/e2e-imds"


@dataclass
class StsWorld:
    aws: h.FakeAWS
    workdir: Path
    key: str
    secret: str

    @property
    def endpoint(self) -> str:
        return f"http://{self.aws.address}"

    def set_auth(self, count: str) -> None:
        """moto's INITIAL_NO_AUTH_ACTION_COUNT at run time: "0" enforces IAM, "inf" turns it off."""
        # Not a form (urllib's default content type): moto reads the raw body.
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset-auth", data=count.encode(), method="POST",
                                         headers={"Content-Type": "text/plain"})
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=5) as r:
            assert r.status == 200, r.read()

    def records_since(self, mark: int) -> list[dict]:
        return self.aws.requests()[mark:]


@pytest.fixture(scope="module")
def sts_world():
    import boto3

    workdir = h.make_workdir("sigv4-authz-e2e-credentials-")
    (workdir / "logs").mkdir()
    aws = h.start_fake_aws(workdir, h.make_certs(workdir))
    h.PROCS.append(aws.proc)
    try:
        def client(service: str):
            return boto3.client(service, region_name=REGION, endpoint_url=f"http://{aws.address}",
                                aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="bootstrap")

        # Set up while moto does not check signatures yet: a user allowed to assume the target and an
        # "instance" role, the roles trusting it, a role it may not assume, and a role for web identity.
        iam = client("iam")
        iam.create_user(UserName="e2e-broker")
        iam.put_user_policy(UserName="e2e-broker", PolicyName="assume-target", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": [TARGET_ROLE, INSTANCE_ROLE]}]}))
        key = iam.create_access_key(UserName="e2e-broker")["AccessKey"]
        def trust(*principals: str) -> str:
            return json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"AWS": list(principals)}, "Action": "sts:AssumeRole"}]})

        user = f"arn:aws:iam::{ACCOUNT}:user/e2e-broker"
        # The target trusts the user and the instance role's session (IMDS hands out its credentials).
        iam.create_role(RoleName="e2e-broker-target", AssumeRolePolicyDocument=trust(user, INSTANCE_SESSION))
        iam.create_role(RoleName="e2e-broker-forbidden", AssumeRolePolicyDocument=trust(user))
        iam.create_role(RoleName="e2e-instance-role", AssumeRolePolicyDocument=trust(user))
        iam.put_role_policy(RoleName="e2e-instance-role", PolicyName="assume-target", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": TARGET_ROLE}]}))
        iam.create_role(RoleName="e2e-web-identity", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Federated": "oidc.eks.us-east-1.amazonaws.com/id/E2E"},
                "Action": "sts:AssumeRoleWithWebIdentity"}]}))
        world = StsWorld(aws, workdir, key["AccessKeyId"], key["SecretAccessKey"])
        world.set_auth("0")
        yield world
    finally:
        aws.proc.stop()


def run_broker(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`sigv4-authz broker credentials ARGS` with only `env` (plus PATH) as its environment."""
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}
    return subprocess.run([str(h.authz_binary()), "broker", "credentials", *args], env=full,
                          capture_output=True, text=True, timeout=60)


def base_env(world: StsWorld, **extra: str) -> dict[str, str]:
    return {"AWS_REGION": REGION, "AWS_ENDPOINT_URL_STS": world.endpoint, "AWS_EC2_METADATA_DISABLED": "true",
            **extra}


def report(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    return json.loads(lines[0])


def failure(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, f"exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sigv4-authz: broker credentials: ")
    return lines[0]


def assume_role_calls(records: list[dict]) -> list[dict]:
    return [r for r in records
            if r["method"] == "POST" and "/sts/aws4_request" in r["headers"].get("authorization", "")]


def test_environment_credentials_assume_role_signed_by_sigv4_authz_accepted_by_moto(sts_world):
    mark = sts_world.aws.count()
    result = run_broker(base_env(sts_world, AWS_ACCESS_KEY_ID=sts_world.key, AWS_SECRET_ACCESS_KEY=sts_world.secret),
                        "--role-arn", TARGET_ROLE, "--session-name", "e2e-session", "--duration", "20m")
    out = report(result)
    # What is printed, and nothing else: no secret, no session token.
    assert set(out) == {"source", "access_key_id", "assumed_role"}   # long-term keys carry no expiration
    assert set(out["assumed_role"]) == {"arn", "assumed_role_id", "access_key_id", "expiration"}
    assert out["source"] == "environment"
    assert out["access_key_id"] == sts_world.key
    role = out["assumed_role"]
    assert role["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/e2e-broker-target/e2e-session"
    assert role["assumed_role_id"].endswith(":e2e-session")
    assert role["access_key_id"].startswith("ASIA")
    assert role["expiration"].endswith("Z") and len(role["expiration"]) == 20
    assert sts_world.secret not in result.stdout
    calls = assume_role_calls(sts_world.records_since(mark))
    assert len(calls) == 1
    auth = calls[0]["headers"]["authorization"]
    assert auth.startswith(f"AWS4-HMAC-SHA256 Credential={sts_world.key}/")
    assert f"/{REGION}/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=" in auth


def test_wrong_secret_is_refused_by_moto_exit_1_with_a_sentence(sts_world):
    wrong = "x" * 40
    result = run_broker(base_env(sts_world, AWS_ACCESS_KEY_ID=sts_world.key, AWS_SECRET_ACCESS_KEY=wrong),
                        "--role-arn", TARGET_ROLE)
    line = failure(result)
    assert "STS refused sts:AssumeRole for " + TARGET_ROLE in line
    assert "SignatureDoesNotMatch" in line
    assert wrong not in line


def test_role_the_user_may_not_assume_is_access_denied(sts_world):
    result = run_broker(base_env(sts_world, AWS_ACCESS_KEY_ID=sts_world.key, AWS_SECRET_ACCESS_KEY=sts_world.secret),
                        "--role-arn", FORBIDDEN_ROLE)
    line = failure(result)
    assert "AccessDenied" in line and FORBIDDEN_ROLE in line


def test_web_identity_through_moto_assume_role_with_web_identity(sts_world, tmp_path):
    token = tmp_path / "token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.e2e-service-account-token.c2lnbmF0dXJl\n")
    mark = sts_world.aws.count()
    # moto 5.2.1 reads the Authorization header of every request it authenticates, so it fails an
    # unsigned AssumeRoleWithWebIdentity with a 500 while authentication is on (the real STS does not
    # authenticate that call): the check is suspended for this call only.
    sts_world.set_auth("inf")
    try:
        result = run_broker(base_env(sts_world, AWS_WEB_IDENTITY_TOKEN_FILE=str(token), AWS_ROLE_ARN=WEB_ROLE,
                                     AWS_ROLE_SESSION_NAME="e2e-pod"))
    finally:
        sts_world.set_auth("0")
    out = report(result)
    assert out["source"] == "web_identity"
    assert out["access_key_id"].startswith("ASIA")
    assert out["expiration"].endswith("Z")
    records = sts_world.records_since(mark)
    posts = [r for r in records if r["method"] == "POST" and r["path"] == "/"]
    assert len(posts) == 1
    assert "authorization" not in posts[0]["headers"]      # unsigned: the token is the credential


class LocalEndpoint:
    """A small HTTP server on 127.0.0.1 playing a credentials endpoint: `answer(method, path,
    headers)` returns (status, JSON-able body or text); every request is recorded as (method, path,
    headers)."""

    def __init__(self, answer) -> None:
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _serve(self):
                headers = {k.lower(): v for k, v in self.headers.items()}
                endpoint.seen.append((self.command, self.path, headers))
                status, body = answer(self.command, self.path, headers)
                data = (body if isinstance(body, str) else json.dumps(body)).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = _serve  # noqa: N815 (http.server's names)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def imdsv2(credentials: dict):
    """IMDSv2 as the EC2 User Guide describes it: a token only from PUT /latest/api/token with a TTL
    header, every metadata GET refused (401) without that token."""
    token = "AQAEAE2e2eImdsV2SessionToken=="

    def answer(method, path, headers):
        if path == "/latest/api/token":
            if method != "PUT":
                return 405, ""
            if "x-aws-ec2-metadata-token-ttl-seconds" not in headers:
                return 400, ""
            return 200, token
        if headers.get("x-aws-ec2-metadata-token") != token:
            return 401, ""
        if path == "/latest/meta-data/iam/security-credentials/":
            return 200, "e2e-instance-role"
        if path == "/latest/meta-data/iam/security-credentials/e2e-instance-role":
            return 200, {"Code": "Success", "LastUpdated": "2026-01-01T00:00:00Z", "Type": "AWS-HMAC", **credentials}
        return 404, ""

    return answer


def container(token: str, credentials: dict):
    """The container credentials endpoint (ECS agent, EKS Pod Identity agent): the credentials JSON
    when Authorization is the expected token, 401 otherwise."""
    def answer(method, path, headers):
        if method != "GET" or path != "/v1/credentials" or headers.get("authorization") != token:
            return 401, ""
        return 200, credentials
    return answer


def test_imdsv2_then_assume_role(sts_world):
    # moto 5.2.1's instance metadata serves the token path but answers any method, never checks the
    # token, and its credentials lack `Code` (which sigv4-authz requires to be Success, as the AWS SDK
    # for Go does): IMDSv2 is played by a local endpoint that enforces the protocol.
    # The instance role's temporary credentials, from moto (boto3 signs with the user's key): sigv4-authz
    # then signs AssumeRole with a session token, which moto checks against the session it issued.
    import boto3
    sts = boto3.client("sts", region_name=REGION, endpoint_url=sts_world.endpoint,
                       aws_access_key_id=sts_world.key, aws_secret_access_key=sts_world.secret)
    session = sts.assume_role(RoleArn=INSTANCE_ROLE, RoleSessionName="e2e-imds")["Credentials"]
    expiration = session["Expiration"].strftime("%Y-%m-%dT%H:%M:%SZ")
    endpoint = LocalEndpoint(imdsv2({"AccessKeyId": session["AccessKeyId"],
                                     "SecretAccessKey": session["SecretAccessKey"],
                                     "Token": session["SessionToken"], "Expiration": expiration}))
    try:
        env = base_env(sts_world, AWS_EC2_METADATA_SERVICE_ENDPOINT=endpoint.url)
        del env["AWS_EC2_METADATA_DISABLED"]
        out = report(run_broker(env, "--role-arn", TARGET_ROLE, "--session-name", "e2e-instance"))
        assert out["source"] == "instance_metadata"
        assert out["access_key_id"] == session["AccessKeyId"]
        assert out["expiration"] == expiration
        assert out["assumed_role"]["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/e2e-broker-target/e2e-instance"
        assert [(method, path) for method, path, _ in endpoint.seen] == [
            ("PUT", "/latest/api/token"), ("GET", "/latest/meta-data/iam/security-credentials/"),
            ("GET", "/latest/meta-data/iam/security-credentials/e2e-instance-role")]
        assert endpoint.seen[0][2]["x-aws-ec2-metadata-token-ttl-seconds"] == "21600"
    finally:
        endpoint.close()


def test_imds_without_v2_tokens_gives_no_credentials(sts_world):
    endpoint = LocalEndpoint(lambda method, path, headers: (405, "") if method == "PUT" else (200, "e2e-role"))
    try:
        env = base_env(sts_world, AWS_EC2_METADATA_SERVICE_ENDPOINT=endpoint.url)
        del env["AWS_EC2_METADATA_DISABLED"]
        line = failure(run_broker(env))
        assert "does not fall back to IMDSv1" in line
        assert [method for method, _, _ in endpoint.seen] == ["PUT"]   # no token-less GET
    finally:
        endpoint.close()


def test_container_credentials_with_a_token_file_then_assume_role(sts_world, tmp_path):
    token_file = tmp_path / "eks-pod-identity-token"
    token_file.write_text("e2e-pod-identity-token")
    endpoint = LocalEndpoint(container("e2e-pod-identity-token", {
        "AccessKeyId": sts_world.key, "SecretAccessKey": sts_world.secret,
        "Expiration": "2099-01-01T00:00:00Z", "AccountId": ACCOUNT}))
    url = endpoint.url + "/v1/credentials"
    try:
        result = run_broker(base_env(sts_world, AWS_CONTAINER_CREDENTIALS_FULL_URI=url,
                                     AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(token_file)),
                            "--role-arn", TARGET_ROLE, "--session-name", "e2e-container")
        out = report(result)
        assert out["source"] == "container"
        assert out["access_key_id"] == sts_world.key
        assert out["expiration"] == "2099-01-01T00:00:00Z"
        assert out["assumed_role"]["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/e2e-broker-target/e2e-container"
        assert [headers.get("authorization") for _, _, headers in endpoint.seen] == ["e2e-pod-identity-token"]

        token_file.write_text("a-rotated-token-the-endpoint-does-not-know")
        line = failure(run_broker(base_env(sts_world, AWS_CONTAINER_CREDENTIALS_FULL_URI=url,
                                           AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(token_file))))
        assert "answered HTTP 401" in line
        assert "a-rotated-token" not in line
    finally:
        endpoint.close()


def test_container_full_uri_to_another_http_host_is_refused_before_any_request(sts_world):
    line = failure(run_broker(base_env(sts_world, AWS_CONTAINER_CREDENTIALS_FULL_URI="http://192.0.2.10/creds",
                                       AWS_CONTAINER_AUTHORIZATION_TOKEN="secret-token")))
    assert "http://192.0.2.10" in line and "refused" in line
    assert "secret-token" not in line


def test_no_source_configured_exit_1(sts_world):
    line = failure(run_broker({"AWS_EC2_METADATA_DISABLED": "true"}))
    assert "no AWS credentials are configured" in line
