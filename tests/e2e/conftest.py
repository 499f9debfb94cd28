"""E2E suite fixtures: one demo pipeline run on the full profile, and the mart it builds.

The suite reaches every service through the plugin's fixtures (``dagster_client``,
``polaris_catalog``, ``cube_client``), which resolve addresses from the service contract: the
same code runs in the e2e test Job (cluster DNS names) and on a host with the variables
exported. The pipeline is launched once per session; its run is shared by the tests.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from floe_demo import data, transforms
from floe_testing.clients.dagster import DagsterClient, FinishedRun

PIPELINE_JOB = "demo_pipeline"
RUN_TIMEOUT = 300.0
MART = "daily_revenue_by_segment"


@pytest.fixture(scope="session")
def pipeline_run(dagster_client: DagsterClient) -> FinishedRun:
    """The demo pipeline, launched through GraphQL and awaited to a terminal status."""
    run_id = dagster_client.launch_job(PIPELINE_JOB)
    return FinishedRun(run_id, dagster_client.wait_for_run(run_id, timeout=RUN_TIMEOUT))


@pytest.fixture(scope="session")
def reported_row_counts(
    dagster_client: DagsterClient, pipeline_run: FinishedRun
) -> dict[str, int | None]:
    """The ``row_count`` metadata of each asset the pipeline run materialized."""
    return {
        asset: metadata.get("row_count")
        for asset, metadata in dagster_client.materializations(pipeline_run.run_id).items()
    }


@pytest.fixture
def mart_rows(duckdb_conn: duckdb.DuckDBPyConnection) -> pa.Table:
    """The mart rebuilt by the pipeline's own transforms from the same seeded data.

    The platform's DuckDB file lives on the user-code pod's volume; the test rebuilds the
    mart from the same deterministic generator to publish it, and checks its row count
    against what the Dagster run reported.
    """
    transforms.load_raw_customers(duckdb_conn, data.customers())
    transforms.load_raw_orders(duckdb_conn, data.orders())
    transforms.build_stg_customers(duckdb_conn)
    transforms.build_stg_orders(duckdb_conn)
    transforms.build_daily_revenue_by_segment(duckdb_conn)
    return duckdb_conn.execute(
        f"SELECT order_date, segment, orders, revenue FROM marts.{MART} "  # noqa: S608
        "ORDER BY order_date, segment"
    ).to_arrow_table()
