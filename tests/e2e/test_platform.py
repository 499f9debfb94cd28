"""The full profile is up: every service answers its contract health check."""

from __future__ import annotations

import os

import pytest

from floe_testing.config import Service, load_project
from floe_testing.config.endpoints import service
from floe_testing.core.polling import wait_for_http, wait_for_tcp

HEALTH_TIMEOUT = 60.0


EMBEDDED_ENV = "FLOE_TEST_EMBEDDED"  # services the backend replaced in-process (e.g. by SQLite)


def _checked_services() -> list[object]:
    """The profile's health-checked services; Polaris' own health API only where Polaris runs."""
    config = load_project().config
    services = config.profile_services(config.tier("e2e").profile)
    embedded = set(os.environ.get(EMBEDDED_ENV, "").split(","))
    return [
        pytest.param(s, id=s.name, marks=[pytest.mark.polaris_only] if s.name == "polaris" else [])
        for s in services
        if s.health is not None and s.name not in embedded
    ]


@pytest.mark.requirement("FLOE-E2E-001")
@pytest.mark.parametrize("contract", _checked_services())
def test_service_answers_health_check(contract: Service) -> None:
    assert contract.health is not None
    endpoint = service(contract.name, contract.health.port)
    if contract.health.path:
        response = wait_for_http(f"{endpoint.url}{contract.health.path}", timeout=HEALTH_TIMEOUT)
        assert response.status_code < 400
    else:
        wait_for_tcp(endpoint.host, endpoint.port, timeout=HEALTH_TIMEOUT)
