"""What a user feels, against the baseline in the history: the pipeline's wall time and
throughput at the tier's scale, GraphQL latency while several clients use the API, and (on
the full profile) Cube query latency over the mart that pipeline run published.

The measurements go into the JUnit (and so the history) as ``floe_metric.*`` properties;
a value worse than the baseline by more than the tolerance fails with both numbers.
"""

from __future__ import annotations

import os
import socket
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from floe_demo.data import expected_row_counts
from floe_testing.clients.dagster import DagsterClient
from floe_testing.config.endpoints import resolve
from floe_testing.pytest_plugin.cube import API_SECRET_ENV, CubeClient
from floe_testing.staging import perf

# slack: changes smaller than these are scheduling noise, not something a user feels
PIPELINE_SECONDS = perf.Metric("pipeline_seconds", "s", slack=2.0)
ROWS_PER_SECOND = perf.Metric("rows_per_second", "rows/s", higher_is_better=True)
P50 = perf.Metric("graphql_p50_seconds", "s", slack=0.025)
P95 = perf.Metric("graphql_p95_seconds", "s", slack=0.05)
CUBE_P50 = perf.Metric("cube_query_p50_seconds", "s", slack=0.05)
CUBE_P95 = perf.Metric("cube_query_p95_seconds", "s", slack=0.1)
# what a dashboard asks of the mart: revenue per customer segment
CUBE_QUERY = {"measures": ["revenue.total"], "dimensions": ["revenue.segment"]}
Recorder = Callable[[str, object], None]
PUBLISHED, CUBE_EXPORT = "published_daily_revenue", "cube_mart_export"  # full profile only


def _expected_rows(scale: int, *, full: bool) -> dict[str, int]:
    """The generator's row counts; on the full profile the pipeline also publishes the mart
    to the catalog and exports it for Cube, each with the mart's rows."""
    expected = expected_row_counts(scale=scale)
    if full:
        mart = expected["daily_revenue_by_segment"]
        expected |= {PUBLISHED: mart, CUBE_EXPORT: mart}
    return expected


@pytest.fixture(scope="session")
def run_at_scale(dagster_client: DagsterClient, knobs: Any) -> tuple[str, str, float]:
    """One pipeline run at the tier's scale (run id, status, seconds), shared by the tests
    that measure it and the one that queries what it published."""
    config = {"resources": {"demo_data": {"config": {"scale": knobs.scale}}}}
    start = time.perf_counter()
    run_id = dagster_client.launch_job(knobs.pipeline_job, run_config=config)
    status = dagster_client.wait_for_run(run_id, timeout=knobs("RUN_TIMEOUT", 900))
    return run_id, status, time.perf_counter() - start


@pytest.mark.requirement("FLOE-STG-002", "FLOE-STG-004")
def test_pipeline_at_scale(
    dagster_client: DagsterClient,
    knobs: Any,
    record_property: Recorder,
    run_at_scale: tuple[str, str, float],
) -> None:
    run_id, status, seconds = run_at_scale
    assert status == "SUCCESS", dagster_client.run_failure_messages(run_id)
    reported = {
        asset: int(meta["row_count"])
        for asset, meta in dagster_client.materializations(run_id).items()
    }
    assert reported == _expected_rows(knobs.scale, full=PUBLISHED in reported)
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
    _record_percentiles(record_property, samples, P50, P95)


def _record_percentiles(
    record: Recorder, samples: list[float], p50: perf.Metric, p95: perf.Metric
) -> None:
    """Record p50 and p95 of ``samples`` and compare them with the baseline."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    problems = [
        perf.record_and_compare(record, p50, cuts[49]),
        perf.record_and_compare(record, p95, cuts[94]),
    ]
    assert not any(problems), "; ".join(p for p in problems if p)


def _cube_deployed() -> bool:
    """Cube is part of this platform: its API secret is set and its host resolves (a
    minimal platform given the full profile's Secrets has no Cube Service)."""
    if not os.environ.get(API_SECRET_ENV):
        return False
    try:
        socket.getaddrinfo(os.environ.get("CUBE_HOST", "127.0.0.1"), None)
    except OSError:
        return False
    return True


def _cube_latencies(client: CubeClient, requests: int) -> list[float]:
    samples = []
    for _ in range(requests):
        start = time.perf_counter()
        assert client.load(CUBE_QUERY)
        samples.append(time.perf_counter() - start)
    return samples


@pytest.mark.requirement("FLOE-STG-005")
@pytest.mark.skipif(
    not _cube_deployed(),
    reason=f"no Cube in this profile ({API_SECRET_ENV} unset, or no Service behind CUBE_HOST)",
)
def test_cube_query_latency_under_concurrent_clients(
    cube_client: CubeClient,
    knobs: Any,
    record_property: Recorder,
    run_at_scale: tuple[str, str, float],
) -> None:
    assert run_at_scale[1] == "SUCCESS", f"run {run_at_scale[0]}: nothing published to query"
    clients, requests = int(knobs("CUBE_CLIENTS", 4)), int(knobs("CUBE_REQUESTS", 10))
    secret = os.environ[API_SECRET_ENV]

    def one_client(_: int) -> list[float]:
        with CubeClient(cube_client.base_url, secret) as client:
            return _cube_latencies(client, requests)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        samples = [s for run in pool.map(one_client, range(clients)) for s in run]
    assert len(samples) == clients * requests
    _record_percentiles(record_property, samples, CUBE_P50, CUBE_P95)
