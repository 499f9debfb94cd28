"""The minimal profile as local processes: a gRPC code server for the demo code location,
the webserver and the daemon, sharing one per-run ``DAGSTER_HOME``.

The layout mirrors the chart: user code runs in its own server (which owns the DuckDB file
and launches run workers), webserver and daemon reach it over gRPC from ``workspace.yaml``.
The three are forked from one interpreter that imported Dagster once (``PRELOAD``,
``floe_testing.tools.preload``): the code server first, webserver and daemon once it answers,
so their first workspace load succeeds.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from floe_testing.core.cache import cache_root as default_cache_root

CODE_LOCATION = "floe_demo"
CODE_MODULE = "floe_demo.definitions"


@dataclass(frozen=True)
class DagsterLayout:
    """Files and addresses of one run's local Dagster instance."""

    workdir: Path
    webserver_port: int
    code_server_port: int
    host: str = "127.0.0.1"

    @property
    def dagster_home(self) -> Path:
        return self.workdir / "dagster_home"

    @property
    def workspace(self) -> Path:
        return self.workdir / "workspace.yaml"

    @property
    def duckdb_path(self) -> Path:
        return self.workdir / "warehouse.duckdb"

    @property
    def log_dir(self) -> Path:
        return self.workdir / "logs"

    def write(self) -> None:
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        instance = {
            "run_coordinator": {
                "module": "dagster._core.run_coordinator",
                "class": "QueuedRunCoordinator",
                # runs that write the demo's DuckDB file one at a time (floe_demo's writer tag);
                # publish-only runs read it and may overlap
                "config": {
                    "dequeue_interval_seconds": 1,
                    "max_concurrent_runs": 4,
                    "tag_concurrency_limits": [
                        {"key": "floe/duckdb", "value": "writer", "limit": 1}
                    ],
                },
            },
            "run_monitoring": {"enabled": True, "poll_interval_seconds": 5},
            # as the chart: step output stays in the run worker's log, not per-step files
            "compute_logs": {
                "module": "dagster._core.storage.noop_compute_log_manager",
                "class": "NoOpComputeLogManager",
            },
            "telemetry": {"enabled": False},
            "nux": {"enabled": False},
        }
        (self.dagster_home / "dagster.yaml").write_text(yaml.safe_dump(instance))
        workspace = {
            "load_from": [
                {
                    "grpc_server": {
                        "host": self.host,
                        "port": self.code_server_port,
                        "location_name": CODE_LOCATION,
                    }
                }
            ]
        }
        self.workspace.write_text(yaml.safe_dump(workspace))


# what the three services import, loaded once by the preload server they fork from
# (floe_demo itself is not: it reads its environment at import, and only the code server's has
# the data services' settings)
PRELOAD = ("dagster._cli", "dagster._daemon.cli", "dagster_webserver.cli", "dagster_duckdb")


@dataclass(frozen=True)
class PythonEntry:
    """A console script as ``ProcessSupervisor.start_python`` runs it: its target and argv."""

    target: str
    argv: list[str]


def code_server_entry(layout: DagsterLayout) -> PythonEntry:
    return PythonEntry(
        "dagster._cli:main",
        [
            "dagster",
            "api",
            "grpc",
            "--module-name",
            CODE_MODULE,
            "--host",
            layout.host,
            "--port",
            str(layout.code_server_port),
            "--location-name",
            CODE_LOCATION,
        ],
    )


def webserver_entry(layout: DagsterLayout) -> PythonEntry:
    return PythonEntry(
        "dagster_webserver.cli:main",
        [
            "dagster-webserver",
            "--host",
            layout.host,
            "--port",
            str(layout.webserver_port),
            "--workspace",
            str(layout.workspace),
        ],
    )


def daemon_entry(layout: DagsterLayout) -> PythonEntry:
    return PythonEntry(
        "dagster._daemon.cli:main", ["dagster-daemon", "run", "--workspace", str(layout.workspace)]
    )


def storage_template(cache_root: Path | None = None) -> Path:
    """A freshly migrated, empty SQLite instance storage, built once per Dagster version.

    Creating the storage costs ~3-4 s (importing Dagster and running its migrations); copying
    a template costs milliseconds, and webserver and daemon can then start at the same time
    without racing to create the same tables.
    """
    from importlib.metadata import version

    root = cache_root or default_cache_root()
    template = root / f"dagster-{version('dagster')}-storage"
    if (template / "history" / "runs.db").is_file():
        return template
    template.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="building-", dir=template.parent))
    subprocess.run(
        [sys.executable, "-c", _MIGRATE, str(building)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        building.rename(template)
    except OSError:  # another run built it first
        shutil.rmtree(building, ignore_errors=True)
    return template


_MIGRATE = (
    "import sys, dagster as dg\n"
    "with dg.DagsterInstance.from_config(sys.argv[1]) as instance:\n"
    "    instance.get_runs_count()\n"
)


def initialize_instance(layout: DagsterLayout) -> None:
    """Give the run its own copy of the empty instance storage (see ``storage_template``)."""
    shutil.copytree(storage_template(), layout.dagster_home, dirs_exist_ok=True)
