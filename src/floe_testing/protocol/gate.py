"""A file that tells an early-started pytest when the platform is ready (or failed to start).

The local backend starts pytest while the platform's processes are still importing, so
pytest's own start-up and collection (~2 s) overlap the platform's; the plugin holds the test
loop until the backend opens the gate.
"""

from __future__ import annotations

import os
from pathlib import Path

from floe_testing.core.polling import wait_for

GATE_ENV = "FLOE_TEST_PLATFORM_GATE"
GATE_TIMEOUT_ENV = "FLOE_TEST_PLATFORM_GATE_TIMEOUT"
# "1": SIGTERM ends the pytest session in one line, JUnit kept (the local backend's stop)
STOP_ENV = "FLOE_TEST_STOP_ON_SIGTERM"
READY = "ready"


def open_gate(path: Path, state: str = READY) -> None:
    """Write ``ready`` or a failure reason atomically (readers never see half a file)."""
    partial = path.with_suffix(".partial")
    partial.write_text(state, encoding="utf-8")
    os.replace(partial, path)


def _state(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8") or None
    except FileNotFoundError:
        return None


def await_gate(path: Path, timeout: float) -> str:
    """The gate's state once written: ``ready`` or the reason the platform did not start."""
    return wait_for(
        lambda: _state(path), timeout=timeout, interval=0.05, description="the platform to start"
    )
