"""The kind backend end to end with stand-in docker/kind/helm and an emulated cluster.

The Job phase is the real cluster backend against the harness' emulator (its pods run as
local processes), so a passing run leaves a real JUnit; the stand-ins record every call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.standins import StandIns, floe_test


def _run(
    standins: StandIns, emulated: Any, suite: Path, tmp_path: Path, *extra: str
) -> tuple[int, str, Path]:
    results = tmp_path / "results"
    env = standins.env(kubeconfig=emulated.kubeconfig)
    done = floe_test(
        [
            "run",
            "integration",
            "--backend",
            "kind",
            "--suite",
            str(suite),
            "--results-dir",
            str(results),
            *extra,
        ],
        env,
        timeout=240,
    )
    return done.returncode, done.stdout + done.stderr, results / "integration"


def _steps(standins: StandIns) -> list[str]:
    """Each call as ``tool verb`` (``docker build``, ``kind create``...)."""
    return [f"{call[0]} {call[1]}" for call in standins.calls()]


def test_fresh_cluster_full_sequence(
    standins: StandIns, emulated: Any, suite: Path, tmp_path: Path
) -> None:
    code, output, results = _run(standins, emulated, suite, tmp_path)
    assert code == 0, output
    steps = _steps(standins)
    # preflight first, then cluster and images (overlapping), load, install, teardown
    assert steps[:2] == ["docker version", "docker info"]
    assert steps.count("docker build") == 2
    assert "kind create" in steps
    loads = [c for c in standins.calls("kind") if c[1] == "load"]
    assert [c[2] for c in loads] == ["docker-image", "docker-image"]
    refs = [c[3] for c in loads]
    assert {r.split(":")[0] for r in refs} == {"floe-test-runner", "floe-platform"}
    assert all(r.split(":")[1].startswith("git-") for r in refs)  # content tags, never latest
    assert steps.index("kind load") > max(i for i, s in enumerate(steps) if s == "docker build")
    assert steps.index("helm upgrade") > steps.index("kind load")
    # created by this run -> deleted, then kind's network (the last cluster)
    assert steps[-3:] == ["kind delete", "kind get", "docker network"]
    assert standins.clusters() == []
    # helm got the tier's profile and the freshly built platform image
    overrides = standins.helm_values()[-1]
    assert overrides["profile"] == "minimal"
    platform_ref = next(r for r in refs if r.startswith("floe-platform:"))
    assert overrides["dagster"]["image"] == {
        "repository": "floe-platform",
        "tag": platform_ref.split(":")[1],
        "pullPolicy": "IfNotPresent",
    }
    # results: JUnit from the Job, per-phase timings and the finer kind steps
    summary = json.loads((results / "summary.json").read_text())
    assert summary["tests"]["passed"] == 1
    assert set(summary["timings_seconds"]) >= {"start platform", "run tests", "teardown"}
    kind_steps = json.loads((results / "kind-steps.json").read_text())
    assert set(kind_steps) >= {"cluster up", "build images", "load images", "deploy platform"}


def test_containerd_image_store_loads_single_platform_archives(
    standins: StandIns, emulated: Any, suite: Path, tmp_path: Path
) -> None:
    standins.set(containerd=True)
    code, output, _ = _run(standins, emulated, suite, tmp_path)
    assert code == 0, output
    saves = [c for c in standins.calls("docker") if c[1] == "save"]
    assert len(saves) == 2
    assert all(c[c.index("--platform") + 1] == "linux/amd64" for c in saves)
    loads = [c for c in standins.calls("kind") if c[1] == "load"]
    assert [c[2] for c in loads] == ["image-archive", "image-archive"]


@pytest.mark.parametrize("reason", ["CrashLoopBackOff", "InvalidImageName"])
def test_broken_platform_pod_fails_fast_and_cleans_up(
    standins: StandIns, emulated: Any, suite: Path, tmp_path: Path, reason: str
) -> None:
    standins.set(broken_pod=reason)
    code, output, results = _run(standins, emulated, suite, tmp_path)
    assert code == 3, output
    assert "dagster-webserver-abc" in output
    assert reason in output or "restarted 4 times" in output
    steps = _steps(standins)
    assert steps[-3:] == ["kind delete", "kind get", "docker network"]
    assert standins.clusters() == []
    assert (results / "diagnostics").is_dir()


def test_image_build_failure_still_deletes_the_cluster_created_meanwhile(
    standins: StandIns, emulated: Any, suite: Path, tmp_path: Path
) -> None:
    standins.set(fail=["build"])
    code, output, _ = _run(standins, emulated, suite, tmp_path)
    assert code == 3, output
    assert "failed to solve" in output
    steps = _steps(standins)
    assert "kind create" in steps  # overlapped with the build
    assert "helm upgrade" not in steps
    assert steps[-3:] == ["kind delete", "kind get", "docker network"]
    assert standins.clusters() == []


def test_load_failure_names_the_error(
    standins: StandIns, emulated: Any, suite: Path, tmp_path: Path
) -> None:
    standins.set(fail=["load"])
    code, output, _ = _run(standins, emulated, suite, tmp_path)
    assert code == 3
    assert "content digest" in output
    assert standins.clusters() == []


def test_helm_failure_is_an_infrastructure_failure(
    standins: StandIns, emulated: Any, suite: Path, tmp_path: Path
) -> None:
    standins.set(fail=["helm"], workloads=[])
    code, output, _ = _run(standins, emulated, suite, tmp_path)
    assert code == 3, output
    assert "INSTALLATION FAILED" in output
    assert "helm uninstall" not in _steps(standins)  # the cluster itself is deleted
    assert standins.clusters() == []


def test_keep_leaves_cluster_and_release(
    standins: StandIns, emulated: Any, suite: Path, tmp_path: Path
) -> None:
    code, output, _ = _run(standins, emulated, suite, tmp_path, "--keep")
    assert code == 0, output
    steps = _steps(standins)
    assert "kind delete" not in steps
    assert "helm uninstall" not in steps
    assert standins.clusters() == ["floe-dev"]
    assert "floe-test cluster down" in output
    assert "export KUBECONFIG=" in output


LOCAL_POSTGRESQL = "floe-local/postgresql:15-bookworm"  # what values-kind-local.yaml names


def test_the_chart_images_the_values_name_are_loaded_when_the_engine_has_them(
    standins: StandIns, emulated: Any, suite: Path, tmp_path: Path
) -> None:
    (standins.home / "images.txt").write_text(LOCAL_POSTGRESQL + "\n")  # scripts/images build
    code, output, _ = _run(
        standins, emulated, suite, tmp_path, "--values", "values-kind-local.yaml"
    )
    assert code == 0, output
    loads = [c[3] for c in standins.calls("kind") if c[1] == "load"]
    assert LOCAL_POSTGRESQL in loads
    assert {r.split(":")[0] for r in loads} == {
        "floe-test-runner",
        "floe-platform",
        "floe-local/postgresql",
    }


def test_a_local_image_the_values_name_and_the_engine_lacks_stops_before_anything_starts(
    standins: StandIns, emulated: Any, suite: Path, tmp_path: Path
) -> None:
    code, output, _ = _run(
        standins, emulated, suite, tmp_path, "--values", "values-kind-local.yaml"
    )
    assert code == 2, output
    assert f"{LOCAL_POSTGRESQL} (LOCAL_POSTGRESQL_IMAGE in pins/versions.env)" in output
    assert "scripts/images build" in output
    steps = _steps(standins)
    assert "kind create" not in steps
    assert "docker build" not in steps
