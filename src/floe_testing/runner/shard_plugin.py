"""pytest plugin loaded by the in-pod runner (``-p floe_testing.runner.shard_plugin``).

Two jobs: keep only this shard's tests (after -k/-m deselection, so shards split what was
selected), and journal every test report to a JSON-lines file as it happens, flushed per
line, so the runner can still report partial results when pytest dies mid-run and writes no
JUnit. Configured by environment variables the runner sets (it is a separate process).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any

import pytest

from floe_testing.protocol.shards import load_durations, select

ENV_INDEX = "FLOE_SHARD_INDEX"
ENV_COUNT = "FLOE_SHARD_COUNT"
ENV_DURATIONS = "FLOE_SHARD_DURATIONS"
ENV_JOURNAL = "FLOE_SHARD_JOURNAL"
_MAX_TEXT = 20_000


class _Journal:
    def __init__(self, path: Path) -> None:
        self._file: IO[str] = path.open("a", encoding="utf-8", buffering=1)

    def write(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()


_journal: _Journal | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _journal
    path = os.environ.get(ENV_JOURNAL)
    if path:
        _journal = _Journal(Path(path))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    count = int(os.environ.get(ENV_COUNT, "1"))
    if count <= 1:
        return
    index = int(os.environ.get(ENV_INDEX, "0"))
    durations_path = os.environ.get(ENV_DURATIONS)
    durations = load_durations(Path(durations_path) if durations_path else None)
    keep = set(select([item.nodeid for item in items], index, count, durations))
    dropped = [item for item in items if item.nodeid not in keep]
    items[:] = [item for item in items if item.nodeid in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    if _journal is not None:
        _journal.write({"event": "start", "nodeid": nodeid})


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if _journal is None:
        return
    text = ""
    if report.failed or report.skipped:
        text = str(report.longreprtext)[-_MAX_TEXT:]
    _journal.write(
        {
            "event": "report",
            "nodeid": report.nodeid,
            "when": report.when,
            "outcome": report.outcome,
            "duration": report.duration,
            "text": text,
        }
    )
