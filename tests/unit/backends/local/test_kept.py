"""The local keeper's record and health probe, on real processes and sockets."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from floe_testing.backends.kept import KeptRef
from floe_testing.backends.local.kept import HealthPort, KeptProcess, LocalRecord, probe
from floe_testing.core.errors import EXIT_INFRASTRUCTURE
from floe_testing.protocol import endpoints_file
from floe_testing.tools.processes import start_time


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    """A live process standing in for a kept service: it waits for a signal until killed."""
    process = subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"])
    yield process
    process.kill()
    process.wait()


def _record(tmp_path: Path, processes: tuple[KeptProcess, ...], port: int) -> LocalRecord:
    endpoints = tmp_path / "endpoints.env"
    endpoints_file.write(endpoints, {"DAGSTER_HOST": "127.0.0.1", "DAGSTER_PORT": str(port)})
    return LocalRecord(
        workdir=str(tmp_path),
        log_dir=str(tmp_path / "logs"),
        endpoints_file=str(endpoints),
        dagster_url=f"http://127.0.0.1:{port}",
        processes=processes,
        health_ports=(HealthPort("dagster-webserver", "127.0.0.1", port),),
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_record_round_trips_through_its_json_details(tmp_path: Path) -> None:
    record = _record(tmp_path, (KeptProcess("dagster-daemon", 7, 1.5),), 3000)
    assert LocalRecord.of(record.details()) == record
    assert record.contract_env() == {"DAGSTER_HOST": "127.0.0.1", "DAGSTER_PORT": "3000"}


def test_an_ended_process_makes_it_unhealthy_naming_the_service(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    started = start_time(sleeper.pid)
    assert started is not None
    record = _record(tmp_path, (KeptProcess("dagster-daemon", sleeper.pid, started),), 1)
    sleeper.kill()
    sleeper.wait()
    health = probe(record)
    assert not health.healthy
    assert health.detail == f"dagster-daemon (pid {sleeper.pid}) is not running"


def test_a_reused_pid_is_not_the_kept_process(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    record = _record(tmp_path, (KeptProcess("dagster-daemon", sleeper.pid, 12.0),), 1)
    assert "dagster-daemon" in probe(record).detail


def test_a_port_that_refuses_makes_it_unhealthy(
    tmp_path: Path, sleeper: subprocess.Popen[bytes]
) -> None:
    started = start_time(sleeper.pid)
    assert started is not None
    port = _closed_port()
    record = _record(tmp_path, (KeptProcess("dagster-webserver", sleeper.pid, started),), port)
    health = probe(record)
    assert not health.healthy
    assert health.detail.startswith(f"dagster-webserver refuses 127.0.0.1:{port}")


def test_an_unhealthy_platform_is_exit_3_with_the_restart_command() -> None:
    from floe_testing.backends.kept import Health

    ref = KeptRef("local-minimal", "floe-test platform up integration --name local-minimal")
    error = ref.not_healthy(Health(False, "dagster-daemon (pid 7) is not running"))
    assert error.exit_code == EXIT_INFRASTRUCTURE
    assert "kept platform local-minimal is not healthy" in error.message
    assert "floe-test platform up integration --name local-minimal" in (error.hint or "")
