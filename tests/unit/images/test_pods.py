"""The pod spec -> container translation keeps the chart's and the Job's settings (as the
engine's ``run`` flags: ``tools.docker.run_arguments``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from floe_testing.config.load import load_project
from floe_testing.deploy.chart.engine import render
from floe_testing.images import pods
from floe_testing.jobs.manifest import JobSpec, job_manifest
from floe_testing.tools.docker import ContainerSpec, run_arguments

REPO = Path(__file__).resolve().parents[3]


def _pair(args: list[str], flag: str) -> list[str]:
    return [args[i + 1] for i, arg in enumerate(args) if arg == flag]


def _args(spec: ContainerSpec) -> list[str]:
    return run_arguments(spec, "net", {"l": "1"})


@pytest.fixture(scope="module")
def user_code() -> dict[str, Any]:
    deployment = render("minimal").get("Deployment", "dagster-user-code")
    assert deployment is not None
    spec: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return spec


def test_platform_pod_keeps_security_volumes_and_limits(
    user_code: dict[str, Any], tmp_path: Path
) -> None:
    files = {f"dagster-instance/{k}": tmp_path / k for k in ("dagster.yaml", "workspace.yaml")}
    run = pods.translate(
        user_code,
        user_code["containers"][0],
        name="p-user-code",
        alias="dagster-user-code",
        image="floe-platform:x",
        files=files,
        volume_prefix="p",
    )
    args = _args(run)
    assert _pair(args, "--user") == ["10001:10001"]
    assert "--read-only" in args
    assert _pair(args, "--cap-drop") == ["ALL"]
    assert _pair(args, "--security-opt") == ["no-new-privileges"]
    assert _pair(args, "--memory") == [str(1536 * 2**20)]
    tmpfs = dict(entry.split(":", 1) for entry in _pair(args, "--tmpfs"))
    assert set(tmpfs) == {"/opt/dagster/home", "/tmp"}  # the pod's emptyDirs
    assert "uid=10001,gid=10001" in tmpfs["/tmp"]
    mounts = _pair(args, "--mount")
    assert (
        f"type=bind,source={files['dagster-instance/dagster.yaml']},destination="
        "/opt/dagster/home/dagster.yaml,readonly" in mounts
    )
    assert run.volumes == ["p-dagster-user-code-duckdb"]  # the PVC, for the caller to create
    assert not any(e.startswith("DAGSTER_PG_") for e in _pair(args, "--env"))  # Secret refs
    assert run.command[:3] == ["dagster", "api", "grpc"]
    assert args[args.index("--network-alias") + 1] == "dagster-user-code"
    assert args[-len(run.command) - 1] == "floe-platform:x"


def test_job_pod_runs_the_image_default_command_with_overridden_env() -> None:
    project = load_project(REPO / "pyproject.toml")
    pod = job_manifest(JobSpec.checked_in(project, "integration"))["spec"]["template"]["spec"]
    run = pods.translate(
        pod,
        pod["containers"][0],
        name="r",
        alias="runner",
        image="img",
        files={},
        volume_prefix="p",
        default_command=True,
        env={"DAGSTER_HOST": "dagster-webserver", "EXTRA": "1"},
    )
    args = _args(run)
    env = _pair(args, "--env")
    assert "DAGSTER_HOST=dagster-webserver" in env
    assert not any(e.startswith("DAGSTER_HOST=") and "svc.cluster.local" in e for e in env)
    assert "EXTRA=1" in env
    assert run.command == []
    assert _pair(args, "--user") == ["10001:10001"]
    tmpfs = dict(entry.split(":", 1) for entry in _pair(args, "--tmpfs"))
    assert set(tmpfs) == {"/tmp", "/results"}
    assert f"size={2**30}" in tmpfs["/tmp"]  # the emptyDir's sizeLimit


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [("512Mi", 512 * 2**20), ("1Gi", 2**30), ("100M", 10**8), ("2048", 2048)],
)
def test_memory_quantities(quantity: str, expected: int) -> None:
    assert pods.memory_bytes(quantity) == expected


def test_unsupported_volume_is_named() -> None:
    pod = {"volumes": [{"name": "x", "hostPath": {"path": "/"}}]}
    container = {"volumeMounts": [{"name": "x", "mountPath": "/x"}]}
    with pytest.raises(ValueError, match="volume x"):
        pods.translate(pod, container, name="n", alias="a", image="i", files={}, volume_prefix="p")
