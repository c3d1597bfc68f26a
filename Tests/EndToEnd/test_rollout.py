"""Safe rollout through real Envoy (ext_authz gRPC and HTTP) and moto, with boto3: under `mode: dry_run`,
and with `enforce: false` on one deny statement, a call the policy denies reaches AWS and succeeds; the
audit record says `would_deny` with the reason and rule, and /metrics counts it. Flipping the policy to
enforce (a reload, SIGHUP) denies the same call with AWS's AccessDenied. `check` prints the decision word
and the evaluation and exits 0 for a would_deny.

sigv4-authz here is a process of its own (its own configuration, reloaded by the tests) behind two
Envoys of its own, in front of the session's fake AWS."""

from __future__ import annotations

import os
import signal
import subprocess
import uuid

import pytest
from botocore.exceptions import ClientError

import harness as h

ENFORCED_DELETES = '  - name: no-object-deletes\n    effect: deny\n    actions: ["s3:DeleteObject"]\n'
UNENFORCED_DELETES = (
    '  - name: no-object-deletes\n    effect: deny\n    enforce: false\n    actions: ["s3:DeleteObject"]\n'
)


class Rollout:
    """sigv4-authz with a configuration the tests rewrite and reload, behind Envoy gRPC and HTTP."""

    def __init__(self, world) -> None:
        self.world = world
        self.workdir = world.workdir / "rollout"
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        self.authz = h.Authz(self.workdir, name="sigv4-authz-rollout")
        self.base = self.authz.config_text
        assert ENFORCED_DELETES in self.base, "the e2e policy no longer denies s3:DeleteObject as this test expects"
        h.PROCS.append(self.authz.start().proc)
        self.envoys = {}
        for kind in ("grpc", "http"):
            self.envoys[kind] = h.start_envoy(kind, self.workdir, self.authz, world.aws, world.certs)
            h.PROCS.append(self.envoys[kind].proc)

    def generation(self) -> float:
        return self.authz.metrics().get("sigv4authz_config_generation", 0.0)

    def configure(self, text: str) -> None:
        """Writes the configuration and reloads it (SIGHUP); returns once the new generation is in force."""
        before = self.generation()
        self.authz.config.write_text(text)
        os.kill(self.authz.proc.popen.pid, signal.SIGHUP)
        assert h.wait_for(lambda: self.generation() > before, timeout=10), (
            f"the configuration was not reloaded:\n{self.authz.proc.tail(20)}")

    def would_deny_count(self, rule: str) -> float:
        metrics = self.authz.metrics()
        decisions = sum(v for k, v in metrics.items() if k.startswith("sigv4authz_decisions_total{")
                        and 'decision="would_deny"' in k and 'reason="denied_by_rule"' in k)
        rules = sum(v for k, v in metrics.items() if k.startswith("sigv4authz_rule_decisions_total{")
                    and 'decision="would_deny"' in k and f'rule="{rule}"' in k)
        assert decisions == rules, (decisions, rules)
        return decisions

    def delete_records(self, bucket: str, key: str) -> list[dict]:
        return [r for r in self.authz.audit_records()
                if r["request"]["method"] == "DELETE" and r["request"]["path"].endswith(f"/{bucket}/{key}")]


@pytest.fixture(scope="module")
def rollout(world):
    return Rollout(world)


def object_exists(s3, bucket: str, key: str) -> bool:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=key)
    return any(item["Key"] == key for item in listed.get("Contents", []))


CONFIGS = {
    "mode: dry_run": lambda base: "mode: dry_run\n" + base,
    "enforce: false": lambda base: base.replace(ENFORCED_DELETES, UNENFORCED_DELETES),
}
SUFFIX = {"mode: dry_run": " (not enforced: mode: dry_run)", "enforce: false": " (not enforced: enforce: false)"}


@pytest.mark.parametrize("kind", ["grpc", "http"])
@pytest.mark.parametrize("setting", list(CONFIGS))
def test_a_denied_call_reaches_aws_as_would_deny_then_enforcing_denies_it(rollout, setting, kind):
    envoy = rollout.envoys[kind]
    s3 = h.client(envoy, "s3", h.ALLOWED, addressing_style="path")
    bucket = f"e2e-rollout-{uuid.uuid4().hex[:12]}"
    rollout.configure(CONFIGS[setting](rollout.base))
    s3.create_bucket(Bucket=bucket)
    tried, enforced = "tried.txt", "enforced.txt"
    for key in (tried, enforced):
        s3.put_object(Bucket=bucket, Key=key, Body=b"rollout")
    counted = rollout.would_deny_count("no-object-deletes")

    # Not enforced: the delete goes through to AWS and succeeds.
    s3.delete_object(Bucket=bucket, Key=tried)
    assert not object_exists(s3, bucket, tried), "the would_deny delete did not reach AWS"
    records = rollout.delete_records(bucket, tried)
    assert len(records) == 1, records
    record = records[0]
    assert record["decision"] == "would_deny", record
    assert record["reason"] == "denied_by_rule" and record["rule"] == "no-object-deletes", record
    assert record["evaluation"] == "explicit_deny", record
    assert "missing" not in record, record
    assert record["mode"] == ("grpc" if kind == "grpc" else "envoy-http"), record
    assert h.wait_for(lambda: rollout.would_deny_count("no-object-deletes") == counted + 1, timeout=5), (
        rollout.would_deny_count("no-object-deletes"), counted)
    # Allowed calls stay allow.
    assert [r["decision"] for r in rollout.authz.audit_records()
            if r["request"]["method"] == "PUT" and r["request"]["path"].endswith(f"/{bucket}/{enforced}")] == ["allow"]

    # Enforced (the statement as shipped, mode: enforce): the same call is denied with AWS's words.
    rollout.configure(rollout.base)
    with pytest.raises(ClientError) as denied:
        s3.delete_object(Bucket=bucket, Key=enforced)
    assert denied.value.response["Error"]["Code"] == "AccessDenied", denied.value.response
    assert "is denied by rule no-object-deletes" in denied.value.response["Error"]["Message"]
    assert "not enforced" not in denied.value.response["Error"]["Message"]
    assert object_exists(s3, bucket, enforced), "an enforced deny reached AWS"
    assert [r["decision"] for r in rollout.delete_records(bucket, enforced)] == ["deny"]

    # The upstream request carried the decision headers: would_deny, and the sentence naming the setting
    # that let it through (both Envoy modes pass x-sigv4-authz-* upstream).
    upstream = [r for r in rollout.world.aws.requests()
                if r.get("method") == "DELETE" and r.get("path", "").split("?")[0].endswith(f"/{bucket}/{tried}")]
    assert len(upstream) == 1, upstream
    headers = {k.lower(): v for k, v in upstream[0]["headers"].items()}
    assert headers.get("x-sigv4-authz-decision") == "would_deny", headers
    assert headers.get("x-sigv4-authz-message", "").endswith(SUFFIX[setting]), headers


def test_check_prints_would_deny_and_the_evaluation_and_exits_zero(rollout, tmp_path):
    config = tmp_path / "dry.yaml"
    config.write_text("mode: dry_run\n" + rollout.base)
    binary = str(h.authz_binary())
    credential = "AKIASP2TPHJSQH3FJRUX/20260115/us-east-1/s3/aws4_request"
    dry = subprocess.run([binary, "check", "--config", str(config), "--credential", credential],
                         capture_output=True, text=True, timeout=30)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "decision: would_deny" in dry.stdout, dry.stdout
    assert "rule:     no-object-deletes" in dry.stdout, dry.stdout
    assert "evaluation: explicit_deny — the deny statement no-object-deletes matches; missing: action" in dry.stdout, dry.stdout
    assert "(not enforced: mode: dry_run)" in dry.stdout, dry.stdout

    enforced = tmp_path / "enforced.yaml"
    enforced.write_text(rollout.base)
    denied = subprocess.run([binary, "check", "--config", str(enforced), "--credential", credential],
                            capture_output=True, text=True, timeout=30)
    assert denied.returncode == 1, denied.stdout + denied.stderr
    assert "decision: deny" in denied.stdout, denied.stdout
    assert "evaluation: explicit_deny" in denied.stdout, denied.stdout

    # --json: the audit record, with its words.
    record = subprocess.run([binary, "check", "--config", str(config), "--credential", credential, "--json"],
                            capture_output=True, text=True, timeout=30)
    assert record.returncode == 0, record.stdout + record.stderr
    assert '"decision":"would_deny","reason":"denied_by_rule","rule":"no-object-deletes","evaluation":"explicit_deny","missing":["action"]' in record.stdout, record.stdout
