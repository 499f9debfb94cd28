"""What a run measured, printed with its baseline: the staging tier's performance numbers
(pipeline seconds, rows/s, GraphQL and Cube latency) should not hide in runs.jsonl.

Measurements are the JUnit properties ``floe_metric.<name>`` the performance tests record; the
baseline is the setting the run gave them (the median of recent green runs, ``--history``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from rich.table import Table

from floe_testing.report.cases import Case

# what a reader thinks in: seconds below 1 as milliseconds, throughput as rows/s
_UNITS = {"_seconds": ("ms", 1000.0), "_rows_per_second": ("rows/s", 1.0)}


def measured(cases: list[Case]) -> dict[str, float]:
    """Every metric the run's tests recorded (the last value when one repeats)."""
    values: dict[str, float] = {}
    for case in cases:
        values.update(case.metrics)
    return values


def label(name: str) -> tuple[str, str, float]:
    """A metric's readable title, unit and scale: ``graphql_p95_seconds`` -> GraphQL p95, ms."""
    for suffix, (unit, scale) in _UNITS.items():
        if name.endswith(suffix):
            title = name.removesuffix(suffix).replace("_", " ").replace("graphql", "GraphQL")
            if unit == "ms" and "pipeline" in name:
                unit, scale = "s", 1.0
            return title, unit, scale
    return name.replace("_", " "), "", 1.0


def baseline_of(settings: Mapping[str, str], env_name: str) -> dict[str, float]:
    raw = settings.get(env_name)
    if not raw:
        return {}
    try:
        return {k: float(v) for k, v in json.loads(raw).items()}
    except (ValueError, TypeError, AttributeError):
        return {}


def table(values: Mapping[str, float], baseline: Mapping[str, float]) -> Table:
    """One row per measurement: value, baseline and the change (or why there is none)."""
    result = Table(title="measurements")
    for column in ("measurement", "value", "baseline", "change"):
        result.add_column(column, justify="left" if column == "measurement" else "right")
    for name in sorted(values):
        title, unit, scale = label(name)
        value = values[name] * scale
        base = baseline.get(name)
        if base is None:
            result.add_row(title, f"{value:,.1f} {unit}".strip(), "-", "no baseline yet")
            continue
        change = (values[name] - base) / base * 100 if base else 0.0
        result.add_row(
            title, f"{value:,.1f} {unit}".strip(), f"{base * scale:,.1f} {unit}".strip(),
            f"{change:+.0f}%",
        )  # fmt: skip
    return result
