"""Platform health after back-to-back pipeline runs: what each soak iteration re-checks.

``floe-test run staging --soak DURATION`` repeats the whole suite on one platform; this test
makes each iteration put the run queue and the daemons under repeated work.
"""

from __future__ import annotations

from typing import Any

import pytest

from floe_testing.clients.dagster import DagsterClient


@pytest.mark.requirement("FLOE-STG-003")
def test_back_to_back_runs_succeed_and_daemons_stay_healthy(
    dagster_client: DagsterClient, knobs: Any
) -> None:
    runs = int(knobs("SOAK_RUNS", 2))
    timeout = knobs("RUN_TIMEOUT", 900)
    run_ids = [dagster_client.launch_job(knobs.pipeline_job) for _ in range(runs)]
    statuses = [dagster_client.wait_for_run(run_id, timeout=timeout) for run_id in run_ids]
    assert statuses == ["SUCCESS"] * runs
    health = dagster_client.daemon_health()
    assert health
    assert all(health.values()), health
