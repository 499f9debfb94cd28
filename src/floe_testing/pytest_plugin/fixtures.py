"""The plugin's fixtures: service clients found through the contract, isolated resources.

Every fixture that creates something removes it at teardown (and the plugin's own tests prove
it). Clients wait for their service with a deadline first, so an absent platform fails once
with the variable to check instead of as a pile of connection errors. Heavy libraries
(DuckDB, PyIceberg) are imported inside the fixtures: loading the plugin stays cheap for
suites that never use them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from floe_testing.pytest_plugin import names

if TYPE_CHECKING:
    import duckdb
    from pyiceberg.catalog.rest import RestCatalog

    from floe_testing.clients.dagster import DagsterClient
    from floe_testing.config.endpoints import Endpoint
    from floe_testing.pytest_plugin.cube import CubeClient
    from floe_testing.pytest_plugin.polaris import IsolatedCatalog

READY_TIMEOUT_ENV = "FLOE_TEST_SERVICE_TIMEOUT"
DEFAULT_READY_TIMEOUT = 60.0

UniqueName = Callable[..., str]


def _ready_timeout() -> float:
    try:
        return float(os.environ.get(READY_TIMEOUT_ENV) or DEFAULT_READY_TIMEOUT)
    except ValueError:
        return DEFAULT_READY_TIMEOUT


def await_service(name: str, path: str, port: str | None = None) -> Endpoint:
    """The service's endpoint once ``path`` answers; fails the test naming what to check."""
    from floe_testing.config.endpoints import service
    from floe_testing.core.polling import WaitTimeout, wait_for_http

    endpoint = service(name, port)
    timeout = _ready_timeout()
    try:
        wait_for_http(f"{endpoint.url}{path}", timeout=timeout, interval=0.25)
    except WaitTimeout as exc:
        from floe_testing.config import load_project
        from floe_testing.config.contract import find_service

        contract = find_service(load_project().config, name)
        variables = [v for v in (contract.host_env, contract.port(port).env) if v]
        pytest.fail(
            f"{contract.name} is not answering at {endpoint.url}{path}: {exc}. "
            f"Check {' and '.join(variables)} (a test Job sets them from the service contract) "
            f"and that the platform is up; {READY_TIMEOUT_ENV} sets the deadline.",
            pytrace=False,
        )
    return endpoint


@pytest.fixture
def unique_name() -> UniqueName:
    """``unique_name("orders")`` -> ``orders-k3x9...``: DNS-1123, <= 63 chars, never repeats.

    Keyword arguments ``max_length`` and ``separator`` ("-" or "_") pass through.
    """
    return names.unique_name


@contextmanager
def scratch_duckdb(directory: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB database file in ``directory``; closed and deleted (with the directory) on exit."""
    import duckdb

    directory.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(directory / "scratch.duckdb"))
    try:
        yield conn
    finally:
        conn.close()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def duckdb_conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a fresh DuckDB file of this test only, removed at teardown."""
    with scratch_duckdb(tmp_path_factory.mktemp("duckdb")) as conn:
        yield conn


@pytest.fixture(scope="session")
def dagster_client() -> Iterator[DagsterClient]:
    """GraphQL client for the contract's Dagster webserver, once it answers ``/server_info``."""
    from floe_testing.clients.dagster import DagsterClient

    endpoint = await_service("dagster", "/server_info")
    with DagsterClient(endpoint.url) as client:
        yield client


@pytest.fixture(scope="session")
def polaris_rest_catalog() -> RestCatalog:
    """One authenticated REST catalog session per test session (a token, not a login per test)."""
    from floe_testing.pytest_plugin.polaris import AUTH_ENV, CatalogConfigError, connect_catalog

    if os.environ.get(AUTH_ENV) == "none":  # the local Iceberg REST stand-in (docs/catalog.md)
        await_service("polaris", "/v1/config", port="http")
    else:
        await_service("polaris", "/q/health/ready", port="management")
    try:
        return connect_catalog()
    except CatalogConfigError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def polaris_catalog(polaris_rest_catalog: RestCatalog) -> Iterator[IsolatedCatalog]:
    """The catalog plus a namespace of this test's own, dropped with its tables at teardown."""
    from floe_testing.pytest_plugin.polaris import isolated_namespace

    namespace = names.unique_name("floe_test", separator="_")
    with isolated_namespace(polaris_rest_catalog, namespace) as isolated:
        yield isolated


@pytest.fixture(scope="session")
def cube_client() -> Iterator[CubeClient]:
    """Cube REST client with a JWT signed by ``CUBE_API_SECRET``, once ``/readyz`` answers."""
    from floe_testing.pytest_plugin.cube import API_SECRET_ENV, CubeClient

    secret = os.environ.get(API_SECRET_ENV)
    if not secret:
        pytest.fail(
            f"{API_SECRET_ENV} is not set: a test Job reads it from the cube-api Secret; "
            "export it to run on a host",
            pytrace=False,
        )
    endpoint = await_service("cube", "/readyz")
    with CubeClient(endpoint.url, secret) as client:
        yield client
