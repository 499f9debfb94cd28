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
    running,
    signal_group,
    signal_processes,
    start_time,
    stop_group,
    stop_groups,
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
        # SIGTERM is enough: the group empties without a SIGKILL (on a loaded machine that can
        # take a while; the timeout names who is left), and stop_group has nothing to kill
        signal_group(leader.pid, signal.SIGTERM)
        wait_for(
            lambda: group_members(leader.pid),
            until=lambda members: members == [],
            timeout=60,
            description="the group to end on SIGTERM",
        )
        assert stop_group(leader.pid, grace=10) is False
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


def test_a_kept_process_is_known_by_pid_and_start_time_and_its_groups_end_together() -> None:
    """What a kept platform records of each process, and how ``platform down`` ends them."""
    leaders = [_group_leader("sh", "-c", "sleep 60 & echo started; wait") for _ in range(2)]
    try:
        for leader in leaders:
            assert leader.stdout is not None
            assert leader.stdout.readline() == b"started\n"
        started = start_time(leaders[0].pid)
        assert started is not None
        assert running(leaders[0].pid, started)
        assert not running(leaders[0].pid, started - 100)  # a reused pid is another process
        members = [pid for leader in leaders for pid in group_members(leader.pid)]
        assert len(members) == 4
        assert stop_groups([leader.pid for leader in leaders], grace=60) == []  # returns once gone
        for leader in leaders:
            leader.wait(timeout=10)
            assert group_members(leader.pid) == []
        assert not running(leaders[0].pid, started)
        assert start_time(leaders[0].pid) is None
    finally:
        for leader in leaders:
            if leader.poll() is None:
                signal_group(leader.pid, signal.SIGKILL)
                leader.wait()
