"""``floe-test --help`` starts without the command line's imports, and the command line itself
imports nothing heavy until a command runs (speed itself is benchmarks/cluster_startup.py's)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from harness.paths import FLOE_TEST

# what a command may import when it runs, never at start-up
HEAVY = (
    "pydantic", "rich", "httpx", "yaml", "lightkube", "kubernetes_validate", "dagster",
    "psutil", "junitparser", "tenacity", "pytest", "duckdb", "pyiceberg", "boto3", "plotly",
)  # fmt: skip

LOADED = """
import sys
sys.argv = {argv!r}
try:
    {statement}
except SystemExit:
    pass
print(",".join(sorted(sys.modules)), file=sys.stderr)
"""


def _modules(statement: str, argv: list[str], cache: Path) -> set[str]:
    """Top-level packages loaded by ``statement`` in a fresh interpreter."""
    code = LOADED.format(argv=argv, statement=statement)
    env = {**os.environ, "FLOE_TEST_CACHE": str(cache), "COLUMNS": "80"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return {name.split(".")[0] for name in result.stderr.strip().splitlines()[-1].split(",")}


def test_the_command_line_imports_nothing_heavy_at_start_up(tmp_path: Path) -> None:
    loaded = _modules("import floe_testing.cli.app", ["floe-test"], tmp_path)
    assert "typer" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_help_is_rendered_once_then_printed_without_importing_typer(tmp_path: Path) -> None:
    run_help = "from floe_testing.cli.entry import main; main()"
    assert "typer" in _modules(run_help, ["floe-test", "--help"], tmp_path)  # renders, keeps
    assert len(list((tmp_path / "cli-help").iterdir())) == 1
    assert "typer" not in _modules(run_help, ["floe-test", "--help"], tmp_path)


def test_kept_help_is_the_apps_own(tmp_path: Path) -> None:
    env = {**os.environ, "FLOE_TEST_CACHE": str(tmp_path), "COLUMNS": "80"}
    fresh = subprocess.run([FLOE_TEST, "--help"], capture_output=True, text=True, env=env)
    kept = subprocess.run([FLOE_TEST, "--help"], capture_output=True, text=True, env=env)
    assert fresh.returncode == kept.returncode == 0
    assert fresh.stdout == kept.stdout
    assert "Commands:" in kept.stdout
    assert "run " in kept.stdout
    # anything but the top-level --help is the app itself: usage errors still exit 2
    wrong = subprocess.run([FLOE_TEST, "--hlep"], capture_output=True, text=True, env=env)
    assert wrong.returncode == 2
    assert "Did you mean" in wrong.stdout + wrong.stderr
