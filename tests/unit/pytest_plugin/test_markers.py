"""The plugin's markers are registered: listed by --markers, accepted by --strict-markers."""

from __future__ import annotations

import subprocess
import sys

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
