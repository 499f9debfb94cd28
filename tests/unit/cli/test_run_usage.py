"""Usage and configuration errors exit 2, say what to do, and start nothing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from harness.paths import FLOE_TEST

ROOT = Path(__file__).resolve().parents[3]


def floe_test(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLOE_TEST, *args],
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_unknown_tier_exits_2_naming_known_tiers(tmp_path: Path) -> None:
    result = floe_test("run", "nosuchtier", "--results-dir", str(tmp_path / "r"))
    assert result.returncode == 2
    assert "unknown tier 'nosuchtier'" in result.stderr
    assert "unit, integration, e2e, staging" in result.stderr
    assert not (tmp_path / "r").exists()


def test_malformed_tier_configuration_exits_2_naming_the_key(tmp_path: Path) -> None:
    text = (ROOT / "pyproject.toml").read_text().replace("timeout = 600", "timeout = -5", 1)
    bad = tmp_path / "pyproject.toml"
    bad.write_text(text)
    result = floe_test(
        "--config", str(bad), "run", "integration", "--results-dir", str(tmp_path / "r")
    )
    assert result.returncode == 2
    assert "tool.floe-test.tiers.integration.timeout" in result.stderr
    assert str(bad) in result.stderr.replace("\n", "")
    assert not (tmp_path / "r").exists()


def test_missing_suite_exits_2(tmp_path: Path) -> None:
    result = floe_test(
        "run", "integration", "--backend", "local", "--suite", str(tmp_path / "none")
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_unknown_backend_exits_2() -> None:
    result = floe_test("run", "integration", "--backend", "laptop")
    assert result.returncode == 2
    assert "unknown backend 'laptop'" in result.stderr


def test_sharding_on_local_backend_exits_2() -> None:
    result = floe_test("run", "integration", "--backend", "local", "--shards", "2")
    assert result.returncode == 2
    assert "--shards 2" in result.stderr


def test_outside_a_project_exits_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "FLOE_TEST_CONFIG"}
    result = subprocess.run(
        [FLOE_TEST, "tiers"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--config" in result.stderr


def test_tiers_lists_tiers_profiles_and_backends() -> None:
    result = floe_test("tiers")
    assert result.returncode == 0, result.stderr
    for word in (
        "integration",
        "minimal",
        "full",
        "DAGSTER_HOST",
        "POLARIS_HOST",
        "local",
        "kind",
        "cluster",
    ):
        assert word in result.stdout


def test_help_has_an_example() -> None:
    result = floe_test("run", "--help")
    assert result.returncode == 0
    assert "floe-test run integration --backend local" in result.stdout
