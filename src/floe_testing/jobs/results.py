"""Shard results from the pod logs -> per-shard JUnit files, the merged JUnit, one verdict.

Per-shard files stay in ``<results>/<tier>/shards/junit-<i>.xml``; the merge (through
``floe_testing.report.junit.merge``) lands at ``<results>/<tier>/junit.xml``. Recorded test
durations go to ``durations.json`` so a later run can balance its split with them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from floe_testing.config.labels import RUNNER_CONTAINER
from floe_testing.core.errors import InfrastructureError
from floe_testing.jobs.classify import Problem, oom_killed
from floe_testing.protocol import frames
from floe_testing.protocol.exit_status import PytestExit
from floe_testing.protocol.shards import RECORDED_DURATIONS, recorded_durations


@dataclass(frozen=True)
class Verdict:
    exit_status: int
    detail: str


def decode_shard(
    index: int, lines: list[str], terminated: dict[str, Any] | None
) -> frames.ShardResult:
    """The shard's result, verified against its termination message; raise when absent."""
    message = (terminated or {}).get("message") or ""
    summary = frames.Summary.decode(message.strip())
    result = frames.decode(lines, summary.nonce if summary else None)
    if result is None and summary is not None:
        # the log lost the frame (rotation, a cut read): the message's own copy, else any
        # verified frame (the pinned one is damaged)
        result = summary.result() or frames.decode(lines)
    if result is None:
        code = (terminated or {}).get("exitCode")
        reason = (terminated or {}).get("reason") or "unknown"
        raise InfrastructureError(
            f"shard {index} ended without results (container exit {code}, {reason})",
            "the test runner did not deliver its report; read the shard log in the "
            "diagnostics folder (a wrong image command or a crash before pytest started)",
            cause="no-results",
        )
    return result


def decode_shards(
    shards: dict[int, tuple[list[str], dict[str, Any] | None]],
) -> tuple[list[frames.ShardResult], list[InfrastructureError]]:
    """Every shard's result that came back, and why each other one did not: one shard
    without results does not lose the others'."""
    decoded: list[frames.ShardResult] = []
    missing: list[InfrastructureError] = []
    for index, (lines, terminated) in sorted(shards.items()):
        try:
            decoded.append(decode_shard(index, lines, terminated))
        except InfrastructureError as exc:
            missing.append(exc)
    return decoded, missing


def with_oom_kills(
    held: dict[int, Problem], decoded: list[frames.ShardResult], pods: dict[int, str]
) -> dict[int, Problem]:
    """The held causes plus the OOM kills only the runners saw (their pod status said
    ``Error``: the runtime reported the exit before the kernel's OOM event)."""
    found = dict(held)
    for result in decoded:
        if result.oom_killed and result.shard not in found:
            found[result.shard] = oom_killed(pods.get(result.shard, "?"), RUNNER_CONTAINER)
    return found


def held_problem(
    held: dict[int, Problem], decoded: list[frames.ShardResult], junit_path: Path
) -> Problem:
    """The first held cause (an OOM kill), saying which results came back anyway."""
    index, problem = min(held.items())
    if any(result.shard == index for result in decoded):
        kept = f"what it delivered (the test it was running as an error) is in {junit_path}"
    elif decoded:
        kept = f"it delivered no results; the other shards' are in {junit_path}"
    else:
        kept = "it delivered no results (the kernel killed the runner too)"
    return replace(problem, message=f"{problem.message}; {kept}")


def verdict(results: list[frames.ShardResult]) -> Verdict:
    """One pytest-style status for all shards: a crash or failure anywhere fails the run;
    a shard that got no tests (more shards than tests) does not count as 'no tests'."""
    statuses = [r.exit_status for r in results]
    details = [f"shard {r.shard}: {r.detail}" for r in results if r.crashed and r.detail]
    if any(r.crashed for r in results):
        return Verdict(PytestExit.TESTS_FAILED.value, "; ".join(details) + "; partial results kept")
    worst_first = (
        PytestExit.INTERNAL_ERROR,
        PytestExit.USAGE_ERROR,
        PytestExit.INTERRUPTED,
        PytestExit.TESTS_FAILED,
    )
    for worst in worst_first:
        if worst in statuses:
            return Verdict(worst.value, "")
    if all(s == PytestExit.NO_TESTS_COLLECTED for s in statuses):
        return Verdict(PytestExit.NO_TESTS_COLLECTED.value, "")
    return Verdict(PytestExit.OK.value, "")


def write(results: list[frames.ShardResult], results_dir: Path, junit_path: Path) -> Verdict:
    """Write the shard files and the merged JUnit; return the run's verdict."""
    from floe_testing.report.junit import merge

    shard_dir = results_dir / "shards"
    shard_dir.mkdir(parents=True, exist_ok=True)
    parts: list[Path] = []
    durations: dict[str, float] = {}
    for result in sorted(results, key=lambda r: r.shard):
        part = shard_dir / f"junit-{result.shard}.xml"
        part.write_text(result.junit_xml, encoding="utf-8")
        parts.append(part)
        durations.update(result.durations)
    merge(parts, junit_path)
    # keep what earlier runs measured for tests this run did not run (-k, a shard that failed)
    recorded = {**recorded_durations(results_dir), **durations}
    (results_dir / RECORDED_DURATIONS).write_text(json.dumps(recorded, indent=1, sort_keys=True))
    return verdict(results)
