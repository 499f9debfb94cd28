"""Overlapping runs write to folders of their own: the second gets ``<tier>-<run id>/``."""

from __future__ import annotations

from pathlib import Path

from floe_testing.config import load_project
from floe_testing.core.ui import Ui
from floe_testing.plan import build_plan
from floe_testing.run.results_folder import claimed


def _plan(results: Path, run_id: str):  # type: ignore[no-untyped-def]
    return build_plan(
        load_project(),
        "integration",
        backend="local",
        backend_reason="test",
        results_dir=results,
        run_id=run_id,
    )


def test_a_second_run_at_the_same_time_gets_its_own_folder(tmp_path: Path) -> None:
    ui = Ui(quiet=True)
    with claimed(_plan(tmp_path, "aaaa1111"), ui) as first:
        assert first.results_dir == tmp_path / "integration"
        with claimed(_plan(tmp_path, "bbbb2222"), ui) as second:
            assert second.results_dir == tmp_path / "integration-bbbb2222"
            assert second.junit_path.parent == second.results_dir
    with claimed(_plan(tmp_path, "cccc3333"), ui) as later:  # once the first has ended
        assert later.results_dir == tmp_path / "integration"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["integration"]  # no lock file
