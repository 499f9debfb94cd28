"""Soaks for a duration (steady: exit 0; planted leak: exit 1 naming the drift), a planted
performance regression against a recorded baseline, and an all-skipped run (exit 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.staging import QUICK, Staging

PERFORMANCE = "tests/staging/test_performance.py"


def _records(history: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in (history / "runs.jsonl").read_text().splitlines()]


@pytest.mark.requirement("FLOE-STG-003")
def test_soak_for_two_minutes_records_every_iteration(staging: Staging, tmp_path: Path) -> None:
    result = staging.run(
        "--soak", "2m", "--history", str(staging.history),
        "--results-dir", str(tmp_path / "results"), *QUICK,
    )  # fmt: skip
    assert result.code == 0, result.output[-3000:]
    records = _records(staging.history)
    iterations = [r for r in records if r["kind"] == "soak-iteration"]
    assert len(iterations) >= 3
    assert [r["iteration"] for r in iterations] == list(range(1, len(iterations) + 1))
    for record in iterations:
        assert {"dagster-webserver", "dagster-daemon", "dagster-user-code"} <= set(
            record["resources"]
        )
        assert all(v["rss_bytes"] > 10 * 2**20 for v in record["resources"].values())
    (run,) = [r for r in records if r["kind"] == "run"]
    assert run["drift"] == []
    assert f"soak: {len(iterations)} iterations, no drift" in result.output
    assert (tmp_path / "results" / "staging" / "iterations" / "001-junit.xml").is_file()


@pytest.mark.requirement("FLOE-STG-003")
def test_planted_leak_fails_the_soak_naming_the_drift(staging: Staging, tmp_path: Path) -> None:
    result = staging.run(
        "--soak", "100s", "--history", str(staging.history), "--suite", PERFORMANCE,
        "--results-dir", str(tmp_path / "results"), *QUICK,
        env={"FLOE_DEMO_LEAK_MB": "48"},
    )  # fmt: skip
    assert result.code == 1, result.output[-3000:]
    assert "memory drift: dagster-user-code" in result.output
    (run,) = [r for r in _records(staging.history) if r["kind"] == "run"]
    assert any("dagster-user-code" in finding for finding in run["drift"])
    assert run["exit_code"] == 1


@pytest.mark.requirement("FLOE-STG-002")
def test_planted_regression_against_a_recorded_baseline(staging: Staging, tmp_path: Path) -> None:
    staging.history.mkdir()
    planted = {
        "record_id": "planted-baseline", "kind": "run", "tier": "staging", "backend": "local",
        "scale": 1, "exit_code": 0, "started_at": "2026-01-01T00:00:00+00:00",
        "metrics": {"pipeline_seconds": 0.05, "rows_per_second": 5_000_000.0},
    }  # fmt: skip
    (staging.history / "runs.jsonl").write_text(json.dumps(planted) + "\n")
    result = staging.run(
        "--history", str(staging.history), "--suite", PERFORMANCE, *QUICK,
        "--results-dir", str(tmp_path / "results"), "--", "-k", "pipeline_at_scale",
    )  # fmt: skip
    assert result.code == 1, result.output[-3000:]
    assert "performance regression: pipeline_seconds = " in result.output
    assert "baseline 0.05 s" in result.output
    assert "baseline 5e+06 rows/s" in result.output
    latest = _records(staging.history)[-1]
    assert latest["baseline"]["pipeline_seconds"] == 0.05
    assert latest["metrics"]["pipeline_seconds"] > 0.05


ALL_SKIPPED = """
import pytest


@pytest.mark.skip(reason="planted: needs the full profile")
def test_one():
    pass


@pytest.mark.skip(reason="planted: needs the full profile")
def test_two():
    pass
"""


@pytest.mark.requirement("FLOE-STG-003")
def test_an_all_skipped_run_exits_3_naming_why(staging: Staging, tmp_path: Path) -> None:
    suite = tmp_path / "skipped"
    suite.mkdir()
    (suite / "test_skipped.py").write_text(ALL_SKIPPED)
    result = staging.run("--suite", str(suite), "--results-dir", str(tmp_path / "results"))
    assert result.code == 3, result.output[-3000:]
    assert "every test was skipped" in result.output
    assert "planted: needs the full profile (2x)" in result.output
