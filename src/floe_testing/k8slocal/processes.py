"""Start, find and stop the cluster's host processes, each under its own supervisor.

A component's pidfile holds its supervisor's pid, which is also the id of the process group
holding the component. A pid counts as ours only while its command line is still that
supervisor's for that component, so a reused pid is never signalled.
"""

from __future__ import annotations

import contextlib
import sys
import time

from floe_testing.core.polling import WaitTimeout, wait_for
from floe_testing.k8slocal.layout import Layout
from floe_testing.tools.processes import children, command_line, start_detached, stop_group

SUPERVISOR = "floe_testing.k8slocal.supervise"


def supervisor_pid(layout: Layout, name: str) -> int | None:
    """The live supervisor of ``name``, or None."""
    pidfile = layout.pids / f"{name}.pid"
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None
    cmdline = command_line(pid)
    if SUPERVISOR in cmdline and name in cmdline[cmdline.index(SUPERVISOR) + 1 :][:1]:
        return pid
    return None


def component_pid(layout: Layout, name: str) -> int | None:
    """The pid of the component itself (the supervisor's child), or None."""
    supervisor = supervisor_pid(layout, name)
    if supervisor is None:
        return None
    pids = children(supervisor)
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
    process = start_detached([sys.executable, "-m", SUPERVISOR, name, "--", *command], log)
    (layout.pids / f"{name}.pid").write_text(f"{process.pid}\n")
    stamp.write_text(fingerprint)
    # /proc/PID/cmdline reads empty for a moment after exec: return once it is recognisable
    with contextlib.suppress(WaitTimeout):
        wait_for(
            lambda: supervisor_pid(layout, name) == process.pid or process.poll() is not None,
            timeout=5,
            interval=0.01,
            description=f"the supervisor of {name} to start",
        )
    return "restarted" if restarted else "started"


def stop(layout: Layout, name: str, grace: float = 15.0) -> bool:
    """End ``name``'s process group (SIGTERM, then SIGKILL after ``grace``); True if it ran."""
    pid = supervisor_pid(layout, name)
    (layout.pids / f"{name}.pid").unlink(missing_ok=True)
    (layout.pids / f"{name}.fingerprint").unlink(missing_ok=True)
    if pid is None:
        return False
    stop_group(pid, grace)
    return True
