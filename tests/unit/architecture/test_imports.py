"""The import contracts of ``pyproject.toml`` (``[tool.importlinter]``, docs/architecture.md):
stages import downward, no cycle between siblings at any depth, the in-pod runner apart."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(
    config: Path, cwd: Path, python_path: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = None
    if python_path is not None:
        env = {**os.environ, "PYTHONPATH": str(python_path)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(config), "--no-cache"],
        cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def test_the_project_keeps_every_import_contract() -> None:
    result = lint_imports(ROOT / "pyproject.toml", ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_planted_cycle_and_an_upward_import_are_caught(tmp_path: Path) -> None:
    """The same kinds of contract on a tiny package with a cycle and a layer violation."""
    package = tmp_path / "src" / "planted"
    (package / "low").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "high.py").write_text("from planted import low\n")
    (package / "low" / "__init__.py").write_text("from planted import high\n")
    (package / "low" / "a.py").write_text("from planted.low import b\n")
    (package / "low" / "b.py").write_text("from planted.low import a\n")
    config = tmp_path / "contracts.toml"
    config.write_text(
        textwrap.dedent(
            """
            [tool.importlinter]
            root_packages = ["planted"]

            [[tool.importlinter.contracts]]
            name = "layers"
            type = "layers"
            layers = ["planted.high", "planted.low"]

            [[tool.importlinter.contracts]]
            name = "acyclic"
            type = "acyclic_siblings"
            ancestors = ["planted"]
            """
        )
    )
    result = lint_imports(config, tmp_path, python_path=tmp_path / "src")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "layers BROKEN" in result.stdout
    assert "acyclic BROKEN" in result.stdout
