"""Loaded by Python at start-up when this folder is on PYTHONPATH (the e2e tests put it there for
the aws CLI). AWS host names resolve to $E2E_AWS_ADDRESS (the DNS override that sends clients to a
TLS-inspecting egress gateway) and never to real DNS: without the variable they fail to resolve."""

import os
import socket

_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")
_real = socket.getaddrinfo


def _getaddrinfo(host, port, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else (host or "")
    if name.lower().rstrip(".").endswith(_SUFFIXES):
        address = os.environ.get("E2E_AWS_ADDRESS")
        if not address:
            raise socket.gaierror(socket.EAI_NONAME, f"e2e: refusing to resolve {name} for real")
        return _real(address, port, *args, **kwargs)
    return _real(host, port, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo
