"""Run the real CLI on the local backend and find any process a run left behind.

Each run gets its own TMPDIR, so the platform's working directory (DAGSTER_HOME, DuckDB
file) sits under it and its processes can be found by their environment or command line.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from floe_testing.core.polling import wait_for
from harness.paths import FLOE_TEST

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class LocalRun:
    tmp: Path
    results: Path
    marker: Path
    tier: str = "integration"

    def command(self, *args: str) -> list[str]:
        return [
            FLOE_TEST,
            "run",
            self.tier,
            "--backend",
            "local",
            "--results-dir",
            str(self.results),
            *args,
        ]

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "TMPDIR": str(self.tmp),
            "COLUMNS": "200",
            "FLOE_TEST_MARKER": str(self.marker),
        }

    def run(self, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args),
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *args: str) -> subprocess.Popen[str]:
        """The run as a terminal's foreground job: the leader of its own process group."""
        return subprocess.Popen(
            self.command(*args),
            cwd=ROOT,
            env=self.env(),
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,
        )

    def signal_while_blocked(
        self,
        process: subprocess.Popen[str],
        signum: int,
        timeout: float = 180,
        whole_group: bool = False,
    ) -> str:
        """Once the planted test has started (its marker file) and the platform runs, send
        ``signum`` to the run (``whole_group``: to its process group, as a terminal's Ctrl-C
        does); its output. The run is killed if it does not end in 60 s."""
        started = False
        try:
            # a run that ended before its test started (a service that would not come up)
            # stops the wait at once; its output is the failure's message
            wait_for(
                lambda: self.marker.exists() or process.poll() is not None,
                timeout=timeout,
                interval=0.2,
                description="the planted test to start",
            )
            started = self.marker.exists() and process.poll() is None
            if started:
                assert self.survivors(), "the platform should be running while the test blocks"
                if whole_group:
                    os.killpg(process.pid, signum)
                else:
                    process.send_signal(signum)
                output, _ = process.communicate(timeout=60)
        finally:
            if not started or process.poll() is None:
                # the run's group and the platform it started: a child holding the pipe
                # open would keep communicate() from ever returning
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                self.kill_survivors()
                output, _ = process.communicate(timeout=60)
                if not started:
                    pytest.fail(
                        f"the run ended or hung before its planted test started "
                        f"(exit {process.returncode}); its output:\n{output}"
                    )
        return output

    def kill_survivors(self) -> None:
        for line in self.survivors():
            with contextlib.suppress(psutil.Error):
                psutil.Process(int(line.split()[0])).kill()

    def survivors(self) -> list[str]:
        """Processes whose environment or command line points into this run's TMPDIR."""
        found = []
        needle = str(self.tmp)
        for process in psutil.process_iter(["pid", "name", "cmdline"]):
            with contextlib.suppress(psutil.Error):
                if process.pid == os.getpid():
                    continue
                cmdline = " ".join(process.info["cmdline"] or [])
                environ = process.environ()
                home = environ.get("DAGSTER_HOME", "") + environ.get("TMPDIR", "")
                if needle in cmdline or needle in home:
                    found.append(f"{process.pid} {cmdline[:120]}")
        return found


@pytest.fixture
def local_run(tmp_path: Path) -> Iterator[LocalRun]:
    run = LocalRun(tmp=tmp_path / "tmp", results=tmp_path / "results", marker=tmp_path / "started")
    run.tmp.mkdir()
    yield run
    # never leak processes into the rest of the session, whatever the test asserted
    run.kill_survivors()


def write_suite(directory: Path, body: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "test_planted.py").write_text(body)
    return directory


PASSING_AND_FAILING = """
from floe_testing.clients.dagster import DagsterClient
from floe_testing.config.endpoints import resolve


def test_platform_answers():
    with DagsterClient(resolve("dagster").url) as client:
        assert client.server_info()


def test_planted_failure_one():
    assert 1 + 1 == 3


def test_planted_failure_two():
    raise RuntimeError("planted error")
"""

BLOCKING = """
import os
import pathlib
import threading


def test_blocks_until_stopped():
    pathlib.Path(os.environ["FLOE_TEST_MARKER"]).write_text("started")
    threading.Event().wait()
"""
