"""A run prints what its performance tests measured, in a reader's units, beside the baseline."""

from __future__ import annotations

import io

from rich.console import Console

from floe_testing.core.ui import print_table
from floe_testing.report import measurements
from floe_testing.report.cases import Case


def _render(values: dict[str, float], baseline: dict[str, float]) -> str:
    out = io.StringIO()
    print_table(Console(file=out, width=120), measurements.table(values, baseline))
    return out.getvalue()


def test_latency_in_ms_pipeline_in_s_and_the_change_against_the_baseline() -> None:
    text = _render(
        {"graphql_p95_seconds": 0.0421, "pipeline_seconds": 12.5, "rows_per_second": 8000.0},
        {"graphql_p95_seconds": 0.040},
    )
    assert "GraphQL p95" in text
    assert "42.1 ms" in text
    assert "40.0 ms" in text
    assert "+5%" in text
    assert "12.5 s" in text
    assert "no baseline yet" in text


def test_metrics_come_from_every_case_and_a_bad_baseline_is_none() -> None:
    cases = [
        Case("a", "passed", 1.0, "", {"graphql_p50_seconds": 0.01}),
        Case("b", "passed", 1.0, "", {"pipeline_seconds": 3.0}),
    ]
    assert measurements.measured(cases) == {"graphql_p50_seconds": 0.01, "pipeline_seconds": 3.0}
    assert measurements.baseline_of({"X": "not json"}, "X") == {}
    assert measurements.baseline_of({"X": '{"pipeline_seconds": 2}'}, "X") == {
        "pipeline_seconds": 2.0
    }
