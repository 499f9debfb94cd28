"""The first line a user reads names the chosen backend and why, in one level of words."""

from __future__ import annotations

import pytest

from floe_testing import backends
from floe_testing.backends.base import Availability
from floe_testing.config import load_project


def test_the_reason_names_skipped_backends_without_nested_parentheses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def availability(name: str) -> Availability:
        if name == "kind":
            return Availability(False, "the kind backend needs `kind` (not on PATH)")
        return Availability(True, "ok")

    monkeypatch.setattr(backends, "availability", availability)
    tier = load_project().config.tiers["integration"]
    name, why = backends.choose_backend(tier, None)
    assert name == "local"
    assert why.startswith("the integration tier's first usable backend; skipped kind: ")
    line = f"backend {name} ({why})"
    depth = 0
    deepest = 0
    for char in line:
        depth += {"(": 1, ")": -1}.get(char, 0)
        deepest = max(deepest, depth)
    assert deepest <= 2  # the reason's own words may hold one pair, never ours around it
