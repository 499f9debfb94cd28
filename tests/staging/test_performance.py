"""What a user feels, against the baseline in the history: the pipeline's wall time and
throughput at the tier's scale, and GraphQL latency while several clients use the API.

The measurements go into the JUnit (and so the history) as ``floe_metric.*`` properties;
a value worse than the baseline by more than the tolerance fails with both numbers.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from floe_demo.data import expected_row_counts
from floe_testing.clients.dagster import DagsterClient
from floe_testing.config.endpoints import resolve
from floe_testing.staging import perf

# slack: changes smaller than these are scheduling noise, not something a user feels
PIPELINE_SECONDS = perf.Metric("pipeline_seconds", "s", slack=2.0)
ROWS_PER_SECOND = perf.Metric("rows_per_second", "rows/s", higher_is_better=True)
P50 = perf.Metric("graphql_p50_seconds", "s", slack=0.025)
P95 = perf.Metric("graphql_p95_seconds", "s", slack=0.05)
Recorder = Callable[[str, object], None]


def _launch_at_scale(client: DagsterClient, knobs: Any) -> tuple[str, str, float]:
    config = {"resources": {"demo_data": {"config": {"scale": knobs.scale}}}}
    start = time.perf_counter()
    run_id = client.launch_job(knobs.pipeline_job, run_config=config)
    status = client.wait_for_run(run_id, timeout=knobs("RUN_TIMEOUT", 900))
    return run_id, status, time.perf_counter() - start


@pytest.mark.requirement("FLOE-STG-002", "FLOE-STG-004")
def test_pipeline_at_scale(
    dagster_client: DagsterClient, knobs: Any, record_property: Recorder
) -> None:
    run_id, status, seconds = _launch_at_scale(dagster_client, knobs)
    assert status == "SUCCESS", dagster_client.run_failure_messages(run_id)
    reported = {
        asset: int(meta["row_count"])
        for asset, meta in dagster_client.materializations(run_id).items()
    }
    assert reported == expected_row_counts(scale=knobs.scale)
    checks = dagster_client.asset_check_results(run_id)
    assert checks
    assert all(check.passed for check in checks), [c for c in checks if not c.passed]
    loaded = reported["raw_orders"] + reported["raw_customers"]
    problems = [
        perf.record_and_compare(record_property, PIPELINE_SECONDS, seconds),
        perf.record_and_compare(record_property, ROWS_PER_SECOND, loaded / seconds),
    ]
    assert not any(problems), "; ".join(p for p in problems if p)


def _client_latencies(url: str, requests: int) -> list[float]:
    samples = []
    with DagsterClient(url, timeout=30) as client:
        for _ in range(requests):
            start = time.perf_counter()
            assert client.locations()
            samples.append(time.perf_counter() - start)
    return samples


@pytest.mark.requirement("FLOE-STG-001")
def test_graphql_latency_under_concurrent_clients(knobs: Any, record_property: Recorder) -> None:
    clients, requests = int(knobs("CLIENTS", 8)), int(knobs("REQUESTS", 20))
    url = resolve("dagster").url
    with ThreadPoolExecutor(max_workers=clients) as pool:
        runs = list(pool.map(lambda _: _client_latencies(url, requests), range(clients)))
    samples = [s for run in runs for s in run]
    assert len(samples) == clients * requests
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    problems = [
        perf.record_and_compare(record_property, P50, cuts[49]),
        perf.record_and_compare(record_property, P95, cuts[94]),
    ]
    assert not any(problems), "; ".join(p for p in problems if p)
