"""The README (and the documents in docs/) name only what exists, and the quick start works as written.

Run through Tests/Deploy/run.sh (with the binary it builds, or SIGV4_AUTHZ_BIN); standalone:
`SIGV4_AUTHZ_BIN=… pytest Tests/Deploy/test_readme.py` (curl on PATH).

- every relative file or directory the README links or names in backticks or in its shell blocks
  exists (generated places such as `.cache/` and `.build/` aside), and so does every relative link
  of docs/*.md and of the proxies' and deployment's READMEs;
- every `make TARGET` the README names is a target of the Makefile;
- every `sigv4-authz SUBCOMMAND` the README names is listed by `sigv4-authz --help`;
- every YAML block of the README is a configuration `sigv4-authz validate` accepts;
- the quick start: its first command (`swift run -c release sigv4-authz serve`, the binary put in
  place of `swift run -c release sigv4-authz`) is started in an empty directory, so it serves the
  built-in configuration on the ports the README names; each curl command of the quick start is run
  as written, and every line of the output block that follows it in the README appears in curl's
  output (request ids aside).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
RUN_PREFIX = "swift run -c release sigv4-authz"

# Places the README may name that a build or a test run creates.
GENERATED = (".cache/", ".build/")
# Top-level entries a path must start with to be taken for a repository path (a backticked
# `arn:aws:s3:::prod-*` or `AKID/DATE/REGION/...` is not one).
TOP_LEVEL = {p.name for p in REPO.iterdir() if not p.name.startswith(".")} | {".ci", ".swift-format"}


def sigv4_authz_bin() -> str:
    path = Path(os.environ.get("SIGV4_AUTHZ_BIN", REPO / ".build" / "debug" / "sigv4-authz"))
    if not path.exists():
        pytest.fail(f"sigv4-authz binary not found at {path}: build it (swift build) or set SIGV4_AUTHZ_BIN")
    return str(path)


def readme() -> str:
    return README.read_text()


def fenced_blocks(text: str) -> list[tuple[str, str, int]]:
    """(language, body, offset) of every fenced block, in order."""
    return [(m.group(1), m.group(2), m.start()) for m in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.S | re.M)]


def prose(text: str) -> str:
    """The text outside fenced blocks."""
    return re.sub(r"^```\w*\n.*?^```", "", text, flags=re.S | re.M)


def inline_code(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", prose(text))


def shell_lines(text: str) -> list[str]:
    """The commands of the README's sh blocks, comments removed, continuation lines joined."""
    lines = []
    for lang, body, _ in fenced_blocks(text):
        if lang != "sh":
            continue
        for line in body.replace("\\\n", " ").splitlines():
            line = re.sub(r"(^|\s)#.*$", "", line).strip()
            if line:
                lines.append(line)
    return lines


def repository_path(token: str) -> str | None:
    """The token as a repository path, or None when it does not look like one."""
    token = token.strip().rstrip(".,;:)")
    if not token or any(c in token for c in " <>*?…$={}[]\"'") or "://" in token:
        return None
    if token.startswith(("/", "./", "../", "~", "-")):
        return None
    first = token.split("/", 1)[0]
    if first not in TOP_LEVEL:
        return None
    if "/" not in token and not (REPO / first).is_file() and first not in {"Makefile", "Dockerfile", "LICENSE"}:
        return None  # a bare word such as `deploy` in prose
    return token


def relative_links(text: str) -> list[str]:
    links = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        links.append(target.split("#", 1)[0])
    return [t for t in links if t]


# --- (a) files and directories ---------------------------------------------------------------------


def named_paths(text: str) -> set[str]:
    names = set(relative_links(text))
    for token in inline_code(text):
        for word in token.split():
            if (path := repository_path(word)) is not None:
                names.add(path)
    for line in shell_lines(text):
        for word in line.split():
            if (path := repository_path(word)) is not None:
                names.add(path)
    return {n for n in names if not n.startswith(GENERATED)}


def test_every_path_the_readme_names_exists():
    names = named_paths(readme())
    assert "docs/threat-model.md" in names and "Sources/sigv4-authz/config.example.yaml" in names, names
    missing = sorted(n for n in names if not (REPO / n).exists())
    assert not missing, f"README.md names files that do not exist: {missing}"


DOCUMENTS = sorted(
    [*(REPO / "docs").glob("*.md"), *(REPO / "docs" / "reference").glob("*.md")]
    + [REPO / d / "README.md" for d in ("envoy", "nginx", "squid", "deploy", "deploy/grafana") if (REPO / d / "README.md").exists()]
)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_of_the_documents_exists(document: Path):
    missing = sorted(t for t in relative_links(document.read_text()) if not (document.parent / t).exists())
    assert not missing, f"{document.relative_to(REPO)} links files that do not exist: {missing}"


def test_the_link_checker_reports_a_missing_file():
    assert relative_links("see [x](docs/nothing-here.md) and [y](https://example.com)") == ["docs/nothing-here.md"]
    assert named_paths("run `docs/nothing-here.md`, not `arn:aws:s3:::b/*` or `/envoy`") == {"docs/nothing-here.md"}


# --- (b) make targets ------------------------------------------------------------------------------


def makefile_targets() -> set[str]:
    return set(re.findall(r"^([A-Za-z0-9_-]+):", (REPO / "Makefile").read_text(), re.M))


def named_make_targets(text: str) -> set[str]:
    found = set()
    for source in [*inline_code(text), *shell_lines(text)]:
        found.update(re.findall(r"(?:^|[\s;&(])make\s+(?:[A-Z_]+=\S+\s+)*([a-z][a-z0-9-]*)", source))
    return found


def test_every_make_target_the_readme_names_exists():
    named = named_make_targets(readme())
    assert {"test", "demo"} <= named, named
    missing = sorted(named - makefile_targets())
    assert not missing, f"README.md names make targets the Makefile does not have: {missing}"


# --- (c) subcommands -------------------------------------------------------------------------------


def test_every_subcommand_the_readme_names_exists():
    help_text = subprocess.run([sigv4_authz_bin(), "--help"], capture_output=True, text=True, timeout=30).stdout
    listed = set(re.findall(r"^  ([a-z][a-z-]*)\s", help_text.split("SUBCOMMANDS:", 1)[-1], re.M))
    assert {"serve", "check", "validate"} <= listed, help_text
    named = set()
    for source in [*inline_code(readme()), *shell_lines(readme())]:
        named.update(re.findall(r"(?<![\w-])sigv4-authz\s+([a-z][a-z-]*)", source))
    assert "serve" in named, named
    missing = sorted(named - listed)
    assert not missing, f"README.md names subcommands `sigv4-authz --help` does not list: {missing}"


# --- (d) configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(len([b for b in fenced_blocks(readme()) if b[0] == "yaml"])))
def test_every_yaml_block_of_the_readme_validates(index: int, tmp_path: Path):
    body = [b for b in fenced_blocks(readme()) if b[0] == "yaml"][index][1]
    config = tmp_path / "config.yaml"
    config.write_text(body)
    result = subprocess.run([sigv4_authz_bin(), "validate", str(config)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, f"README.md's YAML block {index + 1} is refused:\n{result.stdout}{result.stderr}"


# --- (e) the quick start --------------------------------------------------------------------------


def quick_start() -> str:
    text = readme()
    match = re.search(r"^## Quick start\n(.*?)(?=^## )", text, re.S | re.M)
    assert match, "README.md has no '## Quick start' section"
    return match.group(1)


def quick_start_steps() -> tuple[str, list[tuple[str, list[str]]]]:
    """The serve command, and each curl command with the output lines documented after it."""
    blocks = fenced_blocks(quick_start())
    assert blocks and blocks[0][0] == "sh", "the quick start does not begin with a shell block"
    serve = blocks[0][1].strip()
    assert serve.startswith(RUN_PREFIX), f"the quick start's first command is {serve!r}"
    checks = []
    for i, (lang, body, _) in enumerate(blocks):
        if lang == "sh" and body.lstrip().startswith("curl"):
            assert i + 1 < len(blocks) and blocks[i + 1][0] == "", f"no output block after {body!r}"
            expected = [line.strip() for line in blocks[i + 1][1].splitlines() if line.strip()]
            checks.append((body.strip(), expected))
    assert len(checks) >= 2, "the quick start should show an allowed and a denied request"
    return serve, checks


def without_request_ids(line: str) -> str:
    """The line with its request id (different on every run) blanked; nothing else is touched."""
    line = re.sub(r"^(x-sigv4-authz-request-id:).*$", r"\1 REQUEST-ID", line)
    return re.sub(r"<RequestId>[^<]*</RequestId>", "<RequestId>REQUEST-ID</RequestId>", line)


def wait_for(url: str, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer 200")
        time.sleep(0.2)


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def quick_start_server():
    serve, _ = quick_start_steps()
    busy = [p for p in (8080, 9001, 9090) if port_in_use(p)]
    if busy:
        pytest.fail(f"the quick start's ports are in use: {busy} (the built-in configuration listens on 8080, 9001, 9090)")
    argv = [sigv4_authz_bin(), *serve[len(RUN_PREFIX):].split()]
    with tempfile.TemporaryDirectory() as empty:  # no ./config.yaml: the built-in configuration
        log = open(Path(empty) / "serve.log", "w+")
        server = subprocess.Popen(argv, cwd=empty, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for("http://127.0.0.1:9090/readyz", time.monotonic() + 30)
            yield server, Path(empty) / "serve.log"
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()


def test_the_quick_start_serves_the_built_in_configuration(quick_start_server):
    _, log = quick_start_server
    assert "config.example.yaml (built in)" in log.read_text(), log.read_text()


@pytest.mark.parametrize("step", range(2), ids=["allow", "deny"])
def test_the_quick_start_commands_give_the_documented_answers(quick_start_server, step: int):
    assert shutil.which("curl"), "curl is required (Tests/Deploy/run.sh installs it)"
    _, checks = quick_start_steps()
    command, expected = checks[step]
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"{command}\n{result.stderr}"
    got = [without_request_ids(line.rstrip("\r")) for line in result.stdout.splitlines()]
    missing = [line for line in expected if not any(without_request_ids(line) in g for g in got)]
    assert not missing, f"{command}\nprinted:\n{result.stdout}\nwithout the documented lines: {missing}"
