"""Runs that reach a verdict: 1 and 3 shards, failing tests, live logs, dropped watches."""

from __future__ import annotations

from pathlib import Path

from junitparser import JUnitXml

from harness.cli import CliRun, assert_nothing_left, run_cli, write_suite
from harness.cluster import EmulatedCluster

MARKERS = """
def test_prints_the_framing_markers():
    print("@@floe-results:0123456789abcdef0123456789abcdef:begin shard=0 chunks=1 sha256=00")
    print("@@floe-results:0123456789abcdef0123456789abcdef:0 AAAA")
    print("@@floe-results:0123456789abcdef0123456789abcdef:end")
"""
PASSING = "".join(f"def test_pass_{i}():\n    assert True\n" for i in range(4))
GATE = """
import os
from floe_testing.core.polling import wait_for
def test_gate():
    print("gate-waiting", flush=True)
    gate = os.path.join(os.path.dirname(__file__), "gate")
    wait_for(lambda: os.path.exists(gate), timeout=30, interval=0.05, description="the gate file")
    print("gate-passed", flush=True)
"""


def _cases(run: CliRun) -> list[str]:
    return [
        f"{case.classname}.{case.name}"
        for suite in JUnitXml.fromfile(str(run.junit))
        for case in suite
    ]


def test_one_shard_passes_with_markers_in_the_output(
    cluster: EmulatedCluster, suite_dir: Path, tmp_path: Path
) -> None:
    suite = write_suite(suite_dir, {"test_a.py": PASSING + MARKERS})
    run = run_cli(cluster, suite, tmp_path / "results")
    assert run.exit_code == 0, run.stderr
    cases = _cases(run)
    assert len(cases) == 5
    assert len(set(cases)) == 5
    assert any("test_prints_the_framing_markers PASSED" in line for line in run.stdout)
    assert (run.junit.parent / "shards" / "junit-0.xml").is_file()
    assert not run.diagnostics.exists()
    assert_nothing_left(cluster)


def test_three_shards_with_a_failing_test_stream_live_and_merge_once(
    cluster: EmulatedCluster, suite_dir: Path, tmp_path: Path
) -> None:
    failing = "def test_fails():\n    assert 1 == 2, 'expected failure'\n"
    suite = write_suite(
        suite_dir,
        {
            "test_a.py": PASSING,
            "test_b.py": failing + PASSING,
            "test_c.py": PASSING + GATE,
        },
    )

    def open_gate(line: str) -> None:  # only a live log lets the last shard finish
        if "gate-waiting" in line:
            (suite / "gate").touch()

    run = run_cli(
        cluster,
        suite,
        tmp_path / "results",
        "--shards",
        "3",
        on_line=open_gate,
        pytest_args=("-s",),
    )
    assert run.exit_code == 1, run.stderr
    cases = _cases(run)
    assert len(cases) == 14
    assert len(set(cases)) == 14
    totals = JUnitXml.fromfile(str(run.junit))
    assert sum(s.failures for s in totals) == 1
    for shard in range(3):
        assert any(line.startswith(f"[shard {shard}] ") for line in run.stdout)
        assert (run.junit.parent / "shards" / f"junit-{shard}.xml").is_file()
        assert (run.junit.parent / "logs" / f"shard-{shard}.log").is_file()
    assert (run.diagnostics / "SUMMARY.md").is_file()  # a failed run leaves diagnostics
    assert_nothing_left(cluster)


def test_dropped_watches_and_log_streams_are_resumed(
    cluster: EmulatedCluster, suite_dir: Path, tmp_path: Path
) -> None:
    suite = write_suite(
        suite_dir, {"test_a.py": PASSING, "test_b.py": GATE + PASSING, "test_c.py": PASSING}
    )

    def drop_then_open(line: str) -> None:
        if "gate-waiting" in line:
            cluster.drop_streams()
            (suite / "gate").touch()

    run = run_cli(
        cluster,
        suite,
        tmp_path / "results",
        "--shards",
        "3",
        on_line=drop_then_open,
        pytest_args=("-s",),
    )
    assert run.exit_code == 0, run.stderr
    assert "resuming" in run.stderr
    assert sum("gate-passed" in line for line in run.stdout) == 1  # no line lost or doubled
    assert sum("gate-waiting" in line for line in run.stdout) == 1
    assert len(set(_cases(run))) == 13
    assert_nothing_left(cluster)


def test_pytest_crashing_mid_run_reports_partial_results_as_failed(
    cluster: EmulatedCluster, suite_dir: Path, tmp_path: Path
) -> None:
    crash = (
        "import os\n" + PASSING + "def test_crash():\n    os._exit(7)\n"
        "def test_never_runs():\n    pass\n"
    )
    suite = write_suite(suite_dir, {"test_a.py": crash})
    run = run_cli(cluster, suite, tmp_path / "results")
    assert run.exit_code == 1, run.stderr
    cases = _cases(run)
    assert any(c.endswith("test_crash") for c in cases)
    assert not any(c.endswith("test_never_runs") for c in cases)
    assert "test_crash" in run.stderr  # the detail names the test that was running
    assert_nothing_left(cluster)


def test_keep_leaves_the_run_in_place(
    cluster: EmulatedCluster, suite_dir: Path, tmp_path: Path
) -> None:
    suite = write_suite(suite_dir, {"test_a.py": PASSING})
    run = run_cli(cluster, suite, tmp_path / "results", "--keep")
    assert run.exit_code == 0, run.stderr
    assert len(cluster.namespaces()) == 2
    assert len(cluster.objects("jobs")) == 1
    assert "delete namespace" in run.stderr
