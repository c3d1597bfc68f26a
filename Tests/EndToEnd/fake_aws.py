#!/usr/bin/env python3
"""The AWS upstream of the end-to-end tests: moto, reached through a DNS override.

One process serves, on one loopback address (e.g. 127.83.17.201, which nothing else uses):
  * UDP/TCP 53  a DNS server answering every name under the AWS domains with that address (A) and
                nothing else (empty AAAA, REFUSED for other names) -- the "DNS override" the proxies
                resolve through, so the shipped proxy configurations go to the AWS host names they
                were given, as in production, and nothing resolves an AWS name for real;
  * TCP 80      moto (plain HTTP), for proxies that forward http:// requests as they are (Squid);
  * TCP 443     moto over TLS with a certificate for the AWS names from the test CA, for proxies
                that re-originate TLS (Envoy's dynamic forward proxy, nginx `proxy_pass https://`).
Every request moto receives is appended as one JSON line (method, host, path, headers) to the
--record file before moto handles it: the tests read it to prove what did, and did not, reach AWS.

Usage: fake_aws.py --address 127.x.y.z --record FILE --cert CERT --key KEY
Ports 53/80/443 need root (the CI and developer machines run as root); the address is chosen free.
"""

from __future__ import annotations

import argparse
import json
import socket
import socketserver
import ssl
import struct
import sys
import threading

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

AWS_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")


class Recorder:
    """WSGI middleware: one JSON line per request, written and flushed before moto sees it."""

    def __init__(self, app, path: str) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.file = open(path, "a", buffering=1, encoding="utf-8")

    def __call__(self, environ, start_response):
        headers = {}
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                headers[key[5:].replace("_", "-").lower()] = value
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").lower()] = environ[key]
        record = {
            "method": environ["REQUEST_METHOD"],
            "host": environ.get("HTTP_HOST", ""),
            "path": environ.get("REQUEST_URI") or environ.get("RAW_URI") or environ.get("PATH_INFO", ""),
            "scheme": environ.get("wsgi.url_scheme", ""),
            "headers": headers,
        }
        with self.lock:
            self.file.write(json.dumps(record) + "\n")
            self.file.flush()
        return self.app(environ, start_response)


def dns_answer(query: bytes, address: str) -> bytes | None:
    """A minimal authoritative answer: A → address for AWS names, empty for other types."""
    if len(query) < 12:
        return None
    ident, flags, qdcount = struct.unpack("!HHH", query[:6])
    if qdcount != 1 or flags & 0x8000:
        return None
    labels, i = [], 12
    while i < len(query) and query[i] != 0:
        n = query[i]
        labels.append(query[i + 1 : i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    qtype, qclass = struct.unpack("!HH", query[i + 1 : i + 5])
    question = query[12 : i + 5]
    name = ".".join(labels).lower()
    ours = any(name.endswith(s) for s in AWS_SUFFIXES)
    rcode = 0 if ours else 5  # REFUSED for anything that is not an AWS name
    answers = b""
    if ours and qtype == 1 and qclass == 1:
        answers = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 5, 4) + socket.inet_aton(address)
    header = struct.pack("!HHHHHH", ident, 0x8400 | (flags & 0x0100) | rcode, 1, 1 if answers else 0, 0, 0)
    return header + question + answers


def serve_dns(address: str) -> None:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((address, 53))

    def udp_loop() -> None:
        while True:
            data, peer = udp.recvfrom(4096)
            reply = dns_answer(data, address)
            if reply:
                udp.sendto(reply, peer)

    class TCPHandler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            head = self.request.recv(2)
            if len(head) < 2:
                return
            (length,) = struct.unpack("!H", head)
            data = b""
            while len(data) < length:
                chunk = self.request.recv(length - len(data))
                if not chunk:
                    return
                data += chunk
            reply = dns_answer(data, address)
            if reply:
                self.request.sendall(struct.pack("!H", len(reply)) + reply)

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    tcp = socketserver.ThreadingTCPServer((address, 53), TCPHandler)
    threading.Thread(target=udp_loop, daemon=True).start()
    threading.Thread(target=tcp.serve_forever, daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    args = parser.parse_args()

    app = Recorder(DomainDispatcherApplication(create_backend_app), args.record)
    serve_dns(args.address)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    plain = make_server(args.address, 80, app, threaded=True)
    tls = make_server(args.address, 443, app, threaded=True, ssl_context=context)
    threading.Thread(target=tls.serve_forever, daemon=True).start()
    print(f"fake AWS ready on {args.address}: dns 53, http 80, https 443", flush=True)
    try:
        plain.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
