"""Drift detection over soak iterations: steady growth is found, noise and outliers are not."""

from __future__ import annotations

import pytest

from floe_testing.staging import drift

MIB = 1024 * 1024


def test_theil_sen_ignores_one_outlier() -> None:
    slope, intercept = drift.theil_sen([10, 12, 14, 100, 18, 20])
    assert slope == pytest.approx(2.0)
    assert intercept == pytest.approx(10.0)


def test_mann_kendall_tau_of_monotone_and_flat_series() -> None:
    assert drift.mann_kendall([1, 2, 3, 4, 5])[0] == 1.0
    assert drift.mann_kendall([5, 4, 3, 2, 1])[0] == -1.0
    tau, p = drift.mann_kendall([3, 3, 3, 3])
    assert tau == 0.0
    assert p == 0.5  # no trend: as likely up as down
    assert drift.mann_kendall([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])[1] < 0.01


def test_steady_memory_growth_is_drift_naming_the_service() -> None:
    leak = [(300 + 48 * i) * MIB for i in range(6)]
    found = drift.findings({"dagster-user-code": leak}, {}, {})
    assert len(found) == 1
    assert "memory drift: dagster-user-code" in found[0]
    assert "MiB per iteration" in found[0]


def test_noise_warmup_and_a_spike_are_not_drift() -> None:
    noisy = [x * MIB for x in (400, 300, 305, 298, 303, 301, 299, 304)]  # warm-up, then flat
    spike = [x * MIB for x in (300, 301, 302, 900, 301, 302, 300)]
    small = [(300 + 2 * i) * MIB for i in range(8)]  # grows, but 14 MiB in total
    assert drift.findings({"a": noisy, "b": spike, "c": small}, {}, {}) == []


def test_rising_latency_is_drift_and_tolerance_is_a_setting() -> None:
    p95 = [0.05, 0.06, 0.08, 0.09, 0.11, 0.12]
    assert drift.findings({}, {"graphql_p95_seconds": p95}, {})[0].startswith("latency drift")
    relaxed = {"FLOE_SOAK_LATENCY_RATIO": "5"}
    assert drift.findings({}, {"graphql_p95_seconds": p95}, relaxed) == []


def test_too_few_iterations_say_nothing() -> None:
    assert drift.findings({"a": [1 * MIB, 500 * MIB]}, {"p": [0.1, 9.0]}, {}) == []


def test_three_rising_samples_are_not_drift() -> None:
    # a real 45 s soak on the cluster: run memory in the user-code container and a slower
    # p95 on the third of three iterations; noise rises three times in a row 1 time in 6
    memory = [115 * MIB, 117 * MIB, 222 * MIB]
    p95 = [0.028, 0.031, 0.048]
    assert drift.findings({"dagster-user-code": memory}, {"graphql_p95_seconds": p95}, {}) == []
    assert drift.trend(p95).tau == 1.0  # steady, yet p = 0.15: not evidence of drift
