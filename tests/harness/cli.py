"""Drive the real CLI against the emulated cluster, recording its output as it arrives."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from floe_testing.core.polling import wait_for
from harness.cluster import REPO_ROOT, EmulatedCluster
from harness.paths import FLOE_TEST

# plugins the generated suites do not need: keeps each pod's pytest start under a second
FAST_PYTEST = [
    "-p",
    "no:kmock",
    "-p",
    "no:asyncio",
    "-p",
    "no:anyio",
    "-p",
    "no:floe_testing",
    "-p",
    "no:pytest_cov",
]


def write_suite(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


@dataclass
class CliRun:
    exit_code: int
    stdout: list[str]
    stderr: str
    seconds: float
    results: Path
    line_times: dict[str, float] = field(default_factory=dict)

    @property
    def junit(self) -> Path:
        return self.results / "integration" / "junit.xml"

    @property
    def diagnostics(self) -> Path:
        return self.results / "integration" / "diagnostics"


def run_cli(
    cluster: EmulatedCluster,
    suite: Path,
    results: Path,
    *options: str,
    on_line: Callable[[str], None] | None = None,
    env: dict[str, str] | None = None,
    pytest_args: tuple[str, ...] = (),
    install: bool = False,
) -> CliRun:
    """``floe-test run integration --backend cluster`` against the emulator.

    ``--no-install`` unless ``install``: then a stand-in helm on the env's PATH installs.
    """
    command = [
        FLOE_TEST,
        "run",
        "integration",
        "--backend",
        "cluster",
        *([] if install else ["--no-install"]),
        "--kubeconfig",
        str(cluster.kubeconfig),
        "--suite",
        str(suite),
        "--results-dir",
        str(results),
        *options,
        "--",
        *FAST_PYTEST,
        *pytest_args,
    ]
    start = time.monotonic()
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )
    lines: list[str] = []
    stderr: list[str] = []
    times: dict[str, float] = {}

    def read_out() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            times.setdefault(line.strip(), time.monotonic())
            if on_line is not None:
                on_line(line)

    def read_err() -> None:
        assert process.stderr is not None
        stderr.append(process.stderr.read())

    readers = [threading.Thread(target=read_out), threading.Thread(target=read_err)]
    for reader in readers:
        reader.start()
    code = process.wait(timeout=120)
    for reader in readers:
        reader.join()
    return CliRun(code, lines, "".join(stderr), time.monotonic() - start, results, times)


def assert_nothing_left(cluster: EmulatedCluster) -> None:
    wait_for(lambda: not cluster.live_processes(), timeout=10, description="pod processes to end")
    assert cluster.namespaces() == ["default"]
    assert cluster.objects("pods") == []
    assert cluster.objects("jobs") == []
    assert cluster.objects("serviceaccounts") == []
