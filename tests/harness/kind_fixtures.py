"""Fixtures shared by the kind backend's unit tests and its emulator scenarios: stand-in
tools on PATH and a one-test suite. Each conftest imports them by name."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.standins import StandIns, install


@pytest.fixture
def standins(tmp_path: Path) -> StandIns:
    return install(tmp_path / "standins")


@pytest.fixture
def suite() -> Iterator[Path]:
    """A one-test suite outside /tmp: the harness maps the Job's /tmp emptyDir per pod."""
    base = Path("/var/tmp") if Path("/var/tmp").is_dir() else Path.home()
    with tempfile.TemporaryDirectory(prefix="floe-kind-suite-", dir=base) as folder:
        (Path(folder) / "test_tiny.py").write_text("def test_one():\n    assert 1 + 1 == 2\n")
        yield Path(folder)
