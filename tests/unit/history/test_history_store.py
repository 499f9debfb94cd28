"""The history file: append-only JSON Lines, safe with concurrent writers, read by DuckDB."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

from floe_testing.history.baseline import baseline
from floe_testing.history.store import History

WRITER = """
import sys
from pathlib import Path
from floe_testing.history.store import History
history = History(Path(sys.argv[1]))
for i in range(int(sys.argv[3])):
    history.append({"record_id": f"w{sys.argv[2]}-{i}", "kind": "run", "payload": "x" * 3000})
"""


def test_two_concurrent_appenders_never_interleave(tmp_path: Path) -> None:
    """Records larger than a pipe buffer (3 kB), 2 x 150 at once: every line stays whole."""
    count = 150
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(w), str(count)])
        for w in (1, 2)
    ]
    assert [process.wait(timeout=120) for process in writers] == [0, 0]
    lines = (tmp_path / "runs.jsonl").read_text().splitlines()
    assert len(lines) == 2 * count
    records = History(tmp_path).records()
    assert len({r["record_id"] for r in records}) == 2 * count


def test_duckdb_reads_the_history(tmp_path: Path) -> None:
    history = History(tmp_path)
    history.append(
        {"record_id": "a", "kind": "run", "exit_code": 0, "phases": {"run tests": 1.5},
         "tests": [{"name": "t", "outcome": "passed", "seconds": 0.1}]}
    )  # fmt: skip
    history.append(
        {"record_id": "b", "kind": "run", "exit_code": 1, "phases": {"run tests": 2.5},
         "tests": []}
    )  # fmt: skip
    rows = duckdb.sql(
        f"SELECT record_id, exit_code FROM read_json('{history.path}') ORDER BY record_id"  # noqa: S608
    ).fetchall()
    assert rows == [("a", 0), ("b", 1)]


def test_a_torn_line_is_skipped_and_merge_dedupes(tmp_path: Path) -> None:
    history = History(tmp_path)
    history.append({"record_id": "a"})
    with history.path.open("a") as handle:
        handle.write('{"record_id": "tor')
        handle.write("\n")
    assert [r["record_id"] for r in history.records()] == ["a"]
    assert history.merge([{"record_id": "a"}, {"record_id": "b"}, {"record_id": "b"}]) == 1
    assert [r["record_id"] for r in history.records()] == ["a", "b"]


def _run(i: int, seconds: float, *, exit_code: int = 0, scale: int = 1, backend: str = "local"):  # type: ignore[no-untyped-def]
    return {
        "record_id": f"r{i}", "kind": "run", "tier": "staging", "backend": backend,
        "scale": scale, "exit_code": exit_code, "started_at": f"2026-12-01T00:{i:02d}:00",
        "metrics": {"pipeline_seconds": seconds},
    }  # fmt: skip


def test_baseline_is_the_median_of_the_last_green_comparable_runs() -> None:
    records = [_run(i, float(i)) for i in range(1, 9)]  # 1..8 s
    records += [_run(20, 100.0, exit_code=1), _run(21, 100.0, scale=10)]
    records += [_run(22, 100.0, backend="cluster")]
    values = baseline(records, tier="staging", backend="local", scale=1, k=5)
    assert values == {"pipeline_seconds": 6.0}  # median of 4..8
    assert baseline(records, tier="staging", backend="kind", scale=1) == {}
