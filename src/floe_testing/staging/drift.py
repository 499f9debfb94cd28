"""Drift across soak iterations, with robust statistics that one outlier cannot fake.

For each series (a service's memory, the GraphQL p95 latency) in iteration order:

- the **Theil-Sen slope** (median of all pairwise slopes) estimates the growth per
  iteration; one slow iteration or a garbage-collection dip barely moves it;
- **Mann-Kendall's** S statistic, as Kendall's tau = S / (n(n-1)/2), says how consistently
  the series rises (1.0: every later sample is higher than every earlier one).

A series drifts when it rises consistently (tau >= ``TAU_MIN``, and Mann-Kendall's
one-sided p-value below ``ALPHA``: three rising samples are what noise gives one time in six,
so a short soak never claims drift) *and* the Theil-Sen growth
over the soak exceeds the tolerance (memory: ``FLOE_SOAK_MEMORY_MB`` MiB and
``FLOE_SOAK_MEMORY_RATIO`` of the starting level; latency: ``FLOE_SOAK_LATENCY_RATIO`` of
the starting p95). The first iteration is a warm-up (imports, caches) and is left out of the
memory series when there are four or more iterations.

Both estimators are a few lines over at most a few hundred samples, so they are written
here on the standard library rather than pulling numpy and scipy into every install.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

TAU_MIN = 0.6
ALPHA = 0.05
MIN_POINTS = 3
MEMORY_MB = 64.0
MEMORY_RATIO = 0.25
LATENCY_RATIO = 0.5
MIB = 1024 * 1024


@dataclass(frozen=True)
class Trend:
    slope: float  # per iteration (Theil-Sen)
    tau: float  # Kendall's tau from the Mann-Kendall S statistic
    p_value: float  # one-sided, normal approximation (small n: indicative only)
    start: float  # the fitted level at the first point

    def growth(self, points: int) -> float:
        return self.slope * (points - 1)

    def consistent(self) -> bool:
        """A rise that is steady (tau) and unlikely to be noise (p-value)."""
        return self.tau >= TAU_MIN and self.p_value < ALPHA


def theil_sen(values: Sequence[float]) -> tuple[float, float]:
    """(slope, intercept) of the Theil-Sen line through (i, values[i])."""
    n = len(values)
    slopes = [(values[j] - values[i]) / (j - i) for i in range(n) for j in range(i + 1, n)]
    slope = statistics.median(slopes) if slopes else 0.0
    intercept = statistics.median(v - slope * i for i, v in enumerate(values))
    return slope, intercept


def mann_kendall(values: Sequence[float]) -> tuple[float, float]:
    """(tau, one-sided p-value for an upward trend) of the Mann-Kendall test."""
    n = len(values)
    pairs = n * (n - 1) / 2
    if pairs == 0:
        return 0.0, 1.0
    s = sum(
        (values[j] > values[i]) - (values[j] < values[i]) for i in range(n) for j in range(i + 1, n)
    )
    ties = [values.count(v) for v in set(values)]
    variance = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in ties)) / 18
    z = (s - 1) / math.sqrt(variance) if s > 0 and variance > 0 else 0.0
    return s / pairs, 0.5 * math.erfc(z / math.sqrt(2))


def trend(values: Sequence[float]) -> Trend:
    slope, intercept = theil_sen(values)
    tau, p_value = mann_kendall(values)
    return Trend(slope, tau, p_value, intercept)


def _memory_finding(
    service: str, values: Sequence[float], limit_mb: float, ratio: float
) -> str | None:
    series = list(values[1:]) if len(values) >= 4 else list(values)
    if len(series) < MIN_POINTS:
        return None
    fitted = trend(series)
    growth = fitted.growth(len(series))
    allowed = max(limit_mb * MIB, ratio * max(fitted.start, 1.0))
    if not fitted.consistent() or growth <= allowed:
        return None
    return (
        f"memory drift: {service} RSS grew {growth / MIB:.0f} MiB over {len(series)} "
        f"iterations ({fitted.slope / MIB:+.1f} MiB per iteration, Theil-Sen; Kendall tau "
        f"{fitted.tau:.2f}), from {series[0] / MIB:.0f} to {series[-1] / MIB:.0f} MiB; "
        f"tolerance {allowed / MIB:.0f} MiB"
    )


def _latency_finding(name: str, values: Sequence[float], ratio: float) -> str | None:
    if len(values) < MIN_POINTS:
        return None
    fitted = trend(values)
    growth = fitted.growth(len(values))
    allowed = ratio * max(fitted.start, 1e-9)
    if not fitted.consistent() or growth <= allowed:
        return None
    return (
        f"latency drift: {name} rose {growth * 1000:.0f} ms over {len(values)} iterations "
        f"({fitted.slope * 1000:+.1f} ms per iteration, Theil-Sen; Kendall tau "
        f"{fitted.tau:.2f}), from {values[0] * 1000:.0f} to {values[-1] * 1000:.0f} ms; "
        f"tolerance +{ratio:.0%}"
    )


def findings(
    memory: Mapping[str, Sequence[float]],
    latency: Mapping[str, Sequence[float]],
    settings: Mapping[str, str],
) -> list[str]:
    """Human-readable drift findings; empty when the platform held steady."""
    limit_mb = float(settings.get("FLOE_SOAK_MEMORY_MB", MEMORY_MB))
    memory_ratio = float(settings.get("FLOE_SOAK_MEMORY_RATIO", MEMORY_RATIO))
    latency_ratio = float(settings.get("FLOE_SOAK_LATENCY_RATIO", LATENCY_RATIO))
    found = [_memory_finding(s, v, limit_mb, memory_ratio) for s, v in memory.items()]
    found += [_latency_finding(n, v, latency_ratio) for n, v in latency.items()]
    return [f for f in found if f]
