"""scripts/k8s-local's command line: usage errors exit 2 and change nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def k8s_local(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FLOE_TEST_CACHE": str(tmp_path / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "floe_testing.k8slocal", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_command_is_a_usage_error(tmp_path: Path) -> None:
    result = k8s_local(tmp_path)
    assert result.returncode == 2
    assert "COMMAND" in result.stderr


def test_help_shows_examples(tmp_path: Path) -> None:
    result = k8s_local(tmp_path, "--help")
    assert result.returncode == 0
    assert "scripts/k8s-local load" in result.stdout


def test_load_without_a_running_node_says_to_run_up_first(tmp_path: Path) -> None:
    result = k8s_local(tmp_path, "load", "floe-test-runner:git-abc")
    assert result.returncode == 2
    assert "scripts/k8s-local up first" in result.stderr
    assert not (tmp_path / "cache" / "k8s-local" / "state").exists()


def test_addons_without_a_running_cluster_says_to_run_up_first(tmp_path: Path) -> None:
    result = k8s_local(tmp_path, "addons")
    assert result.returncode == 2
    assert "scripts/k8s-local up" in result.stderr
    assert not (tmp_path / "cache" / "k8s-local" / "state").exists()
