"""The infrastructure failures a real cluster cannot produce on demand, injected into the
emulator: a crash-looping test container (a Job pod with restartPolicy Never never restarts),
an eviction, a runner that ends without results, an OOM kill of the whole container (cgroup v2
kills every process of it, the runner too). Each exits 3 within 30 s with the cause named, a
diagnostics folder, and nothing left. Image pulls, OOM kills of pytest alone (this machine's
cgroup v1 node), Unschedulable, missing Secrets and the deadline are produced for real in
tests/realcluster/test_failures.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.cli import assert_nothing_left, run_cli, write_suite
from harness.cluster import EmulatedCluster

SUITE = {"test_a.py": "".join(f"def test_{i}():\n    assert True\n" for i in range(3))}


@pytest.mark.parametrize(
    ("faults", "options", "cause"),
    [
        pytest.param({"crash_loop": True}, (), "restarted", id="restarts"),
        pytest.param({"evict": True}, (), "was evicted", id="evicted"),
        pytest.param({"no_results": True}, (), "ended without results", id="no-results"),
        pytest.param(
            {"oom_kill": True},
            (),
            "was OOMKilled (container test-runner exceeded its memory limit); it delivered no "
            "results (the kernel killed the runner too)",
            id="oom-group-kill",
        ),
    ],
)
def test_infrastructure_failure_fails_fast(
    cluster: EmulatedCluster,
    suite_dir: Path,
    tmp_path: Path,
    faults: dict[str, Any],
    options: tuple[str, ...],
    cause: str,
) -> None:
    cluster.inject(**faults)
    run = run_cli(cluster, write_suite(suite_dir, SUITE), tmp_path / "results", *options)
    _assert_failed_fast(run, cause)
    assert_nothing_left(cluster)


def _assert_failed_fast(run: Any, cause: str) -> None:
    assert run.exit_code == 3, run.stderr
    assert run.seconds < 30
    flat = " ".join(run.stderr.split())
    assert cause in flat
    assert "next step" in flat
    summary = run.diagnostics / "SUMMARY.md"
    assert summary.is_file()
    assert cause in summary.read_text()
    assert (run.diagnostics / "events.txt").is_file()
    assert any((run.diagnostics / "objects").glob("pod-*.yaml"))
