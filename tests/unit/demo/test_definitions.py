"""The demo code location loads and its pipeline runs in-process against a DuckDB file."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from floe_demo import definitions


def test_definitions_load_with_both_jobs() -> None:
    repository = definitions.defs.get_repository_def()
    assert {job.name for job in repository.get_all_jobs()} >= {"demo_pipeline", "failure_canary"}


def test_pipeline_materializes_and_checks_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(definitions.DUCKDB_PATH_ENV, str(tmp_path / "demo.duckdb"))
    job = definitions.defs.resolve_job_def("demo_pipeline")
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral())
    assert result.success
    counts = {
        event.asset_key.to_user_string(): event.materialization.metadata["row_count"].value
        for event in result.get_asset_materialization_events()
    }
    assert counts == definitions.EXPECTED
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == 5
    assert all(evaluation.passed for evaluation in evaluations)


def test_failure_canary_fails_with_its_message() -> None:
    job = definitions.defs.resolve_job_def("failure_canary")
    result = job.execute_in_process(raise_on_error=False, instance=dg.DagsterInstance.ephemeral())
    assert not result.success
    failure = result.get_step_failure_events()[0]
    assert "deliberate failure" in str(failure.step_failure_data.error)
