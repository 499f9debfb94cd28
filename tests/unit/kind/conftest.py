"""Fixtures of the kind backend's unit tests: stand-in tools on PATH (no server runs here;
the emulator-backed scenarios are in tests/emulated/kind)."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[2]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from harness.standins import StandIns, install  # noqa: E402


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
