"""``KindCluster.down``: only its own cluster, and kind's Docker network goes with the last
cluster (kind keeps it otherwise, and `cluster down` promises to leave nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from floe_testing.backends.kind.cluster import KindCluster
from floe_testing.core.errors import UsageError


@dataclass
class FakeKind:
    existing: list[str]
    deleted: list[str] = field(default_factory=list)

    def clusters(self) -> list[str]:
        return list(self.existing)

    def delete(self, name: str, kubeconfig: Path) -> None:
        self.existing.remove(name)
        self.deleted.append(name)


@dataclass
class FakeEngine:
    name: str = "docker"
    removed: list[str] = field(default_factory=list)

    def remove_network_if_unused(self, network: str) -> bool:
        self.removed.append(network)
        return True


def _cluster(tmp_path: Path, kind: FakeKind, engine: Any, owned: bool = True) -> KindCluster:
    cluster = KindCluster(kind, "floe-dev", tmp_path / "kind.yaml", tmp_path, engine=engine)  # type: ignore[arg-type]
    cluster.dir.mkdir(parents=True)
    if owned:
        cluster.marker.write_text("{}\n")
    return cluster


@pytest.mark.parametrize(("others", "network_removed"), [([], ["kind"]), (["someone-elses"], [])])
def test_the_last_cluster_takes_kinds_network_along(
    tmp_path: Path, others: list[str], network_removed: list[str]
) -> None:
    kind, engine = FakeKind(["floe-dev", *others]), FakeEngine()
    assert _cluster(tmp_path, kind, engine).down() is True
    assert kind.deleted == ["floe-dev"]
    assert engine.removed == network_removed


def test_the_network_name_follows_kinds_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIND_EXPERIMENTAL_DOCKER_NETWORK", "kind-ci")
    engine = FakeEngine()
    _cluster(tmp_path, FakeKind(["floe-dev"]), engine).down()
    assert engine.removed == ["kind-ci"]


def test_podman_networks_are_left_to_podman(tmp_path: Path) -> None:
    engine = FakeEngine(name="podman")
    _cluster(tmp_path, FakeKind(["floe-dev"]), engine).down()
    assert engine.removed == []


def test_a_foreign_cluster_and_its_network_stay_unless_forced(tmp_path: Path) -> None:
    kind, engine = FakeKind(["floe-dev"]), FakeEngine()
    cluster = _cluster(tmp_path, kind, engine, owned=False)
    with pytest.raises(UsageError, match="not created by floe-test"):
        cluster.down()
    assert (kind.deleted, engine.removed) == ([], [])
    assert cluster.down(force=True) is True
    assert engine.removed == ["kind"]
