"""Connection abuse against the real server: slowloris on HTTP/1.1 (a request head, a body trickled a
byte at a time), stalled TLS handshakes, a preface trickled before the protocol is known. Each test
asserts that the server ends the attacked connection within its bound, keeps answering a normal
client's signed check meanwhile, and frees the connection's descriptor."""

from __future__ import annotations

import socket
import threading
import time

from abuse import Prober, check_http1, check_tls, http1_request, signed_headers

CLOSE_BOUND = 5.0
REQUEST_TIMEOUT = 2
HANDSHAKE_TIMEOUT = 2


def attacked(server, attack, check=None) -> object:
    """Runs `attack()` while a normal client checks on other connections; asserts every check was
    answered (200) during and after it, and that the server's descriptors come back."""
    check = check or (lambda: check_http1(server.http_port))
    assert check() == 200
    baseline = server.fds()
    with Prober(check) as prober:
        result = attack()
    assert check() == 200, "a normal check after the attack"
    assert prober.results, "no check completed during the attack"
    assert not prober.failures(200), f"checks during the attack: {prober.failures(200)[:5]}"
    print(f"  normal client: {len(prober.results)} checks answered during the attack, slowest "
          f"{prober.slowest * 1000:.0f} ms")
    fds = server.settle_fds(baseline)
    assert fds <= baseline, (f"the server holds {fds} descriptors, {baseline} before the attack: "
                             f"{server.fd_targets()}")
    return result


def trickle(sock: socket.socket, data: bytes, interval: float, limit: float) -> tuple[bytes, float]:
    """Sends `data` a byte every `interval` until the server answers or closes (or `limit` passes):
    what it answered, and when (seconds after the first byte)."""
    start = time.monotonic()
    sock.setblocking(False)
    answer = b""
    for byte in data:
        if time.monotonic() - start > limit:
            break
        try:
            sock.send(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            break
        time.sleep(interval)
        try:
            chunk = sock.recv(65536)
            answer += chunk
            if not chunk or answer:
                break
        except BlockingIOError:
            continue
        except ConnectionResetError:
            break
    sock.setblocking(True)
    sock.settimeout(CLOSE_BOUND)
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return answer, time.monotonic() - start


def test_http1_slowloris_head(start_server):
    """A request head sent a byte every 0.1 s (each byte resets the idle timeout, 30 s here): 408 and
    the close at server.request_timeout (2 s)."""
    server = start_server(server={"request_timeout": f"{REQUEST_TIMEOUT}s", "idle_timeout": "30s"})

    def attack():
        with socket.create_connection(("127.0.0.1", server.http_port)) as s:
            request = http1_request("/envoy/abuse-bucket/object.txt", signed_headers())
            answer, took = trickle(s, request, 0.1, REQUEST_TIMEOUT + CLOSE_BOUND)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
        assert REQUEST_TIMEOUT <= took < REQUEST_TIMEOUT + CLOSE_BOUND, took
        print(f"HTTP/1.1 head trickled: 408 and close {took:.2f} s after the first byte")

    attacked(server, attack)


def test_http1_slowloris_body(start_server):
    """A whole head, then a 1 KB body sent a byte every 0.1 s: 408 and the close at the request
    timeout."""
    server = start_server(server={"request_timeout": f"{REQUEST_TIMEOUT}s", "idle_timeout": "30s"})

    def attack():
        with socket.create_connection(("127.0.0.1", server.http_port)) as s:
            headers = signed_headers(method="PUT") | {"content-length": "1024"}
            head = "PUT /envoy/abuse-bucket/object.txt HTTP/1.1\r\n" + "".join(
                f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
            s.sendall(head.encode())
            answer, took = trickle(s, b"x" * 1024, 0.1, REQUEST_TIMEOUT + CLOSE_BOUND)
        assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
        assert took < REQUEST_TIMEOUT + CLOSE_BOUND, took
        print(f"HTTP/1.1 body trickled: 408 and close {took:.2f} s after the head")

    attacked(server, attack)


def test_http1_keepalive_is_not_a_slow_request(start_server):
    """The request timeout bounds one request, not the connection: a keep-alive connection that
    sends a check, waits longer than the timeout, and sends another is answered both times."""
    server = start_server(server={"request_timeout": f"{REQUEST_TIMEOUT}s", "idle_timeout": "30s"})
    with socket.create_connection(("127.0.0.1", server.http_port), timeout=CLOSE_BOUND) as s:
        for _ in range(2):
            s.sendall(http1_request("/envoy/abuse-bucket/object.txt", signed_headers()))
            data = b""
            while b"\r\n\r\n" not in data:
                data += s.recv(65536)
            assert data.startswith(b"HTTP/1.1 200"), data[:80]
            time.sleep(REQUEST_TIMEOUT + 0.5)


def test_preface_trickled(start_server):
    """The h2c preface a byte every 0.1 s: the protocol is never known, and the connection is closed
    at the request timeout (the idle timeout, which every byte resets, would never fire)."""
    server = start_server(server={"request_timeout": f"{REQUEST_TIMEOUT}s", "idle_timeout": "30s"})

    def attack():
        with socket.create_connection(("127.0.0.1", server.http_port)) as s:
            answer, took = trickle(s, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" * 4, 0.1, REQUEST_TIMEOUT + CLOSE_BOUND)
        assert answer == b"", answer[:80]
        assert REQUEST_TIMEOUT <= took < REQUEST_TIMEOUT + CLOSE_BOUND, took
        print(f"h2c preface trickled: closed {took:.2f} s after the first byte")

    attacked(server, attack)


def tls_stall(server, port: int, sent: bytes, bound: float = HANDSHAKE_TIMEOUT) -> float:
    """Connects, sends `sent` (nothing, or part of a ClientHello), then waits: seconds until the close."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        start = time.monotonic()
        if sent:
            s.sendall(sent)
        s.settimeout(bound + CLOSE_BOUND)
        try:
            while s.recv(65536):
                pass
        except socket.timeout:
            raise AssertionError(f"the stalled handshake ({len(sent)} bytes) is still open") from None
        except ConnectionResetError:
            pass
        return time.monotonic() - start


# The first 60 bytes of a TLS 1.2+ ClientHello: record header, handshake header, version, random.
PARTIAL_CLIENT_HELLO = bytes.fromhex("160301020001 0001fc 0303".replace(" ", "")) + bytes(32) + b"\x20" + bytes(17)


def test_tls_handshake_stalls(start_server):
    """TCP connect then nothing, and half a ClientHello then nothing, on the HTTP listener: closed at
    server.tls_handshake_timeout (2 s here); TLS checks keep being answered."""
    server = start_server(tls=True, server={"tls_handshake_timeout": f"{HANDSHAKE_TIMEOUT}s",
                                            "request_timeout": f"{REQUEST_TIMEOUT}s", "idle_timeout": "30s"})

    def attack():
        figures = []
        for sent in (b"", PARTIAL_CLIENT_HELLO):
            took = tls_stall(server, server.http_port, sent)
            assert HANDSHAKE_TIMEOUT - 0.5 <= took < HANDSHAKE_TIMEOUT + CLOSE_BOUND, took
            figures.append(took)
        print(f"TLS handshake stalled (HTTP listener): nothing sent, closed in {figures[0]:.2f} s; "
              f"60 bytes of ClientHello, closed in {figures[1]:.2f} s")

    attacked(server, attack, check=lambda: check_tls(server.http_port))


GRPC_FIRST_FRAME_BOUND = REQUEST_TIMEOUT  # the HTTP/2 first frame within server.request_timeout


def test_tls_handshake_stalls_grpc(start_server):
    """The same two stalls on the gRPC listener over TLS, at once: closed at the HTTP/2 first-frame
    bound (server.request_timeout, 2 s here), which covers the handshake; the HTTP listener's TLS
    checks keep being answered."""
    server = start_server(tls=True, server={"request_timeout": f"{REQUEST_TIMEOUT}s"})

    def attack():
        results: dict[int, object] = {}

        def stall(sent: bytes) -> None:
            try:
                results[len(sent)] = tls_stall(server, server.grpc_port, sent, GRPC_FIRST_FRAME_BOUND)
            except AssertionError as error:
                results[len(sent)] = error

        threads = [threading.Thread(target=stall, args=(sent,)) for sent in (b"", PARTIAL_CLIENT_HELLO)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(GRPC_FIRST_FRAME_BOUND + 2 * CLOSE_BOUND)
        for sent, took in results.items():
            assert isinstance(took, float), took
            assert GRPC_FIRST_FRAME_BOUND - 0.5 <= took < GRPC_FIRST_FRAME_BOUND + CLOSE_BOUND, (sent, took)
        assert len(results) == 2
        print(f"TLS handshake stalled (gRPC listener): nothing sent, closed in {results[0]:.2f} s; "
              f"60 bytes of ClientHello, closed in {results[len(PARTIAL_CLIENT_HELLO)]:.2f} s")

    attacked(server, attack, check=lambda: check_tls(server.http_port))


def rss_kib(server) -> int:
    with open(f"/proc/{server.popen.pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def test_http1_pipelined_never_read(start_server):
    """Denied requests pipelined as fast as the socket takes them, the answers (403 with a body) never
    read: the server stops reading when it cannot write (its memory stays flat), and the connection,
    quiet both ways, is closed at the idle timeout (3 s here) while the client still holds it open."""
    server = start_server(server={"idle_timeout": "3s"})

    def attack():
        before = rss_kib(server)
        baseline = server.fds()
        s = socket.create_connection(("127.0.0.1", server.http_port))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.setblocking(False)
        request = http1_request("/envoy/abuse-bucket/object.txt", {"host": "s3.us-east-1.amazonaws.com"}) * 100
        sent, start = 0, time.monotonic()
        blocked_since = None
        while time.monotonic() - start < 10:
            try:
                s.send(request)
                sent += 100
                blocked_since = None
            except BlockingIOError:
                blocked_since = blocked_since or time.monotonic()
                if time.monotonic() - blocked_since > 0.5:
                    break  # the server has stopped reading
                time.sleep(0.05)
        grown = rss_kib(server) - before
        assert blocked_since is not None, f"the server read {sent} requests without its answers being read"
        closed_at = None
        while time.monotonic() - start < 10 + 3 + CLOSE_BOUND:
            if server.fds() <= baseline:
                closed_at = time.monotonic() - blocked_since
                break
            time.sleep(0.1)
        s.close()
        assert closed_at is not None, "the server still holds the connection"
        assert grown < 16 << 10, f"resident memory grew {grown} KiB"
        print(f"HTTP/1.1 pipelined, never read: {sent} requests sent before the server stopped reading, "
              f"memory +{grown} KiB, closed {closed_at:.2f} s after the client blocked")

    attacked(server, attack)


class KeepAliveCheck:
    """A normal client already connected (as Envoy keeps its connections): signed checks on one
    HTTP/1.1 keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=CLOSE_BOUND)

    def __call__(self) -> int:
        self.sock.sendall(http1_request("/envoy/abuse-bucket/object.txt", signed_headers()))
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(65536)
            if not chunk:
                return 0
            data += chunk
        return int(data.split(b" ", 2)[1])


def test_too_many_connections(start_server):
    """server.max_connections (20 here) on the HTTP and gRPC listeners: 20 connections held idle, then
    30 more on each listener, each accepted and closed at once (counted in
    sigv4authz_connections_refused_total); a client already connected keeps being answered, and once
    the flood's connections close, new ones are served again."""
    server = start_server(server={"max_connections": "20", "request_timeout": "30s", "idle_timeout": "60s"})
    keepalive = KeepAliveCheck(server.http_port)  # one of the 20 on the HTTP listener

    def attack():
        held = [socket.create_connection(("127.0.0.1", server.http_port)) for _ in range(19)]
        held += [socket.create_connection(("127.0.0.1", server.grpc_port)) for _ in range(20)]
        time.sleep(0.2)
        closed_in = []
        for port in (server.http_port, server.grpc_port):
            for _ in range(30):
                with socket.create_connection(("127.0.0.1", port), timeout=CLOSE_BOUND) as s:
                    start = time.monotonic()
                    try:
                        assert s.recv(1) == b"", "a connection over the cap is served"
                    except ConnectionResetError:
                        pass
                    closed_in.append(time.monotonic() - start)
        assert server.metric("sigv4authz_connections_refused_total") == 60
        for s in held:
            s.close()
        print(f"too many connections: 60 over the cap of 20 closed at once (slowest {max(closed_in) * 1000:.1f} ms), "
              f"60 counted; the connected client answered throughout")

    attacked(server, attack, check=keepalive)
    assert check_http1(server.http_port) == 200, "a new connection once the flood has closed"
