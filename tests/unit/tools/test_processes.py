"""The process toolkit both supervisors share: trees, groups, command lines, signals."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid

from floe_testing.core.polling import wait_for
from floe_testing.tools.processes import (
    children,
    command_line,
    end_processes,
    group_members,
    process_tree,
    processes_matching,
    signal_group,
    signal_processes,
    stop_group,
)


def _group_leader(*argv: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        list(argv), start_new_session=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )


def test_a_group_its_tree_and_its_children_are_seen_and_ended() -> None:
    leader = _group_leader("sh", "-c", "sleep 60 & echo started; wait")
    try:
        assert leader.stdout is not None
        assert leader.stdout.readline() == b"started\n"
        [child] = children(leader.pid)
        wait_for(lambda: command_line(child) == ["sleep", "60"], timeout=10)  # forked, then exec
        assert {p.pid for p in process_tree(leader.pid)} == {leader.pid, child}
        assert sorted(group_members(leader.pid)) == sorted([leader.pid, child])
        assert stop_group(leader.pid, grace=10) is False  # SIGTERM was enough
        assert group_members(leader.pid) == []
    finally:
        signal_group(leader.pid, signal.SIGKILL)
        leader.wait()


def test_end_processes_kills_what_ignores_sigterm() -> None:
    stubborn = _group_leader(
        sys.executable,
        "-c",
        "import signal, sys; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); sys.stdin.read()",
    )
    try:
        assert stubborn.stdout is not None
        assert stubborn.stdout.readline() == b"ready\n"
        members = process_tree(stubborn.pid)
        name = members[0].name()
        assert end_processes(members, grace=0.2) == [f"{stubborn.pid} ({name})"]
        assert not members[0].is_running()  # ended and reaped (psutil waited for it)
    finally:
        signal_group(stubborn.pid, signal.SIGKILL)
        stubborn.wait()


def test_processes_are_found_by_command_line_and_signalled() -> None:
    marker = f"floe-marker-{uuid.uuid4().hex}"
    reader = _group_leader(sys.executable, "-c", "import sys; sys.stdin.read()", marker)
    try:
        found = wait_for(lambda: processes_matching(lambda argv: marker in argv), timeout=10)
        assert found == [reader.pid]
        signal_processes([*found, 2**22 + 1], signal.SIGKILL)  # a pid that is gone is skipped
        assert reader.wait(timeout=10) == -signal.SIGKILL
    finally:
        reader.kill()
        reader.wait()


def test_an_ended_process_has_no_command_line_children_or_tree() -> None:
    done = subprocess.Popen(["true"])
    done.wait()
    assert command_line(done.pid) == []
    assert children(done.pid) == []
    assert process_tree(done.pid) == []
    signal_group(done.pid, signal.SIGTERM)  # no such group: nothing happens
