"""The chart and the service contract ([tool.floe-test.services]) are one source: names,
ports and Secrets agree, and the checks fail when either side drifts."""

from __future__ import annotations

import pytest

from floe_testing.config.models import FloeTestConfig, Port
from floe_testing.deploy.chart import default_values
from floe_testing.deploy.chart.contract import (
    contract_values,
    notes_problems,
    secret_problems,
    service_problems,
    values_problems,
)

from .renders import CHART, PROFILES, VALUES_FILES, rendered


def test_chart_values_carry_exactly_the_contract(config: FloeTestConfig) -> None:
    assert values_problems(default_values(CHART), config) == []


def test_a_contract_change_without_the_chart_fails(config: FloeTestConfig) -> None:
    polaris = config.services["polaris"]
    moved = polaris.model_copy(
        update={"ports": (Port(name="http", port=8281, env="POLARIS_PORT"), *polaris.ports[1:])}
    )
    drifted = config.model_copy(update={"services": {**config.services, "polaris": moved}})
    problems = values_problems(default_values(CHART), drifted)
    assert problems == [
        "services.polaris.ports: chart has [('http', 8181), ('management', 8182)], "
        "contract has [('http', 8281), ('management', 8182)]"
    ]


def test_contract_values_cover_every_service_with_ports(config: FloeTestConfig) -> None:
    expected = {name for name, s in config.services.items() if s.ports}
    assert set(contract_values(config)) == expected


def test_chart_profiles_are_the_configured_profiles(config: FloeTestConfig) -> None:
    import json

    schema = json.loads((CHART / "values.schema.json").read_text())
    assert set(schema["properties"]["profile"]["enum"]) == set(config.profiles)


@pytest.mark.parametrize("values_file", VALUES_FILES)
@pytest.mark.parametrize("profile", PROFILES)
def test_every_contract_port_is_on_its_rendered_service(
    config: FloeTestConfig, profile: str, values_file: str
) -> None:
    assert service_problems(rendered(profile, values_file), config) == []


@pytest.mark.parametrize("profile", PROFILES)
def test_every_contract_service_of_the_profile_has_a_workload(
    config: FloeTestConfig, profile: str
) -> None:
    result = rendered(profile)
    workloads = {
        m["metadata"]["name"]
        for m in result.manifests
        if m["kind"] in {"Deployment", "StatefulSet"}
    }
    assert {s.name for s in config.profile_services(profile)} <= workloads


def test_a_port_overridden_away_from_the_contract_is_caught(config: FloeTestConfig) -> None:
    result = rendered(
        "full",
        "values-test.yaml",
        "services.cube.ports[0].name=http",
        "services.cube.ports[0].port=4400",
    )
    assert service_problems(result, config) == [
        "Service cube: no port http=4000 (has [('http', 4400)])"
    ]


@pytest.mark.parametrize("profile", PROFILES)
def test_contract_secrets_are_rendered_and_never_leak(config: FloeTestConfig, profile: str) -> None:
    result = rendered(profile)
    assert secret_problems(result, config) == []
    assert notes_problems(result) == []


def test_secret_check_fails_when_a_contract_secret_is_missing(config: FloeTestConfig) -> None:
    result = rendered("full", "values-test.yaml", "secrets.cube-api.existing=true")
    assert secret_problems(result, config) == [
        "Secret cube-api: not rendered (needed for CUBE_API_SECRET)"
    ]


def test_notes_name_the_contract_hosts_and_no_secret() -> None:
    notes = rendered("full").notes
    assert "polaris.floe-ci-1.svc.cluster.local http:8181 management:8182" in notes
    assert "dagster-webserver.floe-ci-1.svc.cluster.local http:3000" in notes
