"""The plugin's markers are registered: listed by --markers, accepted by --strict-markers."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import REPO_ROOT, RunPytest


def test_pytest_markers_lists_the_plugins_markers() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "--markers", "-p", "no:cacheprovider"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "@pytest.mark.requirement(*ids):" in listed
    assert "@pytest.mark.services(*names):" in listed


def test_markers_need_no_registration_in_the_suite(run_pytest: RunPytest) -> None:
    run = run_pytest(
        """
        import pytest

        @pytest.mark.requirement("FLOE-INT-001", "FLOE-INT-002")
        @pytest.mark.services("dagster")
        def test_marked():
            pass

        @pytest.mark.requirement("FLOE-E2E-001")
        class TestGroup:
            def test_inherits(self):
                pass
        """
    )
    assert run.exit_code == 0
    assert run.outcomes() == {"test_marked": "passed", "test_inherits": "passed"}


def test_an_unregistered_marker_still_fails_under_strict_markers(run_pytest: RunPytest) -> None:
    """Proves the previous test would have caught a missing registration."""
    run = run_pytest(
        """
        import pytest

        @pytest.mark.requirment("FLOE-INT-001")
        def test_typo():
            pass
        """
    )
    assert run.exit_code != 0


POLARIS_AND_PORTABLE = """
    import pytest

    @pytest.mark.polaris_only
    def test_needs_polaris():
        pass

    def test_any_catalog():
        pass
    """


def test_polaris_only_tests_are_deselected_with_the_reason_where_the_stand_in_runs(
    run_pytest: RunPytest, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLOE_CATALOG_IMPLEMENTATION", "iceberg-rest")
    run = run_pytest(POLARIS_AND_PORTABLE)
    assert run.exit_code == 0
    assert run.outcomes() == {"test_any_catalog": "passed"}  # deselected, not skipped
    out = " ".join(capsys.readouterr().out.split())
    assert "floe-test: deselected 1 test(s): the catalog is Iceberg's REST catalog server" in out
    assert "tests marked polaris_only do not run here" in out


@pytest.mark.parametrize("implementation", ["polaris", None])
def test_polaris_only_tests_run_where_polaris_runs(
    run_pytest: RunPytest, monkeypatch: pytest.MonkeyPatch, implementation: str | None
) -> None:
    if implementation is None:
        monkeypatch.delenv("FLOE_CATALOG_IMPLEMENTATION", raising=False)
    else:
        monkeypatch.setenv("FLOE_CATALOG_IMPLEMENTATION", implementation)
    run = run_pytest(POLARIS_AND_PORTABLE)
    assert run.outcomes() == {"test_needs_polaris": "passed", "test_any_catalog": "passed"}
