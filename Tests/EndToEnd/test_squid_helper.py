"""`sigv4-authz squid-helper` spoken to directly, with the lookup lines squid/squid.conf makes Squid
write: the FORMAT's codes in order, each value URL-escaped, "-" when absent, Squid's implicit %DATA
last, a channel id first (concurrency)."""

from __future__ import annotations

import json
import re
import select
import subprocess
import urllib.parse

import pytest

import harness as h

SQUID_CONF = (h.REPO / "squid" / "squid.conf").read_text()


def format_headers() -> list[str]:
    """The header names of squid.conf's external_acl_type FORMAT, in order."""
    block = SQUID_CONF[SQUID_CONF.index("external_acl_type sigv4_authz"):]
    block = block[: block.index("squid-helper")]
    return re.findall(r"%>ha\{([^}]+)\}", block)


def signed_get_object(creds: h.Creds) -> tuple[str, dict[str, str]]:
    """A GetObject exactly as boto3 sends it (URL and headers), captured before it is sent."""
    import boto3
    from botocore.config import Config

    captured = {}

    def capture(request, **_):
        captured["url"] = request.url
        captured["headers"] = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()}
        raise KeyboardInterrupt  # stop before any network use

    s3 = boto3.session.Session(aws_access_key_id=creds.key, aws_secret_access_key=creds.secret,
                               aws_session_token=creds.token).client(
        "s3", region_name="us-east-1", endpoint_url="http://s3.us-east-1.amazonaws.com",
        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
    s3.meta.events.register("before-send.s3.GetObject", capture)
    with pytest.raises(KeyboardInterrupt):
        s3.get_object(Bucket="e2e-helper", Key="dir/key.txt")
    headers = {k.lower(): v for k, v in captured["headers"].items()}
    headers.setdefault("host", "s3.us-east-1.amazonaws.com")
    return captured["url"], headers


def lookup_line(channel: int, url: str, headers: dict[str, str]) -> str:
    quote = lambda v: urllib.parse.quote(v, safe="")  # noqa: E731 — Squid's %-escaping
    values = [quote(headers[name.lower()]) if name.lower() in headers else "-" for name in format_headers()]
    return " ".join([str(channel), "127.0.0.1", "GET", quote(url), *values, "-"])


class Helper:
    def __init__(self, tmp_path):
        config = h.render(h.HERE / "authz.yaml", tmp_path / "helper.yaml",
                          {"/var/log/sigv4-authz/audit.log": str(tmp_path / "audit.jsonl")})
        self.audit = tmp_path / "audit.jsonl"
        self.proc = subprocess.Popen([str(h.authz_binary()), "squid-helper", "--config", str(config)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def ask(self, line: bytes, timeout: float = 10.0) -> str:
        self.proc.stdin.write(line + b"\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        assert ready, f"no reply within {timeout}s to {line[:80]!r}"
        return self.proc.stdout.readline().decode().rstrip("\n")

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(10)


@pytest.fixture
def helper(tmp_path):
    helper = Helper(tmp_path)
    yield helper
    if helper.proc.poll() is None:
        helper.close()


def fields(reply: str) -> dict[str, str]:
    return {k: urllib.parse.unquote(v) for k, v in (p.split("=", 1) for p in reply.split() if "=" in p)}


def test_format_names_the_decision_headers():
    names = [n.lower() for n in format_headers()]
    for needed in ("host", "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256",
                   "x-amz-target", "content-type", "x-amz-copy-source"):
        assert needed in names


@pytest.mark.parametrize("creds,expected", [(h.SESSION, ("OK", "allowed")),
                                            (h.DENIED, ("ERR", "account_not_allowed"))],
                         ids=["allowed-session", "denied-account"])
def test_lookup_line_as_squid_writes_it(helper, creds, expected):
    url, headers = signed_get_object(creds)
    reply = helper.ask(lookup_line(42, url, headers).encode())
    parts = reply.split()
    assert parts[0] == "42", reply
    values = fields(reply)
    assert (parts[1], values.get("reason")) == expected, reply
    assert values["message"].startswith("sigv4-authz: "), reply
    assert values.get("log") == expected[1]
    if expected[0] == "OK":
        assert values["decision"] == "allow" and values["account"] == creds.account
        assert values["action"] == "s3:GetObject"


MALFORMED = [b"garbage", b"5 %zz %zz", b"7", b"8 127.0.0.1 GET", b"9 127.0.0.1 GET not-a-url",
             b"10 127.0.0.1 GET http%3A%2F%2Fs3.us-east-1.amazonaws.com%2Fb%2Fk%ZZ", b"11 \xff\xfe bad utf8",
             b"12 " + b"a" * 70000]


def test_malformed_lines_get_err_never_bh_and_the_helper_lives(helper):
    for line in MALFORMED:
        reply = helper.ask(line)
        channel = line.split()[0].decode() if line[:1].isdigit() else None
        parts = reply.split()
        if channel:
            assert parts[0] == channel, (line[:40], reply)
            parts = parts[1:]
        assert parts[0] == "ERR", (line[:40], reply)
        assert fields(reply).get("log") in ("malformed_credentials", "internal_error"), reply
    assert helper.proc.poll() is None, "the helper exited"
    # One audit record per lookup, malformed ones included.
    helper.close()
    assert len(helper.audit.read_text().splitlines()) == len(MALFORMED)


def test_full_audit_disk_drops_records_reports_once_and_the_helper_answers(tmp_path):
    """A full disk (/dev/full) never stops the helper: every lookup is answered, the drops are
    reported on standard error once per burst (Squid's cache.log), never one line per record."""
    config = h.render(h.HERE / "authz.yaml", tmp_path / "helper.yaml",
                      {"/var/log/sigv4-authz/audit.log": "/dev/full"})
    proc = subprocess.Popen([str(h.authz_binary()), "squid-helper", "--config", str(config)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url, headers = signed_get_object(h.SESSION)
    line = lookup_line(1, url, headers).encode()
    for _ in range(20):
        proc.stdin.write(line + b"\n")
    proc.stdin.close()
    replies = proc.stdout.read().decode().splitlines()
    assert proc.wait(10) == 0
    assert len(replies) == 20 and all(r.split()[1] == "OK" for r in replies), replies[:3]
    errors = [e for e in proc.stderr.read().decode().splitlines() if "audit records are being dropped" in e]
    assert len(errors) == 1, errors
    assert "No space left on device" in errors[0]


def test_audit_file_reopened_after_rotation(helper):
    """logrotate's `create`: the file renamed away keeps its records; after the next look between
    lookups (server.reload_poll, 2 s by default) the configured path is a new file with the rest."""
    url, headers = signed_get_object(h.SESSION)
    line = lookup_line(3, url, headers).encode()
    for _ in range(3):
        assert helper.ask(line).split()[1] == "OK"
    rotated = helper.audit.with_name("audit.jsonl.1")
    helper.audit.rename(rotated)
    import time
    time.sleep(2.5)
    for _ in range(4):
        assert helper.ask(line).split()[1] == "OK"
    helper.close()
    old = rotated.read_text().splitlines()
    new = helper.audit.read_text().splitlines()
    # The first lookup after the poll interval may still go to the renamed file (the look happens
    # before the lookup is decided): 3 or 4 records there, the rest in the new file, none lost.
    assert len(old) + len(new) == 7, (len(old), len(new))
    assert len(new) >= 3, (len(old), len(new))
    assert all(json.loads(r)["decision"] == "allow" for r in old + new)
