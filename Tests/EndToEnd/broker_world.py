"""The brokering world of test_brokering.py: its own fake AWS (moto) with IAM authentication enforced,
an IAM user for sigv4-authz itself, the role it assumes, a bucket, a table and a queue, a virtual key
made by `sigv4-authz broker new-key`, sigv4-authz serving brokering.yaml, and the proxies started
from their shipped configurations (harness.start_envoy / start_nginx) on first use.

moto's authentication switch (`/moto-api/reset-auth`, the run-time form of
INITIAL_NO_AUTH_ACTION_COUNT) is process-wide, so this world never shares the session's fake AWS.
Once it is on, moto recomputes every SigV4 signature with the secret it issued: a request reaches
moto's data only if sigv4-authz signed it again correctly with the assumed role's credentials.
The IAM bootstrap is this module's own (test_credentials.py's is inside its fixture).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import socket
import subprocess
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import harness as h

ACCOUNT = "123456789012"          # moto's default account: the virtual key derives to it
REGION = "us-east-1"
ROLE_NAME = "e2e-brokered"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"
SESSION_NAME = "e2e-brokered-session"
ASSUMED_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE_NAME}/{SESSION_NAME}"
SECOND_ROLE_NAME = "e2e-brokered-second"   # a second virtual key's role, added by a reload
SECOND_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{SECOND_ROLE_NAME}"
SECOND_SECRET_ENV = "E2E_SECOND_VIRTUAL_KEY_SECRET"
AUTHZ_USER = "e2e-sigv4-authz"    # sigv4-authz's own identity: may assume the role, nothing else
ADMIN_USER = "e2e-admin"          # the tests' own reads of moto's state, bypassing the proxies
SECRET_ENV = "E2E_VIRTUAL_KEY_SECRET"
BUCKET = "e2e-brokered-bucket"
TABLE = "e2e-brokered-table"
QUEUE = "e2e-brokered-queue"
PROXY_NAMES = ["envoy-grpc", "envoy-http", "nginx"]


def virtual_key() -> tuple[str, str]:
    """A key id and secret from `sigv4-authz broker new-key --account ACCOUNT`, as a user makes them."""
    result = subprocess.run([str(h.authz_binary()), "broker", "new-key", "--account", ACCOUNT, "--profile", "e2e"],
                            capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise RuntimeError(f"sigv4-authz broker new-key failed ({result.returncode}): {result.stderr}")
    values = dict(re.findall(r"^(aws_access_key_id|aws_secret_access_key)\s*=\s*(\S+)$", result.stdout, re.M))
    if len(values) != 2:
        raise RuntimeError(f"sigv4-authz broker new-key printed no key:\n{result.stdout}")
    return values["aws_access_key_id"], values["aws_secret_access_key"]


@dataclass
class BrokerAuthz(h.Authz):
    """sigv4-authz serve with brokering.yaml, the virtual key id substituted, and its own environment
    (sigv4-authz's AWS credentials, the STS endpoint, the virtual key's secret)."""

    key_id: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def render_config(self) -> str:
        return h.render(h.HERE / "brokering.yaml", self.workdir / ".brokering.rendered.yaml", {
            '"127.0.0.1:8080"': f'"127.0.0.1:{self.http_port}"',
            '"127.0.0.1:9001"': f'"127.0.0.1:{self.grpc_port}"',
            '"127.0.0.1:9090"': f'"127.0.0.1:{self.admin_port}"',
            "/var/log/sigv4-authz/audit.log": str(self.audit),
            "VIRTUAL_KEY_ID": self.key_id,
        }).read_text()

    def start(self) -> "BrokerAuthz":
        argv = [str(h.authz_binary()), "serve", "--config", str(self.config)]
        self.proc = h.Proc(self.name, argv, self.workdir / "logs" / f"{self.name}.log", env=self.env).start()
        h.PROCS.append(self.proc)
        self.proc.wait_ready(lambda: h.http_ok(f"http://127.0.0.1:{self.admin_port}/readyz"), timeout=30)
        return self

    def sts_calls(self) -> dict[str, float]:
        """sigv4authz_broker_sts_calls_total by outcome (absent outcomes: not in the dict)."""
        prefix = 'sigv4authz_broker_sts_calls_total{outcome="'
        return {k[len(prefix):-2]: v for k, v in self.metrics().items() if k.startswith(prefix) and v}


@dataclass
class AssumedRole:
    """What moto issued for the role (read from moto's own state, /moto-api/data.json)."""

    access_key_id: str
    secret_access_key: str
    session_token: str


class BrokerWorld:
    def __init__(self) -> None:
        self.workdir = h.make_workdir("sigv4-authz-e2e-brokering-")
        (self.workdir / "logs").mkdir()
        (self.workdir / "logs").chmod(0o777)
        self.proxies: dict[str, h.Proxy] = {}
        self.failed: dict[str, Exception] = {}
        self.procs: list[h.Proc] = []
        try:
            self.certs = h.make_certs(self.workdir)
            self.aws = h.start_fake_aws(self.workdir, self.certs)
            self._track(self.aws.proc)
            self._bootstrap()
            self.key_id, self.secret = virtual_key()
            self.virtual = h.Creds("virtual", self.key_id, self.secret, None, ACCOUNT)
            second_key, self.second_secret = virtual_key()
            self.second = h.Creds("virtual-second", second_key, self.second_secret, None, ACCOUNT)
            self.set_auth("0")
            self.authz = BrokerAuthz(self.workdir, key_id=self.key_id, env=self.authz_env())
            self.start_authz()
        except BaseException:
            self.close()
            raise

    # --- set-up ----------------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        return f"http://{self.aws.address}"

    def direct(self, service: str, key: str, secret: str, token: str | None = None):
        """A boto3 client talking to moto directly (no proxy, no sigv4-authz)."""
        import boto3

        return boto3.client(service, region_name=REGION, endpoint_url=self.endpoint, aws_access_key_id=key,
                            aws_secret_access_key=secret, aws_session_token=token)

    def _bootstrap(self) -> None:
        """While moto does not check signatures yet: the users, the role, the resources."""
        iam = self.direct("iam", "AKIAIOSFODNN7EXAMPLE", "bootstrap")
        iam.create_user(UserName=AUTHZ_USER)
        iam.put_user_policy(UserName=AUTHZ_USER, PolicyName="assume-the-brokered-role", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": [ROLE_ARN, SECOND_ROLE_ARN]}]}))
        key = iam.create_access_key(UserName=AUTHZ_USER)["AccessKey"]
        self.authz_key, self.authz_secret = key["AccessKeyId"], key["SecretAccessKey"]
        iam.create_user(UserName=ADMIN_USER)
        iam.put_user_policy(UserName=ADMIN_USER, PolicyName="all", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName=ADMIN_USER)["AccessKey"]
        self.admin_key, self.admin_secret = key["AccessKeyId"], key["SecretAccessKey"]
        for role in (ROLE_NAME, SECOND_ROLE_NAME):
            iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/{AUTHZ_USER}"},
                    "Action": "sts:AssumeRole"}]}))
            iam.put_role_policy(RoleName=role, PolicyName="what-the-tests-do", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": ["s3:*", "dynamodb:*", "sqs:*", "sts:GetCallerIdentity"],
                    "Resource": "*"}]}))
        self.direct("s3", self.admin_key, self.admin_secret).create_bucket(Bucket=BUCKET)
        self.direct("dynamodb", self.admin_key, self.admin_secret).create_table(
            TableName=TABLE, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        self.queue_url = self.direct("sqs", self.admin_key, self.admin_secret).create_queue(QueueName=QUEUE)["QueueUrl"]

    def set_auth(self, count: str) -> None:
        """moto's INITIAL_NO_AUTH_ACTION_COUNT at run time: "0" enforces IAM from now on."""
        # text/plain: urllib's default form type makes Flask consume the body as a form (moto then
        # reads an empty body and answers 500).
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset-auth", data=count.encode(), method="POST",
                                         headers={"Content-Type": "text/plain"})
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=5) as r:
            assert r.status == 200, r.read()

    def authz_env(self, sts_endpoint: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"AWS_ACCESS_KEY_ID": self.authz_key, "AWS_SECRET_ACCESS_KEY": self.authz_secret,
                    "AWS_ENDPOINT_URL_STS": sts_endpoint or self.endpoint, "AWS_REGION": REGION,
                    "AWS_EC2_METADATA_DISABLED": "true", SECRET_ENV: self.secret,
                    SECOND_SECRET_ENV: self.second_secret})
        return env

    def start_authz(self) -> None:
        """Starts the main sigv4-authz and waits (bounded) for its AssumeRole, whose credentials it
        keeps in `role` (read from moto's state at once: moto 5.2.1's /moto-api/data.json answers 500
        while a multipart upload has parts, so it is not read later)."""
        self.authz.start()
        self._track(self.authz.proc)
        self.learn_role()

    def learn_role(self) -> None:
        """Waits for the running sigv4-authz's AssumeRole and keeps what moto issued in `role`."""
        if not h.wait_for(lambda: self.authz.sts_calls().get("ok", 0) >= 1, timeout=15):
            raise RuntimeError(f"sigv4-authz made no successful AssumeRole: {self.authz.sts_calls()}\n"
                               f"{self.authz.proc.tail(20)}")
        key_id = re.findall(r'"brokering: role credentials".*?"access_key_id":"(ASIA[A-Z0-9]+)".*?"role":"'
                            + re.escape(ROLE_ARN) + '"', self.authz.proc.log.read_text(errors="replace"))[-1]
        roles = [r for r in self.assumed_roles() if r.access_key_id == key_id]
        if len(roles) != 1:
            raise RuntimeError(f"moto issued no credentials {key_id} for {ROLE_ARN}")
        self.role = roles[0]

    def restart_authz(self) -> None:
        self.authz.stop()
        self.start_authz()

    def _track(self, proc: h.Proc) -> None:
        self.procs.append(proc)
        if proc not in h.PROCS:
            h.PROCS.append(proc)  # conftest attaches their logs to a failed test's report

    # --- proxies ---------------------------------------------------------------------------------

    def proxy(self, name: str) -> h.Proxy:
        if name in self.proxies:
            return self.proxies[name]
        if name in self.failed:  # started once; a proxy that failed to start fails every test
            raise RuntimeError(f"{name} failed to start: {self.failed[name]}")
        try:
            if name == "envoy-egress-tls":   # the TLS egress gateway (gRPC): clients speak HTTPS to it
                gateway = h.start_envoy("egress", self.workdir, self.authz, self.aws, self.certs)
                proxy = dataclasses.replace(gateway, name=name, forward_proxy=None)
            elif name.startswith("envoy-"):
                proxy = h.start_envoy(name.removeprefix("envoy-"), self.workdir, self.authz, self.aws, self.certs)
            elif name in ("nginx", "nginx-tls"):
                proxy = h.start_nginx(name == "nginx-tls", self.workdir, self.authz, self.aws, self.certs)
            elif name == "squid":
                proxy = self._start_squid()
            else:
                raise ValueError(name)
        except Exception as error:
            self.failed[name] = error
            raise
        self._track(proxy.proc)
        self.proxies[name] = proxy
        return self.proxies[name]

    def _start_squid(self) -> h.Proxy:
        """Squid with the shipped squid.conf, its helper (sigv4-authz squid-helper) reading
        brokering.yaml, auditing to its own file, and the virtual key's secret in its environment:
        harness.start_squid with the brokering configuration (it renders authz.yaml)."""
        listen = h.free_port()
        audit = self.workdir / "squid-audit.jsonl"
        audit.touch()
        audit.chmod(0o666)
        config_path = self.workdir / "squid-brokering.yaml"
        config_path.write_text(h.render(h.HERE / "brokering.yaml", self.workdir / ".squid-brokering.rendered.yaml", {
            "/var/log/sigv4-authz/audit.log": str(audit), "VIRTUAL_KEY_ID": self.key_id}).read_text())
        config_path.chmod(0o644)
        repl = {
            "http_port 3128": f"http_port 127.0.0.1:{listen}",
            "/usr/local/bin/sigv4-authz": str(h.authz_binary()),
            "/etc/sigv4-authz/config.yaml": str(config_path),
            "/var/log/squid/": str(self.workdir / "logs" / "squid") + "-",
            "/run/squid.pid": str(self.workdir / "squid.pid"),
            "/etc/squid/sigv4-authz-errors": str(self.workdir / "squid-errors"),
        }
        subprocess.run(["bash", str(h.REPO / "squid" / "install-error-pages.sh"), str(self.workdir / "squid-errors")],
                       check=True, capture_output=True, timeout=30)
        config = h.render(h.REPO / "squid" / "squid.conf", self.workdir / "squid.conf", repl)
        squid = h.tool("squid", "/usr/sbin/squid")
        parse = subprocess.run([squid, "-k", "parse", "-f", str(config)], capture_output=True, text=True, timeout=30)
        if parse.returncode != 0:
            raise AssertionError(f"squid -k parse {config} failed:\n{parse.stdout}\n{parse.stderr}")
        proc = h.Proc("squid", h.in_dns_namespace([squid, "-N", "-f", str(config)], self.aws.resolv_conf),
                      self.workdir / "logs" / "squid.log", env=self.authz_env()).start()
        proc.wait_ready(lambda: h.tcp_open("127.0.0.1", listen), timeout=30)
        return h.Proxy("squid", proc, forward_proxy=f"http://127.0.0.1:{listen}", fail_closed_status=403,
                       audit=audit, client_sees_decision_headers=False)

    # --- what moto saw -----------------------------------------------------------------------------

    def assumed_roles(self) -> list[AssumedRole]:
        """Every AssumeRole moto answered for the brokered role, oldest first."""
        url = f"{self.endpoint}/moto-api/data.json"
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=10) as r:
            data = json.loads(r.read())
        return [AssumedRole(a["access_key_id"], a["secret_access_key"], a["session_token"])
                for a in data.get("sts", {}).get("AssumedRole", []) if a.get("role_arn") == ROLE_ARN]

    def records_since(self, mark: int) -> list[dict]:
        """What reached moto since `mark` through the proxies: without the tests' own /moto-api reads
        and without sigv4-authz's own STS calls (which a failing role retries in the background)."""
        return [r for r in self.aws.requests()[mark:]
                if not r["path"].startswith("/moto-api/") and not self._own_sts_call(r)]

    def assume_role_calls_since(self, mark: int) -> list[dict]:
        """sigv4-authz's own calls to STS (its AssumeRoles) since `mark`."""
        return [r for r in self.aws.requests()[mark:] if self._own_sts_call(r)]

    def _own_sts_call(self, record: dict) -> bool:
        return f"Credential={self.authz_key}/" in record["headers"].get("authorization", "")

    def close(self) -> None:
        if hasattr(self, "authz"):
            self.authz.stop()   # the one running now, whichever start it was
        for proc in reversed(self.procs):
            proc.stop()


class TcpRelay:
    """A byte-for-byte TCP relay from 127.0.0.1:`port` to `target` (moto's plain HTTP port): what STS
    looks like to sigv4-authz when it comes back. Until `open()` the port is closed (connection
    refused, as STS down)."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port = port
        self.target = target
        self.server: socket.socket | None = None

    def open(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self.server = server
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.server is not None:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target, timeout=10)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            server.close()


def signature_of(authorization: str) -> str:
    match = re.search(r"Signature=([0-9a-f]{64})", authorization)
    assert match, authorization
    return match.group(1)


def signed_headers_of(authorization: str) -> list[str]:
    match = re.search(r"SignedHeaders=([^,\s]+)", authorization)
    assert match, authorization
    return match.group(1).split(";")


def key_id_of(authorization: str) -> str:
    match = re.search(r"Credential=([A-Z0-9]+)/", authorization)
    assert match, authorization
    return match.group(1)


def read_text(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""
