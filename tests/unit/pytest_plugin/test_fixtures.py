"""Fixture behaviour besides cleanup: names, readiness failures, missing configuration."""

from __future__ import annotations

import pytest

from floe_testing.pytest_plugin.names import is_dns_label

from .conftest import RunPytest
from .fakes import FakeCube


def test_unique_name_fixture_gives_distinct_dns_labels(run_pytest: RunPytest) -> None:
    shared: dict[str, object] = {}
    run = run_pytest(
        """
        def test_names(unique_name, outer):
            outer["names"] = [unique_name("Orders Table"), unique_name("orders table")]
            outer["sql"] = unique_name("orders", separator="_")
        """,
        outer=shared,
    )
    assert run.outcomes() == {"test_names": "passed"}
    first, second = shared["names"]  # type: ignore[misc]
    assert first != second
    assert all(is_dns_label(n) and n.startswith("orders-table-") for n in (first, second))
    assert str(shared["sql"]).startswith("orders_")


def test_unreachable_dagster_fails_naming_the_variables(
    run_pytest: RunPytest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAGSTER_HOST", "127.0.0.1")
    monkeypatch.setenv("DAGSTER_PORT", "1")  # nothing listens on port 1
    monkeypatch.setenv("FLOE_TEST_SERVICE_TIMEOUT", "0.3")
    run = run_pytest(
        """
        def test_one(dagster_client):
            pass

        def test_two(dagster_client):
            pass
        """
    )
    assert run.outcomes() == {"test_one": "error", "test_two": "error"}
    message = run.report("test_one", "setup").longreprtext
    assert "dagster-webserver is not answering at http://127.0.0.1:1/server_info" in message
    assert "DAGSTER_HOST and DAGSTER_PORT" in message
    assert "Traceback" not in message


def test_polaris_without_credentials_fails_naming_them(
    run_pytest: RunPytest, polaris: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POLARIS_CLIENT_SECRET")
    run = run_pytest(
        """
        def test_catalog(polaris_catalog):
            pass
        """
    )
    assert run.outcomes() == {"test_catalog": "error"}
    message = run.report("test_catalog", "setup").longreprtext
    assert "POLARIS_CLIENT_SECRET not set" in message
    assert "polaris-credentials" in message


def test_cube_without_secret_fails_naming_it(
    run_pytest: RunPytest, cube: FakeCube, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CUBE_API_SECRET")
    run = run_pytest(
        """
        def test_query(cube_client):
            pass
        """
    )
    assert run.outcomes() == {"test_query": "error"}
    assert "CUBE_API_SECRET is not set" in run.report("test_query", "setup").longreprtext
    assert cube.claims == []
