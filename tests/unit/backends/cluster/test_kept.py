"""The cluster keeper's health: the namespace there and every workload the chart made back at
its replica count (a Deployment scaled to 0 is down, not "ready")."""

from __future__ import annotations

from typing import Any

import pytest

from floe_testing.backends.cluster import kept
from floe_testing.backends.cluster.kept import ClusterRecord, probe
from floe_testing.deploy import release
from floe_testing.deploy.readiness import Snapshot

RECORD = ClusterRecord(
    kubeconfig="/kc",
    context=None,
    server="https://127.0.0.1:6443",
    namespace="floe-test-platform-cluster-minimal",
    namespace_created=True,
    image="runner:1",
    workloads={"Deployment/web": 1, "StatefulSet/postgresql": 1},
)


class _Kube:
    def __init__(self, namespace: dict[str, Any] | None) -> None:
        self.namespace = namespace
        self.client = object()
        self.closed = False

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        return self.namespace

    def close(self) -> None:
        self.closed = True


def _workload(kind: str, name: str, replicas: int, ready: int) -> dict[str, Any]:
    return {
        "kind": kind,
        "metadata": {"name": name},
        "spec": {"replicas": replicas},
        "status": {"readyReplicas": ready},
    }


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    state: dict[str, Any] = {
        "namespace": {"status": {"phase": "Active"}},
        "workloads": [
            _workload("Deployment", "web", 1, 1),
            _workload("StatefulSet", "postgresql", 1, 1),
        ],
    }
    kubes: list[_Kube] = []

    def kube(_record: ClusterRecord) -> _Kube:
        kubes.append(_Kube(state["namespace"]))
        return kubes[-1]

    monkeypatch.setattr(ClusterRecord, "kube", kube)
    monkeypatch.setattr(release, "observe", lambda _c, _n: Snapshot([], state["workloads"]))
    state["kubes"] = kubes
    return state


def test_every_workload_at_its_count_is_healthy_and_the_client_is_closed(
    cluster: dict[str, Any],
) -> None:
    assert probe(RECORD).healthy
    assert all(k.closed for k in cluster["kubes"])


def test_a_deployment_scaled_to_zero_is_unhealthy(cluster: dict[str, Any]) -> None:
    cluster["workloads"][0] = _workload("Deployment", "web", 0, 0)
    health = probe(RECORD)
    assert not health.healthy
    assert health.detail == "Deployment/web has 0/1 ready"


def test_a_deleted_namespace_is_unhealthy(cluster: dict[str, Any]) -> None:
    cluster["namespace"] = None
    assert probe(RECORD).detail.endswith(f"{RECORD.namespace} on {RECORD.server} is gone")


def test_a_terminating_namespace_is_unhealthy(cluster: dict[str, Any]) -> None:
    cluster["namespace"] = {"status": {"phase": "Terminating"}}
    assert "is being deleted" in probe(RECORD).detail


def test_a_workload_gone_is_unhealthy(cluster: dict[str, Any]) -> None:
    cluster["workloads"].pop()
    assert probe(RECORD).detail.startswith("StatefulSet/postgresql is gone")


def test_the_record_round_trips_and_gives_runs_its_namespace_without_install() -> None:
    assert ClusterRecord.of(RECORD.details()) == RECORD
    options = kept.ClusterKeeper().run_options(RECORD.details(), None)
    assert options.namespace == RECORD.namespace
    assert options.install is False
    assert options.image == "runner:1"
    assert kept.ClusterKeeper().run_options(RECORD.details(), "runner:2").image == "runner:2"
