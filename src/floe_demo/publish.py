"""The full profile's final assets: the mart published as an Iceberg table, and Cube's copy.

``published_daily_revenue`` overwrites ``<namespace>.daily_revenue_by_segment`` in one
transaction (a new snapshot per run, tagged with the Dagster run id; earlier snapshots stay
for time travel). ``cube_mart_export`` writes the rows of exactly the committed snapshot to a
Parquet file Cube reads (its DuckDB reads Parquet without extensions; see
platform/cube/README.md). The asset checks read the table back through the catalog.
"""

# no `from __future__ import annotations`: Dagster resolves config and context annotations
import os
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
from dagster_duckdb import DuckDBResource

from floe_demo.catalog import DEFAULT_NAMESPACE, IcebergCatalog

if TYPE_CHECKING:
    import pyarrow as pa
    from pyiceberg.table import Table

TABLE = "daily_revenue_by_segment"
RUN_ID_PROPERTY = "floe.dagster-run-id"
CUBE_MART_ENV = "FLOE_CUBE_MART"


class PublishConfig(dg.Config):
    namespace: str = DEFAULT_NAMESPACE
    # Fails the asset after the data files are written but before the commit: proves a failed
    # run leaves no partial snapshot (e2e scenario).
    fail_before_commit: bool = False


def mart_rows(duckdb: DuckDBResource, run_id: str) -> "pa.Table":
    """The mart's rows, read through a read-only connection: publish-only runs never take
    DuckDB's write lock, so several may run at once (only the builders are serialized)."""
    import duckdb as duckdb_module
    import pyarrow as pa

    with duckdb_module.connect(duckdb.database, read_only=True) as conn:
        rows = conn.sql(
            "SELECT order_date, segment, orders, revenue FROM marts.daily_revenue_by_segment "
            "ORDER BY order_date, segment"
        ).to_arrow_table()
    return rows.append_column("run_id", pa.array([run_id] * rows.num_rows, pa.string()))


def _table(catalog: IcebergCatalog, namespace: str, schema: "pa.Schema") -> "Table":
    connected = catalog.connect()
    connected.create_namespace_if_not_exists(namespace)
    return connected.create_table_if_not_exists((namespace, TABLE), schema=schema)


@dg.asset(
    group_name="publish",
    kinds={"iceberg", "polaris"},
    deps=["daily_revenue_by_segment"],
    description="The revenue mart as an Iceberg table in Polaris (one snapshot per run).",
)
def published_daily_revenue(
    context: dg.AssetExecutionContext,
    config: PublishConfig,
    duckdb: DuckDBResource,
    iceberg: IcebergCatalog,
) -> dg.MaterializeResult[None]:
    rows = mart_rows(duckdb, context.run_id)
    table = _table(iceberg, config.namespace, rows.schema)
    with table.transaction() as transaction:
        transaction.overwrite(rows, snapshot_properties={RUN_ID_PROPERTY: context.run_id})
        if config.fail_before_commit:
            raise RuntimeError("fail_before_commit: failing before the Iceberg commit")
    snapshot = table.refresh().current_snapshot()
    assert snapshot is not None
    return dg.MaterializeResult(
        metadata={
            "row_count": dg.MetadataValue.int(rows.num_rows),
            "namespace": config.namespace,
            "snapshot_id": dg.MetadataValue.text(str(snapshot.snapshot_id)),
        }
    )


@dg.asset_check(
    asset=published_daily_revenue,
    description="the committed snapshot holds every mart row of this run",
)
def published_rows_match_source(
    context: dg.AssetCheckExecutionContext, iceberg: IcebergCatalog
) -> dg.AssetCheckResult:
    # the namespace and row count this run published, from the materialization it reported:
    # the mart's rows at this run's scale (the mart's own checks hold them to the generator)
    event = context.instance.get_latest_materialization_event(published_daily_revenue.key)
    materialization = event.asset_materialization if event else None
    metadata = materialization.metadata if materialization else {}
    namespace = str(metadata["namespace"].value) if "namespace" in metadata else ""
    published = int(metadata["row_count"].value) if "row_count" in metadata else -1
    table = iceberg.connect().load_table((namespace or DEFAULT_NAMESPACE, TABLE))
    rows = table.scan().to_arrow()
    run_id = context.op_execution_context.run_id
    this_run = int(rows.column("run_id").to_pylist().count(run_id))
    return dg.AssetCheckResult(
        passed=published > 0 and rows.num_rows == published and this_run == published,
        metadata={"rows": rows.num_rows, "this_run": this_run, "expected": published},
    )


def write_parquet_atomically(rows: "pa.Table", target: Path) -> None:
    """Write to a temporary file beside ``target``, then rename: readers never see half."""
    import pyarrow.parquet as pq

    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    pq.write_table(rows, partial)
    partial.replace(target)


def write_parquet_to_s3(rows: "pa.Table", url: str, iceberg: IcebergCatalog) -> None:
    """One PUT of the whole object: S3 readers see the old or the new file, never half."""
    import pyarrow.parquet as pq
    from pyarrow import fs

    s3 = fs.S3FileSystem(
        access_key=iceberg.s3_access_key_id,
        secret_key=iceberg.s3_secret_access_key,
        endpoint_override=iceberg.s3_endpoint,
        region=iceberg.s3_region,
        scheme="https" if iceberg.s3_endpoint.startswith("https") else "http",
    )
    pq.write_table(rows, url.removeprefix("s3://"), filesystem=s3)


@dg.asset(
    group_name="publish",
    kinds={"parquet", "cube"},
    deps=[published_daily_revenue],
    description="The committed Iceberg snapshot's rows as the Parquet file Cube reads.",
)
def cube_mart_export(iceberg: IcebergCatalog) -> dg.MaterializeResult[None]:
    target = os.environ.get(CUBE_MART_ENV)
    if not target:
        raise RuntimeError(f"{CUBE_MART_ENV} is not set: where Cube reads the mart")
    table = iceberg.connect().load_table((DEFAULT_NAMESPACE, TABLE))
    snapshot = table.current_snapshot()
    assert snapshot is not None
    rows = table.scan(snapshot_id=snapshot.snapshot_id).to_arrow()
    if target.startswith("s3://"):  # the chart: Cube reads it through httpfs
        write_parquet_to_s3(rows, target, iceberg)
    else:
        write_parquet_atomically(rows, Path(target))
    return dg.MaterializeResult(
        metadata={
            "row_count": dg.MetadataValue.int(rows.num_rows),
            "snapshot_id": dg.MetadataValue.text(str(snapshot.snapshot_id)),
            "path": dg.MetadataValue.path(target),
        }
    )
