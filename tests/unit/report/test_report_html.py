"""The report page from a synthetic history: every section, the flaky test named, no network."""

from __future__ import annotations

from pathlib import Path

from floe_testing.report import trends
from floe_testing.report.html import render

MIB = 1024 * 1024


def _run(i: int, flaky: str, revision: str = "abc") -> dict:  # type: ignore[type-arg]
    return {
        "record_id": f"r{i}", "run_id": f"r{i}", "kind": "run", "started_at": f"2026-12-01T0{i}:00",
        "tier": "staging", "backend": "local", "profile": "minimal", "scale": 1,
        "git_revision": revision, "exit_code": 0 if flaky == "passed" else 1,
        "verdict": "x", "duration_seconds": 30.0 + i,
        "totals": {"tests": 2, "passed": 1 + (flaky == "passed"), "failures": flaky != "passed",
                   "errors": 0, "skipped": 0},
        "phases": {"start platform": 10.0, "run tests": 20.0 + i},
        "tests": [{"name": "t::steady", "outcome": "passed", "seconds": 3.0 + i},
                  {"name": "t::wobbly", "outcome": flaky, "seconds": 1.0}],
        "metrics": {"pipeline_seconds": 5.0 + i}, "baseline": {"pipeline_seconds": 5.0},
        "drift": [],
    }  # fmt: skip


def _iteration(run: str, n: int) -> dict:  # type: ignore[type-arg]
    return {
        "record_id": f"{run}-i{n}", "run_id": run, "kind": "soak-iteration", "iteration": n,
        "resources": {"dagster-webserver": {"rss_bytes": (150 + n) * MIB}},
        "metrics": {"graphql_p95_seconds": 0.05},
    }  # fmt: skip


def test_flaky_means_flipping_on_one_revision() -> None:
    records = [_run(1, "passed"), _run(2, "failed"), _run(3, "passed")]
    (flaky,) = trends.flaky_tests(records)
    assert flaky.name == "t::wobbly"
    assert flaky.flip_rate == 1.0
    assert flaky.same_revision
    # failing from one revision on is a regression, not flakiness
    fixed = [_run(1, "passed", "a"), _run(2, "failed", "b"), _run(3, "failed", "b")]
    assert trends.flaky_tests(fixed) == []


def test_slowest_tests_rank_by_median_with_a_series_per_run() -> None:
    slow = trends.slowest_tests([_run(1, "passed"), _run(2, "passed")])
    assert slow[0].name == "t::steady"
    assert slow[0].series == (4.0, 5.0)


def test_page_has_every_section_and_needs_no_network(tmp_path: Path) -> None:
    records = [_run(1, "passed"), _run(2, "failed"), _run(3, "passed")]
    records += [_iteration("r3", n) for n in (1, 2, 3)]
    page = render(records)
    for heading in (
        "Runs", "Suite and phase durations", "Slowest tests and their trend", "Flaky tests",
        "Soak resource curves", "Performance against baseline",
    ):  # fmt: skip
        assert f"<h2>{heading}</h2>" in page
    assert "3 runs, 3 soak iterations" in page
    assert "<strong>t::wobbly</strong>" in page
    assert "<script src" not in page
    assert "cdn.plot.ly" not in page.split("</script>", 1)[1]
    assert page.count("Plotly.newPlot") >= 5


def test_each_chart_says_one_thing(tmp_path: Path) -> None:
    """The soak is left out of the phase durations, soak iterations tick as whole numbers,
    metrics read in a reader's units, and a missing baseline is said, not drawn."""
    runs = [_run(1, "passed"), _run(2, "passed"), _run(3, "passed")]
    for run in runs:
        run["metrics"] = {"graphql_p95_seconds": 0.04}
        run["baseline"] = {}
    soak = {**_run(4, "passed"), "phases": {"run tests": 157.0}}
    records = [*runs, soak, *(_iteration("r4", n) for n in (1, 2, 3))]
    page = render(records)
    assert "1 soak run(s) left out" in page
    assert '"dtick":1' in page
    assert "GraphQL p95 (ms)" in page
    assert "graphql_p95_seconds" not in page.split("<h2>Performance against baseline</h2>")[1]
    assert "no baseline drawn yet" in page
