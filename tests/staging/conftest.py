"""Staging tier: performance at a scale and platform health, against a running platform.

These tests run when the staging tier runs them (``floe-test run staging`` sets
``FLOE_TEST_TIER=staging`` on every backend, inside the staging Job as well as for the
local backend), when Kubernetes runs them (``KUBERNETES_SERVICE_HOST``), or when
``FLOE_STAGING=1`` is exported deliberately (e.g. with the contract's variables pointing at
port-forwards). A plain ``pytest`` of the repository skips them, so it always collects
cleanly; a tier run in which they are all skipped exits 3 with the reason.

Knobs are ``FLOE_STAGING_<NAME>`` settings, passed into the Job by the tier's ``env`` and
``floe-test run --env`` (``--scale N`` sets ``FLOE_STAGING_SCALE``).
"""

from __future__ import annotations

import os

import pytest

RUN_BY_TIER = (
    os.environ.get("FLOE_TEST_TIER") == "staging"
    or bool(os.environ.get("KUBERNETES_SERVICE_HOST"))
    or os.environ.get("FLOE_STAGING") == "1"
)
SKIP_REASON = "staging tests run in the staging tier (floe-test run staging) or with FLOE_STAGING=1"
PIPELINE_JOB = "demo_pipeline"


class Knobs:
    """Numeric knobs from ``FLOE_STAGING_<NAME>``, else the defaults given by the tests."""

    pipeline_job = PIPELINE_JOB

    def __call__(self, name: str, default: float) -> float:
        return float(os.environ.get(f"FLOE_STAGING_{name}", default))

    @property
    def scale(self) -> int:
        return int(self("SCALE", 1))


@pytest.fixture(scope="session")
def knobs() -> Knobs:
    return Knobs()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if RUN_BY_TIER:
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if "tests/staging" in str(item.path).replace(os.sep, "/"):
            item.add_marker(skip)
