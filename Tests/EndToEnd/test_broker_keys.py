"""`sigv4-authz broker new-key`: its output pasted as it is. The profile goes into a credentials file
the AWS SDK (botocore) reads, the entry into a configuration `validate --check-secrets` accepts with
the printed secret, and `sigv4-authz account-id` derives the key id to the account asked for. The
binary alone: no proxy, no fake AWS."""

from __future__ import annotations

import os
import subprocess

import botocore.session

import harness as h

ACCOUNT = "123456789012"
NEW_GENERATION = "QRSTUVWXYZ234567"
BASE32 = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
BASE64 = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def authz(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(h.authz_binary()), *args], capture_output=True, text=True, timeout=30, env=env)


def profile_credentials(output: str, profile: str, tmp_path, monkeypatch) -> tuple[str, str]:
    """The key id and secret botocore reads from `output` written as a credentials file."""
    credentials = tmp_path / f"credentials-{profile}"
    credentials.write_text(output)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    found = botocore.session.Session(profile=profile).get_credentials()
    assert found is not None, output
    return found.access_key, found.secret_key


def test_new_key_is_ready_to_paste(tmp_path, monkeypatch):
    result = authz("broker", "new-key", "--account", ACCOUNT, "--profile", "orders")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (f"# a virtual key for account {ACCOUNT} (derives offline to it); "
                        "keep the secret out of the YAML")
    assert lines[1] == "[orders]"

    key, secret = profile_credentials(result.stdout, "orders", tmp_path, monkeypatch)
    assert len(key) == 20 and key.startswith("AKIA") and key[4] in NEW_GENERATION, key
    assert set(key[4:]) <= BASE32, key
    assert len(secret) == 40 and set(secret) <= BASE64

    derived = authz("account-id", key)
    assert (derived.returncode, derived.stdout.strip()) == (0, ACCOUNT), derived.stderr

    # The entry, pasted under brokering.virtual_keys with the role named, is valid, and its secret is
    # found where it says.
    variable = f"VIRTUAL_KEY_{key}"
    entry = next(line for line in lines if line.startswith("- {"))
    assert entry == (f'- {{ access_key_id: {key}, secret_env: {variable}, '
                     'role: "arn:aws:iam::{account}:role/NAME" }')
    config = tmp_path / "config.yaml"
    config.write_text("default: deny\nbrokering:\n  virtual_keys:\n    "
                      + entry.replace("role/NAME", "role/egress-orders") + "\n")
    env = {name: value for name, value in os.environ.items() if not name.startswith("VIRTUAL_KEY_")}
    valid = authz("validate", "--check-secrets", str(config), env={**env, variable: secret})
    assert valid.returncode == 0, valid.stderr
    missing = authz("validate", "--check-secrets", str(config), env=env)
    assert missing.returncode == 2
    assert missing.stderr.strip() == (f"{config}:4:7: the environment variable {variable} holding the secret "
                                      f"of {key} is not set")


def test_new_key_defaults_prefix_and_randomness(tmp_path, monkeypatch):
    first = authz("broker", "new-key", "--account", "000000000001")
    second = authz("broker", "new-key", "--account", "000000000001", "--prefix", "ASIA")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert first.stdout.splitlines()[1] == "[default]"
    key1, secret1 = profile_credentials(first.stdout, "default", tmp_path, monkeypatch)
    key2, secret2 = profile_credentials(second.stdout, "default", tmp_path, monkeypatch)
    assert key1.startswith("AKIA") and key2.startswith("ASIA")
    assert key1[4:] != key2[4:] and secret1 != secret2
    for key in (key1, key2):
        assert authz("account-id", key).stdout.strip() == "000000000001"


def test_new_key_usage_errors_exit_2():
    for args, message in [
        (["--account", "12345678901"], "--account must be a 12-digit account id such as 123456789012; "
                                       "'12345678901' is not"),
        (["--account", "12345678901x"], "'12345678901x' is not"),
        (["--account", ACCOUNT, "--prefix", "AROA"], "--prefix must be AKIA or ASIA; 'AROA' is not"),
        (["--account", ACCOUNT, "--profile", "a]b"], "--profile must be 1 to 64 letters"),
        ([], "--account"),
    ]:
        result = authz("broker", "new-key", *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert result.stdout == "", args
