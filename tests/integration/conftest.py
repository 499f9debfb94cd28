"""Integration suite fixtures: the runs the tests inspect (``dagster_client`` is the plugin's).

The suite reaches the platform only through the service contract (DAGSTER_HOST/PORT), so it
runs unchanged against the local backend and inside a test Job. Both runs are launched
once per session, together, so their queue and execution time overlap.
"""

from __future__ import annotations

import pytest

from floe_testing.clients.dagster import DagsterClient, FinishedRun

RUN_TIMEOUT = 180.0
PIPELINE_JOB = "demo_pipeline"
CANARY_JOB = "failure_canary"


@pytest.fixture(scope="session")
def launched_runs(dagster_client: DagsterClient) -> dict[str, str]:
    """Run ids of the pipeline and the failure canary, launched back to back."""
    return {job: dagster_client.launch_job(job) for job in (PIPELINE_JOB, CANARY_JOB)}


@pytest.fixture(scope="session")
def pipeline_run(dagster_client: DagsterClient, launched_runs: dict[str, str]) -> FinishedRun:
    run_id = launched_runs[PIPELINE_JOB]
    return FinishedRun(run_id, dagster_client.wait_for_run(run_id, timeout=RUN_TIMEOUT))


@pytest.fixture(scope="session")
def canary_run(dagster_client: DagsterClient, launched_runs: dict[str, str]) -> FinishedRun:
    run_id = launched_runs[CANARY_JOB]
    return FinishedRun(run_id, dagster_client.wait_for_run(run_id, timeout=RUN_TIMEOUT))
