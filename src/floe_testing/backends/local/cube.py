"""Cube as a local Node.js process: the pinned npm install, ``platform/cube`` as its directory.

``scripts/cube-install`` installs the server once into the cache (keyed by version and lock
file). The process runs ``platform/cube/cube.js`` (configuration + the compatibility shim, see
``platform/cube/README.md``) and the YAML model there, reading the mart's Parquet hand-off
file through DuckDB's built-in Parquet reader (no extension download needed).
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from floe_testing.core.errors import InfrastructureError

CUBE_DIR = Path("platform") / "cube"
INSTALL_SCRIPT = Path("scripts") / "cube-install"
MART_FILE = "daily_revenue_by_segment.parquet"
# the server module, started directly: its bin wrapper insists on Node.js 22 (not needed)
SERVER_MODULE = Path("node_modules/@cubejs-backend/server/dist/src/bin/server.js")


@dataclass(frozen=True)
class CubeLayout:
    project_root: Path
    install: Path
    port: int
    mart_path: Path
    api_secret: str
    host: str = "127.0.0.1"

    @property
    def workdir(self) -> Path:
        return self.project_root / CUBE_DIR

    def env(self, base: Mapping[str, str]) -> dict[str, str]:
        return {
            **base,
            "NODE_PATH": str(self.install / "node_modules"),
            "NODE_ENV": "production",
            "PORT": str(self.port),
            "CUBEJS_DB_TYPE": "duckdb",
            "CUBEJS_API_SECRET": self.api_secret,
            "CUBEJS_DEV_MODE": "false",
            "CUBEJS_SCHEMA_PATH": "model",
            "CUBEJS_PG_SQL_PORT": "false",
            "CUBEJS_CACHE_AND_QUEUE_DRIVER": "memory",
            "CUBEJS_TELEMETRY": "false",
            "FLOE_CUBE_MART": str(self.mart_path),
        }


def generate_secret() -> str:
    return secrets.token_urlsafe(36)


def ensure_installed(project_root: Path) -> Path:
    """The cached npm install of the pinned Cube (installs it on first use, ~1 minute)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise InfrastructureError(
            "Node.js is not installed: Cube runs as a Node.js process",
            "apt-get install nodejs npm (Node.js 20 or newer)",
            cause="missing-tool",
        )
    result = subprocess.run(
        [str(project_root / INSTALL_SCRIPT)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise InfrastructureError(
            f"installing Cube failed: {result.stderr.strip()[-800:]}",
            f"run {INSTALL_SCRIPT} by hand and read its output",
            cause="install",
        )
    return Path(result.stdout.strip().splitlines()[-1])


def command(layout: CubeLayout) -> list[str]:
    node = shutil.which("node") or "node"
    return [node, str(layout.install / SERVER_MODULE), "server"]
