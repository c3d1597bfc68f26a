"""Faults through real Envoy: sigv4-authz killed (SIGKILL) and stopped
(SIGTERM) under load, a reload storm, its audit disk full, its configuration file deleted, its audit
file rotated (SIGUSR1) -- each under a bounded load of signed requests (presigned S3 GETs, allowed
and denied) from several connections through Envoy's gRPC and HTTP ext_authz to the fake AWS.

Every request carries an `x-e2e-seq` tag; the fake AWS records the tags it received, so a test can
prove which requests reached AWS and which did not. Every test asserts figures (bounds), and every
one checks the audit accounting: exactly one audit record per decision, every line a JSON object.
The figures measured are printed (run with -rP to see them) and written to faults-figures.json in
the logs directory (and to $E2E_FAULTS_FIGURES when set)."""

from __future__ import annotations

import errno
import itertools
import json
import os
import signal
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

import harness as h
from harness import ALLOWED, DENIED

GRACE = 5                 # server.shutdown_grace of the server under test, seconds
RECOVERY_BOUND = 5.0      # SIGKILL -> restarted -> traffic flows again through Envoy, seconds
SERVER = f"""server:
  shutdown_grace: {GRACE}s
  reload_poll: 1s
"""

FIGURES: dict[str, dict] = {}


def figure(test: str, **values) -> None:
    FIGURES.setdefault(test, {}).update(values)
    print(f"{test}: {json.dumps(values)}")


# ---------------------------------------------------------------------------------------------
# The rig: its own sigv4-authz (restartable, reconfigurable) behind two Envoys, the shared fake AWS


class Rig:
    def __init__(self, world) -> None:
        self.world = world
        self.workdir = world.workdir / "faults"
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        self.runs = itertools.count(1)
        self.warmup_checks = 0   # checks made by restart() itself, outside any Load
        self.authz = h.Authz(self.workdir, server=SERVER, name="sigv4-authz-faults",
                             audit_file=self.workdir / "audit-0.jsonl")
        self.start()
        self.envoys = {}
        for kind in ("grpc", "http"):
            self.envoys[kind] = h.start_envoy(kind, self.workdir, self.authz, world.aws, world.certs)
            h.PROCS.append(self.envoys[kind].proc)
        s3 = h.client(self.envoys["grpc"], "s3", ALLOWED, addressing_style="path")
        self.bucket = f"e2e-faults-{uuid.uuid4().hex[:12]}"
        s3.create_bucket(Bucket=self.bucket)
        s3.put_object(Bucket=self.bucket, Key="object.txt", Body=b"faults")
        self.urls = {}
        for name, creds in (("allow", ALLOWED), ("deny", DENIED)):
            signer = h.client(self.envoys["grpc"], "s3", creds, addressing_style="path")
            self.urls[name] = signer.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": "object.txt"}, ExpiresIn=1800)

    @property
    def pid(self) -> int:
        return self.authz.proc.popen.pid

    def restart(self, audit: Path | None = None, wrap=None) -> None:
        """A fresh sigv4-authz on the same ports with its own audit file (so the file's records
        and the process's /metrics count the same decisions)."""
        self.authz.stop()
        self.authz.audit = audit or self.workdir / f"audit-{next(self.runs)}.jsonl"
        self.authz.wrap = wrap
        self.authz.config_text = self.authz.render_config()
        self.authz.config.write_text(self.authz.config_text)
        self.start()
        self.warmup_checks = 0
        for envoy in self.envoys.values():  # Envoy reconnects on demand: wait for it (bounded)
            assert h.wait_for(lambda: self.get(envoy, "allow") == 200, timeout=10), f"{envoy.name} never recovered"

    def start(self) -> None:
        """Starts sigv4-authz; its log from here on is this process's (``log``)."""
        log = self.authz.workdir / "logs" / f"{self.authz.name}.log"
        self.log_offset = log.stat().st_size if log.exists() else 0
        h.PROCS.append(self.authz.start().proc)

    def get(self, envoy: h.Proxy, kind: str) -> int:
        import requests

        status = requests.get(self.urls[kind], proxies={"http": envoy.forward_proxy}, timeout=10).status_code
        if status in (200, 403):  # decided by sigv4-authz: one more check and audit record
            self.warmup_checks += 1
        return status

    def upstream_tags(self) -> set[str]:
        return {r["headers"]["x-e2e-seq"] for r in self.world.aws.requests() if "x-e2e-seq" in r["headers"]}

    def log(self) -> str:
        """The log of the running sigv4-authz (the file is shared by every start)."""
        with open(self.authz.proc.log, "rb") as f:
            f.seek(self.log_offset)
            return f.read().decode(errors="replace")


@pytest.fixture(scope="module")
def rig(world):
    rig = Rig(world)
    yield rig
    path = world.workdir / "logs" / "faults-figures.json"
    path.write_text(json.dumps(FIGURES, indent=2))
    if os.environ.get("E2E_FAULTS_FIGURES"):
        Path(os.environ["E2E_FAULTS_FIGURES"]).write_text(json.dumps(FIGURES, indent=2))


# ---------------------------------------------------------------------------------------------
# Load: a bounded loop of signed requests from several connections through both Envoys


@dataclass
class Result:
    tag: str
    via: str
    kind: str           # allow | deny: the decision the policy gives
    started: float
    ended: float
    status: int | str   # HTTP status, or the exception's name


class Load:
    """`clients` threads, each with its own keep-alive connection to one Envoy (alternating gRPC and
    HTTP ext_authz), sending presigned GETs (kinds round robin) until stopped, for at most `limit`
    seconds, pausing `pause` seconds between requests."""

    EXPECTED = {"allow": 200, "deny": 403}

    def __init__(self, rig: Rig, clients: int = 4, kinds=("allow",), pause: float = 0.005, limit: float = 30) -> None:
        self.rig, self.clients, self.kinds, self.pause, self.limit = rig, clients, kinds, pause, limit
        self.run = uuid.uuid4().hex[:8]
        self.results: list[Result] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._client, args=(i,), daemon=True) for i in range(clients)]

    def __enter__(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)
        assert not any(t.is_alive() for t in self.threads), "a load client hung"

    def _client(self, index: int) -> None:
        import requests

        via = ("grpc", "http")[index % 2]
        envoy = self.rig.envoys[via]
        session = requests.Session()
        session.trust_env = False
        deadline = time.monotonic() + self.limit
        for seq in itertools.count():
            if self.stopping.is_set() or time.monotonic() > deadline:
                return
            kind = self.kinds[(seq + index) % len(self.kinds)]
            tag = f"{self.run}-{index}-{seq}"
            started = time.monotonic()
            try:
                status = session.get(self.rig.urls[kind], headers={"x-e2e-seq": tag},
                                     proxies={"http": envoy.forward_proxy}, timeout=10).status_code
            except requests.RequestException as error:
                status = type(error).__name__
                session = requests.Session()
                session.trust_env = False
            with self.lock:
                self.results.append(Result(tag, via, kind, started, time.monotonic(), status))
            if self.pause:
                time.sleep(self.pause)

    def wrong(self) -> list[Result]:
        """Answers that are not the policy's decision."""
        return [r for r in self.results if r.status != self.EXPECTED[r.kind]]

    def rate(self) -> float:
        span = max(r.ended for r in self.results) - min(r.started for r in self.results)
        return len(self.results) / span


def audit_lines(path: Path) -> list[dict]:
    """Every line of an audit file as a JSON object: a torn or interleaved line fails the test."""
    records = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            assert line.endswith("\n"), f"{path}:{number}: unterminated record {line[:80]!r}"
            record = json.loads(line)
            assert isinstance(record, dict) and {"decision", "request_id"} <= set(record), line[:200]
            records.append(record)
    return records


def settled_metrics(authz: h.Authz, timeout: float = 10) -> dict[str, float]:
    """/metrics once every decision made has been written or dropped by the audit writer."""
    def settled():
        m = authz.metrics()
        checks = sum(v for k, v in m.items() if k.startswith("sigv4authz_decisions_total"))
        done = m.get("sigv4authz_audit_records_total", 0) + m.get("sigv4authz_audit_dropped_total", 0)
        return m if checks == done else None
    m = h.wait_for(settled, timeout=timeout)
    assert m, f"audit never caught up with the decisions: {authz.metrics()}"
    return m


def checks_in(m: dict[str, float]) -> int:
    return int(sum(v for k, v in m.items() if k.startswith("sigv4authz_decisions_total")))


def log_messages(text: str, message: str) -> list[dict]:
    found = []
    for line in text.splitlines():
        if message in line:
            try:
                found.append(json.loads(line))
            except ValueError:
                found.append({"message": line})
    return found


# ---------------------------------------------------------------------------------------------
# 1. SIGKILL under load: fail closed, nothing forwarded, recovery bounded


def test_sigkill_under_load_fails_closed_never_forwards_and_recovers(rig):
    rig.restart()
    with Load(rig, clients=4, kinds=("allow",)) as load:
        time.sleep(1.5)
        killed = time.monotonic()
        rig.authz.proc.stop(signal.SIGKILL)
        dead = time.monotonic()
        time.sleep(2.0)
        restarted = time.monotonic()
        rig.start()
        ready = time.monotonic()
        # Traffic through Envoy again: a request started after the restart answered 200 (bounded).
        h.wait_for(lambda: any(r.started >= restarted and r.status == 200 for r in list(load.results)),
                   timeout=RECOVERY_BOUND + 5)
        time.sleep(1.5)
    results = load.results
    upstream = rig.upstream_tags()
    before = [r for r in results if r.ended < killed]
    down = [r for r in results if r.started > dead and r.ended < restarted]
    assert len(before) >= 20 and all(r.status == 200 for r in before), [r.status for r in before][:20]
    # While it is down Envoy refuses every request (status_on_error 503) and forwards none.
    assert len(down) >= 20, len(down)
    assert {r.status for r in down} <= {503, 403}, {r.status for r in down}
    assert not {r.tag for r in down} & upstream, "forwarded to AWS while sigv4-authz was down"
    # Over the whole run: every 200 reached AWS once, no refused request did, no connection error.
    assert not [r for r in results if isinstance(r.status, str)], [r.status for r in results if isinstance(r.status, str)][:5]
    assert {r.tag for r in results if r.status == 200} <= upstream
    assert not {r.tag for r in results if r.status != 200} & upstream
    first_ok = min(r.ended for r in results if r.started >= restarted and r.status == 200)
    recovery = first_ok - restarted
    assert recovery < RECOVERY_BOUND, recovery
    settled = [r for r in results if r.started > first_ok + 0.5]
    assert settled and all(r.status == 200 for r in settled), {r.status for r in settled}
    figure("sigkill", requests=len(results), refused_while_down=len(down),
           refused_503=sum(r.status == 503 for r in down), forwarded_while_down=0,
           restart_to_ready_s=round(ready - restarted, 3), restart_to_first_200_s=round(recovery, 3),
           kill_to_exit_s=round(dead - killed, 3), rate_per_s=round(load.rate(), 1))


# ---------------------------------------------------------------------------------------------
# 2. SIGTERM under load: decided checks answered, new ones refused cleanly, exit within the grace


def test_sigterm_under_load_answers_decided_checks_refuses_new_and_exits_within_grace(rig):
    rig.restart()
    audit = rig.authz.audit
    with Load(rig, clients=4, kinds=("allow", "deny")) as load:
        time.sleep(2.0)
        checks_before = rig.authz.checks()
        terminated = time.monotonic()
        os.kill(rig.pid, signal.SIGTERM)
        code = rig.authz.proc.popen.wait(GRACE + 10)
        exited = time.monotonic()
        time.sleep(1.0)
    results = load.results
    took = exited - terminated
    assert code == 0, f"exit code {code}\n{rig.authz.proc.tail(20)}"
    assert took < GRACE, f"graceful shutdown took {took:.2f}s, over server.shutdown_grace ({GRACE}s)"
    # Clean answers only: the decision, or Envoy's 503 (sigv4-authz refused or gone); never a reset.
    assert not [r for r in results if isinstance(r.status, str)], {r.status for r in results}
    assert {r.status for r in results} <= {200, 403, 503}, {r.status for r in results}
    assert all(r.status == Load.EXPECTED[r.kind] for r in results if r.ended < terminated)
    refused = [r for r in results if r.started > exited]
    assert len(refused) >= 10 and all(r.status == 503 for r in refused)
    # Nothing lost: the writer drained at exit, one record per decision, and every decided check was
    # answered with its decision (a record whose request got 503 would be a check cut off).
    records = audit_lines(audit)
    decided = [r for r in results if r.status in (200, 403)]
    assert len(records) >= checks_before
    assert len(records) == len(decided) + rig.warmup_checks, (len(records), len(decided), rig.warmup_checks)
    assert len({r["request_id"] for r in records}) == len(records)
    assert sum(r["decision"] == "allow" for r in records) == sum(r.status == 200 for r in results) + rig.warmup_checks
    upstream = rig.upstream_tags()
    assert {r.tag for r in results if r.status == 200} <= upstream
    assert not {r.tag for r in results if r.status != 200} & upstream
    overlap = [r for r in results if r.started <= exited and r.ended >= terminated]
    figure("sigterm", requests=len(results), decided=len(decided), audit_records=len(records),
           checks_counted_before_sigterm=checks_before, sigterm_to_exit_s=round(took, 3),
           grace_s=GRACE, overlapping=len(overlap), overlapping_200_403=sum(r.status != 503 for r in overlap),
           refused_after_exit=len(refused))
    rig.restart()


# ---------------------------------------------------------------------------------------------
# 3. A reload storm under load: zero failed checks


def write_in_place(path: Path, text: str) -> None:
    with open(path, "r+", encoding="utf-8") as f:
        f.truncate(0)
        f.write(text)


def write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:6]}")
    temporary.write_text(text)
    os.replace(temporary, path)


def test_reload_storm_under_load_zero_failed_checks(rig):
    rig.restart()
    valid = rig.authz.config_text
    invalid = valid.replace("default: deny", "default: maybe")
    assert invalid != valid
    config = rig.authz.config
    m0 = rig.authz.metrics()

    def reloads(m: dict[str, float], result: str) -> float:
        key = f'sigv4authz_config_reloads_total{{result="{result}"}}'
        return m.get(key, 0) - m0.get(key, 0)

    writes = 0
    with Load(rig, clients=4, kinds=("allow", "deny"), limit=45) as load:
        # At least 6 s, and on until five reloads of each kind were counted (at most 30 s): SIGHUPs sent
        # while a reload runs coalesce and a file rewritten every 100 ms never settles for the poll, so
        # on a loaded machine (CI once counted 7 and 3 in 6 s) fewer writes are read than are made.
        start = time.monotonic()
        while time.monotonic() < start + 30.0:
            if time.monotonic() >= start + 6.0 and writes % 4 == 0:
                now = rig.authz.metrics()
                if reloads(now, "ok") >= 5 and reloads(now, "failed") >= 5:
                    break
            text = valid + f"\n# storm {writes}\n" if writes % 2 == 0 else invalid
            (write_atomically if (writes // 2) % 2 == 0 else write_in_place)(config, text)
            if writes % 4 in (0, 1):       # half the changes also get SIGHUP, half only the file poll
                os.kill(rig.pid, signal.SIGHUP)
            writes += 1
            time.sleep(0.1)
        storm_seconds = time.monotonic() - start
        write_atomically(config, valid)
        os.kill(rig.pid, signal.SIGHUP)
        time.sleep(1.5)
    m = settled_metrics(rig.authz)
    results = load.results
    wrong = load.wrong()
    assert rig.authz.proc.running
    assert h.http_ok(f"http://127.0.0.1:{rig.authz.admin_port}/readyz")
    assert not wrong, f"{len(wrong)} of {len(results)} checks failed: {[(r.kind, r.status) for r in wrong[:10]]}"
    ok, failed = reloads(m, "ok"), reloads(m, "failed")
    assert ok >= 5 and failed >= 5, (ok, failed, writes)
    # The policy in force at the end is the valid one, reloaded (not the start-up generation).
    assert m["sigv4authz_config_generation"] > 1
    records = audit_lines(rig.authz.audit)
    assert len(records) == checks_in(m) == m["sigv4authz_audit_records_total"]
    figure("reload_storm", writes=writes, storm_seconds=round(storm_seconds, 1), reloads_ok=int(ok),
           reloads_failed=int(failed), checks=len(results), failed_checks=len(wrong), rate_per_s=round(load.rate(), 1), audit_records=len(records))


def test_configuration_written_in_place_in_pieces_is_never_loaded_half_written(rig):
    """A writer that stops part-way (an editor, `cat >`, a slow copy): the part before `accounts:` is
    itself a valid configuration, one that allows nobody. The poll loads a change only once two polls
    in a row see the same file, so the half-written file is never in force: zero wrong decisions."""
    rig.restart()
    valid = rig.authz.config_text
    head = valid[:valid.index("\naccounts:")] + "\n"
    config = rig.authz.config
    m0 = rig.authz.metrics()
    cycles = 0
    with Load(rig, clients=4, kinds=("allow", "deny")) as load:
        end = time.monotonic() + 6.0
        while time.monotonic() < end:
            with open(config, "r+", encoding="utf-8") as f:   # one open, two writes, a pause between
                f.truncate(0)
                f.write(head)
                f.flush()
                time.sleep(0.3)
                f.write(valid[len(head):] + f"# edit {cycles}\n")
            cycles += 1
            time.sleep(0.3)
        time.sleep(2.5)   # the last, complete, write is loaded within two polls
    m = settled_metrics(rig.authz)
    wrong = load.wrong()
    assert not wrong, f"{len(wrong)} of {len(load.results)} wrong: {[(r.kind, r.status) for r in wrong[:10]]}"
    reloads = m['sigv4authz_config_reloads_total{result="ok"}'] - m0.get('sigv4authz_config_reloads_total{result="ok"}', 0)
    assert reloads >= 1, "the finished file was never loaded"
    figure("config_written_in_pieces", cycles=cycles, checks=len(load.results), failed_checks=len(wrong),
           reloads_ok=int(reloads))


# ---------------------------------------------------------------------------------------------
# 4. The audit disk full: checks go on, drops counted and logged once, audit resumes


def fill(directory: Path) -> int:
    """Fills the file system of `directory` with one file; returns the bytes written."""
    written = 0
    with open(directory / "filler", "wb", buffering=0) as f:
        chunk = b"\0" * 4096
        while True:
            try:
                written += f.write(chunk)
            except OSError as error:
                assert error.errno == errno.ENOSPC, error
                return written


def test_audit_disk_full_checks_go_on_drops_counted_logged_once_and_audit_resumes(rig):
    # An 8 MiB tmpfs mounted on `mount` in sigv4-authz's own mount namespace; the test reaches it
    # through /proc/PID/root. Nothing is mounted on the machine.
    mount = rig.workdir / "audit-tmpfs"
    mount.mkdir(exist_ok=True)

    def wrap(argv):
        return [h.tool("unshare"), "--mount", "--propagation", "private", "--", "sh", "-c",
                'mount -t tmpfs -o size=8m tmpfs "$0" && exec "$@"', str(mount), *argv]

    rig.restart(audit=mount / "audit.jsonl", wrap=wrap)
    inside = Path(f"/proc/{rig.pid}/root") / mount.relative_to("/")
    assert (inside / "audit.jsonl").exists() and not (mount / "audit.jsonl").exists()
    with Load(rig, clients=4, kinds=("allow", "deny")) as load:
        time.sleep(1.0)
        filled = fill(inside)
        time.sleep(2.0)
        full = rig.authz.metrics()
        (inside / "filler").unlink()
        time.sleep(2.0)
    m = settled_metrics(rig.authz)
    results = load.results
    assert not load.wrong(), [(r.kind, r.status) for r in load.wrong()[:10]]
    dropped = int(m["sigv4authz_audit_dropped_total"])
    assert full["sigv4authz_audit_dropped_total"] > 0 and full["sigv4authz_audit_write_errors_total"] > 0, full
    # Audit resumed when space returned: records written after the disk was freed.
    assert m["sigv4authz_audit_records_total"] > full["sigv4authz_audit_records_total"]
    records = audit_lines(inside / "audit.jsonl")   # no torn line where the disk filled
    assert len(records) == m["sigv4authz_audit_records_total"]
    assert len(records) + dropped == checks_in(m) == len(results) + rig.warmup_checks
    # Logged: once when the burst started, once when it ended (with the count), never per record.
    log = rig.log()
    started = log_messages(log, "audit write failed")
    resumed = log_messages(log, "audit writing resumed")
    assert len(started) == 1 and len(resumed) == 1, (len(started), len(resumed))
    assert "No space left on device" in json.dumps(started[0])
    assert f'"{dropped}"' in json.dumps(resumed[0]) or str(dropped) in json.dumps(resumed[0]), resumed[0]
    figure("audit_disk_full", checks=len(results), records=len(records), dropped=dropped,
           write_errors=int(m["sigv4authz_audit_write_errors_total"]), filler_bytes=filled,
           error_log_lines=len(started), resumed_log_lines=len(resumed), failed_checks=len(load.wrong()))
    rig.restart()


# ---------------------------------------------------------------------------------------------
# 5. The configuration file deleted: the old policy stays, ready, logged


def test_configuration_deleted_old_policy_stays_ready_and_logged(rig):
    rig.restart()
    config = rig.authz.config
    m0 = rig.authz.metrics()
    config.unlink()
    try:
        with Load(rig, clients=2, kinds=("allow", "deny")) as load:
            time.sleep(3.5)   # three polls (reload_poll 1s)
            os.kill(rig.pid, signal.SIGHUP)
            time.sleep(0.5)
            ready = h.http_ok(f"http://127.0.0.1:{rig.authz.admin_port}/readyz")
        m = rig.authz.metrics()
        failures = log_messages(rig.log(), "configuration reload failed")
    finally:
        config.write_text(rig.authz.config_text)
    assert ready, "/readyz not ready after the configuration was deleted"
    assert not load.wrong(), [(r.kind, r.status) for r in load.wrong()[:10]]
    assert m["sigv4authz_config_generation"] == m0["sigv4authz_config_generation"]
    # Logged once for the deletion (the poll sees one change) and once for the SIGHUP, with the error.
    assert len(failures) == 2, failures
    assert all("config" in json.dumps(f) or "such file" in json.dumps(f) for f in failures), failures
    failed = m['sigv4authz_config_reloads_total{result="failed"}'] - m0.get('sigv4authz_config_reloads_total{result="failed"}', 0)
    assert failed == 2
    figure("config_deleted", checks=len(load.results), failed_checks=len(load.wrong()), error_log_lines=len(failures),
           ready=ready)


# ---------------------------------------------------------------------------------------------
# 6 and 7. Nothing lost: one record per decision, under concurrent load, across a rotation (SIGUSR1)


def test_one_audit_record_per_decision_across_log_rotation(rig):
    rig.restart()
    audit = rig.authz.audit
    rotated = audit.with_name(audit.name + ".1")
    with Load(rig, clients=6, kinds=("allow", "deny"), pause=0) as load:
        time.sleep(2.0)
        # logrotate: rename the file, then `postrotate kill -USR1`; the load never stops.
        os.rename(audit, rotated)
        time.sleep(0.2)   # records keep going to the renamed file until the signal
        os.kill(rig.pid, signal.SIGUSR1)
        time.sleep(2.0)
    m = settled_metrics(rig.authz)
    results = load.results
    assert not load.wrong(), [(r.kind, r.status) for r in load.wrong()[:10]]
    old, new = audit_lines(rotated), audit_lines(audit)
    assert old and new, (len(old), len(new))
    ids = [r["request_id"] for r in old + new]
    assert len(ids) == len(set(ids)), "a record written twice"
    assert len(ids) == checks_in(m) == len(results) + rig.warmup_checks == m["sigv4authz_audit_records_total"], (
        len(ids), checks_in(m), len(results), rig.warmup_checks)
    assert m["sigv4authz_audit_dropped_total"] == 0
    assert m['sigv4authz_audit_reopens_total{result="ok"}'] == 1
    # Both front ends and both decisions are in the records (gRPC and HTTP ext_authz, concurrently).
    assert {r["mode"] for r in old + new} == {"grpc", "envoy-http"}
    assert {r["decision"] for r in old + new} == {"allow", "deny"}
    figure("rotation", checks=len(results), records_before_rotation=len(old), records_after=len(new),
           dropped=0, duplicates=0, rate_per_s=round(load.rate(), 1), connections=6)
