"""Resource use of the local platform's services, through psutil."""

from __future__ import annotations

import contextlib

import psutil

from floe_testing.local.processes import ProcessSupervisor


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and every descendant (0 once it is gone)."""
    try:
        root = psutil.Process(pid)
        members = [root, *root.children(recursive=True)]
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
