"""One service contract feeds Job env, local env and endpoint resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from floe_testing.config import FloeTestConfig
from floe_testing.config.contract import cluster_env, endpoint_env, find_service, needs_cluster
from floe_testing.config.endpoints import resolve
from floe_testing.config.load import load_project

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def config() -> FloeTestConfig:
    return load_project(ROOT / "pyproject.toml").config


def test_cluster_env_uses_cluster_dns_names(config: FloeTestConfig) -> None:
    env = {e.name: e.value for e in cluster_env(config.profile_services("full"), "floe-test")}
    assert env["DAGSTER_HOST"] == "dagster-webserver.floe-test.svc.cluster.local"
    assert env["DAGSTER_PORT"] == "3000"
    assert env["POLARIS_HOST"] == "polaris.floe-test.svc.cluster.local"
    assert env["POLARIS_PORT"] == "8181"
    assert env["CUBE_HOST"] == "cube.floe-test.svc.cluster.local"


def test_minimal_profile_env_has_no_full_profile_services(config: FloeTestConfig) -> None:
    env = {e.name for e in cluster_env(config.profile_services("minimal"), "ns")}
    assert "DAGSTER_HOST" in env
    assert not {"POLARIS_HOST", "CUBE_HOST", "S3_HOST"} & env


def test_local_env_overrides_ports(config: FloeTestConfig) -> None:
    services = [config.services["dagster-webserver"]]
    env = endpoint_env(
        services, {"dagster-webserver": "127.0.0.1"}, {("dagster-webserver", "http"): 41234}
    )
    assert {e.name: e.value for e in env} == {"DAGSTER_HOST": "127.0.0.1", "DAGSTER_PORT": "41234"}


def test_every_profile_runs_without_a_cluster(config: FloeTestConfig) -> None:
    # Polaris (JVM), SeaweedFS and Cube (Node.js) run as local processes too
    assert needs_cluster(config.profile_services("full")) == []
    assert needs_cluster(config.profile_services("minimal")) == []


def test_aliases_resolve_to_their_service(config: FloeTestConfig) -> None:
    assert find_service(config, "dagster").name == "dagster-webserver"
    with pytest.raises(KeyError, match="unknown service 'nope'"):
        find_service(config, "nope")


def test_resolve_prefers_environment_then_contract_defaults() -> None:
    assert resolve("dagster", environ={}).url == "http://localhost:3000"
    found = resolve(
        "dagster",
        environ={"DAGSTER_HOST": "dagster-webserver.ns.svc.cluster.local", "DAGSTER_PORT": "8080"},
    )
    assert found.url == "http://dagster-webserver.ns.svc.cluster.local:8080"
    assert resolve("polaris", "management", environ={}).port == 8182


def test_resolve_rejects_a_non_numeric_port() -> None:
    with pytest.raises(ValueError, match="DAGSTER_PORT='http' is not a port number"):
        resolve("dagster", environ={"DAGSTER_PORT": "http"})
