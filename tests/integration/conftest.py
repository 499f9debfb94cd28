"""Integration suite fixtures: one Dagster client and the runs the tests inspect.

The suite reaches the platform only through the service contract (DAGSTER_HOST/PORT), so it
runs unchanged against the local backend and inside a test Job. Both runs are launched
once per session, together, so their queue and execution time overlap.
"""

from __future__ import annotations

from collections.abc import Iterator
import pytest

from floe_testing.clients.dagster import DagsterClient, FinishedRun
from floe_testing.endpoints import resolve

RUN_TIMEOUT = 180.0
PIPELINE_JOB = "demo_pipeline"
CANARY_JOB = "failure_canary"


@pytest.fixture(scope="session")
def dagster() -> Iterator[DagsterClient]:
    with DagsterClient(resolve("dagster").url) as client:
        yield client


@pytest.fixture(scope="session")
def launched_runs(dagster: DagsterClient) -> dict[str, str]:
    """Run ids of the pipeline and the failure canary, launched back to back."""
    return {job: dagster.launch_job(job) for job in (PIPELINE_JOB, CANARY_JOB)}


@pytest.fixture(scope="session")
def pipeline_run(dagster: DagsterClient, launched_runs: dict[str, str]) -> FinishedRun:
    run_id = launched_runs[PIPELINE_JOB]
    return FinishedRun(run_id, dagster.wait_for_run(run_id, timeout=RUN_TIMEOUT))


@pytest.fixture(scope="session")
def canary_run(dagster: DagsterClient, launched_runs: dict[str, str]) -> FinishedRun:
    run_id = launched_runs[CANARY_JOB]
    return FinishedRun(run_id, dagster.wait_for_run(run_id, timeout=RUN_TIMEOUT))


def pytest_configure(config: pytest.Config) -> None:
    # until the floe_testing pytest plugin registers it
    config.addinivalue_line("markers", "requirement(*ids): requirement IDs this test verifies")
