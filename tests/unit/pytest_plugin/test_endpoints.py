"""service(): the environment wins, the contract fills in, aliases resolve."""

from __future__ import annotations

import pytest

from floe_testing.config import load_project
from floe_testing.config.endpoints import service
from floe_testing.pytest_plugin import polaris
from floe_testing.pytest_plugin.cube import API_SECRET_ENV


def test_contract_defaults_when_nothing_is_set() -> None:
    endpoint = service("dagster", environ={})
    assert (endpoint.service, endpoint.host, endpoint.port) == (
        "dagster-webserver",
        "localhost",
        3000,
    )
    assert endpoint.url == "http://localhost:3000"


def test_environment_wins_as_inside_a_test_job() -> None:
    env = {"DAGSTER_HOST": "dagster-webserver.floe-test.svc.cluster.local", "DAGSTER_PORT": "3001"}
    assert service("dagster-webserver", environ=env).url == (
        "http://dagster-webserver.floe-test.svc.cluster.local:3001"
    )


def test_named_port_uses_its_own_variable() -> None:
    env = {"POLARIS_HOST": "10.0.0.7", "POLARIS_MANAGEMENT_PORT": "9182"}
    assert service("polaris", "management", environ=env).address == ("10.0.0.7", 9182)
    assert service("polaris", environ=env).port == 8181


def test_bad_port_value_names_the_variable() -> None:
    with pytest.raises(ValueError, match="DAGSTER_PORT='http' is not a port number"):
        service("dagster", environ={"DAGSTER_PORT": "http"})


def test_unknown_service_lists_the_contract() -> None:
    with pytest.raises(KeyError, match=r"unknown service 'dagstr'.*dagster-webserver"):
        service("dagstr", environ={})


def test_fixture_secret_variables_are_the_contracts() -> None:
    """A tripwire: the clients read exactly the variables the Job gets from Secrets."""
    config = load_project().config
    from floe_testing.bootstrap.settings import NO_GRANTS_CREDENTIALS_ENV, PIPELINE_CREDENTIALS_ENV

    assert {s.env for s in config.services["polaris"].secrets} == {
        polaris.CLIENT_ID_ENV,
        polaris.CLIENT_SECRET_ENV,
        *PIPELINE_CREDENTIALS_ENV,  # the pipeline's principal (floe-test bootstrap catalog)
        *NO_GRANTS_CREDENTIALS_ENV,  # a principal without grants (the deny scenario)
    }
    assert {s.env for s in config.services["cube"].secrets} == {API_SECRET_ENV}
    assert set(polaris.S3_ENV.values()) == {s.env for s in config.services["seaweedfs"].secrets}


def test_catalog_properties_come_from_the_contract() -> None:
    env = {
        "POLARIS_HOST": "polaris.ns.svc.cluster.local",
        "POLARIS_CLIENT_ID": "id",
        "POLARIS_CLIENT_SECRET": "secret",
        "S3_HOST": "seaweedfs.ns.svc.cluster.local",
        "AWS_ACCESS_KEY_ID": "key",
        "AWS_SECRET_ACCESS_KEY": "secret-key",
    }
    properties = polaris.catalog_properties(env)
    assert properties["uri"] == "http://polaris.ns.svc.cluster.local:8181/api/catalog"
    assert properties["oauth2-server-uri"].endswith("/api/catalog/v1/oauth/tokens")
    assert properties["credential"] == "id:secret"
    assert properties["warehouse"] == polaris.DEFAULT_CATALOG
    assert properties["s3.endpoint"] == "http://seaweedfs.ns.svc.cluster.local:8333"
    assert properties["s3.secret-access-key"] == "secret-key"
