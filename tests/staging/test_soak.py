"""Soak: the demo pipeline run back to back stays green and the platform stays healthy."""

from __future__ import annotations

import time
from typing import Any

import pytest

from floe_testing.clients.dagster import DagsterClient


@pytest.mark.requirement("FLOE-STG-003")
def test_repeated_pipeline_runs_all_succeed(dagster_client: DagsterClient, knobs: Any) -> None:
    runs = int(knobs("SOAK_RUNS", 5))
    timeout = knobs("RUN_TIMEOUT", 300)
    statuses = []
    for _ in range(runs):
        run_id = dagster_client.launch_job(knobs.pipeline_job)
        statuses.append(dagster_client.wait_for_run(run_id, timeout=timeout))
    assert statuses == ["SUCCESS"] * runs
    # after the soak every required daemon still reports healthy
    health = dagster_client.daemon_health()
    assert health
    assert all(health.values()), health


@pytest.mark.requirement("FLOE-STG-004")
def test_run_duration_does_not_degrade(dagster_client: DagsterClient, knobs: Any) -> None:
    """The last of N runs takes at most DEGRADATION x the first (leaks, queue build-up)."""
    runs = max(2, int(knobs("SOAK_RUNS", 5)))
    limit = knobs("DEGRADATION", 2.0)
    durations = []
    for _ in range(runs):
        start = time.monotonic()
        run_id = dagster_client.launch_job(knobs.pipeline_job)
        assert dagster_client.wait_for_run(run_id, timeout=knobs("RUN_TIMEOUT", 300)) == "SUCCESS"
        durations.append(time.monotonic() - start)
    assert durations[-1] <= limit * durations[0] + 5.0, durations
