"""Fixtures for the emulator scenarios: an emulated cluster and generated suites."""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from harness.cluster import EmulatedCluster


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[EmulatedCluster]:
    with EmulatedCluster(tmp_path / "cluster") as emulated:
        yield emulated
        emulated.kill_all()


@pytest.fixture
def suite_dir() -> Iterator[Path]:
    """Generated suites live outside /tmp: /tmp is an emptyDir mount path inside the pods."""
    path = Path(tempfile.mkdtemp(prefix="floe-suite-", dir="/var/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)
