"""Resource use of the local platform's services, through psutil.

A service's memory is its process and every long-lived descendant (Dagster's code server
proxy runs the gRPC server as a child). Run workers are left out: they live only while a
run executes, so whether one is still exiting when a sample is taken would otherwise add
or remove a whole interpreter's worth of memory from the series.
"""

from __future__ import annotations

import contextlib

import psutil

from floe_testing.tools.processes import ProcessSupervisor

# command-line fragments of Dagster's short-lived workers (multiprocessing spawns run
# workers from the code server; `dagster api execute_*` in other launch modes)
TRANSIENT_WORKERS = ("multiprocessing.spawn", "api execute_run", "api execute_step")


def _transient(process: psutil.Process) -> bool:
    try:
        cmdline = " ".join(process.cmdline())
    except psutil.Error:
        return True
    return any(marker in cmdline for marker in TRANSIENT_WORKERS)


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and its long-lived descendants (0 once it is gone)."""
    try:
        root = psutil.Process(pid)
        members = [root, *(p for p in root.children(recursive=True) if not _transient(p))]
    except psutil.Error:
        return 0
    total = 0
    for member in members:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def service_rss(supervisor: ProcessSupervisor) -> dict[str, dict[str, float]]:
    return {
        process.name: {"rss_bytes": float(tree_rss(process.pid)), "restarts": 0.0}
        for process in supervisor.processes
        if process.alive()
    }
