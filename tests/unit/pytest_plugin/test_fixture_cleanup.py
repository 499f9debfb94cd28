"""Each fixture that creates something removes it at teardown, proven from outside the test."""

from __future__ import annotations

import json
from pathlib import Path

from floe_testing.core.polling import wait_for

from .conftest import RunPytest
from .fakes import FakeCube, FakeDagster, FakePolaris


def test_duckdb_conn_teardown_deletes_the_database(run_pytest: RunPytest, tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    run = run_pytest(
        """
        import json

        def test_writes(duckdb_conn, outer):
            duckdb_conn.execute("CREATE TABLE t AS SELECT range AS i FROM range(100)")
            assert duckdb_conn.execute("SELECT count(*) FROM t").fetchone() == (100,)
            path = duckdb_conn.execute(
                "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
            ).fetchone()[0]
            outer["record"].write_text(json.dumps({"path": path}))
        """,
        outer={"record": record},
    )
    assert run.outcomes() == {"test_writes": "passed"}
    database = Path(json.loads(record.read_text())["path"])
    assert database.name == "scratch.duckdb"
    assert not database.exists()
    assert not database.parent.exists()


def test_polaris_catalog_teardown_drops_tables_views_and_namespace(
    run_pytest: RunPytest, polaris: FakePolaris
) -> None:
    run = run_pytest(
        """
        def test_uses_namespace(polaris_catalog, outer):
            fake = outer["polaris"]
            ns = polaris_catalog.namespace
            assert (ns,) in polaris_catalog.catalog.list_namespaces()
            # what a test leaves behind: a table and a view in its namespace
            fake.namespaces[ns].tables.add("orders")
            fake.namespaces[ns].views.add("orders_view")
            outer["namespace"] = ns
        """,
        outer=(shared := {"polaris": polaris}),
    )
    assert run.outcomes() == {"test_uses_namespace": "passed"}
    namespace = shared["namespace"]
    assert namespace.startswith("floe_test_")
    assert namespace not in polaris.namespaces
    assert polaris.purged == ["orders"]
    assert ("DELETE", f"/api/catalog/v1/floe/namespaces/{namespace}") in polaris.requests


def test_polaris_cleanup_falls_back_to_drop_when_purge_is_forbidden(
    run_pytest: RunPytest, polaris: FakePolaris
) -> None:
    polaris.purge_allowed = False
    run = run_pytest(
        """
        def test_leaves_a_table(polaris_catalog, outer):
            outer["polaris"].namespaces[polaris_catalog.namespace].tables.add("orders")
        """,
        outer={"polaris": polaris},
    )
    assert run.outcomes() == {"test_leaves_a_table": "passed"}
    assert polaris.namespaces == {}
    assert polaris.purged == []


def test_cube_client_teardown_closes_its_connection(run_pytest: RunPytest, cube: FakeCube) -> None:
    run = run_pytest(
        """
        def test_queries(cube_client, outer):
            assert cube_client.measures() == ["daily_revenue.count"]
            assert outer["cube"].open_connections >= 1
            outer["client"] = cube_client
        """,
        outer=(shared := {"cube": cube}),
    )
    assert run.outcomes() == {"test_queries": "passed"}
    assert shared["client"].closed
    wait_for(lambda: cube.open_connections == 0, timeout=5, description="Cube connections closed")


def test_dagster_client_teardown_closes_its_connection(
    run_pytest: RunPytest, dagster: FakeDagster
) -> None:
    run = run_pytest(
        """
        def test_reads_server_info(dagster_client, outer):
            assert dagster_client.server_info() == {"dagster_webserver_version": "fake"}
            outer["client"] = dagster_client
        """,
        outer=(shared := {}),
    )
    assert run.outcomes() == {"test_reads_server_info": "passed"}
    assert shared["client"]._http.is_closed
    wait_for(
        lambda: dagster.open_connections == 0, timeout=5, description="Dagster connections closed"
    )
