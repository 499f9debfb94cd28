"""A soak on the cluster backend: one platform, a fresh Job per iteration, the failure budget."""

from __future__ import annotations

import json
from pathlib import Path

from harness.cli import assert_nothing_left, run_cli, write_suite
from harness.cluster import EmulatedCluster

FAILING = "def test_ok():\n    assert True\n\n\ndef test_fails():\n    assert 1 == 2, 'planted'\n"


def test_soak_submits_a_job_per_iteration_until_the_budget_is_spent(
    cluster: EmulatedCluster, suite_dir: Path, tmp_path: Path
) -> None:
    suite = write_suite(suite_dir, {"test_a.py": FAILING})
    history = tmp_path / "history"
    run = run_cli(
        cluster, suite, tmp_path / "results", "--soak", "10m", "--max-failures", "1",
        "--history", str(history),
    )  # fmt: skip
    assert run.exit_code == 1, run.stderr
    output = "\n".join(run.stdout) + run.stderr
    assert "failure budget spent: 2 failed iterations (--max-failures 1)" in output
    records = [json.loads(line) for line in (history / "runs.jsonl").read_text().splitlines()]
    iterations = [r for r in records if r["kind"] == "soak-iteration"]
    assert [r["iteration"] for r in iterations] == [1, 2]
    assert all(r["backend"] == "cluster" and r["exit_code"] == 1 for r in iterations)
    (whole,) = [r for r in records if r["kind"] == "run"]
    assert whole["totals"]["tests"] == 4  # both iterations' JUnit merged
    parts = sorted(p.name for p in (tmp_path / "results" / "integration" / "iterations").iterdir())
    assert parts == ["001-junit.xml", "002-junit.xml"]
    assert_nothing_left(cluster)
