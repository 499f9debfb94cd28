"""Performance comparison messages and the all-skipped verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from floe_testing.config import load_project
from floe_testing.core.errors import EXIT_INFRASTRUCTURE, UsageError
from floe_testing.plan import build_plan
from floe_testing.report.junit import read_totals
from floe_testing.report.summary import RunSummary
from floe_testing.run.pipeline import no_verdict
from floe_testing.staging import perf
from floe_testing.staging.duration import parse_duration

SECONDS = perf.Metric("pipeline_seconds", "s")
THROUGHPUT = perf.Metric("rows_per_second", "rows/s", higher_is_better=True)


def test_a_regression_names_both_numbers() -> None:
    message = perf.regression(SECONDS, 9.0, 3.0, 0.5)
    assert message is not None
    assert "pipeline_seconds = 9 s" in message
    assert "baseline 3 s" in message
    assert "+200%" in message
    assert perf.regression(SECONDS, 4.4, 3.0, 0.5) is None
    assert perf.regression(SECONDS, 9.0, None, 0.5) is None


def test_slack_absorbs_small_absolute_changes() -> None:
    latency = perf.Metric("graphql_p50_seconds", "s", slack=0.025)
    assert perf.regression(latency, 0.030, 0.012, 0.5) is None  # +150%, but only 18 ms
    message = perf.regression(latency, 0.040, 0.012, 0.5)
    assert message is not None
    assert "tolerance 50% or 0.025 s" in message


def test_higher_is_better_metrics_regress_downwards() -> None:
    assert perf.regression(THROUGHPUT, 100.0, 1000.0, 0.5) is not None
    assert perf.regression(THROUGHPUT, 2000.0, 1000.0, 0.5) is None
    assert perf.regression(THROUGHPUT, 510.0, 1000.0, 1.0) is None  # half: the 1.0 limit
    assert perf.regression(THROUGHPUT, 490.0, 1000.0, 1.0) is not None


def test_durations_parse_and_refuse_nonsense() -> None:
    assert parse_duration("30m") == 1800
    assert parse_duration("1h30m") == 5400
    assert parse_duration("90") == 90
    for bad in ("soon", "0s", "5x"):
        with pytest.raises(UsageError, match="--soak"):
            parse_duration(bad)


ALL_SKIPPED = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="staging" tests="3" skipped="3" failures="0" errors="0">
<testcase classname="a" name="t1" time="0"><skipped message="needs a cluster"/></testcase>
<testcase classname="a" name="t2" time="0"><skipped message="needs a cluster"/></testcase>
<testcase classname="b" name="t3" time="0"><skipped message="no Cube here"/></testcase>
</testsuite></testsuites>
"""


def test_a_run_where_every_test_skipped_is_exit_3_naming_the_reasons(tmp_path: Path) -> None:
    plan = build_plan(
        load_project(), "staging", backend="local", backend_reason="t", results_dir=tmp_path
    )
    plan.results_dir.mkdir(parents=True)
    plan.junit_path.write_text(ALL_SKIPPED)
    summary = RunSummary(plan.run_id, "staging", "minimal", "local", exit_code=0)
    summary.totals = read_totals(plan.junit_path)
    no_verdict(summary, plan)
    assert summary.exit_code == EXIT_INFRASTRUCTURE
    assert summary.verdict == "every test was skipped"
    assert "needs a cluster (2x)" in summary.message
    assert "no Cube here (1x)" in summary.message


def test_some_skips_keep_the_verdict(tmp_path: Path) -> None:
    plan = build_plan(
        load_project(), "staging", backend="local", backend_reason="t", results_dir=tmp_path
    )
    plan.results_dir.mkdir(parents=True)
    plan.junit_path.write_text(ALL_SKIPPED.replace('<skipped message="no Cube here"/>', ""))
    summary = RunSummary(plan.run_id, "staging", "minimal", "local", exit_code=0)
    summary.totals = read_totals(plan.junit_path)
    no_verdict(summary, plan)
    assert summary.exit_code == 0
