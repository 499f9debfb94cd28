"""Split a suite across shards: deterministic, every test exactly once, balanced.

Each pod collects the same suite from the same image, so the same pure function applied to
the same collection order gives every pod a disjoint slice without any coordination.
Slices are contiguous in collection order (module- and class-scoped fixtures stay in one
shard) and cut where the cumulative weight crosses ``k / count`` of the total. The weight of
a test is its recorded duration when a durations file has any, the mean of the known ones for
new tests, and 1 for every test otherwise (a split by count).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

# Where a run records its tests' durations (``<results-dir>/<tier>/durations.json``) and where
# the next run of the tier reads them back to balance its shards.
RECORDED_DURATIONS = "durations.json"
# The environment variable that carries them into the test pods (JSON ``{test id: seconds}``).
ENV_DURATIONS = "FLOE_TEST_DURATIONS"


def split(
    test_ids: Sequence[str], count: int, durations: Mapping[str, float] | None = None
) -> list[list[str]]:
    """``count`` contiguous slices of ``test_ids`` of about equal total weight."""
    if count < 1:
        raise ValueError("shard count must be at least 1")
    weights = _weights(test_ids, durations or {})
    total = sum(weights)
    slices: list[list[str]] = [[] for _ in range(count)]
    done = 0.0
    shard = 0
    for index, (test_id, weight) in enumerate(zip(test_ids, weights, strict=True)):
        remaining_tests = len(test_ids) - index
        remaining_shards = count - shard
        # move on when this shard reached its share, or when later shards would starve
        if (
            shard < count - 1
            and slices[shard]
            and (
                done + weight / 2 > total * (shard + 1) / count
                or remaining_tests < remaining_shards
            )
        ):
            shard += 1
        slices[shard].append(test_id)
        done += weight
    return slices


def select(
    test_ids: Sequence[str], index: int, count: int, durations: Mapping[str, float] | None = None
) -> list[str]:
    """The tests of shard ``index`` (0-based) out of ``count``."""
    if not 0 <= index < count:
        raise ValueError(f"shard index {index} is outside 0..{count - 1}")
    return split(test_ids, count, durations)[index]


def _weights(test_ids: Sequence[str], durations: Mapping[str, float]) -> list[float]:
    known = [durations[t] for t in test_ids if t in durations and durations[t] >= 0]
    if not known:
        return [1.0] * len(test_ids)
    default = sum(known) / len(known)
    # a floor keeps zero-duration tests from collapsing into one shard
    floor = max(default / 100, 1e-6)
    return [max(durations.get(t, default), floor) for t in test_ids]


def load_durations(path: Path | None) -> dict[str, float]:
    """Recorded durations (``{test id: seconds}``); empty when the file is absent or bad."""
    if path is None or not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): float(v) for k, v in data.items() if isinstance(v, int | float)}


def recorded_durations(results_dir: Path) -> dict[str, float]:
    """The durations the previous run of this tier recorded in its results folder."""
    return load_durations(results_dir / RECORDED_DURATIONS)
