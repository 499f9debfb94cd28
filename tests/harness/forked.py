"""Entry points for children of the preload server in tests (``module:function``, as a
console script's target): what a forked child sees, and one that runs until stopped."""

from __future__ import annotations

import json
import os
import signal
import sys


def report() -> int:
    """Print what the child was given; exit with ``$EXIT_STATUS``."""
    print(
        json.dumps(
            {
                "argv": sys.argv,
                "cwd": os.getcwd(),
                "setting": os.environ.get("SETTING"),
                "own_session": os.getsid(0) == os.getpid(),
                "preloaded": "colorsys" in sys.modules,
            }
        )
    )
    return int(os.environ.get("EXIT_STATUS", "0"))


def run_until_stopped() -> None:
    print("running", flush=True)
    while True:
        signal.pause()
