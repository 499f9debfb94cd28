"""``floe-test platform`` and ``run --platform``: bad input exits 2, names the fix, and
changes nothing (no platform started, no record touched, no results written)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from floe_testing.platforms.state import PLATFORMS_ENV, KeptPlatform, Registry
from harness.paths import FLOE_TEST, REPO_ROOT


def floe_test(platforms: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLOE_TEST, *args],
        cwd=REPO_ROOT,
        env={**os.environ, "COLUMNS": "200", PLATFORMS_ENV: str(platforms)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def platforms(tmp_path: Path) -> Path:
    """A registry holding one local platform whose processes are long gone."""
    root = tmp_path / "platforms"
    Registry(root).save(
        KeptPlatform(
            name="local-minimal",
            backend="local",
            tier="integration",
            profile="minimal",
            command=("floe-test", "platform", "up", "integration", "--name", "local-minimal"),
            where="dagster http://127.0.0.1:9",
            details={
                "workdir": str(tmp_path / "gone"),
                "log_dir": str(tmp_path / "gone" / "logs"),
                "endpoints_file": str(tmp_path / "gone" / "endpoints.env"),
                "dagster_url": "http://127.0.0.1:9",
                "processes": [{"name": "dagster-daemon", "pid": 999_999, "started": 1.0}],
                "health_ports": [],
            },
        )
    )
    return root


def _record(platforms: Path) -> str:
    return (platforms / "local-minimal.json").read_text()


def test_run_against_an_unknown_platform_exits_2_listing_the_known_ones(
    platforms: Path, tmp_path: Path
) -> None:
    before = _record(platforms)
    result = floe_test(
        platforms, "run", "integration", "--platform", "local-minimol",
        "--results-dir", str(tmp_path / "r"),
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "unknown platform 'local-minimol'; known platforms: local-minimal" in result.stderr
    assert "Did you mean 'local-minimal'?" in result.stderr
    assert not (tmp_path / "r").exists()
    assert _record(platforms) == before


def test_options_that_describe_a_platform_to_start_are_refused_with_platform(
    platforms: Path, tmp_path: Path
) -> None:
    result = floe_test(
        platforms, "run", "integration", "--platform", "local-minimal", "--keep",
        "--no-install", "--namespace", "x", "--values", "v.yaml",
        "--results-dir", str(tmp_path / "r"),
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    output = " ".join(result.stderr.split())
    assert "--keep, --no-install, --namespace, --values describe a platform to start" in output
    assert "drop --keep, --no-install, --namespace, --values" in output
    assert not (tmp_path / "r").exists()


def test_a_tier_of_another_profile_is_refused_naming_both(platforms: Path, tmp_path: Path) -> None:
    result = floe_test(
        platforms, "run", "e2e", "--platform", "local-minimal",
        "--results-dir", str(tmp_path / "r"),
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    output = " ".join(result.stderr.split())
    assert "the e2e tier runs on the full profile; platform local-minimal runs minimal" in output
    assert not (tmp_path / "r").exists()


def test_another_backend_than_the_platform_s_is_refused(platforms: Path) -> None:
    result = floe_test(
        platforms, "run", "integration", "--platform", "local-minimal", "--backend", "cluster"
    )
    assert result.returncode == 2, result.stderr
    assert "platform local-minimal runs on the local backend" in result.stderr


def test_a_dead_platform_exits_3_naming_it_and_the_restart_command(
    platforms: Path, tmp_path: Path
) -> None:
    result = floe_test(
        platforms, "run", "integration", "--platform", "local-minimal",
        "--results-dir", str(tmp_path / "r"),
    )  # fmt: skip
    output = " ".join(result.stderr.split())
    assert result.returncode == 3, output
    assert "kept platform local-minimal is not healthy: dagster-daemon (pid 999999)" in output
    assert "floe-test platform up integration --name local-minimal" in output


def test_status_shows_it_unhealthy(platforms: Path) -> None:
    result = floe_test(platforms, "platform", "status")
    assert result.returncode == 0, result.stderr
    assert "local-minimal" in result.stdout
    assert "unhealthy: dagster-daemon (pid 999999) is not running" in result.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["platform", "up", "integration", "--backend", "kind"], "does not keep platforms"),
        (["platform", "up", "unit"], "no platform profile"),
        (["platform", "up", "integration", "--name", "Bad_Name"], "is not valid"),
        (["platform", "up", "--backend", "local"], "needs a tier or a profile"),
        (["platform", "down"], "name one platform, or pass --all"),
        (["platform", "down", "local-minimal", "--all"], "pass a name or --all"),
        (["platform", "down", "nosuch"], "unknown platform 'nosuch'"),
    ],
)
def test_platform_usage_errors_exit_2_and_change_nothing(
    platforms: Path, args: list[str], says: str
) -> None:
    before = _record(platforms)
    result = floe_test(platforms, *args)
    assert result.returncode == 2, result.stderr
    assert says in result.stderr
    assert sorted(p.name for p in platforms.iterdir()) == ["local-minimal.json"]
    assert _record(platforms) == before


def test_down_forget_drops_the_record_alone(platforms: Path) -> None:
    """--forget drops a record without stopping anything (nothing runs here)."""
    result = floe_test(platforms, "platform", "down", "local-minimal", "--forget")
    assert result.returncode == 0, result.stderr
    assert list(platforms.iterdir()) == []
    status = floe_test(platforms, "platform", "status", "--json")
    assert status.stdout.strip() == "[]"
