"""``floe-test bootstrap catalog`` against the local stand-in: a real SeaweedFS and Iceberg's
REST catalog server. The bootstrap makes a bucket that does not exist yet and the demo
namespaces; a second run reports every item as already there and changes nothing."""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path

from pyiceberg.catalog.rest import RestCatalog

from floe_testing.backends.local.catalog import S3Store, rest_catalog_launch, start_rest_catalog
from floe_testing.backends.local.ports import free_ports
from floe_testing.bootstrap.catalog import bootstrap_catalog
from floe_testing.tools.processes import ProcessSupervisor
from harness.paths import FLOE_TEST

NAMESPACES = ("floe_demo", "floe_e2e")


def _bootstrap(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLOE_TEST, "bootstrap", "catalog", "--timeout", "60"],
        env={**os.environ, "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_bootstrap_makes_bucket_and_namespaces_once(
    seaweedfs: S3Store, supervisor: ProcessSupervisor, tmp_path: Path
) -> None:
    store = replace(seaweedfs, bucket="floe-bootstrap")  # not there yet: the bootstrap makes it
    (port,) = free_ports(1)
    launch = rest_catalog_launch(port, tmp_path / "catalog", store)
    start_rest_catalog(supervisor, launch)
    env = {
        "FLOE_CATALOG_URI": launch.uri,
        "FLOE_S3_ENDPOINT": store.endpoint,
        "FLOE_S3_BUCKET": store.bucket,
        "AWS_ACCESS_KEY_ID": store.access_key_id,
        "AWS_SECRET_ACCESS_KEY": store.secret_access_key,
        "FLOE_CATALOG_NAMESPACES": ",".join(NAMESPACES),
    }

    first = _bootstrap(env)
    assert first.returncode == 0, first.stderr
    assert "bucket floe-bootstrap at" in first.stderr
    assert first.stderr.count(": created") == 1 + len(NAMESPACES)

    second = _bootstrap(env)
    assert second.returncode == 0, second.stderr
    assert ": created" not in second.stderr
    assert f"{1 + len(NAMESPACES)} checked, 0 changed" in second.stderr

    catalog = RestCatalog("floe", **launch.pyiceberg_properties())
    assert {(name,) for name in NAMESPACES} <= set(catalog.list_namespaces())
    # the new bucket is usable: a table written through the catalog lands in it
    table = catalog.create_table("floe_demo.probe", schema=_schema())
    assert table.metadata_location.startswith("s3://floe-bootstrap/warehouse/floe_demo/probe/")
    for run in (first, second):
        assert store.secret_access_key not in run.stderr + run.stdout


def test_in_process_bootstrap_from_the_launch_is_idempotent(
    seaweedfs: S3Store, supervisor: ProcessSupervisor, tmp_path: Path
) -> None:
    """The local backend's call: ``bootstrap_catalog(launch.bootstrap_settings(...))``."""
    store = replace(seaweedfs, bucket="floe-in-process")
    (port,) = free_ports(1)
    launch = rest_catalog_launch(port, tmp_path / "catalog", store)
    start_rest_catalog(supervisor, launch)
    settings = launch.bootstrap_settings(NAMESPACES)
    first = bootstrap_catalog(settings, timeout=60)
    second = bootstrap_catalog(settings, timeout=60)
    assert [s.outcome for s in first] == ["created"] * (1 + len(NAMESPACES))
    assert [s.outcome for s in second] == ["exists"] * (1 + len(NAMESPACES))


def test_missing_settings_exit_2_and_change_nothing() -> None:
    result = _bootstrap({"FLOE_CATALOG_URI": "", "FLOE_S3_BUCKET": ""})
    assert result.returncode == 2
    assert "FLOE_CATALOG_URI" in result.stderr


def _schema() -> object:
    import pyarrow as pa

    return pa.schema([("id", pa.int64())])
