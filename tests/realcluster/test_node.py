"""The node scripts/k8s-local brings up: the pinned release, and pod traffic kept on this machine.

A network namespace made here stands in for "an address that is not a pod": a pod's
connection to it must be dropped by the node's egress guard (FLOE-K8S-EGRESS), while this
host reaches it and the same pod image reaches the API server's Service.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from floe_testing.core.polling import wait_for, wait_for_tcp
from floe_testing.k8slocal.layout import Versions
from floe_testing.k8slocal.up import image_refs
from harness.realcluster import kubectl

NETNS, HOST_END, NS_END = "floe-egress-check", "floe-eg0", "floe-eg1"
HOST_IP, NS_IP, PORT = "10.199.0.1", "10.199.0.2", 8080


@pytest.fixture
def kubeconfig(real_cluster: Any) -> Path:
    return Path(real_cluster.kubeconfig)


def test_the_server_and_the_node_run_the_pinned_release(kubeconfig: Path) -> None:
    pinned = Versions.pinned().kubernetes
    version = json.loads(kubectl(kubeconfig, "version", "-o", "json").stdout)
    assert version["serverVersion"]["gitVersion"] == pinned
    node = json.loads(kubectl(kubeconfig, "get", "node", "floe-node", "-o", "json").stdout)
    assert node["status"]["nodeInfo"]["kubeletVersion"] == pinned
    assert node["status"]["nodeInfo"]["containerRuntimeVersion"].startswith("containerd://")
    ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
    assert ready[0]["status"] == "True"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@pytest.fixture
def outside_address() -> Iterator[str]:
    """HOST:PORT of an HTTP server in a network namespace of ours, routed from this host."""
    subprocess.run(["ip", "netns", "del", NETNS], capture_output=True, check=False)
    _ip("netns", "add", NETNS)
    server = None
    try:
        _ip("link", "add", HOST_END, "type", "veth", "peer", "name", NS_END)
        _ip("link", "set", NS_END, "netns", NETNS)
        _ip("addr", "add", f"{HOST_IP}/30", "dev", HOST_END)
        _ip("link", "set", HOST_END, "up")
        for step in (
            ("addr", "add", f"{NS_IP}/30", "dev", NS_END),
            ("link", "set", NS_END, "up"),
            ("link", "set", "lo", "up"),
            ("route", "add", "default", "via", HOST_IP),
        ):
            _ip("netns", "exec", NETNS, "ip", *step)
        server = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                NETNS,
                sys.executable,
                "-m",
                "http.server",
                str(PORT),
                "--bind",
                NS_IP,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_tcp(NS_IP, PORT, timeout=20)  # this host reaches it
        yield f"{NS_IP}:{PORT}"
    finally:
        if server is not None:
            server.kill()
            server.wait()
        subprocess.run(["ip", "link", "del", HOST_END], capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", NETNS], capture_output=True, check=False)


def _probe_pod(name: str, namespace: str, target: str) -> dict[str, Any]:
    restricted = {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 65532,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [
                {
                    "name": "probe",
                    "image": image_refs(Versions.pinned())["probe"],
                    "imagePullPolicy": "Never",
                    "args": ["connect", target],
                    "securityContext": restricted,
                    "resources": {"limits": {"memory": "32Mi"}},
                }
            ],
        },
    }


def _phase(kubeconfig: Path, namespace: str, name: str) -> str | None:
    phase = kubectl(
        kubeconfig, "-n", namespace, "get", "pod", name, "-o", "jsonpath={.status.phase}"
    ).stdout.strip()
    return phase if phase in ("Succeeded", "Failed") else None


def _finished(kubeconfig: Path, namespace: str, name: str) -> str:
    return wait_for(
        lambda: _phase(kubeconfig, namespace, name),
        timeout=60,
        description=f"probe pod {name} to finish",
    )


@pytest.fixture
def namespace(kubeconfig: Path) -> Iterator[str]:
    name = f"floe-k8s-local-egress-{uuid.uuid4().hex[:6]}"
    manifest = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {"pod-security.kubernetes.io/enforce": "restricted"}},
    }
    assert kubectl(kubeconfig, "create", "-f", "-", stdin=yaml.safe_dump(manifest)).returncode == 0
    yield name
    kubectl(kubeconfig, "delete", "namespace", name, "--wait=false")


def test_a_pod_reaches_services_but_nothing_off_the_pod_network(
    kubeconfig: Path, namespace: str, outside_address: str
) -> None:
    pods = {"inside": "kubernetes.default.svc.cluster.local:443", "outside": outside_address}
    for name, target in pods.items():
        created = kubectl(
            kubeconfig,
            "create",
            "-f",
            "-",
            stdin=yaml.safe_dump(_probe_pod(name, namespace, target)),
        )
        assert created.returncode == 0, created.stderr
    phases = {name: _finished(kubeconfig, namespace, name) for name in pods}
    logs = kubectl(kubeconfig, "-n", namespace, "logs", "outside").stdout
    assert phases == {"inside": "Succeeded", "outside": "Failed"}, logs
