"""Cube's REST API: a JWT signed with the configured secret gets data, another is refused."""

from __future__ import annotations

import os

import pytest

from floe_testing.endpoints import service
from floe_testing.pytest_plugin.cube import CubeClient, CubeError

MEASURE_ENV = "FLOE_E2E_CUBE_MEASURE"


@pytest.mark.requirement("FLOE-E2E-005")
def test_authenticated_query_returns_rows(cube_client: CubeClient) -> None:
    measures = cube_client.measures()
    assert measures, "Cube's data model has no measures"
    measure = os.environ.get(MEASURE_ENV) or measures[0]
    assert measure in measures
    rows = cube_client.load({"measures": [measure]})
    assert rows, f"no rows for {measure}"
    assert measure in rows[0]


@pytest.mark.requirement("FLOE-E2E-006")
@pytest.mark.services("cube")
def test_token_signed_with_another_secret_is_refused() -> None:
    impostor = CubeClient(service("cube").url, "not-the-configured-secret-but-long-enough")
    with impostor, pytest.raises(CubeError) as refused:
        impostor.meta()
    assert refused.value.status in (401, 403)
