"""``floe-test cluster`` where real Kind cannot go: a stopped daemon. Creating, reusing,
status, and down (own and foreign clusters) run on real Kind in ``tests/kind/``."""

from __future__ import annotations

from harness.standins import StandIns, floe_test


def test_cluster_commands_run_the_preflight(standins: StandIns) -> None:
    standins.set(daemon="down")
    done = floe_test(["cluster", "up"], standins.env(), timeout=30)
    assert done.returncode == 2
    assert "daemon is not running" in done.stderr
    assert standins.calls("kind") == []
