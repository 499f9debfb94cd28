"""Dagster run -> Iceberg table through Polaris: the mart is published and reads back intact."""

from __future__ import annotations

import pyarrow as pa
import pytest
from pyiceberg.catalog.rest import RestCatalog

from floe_demo.data import expected_row_counts
from floe_testing.clients.dagster import FinishedRun
from floe_testing.pytest_plugin.names import unique_name
from floe_testing.pytest_plugin.polaris import IsolatedCatalog, isolated_namespace

MART = "daily_revenue_by_segment"


@pytest.mark.requirement("FLOE-E2E-002")
def test_pipeline_succeeds_with_expected_row_counts(
    pipeline_run: FinishedRun, reported_row_counts: dict[str, int | None]
) -> None:
    assert pipeline_run.status == "SUCCESS", f"run {pipeline_run.run_id}"
    assert reported_row_counts == expected_row_counts()


@pytest.mark.requirement("FLOE-E2E-003")
def test_namespace_is_isolated_and_dropped_with_its_tables(
    polaris_rest_catalog: RestCatalog,
) -> None:
    namespace = unique_name("floe_e2e", separator="_")
    schema = pa.schema([("id", pa.int64())])
    with isolated_namespace(polaris_rest_catalog, namespace) as isolated:
        assert (namespace,) in polaris_rest_catalog.list_namespaces()
        polaris_rest_catalog.create_table(isolated.table("probe"), schema=schema)
        assert polaris_rest_catalog.list_tables(namespace) == [(namespace, "probe")]
    assert (namespace,) not in polaris_rest_catalog.list_namespaces()


@pytest.mark.requirement("FLOE-E2E-004")
def test_mart_reads_back_from_iceberg_with_reported_rows(
    reported_row_counts: dict[str, int | None],
    mart_rows: pa.Table,
    polaris_catalog: IsolatedCatalog,
) -> None:
    assert mart_rows.num_rows == reported_row_counts[MART]
    table = polaris_catalog.catalog.create_table(
        polaris_catalog.table(MART), schema=mart_rows.schema
    )
    table.append(mart_rows)
    read_back = (
        table.scan().to_arrow().sort_by([("order_date", "ascending"), ("segment", "ascending")])
    )
    assert read_back.num_rows == reported_row_counts[MART]
    assert read_back.select(mart_rows.column_names).equals(mart_rows)
