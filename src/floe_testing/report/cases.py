"""Every test case of a JUnit report: outcome, duration, skip or failure message, metrics.

Metrics are the ``floe_metric.<name>`` properties a test records with pytest's
``record_property``: they travel inside the JUnit, so they come back from a cluster Job the
same way as the verdict does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from junitparser import Error, Failure, JUnitXml, Skipped, TestCase
from junitparser.junitparser import Properties, Property

METRIC_PREFIX = "floe_metric."


@dataclass(frozen=True)
class Case:
    name: str
    outcome: str  # passed, failed, error, skipped
    seconds: float
    message: str = ""
    metrics: dict[str, float] = field(default_factory=dict)


def _outcome(case: TestCase) -> tuple[str, str]:
    for result in case.result:
        message = (result.message or result.text or "").strip()
        if isinstance(result, Skipped):
            return "skipped", message
        if isinstance(result, Failure):
            return "failed", message
        if isinstance(result, Error):
            return "error", message
    return "passed", ""


def _metrics(case: TestCase) -> dict[str, float]:
    metrics: dict[str, float] = {}
    properties = case.child(Properties)  # type: ignore[no-untyped-call]
    if properties is None:
        return metrics
    for prop in properties.iterchildren(Property):
        name = prop.name or ""
        if name.startswith(METRIC_PREFIX):
            try:
                metrics[name[len(METRIC_PREFIX) :]] = float(prop.value)
            except (TypeError, ValueError):
                continue
    return metrics


def read_cases(path: Path) -> list[Case]:
    """The cases of a JUnit file in report order; empty when it is missing or unreadable."""
    if not path.is_file():
        return []
    try:
        xml = JUnitXml.fromfile(str(path))
    except Exception:
        return []
    suites = list(xml) if isinstance(xml, JUnitXml) else [xml]
    cases: list[Case] = []
    for suite in suites:
        for case in suite:
            outcome, message = _outcome(case)
            name = f"{case.classname}::{case.name}" if case.classname else str(case.name)
            cases.append(
                Case(
                    name, outcome, round(float(case.time or 0.0), 4), message[:500], _metrics(case)
                )
            )
    return cases


def skip_reasons(cases: list[Case]) -> list[tuple[str, int]]:
    """Distinct skip messages, most frequent first: why a run gave no verdict."""
    counts = Counter(c.message or "(no reason given)" for c in cases if c.outcome == "skipped")
    return counts.most_common()
