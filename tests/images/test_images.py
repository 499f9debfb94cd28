"""Both images build, run as uid 10001 on a read-only root, and run the suites for real."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from floe_testing.config.load import load_project
from floe_testing.images.build import PLATFORM, POSTGRESQL, RUNNER
from floe_testing.images.smoke import LABEL, run_runner, smoke
from floe_testing.jobs import results
from floe_testing.jobs.manifest import JobSpec, job_manifest
from floe_testing.runner.junit_build import totals_of
from floe_testing.tools.docker import BindMount, ContainerEngine, ContainerSession

REPO = Path(__file__).resolve().parents[2]
HARDENED = ["--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges"]
IMPORT_AND_COLLECT = """
import subprocess, sys
import floe_testing, floe_testing.pytest_plugin, floe_testing.runner.pod_runner
markers = subprocess.run([sys.executable, "-m", "pytest", "--markers", "tests/integration"],
                         capture_output=True, text=True, check=True).stdout
assert "@pytest.mark.requirement" in markers, markers  # the plugin is loaded (entry point)
collect = [sys.executable, "-m", "pytest", "--co", "-q", "tests/integration"]
sys.exit(subprocess.run(collect).returncode)
"""


def say(message: str) -> None:
    print(f"images: {message}", file=sys.stderr)


def docker(engine: ContainerEngine, *args: str, check: bool = True) -> str:
    """The engine's CLI straight, to look at what the product did from outside it."""
    result = engine.tool.run(list(args), timeout=300, check=check)
    return result.stdout + result.stderr


@pytest.mark.parametrize("name", [RUNNER.name, PLATFORM.name])
def test_image_runs_as_10001_on_a_read_only_root(
    engine: ContainerEngine, built: dict[str, str], name: str
) -> None:
    ref = built[name]
    assert docker(engine, "image", "inspect", "--format", "{{.Config.User}}", ref).strip() == (
        "10001:10001"
    )
    probe = "import os; print(os.getuid(), os.getgid()); open('/app/x', 'w')"
    result = engine.tool.run(
        ["run", "--rm", *HARDENED, ref, "python", "-c", probe], timeout=120, check=False
    )
    assert result.returncode != 0
    assert result.stdout.split() == ["10001", "10001"]
    assert "Read-only file system" in result.stderr


def test_runner_imports_the_project_and_plugin_writing_only_tmp(
    engine: ContainerEngine, built: dict[str, str]
) -> None:
    name = f"floe-images-test-{secrets.token_hex(4)}"
    tmpfs = ["--tmpfs", "/tmp:uid=10001,gid=10001", "--tmpfs", "/results:uid=10001,gid=10001"]
    try:  # a writable root on purpose: `docker diff` then shows any write outside the tmpfs
        out = docker(
            engine,
            "run",
            "--name",
            name,
            *tmpfs,
            built[RUNNER.name],
            "python",
            "-c",
            IMPORT_AND_COLLECT,
        )
        assert "9 tests collected" in out
        assert docker(engine, "diff", name).strip() == ""
    finally:
        docker(engine, "rm", "--force", name, check=False)


def test_smoke_passes_and_leaves_nothing(engine: ContainerEngine, built: dict[str, str]) -> None:
    said: list[str] = []

    def record(message: str) -> None:
        said.append(message)
        say(message)

    images = (built[RUNNER.name], built[PLATFORM.name], built[POSTGRESQL.name])
    assert smoke(engine, REPO, *images, record) == 0
    stored = [m for m in said if m.endswith(" Dagster runs stored")]
    assert len(stored) == 1, said
    assert int(stored[0].split()[1]) > 0, said  # Dagster's storage was PostgreSQL
    counts = totals_of((REPO / "test-results" / "images-smoke" / "junit.xml").read_text())
    assert counts["tests"] >= 9
    assert counts["failures"] == counts["errors"] == 0
    for kind in ("container", "network", "volume"):
        listed = docker(
            engine,
            kind,
            "ls",
            *(["--all"] if kind == "container" else []),
            "--quiet",
            "--filter",
            f"label={LABEL}",
        )
        assert listed.strip() == "", kind


def test_planted_failing_suite_fails_with_the_failure_in_the_junit(
    engine: ContainerEngine, built: dict[str, str], shared_dir: Path
) -> None:
    planted = shared_dir / "planted"
    planted.mkdir(mode=0o755)
    (planted / "test_planted.py").write_text(
        "def test_planted():\n    assert 1 == 2, 'planted failure'\n\n"
        "def test_fine():\n    assert True\n"
    )
    (planted / "test_planted.py").chmod(0o644)
    pod = job_manifest(JobSpec.checked_in(load_project(REPO / "pyproject.toml"), "integration"))
    run_id = secrets.token_hex(4)
    runner = ContainerSession(engine, labels={LABEL: run_id}, prefix=f"floe-planted-{run_id}")
    try:
        runner.network()
        result = run_runner(
            runner,
            built[RUNNER.name],
            pod["spec"]["template"]["spec"],
            {},
            shared_dir,
            timeout=300,
            say=say,
            command=[
                "python",
                "-m",
                "floe_testing.runner.pod_runner",
                "--suite",
                "tests/planted",
                "--results-dir",
                "/results",
            ],
            extra_mounts=[BindMount(planted, "/app/tests/planted", readonly=True)],
        )
    finally:
        runner.remove_all()
    assert result.exit_status == 1
    assert not result.crashed
    assert "planted failure" in result.junit_xml
    assert results.verdict([result]).exit_status == 1


def test_engine_command_is_idempotent(engine: ContainerEngine) -> None:
    """A running engine is left as it is: no second dockerd, the same daemon answers."""
    before = docker(engine, "info", "--format", "{{.ID}}").strip()
    done = subprocess.run(
        [str(REPO / "scripts" / "images"), "engine"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "answers on /var/run/docker.sock" in done.stderr
    assert "starting" not in done.stderr
    assert docker(engine, "info", "--format", "{{.ID}}").strip() == before


HOST_ONLY_IMPORTS = [
    "helm_python",
    "kubernetes_validate",
    "plotly",
    "dagster",
    "sqlalchemy",
    "grpc",
    "apache_polaris",
]


def test_no_host_only_package_lands_in_the_runner_image(
    engine: ContainerEngine, built: dict[str, str]
) -> None:
    """A pod needs the in-pod runner and what the suites import: the report's plotting, the
    Helm engine, Dagster, Polaris's management client (the bootstrap runs from the platform
    image) and the local backend's SeaweedFS binary stay on the host."""
    probe = (
        "import importlib.util, shutil, sys\n"
        f"found = [m for m in {HOST_ONLY_IMPORTS!r} if importlib.util.find_spec(m)]\n"
        "found += ['weed'] if shutil.which('weed') else []\n"
        "print(' '.join(found) or 'none')"
    )
    out = docker(engine, "run", "--rm", *HARDENED, built[RUNNER.name], "python", "-c", probe)
    assert out.strip() == "none", out


def test_the_platform_image_runs_the_catalog_bootstrap(
    engine: ContainerEngine, built: dict[str, str]
) -> None:
    """The chart's hook Job runs ``floe-test bootstrap catalog`` from the platform image: the
    command is there and Polaris's client (apache-polaris) imports; without its environment
    the bootstrap stops with a usage error (exit 2) naming what is missing."""
    ref = built[PLATFORM.name]
    probe = "import floe_testing.bootstrap.polaris, apache_polaris; print('client ok')"
    assert "client ok" in docker(engine, "run", "--rm", *HARDENED, ref, "python", "-c", probe)
    result = engine.tool.run(
        ["run", "--rm", *HARDENED, ref, "floe-test", "bootstrap", "catalog"],
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "FLOE_CATALOG_URI" in result.stdout + result.stderr
