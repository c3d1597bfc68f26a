"""An internal service for the identity tests (test_identity.py): every request is answered 200 with
what it received as JSON — method, path (with the query), and every header as a list of [name, value]
pairs in the order received — so a test sees what the proxy sent upstream: the
x-sigv4-authz-principal-* headers sigv4-authz set, and whether the token header was removed.

Run: python echo_service.py [--port 0]; it prints one JSON line, {"port": N}, once it listens on
127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "echo-service"
    sys_version = ""

    def log_message(self, format, *args):  # noqa: A002 — quiet: requests carry tokens
        pass

    def _echo(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 1 << 20))
        body = json.dumps({"method": self.command, "path": self.path,
                           "headers": [[name, value] for name, value in self.headers.items()]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _echo  # noqa: N815


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
