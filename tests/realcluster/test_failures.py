"""Each infrastructure failure, produced for real: exit 3 within 45 s, the cause named, a
diagnostics folder with the cluster's own events, objects and logs, nothing left behind.

ErrImagePull: an image that exists nowhere (the node reaches no registry). OOMKilled: a
planted suite allocating 3 GiB under the tier's 1 GiB limit after a passing test (the kernel's
cgroup kills pytest; the runner frames what it had, so a partial JUnit comes back).
Unschedulable: a tier asking for more memory than the node has. A missing Secret: the full
profile's contract references Secrets nothing created (CreateContainerConfigError). The tier
deadline: a planted suite that never ends under --timeout 15 (Job DeadlineExceeded).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from floe_testing.report.junit import Totals, read_totals
from harness.realcluster import REPO_ROOT, RealCluster, Run, floe_test, run_namespaces

FAIL_FAST_SECONDS = 45
PLANTED = "tests/realcluster/planted"


def oversized_project(folder: Path) -> Path:
    """This project's configuration with an integration tier no node can fit."""
    text = (REPO_ROOT / "pyproject.toml").read_text()
    line = (
        'resources = { requests = { cpu = "250m", memory = "512Mi" }, '
        'limits = { cpu = "1", memory = "1Gi" } }'
    )
    assert line in text, "the integration tier's resources line changed; update this test"
    big = line.replace('"512Mi"', '"512Gi"').replace('"1Gi"', '"512Gi"')
    (folder / "tests" / "integration").mkdir(parents=True)
    (folder / "tests" / "integration" / "test_never_runs.py").write_text("def test_x(): pass\n")
    config = folder / "pyproject.toml"
    config.write_text(text.replace(line, big, 1))
    return config


def _assert_failed_fast(run: Run, cause: str, event: str) -> None:
    assert run.exit_code == 3, run.output
    assert run.seconds < FAIL_FAST_SECONDS, f"took {run.seconds:.1f}s"
    assert cause in run.output
    assert "next step" in run.output
    summary = (run.diagnostics / "SUMMARY.md").read_text()
    assert cause in " ".join(summary.split())
    events = (run.diagnostics / "events.txt").read_text()
    assert event in events, events
    assert any((run.diagnostics / "objects").glob("pod-*.yaml"))


@pytest.mark.parametrize(
    ("case", "cause", "event"),
    [
        pytest.param(
            "image", "cannot pull image floe-local/no-such-image:1", "Failed", id="err-image-pull"
        ),
        pytest.param("oom", "OOMKilled", "Started", id="oom-killed"),
        pytest.param(
            "unschedulable", "cannot be scheduled", "FailedScheduling", id="unschedulable"
        ),
        pytest.param(
            "secret", 'secret "polaris-credentials" not found', "Failed", id="missing-secret"
        ),
        pytest.param("deadline", "exceeded its deadline of 15s", "Started", id="deadline"),
    ],
)
def test_infrastructure_failure_fails_fast_for_real(
    real_cluster: RealCluster, tmp_path: Path, case: str, cause: str, event: str
) -> None:
    image = ("--image", real_cluster.runner)
    common = ("--no-install", "--suite")
    env: dict[str, str] = {}
    if case == "image":
        args = (*common, f"{PLANTED}/test_fails.py", "--image", "floe-local/no-such-image:1")
    elif case == "oom":
        args = (*common, f"{PLANTED}/test_oom_midway.py", *image)
    elif case == "unschedulable":
        env["FLOE_TEST_CONFIG"] = str(oversized_project(tmp_path / "project"))
        args = ("--no-install", *image)
    elif case == "secret":
        args = (*common, f"{PLANTED}/test_fails.py", "--profile", "full", *image)
    else:
        args = (*common, f"{PLANTED}/test_hangs.py", "--timeout", "15", *image)
    run = floe_test(real_cluster.kubeconfig, tmp_path / "results", *args, env=env)
    _assert_failed_fast(run, cause, event)
    assert run_namespaces(real_cluster.kubeconfig) == []
    if case == "oom":  # the test before passed, the one running is an error, none after
        assert read_totals(run.junit) == Totals(tests=2, failures=0, errors=1), run.output
        assert f"is in {run.junit}" in run.output
