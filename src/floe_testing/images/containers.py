"""The smoke's runner container: started from a pod's spec, its log relayed live (result
frames hidden), its exit code and every line returned (every engine call is a method of
``floe_testing.tools.docker.ContainerSession``)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from floe_testing.core.errors import InfrastructureError
from floe_testing.protocol import frames
from floe_testing.tools.docker import SESSION_TIMEOUT, ContainerSession, ContainerSpec


def run_to_completion(
    docker: ContainerSession,
    container: ContainerSpec,
    *,
    timeout: float,
    say: Callable[[str], None],
) -> tuple[list[str], int]:
    """Start ``container``, relay its log live (frames hidden), return all lines and its exit
    code; past ``timeout`` it is killed and that is an infrastructure failure."""
    docker.start(container)
    follow = docker.follow_logs(container.name)
    expired = threading.Event()

    def kill() -> None:
        expired.set()
        docker.kill(container.name)

    timer = threading.Timer(timeout, kill)
    timer.start()
    lines: list[str] = []
    try:
        assert follow.stdout is not None
        for raw in follow.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            lines.append(line)
            if not frames.is_frame(line):
                print(f"  | {line}", file=sys.stderr, flush=True)
        follow.wait(timeout=SESSION_TIMEOUT)
    finally:
        timer.cancel()
        if follow.poll() is None:
            follow.kill()
    if expired.is_set():
        raise InfrastructureError(
            f"the runner container did not finish within {timeout:g}s",
            "its log is in test-results/images-smoke/logs/; raise the tier's timeout if the "
            "suite is just slow",
            cause="deadline",
        )
    code = docker.exit_code(container.name)
    say(f"runner container exited {code}")
    return lines, code
