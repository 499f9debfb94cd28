"""GitHub Actions output of a run: the job summary table and error annotations.

Written by floe-test itself when ``GITHUB_ACTIONS=true``, so every workflow gets the same
report without extra steps: a Markdown table appended to ``$GITHUB_STEP_SUMMARY`` and
``::error`` workflow commands on stdout for failed tests and infrastructure failures.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from floe_testing.report.summary import RunSummary

MAX_ANNOTATIONS = 10  # GitHub shows at most 10 error annotations per step
_ICON = {0: "✅", 1: "❌"}


@dataclass(frozen=True)
class FailedTest:
    name: str
    classname: str
    message: str


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def error_command(message: str, title: str, file: str | None = None) -> str:
    """One ``::error`` workflow command, escaped as GitHub's toolkit does."""
    props = [f"title={_escape_property(title)}"]
    if file:
        props.insert(0, f"file={_escape_property(file)}")
    return f"::error {','.join(props)}::{_escape_data(message)}"


def failed_tests(junit: Path) -> Iterator[FailedTest]:
    """Failed and errored test cases of a JUnit file (nothing when it is missing)."""
    if not junit.is_file():
        return
    from junitparser import Error, Failure, JUnitXml

    try:
        xml = JUnitXml.fromfile(str(junit))
    except Exception:
        return
    suites = list(xml) if isinstance(xml, JUnitXml) else [xml]
    for suite in suites:
        for case in suite:
            for result in case.result:
                if isinstance(result, Failure | Error):
                    text = (result.message or result.text or "").strip()
                    yield FailedTest(case.name, case.classname or "", text[:1000])
                    break


def _module_file(classname: str, root: Path) -> str | None:
    """``tests.integration.test_x.TestY`` -> ``tests/integration/test_x.py`` when it exists."""
    parts = classname.split(".")
    for end in range(len(parts), 0, -1):
        candidate = Path(*parts[:end]).with_suffix(".py")
        if (root / candidate).is_file():
            return candidate.as_posix()
    return None


def summary_markdown(summary: RunSummary) -> str:
    icon = _ICON.get(summary.exit_code, "⚠️")
    lines = [
        f"### {icon} floe-test `{summary.tier}` · {summary.backend} backend · "
        f"{summary.verdict or 'no verdict'} (exit {summary.exit_code})",
        "",
    ]
    totals = summary.totals
    if totals is not None:
        lines += [
            "| tests | passed | failed | errors | skipped |",
            "|---:|---:|---:|---:|---:|",
            f"| {totals.tests} | {totals.passed} | {totals.failures} | {totals.errors} "
            f"| {totals.skipped} |",
            "",
        ]
    lines += ["| phase | seconds |", "|---|---:|"]
    lines += [f"| {phase} | {seconds:.1f} |" for phase, seconds in summary.timings.items()]
    lines += [f"| **total** | **{sum(summary.timings.values()):.1f}** |", ""]
    if summary.message:
        lines += ["```", summary.message.strip(), "```", ""]
    profile = f"profile `{summary.profile}` · " if summary.profile else ""
    lines += [f"{profile}run `{summary.run_id}` · JUnit: `{summary.junit}`", ""]
    return "\n".join(lines)


def publish(
    summary: RunSummary,
    *,
    root: Path | None = None,
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
) -> bool:
    """Write the step summary and annotations when running in GitHub Actions; True if so."""
    env = os.environ if env is None else env
    if env.get("GITHUB_ACTIONS") != "true":
        return False
    out = out or sys.stdout
    root = root or Path.cwd()
    target = env.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(summary_markdown(summary) + "\n")
    commands: list[str] = []
    if summary.exit_code > 1:
        commands.append(
            error_command(
                summary.message or summary.verdict, f"floe-test {summary.tier}: {summary.verdict}"
            )
        )
    for test in failed_tests(Path(summary.junit)):
        if len(commands) >= MAX_ANNOTATIONS:
            break
        commands.append(
            error_command(
                test.message or "failed",
                f"{test.classname}::{test.name}",
                _module_file(test.classname, root),
            )
        )
    for command in commands:
        print(command, file=out, flush=True)
    return True
