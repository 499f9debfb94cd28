"""The demo code location: assets, asset checks and jobs over one DuckDB file.

The DuckDB location is configuration: ``FLOE_DUCKDB_PATH`` (set by the local backend and
by the chart's user-code deployment). In the full profile (``FLOE_ICEBERG_URI`` set) the
pipeline also publishes the mart to the Iceberg REST catalog and exports it for Cube
(``floe_demo.publish``). The data volume is the ``demo_data`` resource's
``scale`` (default ``FLOE_DEMO_SCALE``, else 1), which a run can override in its run config
(``{"resources": {"demo_data": {"config": {"scale": 100}}}}``): staging tests choose their
volume per run, on any backend, without redeploying the code location.
"""

from __future__ import annotations

import os

import dagster as dg
from dagster_duckdb import DuckDBResource

from floe_demo import catalog, data, planted, publish, transforms

DUCKDB_PATH_ENV = "FLOE_DUCKDB_PATH"
SCALE_ENV = "FLOE_DEMO_SCALE"
EXPECTED = data.expected_row_counts()


class DemoData(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Which generated data set a run loads: the seed and the scale (1 = 4,000 orders)."""

    seed: int = data.SEED
    scale: int = 1

    def expected(self) -> dict[str, int]:
        return data.expected_row_counts(self.seed, self.scale)


def _materialized(rows: int) -> dg.MaterializeResult[None]:
    return dg.MaterializeResult(metadata={"row_count": dg.MetadataValue.int(rows)})


@dg.asset(group_name="ingestion", kinds={"duckdb"})
def raw_customers(duckdb: DuckDBResource, demo_data: DemoData) -> dg.MaterializeResult[None]:
    """Customers generated from a fixed seed, at the run's scale."""
    batches = data.customer_batches(demo_data.seed, demo_data.scale)
    with duckdb.get_connection() as conn:
        return _materialized(transforms.load_raw_customers(conn, batches))


@dg.asset(group_name="ingestion", kinds={"duckdb"})
def raw_orders(duckdb: DuckDBResource, demo_data: DemoData) -> dg.MaterializeResult[None]:
    """Orders generated from a fixed seed, at the run's scale."""
    batches = data.order_batches(demo_data.seed, demo_data.scale)
    with duckdb.get_connection() as conn:
        return _materialized(transforms.load_raw_orders(conn, batches))


@dg.asset(group_name="staging", kinds={"duckdb"}, deps=[raw_customers])
def stg_customers(duckdb: DuckDBResource) -> dg.MaterializeResult[None]:
    """Trimmed names, one spelling per segment."""
    with duckdb.get_connection() as conn:
        return _materialized(transforms.build_stg_customers(conn))


@dg.asset(group_name="staging", kinds={"duckdb"}, deps=[raw_orders])
def stg_orders(duckdb: DuckDBResource) -> dg.MaterializeResult[None]:
    """Orders without cancellations."""
    with duckdb.get_connection() as conn:
        return _materialized(transforms.build_stg_orders(conn))


@dg.asset(group_name="marts", kinds={"duckdb"}, deps=[stg_customers, stg_orders])
def daily_revenue_by_segment(duckdb: DuckDBResource) -> dg.MaterializeResult[None]:
    """Revenue and order count per day and customer segment."""
    with duckdb.get_connection() as conn:
        return _materialized(transforms.build_daily_revenue_by_segment(conn))


def _check(passed: bool, **metadata: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=passed, metadata={k: dg.MetadataValue.int(v) for k, v in metadata.items()}
    )


@dg.asset_check(asset=raw_customers, description="customer_id is unique")
def raw_customers_unique_ids(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        dupes = transforms.duplicate_count(conn, "raw.customers", "customer_id")
    return _check(dupes == 0, duplicates=dupes)


@dg.asset_check(asset=stg_orders, description="keys and amounts are never null")
def stg_orders_not_null(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        nulls = transforms.null_count(
            conn, "staging.orders", ["order_id", "customer_id", "order_date", "amount"]
        )
    return _check(nulls == 0, null_rows=nulls)


@dg.asset_check(asset=stg_orders, description="order_id is unique")
def stg_orders_unique_ids(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        dupes = transforms.duplicate_count(conn, "staging.orders", "order_id")
    return _check(dupes == 0, duplicates=dupes)


@dg.asset_check(asset=stg_orders, description="every order has a known customer")
def stg_orders_known_customers(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        orphans = transforms.orphan_orders(conn)
    return _check(orphans == 0, orphans=orphans)


@dg.asset_check(asset=daily_revenue_by_segment, description="row count matches the source data")
def daily_revenue_row_count(duckdb: DuckDBResource, demo_data: DemoData) -> dg.AssetCheckResult:
    with duckdb.get_connection() as conn:
        rows = transforms.row_count(conn, "marts.daily_revenue_by_segment")
    expected = demo_data.expected()["daily_revenue_by_segment"]
    return _check(rows == expected, rows=rows, expected=expected)


@dg.op
def deliberate_failure() -> None:
    """Always fails: proves the platform reports a failed run and surfaces its error."""
    raise RuntimeError("deliberate failure: the failure canary always fails")


@dg.job(executor_def=dg.in_process_executor)
def failure_canary() -> None:
    deliberate_failure()


ASSETS: list[dg.AssetsDefinition] = [
    raw_customers, raw_orders, stg_customers, stg_orders, daily_revenue_by_segment,
]  # fmt: skip
CHECKS: list[dg.AssetChecksDefinition] = [
    raw_customers_unique_ids,
    stg_orders_not_null,
    stg_orders_unique_ids,
    stg_orders_known_customers,
    daily_revenue_row_count,
]
RESOURCES: dict[str, object] = {
    "duckdb": DuckDBResource(database=dg.EnvVar(DUCKDB_PATH_ENV)),
    "demo_data": DemoData(scale=data.check_scale(int(os.environ.get(SCALE_ENV, "1")))),
}
JOBS: list[object] = []

# runs that write the DuckDB file carry this tag; the instance allows one of them at a time
DUCKDB_WRITER_TAG = {"floe/duckdb": "writer"}

demo_pipeline = dg.define_asset_job(
    "demo_pipeline",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    tags=DUCKDB_WRITER_TAG,
    description="Ingest, stage and build the revenue mart (full profile: publish it to "
    "Iceberg and export it for Cube), with every asset check.",
)

if catalog.publishing_enabled():
    ASSETS += [publish.published_daily_revenue, publish.cube_mart_export]
    CHECKS.append(publish.published_rows_match_source)
    RESOURCES["iceberg"] = catalog.from_environment()
    JOBS.append(
        dg.define_asset_job(
            "publish_mart",
            selection=dg.AssetSelection.assets(publish.published_daily_revenue),
            executor_def=dg.in_process_executor,
            description="Publish the built mart (read-only) to a namespace given in the run "
            "config, with its check (Cube's copy untouched).",
        )
    )

defs = dg.Definitions(
    sensors=planted.sensors(),
    assets=ASSETS,
    asset_checks=CHECKS,
    jobs=[demo_pipeline, failure_canary, *JOBS],  # type: ignore[list-item]
    resources=RESOURCES,
)
