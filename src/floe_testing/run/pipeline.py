"""Drive one run through a backend: start platform -> run tests -> collect -> teardown -> report.

Collect and teardown always run (success, failure, deadline, SIGINT, SIGTERM), like
``try/finally``; a second signal during them is noted, not obeyed, so cleanup completes.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import FrameType
from typing import Any

from floe_testing.backends.base import Backend, TestOutcome
from floe_testing.core.errors import (
    EXIT_INFRASTRUCTURE,
    EXIT_PASSED,
    EXIT_TESTS_FAILED,
    EXIT_USAGE,
    FloeTestError,
    InfrastructureError,
    Interrupted,
)
from floe_testing.core.ui import Ui
from floe_testing.plan import RunPlan
from floe_testing.protocol.exit_status import PytestExit
from floe_testing.report.junit import read_totals
from floe_testing.report.summary import RunSummary, print_summary


class PhaseTimer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


def _raise_interrupted(signum: int, _frame: FrameType | None) -> None:
    raise Interrupted(signal.Signals(signum).name)


@contextmanager
def _signals(handler: Callable[[int, FrameType | None], Any]) -> Iterator[None]:
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def interruptible() -> AbstractContextManager[None]:
    """SIGINT and SIGTERM raise ``Interrupted`` inside the block, so its cleanup runs."""
    return _signals(_raise_interrupted)


def shielded(late_signals: list[str]) -> AbstractContextManager[None]:
    """Cleanup that must finish: SIGINT and SIGTERM are noted in ``late_signals``, not obeyed."""
    return _signals(lambda signum, _f: late_signals.append(signal.Signals(signum).name))


def verdict_of(exit_status: int, plan: RunPlan) -> tuple[int, str, str]:
    """floe-test exit code, verdict and message from pytest's exit status."""
    if exit_status == PytestExit.OK:
        return EXIT_PASSED, "all tests passed", ""
    if exit_status == PytestExit.TESTS_FAILED:
        return EXIT_TESTS_FAILED, "tests failed", ""
    if exit_status == PytestExit.INTERRUPTED:
        # our own interruptions raise Interrupted; this is pytest stopping on collection errors
        return EXIT_TESTS_FAILED, "tests failed", "pytest stopped early: errors during collection"
    if exit_status == PytestExit.USAGE_ERROR:
        return EXIT_USAGE, "pytest rejected its arguments", "check the arguments after --"
    if exit_status == PytestExit.NO_TESTS_COLLECTED:
        return (
            EXIT_USAGE,
            "no tests collected",
            f"{plan.suite_arg} selected no tests: check --suite and the -k/-m arguments",
        )
    return (
        EXIT_INFRASTRUCTURE,
        "test runner crashed",
        f"pytest exited with status {exit_status}; see its output above and {plan.results_dir}",
    )


RunPhase = Callable[[RunPlan, Backend, Ui], TestOutcome]


def _run_once(plan: RunPlan, backend: Backend, ui: Ui) -> TestOutcome:
    return backend.run_tests(plan, ui)


def no_verdict(summary: RunSummary, plan: RunPlan) -> None:
    """A run in which every test was skipped tested nothing: exit 3, naming the reasons."""
    totals = summary.totals
    if summary.exit_code != EXIT_PASSED or totals is None or totals.tests == 0:
        return
    if totals.skipped < totals.tests:
        return
    from floe_testing.report.cases import read_cases, skip_reasons

    reasons = "; ".join(
        f"{reason} ({count}x)" for reason, count in skip_reasons(read_cases(plan.junit_path))
    )
    summary.exit_code = EXIT_INFRASTRUCTURE
    summary.verdict = "every test was skipped"
    summary.message = (
        f"all {totals.tests} tests of {plan.suite_arg} were skipped, so nothing was tested: "
        f"{reasons}"
    )


def execute(plan: RunPlan, backend: Backend, ui: Ui, run_phase: RunPhase = _run_once) -> RunSummary:
    """Run the plan; always returns a summary whose ``exit_code`` the CLI returns.

    ``run_phase`` runs the tests once the platform is up (a soak repeats them).
    """
    summary = RunSummary(
        run_id=plan.run_id,
        tier=plan.tier.name,
        profile=plan.profile.name if plan.profile else None,
        backend=plan.backend,
        junit=str(plan.junit_path),
    )
    timer = PhaseTimer()
    plan.results_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("junit.xml", "summary.json"):
        (plan.results_dir / stale).unlink(missing_ok=True)
    failed = True
    late_signals: list[str] = []
    try:
        with _signals(_raise_interrupted):
            with timer.phase("start platform"):
                backend.start_platform(plan, ui)
            with timer.phase("run tests"):
                outcome = run_phase(plan, backend, ui)
        summary.exit_code, summary.verdict, summary.message = verdict_of(outcome.exit_status, plan)
        if outcome.detail:
            summary.message = "; ".join(m for m in (summary.message, outcome.detail) if m)
        failed = summary.exit_code != EXIT_PASSED
    except (FloeTestError, KeyboardInterrupt) as exc:
        error = Interrupted("SIGINT") if isinstance(exc, KeyboardInterrupt) else exc
        summary.exit_code = error.exit_code
        summary.verdict = (
            "interrupted" if isinstance(error, Interrupted) else "infrastructure failure"
        )
        summary.message = str(error)
    finally:
        _clean_up(plan, backend, ui, timer, failed, late_signals)
    summary.timings = timer.timings
    _conclude(summary, plan, ui, late_signals)
    return summary


def _clean_up(
    plan: RunPlan,
    backend: Backend,
    ui: Ui,
    timer: PhaseTimer,
    failed: bool,
    late_signals: list[str],
) -> None:
    """Collect, then tear down (or keep); a signal meanwhile lands in ``late_signals``."""
    with shielded(late_signals):
        with timer.phase("collect"):
            _guarded(ui, "collect", lambda: backend.collect(plan, ui, failed))
        with timer.phase("teardown"):
            if plan.keep:
                ui.step("--keep: the platform stays up")
                instructions = backend.keep_instructions(plan)
                if instructions:
                    ui.console.print(instructions, markup=False)
            else:
                _guarded(ui, "teardown", lambda: backend.teardown(plan, ui))


def _conclude(summary: RunSummary, plan: RunPlan, ui: Ui, late_signals: list[str]) -> None:
    """The run's last word: the totals, the verdict checks, summary.json and the report."""
    summary.totals = read_totals(plan.junit_path)
    if summary.exit_code in (EXIT_PASSED, EXIT_TESTS_FAILED) and summary.totals is None:
        summary.exit_code = EXIT_INFRASTRUCTURE
        summary.verdict = "infrastructure failure"
        summary.message = f"the run ended without a JUnit report at {plan.junit_path}"
    no_verdict(summary, plan)
    if late_signals:
        ui.warn(f"ignored {', '.join(late_signals)} during cleanup so that it could finish")
    summary.write(plan.results_dir / "summary.json")
    from floe_testing.report.github import publish

    publish(summary, root=plan.project.root)
    print_summary(ui, summary)
    _print_measurements(ui, plan)
    if summary.message:
        (ui.error if summary.exit_code > EXIT_TESTS_FAILED else ui.info)(summary.message)


def _print_measurements(ui: Ui, plan: RunPlan) -> None:
    """What the performance tests measured, beside the baseline they were judged against."""
    if not plan.junit_path.is_file():
        return
    from floe_testing.core.ui import print_table
    from floe_testing.history.baseline import BASELINE_ENV
    from floe_testing.report import measurements
    from floe_testing.report.cases import read_cases

    values = measurements.measured(read_cases(plan.junit_path))
    if values:
        baseline = measurements.baseline_of(plan.settings, BASELINE_ENV)
        print_table(ui.console, measurements.table(values, baseline))


def _guarded(ui: Ui, what: str, action: Callable[[], None]) -> None:
    """Cleanup steps report their own failure without hiding the run's verdict."""
    try:
        action()
    except InfrastructureError as exc:
        ui.error(f"{what} failed: {exc}")
    except Exception as exc:
        ui.error(f"{what} failed: {exc!r}")
