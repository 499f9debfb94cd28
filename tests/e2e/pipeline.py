"""Names and helpers of the e2e scenarios: the jobs, the asset, the table, run config."""

from __future__ import annotations

from dataclasses import dataclass

from pyiceberg.table import Table

from floe_testing.clients.dagster import DagsterClient, FinishedRun

PIPELINE_JOB = "demo_pipeline"  # ingest -> mart -> publish to floe_demo -> export for Cube
PUBLISH_JOB = "publish_mart"  # ingest -> mart -> publish to a namespace given in run config
PUBLISH_ASSET = "published_daily_revenue"
MART_TABLE = "daily_revenue_by_segment"
DEFAULT_NAMESPACE = "floe_demo"
RUN_ID_PROPERTY = "floe.dagster-run-id"
RUN_TIMEOUT = 300.0


def publish_config(namespace: str, *, fail_before_commit: bool = False) -> dict[str, object]:
    config = {"namespace": namespace, "fail_before_commit": fail_before_commit}
    return {"ops": {PUBLISH_ASSET: {"config": config}}}


def finish(client: DagsterClient, run_id: str) -> FinishedRun:
    return FinishedRun(run_id, client.wait_for_run(run_id, timeout=RUN_TIMEOUT))


@dataclass(frozen=True)
class Scenarios:
    """Runs into two namespaces of this session: ``a`` twice; ``b`` a failure, then a rerun."""

    namespace_a: str
    namespace_b: str
    a_first: FinishedRun
    a_second: FinishedRun
    b_failed: FinishedRun
    b_rerun: FinishedRun
    b_after_failure: Table | None
