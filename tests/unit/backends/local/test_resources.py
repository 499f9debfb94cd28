"""Soak memory samples of local services: the whole long-lived tree, no transient workers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psutil

from floe_testing.backends.local.resources import tree_rss
from floe_testing.core.polling import wait_for

MIB = 1024 * 1024
# a parent holding 40 MiB, a long-lived child holding 60 MiB and a "run worker" holding 120
CHILD = "import threading; block = bytearray({mib} * 2**20); threading.Event().wait()"
PARENT = f"""
import subprocess, sys, threading
block = bytearray(40 * 2**20)
helper = subprocess.Popen([sys.executable, "-c", {CHILD.format(mib=60)!r}])
worker_code = "# multiprocessing.spawn\\n" + {CHILD.format(mib=120)!r}
worker = subprocess.Popen([sys.executable, "-c", worker_code])
print("ready", flush=True)
threading.Event().wait()
"""


def test_service_memory_counts_long_lived_children_but_not_run_workers(tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], start_new_session=True)
    try:
        root = psutil.Process(parent.pid)
        wait_for(
            lambda: (
                len(root.children()) == 2
                and all(c.memory_info().rss > 50 * MIB for c in root.children())
            ),
            timeout=30,
            description="both children to allocate",
        )
        total = tree_rss(parent.pid)
        assert 100 * MIB < total < 200 * MIB  # 40 + 60 and interpreters, never the 120 worker
    finally:
        for child in psutil.Process(parent.pid).children(recursive=True):
            child.kill()
        parent.kill()
        parent.wait()
    assert tree_rss(parent.pid) == 0
