"""Dagster -> Iceberg through the catalog: the pipeline's own run publishes the mart."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pyiceberg.table import Table

from floe_testing.clients.dagster import DagsterClient, FinishedRun

from . import generator
from .pipeline import PUBLISH_ASSET, RUN_ID_PROPERTY


@pytest.mark.requirement("FLOE-E2E-002")
def test_pipeline_succeeds_and_reports_the_published_rows(
    dagster_client: DagsterClient, pipeline_run: FinishedRun
) -> None:
    assert pipeline_run.status == "SUCCESS", dagster_client.run_failure_messages(
        pipeline_run.run_id
    )
    reported = dagster_client.materializations(pipeline_run.run_id)
    assert reported[PUBLISH_ASSET]["row_count"] == len(generator.mart())
    assert reported["cube_mart_export"]["row_count"] == len(generator.mart())


@pytest.mark.requirement("FLOE-E2E-004")
def test_the_current_snapshot_was_written_by_the_pipeline_run(
    mart_table: Table, pipeline_run: FinishedRun, dagster_client: DagsterClient
) -> None:
    snapshot = mart_table.current_snapshot()
    assert snapshot is not None
    assert snapshot.summary is not None
    assert snapshot.summary[RUN_ID_PROPERTY] == pipeline_run.run_id
    reported = dagster_client.materializations(pipeline_run.run_id)[PUBLISH_ASSET]
    assert reported["snapshot_id"] == str(snapshot.snapshot_id)


@pytest.mark.requirement("FLOE-E2E-004")
def test_published_rows_are_what_the_generator_implies(
    mart_table: Table, pipeline_run: FinishedRun
) -> None:
    rows = mart_table.scan().to_arrow().to_pylist()
    expected = generator.mart()
    assert len(rows) == len(expected)
    for row in rows:
        want = expected[(row["order_date"], row["segment"])]
        assert (row["orders"], Decimal(row["revenue"])) == (want.orders, want.revenue), row
        assert row["run_id"] == pipeline_run.run_id


@pytest.mark.requirement("FLOE-E2E-004")
def test_asset_checks_ran_against_the_published_table(
    dagster_client: DagsterClient, pipeline_run: FinishedRun
) -> None:
    checks = {c.name: c for c in dagster_client.asset_check_results(pipeline_run.run_id)}
    published = checks["published_rows_match_source"]
    assert published.passed, published.metadata
    assert published.metadata["this_run"] == len(generator.mart())
    assert all(check.passed for check in checks.values()), checks
