"""The plugin holds the test loop at the platform gate and stops when start-up failed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from floe_testing.protocol.gate import GATE_ENV, GATE_TIMEOUT_ENV, open_gate


def _pytest(suite: Path, gate: Path, timeout: str = "30") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, GATE_ENV: str(gate), GATE_TIMEOUT_ENV: timeout}
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(suite), "-q", "-p", "no:cacheprovider"],
        env=env, capture_output=True, text=True, timeout=120, check=False, cwd=suite.parent,
    )  # fmt: skip


def _suite(tmp_path: Path) -> Path:
    suite = tmp_path / "test_gated.py"
    suite.write_text("def test_runs():\n    assert True\n")
    return suite


def test_open_gate_lets_tests_run(tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    open_gate(gate)
    result = _pytest(_suite(tmp_path), gate)
    assert result.returncode == 0, result.stdout
    assert "1 passed" in result.stdout


def test_failed_start_up_stops_pytest_with_the_reason(tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    open_gate(gate, "start-up failed: dagster-daemon exited with status 1")
    result = _pytest(_suite(tmp_path), gate)
    assert result.returncode == 3
    assert "dagster-daemon exited with status 1" in result.stdout + result.stderr
    assert "1 passed" not in result.stdout


def test_gate_never_opened_times_out(tmp_path: Path) -> None:
    result = _pytest(_suite(tmp_path), tmp_path / "never", timeout="0.5")
    assert result.returncode == 3
    assert "waiting for the platform to start" in result.stdout + result.stderr
