"""Snapshots, failures and namespaces: what only the full stack can answer."""

from __future__ import annotations

import pytest
from pyiceberg.catalog.rest import RestCatalog

from floe_testing.clients.dagster import DagsterClient

from . import generator
from .pipeline import MART_TABLE, RUN_ID_PROPERTY, Scenarios


def _run_ids(catalog: RestCatalog, namespace: str, snapshot_id: int | None = None) -> set[str]:
    table = catalog.load_table((namespace, MART_TABLE))
    scan = table.scan(snapshot_id=snapshot_id) if snapshot_id else table.scan()
    return set(scan.to_arrow().column("run_id").to_pylist())


@pytest.mark.requirement("FLOE-E2E-008")
def test_second_run_adds_a_snapshot_and_time_travel_shows_the_first(
    scenarios: Scenarios, polaris_rest_catalog: RestCatalog
) -> None:
    assert (scenarios.a_first.status, scenarios.a_second.status) == ("SUCCESS", "SUCCESS")
    table = polaris_rest_catalog.load_table((scenarios.namespace_a, MART_TABLE))
    snapshots = sorted(table.snapshots(), key=lambda s: s.sequence_number or 0)
    writers = [(s.summary or {}).get(RUN_ID_PROPERTY) for s in snapshots]
    # run 1 appended one snapshot; run 2's overwrite committed its delete and append on top
    assert writers[0] == scenarios.a_first.run_id
    assert set(writers[1:]) == {scenarios.a_second.run_id}
    first = snapshots[0]
    current = table.current_snapshot()
    assert current is not None
    assert current.snapshot_id == snapshots[-1].snapshot_id
    chain = [s.snapshot_id for s in snapshots]
    assert [s.parent_snapshot_id for s in snapshots[1:]] == chain[:-1]
    ns = scenarios.namespace_a
    assert _run_ids(polaris_rest_catalog, ns) == {scenarios.a_second.run_id}
    assert _run_ids(polaris_rest_catalog, ns, first.snapshot_id) == {scenarios.a_first.run_id}
    old = table.scan(snapshot_id=first.snapshot_id).to_arrow()
    assert old.num_rows == len(generator.mart())


@pytest.mark.requirement("FLOE-E2E-009")
def test_failing_publish_leaves_no_partial_snapshot(
    scenarios: Scenarios, dagster_client: DagsterClient
) -> None:
    assert scenarios.b_failed.status == "FAILURE"
    messages = " ".join(dagster_client.run_failure_messages(scenarios.b_failed.run_id))
    assert "fail_before_commit" in messages
    # the table may have been created, but no snapshot was committed
    if scenarios.b_after_failure is not None:
        assert scenarios.b_after_failure.current_snapshot() is None
        assert scenarios.b_after_failure.snapshots() == []


@pytest.mark.requirement("FLOE-E2E-009")
def test_rerun_after_a_failure_commits_exactly_one_snapshot(
    scenarios: Scenarios, polaris_rest_catalog: RestCatalog
) -> None:
    assert scenarios.b_rerun.status == "SUCCESS"
    table = polaris_rest_catalog.load_table((scenarios.namespace_b, MART_TABLE))
    assert [s.summary[RUN_ID_PROPERTY] for s in table.snapshots() if s.summary] == [
        scenarios.b_rerun.run_id
    ]
    assert table.scan().to_arrow().num_rows == len(generator.mart())


@pytest.mark.requirement("FLOE-E2E-010")
def test_two_namespaces_do_not_see_each_other(
    scenarios: Scenarios, polaris_rest_catalog: RestCatalog
) -> None:
    a, b = scenarios.namespace_a, scenarios.namespace_b
    assert polaris_rest_catalog.list_tables(a) == [(a, MART_TABLE)]
    assert polaris_rest_catalog.list_tables(b) == [(b, MART_TABLE)]
    runs_a, runs_b = _run_ids(polaris_rest_catalog, a), _run_ids(polaris_rest_catalog, b)
    assert runs_a == {scenarios.a_second.run_id}
    assert runs_b == {scenarios.b_rerun.run_id}
    location_a = polaris_rest_catalog.load_table((a, MART_TABLE)).location()
    location_b = polaris_rest_catalog.load_table((b, MART_TABLE)).location()
    assert location_a != location_b
