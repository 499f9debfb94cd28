"""Supervised host processes: restarted when they die, ended as a group, never mistaken."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from floe_testing.core.polling import wait_for
from floe_testing.k8slocal import processes
from floe_testing.k8slocal.layout import Layout
from floe_testing.tools.processes import group_members


@pytest.fixture
def layout(tmp_path: Path) -> Iterator[Layout]:
    layout = Layout(cache=tmp_path / "cache", state=tmp_path / "state", run=tmp_path / "run")
    yield layout
    processes.stop(layout, "sleeper")  # nothing outlives a failed test


def test_a_component_that_dies_is_restarted_and_stop_ends_its_group(layout: Layout) -> None:
    assert processes.start(layout, "sleeper", ["sleep", "60"], "config-1") == "started"
    assert processes.start(layout, "sleeper", ["sleep", "60"], "config-1") == ""  # runs already
    first = wait_for(lambda: processes.component_pid(layout, "sleeper"), timeout=10)
    os.kill(first, signal.SIGKILL)
    wait_for(
        lambda: processes.component_pid(layout, "sleeper"),
        until=lambda pid: pid != first,
        timeout=15,
        description="the restarted sleeper",
    )
    supervisor = processes.supervisor_pid(layout, "sleeper")
    assert processes.start(layout, "sleeper", ["sleep", "60"], "config-2") == "restarted"
    assert supervisor is not None
    assert group_members(supervisor) == []  # the old one ended
    supervisor = processes.supervisor_pid(layout, "sleeper")
    assert supervisor is not None
    assert processes.stop(layout, "sleeper")
    assert group_members(supervisor) == []
    assert processes.supervisor_pid(layout, "sleeper") is None
    assert "restart 1" in (layout.logs / "sleeper.log").read_text()


def test_a_pidfile_naming_someone_elses_process_is_not_ours(layout: Layout) -> None:
    layout.pids.mkdir(parents=True)
    (layout.pids / "etcd.pid").write_text(f"{os.getpid()}\n")  # this test process
    assert processes.supervisor_pid(layout, "etcd") is None
    assert not processes.stop(layout, "etcd")  # and so it is never signalled
