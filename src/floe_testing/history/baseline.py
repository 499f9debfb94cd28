"""Performance baselines from the history: the median of the last k green runs.

Only comparable runs count: same tier, backend and scale, whole runs (not soak iterations)
that passed. The median of k keeps one unusually fast or slow run from moving the bar.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable
from typing import Any

BASELINE_ENV = "FLOE_PERF_BASELINE"
DEFAULT_K = 5


def baseline(
    records: Iterable[dict[str, Any]], *, tier: str, backend: str, scale: int, k: int = DEFAULT_K
) -> dict[str, float]:
    green = [
        r
        for r in records
        if r.get("kind") == "run"
        and r.get("exit_code") == 0
        and r.get("tier") == tier
        and r.get("backend") == backend
        and r.get("scale") == scale
        and r.get("metrics")
    ]
    recent = sorted(green, key=lambda r: str(r.get("started_at")))[-k:]
    values: dict[str, list[float]] = {}
    for record in recent:
        for name, value in record["metrics"].items():
            if isinstance(value, int | float):
                values.setdefault(name, []).append(float(value))
    return {name: round(statistics.median(v), 6) for name, v in values.items()}


def as_setting(values: dict[str, float]) -> dict[str, str]:
    """The baseline as the setting the performance tests read (empty: no baseline yet)."""
    return {BASELINE_ENV: json.dumps(values, sort_keys=True)} if values else {}
