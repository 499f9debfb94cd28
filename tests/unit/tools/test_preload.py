"""Services forked from one preloaded interpreter: what each child gets, how its end is seen,
and that nothing outlives the supervisor (or, for --keep, that the child outlives the server)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from floe_testing.core.polling import wait_for
from floe_testing.tools.preload import PreloadServer
from floe_testing.tools.processes import ProcessSupervisor
from harness.paths import REPO_ROOT

# the server imports the entries' module from here (the suite's pythonpath)
ENV = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "tests")}
REPORT = "harness.forked:report"
RUN_UNTIL_STOPPED = "harness.forked:run_until_stopped"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PreloadServer]:
    started = PreloadServer.start(["colorsys"], ENV, tmp_path, tmp_path / "preload.log")
    yield started
    started.stop()


def _log_line(path: Path) -> str:
    return wait_for(lambda: path.read_text().strip(), timeout=30, description=f"{path} written")


def test_a_child_runs_its_entry_with_its_argv_env_cwd_and_session(
    server: PreloadServer, tmp_path: Path
) -> None:
    wait_for(server.ready, timeout=30, description="the preload to finish")
    log = tmp_path / "child.log"
    env = {**ENV, "SETTING": "only-for-this-child", "EXIT_STATUS": "3"}
    child = server.fork(REPORT, ["report", "--flag"], env, tmp_path, log)
    assert child.wait(timeout=30) == 3
    assert child.poll() == 3
    seen = json.loads(_log_line(log))
    assert seen == {
        "argv": ["report", "--flag"],
        "cwd": str(tmp_path),
        "setting": "only-for-this-child",
        "own_session": True,
        "preloaded": True,
    }


def test_a_child_killed_by_a_signal_reports_it_like_popen(
    server: PreloadServer, tmp_path: Path
) -> None:
    child = server.fork(RUN_UNTIL_STOPPED, ["run"], ENV, tmp_path, tmp_path / "run.log")
    wait_for(lambda: "running" in (tmp_path / "run.log").read_text(), timeout=30)
    assert child.poll() is None
    os.killpg(child.pid, signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL


@pytest.mark.parametrize("die_with_parent", [True, False], ids=["follows", "outlives"])
def test_a_child_follows_the_server_unless_it_must_outlive_it(
    tmp_path: Path, die_with_parent: bool
) -> None:
    server = PreloadServer.start([], ENV, tmp_path, tmp_path / "preload.log")
    log = tmp_path / "run.log"
    child = server.fork(
        RUN_UNTIL_STOPPED, ["run"], ENV, tmp_path, log, die_with_parent=die_with_parent
    )
    try:
        wait_for(lambda: "running" in log.read_text(), timeout=30)
        server.stop()
        if die_with_parent:
            wait_for(lambda: not psutil.pid_exists(child.pid), timeout=30, description="child end")
        else:
            assert psutil.Process(child.pid).status() != psutil.STATUS_ZOMBIE
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)


def test_the_supervisor_reports_a_failed_preload_and_ends_what_it_forked(tmp_path: Path) -> None:
    supervisor = ProcessSupervisor(tmp_path / "logs")
    supervisor.preload(["harness.forked", "no_such_module_anywhere"], ENV, tmp_path)
    try:
        wait_for(supervisor.dead, timeout=30, description="the preload server to fail")
        [dead] = supervisor.dead()
        assert dead.name == "preload"
        assert "no_such_module_anywhere" in dead.log_tail()
    finally:
        supervisor.stop_all(grace=5)

    supervisor = ProcessSupervisor(tmp_path / "logs-2")
    supervisor.preload(["harness.forked"], ENV, tmp_path)
    service = supervisor.start_python("service", RUN_UNTIL_STOPPED, ["run"], ENV, tmp_path)
    wait_for(lambda: "running" in service.log_path.read_text(), timeout=30)
    assert supervisor.dead() == []
    server = supervisor.preload_server
    assert server is not None
    assert supervisor.stop_all(grace=60) == []  # SIGTERM was enough (returns once all ended)
    assert service.popen.poll() == -signal.SIGTERM
    assert not psutil.pid_exists(service.pid)
    assert server.popen.poll() is not None
