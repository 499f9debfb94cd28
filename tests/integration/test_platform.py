"""The minimal platform is up: webserver, code location and daemon, found via the contract."""

from __future__ import annotations

import pytest

from floe_testing.clients.dagster import DagsterClient
from floe_testing.config.endpoints import service


@pytest.mark.requirement("FLOE-INT-001")
def test_webserver_answers_at_contract_address(dagster_client: DagsterClient) -> None:
    endpoint = service("dagster")
    assert dagster_client.base_url == endpoint.url
    info = dagster_client.server_info()
    assert info.get("dagster_webserver_version") or info.get("dagster_version")


@pytest.mark.requirement("FLOE-INT-002")
def test_demo_code_location_loads_without_errors(dagster_client: DagsterClient) -> None:
    locations = {location.name: location for location in dagster_client.locations()}
    assert "floe_demo" in locations, f"locations: {sorted(locations)}"
    demo = locations["floe_demo"]
    assert demo.error is None, demo.error
    assert demo.load_status == "LOADED"


@pytest.mark.requirement("FLOE-INT-003")
def test_daemon_is_healthy(dagster_client: DagsterClient) -> None:
    health = dagster_client.daemon_health()
    assert "QUEUED_RUN_COORDINATOR" in health, f"daemons: {health}"
    assert all(health.values()), f"unhealthy daemons: {health}"
