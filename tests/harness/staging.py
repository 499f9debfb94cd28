"""Run `floe-test run staging --backend local` for the staging self-tests."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from harness.paths import FLOE_TEST

ROOT = Path(__file__).resolve().parents[2]
# fewer requests and one back-to-back run per iteration keep each suite run short
QUICK = ("--env", "FLOE_STAGING_SOAK_RUNS=1", "--env", "FLOE_STAGING_REQUESTS=5")


@dataclass
class Result:
    code: int
    output: str


@dataclass
class Staging:
    tmp: Path
    history: Path

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 600) -> Result:
        command = [FLOE_TEST, "run", "staging", "--backend", "local", *args]
        done = subprocess.run(
            command,
            cwd=ROOT,
            env={**os.environ, "TMPDIR": str(self.tmp), "COLUMNS": "200", **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(done.returncode, done.stdout + done.stderr)

    def floe_test(self, *args: str) -> Result:
        done = subprocess.run(
            [FLOE_TEST, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
        )
        return Result(done.returncode, done.stdout + done.stderr)

    def survivors(self) -> list[int]:
        found = []
        for process in psutil.process_iter(["pid"]):
            with contextlib.suppress(psutil.Error):
                env = process.environ()
                if str(self.tmp) in env.get("TMPDIR", "") + env.get("DAGSTER_HOME", ""):
                    found.append(process.pid)
        return [pid for pid in found if pid != os.getpid()]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Chromium is needed for the report test: apt-get install chromium")
