"""`make demo`: moto as AWS, sigv4-authz and Envoy on loopback, a scripted aws CLI session, then
everything left running until Ctrl-C.

- With DEMO_EXIT=1 it runs the session and exits 0: the output shows the allowed calls, the aws
  CLI's AccessDenied sentence for the denied one, and the audit record of each; no process it
  started is left behind.
- Without it, Ctrl-C (SIGINT to the terminal's process group) stops every process it started.

The binary is SIGV4_AUTHZ_BIN (Tests/Deploy/run.sh's release build), else the debug build, so the
demo never builds. Installing the end-to-end venv (.cache/e2e-venv) is the demo's own first step;
warm, each run takes a few seconds. Needs root, as the demo and the end-to-end tests do.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WORKDIR = re.compile(r"/tmp/sigv4-authz-demo-envoy-grpc-[A-Za-z0-9_]+")


def demo_env(**extra: str) -> dict[str, str]:
    path = Path(os.environ.get("SIGV4_AUTHZ_BIN", REPO / ".build" / "debug" / "sigv4-authz"))
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(f"sigv4-authz binary not found at {path}: build it (swift build) or set SIGV4_AUTHZ_BIN")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k.lower() not in ("http_proxy", "https_proxy", "no_proxy", "all_proxy")}
    env.pop("DEMO_EXIT", None)
    env.update(SIGV4_AUTHZ_BIN=str(path), **extra)
    return env


def processes_naming(text: str) -> list[str]:
    """The processes whose command line contains `text` (the demo's work directory), this one aside."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if text.encode() in cmdline:
            command = cmdline.replace(b"\0", b" ").decode(errors="replace")[:200]
            found.append(f"{entry.name}: {command}")
    return found


def test_make_demo_session():
    result = subprocess.run(["make", "--no-print-directory", "demo"], cwd=REPO, env=demo_env(DEMO_EXIT="1"),
                            capture_output=True, text=True, timeout=600)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "session: allowed calls ok, denied call ok, audit records ok" in out, out
    # The allowed calls as typed and their output.
    assert "$ aws s3api create-bucket --bucket demo-bucket --endpoint-url http://s3.us-east-1.amazonaws.com" in out
    assert '"Location": "/demo-bucket"' in out, out
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d demo-bucket$", out, re.M), out
    # The denied call: the CLI's own AccessDenied sentence, sigv4-authz's message in it.
    assert ("An error occurred (AccessDenied) when calling the ListBuckets operation: sigv4-authz: "
            "account 411435703965 is not allowed to call s3 in us-east-1") in out, out
    # The audit records, pretty-printed after their heading: each call's decision, in order.
    audit = out.partition("# sigv4-authz's audit records of these three calls:")[2]
    assert "python3 -m json.tool --json-lines" in audit, out
    records = [json.loads(block) for block in re.findall(r"^\{\n.*?^\}$", audit, re.M | re.S)]
    assert [(r["decision"], r["aws"]["action"]) for r in records] == [
        ("allow", "s3:CreateBucket"), ("allow", "s3:ListAllMyBuckets"), ("deny", "s3:ListAllMyBuckets")], out
    assert records[2]["reason"] == "account_not_allowed" and records[2]["aws"]["account"] == "411435703965"
    # Everything it started is stopped.
    workdir = WORKDIR.search(out)
    assert workdir, out
    assert processes_naming(workdir.group(0)) == []
    shutil.rmtree(workdir.group(0), ignore_errors=True)  # its logs, kept for a user; not for a test


def test_make_demo_stops_everything_on_ctrl_c():
    demo = subprocess.Popen(["make", "--no-print-directory", "demo"], cwd=REPO, env=demo_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    # A demo that never gets there is killed (its output then ends, and the test fails).
    watchdog = threading.Timer(300, lambda: os.killpg(demo.pid, signal.SIGKILL))
    watchdog.start()
    try:
        seen = []
        for line in demo.stdout:
            seen.append(line)
            if line.startswith("Ctrl-C stops everything"):
                break
        out = "".join(seen)
        assert "Ctrl-C stops everything" in out, out
        assert "Try:" in out and "AWS_ACCESS_KEY_ID=AKIASP2TPHJSQH3FJRUX" in out, out
        workdir = WORKDIR.search(out)
        assert workdir, out
        running = processes_naming(workdir.group(0))
        assert len(running) >= 3, running  # moto, sigv4-authz, Envoy
        os.killpg(demo.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the foreground group
        rest = demo.stdout.read()
        demo.wait(60)
        assert "demo: every process it started is stopped" in rest, out + rest
        assert processes_naming(workdir.group(0)) == []
        shutil.rmtree(workdir.group(0), ignore_errors=True)
    finally:
        watchdog.cancel()
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait(10)
