"""Keep one component running: ``python -m floe_testing.k8slocal.supervise NAME -- CMD...``.

The supervisor leads its own session (``scripts/k8s-local down`` ends the whole process
group); it restarts the command when it dies, with a growing pause, and stops when it is sent
SIGTERM or SIGINT, after passing the signal on. Its output is the component's log.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from types import FrameType

from floe_testing.core.polling import WaitTimeout, wait_for
from floe_testing.tools.processes import start_attached

MAX_PAUSE = 10.0
STEADY = 60.0  # a run this long resets the pause


def supervise(name: str, command: list[str]) -> int:
    child: subprocess.Popen[bytes] | None = None
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    pause, restarts = 1.0, 0
    while not stopping:
        started = time.monotonic()
        child = start_attached(command)
        code = child.wait()
        if stopping:
            break
        ran = time.monotonic() - started
        pause = 1.0 if ran > STEADY else min(pause * 2, MAX_PAUSE)
        restarts += 1
        print(
            f"supervise: {name} exited with {code} after {ran:.1f} s; "
            f"restart {restarts} in {pause:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        with contextlib.suppress(WaitTimeout):  # the pause, cut short by SIGTERM or SIGINT
            wait_for(lambda: stopping, timeout=pause, description=f"a stop of {name}")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(
            "usage: python -m floe_testing.k8slocal.supervise NAME -- COMMAND...", file=sys.stderr
        )
        return 2
    return supervise(argv[0], argv[2:])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
