"""The shard split: every test exactly once, deterministic, balanced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from floe_testing.protocol.shards import load_durations, select, split

IDS = [f"tests/test_{m}.py::test_{i}" for m in range(7) for i in range(5)]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7, 35, 40])
def test_every_test_exactly_once_and_count_balanced(count: int) -> None:
    slices = split(IDS, count)
    assert len(slices) == count
    flat = [t for s in slices for t in s]
    assert flat == IDS  # contiguous, in collection order, nothing lost or doubled
    sizes = [len(s) for s in slices]
    assert max(sizes) - min(sizes) <= 1


def test_select_is_deterministic_and_disjoint() -> None:
    picked = [select(IDS, i, 3) for i in range(3)]
    assert picked == [select(IDS, i, 3) for i in range(3)]
    assert sorted(t for p in picked for t in p) == sorted(IDS)


def test_recorded_durations_balance_the_time_not_the_count() -> None:
    ids = ["a", "b", "c", "d", "e", "f"]
    durations = {"a": 30.0, "b": 1.0, "c": 1.0, "d": 1.0, "e": 1.0, "f": 1.0}
    slices = split(ids, 2, durations)
    assert slices[0] == ["a"]
    assert slices[1] == ["b", "c", "d", "e", "f"]


def test_unknown_tests_weigh_the_mean_of_known_ones() -> None:
    slices = split(["a", "new1", "new2", "b"], 2, {"a": 2.0, "b": 2.0})
    assert [len(s) for s in slices] == [2, 2]


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        split(IDS, 0)
    with pytest.raises(ValueError, match="outside"):
        select(IDS, 3, 3)


def test_durations_file_is_optional_and_tolerant(tmp_path: Path) -> None:
    assert load_durations(tmp_path / "missing") == {}
    bad = tmp_path / "bad"
    bad.write_text("{not json")
    assert load_durations(bad) == {}
    good = tmp_path / "good"
    good.write_text(json.dumps({"a": 1, "b": "x"}))
    assert load_durations(good) == {"a": 1.0}
