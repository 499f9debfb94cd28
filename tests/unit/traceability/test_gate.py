"""The gate, end to end through the CLI, on temporary copies of the real suites."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from floe_testing.cli import requirements

REPO_ROOT = Path(__file__).resolve().parents[3]
REQUIREMENTS = REPO_ROOT / "docs" / "requirements.yaml"

UNMARKED = """
def test_planted_without_marker():
    assert True
"""
UNKNOWN = """
import pytest

@pytest.mark.requirement("FLOE-E2E-999")
def test_planted_unknown_id():
    assert True
"""


def _app() -> typer.Typer:
    app = typer.Typer()
    requirements.register(app)

    @app.callback()
    def _root() -> None:
        """Group so the command keeps its name."""

    return app


def _gate(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(
        _app(),
        ["requirements", "--gate", "--json", "--requirements-file", str(REQUIREMENTS), *args],
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout)


def _copy_suite(tmp_path: Path, suite: str) -> Path:
    copy = tmp_path / "copy" / "tests" / suite
    shutil.copytree(REPO_ROOT / "tests" / suite, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.fixture(autouse=True)
def _project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOE_TEST_CONFIG", str(REPO_ROOT / "pyproject.toml"))


def test_copy_of_the_e2e_suite_passes_the_gate(tmp_path: Path) -> None:
    code, report = _gate(str(_copy_suite(tmp_path, "e2e")))
    assert report["violations"] == []
    assert code == 0


def test_planted_problems_in_a_copy_of_the_e2e_suite_fail_the_gate(tmp_path: Path) -> None:
    copy = _copy_suite(tmp_path, "e2e")
    (copy / "test_planted.py").write_text(UNMARKED, encoding="utf-8")
    (copy / "test_planted_unknown.py").write_text(UNKNOWN, encoding="utf-8")
    (copy / "test_broken.py").write_text("import not_a_module_anywhere\n", encoding="utf-8")
    code, report = _gate(str(copy))
    assert code == 1
    assert report["unmarked"] == ["test_planted.py::test_planted_without_marker"]
    assert report["unknown"] == {
        "test_planted_unknown.py::test_planted_unknown_id": ["FLOE-E2E-999"]
    }
    errors = report["collection_errors"]
    assert len(errors) == 1
    assert "test_broken.py" in errors[0]
    assert len(report["violations"]) == 3


def test_planted_unmarked_test_in_a_copy_of_the_integration_suite_fails_the_gate(
    tmp_path: Path,
) -> None:
    copy = _copy_suite(tmp_path, "integration")
    (copy / "test_planted.py").write_text(UNMARKED, encoding="utf-8")
    code, report = _gate(str(copy))
    assert code == 1
    assert "test_planted.py::test_planted_without_marker" in report["unmarked"]


def test_without_gate_the_report_never_fails(tmp_path: Path) -> None:
    copy = _copy_suite(tmp_path, "e2e")
    (copy / "test_planted.py").write_text(UNMARKED, encoding="utf-8")
    result = CliRunner().invoke(
        _app(), ["requirements", "--requirements-file", str(REQUIREMENTS), str(copy)]
    )
    assert result.exit_code == 0
    assert "test_planted_without_marker: no requirement marker" in result.stdout
    assert "FLOE-E2E-004" in result.stdout


def test_unknown_gate_tier_is_a_usage_error() -> None:
    result = CliRunner().invoke(_app(), ["requirements", "--gate-tier", "nightly"])
    assert result.exit_code != 0
    assert "unknown tier nightly" in str(result.exception)


def test_ids_do_not_depend_on_where_the_checkout_lives(tmp_path: Path) -> None:
    """A suite outside the project gets ids relative to itself, wherever the project is: CI
    clones under /tmp, where pytest's own rootdir rule made them relative to /tmp."""
    from floe_testing.traceability.collect import rootdir_for

    project = tmp_path / "checkout"
    suite = tmp_path / "elsewhere" / "tests" / "integration"
    suite.mkdir(parents=True)
    project.mkdir()
    assert rootdir_for([suite], project) == suite.resolve()
    assert rootdir_for([suite / "test_a.py", suite], project) == suite.resolve()
    inside = project / "tests" / "e2e"
    inside.mkdir(parents=True)
    assert rootdir_for([inside], project) == project.resolve()
