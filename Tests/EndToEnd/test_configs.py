"""The shipped configurations are valid for their proxies, and every documented demo works."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import harness as h


@pytest.mark.parametrize("name", ["grpc.yaml", "http.yaml", "egress-gateway.yaml", "identity.yaml"])
def test_envoy_config_validates(tmp_path, name):
    """envoy --mode validate on the file as shipped, only the certificate paths pointed at real
    files (Envoy loads them while validating)."""
    certs = h.make_certs(tmp_path)
    replacements = {}
    if name == "egress-gateway.yaml":
        replacements = {"/etc/envoy/tls/gateway.crt": str(certs / "gateway.crt"),
                        "/etc/envoy/tls/gateway.key": str(certs / "gateway.key")}
    config = h.render(h.REPO / "envoy" / name, tmp_path / name, replacements)
    h.validate_envoy(config)


def test_envoy_refuses_a_broken_config(tmp_path):
    """The validation step can fail: a misspelt ext_authz field is rejected."""
    text = (h.REPO / "envoy" / "grpc.yaml").read_text().replace("failure_mode_allow: false", "failure_mode_alow: false")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text)
    with pytest.raises(AssertionError):
        h.validate_envoy(broken)


@pytest.mark.parametrize("demo", ["envoy-grpc", "envoy-http", "envoy-egress", "nginx", "nginx-tls", "squid"])
def test_demo_smoke(demo):
    """`demo.py NAME` (the README's one command per proxy) starts everything; --smoke sends an
    allowed and a denied request through it and stops it again."""
    env = dict(os.environ)
    result = subprocess.run([sys.executable, str(h.HERE / "demo.py"), demo, "--smoke"], env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "smoke: allowed call ok, denied call ok" in result.stdout
