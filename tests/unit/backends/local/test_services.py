"""The full profile's launchers: every SeaweedFS listener on its own port, Cube's environment."""

from __future__ import annotations

import json
from pathlib import Path

from floe_testing.backends.local import cube, seaweedfs


def _layout(tmp_path: Path) -> seaweedfs.SeaweedLayout:
    ports = tuple(range(41000, 41000 + seaweedfs.PORTS_NEEDED)) + seaweedfs.admin_ports()
    return seaweedfs.SeaweedLayout(tmp_path, ports, seaweedfs.S3Credentials("key", "secret"))


def test_weed_gets_a_port_per_listener_and_no_side_servers(tmp_path: Path) -> None:
    layout = _layout(tmp_path)
    argv = seaweedfs.command(layout)
    flags = dict(arg.lstrip("-").split("=", 1) for arg in argv[2:] if "=" in arg)
    ports = [v for k, v in flags.items() if k.endswith(("port", "port.grpc"))]
    assert len(ports) == len(set(ports)) == 10
    assert flags["s3.port"] == str(layout.s3_port)
    assert flags["s3.port.iceberg"] == flags["s3.port.lance"] == "0"
    assert flags["webdav"] == flags["admin.ui"] == "false"
    assert flags["bucket"] == seaweedfs.WAREHOUSE_BUCKET
    assert int(flags["admin.port"]) + seaweedfs.GRPC_OFFSET == int(flags["admin.port.grpc"])


def test_s3_identity_file_is_private_and_holds_the_credentials(tmp_path: Path) -> None:
    layout = _layout(tmp_path)
    layout.write()
    assert layout.config_file.stat().st_mode & 0o077 == 0
    identity = json.loads(layout.config_file.read_text())["identities"][0]
    assert identity["credentials"] == [{"accessKey": "key", "secretKey": "secret"}]


def test_cube_runs_the_pinned_install_with_the_shim_directory(tmp_path: Path) -> None:
    layout = cube.CubeLayout(tmp_path, tmp_path / "install", 4123, tmp_path / "m.parquet", "s")
    env = layout.env({"PATH": "/bin"})
    assert env["NODE_PATH"] == str(tmp_path / "install" / "node_modules")
    assert env["CUBEJS_DEV_MODE"] == "false"  # dev mode wants Cube Store from GitHub
    assert env["CUBEJS_PG_SQL_PORT"] == "false"  # the SQL API is off
    assert env["FLOE_CUBE_MART"] == str(tmp_path / "m.parquet")
    assert layout.workdir == tmp_path / cube.CUBE_DIR
    assert cube.command(layout)[-1] == "server"
