"""Start, find and stop the cluster's host processes, each under its own supervisor.

A component's pidfile holds its supervisor's pid, which is also the id of the process group
holding the component. A pid counts as ours only while its command line is still that
supervisor's for that component, so a reused pid is never signalled.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from floe_testing.k8slocal.layout import Layout

SUPERVISOR = "floe_testing.k8slocal.supervise"


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def supervisor_pid(layout: Layout, name: str) -> int | None:
    """The live supervisor of ``name``, or None."""
    pidfile = layout.pids / f"{name}.pid"
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None
    cmdline = _cmdline(pid)
    if SUPERVISOR in cmdline and name in cmdline[cmdline.index(SUPERVISOR) + 1 :][:1]:
        return pid
    return None


def group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":  # a zombie has ended; init reaps it
            members.append(int(entry.name))
    return members


def component_pid(layout: Layout, name: str) -> int | None:
    """The pid of the component itself (the supervisor's child), or None."""
    supervisor = supervisor_pid(layout, name)
    if supervisor is None:
        return None
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children")
    try:
        pids = [int(p) for p in children.read_text().split()]
    except OSError:
        return None
    return pids[0] if pids else None


def start(layout: Layout, name: str, command: list[str], fingerprint: str = "") -> str:
    """Start ``command`` supervised; return "started", "restarted" (it ran with another
    configuration, ``fingerprint`` differs) or "" (it runs already, unchanged)."""
    stamp = layout.pids / f"{name}.fingerprint"
    restarted = False
    if supervisor_pid(layout, name) is not None:
        if not stamp.is_file() or stamp.read_text() == fingerprint:
            return ""
        stop(layout, name)
        restarted = True
    layout.pids.mkdir(parents=True, exist_ok=True)
    layout.logs.mkdir(parents=True, exist_ok=True)
    log = layout.logs / f"{name}.log"
    with log.open("ab") as out:
        out.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} {' '.join(command)}\n".encode())
        out.flush()
        process = subprocess.Popen(
            [sys.executable, "-m", SUPERVISOR, name, "--", *command],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    (layout.pids / f"{name}.pid").write_text(f"{process.pid}\n")
    stamp.write_text(fingerprint)
    # /proc/PID/cmdline reads empty for a moment after exec: return once it is recognisable
    deadline = time.monotonic() + 5
    while supervisor_pid(layout, name) != process.pid and time.monotonic() < deadline:
        if process.poll() is not None:
            break
        time.sleep(0.01)
    return "restarted" if restarted else "started"


def stop(layout: Layout, name: str, grace: float = 15.0) -> bool:
    """End ``name``'s process group (SIGTERM, then SIGKILL after ``grace``); True if it ran."""
    pid = supervisor_pid(layout, name)
    (layout.pids / f"{name}.pid").unlink(missing_ok=True)
    (layout.pids / f"{name}.fingerprint").unlink(missing_ok=True)
    if pid is None:
        return False
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while group_members(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if group_members(pid):
        _signal_group(pid, signal.SIGKILL)
        while group_members(pid) and time.monotonic() < deadline + 5:
            time.sleep(0.1)
    return True


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)
