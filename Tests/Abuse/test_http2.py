"""HTTP/2 abuse against the real server, on the HTTP listener (h2c) and on the gRPC listener: each test
attacks one connection and asserts that (a) the server ends it cleanly within a bound (GOAWAY with
the expected code, then the TCP close; or a refused stream), (b) a normal client's signed check is
answered during and after the attack, and (c) the server's open file descriptors return to where
they were."""

from __future__ import annotations

import time

import pytest

from abuse import (COMPRESSION_ERROR, ENHANCE_YOUR_CALM, FLOW_CONTROL_ERROR, H2, NO_ERROR, PROTOCOL_ERROR,
                   ContinuationFrame, DataFrame, GoAwayFrame, HeadersFrame, PingFrame, Prober, RstStreamFrame,
                   SettingsFrame, WindowUpdateFrame, check_grpc, check_h2c, check_http1)

# How long the server may take to end an attacked connection once the attack is plain (a protocol
# violation, a limit passed): it does so at once, the bound allows for a loaded 2-core machine.
CLOSE_BOUND = 5.0
REFUSED_STREAM = 0x7
# server.request_timeout in the tests that need it (both listeners).
REQUEST_TIMEOUT = 2
GRPC_REQUEST_TIMEOUT = REQUEST_TIMEOUT


def request_timeout(kind: str) -> float:
    return REQUEST_TIMEOUT if kind == "h2c" else GRPC_REQUEST_TIMEOUT


def listener(server, kind: str) -> tuple[int, object, object]:
    """The port of the listener under attack, its normal check, and that check's good answer."""
    if kind == "h2c":
        return server.http_port, lambda: check_h2c(server.http_port), 200
    return server.grpc_port, lambda: check_grpc(server.grpc_port), 0


def attacked(server, kind: str, attack) -> object:
    """Runs `attack(port)` while a normal client checks on another connection; asserts that every
    check during and after it was answered, and that the server frees what the attack held."""
    port, check, good = listener(server, kind)
    assert check() == good
    assert check_http1(server.http_port) == 200
    baseline = server.fds()
    with Prober(check) as prober:
        result = attack(port)
    assert check() == good, "a normal check after the attack"
    assert prober.results, "no check completed during the attack"
    assert not prober.failures(good), f"checks during the attack: {prober.failures(good)[:5]}"
    print(f"  normal client: {len(prober.results)} checks answered during the attack, slowest "
          f"{prober.slowest * 1000:.0f} ms")
    fds = server.settle_fds(baseline)
    assert fds <= baseline, (f"the server holds {fds} descriptors, {baseline} before the attack: "
                             f"{server.fd_targets()}")
    return result


BOTH = pytest.mark.parametrize("kind", ["h2c", "grpc"])


@BOTH
def test_rapid_reset(start_server, kind):
    """CVE-2023-44487: HEADERS then RST_STREAM, thousands of times, never waiting for an answer."""
    server = start_server()

    def attack(port):
        c = H2(port)
        block = c.headers_block(c.request_headers())
        sent = 0
        start = time.monotonic()
        for batch in range(100):
            frames = []
            for i in range(100):
                stream = 1 + 2 * (batch * 100 + i)
                frames += [HeadersFrame(stream, block, flags=["END_HEADERS"]), RstStreamFrame(stream, error_code=8)]
            if not c.send(*frames):
                break
            sent += 100
        code, closed, took = c.wait_close(CLOSE_BOUND)
        c.close()
        assert code == ENHANCE_YOUR_CALM, f"GOAWAY code {code}"
        assert closed, "the connection stays open after GOAWAY"
        print(f"rapid reset: {sent} streams sent, GOAWAY ENHANCE_YOUR_CALM, closed "
              f"{time.monotonic() - start:.2f} s after the first")
        return sent

    attacked(server, kind, attack)


@BOTH
def test_continuation_flood(start_server, kind):
    """HEADERS without END_HEADERS, then CONTINUATION frames without end (the 2024 family)."""
    server = start_server()

    def attack(port):
        c = H2(port)
        c.send(HeadersFrame(1, c.headers_block([(":method", "GET"), (":scheme", "http"), (":path", "/")])))
        start = time.monotonic()
        sent = 0
        while sent < 20_000 and time.monotonic() - start < 10:
            # Each fragment one literal header of 200 bytes: a header list that only grows.
            fragment = c.headers_block([(f"x-flood-{sent}", "a" * 200)])
            if not c.send(*[ContinuationFrame(1, fragment) for _ in range(10)]):
                break
            sent += 10
        code, closed, took = c.wait_close(CLOSE_BOUND)
        c.close()
        assert closed, f"the connection stays open (GOAWAY {code}) after {sent} CONTINUATION frames"
        assert code is not None and code != NO_ERROR, f"GOAWAY code {code}"
        print(f"CONTINUATION flood: closed after {sent} frames sent, GOAWAY {code}, "
              f"{time.monotonic() - start:.2f} s")

    attacked(server, kind, attack)


@BOTH
def test_hpack_bomb(start_server, kind):
    """One 4 KB header put in the dynamic table, then referenced by its 1-byte index thousands of
    times: a tiny header block that decodes to megabytes."""
    server = start_server()

    def attack(port):
        c = H2(port)
        # Literal with incremental indexing (dynamic table entry 62), then 4,000 indexed references.
        big = c.encoder.encode([("x-bomb", "b" * 4000)])
        block = c.headers_block(c.request_headers()) + big + bytes([0x80 | 62]) * 4000
        start = time.monotonic()
        c.send(HeadersFrame(1, block, flags=["END_HEADERS", "END_STREAM"]))
        code, closed, took = c.wait_close(CLOSE_BOUND)
        c.close()
        assert closed, f"the connection stays open (GOAWAY {code})"
        assert code not in (None, NO_ERROR), f"GOAWAY code {code}"
        print(f"HPACK bomb: GOAWAY {code}, closed in {time.monotonic() - start:.2f} s")

    attacked(server, kind, attack)


@BOTH
@pytest.mark.parametrize("acknowledged", [True, False], ids=["settings-acked", "settings-never-acked"])
def test_header_list_over_the_limit(start_server, kind, acknowledged):
    """A header list over server.max_header_bytes is never decided: the stream is refused (431) or
    the connection closed (GOAWAY) — whether or not the client has acknowledged the server's
    SETTINGS. NIOHTTP2Handler applies the announced limit only after the acknowledgement (before it,
    its decoder takes up to 16 KiB): with max_header_bytes 8 KiB, a 12 KB header list sent before
    acknowledging was decided (allowed) on h2c."""
    server = start_server(server={"max_header_bytes": "8192"})

    def attack(port):
        c = H2(port)
        if acknowledged:
            c.send(SettingsFrame(0, flags=["ACK"]))
            time.sleep(0.1)
        if kind == "h2c":
            headers = c.request_headers(extra=[("x-large", "l" * 12_000)])
            assert len(c.headers_block(headers)) > 8192
        else:
            headers = [(":method", "POST"), (":scheme", "http"), (":authority", "a"),
                       (":path", "/envoy.service.auth.v3.Authorization/Check"), ("content-type", "application/grpc"),
                       ("x-large", "l" * 12_000)]
        block = c.headers_block(headers)
        start = time.monotonic()
        c.send_headers(1, block)
        response, _ = c.response(1, CLOSE_BOUND)
        status = response.get(":status")
        assert "x-sigv4-authz-decision" not in response, f"decided: {response}"
        if status is not None:
            assert status == "431", response
            outcome = "431"
        else:
            code, closed, took = c.wait_close(CLOSE_BOUND)
            assert closed, f"no answer, and the connection stays open (GOAWAY {code})"
            outcome = f"GOAWAY {code} and close"
        c.close()
        print(f"header list over the limit ({'acked' if acknowledged else 'never acked'}): {outcome} "
              f"in {time.monotonic() - start:.2f} s")

    attacked(server, kind, attack)


def test_large_authorization_header_closes_the_connection(start_server):
    """A 20 KB Authorization header over h2c; GOAWAY, then the TCP connection
    must close (it was left open, so the client hung until its own timeout)."""
    server = start_server()

    def attack(port):
        c = H2(port)
        headers = [(k, v) for k, v in c.request_headers() if k != "authorization"]
        block = c.headers_block(headers + [("authorization", "AWS4-HMAC-SHA256 Credential=" + "A" * 20_000)])
        frames = [HeadersFrame(1, block[:16_384], flags=["END_STREAM"])]
        frames.append(ContinuationFrame(1, block[16_384:], flags=["END_HEADERS"]))
        start = time.monotonic()
        c.send(*frames)
        code, closed, took = c.wait_close(CLOSE_BOUND)
        c.close()
        assert closed, f"GOAWAY {code} and the connection stays open"
        print(f"20 KB Authorization: GOAWAY {code}, closed in {time.monotonic() - start:.2f} s")

    attacked(server, "h2c", attack)


@BOTH
@pytest.mark.parametrize("frame", ["settings", "ping"])
def test_control_frame_flood(start_server, kind, frame):
    """SETTINGS or PING frames as fast as the socket takes them, the answers never read: the server
    stops the connection (ENHANCE_YOUR_CALM) instead of queueing acknowledgements without end."""
    server = start_server()

    def attack(port):
        c = H2(port)
        make = (lambda i: SettingsFrame(0, settings={0x4: 65_535})) if frame == "settings" else (
            lambda i: PingFrame(0, opaque_data=i.to_bytes(8, "big")))
        start = time.monotonic()
        sent = 0
        while sent < 200_000 and time.monotonic() - start < 10:
            if not c.send(*[make(sent + i) for i in range(500)]):
                break
            sent += 500
        code, closed, took = c.wait_close(CLOSE_BOUND)
        c.close()
        assert closed, f"the connection stays open after {sent} {frame} frames (GOAWAY {code})"
        assert code in (None, ENHANCE_YOUR_CALM), f"GOAWAY code {code}"
        print(f"{frame} flood: closed after {sent} frames, GOAWAY {code}, {time.monotonic() - start:.2f} s")

    attacked(server, kind, attack)


@BOTH
def test_window_update_flood(start_server, kind):
    """WINDOW_UPDATE frames by the ten thousand (each answered by nothing), then one that overflows
    the window: the flood costs the server nothing lasting, the overflow is FLOW_CONTROL_ERROR."""
    server = start_server()

    def attack(port):
        c = H2(port)
        start = time.monotonic()
        for _ in range(20):
            assert c.send(*[WindowUpdateFrame(0, window_increment=1) for _ in range(1000)])
        flood = time.monotonic() - start
        c.send(WindowUpdateFrame(0, window_increment=0x7FFF_FFFF))
        code, closed, took = c.wait_close(CLOSE_BOUND)
        c.close()
        assert code == FLOW_CONTROL_ERROR, f"GOAWAY code {code}"
        assert closed, "the connection stays open after GOAWAY"
        print(f"WINDOW_UPDATE flood: 20000 frames in {flood:.2f} s, overflow closed in {took:.2f} s")

    attacked(server, kind, attack)


@BOTH
def test_streams_over_max_concurrent_streams(start_server, kind):
    """256 streams (the limit the server announces) opened and never ended: the request timeout ends
    every one (408 / DEADLINE_EXCEEDED, then RST_STREAM), so they cannot hold the connection's slots.
    Then one stream more than the limit on a fresh connection: GOAWAY PROTOCOL_ERROR and the close
    (RFC 9113 section 5.1.2; NIOHTTP2Handler treats it as a connection error)."""
    server = start_server(server={"request_timeout": f"{REQUEST_TIMEOUT}s"})

    def open_streams(port, count):
        c = H2(port)
        c.send(SettingsFrame(0, flags=["ACK"]))  # the limit is in force once acknowledged
        time.sleep(0.1)
        if kind == "h2c":
            headers = c.request_headers()
            headers[0] = (":method", "PUT")
        else:
            headers = [(":method", "POST"), (":scheme", "http"), (":authority", "a"),
                       (":path", "/envoy.service.auth.v3.Authorization/Check"), ("content-type", "application/grpc")]
        block = c.headers_block(headers)
        c.send(*[HeadersFrame(1 + 2 * i, block, flags=["END_HEADERS"]) for i in range(count)])
        return c

    def attack(port):
        c = open_streams(port, 256)
        answered, reset = {}, set()
        start = time.monotonic()
        while time.monotonic() - start < request_timeout(kind) + CLOSE_BOUND and len(reset) < 256:
            f = c.next_frame(0.5)
            if isinstance(f, RstStreamFrame):
                reset.add(f.stream_id)
            elif isinstance(f, HeadersFrame):
                answered[f.stream_id] = dict(c.decoder.decode(f.data))
            elif isinstance(f, GoAwayFrame):
                raise AssertionError(f"GOAWAY {f.error_code}")
        took = time.monotonic() - start
        c.close()
        assert len(reset) == 256, f"{256 - len(reset)} streams still open after {took:.1f} s"
        expected = {"h2c": ("408", None), "grpc": ("200", "4")}[kind]
        assert len(answered) == 256
        assert all((a.get(":status"), a.get("grpc-status")) == expected for a in answered.values()), answered
        assert request_timeout(kind) <= took < request_timeout(kind) + CLOSE_BOUND

        over = open_streams(port, 257)
        code, closed, closing = over.wait_close(CLOSE_BOUND)
        over.close()
        assert closed and code in (PROTOCOL_ERROR, None), f"GOAWAY {code}, closed {closed}"
        print(f"256 streams never ended: all ended by the request timeout ({expected[0]}"
              f"{' grpc-status ' + expected[1] if expected[1] else ''}) {took:.2f} s after; "
              f"257 streams: GOAWAY {code}, closed in {closing:.2f} s")

    attacked(server, kind, attack)


def test_zero_flow_control_window(start_server):
    """The client announces a stream window of 0 and never opens it, while the server has a deny
    body to send: the stream is not held open past the request timeout."""
    server = start_server(server={"request_timeout": f"{REQUEST_TIMEOUT}s", "idle_timeout": "30s"})

    def attack(port):
        c = H2(port, settings={0x4: 0})
        # Unsigned: denied, with an AWS-style XML body the window never lets out.
        block = c.headers_block([(":method", "GET"), (":scheme", "http"), (":path", "/envoy/abuse-bucket/k"),
                                 (":authority", "s3.us-east-1.amazonaws.com")])
        start = time.monotonic()
        c.send(HeadersFrame(1, block, flags=["END_HEADERS", "END_STREAM"]))
        status = reset = None
        last_ping = start
        # Keep the connection busy (a PING every 0.5 s) so only a bound on the stream can end it.
        while time.monotonic() - start < REQUEST_TIMEOUT + CLOSE_BOUND and not c.closed:
            f = c.next_frame(0.1)
            if isinstance(f, HeadersFrame):
                status = dict(c.decoder.decode(f.data)).get(":status")
            assert not isinstance(f, DataFrame), "DATA sent into a zero window"
            if isinstance(f, (RstStreamFrame, GoAwayFrame)):
                reset = (type(f).__name__, f.error_code, time.monotonic() - start)
                break
            if time.monotonic() - last_ping > 0.5:
                c.send(PingFrame(0, opaque_data=b"keepbusy"))
                last_ping = time.monotonic()
        c.close()
        assert status == "403", f"the deny's headers: {status}"
        assert reset is not None, "the stream whose window stays closed is never ended"
        assert reset[0] == "RstStreamFrame" and reset[1] == 0x8, f"{reset}: not RST_STREAM CANCEL"
        assert REQUEST_TIMEOUT <= reset[2] < REQUEST_TIMEOUT + CLOSE_BOUND, f"reset after {reset[2]:.2f} s"
        print(f"zero window: 403 headers, the body held, RST_STREAM CANCEL {reset[2]:.2f} s after the request")

    attacked(server, "h2c", attack)


@BOTH
def test_slowloris_headers_trickled(start_server, kind):
    """A header block trickled in one-byte CONTINUATION frames, one every 0.2 s: every frame resets an
    idle timer, so only a bound on the whole request ends it (server.request_timeout, 2 s here)."""
    server = start_server(server={"request_timeout": f"{REQUEST_TIMEOUT}s", "idle_timeout": "30s"})

    def attack(port):
        c = H2(port)
        block = c.headers_block(c.request_headers())
        c.send(HeadersFrame(1, block[:1]))
        start = time.monotonic()
        for i in range(1, len(block)):
            if time.monotonic() - start > request_timeout(kind) + CLOSE_BOUND:
                break
            if not c.send(ContinuationFrame(1, block[i:i + 1])):
                break
            f = c.next_frame(0.2)
            if f is not None and isinstance(f, (GoAwayFrame, RstStreamFrame)):
                break
        code, closed, took = c.wait_close(CLOSE_BOUND)
        c.close()
        elapsed = time.monotonic() - start
        assert closed, f"the trickled header block is still being read after {elapsed:.1f} s"
        assert elapsed < request_timeout(kind) + CLOSE_BOUND, f"closed after {elapsed:.1f} s"
        print(f"HTTP/2 headers trickled: closed {elapsed:.2f} s after the first byte (GOAWAY {code})")

    attacked(server, kind, attack)


@BOTH
def test_slowloris_body_trickled(start_server, kind):
    """A body trickled one byte per DATA frame, one every 0.2 s: the stream is ended at the request
    timeout (2 s here), and the connection does not outlive it."""
    server = start_server(server={"request_timeout": f"{REQUEST_TIMEOUT}s", "idle_timeout": "30s"})

    def attack(port):
        c = H2(port)
        if kind == "h2c":
            headers = c.request_headers()
            headers[0] = (":method", "PUT")
        else:
            headers = [(":method", "POST"), (":scheme", "http"),
                       (":path", "/envoy.service.auth.v3.Authorization/Check"), (":authority", "a"),
                       ("content-type", "application/grpc")]
        c.send(HeadersFrame(1, c.headers_block(headers), flags=["END_HEADERS"]))
        if kind == "grpc":
            c.send(DataFrame(1, b"\x00\x00\x00\x01\x00"))  # a 256-byte message announced
        start = time.monotonic()
        ended = None
        while time.monotonic() - start < request_timeout(kind) + CLOSE_BOUND and not c.closed:
            if not c.send(DataFrame(1, b"x")):
                break
            f = c.next_frame(0.2)
            if isinstance(f, (RstStreamFrame, GoAwayFrame)) or (f is not None and "END_STREAM" in f.flags):
                ended = time.monotonic() - start
                break
        c.close()
        assert ended is not None, "the trickled body is still being read"
        assert ended < request_timeout(kind) + CLOSE_BOUND, f"the stream ended after {ended:.1f} s"
        print(f"HTTP/2 body trickled: stream ended {ended:.2f} s after the first byte")

    attacked(server, kind, attack)


def test_garbage_before_the_preface(start_server):
    """Bytes that are neither HTTP/1.1 nor the h2c preface: a clean 400 (HTTP/1.1's answer to a bad
    request line) and the close; the server never waits for more."""
    server = start_server()

    def attack(port):
        import socket
        with socket.create_connection(("127.0.0.1", port), timeout=CLOSE_BOUND) as s:
            start = time.monotonic()
            s.sendall(b"\x00\x01\x02garbage\xff\xfe" * 50 + b"\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            took = time.monotonic() - start
        assert data.startswith(b"HTTP/1.1 400"), data[:80]
        line = data.split(b"\r\n", 1)[0].decode()
        print(f"garbage before the preface: {line}, closed in {took:.2f} s")

    attacked(server, "h2c", attack)


def test_preface_then_garbage(start_server):
    """The h2c preface, then bytes that are not HTTP/2 frames: GOAWAY PROTOCOL_ERROR and the close."""
    server = start_server()

    def attack(port):
        c = H2(port, preface=False)
        c.send_raw(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\xff" * 64)
        code, closed, took = c.wait_close(CLOSE_BOUND)
        c.close()
        assert closed, f"the connection stays open (GOAWAY {code})"
        assert code in (PROTOCOL_ERROR, COMPRESSION_ERROR, 0x6), f"GOAWAY {code}"
        print(f"preface then garbage: GOAWAY {code}, closed in {took:.2f} s")

    attacked(server, "h2c", attack)
