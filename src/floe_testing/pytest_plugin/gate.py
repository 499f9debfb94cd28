"""Hold the test loop until the backend says the platform is ready (see platform_gate)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from floe_testing.core.polling import WaitTimeout
from floe_testing.protocol import endpoints_file
from floe_testing.protocol.gate import GATE_ENV, GATE_TIMEOUT_ENV, READY, await_gate

EXIT_PLATFORM_FAILED = 3


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    gate = os.environ.get(GATE_ENV)
    if not gate or session.config.option.collectonly:
        return
    if session.testsfailed or not session.items:
        return  # collection failed or selected nothing: end now, no platform needed
    started = time.monotonic()
    try:
        state = await_gate(Path(gate), float(os.environ.get(GATE_TIMEOUT_ENV, "120")))
    except WaitTimeout as exc:
        state = str(exc)
    if state != READY:
        pytest.exit(f"the platform did not start: {state}", returncode=EXIT_PLATFORM_FAILED)
    waited = time.monotonic() - started
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:  # why pytest's clock and floe-test's "run tests" phase differ
        reporter.write_line(
            f"floe-test: platform ready; these tests collected while it started and waited "
            f"{waited:.1f}s for it (pytest's time below includes that wait, floe-test's "
            f"'run tests' phase does not)"
        )
    # ports and secrets learned during start-up (the suite started before they were known)
    endpoints = os.environ.get(endpoints_file.ENDPOINTS_FILE_ENV)
    if endpoints and Path(endpoints).is_file():
        os.environ.update(endpoints_file.read(Path(endpoints)))
