"""Shard results back from the logs: one shard without results does not lose the others',
and an OOM kill's message says what came back."""

from __future__ import annotations

from pathlib import Path

from floe_testing.jobs.classify import Problem
from floe_testing.jobs.results import decode_shards, held_problem, with_oom_kills
from floe_testing.protocol import frames

JUNIT = Path("results/integration/junit.xml")
OOM = Problem("oom-killed", "test pod p was OOMKilled", "raise the memory limit", pod="p")


def _delivered(shard: int) -> frames.ShardResult:
    return frames.ShardResult(shard=shard, exit_status=0, junit_xml="<testsuites/>")


def test_a_shard_without_results_does_not_lose_the_others() -> None:
    lines, _, _ = frames.encode(_delivered(0))
    decoded, missing = decode_shards(
        {1: (["pytest never started"], {"exitCode": 137, "reason": "OOMKilled"}), 0: (lines, None)}
    )
    assert decoded == [_delivered(0)]
    assert [error.cause for error in missing] == ["no-results"]
    assert "shard 1 ended without results (container exit 137, OOMKilled)" in missing[0].message


def test_an_oom_kill_says_which_results_came_back() -> None:
    own = held_problem({0: OOM}, [_delivered(0)], JUNIT)
    assert own.message == (
        "test pod p was OOMKilled; what it delivered (the test it was running as an error) "
        f"is in {JUNIT}"
    )
    assert (own.cause, own.hint) == (OOM.cause, OOM.hint)
    others = held_problem({1: OOM}, [_delivered(0)], JUNIT)
    assert others.message.endswith(f"it delivered no results; the other shards' are in {JUNIT}")
    none = held_problem({0: OOM}, [], JUNIT)
    assert none.message.endswith("it delivered no results (the kernel killed the runner too)")


def test_an_oom_kill_only_the_runner_saw_is_held_too() -> None:
    seen = frames.ShardResult(shard=1, exit_status=-9, junit_xml="", crashed=True, oom_killed=True)
    held = with_oom_kills({0: OOM}, [_delivered(0), seen], {0: "p", 1: "job-1-xyz"})
    assert list(held) == [0, 1]
    assert held[0] is OOM
    assert held[1].cause == "oom-killed"
    assert held[1].message == (
        "test pod job-1-xyz was OOMKilled (container test-runner exceeded its memory limit)"
    )
    assert with_oom_kills({}, [_delivered(0)], {0: "p"}) == {}
