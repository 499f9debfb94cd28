"""Runs launched through GraphQL: the demo pipeline succeeds, the canary fails loudly."""

from __future__ import annotations

import pytest

from floe_demo.data import expected_row_counts
from floe_testing.clients.dagster import DagsterClient, FinishedRun

ASSETS = {"raw_customers", "raw_orders", "stg_customers", "stg_orders", "daily_revenue_by_segment"}
CHECKS = {
    "raw_customers_unique_ids",
    "stg_orders_not_null",
    "stg_orders_unique_ids",
    "stg_orders_known_customers",
    "daily_revenue_row_count",
}


@pytest.mark.requirement("FLOE-INT-004")
def test_pipeline_run_succeeds(pipeline_run: FinishedRun) -> None:
    assert pipeline_run.status == "SUCCESS"


@pytest.mark.requirement("FLOE-INT-004")
def test_pipeline_materializes_every_asset(
    dagster_client: DagsterClient, pipeline_run: FinishedRun
) -> None:
    assert set(dagster_client.materializations(pipeline_run.run_id)) == ASSETS


@pytest.mark.requirement("FLOE-INT-005")
def test_materialization_metadata_reports_expected_row_counts(
    dagster_client: DagsterClient, pipeline_run: FinishedRun
) -> None:
    reported = {
        asset: metadata.get("row_count")
        for asset, metadata in dagster_client.materializations(pipeline_run.run_id).items()
    }
    assert reported == expected_row_counts()


@pytest.mark.requirement("FLOE-INT-006")
def test_every_asset_check_passes(dagster_client: DagsterClient, pipeline_run: FinishedRun) -> None:
    results = dagster_client.asset_check_results(pipeline_run.run_id)
    assert {result.name for result in results} == CHECKS
    failed = [(r.asset, r.name, r.metadata) for r in results if not r.passed]
    assert failed == []


@pytest.mark.requirement("FLOE-INT-007")
def test_failing_job_is_reported_as_failure(canary_run: FinishedRun) -> None:
    assert canary_run.status == "FAILURE"


@pytest.mark.requirement("FLOE-INT-007")
def test_failing_job_surfaces_its_error(
    dagster_client: DagsterClient, canary_run: FinishedRun
) -> None:
    messages = dagster_client.run_failure_messages(canary_run.run_id)
    assert any("deliberate failure" in message for message in messages), messages
