"""The full profile installed for real by Helm's engine (tools/helm.py), as the seed's flow has it.

One restricted namespace, the chart's full profile with values-test.yaml + values-k8s-local.yaml
(every image built here; Iceberg's REST catalog server behind the polaris Service), then:
every pod from a locally built image, admitted under restricted Pod Security; ``helm
upgrade`` rerunning the bootstrap hook, which changes nothing; ``kubectl apply -f
tests/e2e/test-job.yaml`` running the e2e suite to Complete (the polaris_only tests deselected
with the reason printed) and, with a planted failing test, to Failed; and the
NetworkPolicies, probed from real pods: the runner reaches every contract service, Cube the S3
store, PostgreSQL only its clients, an unlabelled pod none, and nothing leaves the namespace.
"""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from floe_testing.core.polling import wait_for
from floe_testing.deploy.chart.engine import RELEASE
from floe_testing.deploy.release import CHART_DIR, split_ref
from floe_testing.tools.helm import find_helm
from harness.netprobe import probe_pod, reached
from harness.realcluster import REPO_ROOT, RealCluster, kubectl
from harness.seedjob import apply_and_follow, job_condition, seed_job

TIER = "e2e"
PLANTED = "tests/realcluster/planted/test_fails.py"
VALUES = ("values-test.yaml", "values-k8s-local.yaml")
INSTALL_TIMEOUT = 600.0
RESTRICTED = {f"pod-security.kubernetes.io/{m}": "restricted" for m in ("enforce", "warn")}
WORKLOADS = ("deployment", "statefulset")
SERVICES = {  # the contract's services of the full profile and their ports
    "dagster-webserver": (3000,),
    "dagster-user-code": (3030,),
    "postgresql": (5432,),
    "polaris": (8181, 8182),
    "seaweedfs": (8333,),
    "cube": (4000,),
}
POSTGRES_CLIENTS = {"dagster-webserver", "dagster-daemon", "dagster-user-code"}
NOT_POSTGRES_CLIENTS = {"cube", "cube-refresh-worker", "seaweedfs", "polaris", "polaris-bootstrap"}
API_SERVER = "kubernetes.default.svc.cluster.local:443"


@dataclass(frozen=True)
class Installed:
    cluster: RealCluster
    namespace: str

    def kubectl(self, *args: str, timeout: float = 120) -> Any:
        return kubectl(self.cluster.kubeconfig, "-n", self.namespace, *args, timeout=timeout)

    def json(self, *args: str) -> dict[str, Any]:
        got = self.kubectl("get", *args, "-o", "json")
        assert got.returncode == 0, got.stderr
        data: dict[str, Any] = json.loads(got.stdout)
        return data


def _namespace(cluster: RealCluster, name: str) -> None:
    manifest = {"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": name, "labels": RESTRICTED}}  # fmt: skip
    made = kubectl(cluster.kubeconfig, "apply", "-f", "-", stdin=json.dumps(manifest))
    assert made.returncode == 0, made.stderr


def _helm_install(cluster: RealCluster, namespace: str) -> None:
    """``helm upgrade --install`` through the product's Helm engine, until it returns."""
    repository, tag = split_ref(cluster.platform)
    values = {"profile": "full", "dagster": {"image": {"repository": repository, "tag": tag}}}
    chart = REPO_ROOT / CHART_DIR
    helm = find_helm(cluster.kubeconfig)
    install = helm.upgrade_install(
        RELEASE, chart, namespace, [chart / name for name in VALUES], values
    )
    wait_for(install.done, timeout=INSTALL_TIMEOUT, interval=1, description="helm to return")
    install.result()  # raises when the install (or its bootstrap hook) failed


def _ready(installed: Installed) -> None:
    for kind in WORKLOADS:
        done = installed.kubectl(
            "rollout", "status", kind, "--timeout=300s", timeout=INSTALL_TIMEOUT
        )
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(full_profile: RealCluster) -> Iterator[Installed]:
    namespace = f"floe-test-full-{secrets.token_hex(3)}"
    _namespace(full_profile, namespace)
    try:
        _helm_install(full_profile, namespace)
        platform = Installed(full_profile, namespace)
        _ready(platform)
        yield platform
    finally:  # the namespace goes in the background: nothing after this test needs it gone
        kubectl(full_profile.kubeconfig, "delete", "namespace", namespace, "--wait=false")


def test_every_platform_pod_runs_a_local_image_admitted_as_restricted(installed: Installed) -> None:
    labels = installed.json("namespace", installed.namespace)["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    pods = installed.json("pods")["items"]
    names = {p["metadata"]["labels"].get("app.kubernetes.io/name") for p in pods}
    assert names >= {*SERVICES, "dagster-daemon", "cube-refresh-worker", "polaris-bootstrap"}
    local = installed.cluster.images()
    for pod in pods:
        for status in pod["status"].get("containerStatuses") or []:
            image = status["image"].removeprefix("docker.io/").removeprefix("library/")
            assert image in local, (pod["metadata"]["name"], status["image"])
            assert status["containerID"].startswith("containerd://")
    catalog = next(
        p for p in pods if p["metadata"]["labels"]["app.kubernetes.io/name"] == "polaris"
    )
    assert catalog["spec"]["containers"][0]["name"] == "iceberg-rest"


def test_helm_upgrade_reruns_the_bootstrap_which_changes_nothing(installed: Installed) -> None:
    first = installed.kubectl("logs", "job/polaris-bootstrap").stdout
    assert "catalog ready:" in first, first
    assert " 0 changed" not in first  # the install's run made the demo namespace
    _helm_install(installed.cluster, installed.namespace)  # an upgrade: the hook runs again
    _ready(installed)
    again = installed.kubectl("logs", "job/polaris-bootstrap").stdout
    assert "catalog ready:" in again, again
    assert " 0 changed" in again, again


def test_seed_flow_e2e_job_completes_and_fails_with_a_planted_failure(installed: Installed) -> None:
    cluster, namespace = installed.cluster, installed.namespace
    log = apply_and_follow(cluster, namespace, TIER, seed_job(namespace, cluster.runner, TIER))
    assert "floe-test: shard 0 done (pytest status 0" in log, log[-3000:]
    assert " failed" not in log.split("short test summary")[-1]
    assert "deselected 2 test(s): the catalog is Iceberg's REST catalog server" in log
    assert job_condition(cluster, namespace, TIER) == "Complete"
    red = seed_job(namespace, cluster.runner, TIER, PLANTED)
    log = apply_and_follow(cluster, namespace, TIER, red)
    assert "planted failure" in log
    assert "1 failed, 1 passed" in log
    assert job_condition(cluster, namespace, TIER) == "Failed"


@pytest.fixture(scope="module")
def outside(installed: Installed) -> Iterator[str]:
    """A TCP server in another namespace (no policies there): ``host:port``."""
    cluster = installed.cluster
    namespace = f"floe-test-outside-{secrets.token_hex(3)}"
    _namespace(cluster, namespace)  # deleted below, whatever happens next
    try:
        server = probe_pod(namespace, "server", cluster.runner, {"app": "outside"}, [])
        server["spec"]["containers"][0]["command"] = [
            "python", "-m", "http.server", "8080", "--directory", "/tmp",
            "--bind", "0.0.0.0",  # noqa: S104 - all of the pod's own addresses
        ]  # fmt: skip
        server["spec"]["containers"][0]["volumeMounts"] = [{"name": "tmp", "mountPath": "/tmp"}]
        server["spec"]["containers"][0]["readinessProbe"] = {
            "tcpSocket": {"port": 8080},
            "periodSeconds": 1,
        }
        server["spec"]["volumes"] = [{"name": "tmp", "emptyDir": {}}]
        service = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "server", "namespace": namespace},
            "spec": {"selector": {"app": "outside"}, "ports": [{"port": 8080}]},
        }
        for manifest in (server, service):
            made = kubectl(cluster.kubeconfig, "apply", "-f", "-", stdin=json.dumps(manifest))
            assert made.returncode == 0, made.stderr
        ready = kubectl(
            cluster.kubeconfig, "-n", namespace, "wait", "--for=condition=Ready", "pod/server",
            "--timeout=120s", timeout=150,
        )  # fmt: skip
        assert ready.returncode == 0, ready.stderr
        yield f"server.{namespace}.svc.cluster.local:8080"
    finally:  # the namespace goes in the background: nothing after this test needs it gone
        kubectl(cluster.kubeconfig, "delete", "namespace", namespace, "--wait=false")


def _service_targets(namespace: str) -> list[str]:
    return [
        f"{name}.{namespace}.svc.cluster.local:{port}"
        for name, ports in SERVICES.items()
        for port in ports
    ]


def _pod_ips(installed: Installed) -> dict[str, str]:
    """Each platform workload's pod IP (probes of platform identities target pods, not
    Services: a probe pod carrying a workload's labels would join its Service's endpoints)."""
    ips = {}
    for pod in installed.json("pods")["items"]:
        name = pod["metadata"]["labels"].get("app.kubernetes.io/name")
        if pod["status"].get("phase") == "Running" and pod["status"].get("podIP"):
            ips[name] = pod["status"]["podIP"]
    return ips


def _probe(installed: Installed, probes: dict[str, tuple[dict[str, str], list[str]]]) -> Any:
    """Start every probe, then read each one's result: ``{probe: {target: reached}}``."""
    image = installed.cluster.runner
    for name, (labels, targets) in probes.items():
        manifest = probe_pod(installed.namespace, name, image, labels, targets)
        made = kubectl(installed.cluster.kubeconfig, "apply", "-f", "-", stdin=json.dumps(manifest))
        assert made.returncode == 0, made.stderr
    return {
        name: reached(installed.cluster.kubeconfig, installed.namespace, name) for name in probes
    }


def test_network_policies_admit_the_runner_to_every_service_and_nothing_else_out(
    installed: Installed, outside: str
) -> None:
    runner = {"app.kubernetes.io/component": "test-runner"}
    contract = _service_targets(installed.namespace)
    control = _probe_outside(installed, outside)
    assert control == {outside: True, API_SERVER: True}  # both answer a pod without policies
    results = _probe(
        installed,
        {
            "probe-runner": (runner, [*contract, outside, API_SERVER]),
            "probe-stranger": ({"app": "stranger"}, [*contract, outside]),
        },
    )
    assert results["probe-runner"] == {
        **dict.fromkeys(contract, True),
        outside: False,
        API_SERVER: False,
    }
    assert results["probe-stranger"] == dict.fromkeys([*contract, outside], False)


def _probe_outside(installed: Installed, outside: str) -> dict[str, bool]:
    namespace = outside.split(".")[1]
    manifest = probe_pod(namespace, "control", installed.cluster.runner, {}, [outside, API_SERVER])
    made = kubectl(installed.cluster.kubeconfig, "apply", "-f", "-", stdin=json.dumps(manifest))
    assert made.returncode == 0, made.stderr
    return reached(installed.cluster.kubeconfig, namespace, "control")


def test_network_policies_between_platform_services(installed: Installed, outside: str) -> None:
    ips = _pod_ips(installed)
    postgres = f"{ips['postgresql']}:5432"
    s3 = f"{ips['seaweedfs']}:8333"
    catalog = f"{ips['polaris']}:8181"
    platform = {
        "app.kubernetes.io/part-of": "floe-platform",
        "app.kubernetes.io/instance": RELEASE,
    }
    identities = sorted(POSTGRES_CLIENTS | NOT_POSTGRES_CLIENTS)
    results = _probe(
        installed,
        {
            f"probe-as-{name}": (
                {**platform, "app.kubernetes.io/name": name},
                [postgres, s3, catalog, outside, API_SERVER],
            )
            for name in identities
        },
    )
    for name in identities:
        got = results[f"probe-as-{name}"]
        assert got[postgres] is (name in POSTGRES_CLIENTS), (name, got)
        assert got[outside] is False, (name, got)  # nothing leaves the namespace
        assert got[API_SERVER] is False, (name, got)
    assert results["probe-as-cube"][s3] is True  # Cube copies the mart from the S3 store
    assert results["probe-as-cube"][catalog] is False  # but has no business with the catalog
    assert results["probe-as-dagster-user-code"][catalog] is True  # the pipeline publishes
    assert results["probe-as-polaris"][s3] is True  # the catalog writes metadata files
    assert results["probe-as-dagster-webserver"][s3] is False
