"""The local REST catalog (Iceberg's RESTCatalogServer) against a real SeaweedFS.

Proves the launch built by ``floe_testing.backends.local.catalog``: PyIceberg creates a
namespace and a table, appends twice (two snapshots), reads back through the catalog, and a
restarted server still knows the table (the SQLite metastore is a file in the state dir).
Startup time and RSS are recorded as JUnit properties, not asserted (speed lives in benchmarks/).
"""

from __future__ import annotations

import time
from pathlib import Path

import psutil
import pyarrow as pa
import pytest
from pyiceberg.catalog.rest import RestCatalog

from floe_testing.backends.local.catalog import (
    RestCatalogLaunch,
    S3Store,
    rest_catalog_launch,
    start_rest_catalog,
)
from floe_testing.backends.local.ports import free_ports
from floe_testing.tools.processes import ManagedProcess, ProcessSupervisor

ROWS = pa.table({"order_id": [1, 2, 3], "segment": ["retail", "retail", "wholesale"]})


def _start(
    supervisor: ProcessSupervisor, launch: RestCatalogLaunch, record: pytest.RecordProperty
) -> ManagedProcess:
    started = time.monotonic()
    process = start_rest_catalog(supervisor, launch)
    record("catalog_startup_seconds", f"{time.monotonic() - started:.2f}")
    return process


def _catalog(launch: RestCatalogLaunch) -> RestCatalog:
    return RestCatalog("floe", **launch.pyiceberg_properties())


def test_round_trip_two_snapshots_and_restart(
    seaweedfs: S3Store,
    supervisor: ProcessSupervisor,
    tmp_path: Path,
    record_property: pytest.RecordProperty,
) -> None:
    (port,) = free_ports(1)
    launch = rest_catalog_launch(port, tmp_path / "catalog", seaweedfs)
    process = _start(supervisor, launch, record_property)

    catalog = _catalog(launch)
    catalog.create_namespace_if_not_exists("demo")
    table = catalog.create_table("demo.orders", schema=ROWS.schema)
    table.append(ROWS)
    table.append(ROWS)
    rss = psutil.Process(process.pid).memory_info().rss
    record_property("catalog_rss_mib", f"{rss / 2**20:.0f}")

    loaded = catalog.load_table("demo.orders")
    assert len(loaded.snapshots()) == 2
    assert loaded.scan().to_arrow().num_rows == 2 * ROWS.num_rows
    assert loaded.metadata_location.startswith(f"{seaweedfs.warehouse}/demo/orders/")
    first = loaded.snapshots()[0].snapshot_id
    assert loaded.scan(snapshot_id=first).to_arrow().num_rows == ROWS.num_rows

    # a new server on the same state dir still knows the table: the metastore is a file
    supervisor.stop_all(grace=10.0)
    assert launch.metastore.is_file()
    restarted = ProcessSupervisor(tmp_path / "logs-restart")
    try:
        _start(restarted, launch, record_property)
        again = _catalog(launch).load_table("demo.orders")
        assert [s.snapshot_id for s in again.snapshots()] == [
            s.snapshot_id for s in loaded.snapshots()
        ]
    finally:
        restarted.stop_all(grace=10.0)

    logs = "".join(p.read_text(errors="replace") for p in tmp_path.glob("logs*/*.log"))
    assert "jdbc:sqlite:file:" in logs
    assert seaweedfs.secret_access_key not in logs
