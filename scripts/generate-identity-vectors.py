#!/usr/bin/env python3
"""Generate identity-token vectors with botocore and the aws CLI as the oracle:
Tests/OracleVectors/Vectors/identity.json.

Each vector is a token exactly as `aws eks get-token` mints it (awscli's TokenGenerator on an STS
client made by its STSClientFactory, which injects the signed `x-k8s-aws-id` header before botocore
presigns GetCallerIdentity for 60 seconds), under a frozen clock and fixed keys: the inputs (key,
secret, session token, region, endpoint options, audience, time), the presigned URL, the token, and
the account the key id encodes (derived here independently, with the published technique). One vector
is minted by running the CLI command itself in-process (`aws eks get-token --cluster-name …`, its
ExecCredential JSON parsed) and the script checks it equals TokenGenerator's token for the same inputs.

The Swift tests (Tests/IAMIdentityTests/OracleTokenTests.swift) parse every token with
IdentityToken.parse at the vector's time and mint the same token with IdentityTokenMinter, which
must be byte-identical to botocore's.

Regenerate from the repository root (botocore 1.43.11 and awscli 1.45.11, as the e2e venv has them):

    .cache/e2e-venv/bin/python scripts/generate-identity-vectors.py

Deterministic: frozen clocks, fixed keys, no network (presigning sends nothing), sorted keys.
Committed output; CI does not regenerate it.
"""

import base64
import contextlib
import datetime
import io
import json
import os
import sys
from contextlib import contextmanager
from unittest import mock
from urllib.parse import urlsplit

import awscli
import awscli.clidriver
import awscli.compat
import awscli.customizations.eks.get_token as get_token
import botocore
import botocore.auth
import botocore.compat
import botocore.session
import botocore.signers
from botocore.config import Config

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "OracleVectors", "Vectors", "identity.json")
BOTOCORE_VERSION = "1.43.11"
TIME = datetime.datetime(2026, 3, 14, 9, 26, 53)
# New-generation key ids (their account can be derived offline); secrets are made up.
USER_KEY = ("AKIARZPUZDIKGWNFC7AD", "uSeRsEcReT/K7MDENG/bPxRfiCYEXAMPLEKEY")
SESSION_KEY = (
    "ASIAR5FOWOULMEXAMPLE",
    "rOlEsEcReT/K7MDENG/bPxRfiCYEXAMPLEKEY00",
    "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+session/token=",
)

_clock = {"now": TIME}


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
        mock.patch.object(get_token, "get_current_datetime", _frozen),
    ]
    for p in patches:
        p.start()
    try:
        yield
    finally:
        for p in reversed(patches):
            p.stop()


def derive_account(key_id):
    """The account a new-generation key id encodes (Tal Be'ery / Aidan Steele's technique)."""
    decoded = base64.b32decode(key_id[4:20])
    z = int.from_bytes(decoded[0:6], "big")
    return "%012d" % ((z & 0x7FFFFFFFFF80) >> 7)


def clean_session():
    """A botocore session reading no configuration file and no AWS_* variable."""
    for name in list(os.environ):
        if name.startswith("AWS_") and name != "AWS_DATA_PATH":  # awscli's own data (set on import)
            del os.environ[name]
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    return botocore.session.get_session()


def mint(region, audience, key, config=None):
    """TokenGenerator's token for `audience`, signed with `key` for `region`."""
    session = clean_session()
    if isinstance(config, dict):
        for name, value in config.items():
            session.set_config_variable(name, value)
        config = None
    kwargs = {"aws_access_key_id": key[0], "aws_secret_access_key": key[1]}
    if len(key) > 2:
        kwargs["aws_session_token"] = key[2]
    client = session.create_client("sts", region_name=region, config=config or Config(), **kwargs)
    get_token.STSClientFactory(session)._register_k8s_aws_id_handlers(client)
    with frozen_at(TIME):
        return get_token.TokenGenerator(client).get_token(audience)


def mint_with_cli(region, audience, key):
    """`aws eks get-token --cluster-name AUDIENCE --region REGION`, run in-process, its token."""
    clean_session()
    os.environ["AWS_ACCESS_KEY_ID"] = key[0]
    os.environ["AWS_SECRET_ACCESS_KEY"] = key[1]
    out = io.StringIO()
    with frozen_at(TIME), contextlib.redirect_stdout(out):
        status = awscli.clidriver.create_clidriver().main(
            ["eks", "get-token", "--cluster-name", audience, "--region", region, "--output", "json"])
    assert status == 0, status
    return json.loads(out.getvalue())["status"]["token"]


def decode(token):
    body = token[len("k8s-aws-v1."):]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode("ascii")


CASES = [
    # name, description, region, audience, key, client Config (or session variables)
    ("regional", "sts.us-east-1.amazonaws.com, an IAM user's key", "us-east-1", "orders", USER_KEY, None),
    ("regional-session", "sts.eu-west-1.amazonaws.com, a role session's key and session token",
     "eu-west-1", "orders", SESSION_KEY, None),
    ("global", "sts.amazonaws.com (sts_regional_endpoints=legacy)", "us-east-1", "orders", USER_KEY,
     {"sts_regional_endpoints": "legacy"}),
    ("fips", "sts-fips.us-east-2.amazonaws.com", "us-east-2", "orders", USER_KEY, Config(use_fips_endpoint=True)),
    ("dualstack", "sts.us-west-2.api.aws", "us-west-2", "orders", USER_KEY, Config(use_dualstack_endpoint=True)),
    ("aws-cn", "sts.cn-north-1.amazonaws.com.cn", "cn-north-1", "orders", USER_KEY, None),
    ("aws-us-gov", "sts.us-gov-west-1.amazonaws.com", "us-gov-west-1", "orders", USER_KEY, None),
    ("other-audience", "another audience (a cluster name with a dash and digits)", "us-east-1",
     "payments-prod-2", USER_KEY, None),
]


def main():
    if botocore.__version__ != BOTOCORE_VERSION:
        sys.exit(f"botocore {BOTOCORE_VERSION} is needed, this is {botocore.__version__}")
    vectors = []
    for name, description, region, audience, key, config in CASES:
        token = mint(region, audience, key, config)
        url = decode(token)
        parts = urlsplit(url)
        assert parts.scheme == "https" and parts.path == "/", url
        assert "X-Amz-Expires=60" in parts.query and "x-k8s-aws-id" in parts.query, url
        vectors.append({
            "name": name,
            "description": description,
            "region": region,
            "host": parts.netloc,
            "audience": audience,
            "access_key_id": key[0],
            "secret_access_key": key[1],
            "session_token": key[2] if len(key) > 2 else None,
            "account": derive_account(key[0]),
            "url": url,
            "token": token,
        })
    cli_token = mint_with_cli("us-east-1", "orders", USER_KEY)
    assert cli_token == vectors[0]["token"], "aws eks get-token and TokenGenerator disagree"
    document = {
        "botocore_version": botocore.__version__,
        "awscli_version": awscli.__version__,
        "time": TIME.strftime("%Y%m%dT%H%M%SZ"),
        "epoch_seconds": int(TIME.replace(tzinfo=datetime.timezone.utc).timestamp()),
        "cli_token": cli_token,
        "vectors": vectors,
    }
    text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    with open(OUT, "w") as f:
        f.write(text)
    print(f"wrote {len(vectors)} vectors to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
