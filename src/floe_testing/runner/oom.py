"""Whether the kernel OOM-killed something in this container: its memory cgroup's counter.

The kernel kills the biggest process of a container over its memory limit, pytest, not the
runner; the container runtime then reports the container's end as ``OOMKilled`` only when its
OOM event arrived before the runner's exit, so the runner counts the kills itself, before and
after pytest, from the file the kernel keeps (cgroup v2 ``memory.events``, v1
``memory.oom_control``; both read-only in the container).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

COUNTERS = (
    Path("/sys/fs/cgroup/memory.events"),  # cgroup v2
    Path("/sys/fs/cgroup/memory/memory.oom_control"),  # cgroup v1
)


def oom_kills(files: Sequence[Path] = COUNTERS) -> int | None:
    """The ``oom_kill`` count of the first readable file; None when none says (not in a
    container, an old kernel)."""
    for path in files:
        try:
            text = path.read_text()
        except OSError:
            continue
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value)
    return None


def killed_since(before: int | None, files: Sequence[Path] = COUNTERS) -> bool:
    """True when the count grew since ``before`` (a count taken before pytest started)."""
    after = oom_kills(files)
    return before is not None and after is not None and after > before
