"""Test-side performance checks: record a measurement, compare it with the baseline.

A performance test records what it measured as a JUnit property (``floe_metric.<name>``,
so it reaches the history from a cluster Job too) and fails when the value is worse than
the baseline by more than the tolerance. The baseline comes from the host's history
(``FLOE_PERF_BASELINE``, the median of recent green runs on the same backend and scale);
the tolerance is ``FLOE_PERF_TOLERANCE`` (a fraction: 1.0 allows twice the time, or half
the throughput) and each metric adds an absolute slack below which a change is noise, not
something a user feels (e.g. 25 ms of GraphQL latency). Without a baseline the measurement is
only recorded: the first green runs become the baseline.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass

from floe_testing.history.baseline import BASELINE_ENV
from floe_testing.report.cases import METRIC_PREFIX

TOLERANCE_ENV = "FLOE_PERF_TOLERANCE"
DEFAULT_TOLERANCE = 1.0


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    higher_is_better: bool = False
    slack: float = 0.0  # an absolute change (in ``unit``) that never counts as a regression


def baseline_values() -> dict[str, float]:
    raw = os.environ.get(BASELINE_ENV, "")
    if not raw:
        return {}
    values = json.loads(raw)
    return {str(k): float(v) for k, v in values.items()}


def tolerance() -> float:
    return float(os.environ.get(TOLERANCE_ENV, DEFAULT_TOLERANCE))


def regression(metric: Metric, measured: float, base: float | None, allowed: float) -> str | None:
    """The failure message when ``measured`` is worse than ``base`` beyond ``allowed``."""
    if base is None or base <= 0:
        return None
    if metric.higher_is_better:  # 1.0 tolerance: half the throughput, like twice the time
        limit = min(base / (1 + allowed), base - metric.slack)
        worse = measured < limit
    else:
        limit = max(base * (1 + allowed), base + metric.slack)
        worse = measured > limit
    if not worse:
        return None
    change = (measured - base) / base * 100
    return (
        f"performance regression: {metric.name} = {measured:.4g} {metric.unit}, baseline "
        f"{base:.4g} {metric.unit} ({change:+.0f}%; tolerance {allowed:.0%}"
        + (f" or {metric.slack:g} {metric.unit}" if metric.slack else "")
        + f", limit {limit:.4g} {metric.unit})"
    )


def record_and_compare(
    record_property: Callable[[str, object], None], metric: Metric, measured: float
) -> str | None:
    record_property(f"{METRIC_PREFIX}{metric.name}", round(measured, 6))
    return regression(metric, measured, baseline_values().get(metric.name), tolerance())
