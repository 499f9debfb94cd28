"""Fixtures of the kind backend's emulator scenarios: stand-in tools on PATH and the harness'
emulated API server (whose pods run as local processes)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[2]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from harness.kind_fixtures import standins, suite  # noqa: E402, F401


@pytest.fixture
def emulated(tmp_path: Path) -> Iterator[object]:
    """The harness' emulated API server, with the ``default`` ServiceAccount Kind would have."""
    import kmock

    from harness.cluster import EmulatedCluster

    with EmulatedCluster(tmp_path / "cluster") as cluster:
        assert cluster.api is not None
        cluster.call(
            cluster.api.put(
                kmock.resource("", "v1", "serviceaccounts"),
                {
                    "apiVersion": "v1",
                    "kind": "ServiceAccount",
                    "metadata": {"name": "default", "namespace": "default"},
                },
            )
        )
        yield cluster
        cluster.kill_all()
