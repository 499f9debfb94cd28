"""What the report shows, computed from history records (no plotting here, easy to test).

Runs are the ``kind == "run"`` records in start order; soak iterations belong to their run.
A test is **flaky** when its outcome changed between runs of the same git revision (the
code did not change, the result did), or when it went back and forth (two flips or more)
with a flip rate over the last ``WINDOW`` runs (outcome changes between consecutive runs /
(runs - 1), skips ignored) of at least ``FLIP_RATE``. A test that starts failing and stays
failing is a regression, not flaky.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

WINDOW = 20
FLIP_RATE = 0.5
FAILING = {"failed", "error"}


def runs_of(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    runs = [r for r in records if r.get("kind") == "run"]
    return sorted(runs, key=lambda r: str(r.get("started_at")))


def soaks_of(records: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Soak iterations grouped by run id, in iteration order."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        if record.get("kind") == "soak-iteration":
            grouped.setdefault(str(record.get("run_id")), []).append(record)
    for iterations in grouped.values():
        iterations.sort(key=lambda r: int(r.get("iteration") or 0))
    return grouped


def label(run: dict[str, Any]) -> str:
    started = str(run.get("started_at", ""))[5:16].replace("T", " ")
    return f"{started} {run.get('run_id', '')}"


def pass_rate(run: dict[str, Any]) -> float | None:
    totals = run.get("totals") or {}
    ran = int(totals.get("tests", 0)) - int(totals.get("skipped", 0))
    return None if ran <= 0 else 100.0 * int(totals.get("passed", 0)) / ran


@dataclass(frozen=True)
class Flaky:
    name: str
    flip_rate: float
    outcomes: tuple[str, ...]
    same_revision: bool


def _outcomes(runs: list[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    seen: dict[str, list[tuple[str, str]]] = {}
    for run in runs:
        for test in run.get("tests") or []:
            outcome = "failed" if test.get("outcome") in FAILING else test.get("outcome")
            if outcome in ("passed", "failed"):
                seen.setdefault(str(test["name"]), []).append(
                    (outcome, str(run.get("git_revision")))
                )
    return seen


def flaky_tests(records: Iterable[dict[str, Any]], window: int = WINDOW) -> list[Flaky]:
    runs = runs_of(records)[-window:]
    found = []
    for name, history in _outcomes(runs).items():
        outcomes = [o for o, _ in history]
        if len(outcomes) < 2 or len(set(outcomes)) < 2:
            continue
        flips = sum(a != b for a, b in pairwise(outcomes))
        rate = flips / (len(outcomes) - 1)
        by_revision: dict[str, set[str]] = {}
        for outcome, revision in history:
            by_revision.setdefault(revision, set()).add(outcome)
        same = any(len(o) > 1 for o in by_revision.values())
        if same or (flips >= 2 and rate >= FLIP_RATE):
            found.append(Flaky(name, rate, tuple(outcomes), same))
    return sorted(found, key=lambda f: (-f.flip_rate, f.name))


@dataclass(frozen=True)
class SlowTest:
    name: str
    median_seconds: float
    last_seconds: float
    series: tuple[float | None, ...]  # one per run, None where it did not run


def slowest_tests(records: Iterable[dict[str, Any]], top: int = 10) -> list[SlowTest]:
    runs = runs_of(records)
    per_test: dict[str, list[float | None]] = {}
    for index, run in enumerate(runs):
        for test in run.get("tests") or []:
            if test.get("outcome") == "skipped":
                continue
            series = per_test.setdefault(str(test["name"]), [None] * len(runs))
            series[index] = float(test.get("seconds") or 0.0)
    ranked = []
    for name, series in per_test.items():
        values = [v for v in series if v is not None]
        ranked.append(SlowTest(name, statistics.median(values), values[-1], tuple(series)))
    return sorted(ranked, key=lambda t: -t.median_seconds)[:top]


def metric_names(runs: list[dict[str, Any]]) -> list[str]:
    return sorted({name for run in runs for name in (run.get("metrics") or {})})


def phase_names(runs: list[dict[str, Any]]) -> list[str]:
    names: list[str] = []
    for run in runs:
        for name in run.get("phases") or {}:
            if name not in names:
                names.append(name)
    return names
