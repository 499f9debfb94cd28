"""unique_name: DNS-1123 labels, at most 63 characters, no repeats across processes."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest

from floe_testing.pytest_plugin.names import is_dns_label, sanitize, unique_name


@pytest.mark.parametrize(
    ("prefix", "head"),
    [
        ("orders", "orders"),
        ("Daily Revenue_by.Segment", "daily-revenue-by-segment"),
        ("--Trim--", "trim"),
        ("1st-run", "t-1st-run"),
        ("", "t"),
        ("ÜBER", "ber"),
    ],
)
def test_prefix_is_sanitized(prefix: str, head: str) -> None:
    name = unique_name(prefix)
    assert name.rsplit("-", 1)[0] == head
    assert is_dns_label(name), name


def test_long_prefixes_are_truncated_to_63_characters() -> None:
    name = unique_name("x" * 200 + "-")
    assert len(name) == 63
    assert is_dns_label(name)


def test_max_length_and_separator() -> None:
    name = unique_name("warehouse namespace", max_length=24, separator="_")
    assert len(name) <= 24
    assert name.startswith("warehouse_")
    assert "-" not in name
    with pytest.raises(ValueError, match="max_length"):
        unique_name("x", max_length=5)
    with pytest.raises(ValueError, match="separator"):
        unique_name("x", separator=".")


def test_sanitize_keeps_valid_names() -> None:
    assert sanitize("floe-test") == "floe-test"


def _batch(count: int) -> list[str]:
    return [unique_name("run") for _ in range(count)]


def test_no_collisions_within_and_across_processes() -> None:
    local = _batch(5000)
    with ProcessPoolExecutor(max_workers=2) as pool:
        remote = [name for batch in pool.map(_batch, [5000, 5000]) for name in batch]
    everything = local + remote
    assert len(set(everything)) == len(everything) == 15000
