"""The abuse tests' harness: one `sigv4-authz serve` per test on 127.0.0.1 (HTTP/1.1 + h2c, gRPC,
admin, and a TLS listener when asked), a signed check as a normal client sends it (HTTP/1.1 Envoy
mode, h2c and gRPC ext_authz), raw HTTP/2 frames for the attacker, and the server's open file
descriptors (/proc/PID/fd)."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import hpack
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
# The frame types the tests build (re-exported to them).
from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, GoAwayFrame, HeadersFrame, PingFrame,
                              RstStreamFrame, SettingsFrame, WindowUpdateFrame)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

# The account of this key (171436882533) may use S3 in us-east-1; 411435703965's key is not allowed.
ALLOWED_KEY = "AKIASP2TPHJSQH3FJRUX"
DENIED_KEY = "AKIAV7S32T2OSBFJQOIY"
SECRET = "abuseTestSecret0000wJalrXUtnFEMIK7MDENG"
HOST = "s3.us-east-1.amazonaws.com"

# HTTP/2 error codes (RFC 9113 section 7).
NO_ERROR, PROTOCOL_ERROR, FLOW_CONTROL_ERROR, FRAME_SIZE_ERROR, ENHANCE_YOUR_CALM = 0x0, 0x1, 0x3, 0x6, 0xB
COMPRESSION_ERROR = 0x9

CONFIG = """\
listen:
  http: "127.0.0.1:{http}"
  grpc: "127.0.0.1:{grpc}"
  admin: "127.0.0.1:{admin}"
{tls}
credentials:
  require_signature: true
  max_clock_skew: 15m
  legacy_access_keys: deny

accounts:
  "171436882533":
    name: abuse-allowed
    regions:
      us-east-1: {{ services: [s3] }}

default: deny

server:
{server}
audit:
  allow: all
  deny: all
  file: {audit}
"""


def authz_binary() -> Path:
    binary = Path(os.environ.get("SIGV4_AUTHZ_BIN", REPO / ".build" / "debug" / "sigv4-authz"))
    if not binary.is_file():
        raise RuntimeError(f"sigv4-authz binary not found at {binary} (build it, or set SIGV4_AUTHZ_BIN)")
    return binary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certs(directory: Path) -> None:
    """A CA and a server certificate for 127.0.0.1 (openssl; run.sh installs it)."""
    script = """
        key="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
        openssl req -x509 $key -keyout ca.key -out ca.crt -days 1 -subj /CN=abuse-ca
        openssl req $key -keyout server.key -out server.csr -subj /CN=localhost
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 1 \\
            -extfile server.ext
    """
    subprocess.run(["sh", "-ec", script], cwd=directory, check=True, capture_output=True)


@dataclass
class Server:
    """`sigv4-authz serve` with its own configuration; `server` holds extra `server:` settings."""

    server: dict[str, str] = field(default_factory=dict)
    tls: bool = False
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sigv4-authz-abuse-")))
    popen: subprocess.Popen | None = None

    def __post_init__(self) -> None:
        self.http_port, self.grpc_port, self.admin_port = free_port(), free_port(), free_port()
        tls = ""
        if self.tls:
            make_certs(self.workdir)
            tls = f"tls: {{ cert: {self.workdir}/server.crt, key: {self.workdir}/server.key }}\n"
        settings = {"idle_timeout": "30s"} | self.server
        self.config = self.workdir / "authz.yaml"
        self.config.write_text(CONFIG.format(
            http=self.http_port, grpc=self.grpc_port, admin=self.admin_port, tls=tls, audit=self.workdir / "audit.log",
            server="".join(f"  {k}: {v}\n" for k, v in settings.items())))
        self.log = self.workdir / "sigv4-authz.log"

    def start(self) -> "Server":
        with open(self.log, "ab") as out:
            self.popen = subprocess.Popen([str(authz_binary()), "serve", "--config", str(self.config)],
                                          stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"sigv4-authz exited {self.popen.returncode}:\n{self.tail()}")
            if admin_get(self.admin_port, "/readyz")[0] == 200:
                return self
            time.sleep(0.05)
        raise RuntimeError(f"sigv4-authz not ready after 30 s:\n{self.tail()}")

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def fds(self) -> int:
        """The server's open file descriptors."""
        assert self.popen is not None
        return len(os.listdir(f"/proc/{self.popen.pid}/fd"))

    def fd_targets(self) -> list[str]:
        """What the server's descriptors point at (for a failure's message)."""
        assert self.popen is not None
        targets = []
        for fd in os.listdir(f"/proc/{self.popen.pid}/fd"):
            try:
                targets.append(os.readlink(f"/proc/{self.popen.pid}/fd/{fd}"))
            except OSError:
                pass
        return sorted(targets)

    def settle_fds(self, baseline: int, timeout: float = 10.0) -> int:
        """Waits until the server holds no more descriptors than `baseline`; returns the last count."""
        deadline = time.monotonic() + timeout
        count = self.fds()
        while count > baseline and time.monotonic() < deadline:
            time.sleep(0.05)
            count = self.fds()
        return count

    def metric(self, name: str) -> float:
        """The sum of a metric's samples on /metrics (0 when absent)."""
        status, body = admin_get(self.admin_port, "/metrics")
        assert status == 200, status
        total = 0.0
        for line in body.decode().splitlines():
            if line.startswith(name) and (line[len(name)] in " {"):
                total += float(line.rsplit(" ", 1)[1])
        return total


def admin_get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n".encode())
            data = read_all(s, 2)
    except OSError:
        return 0, b""
    head, _, body = data.partition(b"\r\n\r\n")
    try:
        return int(head.split(b" ", 2)[1]), body
    except (IndexError, ValueError):
        return 0, b""


def read_all(s: socket.socket, timeout: float) -> bytes:
    s.settimeout(timeout)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


# --- a normal client's signed check ----------------------------------------------------------------

def signed_headers(key: str = ALLOWED_KEY, method: str = "GET", path: str = "/abuse-bucket/object.txt",
                   body: bytes = b"") -> dict[str, str]:
    """The headers botocore signs for an S3 request (as the proxy would see them)."""
    request = AWSRequest(method=method, url=f"https://{HOST}{path}", data=body)
    request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
    SigV4Auth(Credentials(key, SECRET), "s3", "us-east-1").add_auth(request)
    return {"host": HOST} | {k.lower(): v for k, v in request.headers.items()}


def http1_request(path: str, headers: dict[str, str], method: str = "GET") -> bytes:
    lines = [f"{method} {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()] + ["content-length: 0"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def check_http1(port: int, key: str = ALLOWED_KEY, timeout: float = 5.0) -> int:
    """One signed check in Envoy HTTP mode over a new HTTP/1.1 connection: the status."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(http1_request("/envoy/abuse-bucket/object.txt", signed_headers(key)))
        s.settimeout(timeout)
        return read_status(s)


def read_status(s) -> int:
    """The status of the HTTP/1.1 response read from `s` (up to the end of its head)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1])


def check_tls(port: int, timeout: float = 5.0) -> int:
    """One signed check over TLS (HTTP/1.1 by ALPN); the certificate is not verified (a test CA)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["http/1.1"])
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(http1_request("/envoy/abuse-bucket/object.txt", signed_headers()))
            return read_status(s)


def check_request_message(key: str = ALLOWED_KEY) -> bytes:
    """An Envoy CheckRequest (attributes.request.http: method, headers, path, host), protobuf by hand."""
    def length_delimited(number: int, payload: bytes) -> bytes:
        return varint(number << 3 | 2) + varint(len(payload)) + payload

    headers = signed_headers(key) | {":method": "GET", ":path": "/abuse-bucket/object.txt", ":authority": HOST}
    http = length_delimited(2, b"GET")
    for name, value in headers.items():
        http += length_delimited(3, length_delimited(1, name.encode()) + length_delimited(2, value.encode()))
    http += length_delimited(4, b"/abuse-bucket/object.txt") + length_delimited(5, HOST.encode())
    http += length_delimited(6, b"https") + length_delimited(10, b"HTTP/1.1")
    return length_delimited(1, length_delimited(4, length_delimited(2, http)))


def varint(n: int) -> bytes:
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def check_status_code(message: bytes) -> int:
    """CheckResponse.status.code (google.rpc.Status field 1); 0 when absent (OK)."""
    i = 0
    while i < len(message):
        tag, i = read_varint(message, i)
        wire = tag & 7
        if wire == 2:
            length, i = read_varint(message, i)
            payload = message[i:i + length]
            i += length
            if tag >> 3 == 1:
                code, j = 0, 0
                while j < len(payload):
                    inner, j = read_varint(payload, j)
                    if inner & 7 == 0:
                        value, j = read_varint(payload, j)
                        if inner >> 3 == 1:
                            code = value
                    elif inner & 7 == 2:
                        length, j = read_varint(payload, j)
                        j += length
                    else:
                        raise ValueError("unexpected wire type")
                return code
        elif wire == 0:
            _, i = read_varint(message, i)
        else:
            raise ValueError("unexpected wire type")
    return 0


def read_varint(data: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


class H2:
    """A raw HTTP/2 connection: frames written as given, frames read as they come (hyperframe, hpack)."""

    def __init__(self, port: int, timeout: float = 5.0, settings: dict[int, int] | None = None,
                 preface: bool = True) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.encoder = hpack.Encoder()
        self.decoder = hpack.Decoder()
        self.buffer = b""
        self.closed = False  # the server closed (EOF or RST seen by a read)
        self.reset = False  # ... with an RST (it closed with our bytes unread)
        self.write_failed = False
        if preface:
            self.sock.sendall(PREFACE + SettingsFrame(0, settings=settings or {}).serialize())

    def send(self, *frames: Frame) -> bool:
        """Writes frames; False once the server has closed the connection (EPIPE/ECONNRESET; reads
        still see what it sent before)."""
        try:
            self.sock.sendall(b"".join(f.serialize() for f in frames))
            return True
        except (BrokenPipeError, ConnectionResetError):
            self.write_failed = True
            return False

    def send_raw(self, data: bytes) -> bool:
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            self.write_failed = True
            return False

    def send_headers(self, stream_id: int, block: bytes, end_stream: bool = True) -> bool:
        """A header block as HEADERS and as many CONTINUATION frames as 16 KiB frames need."""
        chunks = [block[i:i + 16_384] for i in range(0, max(len(block), 1), 16_384)]
        frames: list[Frame] = [HeadersFrame(stream_id, chunks[0], flags=["END_STREAM"] if end_stream else [])]
        frames += [ContinuationFrame(stream_id, chunk) for chunk in chunks[1:]]
        frames[-1].flags.add("END_HEADERS")
        return self.send(*frames)

    def headers_block(self, headers: list[tuple[str, str]] | dict[str, str]) -> bytes:
        return self.encoder.encode(list(headers.items()) if isinstance(headers, dict) else headers)

    def request_headers(self, path: str = "/envoy/abuse-bucket/object.txt", key: str = ALLOWED_KEY,
                        extra: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
        signed = signed_headers(key)
        headers = [(":method", "GET"), (":scheme", "http"), (":path", path), (":authority", HOST)]
        headers += [(k, v) for k, v in signed.items() if k != "host"]
        return headers + (extra or [])

    def next_frame(self, timeout: float) -> Frame | None:
        """The next frame, or None at EOF or after `timeout` (then `closed` tells which)."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buffer) >= 9:
                frame, length = Frame.parse_frame_header(memoryview(self.buffer[:9]))
                if len(self.buffer) >= 9 + length:
                    frame.parse_body(memoryview(self.buffer[9:9 + length]))
                    self.buffer = self.buffer[9 + length:]
                    return frame
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.closed:
                return None
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(1 << 20)
            except socket.timeout:
                return None
            except ConnectionResetError:
                self.closed = self.reset = True
                return None
            if not chunk:
                self.closed = True
                return None
            self.buffer += chunk

    def wait_close(self, timeout: float) -> tuple[int | None, bool, float]:
        """Reads until the server closes: (the GOAWAY error code or None, closed, seconds taken)."""
        start = time.monotonic()
        code = None
        while not self.closed:
            remaining = timeout - (time.monotonic() - start)
            if remaining <= 0:
                break
            frame = self.next_frame(remaining)
            if isinstance(frame, GoAwayFrame) and code is None:
                code = frame.error_code
        return code, self.closed, time.monotonic() - start

    def response(self, stream_id: int, timeout: float = 5.0) -> tuple[dict[str, str], bytes]:
        """The headers and body of one stream's answer (other frames skipped)."""
        headers: dict[str, str] = {}
        body = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            frame = self.next_frame(deadline - time.monotonic())
            if frame is None:
                break
            if isinstance(frame, SettingsFrame) and "ACK" not in frame.flags:
                self.send(SettingsFrame(0, flags=["ACK"]))
            if frame.stream_id != stream_id:
                continue
            if isinstance(frame, HeadersFrame):
                headers.update({k: v for k, v in self.decoder.decode(frame.data)})
            elif isinstance(frame, DataFrame):
                body += frame.data
            elif isinstance(frame, RstStreamFrame):
                headers.setdefault(":rst", str(frame.error_code))
                break
            if "END_STREAM" in frame.flags:
                break
        return headers, body

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


def check_h2c(port: int, key: str = ALLOWED_KEY, timeout: float = 5.0) -> int:
    """One signed check over a new h2c connection: the :status."""
    c = H2(port, timeout)
    try:
        c.send(HeadersFrame(1, c.headers_block(c.request_headers(key=key)), flags=["END_HEADERS", "END_STREAM"]))
        headers, _ = c.response(1, timeout)
        return int(headers.get(":status", 0))
    finally:
        c.close()


def check_grpc(port: int, key: str = ALLOWED_KEY, timeout: float = 5.0) -> int:
    """One Envoy ext_authz Check over a new HTTP/2 connection: CheckResponse.status.code (0 OK,
    7 PERMISSION_DENIED), or -1 when no answer came."""
    c = H2(port, timeout)
    try:
        message = check_request_message(key)
        headers = [(":method", "POST"), (":scheme", "http"), (":path", "/envoy.service.auth.v3.Authorization/Check"),
                   (":authority", "sigv4-authz"), ("content-type", "application/grpc"), ("te", "trailers")]
        c.send(HeadersFrame(1, c.headers_block(headers), flags=["END_HEADERS"]),
               DataFrame(1, b"\x00" + struct.pack(">I", len(message)) + message, flags=["END_STREAM"]))
        response, body = c.response(1, timeout)
        if response.get("grpc-status") != "0" or len(body) < 5:
            return -1
        return check_status_code(body[5:])
    finally:
        c.close()


class Prober:
    """A normal client beside the attack: signed checks on fresh connections, one after another, in a
    thread, until stopped; every answer and its latency kept."""

    def __init__(self, check) -> None:
        self.check = check
        self.results: list[tuple[object, float]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        while not self.stopping.is_set():
            start = time.monotonic()
            try:
                result: object = self.check()
            except OSError as error:
                result = error
            self.results.append((result, time.monotonic() - start))
            time.sleep(0.02)

    def __enter__(self) -> "Prober":
        self.thread.start()
        return self

    def __exit__(self, *_) -> None:
        self.stopping.set()
        self.thread.join(10)

    def failures(self, expected: object) -> list[tuple[object, float]]:
        return [r for r in self.results if r[0] != expected]

    @property
    def slowest(self) -> float:
        return max((latency for _, latency in self.results), default=0.0)

