"""SeaweedFS starts again on fresh ports when another run took one of its ports (weed exits at
once naming it), and only then: any other early exit is the platform's failure."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from floe_testing.backends.local import platform, seaweedfs
from floe_testing.backends.local.platform import DataPlatform
from floe_testing.core.errors import InfrastructureError
from floe_testing.core.polling import wait_for
from floe_testing.tools.processes import ProcessSupervisor

TAKEN = (
    "E1205 23:49:57.303277 mini.go:1244 Port allocation failed: port 32491 for Master "
    "(specified by flag master.port) is not available on 127.0.0.1 and cannot be used"
)
# a stand-in weed: the first `failures` starts exit 1 printing `message`, later ones run
FAKE_WEED = """
import sys, threading
from pathlib import Path
count = Path(sys.argv[1]); starts = int(count.read_text() or 0) + 1 if count.exists() else 1
count.write_text(str(starts))
if starts <= int(sys.argv[2]):
    print(sys.argv[3], flush=True)
    sys.exit(1)
Path(sys.argv[4]).write_text("up")
threading.Event().wait()  # serves until the supervisor stops it
"""


def _platform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failures: int, message: str
) -> tuple[DataPlatform, Path]:
    script = tmp_path / "weed.py"
    script.write_text(FAKE_WEED)
    count, up = tmp_path / "starts", tmp_path / "up"
    argv = [sys.executable, str(script), str(count), str(failures), message, str(up)]
    monkeypatch.setattr(seaweedfs, "command", lambda layout: argv)
    monkeypatch.setattr(seaweedfs, "bucket_ready", lambda layout: up.exists)
    supervisor = ProcessSupervisor(tmp_path / "logs")

    def wait(what: str, ready: Callable[[], object]) -> None:  # the backend's _await, in small
        def check() -> bool:
            if supervisor.dead():
                raise InfrastructureError(f"{supervisor.dead()[0].name} exited during start-up")
            return bool(ready())

        wait_for(check, timeout=30, interval=0.05, description=what, retry_on=(OSError,))

    service = SimpleNamespace(name="seaweedfs")  # all DataPlatform reads of a Service here
    data = DataPlatform(tmp_path / "work", tmp_path, supervisor, wait, (service,))  # type: ignore[arg-type]
    return data, count


@pytest.fixture
def stop_all():  # type: ignore[no-untyped-def]
    supervisors: list[ProcessSupervisor] = []
    yield supervisors.append
    for supervisor in supervisors:
        supervisor.stop_all(grace=1)


def test_a_taken_port_starts_seaweedfs_again_on_fresh_ports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop_all: Callable[[object], None]
) -> None:
    data, count = _platform(tmp_path, monkeypatch, failures=2, message=TAKEN)
    stop_all(data.supervisor)
    data.start({})
    assert count.read_text() == "3"
    assert [p.name for p in data.supervisor.processes] == ["seaweedfs"]
    assert data.supervisor.dead() == []


def test_ports_taken_every_time_fail_after_the_last_attempt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop_all: Callable[[object], None]
) -> None:
    data, count = _platform(tmp_path, monkeypatch, failures=9, message=TAKEN)
    stop_all(data.supervisor)
    with pytest.raises(InfrastructureError, match="seaweedfs exited"):
        data.start({})
    assert count.read_text() == str(platform.PORT_ATTEMPTS)


def test_any_other_early_exit_is_not_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop_all: Callable[[object], None]
) -> None:
    data, count = _platform(tmp_path, monkeypatch, failures=1, message="panic: disk full")
    stop_all(data.supervisor)
    with pytest.raises(InfrastructureError, match="seaweedfs exited"):
        data.start({})
    assert count.read_text() == "1"


def test_port_taken_reads_weeds_messages() -> None:
    assert seaweedfs.port_taken(TAKEN)
    assert seaweedfs.port_taken("listen tcp 127.0.0.1:8333: bind: address already in use")
    assert not seaweedfs.port_taken("panic: disk full")
