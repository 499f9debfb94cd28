"""Performance budgets of the staging platform (defaults sized for the chart's staging values)."""

from __future__ import annotations

import statistics
import time
from typing import Any

import pytest

from floe_testing.clients.dagster import DagsterClient


@pytest.mark.requirement("FLOE-STG-001")
def test_graphql_latency_p95_within_budget(dagster_client: DagsterClient, knobs: Any) -> None:
    samples = []
    for _ in range(int(knobs("LATENCY_SAMPLES", 50))):
        start = time.perf_counter()
        dagster_client.server_info()
        samples.append(time.perf_counter() - start)
    p95 = statistics.quantiles(samples, n=20)[-1]
    assert p95 <= knobs("P95_SECONDS", 0.5), f"p95 {p95:.3f}s over {len(samples)} requests"


@pytest.mark.requirement("FLOE-STG-002")
def test_pipeline_run_within_budget(dagster_client: DagsterClient, knobs: Any) -> None:
    start = time.monotonic()
    run_id = dagster_client.launch_job(knobs.pipeline_job)
    status = dagster_client.wait_for_run(run_id, timeout=knobs("RUN_TIMEOUT", 300))
    elapsed = time.monotonic() - start
    assert status == "SUCCESS"
    assert elapsed <= knobs("RUN_BUDGET_SECONDS", 120), f"run took {elapsed:.1f}s"
