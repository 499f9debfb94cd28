"""``floe-test cluster up|down|status`` with the stand-in kind and an emulated API server."""

from __future__ import annotations

import json
from typing import Any

from harness.standins import StandIns, floe_test


def test_up_creates_then_reuses_status_and_down(standins: StandIns, emulated: Any) -> None:
    env = standins.env(kubeconfig=emulated.kubeconfig)
    first = floe_test(["cluster", "up"], env)
    assert first.returncode == 0, first.stderr
    kubeconfig = first.stdout.strip()
    assert kubeconfig.endswith("kind/floe-dev/kubeconfig")
    assert "created and ready" in first.stderr
    assert standins.clusters() == ["floe-dev"]
    again = floe_test(["cluster", "up"], env)
    assert again.returncode == 0
    assert "reused" in again.stderr
    assert sum(1 for c in standins.calls("kind") if c[1] == "create") == 1
    status = floe_test(["cluster", "status", "--json"], env)
    assert status.returncode == 0
    assert json.loads(status.stdout) == {
        "name": "floe-dev",
        "exists": True,
        "created_by_floe_test": True,
        "kubeconfig": kubeconfig,
    }
    down = floe_test(["cluster", "down"], env)
    assert down.returncode == 0
    assert standins.clusters() == []
    assert floe_test(["cluster", "status"], env).returncode == 1


def test_down_leaves_a_foreign_cluster_unless_forced(standins: StandIns) -> None:
    standins.add_cluster("someone-elses")
    env = standins.env()
    refused = floe_test(["cluster", "down", "--name", "someone-elses"], env, timeout=30)
    assert refused.returncode == 2
    assert "was not created by floe-test" in refused.stderr
    assert "--force" in refused.stderr
    assert standins.clusters() == ["someone-elses"]
    forced = floe_test(["cluster", "down", "--name", "someone-elses", "--force"], env, timeout=30)
    assert forced.returncode == 0
    assert standins.clusters() == []


def test_cluster_commands_run_the_preflight(standins: StandIns) -> None:
    standins.set(daemon="down")
    done = floe_test(["cluster", "up"], standins.env(), timeout=30)
    assert done.returncode == 2
    assert "daemon is not running" in done.stderr
    assert standins.calls("kind") == []
