"""The full profile's data services as local processes: SeaweedFS, the catalog, Cube.

Start order follows the dependencies, everything else in parallel:

    SeaweedFS (bucket) -> catalog (the contract's polaris: Iceberg's REST server, see
                          floe_testing.backends.local.polaris) -> (Dagster code server: needs both)
    Cube (npm install cached; reads the mart's Parquet export once the pipeline wrote it)

Each service is health-checked from the contract (its ``health`` port and path) plus what the
next step needs (the warehouse bucket exists, the bootstrap finished). All processes belong to
the backend's one ``ProcessSupervisor``, so teardown ends them like the Dagster processes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from floe_testing.backends.local import cube, polaris, seaweedfs
from floe_testing.backends.local.catalog import S3Store
from floe_testing.backends.local.ports import free_ports
from floe_testing.config import Service
from floe_testing.core.errors import InfrastructureError
from floe_testing.tools.processes import ManagedProcess, ProcessSupervisor

Await = Callable[[str, Callable[[], object]], None]
PORT_ATTEMPTS = 3  # SeaweedFS's start on fresh ports when another run took one of them


@dataclass
class DataPlatform:
    """Ports, credentials and files of one run's data services (full profile)."""

    workdir: Path
    project_root: Path
    supervisor: ProcessSupervisor
    wait: Await
    services: tuple[Service, ...]
    timings: dict[str, float] = field(default_factory=dict)
    started: float = 0.0
    s3: seaweedfs.SeaweedLayout | None = None
    catalog: polaris.CatalogStandIn | None = None
    cube: cube.CubeLayout | None = None

    @property
    def names(self) -> set[str]:
        return {s.name for s in self.services}

    @property
    def mart_path(self) -> Path:
        return self.workdir / "cube" / cube.MART_FILE

    # -- start ----------------------------------------------------------------------------
    def start(self, env: Mapping[str, str]) -> None:
        """Start every data service; return once those the code location needs are healthy.

        Processes are started from this (the main) thread only: PDEATHSIG follows the thread
        that forked a child, so a child started from a worker thread would die with it.
        Waiting needs no threads either: every process starts first, then each is awaited.
        """
        started = time.perf_counter()
        if "cube" in self.names:
            self.launch_cube(env)
        if "seaweedfs" in self.names:
            self._start_seaweedfs(env, started)
        if "polaris" in self.names:
            self.launch_catalog()
            self._awaited("catalog", started, self._catalog_ready)
        self.started = started

    def bootstrap(self) -> None:
        """The same idempotent bootstrap the chart's hook runs (``floe-test bootstrap catalog``)."""
        from floe_testing.bootstrap.catalog import bootstrap_catalog
        from floe_testing.bootstrap.settings import DEFAULT_NAMESPACES

        assert self.catalog is not None
        settings = self.catalog.launch.bootstrap_settings(DEFAULT_NAMESPACES)
        bootstrap_catalog(settings, timeout=30.0)

    def await_independent(self) -> None:
        """Bootstrap and wait for Cube: nothing started before needs them (the pipeline creates
        its namespace itself; the bootstrap only makes the state explicit and idempotent)."""
        if self.catalog is not None:
            self.bootstrap()
            self.timings["bootstrap"] = round(time.perf_counter() - self.started, 2)
        if self.cube is not None:
            self._awaited("cube", self.started, self._cube_ready)

    def _awaited(self, name: str, since: float, ready: Callable[[], bool]) -> None:
        self.wait(f"{name} to report healthy", ready)
        self.timings[name] = round(time.perf_counter() - since, 2)

    def _start_seaweedfs(self, env: Mapping[str, str], started: float) -> None:
        """SeaweedFS takes ten ports, each probed free but bound only once weed runs: another
        run on the machine can take one in between, and weed then exits at once naming it.
        That, and only that, starts it again on fresh ports."""
        for attempt in range(1, PORT_ATTEMPTS + 1):
            process = self.launch_seaweedfs(env)
            try:
                self._awaited("seaweedfs", started, seaweedfs.bucket_ready(self.s3))  # type: ignore[arg-type]
                return
            except InfrastructureError:
                if (
                    attempt == PORT_ATTEMPTS
                    or process.alive()
                    or not seaweedfs.port_taken(process.log_tail())
                ):
                    raise
                self.supervisor.discard(process)

    def launch_seaweedfs(self, env: Mapping[str, str]) -> ManagedProcess:
        layout = seaweedfs.SeaweedLayout(
            self.workdir / "seaweedfs",
            (*free_ports(seaweedfs.PORTS_NEEDED), *seaweedfs.admin_ports()),
            seaweedfs.S3Credentials.generate(),
        )
        layout.write()
        process = self.supervisor.start("seaweedfs", seaweedfs.command(layout), env, layout.root)
        self.s3 = layout
        return process

    def launch_catalog(self) -> None:
        assert self.s3 is not None, "the catalog needs SeaweedFS first"
        store = S3Store(
            self.s3.endpoint,
            seaweedfs.WAREHOUSE_BUCKET,
            self.s3.credentials.access_key_id,
            self.s3.credentials.secret_access_key,
            seaweedfs.REGION,
        )
        catalog = polaris.prepare(self.workdir / "catalog", free_ports(1)[0], store)
        launch = catalog.launch
        self.supervisor.start("polaris", launch.argv, launch.env, launch.state_dir)
        self.catalog = catalog

    def _catalog_ready(self) -> bool:
        """The Iceberg REST stand-in for polaris answers ``/v1/config``."""
        assert self.catalog is not None
        return httpx.get(f"{self.catalog.uri}/v1/config", timeout=2).status_code == 200

    def launch_cube(self, env: Mapping[str, str]) -> None:
        install = cube.ensure_installed(self.project_root)
        self.mart_path.parent.mkdir(parents=True, exist_ok=True)
        layout = cube.CubeLayout(
            self.project_root, install, free_ports(1)[0], self.mart_path, cube.generate_secret()
        )
        self.supervisor.start("cube", cube.command(layout), layout.env(env), layout.workdir)
        self.cube = layout

    def _cube_ready(self) -> bool:
        assert self.cube is not None
        url = f"http://{self.cube.host}:{self.cube.port}/readyz"
        return httpx.get(url, timeout=2).status_code == 200

    # -- what others see ----------------------------------------------------------------------
    def ports(self) -> dict[tuple[str, str], int]:
        ports: dict[tuple[str, str], int] = {}
        if self.s3:
            ports[("seaweedfs", "s3")] = self.s3.s3_port
        if self.catalog:
            # the stand-in serves the REST API and its health on one port
            ports[("polaris", "http")] = self.catalog.port
            ports[("polaris", "management")] = self.catalog.port
        if self.cube:
            ports[("cube", "http")] = self.cube.port
        return ports

    def secrets_env(self) -> dict[str, str]:
        """The contract's Secret-backed variables, as a test Job would get them."""
        env: dict[str, str] = {}
        if self.s3:
            env["AWS_ACCESS_KEY_ID"] = self.s3.credentials.access_key_id
            env["AWS_SECRET_ACCESS_KEY"] = self.s3.credentials.secret_access_key
            env["AWS_REGION"] = seaweedfs.REGION
        if self.catalog:
            env.update(self.catalog.test_env())
        if self.cube:
            env["CUBE_API_SECRET"] = self.cube.api_secret
        return env

    def code_location_env(self) -> dict[str, str]:
        """What the demo code location needs to publish (``floe_demo.catalog``)."""
        if self.catalog is None or self.s3 is None:
            return {}
        return {
            "FLOE_ICEBERG_URI": self.catalog.uri,
            "FLOE_ICEBERG_WAREHOUSE": polaris.CATALOG,
            "FLOE_S3_ENDPOINT": self.s3.endpoint,
            "AWS_ACCESS_KEY_ID": self.s3.credentials.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.s3.credentials.secret_access_key,
            "AWS_REGION": seaweedfs.REGION,
            "FLOE_CUBE_MART": str(self.mart_path),
        }
