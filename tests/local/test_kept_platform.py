"""A kept local platform for real: up, healthy, two runs against it at once, a dead process
(exit 3 naming the platform and its restart command), down leaving no process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

from junitparser import JUnitXml

from floe_testing.platforms.state import PLATFORMS_ENV
from harness.paths import FLOE_TEST

from .conftest import ROOT, LocalRun

NAME = "kept-test"


def _floe_test(local_run: LocalRun, platforms: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [FLOE_TEST, *args],
        cwd=ROOT,
        env={**local_run.env(), PLATFORMS_ENV: str(platforms)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _done(process: subprocess.Popen[str], timeout: float = 300) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def _passed(junit: Path) -> int:
    suites = list(JUnitXml.fromfile(str(junit)))
    assert sum(int(s.failures or 0) + int(s.errors or 0) + int(s.skipped or 0) for s in suites) == 0
    return sum(int(s.tests or 0) for s in suites)


def test_a_kept_platform_serves_concurrent_runs_and_goes_down_leaving_nothing(
    local_run: LocalRun, tmp_path: Path
) -> None:
    platforms = tmp_path / "platforms"
    results = tmp_path / "results"
    code, out, err = _done(
        _floe_test(local_run, platforms, "platform", "up", "integration", "--backend", "local",
                   "--name", NAME, "--results-dir", str(results))
    )  # fmt: skip
    assert code == 0, err
    assert out.splitlines()[-1] == f"FLOE_PLATFORM={NAME}"
    assert local_run.survivors(), "the platform must outlive `platform up`"

    code, out, err = _done(_floe_test(local_run, platforms, "platform", "status", "--json"))
    assert code == 0, err
    [row] = json.loads(out)
    assert (row["name"], row["backend"], row["profile"]) == (NAME, "local", "minimal")
    assert row["healthy"], row["health"]

    # two runs at once against the one platform, with the same --results-dir
    runs = [
        _floe_test(local_run, platforms, "run", "integration", "--platform", NAME,
                   "--results-dir", str(results))
        for _ in range(2)
    ]  # fmt: skip
    for run in runs:
        code, out, err = _done(run)
        assert code == 0, out[-3000:] + err[-3000:]
        assert f"kept platform {NAME}: healthy" in err
    folders = sorted(p for p in results.iterdir() if (p / "junit.xml").is_file())
    assert folders[0].name == "integration"
    assert len(folders) == 2, folders  # the second run's own integration-<run id>/
    assert all(_passed(folder / "junit.xml") >= 9 for folder in folders)
    assert local_run.survivors(), "runs against a kept platform leave it running"

    record = json.loads((platforms / f"{NAME}.json").read_text())
    daemon = next(p for p in record["details"]["processes"] if p["name"] == "dagster-daemon")
    os.kill(daemon["pid"], signal.SIGKILL)
    code, out, err = _done(
        _floe_test(local_run, platforms, "run", "integration", "--platform", NAME,
                   "--results-dir", str(results))
    )  # fmt: skip
    output = " ".join(err.split())
    assert code == 3, output
    assert f"kept platform {NAME} is not healthy: dagster-daemon (pid {daemon['pid']})" in output
    assert f"floe-test platform up integration --profile minimal --backend local --name {NAME}" in (
        output
    )

    code, out, err = _done(_floe_test(local_run, platforms, "platform", "down", NAME))
    assert code == 0, err
    assert local_run.survivors() == []
    assert not Path(record["details"]["workdir"]).exists()
    assert list(platforms.iterdir()) == []
