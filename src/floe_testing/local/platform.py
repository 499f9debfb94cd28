"""The full profile's data services as local processes: PostgreSQL, SeaweedFS, Polaris, Cube.

Start order follows the dependencies, everything else in parallel:

    PostgreSQL -> Polaris -> bootstrap --+--> (Dagster code server: needs the credentials)
    SeaweedFS (bucket) ------------------+
    Cube (npm install cached; reads the mart's Parquet export once the pipeline wrote it)

Each service is health-checked from the contract (its ``health`` port and path) plus what the
next step needs (the warehouse bucket exists, the bootstrap finished). All processes belong to
the backend's one ``ProcessSupervisor``, so teardown ends them like the Dagster processes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from floe_testing.config import Service
from floe_testing.local import cube, polaris, postgres, seaweedfs
from floe_testing.local.processes import ProcessSupervisor
from floe_testing.polling import tcp_open

Await = Callable[[str, Callable[[], object]], None]


def free_ports(count: int) -> list[int]:
    from floe_testing.backends.local import free_ports as allocate

    return allocate(count)


@dataclass
class DataPlatform:
    """Ports, credentials and files of one run's data services (full profile)."""

    workdir: Path
    project_root: Path
    supervisor: ProcessSupervisor
    wait: Await
    services: tuple[Service, ...]
    timings: dict[str, float] = field(default_factory=dict)
    s3: seaweedfs.SeaweedLayout | None = None
    pg: postgres.PostgresLayout | None = None
    catalog: polaris.PolarisLayout | None = None
    principals: polaris.Principals | None = None
    cube: cube.CubeLayout | None = None

    @property
    def names(self) -> set[str]:
        return {s.name for s in self.services}

    @property
    def mart_path(self) -> Path:
        return self.workdir / "cube" / cube.MART_FILE

    # -- start ----------------------------------------------------------------------------
    def start(self, env: Mapping[str, str]) -> None:
        """Start every data service of the profile and return once all are healthy."""
        with ThreadPoolExecutor(max_workers=3, thread_name_prefix="floe-start") as pool:
            jobs: list[Future[None]] = []
            if "seaweedfs" in self.names:
                jobs.append(pool.submit(self._timed, "seaweedfs", self.start_seaweedfs, env))
            if "cube" in self.names:
                jobs.append(pool.submit(self._timed, "cube", self.start_cube, env))
            if "polaris" in self.names:
                self._timed("postgresql", self.start_postgres, env)
                self._timed("polaris", self.start_polaris, env)
            for job in jobs:
                job.result()
            if "polaris" in self.names:
                self._timed("bootstrap", self.run_bootstrap, env)

    def _timed(
        self, name: str, step: Callable[[Mapping[str, str]], None], env: Mapping[str, str]
    ) -> None:
        import time

        started = time.perf_counter()
        step(env)
        self.timings[name] = round(time.perf_counter() - started, 2)

    def start_seaweedfs(self, env: Mapping[str, str]) -> None:
        layout = seaweedfs.SeaweedLayout(
            self.workdir / "seaweedfs",
            tuple(free_ports(seaweedfs.PORTS_NEEDED)),
            seaweedfs.S3Credentials.generate(),
        )
        layout.write()
        self.supervisor.start("seaweedfs", seaweedfs.command(layout), env, layout.root)
        self.s3 = layout
        self.wait("seaweedfs: S3 and the warehouse bucket", seaweedfs.bucket_ready(layout))

    def start_postgres(self, env: Mapping[str, str]) -> None:
        layout = postgres.PostgresLayout.create(self.workdir / "postgresql", free_ports(1)[0])
        postgres.initdb(layout)
        self.supervisor.start(
            "postgresql", postgres.server_command(layout), env, layout.root, postgres.run_as()
        )
        self.pg = layout
        self.wait(f"postgresql on port {layout.port}", lambda: tcp_open(layout.host, layout.port))

    def start_polaris(self, env: Mapping[str, str]) -> None:
        assert self.pg is not None
        build = polaris.ensure_built(self.project_root)
        layout = polaris.PolarisLayout.create(
            self.workdir / "polaris",
            (free_ports(2)[0], free_ports(2)[1]),
            (self.pg.jdbc_url, postgres.USER, self.pg.password),
        )
        layout.root.mkdir(parents=True, exist_ok=True)
        argv, extra = polaris.command(layout, build)
        self.supervisor.start("polaris", argv, {**env, **extra}, layout.root)
        self.catalog = layout
        self.wait(
            "polaris to report ready (/q/health/ready)",
            lambda: (
                httpx.get(f"{layout.management_url}/q/health/ready", timeout=2).status_code == 200
            ),
        )

    def run_bootstrap(self, env: Mapping[str, str]) -> None:
        assert self.catalog is not None
        assert self.s3 is not None
        self.principals = polaris.bootstrap(self.catalog, self.s3.endpoint, seaweedfs.REGION)

    def start_cube(self, env: Mapping[str, str]) -> None:
        install = cube.ensure_installed(self.project_root)
        self.mart_path.parent.mkdir(parents=True, exist_ok=True)
        layout = cube.CubeLayout(
            self.project_root, install, free_ports(1)[0], self.mart_path, cube.generate_secret()
        )
        self.supervisor.start("cube", cube.command(layout), layout.env(env), layout.workdir)
        self.cube = layout
        self.wait(
            "cube to report ready (/readyz)",
            lambda: (
                httpx.get(f"http://{layout.host}:{layout.port}/readyz", timeout=2).status_code
                == 200
            ),
        )

    # -- what others see ----------------------------------------------------------------------
    def ports(self) -> dict[tuple[str, str], int]:
        ports: dict[tuple[str, str], int] = {}
        if self.s3:
            ports[("seaweedfs", "s3")] = self.s3.s3_port
        if self.catalog:
            ports[("polaris", "http")] = self.catalog.http_port
            ports[("polaris", "management")] = self.catalog.management_port
        if self.pg:
            ports[("postgresql", "postgresql")] = self.pg.port
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
        if self.principals:
            env["POLARIS_CLIENT_ID"] = self.principals.tests.client_id
            env["POLARIS_CLIENT_SECRET"] = self.principals.tests.client_secret
            env["POLARIS_NO_GRANTS_CLIENT_ID"] = self.principals.no_grants.client_id
            env["POLARIS_NO_GRANTS_CLIENT_SECRET"] = self.principals.no_grants.client_secret
            env["POLARIS_CATALOG"] = polaris.CATALOG
        if self.cube:
            env["CUBE_API_SECRET"] = self.cube.api_secret
        return env

    def code_location_env(self) -> dict[str, str]:
        """What the demo code location needs to publish (``floe_demo.catalog``)."""
        if self.catalog is None or self.principals is None or self.s3 is None:
            return {}
        return {
            "FLOE_ICEBERG_URI": f"{self.catalog.url}/api/catalog",
            "FLOE_ICEBERG_CREDENTIAL": self.principals.pipeline.credential,
            "FLOE_ICEBERG_WAREHOUSE": polaris.CATALOG,
            "FLOE_S3_ENDPOINT": self.s3.endpoint,
            "AWS_ACCESS_KEY_ID": self.s3.credentials.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.s3.credentials.secret_access_key,
            "AWS_REGION": seaweedfs.REGION,
            "FLOE_CUBE_MART": str(self.mart_path),
        }


def inherit(env: Mapping[str, str]) -> dict[str, str]:
    return {**os.environ, **env}
