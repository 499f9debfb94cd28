"""The cluster's own add-ons: valid for the server they run on, restricted, never pulled."""

from __future__ import annotations

import base64

import pytest

from floe_testing.deploy.chart.schemas import schema_problems
from floe_testing.k8slocal import addons
from floe_testing.k8slocal.layout import Network, Versions

CA, CERT, KEY = "-----CA-----\n", "-----CERT-----\n", "-----KEY-----\n"
SERVER = Versions.pinned().kubernetes.lstrip("v")  # e.g. 1.34.4


def _metrics() -> list[addons.Manifest]:
    return addons.metrics_server("floe.local/k8s-local/metrics-server:v0", CA, CERT, KEY)


@pytest.mark.parametrize(
    "manifests",
    [_metrics(), addons.coredns(Network(), "floe.local/k8s-local/coredns:v0"), addons.rbac()],
    ids=["metrics-server", "coredns", "rbac"],
)
def test_every_add_on_validates_against_the_servers_schema(manifests: list) -> None:
    known = [m for m in manifests if m["kind"] != "APIService"]  # not in the core schemas
    assert schema_problems(known, SERVER) == []


def _kind(manifests: list[addons.Manifest], kind: str) -> addons.Manifest:
    return next(m for m in manifests if m["kind"] == kind)


def test_metrics_server_runs_restricted_from_the_local_image() -> None:
    pod = _kind(_metrics(), "Deployment")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["imagePullPolicy"] == "Never"
    assert "--kubelet-insecure-tls" not in container["args"]  # kubelets verified by the CA


def test_the_metrics_api_trusts_exactly_the_clusters_ca() -> None:
    manifests = _metrics()
    service = _kind(manifests, "APIService")["spec"]
    assert base64.b64decode(service["caBundle"]).decode() == CA
    assert "insecureSkipTLSVerify" not in service
    secret = _kind(manifests, "Secret")["data"]
    assert base64.b64decode(secret["tls.crt"]).decode() == CERT
    assert base64.b64decode(secret["tls.key"]).decode() == KEY


def test_metrics_server_may_read_node_metrics_and_nothing_it_could_change() -> None:
    role = next(m for m in _metrics() if m["kind"] == "ClusterRole")
    verbs = {verb for rule in role["rules"] for verb in rule["verbs"]}
    assert verbs == {"get", "list", "watch"}
