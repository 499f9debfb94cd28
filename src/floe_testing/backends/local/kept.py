"""A kept local platform: the profile's processes started once, detached, and reused by runs.

``platform up`` starts them exactly as a run does (the same ``LocalBackend.start_platform``,
without the early pytest and without PDEATHSIG, as ``--keep`` does) and records each
process (pid and start time, so a reused pid is never mistaken for it), the working
directory, its 0600 ``endpoints.env`` and the contract's health ports. A run against it
(``AttachedLocal``) probes that record, runs pytest with the contract's environment read
from ``endpoints.env`` and leaves the processes running.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from floe_testing.backends.base import TestOutcome
from floe_testing.backends.kept import Details, Health, Keeper, KeptRef
from floe_testing.backends.local.backend import (
    ENDPOINTS_FILE,
    LOG_DIR_ENV,
    STOP_GRACE,
    LocalBackend,
)
from floe_testing.core.errors import InfrastructureError
from floe_testing.core.polling import tcp_open
from floe_testing.core.ui import Ui
from floe_testing.plan import ClusterOptions, RunPlan
from floe_testing.protocol import endpoints_file
from floe_testing.protocol.gate import open_gate
from floe_testing.tools import processes

PROBE_TIMEOUT = 3.0  # seconds each health answer may take


@dataclass(frozen=True)
class KeptProcess:
    name: str
    pid: int
    started: float  # its start time: with the pid, this very process

    def running(self) -> bool:
        return processes.running(self.pid, self.started)


@dataclass(frozen=True)
class HealthPort:
    service: str
    host: str
    port: int


@dataclass(frozen=True)
class LocalRecord:
    """What ``platform up`` leaves in the registry for the local backend."""

    workdir: str
    log_dir: str
    endpoints_file: str
    dagster_url: str
    processes: tuple[KeptProcess, ...]
    health_ports: tuple[HealthPort, ...]

    def details(self) -> Details:
        return asdict(self)

    @classmethod
    def of(cls, details: Details) -> LocalRecord:
        return cls(
            workdir=details["workdir"],
            log_dir=details["log_dir"],
            endpoints_file=details["endpoints_file"],
            dagster_url=details["dagster_url"],
            processes=tuple(KeptProcess(**p) for p in details["processes"]),
            health_ports=tuple(HealthPort(**h) for h in details["health_ports"]),
        )

    def contract_env(self) -> dict[str, str]:
        """The contract's variables, secrets included (read from the 0600 file, never kept
        in the registry)."""
        return endpoints_file.read(Path(self.endpoints_file))


def probe_processes(record: LocalRecord) -> Health:
    """The cheap half of ``probe``: every process still running, its endpoints file there."""
    for process in record.processes:
        if not process.running():
            return Health(False, f"{process.name} (pid {process.pid}) is not running")
    if not Path(record.endpoints_file).is_file():
        return Health(False, f"{record.endpoints_file} is gone")
    return Health(True, "")


def probe(record: LocalRecord) -> Health:
    """Every process still running, every health port of the contract accepting connections,
    the webserver answering and each of Dagster's required daemons reporting healthy."""
    processes_health = probe_processes(record)
    if not processes_health.healthy:
        return processes_health
    for check in record.health_ports:
        try:
            tcp_open(check.host, check.port, timeout=PROBE_TIMEOUT)
        except OSError as exc:
            return Health(False, f"{check.service} refuses {check.host}:{check.port} ({exc})")
    from floe_testing.clients.dagster import DagsterClient, DagsterGraphQLError

    try:
        with DagsterClient(record.dagster_url, timeout=PROBE_TIMEOUT) as client:
            client.server_info()
            daemons = client.daemon_health()
    except (httpx.HTTPError, DagsterGraphQLError) as exc:
        return Health(False, f"dagster-webserver at {record.dagster_url} does not answer ({exc})")
    sick = sorted(name for name, healthy in daemons.items() if not healthy)
    if sick:
        return Health(False, f"dagster-daemon reports unhealthy: {', '.join(sick)}")
    return Health(True, "")


class _PlatformOnly(LocalBackend):
    """A run's start-up without the suite: ``platform up``."""

    starts_suite_with_platform = False


class LocalKeeper(Keeper):
    name = "local"

    def __init__(self) -> None:
        self.starting = _PlatformOnly()

    def up(self, plan: RunPlan, ui: Ui) -> Details:
        assert plan.keep, "a kept platform is started with keep (no PDEATHSIG)"
        self.starting.start_platform(plan, ui)
        return _record(self.starting, plan).details()

    def abandon(self, plan: RunPlan, ui: Ui) -> None:
        self.starting.collect(plan, ui, failed=True)
        self.starting.teardown(plan, ui)

    def where(self, details: Details) -> str:
        record = LocalRecord.of(details)
        return f"dagster {record.dagster_url}; endpoints {record.endpoints_file}"

    def health(self, details: Details) -> Health:
        return probe(LocalRecord.of(details))

    def run_options(self, details: Details, image: str | None) -> ClusterOptions:
        return ClusterOptions()

    def attach(self, details: Details, ref: KeptRef) -> AttachedLocal:
        return AttachedLocal(LocalRecord.of(details), ref)

    def down(self, details: Details, ui: Ui) -> None:
        record = LocalRecord.of(details)
        leaders = [p.pid for p in record.processes if p.running()]
        if leaders:
            ui.step(f"stopping {', '.join(p.name for p in record.processes if p.running())}")
            killed = processes.stop_groups(leaders, STOP_GRACE)
            if killed:
                ui.info(f"did not exit within {STOP_GRACE:g}s of SIGTERM, killed: {killed}")
        left = [p for p in record.processes if p.running()]
        shutil.rmtree(record.workdir, ignore_errors=True)
        if left:
            raise InfrastructureError(
                "still running after SIGKILL: "
                + ", ".join(f"{p.name} (pid {p.pid})" for p in left),
                f"end them by hand: kill -KILL {' '.join(str(p.pid) for p in left)}",
                cause="teardown",
            )


def _record(backend: LocalBackend, plan: RunPlan) -> LocalRecord:
    """The started platform as the registry keeps it (and its health ports from the contract)."""
    assert backend.workdir is not None
    assert backend.layout is not None
    assert backend.supervisor is not None
    env = backend.contract_env(plan)
    checks = []
    for service in plan.services:
        health = service.health
        host = env.get(service.host_env or "")
        if health is None or not host:
            continue
        port = env.get(service.port(health.port).env)
        if port:
            checks.append(HealthPort(service.name, host, int(port)))
    kept = []
    for process in backend.supervisor.processes:
        started = processes.start_time(process.pid)
        if started is None:
            raise InfrastructureError(
                f"{process.name} exited right after start-up:\n{process.log_tail()}",
                f"read {process.log_path}",
                cause="service-crashed",
            )
        kept.append(KeptProcess(process.name, process.pid, started))
    layout = backend.layout
    return LocalRecord(
        workdir=str(backend.workdir),
        log_dir=str(layout.log_dir),
        endpoints_file=str(backend.workdir / ENDPOINTS_FILE),
        dagster_url=f"http://{layout.host}:{layout.webserver_port}",
        processes=tuple(kept),
        health_ports=tuple(checks),
    )


class AttachedLocal(LocalBackend):
    """The suite as a pytest process against a kept platform; start = probe, no teardown."""

    def __init__(self, record: LocalRecord, ref: KeptRef) -> None:
        super().__init__()
        self.record = record
        self.ref = ref
        self.run_dir: Path | None = None

    def start_platform(self, plan: RunPlan, ui: Ui) -> None:
        """pytest starts and collects while the platform is probed (as in a cold run, the
        plugin holds its test loop at the gate), so the probe costs the run nothing."""
        health = probe_processes(self.record)
        if not health.healthy:
            raise self.ref.not_healthy(health)
        self.run_dir = Path(tempfile.mkdtemp(prefix=f"floe-test-{plan.run_id}-"))
        self.gate = self.run_dir / "platform-gate"
        self._start_pytest(plan, ui)
        health = probe(self.record)
        if not health.healthy:
            open_gate(self.gate, f"kept platform {self.ref.name} is not healthy")
            raise self.ref.not_healthy(health)
        open_gate(self.gate)
        if self.pytest is not None and self.pytest.poll() is not None:
            self.early_status = self.pytest.returncode  # it had nothing to run: its verdict
        ui.step(f"kept platform {self.ref.name}: healthy ({self.record.dagster_url})")

    def test_environment(self, plan: RunPlan) -> dict[str, str]:
        env = super().test_environment(plan)
        env.update(self.record.contract_env())
        env[LOG_DIR_ENV] = self.record.log_dir
        env[endpoints_file.ENDPOINTS_FILE_ENV] = self.record.endpoints_file
        return env

    def run_tests(self, plan: RunPlan, ui: Ui) -> TestOutcome:
        outcome = super().run_tests(plan, ui)
        ended = [p.name for p in self.record.processes if not p.running()]
        if ended:
            detail = f"{', '.join(ended)} of kept platform {self.ref.name} ended during the tests"
            return TestOutcome(outcome.exit_status, detail)
        return outcome

    def collect(self, plan: RunPlan, ui: Ui, failed: bool) -> None:
        super().collect(plan, ui, failed)  # stops pytest
        target = plan.results_dir / "logs"
        shutil.rmtree(target, ignore_errors=True)
        with contextlib.suppress(OSError):
            shutil.copytree(self.record.log_dir, target)
            if failed:
                ui.info(f"service logs: {target}")

    def teardown(self, plan: RunPlan, ui: Ui) -> None:
        """The kept platform stays up; only this run's scratch goes."""
        if self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def resource_usage(self, plan: RunPlan) -> dict[str, dict[str, float]]:
        from floe_testing.backends.local.resources import tree_rss

        return {
            p.name: {"rss_bytes": float(tree_rss(p.pid)), "restarts": 0.0}
            for p in self.record.processes
            if p.running()
        }

    def keep_instructions(self, plan: RunPlan) -> str:
        return f"kept platform {self.ref.name} stays up: floe-test platform down {self.ref.name}"
