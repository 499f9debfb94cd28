"""Cube's REST API over the published mart: correct aggregates, and only for a signed token."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from floe_testing.clients.dagster import FinishedRun
from floe_testing.config.endpoints import service
from floe_testing.pytest_plugin.cube import CubeClient, CubeError

from . import generator

REVENUE = "revenue.total"
ORDERS = "revenue.orders"


@pytest.fixture(scope="module")
def published(pipeline_run: FinishedRun) -> FinishedRun:
    """Cube's data is the pipeline's export: query only after the pipeline ran."""
    assert pipeline_run.status == "SUCCESS", pipeline_run
    return pipeline_run


@pytest.mark.requirement("FLOE-E2E-005")
def test_model_exposes_the_revenue_measures(cube_client: CubeClient) -> None:
    assert {REVENUE, ORDERS, "revenue.days"} <= set(cube_client.measures())


@pytest.mark.requirement("FLOE-E2E-007")
def test_revenue_by_segment_matches_the_generator(
    cube_client: CubeClient, published: FinishedRun
) -> None:
    rows = cube_client.load({"measures": [REVENUE], "dimensions": ["revenue.segment"]})
    got = {row["revenue.segment"]: Decimal(row[REVENUE]) for row in rows}
    assert got == generator.revenue_by_segment()


@pytest.mark.requirement("FLOE-E2E-007")
def test_revenue_by_day_matches_the_generator(
    cube_client: CubeClient, published: FinishedRun
) -> None:
    rows = cube_client.load(
        {
            "measures": [REVENUE, ORDERS],
            "timeDimensions": [{"dimension": "revenue.order_date", "granularity": "day"}],
        }
    )
    got = {
        date.fromisoformat(row["revenue.order_date.day"][:10]): Decimal(row[REVENUE])
        for row in rows
    }
    assert got == generator.revenue_by_day()
    total_orders = sum(int(row[ORDERS]) for row in rows)
    assert total_orders == sum(r.orders for r in generator.mart().values())


@pytest.mark.requirement("FLOE-E2E-006")
@pytest.mark.services("cube")
def test_token_signed_with_another_secret_is_refused() -> None:
    impostor = CubeClient(service("cube").url, "not-the-configured-secret-but-long-enough")
    with impostor, pytest.raises(CubeError) as refused:
        impostor.meta()
    assert refused.value.status in (401, 403)
