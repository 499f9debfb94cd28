"""The staging tier proven on this machine: real `floe-test run staging --backend local`
runs (Dagster and DuckDB as processes) with a history, soaks, planted faults, the report.

Slow (minutes), so not in the default `uv run pytest` paths; `.ci/run` runs it as its own
stage: `uv run pytest tests/staging_selftest`.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.staging import Staging


@pytest.fixture
def staging(tmp_path: Path) -> Iterator[Staging]:
    run = Staging(tmp=tmp_path / "tmp", history=tmp_path / "history")
    run.tmp.mkdir()
    yield run
    leftovers = run.survivors()
    for pid in leftovers:
        with contextlib.suppress(psutil.Error):
            psutil.Process(pid).kill()
    assert leftovers == [], "a staging run left processes behind"
