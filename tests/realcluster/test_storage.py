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


def _staging(namespace: str) -> list[dict[str, Any]]:
    """The chart as the staging tier installs it here (values-staging.yaml, then
    values-k8s-local.yaml; the full profile, staging's own)."""
    from floe_testing.deploy.chart.engine import render

    files = [Path("values-staging.yaml"), Path("values-k8s-local.yaml")]
    rendered = render(values_files=files, namespace=namespace)
    assert rendered.profile == "full"
    return rendered.manifests


def _claims(manifests: list[dict[str, Any]], namespace: str) -> list[dict[str, Any]]:
    """Every claim the chart makes: its PVCs, and those its StatefulSets' templates make for
    their first replica (``<template>-<statefulset>-0``, the name Kubernetes gives them)."""
    claims = [m for m in manifests if m["kind"] == "PersistentVolumeClaim"]
    for sts in (m for m in manifests if m["kind"] == "StatefulSet"):
        for template in sts["spec"].get("volumeClaimTemplates", []):
            name = f"{template['metadata']['name']}-{sts['metadata']['name']}-0"
            meta = {"name": name, "namespace": namespace}
            claims.append(
                {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": meta,
                    "spec": template["spec"],
                }
            )
    return claims


def test_every_claim_of_the_staging_values_binds(real_cluster: RealCluster, namespace: str) -> None:
    """The chart's claims as values-staging.yaml sizes them (the DuckDB file, PostgreSQL,
    SeaweedFS) bind on the default StorageClass once a pod mounts them."""
    kc = real_cluster.kubeconfig
    claims = _claims(_staging(namespace), namespace)
    assert {c["metadata"]["name"] for c in claims} == {
        "dagster-user-code-duckdb",
        "data-postgresql-0",
        "data-seaweedfs-0",
    }
    _apply(kc, *claims)
    consumer = _pod("consumer", namespace, real_cluster.runner, "print('mounted')")
    spec = consumer["spec"]
    spec["volumes"] = [
        {"name": f"v{i}", "persistentVolumeClaim": {"claimName": c["metadata"]["name"]}}
        for i, c in enumerate(claims)
    ]
    spec["containers"][0]["volumeMounts"] = [
        {"name": f"v{i}", "mountPath": f"/data/{i}"} for i in range(len(claims))
    ]
    _apply(kc, consumer)
    assert _finished(kc, namespace, "consumer") == "Succeeded"
    for claim in claims:
        found = _get(kc, namespace, f"pvc/{claim['metadata']['name']}")
        assert found is not None
        assert found["status"]["phase"] == "Bound", found["status"]
        wanted = claim["spec"]["resources"]["requests"]["storage"]
        assert found["status"]["capacity"]["storage"] == wanted


def _psql(kc: Path, namespace: str, sql: str) -> str:
    command = f'psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAc "{sql}"'
    done = kubectl(kc, "-n", namespace, "exec", "postgresql-0", "--", "sh", "-c", command)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _ready(kc: Path, namespace: str, uid: str | None = None) -> str:
    """postgresql-0 Ready (a different pod than ``uid``): its uid."""

    def ready() -> str | None:
        pod = _get(kc, namespace, "pod/postgresql-0")
        if pod is None or pod["metadata"]["uid"] == uid:
            return None
        conditions = pod.get("status", {}).get("conditions", [])
        ok = any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
        return str(pod["metadata"]["uid"]) if ok else None

    return wait_for(ready, timeout=240, interval=1.0, description="postgresql-0 to be Ready")


def test_the_staging_postgresql_keeps_its_data_when_its_pod_is_deleted(
    real_cluster: RealCluster, namespace: str
) -> None:
    """Only what PostgreSQL needs from the staging render (its ServiceAccount, Secret, Service
    and StatefulSet), from the locally built image: a row written, the pod deleted, the
    StatefulSet's new pod on the same claim still has the row."""
    kc = real_cluster.kubeconfig
    manifests = _staging(namespace)
    wanted = {
        ("ServiceAccount", "floe-platform"),
        ("Secret", "postgresql-credentials"),
        ("Service", "postgresql"),
        ("StatefulSet", "postgresql"),
    }
    picked = [m for m in manifests if (m["kind"], m["metadata"]["name"]) in wanted]
    assert {(m["kind"], m["metadata"]["name"]) for m in picked} == wanted
    _apply(kc, *picked)
    first = _ready(kc, namespace)
    token = secrets.token_hex(8)
    insert = f"CREATE TABLE proof (token text); INSERT INTO proof VALUES ('{token}')"  # noqa: S608 - hex
    _psql(kc, namespace, insert)

    done = kubectl(kc, "-n", namespace, "delete", "pod", "postgresql-0", "--wait=true")
    assert done.returncode == 0, done.stderr
    _ready(kc, namespace, uid=first)
    assert _psql(kc, namespace, "SELECT token FROM proof") == token
