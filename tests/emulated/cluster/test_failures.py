"""Each infrastructure failure, injected into the emulator: exit 3 within 30 s, the cause
named, a diagnostics folder left, and nothing left in the cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.cli import assert_nothing_left, run_cli, write_suite
from harness.cluster import EmulatedCluster

SUITE = {"test_a.py": "".join(f"def test_{i}():\n    assert True\n" for i in range(3))}
SLOW = {"test_slow.py": "import threading\ndef test_hangs():\n    threading.Event().wait(60)\n"}


@pytest.mark.parametrize(
    ("faults", "options", "cause"),
    [
        pytest.param(
            {"image_pull": "ImagePullBackOff"}, (), "cannot pull image", id="image-backoff"
        ),
        pytest.param(
            {"image_pull": "InvalidImageName"}, (), "InvalidImageName", id="invalid-image"
        ),
        pytest.param({"image_pull": "ErrImagePull"}, (), "ErrImagePull", id="err-image-pull"),
        pytest.param({"unschedulable": True}, (), "cannot be scheduled", id="unschedulable"),
        pytest.param(
            {"container_config": True}, (), "CreateContainerConfigError", id="config-error"
        ),
        pytest.param(
            {}, ("--profile", "full"), 'secret "polaris-credentials" not found', id="missing-secret"
        ),
        pytest.param(
            {"oom_kill": True, "shard": 1}, ("--shards", "3"), "OOMKilled", id="oom-shard-1"
        ),
        pytest.param({"crash_loop": True}, (), "restarted", id="restarts"),
        pytest.param({"evict": True}, (), "was evicted", id="evicted"),
        pytest.param({"no_results": True}, (), "ended without results", id="no-results"),
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


def test_job_deadline_fails_fast_with_partial_logs(
    cluster: EmulatedCluster, suite_dir: Path, tmp_path: Path
) -> None:
    run = run_cli(cluster, write_suite(suite_dir, SLOW), tmp_path / "results", "--timeout", "2")
    _assert_failed_fast(run, "exceeded its deadline of 2s")
    assert "test_hangs" in (run.diagnostics / "SUMMARY.md").read_text()
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
