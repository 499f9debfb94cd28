"""Local backend: the profile's services as local processes, the suite as a pytest subprocess.

For machines without a cluster. Each run gets its own working directory (DAGSTER_HOME,
DuckDB file, logs) and free loopback ports, so parallel runs never share state. The suite
sees the same environment contract a test Job sees, with loopback addresses instead of
cluster DNS names.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from floe_testing.backends.base import Availability, Backend, TestOutcome
from floe_testing.backends.local import dagster, handoff, polaris
from floe_testing.backends.local.platform import DataPlatform
from floe_testing.backends.local.ports import free_ports
from floe_testing.config import LocalMode
from floe_testing.config.contract import endpoint_env, needs_cluster
from floe_testing.core.errors import InfrastructureError, UsageError
from floe_testing.core.polling import WaitTimeout, tcp_open, wait_for
from floe_testing.core.ui import Ui
from floe_testing.plan import RunPlan
from floe_testing.protocol import endpoints_file
from floe_testing.protocol.gate import GATE_ENV, GATE_TIMEOUT_ENV, STOP_ENV, open_gate
from floe_testing.tools.processes import ProcessSupervisor

if TYPE_CHECKING:
    from floe_testing.clients.dagster import DagsterClient

READY_TIMEOUT = 90.0
ENDPOINTS_FILE = "endpoints.env"
EMBEDDED_ENV = "FLOE_TEST_EMBEDDED"
DATA_SERVICES = {"seaweedfs", "polaris", "cube"}
LOG_DIR_ENV = "FLOE_TEST_LOG_DIR"
_GRACEFUL_STOP = 10.0
STOP_GRACE = 5.0  # seconds a service has to exit on SIGTERM before SIGKILL


class SuiteEndedEarly(Exception):
    """pytest ended while the platform was starting: it had nothing to run (no test matched
    the selection, collection failed, bad arguments), so start-up stops at once."""

    def __init__(self, status: int) -> None:
        super().__init__(f"pytest ended with status {status} before the platform was ready")
        self.status = status


class LocalBackend(Backend):
    name = "local"
    summary = "embedded: the profile's services as local processes"
    # pytest starts with the platform and collects meanwhile (False: the platform alone)
    starts_suite_with_platform = True

    def __init__(self) -> None:
        self.workdir: Path | None = None
        self.layout: dagster.DagsterLayout | None = None
        self.supervisor: ProcessSupervisor | None = None
        self.pytest: subprocess.Popen[bytes] | None = None
        self.gate = Path(os.devnull)
        self.data: DataPlatform | None = None
        self.early_status: int | None = None  # pytest's status when it ended during start-up
        self.dagster_timings: dict[str, float] = {}  # start-up steps, for platform-start.json
        self.started = 0.0

    @classmethod
    def availability(cls) -> Availability:
        if find_spec("dagster_webserver") is None:
            return Availability(False, "dagster-webserver is not installed (run `uv sync`)")
        return Availability(True, "runs Dagster and DuckDB as local processes; no cluster needed")

    def check(self, plan: RunPlan) -> None:
        missing = needs_cluster(plan.services)
        if missing:
            names = ", ".join(s.name for s in missing)
            profile = plan.profile.name if plan.profile else "none"
            raise UsageError(
                f"the {profile} profile needs {names}, which run only as containers; "
                "the local backend runs services marked local = process or embedded",
                "use --backend kind (Kind on this machine) or --backend cluster (a kubeconfig), "
                "or --profile minimal",
            )
        tools = self._missing_tools(plan)
        if tools:
            raise UsageError(
                f"the {plan.tier.name} tier's services need {', '.join(tools)}",
                "run scripts/catalog build && scripts/full-profile-setup (once), then retry",
            )
        if plan.shards > 1:
            raise UsageError(
                f"--shards {plan.shards}: the local backend runs the suite in one process",
                "drop --shards, or shard across pods with --backend kind or cluster",
            )

    @staticmethod
    def _missing_tools(plan: RunPlan) -> list[str]:
        """What the full profile's processes need that is not installed (checked up front)."""
        names = {s.name for s in plan.services}
        missing = []
        if "cube" in names and not shutil.which("node"):
            missing.append("Node.js (node) for Cube")
        if "polaris" in names:
            from floe_testing.backends.local.catalog import rest_catalog_jar

            try:
                rest_catalog_jar()
            except InfrastructureError:
                missing.append("the Iceberg REST catalog jar (scripts/catalog build)")
        return missing

    # -- start platform -------------------------------------------------------------
    def _runs_dagster(self, plan: RunPlan) -> bool:
        return any(s.local is LocalMode.PROCESS for s in plan.services)

    def start_platform(self, plan: RunPlan, ui: Ui) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix=f"floe-test-{plan.tier.name}-{plan.run_id}-"))
        self.gate = self.workdir / "platform-gate"
        if not self._runs_dagster(plan):
            ui.step("no platform services in this tier: tests run on the host")
            return
        webserver_port, code_port = free_ports(2)
        layout = dagster.DagsterLayout(self.workdir, webserver_port, code_port)
        layout.write()
        self.layout = layout
        # with --keep the platform must outlive this process: no PDEATHSIG then
        self.supervisor = ProcessSupervisor(layout.log_dir, die_with_parent=not plan.keep)
        env = {
            **os.environ,
            "DAGSTER_HOME": str(layout.dagster_home),
            "FLOE_DUCKDB_PATH": str(layout.duckdb_path),
            "PYTHONUNBUFFERED": "1",
        }
        ui.step(
            f"starting the {plan.profile.name if plan.profile else ''} profile in {self.workdir}"
        )
        start = self.started = time.perf_counter()
        # Dagster's import is most of each service's start: one interpreter imports it while
        # pytest starts and collects (the plugin holds its test loop at the gate) and the data
        # services start; then the three services fork from it
        self.supervisor.preload(dagster.PRELOAD, env, plan.project.root)
        dagster.initialize_instance(layout)  # a copied, already migrated storage
        if self.starts_suite_with_platform:
            self._start_pytest(plan, ui)
        try:
            code_env = self._start_data_services(plan, ui, env)
            ui.step("starting dagster-user-code, then dagster-webserver and dagster-daemon")
            self._start_dagster(layout, {**env, **code_env}, env, plan)
            if self.data is not None:
                self.data.await_independent()
                ui.step(f"data services ready: {self._timings()}")
            self._await_dagster(layout)
        except SuiteEndedEarly as ended:
            self.early_status = ended.status
            ui.step(f"{ended}: nothing to start the platform for, start-up stopped")
            return
        except BaseException as exc:
            open_gate(self.gate, f"start-up failed: {exc}")
            raise
        # the gate's environment was fixed at pytest's start: hand over what start-up learned
        self._write_endpoints(plan, self.workdir / ENDPOINTS_FILE)
        open_gate(self.gate)
        ready = time.perf_counter() - start
        handoff.write_timings(plan.results_dir, self.data, ready, self.dagster_timings)
        ui.step(f"platform ready in {ready:.1f}s: dagster http://{layout.host}:{webserver_port}")

    def _start_dagster(
        self,
        layout: dagster.DagsterLayout,
        code_env: dict[str, str],
        env: dict[str, str],
        plan: RunPlan,
    ) -> None:
        """The code server first; webserver and daemon once it answers, so that their first
        workspace load succeeds (no reload, no DagsterUserCodeUnreachableError logged)."""
        assert self.supervisor is not None
        code = dagster.code_server_entry(layout)
        root = plan.project.root
        server = self.supervisor.preload_server
        if server is not None:  # the fork would block: wait here, watching pytest and the rest
            self._await("Dagster to be imported", server.ready)
        self.supervisor.start_python("dagster-user-code", code.target, code.argv, code_env, root)
        self._mark("dagster imported")
        self._await(
            f"dagster-user-code on port {layout.code_server_port}",
            lambda: tcp_open(layout.host, layout.code_server_port, timeout=0.5),
        )
        self._mark("dagster-user-code")
        for service, entry in (
            ("dagster-webserver", dagster.webserver_entry(layout)),
            ("dagster-daemon", dagster.daemon_entry(layout)),
        ):
            self.supervisor.start_python(service, entry.target, entry.argv, env, root)

    def _mark(self, step: str) -> None:
        """Seconds from the platform's start to ``step`` (``platform-start.json``)."""
        self.dagster_timings[step] = round(time.perf_counter() - self.started, 2)

    def _start_data_services(self, plan: RunPlan, ui: Ui, env: dict[str, str]) -> dict[str, str]:
        """Start the full profile's data services; the code location's environment for them."""
        wanted = tuple(s for s in plan.services if s.name in DATA_SERVICES)
        if not wanted:
            return {}
        assert self.workdir is not None
        assert self.supervisor is not None
        names = [polaris.LOCAL_NAME if s.name == "polaris" else s.name for s in wanted]
        ui.step(f"starting {', '.join(names)} (and what they need)")
        if any(s.name == "polaris" for s in wanted):
            ui.info(polaris.STAND_IN_NOTE)
        self.data = DataPlatform(
            self.workdir, plan.project.root, self.supervisor, self._await, tuple(plan.services)
        )
        self.data.start(env)
        ui.step(f"ready: {self._timings()}")
        return self.data.code_location_env()

    def _timings(self) -> str:
        timings = self.data.timings if self.data is not None else {}
        return ", ".join(f"{name} {took:.1f}s" for name, took in timings.items())

    def _await_dagster(self, layout: dagster.DagsterLayout) -> None:
        from floe_testing.clients.dagster import DagsterClient

        with DagsterClient(f"http://{layout.host}:{layout.webserver_port}", timeout=5) as client:
            self._await(
                "dagster-webserver to load the demo code location",
                lambda: _location_loaded(client),
            )
            self._mark("dagster-webserver")
            self._await(
                "dagster-daemon to report healthy",
                lambda: all(client.daemon_health().values()),
            )
            self._mark("dagster-daemon")

    def _await(self, what: str, condition: Callable[[], object]) -> None:
        """Poll ``condition`` while the platform's processes stay alive; fail fast if one dies."""
        assert self.supervisor is not None
        supervisor = self.supervisor

        def ready() -> bool:
            if self.pytest is not None and self.pytest.poll() is not None:
                raise SuiteEndedEarly(self.pytest.returncode)
            dead = supervisor.dead()
            if dead:
                process = dead[0]
                raise InfrastructureError(
                    f"{process.name} exited with status {process.popen.returncode} during "
                    f"start-up:\n{process.log_tail()}",
                    f"read {process.log_path}; check `uv sync` and the demo code location "
                    "(floe_demo.definitions)",
                    cause="service-crashed",
                )
            return bool(condition())

        from floe_testing.clients.dagster import DagsterGraphQLError

        try:
            wait_for(
                ready,
                timeout=READY_TIMEOUT,
                interval=0.05,
                description=what,
                retry_on=(OSError, httpx.HTTPError, DagsterGraphQLError),
            )
        except WaitTimeout as exc:
            raise InfrastructureError(
                f"the platform did not become ready: {exc}",
                f"read the service logs in {supervisor.log_dir}",
                cause="readiness-deadline",
            ) from None

    # -- run tests ---------------------------------------------------------------------
    def test_environment(self, plan: RunPlan) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "FLOE_TEST_TIER": plan.tier.name,
                "FLOE_TEST_BACKEND": self.name,
                "FLOE_TEST_RUN_ID": plan.run_id,
            }
        )
        if self.layout is not None:
            ports = {
                ("dagster-webserver", "http"): self.layout.webserver_port,
                ("dagster-user-code", "grpc"): self.layout.code_server_port,
            }
            if self.data is not None:
                ports.update(self.data.ports())
                env.update(self.data.secrets_env())
            served = [
                s
                for s in plan.services
                if s.local is LocalMode.PROCESS or all((s.name, p.name) in ports for p in s.ports)
            ]
            hosts = {s.name: self.layout.host for s in served}
            env.update({e.name: e.value for e in endpoint_env(served, hosts, ports)})
            env[LOG_DIR_ENV] = str(self.layout.log_dir)
        if any(s.name == "polaris" for s in plan.services):
            # known before start-up (pytest collects, and deselects, while the platform starts)
            env[polaris.IMPLEMENTATION_ENV] = polaris.IMPLEMENTATION
        env.update(plan.settings)
        env[GATE_ENV] = str(self.gate)
        env[EMBEDDED_ENV] = ",".join(s.name for s in plan.services if s.local is LocalMode.EMBEDDED)
        if self.workdir is not None:
            env[endpoints_file.ENDPOINTS_FILE_ENV] = str(self.workdir / ENDPOINTS_FILE)
        env[GATE_TIMEOUT_ENV] = str(READY_TIMEOUT * 2)
        return env

    def _start_pytest(self, plan: RunPlan, ui: Ui) -> None:
        argv = [
            sys.executable, "-m", "pytest", plan.suite_arg,
            f"--junitxml={plan.junit_path}", "-o", f"junit_suite_name={plan.tier.name}",
            *plan.pytest_args,
        ]  # fmt: skip
        ui.console.file.flush()
        # its own process group: a terminal's Ctrl-C reaches floe-test only, which then stops
        # pytest once, quietly (SIGTERM; the plugin ends the session in one line, JUnit kept)
        env = {**self.test_environment(plan), STOP_ENV: "1"}
        self.pytest = subprocess.Popen(argv, cwd=plan.project.root, env=env, process_group=0)

    def run_tests(self, plan: RunPlan, ui: Ui) -> TestOutcome:
        if self.early_status is not None:  # it already ended, during start-up
            status, self.early_status = self.early_status, None
            return TestOutcome(status)
        if self.pytest is None or self.pytest.poll() is not None:
            # no platform to wait for, or a repeated run (soak) on the same platform
            open_gate(self.gate)
            self._start_pytest(plan, ui)
        ui.step(f"running {plan.suite_arg} (deadline {plan.timeout}s)")
        assert self.pytest is not None
        try:
            status = self.pytest.wait(timeout=plan.timeout)
        except subprocess.TimeoutExpired:
            self._stop_pytest()
            raise InfrastructureError(
                f"the {plan.tier.name} suite passed its {plan.timeout}s deadline; "
                "partial results were kept",
                f"look for a hanging test in {plan.junit_path}, or raise --timeout",
                cause="deadline",
            ) from None
        except BaseException:
            self._stop_pytest()
            raise
        if self.supervisor is not None and (dead := self.supervisor.dead()):
            return TestOutcome(status, f"{dead[0].name} exited while the tests ran")
        return TestOutcome(status)

    def _stop_pytest(self) -> None:
        """SIGTERM first (the plugin ends the session, writing the JUnit it has), then SIGKILL."""
        process = self.pytest
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=_GRACEFUL_STOP)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    # -- collect and teardown -------------------------------------------------------------
    def collect(self, plan: RunPlan, ui: Ui, failed: bool) -> None:
        self._stop_pytest()
        if self.layout is None or not self.layout.log_dir.is_dir():
            return
        target = plan.results_dir / "logs"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(self.layout.log_dir, target)
        if failed:
            ui.info(f"service logs: {target}")

    def teardown(self, plan: RunPlan, ui: Ui) -> None:
        if self.supervisor is not None:
            # every service gets SIGTERM and STOP_GRACE seconds to exit (Dagster's take ~2 s);
            # the SIGKILL line names only what had to be killed
            killed = self.supervisor.stop_all(grace=STOP_GRACE)
            if killed:
                ui.info(
                    f"did not exit within {STOP_GRACE:g}s of SIGTERM, killed: {', '.join(killed)}"
                )
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def contract_env(self, plan: RunPlan) -> dict[str, str]:
        """The contract's variables only (hosts, ports, secrets): what endpoints.env holds."""
        names = {
            name
            for service in plan.services
            for name in (
                service.host_env,
                *(p.env for p in service.ports),
                *(r.env for r in service.secrets),
            )
            if name
        }
        extra = set(self.data.secrets_env()) if self.data is not None else set()
        env = self.test_environment(plan)
        return {key: env[key] for key in sorted(names | extra) if key in env}

    def _write_endpoints(self, plan: RunPlan, path: Path) -> None:
        endpoints_file.write(
            path,
            self.contract_env(plan),
            f"floe-test {plan.tier.name} run {plan.run_id} ({plan.backend} backend): "
            "the contract's environment, secrets included.\nUse: set -a; . ./endpoints.env; set +a",
        )

    def _stop_script(self, plan: RunPlan) -> Path:
        assert self.supervisor is not None
        assert self.workdir is not None
        groups = self.supervisor.process_groups()
        return handoff.write_stop_script(plan.results_dir, groups, self.workdir)

    def resource_usage(self, plan: RunPlan) -> dict[str, dict[str, float]]:
        """Resident memory of each service with all its descendants (code servers, workers)."""
        if self.supervisor is None:
            return {}
        from floe_testing.backends.local.resources import service_rss

        return service_rss(self.supervisor)

    def keep_instructions(self, plan: RunPlan) -> str:
        if self.layout is None or self.supervisor is None:
            return f"nothing is running; working directory: {self.workdir}"
        endpoints = plan.results_dir / ENDPOINTS_FILE
        self._write_endpoints(plan, endpoints)
        env = self.test_environment(plan)
        exports = " ".join(
            f"{key}={env[key]}" for key in ("DAGSTER_HOST", "DAGSTER_PORT") if key in env
        )
        return (
            f"  Dagster UI and GraphQL: http://{self.layout.host}:{self.layout.webserver_port}\n"
            f"  run the suite again:    {exports} uv run pytest {plan.suite_arg}\n"
            f"  every endpoint+secret:  set -a; . {endpoints}; set +a   (mode 0600)\n"
            f"  service logs:           {self.layout.log_dir}\n"
            f"  stop it:                sh {self._stop_script(plan)}"
        )


def _location_loaded(client: DagsterClient) -> bool:
    """True once every location is LOADED; a location in error is reloaded once, then fatal.

    Called only after the code server listens, so a load error that survives a reload is
    the code location's own fault, not start-up order.
    """
    locations = client.locations()
    for location in locations:
        if location.error:
            reloaded = client.reload_location(location.name)
            if reloaded.error:
                raise InfrastructureError(
                    f"code location {location.name} failed to load: {reloaded.error}",
                    "fix the demo code location (floe_demo.definitions) and re-run",
                    cause="code-location",
                )
            return False
    return bool(locations) and all(loc.load_status == "LOADED" for loc in locations)
