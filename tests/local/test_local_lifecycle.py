"""The local backend for real: Dagster processes start, tests run, and nothing survives.

Covers pass (the tier's own suite), fail with --keep, deadline, SIGINT and SIGTERM.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest
from junitparser import JUnitXml

from floe_testing.core.polling import wait_for

from .conftest import BLOCKING, PASSING_AND_FAILING, LocalRun, write_suite


def _cases(junit: Path) -> dict[str, str]:
    outcome = {}
    for suite in JUnitXml.fromfile(str(junit)):
        for case in suite:
            outcome[case.name] = case.result[0]._tag if case.result else "passed"
    return outcome


def test_tier_passes_and_leaves_no_process(local_run: LocalRun) -> None:
    result = local_run.run()
    assert result.returncode == 0, result.stdout + result.stderr
    cases = _cases(local_run.results / "integration" / "junit.xml")
    assert len(cases) >= 6
    assert set(cases.values()) == {"passed"}
    assert (local_run.results / "integration" / "logs" / "dagster-webserver.log").is_file()
    # every service exits on SIGTERM within the grace period: nobody needed SIGKILL
    assert "SIGKILL" not in result.stdout + result.stderr
    assert "killed:" not in result.stdout + result.stderr
    # pytest says why its clock differs from the summary's "run tests" phase
    assert "floe-test: platform ready; these tests collected while it started" in result.stdout
    # the daemon connects only once the code server answers: no refused connection in its log
    daemon_log = local_run.results / "integration" / "logs" / "dagster-daemon.log"
    assert "DagsterUserCodeUnreachableError" not in daemon_log.read_text()
    assert local_run.survivors() == []


def test_a_selection_matching_nothing_exits_2_without_waiting_for_the_platform(
    local_run: LocalRun,
) -> None:
    """pytest ends as soon as it has collected nothing to run; start-up stops there instead
    of waiting for a platform nobody needs. (On a loaded machine the platform, forked from
    one preloaded interpreter, can be ready before pytest has collected: then nothing was
    waited for either, and the run ends as soon as pytest does.)"""
    result = local_run.run("--", "-k", "matches_no_test_at_all")
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "no tests collected" in output
    assert ("start-up stopped" in output) != ("platform ready" in output), output
    assert local_run.survivors() == []


def test_failing_suite_exits_1_junit_lists_failures_and_keep_leaves_the_platform_up(
    local_run: LocalRun, tmp_path: Path
) -> None:
    """A failing suite's verdict and JUnit, and --keep (one platform start for both: the kept
    platform outlives a red run too, and the printed command stops it)."""
    suite = write_suite(tmp_path / "suite", PASSING_AND_FAILING)
    result = local_run.run("--suite", str(suite), "--keep")
    assert result.returncode == 1, result.stdout + result.stderr
    cases = _cases(local_run.results / "integration" / "junit.xml")
    assert cases == {
        "test_platform_answers": "passed",
        "test_planted_failure_one": "failure",
        "test_planted_failure_two": "failure",
    }
    assert local_run.survivors(), "--keep must leave the platform running"
    stop = next(line for line in result.stderr.splitlines() if "stop it:" in line)
    command = stop.split("stop it:", 1)[1].strip()
    subprocess.run(command, shell=True, check=True)  # noqa: S602 - the command we printed
    wait_for(lambda: not local_run.survivors(), timeout=30, description="kept platform to stop")


def test_deadline_exits_3_keeps_partial_junit_and_leaves_no_process(
    local_run: LocalRun, tmp_path: Path
) -> None:
    suite = write_suite(tmp_path / "suite", BLOCKING)
    # the deadline counts from the platform's readiness; pytest must have reached its test
    # by then (on a loaded machine the platform can be up before pytest has collected)
    result = local_run.run("--suite", str(suite), "--timeout", "10")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "deadline" in result.stderr
    assert (local_run.results / "integration" / "junit.xml").is_file()
    assert local_run.survivors() == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_run_and_leaves_no_process(
    local_run: LocalRun, tmp_path: Path, signum: signal.Signals
) -> None:
    suite = write_suite(tmp_path / "suite", BLOCKING)
    process = local_run.start("--suite", str(suite))
    output = local_run.signal_while_blocked(process, signum, timeout=120)
    assert process.returncode == 130, output
    assert "interrupted" in output
    assert local_run.survivors() == []
    assert (local_run.results / "integration" / "summary.json").is_file()


def test_ctrl_c_in_a_terminal_ends_pytest_in_one_line(local_run: LocalRun, tmp_path: Path) -> None:
    """A terminal's Ctrl-C signals the whole foreground group: pytest runs in a group of its
    own, so only floe-test gets it and stops pytest once (no nested KeyboardInterrupts)."""
    suite = write_suite(tmp_path / "suite", BLOCKING)
    process = local_run.start("--suite", str(suite))
    output = local_run.signal_while_blocked(process, signal.SIGINT, whole_group=True)
    assert process.returncode == 130, output
    assert output.count("stopped by floe-test: the run was interrupted") == 1, output
    assert "Traceback" not in output
    assert "KeyboardInterrupt" not in output
    assert local_run.survivors() == []
