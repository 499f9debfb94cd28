"""GitHub Actions output: job summary table and ::error annotations, only under Actions."""

from __future__ import annotations

import io
from pathlib import Path

from floe_testing.report.github import error_command, publish, summary_markdown
from floe_testing.report.junit import Totals
from floe_testing.report.summary import RunSummary

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="2" failures="1" errors="0" skipped="0">
<testcase classname="tests.integration.test_x" name="test_ok" time="0.1"/>
<testcase classname="tests.integration.test_x" name="test_bad" time="0.1">
<failure message="assert 1 == 2">trace</failure></testcase>
</testsuite></testsuites>"""


def _summary(tmp_path: Path, exit_code: int = 1, message: str = "") -> RunSummary:
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT)
    return RunSummary(
        run_id="abc",
        tier="integration",
        profile="minimal",
        backend="kind",
        exit_code=exit_code,
        verdict="tests failed",
        message=message,
        timings={"start platform": 40.0, "run tests": 12.5},
        totals=Totals(2, 1, 0, 0),
        junit=str(junit),
    )


def test_publishes_summary_and_annotations_under_actions(tmp_path: Path) -> None:
    step_summary = tmp_path / "step-summary.md"
    (tmp_path / "tests" / "integration").mkdir(parents=True)
    (tmp_path / "tests" / "integration" / "test_x.py").write_text("")
    out = io.StringIO()
    done = publish(
        _summary(tmp_path),
        root=tmp_path,
        out=out,
        env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(step_summary)},
    )
    assert done
    markdown = step_summary.read_text()
    assert "| 2 | 1 | 1 | 0 | 0 |" in markdown
    assert "| start platform | 40.0 |" in markdown
    assert "| **total** | **52.5** |" in markdown
    lines = out.getvalue().splitlines()
    assert lines == [
        "::error file=tests/integration/test_x.py,"
        "title=tests.integration.test_x%3A%3Atest_bad::assert 1 == 2"
    ]


def test_infrastructure_failure_is_annotated(tmp_path: Path) -> None:
    out = io.StringIO()
    summary = _summary(tmp_path, exit_code=3, message="pod p: ImagePullBackOff\n  next step: x")
    summary.verdict = "infrastructure failure"
    publish(summary, root=tmp_path, out=out, env={"GITHUB_ACTIONS": "true"})
    first = out.getvalue().splitlines()[0]
    assert first.startswith("::error title=floe-test integration%3A infrastructure failure::")
    assert "ImagePullBackOff%0A  next step: x" in first


def test_nothing_outside_actions(tmp_path: Path) -> None:
    out = io.StringIO()
    assert not publish(_summary(tmp_path), out=out, env={})
    assert out.getvalue() == ""


def test_escaping_and_markdown_verdict(tmp_path: Path) -> None:
    assert error_command("50% done\nnext", "a:b,c") == "::error title=a%3Ab%2Cc::50%25 done%0Anext"
    assert summary_markdown(_summary(tmp_path)).startswith("### ❌ floe-test `integration`")
