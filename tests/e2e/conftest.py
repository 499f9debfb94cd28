"""E2E fixtures: the demo pipeline, launched through Dagster's API, publishes; tests only read.

Every table the suite looks at is written by the pipeline (``floe_demo.publish``). The suite
reaches services only through the plugin's contract fixtures (``dagster_client``,
``polaris_rest_catalog``, ``cube_client``); it never opens DuckDB or S3 and never writes a
pipeline-owned table. Scenario namespaces are named per session and dropped afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyiceberg.catalog.rest import RestCatalog
from pyiceberg.table import Table

from floe_testing.clients.dagster import DagsterClient, FinishedRun
from floe_testing.pytest_plugin.names import unique_name
from floe_testing.pytest_plugin.polaris import drop_namespace_contents

from .pipeline import (
    DEFAULT_NAMESPACE,
    MART_TABLE,
    PIPELINE_JOB,
    PUBLISH_JOB,
    Scenarios,
    finish,
    publish_config,
)


@pytest.fixture(scope="session")
def pipeline_run(dagster_client: DagsterClient) -> FinishedRun:
    """The full demo pipeline into the default namespace (what Cube serves)."""
    return finish(dagster_client, dagster_client.launch_job(PIPELINE_JOB))


@pytest.fixture(scope="session")
def mart_table(polaris_rest_catalog: RestCatalog, pipeline_run: FinishedRun) -> Table:
    assert pipeline_run.status == "SUCCESS", f"run {pipeline_run.run_id}"
    return polaris_rest_catalog.load_table((DEFAULT_NAMESPACE, MART_TABLE))


@pytest.fixture(scope="session")
def scenarios(
    dagster_client: DagsterClient, polaris_rest_catalog: RestCatalog, pipeline_run: FinishedRun
) -> Iterator[Scenarios]:
    from pyiceberg.exceptions import NoSuchTableError

    a = unique_name("floe_e2e_a", separator="_")
    b = unique_name("floe_e2e_b", separator="_")
    try:
        # queued in this order; the platform runs one at a time (one DuckDB file)
        launched = [
            dagster_client.launch_job(PUBLISH_JOB, publish_config(a)),
            dagster_client.launch_job(PUBLISH_JOB, publish_config(b, fail_before_commit=True)),
        ]
        a_first, b_failed = (finish(dagster_client, run) for run in launched)
        try:
            b_after_failure: Table | None = polaris_rest_catalog.load_table((b, MART_TABLE))
        except NoSuchTableError:
            b_after_failure = None
        launched = [
            dagster_client.launch_job(PUBLISH_JOB, publish_config(a)),
            dagster_client.launch_job(PUBLISH_JOB, publish_config(b)),
        ]
        a_second, b_rerun = (finish(dagster_client, run) for run in launched)
        yield Scenarios(a, b, a_first, a_second, b_failed, b_rerun, b_after_failure)
    finally:
        for namespace in (a, b):  # the session's own namespaces, never the pipeline's default
            drop_namespace_contents(polaris_rest_catalog, namespace)
            if (namespace,) in polaris_rest_catalog.list_namespaces():
                polaris_rest_catalog.drop_namespace(namespace)
