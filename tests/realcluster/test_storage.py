"""scripts/k8s-local's storage add-on for real: a claim of the default StorageClass binds once
a pod needs it, what one pod wrote is there for the next pod after the first is gone, and
deleting the claim removes the volume and its directory on the node (reclaim policy Delete).
The pods run under the restricted Pod Security level, as the platform's pods do."""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from floe_testing.core.polling import wait_for
from floe_testing.k8slocal import storage
from harness.realcluster import RealCluster, kubectl

PREFIX = "floe-test-storage-"


def _apply(kubeconfig: Path, *manifests: dict[str, Any]) -> None:
    done = kubectl(kubeconfig, "apply", "-f", "-", stdin=yaml.safe_dump_all(manifests))
    assert done.returncode == 0, done.stderr


def _get(kubeconfig: Path, namespace: str, what: str) -> dict[str, Any] | None:
    done = kubectl(kubeconfig, "-n", namespace, "get", what, "-o", "json")
    return json.loads(done.stdout) if done.returncode == 0 else None


def _pod(name: str, namespace: str, image: str, script: str) -> dict[str, Any]:
    """A restricted one-shot pod with the claim ``data`` at /data, running ``script``."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "terminationGracePeriodSeconds": 1,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 10001,
                "runAsGroup": 10001,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [
                {
                    "name": "main",
                    "image": image,
                    "imagePullPolicy": "Never",
                    "command": ["python", "-c", script],
                    "securityContext": {
                        "allowPrivilegeEscalation": False,
                        "readOnlyRootFilesystem": True,
                        "capabilities": {"drop": ["ALL"]},
                    },
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                }
            ],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
        },
    }


def _finished(kubeconfig: Path, namespace: str, pod: str) -> str:
    def phase() -> str | None:
        found = _get(kubeconfig, namespace, f"pod/{pod}")
        value = (found or {}).get("status", {}).get("phase")
        return value if value in ("Succeeded", "Failed") else None

    return wait_for(phase, timeout=180, interval=0.5, description=f"pod {pod} to finish")


@pytest.fixture
def namespace(real_cluster: RealCluster) -> Iterator[str]:
    name = PREFIX + secrets.token_hex(3)
    labels = {"pod-security.kubernetes.io/enforce": "restricted"}
    _apply(
        real_cluster.kubeconfig,
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}},
    )
    yield name
    kubectl(real_cluster.kubeconfig, "delete", "namespace", name, "--wait=false")


def test_data_outlives_the_pod_that_wrote_it_and_goes_with_its_claim(
    real_cluster: RealCluster, namespace: str
) -> None:
    kc, token = real_cluster.kubeconfig, secrets.token_hex(8)
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": namespace},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "16Mi"}}},
    }
    _apply(kc, claim)
    pending = _get(kc, namespace, "pvc/data")
    assert pending is not None
    assert pending["status"]["phase"] == "Pending"  # WaitForFirstConsumer: no pod yet

    write = f"import os; os.makedirs('/data/sub'); open('/data/sub/proof', 'w').write({token!r})"
    _apply(kc, _pod("writer", namespace, real_cluster.runner, write))
    assert _finished(kc, namespace, "writer") == "Succeeded"
    bound = _get(kc, namespace, "pvc/data")
    assert bound is not None
    assert bound["status"]["phase"] == "Bound"
    assert bound["spec"]["storageClassName"] == storage.STORAGE_CLASS  # the default class
    volume = bound["spec"]["volumeName"]
    pv = json.loads(kubectl(kc, "get", "pv", volume, "-o", "json").stdout)
    directory = Path(pv["spec"]["hostPath"]["path"])
    assert directory.parent == storage.volume_root(kc.parent)  # in the cluster's state
    assert (directory / "sub" / "proof").read_text() == token  # on the node's disk

    done = kubectl(kc, "-n", namespace, "delete", "pod", "writer", "--wait=true")
    assert done.returncode == 0, done.stderr
    read = "print(open('/data/sub/proof').read())"
    _apply(kc, _pod("reader", namespace, real_cluster.runner, read))
    assert _finished(kc, namespace, "reader") == "Succeeded"
    logs = kubectl(kc, "-n", namespace, "logs", "reader")
    assert logs.stdout.strip() == token

    kubectl(kc, "-n", namespace, "delete", "pod", "reader", "--wait=true")
    kubectl(kc, "-n", namespace, "delete", "pvc", "data", "--wait=true")
    # the provisioner's helper pod removes the directory, files of uid 10001 included
    wait_for(
        lambda: not directory.exists() and kubectl(kc, "get", "pv", volume).returncode != 0,
        timeout=120,
        interval=0.5,
        description=f"volume {volume} and {directory} to be removed",
    )
